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

// Queues in every state, in the private IPC namespace of TestMain.

func findQueue(t *testing.T, o *ipc.Objects, id int) ipc.Queue {
	t.Helper()
	for _, q := range o.Queues {
		if q.ID == id {
			return q
		}
	}
	t.Fatalf("queue %d not in the scan (%d queues)", id, len(o.Queues))
	return ipc.Queue{}
}

func queueExists(id int) bool { _, err := sysv.MsgStat(id); return err == nil }

// newQueue has a helper of uid make a queue and send n messages of 100
// bytes; the helper exits (and is reaped) unless hold.
func newQueue(t *testing.T, uid uint32, key int32, mode uint32, n int, hold bool) (int, *ipctest.Proc) {
	t.Helper()
	var opts []ipctest.Option
	if uid != 0 {
		needRoot(t)
		opts = append(opts, ipctest.AsUser(uid, uid))
	}
	after := "exit"
	if hold {
		after = "hold"
	}
	p := ipctest.StartT(t, fmt.Sprintf("msgcreate %d %o %d %s", key, mode, n, after), opts...)
	id, err := strconv.Atoi(p.Ready)
	if err != nil {
		t.Fatalf("helper said %q", p.Ready)
	}
	t.Cleanup(func() { _ = sysv.MsgRemove(id) })
	if !hold {
		if err := p.Reap(); err != nil {
			t.Fatal(err)
		}
	}
	return id, p
}

func wantQueue(t *testing.T, q ipc.Queue, v ipc.Verdict, rule ipc.Rule) {
	t.Helper()
	if q.Verdict != v || q.Rule != rule {
		t.Fatalf("queue %d: %s/%s, want %s/%s; reasons %q", q.ID, q.Verdict, q.Rule, v, rule, q.Reasons)
	}
}

func TestMsgWithDataIsRefusedWithoutTheFlag(t *testing.T) {
	// Judged as PID 1 of a private PID namespace, where every process's
	// /proc/PID/task/*/syscall can be read: outside it, a process that
	// cannot be read (this sandbox's own PID 1) keeps every queue stale.
	if !inPIDNamespace(t) {
		return
	}
	id, p := newQueue(t, nobodyUID, 0, 0o600, 3, false)
	q := findQueue(t, scanObjects(t), id)
	wantQueue(t, q, ipc.Orphan, ipc.RuleNoHolders)
	if q.Msgs != 3 || q.UsedBytes != 300 || q.LSPID != p.PID || q.Send.IsZero() || !q.Recv.IsZero() || q.QBytes == nil {
		t.Fatalf("fields %+v", q)
	}
	if !strings.Contains(strings.Join(q.Reasons, " "), "3 messages (300 B) wait in it") {
		t.Fatalf("reasons %q", q.Reasons)
	}
	audit := auditPath(t)
	r := ipc.RemoveObjects(ipc.ObjRemoveOptions{Options: objOpts(), AuditLog: audit}, nil, []ipc.Queue{q})
	if r[0].Outcome != ipc.Refused || !strings.Contains(r[0].Reason, "--discard-messages") || !strings.Contains(r[0].Reason, "300 B") || !queueExists(id) {
		t.Fatalf("removal %+v; exists %v", r[0], queueExists(id))
	}
	r = ipc.RemoveObjects(ipc.ObjRemoveOptions{Options: objOpts(), AuditLog: audit, DiscardMessages: true}, nil, []ipc.Queue{q})
	if r[0].Outcome != ipc.Removed || r[0].Bytes != 300 || r[0].Messages != 3 || !strings.Contains(r[0].Reason, "3 messages (300 B) discarded") || queueExists(id) {
		t.Fatalf("removal %+v; exists %v", r[0], queueExists(id))
	}
	lines := auditLines(t, audit)
	if len(lines) != 1 || !strings.Contains(lines[0], `"kind":"msg"`) || !strings.Contains(lines[0], `"usedbytes":300`) {
		t.Fatalf("audit %q", lines)
	}
}

func TestMsgLastSenderAliveIsLive(t *testing.T) {
	id, _ := newQueue(t, nobodyUID, 0, 0o600, 1, true)
	q := findQueue(t, scanObjects(t), id)
	wantQueue(t, q, ipc.Live, ipc.RuleOperator)
}

