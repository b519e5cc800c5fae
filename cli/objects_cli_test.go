package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ipcscope/ipc/ipctest"
	"ipcscope/ipc/sysv"
)

// helperObject has a helper make a segment or queue (action's ready
// answer is its ID) and removes the object when the test ends.
func helperObject(t *testing.T, action string, hold bool, opts ...ipctest.Option) int {
	t.Helper()
	p := ipctest.StartT(t, action, opts...)
	id, err := strconv.Atoi(p.Ready)
	if err != nil {
		t.Fatalf("helper said %q", p.Ready)
	}
	if strings.HasPrefix(action, "shm") {
		t.Cleanup(func() { _ = sysv.ShmRemove(id) })
	} else {
		t.Cleanup(func() { _ = sysv.MsgRemove(id) })
	}
	if !hold {
		if err := p.Reap(); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func needRealRoot(t *testing.T) {
	t.Helper()
	if !ipctest.RealRoot() {
		t.Skip("needs root to make objects as another user")
	}
}

func TestListShmJSON(t *testing.T) {
	id := helperObject(t, "shmcreate 0 8192 600 1 hold", true)
	out, errOut, code := run(t, "list", "--shm", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if _, ok := doc["semaphores"]; ok {
		t.Fatal("--shm listed semaphores too")
	}
	if _, ok := doc["messages"]; ok {
		t.Fatal("--shm listed queues too")
	}
	var segs []map[string]any
	if err := json.Unmarshal(doc["sharedmemory"], &segs); err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		if s["id"] == float64(id) {
			if s["verdict"] != "live" || s["rule"] != "attached" || s["nattch"] != 1.0 || s["size"] != 8192.0 {
				t.Fatalf("segment %v", s)
			}
			return
		}
	}
	t.Fatalf("segment %d not listed: %s", id, out)
}

func TestListAllTextSections(t *testing.T) {
	helperObject(t, "shmcreate 0 4096 600 0 exit", false)
	helperObject(t, "msgcreate 0 600 2 exit", false)
	out, errOut, code := run(t, "list", "--all", "--reasons")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	q := strings.Index(out, "------ Message Queues")
	m := strings.Index(out, "------ Shared Memory Segments")
	s := strings.Index(out, "------ Semaphore Arrays")
	if q < 0 || m < q || s < m {
		t.Fatalf("sections not in ipcs -a order:\n%s", out)
	}
	if !strings.Contains(out, "2 messages (200 B) wait in it") || !strings.Contains(out, "rule: ") {
		t.Fatalf("no reasons:\n%s", out)
	}
}

func TestCleanMsgNeedsDiscardFlag(t *testing.T) {
	needRealRoot(t)
	id := helperObject(t, fmt.Sprintf("msgcreate 0 600 3 exit"), false, ipctest.AsUser(idleUID, idleUID))
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	// --include-stale: where some process's calls cannot be read (see
	// queueOrphansPossible) every queue is stale; the messages still need
	// their own flag.
	out, errOut, code := run(t, "clean", "--msg", "--include-stale", "--audit-log", audit)
	if code != 0 || !strings.Contains(out, "--discard-messages") || !strings.Contains(out, "300 B") {
		t.Fatalf("exit %d, %s%s", code, out, errOut)
	}
	if _, err := sysv.MsgStat(id); err != nil {
		t.Fatal("queue with messages removed without --discard-messages")
	}
	out, errOut, code = run(t, "clean", "--msg", "--include-stale", "--discard-messages", "--audit-log", audit)
	if code != 0 || !strings.Contains(out, "300 B of messages discarded") {
		t.Fatalf("exit %d, %s%s", code, out, errOut)
	}
	if _, err := sysv.MsgStat(id); err == nil {
		t.Fatal("queue still there")
	}
	b, err := os.ReadFile(audit)
	if err != nil || !strings.Contains(string(b), fmt.Sprintf(`"queue":{"key":"0x00000000","id":%d`, id)) {
		t.Fatalf("audit %q %v", b, err)
	}
}

func TestCleanShmByIDRefusesAttached(t *testing.T) {
	id := helperObject(t, "shmcreate 0 4096 600 1 hold", true)
	out, _, code := run(t, "clean", "--shm", "--id", strconv.Itoa(id), "--audit-log", filepath.Join(t.TempDir(), "a.jsonl"))
	if code != ExitFail || !strings.Contains(out, "live") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if _, err := sysv.ShmStat(id); err != nil {
		t.Fatal("attached segment removed")
	}
	if _, _, code := run(t, "clean", "--all", "--id", strconv.Itoa(id)); code != ExitUsage {
		t.Fatalf("--all --id: exit %d, want usage error", code)
	}
}

func TestCleanAllJSON(t *testing.T) {
	needRealRoot(t)
	id := helperObject(t, "shmcreate 0 4096 600 1 exit", false, ipctest.AsUser(idleUID, idleUID))
	set := leak(t)
	out, errOut, code := run(t, "clean", "--all", "--json", "--audit-log", filepath.Join(t.TempDir(), "a.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Removals []struct {
			ID      int
			Outcome string
		}
		Objects []struct {
			Kind    string
			ID      int
			Outcome string
			Bytes   uint64
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	okSet, okSeg := false, false
	for _, r := range doc.Removals {
		okSet = okSet || r.ID == set && r.Outcome == "removed"
	}
	for _, r := range doc.Objects {
		okSeg = okSeg || r.Kind == "shm" && r.ID == id && r.Outcome == "removed"
	}
	if !okSet || !okSeg {
		t.Fatalf("not both removed: %s", out)
	}
}

func TestMetricsCountSegmentsByVerdict(t *testing.T) {
	needRealRoot(t)
	helperObject(t, "shmcreate 0 8192 600 1 exit", false, ipctest.AsUser(idleUID, idleUID))
	out, errOut, code := run(t, "metrics", "--ns", strconv.Itoa(os.Getpid()))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "ipcscope_shm_memory_bytes{") && strings.Contains(line, `verdict="orphan"`) {
			if v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); v < 8192 {
				t.Fatalf("orphaned memory %s, want ≥ 8192", line)
			}
			return
		}
	}
	t.Fatalf("no ipcscope_shm_memory_bytes orphan sample:\n%s", out)
}

func TestLimitsShmRowsAndDiagnosis(t *testing.T) {
	needRealRoot(t)
	old, err := os.ReadFile("/proc/sys/kernel/shmmni")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.WriteFile("/proc/sys/kernel/shmmni", old, 0o644) })
	o, err := scanObjectsIn(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("/proc/sys/kernel/shmmni", []byte(strconv.Itoa(len(o.Segments)+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	helperObject(t, "shmcreate 0 4096 600 1 exit", false, ipctest.AsUser(idleUID, idleUID))
	out, errOut, code := run(t, "limits", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		IPCLimits []limitRow
		Diagnosis []struct{ Resource, Severity, Message string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, r := range doc.IPCLimits {
		rows[r.Resource] = true
	}
	for _, want := range []string{"SHMMAX", "SHMMIN", "SHMALL", "SHMMNI", "MSGMNI", "MSGMAX", "MSGMNB"} {
		if !rows[want] {
			t.Errorf("no %s row", want)
		}
	}
	n := 0
	for _, f := range doc.Diagnosis {
		if f.Resource == "SHMMNI" {
			n++
			if f.Severity != "critical" || !strings.Contains(f.Message, "shmget(IPC_CREAT) fails with ENOSPC") || !strings.Contains(f.Message, "orphaned hold") {
				t.Errorf("finding %+v", f)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d SHMMNI findings, want 1: %s", n, out)
	}
}

func TestListMsgVerdictFilter(t *testing.T) {
	needRealRoot(t)
	orphan := helperObject(t, "msgcreate 0 600 0 exit", false, ipctest.AsUser(idleUID, idleUID))
	live := helperObject(t, "msgcreate 0 600 1 hold", true)
	out, errOut, code := run(t, "list", "--msg", "--json", "--verdict", "orphan,stale")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Messages []struct {
			ID      int
			Verdict string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[int]string{}
	for _, q := range doc.Messages {
		seen[q.ID] = q.Verdict
	}
	want := "orphan"
	if !queueOrphansPossible() {
		want = "stale" // a process whose calls /proc will not show could be blocked on it
	}
	if seen[orphan] != want {
		t.Fatalf("queue %d of a user that is gone: %q, want %s: %s", orphan, seen[orphan], want, out)
	}
	if _, ok := seen[live]; ok {
		t.Fatalf("live queue %d listed under --verdict orphan: %s", live, out)
	}
}

// queueOrphansPossible reports whether /proc shows the system calls of
// every task here: only then can ipcscope see that nobody is blocked on a
// queue (this sandbox's own PID 1, for one, cannot be read).
func queueOrphansPossible() bool {
	tasks, _ := filepath.Glob("/proc/[0-9]*/task/[0-9]*/syscall")
	for _, f := range tasks {
		if _, err := os.ReadFile(f); err != nil && !os.IsNotExist(err) {
			return false
		}
	}
	return true
}
