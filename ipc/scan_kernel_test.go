package ipc_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
	"ipcscope/ipc/sysv"
)

func TestMain(m *testing.M) { ipctest.Main(m) }

// nobodyUID owns "orphan" sets: a user with no processes in the namespace.
const nobodyUID, nobodyGID = 4242, 4242

func scan(t *testing.T) *ipc.Snapshot {
	t.Helper()
	snap, err := ipc.Scan(ipc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func find(t *testing.T, snap *ipc.Snapshot, id int) ipc.Set {
	t.Helper()
	for _, s := range snap.Sets {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("set %d not in snapshot (%d sets)", id, len(snap.Sets))
	return ipc.Set{}
}

func needRoot(t *testing.T) {
	t.Helper()
	if !ipctest.RealRoot() {
		t.Skip("needs real root to give sets to another uid")
	}
}

// orphanSet makes a one-semaphore set created and owned by an idle user,
// whose creator operated on it, then exited and was reaped.
func orphanSet(t *testing.T) (id, deadPID int) {
	t.Helper()
	needRoot(t)
	id = ipctest.CreateSetAs(t, nobodyUID, nobodyGID, 0, 1, 0o600, "setval")
	pid, err := sysv.GetPID(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return id, pid
}

func wantVerdict(t *testing.T, s ipc.Set, want ipc.Verdict) {
	t.Helper()
	if s.Verdict != want {
		t.Fatalf("set %d: verdict %s, want %s; reasons: %q", s.ID, s.Verdict, want, s.Reasons)
	}
}

func TestScanIsPrivateNamespace(t *testing.T) {
	host := ipctest.OuterNamespace()
	self, _ := os.Readlink("/proc/self/ns/ipc")
	if host == "" || self == "" || host == self {
		t.Fatalf("tests run in the host's IPC namespace %s", self)
	}
}

func TestScanReadsEveryField(t *testing.T) {
	id := ipctest.NewSet(t, 3, 0o640)
	p := ipctest.StartT(t, fmt.Sprintf("setval %d 2 7 exit", id))
	if err := p.Reap(); err != nil {
		t.Fatal(err)
	}
	snap := scan(t)
	s := find(t, snap, id)
	if s.NSems != 3 || len(s.Sems) != 3 {
		t.Fatalf("nsems %d, %d semaphores read", s.NSems, len(s.Sems))
	}
	if s.Perms.String() != "0640" || s.Key != 0 {
		t.Errorf("perms %s key %s", s.Perms, s.Key)
	}
	if s.Sems[2].Value != 7 || s.Sems[2].PID != p.PID || s.Sems[0].PID != 0 {
		t.Errorf("semaphores %+v, want sem 2 = 7 by %d", s.Sems, p.PID)
	}
	if s.CTime.IsZero() || !s.OTime.IsZero() {
		t.Errorf("ctime %v otime %v: SETVAL sets ctime only", s.CTime, s.OTime)
	}
	if snap.IPCNS == 0 || snap.Source != "semctl" {
		t.Errorf("namespace %d source %q", snap.IPCNS, snap.Source)
	}
	if snap.Usage.Sets != len(snap.Sets) || snap.Usage.Semaphores < 3 {
		t.Errorf("usage %+v", snap.Usage)
	}
}

func TestNegativeKeyPrintsAsHex(t *testing.T) {
	id, err := ipctest.CreateSet(int32(-559038737), 1, 0o600) // 0xdeadbeef
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sysv.Remove(id) })
	s := find(t, scan(t), id)
	if s.Key.String() != "0xdeadbeef" {
		t.Fatalf("key %s, want 0xdeadbeef", s.Key)
	}
}

func TestLiveOperator(t *testing.T) {
	id := ipctest.NewSet(t, 1, 0o600)
	if err := ipctest.Chown(id, nobodyUID, nobodyGID, 0o600); err != nil && ipctest.RealRoot() {
		t.Fatal(err)
	}
	p := ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 1 hold", id))
	s := find(t, scan(t), id)
	wantVerdict(t, s, ipc.Live)
	if len(s.Operators) != 1 || s.Operators[0].PID != p.PID || s.Operators[0].State != ipc.OpRunning {
		t.Fatalf("operators %+v", s.Operators)
	}
}

func TestDeadOperatorIdleOwnerIsOrphan(t *testing.T) {
	id, dead := orphanSet(t)
	s := find(t, scan(t), id)
	wantVerdict(t, s, ipc.Orphan)
	if s.Operators[0].PID != dead || s.Operators[0].State != ipc.OpDead {
		t.Fatalf("operators %+v", s.Operators)
	}
	if !strings.Contains(strings.Join(s.Reasons, "\n"), fmt.Sprintf("PID %d has exited", dead)) {
		t.Errorf("reasons do not name the dead PID: %q", s.Reasons)
	}
}

func TestZombieOperatorIsDead(t *testing.T) {
	needRoot(t)
	id := ipctest.CreateSetAs(t, nobodyUID, nobodyGID, 0, 1, 0o600, "")
	p := ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 0 exit", id))
	if err := p.WaitExited(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	// kill(pid, 0) still succeeds on a zombie; the verdict must not.
	s := find(t, scan(t), id)
	if s.Operators[0].State != ipc.OpZombie {
		t.Fatalf("operator %+v, want zombie", s.Operators[0])
	}
	wantVerdict(t, s, ipc.Orphan)
}

func TestWaiterMakesLive(t *testing.T) {
	for _, action := range []string{"wait", "waitzero"} {
		t.Run(action, func(t *testing.T) {
			id, _ := orphanSet(t) // value 1: wait-for-zero blocks
			if action == "wait" {
				// value 0 so that -1 blocks, set by a process that exits
				_ = ipctest.StartT(t, fmt.Sprintf("setval %d 0 0 exit", id)).Reap()
			}
			wantVerdict(t, find(t, scan(t), id), ipc.Orphan)
			waiter := ipctest.StartT(t, fmt.Sprintf("%s %d 0", action, id))
			var s ipc.Set
			for i := 0; i < 200; i++ {
				s = find(t, scan(t), id)
				if s.Waiters() > 0 {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if s.Waiters() == 0 {
				t.Fatal("waiter never blocked")
			}
			wantVerdict(t, s, ipc.Live)
			// The waiter is named, from /proc/PID/syscall.
			if len(s.Waiting) != 1 || s.Waiting[0].PID != waiter.PID || !strings.Contains(strings.Join(s.Reasons, " "), fmt.Sprintf("PID %d", waiter.PID)) {
				t.Errorf("waiting %+v, reasons %q; want PID %d named", s.Waiting, s.Reasons, waiter.PID)
			}
		})
	}
}

func TestOwnerStillRunningIsStale(t *testing.T) {
	id, _ := orphanSet(t)
	ipctest.StartT(t, "hold", ipctest.AsUser(nobodyUID, nobodyGID))
	s := find(t, scan(t), id)
	wantVerdict(t, s, ipc.Stale)
	if s.Rule != ipc.RuleHolders || !strings.Contains(strings.Join(s.Reasons, "\n"), "1 process of user 4242 (ipc.test)") {
		t.Errorf("rule %s, reasons %q", s.Rule, s.Reasons)
	}
}

// A set made by root and handed to another user (as Apache does) can be
// held by its root creator or a process started from it: with a root
// process in the namespace it is never an orphan, though no process of its
// owner runs (issue 8, case 1).
func TestRootMadeSetWithRootInNamespaceIsStale(t *testing.T) {
	needRoot(t)
	id := ipctest.NewSet(t, 3, 0o600)
	if err := ipctest.Chown(id, nobodyUID, nobodyGID, 0o600); err != nil {
		t.Fatal(err)
	}
	_ = ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 0 exit", id)).Reap()
	root := ipctest.StartT(t, "hold")
	s := find(t, scan(t), id)
	wantVerdict(t, s, ipc.Stale)
	if s.Rule != ipc.RuleHolders || !strings.Contains(strings.Join(s.Reasons, "\n"), "user root") {
		t.Errorf("rule %s, reasons %q (root helper %d)", s.Rule, s.Reasons, root.PID)
	}
}

// A set never changed (every sempid 0) is judged by who could use it: a
// process of its creator keeps it stale; with none left it is an orphan.
func TestNeverOperated(t *testing.T) {
	needRoot(t)
	id := ipctest.CreateSetAs(t, nobodyUID, nobodyGID, 0, 2, 0o600, "")
	holder := ipctest.StartT(t, "hold", ipctest.AsUser(nobodyUID, nobodyGID))
	s := find(t, scan(t), id)
	wantVerdict(t, s, ipc.Stale)
	holder.Kill()
	s = find(t, scan(t), id)
	wantVerdict(t, s, ipc.Orphan)
	if !strings.Contains(strings.Join(s.Reasons, "\n"), "all sempids 0") {
		t.Errorf("reasons %q", s.Reasons)
	}
}

// Every semaphore counts: a live operator on the last of 17 semaphores
// (PostgreSQL's shape) keeps the set live even if the first ones are dead.
func TestEverySemaphoreCounts(t *testing.T) {
	id, _ := orphanSet(t) // sem 0 changed by a dead PID
	_ = id
	id2 := ipctest.NewSet(t, 17, 0o600)
	if err := ipctest.Chown(id2, nobodyUID, nobodyGID, 0o600); err != nil {
		t.Fatal(err)
	}
	dead := ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 0 exit", id2))
	_ = dead.Reap()
	ipctest.StartT(t, fmt.Sprintf("semop %d 16 1 0 hold", id2))
	wantVerdict(t, find(t, scan(t), id2), ipc.Live)
}

// A non-root caller cannot read a 0600 root set: the verdict is unknown
// with the reason, not orphan, and nothing panics.
func TestNoPermissionIsUnknown(t *testing.T) {
	needRoot(t)
	id := ipctest.NewSet(t, 1, 0o600)
	out, err := runAsNobody(t, "scan", fmt.Sprint(id))
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.Contains(out, "verdict=unknown") || !strings.Contains(out, "permission denied") {
		t.Fatalf("as nobody: %s", out)
	}
}

func TestVanishedSetIsCounted(t *testing.T) {
	// Remove a set between listing and reading, the way a racing ipcrm
	// would: through a /proc copy that still lists it.
	id := ipctest.NewSet(t, 1, 0o600)
	root := fakeProcWithGhost(t, id)
	snap, err := ipc.Scan(ipc.Options{ProcRoot: root, ListFromProc: true})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Vanished != 1 {
		t.Fatalf("vanished %d, want 1", snap.Vanished)
	}
}

func TestLimitsAndDiagnosis(t *testing.T) {
	snap := scan(t)
	used := len(snap.Sets)
	if err := ipctest.SetLimits(250, 32000, 32, used+2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ipctest.SetLimits(32000, 1024000000, 500, 32000) })
	ipctest.NewSet(t, 1, 0o600)
	ipctest.NewSet(t, 1, 0o600)
	if _, err := ipctest.CreateSet(0, 1, 0o600); err == nil || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("semget past SEMMNI: %v, want ENOSPC", err)
	}
	snap = scan(t)
	if snap.Limits.SEMMNI != used+2 || snap.Limits.SEMMSL != 250 || snap.Limits.SEMOPM != 32 {
		t.Fatalf("limits %+v", snap.Limits)
	}
	if len(snap.Diagnosis) == 0 || snap.Diagnosis[0].Resource != "SEMMNI" || snap.Diagnosis[0].Severity != ipc.SevCrit {
		t.Fatalf("diagnosis %+v", snap.Diagnosis)
	}
	if !strings.Contains(snap.Diagnosis[0].Message, "ENOSPC") || !strings.Contains(snap.Diagnosis[0].Message, "AH00023") {
		t.Errorf("message %q", snap.Diagnosis[0].Message)
	}
}

// Both ways of listing see the same sets with the same fields.
func TestProcAndSemctlListingsAgree(t *testing.T) {
	ipctest.NewSet(t, 2, 0o640)
	id, err := ipctest.CreateSet(int32(-2), 1, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sysv.Remove(id) })
	a := scan(t)
	b, err := ipc.Scan(ipc.Options{ListFromProc: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.Source != "semctl" || b.Source != "/proc/sysvipc/sem" {
		t.Fatalf("sources %q %q", a.Source, b.Source)
	}
	if len(a.Sets) != len(b.Sets) || len(a.Sets) < 2 {
		t.Fatalf("%d vs %d sets", len(a.Sets), len(b.Sets))
	}
	for i := range a.Sets {
		x, y := a.Sets[i], b.Sets[i]
		if x.ID != y.ID || x.Key != y.Key || x.Perms != y.Perms || x.NSems != y.NSems || x.UID != y.UID || x.CUID != y.CUID || !x.CTime.Equal(y.CTime.Time) || x.Verdict != y.Verdict {
			t.Errorf("set %d differs:\n%+v\n%+v", x.ID, x, y)
		}
	}
}

// A namespace at the default SEMMNI of 32,000: the next semget fails with
// ENOSPC, the scan sees every set, and the diagnosis says SEMMNI is full
// and that the leaked sets are orphans.
func TestFullNamespace32000(t *testing.T) {
	needRoot(t)
	if err := ipctest.SetLimits(32000, 1024000000, 500, 32000); err != nil {
		t.Fatal(err)
	}
	before := len(scan(t).Sets)
	var ids []int
	t.Cleanup(func() {
		for _, id := range ids {
			_ = sysv.Remove(id)
		}
	})
	// Made, and changed last, by a user whose processes are gone.
	if err := ipctest.StartT(t, fmt.Sprintf("createmany %d 1 600", 32000-before), ipctest.AsUser(nobodyUID, nobodyGID)).Reap(); err != nil {
		t.Fatal(err)
	}
	for _, s := range scan(t).Sets {
		if s.CUID == nobodyUID {
			ids = append(ids, s.ID)
		}
	}
	if _, err := ipctest.CreateSet(0, 1, 0o600); err == nil || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("32,001st semget: %v, want ENOSPC", err)
	}
	snap := scan(t)
	if len(snap.Sets) != 32000 || snap.Usage.Sets != 32000 || snap.Usage.Semaphores < 32000 || snap.Vanished != 0 {
		t.Fatalf("%d sets, usage %+v", len(snap.Sets), snap.Usage)
	}
	if snap.Usage.Orphans < len(ids) {
		t.Errorf("%d orphans, want at least %d", snap.Usage.Orphans, len(ids))
	}
	d := snap.Diagnosis
	if len(d) == 0 || d[0].Resource != "SEMMNI" || d[0].Severity != ipc.SevCrit || !strings.Contains(d[0].Message, "32,000 of 32,000") || !strings.Contains(d[0].Message, "orphans") {
		t.Fatalf("diagnosis %+v", d)
	}
}

// Inside InNamespace a big scan still runs on several threads: each extra
// worker joins the namespace first. Were one left in ours, it would list
// nothing in its half of the index (SEM_STAT_ANY would come up short and
// the scan fall back to /proc) and read the wrong sets (they would vanish).
func TestBigScanInsideInNamespaceUsesItsWorkersThere(t *testing.T) {
	needRoot(t)
	n := ipctest.NewNamespace(t)
	want := map[int]bool{}
	err := ipctest.InPrivateNamespaceOf(n.Holder.PID, func() error {
		for len(want) < 4500 {
			id, err := sysv.Get(0, 1, sysv.IPC_CREAT|0o600)
			if err != nil {
				return err
			}
			want[id] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ours := ipctest.NewSet(t, 1, 0o600) // in our namespace: must not show
	var snap *ipc.Snapshot
	err = ipc.InNamespace(n.Holder.PID, func() error {
		var err error
		snap, err = ipc.Scan(ipc.Options{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if snap.IPCNS != n.Inode || snap.Source != "semctl" || snap.Vanished != 0 || len(snap.Sets) != len(want) {
		t.Fatalf("ns %d (want %d), source %s, %d vanished, %d sets (want %d)", snap.IPCNS, n.Inode, snap.Source, snap.Vanished, len(snap.Sets), len(want))
	}
	for _, s := range snap.Sets {
		if !want[s.ID] || len(s.Sems) != 1 {
			t.Fatalf("set %d (ours is %d) is not one made in the namespace", s.ID, ours)
		}
	}
}

// Read from a user namespace that does not map the set's owner, the kernel
// gives the overflow uid (65534): its names are null in JSON, as lsipc
// writes them, not "nobody".
func TestUnmappedOwnerIsNull(t *testing.T) {
	needRoot(t)
	id := ipctest.CreateSetAs(t, nobodyUID, nobodyGID, 0, 1, 0o644, "setval")
	self, _ := os.Executable()
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), envChild+"=json "+fmt.Sprint(id))
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, want := range []string{`"owner":null`, `"user":null`, `"group":null`, `"uid":65534`, `"cuser":null`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("from a user namespace without uid %d: no %s in\n%s", nobodyUID, want, out)
		}
	}
	// Where the uid is mapped, it has its name (here its number).
	s := find(t, scan(t), id)
	if b := string(s.AppendJSON(nil)); !strings.Contains(b, `"owner":"4242"`) {
		t.Errorf("in our own user namespace: %s", b)
	}
}
