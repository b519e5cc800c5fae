package ipc

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The verdict rules on synthetic process tables; the kernel tests prove the
// same rules on real sets.

const ns = 4026532000

var t0 = time.Unix(1795640000, 0)

func table(procs ...*Process) *ProcTable {
	t := &ProcTable{ByPID: map[int]*Process{}, ByUID: map[int][]*Process{}}
	for _, p := range procs {
		t.add(p)
	}
	return t
}

func proc(pid, uid int, comm string, start time.Time) *Process {
	return &Process{PID: pid, Comm: comm, State: 'S', UIDs: [4]int{uid, uid, uid, uid}, Start: start, IPCNS: ns}
}

func apacheSet(sems ...Semaphore) Set {
	for i := range sems {
		sems[i].Num = i
	}
	return Set{ID: 2, UID: 33, CUID: 0, NSems: len(sems), Sems: sems, OTime: Unix(t0.Unix()), CTime: Unix(t0.Unix() - 10)}
}

func verdictOf(s Set, env *judgeEnv, readErr error) (Verdict, string) {
	judge(&s, env, readErr, &arena{})
	return s.Verdict, strings.Join(s.Reasons, " | ")
}

func TestJudgeRules(t *testing.T) {
	early := t0.Add(-time.Hour)
	zombie := proc(100, 0, "apache2", early)
	zombie.State = 'Z'
	foreign := proc(100, 0, "other", early)
	foreign.IPCNS = ns + 1
	unreadableNS := proc(300, 33, "apache2", early)
	unreadableNS.IPCNS = 0
	otherNSUser := proc(300, 33, "apache2", early)
	otherNSUser.IPCNS = ns + 1

	cases := []struct {
		name    string
		set     Set
		procs   []*Process
		hidden  bool
		readErr error
		want    Verdict
		why     string
	}{
		{"running operator", apacheSet(Semaphore{PID: 100}), []*Process{proc(100, 0, "apache2", early)}, false, nil, Live, "PID 100 (apache2), which is still running"},
		{"started within slack", apacheSet(Semaphore{PID: 100}), []*Process{proc(100, 0, "apache2", t0.Add(time.Second))}, false, nil, Live, "still running"},
		{"waiter only", apacheSet(Semaphore{PID: 100, NCount: 1}), nil, false, nil, Live, "waiting on it now"},
		{"zcount waiter", apacheSet(Semaphore{ZCount: 2}), nil, true, nil, Live, "ncount+zcount = 2"},
		{"dead operator, idle owner", apacheSet(Semaphore{PID: 100}), nil, false, nil, Orphan, "PID 100 has exited"},
		{"zombie operator", apacheSet(Semaphore{PID: 100}), []*Process{zombie}, false, nil, Orphan, "zombie"},
		{"reused PID, started later", apacheSet(Semaphore{PID: 100}), []*Process{proc(100, 0, "bash", t0.Add(time.Minute))}, false, nil, Orphan, "now belongs to another process (bash, started 1m0s after"},
		{"PID now a kernel thread", apacheSet(Semaphore{PID: 100}), []*Process{{PID: 100, PPID: 2, Comm: "kworker/0:1", State: 'I', Start: early, Kernel: true}}, false, nil, Orphan, "kworker/0:1, a kernel thread"},
		{"PID in another IPC namespace", apacheSet(Semaphore{PID: 100}), []*Process{foreign}, false, nil, Orphan, "other IPC namespace"},
		{"owner still runs processes", apacheSet(Semaphore{PID: 100}), []*Process{proc(200, 33, "apache2", early), proc(201, 33, "apache2", early)}, false, nil, Stale, "user 33 still runs 2 processes in this IPC namespace (apache2 ×2)"},
		{"owner's namespace unreadable counts", apacheSet(Semaphore{PID: 100}), []*Process{unreadableNS}, false, nil, Stale, "still runs 1 process"},
		{"owner only in another namespace", apacheSet(Semaphore{PID: 100}), []*Process{otherNSUser}, false, nil, Orphan, "no process of 33"},
		{"one live among 17", apacheSet(append(make([]Semaphore, 16), Semaphore{PID: 101})...), []*Process{proc(101, 26, "postgres", early)}, false, nil, Live, "PID 101"},
		{"never changed, all visible", apacheSet(Semaphore{}, Semaphore{}), nil, false, nil, Stale, "ever changed (all sempids 0)"},
		{"never changed, hidden PIDs", apacheSet(Semaphore{}), nil, true, nil, Unknown, "may hide a process"},
		{"dead operator, hidden PIDs", apacheSet(Semaphore{PID: 100}), nil, true, nil, Stale, "may be invisible"},
		{"dead plus zero, hidden PIDs", apacheSet(Semaphore{PID: 100}, Semaphore{}), nil, true, nil, Stale, "1 semaphore has sempid 0"},
		{"unreadable", apacheSet(Semaphore{}), nil, false, errors.New("cannot read its semaphores: permission denied"), Unknown, "permission denied"},
		{"root owned", func() Set { s := apacheSet(Semaphore{PID: 100}); s.UID = 0; return s }(), nil, false, nil, Stale, "owned and created by root"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			procs := append([]*Process{proc(1, 0, "init", early)}, c.procs...)
			env := &judgeEnv{procs: table(procs...), ns: ns, allVisible: !c.hidden, whyNotVisible: "nested PID namespace"}
			got, why := verdictOf(c.set, env, c.readErr)
			if got != c.want || !strings.Contains(why, c.why) {
				t.Fatalf("verdict %s (%s), want %s containing %q", got, why, c.want, c.why)
			}
		})
	}
}

