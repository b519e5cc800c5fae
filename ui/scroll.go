package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// scroll is a cursor in a list of which height rows are visible from
// offset on; the set table, the probe pane and the namespace picker all
// scroll the same way.
type scroll struct {
	cursor int // index of the selected row
	offset int // first visible row
	height int // visible rows, without any column header
}

// clampTo keeps the cursor in [0, n) and on screen.
func (s *scroll) clampTo(n int) {
	s.cursor = max(0, min(s.cursor, n-1))
	h := max(s.height, 1)
	if s.cursor < s.offset {
		s.offset = s.cursor
	}
	if s.cursor >= s.offset+h {
		s.offset = s.cursor - h + 1
	}
	s.offset = max(0, min(s.offset, n-h))
}

// navigate moves a list for the movement keys (up, down, page up and
// down, top, bottom) and reports whether msg was one of them.
func navigate(k *KeyMap, msg tea.KeyMsg, s *scroll, move func(int), n int) bool {
	page := max(s.height, 1)
	switch {
	case key.Matches(msg, k.Up):
		move(-1)
	case key.Matches(msg, k.Down):
		move(1)
	case key.Matches(msg, k.PageUp):
		off := s.offset
		move(-page)
		s.offset = max(off-page, 0) // the view turns a page, as in htop
		move(0)
	case key.Matches(msg, k.PageDown):
		off := s.offset
		move(page)
		s.offset = off + page
		move(0)
	case key.Matches(msg, k.Top):
		move(-n)
	case key.Matches(msg, k.Bottom):
		move(n)
	default:
		return false
	}
	return true
}
