package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"ipcscope/ipc"
)

// The inspector's root model: its state, and Update, which routes each
// message to the part that owns it. The parts live beside it: config.go
// (Config and the defaults), refresh.go (the scan loop), keys.go (key
// dispatch by layer), input.go, dialog.go, picker.go (components and
// their keys), view.go (layout and drawing).

type mode int

const (
	modeMain mode = iota
	modeDetails
	modeNamespaces // the namespace picker
)

// Pane focus.
const (
	focusSets = iota
	focusProbes
)

// Model is the root of the inspector; it alone returns a tea.View, every
// component returns a string.
type Model struct {
	cfg     Config
	c       *Common
	snap    *ipc.Snapshot
	snapNS  NS // the namespace m.snap was taken in (removals go there)
	scanErr error
	table   *setTable
	probes  *probePane
	picker  *nsPicker // the namespace picker pane
	focus   int
	mode    mode
	detail  viewport.Model
	dTitle  string
	dWhat   detailsOf // what the details view shows
	dCopy   string    // the command c copies there
	dialog  removeDialog
	help    help.Model
	lineInput
	refresher

	status          string
	statusErr       bool
	statusScans     int  // scans shown since the message was set
	statusUntilScan bool // the message says a scan is under way

	tableH, probeH int

	helpCache struct {
		key helpBarKey
		s   string
		ok  bool
	}
	auditDefault bool // cfg.AuditLog is ipc.DefaultAuditLog(): commands need no --audit-log
}

// New makes the root model.
func New(cfg Config) *Model {
	cfg = cfg.withDefaults()
	c := newCommon(cfg.ReadOnly, cfg.Now)
	m := &Model{cfg: cfg, c: c, table: newSetTable(c), probes: newProbePane(c, cfg.Targets)}
	m.auditDefault = cfg.AuditLog == ipc.DefaultAuditLog()
	m.refresher = refresher{scan: cfg.Scan, interval: cfg.Interval, ns: cfg.NS}
	m.picker = &nsPicker{c: c, notRoot: !cfg.Root}
	m.help = help.New()
	m.help.Styles = c.Styles.Help
	m.lineInput = newLineInput()
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

// setStatus shows a message on the status line. It clears itself when it
// is done: one that says something is under way ("refreshing…",
// "…; scanning…") when the next scan is shown, any other after a few
// scans (statusScans), so that a message never outlives what it is about.
func (m *Model) setStatus(s string, isErr bool) {
	m.status, m.statusErr = s, isErr
	m.statusScans = 0
	m.statusUntilScan = strings.HasSuffix(s, "…")
}

// How many scans a message stays: an error longer than a note.
const statusNoteScans, statusErrScans = 3, 6

// ageStatus runs on every scan shown (see setStatus).
func (m *Model) ageStatus() {
	if m.status == "" {
		return
	}
	m.statusScans++
	keep := statusNoteScans
	if m.statusErr {
		keep = statusErrScans
	}
	if m.statusUntilScan || m.statusScans >= keep {
		m.status, m.statusErr, m.statusUntilScan = "", false, false
	}
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
		m.layout()
		m.renderDetails() // wrapped again for the new width
		return nil
	case tea.BackgroundColorMsg:
		m.c.SetDark(msg.IsDark())
		m.help.Styles = m.c.Styles.Help
		m.setDark(msg.IsDark())
		return nil
	case snapshotMsg:
		return m.snapshotArrived(msg)
	case tickMsg:
		return m.ticked(msg)
	case nsListMsg:
		m.picker.done(msg)
		return nil
	case removedMsg:
		m.dialog.done(msg.results)
		m.setStatus(removalStatus(m.dialog.results, m.cfg.AuditLog))
		return m.now() // scan at once, shown even when paused
	case probeDoneMsg:
		if m.probes.done(msg) && m.dWhat.probe && m.dWhat.id == msg.idx {
			m.renderDetails()
		}
		if strings.HasPrefix(m.status, "probing ") && !m.probes.anyRunning() {
			m.setStatus("", false) // done: the pane shows the result
		}
		return nil
	case spinner.TickMsg:
		return m.probes.tick(msg)
	case tea.MouseWheelMsg:
		m.wheel(msg)
		return nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return nil
}

// wheel scrolls what is under the eye: the picker, the details, or the
// pane in focus.
func (m *Model) wheel(msg tea.MouseWheelMsg) {
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
