package probe

import (
	"strings"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// TestHTTPFailureFailsTarget: a server that completes TLS with a valid
// certificate and then stalls, resets, closes or sends GOAWAY is not OK,
// and the result names the failed step.
func TestHTTPFailureFailsTarget(t *testing.T) {
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue([]string{"hostile.test"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		then probetest.AfterTLS
		h2   bool
		want string // in the verdict
	}{
		{probetest.AfterTLSStall, true, "HTTP failed: no answer within 300ms (h2 request)"},
		{probetest.AfterTLSStall, false, "HTTP failed: no answer within 300ms (HTTP/1.1 request)"},
		{probetest.AfterTLSReset, true, "HTTP failed: connection reset by the server during h2 request"},
		{probetest.AfterTLSReset, false, "HTTP failed: connection reset by the server during HTTP/1.1 request"},
		{probetest.AfterTLSClose, false, "HTTP failed: connection closed by the server during HTTP/1.1 request"},
		{probetest.AfterTLSGoAway, true, "HTTP failed: h2 request: server sent GOAWAY (ENHANCE_YOUR_CALM) go away"},
	}
	for _, c := range cases {
		s := start(t, func() (*probetest.Server, error) {
			return probetest.StartTLSThen(probetest.HostileTLS{Cert: cert, H2: c.h2, Then: c.then, Debug: "go away"})
		})
		r := probeAt(t, at("hostile.test", s), ca.Pool(), 300*time.Millisecond, 5*time.Second)
		if r.OK || r.FailedStep != StepHTTP || !r.TLS.Verified {
			t.Errorf("mode %d h2=%v: ok=%v step %q verified=%v verdict %q", c.then, c.h2, r.OK, r.FailedStep, r.TLS.Verified, r.Verdict)
		}
		if !strings.Contains(r.Verdict, c.want) || !strings.HasPrefix(r.Verdict, "SNI ok ·") {
			t.Errorf("mode %d h2=%v: verdict %q, want %q", c.then, c.h2, r.Verdict, c.want)
		}
	}
}
