package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"ipcscope/doctor"
	"ipcscope/ipc/ipctest"
	"ipcscope/probe/probetest"
)

// whyNoH2 runs probe --json with args and returns why_no_h2 by target host.
func whyNoH2(t *testing.T, args ...string) (map[string]*doctor.NoH2, string) {
	t.Helper()
	out, errOut, _ := runCLI(append([]string{"probe", "--json", "--timeout", "3s"}, args...)...)
	var pj probeJSON
	if err := json.Unmarshal([]byte(out), &pj); err != nil {
		t.Fatalf("probe --json: %v (stderr %q)\n%s", err, errOut, out)
	}
	m := map[string]*doctor.NoH2{}
	for _, n := range pj.WhyNoH2 {
		m[strings.SplitN(n.HostPort, ":", 2)[0]] = n
	}
	return m, out
}

func apacheCA(t *testing.T, a *probetest.Apache) string {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	var bundle []byte
	for _, p := range a.Certs {
		bundle = append(bundle, p...)
	}
	os.WriteFile(ca, bundle, 0o644)
	return ca
}

// lineOf is file:line of the first line of file equal (trimmed) to text
// after the line holding after.
func lineOf(t *testing.T, file, after, text string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	seen := false
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		seen = seen || strings.Contains(l, after)
		if seen && l == text {
			return fmt.Sprintf("%s:%d", file, n)
		}
	}
	t.Fatalf("%q after %q not in %s", text, after, file)
	return ""
}

// Real Apache: a vhost whose Protocols lacks h2 (named with its file and
// line), prefork (AH10034) and mod_http2 not loaded; hosts with h2 get no
// entry.
func TestProbeWhyNoH2Apache(t *testing.T) {
	if _, _, err := probetest.FindApache(); err != nil {
		if os.Getenv("IPCSCOPE_REQUIRE_E2E") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ipctest.HoldApacheLock(t)
	for _, c := range []struct {
		name string
		o    probetest.ApacheOptions
	}{{"event", probetest.ApacheOptions{}}, {"prefork", probetest.ApacheOptions{Prefork: true}}, {"no-http2", probetest.ApacheOptions{NoHTTP2: true}}} {
		a, err := probetest.StartApacheWith(c.o)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		why, out := whyNoH2(t, "--apache", "--apache-conf", a.Conf, "--ca", apacheCA(t, a))
		src := lineOf(t, a.Conf, "ServerName gamma.test", "Protocols http/1.1")
		if c.name == "prefork" {
			// The inspector's probe details say the same.
			var pj probeJSON
			json.Unmarshal([]byte(out), &pj)
			_, _, noH2 := apacheWhy(a.Conf)
			for _, r := range pj.Results {
				if r.Name != "alpha.test" {
					continue
				}
				var lines []string
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					if lines = noH2(r); len(lines) > 1 && strings.Contains(lines[0], "Apache's configuration") {
						break
					}
				}
				if len(lines) < 2 || !strings.Contains(lines[1], "AH10034") {
					t.Errorf("inspector: why no h2 for alpha.test: %q", lines)
				}
			}
		}
		if testing.Verbose() {
			text, _, _ := runCLI("probe", "--apache", "--apache-conf", a.Conf, "--ca", apacheCA(t, a), "--timeout", "3s")
			t.Logf("%s:\n%s", c.name, text)
		}
		a.Close()
		gamma := why["gamma.test"]
		if gamma == nil || gamma.From != doctor.FromApache {
			t.Fatalf("%s: no Apache reason for gamma.test (Protocols http/1.1):\n%s", c.name, out)
		}
		found := false
		for _, r := range gamma.Reasons {
			found = found || r.Source == src && strings.Contains(r.Cause, `"Protocols http/1.1"`) && strings.Contains(r.Fix, "Protocols h2 http/1.1")
		}
		if !found {
			t.Errorf("%s: gamma.test reasons do not name %s: %+v", c.name, src, gamma.Reasons)
		}
		alpha := why["alpha.test"]
		switch c.name {
		case "event":
			// Clients without SNI: the default vhost and where it is declared.
			var pj probeJSON
			json.Unmarshal([]byte(out), &pj)
			betas := 0
			for _, r := range pj.Results {
				if r.Name == "beta.test" {
					betas++
				}
				if r.Name == "beta.test" && (r.NoSNI == nil || !strings.Contains(r.NoSNI.Summary, "not valid for beta.test: they reach the default vhost for this address and port, alpha.test, declared at "+a.Conf+":")) {
					t.Errorf("beta.test without SNI: %+v", r.NoSNI)
				}
			}
			if betas != 1 {
				t.Errorf("%d results for beta.test", betas)
			}
			if alpha != nil {
				t.Errorf("event: alpha.test has h2 but got reasons %+v", alpha.Reasons)
			}
			if h2c := why["h2c.test"]; h2c != nil {
				t.Errorf("event: h2c.test has h2c but got reasons %+v", h2c.Reasons)
			}
			if p := why["plain.test"]; p == nil || p.Want != "h2c" || !strings.Contains(p.Reasons[0].Cause, "h2c") {
				t.Errorf("event: plain.test (Protocols http/1.1, cleartext): %+v", p)
			}
		case "prefork":
			if p := why["plain.test"]; p == nil || strings.Contains(p.Reasons[0].Cause, "prefork") {
				t.Errorf("prefork: plain.test (h2c) blamed on prefork, which still does h2c: %+v", p)
			}
			if alpha == nil || len(alpha.Reasons) != 1 || !strings.Contains(alpha.Reasons[0].Cause, "prefork") || !strings.Contains(alpha.Reasons[0].Cause, "AH10034") || !strings.Contains(alpha.Reasons[0].Fix, "mpm_event") {
				t.Errorf("prefork: alpha.test %+v\n%s", alpha, out)
			}
		case "no-http2":
			if alpha == nil || len(alpha.Reasons) != 1 || !strings.Contains(alpha.Reasons[0].Cause, "mod_http2 is not loaded") || !strings.Contains(alpha.Reasons[0].Fix, "a2enmod http2") {
				t.Errorf("no-http2: alpha.test %+v\n%s", alpha, out)
			}
		}
	}
}

