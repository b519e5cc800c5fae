package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

// nsPicker is the namespace picker pane (N): every IPC namespace with its
// processes, sets vs its own SEMMNI, orphans, and what runs there. Enter
// switches the inspector to the namespace under the cursor.
type nsPicker struct {
	c        *Common
	rows     []ipc.Namespace
	warnings []string
	err      error
	loading  bool
	loaded   bool
	notRoot  bool // listing needs root: the pane says so instead
	gen      int  // results of an older listing are dropped
	scroll
}

type nsListMsg struct {
	gen      int
	list     []ipc.Namespace
	warnings []string
	err      error
}

// list returns the command that lists the namespaces.
func (p *nsPicker) list(fn NamespacesFunc) tea.Cmd {
	p.gen++
	p.loading = true
	gen := p.gen
	return func() tea.Msg {
		l, w, err := fn()
		return nsListMsg{gen: gen, list: l, warnings: w, err: err}
	}
}

// done stores a listing; false if it belonged to an older request.
func (p *nsPicker) done(msg nsListMsg) bool {
	if msg.gen != p.gen {
		return false
	}
	p.loading, p.loaded = false, true
	p.err, p.warnings = msg.err, msg.warnings
	if msg.err == nil {
		p.rows = msg.list
	}
	p.clamp()
	return true
}

func (p *nsPicker) move(n int) {
	p.cursor += n
	p.clamp()
}

func (p *nsPicker) clamp() { p.clampTo(len(p.rows)) }

// current is the namespace under the cursor.
func (p *nsPicker) current() (ipc.Namespace, bool) {
	if p.notRoot || !p.loaded || p.err != nil || p.cursor >= len(p.rows) {
		return ipc.Namespace{}, false
	}
	return p.rows[p.cursor], true
}

// open starts the picker on the namespace shown and lists the namespaces
// (without root there is nothing to list: the pane says so).
func (p *nsPicker) open(shown uint64, list NamespacesFunc) tea.Cmd {
	if p.notRoot {
		return nil
	}
	for i := range p.rows {
		if p.rows[i].Inode == shown {
			p.cursor = i
		}
	}
	p.clamp()
	return p.list(list)
}

// key handles a key in the picker: movement, r lists again, esc or N
// closes it (closed), Enter chooses the namespace under the cursor.
func (p *nsPicker) key(k *KeyMap, msg tea.KeyPressMsg, list NamespacesFunc) (cmd tea.Cmd, chosen *ipc.Namespace, closed bool) {
	if navigate(k, msg, &p.scroll, p.move, len(p.rows)) {
		return nil, nil, false
	}
	switch {
	case key.Matches(msg, k.Back), key.Matches(msg, k.Namespaces):
		return nil, nil, true
	case key.Matches(msg, k.Refresh):
		if !p.notRoot {
			return p.list(list), nil, false
		}
	case key.Matches(msg, k.Details):
		if ns, ok := p.current(); ok {
			return nil, &ns, false
		}
	}
	return nil, nil, false
}

// target is where Enter on ns takes the inspector: our own namespace
// needs no joining.
func nsTarget(ns ipc.Namespace, self uint64) NS {
	if self != 0 && ns.Inode == self {
		return NS{}
	}
	return NS{PID: ns.PID, Inode: ns.Inode}
}

const pickerColumns = "   INODE      NS        PROCS     SETS/SEMMNI ORPHANS  CONTAINER · COMMANDS"

