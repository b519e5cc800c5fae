package cli

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// TestProbeCLINginx runs `ipcscope probe --nginx --nginx-conf FILE`
// against a running nginx (Debian's package): two TLS servers on one
// port, the second default_server, and a cleartext one.
func TestProbeCLINginx(t *testing.T) {
	const bin = "/usr/sbin/nginx"
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("IPCSCOPE_REQUIRE_E2E") == "1" {
			t.Fatalf("end-to-end test required (IPCSCOPE_REQUIRE_E2E=1): %v", err)
		}
		t.Skipf("skipping end-to-end test: %v", err)
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
	tlsAddr, _ := probetest.RefusedAddr()
	plainAddr, _ := probetest.RefusedAddr()
	conf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`worker_processes 1;
error_log %[1]s/error.log;
pid %[1]s/nginx.pid;
lock_file %[1]s/nginx.lock;
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
        listen %[2]s ssl default_server;
        server_name two.test;
        ssl_certificate %[1]s/two.crt; ssl_certificate_key %[1]s/two.key;
        return 200 "two\n";
    }
    server {
        listen %[3]s;
        server_name plain.test;
        return 200 "plain\n";
    }
}
`, dir, tlsAddr, plainAddr)), 0o644)
	cmd := exec.Command(bin, "-c", conf, "-g", "daemon off;")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c1, err1 := net.Dial("tcp", tlsAddr)
		c2, err2 := net.Dial("tcp", plainAddr)
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
	out, errOut, code := runCLI("probe", "--nginx", "--nginx-conf", conf, "--ca", ca, "--timeout", "3s")
	if code != ExitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	for _, want := range []string{
		"nginx " + tlsAddr + " ssl: default server two.test (default_server,",
		"nginx " + plainAddr + " cleartext: default server plain.test (first server,",
		"warn one.test:", "default cert differs (two.test)", "ok   two.test:", "SNI ok · default cert same",
		"ok   http://plain.test:", "3 target(s), 2 ok, 1 with warnings, 0 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, errOut, code := runCLI("probe", "--nginx", "--nginx-conf", filepath.Join(dir, "missing.conf")); code != ExitFail || !strings.Contains(errOut, "--nginx: ") {
		t.Errorf("missing config: exit %d, stderr %q", code, errOut)
	}
}
