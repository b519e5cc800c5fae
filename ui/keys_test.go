package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"ipcscope/ipc"
	"ipcscope/probe"
)

func wheel(m *Model, down bool, times int) {
	b := tea.MouseWheelUp
	if down {
		b = tea.MouseWheelDown
	}
	for range times {
		m.Update(tea.MouseWheelMsg{X: 10, Y: 10, Button: b})
	}
}

// The wheel scrolls whatever is in front: the set table, the probe pane
// when focused, the details text, the namespace picker.
func TestMouseWheelScrolls(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(34), nil), 80, 24)
	firstRow := strings.Split(plain(m), "\n")[9]
	wheel(m, true, 4)
	if m.table.cursor != 12 {
		t.Fatalf("4 wheel steps down: cursor %d, want 12", m.table.cursor)
	}
	if row := strings.Split(plain(m), "\n")[9]; row == firstRow {
		t.Errorf("the table did not scroll: first row still %q", row)
	}
	wheel(m, false, 1)
	if m.table.cursor != 9 {
		t.Fatalf("wheel up: cursor %d, want 9", m.table.cursor)
	}
	wheel(m, false, 10)
	if m.table.cursor != 0 || m.table.offset != 0 {
		t.Fatalf("wheel up past the top: cursor %d offset %d", m.table.cursor, m.table.offset)
	}

	press(m, "tab")
	wheel(m, true, 1)
	if m.probes.cursor != 2 || m.table.cursor != 0 {
		t.Fatalf("probe pane: cursor %d (table %d), want 2 (0)", m.probes.cursor, m.table.cursor)
	}

	press(m, "tab", "enter")
	wheel(m, true, 1)
	if m.detail.YOffset() != 3 {
		t.Fatalf("details: offset %d, want 3", m.detail.YOffset())
	}
	wheel(m, false, 1)
	if m.detail.YOffset() != 0 {
		t.Fatalf("details: offset %d after wheel up", m.detail.YOffset())
	}
	press(m, "esc")

	m.cfg.Namespaces = fakeNamespaces(20)
	m.Update(press(m, "N")())
	wheel(m, true, 2)
	if m.picker.cursor != 6 {
		t.Fatalf("picker: cursor %d, want 6", m.picker.cursor)
	}
}

func fakeNamespaces(n int) NamespacesFunc {
	return func() ([]ipc.Namespace, []string, error) {
		var out []ipc.Namespace
		for i := range n {
			ns := ipc.Namespace{Inode: 4026532000 + uint64(i), PID: 100 + i, Processes: 3,
				Commands:   []ipc.CommandCount{{Comm: "apache2", Count: 2}, {Comm: "tini", Count: 1}},
				Containers: []ipc.Container{{Runtime: "docker", ID: strings.Repeat("ab", 32)}},
				Summary:    &ipc.Summary{Limits: ipc.Limits{SEMMNI: 128}, Usage: ipc.Usage{Sets: 100 + i, Orphans: 90 + i}}}
			if i == 0 {
				ns.Inode, ns.Host, ns.Containers = ipc.InitIPCNSInode, true, []ipc.Container{}
			}
			out = append(out, ns)
		}
		return out, nil, nil
	}
}

