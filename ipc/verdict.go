package ipc

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// StartSlack is how much later than a set's last change a process may
// have started and still count as its operator: otime and ctime are whole
// seconds, process start times are 1/100 s, and clocks tick between them.
const StartSlack = 2 * time.Second

// Rule names the rule that decided a verdict. README's "How ipcscope
// decides" explains each.
type Rule string

const (
	RuleUnreadable     Rule = "unreadable"             // unknown: its semaphores could not be read
	RuleWaiters        Rule = "waiters"                // live: a task is blocked on it now
	RuleOperator       Rule = "operator-alive"         // live: a last operator is alive
	RuleStartedLater   Rule = "operator-started-later" // stale: a last operator's PID runs, but started after the change
	RuleNotVisible     Rule = "pids-not-visible"       // stale/unknown: some process that could use it may be invisible
	RuleApacheInstance Rule = "apache-instance"        // live: made by a running Apache instance
	RuleApacheGone     Rule = "apache-gone"            // orphan: Apache's, and the instance that made it is gone
	RuleApacheStrays   Rule = "apache-strays"          // stale: children of a dead Apache parent still run
	RuleApacheClock    Rule = "apache-clock-only"      // stale: older than a running Apache by the clock only
	RuleHolders        Rule = "holders"                // stale: processes its permissions let in still run
	RuleNoHolders      Rule = "no-holders"             // orphan: nothing that could use it runs
	RuleKeyed          Rule = "keyed"                  // stale: nothing that could use it runs, but its key lets a later process find it again
)

// judgeEnv is everything a verdict depends on besides the set itself.
type judgeEnv struct {
	procs *ProcTable
	// ns is the inode of the IPC namespace the sets live in (0 unknown).
	ns uint64
	// allVisible is true when every process that can reach the IPC
	// namespace is in our PID namespace and this /proc is ours, so that
	// sempid 0 means "never changed" and a missing process is really gone.
	allVisible bool
	// whyNotVisible explains allVisible == false.
	whyNotVisible string
	// tableComplete is true when /proc shows every process of our PID
	// namespace (no hidepid, or we may see through it): a PID missing
	// from the table has exited. Otherwise kill(pid, 0) tells.
	tableComplete bool
	// alive holds kill(pid, 0)'s answer for PIDs missing from the table
	// (filled before judging when the table may be incomplete).
	alive map[int]bool
	names *names
	// nsProcs are the live processes in the sets' IPC namespace (or whose
	// namespace could not be read), without kernel threads, zombies and
	// ipcscope itself.
	nsProcs []*Process
	// multi are the live multi-threaded processes of any namespace,
	// whose other threads are read when a set would be called unused.
	multi       []*Process
	threads     threadCache
	procRoot    string
	apache      *apacheFacts
	holderCache map[holderKey]holderFacts
}

// newJudgeEnv prepares the evidence of one process table.
func newJudgeEnv(opts Options, procs *ProcTable, ns uint64, n *names) *judgeEnv {
	// One read of mountinfo for both questions (hidden entries, hidepid).
	mountinfo, _ := os.ReadFile("/proc/self/mountinfo")
	vis, why := visibility(opts, procs, mountinfo)
	return envFrom(procs, ns, n, vis, why, procTableComplete(opts.ProcRoot, mountinfo), opts.ConfigRoot, opts.ProcRoot)
}

