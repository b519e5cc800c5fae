package ui

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
)

func newContainer(t *testing.T, orphans int) *ipctest.Container {
	t.Helper()
	return ipctest.NewContainer(t, idleUID+1, idleUID, orphans)
}

// onlyPrivate makes a config whose removals refuse, as a last guard, the
// host's namespace: these tests must never touch its sets.
func onlyPrivate(t *testing.T, cfg Config) Config {
	cfg = cfg.withDefaults()
	inner := cfg.Remove
	cfg.Remove = func(ns NS, allowStale bool, sets []ipc.Set) []ipc.Removal {
		if ns.Inode == ipc.InitIPCNSInode || (ns.Own() && !ipctest.Isolated()) {
			t.Errorf("removal asked in the host's IPC namespace (%+v)", ns)
			return nil
		}
		return inner(ns, allowStale, sets)
	}
	return cfg
}

// run executes a command and feeds its message back, as the program would
// (batches are not expected here); it returns the next command.
func run(t *testing.T, m *Model, cmd tea.Cmd) tea.Cmd {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command")
	}
	_, next := m.Update(cmd())
	return next
}

func pickerRow(t *testing.T, m *Model, inode uint64) int {
	t.Helper()
	for i, ns := range m.picker.rows {
		if ns.Inode == inode {
			return i
		}
	}
	t.Fatalf("namespace %d not in the picker:\n%s", inode, plain(m))
	return -1
}

func idsOf(snap *ipc.Snapshot) map[int]ipc.Verdict {
	out := map[int]ipc.Verdict{}
	for _, s := range snap.Sets {
		out[s.ID] = s.Verdict
	}
	return out
}

// The picker lists real namespaces with their sets; Enter switches the
// inspector to one; removing its orphans removes them there only: the
// other namespaces (whose set IDs are the same numbers) and our own keep
// theirs, and the audit log names the namespace.
func TestRealNamespacesPickSwitchAndClean(t *testing.T) {
	a, b, c := newContainer(t, 3), newContainer(t, 2), newContainer(t, 0)
	if err := ipctest.SetLimitsIn(b.Holder.PID, 250, 32000, 32, 3); err != nil {
		t.Fatal(err)
	}
	ownOrphans, ownLive := realSets(t, 1)
	cfg := onlyPrivate(t, realConfig(t))
	m := New(cfg)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	run(t, m, m.scanCmd())

	run(t, m, press(m, "N"))
	if m.mode != modeNamespaces || !m.picker.loaded || m.picker.err != nil {
		t.Fatalf("picker not listed: mode %v, err %v", m.mode, m.picker.err)
	}
	for _, want := range []struct {
		c             *ipctest.Container
		sets, orphans string
	}{{a, "4/32,000 ok", "3"}, {b, "3/3 FULL", "2"}, {c, "1/32,000 ok", "0"}} {
		i := pickerRow(t, m, want.c.Inode)
		ns := m.picker.rows[i]
		where, procs, sets, orphans, what := namespaceCells(&m.c.Styles, &ns, m.cfg.SelfNS)
		if where != "" || sets != want.sets || orphans != want.orphans || procs == "0" || !strings.Contains(what, "×") {
			t.Errorf("namespace %d: %q %q %q %q %q", ns.Inode, where, procs, sets, orphans, what)
		}
		if !strings.Contains(plain(m), fmt.Sprint(ns.Inode)) {
			t.Errorf("namespace %d not on screen", ns.Inode)
		}
	}
	if out := plain(m); !strings.Contains(out, "own") {
		t.Errorf("our own namespace not marked:\n%s", out)
	}

	// Switch to b.
	i := pickerRow(t, m, b.Inode)
	press(m, "g")
	for range i {
		press(m, "down")
	}
	cmd := press(m, "enter")
	if m.mode != modeMain || m.snap != nil {
		t.Fatalf("enter: mode %v, old snapshot kept: %v", m.mode, m.snap != nil)
	}
	run(t, m, cmd)
	if m.snap == nil || m.snap.IPCNS != b.Inode {
		t.Fatalf("shows namespace %v, want %d (status %q)", m.snap, b.Inode, m.status)
	}
	want := map[int]ipc.Verdict{b.LiveID: ipc.Live}
	for _, id := range b.Orphans {
		want[id] = ipc.Orphan
	}
	if got := idsOf(m.snap); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sets of b: %v, want %v", got, want)
	}
	header := strings.Split(plain(m), "\n")[0]
	if !strings.Contains(header, fmt.Sprintf("ipc ns %d via PID %d (not the inspector's own)", b.Inode, b.Holder.PID)) {
		t.Errorf("header does not say which namespace: %q", header)
	}

	// Remove b's orphans.
	press(m, "o", "x")
	rescan := run(t, m, press(m, "y"))
	if out := plain(m); !strings.Contains(out, "Removed 2 of 2") {
		t.Fatalf("outcome:\n%s", out)
	}
	for _, id := range b.Orphans {
		if b.Exists(id) {
			t.Errorf("orphan %d of b still there", id)
		}
	}
	if !b.Exists(b.LiveID) {
		t.Error("b's live set removed")
	}
	for _, id := range append([]int{a.LiveID}, a.Orphans...) {
		if !a.Exists(id) {
			t.Errorf("set %d of namespace a was removed", id)
		}
	}
	if !c.Exists(c.LiveID) {
		t.Error("c's live set removed")
	}
	own := scanIDs(t)
	if own[ownOrphans[0]] != ipc.Orphan || own[ownLive] != ipc.Live {
		t.Errorf("our own namespace changed: %v", own)
	}
	log, err := os.ReadFile(cfg.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	if len(lines) != len(b.Orphans) {
		t.Fatalf("audit log has %d lines, want %d:\n%s", len(lines), len(b.Orphans), log)
	}
	for _, l := range lines {
		if !strings.Contains(l, fmt.Sprintf(`"ipc_namespace":%d,`, b.Inode)) {
			t.Errorf("audit line does not name namespace %d: %s", b.Inode, l)
		}
	}
	// The rescan after the removal still shows b.
	press(m, "q") // closes the outcome
	run(t, m, rescan)
	if m.snap.IPCNS != b.Inode || len(m.snap.Sets) != 1 {
		t.Errorf("after removal: ns %d, %d sets", m.snap.IPCNS, len(m.snap.Sets))
	}

	// Back to our own namespace: no joining, no warning.
	run(t, m, press(m, "N"))
	press(m, "g")
	for range pickerRow(t, m, m.cfg.SelfNS) {
		press(m, "down")
	}
	run(t, m, press(m, "enter"))
	if !m.ns.Own() || m.snap.IPCNS != m.cfg.SelfNS {
		t.Fatalf("not back home: %+v, shows %d", m.ns, m.snap.IPCNS)
	}
	if header := strings.Split(plain(m), "\n")[0]; strings.Contains(header, "not the inspector's own") {
		t.Errorf("own namespace flagged as foreign: %q", header)
	}
}

