package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
)

func quits(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

// ? then j: the j only closes the help; the cursor stays.
func TestHelpSwallowsClosingKey(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(4), nil), 80, 24)
	before := m.table.cursor
	press(m, "?")
	if !m.help.ShowAll {
		t.Fatal("? did not open the help")
	}
	press(m, "j")
	if m.help.ShowAll || m.table.cursor != before {
		t.Errorf("help open %v, cursor %d → %d", m.help.ShowAll, before, m.table.cursor)
	}
	press(m, "?")
	if cmd := press(m, "q"); quits(cmd) || m.help.ShowAll {
		t.Error("q on the help quit instead of closing it")
	}
}

// q goes back from details and the picker, quits on the main screen; F10
// quits anywhere.
func TestQGoesBackThenQuits(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(4), nil), 80, 24)
	for _, open := range []string{"enter", "N", "L"} {
		press(m, open)
		if m.mode == modeMain {
			t.Fatalf("%s opened nothing", open)
		}
		if cmd := press(m, "q"); quits(cmd) || m.mode != modeMain {
			t.Errorf("q after %s: quit %v, mode %v", open, quits(cmd), m.mode)
		}
	}
	press(m, "enter")
	if _, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyF10}); !quits(cmd) {
		t.Error("F10 in details does not quit")
	}
	m.mode = modeMain
	if !quits(press(m, "q")) {
		t.Error("q on the main screen does not quit")
	}
}

// The help bar shows only keys that act in the pane in focus.
func TestHelpBarFollowsFocus(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(4), nil), 200, 60)
	bar := func() string { l := strings.Split(plain(m), "\n"); return l[len(l)-1] }
	if b := bar(); !strings.Contains(b, "space select") || !strings.Contains(b, "x remove") {
		t.Errorf("sets pane bar: %q", b)
	}
	press(m, "tab")
	if b := bar(); strings.Contains(b, "select") || strings.Contains(b, "remove") || !strings.Contains(b, "p probe") || !strings.Contains(b, "n add target") {
		t.Errorf("probe pane bar: %q", b)
	}
	press(m, "x")
	if !strings.Contains(m.status, "acts on the semaphore sets: tab goes there") {
		t.Errorf("x in the probe pane: %q", m.status)
	}
}

// --read-only says why a removal key does nothing.
func TestReadOnlySaysWhy(t *testing.T) {
	cfg := fixtureConfig(fixtureSnapshot(4), nil)
	cfg.ReadOnly = true
	m := loaded(t, cfg, 80, 24)
	for _, k := range []string{"space", "o", "x", "S", "U"} {
		m.status = ""
		press(m, k)
		if !strings.Contains(m.status, "read-only (--read-only)") || len(m.table.selected) != 0 || m.dialog.open() {
			t.Errorf("%s: status %q, marks %d, dialog %v", k, m.status, len(m.table.selected), m.dialog.open())
		}
	}
}

// htop's and k9s's keys work or say what to press.
func TestHtopAndK9sKeys(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(4), nil), 80, 24)
	m.Update(tea.KeyPressMsg{Code: tea.KeyF1})
	if !m.help.ShowAll {
		t.Error("F1 does not open the help")
	}
	press(m, "esc")
	m.Update(tea.KeyPressMsg{Code: tea.KeyF3})
	if m.inMode != inputFilter {
		t.Error("F3 does not open the filter")
	}
	press(m, "esc")
	for _, k := range []tea.KeyPressMsg{{Code: tea.KeyF9}, {Code: tea.KeyDelete}, {Code: 'd', Mod: tea.ModCtrl}} {
		cursorOn(t, m, "orphan")
		m.Update(k)
		if !m.dialog.open() || len(m.dialog.sets) != 1 {
			t.Errorf("%s does not ask to remove the cursor row", k)
		}
		press(m, "n")
	}
	press(m, ":")
	if !strings.Contains(m.status, "no : commands") {
		t.Errorf(": says %q", m.status)
	}
}

// ? explains the markers, the verdicts and the filter.
func TestGoldenHelp80x24(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(4), nil), 80, 24)
	press(m, "?")
	out := plain(m)
	for _, want := range []string{"Markers", "* marked", "Verdicts", "Filter", "any key closes this help"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q:\n%s", want, out)
		}
	}
	checkFrame(t, out, 80, 24)
	golden.RequireEqual(t, out)
}

func TestGoldenHelp200x60(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(4), nil), 200, 60)
	press(m, "?")
	out := plain(m)
	checkFrame(t, out, 200, 60)
	golden.RequireEqual(t, out)
}
