package demo

import (
	"strconv"
	"strings"
	"syscall"
	"testing"

	"ipcscope/internal/sandbox"
	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
)

func TestMain(m *testing.M) { ipctest.Main(m) }

// Start fills the private namespace with sets in every state the demo
// promises, lowers SEMMNI, serves the probe targets on loopback only, and
// Close ends every helper it started.
func TestStartAndClose(t *testing.T) {
	root := sandbox.RealRoot()
	w, err := Start(root)
	if w == nil {
		t.Fatal("Start returned no world")
	}
	closed := false
	defer func() {
		if !closed {
			w.Close()
		}
	}()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := ipc.Scan(ipc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Limits.SEMMNI != SEMMNI {
		t.Errorf("SEMMNI %d, want %d", snap.Limits.SEMMNI, SEMMNI)
	}
	want := 2 + 6 // live + waited, and the user's own leaked sets
	if root {
		want = 2 + 1 + orphans // live + waited, stale, orphans
	}
	if len(snap.Sets) != want {
		t.Errorf("%d sets, want %d", len(snap.Sets), want)
	}
	// The leaks are Apache-shaped and no Apache runs in the demo: orphans
	// by the Apache rule, on any machine (APACHE_RUN_USER names the User).
	if root && snap.Usage.Orphans != orphans {
		t.Errorf("%d orphans, want %d (usage %+v)", snap.Usage.Orphans, orphans, snap.Usage)
	}
	for _, s := range snap.Sets {
		if s.Verdict == ipc.Orphan && s.Rule != ipc.RuleApacheGone {
			t.Errorf("demo orphan %d decided by %s, want %s: %q", s.ID, s.Rule, ipc.RuleApacheGone, s.Reasons)
		}
	}
	waiters := 0
	for _, s := range snap.Sets {
		waiters += s.Waiters()
	}
	if waiters != 2 {
		t.Errorf("%d waiters, want 2 (the waited set's helpers)", waiters)
	}
	if !strings.Contains(w.Notice, "SEMMNI="+strconv.Itoa(SEMMNI)) {
		t.Errorf("notice %q", w.Notice)
	}
	if len(w.Targets) < 10 || len(w.Resolve) == 0 || w.Roots == nil {
		t.Errorf("%d targets, %d resolve entries, roots %v", len(w.Targets), len(w.Resolve), w.Roots)
	}
	for _, r := range w.Resolve {
		if len(r.Addrs) != 1 || r.Addrs[0] != "127.0.0.1" {
			t.Errorf("resolve %+v: not loopback", r)
		}
	}
	nss, _, err := w.Namespaces()
	if err != nil {
		t.Fatal(err)
	}
	wantNS := 1
	if root {
		wantNS = 3
	}
	if len(nss) != wantNS || w.HasContainers() != root {
		t.Errorf("%d namespaces (containers %v), want %d", len(nss), w.HasContainers(), wantNS)
	}
	w.mu.Lock()
	procs := append([]*sandbox.Proc(nil), w.procs...)
	w.mu.Unlock()
	if len(procs) < 3 {
		t.Fatalf("%d helpers, want at least 3", len(procs))
	}
	w.Close()
	closed = true
	for _, p := range procs {
		if err := syscall.Kill(p.PID, 0); err == nil {
			t.Errorf("helper %d still runs after Close", p.PID)
		}
	}
}
