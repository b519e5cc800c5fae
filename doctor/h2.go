package doctor

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"ipcscope/probe"
)

// NoH2 says why a target that answered offers no HTTP/2 (h2 over TLS,
// h2c on cleartext), from what could be read: the server's configuration
// when the target came from --apache or --nginx discovery, else the
// Server header it sent.
type NoH2 struct {
	Target   string     `json:"target"`    // as in the probe's results (Target.String)
	HostPort string     `json:"host_port"` // name:port, as in the probe's table
	Want     string     `json:"want"`      // "h2" or "h2c"
	From     string     `json:"from"`      // FromApache, FromNginx, FromServerHeader, FromNothing
	Reasons  []H2Reason `json:"reasons"`
}

// H2Reason is one missing prerequisite and what provides it.
type H2Reason struct {
	Cause  string `json:"cause"`
	Fix    string `json:"fix"`
	Source string `json:"source"` // file:line where it is set; "" for a default
}

// Where a NoH2 comes from.
const (
	FromApache       = "apache-config"
	FromNginx        = "nginx-config"
	FromServerHeader = "server-header"
	FromNothing      = "none"
)

// FromText is From in words.
func FromText(from string) string {
	return map[string]string{FromApache: "Apache's configuration", FromNginx: "nginx's configuration", FromServerHeader: "the Server header", FromNothing: "nothing read"}[from]
}

var reDiscovered = regexp.MustCompile(`^(apache|nginx):(.+?:\d+):`)

// ExplainNoH2 returns nil when r got HTTP/2 (or never got far enough to
// ask for it). apache is the setup read for --apache (nil when not read),
// nginx the servers of --nginx.
func ExplainNoH2(r probe.Result, apache *ApacheSetup, nginx *probe.NginxServers) *NoH2 {
	want := ""
	switch {
	case r.TLS != nil && r.TLS.Status != probe.StatusFail && r.TLS.Status != probe.StatusSkipped:
		if r.TLS.ALPN == "h2" {
			return nil
		}
		want = "h2"
	case r.TLS == nil && (r.H2CUpgrade != nil || r.H2CPrior != nil):
		for _, c := range []*probe.HTTPCheck{r.H2CUpgrade, r.H2CPrior} {
			if c != nil && c.Proto == "h2c" {
				return nil
			}
		}
		if (r.H2CUpgrade == nil || r.H2CUpgrade.HTTPStatus == 0) && (r.H2CPrior == nil || r.H2CPrior.Got == "") {
			return nil // no answer at all: not an HTTP/2 question
		}
		want = "h2c"
	default:
		return nil
	}
	n := &NoH2{Target: r.Target.String(), HostPort: r.Target.HostPort(), Want: want}
	server := ""
	for _, c := range []*probe.HTTPCheck{r.H2, r.H2CUpgrade, r.H2CPrior} {
		if c != nil && c.Server != "" {
			server = c.Server
			break
		}
	}
	m := reDiscovered.FindStringSubmatch(r.Target.Input)
	switch {
	case m != nil && m[1] == "apache" && apache != nil:
		n.From = FromApache
		n.Reasons = apache.noH2(m[2], want)
	case m != nil && m[1] == "nginx" && nginx != nil:
		n.From = FromNginx
		n.Reasons = nginxNoH2(nginx, r.Target.Port, m[2], want, server)
	}
	if len(n.Reasons) == 0 && server != "" {
		if rs := serverHeaderNoH2(server, want); len(rs) > 0 {
			n.From, n.Reasons = FromServerHeader, rs
		}
	}
	if len(n.Reasons) == 0 {
		what := "the server's configuration was not read (probe with --apache or --nginx on the server itself), and its Server header names no version that lacks it"
		if n.From == "" {
			n.From = FromNothing
		} else {
			what = FromText(n.From) + " shows no missing prerequisite"
		}
		n.Reasons = []H2Reason{{Cause: fmt.Sprintf("the server did not offer %s, and %s", want, what), Fix: ""}}
	}
	return n
}

