package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"ipcscope/probe"
)

const tableWidth = 80

// printNginx says what nginx -T showed: per listen, the default server
// (clients without SNI get it), TLS or cleartext, h2.
func printNginx(w io.Writer, v *probe.NginxServers) {
	if v == nil {
		return
	}
	for _, l := range v.Listens {
		where := joinAddr(l.Addr, l.Port)
		if l.ProbeAddr != "" && l.ProbeAddr != l.Addr {
			where += " (probed at " + l.ProbeAddr + ")"
		}
		kind := "cleartext"
		if l.SSL {
			kind = "ssl"
		}
		if l.H2 {
			kind += " h2"
		}
		def, how := l.Default, "first server"
		if def == "" {
			def = "without a name"
		}
		if l.DefaultExplicit {
			how = "default_server"
		}
		printWrapped(w, "", fmt.Sprintf("nginx %s %s: default server %s (%s, %s), %d server(s)",
			where, kind, def, how, filepath.Base(l.DefaultSource), len(l.Servers)))
	}
	fmt.Fprintln(w)
}

// probeTable prints one verdict row per target (wrapped to 80 columns)
// with the problems of failed or warning checks under it, then a footer.
// Rows may come from several goroutines (streaming).
type probeTable struct {
	w                  io.Writer
	tw                 int
	mu                 sync.Mutex
	ok, warned, failed int
}

func newProbeTable(w io.Writer, targets []probe.Target) *probeTable {
	t := &probeTable{w: w, tw: 4}
	for _, tg := range targets {
		t.tw = max(t.tw, utf8.RuneCountInString(targetLabel(probe.Result{Target: tg})))
	}
	t.tw = min(t.tw, 30)
	return t
}

func (t *probeTable) header() {
	fmt.Fprintf(t.w, "%-4s %-*s %4s %s\n", "", t.tw, "TARGET", "DAYS", "VERDICT")
}

func (t *probeTable) row(r probe.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, tw := t.w, t.tw
	mark := "ok"
	switch r.Grade() {
	case "fail":
		mark = "FAIL"
		t.failed++
	case "warn":
		mark = "warn"
		t.warned++
	default:
		t.ok++
	}
	days := "-"
	if r.Expiry != probe.ExpiryNone && r.Expiry != "" {
		days = strconv.Itoa(r.DaysLeft) + "d"
	}
	label := targetLabel(r)
	if utf8.RuneCountInString(label) > tw {
		fmt.Fprintf(w, "%-4s %s\n", mark, label)
		mark, label = "", ""
	}
	indent := 4 + 1 + tw + 1 + 4 + 1
	for i, line := range wrapVerdict(r.Verdict, tableWidth-indent) {
		if i == 0 {
			fmt.Fprintf(w, "%-4s %-*s %4s %s\n", mark, tw, label, days, line)
		} else {
			fmt.Fprintf(w, "%*s%s\n", indent, "", line)
		}
	}
	if r.Err != "" {
		return // the verdict already says it
	}
	for _, c := range r.Checks() {
		if c.Status == probe.StatusFail || c.Status == probe.StatusWarn {
			printWrapped(w, "     "+c.Name+": ", c.Summary)
		}
	}
	for _, warn := range r.Warnings {
		printWrapped(w, "     ! ", warn)
	}
}

func (t *probeTable) footer(took time.Duration) {
	n := t.ok + t.warned + t.failed
	fmt.Fprintf(t.w, "\n%d target(s), %d ok, %d with warnings, %d failed in %s\n", n, t.ok, t.warned, t.failed, took.Round(time.Millisecond))
}

// printApache says what apachectl -S showed, per address:port.
func printApache(w io.Writer, vhosts *probe.ApacheVhosts) {
	if vhosts == nil {
		return
	}
	for _, p := range vhosts.Ports {
		where := joinAddr(p.Addr, p.Port)
		if p.ProbeAddr != "" && p.ProbeAddr != p.Addr {
			where += " (probed at " + p.ProbeAddr + ")"
		}
		def := p.Default
		if p.DefaultNoServerName {
			def = "without ServerName"
		}
		printWrapped(w, "", fmt.Sprintf("apache %s: default vhost %s (%s), %d vhost(s)",
			where, def, filepath.Base(p.DefaultSource), len(p.Vhosts)))
	}
	fmt.Fprintln(w)
}

func targetLabel(r probe.Result) string {
	s := r.Target.HostPort()
	if r.Target.Scheme == probe.SchemeHTTP {
		s = "http://" + s
	}
	return s
}

func joinAddr(addr string, port int) string {
	if strings.Contains(addr, ":") {
		addr = "[" + addr + "]"
	}
	return fmt.Sprintf("%s:%d", addr, port)
}

// wrapVerdict splits a verdict at " · " so that each line fits width.
func wrapVerdict(v string, width int) []string {
	parts := strings.Split(v, " · ")
	var lines []string
	cur := ""
	for _, p := range parts {
		switch {
		case cur == "":
			cur = p
		case utf8.RuneCountInString(cur+" · "+p) <= width:
			cur += " · " + p
		default:
			lines = append(lines, cur+" ·")
			cur = p
		}
	}
	lines = append(lines, cur)
	for i := range lines {
		lines[i] = clip(lines[i], width)
	}
	return lines
}

// printWrapped prints prefix+text wrapped at spaces to tableWidth, the
// continuation lines indented by 7: the reason a check failed is never cut.
func printWrapped(w io.Writer, prefix, text string) {
	line := prefix
	const indent = "       "
	for _, word := range strings.Fields(text) {
		switch {
		case line == prefix || line == indent:
			line += word
		case utf8.RuneCountInString(line+" "+word) <= tableWidth:
			line += " " + word
		default:
			fmt.Fprintln(w, clip(line, tableWidth))
			line = indent + word
		}
	}
	fmt.Fprintln(w, clip(line, tableWidth))
}

// clip shortens s to width runes.
func clip(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}
