package probe

import (
	"strings"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// TestChainIncomplete: root → intermediate → leaf. The leaf alone is
// "chain incomplete (missing intermediate)" (openssl: unable to verify
// the first certificate; testssl: chain incomplete); with the
// intermediate it verifies; against another root it is "not trusted".
func TestChainIncomplete(t *testing.T) {
	root, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate("ipcscope test intermediate")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Issue([]string{"chain.test"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := probetest.NewCA()
	cases := []struct {
		name    string
		cert    tlsCert
		roots   *probetest.CA
		ok      bool
		problem string
		verdict string
	}{
		{"leaf only", leaf, root, false, `chain incomplete (missing intermediate): the server sent only the leaf, and its issuer "ipcscope test intermediate" is not a trusted root`, "cert chain incomplete ·"},
		{"full chain", probetest.WithChain(leaf, inter), root, true, "", "SNI ok ·"},
		{"chain, other root", probetest.WithChain(leaf, inter), other, false, `issuer not trusted: the chain ends at "ipcscope test intermediate", issued by "ipcscope demo CA", which is not a trusted root`, "cert untrusted ·"},
		{"chain with root, other root", probetest.WithChain(leaf, inter, root), other, false, `issuer not trusted: the chain ends at the root "ipcscope demo CA", which is not trusted`, "cert untrusted ·"},
	}
	for _, c := range cases {
		s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{{Names: []string{"chain.test"}, Cert: c.cert}}, H2: true})
		r := probeAt(t, at("chain.test", s), c.roots.Pool(), time.Second, 5*time.Second)
		if r.OK != c.ok || r.TLS.VerifyErr != c.problem || !strings.HasPrefix(r.Verdict, c.verdict) || r.TLS.ChainLen != len(c.cert.Certificate) {
			t.Errorf("%s: ok=%v verify %q verdict %q chain %d", c.name, r.OK, r.TLS.VerifyErr, r.Verdict, r.TLS.ChainLen)
		}
		if !c.ok && r.FailedStep != StepCertificate {
			t.Errorf("%s: failed step %q", c.name, r.FailedStep)
		}
	}
}
