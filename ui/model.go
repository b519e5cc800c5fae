package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"ipcscope/ipc"
	"ipcscope/probe"
)

// ScanFunc takes a snapshot of the IPC namespace ns (ipc.Scan, or
// ipc.ScanNamespaceOf for another namespace, in production).
type ScanFunc func(ns NS) (*ipc.Snapshot, error)

// RemoveFunc removes one batch of sets scanned in ns, inside ns (an
// ipc.Remover inside ipc.InNamespace in production); allowStale is true
// only after the extra confirmation.
type RemoveFunc func(ns NS, allowStale bool, sets []ipc.Set) []ipc.Removal

// ProbeFunc probes one target (probe.Run in production).
type ProbeFunc func(ctx context.Context, t probe.Target) probe.Result

// Config is everything the inspector needs; zero fields get defaults from
// the real ipc and probe packages (see withDefaults).
type Config struct {
	Interval     time.Duration // between scans; default 2s
	ReadOnly     bool          // no selection, no removal
	AuditLog     string        // default ipc.DefaultAuditLog()
	ScanOptions  ipc.Options
	Scan         ScanFunc
	Remove       RemoveFunc
	Targets      []probe.Target
	ProbeOptions probe.Options
	ProbeTimeout time.Duration // whole probe of one target; default 30s
	Probe        ProbeFunc
	NS           NS             // namespace shown first (--ns PID); zero: our own
	SelfNS       uint64         // inode of our own IPC namespace; default read from /proc
	Namespaces   NamespacesFunc // for the picker; default ipc.Namespaces
	User         string         // who runs the inspector, for the header
	Root         bool           // whether that user may remove any set
	Notice       string         // an extra line (the demo explains itself)
	Now          func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = 2 * time.Second
	}
	if c.AuditLog == "" {
		c.AuditLog = ipc.DefaultAuditLog()
	}
	if c.Scan == nil {
		c.Scan = defaultScan(c.ScanOptions)
	}
	if c.Remove == nil {
		c.Remove = defaultRemove(ipc.RemoveOptions{Options: c.ScanOptions, AuditLog: c.AuditLog})
	}
	if c.Namespaces == nil {
		c.Namespaces = defaultNamespaces
	}
	if c.SelfNS == 0 {
		c.SelfNS = selfIPCNS()
	}
	if c.ProbeTimeout <= 0 {
		c.ProbeTimeout = 30 * time.Second
	}
	if c.Probe == nil {
		opts := c.ProbeOptions
		c.Probe = func(ctx context.Context, t probe.Target) probe.Result { return probe.Run(ctx, t, opts) }
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

type mode int

const (
	modeMain mode = iota
	modeDetails
	modeNamespaces // the namespace picker
)

type inputMode int

const (
	inputNone inputMode = iota
	inputFilter
	inputTarget
)

// Pane focus.
const (
	focusSets = iota
	focusProbes
)

// Messages.
type (
	snapshotMsg struct {
		snap *ipc.Snapshot
		err  error
		gen  int // m.nsGen when the scan started
	}
	tickMsg struct{ gen int }
)

// Smallest usable screen.
const minWidth, minHeight = 60, 15

// Model is the root of the inspector; it alone returns a tea.View, every
// component returns a string.
type Model struct {
	cfg    Config
	c      *Common
	snap   *ipc.Snapshot
	table  *setTable
	probes *probePane
	focus  int
	mode   mode
	detail viewport.Model
	dTitle string
	dialog removeDialog
	help   help.Model
	input  textinput.Model
	inMode inputMode
	// inputErr says why the typed target was refused; the input stays
	// open with the text, so that nothing typed is lost.
	inputErr string

	status    string
	statusErr bool
	scanning  bool
	scanErr   error
	tickGen   int

	ns        NS           // the namespace shown
	snapNS    NS           // the namespace m.snap was taken in (removals go there)
	nsGen     int          // bumped on a switch: scans of the previous one are dropped
	picker    *nsPicker    // the namespace picker pane
	paused    bool         // P: no automatic refresh, the screen stays as it is
	held      *snapshotMsg // a scan that arrived while paused
	applyNext bool         // the next scan was asked for (r, x, a switch): show it even when paused

	tableH, probeH int
}

// New makes the root model.
func New(cfg Config) *Model {
	cfg = cfg.withDefaults()
	c := newCommon(cfg.ReadOnly, cfg.Now)
	m := &Model{cfg: cfg, c: c, table: newSetTable(c), probes: newProbePane(c, cfg.Targets), ns: cfg.NS}
	m.picker = &nsPicker{c: c, notRoot: !cfg.Root}
	m.help = help.New()
	m.help.Styles = c.Styles.Help
	m.input = textinput.New()
	st := textinput.DefaultStyles(true)
	st.Cursor.Blink = false // no animation
	m.input.SetStyles(st)
	m.detail = viewport.New()
	return m
}

// Init asks for the background colour, scans and probes every target.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, m.scanCmd()}
	for i := range m.probes.rows {
		cmds = append(cmds, m.probes.start(i, m.cfg.Probe, m.cfg.ProbeTimeout))
	}
	return tea.Batch(cmds...)
}

