package probetest

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"text/template"
	"time"
)

//go:embed testdata/apache-e2e.conf.tmpl
var apacheTemplate string

// ErrNoApache is returned by FindApache when no usable Apache httpd with
// mod_ssl and mod_http2 is installed.
var ErrNoApache = errors.New("apache2/httpd with mod_ssl and mod_http2 not found")

// FindApache returns the Apache binary and its module directory.
func FindApache() (bin, modDir string, err error) {
	for _, name := range []string{"apache2", "httpd", "/usr/sbin/apache2", "/usr/sbin/httpd"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		return "", "", ErrNoApache
	}
	for _, d := range []string{"/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/lib/httpd/modules", "/usr/libexec/apache2"} {
		if _, err := os.Stat(filepath.Join(d, "mod_http2.so")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "mod_ssl.so")); err == nil {
				return bin, d, nil
			}
		}
	}
	return bin, "", fmt.Errorf("%w (found %s, but no module directory with mod_ssl.so and mod_http2.so)", ErrNoApache, bin)
}

// Apache is a running Apache httpd started by StartApache, with the
// configuration of testdata/apache-e2e.conf.tmpl: alpha.test (default,
// alias www.alpha.test, HSTS), beta.test and gamma.test ("Protocols
// http/1.1") on TLSPort, each with its own self-signed certificate;
// h2c.test on H2CPort (h2c Upgrade and prior knowledge); plain.test on
// PlainPort (HTTP/1.1 only); on WildPort one, two and three.wild.test
// share one wildcard certificate (*.wild.test), two with another
// SSLProtocol (so Apache answers 421 across one and two); StarPort has
// "<VirtualHost *:StarPort>" but "Listen 127.0.0.3:StarPort" only, its
// first (default) vhost without ServerName like Debian's default-ssl.conf
// (gamma's certificate), then star.test.
type Apache struct {
	Bin, Conf, Dir              string
	TLSPort, H2CPort, PlainPort int
	WildPort, StarPort          int
	// Certs maps alpha.test, beta.test, gamma.test and *.wild.test to their
	// certificate PEM.
	Certs map[string][]byte
	cmd   *exec.Cmd
	exit  chan error
}

// Args returns the arguments that make the Apache binary use this
// configuration, for e.g. Args("-S").
func (a *Apache) Args(extra ...string) []string {
	return append([]string{"-f", a.Conf}, extra...)
}

type module struct{ Name, Path string }

// StartApache writes the configuration and certificates into a new
// directory, starts Apache in the foreground in its own process group and
// waits until its ports accept connections. Ports are picked free at
// random; a bind conflict is retried.
func StartApache() (*Apache, error) { return StartApacheWith(ApacheOptions{}) }

// ApacheOptions vary StartApacheWith's configuration, for tests of why a
// host offers no h2.
type ApacheOptions struct {
	Prefork bool // mpm_prefork instead of mpm_event (mod_http2 refuses it: AH10034)
	NoHTTP2 bool // mod_http2 not loaded
}

