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
		want string // the h2 check's error
	}{
		{probetest.AfterTLSStall, true, "no answer within 300ms (h2 request)"},
		{probetest.AfterTLSStall, false, "no answer within 300ms (HTTP/1.1 request)"},
		{probetest.AfterTLSReset, true, "connection reset by the server during h2 request"},
		{probetest.AfterTLSReset, false, "connection reset by the server during HTTP/1.1 request"},
		{probetest.AfterTLSClose, false, "connection closed by the server during HTTP/1.1 request"},
		{probetest.AfterTLSGoAway, true, "h2 request: server sent GOAWAY (ENHANCE_YOUR_CALM) go away"},
	}
	for _, c := range cases {
		s := start(t, func() (*probetest.Server, error) {
			return probetest.StartTLSThen(probetest.HostileTLS{Cert: cert, H2: c.h2, Then: c.then, Debug: "go away"})
		})
		r := probeAt(t, at("hostile.test", s), ca.Pool(), 300*time.Millisecond, 5*time.Second)
		if r.OK || r.FailedStep != StepHTTP || !r.TLS.Verified {
			t.Errorf("mode %d h2=%v: ok=%v step %q verified=%v verdict %q", c.then, c.h2, r.OK, r.FailedStep, r.TLS.Verified, r.Verdict)
		}
		what := "HTTP/1.1"
		if c.h2 {
			what = "h2"
		}
		if !strings.HasPrefix(r.Verdict, "SNI ok ·") || !strings.Contains(r.Verdict, " · "+what+" request failed") || r.H2.Error != c.want {
			t.Errorf("mode %d h2=%v: verdict %q error %q, want %q", c.then, c.h2, r.Verdict, r.H2.Error, c.want)
		}
	}
}