// n adds a target: a malformed one is refused with one line, the typed
// text stays to be fixed and no target is lost; a valid one is probed at
// once, with a spinner while it runs.
func TestAddTarget(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(3), nil), 80, 24)
	before := len(m.probes.rows)
	press(m, "n")
	for _, r := range "https://bad host/x" {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	if cmd := press(m, "enter"); cmd != nil {
		t.Fatal("a malformed target started something")
	}
	lines := strings.Split(plain(m), "\n")
	last := lines[len(lines)-1]
	if last != "! not a target: a path \"/x\" is not supported, give host[:port] (fix it, or esc)" {
		t.Errorf("no one-line error on the last line: %q", last)
	}
	checkFrame(t, plain(m), 80, 24)
	if m.inMode != inputTarget || m.input.Value() != "https://bad host/x" {
		t.Errorf("typed text lost: mode %v, value %q", m.inMode, m.input.Value())
	}
	if len(m.probes.rows) != before {
		t.Fatalf("targets: %d, want %d", len(m.probes.rows), before)
	}
	// Fix it: the error goes with the next key.
	m.input.SetValue("")
	press(m, "x")
	if m.inputErr != "" {
		t.Error("error stays while editing")
	}
	m.input.SetValue("site-c.example:8443")
	cmd := press(m, "enter")
	if cmd == nil || m.inMode != inputNone {
		t.Fatalf("valid target: cmd %v, input mode %v", cmd != nil, m.inMode)
	}
	if len(m.probes.rows) != before+1 {
		t.Fatalf("targets: %d, want %d", len(m.probes.rows), before+1)
	}
	r := m.probes.rows[before]
	if r.target.Host != "site-c.example" || r.target.Port != 8443 || !r.running || !m.probes.spinning {
		t.Fatalf("new row %+v, spinning %v", r, m.probes.spinning)
	}
	if out := plain(m); !strings.Contains(out, "... https://site-c.example:8443 probing") || !strings.Contains(out, "Probes: 4 targets, 1 running") {
		t.Errorf("no spinner row:\n%s", out)
	}
	for i := range m.probes.rows[:before] {
		if m.probes.rows[i].result == nil {
			t.Errorf("row %d lost its result", i)
		}
	}
	m.Update(probeDoneMsg{idx: before, gen: r.gen, result: probe.Result{Target: r.target, OK: true, Verdict: "SNI ok"}})
	if out := plain(m); !strings.Contains(out, "OK    site-c.example:8443: SNI ok") || strings.Contains(out, "running") {
		t.Errorf("result not shown:\n%s", out)
	}
}

// A malformed target typed with an empty line or esc adds nothing.
func TestAddTargetCancel(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(3), nil), 80, 24)
	press(m, "n", "b", "a", "d", "esc")
	if m.inMode != inputNone || len(m.probes.rows) != 3 {
		t.Fatalf("esc: mode %v, %d targets", m.inMode, len(m.probes.rows))
	}
}

// P freezes the screen: ticks scan nothing, a scan that still arrives is
// held back; P again shows it and scans; r refreshes once while paused.
func TestPause(t *testing.T) {
	snap := fixtureSnapshot(5)
	m := loaded(t, fixtureConfig(snap, nil), 80, 24)
	press(m, "P")
	if !m.paused || !strings.Contains(strings.Split(plain(m), "\n")[1], "PAUSED (P resumes)") {
		t.Fatalf("header does not say paused:\n%s", plain(m))
	}
	if cmd := m.update(tickMsg{gen: m.tickGen}); cmd != nil {
		t.Fatal("a tick scanned while paused")
	}
	frozen := plain(m)
	next := *snap
	next.Sets = snap.Sets[2:]
	next.Usage.Sets = len(next.Sets)
	if _, cmd := m.Update(snapshotMsg{snap: &next, gen: m.nsGen}); cmd != nil {
		t.Fatal("a scan arriving while paused re-armed the tick")
	}
	if plain(m) != frozen {
		t.Fatal("the screen changed while paused")
	}
	_, cmd := m.Update(keyMsg("P"))
	if m.paused || m.snap != &next || cmd == nil {
		t.Fatalf("resume: paused %v, held scan shown %v, scan started %v", m.paused, m.snap == &next, cmd != nil)
	}
	if strings.Contains(plain(m), "PAUSED") {
		t.Error("still says paused")
	}
	// r while paused shows one scan, and does not resume.
	m.Update(cmd())
	press(m, "P")
	if cmd := press(m, "r"); cmd != nil {
		if _, next := m.Update(cmd()); next != nil {
			t.Error("r while paused re-armed the tick")
		}
	} else {
		t.Fatal("r while paused did nothing")
	}
	if !m.paused || m.snap != snap {
		t.Errorf("r while paused: paused %v, fresh scan shown %v", m.paused, m.snap == snap)
	}
	press(m, "?")
	if out := plain(m); !strings.Contains(out, "P     pause") || !strings.Contains(out, "N     namespaces") {
		t.Errorf("full help lacks P or N:\n%s", out)
	}
}

