package probe

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// NginxServers is what `nginx -T` says about server blocks, grouped per
// listen address:port in the order nginx meets them.
type NginxServers struct {
	Listens []NginxListen `json:"listens"`
}

// NginxListen is one address:port with the server blocks listening there.
type NginxListen struct {
	Addr string `json:"addr"` // "*", an IPv4 or IPv6 address
	Port int    `json:"port"`
	SSL  bool   `json:"ssl"`
	// H2 is set when a server here enables HTTP/2 ("listen ... http2" or
	// "http2 on;"); on a cleartext port before nginx 1.25.1 that means
	// h2 only, no HTTP/1.1.
	H2 bool `json:"h2"`
	// Default is the first name of the server clients without SNI (or
	// with an unknown name) reach: the one with default_server on this
	// listen, else the first declared. Empty when it has no usable name
	// (e.g. server_name _). DefaultExplicit says default_server set it.
	Default         string        `json:"default"`
	DefaultSource   string        `json:"default_source"` // file:line of its server block
	DefaultExplicit bool          `json:"default_explicit"`
	Servers         []NginxServer `json:"servers"`
	// ProbeAddr is where this listen is probed (Addr, or for a wildcard
	// the address the kernel shows a listener on).
	ProbeAddr string `json:"probe_addr"`
}

// NginxServer is one server block on a listen.
type NginxServer struct {
	Names  []string `json:"names"`  // server_name values that can be probed
	Source string   `json:"source"` // file:line
	// RejectHandshake: ssl_reject_handshake on (clients that do not name
	// one of its names are refused).
	RejectHandshake bool `json:"reject_handshake"`
}

// directive is one nginx statement; block ones have children.
type directive struct {
	name     string
	args     []string
	file     string
	line     int
	children []directive
	block    bool
}

// ParseNginxT parses the output of `nginx -T`: every configuration file,
// each after a "# configuration file PATH:" line, the first being the
// main one. Includes are followed through the files of the dump.
func ParseNginxT(r io.Reader) (*NginxServers, error) {
	files, order, err := splitNginxDump(r)
	if err != nil {
		return nil, err
	}
	if len(order) == 0 {
		return nil, errors.New("no \"# configuration file\" section in nginx -T output")
	}
	p := &nginxParser{files: files, order: order, confDir: filepath.Dir(order[0])}
	top, err := p.parseFile(order[0], 0)
	if err != nil {
		return nil, err
	}
	v := &NginxServers{}
	for _, d := range top {
		if d.name == "http" {
			for _, s := range d.children {
				if s.name == "server" && s.block {
					v.addServer(s)
				}
			}
		}
	}
	if len(v.Listens) == 0 {
		return nil, errors.New("no server blocks found in nginx -T output")
	}
	cleanAll(v)
	return v, nil
}

func splitNginxDump(r io.Reader) (map[string][]byte, []string, error) {
	files := map[string][]byte{}
	var order []string
	sc := bufio.NewScanner(io.LimitReader(r, 16<<20))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	cur := ""
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# configuration file ") && strings.HasSuffix(line, ":") {
			cur = strings.TrimSuffix(strings.TrimPrefix(line, "# configuration file "), ":")
			if _, seen := files[cur]; !seen {
				order = append(order, cur)
			}
			files[cur] = nil
			continue
		}
		if cur != "" {
			files[cur] = append(append(files[cur], line...), '\n')
		}
	}
	return files, order, sc.Err()
}

type nginxParser struct {
	files   map[string][]byte
	order   []string
	confDir string
}

// parseFile parses one dumped file; depth bounds include loops.
func (p *nginxParser) parseFile(name string, depth int) ([]directive, error) {
	if depth > 20 {
		return nil, fmt.Errorf("%s: includes nested more than 20 deep", name)
	}
	toks := tokenizeNginx(p.files[name])
	i := 0
	ds, err := p.parseBlock(name, toks, &i, depth, false)
	return ds, err
}

type nginxToken struct {
	s    string
	line int
	word bool // not one of ; { }
}