// noH2 checks mod_http2, the MPM and the vhost's Protocols.
func (s *ApacheSetup) noH2(vhostSource, want string) []H2Reason {
	var out []H2Reason
	if !s.HasModule("http2_module") {
		out = append(out, H2Reason{
			Cause: "mod_http2 is not loaded (" + progName(s) + " -M lists no http2_module)",
			Fix:   "Debian: a2enmod http2; elsewhere: LoadModule http2_module modules/mod_http2.so; then restart Apache",
		})
	}
	// Over TLS only: with prefork, h2c prior knowledge was seen to work
	// (Debian's 2.4.71) while h2 is never offered in ALPN.
	if s.MPM == "prefork" && want == "h2" {
		fix := "switch to mpm_event (Debian: a2dismod mpm_prefork && a2enmod mpm_event)"
		if php := s.phpModule(); php != "" {
			fix = fmt.Sprintf("%s is loaded, and mod_php is why prefork is there: run PHP as php-fpm and switch to mpm_event (Debian: a2dismod %s mpm_prefork && a2enmod mpm_event proxy_fcgi setenvif && a2enconf phpX.Y-fpm)", php, strings.TrimSuffix(php, "_module"))
		}
		out = append(out, H2Reason{
			Cause: "the prefork MPM (" + progName(s) + " -V: Server MPM: prefork): mod_http2 refuses it (AH10034: The mpm module (prefork.c) is not supported by mod_http2) and never offers h2",
			Fix:   fix,
		})
	}
	token := want
	protos, src := s.vhostProtocols(vhostSource)
	has := false
	for _, p := range protos {
		if strings.EqualFold(p, token) {
			has = true
		}
	}
	if !has {
		line := "Protocols " + token + " http/1.1"
		if src == "" {
			out = append(out, H2Reason{Cause: "no Protocols directive lists " + token + " for this vhost, and the default is http/1.1 only", Fix: "add \"" + line + "\" to the vhost at " + vhostSource + " (or to the main configuration for every vhost)"})
		} else {
			out = append(out, H2Reason{Cause: fmt.Sprintf("%q at %s has no %s (a vhost's Protocols replaces the server's)", "Protocols "+strings.Join(protos, " "), src, token), Fix: "make it \"" + line + "\"", Source: src})
		}
	}
	return out
}

func progName(s *ApacheSetup) string {
	if i := strings.LastIndexByte(s.Program, '/'); i >= 0 {
		return s.Program[i+1:]
	}
	return s.Program
}

func (s *ApacheSetup) phpModule() string {
	for _, m := range s.Modules {
		if strings.HasPrefix(m, "php") && strings.HasSuffix(m, "_module") {
			return m
		}
	}
	return ""
}

// vhostProtocols returns the Protocols that apply to the <VirtualHost> at
// source (file:line): its own, else the main configuration's last one
// outside any vhost; src is where it is set ("" for none).
func (s *ApacheSetup) vhostProtocols(source string) (protos []string, src string) {
	if i := strings.LastIndexByte(source, ':'); i > 0 {
		if line, err := strconv.Atoi(source[i+1:]); err == nil {
			if p, at := blockDirective(source[:i], line, "protocols"); at != "" {
				return p, at
			}
		}
	}
	for _, d := range s.Directives("Protocols") {
		if !d.inVhost {
			protos, src = d.args, d.source
		}
	}
	return protos, src
}

