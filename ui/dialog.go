package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

type dialogStage int

const (
	dlgNone         dialogStage = iota
	dlgConfirm                  // y removes, anything else cancels
	dlgConfirmStale             // stale sets are selected: y once more
	dlgRunning                  // removals are running as a command
	dlgResult                   // outcome of each removal; any key closes
)

// removeDialog is the confirmation overlay of x. Only y confirms: Enter
// and every other key cancel, the default being No.
type removeDialog struct {
	stage   dialogStage
	sets    []ipc.Set
	stale   int
	results []ipc.Removal
	command string // the same removal as one shell command (c copies it)
	hidden  int    // how many of the sets the filter does not show
	filter  string
}

type removedMsg struct{ results []ipc.Removal }

// open reports whether the dialog is on screen: it then takes every key.
func (d *removeDialog) open() bool { return d.stage != dlgNone }

// key handles a key while the dialog is open. Only y goes on (once more
// when stale sets are selected) and then starts remove; any other key
// cancels (cancelled). While the removal runs keys do nothing; on the
// result any key closes the dialog.
func (d *removeDialog) key(msg tea.KeyPressMsg, remove func(allowStale bool, sets []ipc.Set) tea.Cmd) (cmd tea.Cmd, cancelled bool) {
	switch d.stage {
	case dlgConfirm, dlgConfirmStale:
		if msg.String() != "y" {
			*d = removeDialog{}
			return nil, true
		}
		if d.stage == dlgConfirm && d.stale > 0 {
			d.stage = dlgConfirmStale
			return nil, false
		}
		d.stage = dlgRunning
		return remove(d.stale > 0, d.sets), false
	case dlgResult:
		*d = removeDialog{}
	}
	return nil, false
}

// done shows the outcome of the removals and counts those that succeeded.
func (d *removeDialog) done(results []ipc.Removal) (ok int) {
	results = slices.Clone(results)
	slices.SortStableFunc(results, func(a, b ipc.Removal) int { return cmp.Compare(resultRank(a), resultRank(b)) })
	d.results = results
	d.stage = dlgResult
	for _, r := range results {
		if r.OK() {
			ok++
		}
	}
	return ok
}

func removeCmd(remove RemoveFunc, ns NS, allowStale bool, sets []ipc.Set) tea.Cmd {
	return func() tea.Msg {
		return removedMsg{results: remove(ns, allowStale, sets)}
	}
}

