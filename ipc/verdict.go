package ipc

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// StartSlack is how much later than a set's last change a process may
// have started and still count as its operator: otime and ctime are whole
// seconds, process start times are 1/100 s, and clocks tick between them.
const StartSlack = 2 * time.Second

// judgeEnv is everything a verdict depends on besides the set itself.
type judgeEnv struct {
	procs *ProcTable
	// ns is the inode of the IPC namespace the sets live in (0 unknown).
	ns uint64
	// allVisible is true when every process that can reach the IPC
	// namespace is in our PID namespace, so that sempid 0 means "never
	// changed" and a missing process is really gone.
	allVisible bool
	// whyNotVisible explains allVisible == false.
	whyNotVisible string
	names         *names
	// users caches, per uid, what judge says of that user's processes:
	// thousands of sets share a handful of owners.
	users map[int]userFacts
}

type userFacts struct {
	running int    // live processes in the sets' IPC namespace
	reason  string // "user www-data still runs 5 processes ..." when running > 0
	quiet   string // "no process of www-data runs ..." when running == 0
}

func (env *judgeEnv) user(uid int) userFacts {
	if f, ok := env.users[uid]; ok {
		return f
	}
	procs := env.sameNS(uid)
	f := userFacts{running: len(procs)}
	f.quiet = "no process of " + env.names.user(uid) + " runs in this IPC namespace"
	if f.running > 0 {
		f.reason = fmt.Sprintf("user %s still runs %s in this IPC namespace (%s)", env.names.user(uid), plural(len(procs), "process", "processes"), commSummary(procs))
	}
	if env.users == nil {
		env.users = map[int]userFacts{}
	}
	env.users[uid] = f
	return f
}

// judge sets s.Operators, s.Verdict and s.Reasons. readErr is the reason
// the semaphores could not be read, if any.
func judge(s *Set, env *judgeEnv, readErr error, a *arena) {
	s.Operators = nil
	s.Reasons = nil
	if readErr != nil {
		s.Verdict = Unknown
		s.Reasons = append(s.Reasons, readErr.Error())
		return
	}
	if len(s.Sems) != s.NSems {
		s.Verdict = Unknown
		s.Reasons = append(s.Reasons, fmt.Sprintf("read %d of %d semaphores", len(s.Sems), s.NSems))
		return
	}
	s.Operators = operators(s, env, a)

	var live []string
	if w := s.Waiters(); w > 0 {
		live = append(live, fmt.Sprintf("%s waiting on it now (ncount+zcount = %d): a process is blocked in semop", plural(w, "task", "tasks"), w))
	}
	// What became of the operators that are gone, as one reason: "no last
	// operator is alive: PID 2647 has exited; PID 2650 is a zombie …",
	// built in one buffer (a 32,000-set scan judges 32,000 of these).
	var buf [160]byte
	gone := append(buf[:0], "no last operator is alive: "...)
	nGone := 0
	for _, op := range s.Operators {
		if op.State == OpRunning {
			live = append(live, "last changed by PID "+strconv.Itoa(op.PID)+" ("+op.Comm+"), which is still running")
			continue
		}
		if nGone > 0 {
			gone = append(gone, "; "...)
		}
		nGone++
		gone = append(gone, "PID "...)
		gone = strconv.AppendInt(gone, int64(op.PID), 10)
		switch op.State {
		case OpDead:
			gone = append(gone, " has exited"...)
		case OpZombie:
			gone = append(gone, " is a zombie (exited, not reaped)"...)
		case OpReused:
			gone = append(gone, " now belongs to another process ("...)
			gone = append(gone, op.Comm...)
			gone = append(gone, ')')
		}
	}
	if len(live) > 0 {
		s.Verdict = Live
		s.Reasons = live
		return
	}

	zero := 0
	for _, m := range s.Sems {
		if m.PID == 0 {
			zero++
		}
	}
	reasons := a.strings(4)
	doubt := false // something keeps it from being an orphan
	switch {
	case s.NSems > 0 && zero == s.NSems && !env.allVisible:
		s.Verdict = Unknown
		s.Reasons = []string{"no semaphore shows a last operator (all sempids 0); " + env.whyNotVisible + ", so 0 may hide a process elsewhere"}
		return
	case s.NSems > 0 && zero == s.NSems:
		reasons = append(reasons, "no semaphore was ever changed (all sempids 0): nothing shows who uses it")
		doubt = true
	case nGone > 0:
		reasons = append(reasons, string(gone))
		if zero > 0 && !env.allVisible {
			reasons = append(reasons, fmt.Sprintf("%s sempid 0; %s, so 0 may hide a live process", plural(zero, "semaphore has", "semaphores have"), env.whyNotVisible))
			doubt = true
		}
	}
	reasons = append(reasons, "nobody is waiting on it")

	// Who could still use it: processes of the owner or creator user in
	// the same IPC namespace. Root always runs something, so it proves
	// nothing either way.
	var userBuf [2]int
	users := append(userBuf[:0], s.UID)
	if s.CUID != s.UID {
		users = append(users, s.CUID)
	}
	var quietBuf [2]int
	quiet := quietBuf[:0] // users with no process here
	allRoot := true
	for _, u := range users {
		if u == 0 {
			continue
		}
		allRoot = false
		if f := env.user(u); f.running > 0 {
			reasons = append(reasons, f.reason)
			doubt = true
		} else {
			quiet = append(quiet, u)
		}
	}
	if allRoot {
		reasons = append(reasons, "owned and created by root, which always runs processes, so ownership cannot show it is unused")
		doubt = true
	} else if len(quiet) == 1 {
		reasons = append(reasons, env.user(quiet[0]).quiet)
	} else if len(quiet) > 1 {
		reasons = append(reasons, "no process of "+env.names.user(quiet[0])+" or "+env.names.user(quiet[1])+" runs in this IPC namespace")
	}
	if !doubt && !env.allVisible {
		reasons = append(reasons, env.whyNotVisible+", so a user of the set may be invisible")
		doubt = true
	}
	if doubt {
		s.Verdict = Stale
	} else {
		s.Verdict = Orphan
	}
	s.Reasons = reasons
}

