// Package ui is ipcscope's live inspector: a Bubble Tea v2 program that
// renders what package ipc (semaphore sets, limits) and package probe
// (per-host TLS/HTTP/2 checks) return. It makes no kernel calls of its
// own (no /proc, no System V calls, no joining of namespaces): scans,
// probes and removals run as tea.Cmds through the functions in Config,
// whose defaults call ipc and probe (config.go), never inside Update. Its
// only other I/O is the terminal, NO_COLOR/GOMEMLIMIT, and the frames
// DumpFrames writes for screenshots.
package ui

import (
	"time"
)

// Common is what every component shares: the size it may draw in, the
// styles, the key map and the clock (soft-serve's pkg/ui/common pattern).
type Common struct {
	Width, Height int
	Styles        Styles
	Keys          KeyMap
	IsDark        bool
	Now           func() time.Time
}

// newCommon builds the shared value for a dark background until the
// terminal tells otherwise.
func newCommon(readOnly bool, now func() time.Time) *Common {
	if now == nil {
		now = time.Now
	}
	c := &Common{IsDark: true, Now: now}
	c.Styles = newStyles(true)
	c.Keys = newKeyMap(readOnly)
	return c
}

// SetDark switches the palette after tea.BackgroundColorMsg.
func (c *Common) SetDark(dark bool) {
	c.IsDark = dark
	c.Styles = newStyles(dark)
}
