package ipc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Shared memory segments and message queues, beside the semaphore sets:
// the other two kinds `ipcs` shows. They are scanned and judged to the
// same standard as sets (README, "How ipcscope decides"), with the same
// evidence (env: the process table, who the permissions let in) but their
// own kernel facts: a segment's nattch is counted by the kernel, a queue's
// messages are data.

// Kind names an IPC object kind as ipcs and ipcrm do.
type Kind string

const (
	KindShm Kind = "shm" // ipcs -m, ipcrm -m
	KindMsg Kind = "msg" // ipcs -q, ipcrm -q
)

// PID states beyond those of a semaphore operator.
const (
	// OpNone: the kernel shows no PID (0): never attached or sent, or a
	// process of another PID namespace.
	OpNone OperatorState = "none"
)

// ObjectPID is a PID the kernel keeps for a segment or queue (creator,
// last user, last sender, last receiver) with what it is now, judged as a
// semaphore's last operator is: running, hidden, started later, dead,
// zombie, reused.
type ObjectPID struct {
	Role  string        `json:"role"` // creator, last-user, last-sender, last-receiver, blocked-sender, blocked-receiver
	PID   int           `json:"pid"`
	State OperatorState `json:"state"`
	Comm  string        `json:"command,omitempty"`
	User  string        `json:"user,omitempty"`
}

func (p ObjectPID) String() string {
	if p.State == OpRunning {
		return fmt.Sprintf("%d %s", p.PID, p.Comm)
	}
	return fmt.Sprintf("%d %s", p.PID, p.State)
}

// objectIDs is what a segment and a queue share: lsipc's generic columns.
type objectIDs struct {
	Key    Key    `json:"key"`
	ID     int    `json:"id"`
	Owner  string `json:"owner"`
	Perms  Perms  `json:"perms"`
	CUID   int    `json:"cuid"`
	CUser  string `json:"cuser"`
	CGID   int    `json:"cgid"`
	CGroup string `json:"cgroup"`
	UID    int    `json:"uid"`
	User   string `json:"user"`
	GID    int    `json:"gid"`
	Group  string `json:"group"`
	CTime  Time   `json:"ctime"`
}

func (o *objectIDs) fill(n *names, key int64, id int, mode uint32, uid, gid, cuid, cgid int, ctime int64) {
	o.Key, o.ID, o.Perms = Key(uint32(key)), id, Perms(mode&0o777)
	o.UID, o.GID, o.CUID, o.CGID = uid, gid, cuid, cgid
	o.User, o.Group, o.CUser, o.CGroup = n.user(uid), n.group(gid), n.user(cuid), n.group(cgid)
	o.Owner = o.User
	o.CTime = Unix(ctime)
}

func (o *objectIDs) holderKey() holderKey {
	return holderKey{mode: o.Perms & 0o777, uid: o.UID, gid: o.GID, cuid: o.CUID, cgid: o.CGID, keyed: o.Key != 0}
}

// Objects is one look at the segments and queues of an IPC namespace.
type Objects struct {
	Taken time.Time `json:"taken"`
	IPCNS uint64    `json:"ipc_namespace"`
	// Source says where each kind was listed from: "/proc/sysvipc/shm"
	// (with rss and swap) or "shmctl" for segments, "msgctl" (the walk
	// with MSG_STAT_ANY) or "/proc/sysvipc/msg" for queues.
	Source    string        `json:"source"`
	Segments  []Segment     `json:"sharedmemory"`
	Queues    []Queue       `json:"messages"`
	Limits    ObjLimits     `json:"limits"`
	Usage     ObjUsage      `json:"usage"`
	Diagnosis []Finding     `json:"diagnosis"`
	Warnings  []string      `json:"warnings"`
	Duration  time.Duration `json:"-"`
	env       *judgeEnv
}

// objJudge is the evidence of one scan, with the holder answers worded
// for shmget() or msgget().
type objJudge struct {
	env *judgeEnv
	// unsure are the processes whose tasks /proc would not show: blocked
	// on a queue, they could not be seen.
	unsure  []ObjectPID
	cache   map[objHolderKey]holderFacts
	phrases map[[3]uint64]string
}

type objHolderKey struct {
	k    holderKey
	call string
}

// holders asks the semaphore holder logic (computeHolders) who the
// permissions let in, and words its answer for the kind's get call.
func (j *objJudge) holders(o *objectIDs, call string) holderFacts {
	hk := objHolderKey{o.holderKey(), call}
	if f, ok := j.cache[hk]; ok {
		return f
	}
	f := j.env.computeHolders(hk.k)
	f.reason = strings.ReplaceAll(f.reason, "semget()", call)
	if j.cache == nil {
		j.cache = map[objHolderKey]holderFacts{}
	}
	j.cache[hk] = f
	return f
}

