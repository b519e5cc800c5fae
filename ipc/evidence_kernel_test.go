package ipc_test

// Issue 8's numbered cases that live in the ipc package, each on real
// kernel objects in the private IPC namespace: every one of them made the
// previous verdict or remover do the wrong thing.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
)

// inPIDNamespace re-runs the calling test as PID 1 of a private PID
// namespace with its own /proc; it reports whether the caller is that run.
func inPIDNamespace(t *testing.T) bool {
	t.Helper()
	if ipctest.InPIDNamespace() {
		return true
	}
	needRoot(t)
	out, err := ipctest.RunInPIDNamespace(t.Name())
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in a private PID namespace: %v\n%s", err, out)
	}
	return false
}

// Case 2: kernel threads are the tasks with PF_KTHREAD, nothing else
// (inside a container PID 2 is the app: docker --init, tini). On the real
// process table: kthreadd and its workers are kernel threads, our own
// helpers are not; the PID 2 / PPID 2 case of a container is in
// TestJudgeRules (a test binary's own threads take the numbers 2 to 5 of
// any PID namespace it starts, so no process of ours can be PID 2).
func TestKernelThreadsByPFKTHREAD(t *testing.T) {
	helper := ipctest.StartT(t, "hold")
	tbl, err := ipc.ReadProcTable("/proc")
	if err != nil {
		t.Fatal(err)
	}
	if p := tbl.ByPID[helper.PID]; p == nil || p.Kernel {
		t.Fatalf("helper %d: %+v", helper.PID, p)
	}
	if p := tbl.ByPID[2]; p != nil && p.Comm == "kthreadd" && !p.Kernel {
		t.Fatalf("kthreadd not taken for a kernel thread: %+v", p)
	}
	kernel := 0
	for _, p := range tbl.ByPID {
		if p.Kernel {
			kernel++
			if p.PPID != 2 && p.PID != 2 {
				t.Errorf("PID %d (%s, PPID %d) taken for a kernel thread", p.PID, p.Comm, p.PPID)
			}
		}
	}
	if tbl.ByPID[2] != nil && kernel == 0 {
		t.Error("no kernel thread found")
	}
}