// Real nginx: a TLS port without http2 gets the reason and the listen
// line; one with "listen … ssl http2" gets none.
func TestProbeWhyNoH2Nginx(t *testing.T) {
	const bin = "/usr/sbin/nginx"
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("IPCSCOPE_REQUIRE_E2E") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	var bundle []byte
	for _, n := range []string{"one", "two"} {
		c, _ := probetest.SelfSigned(n + ".test")
		cp, kp, _ := probetest.PEM(c)
		os.WriteFile(filepath.Join(dir, n+".crt"), cp, 0o644)
		os.WriteFile(filepath.Join(dir, n+".key"), kp, 0o600)
		bundle = append(bundle, cp...)
	}
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, bundle, 0o644)
	noH2, _ := probetest.RefusedAddr()
	withH2, _ := probetest.RefusedAddr()
	conf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`worker_processes 1;
error_log %[1]s/error.log;
pid %[1]s/nginx.pid;
events { worker_connections 16; }
http {
    access_log off;
    client_body_temp_path %[1]s/b; proxy_temp_path %[1]s/p; fastcgi_temp_path %[1]s/f;
    uwsgi_temp_path %[1]s/u; scgi_temp_path %[1]s/s;
    server {
        listen %[2]s ssl;
        server_name one.test;
        ssl_certificate %[1]s/one.crt; ssl_certificate_key %[1]s/one.key;
        return 200 "one\n";
    }
    server {
        listen %[3]s ssl http2;
        server_name two.test;
        ssl_certificate %[1]s/two.crt; ssl_certificate_key %[1]s/two.key;
        return 200 "two\n";
    }
}
`, dir, noH2, withH2)), 0o644)
	cmd := exec.Command(bin, "-c", conf, "-g", "daemon off;")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c1, err1 := net.Dial("tcp", noH2)
		c2, err2 := net.Dial("tcp", withH2)
		if err1 == nil && err2 == nil {
			c1.Close()
			c2.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not start: %v %v %s", err1, err2, log)
		}
	}
	why, out := whyNoH2(t, "--nginx", "--nginx-conf", conf, "--ca", ca)
	one := why["one.test"]
	if one == nil || one.From != doctor.FromNginx || len(one.Reasons) != 1 || !strings.Contains(one.Reasons[0].Cause, "neither \"listen … http2\" nor \"http2 on;\"") || !strings.Contains(one.Reasons[0].Fix, "http2;") || !strings.HasPrefix(one.Reasons[0].Source, conf+":") {
		t.Errorf("one.test (no http2): %+v\n%s", one, out)
	}
	if two := why["two.test"]; two != nil {
		t.Errorf("two.test (listen ssl http2) got reasons %+v", two.Reasons)
	}
	text, _, _ := runCLI("probe", "--nginx", "--nginx-conf", conf, "--ca", ca, "--timeout", "3s")
	if !strings.Contains(text, "Why no HTTP/2:") || !strings.Contains(text, "one.test:"+strings.Split(noH2, ":")[1]+" (no h2; from nginx's configuration)") {
		t.Errorf("text lacks the why-no-h2 block:\n%s", text)
	}
}
