package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// For the black-box tests of package ui_test, which run the commands the
// inspector shows through the real cli (package ui cannot import it).

// Press types keys (see keyMsg) and returns the last command.
func Press(m *Model, keys ...string) tea.Cmd { return press(m, keys...) }

// Screen is the frame as plain text.
func Screen(m *Model) string { return plain(m) }

// Resize sends a window size.
func Resize(m *Model, w, h int) { m.Update(tea.WindowSizeMsg{Width: w, Height: h}) }

// ScanNow runs one scan and shows it.
func ScanNow(t *testing.T, m *Model) { run(t, m, m.scanCmd()) }

// CursorTo puts the cursor of the set table on set id.
func CursorTo(t *testing.T, m *Model, id int) {
	t.Helper()
	for i, r := range m.table.view {
		if m.table.rows[r].set.ID == id {
			m.table.cursor = i
			m.table.clamp()
			return
		}
	}
	t.Fatalf("set %d not in the table:\n%s", id, plain(m))
}

// SwitchTo opens the picker and switches to the namespace with inode.
func SwitchTo(t *testing.T, m *Model, inode uint64) {
	t.Helper()
	run(t, m, press(m, "N"))
	press(m, "g")
	for range pickerRow(t, m, inode) {
		press(m, "down")
	}
	run(t, m, press(m, "enter"))
	if m.snap == nil || m.snap.IPCNS != inode {
		t.Fatalf("not switched to %d:\n%s", inode, plain(m))
	}
}

// OnlyPrivate is onlyPrivate: removals in the host's namespace fail the test.
func OnlyPrivate(t *testing.T, cfg Config) Config { return onlyPrivate(t, cfg) }

// RealConfig is realConfig.
func RealConfig(t *testing.T) Config { return realConfig(t) }