// A short diagnosis gives its unused lines to the table.
func TestShortDiagnosisGivesRowsToTable(t *testing.T) {
	long := loaded(t, fixtureConfig(fixtureSnapshot(34), nil), 80, 24)
	short := loaded(t, fixtureConfig(fixtureSnapshot(3), nil), 80, 24)
	if n := len(short.diagnosis()); n != 1 {
		t.Fatalf("fixture diagnosis has %d lines, want 1", n)
	}
	if short.tableH != long.tableH+1 {
		t.Errorf("table rows: %d with a short diagnosis, %d with a long one", short.tableH, long.tableH)
	}
	lines := strings.Split(plain(short), "\n")
	if !strings.HasPrefix(lines[5], "OK ") || !strings.HasPrefix(lines[6], "▶ Semaphore sets") {
		t.Errorf("blank line after the diagnosis:\n%s", plain(short))
	}
	checkFrame(t, plain(short), 80, 24)
	// 120x40 reserves four lines.
	short.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	if l := strings.Split(plain(short), "\n"); !strings.HasPrefix(l[6], "▶ Semaphore sets") {
		t.Errorf("120x40:\n%s", plain(short))
	}
}

// Without root the picker explains instead of listing (and lists nothing).
func TestPickerNeedsRoot(t *testing.T) {
	cfg := fixtureConfig(fixtureSnapshot(3), nil)
	cfg.Root = false
	called := false
	cfg.Namespaces = func() ([]ipc.Namespace, []string, error) { called = true; return nil, nil, nil }
	m := loaded(t, cfg, 80, 24)
	if cmd := press(m, "N"); cmd != nil {
		cmd()
	}
	out := plain(m)
	if called || m.mode != modeNamespaces || !strings.Contains(out, "Listing IPC namespaces needs root") || !strings.Contains(out, "sudo ipcscope") {
		t.Fatalf("listed %v:\n%s", called, out)
	}
	checkFrame(t, out, 80, 24)
	if cmd := press(m, "enter"); cmd != nil || !m.ns.Own() {
		t.Fatal("enter switched without a list")
	}
	press(m, "esc")
	if m.mode != modeMain {
		t.Fatal("esc did not leave the picker")
	}
}

// A switch drops the old namespace's sets and selection at once, and a
// scan of the old namespace that arrives late is ignored; removals go to
// the namespace the shown sets were scanned in.
func TestSwitchDropsOldNamespace(t *testing.T) {
	var rl removedLog
	cfg := fixtureConfig(fixtureSnapshot(3), &rl)
	other := fixtureSnapshot(1)
	other.IPCNS = 4026532005
	cfg.Scan = func(ns NS) (*ipc.Snapshot, error) {
		if ns.Own() {
			return fixtureSnapshot(3), nil
		}
		return other, nil
	}
	var removedIn []NS
	inner := cfg.Remove
	cfg.Remove = func(ns NS, stale bool, sets []ipc.Set) []ipc.Removal {
		removedIn = append(removedIn, ns)
		return inner(ns, stale, sets)
	}
	cfg.Namespaces = fakeNamespaces(8)
	m := loaded(t, cfg, 100, 30)
	press(m, "o")
	late := m.scanCmd() // a scan of our own namespace, still running
	m.Update(press(m, "N")())
	press(m, "g", "down", "down", "down", "down", "down")
	switchScan := press(m, "enter")
	if m.snap != nil || len(m.table.selected) != 0 || len(m.table.rows) != 0 {
		t.Fatalf("old namespace kept: snap %v, %d selected", m.snap != nil, len(m.table.selected))
	}
	press(m, "o", "x")
	if m.dialog.stage != dlgNone {
		t.Fatal("removal offered before the new namespace was scanned")
	}
	m.Update(late())
	if m.snap != nil {
		t.Fatal("a late scan of the old namespace was shown")
	}
	m.Update(switchScan())
	if m.snap != other || m.ns != (NS{PID: 105, Inode: 4026532005}) {
		t.Fatalf("shows %+v", m.ns)
	}
	if out := plain(m); !strings.Contains(out, "ipc ns 4026532005 via PID 105 (not the inspector's own)") {
		t.Errorf("header:\n%s", out)
	}
	press(m, "o", "x")
	m.Update(press(m, "y")())
	if len(removedIn) != 1 || removedIn[0] != (NS{PID: 105, Inode: 4026532005}) || len(rl.got) != 1 {
		t.Fatalf("removed %d sets in %v", len(rl.got), removedIn)
	}
}

