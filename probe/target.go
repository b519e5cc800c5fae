package probe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// Schemes of a Target.
const (
	SchemeHTTPS = "https" // TLS checks, h2 over TLS, 421 checks
	SchemeHTTP  = "http"  // cleartext: h2c checks only
	SchemeAuto  = "auto"  // TLS first; cleartext checks if the port answers plain HTTP
)

// Target is one host to probe: a name (or IP literal) and a port, and
// optionally the address to connect to instead of resolving the name.
type Target struct {
	Input  string `json:"input"`  // as given by the user
	Scheme string `json:"scheme"` // SchemeHTTPS, SchemeHTTP or SchemeAuto
	Host   string `json:"host"`   // DNS name or IP literal, without brackets
	Port   int    `json:"port"`   // 1..65535
	Addr   string `json:"addr"`   // IP to connect to (from --resolve or host@addr); empty: resolve Host
	// MoreAddrs are the further addresses of a --resolve entry, tried in
	// order when Addr cannot be connected to.
	MoreAddrs []string `json:"more_addrs"`
	// DefaultName is the vhost a client without SNI is expected to reach
	// on this address and port (Apache discovery fills it in).
	DefaultName string `json:"default_name"`
	// DefaultSource says where DefaultName comes from (file:line).
	DefaultSource string `json:"default_source"`
}

// IsIP reports whether the target names an IP literal (no SNI is sent then).
func (t Target) IsIP() bool {
	_, err := netip.ParseAddr(t.Host)
	return err == nil
}

// HostPort returns host:port as written in a URL authority.
func (t Target) HostPort() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// String returns the canonical spelling of the target, e.g.
// "https://site.example:8443" or "http://[::1]:80@127.0.0.1".
func (t Target) String() string {
	s := t.Scheme
	if s == SchemeAuto {
		s = "auto"
	}
	out := s + "://" + t.HostPort()
	if t.Addr != "" {
		out += "@" + bracket(t.Addr)
	}
	return out
}

func bracket(ip string) string {
	if strings.Contains(ip, ":") {
		return "[" + ip + "]"
	}
	return ip
}

// ParseTarget parses a target as the user types it:
//
//	host, host:port, https://host[:port], http://host[:port],
//	[::1]:8443, ::1, and any of these followed by @addr
//	(e.g. site.example:443@127.0.0.1) to connect to addr while
//	naming host, like curl --resolve.
//
// Without a scheme the port decides: 80 means http, anything else https
// (default 443). Errors are one line naming what is wrong.
func ParseTarget(s string) (Target, error) {
	in := strings.TrimSpace(s)
	t := Target{Input: in}
	if in == "" {
		return t, errors.New("empty target")
	}
	rest := in
	if i := strings.Index(rest, "://"); i >= 0 {
		switch strings.ToLower(rest[:i]) {
		case "https":
			t.Scheme = SchemeHTTPS
		case "http":
			t.Scheme = SchemeHTTP
		default:
			return t, fmt.Errorf("target %q: unsupported scheme %q (use https:// or http://)", in, rest[:i])
		}
		rest = rest[i+3:]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		addr, err := parseIP(rest[i+1:])
		if err != nil {
			return t, fmt.Errorf("target %q: after @: %v", in, err)
		}
		t.Addr = addr
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		if p := rest[i:]; p != "/" {
			return t, fmt.Errorf("target %q: a path %q is not supported, give host[:port]", in, p)
		}
		rest = rest[:i]
	}
	if strings.ContainsAny(rest, "?#") {
		return t, fmt.Errorf("target %q: query or fragment not supported", in)
	}
	host, port, err := splitHostPort(rest)
	if err != nil {
		return t, fmt.Errorf("target %q: %v", in, err)
	}
	if ip, err := parseIP(host); err == nil {
		host = ip
	} else if host, err = toASCII(host); err != nil {
		return t, fmt.Errorf("target %q: %v", in, err)
	} else if err := checkHostname(host); err != nil {
		return t, fmt.Errorf("target %q: %v", in, err)
	} else {
		host = strings.ToLower(strings.TrimSuffix(host, "."))
	}
	t.Host = host
	switch {
	case port == 0 && t.Scheme == SchemeHTTP:
		port = 80
	case port == 0:
		port = 443
	}
	t.Port = port
	if t.Scheme == "" {
		t.Scheme = SchemeHTTPS
		if port == 80 {
			t.Scheme = SchemeHTTP
		}
	}
	return t, nil
}

// splitHostPort splits "host", "host:port", "[v6]", "[v6]:port" and a bare
// IPv6 literal. Port 0 means none was given.
func splitHostPort(s string) (string, int, error) {
	if s == "" {
		return "", 0, errors.New("missing host")
	}
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, errors.New("missing ] after IPv6 address")
		}
		host, after := s[1:end], s[end+1:]
		if _, err := netip.ParseAddr(host); err != nil {
			return "", 0, fmt.Errorf("%q is not an IPv6 address", host)
		}
		if after == "" {
			return host, 0, nil
		}
		if !strings.HasPrefix(after, ":") {
			return "", 0, fmt.Errorf("unexpected %q after ]", after)
		}
		p, err := parsePort(after[1:])
		return host, p, err
	}
	if strings.Count(s, ":") > 1 { // bare IPv6 literal, no port possible
		if _, err := netip.ParseAddr(s); err != nil {
			return "", 0, fmt.Errorf("%q is neither host:port nor an IPv6 address (bracket IPv6 with a port: [::1]:443)", s)
		}
		return s, 0, nil
	}
	host, ps, ok := strings.Cut(s, ":")
	if host == "" {
		return "", 0, errors.New("missing host")
	}
	if !ok {
		return host, 0, nil
	}
	p, err := parsePort(ps)
	return host, p, err
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("bad port %q (want 1-65535)", s)
	}
	return p, nil
}