// blockDirective finds name inside the <VirtualHost> block that starts at
// line of file.
func blockDirective(file string, line int, name string) ([]string, string) {
	f, err := os.Open(file)
	if err != nil {
		return nil, ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var args []string
	at := ""
	for n := 1; sc.Scan(); n++ {
		if n < line {
			continue
		}
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if strings.EqualFold(fields[0], "</VirtualHost>") {
			break
		}
		if strings.EqualFold(fields[0], name) {
			args, at = fields[1:], probe.Clean(file)+":"+strconv.Itoa(n)
		}
	}
	return args, at
}

// nginxNoH2: the listen the target came from has no http2.
func nginxNoH2(v *probe.NginxServers, port int, source, want, server string) []H2Reason {
	for _, l := range v.Listens {
		if l.Port != port {
			continue
		}
		for _, s := range l.Servers {
			if s.Source != source || l.H2 {
				continue
			}
			listen := "listen " + strconv.Itoa(port)
			if l.SSL {
				listen += " ssl"
			}
			listen += " http2;"
			fix := "add http2 to the listen directive (" + listen + "), or with nginx 1.25.1 or later \"http2 on;\" in the server block"
			if v, ok := nginxVersion(server); ok && !versionAtLeast(v, 1, 25, 1) {
				fix = "add http2 to the listen directive (" + listen + "); nginx " + v + " is older than 1.25.1 and has no \"http2 on;\""
			}
			if want == "h2c" {
				fix += "; on a cleartext port before 1.25.1 that makes the port h2 only (no HTTP/1.1), and nginx never does Upgrade: h2c"
			}
			return []H2Reason{{Cause: fmt.Sprintf("no server on port %d enables HTTP/2 (neither \"listen … http2\" nor \"http2 on;\"); this one is at %s", port, source), Fix: fix, Source: source}}
		}
	}
	return nil
}

var (
	reApacheVer  = regexp.MustCompile(`(?i)\bApache/(\d+)\.(\d+)\.(\d+)`)
	reOpenSSLVer = regexp.MustCompile(`(?i)\bOpenSSL/(\d+)\.(\d+)\.(\d+)`)
	reNginxVer   = regexp.MustCompile(`(?i)\bnginx/(\d+\.\d+\.\d+)`)
)

func nginxVersion(server string) (string, bool) {
	m := reNginxVer.FindStringSubmatch(server)
	if m == nil {
		return "", false
	}
	return m[1], true
}

func versionAtLeast(v string, a, b, c int) bool {
	f := strings.Split(v, ".")
	var n [3]int
	for i := 0; i < 3 && i < len(f); i++ {
		n[i], _ = strconv.Atoi(f[i])
	}
	if n[0] != a {
		return n[0] > a
	}
	if n[1] != b {
		return n[1] > b
	}
	return n[2] >= c
}

// serverHeaderNoH2 is the fallback when the configuration was not read:
// versions in the Server header that cannot do HTTP/2 at all.
func serverHeaderNoH2(server, want string) []H2Reason {
	server = probe.Clean(server)
	var out []H2Reason
	if m := reApacheVer.FindStringSubmatch(server); m != nil {
		v := m[1] + "." + m[2] + "." + m[3]
		if !versionAtLeast(v, 2, 4, 17) {
			out = append(out, H2Reason{Cause: fmt.Sprintf("Server: %q: Apache %s is older than 2.4.17 and has no mod_http2", server, v), Fix: "upgrade Apache to 2.4.17 or later (a current 2.4 release)"})
		}
	}
	if m := reOpenSSLVer.FindStringSubmatch(server); m != nil && want == "h2" {
		v := m[1] + "." + m[2] + "." + m[3]
		if !versionAtLeast(v, 1, 0, 2) {
			out = append(out, H2Reason{Cause: fmt.Sprintf("Server: %q: OpenSSL %s is older than 1.0.2 and has no ALPN, so no browser gets h2", server, v), Fix: "build or install the server against OpenSSL 1.0.2 or later"})
		}
	}
	if v, ok := nginxVersion(server); ok && !versionAtLeast(v, 1, 9, 5) {
		out = append(out, H2Reason{Cause: fmt.Sprintf("Server: %q: nginx %s is older than 1.9.5 and has no HTTP/2", server, v), Fix: "upgrade nginx"})
	}
	return out
}
