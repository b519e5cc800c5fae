package probe

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// alpnOffer is what every TLS check offers; the server's choice is reported.
var alpnOffer = []string{"h2", "http/1.1"}

// handshake connects to addr and runs a TLS handshake sending sni (empty:
// no SNI), without verification: the certificate is inspected first and
// verified afterwards. tls.Client is used on purpose: tls.Dial would fill
// ServerName from the dialed address.
func handshake(ctx context.Context, addr, sni string, timeout time.Duration) (*tls.Conn, error) {
	raw, err := dial(ctx, addr, timeout)
	if err != nil {
		return nil, err
	}
	c := tls.Client(raw, &tls.Config{
		ServerName:         sni,
		InsecureSkipVerify: true,
		NextProtos:         alpnOffer,
	})
	done := step(ctx, raw, timeout)
	err = c.HandshakeContext(ctx)
	done()
	if err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
}

// tlsCheck runs one handshake and fills a TLSCheck; the connection is
// returned open (nil on failure) so that a request can follow on it.
func tlsCheck(ctx context.Context, addr, sni, verifyName string, opts Options) (*TLSCheck, *tls.Conn, error) {
	start := time.Now()
	c := &TLSCheck{SNI: sni, VerifyName: verifyName, Staple: OCSPInfo{Status: OCSPNone}}
	c.Name = "tls"
	if sni == "" {
		c.Name = "tls_no_sni"
	}
	conn, err := handshake(ctx, addr, sni, opts.timeout())
	c.Duration = time.Since(start)
	if err != nil {
		c.Status = StatusFail
		c.Error = opts.describe(err, "TLS handshake")
		c.ErrorClass = classOf(err)
		c.Summary = c.Error
		return c, nil, err
	}
	cs := conn.ConnectionState()
	c.Version = tls.VersionName(cs.Version)
	c.Cipher = tls.CipherSuiteName(cs.CipherSuite)
	c.ALPN = cs.NegotiatedProtocol
	c.ChainLen = len(cs.PeerCertificates)
	c.OCSP = len(cs.OCSPResponse) > 0
	if len(cs.PeerCertificates) == 0 {
		c.Status = StatusFail
		c.Error, c.ErrorClass = "server sent no certificate", ClassTLS
		c.Summary = c.Error
		return c, conn, nil
	}
	leaf := cs.PeerCertificates[0]
	c.Cert = certInfo(leaf, time.Now())
	problems := verify(cs.PeerCertificates, verifyName, opts.Roots, time.Now())
	c.Verified = len(problems) == 0
	c.VerifyErr = strings.Join(problems, "; ")
	alpn := c.ALPN
	if alpn == "" {
		alpn = "none"
	}
	c.Summary = fmt.Sprintf("%s, cert %s (%s), ALPN %s", c.Version, certLabel(c.Cert), expiryLabel(c.Cert), alpn)
	if c.Verified {
		c.Status = StatusOK
		c.Summary += ", valid for " + verifyName
	} else {
		c.Status = StatusFail
		c.ErrorClass = ClassCertificate
		c.Summary += ", " + c.VerifyErr
		if opts.Insecure {
			c.Status = StatusWarn
			c.Summary += " (ignored: --insecure)"
		}
	}
	c.Staple = parseStaple(cs.OCSPResponse, cs.PeerCertificates, opts.Roots, time.Now())
	if n := ocspNote(c.Staple); n != "" {
		c.Summary += "; " + n
	}
	switch c.Staple.Status {
	case OCSPRevoked:
		c.Status = StatusFail
	case OCSPUnknown, OCSPInvalid:
		if c.Status == StatusOK {
			c.Status = StatusWarn
		}
	}
	return c, conn, nil
}

// certInfo extracts what an admin looks at in a leaf certificate.
func certInfo(leaf *x509.Certificate, now time.Time) *CertInfo {
	sum := sha256.Sum256(leaf.Raw)
	ci := &CertInfo{
		Subject:    leaf.Subject.String(),
		Issuer:     leaf.Issuer.String(),
		DNSNames:   leaf.DNSNames,
		NotBefore:  leaf.NotBefore.UTC(),
		NotAfter:   leaf.NotAfter.UTC(),
		DaysLeft:   int(leaf.NotAfter.Sub(now).Hours() / 24),
		SelfSigned: bytes.Equal(leaf.RawIssuer, leaf.RawSubject) && leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil,
		SHA256:     hex.EncodeToString(sum[:]),
	}
	if leaf.NotAfter.Before(now) {
		ci.DaysLeft = -int(now.Sub(leaf.NotAfter).Hours()/24) - 1
	}
	for _, ip := range leaf.IPAddresses {
		ci.IPs = append(ci.IPs, ip.String())
	}
	return ci
}