// namespaceCells renders one namespace as the picker shows it (pure):
// where ("host", "own"), processes, sets vs SEMMNI with a level word,
// orphans and what runs there.
func namespaceCells(st *Styles, ns *ipc.Namespace, self uint64) (where, procs, sets, orphans, what string) {
	var w []string
	if ns.Host {
		w = append(w, "host")
	}
	if self != 0 && ns.Inode == self {
		w = append(w, "own")
	}
	where = strings.Join(w, "·")
	procs = textfmt.Commas(int64(ns.Processes))
	sets, orphans = "?", "?"
	if s := ns.Summary; s != nil {
		used, limit := int64(s.Usage.Sets), int64(s.Limits.SEMMNI)
		pct := 0.0
		if limit > 0 {
			pct = 100 * float64(used) / float64(limit)
		}
		_, word, _ := st.level(pct, limit > 0 && used >= limit)
		sets = fmt.Sprintf("%s/%s %s", textfmt.Commas(used), textfmt.Commas(limit), word)
		orphans = textfmt.Commas(int64(s.Usage.Orphans))
	}
	var parts []string
	for _, c := range ns.Containers {
		parts = append(parts, c.Short())
	}
	var cmds []string
	for _, c := range ns.Commands {
		cmds = append(cmds, fmt.Sprintf("%s×%d", c.Comm, c.Count))
	}
	if len(cmds) > 0 {
		parts = append(parts, strings.Join(cmds, " "))
	}
	what = strings.Join(parts, " · ")
	if ns.Summary == nil && ns.Error != "" {
		what = "scan failed: " + ns.Error
	}
	return where, procs, sets, orphans, what
}

// View draws exactly height+2 lines: the column header, the rows and a
// last line of warnings or hints. shown is the inode on screen.
func (p *nsPicker) View(width int, shown, self uint64) string {
	st := &p.c.Styles
	var lines []string
	msg := func(s string, style func(...string) string) {
		for _, l := range wrap(s, width) {
			lines = append(lines, style(l))
		}
	}
	switch {
	case p.notRoot:
		msg("Listing IPC namespaces needs root: the /proc/PID/ns/ipc links of other users' processes cannot be read, and joining a namespace needs CAP_SYS_ADMIN.", st.Warn.Render)
		lines = append(lines, "")
		msg("Run the inspector as root (sudo ipcscope), or as root pass --ns PID to inspect the namespace of one process (a container's). esc goes back.", st.Dim.Render)
	case p.loading && !p.loaded:
		msg("listing IPC namespaces…", st.Dim.Render)
	case p.err != nil:
		msg("listing IPC namespaces failed: "+p.err.Error(), st.Error.Render)
	default:
		lines = append(lines, st.ColHeader.Render(pad(pickerColumns, width, false)))
		for i := p.offset; i < len(p.rows) && i < p.offset+p.height; i++ {
			lines = append(lines, p.row(i, width, shown, self))
		}
		if len(p.rows) == 0 {
			lines = append(lines, st.Dim.Render("  no process found in any IPC namespace"))
		}
	}
	out := fitLines(lines, width, p.height+1)
	foot := "● shown · enter switches to it · r lists again · esc back"
	if len(p.warnings) > 0 {
		foot = strings.Join(p.warnings, "; ")
	}
	if p.loading && p.loaded {
		foot = "listing again… · " + foot
	}
	return strings.Join(append(out, truncate(st.Dim.Render(foot), width)), "\n")
}

func (p *nsPicker) row(i, width int, shown, self uint64) string {
	st := &p.c.Styles
	ns := &p.rows[i]
	where, procs, sets, orphans, what := namespaceCells(st, ns, self)
	mark := "   "
	if i == p.cursor {
		mark = ">  "
	}
	if ns.Inode == shown {
		mark = mark[:1] + "● "
	}
	text := fmt.Sprintf("%s%-10d %-9s %5s %15s %7s  %s", mark, ns.Inode, where, procs, sets, orphans, what)
	if i == p.cursor {
		return st.Cursor.Render(pad(truncate(text, width), width, false))
	}
	if ns.Summary != nil && ns.Summary.Usage.Orphans > 0 {
		text = strings.Replace(text, " "+orphans+"  ", " "+st.Verdict[ipc.Orphan].Render(orphans)+"  ", 1)
	}
	return truncate(text, width)
}
