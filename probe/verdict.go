package probe

import (
	"fmt"
	"strings"
)

// joinDot joins verdict parts the way the table shows them.
func joinDot(parts []string) string { return strings.Join(parts, " · ") }

// verdict builds the one-line summary an on-call reads, e.g.
// "SNI ok · default cert differs (site-a) · no-SNI Host gets 421 · h2".
func verdict(r *Result) string {
	if r.Err != "" {
		return "error: " + r.Err
	}
	var p []string
	if r.Target.Scheme == SchemeHTTP {
		p = append(p, "cleartext")
		if u := r.H2CUpgrade; u != nil && u.Got == gotTLS {
			return joinDot(append(p, "TLS port: use https://"))
		}
		if u, pk := r.H2CUpgrade, r.H2CPrior; u != nil && pk != nil && !cleartextAnswered(r) && u.Status != StatusFail && pk.Status != StatusFail {
			return joinDot(append(p, "no HTTP answer: every connection closed or reset"))
		}
		if u := r.H2CUpgrade; u != nil && u.Status == StatusInfo && (u.Got == gotH2Frames ||
			u.Got == gotClosed && r.H2CPrior != nil && r.H2CPrior.Status == StatusOK) {
			// Not just "upgrade off": HTTP/1.1 clients get frames back here,
			// or nothing, while HTTP/2 by prior knowledge works.
			p = append(p, "h2-only (no HTTP/1.1)")
		} else {
			p = append(p, h2cPart("h2c upgrade", r.H2CUpgrade, "off"))
		}
		p = append(p, h2cPart("h2c direct", r.H2CPrior, "off"))
		return joinDot(p)
	}
	switch {
	case r.TLS == nil:
	case r.TLS.Status == StatusSkipped:
		p = append(p, "IP: no SNI")
	case r.TLS.Cert == nil:
		p = append(p, "TLS failed: "+r.TLS.Error)
	case r.TLS.Verified:
		p = append(p, "SNI ok")
	case r.insecure:
		p = append(p, "cert "+shortVerify(r.TLS)+" (-k)")
	default:
		p = append(p, "cert "+shortVerify(r.TLS))
	}
	switch r.OCSP {
	case OCSPRevoked:
		p = append(p, "REVOKED (OCSP)")
	case OCSPGood:
		p = append(p, "OCSP good")
	case OCSPUnknown:
		p = append(p, "OCSP unknown")
	case OCSPInvalid:
		p = append(p, "OCSP staple invalid")
	}
	switch r.Expiry {
	case ExpiryWarn:
		p = append(p, fmt.Sprintf("expiring: %dd left", r.DaysLeft))
	case ExpirySoon:
		p = append(p, fmt.Sprintf("%dd left", r.DaysLeft))
	}
	if c := r.NoSNI; c != nil {
		switch {
		case r.Name == "" && c.Cert != nil && c.Verified:
			p = append(p, "cert ok for IP")
		case r.Name == "" && c.Cert != nil:
			p = append(p, "cert for "+short(certLabel(c.Cert)))
		case c.Cert == nil:
			p = append(p, "no-SNI refused")
		case c.SameAsSNI != nil && *c.SameAsSNI:
			p = append(p, "default cert same")
		default:
			p = append(p, "default cert differs ("+short(certLabel(c.Cert))+")")
		}
	}
	if m := r.Misdirected; m != nil {
		if m.NoSNI != nil && m.NoSNI.Status == 421 {
			p = append(p, "no-SNI Host gets 421")
		} else if m.NoSNI != nil && m.NoSNI.Status == 403 {
			p = append(p, "no-SNI gets 403")
		}
		if m.DefaultSNI != nil && m.DefaultSNI.Status == 421 {
			p = append(p, "cross-SNI 421")
		}
		if m.Status == StatusFail && (r.H2 == nil || r.H2.Status != StatusFail) {
			p = append(p, "Host check failed")
		}
	}
	if h := r.H2; h != nil {
		switch {
		case h.Status == StatusOK:
			p = append(p, "h2")
		case h.Status == StatusInfo:
			p = append(p, "no h2")
		default:
			// Which request failed; the check's Error says why.
			tc := r.TLS
			if r.Name == "" {
				tc = r.NoSNI
			}
			what := "HTTP/1.1"
			if tc != nil && tc.ALPN == "h2" {
				what = "h2"
			}
			p = append(p, what+" request failed")
		}
	}
	if r.HSTS != "" {
		p = append(p, "HSTS")
	}
	if len(r.LegacyTLS) > 0 {
		p = append(p, strings.Join(r.LegacyTLS, "+")+" accepted")
	}
	if len(r.Warnings) > 0 {
		p = append(p, fmt.Sprintf("%d warning(s)", len(r.Warnings)))
	}
	return joinDot(p)
}

func h2cPart(label string, c *HTTPCheck, off string) string {
	switch {
	case c == nil:
		return label + " ?"
	case c.Status == StatusOK:
		return label + " ok"
	case c.Status == StatusInfo:
		return label + " " + off
	}
	return label + " failed"
}

// short trims a certificate label to its first label for verdict lines.
func short(s string) string {
	if len(s) > 24 {
		return s[:23] + "…"
	}
	return s
}
