package ui

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

func TestGoldenMain80x24(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(34), nil), 80, 24)
	out := plain(m)
	checkFrame(t, out, 80, 24)
	golden.RequireEqual(t, out)
}

func TestGoldenMain120x40(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(34), nil), 120, 40)
	out := plain(m)
	checkFrame(t, out, 120, 40)
	golden.RequireEqual(t, out)
}

func TestGoldenDetails(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(34), nil), 100, 40)
	press(m, "enter")
	out := plain(m)
	checkFrame(t, out, 100, 40)
	golden.RequireEqual(t, out)
}

func TestGoldenConfirm(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(4), nil), 80, 24)
	press(m, "o", "x")
	out := plain(m)
	checkFrame(t, out, 80, 24)
	golden.RequireEqual(t, out)
}

func TestGoldenConfirmStale(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(2), nil), 100, 30)
	press(m, "o", "G") // stale set: second to last in verdict order? find it
	m.table.setSort(sortVerdict)
	for i, r := range m.table.view {
		if m.table.rows[r].set.Verdict == "stale" {
			m.table.cursor = i
		}
	}
	press(m, "space", "x", "y")
	out := plain(m)
	checkFrame(t, out, 100, 30)
	golden.RequireEqual(t, out)
}

func TestGoldenProbeDetails(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(3), nil), 100, 30)
	press(m, "tab", "down", "enter")
	out := plain(m)
	checkFrame(t, out, 100, 30)
	golden.RequireEqual(t, out)
}

func TestGoldenReadOnly(t *testing.T) {
	cfg := fixtureConfig(fixtureSnapshot(34), nil)
	cfg.ReadOnly = true
	m := loaded(t, cfg, 80, 24)
	out := plain(m)
	checkFrame(t, out, 80, 24)
	golden.RequireEqual(t, out)
}

func TestGoldenTooSmall(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(3), nil), 50, 12)
	out := plain(m)
	checkFrame(t, out, 50, 12)
	golden.RequireEqual(t, out)
}

// foreignConfig shows a container's namespace (--ns 4242): every command
// on screen goes through nsenter or --ns.
func foreignConfig(orphans int) Config {
	snap := fixtureSnapshot(orphans)
	snap.IPCNS = 4026532999
	cfg := fixtureConfig(snap, nil)
	cfg.NS = NS{PID: 4242}
	return cfg
}

func TestGoldenForeignDetails80x24(t *testing.T) {
	m := loaded(t, foreignConfig(34), 80, 24)
	press(m, "enter", "G")
	out := plain(m)
	checkFrame(t, out, 80, 24)
	golden.RequireEqual(t, out)
}

func TestGoldenForeignConfirm200x60(t *testing.T) {
	m := loaded(t, foreignConfig(34), 200, 60)
	press(m, "o", "x")
	out := plain(m)
	checkFrame(t, out, 200, 60)
	golden.RequireEqual(t, out)
}
