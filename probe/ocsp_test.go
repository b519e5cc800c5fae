package probe

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// TestOCSPStaple: a Go TLS server staples responses made by the test CA
// (golang.org/x/crypto/ocsp): good and unknown are shown with their
// times, revoked fails the target, a stale, foreign or garbled staple is
// a warning.
func TestOCSPStaple(t *testing.T) {
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	other, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	revokedAt := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		staple  func(c tlsCert) ([]byte, error)
		ok      bool
		status  string
		verdict string // part of the verdict
		summary string // part of the TLS check's summary
	}{
		{"good", func(c tlsCert) ([]byte, error) { return ca.Staple(c, probetest.OCSPGood, time.Time{}, time.Time{}) },
			true, OCSPGood, "SNI ok · OCSP good ·", "OCSP good (updated "},
		{"unknown", func(c tlsCert) ([]byte, error) { return ca.Staple(c, probetest.OCSPUnknown, time.Time{}, time.Time{}) },
			true, OCSPUnknown, "SNI ok · OCSP unknown ·", "OCSP unknown (updated "},
		{"revoked", func(c tlsCert) ([]byte, error) { return ca.Staple(c, probetest.OCSPRevoked, revokedAt, time.Time{}) },
			false, OCSPRevoked, "SNI ok · REVOKED (OCSP) ·", "OCSP: REVOKED on 2026-11-20 10:00 UTC (keyCompromise)"},
		{"stale", func(c tlsCert) ([]byte, error) {
			return ca.Staple(c, probetest.OCSPGood, time.Time{}, time.Now().Add(-time.Minute))
		}, true, OCSPInvalid, "OCSP staple invalid", "OCSP staple out of date"},
		{"foreign", func(c tlsCert) ([]byte, error) { return other.Staple(c, probetest.OCSPGood, time.Time{}, time.Time{}) },
			true, OCSPInvalid, "OCSP staple invalid", "OCSP staple: "},
		{"garbage", func(tlsCert) ([]byte, error) { return []byte("\x30\x03\x0a\x01\x00 not OCSP \x1b[31m"), nil },
			true, OCSPInvalid, "OCSP staple invalid", "OCSP staple: "},
	}
	for _, c := range cases {
		cert, err := ca.Issue([]string{"ocsp.test"}, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if cert.OCSPStaple, err = c.staple(cert); err != nil {
			t.Fatal(err)
		}
		s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{{Names: []string{"ocsp.test"}, Cert: cert}}, H2: true})
		r := probeAt(t, at("ocsp.test", s), ca.Pool(), time.Second, 5*time.Second)
		st := r.TLS.Staple
		if r.OK != c.ok || r.OCSP != c.status || st.Status != c.status || !r.OCSPStapled ||
			!strings.Contains(r.Verdict, c.verdict) || !strings.Contains(r.TLS.Summary, c.summary) {
			t.Errorf("%s: ok=%v ocsp %q verdict %q summary %q staple %+v", c.name, r.OK, r.OCSP, r.Verdict, r.TLS.Summary, st)
			continue
		}
		switch c.status {
		case OCSPGood, OCSPUnknown:
			if !st.SignatureChecked || time.Since(st.ThisUpdate) > 2*time.Hour || time.Until(st.NextUpdate) < 6*24*time.Hour || r.TLS.Status == StatusFail {
				t.Errorf("%s: staple %+v status %s", c.name, st, r.TLS.Status)
			}
		case OCSPRevoked:
			if !st.RevokedAt.Equal(revokedAt) || st.Reason != "keyCompromise" || r.FailedStep != StepOCSP || r.TLS.Status != StatusFail {
				t.Errorf("revoked: %+v step %q", st, r.FailedStep)
			}
		case OCSPInvalid:
			if r.TLS.Status != StatusWarn || st.Error == "" {
				t.Errorf("%s: status %s staple %+v", c.name, r.TLS.Status, st)
			}
		}
	}
	// Insecure (-k) forgives an untrusted chain, not a revocation.
	cert, _ := ca.Issue([]string{"rev.test"}, time.Time{}, time.Time{})
	cert.OCSPStaple, _ = ca.Staple(cert, probetest.OCSPRevoked, revokedAt, time.Time{})
	rs := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{{Names: []string{"rev.test"}, Cert: cert}}})
	tg, _ := ParseTarget(at("rev.test", rs))
	if r := Run(t.Context(), tg, Options{Timeout: time.Second, Insecure: true}); r.OK || r.FailedStep != StepOCSP || r.TLS.Verified {
		t.Errorf("revoked with -k and no roots: ok=%v step %q verdict %q", r.OK, r.FailedStep, r.Verdict)
	}
	if r := Run(t.Context(), tg, Options{Timeout: time.Second, Insecure: true, Roots: other.Pool()}); r.OK {
		t.Errorf("revoked with -k: ok")
	}

	// Nothing stapled: "none", nothing in the verdict.
	cert, _ = ca.Issue([]string{"plain.test"}, time.Time{}, time.Time{})
	s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{{Names: []string{"plain.test"}, Cert: cert}}})
	if r := probeAt(t, at("plain.test", s), ca.Pool(), time.Second, 5*time.Second); r.OCSP != OCSPNone || r.OCSPStapled || strings.Contains(r.Verdict, "OCSP") {
		t.Errorf("no staple: ocsp %q verdict %q", r.OCSP, r.Verdict)
	}
}

type tlsCert = tls.Certificate
