package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
	"ipcscope/probe"
)

// key dispatches a key press by layer, the first that is open taking it:
// the removal dialog, the line input, the full help (with q, ? and P,
// which work in every mode), the mode (namespace picker, details), and on
// the main screen its own keys, then the pane in focus.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	if m.dialog.open() {
		return m.dialogKey(msg)
	}
	if m.inMode != inputNone {
		return m.inputKey(msg)
	}
	if cmd, done := m.helpKey(msg); done {
		return cmd
	}
	switch m.mode {
	case modeNamespaces:
		return m.pickerKey(msg)
	case modeDetails:
		return m.detailsKey(msg)
	}
	return m.mainKey(msg)
}

// dialogKey: the confirmation dialog takes every key; only y goes on, c
// copies the equivalent command. While the dialog cannot be seen (the
// terminal is too small for it) no key acts on it: q quits, as the
// screen says, and the dialog is back, unchanged, when the terminal grows.
func (m *Model) dialogKey(msg tea.KeyPressMsg) tea.Cmd {
	if !m.dialog.visible(m.c, m.cfg.AuditLog) {
		if key.Matches(msg, m.c.Keys.Quit) {
			return tea.Quit
		}
		return nil
	}
	if m.dialog.command != "" && (m.dialog.stage == dlgConfirm || m.dialog.stage == dlgConfirmStale) && key.Matches(msg, m.c.Keys.Copy) {
		return m.copyCommand(m.dialog.command)
	}
	ns := m.snapNS // removals go where the sets were scanned
	cmd, cancelled := m.dialog.key(msg, func(allowStale bool, sets []ipc.Set) tea.Cmd {
		return removeCmd(m.cfg.Remove, ns, allowStale, sets)
	})
	if cancelled {
		m.setStatus("removal cancelled: nothing removed", false)
	}
	return cmd
}

// inputKey: the filter follows the text; an entered target is probed.
func (m *Model) inputKey(msg tea.KeyPressMsg) tea.Cmd {
	res, cmd := m.lineInput.key(msg)
	if res.filter != nil {
		m.table.setFilter(*res.filter)
		if err := m.table.filterErr; err != nil {
			m.lineInput.inputErr = "filter: " + err.Error()
		}
	}
	if res.target != nil {
		return m.addTarget(*res.target)
	}
	return cmd
}

// addTarget adds a typed target to the probe pane and probes it.
func (m *Model) addTarget(t probe.Target) tea.Cmd {
	m.setStatus("probing "+t.String(), false)
	t = probe.ApplyResolve(t, m.cfg.ProbeOptions.Resolve)
	m.probes.rows = append(m.probes.rows, probeRow{target: t})
	m.probes.cursor = len(m.probes.rows) - 1
	m.focus = focusProbes
	m.layout()
	return m.probes.start(len(m.probes.rows)-1, m.cfg.Probe, m.cfg.ProbeTimeout)
}

// helpKey: any key closes the full help and does nothing more; ? and P
// work in every mode; q quits on the main screen and goes back from
// details and the picker (F10 and ctrl+c always quit). done is false for
// any other key.
func (m *Model) helpKey(msg tea.KeyPressMsg) (cmd tea.Cmd, done bool) {
	k := &m.c.Keys
	if m.help.ShowAll {
		m.help.ShowAll = false
		return nil, true
	}
	switch {
	case key.Matches(msg, k.Quit):
		if msg.String() == "q" && m.mode != modeMain {
			m.mode = modeMain
			return nil, true
		}
		return tea.Quit, true
	case key.Matches(msg, k.Help):
		m.help.ShowAll = true
		return nil, true
	case key.Matches(msg, k.Pause):
		return m.togglePause(), true
	case msg.String() == ":":
		m.setStatus("no : commands here (that is k9s): / filters, N picks a namespace, L shows the limits, ? lists every key", false)
		return nil, true
	}
	return nil, false
}

// readOnlyKey says why a removal key does nothing with --read-only.
func (m *Model) readOnlyKey(msg tea.KeyPressMsg) bool {
	if !m.cfg.ReadOnly {
		return false
	}
	for _, b := range newKeyMap(false).destructive() {
		if key.Matches(msg, b) {
			m.setStatus("read-only (--read-only): "+b.Help().Key+" ("+b.Help().Desc+") is off; run ipcscope without --read-only, as root, to remove sets", true)
			return true
		}
	}
	return false
}

// pickerKey: Enter switches to the namespace chosen, esc or N goes back.
func (m *Model) pickerKey(msg tea.KeyPressMsg) tea.Cmd {
	cmd, chosen, closed := m.picker.key(&m.c.Keys, msg, m.cfg.Namespaces)
	switch {
	case closed:
		m.mode = modeMain
	case chosen != nil:
		return m.switchNS(nsTarget(*chosen, m.cfg.SelfNS))
	}
	return cmd
}

// mainKey handles the keys of the main screen whichever pane has focus,
// and hands any other key to the pane in focus.
func (m *Model) mainKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.c.Keys
	switch {
	case key.Matches(msg, k.Tab):
		m.focus = 1 - m.focus
	case key.Matches(msg, k.Refresh):
		m.setStatus("refreshing…", false)
		return m.now()
	case key.Matches(msg, k.Namespaces):
		m.mode = modeNamespaces
		return m.picker.open(m.shownInode(), m.cfg.Namespaces)
	case key.Matches(msg, k.Probe):
		var cmds []tea.Cmd
		if m.focus == focusProbes && len(m.probes.rows) > 0 {
			cmds = append(cmds, m.probes.start(m.probes.cursor, m.cfg.Probe, m.cfg.ProbeTimeout))
		} else {
			for i := range m.probes.rows {
				cmds = append(cmds, m.probes.start(i, m.cfg.Probe, m.cfg.ProbeTimeout))
			}
		}
		return tea.Batch(cmds...)
	case key.Matches(msg, k.AddTarget):
		return m.openTarget()
	case key.Matches(msg, k.Limits):
		m.showLimits()
	case key.Matches(msg, k.Filter):
		m.focus = focusSets
		return m.openFilter(m.table.filter)
	case key.Matches(msg, k.Back):
		if m.table.filter != "" {
			m.table.setFilter("")
			m.setStatus("filter cleared", false)
		}
	case m.focus == focusProbes:
		return m.probesKey(msg)
	default:
		return m.setsKey(msg)
	}
	return nil
}