func TestDiagnose(t *testing.T) {
	l := Limits{SEMMNI: 10, SEMMNS: 1000, SHMMNI: 100, MSGMNI: 100}
	if d := Diagnose(l, Usage{Sets: 7, Semaphores: 7}); len(d) != 0 {
		t.Fatalf("70%%: %+v", d)
	}
	d := Diagnose(l, Usage{Sets: 8, Semaphores: 8})
	if len(d) != 1 || d[0].Severity != SevWarn || !strings.Contains(d[0].Message, "SEMMNI at 80%") {
		t.Fatalf("80%%: %+v", d)
	}
	d = Diagnose(l, Usage{Sets: 10, Semaphores: 10, Orphans: 9, Live: 1})
	if len(d) != 1 || d[0].Severity != SevCrit || !strings.Contains(d[0].Message, "SEMMNI full: 10 of 10") || !strings.Contains(d[0].Message, "9 of the 10 sets in use are orphans") {
		t.Fatalf("full: %+v", d)
	}
	d = Diagnose(Limits{SEMMNI: 32000, SEMMNS: 100}, Usage{Sets: 5, Semaphores: 100})
	if len(d) != 1 || d[0].Resource != "SEMMNS" {
		t.Fatalf("SEMMNS: %+v", d)
	}
}

func TestOperatorsGroupSemaphoresByPID(t *testing.T) {
	s := apacheSet(Semaphore{PID: 5}, Semaphore{}, Semaphore{PID: 7}, Semaphore{PID: 5}, Semaphore{PID: 7}, Semaphore{PID: 7})
	env := &judgeEnv{procs: table(proc(1, 0, "init", t0.Add(-time.Hour))), ns: ns, allVisible: true}
	for _, a := range []*arena{nil, {}} {
		ops := operators(&s, env, a)
		if len(ops) != 2 || ops[0].PID != 5 || ops[1].PID != 7 ||
			fmt.Sprint(ops[0].Sems) != "[0 3]" || fmt.Sprint(ops[1].Sems) != "[2 4 5]" {
			t.Fatalf("arena %v: %+v", a != nil, ops)
		}
		// Carved slices must not share room: appending to one leaves the
		// other alone.
		_ = append(ops[0].Sems, 99)
		if fmt.Sprint(ops[1].Sems) != "[2 4 5]" {
			t.Fatalf("semnums share storage: %+v", ops)
		}
	}
}
