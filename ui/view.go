package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

// The view: how the screen is shared between the panes (layout), and the
// frame drawn from the model's state (View). Nothing here changes state
// but the sizes layout gives the panes.

// Smallest usable screen.
const minWidth, minHeight = 60, 15

// Screen layout: fixed lines around the two panes.
const (
	headerLines = 2
	gaugeLines_ = 3
	footerLines = 2 // status + help
)

// diagMax is the most lines the diagnosis may take.
func (m *Model) diagMax() int {
	if m.c.Height >= 30 {
		return 4
	}
	return 2
}

// diagLines is what the diagnosis takes now: a short one gives its
// unused lines to the table.
func (m *Model) diagLines() int {
	if m.snap == nil || m.c.Width < minWidth {
		return m.diagMax()
	}
	return len(m.diagnosis())
}

func (m *Model) diagnosis() []string {
	out := diagnosisLines(m.c, m.snap, m.c.Width, m.diagMax(), !m.cfg.ReadOnly, m.cmds())
	if m.cfg.Why != nil && m.snap != nil {
		if why := m.cfg.Why(m.snap); why != "" {
			out = append(out, truncate(m.c.Styles.Warn.Render("why: ")+why, m.c.Width))
		}
	}
	return out
}

func (m *Model) noticeLines() int {
	if m.cfg.Notice == "" {
		return 0
	}
	if m.c.Height >= 30 {
		return len(wrap(m.cfg.Notice, m.c.Width))
	}
	return 1
}

// layout shares the height between the set table and the probe pane:
// panes stack; at 80x24 the probe pane keeps a few rows.
func (m *Model) layout() {
	w, h := m.c.Width, m.c.Height
	m.detail.SetWidth(w)
	m.detail.SetHeight(max(h-headerLines-footerLines-1, 1))
	free := h - headerLines - gaugeLines_ - m.diagLines() - m.noticeLines() - footerLines - 2 // two pane titles
	free = max(free, 2)
	n := len(m.probes.rows)
	pr := min(max(n, 1), 3)
	if h >= 30 {
		pr = min(max(n, 1), 8)
	}
	if m.focus == focusProbes {
		pr = min(max(n, 1), free/2)
	}
	pr = max(min(pr, free-2), 1)
	if n == 0 {
		pr = 0 // an empty pane is its title alone, which says how to add one
	}
	m.probeH = pr
	m.tableH = free - pr - 1 // column header
	m.table.setHeight(m.tableH)
	m.probes.height = pr
	m.probes.clamp()
	// The picker: its pane title, column header and footer line.
	m.picker.height = max(h-headerLines-footerLines-3, 1)
	m.picker.clamp()
}

// View renders the screen; dialogs and the full help are overlays, so
// they never push the help bar off the screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "ipcscope"
	return v
}

func (m *Model) render() string {
	w, h := m.c.Width, m.c.Height
	st := &m.c.Styles
	if w == 0 || h == 0 {
		return "ipcscope: starting…"
	}
	if w < minWidth || h < minHeight {
		msg := fmt.Sprintf("Terminal too small: %dx%d. ipcscope needs at least %dx%d. Resize, or press q to quit.", w, h, minWidth, minHeight)
		if w < 20 || h < 3 {
			msg = fmt.Sprintf("%dx%d: too small", w, h)
		}
		box := lipgloss.NewStyle().Width(w).Align(lipgloss.Center).Render(msg)
		return strings.Join(fitLines(strings.Split(lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, box), "\n"), w, h), "\n")
	}
	var lines []string
	lines = append(lines, m.headerLines()...)
	if m.mode == modeDetails {
		lines = append(lines, st.PaneFocused.Render(pad("▶ Details: "+m.dTitle+"  (esc back, ↑/↓ scroll)", w, false)))
		lines = append(lines, strings.Split(m.detail.View(), "\n")...)
	} else if m.mode == modeNamespaces {
		lines = append(lines, m.paneTitle(m.pickerTitle(), true, w))
		lines = append(lines, m.picker.View(w, m.shownInode(), m.cfg.SelfNS))
	} else {
		if m.snap != nil {
			lines = append(lines, gaugeLines(m.c, m.snap, w)...)
			lines = append(lines, fitLines(m.diagnosis(), w, m.diagLines())...)
		} else {
			msg := "scanning…"
			if m.scanErr != nil {
				msg = "scan failed: " + m.scanErr.Error()
			}
			lines = append(lines, fitLines([]string{st.Dim.Render(msg)}, w, gaugeLines_+m.diagLines())...)
		}
		if n := m.noticeLines(); n > 0 {
			lines = append(lines, fitLines(styleLines(st.Notice, wrap(m.cfg.Notice, w)), w, n)...)
		}
		lines = append(lines, m.paneTitle(m.setsTitle(), m.focus == focusSets, w))
		lines = append(lines, m.table.View(w, m.focus == focusSets))
		lines = append(lines, m.paneTitle(m.probes.title(), m.focus == focusProbes, w))
		if m.probeH > 0 {
			lines = append(lines, m.probes.View(w, m.focus == focusProbes))
		}
	}
	body := strings.Join(lines, "\n")
	body = strings.Join(fitLines(strings.Split(body, "\n"), w, h-footerLines), "\n")
	screen := body + "\n" + m.statusLine() + "\n" + m.helpBar()
	return m.overlay(screen)
}