// probesKey handles the probe pane: movement, enter shows details; the
// set keys say that they act on the set table.
func (m *Model) probesKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.c.Keys
	if m.readOnlyKey(msg) {
		return nil
	}
	for _, b := range append(k.destructive(), k.Sort) {
		if key.Matches(msg, b) {
			m.setStatus(b.Help().Key+" ("+b.Help().Desc+") acts on the semaphore sets: tab goes there", false)
			return nil
		}
	}
	if navigate(k, msg, &m.probes.scroll, m.probes.move, len(m.probes.rows)) {
		return nil
	}
	if key.Matches(msg, k.Details) && len(m.probes.rows) > 0 {
		m.showProbeDetails()
		m.mode = modeDetails
	}
	return nil
}

// setsKey handles the set table: movement, sort, selection, removal and
// details.
func (m *Model) setsKey(msg tea.KeyPressMsg) tea.Cmd {
	k, t := &m.c.Keys, m.table
	if m.readOnlyKey(msg) {
		return nil
	}
	if navigate(k, msg, &t.scroll, t.move, len(t.view)) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Sort), key.Matches(msg, k.SortNext):
		t.setSortDir(stepSort(t.sortBy, 1), t.reverse)
		m.setStatus("sorted by "+sortNames[t.sortBy]+" ("+sortOrder(t)+"); < > pick the column, I inverts", false)
	case key.Matches(msg, k.SortPrev):
		t.setSortDir(stepSort(t.sortBy, -1), t.reverse)
		m.setStatus("sorted by "+sortNames[t.sortBy]+" ("+sortOrder(t)+"); < > pick the column, I inverts", false)
	case key.Matches(msg, k.Invert):
		t.setSortDir(t.sortBy, !t.reverse)
		m.setStatus("sorted by "+sortNames[t.sortBy]+" ("+sortOrder(t)+")", false)
	case key.Matches(msg, k.Select):
		if why := t.toggle(); why != "" {
			m.setStatus(why, true)
		} else {
			m.setStatus(fmt.Sprintf("%s selected", textfmt.Plural(len(t.selected), "set", "sets")), false)
			t.move(1)
		}
	case key.Matches(msg, k.SelectOrphans):
		n := t.selectOrphans()
		if n == 0 {
			m.setStatus("no orphans to select", false)
		} else {
			m.setStatus(fmt.Sprintf("%s selected: press x to remove", textfmt.Plural(n, "orphan", "orphans")), false)
		}
	case key.Matches(msg, k.SelectStale):
		n := t.selectVerdict(ipc.Stale)
		if n == 0 {
			m.setStatus("no stale sets shown to mark", false)
		} else {
			m.setStatus(fmt.Sprintf("%s marked: x asks twice for stale sets (a process may still use them)", textfmt.Plural(n, "stale set", "stale sets")), false)
		}
	case key.Matches(msg, k.ClearMarks):
		if n := t.clearMarks(); n > 0 {
			m.setStatus(fmt.Sprintf("marks cleared (%s)", textfmt.Commas(int64(n))), false)
		} else {
			m.setStatus("nothing was marked", false)
		}
	case key.Matches(msg, k.Remove):
		return m.askRemove()
	case key.Matches(msg, k.Copy):
		return m.copyCommand(m.mainCopyCommand())
	case key.Matches(msg, k.Details):
		if r, ok := t.current(); ok {
			m.showSetDetails(r.set.ID)
		}
	}
	return nil
}

// askRemove opens the removal dialog for the marked sets, or, with none
// marked, for the set under the cursor (htop's F9, k9s's ctrl+d), with
// the same confirmation rules.
func (m *Model) askRemove() tea.Cmd {
	t := m.table
	sets := t.selectedSets()
	hidden := t.hiddenSelected()
	if len(sets) == 0 {
		r, ok := t.current()
		switch {
		case !ok:
			m.setStatus("nothing to remove: no set under the cursor", true)
			return nil
		case r.mark == markGone:
			m.setStatus(fmt.Sprintf("set %d is gone already", r.set.ID), true)
			return nil
		case !selectable(r.set):
			m.setStatus(fmt.Sprintf("set %d is %s: only orphan and stale sets can be removed (space marks, o every orphan)", r.set.ID, verdictWord(r.set.Verdict)), true)
			return nil
		}
		sets, hidden = []ipc.Set{*r.set}, 0
	}
	m.dialog = newRemoveDialog(sets, m.cmds(), hidden, t.filter)
	return nil
}

// mainCopyCommand is what c copies on the main screen: the removal x
// would ask about (the marked sets, or the removable set under the
// cursor), else the command that shows the set under the cursor.
func (m *Model) mainCopyCommand() string {
	t := m.table
	if sets := t.selectedSets(); len(sets) > 0 {
		return newRemoveDialog(sets, m.cmds(), 0, "").command
	}
	r, ok := t.current()
	if !ok || r.mark == markGone {
		return ""
	}
	return setCopyCommand(r.set, m.cmds())
}
