package probe

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ApacheVhosts is what `apachectl -S` (apache2ctl, httpd -S) says about
// virtual hosts, grouped per address:port in the order printed.
type ApacheVhosts struct {
	Ports []ApachePort `json:"ports"`
}

// ApachePort is one address:port set of virtual hosts.
type ApachePort struct {
	Addr string `json:"addr"` // "*", "_default_", an IPv4 or IPv6 address
	Port int    `json:"port"`
	// Default is the vhost that clients without SNI (or with an unknown
	// name or Host) reach: the first one declared for this address:port.
	Default       string        `json:"default"`
	DefaultSource string        `json:"default_source"` // file:line
	Vhosts        []ApacheVhost `json:"vhosts"`
	// DefaultNoServerName: the default vhost has no ServerName of its own
	// (-S prints the global one for it), so it has no name to probe.
	DefaultNoServerName bool `json:"default_no_server_name"`
	// ProbeAddr is where the set is probed: Addr, or for "*" the address
	// Apache listens on for Port (from the kernel's socket table).
	ProbeAddr string `json:"probe_addr"`
}

// ApacheVhost is one <VirtualHost>.
type ApacheVhost struct {
	Name        string   `json:"name"`
	Aliases     []string `json:"aliases"`
	WildAliases []string `json:"wild_aliases"` // cannot be probed
	Source      string   `json:"source"`       // file:line
	// NoServerName: the <VirtualHost> block sets no ServerName; Name is
	// then the global ServerName, not this vhost's.
	NoServerName bool `json:"no_server_name"`
}

var (
	// "*:443                  is a NameVirtualHost"
	reNameVhost = regexp.MustCompile(`^(\S+):(\d+)\s+is a NameVirtualHost$`)
	// "127.0.0.1:8443         alpha.test (/etc/apache2/sites-enabled/a.conf:1)"
	reSingle = regexp.MustCompile(`^(\S+):(\d+)\s+(\S+)\s+\((.+)\)$`)
	// "default server alpha.test (/etc/apache2/sites-enabled/a.conf:1)"
	reDefault = regexp.MustCompile(`^default server (\S+)\s+\((.+)\)$`)
	// "port 443 namevhost alpha.test (/etc/apache2/sites-enabled/a.conf:1)"
	reNamevhost = regexp.MustCompile(`^port (\d+) namevhost (\S+)\s+\((.+)\)$`)
	reAlias     = regexp.MustCompile(`^(wild )?alias (\S+)$`)
)

