package ui

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"ipcscope/ipc"
)

func cursorTo(t *testing.T, m *Model, v ipc.Verdict) int {
	t.Helper()
	for i, r := range m.table.view {
		if m.table.rows[r].set.Verdict == v {
			m.table.cursor = i
			m.table.clamp()
			return m.table.rows[r].set.ID
		}
	}
	t.Fatalf("no %s set", v)
	return 0
}

// Only y confirms: Enter and every other key cancel, nothing is removed.
func TestConfirmOnlyY(t *testing.T) {
	for _, k := range []string{"enter", "esc", "n", "Y", "q", "space", "x", "tab"} {
		t.Run(k, func(t *testing.T) {
			var rl removedLog
			m := loaded(t, fixtureConfig(fixtureSnapshot(3), &rl), 80, 24)
			press(m, "o", "x")
			if m.dialog.stage != dlgConfirm {
				t.Fatalf("no confirmation dialog after o, x")
			}
			cmd := press(m, k)
			if cmd != nil {
				if _, quit := cmd().(tea.QuitMsg); quit {
					t.Fatalf("%q in the dialog quit the program", k)
				}
				t.Fatalf("%q returned a command", k)
			}
			if m.dialog.stage != dlgNone || len(rl.got) != 0 {
				t.Fatalf("%q: dialog %v, removed %d", k, m.dialog.stage, len(rl.got))
			}
			if !strings.Contains(plain(m), "removal cancelled") {
				t.Errorf("%q: no 'cancelled' status:\n%s", k, plain(m))
			}
		})
	}
}

func TestConfirmYRemovesSelectedOrphans(t *testing.T) {
	var rl removedLog
	m := loaded(t, fixtureConfig(fixtureSnapshot(3), &rl), 80, 24)
	press(m, "o", "x")
	cmd := press(m, "y")
	if cmd == nil || m.dialog.stage != dlgRunning {
		t.Fatalf("y did not start the removal (stage %v)", m.dialog.stage)
	}
	m.Update(cmd())
	if len(rl.got) != 3 {
		t.Fatalf("removed %d sets, want the 3 orphans", len(rl.got))
	}
	for _, s := range rl.got {
		if s.Verdict != ipc.Orphan {
			t.Errorf("removed a %s set %d", s.Verdict, s.ID)
		}
	}
	if out := plain(m); !strings.Contains(out, "Removed 3 of 3") {
		t.Errorf("no outcome shown:\n%s", out)
	}
	press(m, "j")
	if m.dialog.stage != dlgNone {
		t.Errorf("any key should close the outcome")
	}
}

func TestStaleNeedsSecondConfirmation(t *testing.T) {
	var rl removedLog
	var allowed []bool
	cfg := fixtureConfig(fixtureSnapshot(1), &rl)
	inner := cfg.Remove
	cfg.Remove = func(ns NS, allowStale bool, sets []ipc.Set) []ipc.Removal {
		allowed = append(allowed, allowStale)
		return inner(ns, allowStale, sets)
	}
	m := loaded(t, cfg, 80, 24)
	cursorTo(t, m, ipc.Stale)
	press(m, "space", "x")
	if cmd := press(m, "y"); cmd != nil || m.dialog.stage != dlgConfirmStale {
		t.Fatalf("one y removed a stale set (stage %v)", m.dialog.stage)
	}
	if out := plain(m); !strings.Contains(out, "STALE") {
		t.Errorf("second confirmation does not say STALE:\n%s", out)
	}
	press(m, "enter")
	if m.dialog.stage != dlgNone || len(rl.got) != 0 {
		t.Fatalf("enter at the stale confirmation did not cancel")
	}
	press(m, "x", "y")
	cmd := press(m, "y")
	if cmd == nil {
		t.Fatal("y, y did not remove")
	}
	m.Update(cmd())
	if len(rl.got) != 1 || rl.got[0].Verdict != ipc.Stale || len(allowed) != 1 || !allowed[0] {
		t.Fatalf("removed %v with allowStale %v", rl.got, allowed)
	}
}

func TestLiveAndUnknownCannotBeSelected(t *testing.T) {
	var rl removedLog
	m := loaded(t, fixtureConfig(fixtureSnapshot(2), &rl), 80, 24)
	for _, v := range []ipc.Verdict{ipc.Live, ipc.Unknown} {
		id := cursorTo(t, m, v)
		press(m, "space")
		if m.table.selected[id] {
			t.Fatalf("%s set %d was selected", v, id)
		}
		if !m.statusErr || !strings.Contains(m.status, "only orphan and stale") {
			t.Errorf("status %q", m.status)
		}
	}
	press(m, "x")
	if m.dialog.stage != dlgNone {
		t.Fatal("x opened a dialog with nothing selected")
	}
	press(m, "o")
	for _, s := range m.table.selectedSets() {
		if s.Verdict != ipc.Orphan {
			t.Errorf("o selected a %s set", s.Verdict)
		}
	}
}

