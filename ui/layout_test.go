package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"ipcscope/ipc"
)

// The first PgDn turns a whole page, as in htop.
func TestPageDownTurnsAPage(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(60), nil), 80, 24)
	h := m.table.height
	press(m, "pgdown")
	if m.table.offset != h || m.table.cursor != h {
		t.Errorf("after PgDn: offset %d, cursor %d, want both %d", m.table.offset, m.table.cursor, h)
	}
	press(m, "pgup")
	if m.table.offset != 0 || m.table.cursor != 0 {
		t.Errorf("after PgUp: offset %d, cursor %d", m.table.offset, m.table.cursor)
	}
}

// Notes clear when done: "refreshing…" with the scan, others after a few.
func TestStatusClears(t *testing.T) {
	snap := fixtureSnapshot(3)
	m := loaded(t, fixtureConfig(snap, nil), 80, 24)
	press(m, "r")
	if m.status != "refreshing…" {
		t.Fatalf("status %q", m.status)
	}
	m.Update(snapshotMsg{snap: snap})
	if m.status != "" {
		t.Errorf("refreshing… outlived its scan: %q", m.status)
	}
	press(m, "s")
	for i := 0; i < statusNoteScans; i++ {
		if m.status == "" {
			t.Fatalf("note gone after %d scans", i)
		}
		m.Update(snapshotMsg{snap: snap})
	}
	if m.status != "" {
		t.Errorf("note %q still there after %d scans", m.status, statusNoteScans)
	}
}

// 3,998 of 4,000 is not "100%": two are left, and the 80x24 CRIT line
// keeps ENOSPC and AH00023; zero counts are not in alarm colour.
func TestGoldenAlmostFull80x24(t *testing.T) {
	snap := fixtureSnapshot(0)
	snap.Limits.SEMMNI, snap.Usage.Sets, snap.Usage.Orphans = 4000, 3998, 0
	snap.Diagnosis = ipc.Diagnose(snap.Limits, snap.Usage)
	m := loaded(t, fixtureConfig(snap, nil), 80, 24)
	out := plain(m)
	for _, want := range []string{"3,998/4,000  99%", "ENOSPC", "AH00023", "0 orphan"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "100%") {
		t.Errorf("100%% before full:\n%s", out)
	}
	if !strings.Contains(m.View().Content, m.c.Styles.Dim.Render("0 orphan")) {
		t.Error("0 orphan is not dim")
	}
	checkFrame(t, out, 80, 24)
	golden.RequireEqual(t, out)
}

func TestGoldenAlmostFull200x60(t *testing.T) {
	snap := fixtureSnapshot(2)
	snap.Limits.SEMMNI, snap.Usage.Sets = 4000, 3998
	snap.Diagnosis = ipc.Diagnose(snap.Limits, snap.Usage)
	cfg := fixtureConfig(snap, nil)
	cfg.Targets = nil
	m := loaded(t, cfg, 200, 60)
	out := plain(m)
	for _, want := range []string{"almost full (2 left)", "Probes: none · n adds a target", "CREATOR", "CHANGED AT"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "no probe targets") {
		t.Errorf("the empty probe pane takes rows:\n%s", out)
	}
	checkFrame(t, out, 200, 60)
	golden.RequireEqual(t, out)
}