func (p *nginxParser) parseBlock(file string, toks []nginxToken, i *int, depth int, inner bool) ([]directive, error) {
	var out []directive
	var cur *directive
	for *i < len(toks) {
		t := toks[*i]
		*i++
		switch {
		case !t.word && t.s == "}":
			if !inner {
				return nil, fmt.Errorf("%s:%d: unexpected }", file, t.line)
			}
			return out, nil
		case !t.word && (t.s == ";" || t.s == "{"):
			if cur == nil {
				return nil, fmt.Errorf("%s:%d: unexpected %s", file, t.line, t.s)
			}
			d := *cur
			cur = nil
			if t.s == "{" {
				kids, err := p.parseBlock(file, toks, i, depth, true)
				if err != nil {
					return nil, err
				}
				d.children, d.block = kids, true
			}
			if d.name == "include" && len(d.args) == 1 && !d.block {
				inc, err := p.include(d.args[0], depth)
				if err != nil {
					return nil, err
				}
				out = append(out, inc...)
				continue
			}
			out = append(out, d)
		case cur == nil:
			cur = &directive{name: t.s, file: file, line: t.line}
		default:
			cur.args = append(cur.args, t.s)
		}
	}
	if inner {
		return nil, fmt.Errorf("%s: missing }", file)
	}
	return out, nil
}

