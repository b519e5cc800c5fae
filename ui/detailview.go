package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ipcscope/ipc"
)

// The details view (Enter): one set or one probe, drawn again from the
// latest data on every scan or probe result and on every resize, so it
// is never a frozen snapshot; c copies the command it marks (OSC 52).

// detailsOf says what the details view shows.
type detailsOf struct {
	probe  bool
	limits bool // the limits view (L)
	id     int  // semid, or the probe row's index
}

// cmds are the shell commands for the namespace of the data on screen.
func (m *Model) cmds() shellCmds {
	ns := m.snapNS
	if m.snap == nil {
		ns = m.ns
	}
	if ns.Own() && m.cfg.OwnVia != 0 {
		ns = NS{PID: m.cfg.OwnVia} // for commands only: scans and removals stay in our own
	}
	c := shellCmds{ns: ns}
	if !m.auditDefault {
		c.auditLog = m.cfg.AuditLog
	}
	return c
}

// showSetDetails opens the details of set id, at the top.
func (m *Model) showSetDetails(id int) {
	m.dWhat = detailsOf{id: id}
	m.mode = modeDetails
	m.renderDetails()
	m.detail.GotoTop()
}

// showLimits opens the limits view.
func (m *Model) showLimits() {
	if m.snap == nil {
		m.setStatus("no scan yet: the limits are not known", true)
		return
	}
	m.dWhat = detailsOf{limits: true}
	m.mode = modeDetails
	m.renderDetails()
	m.detail.GotoTop()
}

// showProbeDetails opens the details of the probe under the cursor.
func (m *Model) showProbeDetails() {
	m.dWhat = detailsOf{probe: true, id: m.probes.cursor}
	m.mode = modeDetails
	m.renderDetails()
	m.detail.GotoTop()
}

// detailSet finds set id in the rows on screen (gone rows included: the
// set vanished since the last scan).
func (m *Model) detailSet(id int) (*ipc.Set, bool) {
	for _, r := range m.table.rows {
		if r.set.ID == id {
			return r.set, r.mark == markGone
		}
	}
	return nil, true
}

// renderDetails draws the details again from the current data and width,
// keeping the scroll position.
func (m *Model) renderDetails() {
	if m.mode != modeDetails {
		return
	}
	st, w := &m.c.Styles, m.c.Width
	var content string
	m.dCopy = ""
	switch {
	case m.dWhat.limits:
		if m.snap == nil {
			return
		}
		m.dTitle = "limits"
		content = limitsDetails(st, m.snap, m.cmds(), w)
		m.dCopy = limitsCopyCommand(m.snap, m.cmds())
	case m.dWhat.probe:
		if m.dWhat.id >= len(m.probes.rows) {
			return
		}
		r := &m.probes.rows[m.dWhat.id]
		m.dTitle = "probe " + r.target.String()
		content = probeDetails(st, r, w)
		if m.cfg.WhyNoH2 != nil && r.result != nil && !r.running {
			if lines := m.cfg.WhyNoH2(*r.result); len(lines) > 0 {
				content += "\n\n" + st.Bold.Render("Why no HTTP/2") + "\n  " + strings.Join(lines, "\n  ")
			}
		}
		m.dCopy = probeCopyCommand(r)
	default:
		m.dTitle = fmt.Sprintf("set %d", m.dWhat.id)
		s, gone := m.detailSet(m.dWhat.id)
		switch {
		case s == nil:
			content = st.Warn.Render(fmt.Sprintf("Set %d is no longer there: removed since (by ipcscope or by someone else).", m.dWhat.id))
		default:
			content = setDetails(st, s, m.table.now, w, m.cmds())
			if m.cfg.WhySet != nil {
				if why := m.cfg.WhySet(s); why != "" {
					content += "\n" + st.Bold.Render("How to stop it") + "\n  • " + why + "\n"
				}
			}
			m.dCopy = setCopyCommand(s, m.cmds())
			if gone {
				m.dTitle += " (GONE)"
				content = st.Warn.Render(fmt.Sprintf("Set %d is gone: it was removed since the last scan. What it was:", m.dWhat.id)) + "\n\n" + content
				m.dCopy = ""
			}
		}
	}
	y := m.detail.YOffset()
	m.detail.SetContent(wrapAll(content, w))
	m.detail.SetYOffset(y)
}

// detailsKey: esc or enter goes back; g/G go to the top and bottom, c
// copies the marked command; the viewport scrolls.
func (m *Model) detailsKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.c.Keys
	switch {
	case key.Matches(msg, k.Back), key.Matches(msg, k.Details):
		m.mode = modeMain
		return nil
	case key.Matches(msg, k.Top):
		m.detail.GotoTop()
		return nil
	case key.Matches(msg, k.Bottom):
		m.detail.GotoBottom()
		return nil
	case key.Matches(msg, k.Copy):
		return m.copyCommand(m.dCopy)
	}
	var cmd tea.Cmd
	m.detail, cmd = m.detail.Update(msg)
	return cmd
}

// copyCommand puts a command on the terminal's clipboard (OSC 52) and
// says so.
func (m *Model) copyCommand(s string) tea.Cmd {
	if s == "" {
		m.setStatus("nothing to copy here", true)
		return nil
	}
	m.setStatus("copied (OSC 52, if the terminal allows it): "+s, false)
	return tea.SetClipboard(s)
}
