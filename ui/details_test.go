package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"ipcscope/ipc"
)

// Details follow every scan (a verdict that changes, a set that goes),
// are wrapped again on resize, and g/G go to the top and the bottom.
func TestDetailsFollowScansAndResize(t *testing.T) {
	snap := fixtureSnapshot(3)
	m := loaded(t, fixtureConfig(snap, nil), 80, 24)
	id := cursorOn(t, m, ipc.Orphan)
	press(m, "enter")
	if out := plain(m); !strings.Contains(out, "ORPHAN") {
		t.Fatalf("details:\n%s", out)
	}

	// The next scan finds it in use.
	next := fixtureSnapshot(3)
	next.Taken = next.Taken.Add(2e9)
	for i := range next.Sets {
		if next.Sets[i].ID == id {
			next.Sets[i].Verdict = ipc.Live
			next.Sets[i].Reasons = []string{"last changed by PID 4711 (php-fpm), which is still running"}
		}
	}
	m.Update(snapshotMsg{snap: next})
	if out := plain(m); !strings.Contains(out, "Semaphore set 65537  LIVE") || !strings.Contains(out, "4711 (php-fpm)") {
		t.Fatalf("details not refreshed:\n%s", out)
	}

	// Wider: the reasons take one line each again.
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	out := plain(m)
	checkFrame(t, out, 200, 60)
	if !strings.Contains(out, "  • last changed by PID 4711 (php-fpm), which is still running\n") &&
		!strings.Contains(out, "  • last changed by PID 4711 (php-fpm), which is still running ") {
		t.Errorf("not wrapped for 200 columns:\n%s", out)
	}
	for _, l := range strings.Split(m.detail.View(), "\n") {
		if ansi.StringWidth(l) > 200 {
			t.Errorf("line wider than the screen: %q", l)
		}
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	press(m, "G")
	if out := plain(m); !strings.Contains(out, "The same by hand") || strings.Contains(out, "Semaphore set 65537") {
		t.Errorf("G is not the bottom:\n%s", out)
	}
	press(m, "g")
	if out := plain(m); !strings.Contains(out, "Semaphore set 65537") {
		t.Errorf("g is not the top:\n%s", out)
	}

	// Then it goes.
	gone := fixtureSnapshot(3)
	gone.Sets = slicesDelete(gone.Sets, id)
	m.Update(snapshotMsg{snap: gone})
	if out := plain(m); !strings.Contains(out, "Set 65537 is gone") {
		t.Errorf("a removed set still looks present:\n%s", out)
	}
	m.Update(snapshotMsg{snap: gone})
	if out := plain(m); !strings.Contains(out, "Set 65537 is no longer there") {
		t.Errorf("second scan without it:\n%s", out)
	}
}

func slicesDelete(sets []ipc.Set, id int) []ipc.Set {
	var out []ipc.Set
	for _, s := range sets {
		if s.ID != id {
			out = append(out, s)
		}
	}
	return out
}

// holdersStale is a stale set as the holders rule judges it.
func holdersStale(snap *ipc.Snapshot) {
	for i := range snap.Sets {
		if s := &snap.Sets[i]; s.Verdict == ipc.Stale {
			s.Rule = ipc.RuleHolders
			s.Reasons = []string{"no last operator is alive: PID 2590 has exited", "key 0: only its creator and processes started from it can know its ID, and 2 processes of user deploy (bash×1, sshd×1) that its permissions let in (mode 0600) run in this IPC namespace and could be one of them; settles when they stop, or remove it by hand (ipcrm) if you know it is unused"}
		}
	}
}

func TestGoldenDetailsStale80x24(t *testing.T) {
	snap := fixtureSnapshot(2)
	holdersStale(snap)
	m := loaded(t, fixtureConfig(snap, nil), 80, 24)
	cursorOn(t, m, ipc.Stale)
	press(m, "enter", "down", "down", "down", "down", "down", "down", "down", "down")
	out := plain(m)
	checkFrame(t, out, 80, 24)
	golden.RequireEqual(t, out)
}

func TestGoldenDetailsStale200x60(t *testing.T) {
	snap := fixtureSnapshot(2)
	holdersStale(snap)
	m := loaded(t, fixtureConfig(snap, nil), 200, 60)
	cursorOn(t, m, ipc.Stale)
	press(m, "enter")
	out := plain(m)
	for _, want := range []string{"rule holders: processes its permissions let in still run", "2 processes of user deploy (bash×1, sshd×1)", "What keeps it stale", "ipcscope clean --id 131075 --include-stale"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q:\n%s", want, out)
		}
	}
	checkFrame(t, out, 200, 60)
	golden.RequireEqual(t, out)
}

// L: kernel.sem's order and the line that raises the full limit, for our
// own namespace and another one.
func TestGoldenLimits80x24(t *testing.T) {
	m := loaded(t, fixtureConfig(fixtureSnapshot(40), nil), 80, 24)
	press(m, "L", "G")
	out := plain(m)
	for _, want := range []string{"sysctl -w kernel.sem='250 32000 32 128'", "printf 'kernel.sem = 250 32000 32 128\\n' > /etc/sysctl.d/60-ipcscope-sem.conf"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q:\n%s", want, out)
		}
	}
	if got := press(m, "c"); got == nil || fmt.Sprint(got()) != "sysctl -w kernel.sem='250 32000 32 128'" {
		t.Errorf("c copies %v", got)
	}
	checkFrame(t, out, 80, 24)
	golden.RequireEqual(t, out)
}

func TestGoldenLimitsForeign200x60(t *testing.T) {
	cfg := foreignConfig(40)
	m := loaded(t, cfg, 200, 60)
	press(m, "L")
	out := plain(m)
	for _, want := range []string{"kernel.sem = SEMMSL SEMMNS SEMOPM SEMMNI", "kernel.sem = 250 32000 32 40", "nsenter -t 4242 --ipc sysctl -w kernel.sem='250 32000 32 128'", "'ipcscope clean --ns 4242'", "docker run --sysctl"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q:\n%s", want, out)
		}
	}
	checkFrame(t, out, 200, 60)
	golden.RequireEqual(t, out)
}
