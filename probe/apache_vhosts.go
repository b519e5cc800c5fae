package probe

import (
	"bufio"
	"encoding/hex"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// What DiscoverApache adds to the -S output, which names neither the
// Listen addresses nor vhosts without a ServerName of their own.

// procNetTCP are the kernel's socket tables read for listening sockets.
var procNetTCP = []string{"/proc/net/tcp", "/proc/net/tcp6"}

// listening returns the local addresses with a socket in LISTEN state on
// port, in the kernel's order (IPv4 first). A wildcard listener appears as
// 0.0.0.0 or ::.
func listening(port int) []string {
	var out []string
	for _, f := range procNetTCP {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 4 || fs[3] != "0A" { // 0A: TCP_LISTEN
				continue
			}
			host, p, ok := strings.Cut(fs[1], ":")
			if n, err := strconv.ParseUint(p, 16, 16); !ok || err != nil || int(n) != port {
				continue
			}
			if ip := procIP(host); ip != nil {
				out = append(out, ip.String())
			}
		}
		fh.Close()
	}
	return out
}

// procIP decodes /proc/net/tcp's address: 4-byte words in host (little
// endian) order.
func procIP(h string) net.IP {
	b, err := hex.DecodeString(h)
	if err != nil || len(b)%4 != 0 || len(b) == 0 {
		return nil
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return net.IP(b)
}

// probeAddr picks the address to probe a vhost set on: the one Apache
// listens on. "*:443" with only "Listen 127.0.0.3:443" is probed at
// 127.0.0.3, not 127.0.0.1 (which would be refused); a wildcard listener
// is probed on loopback. Without a listener found, loopback is a guess.
func probeAddr(addr string, port int) string {
	wild := addr == "*" || addr == "_default_" || addr == "0.0.0.0" || addr == "::"
	if !wild {
		return addr
	}
	ls := listening(port)
	for _, l := range ls {
		if l == "0.0.0.0" {
			return "127.0.0.1"
		}
		if l == "::" {
			if addr == "0.0.0.0" {
				return "127.0.0.1"
			}
			return "::1"
		}
	}
	if len(ls) > 0 {
		return ls[0]
	}
	if addr == "::" {
		return "::1"
	}
	return "127.0.0.1"
}

var (
	reServerName = regexp.MustCompile(`(?i)^\s*ServerName\s+\S`)
	reVhostEnd   = regexp.MustCompile(`(?i)^\s*</VirtualHost>`)
	reSource     = regexp.MustCompile(`^(.+):(\d+)$`)
)

// hasServerName reads the vhost's block at source ("file:line") and
// reports whether it sets ServerName. Apache -S prints such a vhost under
// the global ServerName (Debian's default-ssl.conf has none). known is
// false when the file cannot be read.
func hasServerName(source string) (has, known bool) {
	m := reSource.FindStringSubmatch(source)
	if m == nil {
		return false, false
	}
	start, _ := strconv.Atoi(m[2])
	f, err := os.Open(m[1])
	if err != nil {
		return false, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for n := 1; sc.Scan() && n < start+10000; n++ {
		if n <= start {
			continue
		}
		line := sc.Text()
		if reVhostEnd.MatchString(line) {
			return false, true
		}
		if reServerName.MatchString(line) {
			return true, true
		}
	}
	return false, sc.Err() == nil
}

// resolveLocal fills in, for a discovered configuration, the address each
// port is probed at and which vhosts have no ServerName.
func (v *ApacheVhosts) resolveLocal() {
	for i := range v.Ports {
		p := &v.Ports[i]
		p.ProbeAddr = probeAddr(p.Addr, p.Port)
		for j := range p.Vhosts {
			if has, known := hasServerName(p.Vhosts[j].Source); known && !has {
				p.Vhosts[j].NoServerName = true
				if p.Vhosts[j].Source == p.DefaultSource {
					p.DefaultNoServerName = true
				}
			}
		}
	}
}