// ParseApacheS parses the output of `apachectl -S`. Lines it does not know
// (warnings, ServerRoot, Mutex, Define...) are skipped; it fails only when
// no "VirtualHost configuration:" section with at least one vhost is found.
func ParseApacheS(r io.Reader) (*ApacheVhosts, error) {
	sc := bufio.NewScanner(io.LimitReader(r, 4<<20))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	v := &ApacheVhosts{}
	in := false
	var cur *ApachePort
	var last *ApacheVhost
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "VirtualHost configuration:" {
			in = true
			continue
		}
		if !in || line == "" {
			continue
		}
		switch {
		case reNameVhost.MatchString(line):
			m := reNameVhost.FindStringSubmatch(line)
			cur = v.port(m[1], m[2])
			last = nil
		case reSingle.MatchString(line) && !strings.HasPrefix(line, "port ") && !strings.HasPrefix(line, "default server "):
			m := reSingle.FindStringSubmatch(line)
			p := v.port(m[1], m[2])
			p.Vhosts = append(p.Vhosts, ApacheVhost{Name: m[3], Source: m[4]})
			if p.Default == "" {
				p.Default, p.DefaultSource = m[3], m[4]
			}
			cur, last = nil, &p.Vhosts[len(p.Vhosts)-1]
		case cur != nil && reDefault.MatchString(line):
			m := reDefault.FindStringSubmatch(line)
			cur.Default, cur.DefaultSource = m[1], m[2]
		case cur != nil && reNamevhost.MatchString(line):
			m := reNamevhost.FindStringSubmatch(line)
			cur.Vhosts = append(cur.Vhosts, ApacheVhost{Name: m[2], Source: m[3]})
			last = &cur.Vhosts[len(cur.Vhosts)-1]
		case last != nil && reAlias.MatchString(line):
			m := reAlias.FindStringSubmatch(line)
			if m[1] != "" {
				last.WildAliases = append(last.WildAliases, m[2])
			} else {
				last.Aliases = append(last.Aliases, m[2])
			}
		case strings.Contains(line, ": ") && !strings.HasPrefix(line, "port "):
			// "ServerRoot: ...": the vhost section is over.
			in, cur, last = false, nil, nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(v.Ports) == 0 {
		return nil, errors.New("no virtual hosts found in apachectl -S output")
	}
	cleanAll(v) // names and paths reach the terminal
	return v, nil
}

// port returns the set for addr:port, adding it if new. Apache prints IPv6
// addresses in brackets; they are stored without.
func (v *ApacheVhosts) port(addr, port string) *ApachePort {
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	p, _ := strconv.Atoi(port)
	for i := range v.Ports {
		if v.Ports[i].Addr == addr && v.Ports[i].Port == p {
			return &v.Ports[i]
		}
	}
	v.Ports = append(v.Ports, ApachePort{Addr: addr, Port: p})
	return &v.Ports[len(v.Ports)-1]
}

// Targets turns discovered vhosts into targets: every name and alias on
// its address (ProbeAddr when discovery found one; else wildcard
// addresses "*" and "_default_" become 127.0.0.1), with the port's default
// vhost recorded. Port 443 is https, 80 http, any other port is detected
// (SchemeAuto). Names are deduplicated per port. A default vhost without
// ServerName is probed as the bare address (what clients without a known
// name get); another vhost without ServerName has no name to be reached
// by and is left out.
func (v *ApacheVhosts) Targets() []Target {
	var out []Target
	for _, p := range v.Ports {
		addr := p.ProbeAddr
		switch {
		case addr != "":
		case p.Addr == "*" || p.Addr == "_default_" || p.Addr == "0.0.0.0":
			addr = "127.0.0.1"
		case p.Addr == "::":
			addr = "::1"
		default:
			addr = p.Addr
		}
		def := strings.ToLower(p.Default)
		if p.DefaultNoServerName {
			def = "" // the global ServerName, not the default vhost's
		}
		scheme := SchemeAuto
		switch p.Port {
		case 443:
			scheme = SchemeHTTPS
		case 80:
			scheme = SchemeHTTP
		}
		seen := map[string]bool{}
		for _, vh := range p.Vhosts {
			if vh.NoServerName {
				if vh.Source == p.DefaultSource && !seen["@"+addr] {
					seen["@"+addr] = true
					t := Target{Scheme: scheme, Host: addr, Port: p.Port, DefaultSource: p.DefaultSource}
					t.Input = "apache:" + vh.Source + ":" + t.String() + " (default vhost, no ServerName)"
					out = append(out, t)
				}
				continue
			}
			for _, n := range append([]string{vh.Name}, vh.Aliases...) {
				n = strings.ToLower(n)
				if seen[n] || checkHostname(n) != nil {
					continue
				}
				seen[n] = true
				t := Target{Scheme: scheme, Host: n, Port: p.Port, Addr: addr,
					DefaultName: def, DefaultSource: p.DefaultSource}
				if ip, err := parseIP(n); err == nil { // ServerName given as an IP
					t.Host = ip
				}
				t.Input = "apache:" + vh.Source + ":" + t.String()
				out = append(out, t)
			}
		}
	}
	return out
}

// ApacheCommands are tried in order by DiscoverApache.
var ApacheCommands = [][]string{{"apache2ctl", "-S"}, {"apachectl", "-S"}, {"httpd", "-S"}}

// DiscoverApache runs the first available of cmd (default ApacheCommands)
// with a timeout and parses its output. Debian's apache2ctl honours
// APACHE_CONFDIR and APACHE_ARGUMENTS (e.g. "-f /path/httpd.conf") from
// the environment.
func DiscoverApache(ctx context.Context, cmd ...[]string) (*ApacheVhosts, error) {
	if len(cmd) == 0 {
		cmd = ApacheCommands
	}
	var tried []string
	for _, c := range cmd {
		path, err := exec.LookPath(c[0])
		if err != nil {
			tried = append(tried, c[0])
			continue
		}
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		var buf bytes.Buffer
		x := exec.CommandContext(ctx, path, c[1:]...)
		x.Stdout, x.Stderr = &buf, &buf
		err = x.Run()
		cancel()
		v, perr := ParseApacheS(&buf)
		if perr != nil {
			if err != nil {
				return nil, fmt.Errorf("%s: %v: %s", strings.Join(c, " "), err, oneLine(lastLine(buf.String())))
			}
			return nil, fmt.Errorf("%s: %v", strings.Join(c, " "), perr)
		}
		v.resolveLocal()
		return v, nil
	}
	return nil, fmt.Errorf("no Apache control program found (tried %s)", strings.Join(tried, ", "))
}

// ApacheCommandsFor is ApacheCommands reading the configuration conf
// ("-f conf", as apache2ctl, apachectl and httpd all pass it on); conf ""
// gives ApacheCommands. Debian's apache2ctl also honours APACHE_CONFDIR
// (another /etc/apache2-NAME tree) and APACHE_ARGUMENTS from the
// environment.
func ApacheCommandsFor(conf string) [][]string {
	if conf == "" {
		return ApacheCommands
	}
	var out [][]string
	for _, c := range ApacheCommands {
		out = append(out, append(append([]string(nil), c...), "-f", conf))
	}
	return out
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
