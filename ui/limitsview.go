package ui

import (
	"fmt"
	"strings"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

// The limits view (L): kernel.sem's four fields in their order, what each
// limits and how much of it is used, and for a limit that is full or
// nearly, the exact sysctl line that raises it now in the namespace shown
// and the /etc/sysctl.d file that keeps it at boot.

// semmniMax is the most sets the kernel allows without ipcmni_extend
// (IPCMNI, ipc/util.h: 32768; sysctl refuses more than 32000 on older
// kernels, so ipcscope proposes at most that).
const semmniMax = 32000

// sysctlFile is the file ipcscope proposes for the setting at boot.
const sysctlFile = "/etc/sysctl.d/60-ipcscope-sem.conf"

// raisedSem proposes kernel.sem with every full or nearly full semaphore
// limit doubled (SEMMNI at most semmniMax); raised names what changed.
func raisedSem(l ipc.Limits, findings []ipc.Finding) (msl int, mns int64, opm, mni int, raised []string) {
	msl, mns, opm, mni = l.SEMMSL, l.SEMMNS, l.SEMOPM, l.SEMMNI
	for _, f := range findings {
		switch f.Resource {
		case "SEMMNI":
			if n := min(max(mni*2, 128), semmniMax); n > mni {
				mni = n
				raised = append(raised, fmt.Sprintf("SEMMNI %s → %s", textfmt.Commas(int64(l.SEMMNI)), textfmt.Commas(int64(n))))
			}
		case "SEMMNS":
			n := max(mns*2, int64(1024))
			mns = n
			raised = append(raised, fmt.Sprintf("SEMMNS %s → %s", textfmt.Commas(l.SEMMNS), textfmt.Commas(n)))
		}
	}
	return msl, mns, opm, mni, raised
}

// semValue is kernel.sem's value as sysctl and /proc/sys/kernel/sem take it.
func semValue(msl int, mns int64, opm, mni int) string {
	return fmt.Sprintf("%d %d %d %d", msl, mns, opm, mni)
}

// limitsDetails is the content of the limits view.
func limitsDetails(st *Styles, snap *ipc.Snapshot, cmds shellCmds, width int) string {
	var b strings.Builder
	line := func(f string, a ...any) { b.WriteString(fmt.Sprintf(f, a...) + "\n") }
	h := func(t string) { b.WriteString("\n" + st.Bold.Render(t) + "\n") }
	text := func(s string) {
		for _, l := range wrap(s, max(width-2, 20)) {
			line("  %s", l)
		}
	}
	l, u := snap.Limits, snap.Usage
	b.WriteString(st.Bold.Render("Semaphore limits of this IPC namespace") + "\n")
	line("kernel.sem = SEMMSL SEMMNS SEMOPM SEMMNI   (this order, in /proc/sys/kernel/sem)")
	line("kernel.sem = %s", semValue(l.SEMMSL, l.SEMMNS, l.SEMOPM, l.SEMMNI))
	h("Each field")
	pct := func(used, limit int64) string {
		if limit <= 0 {
			return "?"
		}
		return fmt.Sprintf("%.0f%%", 100*float64(used)/float64(limit))
	}
	line("  SEMMSL %13s  semaphores per set (semget with more fails with EINVAL)", textfmt.Commas(int64(l.SEMMSL)))
	line("  SEMMNS %13s  semaphores in all sets: %s used (%s)", textfmt.Commas(l.SEMMNS), textfmt.Commas(u.Semaphores), pct(u.Semaphores, l.SEMMNS))
	line("  SEMOPM %13s  operations in one semop call (more: E2BIG)", textfmt.Commas(int64(l.SEMOPM)))
	line("  SEMMNI %13s  semaphore sets: %s used (%s)", textfmt.Commas(int64(l.SEMMNI)), textfmt.Commas(int64(u.Sets)), pct(int64(u.Sets), int64(l.SEMMNI)))
	full := semFindings(snap)
	if len(full) == 0 {
		h("Nothing to raise")
		text("No semaphore limit is near full. The line below sets the values in use now; change a field to change its limit.")
		cmdLines(&b, st, cmds, semValue(l.SEMMSL, l.SEMMNS, l.SEMOPM, l.SEMMNI), width)
		return strings.TrimRight(b.String(), "\n")
	}
	msl, mns, opm, mni, raised := raisedSem(l, full)
	h("Full or nearly: " + strings.Join(resources(full), ", "))
	for _, f := range full {
		text("• " + cmds.diagnosis(f.Message))
	}
	if u.Orphans > 0 {
		h("First free what leaked")
		text(fmt.Sprintf("%s can go now (o, then x here). A higher limit only gives a leak more room.", textfmt.Plural(u.Orphans, "orphan", "orphans")))
		for _, l := range commandBlock(st, "or from a shell: every orphan, after the same checks, writing the audit log", cmds.clean(nil, false), width) {
			line("%s", l)
		}
	}
	if len(raised) == 0 {
		text(fmt.Sprintf("SEMMNI is at the kernel's maximum (%s) already: free sets instead.", textfmt.Commas(semmniMax)))
		return strings.TrimRight(b.String(), "\n")
	}
	h("To raise it (" + strings.Join(raised, ", ") + ")")
	cmdLines(&b, st, cmds, semValue(msl, mns, opm, mni), width)
	return strings.TrimRight(b.String(), "\n")
}

// semFindings are the diagnosis findings about semaphore limits.
func semFindings(snap *ipc.Snapshot) []ipc.Finding {
	var out []ipc.Finding
	for _, f := range snap.Diagnosis {
		if f.Resource == "SEMMNI" || f.Resource == "SEMMNS" {
			out = append(out, f)
		}
	}
	return out
}

func resources(fs []ipc.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Resource)
	}
	return out
}

// cmdLines writes the sysctl line for the namespace shown and how to keep
// the value at boot.
func cmdLines(b *strings.Builder, st *Styles, cmds shellCmds, value string, width int) {
	add := func(comment, command string) {
		for _, l := range commandBlock(st, comment, command, width) {
			b.WriteString(l + "\n")
		}
	}
	add("now, until the next boot (c copies this)", sysctlCommand(cmds, value))
	if cmds.ns.Own() {
		add("at every boot (as root)", fmt.Sprintf("printf 'kernel.sem = %s\\n' > %s", value, sysctlFile))
		return
	}
	for _, l := range commentLines(st, "at boot: "+sysctlFile+" sets the host's namespace only; a container gets kernel.sem from its runtime, e.g. docker run --sysctl kernel.sem='"+value+"'", width) {
		b.WriteString(l + "\n")
	}
}

// limitsCopyCommand is what c copies in the limits view: the sysctl line
// shown there.
func limitsCopyCommand(snap *ipc.Snapshot, cmds shellCmds) string {
	msl, mns, opm, mni, _ := raisedSem(snap.Limits, semFindings(snap))
	return sysctlCommand(cmds, semValue(msl, mns, opm, mni))
}

// sysctlCommand sets kernel.sem in the namespace of cmds.
func sysctlCommand(cmds shellCmds, value string) string {
	return cmds.tool("sysctl", "-w", "kernel.sem='"+value+"'")
}