// settle ends a verdict from who the permissions let in, as decide does
// for sets: holders make it stale; with none, a keyed object is still
// only stale (a process started later finds it again by its key and
// expects what it holds), and a key-0 one is an orphan. flag is the
// clean flag of its kind.
func settle(h holderFacts, key Key, reasons []string, flag string) (Verdict, Rule, []string) {
	reasons = append(reasons, h.reason)
	switch {
	case h.n > 0:
		return Stale, RuleHolders, reasons
	case key != 0:
		return Stale, RuleKeyed, append(reasons, "but its key lets a process started later (the next start of its program) find it again and expect the data it holds; remove it by hand (ipcscope clean "+flag+" --include-stale --id N) if you know its program is gone")
	}
	return Orphan, RuleNoHolders, reasons
}

// pid says what became of a PID the kernel recorded at last (the time of
// the event it records; zero if unknown), as operators does for sempids.
func (j *objJudge) pid(role string, pid int, last time.Time) ObjectPID {
	op := ObjectPID{Role: role, PID: pid}
	env := j.env
	if pid == 0 {
		op.State = OpNone
		return op
	}
	p := env.procs.ByPID[pid]
	switch {
	case p == nil && env.pidHidden(pid):
		op.State = OpHidden
	case p == nil:
		op.State = OpDead
	case p.Zombie():
		op.State, op.Comm = OpZombie, p.Comm
	case p.Kernel:
		op.State, op.Comm = OpReused, p.Comm+", a kernel thread"
	case p.IPCNS != 0 && env.ns != 0 && p.IPCNS != env.ns:
		op.State, op.Comm = OpReused, p.Comm+", in another IPC namespace"
	case !last.IsZero() && p.Start.After(last.Add(StartSlack)):
		op.State, op.Comm = OpLater, fmt.Sprintf("%s, started %s after the event", p.Comm, p.Start.Sub(last).Round(time.Second))
	default:
		op.State, op.Comm = OpRunning, p.Comm
	}
	if p != nil {
		op.User = env.names.user(p.UIDs[0])
	}
	return op
}

// pidPhrase words a PID's state for the reasons: "creator PID 12 (php) is
// still running".
func pidPhrase(p ObjectPID) string {
	who := strings.ReplaceAll(p.Role, "-", " ") + " PID " + strconv.Itoa(p.PID)
	switch p.State {
	case OpRunning:
		return who + " (" + p.Comm + ") is still running"
	case OpHidden:
		return who + " is alive (kill(pid, 0) finds it) although this /proc does not show it"
	case OpLater:
		return who + " runs now as " + p.Comm + ": a reused PID, or the clock was stepped"
	case OpDead:
		return who + " has exited"
	case OpZombie:
		return who + " is a zombie (exited, not reaped)"
	case OpReused:
		return who + " now belongs to " + p.Comm
	}
	return who
}

// ScanObjects takes a look at the segments and queues of the calling
// thread's IPC namespace and judges each.
func ScanObjects(opts Options) (*Objects, error) { return ScanKinds(opts, true, true) }

// ScanKinds is ScanObjects for segments only, queues only, or both (the
// kind not asked for is left out: nil, and nothing in usage). The limits
// are always read.
func ScanKinds(opts Options, shm, msg bool) (*Objects, error) {
	opts.defaults()
	start := time.Now()
	o := &Objects{Taken: start}
	if link, err := os.Readlink(procPath(opts.ProcRoot, "thread-self/ns/ipc")); err == nil {
		o.IPCNS = ParseNSLink(link)
	} else if link, err := os.Readlink(procPath(opts.ProcRoot, "self/ns/ipc")); err == nil {
		o.IPCNS = ParseNSLink(link)
	}
	n := loadNames(opts.Passwd, opts.Group)
	// The objects first, the process table after (as for sets): a PID
	// alive when the kernel showed it is then in the table.
	var segs []Segment
	var qs []Queue
	var w []string
	var err error
	if shm {
		if segs, w, err = listSegments(opts.ProcRoot, n); err != nil {
			return nil, err
		}
		o.Warnings = append(o.Warnings, w...)
	}
	if msg {
		if qs, w, err = listQueues(opts.ProcRoot, n); err != nil {
			return nil, err
		}
		o.Warnings = append(o.Warnings, w...)
	}
	var src []string
	if shm {
		src = append(src, map[bool]string{false: "/proc/sysvipc/shm", true: "shmctl"}[len(segs) > 0 && segs[0].fromSTAT])
	}
	if msg {
		src = append(src, map[bool]string{false: "/proc/sysvipc/msg", true: "msgctl"}[len(qs) == 0 || qs[0].fromSTAT])
	}
	o.Source = strings.Join(src, ", ")
	var blocked map[int][]ObjectPID
	procs, err := ReadProcTable(opts.ProcRoot)
	if err != nil {
		return nil, fmt.Errorf("reading the process table: %w", err)
	}
	env := newJudgeEnv(opts, procs, o.IPCNS, n)
	if len(qs) > 0 {
		blocked = blockedOnQueues(opts.ProcRoot, env)
	}
	j := &objJudge{env: env, unsure: blocked[-1]}
	for i := range segs {
		j.judgeSegment(&segs[i])
	}
	for i := range qs {
		j.judgeQueue(&qs[i], blocked[qs[i].ID])
	}
	o.Segments, o.Queues, o.env = segs, qs, env
	o.Limits, w = readObjLimits(opts.ProcRoot)
	o.Warnings = append(o.Warnings, w...)
	o.Usage = objUsage(segs, qs, o.Limits)
	why := ""
	if !env.allVisible {
		why = env.whyNotVisible
	}
	o.Diagnosis = DiagnoseObjects(o.Limits, o.Usage, why)
	o.Duration = time.Since(start)
	return o, nil
}

