package ipc_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
	"ipcscope/ipc/sysv"
)

// Segments in every state, in the private IPC namespace of TestMain.

func scanObjects(t *testing.T) *ipc.Objects {
	t.Helper()
	o, err := ipc.ScanObjects(ipc.Options{AllPIDsVisible: ipctest.InPIDNamespace()})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func findSeg(t *testing.T, o *ipc.Objects, id int) ipc.Segment {
	t.Helper()
	for _, s := range o.Segments {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("segment %d not in the scan (%d segments)", id, len(o.Segments))
	return ipc.Segment{}
}

func segExists(id int) bool { _, err := sysv.ShmStat(id); return err == nil }

// newSegment has a helper make a segment (as uid:gid when uid is not 0);
// attach 1 makes it attach and touch every page. hold keeps the helper.
func newSegment(t *testing.T, uid uint32, key int32, size int, mode uint32, attach bool, hold bool, opts ...ipctest.Option) (int, *ipctest.Proc) {
	t.Helper()
	a, after := 0, "exit"
	if attach {
		a = 1
	}
	if hold {
		after = "hold"
	}
	if uid != 0 {
		needRoot(t)
		opts = append(opts, ipctest.AsUser(uid, uid))
	}
	p := ipctest.StartT(t, fmt.Sprintf("shmcreate %d %d %o %d %s", key, size, mode, a, after), opts...)
	id, err := strconv.Atoi(p.Ready)
	if err != nil {
		t.Fatalf("helper said %q", p.Ready)
	}
	t.Cleanup(func() { _ = sysv.ShmRemove(id) })
	if !hold {
		if err := p.Reap(); err != nil {
			t.Fatal(err)
		}
	}
	return id, p
}

func wantSeg(t *testing.T, s ipc.Segment, v ipc.Verdict, rule ipc.Rule) {
	t.Helper()
	if s.Verdict != v || s.Rule != rule {
		t.Fatalf("segment %d: %s/%s, want %s/%s; reasons %q", s.ID, s.Verdict, s.Rule, v, rule, s.Reasons)
	}
}

func TestShmAttachedIsLiveAndNeverRemoved(t *testing.T) {
	id, p := newSegment(t, 0, 0, 3*4096, 0o600, true, true)
	s := findSeg(t, scanObjects(t), id)
	wantSeg(t, s, ipc.Live, ipc.RuleAttached)
	if s.NAttch != 1 || s.CPID != p.PID || s.Size != 3*4096 || s.Attach.IsZero() || !s.Detach.IsZero() {
		t.Fatalf("fields: %+v", s)
	}
	if s.RSS == nil || *s.RSS != 3*4096 {
		t.Fatalf("rss %v, want the 3 pages the helper wrote", s.RSS)
	}
	if s.Command == nil || s.Processes[0].State != ipc.OpRunning {
		t.Fatalf("creator not running: %+v", s.Processes)
	}
	if !strings.Contains(s.Reasons[0], "nattch 1, counted by the kernel") {
		t.Fatalf("reasons %q", s.Reasons)
	}
	// Lie to the remover: it must judge again and refuse.
	s.Verdict = ipc.Orphan
	audit := auditPath(t)
	r := ipc.RemoveObjects(ipc.ObjRemoveOptions{AuditLog: audit, AllowStale: true}, []ipc.Segment{s}, nil)
	if r[0].Outcome != ipc.Refused || !strings.Contains(r[0].Reason, "live") || !segExists(id) {
		t.Fatalf("removal %+v; exists %v", r[0], segExists(id))
	}
	if _, err := os.Stat(audit); err == nil {
		t.Fatalf("an audit record was written for a refused removal: %q", auditLines(t, audit))
	}
}

func TestShmAttachedFromAnotherPIDNamespaceIsLive(t *testing.T) {
	id, _ := newSegment(t, 0, 0, 4096, 0o600, true, true, ipctest.InNewPIDNamespace())
	s := findSeg(t, scanObjects(t), id)
	wantSeg(t, s, ipc.Live, ipc.RuleAttached)
}

func TestShmDetachedAndGoneIsOrphanAndRemoved(t *testing.T) {
	id, p := newSegment(t, nobodyUID, 0, 2*4096, 0o600, true, false)
	o := scanObjects(t)
	s := findSeg(t, o, id)
	wantSeg(t, s, ipc.Orphan, ipc.RuleNoHolders)
	if s.NAttch != 0 || s.CPID != p.PID || s.LPID != p.PID || s.Detach.IsZero() || s.Processes[0].State != ipc.OpDead {
		t.Fatalf("fields: %+v", s)
	}
	if o.Usage.ShmByVerdict[ipc.Orphan] < 1 || o.Usage.ShmBytesByVerdict[ipc.Orphan] < 2*4096 {
		t.Fatalf("usage %+v", o.Usage)
	}
	found := false
	for _, f := range o.Diagnosis {
		found = found || f.Resource == "shm-orphans" && strings.Contains(f.Message, "ENOMEM")
	}
	if !found {
		t.Fatalf("no finding about orphaned memory: %+v", o.Diagnosis)
	}
	audit := auditPath(t)
	r := ipc.RemoveObjects(ipc.ObjRemoveOptions{AuditLog: audit}, []ipc.Segment{s}, nil)
	if r[0].Outcome != ipc.Removed || r[0].Bytes != 2*4096 || segExists(id) {
		t.Fatalf("removal %+v; exists %v", r[0], segExists(id))
	}
	lines := auditLines(t, audit)
	if len(lines) != 1 || !strings.Contains(lines[0], `"action":"remove"`) || !strings.Contains(lines[0], `"kind":"shm"`) || !strings.Contains(lines[0], fmt.Sprintf(`"segment":{"key":"0x00000000","id":%d`, id)) {
		t.Fatalf("audit %q", lines)
	}
}

func TestShmMarkedForRemoval(t *testing.T) {
	id, p := newSegment(t, 0, 0x5eed, 4096, 0o644, true, true)
	if err := sysv.ShmRemove(id); err != nil {
		t.Fatal(err)
	}
	s := findSeg(t, scanObjects(t), id)
	wantSeg(t, s, ipc.Live, ipc.RuleMarkedForRemoval)
	if !s.MarkedForRemoval || len(s.Status) != 1 || s.Status[0] != "dest" || s.Key != 0 {
		t.Fatalf("status %v, key %s, marked %v", s.Status, s.Key, s.MarkedForRemoval)
	}
	if !strings.Contains(s.Reasons[0], "when the last one detaches") {
		t.Fatalf("reasons %q", s.Reasons)
	}
	// The kernel frees it at the last detach: the helper's exit.
	p.Release()
	if err := p.Reap(); err != nil {
		t.Fatal(err)
	}
	if segExists(id) {
		t.Fatal("a marked segment survived its last detach")
	}
}

func TestShmDetachedCreatorAliveIsStale(t *testing.T) {
	// The creator attaches, detaches (shmcreate without attach never
	// attaches) and holds: nattch 0, but it knows the ID.
	id, _ := newSegment(t, nobodyUID, 0, 4096, 0o600, false, true)
	s := findSeg(t, scanObjects(t), id)
	wantSeg(t, s, ipc.Stale, ipc.RuleUserAlive)
}

func TestShmKeyedSegmentWithHoldersIsStale(t *testing.T) {
	id, _ := newSegment(t, nobodyUID, 0x4242, 4096, 0o666, false, false)
	// A process of another user that mode 0666 lets in.
	ipctest.StartT(t, "hold", ipctest.AsUser(nobodyUID+1, nobodyGID+1))
	s := findSeg(t, scanObjects(t), id)
	wantSeg(t, s, ipc.Stale, ipc.RuleHolders)
	if !strings.Contains(strings.Join(s.Reasons, " "), "shmget()") {
		t.Fatalf("reasons do not name shmget: %q", s.Reasons)
	}
}

// The re-check just before IPC_RMID: a process attaches after the record
// is written.
func TestShmRecheckCatchesAttachAfterRecord(t *testing.T) {
	id, _ := newSegment(t, nobodyUID, 0, 4096, 0o600, true, false)
	s := findSeg(t, scanObjects(t), id)
	wantSeg(t, s, ipc.Orphan, ipc.RuleNoHolders)
	defer ipc.SetTestHookObjAfterRecord(func() {
		ipctest.StartT(t, fmt.Sprintf("shmat %d hold", id))
	})()
	audit := auditPath(t)
	r := ipc.RemoveObjects(ipc.ObjRemoveOptions{AuditLog: audit}, []ipc.Segment{s}, nil)
	if r[0].Outcome != ipc.Refused || !strings.Contains(r[0].Reason, "after its record was written") || !segExists(id) {
		t.Fatalf("removal %+v; exists %v", r[0], segExists(id))
	}
	lines := auditLines(t, audit)
	if len(lines) != 2 || !strings.Contains(lines[1], `"action":"remove-cancelled"`) {
		t.Fatalf("audit %q", lines)
	}
}

func TestShmRecheckCatchesChangeSinceScan(t *testing.T) {
	id, _ := newSegment(t, nobodyUID, 0, 4096, 0o600, true, false)
	s := findSeg(t, scanObjects(t), id)
	time.Sleep(1100 * time.Millisecond) // a new whole second for atime/dtime
	p := ipctest.StartT(t, fmt.Sprintf("shmat %d exit", id))
	if err := p.Reap(); err != nil {
		t.Fatal(err)
	}
	r := ipc.RemoveObjects(ipc.ObjRemoveOptions{AuditLog: auditPath(t)}, []ipc.Segment{s}, nil)
	if r[0].Outcome != ipc.Refused || !strings.Contains(r[0].Reason, "changed since the scan") || !segExists(id) {
		t.Fatalf("removal %+v", r[0])
	}
}

func TestShmLimitsDiagnosis(t *testing.T) {
	needRoot(t)
	old, err := os.ReadFile("/proc/sys/kernel/shmmni")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.WriteFile("/proc/sys/kernel/shmmni", old, 0o644) })
	base := len(scanObjects(t).Segments)
	if err := os.WriteFile("/proc/sys/kernel/shmmni", []byte(strconv.Itoa(base+2)), 0o644); err != nil {
		t.Fatal(err)
	}
	newSegment(t, nobodyUID, 0, 4096, 0o600, false, false)
	newSegment(t, nobodyUID, 0, 4096, 0o600, false, false)
	if _, err := unix.SysvShmGet(0, 4096, unix.IPC_CREAT|0o600); err != unix.ENOSPC {
		t.Fatalf("shmget past SHMMNI: %v, want ENOSPC", err)
	}
	o := scanObjects(t)
	if o.Limits.SHMMNI != uint64(base+2) || o.Limits.SHMMIN != 1 || o.Limits.SHMMAX == 0 || o.Limits.MSGMAX == 0 || o.Limits.MSGMNB == 0 {
		t.Fatalf("limits %+v", o.Limits)
	}
	var f *ipc.Finding
	for i := range o.Diagnosis {
		if o.Diagnosis[i].Resource == "SHMMNI" {
			f = &o.Diagnosis[i]
		}
	}
	if f == nil || f.Severity != ipc.SevCrit || !strings.Contains(f.Message, "ENOSPC") || !strings.Contains(f.Message, "orphaned hold") {
		t.Fatalf("diagnosis %+v", o.Diagnosis)
	}
}

