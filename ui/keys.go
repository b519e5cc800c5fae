package ui

import (
	"fmt"
	"strings"

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

// dialogKey: the confirmation dialog takes every key; only y goes on.
func (m *Model) dialogKey(msg tea.KeyPressMsg) tea.Cmd {
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

// helpKey: any key closes the full help (? and esc do nothing more); q,
// ? and P work in every mode. done is false for any other key.
func (m *Model) helpKey(msg tea.KeyPressMsg) (cmd tea.Cmd, done bool) {
	k := &m.c.Keys
	if m.help.ShowAll {
		m.help.ShowAll = false
		if key.Matches(msg, k.Help, k.Back) {
			return nil, true
		}
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit, true
	case key.Matches(msg, k.Help):
		m.help.ShowAll = true
		return nil, true
	case key.Matches(msg, k.Pause):
		return m.togglePause(), true
	}
	return nil, false
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

// detailsKey: esc or enter goes back; the viewport scrolls.
func (m *Model) detailsKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.c.Keys
	if key.Matches(msg, k.Back) || key.Matches(msg, k.Details) {
		m.mode = modeMain
		return nil
	}
	var cmd tea.Cmd
	m.detail, cmd = m.detail.Update(msg)
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

// probesKey handles the probe pane: movement, enter shows details.
func (m *Model) probesKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.c.Keys
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
	if navigate(k, msg, &t.scroll, t.move, len(t.view)) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Sort):
		t.setSort((t.sortBy + 1) % numSorts)
		m.setStatus("sorted by "+sortNames[t.sortBy], false)
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
	case key.Matches(msg, k.Remove):
		sets := t.selectedSets()
		if len(sets) == 0 {
			m.setStatus("nothing selected: space selects a set, o every orphan", true)
			return nil
		}
		m.dialog = newRemoveDialog(sets)
	case key.Matches(msg, k.Details):
		if r, ok := t.current(); ok {
			m.dTitle = fmt.Sprintf("set %d", r.set.ID)
			d := setDetails(&m.c.Styles, r.set, t.now, m.c.Width)
			if m.cfg.WhySet != nil {
				if w := m.cfg.WhySet(r.set); w != "" {
					d += "\n" + m.c.Styles.Bold.Render("How to stop it") + "\n  • " + w + "\n"
				}
			}
			m.detail.SetContent(wrapAll(d, m.c.Width))
			m.detail.GotoTop()
			m.mode = modeDetails
		}
	}
	return nil
}

// showProbeDetails fills the details view with the probe under the
// cursor, keeping the scroll position (it is redrawn as results arrive).
func (m *Model) showProbeDetails() {
	r := &m.probes.rows[m.probes.cursor]
	m.dTitle = "probe " + r.target.String()
	y := m.detail.YOffset()
	d := probeDetails(&m.c.Styles, r, m.c.Width)
	if m.cfg.WhyNoH2 != nil && r.result != nil && !r.running {
		if lines := m.cfg.WhyNoH2(*r.result); len(lines) > 0 {
			d += "\n\n" + m.c.Styles.Bold.Render("Why no HTTP/2") + "\n  " + strings.Join(lines, "\n  ")
		}
	}
	m.detail.SetContent(wrapAll(d, m.c.Width))
	m.detail.SetYOffset(y)
}