// parseIP accepts an IPv4 or IPv6 literal, IPv6 with or without brackets,
// and returns it without brackets.
func parseIP(s string) (string, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", fmt.Errorf("%q is not an IP address", s)
	}
	return a.String(), nil
}

// toASCII converts a name with U-labels ("bücher.example") to the
// A-labels sent in SNI, Host and DNS ("xn--bcher-kva.example"), with the
// IDNA2008 lookup profile (UTS #46, non-transitional) as curl does.
// ASCII names are returned as they are.
func toASCII(host string) (string, error) {
	ascii := true
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return host, nil
	}
	a, err := idna.Lookup.ToASCII(host)
	if err != nil {
		return "", fmt.Errorf("host %q is not a valid international name: %v", host, err)
	}
	return a, nil
}

// checkHostname accepts DNS names (letters, digits, '-', '_', dots).
func checkHostname(h string) error {
	name := strings.TrimSuffix(h, ".")
	if name == "" {
		return errors.New("missing host")
	}
	if len(name) > 253 {
		return errors.New("host name longer than 253 characters")
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" {
			return fmt.Errorf("host %q has an empty label", h)
		}
		if len(label) > 63 {
			return fmt.Errorf("host %q has a label longer than 63 characters", h)
		}
		for _, c := range label {
			ok := c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			if !ok {
				return fmt.Errorf("host %q contains %q", h, c)
			}
		}
	}
	return nil
}

// Resolve is one curl-style --resolve entry: connect to Addrs[0] when
// probing Host on Port.
type Resolve struct {
	Host  string   `json:"host"`
	Port  int      `json:"port"`
	Addrs []string `json:"addrs"`
}

// ParseResolve parses "name:port:addr[,addr...]" exactly as curl's
// --resolve (a leading '+' is accepted; IPv6 addresses may be bracketed;
// name "*" stands for every host).
func ParseResolve(s string) (Resolve, error) {
	in := strings.TrimPrefix(strings.TrimSpace(s), "+")
	parts := strings.SplitN(in, ":", 3)
	if len(parts) != 3 {
		return Resolve{}, fmt.Errorf("--resolve %q: want name:port:addr", s)
	}
	host, err := toASCII(strings.ToLower(strings.TrimSuffix(parts[0], ".")))
	if err != nil {
		return Resolve{}, fmt.Errorf("--resolve %q: %v", s, err)
	}
	if err := checkHostname(host); err != nil && host != "*" {
		return Resolve{}, fmt.Errorf("--resolve %q: %v", s, err)
	}
	port, err := parsePort(parts[1])
	if err != nil {
		return Resolve{}, fmt.Errorf("--resolve %q: %v", s, err)
	}
	r := Resolve{Host: host, Port: port}
	for _, a := range strings.Split(parts[2], ",") {
		ip, err := parseIP(strings.TrimSpace(a))
		if err != nil {
			return Resolve{}, fmt.Errorf("--resolve %q: %v", s, err)
		}
		r.Addrs = append(r.Addrs, ip)
	}
	return r, nil
}

// ApplyResolve sets t.Addr (and MoreAddrs) from the first entry matching
// t's host and port, unless t already has an address. An entry for host
// "*" matches every host on its port (curl's "*:443:addr"); entries for
// the host itself win over it.
func ApplyResolve(t Target, rs []Resolve) Target {
	if t.Addr != "" {
		return t
	}
	for _, wild := range []bool{false, true} {
		for _, r := range rs {
			match := strings.EqualFold(r.Host, t.Host)
			if wild {
				match = r.Host == "*"
			}
			if match && r.Port == t.Port && len(r.Addrs) > 0 {
				t.Addr = r.Addrs[0]
				t.MoreAddrs = append([]string(nil), r.Addrs[1:]...)
				return t
			}
		}
	}
	return t
}

// ParseTargetsFile reads one target per line; '#' starts a comment (at the
// start of a line or after a space), blank lines are skipped. Malformed
// lines are reported with their line number and do not stop the others.
func ParseTargetsFile(r io.Reader, name string) ([]Target, []error) {
	var ts []Target
	var errs []error
	sc := bufio.NewScanner(io.LimitReader(r, 16<<20))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.Index(line, "#"); i == 0 || i > 0 && (line[i-1] == ' ' || line[i-1] == '\t') {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) > 1 {
			errs = append(errs, fmt.Errorf("%s:%d: one target per line, got %d fields", name, n, len(fields)))
			continue
		}
		t, err := ParseTarget(fields[0])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %v", name, n, err))
			continue
		}
		ts = append(ts, t)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %v", name, err))
	}
	return ts, errs
}