func TestSegmentJSONKeysFollowLsipc(t *testing.T) {
	id, _ := newSegment(t, 0, 0x1234, 4096, 0o640, true, true)
	b, err := json.Marshal(findSeg(t, scanObjects(t), id))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	// lsipc -m --json's keys (util-linux 2.38), with real types.
	for _, k := range []string{"key", "id", "owner", "perms", "cuid", "cuser", "cgid", "cgroup", "uid", "user", "gid", "group", "ctime", "size", "nattch", "status", "attach", "detach", "command", "cpid", "lpid"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	if m["key"] != "0x00001234" || m["perms"] != "0640" || m["size"] != 4096.0 || m["nattch"] != 1.0 || m["detach"] != nil || m["verdict"] != "live" || m["rule"] != "attached" {
		t.Fatalf("values: %s", b)
	}
	if _, err := time.Parse(time.RFC3339, m["attach"].(string)); err != nil {
		t.Fatalf("attach: %v", err)
	}
}

// Without /proc/sysvipc (an LSM, a container's masked proc) the segments
// and queues are listed with SHM_STAT_ANY and MSG_STAT_ANY: the same
// objects and verdicts, without rss and swap.
func TestObjectsListedWithSTATWithoutProc(t *testing.T) {
	id, _ := newSegment(t, 0, 0, 4096, 0o600, true, true)
	qid, _ := newQueue(t, 0, 0, 0o600, 2, true)
	root := t.TempDir()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "sysvipc" {
			if err := os.Symlink("/proc/"+e.Name(), root+"/"+e.Name()); err != nil {
				t.Fatal(err)
			}
		}
	}
	o, err := ipc.ScanObjects(ipc.Options{ProcRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	if o.Source != "shmctl, msgctl" || len(o.Warnings) < 1 {
		t.Fatalf("source %q, warnings %q", o.Source, o.Warnings)
	}
	s := findSeg(t, o, id)
	wantSeg(t, s, ipc.Live, ipc.RuleAttached)
	if s.RSS != nil || s.Size != 4096 {
		t.Fatalf("segment %+v", s)
	}
	q := findQueue(t, o, qid)
	if q.Msgs != 2 || q.QBytes == nil || q.Verdict != ipc.Live {
		t.Fatalf("queue %+v", q)
	}
}
