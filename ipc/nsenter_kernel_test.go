package ipc_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
)

const nsIdleUID = 4343

func nsContainer(t *testing.T, orphans int) *ipctest.Container {
	t.Helper()
	return ipctest.NewContainer(t, nsIdleUID+1, nsIdleUID, orphans)
}

// Scanning through an NS pins it to the namespace found, and a pinned NS
// whose PID is now in another namespace scans nothing.
func TestNSScanPinsAndChecks(t *testing.T) {
	a, b := nsContainer(t, 1), nsContainer(t, 1)
	ns := ipc.NS{PID: a.Holder.PID}
	snap, err := ns.Scan(ipc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if snap.IPCNS != a.Inode || len(snap.Sets) != 2 {
		t.Fatalf("scanned namespace %d with %d sets, want %d with 2", snap.IPCNS, len(snap.Sets), a.Inode)
	}
	if got := ns.Pin(snap); got != (ipc.NS{PID: a.Holder.PID, Inode: a.Inode}) {
		t.Fatalf("Pin: %+v", got)
	}
	if got := (ipc.NS{PID: a.Holder.PID, Inode: 7}).Pin(snap); got.Inode != 7 {
		t.Fatalf("Pin moved a pinned NS: %+v", got)
	}
	if got := (ipc.NS{}).Pin(snap); got != (ipc.NS{}) {
		t.Fatalf("Pin pinned our own namespace: %+v", got)
	}
	// a's PID, b's inode: as if b's holder died and a's took its PID.
	if _, err := (ipc.NS{PID: a.Holder.PID, Inode: b.Inode}).Scan(ipc.Options{}); err == nil {
		t.Fatal("scanned a namespace other than the pinned one")
	}
	ran := false
	err = ipc.NS{PID: a.Holder.PID, Inode: b.Inode}.Do(func() error { ran = true; return nil })
	if ran || err == nil || !strings.Contains(err.Error(), "no longer in IPC namespace") {
		t.Fatalf("Do in the wrong namespace: ran %v, %v", ran, err)
	}
	want := errors.New("from fn")
	if err := (ipc.NS{PID: b.Holder.PID, Inode: b.Inode}).Do(func() error { return want }); err != want {
		t.Fatalf("Do in the pinned namespace: %v", err)
	}
}

// Remove acts only in the namespace the sets were scanned in: through a
// PID now in another namespace nothing is removed (and nothing audited);
// through the pinned NS the orphans go, and only there.
func TestNSRemoveOnlyWhereScanned(t *testing.T) {
	a, b := nsContainer(t, 2), nsContainer(t, 2)
	snap, err := ipc.NS{PID: b.Holder.PID}.Scan(ipc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var orphans []ipc.Set
	for _, s := range snap.Sets {
		if s.Verdict == ipc.Orphan {
			orphans = append(orphans, s)
		}
	}
	if len(orphans) != 2 {
		t.Fatalf("%d orphans in b, want 2", len(orphans))
	}
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	opts := ipc.RemoveOptions{AuditLog: audit}
	for _, r := range (ipc.NS{PID: a.Holder.PID, Inode: b.Inode}).Remove(opts, orphans) {
		if r.Outcome != ipc.Failed || !strings.Contains(r.Reason, "no longer in IPC namespace") || !strings.HasSuffix(r.Reason, "; nothing removed") {
			t.Errorf("set %d through the wrong PID: %s %s", r.ID, r.Outcome, r.Reason)
		}
	}
	if _, err := os.Stat(audit); err == nil {
		t.Error("audit log written although nothing was removed")
	}
	for _, n := range []*ipctest.Container{a, b} {
		for _, id := range append([]int{n.LiveID}, n.Orphans...) {
			if !n.Exists(id) {
				t.Fatalf("set %d of namespace %d removed", id, n.Inode)
			}
		}
	}
	res := ipc.NS{PID: b.Holder.PID}.Pin(snap).Remove(opts, orphans)
	if len(res) != 2 {
		t.Fatalf("%d results", len(res))
	}
	for _, r := range res {
		if r.Outcome != ipc.Removed {
			t.Errorf("set %d in its own namespace: %s %s", r.ID, r.Outcome, r.Reason)
		}
	}
	for _, id := range b.Orphans {
		if b.Exists(id) {
			t.Errorf("orphan %d of b still there", id)
		}
	}
	if !b.Exists(b.LiveID) {
		t.Error("b's live set was removed")
	}
	for _, id := range append([]int{a.LiveID}, a.Orphans...) {
		if !a.Exists(id) {
			t.Errorf("set %d of a removed", id)
		}
	}
}