// include expands an include pattern (relative to the main file's
// directory, as nginx's conf prefix) over the dumped files, sorted as
// glob(3) does.
func (p *nginxParser) include(pattern string, depth int) ([]directive, error) {
	if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(p.confDir, pattern)
	}
	var names []string
	for _, f := range p.order {
		if ok, _ := filepath.Match(pattern, f); ok {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	var out []directive
	for _, n := range names {
		ds, err := p.parseFile(n, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	return out, nil
}

// tokenizeNginx splits a configuration into words (quotes and
// backslash escapes resolved) and the characters ; { }, dropping comments.
func tokenizeNginx(b []byte) []nginxToken {
	var out []nginxToken
	line := 1
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#':
			for i < len(b) && b[i] != '\n' {
				i++
			}
		case c == ';' || c == '{' || c == '}':
			out = append(out, nginxToken{s: string(c), line: line})
			i++
		case c == '"' || c == '\'':
			start := line
			var w []byte
			for i++; i < len(b) && b[i] != c; i++ {
				if b[i] == '\\' && i+1 < len(b) {
					i++
				}
				if b[i] == '\n' {
					line++
				}
				w = append(w, b[i])
			}
			i++
			out = append(out, nginxToken{s: string(w), line: start, word: true})
		default:
			var w []byte
			for i < len(b) && !bytes.ContainsRune([]byte(" \t\r\n;{}"), rune(b[i])) {
				if b[i] == '\\' && i+1 < len(b) {
					i++
				}
				w = append(w, b[i])
				i++
			}
			out = append(out, nginxToken{s: string(w), line: line, word: true})
		}
	}
	return out
}

// addServer files a server block under each of its listens.
func (v *NginxServers) addServer(s directive) {
	srv := NginxServer{Source: s.file + ":" + strconv.Itoa(s.line)}
	h2on, sslOn := false, false
	var listens []directive
	for _, d := range s.children {
		switch d.name {
		case "listen":
			if len(d.args) > 0 { // nginx itself refuses "listen;"
				listens = append(listens, d)
			}
		case "server_name":
			for _, n := range d.args {
				if n = nginxName(n); n != "" {
					srv.Names = append(srv.Names, n)
				}
			}
		case "http2":
			h2on = len(d.args) == 1 && d.args[0] == "on"
		case "ssl":
			sslOn = len(d.args) == 1 && d.args[0] == "on"
		case "ssl_reject_handshake":
			srv.RejectHandshake = len(d.args) == 1 && d.args[0] == "on"
		}
	}
	if len(listens) == 0 {
		listens = []directive{{name: "listen", args: []string{"80"}}} // nginx's default
	}
	for _, l := range listens {
		addr, port, ok := nginxListenAddr(l.args[0])
		if !ok {
			continue // unix: sockets, bad values
		}
		var ssl, h2, def, quic bool
		for _, a := range l.args[1:] {
			switch a {
			case "ssl":
				ssl = true
			case "http2":
				h2 = true
			case "default_server", "default":
				def = true
			case "quic":
				quic = true
			}
		}
		if quic {
			continue // UDP (HTTP/3)
		}
		ln := v.listen(addr, port)
		ln.SSL = ln.SSL || ssl || sslOn
		ln.H2 = ln.H2 || h2 || h2on
		first := len(ln.Servers) == 0
		ln.Servers = append(ln.Servers, srv)
		if def || first && !ln.DefaultExplicit {
			ln.Default, ln.DefaultSource, ln.DefaultExplicit = "", srv.Source, def
			if len(srv.Names) > 0 {
				ln.Default = srv.Names[0]
			}
		}
	}
}

func (v *NginxServers) listen(addr string, port int) *NginxListen {
	for i := range v.Listens {
		if v.Listens[i].Addr == addr && v.Listens[i].Port == port {
			return &v.Listens[i]
		}
	}
	v.Listens = append(v.Listens, NginxListen{Addr: addr, Port: port})
	return &v.Listens[len(v.Listens)-1]
}

// nginxListenAddr parses listen's address: "443", "127.0.0.1:8443",
// "[::]:443", "*:80", "127.0.0.1" (port 80), "localhost:80".
func nginxListenAddr(s string) (string, int, bool) {
	if strings.HasPrefix(s, "unix:") {
		return "", 0, false
	}
	if p, err := strconv.Atoi(s); err == nil {
		return "*", p, p > 0 && p < 65536
	}
	host, ps, err := splitHostPort(s)
	if err != nil {
		return "", 0, false
	}
	if ps == 0 {
		ps = 80
	}
	switch host {
	case "*", "0.0.0.0":
		host = "*"
	case "::":
	case "localhost":
		host = "127.0.0.1"
	default:
		if _, err := parseIP(host); err != nil {
			return "", 0, false // a host name: not resolved here
		}
	}
	return host, ps, true
}

// nginxName keeps the server_name values a client can send: ".x.com"
// stands for x.com (and *.x.com); wildcards, regexes, "_" and variables
// cannot be probed.
func nginxName(n string) string {
	n = strings.ToLower(strings.TrimPrefix(n, "."))
	if n == "" || n == "_" || strings.ContainsAny(n, "*~$") || checkHostname(n) != nil {
		return ""
	}
	return n
}

// Targets turns the servers into targets: every name on every listen, at
// ProbeAddr (else loopback for a wildcard), https on an ssl listen and
// http otherwise, with the listen's default server recorded.
func (v *NginxServers) Targets() []Target {
	var out []Target
	for _, l := range v.Listens {
		addr := l.ProbeAddr
		if addr == "" {
			addr = map[string]string{"*": "127.0.0.1", "::": "::1"}[l.Addr]
			if addr == "" {
				addr = l.Addr
			}
		}
		scheme := SchemeHTTP
		if l.SSL {
			scheme = SchemeHTTPS
		}
		seen := map[string]bool{}
		for _, s := range l.Servers {
			for _, n := range s.Names {
				if seen[n] {
					continue
				}
				seen[n] = true
				t := Target{Scheme: scheme, Host: n, Port: l.Port, Addr: addr, DefaultName: l.Default, DefaultSource: l.DefaultSource}
				if ip, err := parseIP(n); err == nil {
					t.Host = ip
				}
				t.Input = "nginx:" + s.Source + ":" + t.String()
				out = append(out, t)
			}
		}
	}
	return out
}

// NginxCommandsFor is the command DiscoverNginx runs: `nginx -T`, with
// `-c conf` when conf is not empty.
func NginxCommandsFor(conf string) [][]string {
	var out [][]string
	for _, bin := range []string{"nginx", "/usr/sbin/nginx"} {
		c := []string{bin, "-T"}
		if conf != "" {
			c = append(c, "-c", conf)
		}
		out = append(out, c)
	}
	return out
}

// DiscoverNginx runs the first available of cmd (default
// NginxCommandsFor("")), parses the dump and finds where each listen
// is probed.
func DiscoverNginx(ctx context.Context, cmd ...[]string) (*NginxServers, error) {
	if len(cmd) == 0 {
		cmd = NginxCommandsFor("")
	}
	var tried []string
	for _, c := range cmd {
		path, err := exec.LookPath(c[0])
		if err != nil {
			tried = append(tried, c[0])
			continue
		}
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		var out, errb bytes.Buffer
		x := exec.CommandContext(ctx, path, c[1:]...)
		x.Stdout, x.Stderr = &out, &errb
		err = x.Run()
		cancel()
		if err != nil {
			return nil, fmt.Errorf("%s: %v: %s", strings.Join(c, " "), err, oneLine(lastLine(errb.String())))
		}
		v, err := ParseNginxT(&out)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", strings.Join(c, " "), err)
		}
		for i := range v.Listens {
			v.Listens[i].ProbeAddr = probeAddr(v.Listens[i].Addr, v.Listens[i].Port)
		}
		return v, nil
	}
	return nil, fmt.Errorf("no nginx found (tried %s)", strings.Join(tried, ", "))
}
