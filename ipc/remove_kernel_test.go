package ipc_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
	"ipcscope/ipc/sysv"
)

func auditPath(t *testing.T) string { return filepath.Join(t.TempDir(), "audit.jsonl") }

func auditLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func stillThere(id int) bool { _, err := sysv.Stat(id); return err == nil }

func wantOutcome(t *testing.T, r ipc.Removal, want ipc.Outcome, reason string) {
	t.Helper()
	if r.Outcome != want || !strings.Contains(r.Reason, reason) {
		t.Fatalf("outcome %s %q, want %s containing %q", r.Outcome, r.Reason, want, reason)
	}
}

func TestRemoveOrphanWritesAuditFirst(t *testing.T) {
	id, dead := orphanSet(t)
	s := find(t, scan(t), id)
	audit := auditPath(t)
	r := ipc.Remove(s, ipc.RemoveOptions{AuditLog: audit})
	wantOutcome(t, r, ipc.Removed, "removed")
	if stillThere(id) {
		t.Fatal("set still exists")
	}
	lines := auditLines(t, audit)
	if len(lines) != 1 || !strings.Contains(lines[0], fmt.Sprintf(`"id":%d`, id)) || !strings.Contains(lines[0], fmt.Sprintf(`"pid":%d`, dead)) || !strings.Contains(lines[0], `"verdict":"orphan"`) {
		t.Fatalf("audit %q", lines)
	}
}

// Lie to Remove: hand it a live set labelled orphan. The re-check must
// catch it.
func TestRemoveRejudgesALiveSetCalledOrphan(t *testing.T) {
	id := ipctest.NewSet(t, 1, 0o600)
	ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 1 hold", id))
	s := find(t, scan(t), id)
	s.Verdict = ipc.Orphan
	r := ipc.Remove(s, ipc.RemoveOptions{AuditLog: auditPath(t), AllowStale: true})
	wantOutcome(t, r, ipc.Refused, "never removes a set in use")
	if !stillThere(id) {
		t.Fatal("a live set was removed")
	}
}