func TestMsgBlockedReceiverIsLive(t *testing.T) {
	// Judged as PID 1 of a private PID namespace, where every process's
	// /proc/PID/task/*/syscall can be read: outside it, a process that
	// cannot be read (this sandbox's own PID 1) keeps every queue stale.
	if !inPIDNamespace(t) {
		return
	}
	id, _ := newQueue(t, nobodyUID, 0, 0o600, 0, false)
	wantQueue(t, findQueue(t, scanObjects(t), id), ipc.Orphan, ipc.RuleNoHolders)
	p := ipctest.StartT(t, fmt.Sprintf("msgrcv %d", id))
	// "ready" comes just before the call: wait until the task sleeps in it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", p.PID))
		if strings.HasPrefix(string(b), strconv.Itoa(unix.SYS_MSGRCV)+" ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("receiver not blocked: %q", b)
		}
		time.Sleep(5 * time.Millisecond)
	}
	o := scanObjects(t)
	q := findQueue(t, o, id)
	wantQueue(t, q, ipc.Live, ipc.RuleWaiters)
	last := q.Processes[len(q.Processes)-1]
	if last.Role != "blocked-receiver" || last.PID != p.PID {
		t.Fatalf("processes %+v", q.Processes)
	}
	// The queue is left to the receiver: removing it wakes it with EIDRM.
	r := ipc.RemoveObjects(ipc.ObjRemoveOptions{Options: objOpts(), AuditLog: auditPath(t), AllowStale: true}, nil, []ipc.Queue{q})
	if r[0].Outcome != ipc.Refused || !queueExists(id) {
		t.Fatalf("removal %+v", r[0])
	}
}

func TestMsgRecheckCatchesAMessageSinceScan(t *testing.T) {
	// Judged as PID 1 of a private PID namespace, where every process's
	// /proc/PID/task/*/syscall can be read: outside it, a process that
	// cannot be read (this sandbox's own PID 1) keeps every queue stale.
	if !inPIDNamespace(t) {
		return
	}
	id, _ := newQueue(t, nobodyUID, 0, 0o600, 0, false)
	q := findQueue(t, scanObjects(t), id)
	wantQueue(t, q, ipc.Orphan, ipc.RuleNoHolders)
	if err := sysv.MsgSnd(id, 1, []byte("late"), 0); err != nil {
		t.Fatal(err)
	}
	r := ipc.RemoveObjects(ipc.ObjRemoveOptions{Options: objOpts(), AuditLog: auditPath(t), DiscardMessages: true}, nil, []ipc.Queue{q})
	if r[0].Outcome != ipc.Refused || !strings.Contains(r[0].Reason, "changed since the scan") || !queueExists(id) {
		t.Fatalf("removal %+v", r[0])
	}
}

func TestMsgDryRunAndGone(t *testing.T) {
	// Judged as PID 1 of a private PID namespace, where every process's
	// /proc/PID/task/*/syscall can be read: outside it, a process that
	// cannot be read (this sandbox's own PID 1) keeps every queue stale.
	if !inPIDNamespace(t) {
		return
	}
	id, _ := newQueue(t, nobodyUID, 0, 0o600, 0, false)
	q := findQueue(t, scanObjects(t), id)
	r := ipc.RemoveObjects(ipc.ObjRemoveOptions{Options: objOpts(), DryRun: true}, nil, []ipc.Queue{q})
	if r[0].Outcome != ipc.WouldRemove || !queueExists(id) {
		t.Fatalf("dry run %+v", r[0])
	}
	if err := sysv.MsgRemove(id); err != nil {
		t.Fatal(err)
	}
	r = ipc.RemoveObjects(ipc.ObjRemoveOptions{Options: objOpts(), AuditLog: auditPath(t)}, nil, []ipc.Queue{q})
	if r[0].Outcome != ipc.AlreadyGone {
		t.Fatalf("gone %+v", r[0])
	}
}