func styleLines(s lipgloss.Style, lines []string) []string {
	for i := range lines {
		lines[i] = s.Render(lines[i])
	}
	return lines
}

func (m *Model) overlay(screen string) string {
	w, h := m.c.Width, m.c.Height
	var box string
	switch {
	case m.dialog.stage != dlgNone:
		box = m.dialog.view(m.c, m.cfg.AuditLog, w, h)
	case m.help.ShowAll:
		box = m.c.Styles.Dialog.Render(m.helpText(w, h))
	default:
		return screen
	}
	bw, bh := lipgloss.Width(box), lipgloss.Height(box)
	x := max((w-bw)/2, 0)
	y := max((h-footerLines-bh)/2, 0)
	return lipgloss.NewCompositor(lipgloss.NewLayer(screen), lipgloss.NewLayer(box).X(x).Y(y).Z(1)).Render()
}

// helpText is the full help (?): the keys, what the row markers and the
// verdict colours mean and the filter's syntax, wrapped to the screen.
func (m *Model) helpText(w, h int) string {
	st := &m.c.Styles
	inner := max(min(w-6, 110), 10)
	v := func(x ipc.Verdict) string { return st.Verdict[x].Render(verdictWord(x)) }
	legend := [][2]string{
		{"Markers", "> cursor · * marked for removal · + new since the last scan · - gone since it"},
		{"Verdicts", v(ipc.Orphan) + " nothing alive can use it · " + v(ipc.Stale) + " its owner's processes still run (asked twice) · " + v(ipc.Live) + " in use · " + v(ipc.Unknown) + " unreadable"},
		{"Filter", "/ then words that must all match: text the row shows (python3, dead, 0600), or owner: verdict: pid: cmd: key: id:, ! negates (!live); esc clears"},
		{"Also", "F1 help · F3 filter · F9, Delete or ctrl+d remove · F10 quit · ctrl+\\ clears marks"},
	}
	out := []string{st.DialogTitle.Render("Keys")}
	out = append(out, strings.Split(m.help.FullHelpView(m.c.Keys.FullHelp()), "\n")...)
	out = append(out, "")
	for _, l := range legend {
		for i, part := range strings.Split(wrapAll(l[1], inner-10), "\n") {
			label := ""
			if i == 0 {
				label = l[0]
			}
			out = append(out, st.Bold.Render(fmt.Sprintf("%-9s", label))+" "+part)
		}
	}
	if m.cfg.ReadOnly {
		out = append(out, st.Warn.Render("read-only (--read-only): marking and removal are off"))
	}
	foot := st.Dim.Render("any key closes this help")
	if room := h - footerLines - 3; len(out) > room && room > 2 {
		out = out[:room]
	}
	out = append(out, foot)
	for i := range out {
		out[i] = truncate(out[i], inner)
	}
	return strings.Join(out, "\n")
}

func (m *Model) paneTitle(title string, focused bool, w int) string {
	if focused {
		return m.c.Styles.PaneFocused.Render(pad("▶ "+title, w, false))
	}
	return m.c.Styles.PaneBlurred.Render(pad("  "+title, w, false))
}

func (m *Model) pickerTitle() string {
	p := m.picker
	switch {
	case p.notRoot:
		return "IPC namespaces: needs root"
	case !p.loaded:
		return "IPC namespaces"
	}
	return fmt.Sprintf("IPC namespaces: %s found · enter switches · esc back", textfmt.Commas(int64(len(p.rows))))
}

func (m *Model) setsTitle() string {
	shown, total, sel := m.table.counts()
	s := fmt.Sprintf("Semaphore sets: %s", textfmt.Commas(int64(total)))
	if m.table.filter != "" {
		s = fmt.Sprintf("Semaphore sets: %s of %s match /%s", textfmt.Commas(int64(shown)), textfmt.Commas(int64(total)), m.table.filter)
	}
	if shown > 0 {
		s += fmt.Sprintf(" · %s/%s", textfmt.Commas(int64(m.table.cursor+1)), textfmt.Commas(int64(shown)))
	}
	s += " · sort " + sortNames[m.table.sortBy] + m.table.sortArrow()
	if sel > 0 {
		s += fmt.Sprintf(" · %s selected (x removes)", textfmt.Commas(int64(sel)))
	}
	return s
}