// An orphan at scan time that gains a waiter before removal: its otime is
// unchanged (a blocked semop changes nothing), so only the fresh verdict
// can save it.
func TestRemoveRefusesSetThatGainedAWaiter(t *testing.T) {
	id, _ := orphanSet(t)
	// Value 0 so that a wait blocks; set by a process that then exits.
	_ = ipctest.StartT(t, fmt.Sprintf("setval %d 0 0 exit", id)).Reap()
	s := find(t, scan(t), id)
	wantVerdict(t, s, ipc.Orphan)
	ipctest.StartT(t, fmt.Sprintf("wait %d 0", id))
	for i := 0; i < 200; i++ {
		if n, _ := sysv.GetNCnt(id, 0); n > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := ipc.Remove(s, ipc.RemoveOptions{AuditLog: auditPath(t)})
	wantOutcome(t, r, ipc.Refused, "now: live")
	if !stillThere(id) {
		t.Fatal("removed a set with a waiter")
	}
}

func TestRemoveRefusesChangedSet(t *testing.T) {
	t.Run("operated", func(t *testing.T) {
		id, _ := orphanSet(t)
		s := find(t, scan(t), id)
		time.Sleep(1100 * time.Millisecond) // otime has whole seconds
		p := ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 0 exit", id))
		_ = p.Reap()
		r := ipc.Remove(s, ipc.RemoveOptions{AuditLog: auditPath(t)})
		wantOutcome(t, r, ipc.Refused, "otime moved")
	})
	t.Run("recreated", func(t *testing.T) {
		// Same ID, another object: simulate reuse by showing Remove a
		// scan whose key and creation time differ from the kernel's.
		id, _ := orphanSet(t)
		s := find(t, scan(t), id)
		s.Key = 0x1234
		r := ipc.Remove(s, ipc.RemoveOptions{AuditLog: auditPath(t)})
		wantOutcome(t, r, ipc.Refused, "key 0x00001234 is now 0x00000000")
		s = find(t, scan(t), id)
		s.CTime = ipc.Unix(s.CTime.Unix() - 60)
		r = ipc.Remove(s, ipc.RemoveOptions{AuditLog: auditPath(t)})
		wantOutcome(t, r, ipc.Refused, "ctime moved")
		if !stillThere(id) {
			t.Fatal("removed")
		}
	})
}

func TestRemoveSetGoneBetweenScanAndRemove(t *testing.T) {
	id, _ := orphanSet(t)
	s := find(t, scan(t), id)
	if err := sysv.Remove(id); err != nil {
		t.Fatal(err)
	}
	audit := auditPath(t)
	r := ipc.Remove(s, ipc.RemoveOptions{AuditLog: audit})
	wantOutcome(t, r, ipc.AlreadyGone, "no longer exists")
	if len(auditLines(t, audit)) != 0 {
		t.Error("audit record for a set that was not removed")
	}
}

func TestRemoveStaleOnlyWhenAsked(t *testing.T) {
	id := ipctest.NewSet(t, 1, 0o600) // root-owned, a root process here: stale
	ipctest.StartT(t, "hold")
	s := find(t, scan(t), id)
	wantVerdict(t, s, ipc.Stale)
	wantOutcome(t, ipc.Remove(s, ipc.RemoveOptions{AuditLog: auditPath(t)}), ipc.Refused, "--include-stale")
	wantOutcome(t, ipc.Remove(s, ipc.RemoveOptions{AuditLog: auditPath(t), AllowStale: true}), ipc.Removed, "removed")
}

func TestRemoveUnknownNever(t *testing.T) {
	s := ipc.Set{ID: 1, Verdict: ipc.Unknown}
	wantOutcome(t, ipc.Remove(s, ipc.RemoveOptions{AuditLog: auditPath(t), AllowStale: true}), ipc.Refused, "only sets it could judge")
}

func TestRemoveDryRun(t *testing.T) {
	id, _ := orphanSet(t)
	audit := auditPath(t)
	r := ipc.Remove(find(t, scan(t), id), ipc.RemoveOptions{AuditLog: audit, DryRun: true})
	wantOutcome(t, r, ipc.WouldRemove, "dry run")
	if !stillThere(id) || len(auditLines(t, audit)) != 0 {
		t.Fatal("dry run changed something")
	}
}

func TestRemoveWithoutPermission(t *testing.T) {
	id, _ := orphanSet(t) // owned by uid 4242: nobody may not remove it
	if err := ipctest.Chown(id, nobodyUID, nobodyGID, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runAsNobody(t, "remove", fmt.Sprint(id), "/tmp/ipcscope-nobody-audit.jsonl")
	defer os.Remove("/tmp/ipcscope-nobody-audit.jsonl")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.Contains(out, "outcome=failed") || !strings.Contains(out, "needs root or the set's owner") || !stillThere(id) {
		t.Fatalf("as nobody: %s", out)
	}
}

// Apache recycles children (MaxConnectionsPerChild): the last operator is a
// dead child while its siblings, same user, still use the set.
func TestTrapRecycledChild(t *testing.T) {
	needRoot(t)
	id := ipctest.NewSet(t, 1, 0o600)
	if err := ipctest.Chown(id, nobodyUID, nobodyGID, 0o600); err != nil {
		t.Fatal(err)
	}
	child := ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 1 exit", id), ipctest.AsUser(nobodyUID, nobodyGID))
	_ = child.Reap()
	ipctest.StartT(t, "hold", ipctest.AsUser(nobodyUID, nobodyGID)) // a sibling
	s := find(t, scan(t), id)
	wantVerdict(t, s, ipc.Stale)
	r := ipc.Remove(s, ipc.RemoveOptions{AuditLog: auditPath(t)})
	wantOutcome(t, r, ipc.Refused, "stale")
}

// kill -9 of the prefork parent alone: its children live on (reparented)
// and still use the set although the parent, its last operator, is gone.
func TestTrapParentKilledChildrenLiveOn(t *testing.T) {
	needRoot(t)
	id := ipctest.NewSet(t, 1, 0o600)
	if err := ipctest.Chown(id, nobodyUID, nobodyGID, 0o600); err != nil {
		t.Fatal(err)
	}
	parent := ipctest.StartT(t, fmt.Sprintf("setval %d 0 1 hold", id))
	ipctest.StartT(t, "hold", ipctest.AsUser(nobodyUID, nobodyGID))
	ipctest.StartT(t, "hold", ipctest.AsUser(nobodyUID, nobodyGID))
	parent.Kill()
	s := find(t, scan(t), id)
	if s.Operators[0].State != ipc.OpDead {
		t.Fatalf("parent operator %+v", s.Operators)
	}
	wantVerdict(t, s, ipc.Stale)
}

// A sempid whose number now belongs to a newer process: kill(pid, 0)
// succeeds, but that process cannot have made the last change. Forced with
// ns_last_pid inside a private PID namespace.
func TestTrapReusedPID(t *testing.T) {
	if !ipctest.InPIDNamespace() {
		needRoot(t)
		out, err := ipctest.RunInPIDNamespace(t.Name())
		if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
			t.Fatalf("in a private PID namespace: %v\n%s", err, out)
		}
		return
	}
	id := ipctest.NewSet(t, 1, 0o600)
	if err := ipctest.Chown(id, nobodyUID, nobodyGID, 0o600); err != nil {
		t.Fatal(err)
	}
	op := ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 0 exit", id))
	_ = op.Reap()
	time.Sleep(ipc.StartSlack + 1100*time.Millisecond)
	var stranger *ipctest.Proc
	for try := 0; try < 5 && (stranger == nil || stranger.PID != op.PID); try++ {
		if stranger != nil {
			stranger.Kill()
		}
		if err := ipctest.SetLastPID(op.PID - 1); err != nil {
			t.Fatal(err)
		}
		stranger = ipctest.StartT(t, "hold")
	}
	if stranger.PID != op.PID {
		t.Fatalf("could not reuse PID %d (got %d)", op.PID, stranger.PID)
	}
	snap, err := ipc.Scan(ipc.Options{AllPIDsVisible: true})
	if err != nil {
		t.Fatal(err)
	}
	// A PID that runs is never proof that the set is unused: it may be
	// reused, or the clock may have been stepped (issue 8, case 3).
	s := find(t, snap, id)
	if s.Operators[0].PID != op.PID || s.Operators[0].State != ipc.OpLater {
		t.Fatalf("operator %+v, want PID %d started-later", s.Operators[0], op.PID)
	}
	wantVerdict(t, s, ipc.Stale)
	if s.Rule != ipc.RuleStartedLater || !strings.Contains(strings.Join(s.Reasons, "\n"), "a reused PID, or the clock was stepped") {
		t.Fatalf("rule %s reasons %q", s.Rule, s.Reasons)
	}
	wantOutcome(t, ipc.Remove(s, ipc.RemoveOptions{Options: ipc.Options{AllPIDsVisible: true}, AuditLog: auditPath(t)}), ipc.Refused, "stale")

	// Without the sandbox's promise, a nested PID namespace never yields
	// an orphan.
	s = find(t, scan(t), id)
	wantVerdict(t, s, ipc.Stale)
}

// The remover caches its process table for a moment (thousands of
// removals). Try to use that: a process that starts after the cache was
// filled and holds a set, which is then handed to the same remover as an
// orphan. Its operator is missing from the cached table; the remover must
// notice, read the table again, and refuse.
func TestRemoverCachedTableMissesNewOperator(t *testing.T) {
	first, _ := orphanSet(t)
	victim := ipctest.NewSet(t, 1, 0o600)
	if err := ipctest.Chown(victim, nobodyUID, nobodyGID, 0o600); err != nil {
		t.Fatal(err)
	}
	rm := ipc.NewRemover(ipc.RemoveOptions{AuditLog: auditPath(t)})
	wantOutcome(t, rm.Remove(find(t, scan(t), first)), ipc.Removed, "removed") // fills the cache

	holder := ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 1 hold", victim))
	s := find(t, scan(t), victim)
	wantVerdict(t, s, ipc.Live)
	s.Verdict = ipc.Orphan // as if the scan had been wrong
	r := rm.Remove(s)
	wantOutcome(t, r, ipc.Refused, "never removes a set in use")
	if !stillThere(victim) {
		t.Fatalf("removed a set held by running PID %d", holder.PID)
	}
}