// fakeProc makes a proc root that links to the real /proc entries except
// those named in hide, and whose self link points at selfTo ("" keeps it).
func fakeProc(t *testing.T, selfTo string, hide ...int) string {
	t.Helper()
	root := t.TempDir()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	hidden := map[string]bool{}
	for _, pid := range hide {
		hidden[fmt.Sprint(pid)] = true
	}
	for _, e := range ents {
		name := e.Name()
		if hidden[name] || (selfTo != "" && (name == "self" || name == "thread-self")) {
			continue
		}
		if err := os.Symlink(filepath.Join("/proc", name), filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	if selfTo != "" {
		if err := os.Symlink(selfTo, filepath.Join(root, "self")); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// Case 4: a /proc of another PID namespace (nsenter -m without -p) shows
// other processes under the same numbers: nothing may be an orphan.
func TestProcOfAnotherPIDNamespaceCallsNothingOrphan(t *testing.T) {
	id, _ := orphanSet(t)
	wantVerdict(t, find(t, scan(t), id), ipc.Orphan)
	snap, err := ipc.Scan(ipc.Options{ProcRoot: fakeProc(t, "/proc/1")})
	if err != nil {
		t.Fatal(err)
	}
	s := find(t, snap, id)
	wantVerdict(t, s, ipc.Stale)
	if s.Rule != ipc.RuleNotVisible || !strings.Contains(strings.Join(s.Reasons, " "), "not this PID namespace's proc") {
		t.Fatalf("rule %s, reasons %q", s.Rule, s.Reasons)
	}
	if !strings.Contains(strings.Join(snap.Warnings, " "), "clean --ns PID") {
		t.Errorf("warnings do not say where to judge from: %q", snap.Warnings)
	}
}

// Case 4: a live operator that /proc does not show (hidepid) is alive:
// kill(pid, 0) finds it.
func TestHiddenOperatorIsAlive(t *testing.T) {
	needRoot(t)
	id := ipctest.CreateSetAs(t, nobodyUID, nobodyGID, 0, 1, 0o600, "setval")
	holder := ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 1 hold", id))
	snap, err := ipc.Scan(ipc.Options{ProcRoot: fakeProc(t, "", holder.PID)})
	if err != nil {
		t.Fatal(err)
	}
	s := find(t, snap, id)
	wantVerdict(t, s, ipc.Live)
	if s.Operators[0].State != ipc.OpHidden {
		t.Fatalf("operator %+v, want hidden", s.Operators[0])
	}
	holder.Kill()
	snap, err = ipc.Scan(ipc.Options{ProcRoot: fakeProc(t, "", holder.PID)})
	if err != nil {
		t.Fatal(err)
	}
	wantVerdict(t, find(t, snap, id), ipc.Orphan)
}

// Case 5: the set comes back into use after its record is durable (a slow
// disk) and before IPC_RMID: it is checked again, kept, and the log says
// the removal was cancelled.
func TestRemoveChecksAgainAfterTheRecord(t *testing.T) {
	id, _ := orphanSet(t)
	s := find(t, scan(t), id)
	wantVerdict(t, s, ipc.Orphan)
	var user *ipctest.Proc
	defer ipc.SetTestHookAfterRecord(func() {
		// The owner finds its set again and uses it.
		user = ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 1 hold", id), ipctest.AsUser(nobodyUID, nobodyGID))
	})()
	audit := auditPath(t)
	r := ipc.Remove(s, ipc.RemoveOptions{AuditLog: audit})
	if r.Outcome == ipc.Removed || !stillThere(id) {
		t.Fatalf("removed a set that PID %d uses: %s %s", user.PID, r.Outcome, r.Reason)
	}
	if !strings.Contains(r.Reason, "after its record was written") {
		t.Errorf("reason %q", r.Reason)
	}
	lines := auditLines(t, audit)
	if len(lines) != 2 || !strings.Contains(lines[0], `"action":"remove"`) || !strings.Contains(lines[1], `"action":"remove-cancelled"`) {
		t.Fatalf("audit log %q, want a remove and a remove-cancelled record", lines)
	}
}

// Case 5: a first semop between reading a set's times and its semaphores
// would show a new process against old times (it "started after the last
// change": reused, not live). The times are read again after the
// semaphores.
func TestRemoveReadsTimesAgainAfterSemaphores(t *testing.T) {
	id, _ := orphanSet(t)
	s := find(t, scan(t), id)
	time.Sleep(ipc.StartSlack + 1100*time.Millisecond)
	done := false
	defer ipc.SetTestHookAfterSems(func(got int) {
		if got == id && !done {
			done = true
			ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 1 hold", id), ipctest.AsUser(nobodyUID, nobodyGID))
		}
	})()
	r := ipc.Remove(s, ipc.RemoveOptions{AuditLog: auditPath(t)})
	if r.Outcome == ipc.Removed || !stillThere(id) {
		t.Fatalf("removed a set just operated on: %s %s", r.Outcome, r.Reason)
	}
	wantOutcome(t, r, ipc.Refused, "changed while it was read again")
}

// Case 6: a keyed set can be found again with semget(key) by anyone its
// mode admits: 0666 admits a running process of another user.
func TestKeyedSetOpenToAllIsNotOrphan(t *testing.T) {
	needRoot(t)
	id := ipctest.CreateSetAs(t, nobodyUID, nobodyGID, 0x0049cc01, 3, 0o666, "setval")
	other := ipctest.StartT(t, "hold", ipctest.AsUser(4343, 4343))
	s := find(t, scan(t), id)
	wantVerdict(t, s, ipc.Stale)
	if s.Rule != ipc.RuleHolders || !strings.Contains(strings.Join(s.Reasons, " "), "mode 0666") || !strings.Contains(strings.Join(s.Reasons, " "), "4343") {
		t.Fatalf("rule %s reasons %q (other user's PID %d)", s.Rule, s.Reasons, other.PID)
	}
	// The same set at 0600: that process is not let in. Still, a key is
	// there to be found again later (the red team's a22): stale, never
	// an orphan.
	if err := ipctest.Chown(id, nobodyUID, nobodyGID, 0o600); err != nil {
		t.Fatal(err)
	}
	s = find(t, scan(t), id)
	wantVerdict(t, s, ipc.Stale)
	if s.Rule != ipc.RuleKeyed {
		t.Fatalf("rule %s, reasons %q", s.Rule, s.Reasons)
	}
}

// Case 9: inside a container (a nested PID namespace) nothing is orphan,
// and the diagnosis sends the admin to the host, not to --include-stale.
func TestContainerDiagnosisPointsToTheHost(t *testing.T) {
	if !inPIDNamespace(t) {
		return
	}
	needRoot(t)
	before := len(scan(t).Sets)
	for i := 0; i < 3; i++ {
		orphanSet(t)
	}
	if err := ipctest.SetLimits(250, 32000, 32, before+3); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ipctest.SetLimits(32000, 1024000000, 500, 32000) })
	snap := scan(t)
	if snap.Usage.Orphans != 0 {
		t.Fatalf("%d orphans from a nested PID namespace", snap.Usage.Orphans)
	}
	if len(snap.Diagnosis) == 0 {
		t.Fatal("no diagnosis with SEMMNI full")
	}
	m := snap.Diagnosis[0].Message
	if !strings.Contains(m, "ipcscope clean --ns PID") || strings.Contains(m, "--include-stale") || strings.Contains(m, "run 'ipcscope clean'") {
		t.Errorf("diagnosis %q", m)
	}
}

// The audit log: a FIFO is refused at once, never waited on.
func TestAuditFIFORefusedWithoutBlocking(t *testing.T) {
	id, _ := orphanSet(t)
	s := find(t, scan(t), id)
	fifo := filepath.Join(t.TempDir(), "audit.fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan ipc.Removal, 1)
	go func() { done <- ipc.Remove(s, ipc.RemoveOptions{AuditLog: fifo}) }()
	select {
	case r := <-done:
		wantOutcome(t, r, ipc.Failed, "not a regular file")
	case <-time.After(5 * time.Second):
		t.Fatal("Remove hangs on a FIFO as audit log")
	}
	if !stillThere(id) {
		t.Fatal("removed without a record")
	}
}

// The audit log: a disk that fills during a record. Nothing is removed,
// and the log keeps only whole lines (a tiny tmpfs in the private mount
// namespace of a private PID namespace).
func TestAuditFullDiskLeavesWholeLines(t *testing.T) {
	if !inPIDNamespace(t) {
		return
	}
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=8k"); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, 0) })
	audit := filepath.Join(dir, "audit.jsonl")
	// Fill it to a few hundred bytes short of full with whole records.
	var fill strings.Builder
	for fill.Len() < 8192-300 {
		fill.WriteString(`{"action":"earlier"}` + "\n")
	}
	if err := os.WriteFile(audit, []byte(fill.String()), 0o640); err != nil {
		t.Fatal(err)
	}
	id, _ := orphanSet(t)
	snap, err := ipc.Scan(ipc.Options{AllPIDsVisible: true})
	if err != nil {
		t.Fatal(err)
	}
	s := find(t, snap, id)
	wantVerdict(t, s, ipc.Orphan)
	r := ipc.Remove(s, ipc.RemoveOptions{Options: ipc.Options{AllPIDsVisible: true}, AuditLog: audit})
	wantOutcome(t, r, ipc.Failed, "no space left on device")
	if !stillThere(id) {
		t.Fatal("removed although its record could not be written")
	}
	b, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != fill.String() {
		t.Fatalf("the log changed: %d bytes, want %d; tail %q", len(b), fill.Len(), b[max(0, len(b)-80):])
	}
}

// Two cleans at once over the same orphans: they take turns, and every
// removed set has exactly one record.
func TestConcurrentCleansOneRecordPerRemoval(t *testing.T) {
	needRoot(t)
	if err := ipctest.StartT(t, "createmany 300 1 600", ipctest.AsUser(nobodyUID, nobodyGID)).Reap(); err != nil {
		t.Fatal(err)
	}
	var orphans []ipc.Set
	for _, s := range scan(t).Sets {
		if s.CUID == nobodyUID && s.Verdict == ipc.Orphan {
			orphans = append(orphans, s)
		}
	}
	if len(orphans) != 300 {
		t.Fatalf("%d orphans, want 300", len(orphans))
	}
	audit := auditPath(t)
	var wg sync.WaitGroup
	results := make([][]ipc.Removal, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = ipc.NewRemover(ipc.RemoveOptions{AuditLog: audit}).RemoveAll(orphans)
		}()
	}
	wg.Wait()
	removed := map[int]int{}
	for _, rs := range results {
		for _, r := range rs {
			if r.Outcome == ipc.Removed {
				removed[r.ID]++
			} else if r.Outcome != ipc.AlreadyGone {
				t.Errorf("set %d: %s %s", r.ID, r.Outcome, r.Reason)
			}
		}
	}
	records := map[int]int{}
	for _, line := range auditLines(t, audit) {
		var rec struct {
			Action string `json:"action"`
			Set    struct {
				ID int `json:"id"`
			} `json:"set"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if rec.Action == "remove" {
			records[rec.Set.ID]++
		}
	}
	for _, s := range orphans {
		if removed[s.ID] != 1 || records[s.ID] != 1 || stillThere(s.ID) {
			t.Errorf("set %d: removed %d times, %d records, still there %v", s.ID, removed[s.ID], records[s.ID], stillThere(s.ID))
		}
	}
}

// An httpd under another name (a custom build, a renamed binary) is no
// apache2 or httpd process, but a root process with APR's library mapped:
// its sets are not taken for a gone Apache's.
func TestRenamedApacheIsStillApache(t *testing.T) {
	needRoot(t)
	lib := "/lib/x86_64-linux-gnu/libapr-1.so.0"
	if m, _ := filepath.Glob("/lib/*/libapr-1.so.0"); len(m) > 0 {
		lib = m[0]
	}
	if _, err := os.Stat(lib); err != nil {
		if os.Getenv("IPCSCOPE_REQUIRE_E2E") == "1" {
			t.Fatalf("libapr-1 missing (apt-get install apache2): %v", err)
		}
		t.Skip("libapr-1 not installed")
	}
	t.Setenv("APACHE_RUN_USER", fmt.Sprint(nobodyUID))
	// Apache's leak, before the renamed server started: an orphan.
	old := ipctest.NewSet(t, 1, 0o600)
	if err := ipctest.Chown(old, nobodyUID, nobodyGID, 0o600); err != nil {
		t.Fatal(err)
	}
	_ = ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 1 exit", old)).Reap()
	s := find(t, scan(t), old)
	wantVerdict(t, s, ipc.Orphan)
	if s.Rule != ipc.RuleApacheGone {
		t.Fatalf("rule %s", s.Rule)
	}
	time.Sleep(3100 * time.Millisecond)
	// The "renamed httpd": a root process called webd with libapr mapped.
	cmd := exec.Command("/bin/sleep", "60")
	cmd.Env = append(os.Environ(), "LD_PRELOAD="+lib)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	time.Sleep(200 * time.Millisecond)
	// Its own set: made after it started, last changed by a dead child.
	own := ipctest.NewSet(t, 1, 0o600)
	if err := ipctest.Chown(own, nobodyUID, nobodyGID, 0o600); err != nil {
		t.Fatal(err)
	}
	_ = ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 1 exit", own)).Reap()
	snap := scan(t)
	s = find(t, snap, own)
	if s.Verdict == ipc.Orphan || !strings.Contains(strings.Join(s.Reasons, " "), "APR's library") {
		t.Fatalf("the renamed server's set: %s by %s: %q", s.Verdict, s.Rule, s.Reasons)
	}
	wantOutcome(t, ipc.Remove(s, ipc.RemoveOptions{AuditLog: auditPath(t)}), ipc.Refused, "")
	if s := find(t, snap, old); s.Verdict == ipc.Orphan {
		t.Logf("the older leak beside it: %s by %s", s.Verdict, s.Rule)
	}
}

// A service of another user that holds CAP_IPC_OWNER may open any set,
// whatever its mode: it counts as one that could use it.
func TestCapIPCOwnerProcessIsAHolder(t *testing.T) {
	needRoot(t)
	id, _ := orphanSet(t)
	wantVerdict(t, find(t, scan(t), id), ipc.Orphan)
	withCap := func(c *exec.Cmd) {
		if c.SysProcAttr == nil {
			c.SysProcAttr = &syscall.SysProcAttr{}
		}
		c.SysProcAttr.AmbientCaps = []uintptr{unix.CAP_IPC_OWNER}
	}
	svc := ipctest.StartT(t, "hold", ipctest.AsUser(4343, 4343), withCap)
	s := find(t, scan(t), id)
	wantVerdict(t, s, ipc.Stale)
	if s.Rule != ipc.RuleHolders || !strings.Contains(strings.Join(s.Reasons, " "), "4343") {
		t.Fatalf("rule %s reasons %q (service %d)", s.Rule, s.Reasons, svc.PID)
	}
}

// The red team's a13: a mount over a process's /proc entry hides it (its
// creds, its namespace): nothing may be called an orphan then.
func TestMaskedProcEntryCallsNothingOrphan(t *testing.T) {
	if !inPIDNamespace(t) {
		return
	}
	id, _ := orphanSet(t)
	holder := ipctest.StartT(t, "hold", ipctest.AsUser(nobodyUID, nobodyGID))
	empty := t.TempDir()
	target := fmt.Sprintf("/proc/%d/status", holder.PID)
	if err := unix.Mount(filepath.Join(empty), target, "", unix.MS_BIND, ""); err != nil {
		// status is a file: bind a file over it.
		f := filepath.Join(empty, "status")
		if werr := os.WriteFile(f, []byte("Name:\tx\n"), 0o644); werr != nil {
			t.Fatal(werr)
		}
		if err := unix.Mount(f, target, "", unix.MS_BIND, ""); err != nil {
			t.Fatalf("bind over %s: %v", target, err)
		}
	}
	t.Cleanup(func() { _ = unix.Unmount(target, 0) })
	snap, err := ipc.Scan(ipc.Options{AllPIDsVisible: true})
	if err != nil {
		t.Fatal(err)
	}
	s := find(t, snap, id)
	if s.Verdict == ipc.Orphan {
		t.Fatalf("orphan with PID %d's entry masked: %q", holder.PID, s.Reasons)
	}
	t.Logf("%s by %s: %q", s.Verdict, s.Rule, s.Reasons)
}
