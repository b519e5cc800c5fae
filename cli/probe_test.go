package cli

import (
	"bytes"
	"encoding/json"
	"ipcscope/ipc/ipctest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"ipcscope/probe/probetest"
)

func runCLI(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = Main(args, strings.NewReader(""), &o, &e)
	return o.String(), e.String(), code
}

func TestProbeCLI(t *testing.T) {
	d, err := probetest.StartDemo()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	resolve := func(names ...string) []string {
		var args []string
		for _, r := range d.Resolve {
			for _, n := range names {
				if strings.HasPrefix(r, n+":") {
					args = append(args, "--resolve", r)
				}
			}
		}
		return args
	}
	target := func(name string) string {
		for _, tg := range d.Targets {
			if strings.Contains(tg, "://"+name+":") {
				return tg
			}
		}
		t.Fatalf("no demo target %s", name)
		return ""
	}

	// All good: exit 0, a table row per target, every line within 80 columns.
	args := append([]string{"probe", target("alpha.demo.test"), target("beta.demo.test"), target("h2c.demo.test"), "--ca", d.CAFile, "--timeout", "2s"},
		resolve("alpha.demo.test", "beta.demo.test", "h2c.demo.test")...)
	out, errOut, code := runCLI(args...)
	if code != ExitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	for _, want := range []string{"ok   alpha.demo.test:", "SNI ok · default cert same · h2 · HSTS", "no-SNI Host gets 421", "h2c upgrade ok", "warn beta.demo.test:", "3 target(s), 2 ok, 1 with warnings, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("line of %d columns: %q", n, line)
		}
	}

	// Without --ca the demo certificates do not verify: exit 1.
	out, _, code = runCLI(append([]string{"probe", target("alpha.demo.test"), "--timeout", "2s"}, resolve("alpha.demo.test")...)...)
	if code != ExitFail || !strings.Contains(out, "FAIL alpha.demo.test") || !strings.Contains(out, "cert chain incomplete") {
		t.Errorf("untrusted CA: exit %d\n%s", code, out)
	}

	// JSON: everything, with a malformed target reported and the rest run.
	dir := t.TempDir()
	hosts := filepath.Join(dir, "hosts")
	os.WriteFile(hosts, []byte("# demo\n"+target("legacy.demo.test")+"\nnot a target\n"), 0o644)
	out, errOut, code = runCLI(append([]string{"probe", "--json", "--hosts-file", hosts, "--ca", d.CAFile, "ftp://nope"}, resolve("legacy.demo.test")...)...)
	if code != ExitFail {
		t.Errorf("malformed targets must make the run fail: exit %d", code)
	}
	if !strings.Contains(errOut, `unsupported scheme "ftp"`) || !strings.Contains(errOut, hosts+":3: one target per line") {
		t.Errorf("stderr %q", errOut)
	}
	var j struct {
		Results []struct {
			Verdict string `json:"verdict"`
			OK      bool   `json:"ok"`
			TLS     struct {
				ALPN string `json:"alpn"`
				Cert struct {
					DNSNames []string `json:"dns_names"`
				} `json:"cert"`
			} `json:"tls"`
			H2 struct {
				Status     string `json:"status"`
				HTTPStatus int    `json:"http_status"`
			} `json:"h2"`
		} `json:"results"`
		Errors []string `json:"errors"`
		OK     bool     `json:"ok"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if len(j.Results) != 1 || !j.Results[0].OK || j.Results[0].TLS.ALPN != "http/1.1" || j.Results[0].TLS.Cert.DNSNames[0] != "legacy.demo.test" ||
		j.Results[0].H2.Status != "info" || j.Results[0].H2.HTTPStatus != 200 || len(j.Errors) != 2 || j.OK {
		t.Errorf("JSON content: %+v", j)
	}

	// Unreachable targets fail with exit 1 and say why, without hanging.
	out, _, code = runCLI(append([]string{"probe", target("silent.demo.test"), target("refused.demo.test"), "--timeout", "300ms"}, resolve("silent.demo.test")...)...)
	if code != ExitFail || !strings.Contains(out, "error: no answer within 300ms") || !strings.Contains(out, "error: connection refused") {
		t.Errorf("unreachable: exit %d\n%s", code, out)
	}
}

func TestProbeCLIUsage(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o644)
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"probe"}, "no targets"},
		{[]string{"probe", "x.test", "--resolve", "x.test:443"}, "want name:port:addr"},
		{[]string{"probe", "x.test", "--timeout", "soon"}, "invalid value"},
		{[]string{"probe", "x.test", "--parallel", "0"}, "must be positive"},
		{[]string{"probe", "x.test", "--ca", notPEM}, "no PEM certificates"},
		{[]string{"probe", "x.test", "--ca", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"probe", "--hosts-file", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"probe", "bad:port:x"}, "neither host:port"},
		{[]string{"probe", "x.test", "--bogus"}, "flag provided but not defined"},
	} {
		_, errOut, code := runCLI(c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, errOut, c.msg)
		}
	}
	if _, _, code := runCLI("probe", "--help"); code != ExitOK {
		t.Errorf("--help: exit %d", code)
	}
}

// TestProbeCLIApache runs `ipcscope probe --apache` against a running
// Apache through Debian's apache2ctl (APACHE_ARGUMENTS points it at the
// test configuration), as an admin would.
func TestProbeCLIApache(t *testing.T) {
	_, _, err := probetest.FindApache()
	if err == nil {
		_, err = exec.LookPath("apache2ctl")
	}
	if err != nil {
		if os.Getenv("IPCSCOPE_REQUIRE_E2E") == "1" {
			t.Fatalf("end-to-end test required (IPCSCOPE_REQUIRE_E2E=1): %v", err)
		}
		t.Skipf("skipping end-to-end test: %v", err)
	}
	ipctest.HoldApacheLock(t)
	a, err := probetest.StartApache()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	t.Setenv("APACHE_ARGUMENTS", "-f "+a.Conf)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	var bundle []byte
	for _, p := range a.Certs {
		bundle = append(bundle, p...)
	}
	os.WriteFile(ca, bundle, 0o644)
	out, errOut, code := runCLI("probe", "--apache", "--ca", ca, "--timeout", "3s")
	if code != ExitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q\n%s\n%s", code, errOut, out, a.Log())
	}
	for _, want := range []string{
		"apache 127.0.0.1:" + strconv.Itoa(a.TLSPort) + ": default vhost alpha.test (httpd.conf:",
		"ok   alpha.test:", "ok   www.alpha.test:", "warn beta.test:", "warn gamma.test:",
		"ok   http://h2c.test:", "ok   http://plain.test:",
		"ok   one.wild.test:", "warn two.wild.test:", "ok   three.wild.test:",
		"apache *:" + strconv.Itoa(a.StarPort) + " (probed at 127.0.0.3): default vhost without ServerName",
		"ok   127.0.0.3:" + strconv.Itoa(a.StarPort), "warn star.test:",
		"11 target(s), 7 ok, 4 with warnings, 0 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// The same configuration named with --apache-conf (passed as -f).
	t.Setenv("APACHE_ARGUMENTS", "")
	out2, errOut, code := runCLI("probe", "--apache", "--apache-conf", a.Conf, "--ca", ca, "--timeout", "3s")
	if code != ExitOK || errOut != "" || !strings.Contains(out2, "11 target(s), 7 ok, 4 with warnings, 0 failed") {
		t.Errorf("--apache-conf: exit %d, stderr %q\n%s", code, errOut, out2)
	}
	if _, errOut, code := runCLI("probe", "--apache", "--apache-conf", filepath.Join(t.TempDir(), "none.conf")); code != ExitFail || !strings.Contains(errOut, "--apache:") {
		t.Errorf("--apache-conf missing file: exit %d, stderr %q", code, errOut)
	}
}