func (m *Model) headerLines() []string {
	st := &m.c.Styles
	w := m.c.Width
	host, kernel, ns := "?", "?", "?"
	scanned := "not yet scanned"
	if s := m.snap; s != nil {
		host, kernel = s.Host, s.Kernel
		scanned = "scanned " + s.Taken.Format("15:04:05")
	}
	if ino := m.shownInode(); ino != 0 {
		ns = fmt.Sprint(ino)
	}
	l1 := st.Title.Render("ipcscope") + st.Header.Render(fmt.Sprintf("  host %s · kernel %s · ipc ns %s", host, kernel, ns))
	if !m.ns.Own() {
		// Another namespace: say so first, where the eye starts, and
		// before the kernel's name, which may be cut.
		foreign := fmt.Sprintf("ipc ns %s via PID %d", ns, m.ns.PID)
		if ino := m.shownInode(); ino == 0 || ino != m.cfg.SelfNS {
			foreign += " (not the inspector's own)"
		}
		l1 = st.Title.Render("ipcscope") + "  " + st.Warn.Render(foreign) + st.Header.Render(fmt.Sprintf(" · host %s · kernel %s", host, kernel))
	}
	rights := "can remove any set (root)"
	switch {
	case m.cfg.ReadOnly:
		rights = "read-only"
	case !m.cfg.Root:
		rights = "can remove own sets only (not root)"
	}
	user := m.cfg.User
	if user == "" {
		user = "?"
	}
	every := m.cfg.Interval
	if w := m.waitFor(); w > every {
		every = w.Round(100 * time.Millisecond) // slowed: scans take long here
	}
	l2 := st.Dim.Render(fmt.Sprintf("user %s · %s · every %s · %s", user, rights, every, scanned))
	if m.paused {
		l2 = st.Dim.Render(fmt.Sprintf("user %s · %s · ", user, rights)) + st.Paused.Render("PAUSED") + st.Dim.Render(fmt.Sprintf(" (P resumes) · %s", scanned))
	}
	return []string{truncate(l1, w), truncate(l2, w)}
}

func (m *Model) statusLine() string {
	st := &m.c.Styles
	w := m.c.Width
	if m.inMode != inputNone {
		return truncate(m.input.View(), w)
	}
	if m.status != "" {
		if m.statusErr {
			return truncate(st.Error.Render("! ")+m.status, w)
		}
		return truncate(st.Status.Render(m.status), w)
	}
	return ""
}

// helpBarKey is what the help bar depends on: it is drawn again only when
// that changes (fitting it renders it once per binding dropped).
type helpBarKey struct {
	mode     mode
	focus    int
	width    int
	dark     bool
	inputErr string
}

// helpBar is the short help, from the cache when nothing it shows changed.
func (m *Model) helpBar() string {
	k := helpBarKey{m.mode, m.focus, m.c.Width, m.c.IsDark, m.inputErr}
	if m.helpCache.ok && m.helpCache.key == k {
		return m.helpCache.s
	}
	s := m.fitHelpBar()
	m.helpCache.key, m.helpCache.s, m.helpCache.ok = k, s, true
	return s
}

// fitHelpBar fits the short help into the width by dropping the least
// important bindings, always keeping ? and q.
func (m *Model) fitHelpBar() string {
	bs := m.c.Keys.ShortHelp()
	if m.focus == focusProbes {
		bs = m.c.Keys.probesHelp()
	}
	switch m.mode {
	case modeDetails:
		bs = m.c.Keys.detailsHelp()
	case modeNamespaces:
		bs = m.c.Keys.namespacesHelp()
	}
	if m.inputErr != "" {
		return truncate(m.c.Styles.Error.Render("! ")+m.inputErr, m.c.Width)
	}
	var enabled []key.Binding
	for _, b := range bs {
		if b.Enabled() {
			enabled = append(enabled, b)
		}
	}
	hm := m.help
	hm.SetWidth(0)
	for {
		s := hm.ShortHelpView(enabled)
		if lipgloss.Width(s) <= m.c.Width || len(enabled) <= 2 {
			return truncate(s, m.c.Width)
		}
		enabled = append(enabled[:len(enabled)-3], enabled[len(enabled)-2:]...)
	}
}