func (m *Model) scanCmd() tea.Cmd {
	if m.scanning {
		return nil
	}
	m.scanning = true
	scan, ns, gen := m.cfg.Scan, m.ns, m.nsGen
	return func() tea.Msg {
		s, err := scan(ns)
		return snapshotMsg{snap: s, err: err, gen: gen}
	}
}

// applySnapshot shows a scan (or its error beside the last data).
func (m *Model) applySnapshot(msg snapshotMsg) {
	if msg.err != nil {
		m.scanErr = msg.err
		m.setStatus("scan failed: "+msg.err.Error(), true)
		return
	}
	if m.scanErr != nil {
		m.scanErr = nil
		m.setStatus("", false)
	}
	if !m.ns.Own() && m.ns.Inode == 0 {
		m.ns.Inode = msg.snap.IPCNS // pin --ns PID to the namespace it was in
	}
	prev := m.snap
	m.snap, m.snapNS = msg.snap, m.ns
	m.table.setSnapshot(msg.snap, prev)
}

// switchNS shows another namespace: the old one's sets, selection and
// pending scans are dropped at once, so nothing scanned in one namespace
// can be removed in another.
func (m *Model) switchNS(ns NS) tea.Cmd {
	m.ns = ns
	m.nsGen++
	m.tickGen++
	m.scanning = false
	m.snap, m.held, m.scanErr = nil, nil, nil
	m.table = newSetTable(m.c)
	m.applyNext = true
	m.mode = modeMain
	m.focus = focusSets
	where := "the inspector's own IPC namespace"
	if !ns.Own() {
		where = fmt.Sprintf("IPC namespace %d (through PID %d)", ns.Inode, ns.PID)
	}
	m.setStatus("switched to "+where+"; scanning…", false)
	return m.scanCmd()
}

// togglePause freezes or resumes automatic refreshes; a scan held back
// while paused is shown on resume.
func (m *Model) togglePause() tea.Cmd {
	m.paused = !m.paused
	if m.paused {
		m.tickGen++ // the pending tick starts no scan
		m.setStatus("paused: the screen stays as it is; P resumes, r refreshes once", false)
		return nil
	}
	if m.held != nil {
		m.applySnapshot(*m.held)
		m.held = nil
	}
	m.setStatus("resumed", false)
	m.tickGen++
	return m.scanCmd()
}