// envFrom is newJudgeEnv with what it finds out given.
func envFrom(procs *ProcTable, ns uint64, n *names, allVisible bool, whyNot string, complete bool, confRoot, procRoot string) *judgeEnv {
	env := &judgeEnv{procs: procs, ns: ns, names: n, allVisible: allVisible, whyNotVisible: whyNot, tableComplete: complete}
	self := selfPID()
	for _, p := range procs.ByPID {
		if p.Zombie() || p.Kernel || p.PID == self {
			continue
		}
		if p.IPCNS == 0 || ns == 0 || p.IPCNS == ns {
			env.nsProcs = append(env.nsProcs, p)
		}
		if p.Threads > 1 {
			env.multi = append(env.multi, p)
		}
	}
	sort.Slice(env.multi, func(i, j int) bool { return env.multi[i].PID < env.multi[j].PID })
	sort.Slice(env.nsProcs, func(i, j int) bool { return env.nsProcs[i].PID < env.nsProcs[j].PID })
	env.apache = learnApache(env.nsProcs, procs.ByPID, confRoot, n)
	env.procRoot = procRoot
	env.threads.root = procRoot
	return env
}

// prepare learns, before the workers judge sets (they only read the env),
// what every set will ask: kill(pid, 0) for operators missing from the
// table, and who the permissions of each owner and mode let in.
func (env *judgeEnv) prepare(sets []Set) {
	if !env.tableComplete {
		env.alive = map[int]bool{}
		for i := range sets {
			for _, m := range sets[i].Sems {
				if m.PID == 0 || env.procs.ByPID[m.PID] != nil {
					continue
				}
				if _, ok := env.alive[m.PID]; !ok {
					env.alive[m.PID] = pidAlive(m.PID)
				}
			}
		}
	}
	env.learnHolders(sets)
	if env.apache != nil {
		for i := range sets {
			if env.apache.shape(&sets[i]) {
				env.apache.findRenamed(env.nsProcs, env.procs.ByPID, env.procRoot, env.names)
				break
			}
		}
	}
}

// anchorAll tells the Apache instances which of their sets have live
// operators, after every set's operators are known.
func (env *judgeEnv) anchorAll(sets []Set) {
	if env.apache == nil || len(env.apache.instances) == 0 {
		return
	}
	for i := range sets {
		if env.apache.shape(&sets[i]) && len(sets[i].Operators) > 0 {
			env.apache.anchor(&sets[i], env.procs.ByPID)
		}
	}
	env.apache.makeReasons(env.names)
}

// judge sets s.Operators, s.Verdict, s.Rule and s.Reasons. readErr is the
// reason the semaphores could not be read, if any.
func judge(s *Set, env *judgeEnv, readErr error, a *arena) {
	if judgeOperators(s, env, readErr, a) {
		decide(s, env, a)
	}
}

// judgeOperators is judge's first half: the operators, or Unknown when
// the semaphores could not be read. It reports whether decide should run.
func judgeOperators(s *Set, env *judgeEnv, readErr error, a *arena) bool {
	s.Operators, s.Reasons, s.Rule = nil, nil, ""
	if readErr != nil {
		s.Verdict, s.Rule = Unknown, RuleUnreadable
		s.Reasons = append(s.Reasons, readErr.Error())
		return false
	}
	if len(s.Sems) != s.NSems {
		s.Verdict, s.Rule = Unknown, RuleUnreadable
		s.Reasons = append(s.Reasons, fmt.Sprintf("read %d of %d semaphores", len(s.Sems), s.NSems))
		return false
	}
	s.Operators = operators(s, env, a)
	return true
}

