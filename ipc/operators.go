package ipc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

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
		case p == nil && env.pidHidden(op.PID):
			op.State = OpHidden
		case p == nil:
			op.State = OpDead
		case p.Zombie():
			op.State, op.Comm = OpZombie, p.Comm
		case p.Kernel:
			op.State, op.Comm = OpReused, p.Comm+", a kernel thread"
		case p.IPCNS != 0 && env.ns != 0 && p.IPCNS != env.ns && !env.threadInNS(p):
			op.State, op.Comm = OpReused, p.Comm+", in another IPC namespace"
		case !last.IsZero() && p.Start.After(last.Add(StartSlack)):
			// A PID that exists, is no zombie, is in the set's namespace
			// and is no kernel thread is never evidence that the set is
			// unused: a stepped clock moves every start time.
			op.State, op.Comm = OpLater, fmt.Sprintf("%s, started %s after the set's last change", p.Comm, p.Start.Sub(last).Round(time.Second))
		default:
			op.State, op.Comm = OpRunning, p.Comm
		}
		if p != nil {
			op.User = env.names.user(p.UIDs[0])
		}
	}
	return ops
}

// pidHidden reports whether a PID missing from the process table is alive
// all the same (hidepid, or a /proc that shows less than our PID
// namespace): kill(pid, 0) answers ESRCH only for a PID that is gone.
func (env *judgeEnv) pidHidden(pid int) bool {
	if env.tableComplete {
		return false
	}
	if alive, ok := env.alive[pid]; ok {
		return alive
	}
	return pidAlive(pid)
}

// pidAlive asks the kernel whether a process with this PID exists in our
// PID namespace: kill(pid, 0) succeeds or fails with EPERM for a live one
// (and a zombie), ESRCH for one that is gone.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return !errors.Is(err, unix.ESRCH)
}

func selfPID() int { return os.Getpid() }

// procTableComplete reports whether /proc under root shows every process
// of our PID namespace: it is our PID namespace's proc (its self link is
// our PID), mounted without hidepid and subset, or we may see through
// hidepid (real root). When in doubt, false: kill(pid, 0) then decides.
func procTableComplete(root string, mountinfo []byte) bool {
	if !procIsOurs(root) || mountinfo == nil {
		return false
	}
	b := mountinfo
	target := root
	if r, err := filepath.EvalSymlinks(root); err == nil {
		target = r
	}
	opts, ok := mountSuperOptions(b, target)
	if !ok {
		// Not a proc mount of its own (a copy, a bind of part of one):
		// it may show less than the proc it came from. kill(pid, 0)
		// decides.
		return false
	}
	hidden := false
	for _, o := range strings.Split(opts, ",") {
		if strings.HasPrefix(o, "hidepid=") && o != "hidepid=0" && o != "hidepid=off" {
			hidden = true
		}
		if strings.HasPrefix(o, "subset=") {
			return false
		}
	}
	return !hidden || RealRoot()
}

// procIsOurs reports whether root/self is this process: a /proc mounted
// for another PID namespace (nsenter -m without -p) shows other PIDs.
func procIsOurs(root string) bool {
	target, err := filepath.EvalSymlinks(procPath(root, "self"))
	if err != nil {
		return false
	}
	return filepath.Base(target) == strconv.Itoa(selfPID())
}

// maskedProcEntry reports a mount on a process's entry under root
// (/proc/1234, /proc/1234/status): it hides what that process is, so
// nothing can be called unused (the red team's a13). Mounts on /proc/sys,
// /proc/kcore and the like (as container runtimes make) are no process's.
func maskedProcEntry(root string, mountinfo []byte) (string, bool) {
	b := mountinfo
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	prefix := strings.TrimSuffix(root, "/") + "/"
	for _, line := range bytes.Split(b, []byte("\n")) {
		f := strings.Fields(string(line))
		if len(f) < 5 || !strings.HasPrefix(f[4], prefix) {
			continue
		}
		first, _, _ := strings.Cut(f[4][len(prefix):], "/")
		if first != "" && strings.Trim(first, "0123456789") == "" {
			return first, true
		}
	}
	return "", false
}

// mountSuperOptions finds the proc mount at target in mountinfo and
// returns its super options (the last field).
func mountSuperOptions(mountinfo []byte, target string) (string, bool) {
	found, opts := false, ""
	for _, line := range bytes.Split(mountinfo, []byte("\n")) {
		f := strings.Fields(string(line))
		// id parent major:minor root mountpoint options ... - fstype source superopts
		if len(f) < 10 || f[4] != target {
			continue
		}
		for i := 6; i < len(f)-3; i++ {
			if f[i] == "-" && f[i+1] == "proc" {
				found, opts = true, f[i+3] // the last mount over it wins
			}
		}
	}
	return opts, found
}

// RealRoot reports whether this process is root of the initial user
// namespace: hidepid hides nothing from it, and it alone may give sets to
// other users or join other namespaces (in the user namespace an ordinary
// user makes, euid is 0 but only that one uid is mapped).
func RealRoot() bool {
	if os.Geteuid() != 0 {
		return false
	}
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
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
	// last is the last reason made from bytes: leaked sets often share
	// their dead operators, and so the same reason, set after set.
	last string
}

// intern returns b as a string, the same one as last time when the bytes
// are the same (no allocation then).
func (a *arena) intern(b []byte) string {
	if a == nil {
		return string(b)
	}
	if a.last != string(b) { // no allocation: compared in place
		a.last = string(b)
	}
	return a.last
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