func (m *Model) tickCmd() tea.Cmd {
	m.tickGen++
	gen := m.tickGen
	return tea.Tick(m.cfg.Interval, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

func (m *Model) setStatus(s string, isErr bool) {
	m.status, m.statusErr = s, isErr
}

// Update handles one message. Scans, probes and removals only start here
// as commands; their results come back as messages.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	m.layout()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		return nil
	case tea.BackgroundColorMsg:
		m.c.SetDark(msg.IsDark())
		m.help.Styles = m.c.Styles.Help
		st := textinput.DefaultStyles(msg.IsDark())
		st.Cursor.Blink = false
		m.input.SetStyles(st)
		return nil
	case snapshotMsg:
		if msg.gen != m.nsGen {
			return nil // a scan of the namespace shown before a switch
		}
		m.scanning = false
		if m.paused && !m.applyNext {
			m.held = &msg
			return nil
		}
		m.applyNext = false
		m.applySnapshot(msg)
		if m.paused {
			return nil
		}
		return m.tickCmd()
	case tickMsg:
		if msg.gen != m.tickGen || m.paused {
			return nil
		}
		return m.scanCmd()
	case nsListMsg:
		m.picker.done(msg)
		return nil
	case removedMsg:
		m.dialog.results = msg.results
		m.dialog.stage = dlgResult
		ok := 0
		for _, r := range msg.results {
			if r.OK() {
				ok++
			}
		}
		m.setStatus(fmt.Sprintf("removed %d of %d sets; audit log %s", ok, len(msg.results), m.cfg.AuditLog), ok != len(msg.results))
		m.tickGen++ // drop the pending tick: scan now
		m.applyNext = true
		return m.scanCmd()
	case probeDoneMsg:
		if m.probes.done(msg) && m.mode == modeDetails && m.focus == focusProbes && m.probes.cursor == msg.idx {
			m.showProbeDetails()
		}
		return nil
	case spinner.TickMsg:
		return m.probes.tick(msg)
	case tea.MouseWheelMsg:
		n := 3
		if msg.Mouse().Button == tea.MouseWheelUp {
			n = -3
		}
		switch {
		case m.mode == modeNamespaces:
			m.picker.move(n)
		case m.mode == modeDetails:
			if n < 0 {
				m.detail.ScrollUp(-n)
			} else {
				m.detail.ScrollDown(n)
			}
		case m.focus == focusProbes:
			m.probes.move(n)
		default:
			m.table.move(n)
		}
		return nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.c.Keys
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	// The confirmation dialog takes every key: only y goes on.
	switch m.dialog.stage {
	case dlgConfirm, dlgConfirmStale:
		if msg.String() != "y" {
			m.dialog = removeDialog{}
			m.setStatus("removal cancelled: nothing removed", false)
			return nil
		}
		if m.dialog.stage == dlgConfirm && m.dialog.stale > 0 {
			m.dialog.stage = dlgConfirmStale
			return nil
		}
		m.dialog.stage = dlgRunning
		return removeCmd(m.cfg.Remove, m.snapNS, m.dialog.stale > 0, m.dialog.sets)
	case dlgRunning:
		return nil
	case dlgResult:
		m.dialog = removeDialog{}
		return nil
	}
	if m.inMode != inputNone {
		return m.inputKey(msg)
	}
	if m.help.ShowAll {
		m.help.ShowAll = false
		if key.Matches(msg, k.Help, k.Back) {
			return nil
		}
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.help.ShowAll = true
		return nil
	case key.Matches(msg, k.Pause):
		return m.togglePause()
	}
	if m.mode == modeNamespaces {
		return m.pickerKey(msg)
	}
	if m.mode == modeDetails {
		if key.Matches(msg, k.Back) || key.Matches(msg, k.Details) {
			m.mode = modeMain
			return nil
		}
		var cmd tea.Cmd
		m.detail, cmd = m.detail.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Tab):
		m.focus = 1 - m.focus
		return nil
	case key.Matches(msg, k.Refresh):
		m.tickGen++
		m.applyNext = true
		m.setStatus("refreshing…", false)
		return m.scanCmd()
	case key.Matches(msg, k.Namespaces):
		m.mode = modeNamespaces
		p := m.picker
		if p.notRoot {
			return nil
		}
		// Start on the namespace shown.
		for i := range p.rows {
			if p.rows[i].Inode == m.shownInode() {
				p.cursor = i
			}
		}
		p.clamp()
		return p.list(m.cfg.Namespaces)
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
		m.inMode = inputTarget
		m.input.Reset()
		m.input.Prompt = "add target (host[:port], https://name, name:443@addr): "
		return m.input.Focus()
	case key.Matches(msg, k.Filter):
		m.inMode = inputFilter
		m.input.Prompt = "/"
		m.input.SetValue(m.table.filter)
		m.input.CursorEnd()
		m.focus = focusSets
		return m.input.Focus()
	case key.Matches(msg, k.Back):
		if m.table.filter != "" {
			m.table.setFilter("")
			m.setStatus("filter cleared", false)
		}
		return nil
	}
	if m.focus == focusProbes {
		if navigate(k, msg, &m.probes.scroll, m.probes.move, len(m.probes.rows)) {
			return nil
		}
		switch {
		case key.Matches(msg, k.Details):
			if len(m.probes.rows) > 0 {
				m.showProbeDetails()
				m.mode = modeDetails
			}
		}
		return nil
	}
	t := m.table
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
			m.setStatus(fmt.Sprintf("%s selected", plural(len(t.selected), "set", "sets")), false)
			t.move(1)
		}
	case key.Matches(msg, k.SelectOrphans):
		n := t.selectOrphans()
		if n == 0 {
			m.setStatus("no orphans to select", false)
		} else {
			m.setStatus(fmt.Sprintf("%s selected: press x to remove", plural(n, "orphan", "orphans")), false)
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
			m.detail.SetContent(wrapAll(setDetails(&m.c.Styles, r.set, t.now, m.c.Width), m.c.Width))
			m.detail.GotoTop()
			m.mode = modeDetails
		}
	}
	return nil
}

func (m *Model) showProbeDetails() {
	r := &m.probes.rows[m.probes.cursor]
	m.dTitle = "probe " + r.target.String()
	y := m.detail.YOffset()
	m.detail.SetContent(wrapAll(probeDetails(&m.c.Styles, r, m.c.Width), m.c.Width))
	m.detail.SetYOffset(y)
}

