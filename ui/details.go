package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
	"ipcscope/probe"
)

// setDetails is the details view of one set: every semaphore, the
// verdict's reasons, what each field means, and the commands that show
// and remove the same set by hand in its namespace (cmds).
func setDetails(st *Styles, s *ipc.Set, now time.Time, width int, cmds shellCmds) string {
	var b strings.Builder
	h := func(t string) { b.WriteString("\n" + st.Bold.Render(t) + "\n") }
	line := func(f string, a ...any) { b.WriteString(fmt.Sprintf(f, a...) + "\n") }
	b.WriteString(st.Bold.Render(fmt.Sprintf("Semaphore set %d", s.ID)) + "  " + st.Verdict[s.Verdict].Render(verdictWord(s.Verdict)) + "\n")
	line("key %s · perms %s · %s", s.Key, s.Perms, textfmt.Plural(s.NSems, "semaphore", "semaphores"))
	line("owner %s (uid %d), group %s (gid %d) · creator %s (uid %d), group %s (gid %d)", s.Owner, s.UID, s.Group, s.GID, s.CUser, s.CUID, s.CGroup, s.CGID)
	line("last semop %s (%s) · last change %s (%s)", textfmt.Age(s.OTime.Time, now), stamp(s.OTime), textfmt.Age(s.CTime.Time, now), stamp(s.CTime))

	if s.Rule != "" {
		h("Why " + verdictWord(s.Verdict) + " (rule " + string(s.Rule) + ruleMeaning(s.Rule) + ")")
	} else {
		h("Why " + verdictWord(s.Verdict))
	}
	if len(s.Reasons) == 0 {
		line("  (no reasons given)")
	}
	for _, r := range s.Reasons {
		for i, l := range wrap(r, max(width-4, 20)) {
			if i == 0 {
				line("  • %s", l)
			} else {
				line("    %s", l)
			}
		}
	}

	h("Semaphores")
	line("  %4s %7s %8s  %-22s %6s %6s", "NUM", "VALUE", "SEMPID", "PROCESS NOW", "NCOUNT", "ZCOUNT")
	ops := map[int]ipc.Operator{}
	for _, op := range s.Operators {
		ops[op.PID] = op
	}
	for _, m := range s.Sems {
		proc := "-"
		if m.PID != 0 {
			if op, ok := ops[m.PID]; ok {
				proc = strings.TrimSpace(strings.TrimPrefix(op.String(), strconv.Itoa(op.PID)))
				if op.State == ipc.OpRunning {
					proc += " (running)"
				}
			} else {
				proc = "?"
			}
		}
		line("  %4d %7d %8d  %-22s %6d %6d", m.Num, m.Value, m.PID, pad(proc, 22, false), m.NCount, m.ZCount)
	}
	if len(s.Sems) == 0 {
		line("  (the values could not be read)")
	}
	if w := s.Waiters(); w > 0 {
		text := fmt.Sprintf("%s blocked in semop on this set now (NCOUNT + ZCOUNT): it is in use.", textfmt.Plural(w, "task is", "tasks are"))
		if len(s.Waiting) > 0 {
			var names []string
			for _, x := range s.Waiting {
				names = append(names, fmt.Sprintf("PID %d (%s)", x.PID, x.Comm))
			}
			text += " Waiting: " + strings.Join(names, ", ") + " (from /proc/PID/syscall)."
		} else {
			text += " The kernel counts them but does not say which tasks they are, and /proc/PID/syscall did not show them (another user's, without root?)."
		}
		for _, l := range wrap(text, max(width-2, 20)) {
			line("  %s", l)
		}
	}
	if s.Verdict == ipc.Stale {
		h("What keeps it stale")
		for _, l := range wrap("No last operator is alive, but processes that could still use it run (named in the reasons above): ipcscope leaves it to you. It turns orphan when they stop; remove it now only if you know they do not use it (x asks twice).", max(width-2, 20)) {
			line("  %s", l)
		}
	}

	h("What the fields mean")
	for _, f := range [][2]string{
		{"key", "the name processes use to find the set (semget); 0x00000000 is IPC_PRIVATE, as Apache uses: only the creator's children know the id"},
		{"semid", "the set's id, the handle for semop and semctl; ipcs -s lists it"},
		{"value", "each semaphore's counter: semop(-1) takes one, and waits while it is 0"},
		{"sempid", "the PID of the last process that changed the semaphore; 0 if none has"},
		{"ncount", "tasks now waiting for the value to increase (blocked in semop)"},
		{"zcount", "tasks now waiting for the value to become zero"},
		{"last semop", "otime: when a process last did semop on the set"},
		{"last change", "ctime: when the set was created or its value/owner was set (semctl)"},
		{"verdict", "LIVE: a running process uses it; ORPHAN: nothing alive can (safe to remove); STALE: probably leaked, but a process may still use it (the reasons say which), check by hand; UNKNOWN: not readable"},
	} {
		for i, l := range wrap(f[1], max(width-16, 20)) {
			k := ""
			if i == 0 {
				k = f[0]
			}
			line("  %-12s %s", k, l)
		}
	}

	h("The same by hand")
	copied := setCopyCommand(s, cmds)
	for _, c := range setCommands(s, cmds) {
		if c[1] == copied {
			c[0] += " (c copies this)"
		}
		for _, l := range commandBlock(st, c[0], c[1], width) {
			line("%s", l)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// setCommands are the commands details shows for a set, each with what
// it does: every one works as shown in the set's namespace.
func setCommands(s *ipc.Set, cmds shellCmds) [][2]string {
	out := [][2]string{{"show this set (the kernel's view)", cmds.show(s.ID)}}
	switch s.Verdict {
	case ipc.Orphan:
		out = append(out, [2]string{"remove it after the same checks as here, writing the audit log", cmds.clean([]int{s.ID}, false)})
	case ipc.Stale:
		out = append(out, [2]string{"remove it although it is stale, after the same checks, writing the audit log", cmds.clean([]int{s.ID}, true)})
	}
	out = append(out, [2]string{"remove it at once: no check, no audit log", cmds.ipcrm(s.ID)})
	return out
}

// setCopyCommand is what c copies in a set's details: the checked removal
// of a removable set, else the command that shows it.
func setCopyCommand(s *ipc.Set, cmds shellCmds) string {
	c := setCommands(s, cmds)
	if selectable(s) {
		return c[1][1]
	}
	return c[0][1]
}

// ruleMeaning says in words what a verdict rule means (ipc.Rule*).
func ruleMeaning(r ipc.Rule) string {
	m := map[ipc.Rule]string{
		ipc.RuleUnreadable:     "its semaphores could not be read",
		ipc.RuleWaiters:        "a task is blocked on it now",
		ipc.RuleOperator:       "a last operator is alive",
		ipc.RuleStartedLater:   "a last operator's PID runs, but started after the last change",
		ipc.RuleNotVisible:     "a process that could use it may be invisible from here",
		ipc.RuleApacheInstance: "made by a running Apache instance",
		ipc.RuleApacheGone:     "Apache's, and the instance that made it is gone",
		ipc.RuleApacheStrays:   "children of a dead Apache parent still run",
		ipc.RuleApacheClock:    "older than a running Apache by the clock only",
		ipc.RuleHolders:        "processes its permissions let in still run",
		ipc.RuleNoHolders:      "nothing that could use it runs",
	}[r]
	if m == "" {
		return ""
	}
	return ": " + m
}

func stamp(t ipc.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format("2006-01-02 15:04:05")
}

// probeDetails is the full result of one probe.
func probeDetails(st *Styles, r *probeRow, width int) string {
	var b strings.Builder
	line := func(f string, a ...any) { b.WriteString(fmt.Sprintf(f, a...) + "\n") }
	h := func(t string) { b.WriteString("\n" + st.Bold.Render(t) + "\n") }
	b.WriteString(st.Bold.Render("Probe "+r.target.String()) + "\n")
	if r.running {
		line("probing… (results appear when every check has answered or timed out)")
	}
	res := r.result
	if res == nil {
		return strings.TrimRight(b.String(), "\n")
	}
	line("%s  %s", probeStatus(res), res.Verdict)
	if res.Addr != "" {
		line("connected to %s · took %s", res.Addr, res.Duration.Round(time.Millisecond))
	}
	if len(res.Resolved) > 0 {
		line("resolved to %s", strings.Join(res.Resolved, ", "))
	}
	if res.Err != "" {
		line("error: %s", res.Err)
	}
	h("Checks")
	if len(res.Checks()) == 0 {
		line("  (no check ran)")
	}
	for _, c := range res.Checks() {
		s := fmt.Sprintf("  %-7s %-12s %s", strings.ToUpper(string(c.Status)), c.Name, c.Summary)
		if c.Error != "" {
			s += " (" + c.Error + ")"
		}
		for i, l := range wrap(s, max(width-1, 30)) {
			if i > 0 {
				l = strings.Repeat(" ", 22) + l
			}
			line("%s", l)
			if i == 0 {
				// Continuation lines are indented: wrap the rest narrower.
				rest := strings.TrimSpace(strings.TrimPrefix(s, l))
				for _, l2 := range wrap(rest, max(width-23, 20)) {
					if l2 != "" {
						line("%s%s", strings.Repeat(" ", 22), l2)
					}
				}
				break
			}
		}
	}
	if t := res.TLS; t != nil && t.Cert != nil {
		h("Certificate for " + res.Name)
		line("  subject %s · issuer %s", t.Cert.Subject, t.Cert.Issuer)
		line("  names %s · %d days left · %s %s ALPN %q", strings.Join(t.Cert.DNSNames, ", "), t.Cert.DaysLeft, t.Version, t.Cipher, t.ALPN)
	}
	if t := res.NoSNI; t != nil {
		h("Without SNI (default vhost)")
		if t.Cert != nil {
			line("  certificate %s, names %s", t.Cert.Subject, strings.Join(t.Cert.DNSNames, ", "))
		}
		if t.DefaultName != "" {
			line("  default vhost %s", t.DefaultName)
		}
	}
	if m := res.Misdirected; m != nil {
		h("Host differs from SNI (421 Misdirected Request)")
		for _, hr := range []*probe.HostRequest{m.NoSNI, m.DefaultSNI} {
			if hr == nil {
				continue
			}
			sni := hr.SNI
			if sni == "" {
				sni = "(none)"
			}
			line("  SNI %s, Host %s → %d %s %s", sni, hr.Host, hr.Status, hr.Proto, hr.Meaning)
		}
	}
	if len(res.Warnings) > 0 {
		h("Warnings")
		for _, w := range res.Warnings {
			line("  • %s", w)
		}
	}
	h("The same by hand")
	for _, c := range probeCommands(r, res.Addr) {
		for _, l := range commandBlock(st, c[0], c[1], width) {
			line("%s", l)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// probeCommands are the openssl and curl lines that check the same by
// hand, each with what it does; the last is the one c copies.
func probeCommands(r *probeRow, addr string) [][2]string {
	if addr == "" {
		addr = r.target.HostPort()
	}
	if r.target.Scheme == probe.SchemeHTTP {
		return [][2]string{{"HTTP/2 in cleartext (h2c), prior knowledge (c copies this)", fmt.Sprintf("curl -v --http2-prior-knowledge http://%s/", r.target.HostPort())}}
	}
	return [][2]string{
		{"the TLS handshake with SNI and ALPN", fmt.Sprintf("openssl s_client -connect %s -servername %s -alpn h2,http/1.1", addr, r.target.Host)},
		{"the request, to the same address (c copies this)", fmt.Sprintf("curl -v --resolve %s:%d:%s https://%s/", r.target.Host, r.target.Port, hostOf(addr), r.target.HostPort())},
	}
}

// probeCopyCommand is what c copies in a probe's details.
func probeCopyCommand(r *probeRow) string {
	addr := ""
	if r.result != nil {
		addr = r.result.Addr
	}
	c := probeCommands(r, addr)
	return c[len(c)-1][1]
}

func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}
