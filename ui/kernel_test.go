package ui

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
	"ipcscope/probe"
)

const idleUID = 4242 // owns orphans: no process runs as this user

// realSets makes orphans (an idle user's sets whose operator was killed)
// and one live set held by a running helper.
func realSets(t *testing.T, orphans int) (orphanIDs []int, liveID int) {
	t.Helper()
	if !ipctest.RealRoot() {
		t.Skip("orphans need real root (a set owned by an idle user)")
	}
	for range orphans {
		orphanIDs = append(orphanIDs, ipctest.CreateSetAs(t, idleUID, idleUID, 0, 1, 0o600, "semop"))
	}
	liveID = ipctest.NewSet(t, 1, 0o600)
	ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 1 hold", liveID))
	return orphanIDs, liveID
}

func realConfig(t *testing.T) Config {
	return Config{Interval: time.Hour, AuditLog: filepath.Join(t.TempDir(), "audit.jsonl"), User: "root", Root: true}
}

func scanIDs(t *testing.T) map[int]ipc.Verdict {
	t.Helper()
	snap, err := ipc.Scan(ipc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]ipc.Verdict{}
	for _, s := range snap.Sets {
		out[s.ID] = s.Verdict
	}
	return out
}

// The whole flow on real sets: o selects the orphans, x, y removes them;
// they are gone, the live set stays, and the audit log names each one.
func TestRealOrphansRemoved(t *testing.T) {
	orphans, live := realSets(t, 3)
	cfg := realConfig(t)
	m := New(cfg)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Update(m.scanCmd()())
	for _, id := range orphans {
		if v := scanIDs(t)[id]; v != ipc.Orphan {
			t.Fatalf("set %d is %s, not an orphan", id, v)
		}
	}
	press(m, "o", "x")
	cmd := press(m, "y")
	if cmd == nil {
		t.Fatal("y did not start the removal")
	}
	m.Update(cmd())
	now := scanIDs(t)
	for _, id := range orphans {
		if _, ok := now[id]; ok {
			t.Errorf("orphan %d still exists", id)
		}
	}
	if now[live] != ipc.Live {
		t.Errorf("live set %d: %q", live, now[live])
	}
	if out := plain(m); !strings.Contains(out, fmt.Sprintf("Removed %d of %d", len(orphans), len(orphans))) {
		t.Errorf("outcome not shown:\n%s", out)
	}
	b, err := os.ReadFile(cfg.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range orphans {
		if !bytes.Contains(b, []byte(fmt.Sprintf(`"id":%d,`, id))) {
			t.Errorf("audit log lacks set %d:\n%s", id, b)
		}
	}
	if n := bytes.Count(b, []byte("\n")); n != len(orphans) {
		t.Errorf("audit log has %d lines, want %d", n, len(orphans))
	}
}

func TestRealLiveCannotBeRemoved(t *testing.T) {
	_, live := realSets(t, 1)
	m := New(realConfig(t))
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Update(m.scanCmd()())
	for i, r := range m.table.view {
		if m.table.rows[r].set.ID == live {
			m.table.cursor = i
		}
	}
	press(m, "space")
	if len(m.table.selected) != 0 {
		t.Fatalf("live set selected: %v", m.table.selected)
	}
	press(m, "x")
	if m.dialog.stage != dlgNone {
		t.Fatal("dialog opened for a live set")
	}
	// Even a removal forced past the ui is refused by ipc's re-check.
	r := m.cfg.Remove(m.snapNS, true, []ipc.Set{*m.table.rows[m.table.view[m.table.cursor]].set})[0]
	if r.Outcome != ipc.Refused {
		t.Fatalf("forced removal of the live set: %s %s", r.Outcome, r.Reason)
	}
	if scanIDs(t)[live] != ipc.Live {
		t.Fatal("live set gone")
	}
}

func TestRealReadOnlyRemovesNothing(t *testing.T) {
	orphans, _ := realSets(t, 2)
	cfg := realConfig(t)
	cfg.ReadOnly = true
	m := New(cfg)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update(m.scanCmd()())
	for _, k := range []string{"o", "space", "x", "y", "enter", "y"} {
		if cmd := press(m, k); cmd != nil {
			t.Fatalf("read-only: %q returned a command", k)
		}
	}
	now := scanIDs(t)
	for _, id := range orphans {
		if _, ok := now[id]; !ok {
			t.Errorf("read-only removed %d", id)
		}
	}
}

func teaOpts() teatest.TestOption {
	return teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii), tea.WithEnvironment([]string{"TERM=xterm-256color"}))
}

// Interaction through a real program: o, x, Enter cancels; o, x, y
// removes.
func TestRealInteractiveRemoval(t *testing.T) {
	orphans, _ := realSets(t, 2)
	cfg := realConfig(t)
	tm := teatest.NewTestModel(t, New(cfg), teatest.WithInitialTermSize(100, 30), teaOpts())
	out := tm.Output()
	waitFor(t, out, "ORPHAN")
	tm.Type("ox")
	waitFor(t, out, "any other key")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, out, "removal cancelled")
	if now := scanIDs(t); len(now) < 3 {
		t.Fatalf("Enter removed sets: %v", now)
	}
	tm.Type("xy")
	waitFor(t, out, "Removed 2 of 2")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	now := scanIDs(t)
	for _, id := range orphans {
		if _, ok := now[id]; ok {
			t.Errorf("orphan %d still there", id)
		}
	}
}

// waitFor reads the program's output until it contains s.
func waitFor(t *testing.T, r interface{ Read([]byte) (int, error) }, s string) {
	t.Helper()
	teatest.WaitFor(t, r, func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// A server that accepts and never answers must not block the screen: keys
// still work while the probe waits.
func TestProbeThatNeverAnswersDoesNotBlock(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c) }() // read, never reply
		}
	}()
	target, err := probe.ParseTarget("https://silent.test:" + portOf(ln.Addr().String()) + "@127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cfg := realConfig(t)
	cfg.Targets = []probe.Target{target}
	cfg.ProbeOptions.Timeout = time.Minute
	cfg.ProbeTimeout = time.Minute
	m := New(cfg)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24), teaOpts())
	out := tm.Output()
	waitFor(t, out, "probing")
	start := time.Now()
	tm.Type("?")
	waitFor(t, out, "any key closes this help")
	tm.Type("?")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, out, "results appear when")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("keys took %v while a probe hung", d)
	}
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if !fm.probes.rows[0].running {
		t.Error("the silent probe finished: the test proved nothing")
	}
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
