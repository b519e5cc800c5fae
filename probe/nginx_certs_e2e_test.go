package probe

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// TestNginxOCSPStapleE2E: nginx staples the responses of
// ssl_stapling_file; revoked fails the target, good is shown with its
// times. And a leaf served without its intermediate is "chain incomplete
// (missing intermediate)", with it verified.
func TestNginxOCSPStapleE2E(t *testing.T) {
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	revokedAt := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	for name, status := range map[string]int{"good": probetest.OCSPGood, "revoked": probetest.OCSPRevoked} {
		cert, err := ca.Issue([]string{name + ".test"}, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		staple, err := ca.Staple(cert, status, revokedAt, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		cp, kp, _ := probetest.PEM(cert)
		files[name+".chain"] = append(cp, ca.PEM...)
		files[name+".key"] = kp
		files[name+".ocsp"] = staple
	}
	inter, err := ca.Intermediate("ipcscope nginx intermediate")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"partial", "full"} {
		cert, err := inter.Issue([]string{name + ".test"}, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		cp, kp, _ := probetest.PEM(cert)
		if name == "full" {
			cp = append(cp, inter.PEM...)
		}
		files[name+".chain"], files[name+".key"] = cp, kp
	}
	n := startNginxFiles(t, "certs.conf.tmpl", files, "tls")
	port := strconv.Itoa(n.Ports["tls"])
	opts := Options{Timeout: 3 * time.Second, Roots: ca.Pool()}
	run := func(name string) Result {
		tg, _ := ParseTarget("https://" + name + ":" + port + "@127.0.0.1")
		return Run(t.Context(), tg, opts)
	}
	g := run("good.test")
	if !g.OK || g.OCSP != OCSPGood || !g.TLS.Staple.SignatureChecked || g.TLS.ChainLen != 2 || !strings.Contains(g.Verdict, "OCSP good") ||
		!strings.Contains(g.TLS.Summary, "OCSP good (updated ") {
		t.Errorf("good: ok=%v ocsp %q staple %+v verdict %q", g.OK, g.OCSP, g.TLS.Staple, g.Verdict)
	}
	if r := run("partial.test"); r.OK || r.FailedStep != StepCertificate || !strings.HasPrefix(r.Verdict, "cert chain incomplete ·") ||
		!strings.Contains(r.TLS.VerifyErr, `chain incomplete (missing intermediate): the server sent only the leaf, and its issuer "ipcscope nginx intermediate"`) {
		t.Errorf("leaf only: ok=%v verify %q verdict %q", r.OK, r.TLS.VerifyErr, r.Verdict)
	}
	if r := run("full.test"); !r.OK || r.TLS.ChainLen != 2 || !r.TLS.Verified {
		t.Errorf("full chain: ok=%v chain %d verdict %q", r.OK, r.TLS.ChainLen, r.Verdict)
	}
	r := run("revoked.test")
	if r.OK || r.OCSP != OCSPRevoked || r.FailedStep != StepOCSP || !r.TLS.Staple.RevokedAt.Equal(revokedAt) ||
		!strings.Contains(r.Verdict, "REVOKED (OCSP)") {
		t.Errorf("revoked: ok=%v ocsp %q step %q staple %+v verdict %q", r.OK, r.OCSP, r.FailedStep, r.TLS.Staple, r.Verdict)
	}
}
