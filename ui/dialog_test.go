package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// A dialog nobody can see must not act: with the terminal shrunk below
// the minimum, y does nothing; grown back, the dialog is there again and
// only then does y remove.
func TestHiddenDialogDoesNotAct(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		var rl removedLog
		m := loaded(t, fixtureConfig(fixtureSnapshot(4), &rl), size[0], size[1])
		press(m, "o", "x")
		if !strings.Contains(plain(m), "Remove 4 semaphore sets?") {
			t.Fatalf("no dialog:\n%s", plain(m))
		}
		for _, small := range [][2]int{{50, 12}, {size[0], 10}, {59, size[1]}} {
			m.Update(tea.WindowSizeMsg{Width: small[0], Height: small[1]})
			if out := plain(m); !strings.Contains(out, "too small") || strings.Contains(out, "Remove 4") {
				t.Fatalf("%dx%d shows:\n%s", small[0], small[1], out)
			}
			if cmd := press(m, "y"); cmd != nil || m.dialog.stage != dlgConfirm {
				t.Fatalf("%dx%d: y acted on a hidden dialog (stage %v)", small[0], small[1], m.dialog.stage)
			}
			press(m, "n") // neither cancels it unseen
			if m.dialog.stage != dlgConfirm {
				t.Fatalf("%dx%d: a key changed the hidden dialog", small[0], small[1])
			}
		}
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		if out := plain(m); !strings.Contains(out, "Remove 4 semaphore sets?") {
			t.Fatalf("dialog not back:\n%s", out)
		}
		cmd := press(m, "y")
		if cmd == nil {
			t.Fatal("y on the dialog seen again did nothing")
		}
		m.Update(cmd())
		if len(rl.got) != 4 || !strings.Contains(plain(m), "Removed 4 of 4") {
			t.Fatalf("removed %d:\n%s", len(rl.got), plain(m))
		}
	}
}

// The smallest screen the inspector works on shows the whole dialog, so
// that no size above the minimum hides its question.
func TestDialogFitsTheMinimum(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(40), nil), minWidth, minHeight)
	press(m, "o")
	for i, r := range m.table.view {
		if m.table.rows[r].set.Verdict == "stale" {
			m.table.cursor = i
		}
	}
	press(m, "space", "x", "y") // the stale question is the tallest
	out := plain(m)
	checkFrame(t, out, minWidth, minHeight)
	if !m.dialog.visible(m.c, m.cfg.AuditLog) || !strings.Contains(out, "any other key") {
		t.Fatalf("dialog does not fit %dx%d:\n%s", minWidth, minHeight, out)
	}
}

// The same through a real program: shrink, y, grow, then y.
func TestHiddenDialogProgram(t *testing.T) {
	var rl removedLog
	m := New(fixtureConfig(fixtureSnapshot(2), &rl))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24), teaOpts())
	out := tm.Output()
	waitFor(t, out, "ORPHAN")
	tm.Type("ox")
	waitFor(t, out, "any other key")
	tm.Send(tea.WindowSizeMsg{Width: 40, Height: 10})
	waitFor(t, out, "too small")
	tm.Type("y")
	tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	waitFor(t, out, "Remove 2 semaphore sets?")
	tm.Type("y")
	waitFor(t, out, "Removed 2 of 2")
	tm.Type("q")
	tm.Type("q")
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if len(rl.got) != 2 || fm.dialog.stage != dlgNone {
		t.Errorf("removed %d, dialog %v", len(rl.got), fm.dialog.stage)
	}
}

// The dialog as it comes back after the terminal grew again (wide).
func TestGoldenDialogBack200x60(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(4), nil), 200, 60)
	press(m, "o", "x")
	m.Update(tea.WindowSizeMsg{Width: 40, Height: 10})
	press(m, "y")
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	out := plain(m)
	checkFrame(t, out, 200, 60)
	golden.RequireEqual(t, out)
}

func TestGoldenDialogHidden80x24(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(4), nil), 80, 24)
	press(m, "o", "x")
	m.Update(tea.WindowSizeMsg{Width: 59, Height: 14})
	press(m, "y")
	out := plain(m)
	checkFrame(t, out, 59, 14)
	golden.RequireEqual(t, out)
}