// A removal pinned to a namespace refuses to run in another one (the PID
// now lives elsewhere): nothing is removed there.
func TestRealRemoveChecksNamespace(t *testing.T) {
	a, b := newContainer(t, 1), newContainer(t, 1)
	cfg := onlyPrivate(t, realConfig(t))
	snap, err := cfg.Scan(NS{PID: b.Holder.PID, Inode: b.Inode})
	if err != nil {
		t.Fatal(err)
	}
	// b's sets, but a's PID: as if b's holder died and a's took its PID.
	res := cfg.Remove(NS{PID: a.Holder.PID, Inode: b.Inode}, false, snap.Sets)
	for _, r := range res {
		if r.Outcome != ipc.Failed || !strings.Contains(r.Reason, "no longer in IPC namespace") {
			t.Errorf("set %d: %s %s", r.ID, r.Outcome, r.Reason)
		}
	}
	for _, n := range []*ipctest.Container{a, b} {
		for _, id := range append([]int{n.LiveID}, n.Orphans...) {
			if !n.Exists(id) {
				t.Errorf("set %d removed", id)
			}
		}
	}
	if _, err := os.Stat(cfg.AuditLog); err == nil {
		t.Error("audit log written although nothing was removed")
	}
}

// --ns PID: the first scan pins the namespace's inode; header says so.
func TestRealNSFlagPinsNamespace(t *testing.T) {
	a := newContainer(t, 1)
	cfg := onlyPrivate(t, realConfig(t))
	cfg.NS = NS{PID: a.Holder.PID}
	m := New(cfg)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	run(t, m, m.scanCmd())
	if m.ns.Inode != a.Inode || m.snap.IPCNS != a.Inode {
		t.Fatalf("ns %+v, snapshot of %d, want %d", m.ns, m.snap.IPCNS, a.Inode)
	}
	if !bytes.Contains([]byte(plain(m)), []byte("not the inspector's own")) {
		t.Errorf("header:\n%s", plain(m))
	}
}

// x with nothing marked removes the real set under the cursor, in the
// namespace shown, and only it; S then U leave nothing marked.
func TestRealRemoveCursorRowInNamespace(t *testing.T) {
	a := newContainer(t, 2)
	cfg := onlyPrivate(t, realConfig(t))
	cfg.NS = NS{PID: a.Holder.PID}
	m := New(cfg)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	run(t, m, m.scanCmd())
	press(m, "S", "U")
	if len(m.table.selected) != 0 {
		t.Fatalf("marks left: %v", m.table.selected)
	}
	for i, r := range m.table.view {
		if m.table.rows[r].set.ID == a.Orphans[1] {
			m.table.cursor = i
		}
	}
	press(m, "x")
	run(t, m, press(m, "y"))
	if a.Exists(a.Orphans[1]) || !a.Exists(a.Orphans[0]) || !a.Exists(a.LiveID) {
		t.Errorf("after x y on %d: orphans %v live %v", a.Orphans[1], []bool{a.Exists(a.Orphans[0]), a.Exists(a.Orphans[1])}, a.Exists(a.LiveID))
	}
	if out := plain(m); !strings.Contains(out, "Removed 1 of 1") {
		t.Errorf("outcome:\n%s", out)
	}
}