func (m *Model) inputKey(msg tea.KeyPressMsg) tea.Cmd {
	m.inputErr = ""
	switch msg.String() {
	case "esc":
		if m.inMode == inputFilter {
			m.table.setFilter("")
		}
		m.inMode = inputNone
		m.input.Blur()
		return nil
	case "enter":
		mode, val := m.inMode, strings.TrimSpace(m.input.Value())
		if mode == inputTarget && val != "" {
			t, err := probe.ParseTarget(val)
			if err != nil {
				// One line, and the text stays to be fixed. The input
				// line above already shows the text: drop its echo.
				why := strings.TrimPrefix(err.Error(), fmt.Sprintf("target %q: ", val))
				m.inputErr = "not a target: " + strings.Join(strings.Fields(why), " ") + " (fix it, or esc)"
				return nil
			}
			m.inMode = inputNone
			m.input.Blur()
			m.setStatus("probing "+t.String(), false)
			t = probe.ApplyResolve(t, m.cfg.ProbeOptions.Resolve)
			m.probes.rows = append(m.probes.rows, probeRow{target: t})
			m.probes.cursor = len(m.probes.rows) - 1
			m.focus = focusProbes
			m.layout()
			return m.probes.start(len(m.probes.rows)-1, m.cfg.Probe, m.cfg.ProbeTimeout)
		}
		m.inMode = inputNone
		m.input.Blur()
		return nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.inMode == inputFilter {
		m.table.setFilter(m.input.Value())
	}
	return cmd
}

// pickerKey handles the namespace picker: Enter switches, r lists again.
func (m *Model) pickerKey(msg tea.KeyPressMsg) tea.Cmd {
	k, p := &m.c.Keys, m.picker
	if navigate(k, msg, &p.scroll, p.move, len(p.rows)) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Back), key.Matches(msg, k.Namespaces):
		m.mode = modeMain
	case key.Matches(msg, k.Refresh):
		if !p.notRoot {
			return p.list(m.cfg.Namespaces)
		}
	case key.Matches(msg, k.Details):
		if ns, ok := p.current(); ok {
			return m.switchNS(nsTarget(ns, m.cfg.SelfNS))
		}
	}
	return nil
}

// shownInode is the inode of the namespace on screen (0 if unknown yet).
func (m *Model) shownInode() uint64 {
	if m.snap != nil && m.snap.IPCNS != 0 {
		return m.snap.IPCNS
	}
	if m.ns.Own() {
		return m.cfg.SelfNS
	}
	return m.ns.Inode
}

func removeCmd(remove RemoveFunc, ns NS, allowStale bool, sets []ipc.Set) tea.Cmd {
	return func() tea.Msg {
		return removedMsg{results: remove(ns, allowStale, sets)}
	}
}

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
	return diagnosisLines(m.c, m.snap, m.c.Width, m.diagMax(), !m.cfg.ReadOnly)
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
		lines = append(lines, m.probes.View(w, m.focus == focusProbes))
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
		box = m.c.Styles.Dialog.Render(m.c.Styles.DialogTitle.Render("Keys") + "\n\n" + m.help.FullHelpView(m.c.Keys.FullHelp()) + "\n\n" + m.c.Styles.Dim.Render("any key closes this help"))
	default:
		return screen
	}
	bw, bh := lipgloss.Width(box), lipgloss.Height(box)
	x := max((w-bw)/2, 0)
	y := max((h-footerLines-bh)/2, 0)
	return lipgloss.NewCompositor(lipgloss.NewLayer(screen), lipgloss.NewLayer(box).X(x).Y(y).Z(1)).Render()
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
	return fmt.Sprintf("IPC namespaces: %d found · enter switches · esc back", len(p.rows))
}

func (m *Model) setsTitle() string {
	shown, total, sel := m.table.counts()
	s := fmt.Sprintf("Semaphore sets: %s", commas(int64(total)))
	if m.table.filter != "" {
		s = fmt.Sprintf("Semaphore sets: %s of %s match /%s", commas(int64(shown)), commas(int64(total)), m.table.filter)
	}
	s += " · sort " + sortNames[m.table.sortBy]
	if sel > 0 {
		s += fmt.Sprintf(" · %s selected (x removes)", commas(int64(sel)))
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
	l2 := st.Dim.Render(fmt.Sprintf("user %s · %s · every %s · %s", user, rights, m.cfg.Interval, scanned))
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

// helpBar fits the short help into the width by dropping the least
// important bindings, always keeping ? and q.
func (m *Model) helpBar() string {
	bs := m.c.Keys.ShortHelp()
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