// certLabel names a certificate briefly: its first DNS name, else its CN.
func certLabel(ci *CertInfo) string {
	if ci == nil {
		return "-"
	}
	if len(ci.DNSNames) > 0 {
		return ci.DNSNames[0]
	}
	if len(ci.IPs) > 0 {
		return ci.IPs[0]
	}
	return ci.Subject
}

func expiryLabel(ci *CertInfo) string {
	if ci.DaysLeft < 0 {
		return fmt.Sprintf("expired %dd ago", -ci.DaysLeft)
	}
	return fmt.Sprintf("%dd left", ci.DaysLeft)
}

// verify checks name, validity period and chain separately so that every
// problem is reported, not only the first one Go's Verify meets. SANs only:
// the CN is ignored, as by every current client.
func verify(chain []*x509.Certificate, name string, roots *x509.CertPool, now time.Time) []string {
	leaf := chain[0]
	var problems []string
	if name != "" {
		if err := leaf.VerifyHostname(name); err != nil {
			covers := append([]string(nil), leaf.DNSNames...)
			for _, ip := range leaf.IPAddresses {
				covers = append(covers, ip.String())
			}
			if len(covers) == 0 {
				problems = append(problems, fmt.Sprintf("not valid for %s (no SANs)", name))
			} else {
				if len(covers) > 4 {
					covers = append(covers[:4], "…")
				}
				problems = append(problems, fmt.Sprintf("not valid for %s (covers %s)", name, strings.Join(covers, ", ")))
			}
		}
	}
	switch {
	case now.After(leaf.NotAfter):
		problems = append(problems, "expired on "+leaf.NotAfter.UTC().Format("2006-01-02"))
	case now.Before(leaf.NotBefore):
		problems = append(problems, "not valid before "+leaf.NotBefore.UTC().Format("2006-01-02"))
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	// Go's Verify stops at the first problem, expiry included; to learn
	// whether the issuer is trusted, retry inside the leaf's validity.
	var err error
	for _, at := range []time.Time{now, leaf.NotAfter.Add(-time.Second), leaf.NotBefore.Add(time.Second)} {
		_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at})
		var inv x509.CertificateInvalidError
		if err == nil || !errors.As(err, &inv) || inv.Reason != x509.Expired {
			break
		}
	}
	if err != nil {
		var ua x509.UnknownAuthorityError
		var inv x509.CertificateInvalidError
		switch {
		case errors.As(err, &ua) && bytes.Equal(leaf.RawIssuer, leaf.RawSubject):
			problems = append(problems, "self-signed, not trusted")
		case errors.As(err, &ua):
			problems = append(problems, untrusted(chain))
		case errors.As(err, &inv) && inv.Reason == x509.Expired:
			// the leaf's expiry is already reported; a chain certificate
			// out of its own window at the same time is not worth a second line
		default:
			problems = append(problems, "chain: "+oneLine(err.Error()))
		}
	}
	return problems
}

// untrusted explains an unknown authority the way openssl and testssl.sh
// do: follow the chain the server sent as far as each certificate signs
// the previous one, and say where it stops.
func untrusted(chain []*x509.Certificate) string {
	end := chain[0]
	for _, c := range chain[1:] {
		if end.CheckSignatureFrom(c) != nil {
			break
		}
		end = c
	}
	switch {
	case end == chain[0]:
		// openssl: "unable to verify the first certificate"; testssl:
		// "chain incomplete". The issuer may be an intermediate the server
		// should send, or a CA the client does not trust (--ca).
		return fmt.Sprintf("chain incomplete (missing intermediate): the server sent only the leaf, and its issuer %q is not a trusted root", end.Issuer.CommonName)
	case bytes.Equal(end.RawIssuer, end.RawSubject):
		return fmt.Sprintf("issuer not trusted: the chain ends at the root %q, which is not trusted", end.Subject.CommonName)
	}
	return fmt.Sprintf("issuer not trusted: the chain ends at %q, issued by %q, which is not a trusted root", end.Subject.CommonName, end.Issuer.CommonName)
}

// shortVerify condenses verification problems for a verdict line.
func shortVerify(c *TLSCheck) string {
	var s []string
	e := c.VerifyErr
	if strings.Contains(e, "not valid for") {
		s = append(s, "wrong name ("+certLabel(c.Cert)+")")
	}
	if strings.Contains(e, "expired") {
		s = append(s, "expired")
	}
	if strings.Contains(e, "not valid before") {
		s = append(s, "not yet valid")
	}
	if strings.Contains(e, "self-signed") {
		s = append(s, "self-signed")
	} else if strings.Contains(e, "chain incomplete") {
		s = append(s, "chain incomplete")
	} else if strings.Contains(e, "not trusted") || strings.Contains(e, "chain:") {
		s = append(s, "untrusted")
	}
	if len(s) == 0 {
		return "invalid"
	}
	return strings.Join(s, ", ")
}
