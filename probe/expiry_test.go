package probe

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// TestExpiryThresholds: below 30 days a certificate is a warning (not a
// failure), below 60 it is noted, and the thresholds can be moved.
func TestExpiryThresholds(t *testing.T) {
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		days, warn, notice int
		expiry, verdict    string
		status             Status
	}{
		{4, 0, 0, ExpiryWarn, "SNI ok · expiring: 4d left · default cert same", StatusWarn},
		{45, 0, 0, ExpirySoon, "SNI ok · 45d left · default cert same", StatusOK},
		{89, 0, 0, ExpiryOK, "SNI ok · default cert same", StatusOK},
		{89, 100, 0, ExpiryWarn, "SNI ok · expiring: 89d left · default cert same", StatusWarn},
		{45, 10, 50, ExpirySoon, "SNI ok · 45d left · default cert same", StatusOK},
		{45, 10, 20, ExpiryOK, "SNI ok · default cert same", StatusOK},
	}
	for _, c := range cases {
		// Issued an hour ago, ending days (and a few minutes) from now.
		cert, err := ca.Issue([]string{"exp.test"}, time.Time{}, time.Now().Add(time.Duration(c.days)*24*time.Hour+5*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{{Names: []string{"exp.test"}, Cert: cert}}, H2: true})
		tg, _ := ParseTarget(at("exp.test", s))
		r := Run(t.Context(), tg, Options{Timeout: time.Second, Roots: ca.Pool(), WarnDays: c.warn, NoticeDays: c.notice})
		name := fmt.Sprintf("%dd warn %d notice %d", c.days, c.warn, c.notice)
		if !r.OK || r.DaysLeft != c.days || r.Expiry != c.expiry || r.TLS.Status != c.status || !strings.HasPrefix(r.Verdict, c.verdict) {
			t.Errorf("%s: ok=%v days %d expiry %q status %s verdict %q", name, r.OK, r.DaysLeft, r.Expiry, r.TLS.Status, r.Verdict)
		}
		if c.status == StatusWarn && (r.Grade() != "warn" || !strings.Contains(r.TLS.Summary, fmt.Sprintf("expires in %dd", c.days))) {
			t.Errorf("%s: grade %q summary %q", name, r.Grade(), r.TLS.Summary)
		}
	}
	// No certificate: no days, expiry "none"; expired: "expired", not OK.
	silent := start(t, probetest.StartSilent)
	if r := probeAt(t, at("silent.test", silent), nil, 200*time.Millisecond, 3*time.Second); r.Expiry != ExpiryNone || r.DaysLeft != 0 {
		t.Errorf("no certificate: expiry %q days %d", r.Expiry, r.DaysLeft)
	}
	old, _ := ca.Issue([]string{"old.test"}, time.Now().AddDate(0, 0, -30), time.Now().Add(-50*time.Hour))
	s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{{Names: []string{"old.test"}, Cert: old}}})
	if r := probeAt(t, at("old.test", s), ca.Pool(), time.Second, 3*time.Second); r.OK || r.Expiry != ExpiryExpired || r.DaysLeft != -3 {
		t.Errorf("expired: ok=%v expiry %q days %d", r.OK, r.Expiry, r.DaysLeft)
	}
}