func TestGoldenNamespaces(t *testing.T) {
	cfg := fixtureConfig(fixtureSnapshot(3), nil)
	cfg.Namespaces = fakeNamespaces(4)
	m := loaded(t, cfg, 100, 30)
	m.Update(press(m, "N")())
	press(m, "down")
	out := plain(m)
	checkFrame(t, out, 100, 30)
	golden.RequireEqual(t, out)
}

// The light palette at 80x24, escapes kept: stripped, it would equal the
// dark golden.
func TestGoldenMainLight80x24(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(34), nil), 80, 24)
	m.Update(tea.BackgroundColorMsg{Color: lightColor{}})
	out := m.View().Content
	checkFrame(t, plain(m), 80, 24)
	// The light red of orphans (#cf222e), not the dark one (#f85149).
	if !strings.Contains(out, "38;2;207;34;46") || strings.Contains(out, "38;2;248;81;73") {
		t.Error("not the light palette")
	}
	golden.RequireEqual(t, out)
}

// Config.Why adds its line under the diagnosis (the cli's Apache doctor),
// and nothing without it.
func TestWhyLineUnderDiagnosis(t *testing.T) {
	cfg := fixtureConfig(fixtureSnapshot(3), nil)
	cfg.Why = func(s *ipc.Snapshot) string {
		return fmt.Sprintf("Apache's mutexes are System V sets; %d sets", len(s.Sets))
	}
	m := loaded(t, cfg, 80, 24)
	out := plain(m)
	if !strings.Contains(out, "why: Apache's mutexes are System V sets; ") {
		t.Fatalf("no why line:\n%s", out)
	}
	checkFrame(t, out, 80, 24)
	cfg.Why = func(*ipc.Snapshot) string { return "" }
	if out := plain(loaded(t, cfg, 80, 24)); strings.Contains(out, "why:") {
		t.Errorf("empty why shown:\n%s", out)
	}
}

// Config.WhySet adds "How to stop it" to a set's details.
func TestWhySetInDetails(t *testing.T) {
	cfg := fixtureConfig(fixtureSnapshot(34), nil)
	cfg.WhySet = func(s *ipc.Set) string { return fmt.Sprintf("set %d: use Mutex pthread default", s.ID) }
	m := loaded(t, cfg, 100, 40)
	press(m, "enter")
	// The details pane scrolls: the section is at its end.
	m.detail.GotoBottom()
	out := plain(m)
	if !strings.Contains(out, "How to stop it") || !strings.Contains(out, ": use Mutex pthread default") {
		t.Fatalf("no How to stop it in the details:\n%s", out)
	}
}

// Config.WhyNoH2 adds "Why no HTTP/2" to a probe's details.
func TestWhyNoH2InProbeDetails(t *testing.T) {
	cfg := fixtureConfig(fixtureSnapshot(3), nil)
	cfg.WhyNoH2 = func(r probe.Result) []string {
		return []string{"no h2 (from Apache's configuration):", "• the prefork MPM for " + r.Target.Host}
	}
	m := loaded(t, cfg, 100, 40)
	press(m, "tab", "enter")
	m.detail.GotoBottom()
	out := plain(m)
	if !strings.Contains(out, "Why no HTTP/2") || !strings.Contains(out, "• the prefork MPM for site-a.example") {
		t.Fatalf("no Why no HTTP/2 in the probe details:\n%s", out)
	}
}
