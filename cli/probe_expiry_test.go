package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// tlsSite starts a TLS server for name with a certificate from a new CA
// ending in days, and returns its target and the CA file.
func tlsSite(t *testing.T, name string, days int) (target, caFile string) {
	t.Helper()
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o644); err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue([]string{name}, time.Time{}, time.Now().Add(time.Duration(days)*24*time.Hour+5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	s, err := probetest.StartTLS(probetest.TLSOptions{Sites: []probetest.Site{{Names: []string{name}, Cert: cert}}, H2: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return "https://" + name + ":" + strconv.Itoa(s.Port) + "@127.0.0.1", caFile
}

// TestProbeCLIExpiry: days left in the table and in JSON; a certificate
// below --warn-days is a warning with exit 0.
func TestProbeCLIExpiry(t *testing.T) {
	target, ca := tlsSite(t, "soon.test", 4)
	out, _, code := runCLI("probe", target, "--ca", ca)
	if code != ExitOK || !strings.Contains(out, "warn soon.test:") || !strings.Contains(out, " 4d SNI ok · expiring: 4d left") ||
		!strings.Contains(out, "expires in 4d (< 30d)") || !strings.Contains(out, "1 with warnings") {
		t.Errorf("4 days left: exit %d\n%s", code, out)
	}
	target, ca = tlsSite(t, "later.test", 40)
	if out, _, code := runCLI("probe", target, "--ca", ca); code != ExitOK || !strings.Contains(out, "ok   later.test:") || !strings.Contains(out, "40d SNI ok · 40d left") {
		t.Errorf("40 days left: exit %d\n%s", code, out)
	}
	out, _, code = runCLI("probe", target, "--ca", ca, "--warn-days", "45", "--json")
	var j struct {
		Results []struct {
			DaysLeft int    `json:"days_left"`
			Expiry   string `json:"expiry"`
			OK       bool   `json:"ok"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != ExitOK || len(j.Results) != 1 ||
		j.Results[0].DaysLeft != 40 || j.Results[0].Expiry != "warn" || !j.Results[0].OK {
		t.Errorf("--warn-days 45 --json: exit %d %v %+v\n%s", code, err, j, out)
	}
	if _, errOut, code := runCLI("probe", target, "--warn-days", "0"); code != ExitUsage || !strings.Contains(errOut, "must be positive") {
		t.Errorf("--warn-days 0: exit %d %q", code, errOut)
	}
}

// TestProbeCLIInsecureAndCacert: --cacert is --ca; -k/--insecure keeps
// reporting certificate problems but as warnings, exit 0.
func TestProbeCLIInsecureAndCacert(t *testing.T) {
	target, ca := tlsSite(t, "k.test", 80)
	if out, _, code := runCLI("probe", target, "--cacert", ca); code != ExitOK || !strings.Contains(out, "ok   k.test:") {
		t.Errorf("--cacert: exit %d\n%s", code, out)
	}
	out, _, code := runCLI("probe", target)
	if code != ExitFail || !strings.Contains(out, "FAIL k.test:") || !strings.Contains(out, "cert chain incomplete ·") {
		t.Errorf("system roots: exit %d\n%s", code, out)
	}
	for _, k := range []string{"-k", "--insecure"} {
		out, _, code := runCLI("probe", target, k)
		if code != ExitOK || !strings.Contains(out, "warn k.test:") || !strings.Contains(out, "cert chain incomplete (-k)") || !strings.Contains(out, "(ignored: --insecure)") {
			t.Errorf("%s: exit %d\n%s", k, code, out)
		}
	}
}
