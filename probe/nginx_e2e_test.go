package probe

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"

	"ipcscope/probe/probetest"
)

// nginxBin is Debian's nginx (package nginx, pulled in by nginx-light; it
// has http_ssl_module and http_v2_module built in).
const nginxBin = "/usr/sbin/nginx"

// nginxServer is a running nginx started by startNginx from one of the
// templates in testdata/nginx (each defines "servers" inside base.conf.tmpl).
type nginxServer struct {
	Dir   string
	Ports map[string]int
	// Certs maps alpha.test, beta.test, gamma.test to their self-signed
	// certificate PEM (files Dir/alpha.crt, Dir/alpha.key, ...).
	Certs map[string][]byte
	cmd   *exec.Cmd
	exit  chan error
}

// nginxVersion returns nginx's version as major, minor, patch.
func nginxVersion(t *testing.T) [3]int {
	out, err := exec.Command(nginxBin, "-v").CombinedOutput()
	if err != nil {
		t.Fatalf("%s -v: %v: %s", nginxBin, err, out)
	}
	m := regexp.MustCompile(`nginx/(\d+)\.(\d+)\.(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("unknown nginx version: %s", out)
	}
	var v [3]int
	for i := range v {
		v[i], _ = strconv.Atoi(string(m[i+1]))
	}
	return v
}

// startNginx writes testdata/nginx/<conf> and fresh certificates into a
// temporary directory, starts nginx in the foreground in its own process
// group on free loopback ports named by ports, and waits (at most 10s) until
// every port accepts connections. A port taken meanwhile is retried.
func startNginx(t *testing.T, conf string, ports ...string) *nginxServer {
	t.Helper()
	return startNginxFiles(t, conf, nil, ports...)
}

// startNginxFiles is startNginx with more files written into the
// directory first (name → content), for templates that name them.
func startNginxFiles(t *testing.T, conf string, files map[string][]byte, ports ...string) *nginxServer {
	t.Helper()
	if _, err := os.Stat(nginxBin); err != nil {
		needE2E(t, fmt.Errorf("nginx not installed (apt-get install nginx; nginx-light depends on it): %v", err))
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var n *nginxServer
		n, err = tryStartNginx(t, conf, ports, files)
		if err == nil {
			return n
		}
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	t.Fatalf("start nginx with %s: %v", conf, err)
	return nil
}

func tryStartNginx(t *testing.T, conf string, portNames []string, files map[string][]byte) (*nginxServer, error) {
	dir := t.TempDir()
	// Workers run as nobody when the master is root: let them traverse.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return nil, err
	}
	n := &nginxServer{Dir: dir, Ports: map[string]int{}, Certs: map[string][]byte{}}
	for _, name := range []string{"alpha.test", "beta.test", "gamma.test"} {
		c, err := probetest.SelfSigned(name)
		if err != nil {
			return nil, err
		}
		cp, kp, err := probetest.PEM(c)
		if err != nil {
			return nil, err
		}
		base := filepath.Join(dir, strings.TrimSuffix(name, ".test"))
		if err := os.WriteFile(base+".crt", cp, 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(base+".key", kp, 0o600); err != nil {
			return nil, err
		}
		n.Certs[name] = cp
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return nil, err
		}
	}
	var lns []net.Listener
	for _, p := range portNames {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, l)
		n.Ports[p] = l.Addr().(*net.TCPAddr).Port
	}
	for _, l := range lns {
		l.Close()
	}
	tmpl, err := template.New("base.conf.tmpl").Option("missingkey=error").ParseFiles(
		filepath.Join("testdata", "nginx", "base.conf.tmpl"), filepath.Join("testdata", "nginx", conf))
	if err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(dir, "nginx.conf"))
	if err != nil {
		return nil, err
	}
	err = tmpl.Execute(f, n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		return nil, err
	}
	defer out.Close()
	n.cmd = exec.Command(nginxBin, "-p", dir+"/", "-e", filepath.Join(dir, "error.log"),
		"-c", filepath.Join(dir, "nginx.conf"),
		"-g", "daemon off; pid "+filepath.Join(dir, "nginx.pid")+";")
	n.cmd.Dir = dir
	n.cmd.Stdout, n.cmd.Stderr = out, out
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		return nil, err
	}
	n.exit = make(chan error, 1)
	go func() { n.exit <- n.cmd.Wait() }()
	t.Cleanup(n.stop)
	deadline := time.Now().Add(10 * time.Second)
	for _, name := range portNames {
		for {
			c, err := net.DialTimeout("tcp", n.addr(name), 200*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			select {
			case werr := <-n.exit:
				n.exit <- werr
				return nil, fmt.Errorf("nginx exited (%v): %s", werr, n.logs())
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("nginx did not listen on %s within 10s: %s", n.addr(name), n.logs())
			}
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("nginx %s:\n%s", conf, n.logs())
		}
	})
	return n, nil
}

func (n *nginxServer) addr(port string) string {
	return "127.0.0.1:" + strconv.Itoa(n.Ports[port])
}

// stop ends nginx's process group: TERM (fast shutdown), KILL after 5s.
func (n *nginxServer) stop() {
	pgid := n.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case err := <-n.exit:
		n.exit <- err
	case <-time.After(5 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		n.exit <- <-n.exit
	}
	syscall.Kill(-pgid, syscall.SIGKILL) // workers left behind, if any
}

func (n *nginxServer) logs() string {
	var b strings.Builder
	for _, f := range []string{"stderr.log", "error.log", "access.log"} {
		data, _ := os.ReadFile(filepath.Join(n.Dir, f))
		fmt.Fprintf(&b, "--- %s:\n%s", f, data)
	}
	return b.String()
}

// waitAccessLog waits for an access.log line ($ssl_server_name (- for no
// SNI)|$server_name|$host|$server_protocol|$http2|$status).
func (n *nginxServer) waitAccessLog(t *testing.T, line string) {
	t.Helper()
	n.waitLog(t, "access.log", func(l string) bool { return l == line }, line)
}

// waitErrorLog waits for an error.log line ending in suffix.
func (n *nginxServer) waitErrorLog(t *testing.T, suffix string) {
	t.Helper()
	n.waitLog(t, "error.log", func(l string) bool { return strings.HasSuffix(l, suffix) }, suffix)
}

// waitLog waits at most 5s (nginx logs after sending the response) for a
// line of file that matches, and fails if none comes.
func (n *nginxServer) waitLog(t *testing.T, file string, match func(string) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, _ := os.ReadFile(filepath.Join(n.Dir, file))
		for _, l := range strings.Split(string(data), "\n") {
			if match(l) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("%s has no line %q", file, what)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (n *nginxServer) run(t *testing.T, target string) Result {
	t.Helper()
	tg, err := ParseTarget(target)
	if err != nil {
		t.Fatal(err)
	}
	return Run(context.Background(), tg, Options{Timeout: 3 * time.Second, Roots: certPool(t, n.Certs)})
}

// TestNginxFirstServerE2E: two (three) server blocks on one TLS port, no
// default_server. Each name gets its own certificate; no SNI and an unknown
// SNI get the FIRST block's (alpha), not the last one's.
func TestNginxFirstServerE2E(t *testing.T) {
	n := startNginx(t, "first-server.conf.tmpl", "tls")
	port := strconv.Itoa(n.Ports["tls"])
	alphaFP := fingerprint(t, n.Certs["alpha.test"])
	for _, name := range []string{"alpha.test", "beta.test", "gamma.test"} {
		r := n.run(t, "https://"+name+":"+port+"@127.0.0.1")
		if !r.OK || r.TLS.Cert == nil || r.TLS.Cert.SHA256 != fingerprint(t, n.Certs[name]) || !r.TLS.Verified {
			t.Errorf("%s: must get its own certificate: ok=%v %+v", name, r.OK, r.TLS)
			continue
		}
		if r.NoSNI.Cert == nil || r.NoSNI.Cert.SHA256 != alphaFP || r.NoSNI.DefaultName != "alpha.test" {
			t.Errorf("%s: no SNI must get the first server's (alpha.test) certificate: %+v", name, r.NoSNI)
		}
		if same := r.NoSNI.SameAsSNI != nil && *r.NoSNI.SameAsSNI; same != (name == "alpha.test") {
			t.Errorf("%s: same_as_sni = %v", name, same)
		}
		want := map[string]string{
			"alpha.test": "SNI ok · default cert same · no h2",
			"beta.test":  "SNI ok · default cert differs (alpha.test) · no h2",
			// gamma verifies client certificates: see TestNginxMisdirected421E2E.
			"gamma.test": "SNI ok · default cert differs (alpha.test) · cross-SNI 421 · no h2",
		}[name]
		if r.Verdict != want {
			t.Errorf("%s: verdict %q, want %q", name, r.Verdict, want)
		}
		if r.H2 == nil || r.TLS.ALPN != "http/1.1" || r.H2.HTTPStatus != 200 || r.H2.Server != "nginx" {
			t.Errorf("%s: ALPN %q, request %+v", name, r.TLS.ALPN, r.H2)
		}
	}
	// An unknown SNI also lands on the first server: alpha's certificate,
	// not valid for the name.
	r := n.run(t, "https://other.test:"+port+"@127.0.0.1")
	if r.OK || r.TLS.Cert == nil || r.TLS.Cert.SHA256 != alphaFP || r.TLS.Verified {
		t.Errorf("unknown SNI: ok=%v %+v", r.OK, r.TLS)
	}
	// The bare IP sends no SNI and gets alpha's certificate too.
	r = n.run(t, "https://127.0.0.1:"+port)
	if !r.OK || r.TLS.Status != StatusSkipped || r.NoSNI.Cert == nil || r.NoSNI.Cert.SHA256 != alphaFP {
		t.Errorf("IP target: %+v / %+v", r.TLS, r.NoSNI)
	}
	// http:// to the TLS port: nginx answers 400 in plain HTTP; not ok.
	r = n.run(t, "http://alpha.test:"+port+"@127.0.0.1")
	if r.OK || r.Verdict != "cleartext · TLS port: use https://" || !strings.Contains(r.H2CUpgrade.Error, "plain HTTP got HTTP/1.1 400") {
		t.Errorf("http:// to nginx's TLS port: ok=%v verdict %q upgrade %+v", r.OK, r.Verdict, r.H2CUpgrade)
	}
	n.waitAccessLog(t, "-|alpha.test|127.0.0.1|HTTP/1.1||200")
	n.waitAccessLog(t, "other.test|alpha.test|other.test|HTTP/1.1||200")
}

// TestNginxDefaultServerE2E: the same two blocks with "listen ... ssl
// default_server" on the second: no SNI now gets beta's certificate, which
// the probe reports as differing for alpha. It also shows nginx's answer to
// a misdirected request: SNI beta + Host alpha is served by alpha (200), since
// alpha does not verify client certificates.
func TestNginxDefaultServerE2E(t *testing.T) {
	n := startNginx(t, "default-server.conf.tmpl", "tls")
	port := strconv.Itoa(n.Ports["tls"])
	betaFP := fingerprint(t, n.Certs["beta.test"])
	for _, name := range []string{"alpha.test", "beta.test"} {
		r := n.run(t, "https://"+name+":"+port+"@127.0.0.1")
		if !r.OK || r.TLS.Cert == nil || r.TLS.Cert.SHA256 != fingerprint(t, n.Certs[name]) || !r.TLS.Verified {
			t.Errorf("%s: must get its own certificate: ok=%v %+v", name, r.OK, r.TLS)
			continue
		}
		if r.NoSNI.Cert == nil || r.NoSNI.Cert.SHA256 != betaFP || r.NoSNI.DefaultName != "beta.test" {
			t.Errorf("%s: no SNI must get the default_server's (beta.test) certificate: %+v", name, r.NoSNI)
		}
		if name == "beta.test" {
			if r.Verdict != "SNI ok · default cert same · no h2" || r.Misdirected.DefaultSNI != nil {
				t.Errorf("beta.test: verdict %q, misdirected %+v", r.Verdict, r.Misdirected)
			}
			continue
		}
		// alpha.test: the default certificate differs, and is not valid for alpha.
		if r.NoSNI.SameAsSNI == nil || *r.NoSNI.SameAsSNI || r.NoSNI.Status != StatusWarn {
			t.Errorf("alpha.test: no-SNI check %+v", r.NoSNI)
		}
		if want := "SNI ok · default cert differs (beta.test) · no h2"; r.Verdict != want {
			t.Errorf("alpha.test: verdict %q, want %q (no 421 claimed)", r.Verdict, want)
		}
		m := r.Misdirected
		if m == nil || m.NoSNI == nil || m.DefaultSNI == nil {
			t.Fatalf("alpha.test: misdirected %+v", m)
		}
		if m.NoSNI.Status != 200 || m.DefaultSNI.SNI != "beta.test" || m.DefaultSNI.Status != 200 || m.Status != StatusOK {
			t.Errorf("alpha.test: nginx must serve Host alpha on beta's connections (200): %+v / %+v / %+v", m.Check, m.NoSNI, m.DefaultSNI)
		}
		if want := "no SNI + Host alpha.test: 200 · SNI beta.test + Host alpha.test: 200"; m.Summary != want {
			t.Errorf("alpha.test: misdirected summary %q, want %q", m.Summary, want)
		}
		if want := "200: Host alpha.test is served on a connection with SNI beta.test"; m.DefaultSNI.Meaning != want {
			t.Errorf("alpha.test: meaning %q, want %q", m.DefaultSNI.Meaning, want)
		}
	}
	// The log proves which server block answered: SNI beta, server alpha.
	n.waitAccessLog(t, "beta.test|alpha.test|alpha.test|HTTP/1.1||200")
	n.waitAccessLog(t, "-|alpha.test|alpha.test|HTTP/1.1||200")
}

// TestNginxMisdirected421E2E: nginx answers 421 only when SNI was sent and
// the Host's server verifies client certificates (gamma, ssl_verify_client
// optional_no_ca); the probe then reports "cross-SNI 421". Without SNI the
// same Host is served (200).
func TestNginxMisdirected421E2E(t *testing.T) {
	n := startNginx(t, "first-server.conf.tmpl", "tls")
	port := strconv.Itoa(n.Ports["tls"])
	r := n.run(t, "https://gamma.test:"+port+"@127.0.0.1")
	m := r.Misdirected
	if m == nil || m.NoSNI == nil || m.DefaultSNI == nil {
		t.Fatalf("gamma.test: misdirected %+v", m)
	}
	if m.NoSNI.Status != 200 || m.DefaultSNI.SNI != "alpha.test" || m.DefaultSNI.Status != 421 || m.Status != StatusWarn {
		t.Errorf("gamma.test: want no SNI 200, SNI alpha.test 421: %+v / %+v / %+v", m.Check, m.NoSNI, m.DefaultSNI)
	}
	if want := "SNI ok · default cert differs (alpha.test) · cross-SNI 421 · no h2"; r.Verdict != want {
		t.Errorf("gamma.test: verdict %q, want %q", r.Verdict, want)
	}
	// nginx refuses before switching to gamma's server block, so $host is
	// alpha.test here; error.log names the Host it refused.
	n.waitAccessLog(t, "alpha.test|alpha.test|alpha.test|HTTP/1.1||421")
	n.waitErrorLog(t, `client attempted to request the server name different from the one that was negotiated while reading client request headers, client: 127.0.0.1, server: alpha.test, request: "HEAD / HTTP/1.1", host: "gamma.test"`)
	// beta does not verify clients: SNI alpha + Host beta is served.
	r = n.run(t, "https://beta.test:"+port+"@127.0.0.1")
	if m := r.Misdirected; m == nil || m.DefaultSNI == nil || m.DefaultSNI.Status != 200 || strings.Contains(r.Verdict, "421") {
		t.Errorf("beta.test: %q %+v", r.Verdict, r.Misdirected)
	}
}

// TestNginxH2E2E: "listen ... ssl http2" selects h2 by ALPN on that port;
// a port without http2 selects http/1.1.
func TestNginxH2E2E(t *testing.T) {
	n := startNginx(t, "h2.conf.tmpl", "h2", "tls", "h2c", "plain")
	r := n.run(t, "https://alpha.test:"+strconv.Itoa(n.Ports["h2"])+"@127.0.0.1")
	if h := r.H2; !r.OK || r.TLS.ALPN != "h2" || h == nil || h.Status != StatusOK || h.Proto != "h2" || h.HTTPStatus != 200 || h.Server != "nginx" {
		t.Errorf("ssl http2 port: ALPN %q, request %+v", r.TLS.ALPN, r.H2)
	} else if h.Settings["MAX_CONCURRENT_STREAMS"] != 128 {
		t.Errorf("nginx SETTINGS %v, want MAX_CONCURRENT_STREAMS=128", h.Settings)
	}
	if want := "SNI ok · default cert same · h2"; r.Verdict != want {
		t.Errorf("ssl http2 port: verdict %q, want %q", r.Verdict, want)
	}
	r = n.run(t, "https://beta.test:"+strconv.Itoa(n.Ports["tls"])+"@127.0.0.1")
	if h := r.H2; !r.OK || r.TLS.ALPN != "http/1.1" || h == nil || h.Status != StatusInfo || h.Proto != "http/1.1" || h.HTTPStatus != 200 {
		t.Errorf("ssl port: ALPN %q, request %+v", r.TLS.ALPN, r.H2)
	}
	if want := "SNI ok · default cert same · no h2"; r.Verdict != want {
		t.Errorf("ssl port: verdict %q, want %q", r.Verdict, want)
	}
	n.waitAccessLog(t, "alpha.test|alpha.test|alpha.test|HTTP/2.0|h2|200")
}

// TestNginxH2CE2E: a cleartext "listen ... http2" port is h2-only in nginx
// < 1.25.1: prior knowledge works, an HTTP/1.1 Upgrade request gets HTTP/2
// frames back. A plain port refuses the Upgrade (information, not failure)
// and answers the preface in HTTP/1.1.
func TestNginxH2CE2E(t *testing.T) {
	n := startNginx(t, "h2.conf.tmpl", "h2", "tls", "h2c", "plain")
	if v := nginxVersion(t); v[0] > 1 || v[0] == 1 && (v[1] > 25 || v[1] == 25 && v[2] >= 1) {
		t.Skipf("nginx %d.%d.%d: cleartext listen ... http2 is no longer h2-only (1.25.1+); expectations are for 1.22", v[0], v[1], v[2])
	}
	r := n.run(t, "http://h2c.test:"+strconv.Itoa(n.Ports["h2c"])+"@127.0.0.1")
	if p := r.H2CPrior; p == nil || p.Status != StatusOK || p.Proto != "h2c" || p.HTTPStatus != 200 || p.Settings["MAX_CONCURRENT_STREAMS"] != 128 {
		t.Errorf("h2c port, prior knowledge: %+v", r.H2CPrior)
	}
	if u := r.H2CUpgrade; u == nil || u.Status != StatusInfo || u.Got != "HTTP/2 frames" || !strings.Contains(u.Summary, "only HTTP/2") {
		t.Errorf("h2c port, Upgrade must be reported as an h2-only port: %+v", r.H2CUpgrade)
	}
	if want := "cleartext · h2-only (no HTTP/1.1) · h2c direct ok"; !r.OK || r.Verdict != want {
		t.Errorf("h2c port: ok=%v verdict %q, want %q", r.OK, r.Verdict, want)
	}
	n.waitAccessLog(t, "-|h2c.test|h2c.test|HTTP/2.0|h2c|200")

	r = n.run(t, "http://plain.test:"+strconv.Itoa(n.Ports["plain"])+"@127.0.0.1")
	if u := r.H2CUpgrade; u == nil || u.Status != StatusInfo || u.Got != "HTTP/1.1 200 OK" || u.Proto != "http/1.1" {
		t.Errorf("plain port, Upgrade must be refused (info): %+v", r.H2CUpgrade)
	}
	if p := r.H2CPrior; p == nil || p.Status != StatusInfo || p.Proto != "http/1.1" || p.Got != "HTTP/1.1 400 Bad Request" {
		t.Errorf("plain port, prior knowledge must be answered in HTTP/1.1: %+v", r.H2CPrior)
	}
	if want := "cleartext · h2c upgrade off · h2c direct off"; !r.OK || r.Verdict != want {
		t.Errorf("plain port: ok=%v verdict %q, want %q", r.OK, r.Verdict, want)
	}
	n.waitAccessLog(t, "-|plain.test|plain.test|HTTP/1.1||200")
}
