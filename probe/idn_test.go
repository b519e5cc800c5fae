package probe

import (
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// TestIDN: U-labels are converted to A-labels like curl (IDNA2008, UTS #46
// non-transitional: ß stays ß), and the A-label is what SNI carries.
func TestIDN(t *testing.T) {
	for in, want := range map[string]string{
		"https://bücher.example:8443": "xn--bcher-kva.example",
		"BÜCHER.example":              "xn--bcher-kva.example",
		"faß.de":                      "xn--fa-hia.de",
		"münchen.test:80@127.0.0.1":   "xn--mnchen-3ya.test",
		"plain.example":               "plain.example",
	} {
		tg, err := ParseTarget(in)
		if err != nil || tg.Host != want || tg.Input != in {
			t.Errorf("ParseTarget(%q) = %q %v, want %q", in, tg.Host, err, want)
		}
	}
	if _, err := ParseTarget("bad\u2028name.example"); err == nil {
		t.Error("a line separator in a name was accepted")
	}
	if r, err := ParseResolve("bücher.example:443:127.0.0.1"); err != nil || r.Host != "xn--bcher-kva.example" {
		t.Errorf("ParseResolve: %+v %v", r, err)
	}
	ca, _ := probetest.NewCA()
	cert, _ := ca.Issue([]string{"xn--bcher-kva.test"}, time.Time{}, time.Time{})
	s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{{Names: []string{"xn--bcher-kva.test"}, Cert: cert}}, H2: true})
	tg, err := ParseTarget("https://bücher.test:" + itoa(s.Port) + "@127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if r := Run(t.Context(), tg, Options{Timeout: time.Second, Roots: ca.Pool()}); !r.OK || r.TLS.SNI != "xn--bcher-kva.test" || !r.TLS.Verified {
		t.Errorf("IDN target: ok=%v SNI %q verdict %q", r.OK, r.TLS.SNI, r.Verdict)
	}
}
