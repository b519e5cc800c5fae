package probe

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// startOpenSSLStaple runs `openssl s_server -status_file` on 127.0.0.1
// with cert and the DER staple, and returns its port.
func startOpenSSLStaple(t *testing.T, cert tlsCert, staple []byte) int {
	return startOpenSSL(t, cert, staple)
}

// startOpenSSL runs `openssl s_server -www` on 127.0.0.1 with cert (and
// -status_file when staple is not nil) plus extra arguments.
func startOpenSSL(t *testing.T, cert tlsCert, staple []byte, extra ...string) int {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		needE2E(t, err)
	}
	dir := t.TempDir()
	certPEM, keyPEM, err := probetest.PEM(cert)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"c.pem": certPEM, "k.pem": keyPEM, "staple.der": staple} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for try := 0; try < 5; try++ {
		addr, err := probetest.RefusedAddr()
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"s_server", "-accept", addr, "-cert", filepath.Join(dir, "c.pem"), "-key", filepath.Join(dir, "k.pem"), "-www", "-quiet"}
		if staple != nil {
			args = append(args, "-status_file", filepath.Join(dir, "staple.der"))
		}
		cmd := exec.Command(bin, append(args, extra...)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-exited })
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			select {
			case <-exited:
				deadline = time.Time{} // port taken meanwhile: try another
				continue
			default:
			}
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				_, p, _ := net.SplitHostPort(addr)
				port, _ := strconv.Atoi(p)
				return port
			}
		}
	}
	t.Fatal("openssl s_server did not start")
	return 0
}

// TestOCSPStapleOpenSSL: the staple as OpenSSL sends it (s_server
// -status_file), revoked and good. s_server -www answers GET only, so the
// HEAD request times out: only the staple is checked here.
func TestOCSPStapleOpenSSL(t *testing.T) {
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range []int{probetest.OCSPRevoked, probetest.OCSPGood} {
		cert, err := ca.Issue([]string{"ossl.test"}, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		staple, err := ca.Staple(cert, status, time.Now().Add(-24*time.Hour), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		port := startOpenSSLStaple(t, cert, staple)
		r := probeAt(t, "https://ossl.test:"+strconv.Itoa(port)+"@127.0.0.1", ca.Pool(), 300*time.Millisecond, 5*time.Second)
		want := map[int]string{probetest.OCSPRevoked: OCSPRevoked, probetest.OCSPGood: OCSPGood}[status]
		if r.OCSP != want || !r.TLS.Staple.SignatureChecked || r.OK {
			t.Errorf("openssl staple %s: ocsp %q staple %+v ok=%v verdict %q", want, r.OCSP, r.TLS.Staple, r.OK, r.Verdict)
		}
		if status == probetest.OCSPRevoked && (r.FailedStep != StepOCSP || !strings.Contains(r.Verdict, "REVOKED (OCSP)")) {
			t.Errorf("revoked: step %q verdict %q", r.FailedStep, r.Verdict)
		}
	}
}