// StartApacheWith is StartApache with options.
func StartApacheWith(o ApacheOptions) (*Apache, error) {
	bin, modDir, err := FindApache()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		a, err := startApache(bin, modDir, o)
		if err == nil {
			return a, nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	return nil, lastErr
}

func startApache(bin, modDir string, o ApacheOptions) (a *Apache, err error) {
	dir, err := os.MkdirTemp("", "ipcscope-apache-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	// Apache's children run as User when started by root: they must reach htdocs.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	for _, d := range []string{"run", "htdocs"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "htdocs", "index.html"), []byte("ipcscope e2e\n"), 0o644); err != nil {
		return nil, err
	}
	a = &Apache{Bin: bin, Dir: dir, Conf: filepath.Join(dir, "httpd.conf"), Certs: map[string][]byte{}}
	for _, n := range []string{"alpha.test", "beta.test", "gamma.test", "*.wild.test", "star.test"} {
		names := []string{n}
		if n == "alpha.test" {
			names = append(names, "www.alpha.test")
		}
		c, err := SelfSigned(names...)
		if err != nil {
			return nil, err
		}
		cp, kp, err := PEM(c)
		if err != nil {
			return nil, err
		}
		base := filepath.Join(dir, strings.TrimSuffix(strings.TrimPrefix(n, "*."), ".test"))
		if err := os.WriteFile(base+".crt", cp, 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(base+".key", kp, 0o600); err != nil {
			return nil, err
		}
		a.Certs[n] = cp
	}
	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	a.TLSPort, a.H2CPort, a.PlainPort, a.WildPort, a.StarPort = ports[0], ports[1], ports[2], ports[3], ports[4]
	data := struct {
		Dir                                             string
		Modules                                         []module
		User, Group                                     string
		TLSPort, H2CPort, PlainPort, WildPort, StarPort int
	}{Dir: dir, TLSPort: a.TLSPort, H2CPort: a.H2CPort, PlainPort: a.PlainPort, WildPort: a.WildPort, StarPort: a.StarPort}
	mods := []string{"mpm_event", "authz_core", "dir", "ssl", "http2", "headers", "socache_shmcb"}
	if o.Prefork {
		mods[0] = "mpm_prefork"
	}
	if o.NoHTTP2 {
		mods = append(mods[:4], mods[5:]...)
	}
	for _, m := range mods {
		data.Modules = append(data.Modules, module{m + "_module", filepath.Join(modDir, "mod_"+m+".so")})
	}
	if os.Geteuid() == 0 {
		data.User, data.Group = unprivileged()
	}
	var conf bytes.Buffer
	if err := template.Must(template.New("conf").Parse(apacheTemplate)).Execute(&conf, data); err != nil {
		return nil, err
	}
	if err := os.WriteFile(a.Conf, conf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	a.cmd = exec.Command(bin, a.Args("-D", "FOREGROUND")...)
	a.cmd.Dir = dir
	var out bytes.Buffer
	a.cmd.Stdout, a.cmd.Stderr = &out, &out
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := a.cmd.Start(); err != nil {
		return nil, err
	}
	a.exit = make(chan error, 1)
	go func() { a.exit <- a.cmd.Wait() }()
	deadline := time.Now().Add(15 * time.Second)
	for _, p := range ports {
		host := "127.0.0.1"
		if p == a.StarPort {
			host = "127.0.0.3"
		}
		for {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("%s:%d", host, p), 200*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			select {
			case werr := <-a.exit:
				log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
				return nil, fmt.Errorf("apache exited (%v): %s %s", werr, strings.TrimSpace(out.String()), lastLines(string(log), 3))
			case <-time.After(50 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				a.Close()
				return nil, fmt.Errorf("apache did not listen on %s:%d within 15s", host, p)
			}
		}
	}
	return a, nil
}

// Close stops Apache's whole process group (TERM, then KILL after 5s) and
// removes its directory.
func (a *Apache) Close() {
	if a.cmd != nil && a.cmd.Process != nil {
		pgid := a.cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-a.exit:
		case <-time.After(5 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-a.exit
		}
		// Children left behind by a crash share the group.
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
	os.RemoveAll(a.Dir)
}

// Log returns Apache's access and error logs, for test failure messages.
func (a *Apache) Log() string {
	acc, _ := os.ReadFile(filepath.Join(a.Dir, "access.log"))
	errl, _ := os.ReadFile(filepath.Join(a.Dir, "error.log"))
	return "access.log:\n" + string(acc) + "error.log:\n" + string(errl)
}

// unprivileged picks the user Apache's children run as when started by root.
func unprivileged() (string, string) {
	for _, u := range [][2]string{{"www-data", "www-data"}, {"apache", "apache"}, {"nobody", "nogroup"}, {"nobody", "nobody"}} {
		if _, err := user.Lookup(u[0]); err != nil {
			continue
		}
		if _, err := user.LookupGroup(u[1]); err == nil {
			return u[0], u[1]
		}
	}
	return "nobody", "nobody"
}

// freePorts finds n distinct free loopback ports (listen on :0, then
// release; StartApache retries if one is taken meanwhile).
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