// blockedOnQueues finds the tasks of the namespace that are blocked in
// msgsnd or msgrcv now, by queue ID: /proc/PID/task/TID/syscall shows the
// system call a sleeping task is in and its arguments (the first is the
// queue ID); every thread is read, and the 32-bit calls too (the red
// team's round 2, q01). It needs the right to ptrace the process (root
// with CAP_SYS_PTRACE, or its own user): the processes whose tasks cannot
// be read are returned under ID -1, and no queue is called unused while
// there are any (a blocked reader would be invisible).
func blockedOnQueues(procRoot string, env *judgeEnv) map[int][]ObjectPID {
	out := map[int][]ObjectPID{}
	buf := make([]byte, 0, 256)
	for _, p := range env.nsProcs {
		dir := procPath(procRoot, strconv.Itoa(p.PID), "task")
		tasks, err := os.ReadDir(dir)
		if err != nil {
			if !os.IsNotExist(err) {
				out[-1] = append(out[-1], ObjectPID{Role: "unreadable", PID: p.PID, State: OpRunning, Comm: p.Comm})
			}
			continue
		}
		unreadable := false
		for _, t := range tasks {
			b, err := readInto(dir+"/"+t.Name()+"/syscall", &buf)
			if err != nil {
				unreadable = unreadable || !os.IsNotExist(err)
				continue
			}
			id, role, ok := blockedInQueueCall(b)
			if !ok {
				continue
			}
			out[id] = append(out[id], ObjectPID{Role: role, PID: p.PID, State: OpRunning, Comm: p.Comm, User: env.names.user(p.UIDs[0])})
			break
		}
		if unreadable {
			out[-1] = append(out[-1], ObjectPID{Role: "unreadable", PID: p.PID, State: OpRunning, Comm: p.Comm})
		}
	}
	return out
}

// Message queue calls of 32-bit tasks on 64-bit kernels (compat system
// call numbers): i386's msgsnd/msgrcv and its ipc(2) multiplexer, arm's
// EABI msgsnd/msgrcv.
var compatQueueCalls = map[string]struct{ snd, rcv, ipc int }{
	"amd64": {400, 401, 117},
	"arm64": {301, 302, -1},
}

// ipc(2) sub-calls (include/uapi/linux/ipc.h).
const (
	ipcMSGSND = 11
	ipcMSGRCV = 12
)

// blockedInQueueCall parses one task's /proc/.../syscall line.
func blockedInQueueCall(b []byte) (id int, role string, ok bool) {
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return 0, "", false
	}
	nr, err := strconv.Atoi(f[0])
	if err != nil {
		return 0, "", false
	}
	arg := func(i int) (int, bool) {
		v, err := strconv.ParseUint(strings.TrimPrefix(f[i], "0x"), 16, 64)
		if err != nil || v > 1<<31 {
			return 0, false
		}
		return int(v), true
	}
	compat := compatQueueCalls[runtime.GOARCH]
	switch nr {
	case unix.SYS_MSGSND, compat.snd:
		role = "blocked-sender"
	case unix.SYS_MSGRCV, compat.rcv:
		role = "blocked-receiver"
	case compat.ipc:
		call, ok := arg(1)
		if !ok || (call&0xffff != ipcMSGSND && call&0xffff != ipcMSGRCV) {
			return 0, "", false
		}
		role = map[bool]string{true: "blocked-sender", false: "blocked-receiver"}[call&0xffff == ipcMSGSND]
		id, ok = arg(2)
		return id, role, ok
	default:
		return 0, "", false
	}
	id, ok = arg(1)
	return id, role, ok
}

// readProcFile reads a /proc/sysvipc file in large reads: its size is
// 0, so os.ReadFile would start at 512 bytes and grow, and every small
// read makes the kernel find its place among 32,000 objects again.
func readProcFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, 0, 1<<20)
	for {
		if cap(b)-len(b) < 64<<10 {
			b = append(b, make([]byte, len(b))...)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil || n == 0 {
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			return b, nil
		}
	}
}