// operators groups the set's non-zero sempids and says what each is now.
// The slices come from the arena a (nil: the heap).
func operators(s *Set, env *judgeEnv, a *arena) []Operator {
	// Count first, so that the operators and their semnums each take one
	// carve from the arena.
	distinct, nonzero := 0, 0
	for i, m := range s.Sems {
		if m.PID == 0 {
			continue
		}
		nonzero++
		if !seenBefore(s.Sems[:i], m.PID) {
			distinct++
		}
	}
	if distinct == 0 {
		return nil
	}
	ops := a.operators(distinct)
	nums := a.ints(nonzero)
	for i, m := range s.Sems {
		if m.PID == 0 || seenBefore(s.Sems[:i], m.PID) {
			continue
		}
		// Every semaphore this PID changed last, in order.
		start := len(nums)
		for _, n := range s.Sems[i:] {
			if n.PID == m.PID {
				nums = append(nums, n.Num)
			}
		}
		ops = append(ops, Operator{PID: m.PID, Sems: nums[start:len(nums):len(nums)]})
	}
	last := s.LastChange()
	for i := range ops {
		op := &ops[i]
		p := env.procs.ByPID[op.PID]
		switch {
		case p == nil:
			op.State = OpDead
		case p.Zombie():
			op.State, op.Comm = OpZombie, p.Comm
		case p.Kernel:
			op.State, op.Comm = OpReused, p.Comm+", a kernel thread"
		case p.IPCNS != 0 && env.ns != 0 && p.IPCNS != env.ns:
			op.State, op.Comm = OpReused, p.Comm+", other IPC namespace"
		case !last.IsZero() && p.Start.After(last.Add(StartSlack)):
			op.State, op.Comm = OpReused, fmt.Sprintf("%s, started %s after the set's last change", p.Comm, p.Start.Sub(last).Round(time.Second))
		default:
			op.State, op.Comm = OpRunning, p.Comm
		}
		if p != nil {
			op.User = env.names.user(p.UIDs[0])
		}
	}
	return ops
}

func seenBefore(sems []Semaphore, pid int) bool {
	for _, m := range sems {
		if m.PID == pid {
			return true
		}
	}
	return false
}

// arena hands out small slices carved from larger blocks, so that judging
// 32,000 sets makes a few hundred allocations, not 100,000. A nil arena
// allocates each slice on its own. Not safe for concurrent use: one per
// worker.
type arena struct {
	ops  []Operator
	nums []int
	strs []string
}

const arenaBlock = 1024

// carve returns an empty slice with room for n elements from *block,
// starting a new block when it is full; large requests get their own.
func carve[T any](block *[]T, n int) []T {
	if n > arenaBlock/8 {
		return make([]T, 0, n)
	}
	if cap(*block)-len(*block) < n {
		*block = make([]T, 0, arenaBlock)
	}
	l := len(*block)
	*block = (*block)[:l+n]
	return (*block)[l : l : l+n]
}

func (a *arena) operators(n int) []Operator {
	if a == nil {
		return make([]Operator, 0, n)
	}
	return carve(&a.ops, n)
}

func (a *arena) ints(n int) []int {
	if a == nil {
		return make([]int, 0, n)
	}
	return carve(&a.nums, n)
}

func (a *arena) strings(n int) []string {
	if a == nil {
		return make([]string, 0, n)
	}
	return carve(&a.strs, n)
}

// sameNS lists the live processes of uid that may be in the sets' IPC
// namespace (an unreadable namespace counts as the same: when in doubt,
// the set is not an orphan).
func (env *judgeEnv) sameNS(uid int) []*Process {
	var out []*Process
	for _, p := range env.procs.ByUID[uid] {
		if p.IPCNS == 0 || env.ns == 0 || p.IPCNS == env.ns {
			out = append(out, p)
		}
	}
	return out
}

// commSummary says "apache2 ×5, rotatelogs" for a list of processes.
func commSummary(procs []*Process) string {
	count := map[string]int{}
	for _, p := range procs {
		count[p.Comm]++
	}
	names := make([]string, 0, len(count))
	for c := range count {
		names = append(names, c)
	}
	sort.Slice(names, func(i, j int) bool {
		if count[names[i]] != count[names[j]] {
			return count[names[i]] > count[names[j]]
		}
		return names[i] < names[j]
	})
	if len(names) > 3 {
		names = append(names[:3], "…")
	}
	parts := make([]string, len(names))
	for i, n := range names {
		if count[n] > 1 {
			parts[i] = fmt.Sprintf("%s ×%d", n, count[n])
		} else {
			parts[i] = n
		}
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