func TestReadOnlyHasNoRemovalKeys(t *testing.T) {
	var rl removedLog
	cfg := fixtureConfig(fixtureSnapshot(3), &rl)
	cfg.ReadOnly = true
	m := loaded(t, cfg, 120, 40)
	for _, b := range m.c.Keys.destructive() {
		if b.Enabled() {
			t.Errorf("binding %v enabled in read-only mode", b.Keys())
		}
	}
	press(m, "o", "space", "x")
	if len(m.table.selected) != 0 || m.dialog.stage != dlgNone {
		t.Fatalf("read-only: selected %d, dialog %v", len(m.table.selected), m.dialog.stage)
	}
	press(m, "?")
	out := plain(m)
	for _, word := range []string{"x remove", "o orphans", "space select", "press o"} {
		if strings.Contains(out, word) {
			t.Errorf("read-only screen offers %q:\n%s", word, out)
		}
	}
	if !strings.Contains(out, "q quit") {
		t.Errorf("full help not shown:\n%s", out)
	}
}

func TestResizeTinyAndBack(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(30), nil), 80, 24)
	press(m, "o", "G")
	before := plain(m)
	for _, sz := range [][2]int{{59, 24}, {80, 14}, {20, 10}, {20, 3}, {1, 1}, {0, 0}, {60, 15}, {200, 60}, {80, 24}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		out := plain(m)
		if sz[0] > 0 && sz[1] > 0 {
			checkFrame(t, out, sz[0], sz[1])
		}
		if (sz[0] < minWidth || sz[1] < minHeight) && sz[0] >= 20 && !strings.Contains(out, "too small") {
			t.Errorf("%dx%d: no 'too small':\n%s", sz[0], sz[1], out)
		}
		press(m, "k", "j")
	}
	if after := plain(m); after != before {
		t.Errorf("screen differs after resizing back:\n%s\n---\n%s", before, after)
	}
}

func TestRefreshKeepsCursorAndMarksChanges(t *testing.T) {
	snap := fixtureSnapshot(5)
	cfg := fixtureConfig(snap, nil)
	m := loaded(t, cfg, 100, 30)
	press(m, "down", "down", "space")
	id := m.table.cursorID()
	// Next scan: the first orphan vanished, a new one appeared.
	next := *snap
	next.Sets = append([]ipc.Set(nil), snap.Sets[2:]...)
	added := fixtureSet(999999, ipc.Orphan, "www-data", ipc.Operator{PID: 7000, State: ipc.OpDead})
	next.Sets = append(next.Sets, added)
	gone := snap.Sets[1].ID
	m.Update(snapshotMsg{snap: &next})
	if m.table.cursorID() != id {
		t.Fatalf("cursor moved from set %d to %d", id, m.table.cursorID())
	}
	out := plain(m)
	if !strings.Contains(out, "+   999999") || !strings.Contains(out, "GONE") {
		t.Errorf("no + or GONE marks:\n%s", out)
	}
	_ = gone
	if len(m.table.selected) != 1 {
		t.Errorf("selection lost: %v", m.table.selected)
	}
	m.Update(snapshotMsg{snap: &next})
	if out := plain(m); strings.Contains(out, "GONE") || strings.Contains(out, "+   999999") {
		t.Errorf("marks stay for more than one refresh:\n%s", out)
	}
}

func TestFilterAndSort(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(5), nil), 100, 30)
	press(m, "/", "d", "e", "p")
	if n, _, _ := m.table.counts(); n != 1 {
		t.Fatalf("filter 'dep' shows %d rows, want the deploy set", n)
	}
	press(m, "enter")
	if !strings.Contains(plain(m), "1 of 9 match /dep") {
		t.Errorf("filter not in title:\n%s", plain(m))
	}
	press(m, "esc")
	if n, _, _ := m.table.counts(); n != 9 {
		t.Fatalf("esc did not clear the filter: %d rows", n)
	}
	for _, want := range []string{"semid", "key", "owner", "nsems", "last op", "changed", "verdict"} {
		press(m, "s")
		if sortNames[m.table.sortBy] != want {
			t.Fatalf("sort %s, want %s", sortNames[m.table.sortBy], want)
		}
	}
}

func TestScanErrorInStatusLine(t *testing.T) {
	cfg := fixtureConfig(fixtureSnapshot(1), nil)
	m := loaded(t, cfg, 80, 24)
	m.Update(snapshotMsg{err: errTest("permission denied reading /proc/sysvipc/sem")})
	if out := plain(m); !strings.Contains(out, "scan failed: permission denied") || !strings.Contains(out, "ORPHAN") {
		t.Errorf("error not shown beside the last data:\n%s", out)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

func TestNoAnimationWhenIdle(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(1), nil), 80, 24)
	if m.probes.anyRunning() {
		t.Fatal("probes still running")
	}
	if cmd := m.probes.tick(spinner.TickMsg{}); cmd != nil {
		t.Error("spinner ticks with no probe running")
	}
	press(m, "p")
	if !m.probes.anyRunning() || !m.probes.spinning {
		t.Error("p did not start probes with a spinner")
	}
}

func TestNoColor(t *testing.T) {
	for v, want := range map[string]bool{"": false, "1": true, "yes": true, "0": true, "anything": true} {
		if got := noColor(func(string) string { return v }); got != want {
			t.Errorf("NO_COLOR=%q: %v", v, got)
		}
	}
}

func TestDarkAndLight(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(1), nil), 80, 24)
	dark := m.View().Content
	m.Update(tea.BackgroundColorMsg{Color: lightColor{}})
	if m.c.IsDark {
		t.Fatal("light background not detected")
	}
	if light := m.View().Content; light == dark {
		t.Error("same colours on light and dark backgrounds")
	}
}

type lightColor struct{}

func (lightColor) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }
