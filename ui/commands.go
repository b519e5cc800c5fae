package ui

import (
	"strconv"
	"strings"

	"ipcscope/ipc"
)

// Shell commands the inspector shows (details, the removal dialog, the
// diagnosis): each must do, pasted into a shell of the host, exactly what
// it says for the namespace on screen. For another IPC namespace the
// System V tools run through nsenter(1) --ipc and ipcscope's own commands
// get --ns PID; without that, ipcrm -s 3990 on the host removes the
// host's set 3990, not the container's.

// shellCmds builds the commands for one namespace.
type shellCmds struct {
	ns       NS     // the namespace the sets were scanned in
	auditLog string // non-empty: not the default, so clean must be told
}

func newShellCmds(ns NS, auditLog string) shellCmds {
	c := shellCmds{ns: ns}
	if auditLog != "" && auditLog != ipc.DefaultAuditLog() {
		c.auditLog = auditLog
	}
	return c
}

// tool runs a System V tool in the namespace: nsenter for another one.
func (c shellCmds) tool(args ...string) string {
	if c.ns.Own() {
		return strings.Join(args, " ")
	}
	return "nsenter -t " + strconv.Itoa(c.ns.PID) + " --ipc " + strings.Join(args, " ")
}

// show is ipcs -s -i ID: the kernel's view of one set.
func (c shellCmds) show(id int) string {
	return c.tool("ipcs", "-s", "-i", strconv.Itoa(id))
}

// ipcrm removes the sets by hand, without any check.
func (c shellCmds) ipcrm(ids ...int) string {
	args := []string{"ipcrm"}
	for _, id := range ids {
		args = append(args, "-s", strconv.Itoa(id))
	}
	return c.tool(args...)
}

// ipcscope is one of ipcscope's own commands, in the namespace.
func (c shellCmds) ipcscope(sub string, args ...string) string {
	parts := []string{"ipcscope", sub}
	if !c.ns.Own() {
		parts = append(parts, "--ns", strconv.Itoa(c.ns.PID))
	}
	return strings.Join(append(parts, args...), " ")
}

// clean is what the dialog does for these sets: ipcscope clean --id with
// the same checks and the same audit log (--include-stale when a stale
// set is among them). No ids: every orphan.
func (c shellCmds) clean(ids []int, stale bool) string {
	var args []string
	if len(ids) > 0 {
		var b strings.Builder
		for i, id := range ids {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(id))
		}
		args = append(args, "--id", b.String())
	}
	if stale {
		args = append(args, "--include-stale")
	}
	if c.auditLog != "" {
		args = append(args, "--audit-log", shellQuote(c.auditLog))
	}
	return c.ipcscope("clean", args...)
}

// diagnosis rewrites the commands ipc's findings name for the namespace
// on screen: 'ipcscope clean' becomes 'ipcscope clean --ns PID'.
func (c shellCmds) diagnosis(msg string) string {
	if c.ns.Own() && c.auditLog == "" {
		return msg
	}
	for _, stale := range []bool{true, false} {
		from := "'ipcscope clean'"
		if stale {
			from = "'ipcscope clean --include-stale'"
		}
		msg = strings.ReplaceAll(msg, from, "'"+c.clean(nil, stale)+"'")
	}
	return msg
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:,@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// setIDs lists the sets' IDs.
func setIDs(sets []ipc.Set) []int {
	ids := make([]int, len(sets))
	for i := range sets {
		ids[i] = sets[i].ID
	}
	return ids
}

// commandBlock is a command as details prints it, indented: its comment
// wrapped as comment lines, then the command cut to width with shell line
// continuations, so that the lines pasted as they are run the same
// command (a cut inside a word is joined again by the shell, and the line
// after it is not indented; never a cut inside quotes).
func commandBlock(st *Styles, comment, command string, width int) []string {
	out := commentLines(st, comment, width)
	return append(out, shellLines(command, "  ", max(width, 20))...)
}

// commentLines wraps text as indented shell comments: pasted with the
// commands, every line stays a comment.
func commentLines(st *Styles, text string, width int) []string {
	var out []string
	for _, l := range wrap(text, max(width-4, 20)) {
		out = append(out, "  "+st.Dim.Render("# "+l))
	}
	return out
}

// shellLines cuts a command into lines of at most width cells, every one
// but the last ending in a backslash (a line continuation). Lines that
// start a word start with indent.
func shellLines(command, indent string, width int) []string {
	var out []string
	pre := indent
	for len(pre)+len(command) > width {
		room := width - len(pre) - 2 // " \" after a space, or "\" inside a word
		cut := strings.LastIndexByte(command[:room+1], ' ')
		if cut > 0 && !inQuotes(command[:cut]) {
			out = append(out, pre+command[:cut]+" \\")
			command, pre = command[cut+1:], indent
			continue
		}
		cut = room + 1
		for cut > 0 && inQuotes(command[:cut]) {
			cut--
		}
		if cut == 0 {
			break // one quoted word longer than the line: left whole
		}
		out = append(out, pre+command[:cut]+"\\")
		command, pre = command[cut:], ""
	}
	return append(out, pre+command)
}

// inQuotes reports whether the end of s is inside single quotes.
func inQuotes(s string) bool { return strings.Count(s, "'")%2 == 1 }