// newRemoveDialog asks about sets (hidden of them not shown by filter);
// they are listed stale first, the ones that need a second look.
func newRemoveDialog(sets []ipc.Set, cmds shellCmds, hidden int, filter string) removeDialog {
	d := removeDialog{stage: dlgConfirm, hidden: hidden, filter: filter}
	for i := range sets {
		if sets[i].Verdict == ipc.Stale {
			d.stale++
		}
	}
	d.command = cmds.clean(setIDs(sets), d.stale > 0)
	if d.stale > 0 {
		sets = slices.Clone(sets)
		slices.SortStableFunc(sets, func(a, b ipc.Set) int {
			return cmp.Compare(b2i(a.Verdict != ipc.Stale), b2i(b.Verdict != ipc.Stale))
		})
	}
	d.sets = sets
	return d
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// summary is "1 stale + 3,996 orphan · 3,996 not shown by the filter /x".
func (d *removeDialog) summary() string {
	var parts []string
	if d.stale > 0 {
		parts = append(parts, textfmt.Commas(int64(d.stale))+" stale")
	}
	if n := len(d.sets) - d.stale; n > 0 {
		parts = append(parts, textfmt.Commas(int64(n))+" orphan")
	}
	s := strings.Join(parts, " + ")
	if d.hidden > 0 {
		s += fmt.Sprintf(" · %s not shown by the filter /%s", textfmt.Commas(int64(d.hidden)), d.filter)
	}
	return s
}

// resultRank orders the outcome: what was not done first.
func resultRank(r ipc.Removal) int {
	switch r.Outcome {
	case ipc.Failed:
		return 0
	case ipc.Refused:
		return 1
	case ipc.AlreadyGone:
		return 2
	}
	return 3
}

// removalStatus is the status line after a removal: what was refused or
// failed, and why, comes first (results are in resultRank order).
func removalStatus(results []ipc.Removal, auditLog string) (msg string, isErr bool) {
	ok := 0
	for _, r := range results {
		if r.OK() {
			ok++
		}
	}
	msg = fmt.Sprintf("removed %s of %s sets", textfmt.Commas(int64(ok)), textfmt.Commas(int64(len(results))))
	if bad := len(results) - ok; bad > 0 {
		r := results[0]
		msg = fmt.Sprintf("set %d %s: %s", r.ID, r.Outcome, r.Reason)
		if bad > 1 {
			msg += fmt.Sprintf(" (+%s more not removed, listed first)", textfmt.Commas(int64(bad-1)))
		}
		msg += fmt.Sprintf(" · removed %s of %s", textfmt.Commas(int64(ok)), textfmt.Commas(int64(len(results))))
	}
	return msg + "; audit log " + auditLog, ok != len(results)
}

// sameAsLines shows the equivalent command whole when it fits, else
// shortened and said to be: c copies it whole either way.
func sameAsLines(st *Styles, command string, n, width int) []string {
	label := "same as (c copies it): "
	if lipgloss.Width(label+command) <= width {
		return []string{st.Dim.Render(label) + command}
	}
	return []string{
		st.Dim.Render("same as: ") + truncate(command, width-len("same as: ")),
		st.Dim.Render(fmt.Sprintf("(shortened here; c copies the whole command, %s)", textfmt.Plural(n, "ID", "IDs"))),
	}
}

// visible reports whether the dialog fits on a screen of that size:
// a dialog nobody can see must not act.
func (d *removeDialog) visible(c *Common, auditLog string) bool {
	w, h := c.Width, c.Height
	if w < minWidth || h < minHeight {
		return false
	}
	box := d.view(c, auditLog, w, h)
	return lipgloss.Height(box) <= h && lipgloss.Width(box) <= w
}

// dialogSetLine is one set as the confirmation lists it (pure).
func dialogSetLine(s *ipc.Set) string {
	return fmt.Sprintf("%8d  %s  %-9s nsems %-3d %-7s %s", s.ID, s.Key, s.Owner, s.NSems, verdictWord(s.Verdict), operatorsCell(s))
}

// view renders the dialog box content for a screen of the given size.
func (d *removeDialog) view(c *Common, auditLog string, width, height int) string {
	st := &c.Styles
	inner := max(min(width-6, 96), 10)
	listMax := max(height-16, 1)
	var lines []string
	add := func(s string) { lines = append(lines, s) }
	switch d.stage {
	case dlgConfirm, dlgConfirmStale:
		add(st.DialogTitle.Render(fmt.Sprintf("Remove %s?", textfmt.Plural(len(d.sets), "semaphore set", "semaphore sets"))))
		add(d.summary())
		for i := range d.sets {
			if i == listMax {
				add(st.Dim.Render(fmt.Sprintf("  … and %s more", textfmt.Commas(int64(len(d.sets)-i)))))
				break
			}
			s := &d.sets[i]
			l := dialogSetLine(s)
			w := verdictWord(s.Verdict)
			l = strings.Replace(l, w, st.Verdict[s.Verdict].Render(w), 1)
			add(l)
		}
		add("")
		lines = append(lines, sameAsLines(st, d.command, len(d.sets), inner)...)
		add(st.Dim.Render("Each set is checked again just before removal; live sets are never removed."))
		add(st.Dim.Render("Audit log: " + auditLog))
		add("")
		if d.stage == dlgConfirmStale {
			add(st.Warn.Render(fmt.Sprintf("STALE: %s: probably leaked, but a process may still use them (each set's reasons say which).", textfmt.Plural(d.stale, "set is stale", "sets are stale"))))
			add(st.Warn.Render("They are probably leaked, but a program may come back to them."))
			add(st.Bold.Render("y") + " remove the stale sets too   " + st.Bold.Render("any other key") + " cancel (default: No)")
		} else {
			add(st.Bold.Render("y") + " remove   " + st.Bold.Render("any other key") + " cancel (default: No)")
		}
	case dlgRunning:
		add(st.DialogTitle.Render(fmt.Sprintf("Removing %s…", textfmt.Plural(len(d.sets), "set", "sets"))))
	case dlgResult:
		ok := 0
		for _, r := range d.results {
			if r.OK() {
				ok++
			}
		}
		add(st.DialogTitle.Render(fmt.Sprintf("Removed %s of %s", textfmt.Commas(int64(ok)), textfmt.Commas(int64(len(d.results))))))
		add("")
		for i, r := range d.results {
			if i == listMax {
				add(st.Dim.Render(fmt.Sprintf("  … and %s more", textfmt.Commas(int64(len(d.results)-i)))))
				break
			}
			word := strings.ToUpper(string(r.Outcome))
			ws := st.OK
			if !r.OK() {
				ws = st.Crit
			}
			reason := ""
			if r.Outcome != ipc.Removed {
				reason = " " + r.Reason
			}
			add(fmt.Sprintf("%8d  %s%s", r.ID, ws.Render(word), reason))
		}
		add("")
		add(st.Dim.Render("Audit log: " + auditLog))
		add(st.Bold.Render("any key") + " close")
	}
	for i, l := range lines {
		lines[i] = truncate(l, inner)
	}
	return st.Dialog.Render(strings.Join(lines, "\n"))
}
