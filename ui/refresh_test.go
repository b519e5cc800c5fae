package ui

import (
	"errors"
	"testing"
	"time"

	"ipcscope/ipc"
)

// fakeScans is a ScanFunc that records the namespace of every scan and
// answers a snapshot of inode (or err).
type fakeScans struct {
	got   []NS
	inode uint64
	err   error
}

func (f *fakeScans) scan(ns NS) (*ipc.Snapshot, error) {
	f.got = append(f.got, ns)
	if f.err != nil {
		return nil, f.err
	}
	return &ipc.Snapshot{IPCNS: f.inode}, nil
}

func newRefresher(f *fakeScans, ns NS) *refresher {
	return &refresher{scan: f.scan, interval: time.Hour, ns: ns}
}

// run executes a scan command and returns its message.
func runScan(t *testing.T, r *refresher) snapshotMsg {
	t.Helper()
	cmd := r.scanCmd()
	if cmd == nil {
		t.Fatal("no scan started")
	}
	return cmd().(snapshotMsg)
}

func TestRefreshOneScanAtATime(t *testing.T) {
	f := &fakeScans{inode: 7}
	r := newRefresher(f, NS{})
	cmd := r.scanCmd()
	if cmd == nil || r.scanCmd() != nil {
		t.Fatal("a second scan started while one was out")
	}
	show, next := r.arrived(cmd().(snapshotMsg))
	if !show || next == nil || r.scanning {
		t.Fatalf("arrival: show %v, tick %v, scanning %v", show, next != nil, r.scanning)
	}
	if r.scanCmd() == nil {
		t.Fatal("no scan after the last one arrived")
	}
}

func TestRefreshTicks(t *testing.T) {
	f := &fakeScans{inode: 7}
	r := newRefresher(f, NS{})
	_, _ = r.arrived(runScan(t, r))
	old := r.tickGen
	if r.tickCmd() == nil || r.tickGen != old+1 {
		t.Fatal("tickCmd did not bump the generation")
	}
	if r.ticked(tickMsg{gen: old}) != nil {
		t.Error("a stale tick started a scan")
	}
	if r.ticked(tickMsg{gen: r.tickGen}) == nil {
		t.Error("the current tick started no scan")
	}
	r.scanning = false
	r.paused = true
	if r.ticked(tickMsg{gen: r.tickGen}) != nil {
		t.Error("a tick started a scan while paused")
	}
}

// A scan of the namespace shown before a switch is dropped, and does not
// end the scan of the new one.
func TestRefreshSwitchDropsOldScans(t *testing.T) {
	f := &fakeScans{inode: 7}
	r := newRefresher(f, NS{})
	late := r.scanCmd()
	tick := r.tickGen
	first := r.switchTo(NS{PID: 42, Inode: 9})
	if first == nil || r.tickGen == tick {
		t.Fatal("switch: no scan of the new namespace, or the pending tick kept")
	}
	if show, next := r.arrived(late().(snapshotMsg)); show || next != nil {
		t.Fatalf("a scan of the old namespace was shown (%v) or ticked (%v)", show, next != nil)
	}
	if !r.scanning || r.scanCmd() != nil {
		t.Fatal("the old scan ended the new one's")
	}
	msg := first().(snapshotMsg)
	if got := f.got[len(f.got)-1]; got != (NS{PID: 42, Inode: 9}) {
		t.Fatalf("scanned %+v", got)
	}
	if show, _ := r.arrived(msg); !show {
		t.Fatal("the new namespace's scan was not shown")
	}
}

// Paused, a scan that arrives is held and shown on resume; one asked for
// (r, a removal, a switch) is shown at once, and no tick follows it.
func TestRefreshPauseHoldsAndResumes(t *testing.T) {
	f := &fakeScans{inode: 7}
	r := newRefresher(f, NS{})
	cmd := r.scanCmd()
	held, c := r.togglePause()
	if !r.paused || held != nil || c != nil {
		t.Fatal("pause returned a scan")
	}
	msg := cmd().(snapshotMsg)
	if show, next := r.arrived(msg); show || next != nil || r.held == nil {
		t.Fatalf("paused: shown %v, tick %v, held %v", show, next != nil, r.held != nil)
	}
	c = r.now()
	if c == nil {
		t.Fatal("r while paused started no scan")
	}
	if show, next := r.arrived(c().(snapshotMsg)); !show || next != nil {
		t.Fatalf("asked-for scan while paused: shown %v, tick %v", show, next != nil)
	}
	held, c = r.togglePause()
	if r.paused || held == nil || c == nil || r.held != nil {
		t.Fatalf("resume: paused %v, held %v, scan %v", r.paused, held != nil, c != nil)
	}
	if _, c := r.togglePause(); c != nil {
		t.Fatal("pausing again started a scan")
	}
	// A switch while paused forgets what was held.
	r.held = &msg
	r.switchTo(NS{})
	if r.held != nil {
		t.Fatal("the held scan of the old namespace survived a switch")
	}
}

// --ns PID is pinned to the inode of its first good scan, also when that
// scan was held while paused; later scans ask for that inode.
func TestRefreshPinsTheNamespace(t *testing.T) {
	f := &fakeScans{err: errors.New("boom")}
	r := newRefresher(f, NS{PID: 42})
	r.arrived(runScan(t, r))
	if r.ns.Inode != 0 {
		t.Fatal("a failed scan pinned the namespace")
	}
	f.err, f.inode = nil, 11
	r.togglePause()
	msg := runScan(t, r)
	r.arrived(msg) // held
	if r.ns.Inode != 0 {
		t.Fatal("a held scan pinned before it was shown")
	}
	_, c := r.togglePause()
	if r.ns != (NS{PID: 42, Inode: 11}) {
		t.Fatalf("resume did not pin: %+v", r.ns)
	}
	f.inode = 12 // the scan answers from elsewhere: the pin holds
	next := c().(snapshotMsg)
	if got := f.got[len(f.got)-1]; got != (NS{PID: 42, Inode: 11}) {
		t.Fatalf("the scan after the pin asked for %+v", got)
	}
	r.arrived(next)
	if r.ns.Inode != 11 {
		t.Fatalf("a pinned namespace moved to %d", r.ns.Inode)
	}
	own := newRefresher(f, NS{})
	own.arrived(runScan(t, own))
	if own.ns != (NS{}) {
		t.Fatalf("our own namespace was pinned: %+v", own.ns)
	}
}

// The wait between scans grows with what a scan costs: at 32,000 sets a
// scan takes ~50 ms, and rescanning every 2 s would keep an idle
// inspector at 5% of a core.
func TestWaitFollowsScanCost(t *testing.T) {
	r := &refresher{interval: 2 * time.Second}
	for _, c := range []struct {
		scan, want time.Duration
	}{{3 * time.Millisecond, 2 * time.Second}, {50 * time.Millisecond, 7500 * time.Millisecond}, {0, 2 * time.Second}} {
		r.arrived(snapshotMsg{snap: &ipc.Snapshot{Duration: c.scan}})
		if got := r.waitFor(); got != c.want {
			t.Errorf("scan of %v: wait %v, want %v", c.scan, got, c.want)
		}
	}
}
