package cli

// Issue 8's Apache cases end to end, with Debian's real apache2 (Mutex
// sysvsem), php8.2-fpm and nginx, all running as www-data beside it, in
// the private IPC namespace TestMain makes (and the host's PID namespace,
// so that orphans can be called):
//
//   - php-fpm and nginx workers of www-data do not keep a dead Apache's
//     sets (case 7);
//   - a new Apache beside old leaks: the old sets are orphans, its own are
//     not (case 8), also after a graceful restart;
//   - the root parent alive, every www-data child just killed: none of its
//     sets is removed, and it serves again (case 1).

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"ipcscope/ipc"
)

func TestApacheVerdictsBesidePHPFPMAndNginx(t *testing.T) {
	// A launch window of 30 s instead of 10 minutes (a slow pass-phrase
	// prompt), so that the test need not wait that long for "older".
	t.Setenv("IPCSCOPE_APACHE_LAUNCH", "30s")
	ae := newApacheE2E(t)
	fpm := findPHPFPM(t)

	// ours: Apache-made sets (key 0, owner www-data, creator root).
	ours := func(l *apacheList) map[int]ipc.Set {
		out := map[int]ipc.Set{}
		for _, s := range l.Semaphores {
			if s.Key == 0 && s.UID == ae.uid && s.CUID == 0 && s.NSems == 1 {
				out[s.ID] = s
			}
		}
		return out
	}
	verdicts := func(sets map[int]ipc.Set) string {
		var b strings.Builder
		for id, s := range sets {
			fmt.Fprintf(&b, "\n  set %d %s (%s): %s", id, s.Verdict, s.Rule, strings.Join(s.Reasons, "; "))
		}
		return b.String()
	}

	// An Apache that leaks: started, serving, killed -9 whole.
	a := ae.start(t)
	a.waitServing(t)
	aStart := time.Now()
	a.kill9(t)
	leaked := ours(ae.list(t))
	if len(leaked) < 2 {
		t.Fatalf("the killed Apache left %d sets, want at least 2:\n%s", len(leaked), ae.lastJSON)
	}

	// php-fpm and nginx, both with www-data workers, in the namespace.
	startSidecar(t, ae, "php-fpm", fpm, "-F", "-y", writeConf(t, ae, "php-fpm.conf", fpmConf(ae)))
	startSidecar(t, ae, "nginx", "/usr/sbin/nginx", "-p", ae.dir+"/", "-c", writeConf(t, ae, "nginx.conf", nginxConf(ae)), "-g", "daemon off;")
	waitForProcs(t, ae.uid, "php-fpm", 2)
	waitForProcs(t, ae.uid, "nginx", 1)

	// Case 7: the leaked sets are orphans whatever else www-data runs.
	for id, s := range ours(ae.list(t)) {
		if s.Verdict != ipc.Orphan || s.Rule != ipc.RuleApacheGone {
			t.Errorf("leaked set %d with php-fpm and nginx running as www-data: %s by %s, want orphan by apache-gone%s", id, s.Verdict, s.Rule, verdicts(ours(ae.list(t))))
		}
	}

	// Case 8: a new Apache beside the old leaks (started a few seconds
	// later than the leaking one, as cron finds it).
	// Past the launch window (30 s here): older sets than that cannot be
	// the new Apache's.
	time.Sleep(time.Until(aStart.Add(32 * time.Second)))
	b := ae.start(t)
	b.waitServing(t)
	now := ours(ae.list(t))
	own := map[int]bool{}
	for id, s := range now {
		if _, old := leaked[id]; old {
			if s.Verdict != ipc.Orphan {
				t.Errorf("a dead Apache's set %d beside a running one: %s by %s, want orphan%s", id, s.Verdict, s.Rule, verdicts(now))
			}
			continue
		}
		own[id] = true
		if s.Verdict == ipc.Orphan {
			t.Errorf("the running Apache's set %d judged orphan%s", id, verdicts(now))
		}
	}
	if len(own) < 2 {
		t.Fatalf("the running Apache has %d sets, want at least 2%s", len(own), verdicts(now))
	}
	if t.Failed() {
		t.FailNow()
	}

	// Case 1: freeze the parent so that it cannot respawn, kill -9 every
	// process of www-data (its children, php-fpm's and nginx's workers, as
	// pkill -9 -u www-data or the OOM killer would), and clean in that
	// window. Nothing of the running Apache may go.
	parent := b.cmd.Process.Pid
	if err := syscall.Kill(parent, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	killUser(t, ae.uid)
	window := ours(ae.list(t))
	for id := range own {
		s := window[id]
		for _, op := range s.Operators {
			if op.State.Alive() && op.PID != parent {
				t.Logf("note: set %d still has live operator %d", id, op.PID)
			}
		}
		if s.Verdict == ipc.Orphan {
			t.Errorf("with its root parent alive and its children killed, the running Apache's set %d is orphan%s", id, verdicts(window))
		}
	}
	cl := ae.clean(t, filepath.Join(ae.dir, "audit-window.jsonl"))
	removed := map[int]bool{}
	for _, r := range cl.Removals {
		if r.Outcome == ipc.Removed {
			removed[r.ID] = true
		}
	}
	for id := range own {
		if removed[id] || !exists(id) {
			t.Errorf("clean removed set %d of the running Apache (parent alive, children killed)", id)
		}
	}
	// The dead instance's sets: with no live operator of the running one
	// to date its sets by, only the clock says they are older, and a
	// stepped clock would say the same: stale, or orphan if removed.
	for id := range leaked {
		if s, ok := window[id]; ok && !removed[id] && (s.Verdict != ipc.Stale || s.Rule != ipc.RuleApacheClock) {
			t.Errorf("in the window, the dead Apache's set %d: %s by %s, want orphan or stale by apache-clock-only: %s", id, s.Verdict, s.Rule, strings.Join(s.Reasons, "; "))
		}
	}
	if err := syscall.Kill(parent, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	b.waitServing(t)
	b.get(t, "/mapped/index.html")
	// Serving again, its sets date themselves: the old ones go, its own stay.
	cl = ae.clean(t, filepath.Join(ae.dir, "audit-after.jsonl"))
	for _, r := range cl.Removals {
		if r.Outcome == ipc.Removed {
			removed[r.ID] = true
		}
	}
	for id := range leaked {
		if !removed[id] {
			t.Errorf("clean kept the dead Apache's set %d beside the running one%s", id, verdicts(ours(ae.list(t))))
		}
	}
	for id := range own {
		if removed[id] || !exists(id) {
			t.Errorf("clean removed set %d of the running Apache", id)
		}
	}
	if logs := b.logs(); strings.Contains(logs, "AH00144") || strings.Contains(logs, "AH00146") {
		t.Errorf("Apache lost its mutex:\n%s", logs)
	}
	if t.Failed() {
		t.FailNow()
	}

	// A graceful restart: the parent removes its sets and makes new ones.
	before := ours(ae.list(t))
	if err := syscall.Kill(parent, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(apacheWait)
	for {
		after := ours(ae.list(t))
		fresh := 0
		for id := range after {
			if _, ok := before[id]; !ok {
				fresh++
			}
		}
		if fresh >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new sets %v after a graceful restart:\n%s", apacheWait, b.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.waitServing(t)
	cl = ae.clean(t, filepath.Join(ae.dir, "audit-graceful.jsonl"))
	for _, r := range cl.Removals {
		if r.Outcome == ipc.Removed {
			t.Errorf("clean after a graceful restart removed set %d (%s): %s", r.ID, r.Verdict, strings.Join(r.Reasons, "; "))
		}
	}
	b.get(t, "/mapped/index.html")
	b.stop(t)
	if left := ours(ae.list(t)); len(left) != 0 {
		t.Errorf("Apache stopped cleanly but left %d sets%s", len(left), verdicts(left))
	}
}

// findPHPFPM finds Debian's php-fpm binary (php8.2-fpm names it
// php-fpm8.2).
func findPHPFPM(t *testing.T) string {
	t.Helper()
	m, _ := filepath.Glob("/usr/sbin/php-fpm*")
	if len(m) == 0 {
		if os.Getenv("IPCSCOPE_REQUIRE_E2E") == "1" {
			t.Fatal("IPCSCOPE_REQUIRE_E2E=1 but php-fpm is missing (apt-get install php-fpm)")
		}
		t.Skip("php-fpm not installed (set IPCSCOPE_REQUIRE_E2E=1 to make this an error)")
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err != nil {
		if os.Getenv("IPCSCOPE_REQUIRE_E2E") == "1" {
			t.Fatal("IPCSCOPE_REQUIRE_E2E=1 but nginx is missing (apt-get install nginx)")
		}
		t.Skip("nginx not installed")
	}
	return m[0]
}

func fpmConf(ae *apacheE2E) string {
	return fmt.Sprintf(`[global]
pid = %[1]s/run/php-fpm.pid
error_log = %[1]s/logs/php-fpm.log
daemonize = no

[www]
user = www-data
group = www-data
listen = 127.0.0.1:%[2]d
pm = static
pm.max_children = 2
`, ae.dir, freePortNum())
}

func nginxConf(ae *apacheE2E) string {
	return fmt.Sprintf(`user www-data;
worker_processes 1;
pid %[1]s/run/nginx.pid;
error_log %[1]s/logs/nginx-error.log;
events {}
http {
    access_log off;
    client_body_temp_path %[1]s/run;
    proxy_temp_path %[1]s/run;
    fastcgi_temp_path %[1]s/run;
    uwsgi_temp_path %[1]s/run;
    scgi_temp_path %[1]s/run;
    server { listen 127.0.0.1:%[2]d; return 204; }
}
`, ae.dir, freePortNum())
}

func writeConf(t *testing.T, ae *apacheE2E, name, text string) string {
	t.Helper()
	p := filepath.Join(ae.dir, "conf", name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// startSidecar runs a server in the foreground in its own process group;
// the test's cleanup kills the group and reaps it.
func startSidecar(t *testing.T, ae *apacheE2E, name, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"}
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(apacheWait):
			t.Errorf("%s did not exit after SIGKILL:\n%s", name, out.String())
		}
		for _, p := range readProcs() {
			if p.pgid == cmd.Process.Pid {
				_ = syscall.Kill(p.pid, syscall.SIGKILL)
				var ws syscall.WaitStatus
				_, _ = syscall.Wait4(p.pid, &ws, 0, nil)
			}
		}
	})
	time.Sleep(100 * time.Millisecond)
	select {
	case <-done:
		t.Fatalf("%s exited at once:\n%s", name, out.String())
	default:
	}
}

// waitForProcs waits until n processes of uid whose name starts with comm
// run in our IPC namespace.
func waitForProcs(t *testing.T, uid int, comm string, n int) {
	t.Helper()
	deadline := time.Now().Add(apacheWait)
	for {
		if len(userProcs(uid, comm)) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d %s processes of uid %d after %v, want %d", len(userProcs(uid, comm)), comm, uid, apacheWait, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// userProcs lists the live processes of uid in our IPC namespace (whose
// names start with comm, unless comm is "").
func userProcs(uid int, comm string) []int {
	self, _ := os.Readlink("/proc/self/ns/ipc")
	var out []int
	for _, p := range readProcs() {
		if p.state == 'Z' {
			continue
		}
		if ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/ipc", p.pid)); ns != self {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
		if err != nil || !strings.Contains(string(b), fmt.Sprintf("\nUid:\t%d\t", uid)) {
			continue
		}
		c, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p.pid))
		if strings.HasPrefix(string(c), comm) {
			out = append(out, p.pid)
		}
	}
	return out
}

// killUser kills -9 every process of uid in our IPC namespace (as
// pkill -9 -u would) and waits until each of them has died. Their masters
// (php-fpm's, nginx's) may start new ones at once: those live on.
func killUser(t *testing.T, uid int) {
	t.Helper()
	victims := userProcs(uid, "")
	for _, pid := range victims {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	deadline := time.Now().Add(apacheWait)
	for _, pid := range victims {
		for {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			if err != nil {
				break
			}
			if i := strings.LastIndexByte(string(b), ')'); i > 0 && i+2 < len(b) && b[i+2] == 'Z' {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("process %d of uid %d still runs after kill -9", pid, uid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func freePortNum() int {
	t := &testing.T{}
	return freePort(t)
}

// The red team's a16 case: mod_ssl makes its ssl-cache mutex once, in the
// launcher, and keeps it through graceful restarts, while the accept and
// rewrite-map mutexes are made anew. After a graceful restart some time
// after the start, the ssl-cache mutex is older than every set with a live
// operator; clean must keep it (removing it makes every TLS request fail:
// AH02026), and TLS must still work afterwards.
func TestApacheSSLCacheMutexSurvivesGracefulRestart(t *testing.T) {
	ae := newApacheE2E(t)
	cert, key := selfSigned(t, ae.dir)
	sslPort := freePortNum()
	ae.ssl = map[string]any{"SSLPort": sslPort, "SSLCert": cert, "SSLKey": key}
	h := ae.start(t)
	h.waitServing(t)
	tlsGet := func() error {
		c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		resp, err := c.Get(fmt.Sprintf("https://127.0.0.1:%d/index.html", sslPort))
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	for i := 0; i < 3; i++ {
		if err := tlsGet(); err != nil {
			t.Fatalf("TLS before: %v\n%s", err, h.logs())
		}
	}
	first := map[int]bool{}
	for _, s := range ae.list(t).Semaphores {
		first[s.ID] = true
	}
	// Long enough for the first start's sets to be older than a graceful
	// restart's burst.
	time.Sleep(8 * time.Second)
	if err := syscall.Kill(h.cmd.Process.Pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(apacheWait)
	kept := 0
	for {
		l := ae.list(t)
		fresh := 0
		kept = 0
		for _, s := range l.Semaphores {
			if first[s.ID] {
				kept++
			} else {
				fresh++
			}
		}
		if fresh >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new sets after a graceful restart:\n%s", h.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if kept == 0 {
		t.Fatalf("no set of the first start survived the graceful restart (no ssl-cache mutex?):\n%s", ae.lastJSON)
	}
	h.waitServing(t)
	cl := ae.clean(t, filepath.Join(ae.dir, "audit-ssl.jsonl"))
	for _, r := range cl.Removals {
		if r.Outcome == ipc.Removed {
			t.Errorf("clean after a graceful restart removed set %d (%s by %s): %s", r.ID, r.Verdict, r.Outcome, strings.Join(r.Reasons, "; "))
		}
	}
	for i := 0; i < 3; i++ {
		if err := tlsGet(); err != nil {
			t.Errorf("TLS after clean: %v", err)
		}
	}
	if logs := h.logs(); strings.Contains(logs, "AH02026") || strings.Contains(logs, "AH02027") {
		t.Errorf("Apache lost its SSL session cache mutex:\n%s", logs)
	}
	h.stop(t)
}

// selfSigned writes a self-signed certificate and key for 127.0.0.1 into
// dir (world-readable: Apache's children are www-data).
func selfSigned(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "conf", "cert.pem"), filepath.Join(dir, "conf", "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o644); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}