// decide is judge's second half, once the operators are known (and, in a
// scan, the Apache instances anchored).
func decide(s *Set, env *judgeEnv, a *arena) {
	var live []string
	if w := s.Waiters(); w > 0 {
		named := ""
		if len(s.Waiting) > 0 {
			var parts []string
			for i, x := range s.Waiting {
				if i == 4 {
					parts = append(parts, fmt.Sprintf("%d more", len(s.Waiting)-i))
					break
				}
				parts = append(parts, "PID "+strconv.Itoa(x.PID)+" "+x.Comm)
			}
			named = ": " + strings.Join(parts, ", ")
		}
		live = append(live, fmt.Sprintf("%s waiting on it now (ncount+zcount = %d), blocked in semop%s", plural(w, "task", "tasks"), w, named))
	}
	// What became of the operators that are gone, as one reason: "no last
	// operator is alive: PID 2647 has exited; PID 2650 is a zombie …",
	// built in one buffer (a 32,000-set scan judges 32,000 of these).
	var buf [160]byte
	gone := append(buf[:0], "no last operator is alive: "...)
	nGone := 0
	var later []string
	for _, op := range s.Operators {
		switch op.State {
		case OpRunning:
			live = append(live, "last changed by PID "+strconv.Itoa(op.PID)+" ("+op.Comm+"), which is still running")
			continue
		case OpHidden:
			live = append(live, "last changed by PID "+strconv.Itoa(op.PID)+", which is alive (kill(pid, 0) finds it) although this /proc does not show it")
			continue
		case OpLater:
			later = append(later, "last changed by PID "+strconv.Itoa(op.PID)+", which runs now as "+op.Comm+": a reused PID, or the clock was stepped; a running process is never proof that the set is unused")
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
			gone = append(gone, " now belongs to "...)
			gone = append(gone, op.Comm...)
		}
	}
	if len(live) > 0 {
		s.Verdict, s.Rule, s.Reasons = Live, RuleOperator, live
		if s.Waiters() > 0 {
			s.Rule = RuleWaiters
		}
		return
	}

	zero := 0
	for _, m := range s.Sems {
		if m.PID == 0 {
			zero++
		}
	}
	reasons := a.strings(5)
	switch {
	case s.NSems > 0 && zero == s.NSems && !env.allVisible:
		s.Verdict, s.Rule = Unknown, RuleNotVisible
		s.Reasons = []string{"no semaphore shows a last operator (all sempids 0); " + env.whyNotVisible + ", so 0 may hide a process elsewhere"}
		return
	case s.NSems > 0 && zero == s.NSems:
		reasons = append(reasons, "no semaphore was ever changed (all sempids 0)")
	case nGone > 0:
		reasons = append(reasons, a.intern(gone))
		if zero > 0 && !env.allVisible {
			reasons = append(reasons, fmt.Sprintf("%s sempid 0; %s, so 0 may hide a live process", plural(zero, "semaphore has", "semaphores have"), env.whyNotVisible))
		}
	}
	reasons = append(reasons, "nobody is waiting on it")
	if len(later) > 0 {
		s.Verdict, s.Rule, s.Reasons = Stale, RuleStartedLater, append(reasons, later...)
		return
	}
	if !env.allVisible {
		// Nothing is called orphan from here, but what can be seen still
		// counts for keeping: a running Apache that made the set is in
		// plain view inside its own container (the red team's round 3,
		// c02 and c04).
		if env.apache.shape(s) {
			if v, rule, why := env.apache.judgeApache(s, reasons); v == Live {
				s.Verdict, s.Rule, s.Reasons = v, rule, why
				return
			}
		}
		s.Verdict, s.Rule, s.Reasons = Stale, RuleNotVisible, append(reasons, env.whyNotVisible+", so a process that uses the set may be invisible; nothing is called orphan from here")
		return
	}
	if env.apache.shape(s) {
		s.Verdict, s.Rule, s.Reasons = env.apache.judgeApache(s, reasons)
		return
	}
	h := env.holders(s)
	reasons = append(reasons, h.reason)
	switch {
	case h.n > 0:
		s.Verdict, s.Rule = Stale, RuleHolders
	case s.Key != 0:
		// A key is there to be found again: by the next run of a cron
		// job, the next start of its program, which then expects the
		// value it left (a counter, a limit). Nothing shows it is gone.
		s.Verdict, s.Rule = Stale, RuleKeyed
		reasons = append(reasons, keyedReason)
	default:
		s.Verdict, s.Rule = Orphan, RuleNoHolders
	}
	s.Reasons = reasons
}

const keyedReason = "but its key lets a process started later (the next run of a cron job, the next start of its program) find it again and expect the values it holds; remove it by hand (ipcscope clean --include-stale --id N) if you know its program is gone"

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
