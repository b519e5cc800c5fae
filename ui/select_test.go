package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"ipcscope/ipc"
)

// cursorOn puts the table cursor on the first row of verdict v.
func cursorOn(t *testing.T, m *Model, v ipc.Verdict) int {
	t.Helper()
	for i, r := range m.table.view {
		if s := m.table.rows[r].set; s.Verdict == v {
			m.table.cursor = i
			m.table.clamp()
			return s.ID
		}
	}
	t.Fatalf("no %s row", v)
	return 0
}

// x with nothing marked acts on the row under the cursor, with the same
// rules: an orphan is asked once, a stale set twice, a live set never.
func TestRemoveCursorRow(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		var rl removedLog
		m := loaded(t, fixtureConfig(fixtureSnapshot(4), &rl), size[0], size[1])
		id := cursorOn(t, m, ipc.Orphan)
		press(m, "x")
		if len(m.dialog.sets) != 1 || m.dialog.sets[0].ID != id || !strings.Contains(plain(m), "Remove 1 semaphore set?") {
			t.Fatalf("x on orphan %d:\n%s", id, plain(m))
		}
		m.Update(press(m, "y")())
		if len(rl.got) != 1 || rl.got[0].ID != id {
			t.Fatalf("removed %v, want only %d", rl.got, id)
		}
		press(m, "esc")

		rl.got = nil
		id = cursorOn(t, m, ipc.Stale)
		press(m, "x")
		if cmd := press(m, "y"); cmd != nil || m.dialog.stage != dlgConfirmStale {
			t.Fatalf("stale set %d removed after one y", id)
		}
		m.Update(press(m, "y")())
		if len(rl.got) != 1 || rl.got[0].ID != id {
			t.Fatalf("removed %v, want stale %d", rl.got, id)
		}
		press(m, "esc")

		id = cursorOn(t, m, ipc.Live)
		press(m, "x")
		if m.dialog.open() || !strings.Contains(plain(m), "is LIVE: only orphan and stale sets can be removed") {
			t.Fatalf("x on live %d:\n%s", id, plain(m))
		}
	}
}

// U (htop) and ctrl+\ (k9s) clear every mark; S marks the stale sets
// shown, which then need their second confirmation.
func TestClearAndStaleMarks(t *testing.T) {
	var rl removedLog
	m := loaded(t, fixtureConfig(fixtureSnapshot(4), &rl), 80, 24)
	for _, k := range []tea.KeyPressMsg{keyMsg("U"), {Code: '\\', Mod: tea.ModCtrl}} {
		press(m, "o")
		if len(m.table.selected) != 4 {
			t.Fatalf("o marked %d", len(m.table.selected))
		}
		m.Update(k)
		if len(m.table.selected) != 0 || !strings.Contains(plain(m), "marks cleared (4)") {
			t.Fatalf("%s left %d marks:\n%s", k, len(m.table.selected), plain(m))
		}
	}
	press(m, "S")
	if len(m.table.selected) != 1 || !strings.Contains(plain(m), "1 stale set marked") {
		t.Fatalf("S marked %v:\n%s", m.table.selected, plain(m))
	}
	press(m, "o", "x")
	if m.dialog.stale != 1 || m.dialog.sets[0].Verdict != ipc.Stale {
		t.Fatalf("stale set not listed first: %+v", m.dialog.sets[0])
	}
	press(m, "y")
	m.Update(press(m, "y")())
	if len(rl.got) != 5 {
		t.Fatalf("removed %d, want 5", len(rl.got))
	}
}

// Marked sets the filter hides are counted in the dialog, by verdict,
// stale first.
func TestGoldenDialogSummaryHidden80x24(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(34), nil), 80, 24)
	press(m, "o", "S", "/", "d", "e", "p", "enter", "x")
	out := plain(m)
	if !strings.Contains(out, "1 stale + 34 orphan · 34 not shown by the filter /dep") {
		t.Errorf("summary:\n%s", out)
	}
	checkFrame(t, out, 80, 24)
	golden.RequireEqual(t, out)
}

// refusals lets a removal refuse some sets and fail one, as a re-check
// before removal would.
func refusals(cfg Config) Config {
	cfg.Remove = func(_ NS, _ bool, sets []ipc.Set) []ipc.Removal {
		var out []ipc.Removal
		for i, s := range sets {
			r := ipc.Removal{ID: s.ID, Verdict: s.Verdict, Outcome: ipc.Removed, Reason: "removed"}
			switch i {
			case 3:
				r.Outcome, r.Verdict, r.Reason = ipc.Refused, ipc.Live, "at scan time: last changed by PID 3999 (apache2), which is still running"
			case 5:
				r.Outcome, r.Reason = ipc.Failed, "permission denied: removing needs root or the set's owner (www-data) or creator (root)"
			}
			out = append(out, r)
		}
		return out
	}
	return cfg
}

// The outcome lists what was not removed first, and the status line says
// what and why.
func TestGoldenResultRefusedFirst200x60(t *testing.T) {
	m := loaded(t, refusals(fixtureConfig(fixtureSnapshot(34), nil)), 200, 60)
	press(m, "o", "x")
	m.Update(press(m, "y")())
	out := plain(m)
	lines := strings.Split(out, "\n")
	status := lines[len(lines)-2]
	if !strings.Contains(status, "failed: permission denied") || !strings.Contains(status, "+1 more not removed") || !strings.Contains(status, "removed 32 of 34") {
		t.Errorf("status line %q", status)
	}
	iFail, iRef, iOK := strings.Index(out, "FAILED"), strings.Index(out, "REFUSED"), strings.Index(out, "REMOVED")
	if iFail < 0 || iRef < iFail || iOK < iRef {
		t.Errorf("not failures, refusals, removals in that order:\n%s", out)
	}
	checkFrame(t, out, 200, 60)
	golden.RequireEqual(t, out)
}

func TestGoldenResultRefusedFirst80x24(t *testing.T) {
	m := loaded(t, refusals(fixtureConfig(fixtureSnapshot(34), nil)), 80, 24)
	press(m, "o", "x")
	m.Update(press(m, "y")())
	out := plain(m)
	if !strings.Contains(out, "FAILED") || !strings.Contains(out, "REFUSED") {
		t.Errorf("refusals not shown at 80x24:\n%s", out)
	}
	checkFrame(t, out, 80, 24)
	golden.RequireEqual(t, out)
}

// Through a real program: x with nothing marked asks about the cursor
// row, y removes it alone; S then U leave nothing marked.
func TestRemoveCursorRowProgram(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		var rl removedLog
		m := New(fixtureConfig(fixtureSnapshot(3), &rl))
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(size[0], size[1]), teaOpts())
		out := tm.Output()
		waitFor(t, out, "ORPHAN")
		tm.Type("SU")
		waitFor(t, out, "marks cleared (1)")
		tm.Type("x")
		waitFor(t, out, "Remove 1 semaphore set?")
		tm.Type("y")
		waitFor(t, out, "Removed 1 of 1")
		tm.Type("qq")
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		if len(rl.got) != 1 || rl.got[0].ID != 65537 {
			t.Errorf("%dx%d: removed %v", size[0], size[1], rl.got)
		}
	}
}