func TestMsgLimitsDiagnosis(t *testing.T) {
	needRoot(t)
	old, err := os.ReadFile("/proc/sys/kernel/msgmni")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.WriteFile("/proc/sys/kernel/msgmni", old, 0o644) })
	base := len(scanObjects(t).Queues)
	if err := os.WriteFile("/proc/sys/kernel/msgmni", []byte(strconv.Itoa(base+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	newQueue(t, nobodyUID, 0, 0o600, 0, false)
	if _, err := sysv.MsgGet(0, sysv.IPC_CREAT|0o600); err != unix.ENOSPC {
		t.Fatalf("msgget past MSGMNI: %v, want ENOSPC", err)
	}
	o := scanObjects(t)
	found := false
	for _, f := range o.Diagnosis {
		found = found || f.Resource == "MSGMNI" && f.Severity == ipc.SevCrit && strings.Contains(f.Message, "msgget(IPC_CREAT) fails with ENOSPC")
	}
	if !found {
		t.Fatalf("diagnosis %+v", o.Diagnosis)
	}
}

func TestQueueJSONKeysFollowLsipc(t *testing.T) {
	id, _ := newQueue(t, 0, 0x77, 0o600, 2, true)
	b, err := json.Marshal(findQueue(t, scanObjects(t), id))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"key", "id", "owner", "perms", "cuid", "cuser", "cgid", "cgroup", "uid", "user", "gid", "group", "ctime", "usedbytes", "msgs", "send", "recv", "lspid", "lrpid"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	if m["usedbytes"] != 200.0 || m["msgs"] != 2.0 || m["recv"] != nil || m["verdict"] != "live" {
		t.Fatalf("values %s", b)
	}
}

// A message sent after the record is written: the last check cancels.
func TestMsgRecheckAfterRecordCancels(t *testing.T) {
	// Judged as PID 1 of a private PID namespace, where every process's
	// /proc/PID/task/*/syscall can be read: outside it, a process that
	// cannot be read (this sandbox's own PID 1) keeps every queue stale.
	if !inPIDNamespace(t) {
		return
	}
	id, _ := newQueue(t, nobodyUID, 0, 0o600, 0, false)
	q := findQueue(t, scanObjects(t), id)
	wantQueue(t, q, ipc.Orphan, ipc.RuleNoHolders)
	defer ipc.SetTestHookObjAfterRecord(func() {
		if err := sysv.MsgSnd(id, 1, []byte("late"), 0); err != nil {
			t.Error(err)
		}
	})()
	audit := auditPath(t)
	r := ipc.RemoveObjects(ipc.ObjRemoveOptions{Options: objOpts(), AuditLog: audit}, nil, []ipc.Queue{q})
	if r[0].Outcome != ipc.Refused || !strings.Contains(r[0].Reason, "after its record was written") || !queueExists(id) {
		t.Fatalf("removal %+v", r[0])
	}
	lines := auditLines(t, audit)
	if len(lines) != 2 || !strings.Contains(lines[0], `"action":"remove"`) || !strings.Contains(lines[1], `"action":"remove-cancelled"`) {
		t.Fatalf("audit %q", lines)
	}
}

// A FIFO as the audit log is refused at once, and nothing is removed.
func TestObjRemoveRefusesFIFOAuditLog(t *testing.T) {
	// Judged as PID 1 of a private PID namespace, where every process's
	// /proc/PID/task/*/syscall can be read: outside it, a process that
	// cannot be read (this sandbox's own PID 1) keeps every queue stale.
	if !inPIDNamespace(t) {
		return
	}
	id, _ := newQueue(t, nobodyUID, 0, 0o600, 0, false)
	q := findQueue(t, scanObjects(t), id)
	fifo := auditPath(t)
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan []ipc.ObjRemoval, 1)
	go func() {
		done <- ipc.RemoveObjects(ipc.ObjRemoveOptions{Options: objOpts(), AuditLog: fifo}, nil, []ipc.Queue{q})
	}()
	select {
	case r := <-done:
		if r[0].Outcome != ipc.Failed || !strings.Contains(r[0].Reason, "not a regular file") || !queueExists(id) {
			t.Fatalf("removal %+v", r[0])
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blocked on the FIFO")
	}
}

// objOpts are the options of a judge in the test's own PID namespace
// (see inPIDNamespace): there every process is visible.
func objOpts() ipc.Options { return ipc.Options{AllPIDsVisible: ipctest.InPIDNamespace()} }
