package ui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"

	"ipcscope/ipc"
)

// bigSnapshot is n sets: mostly orphans, as after a long run of kill -9.
func bigSnapshot(n int) *ipc.Snapshot {
	snap := fixtureSnapshot(n - 4)
	snap.Limits.SEMMNI = 32000
	snap.Diagnosis = ipc.Diagnose(snap.Limits, snap.Usage)
	return snap
}

// One refresh with 32,000 sets: a ready snapshot goes through Update and
// the frame is rendered (only the visible rows are).
func BenchmarkRefresh32000(b *testing.B) {
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			a, c := bigSnapshot(32000), bigSnapshot(32000)
			m := loaded(b, fixtureConfig(a, nil), size[0], size[1])
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s := a
				if i%2 == 1 {
					s = c
				}
				i++
				m.Update(snapshotMsg{snap: s})
				_ = m.View()
			}
		})
	}
}

// View alone, nothing changed (what every key press costs).
func BenchmarkView32000(b *testing.B) {
	m := loaded(b, fixtureConfig(bigSnapshot(32000), nil), 120, 40)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// From a new model to its first frame with 32,000 sets (scan excluded).
func BenchmarkFirstFrame32000(b *testing.B) {
	snap := bigSnapshot(32000)
	cfg := fixtureConfig(snap, nil)
	b.ReportAllocs()
	for b.Loop() {
		m := New(cfg)
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		m.Update(snapshotMsg{snap: snap})
		_ = m.View()
	}
}

func BenchmarkKeyDown32000(b *testing.B) {
	m := loaded(b, fixtureConfig(bigSnapshot(32000), nil), 120, 40)
	b.ReportAllocs()
	for b.Loop() {
		m.Update(keyMsg("down"))
		_ = m.View()
	}
}

// A refresh with 32,000 sets while a filter of plain text that matches
// no set is on: every word is tried on every set, the worst case.
func BenchmarkRefresh32000Filtered(b *testing.B) {
	a, c := bigSnapshot(32000), bigSnapshot(32000)
	m := loaded(b, fixtureConfig(a, nil), 80, 24)
	m.table.setFilter("python3 !live")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := a
		if i%2 == 1 {
			s = c
		}
		i++
		m.Update(snapshotMsg{snap: s})
		_ = m.View()
	}
}
