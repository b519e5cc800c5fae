package ipc

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"ipcscope/ipc/sysv"
)

// Options tune a scan. The zero value scans the caller's IPC namespace
// through the real /proc.
type Options struct {
	// ProcRoot is where proc is mounted; default "/proc".
	ProcRoot string
	// Passwd and Group name users and groups; default /etc/passwd, /etc/group.
	Passwd, Group string
	// AllPIDsVisible asserts that every process that can use this IPC
	// namespace is visible in our PID namespace. It is automatic in the
	// initial PID namespace; set it only for a sandbox that made its own
	// PID and IPC namespaces together (as the tests do). Without it, a
	// scan from a nested PID namespace never calls a set an orphan.
	AllPIDsVisible bool
	// ListFromProc lists the sets from ProcRoot/sysvipc/sem instead of
	// walking the kernel's index with SEM_STAT_ANY (the default: faster).
	ListFromProc bool
	// ConfigRoot is where the configuration files ipcscope reads (Apache's
	// envvars and httpd.conf, to learn its User) are found; default "/".
	ConfigRoot string
}

func (o *Options) defaults() {
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	if o.Passwd == "" {
		o.Passwd = "/etc/passwd"
	}
	if o.Group == "" {
		o.Group = "/etc/group"
	}
	if o.ConfigRoot == "" {
		o.ConfigRoot = "/"
	}
}

// Scan takes a snapshot of the calling thread's IPC namespace.
func Scan(opts Options) (*Snapshot, error) {
	opts.defaults()
	start := time.Now()
	snap := &Snapshot{Taken: start, Source: "/proc/sysvipc/sem"}
	host, _ := os.Hostname()
	snap.Host = Printable(host)
	var uts unix.Utsname
	if unix.Uname(&uts) == nil {
		snap.Kernel = unix.ByteSliceToString(uts.Release[:])
	}
	if link, err := os.Readlink(procPath(opts.ProcRoot, "thread-self/ns/ipc")); err == nil {
		snap.IPCNS = ParseNSLink(link)
	} else if link, err := os.Readlink(procPath(opts.ProcRoot, "self/ns/ipc")); err == nil {
		snap.IPCNS = ParseNSLink(link)
	}

	workers, done := newTeam()
	defer done()
	rows, warn, err := listSets(opts, workers)
	if err != nil {
		return nil, err
	}
	if warn.source != "" {
		snap.Source = warn.source
	}
	snap.Warnings = append(snap.Warnings, warn.lines...)

	// Names for every owner and creator, made once: the workers only read.
	names := loadNames(opts.Passwd, opts.Group)
	uids, gids := map[int]bool{}, map[int]bool{}
	var last semRow
	for i, r := range rows {
		// Neighbouring sets mostly share owners: skip the maps then.
		if i > 0 && r.UID == last.UID && r.CUID == last.CUID && r.GID == last.GID && r.CGID == last.CGID {
			continue
		}
		last = r
		uids[r.UID], uids[r.CUID], gids[r.GID], gids[r.CGID] = true, true, true, true
	}
	names = names.withIDs(slices.Collect(maps.Keys(uids)), slices.Collect(maps.Keys(gids)))

	// The semaphores first, the process table after: then every last
	// operator that was alive when its sempid was read is in the table,
	// and a PID missing from it has really exited.
	sets, errs := readAll(rows, names, workers)

	procs, err := ReadProcTable(opts.ProcRoot)
	if err != nil {
		return nil, fmt.Errorf("reading the process table: %w", err)
	}
	if len(procs.Warnings) > 5 {
		snap.Warnings = append(snap.Warnings, procs.Warnings[:5]...)
		snap.Warnings = append(snap.Warnings, fmt.Sprintf("… and %d more unreadable processes", len(procs.Warnings)-5))
	} else {
		snap.Warnings = append(snap.Warnings, procs.Warnings...)
	}
	env := newJudgeEnv(opts, procs, snap.IPCNS, names)
	env.prepare(sets)
	findWaiters(sets, env, opts.ProcRoot)
	judgeAll(sets, errs, env, workers)

	snap.Sets = sets
	for i := range errs {
		if isGone(errs[i]) {
			snap.Vanished++
		}
	}
	if snap.Vanished > 0 {
		// Close the gaps (a Set is large: only when there are any).
		snap.Sets = sets[:0]
		for i := range sets {
			if !isGone(errs[i]) {
				snap.Sets = append(snap.Sets, sets[i])
			}
		}
	}
	// The index walk gives ID order nearly always. Compare by index: a Set
	// is too large to pass around by value 32,000 times.
	for i := 1; i < len(snap.Sets); i++ {
		if snap.Sets[i].ID < snap.Sets[i-1].ID {
			sort.Slice(snap.Sets, func(a, b int) bool { return snap.Sets[a].ID < snap.Sets[b].ID })
			break
		}
	}

	var lw []string
	snap.Limits, lw = readLimits(opts.ProcRoot)
	snap.Warnings = append(snap.Warnings, lw...)
	snap.Usage, lw = readUsage(opts.ProcRoot, snap.Sets)
	snap.Warnings = append(snap.Warnings, lw...)
	if env.allVisible {
		snap.Diagnosis = Diagnose(snap.Limits, snap.Usage)
	} else {
		snap.Diagnosis = diagnose(snap.Limits, snap.Usage, env.whyNotVisible)
		snap.Warnings = append(snap.Warnings, notVisibleWarning(env.whyNotVisible))
	}
	snap.env = env
	snap.Duration = time.Since(start)
	return snap, nil
}

// visibility decides whether sempid 0 and missing processes can be
// trusted: only when we see every process of the namespace.
func visibility(opts Options, procs *ProcTable, mountinfo []byte) (bool, string) {
	if !procIsOurs(opts.ProcRoot) {
		return false, opts.ProcRoot + " is not this PID namespace's proc (its self link is not ipcscope's PID: nsenter -m without -p?)"
	}
	if pid, ok := maskedProcEntry(opts.ProcRoot, mountinfo); ok {
		return false, fmt.Sprintf("a mount covers %s/%s (a process's entry hidden from ipcscope)", opts.ProcRoot, pid)
	}
	if _, ok := procs.ByPID[1]; !ok {
		return false, "this user cannot see every process (is /proc mounted with hidepid?)"
	}
	if opts.AllPIDsVisible {
		return true, ""
	}
	link, err := os.Readlink(procPath(opts.ProcRoot, "self/ns/pid"))
	if err != nil {
		return false, "ipcscope cannot tell which PID namespace it runs in"
	}
	// The initial PID namespace has a fixed inode (PROC_PID_INIT_INO),
	// whatever /proc is mounted for. NSpid cannot tell: a container's own
	// /proc shows one PID there too.
	if ParseNSLink(link) != initPIDNSInode {
		return false, "ipcscope runs in a nested PID namespace (a container?) and cannot see processes outside it"
	}
	return true, ""
}

// initPIDNSInode is PROC_PID_INIT_INO (include/linux/proc_ns.h).
const initPIDNSInode = 0xEFFFFFFC

type listWarnings struct {
	source string
	lines  []string
}

// listSets walks the kernel's index with SEM_STAT_ANY, which costs a third
// of reading and parsing /proc/sysvipc/sem (measured: 32,000 sets, ~10 ms
// against ~60 ms), and falls back to /proc/sysvipc/sem where SEM_STAT_ANY
// is missing (Linux < 4.17) or denied (an LSM), or when asked.
func listSets(opts Options, workers team) ([]semRow, listWarnings, error) {
	var w listWarnings
	var semctlErr error
	if !opts.ListFromProc {
		rows, err := listSetsSemctl(true, workers)
		if err == nil {
			w.source = "semctl"
			return rows, w, nil
		}
		semctlErr = err
	}
	b, err := os.ReadFile(procPath(opts.ProcRoot, "sysvipc/sem"))
	if err == nil {
		rows, warnings, perr := parseSysvSem(bytes.NewReader(b))
		w.lines = warnings
		if perr != nil {
			w.lines = append(w.lines, "reading /proc/sysvipc/sem: "+perr.Error())
		}
		return rows, w, nil
	}
	if semctlErr == nil {
		semctlErr = errors.New("not tried")
	}
	w.source = "semctl"
	w.lines = append(w.lines, fmt.Sprintf("/proc/sysvipc/sem unreadable (%v) and SEM_STAT_ANY failed (%v); listed with SEM_STAT, which shows only readable sets", err, semctlErr))
	rows, err := listSetsSemctl(false, team{n: 1})
	return rows, w, err
}

// listSetsSemctl walks the kernel's index with SEM_STAT_ANY (Linux ≥ 4.17)
// or SEM_STAT (read permission needed). With SEM_STAT_ANY it fails unless
// it finds every set SEM_INFO counts, so that the caller can fall back.
func listSetsSemctl(any bool, workers team) ([]semRow, error) {
	_, maxIdx, err := sysv.Info(false)
	if err != nil {
		return nil, fmt.Errorf("semctl(IPC_INFO): %w", err)
	}
	usage, _, err := sysv.Info(true)
	if err != nil {
		return nil, fmt.Errorf("semctl(SEM_INFO): %w", err)
	}
	if maxIdx < 4000 {
		workers.n = 1
	}
	parts := make([][]semRow, workers.n)
	for w := range parts {
		parts[w] = make([]semRow, 0, int(usage.Usz)/workers.n+16)
	}
	errs := make([]error, workers.n)
	chunk := (maxIdx + 1 + workers.n - 1) / workers.n
	walk := func(w int) {
		for i := w * chunk; i < min((w+1)*chunk, maxIdx+1); i++ {
			ds, id, err := sysv.StatIndex(i, any)
			if err != nil {
				if !errors.Is(err, unix.EINVAL) && errs[w] == nil {
					errs[w] = err
				}
				continue // an empty slot (EINVAL), or not readable
			}
			parts[w] = append(parts[w], rowFromDS(id, &ds))
		}
	}
	workers.run(walk)
	rows := make([]semRow, 0, usage.Usz)
	var firstErr error
	for w := range parts {
		rows = append(rows, parts[w]...)
		if firstErr == nil {
			firstErr = errs[w]
		}
	}
	if any && len(rows) < int(usage.Usz) {
		// Old kernel (no SEM_STAT_ANY: EINVAL everywhere), an LSM, or sets
		// created while we walked: let /proc settle it.
		return nil, fmt.Errorf("SEM_STAT_ANY listed %d of %d sets (%v)", len(rows), usage.Usz, firstErr)
	}
	return rows, nil
}

func rowFromDS(id int, ds *sysv.DS) semRow {
	return semRow{
		Key: Key(uint32(ds.Perm.Key)), ID: id, Mode: ds.Perm.Mode & 0o777, NSems: int(ds.NSems),
		UID: int(ds.Perm.UID), GID: int(ds.Perm.GID), CUID: int(ds.Perm.CUID), CGID: int(ds.Perm.CGID),
		OTime: ds.OTime, CTime: ds.CTime,
	}
}

// fillFromRow fills s from a listing row. Neighbouring sets mostly share
// their owner and creator: when prev has the same ids, its names are
// taken instead of looked up again.
func fillFromRow(s *Set, r semRow, n *names, prev *Set) {
	s.Key, s.ID, s.Perms, s.NSems = r.Key, r.ID, Perms(r.Mode&0o777), r.NSems
	s.UID, s.GID, s.CUID, s.CGID = r.UID, r.GID, r.CUID, r.CGID
	s.OTime, s.CTime = Unix(r.OTime), Unix(r.CTime)
	s.unmapped = n.unmapped(r)
	if prev != nil && prev.UID == r.UID && prev.GID == r.GID && prev.CUID == r.CUID && prev.CGID == r.CGID {
		s.User, s.Owner, s.Group, s.CUser, s.CGroup = prev.User, prev.Owner, prev.Group, prev.CUser, prev.CGroup
		return
	}
	s.User = n.user(r.UID)
	s.Owner, s.Group = s.User, n.group(r.GID)
	s.CUser, s.CGroup = n.user(r.CUID), n.group(r.CGID)
}

// readAll builds a Set for every row and reads its semaphores, with the
// given number of workers. errs[i] is the read error of sets[i].
func readAll(rows []semRow, names *names, workers team) (sets []Set, errs []error) {
	sets = make([]Set, len(rows))
	errs = make([]error, len(rows))
	// One backing array for every semaphore: one allocation, not 32,000.
	offs := make([]int, len(rows)+1)
	for i, r := range rows {
		offs[i+1] = offs[i] + r.NSems
	}
	backing := make([]Semaphore, offs[len(rows)])
	forChunks(len(rows), workers, func(lo, hi int) {
		var vals []uint16
		for i := lo; i < hi; i++ {
			var prev *Set
			if i > lo {
				prev = &sets[i-1]
			}
			fillFromRow(&sets[i], rows[i], names, prev)
			sets[i].Sems = backing[offs[i]:offs[i+1]:offs[i+1]]
			errs[i] = readSems(&sets[i], &vals)
		}
	})
	return sets, errs
}

// judgeAll judges every set that still exists, with the given number of
// workers: every set's operators first, then (sequentially) which sets the
// running Apache instances hold, then the verdicts.
func judgeAll(sets []Set, errs []error, env *judgeEnv, workers team) {
	decideNext := make([]bool, len(sets))
	forChunks(len(sets), workers, func(lo, hi int) {
		a := &arena{}
		for i := lo; i < hi; i++ {
			if !isGone(errs[i]) {
				decideNext[i] = judgeOperators(&sets[i], env, errs[i], a)
			}
		}
	})
	env.anchorAll(sets)
	forChunks(len(sets), workers, func(lo, hi int) {
		a := &arena{}
		for i := lo; i < hi; i++ {
			if decideNext[i] {
				decide(&sets[i], env, a)
			}
		}
	})
}

// forChunks splits [0, n) into one chunk per worker (one worker for small
// n) and runs f on each, the first on the calling goroutine.
func forChunks(n int, workers team, f func(lo, hi int)) {
	if n < 2000 {
		workers.n = 1
	}
	chunk := (n + workers.n - 1) / max(workers.n, 1)
	workers.run(func(w int) {
		f(min(w*chunk, n), min((w+1)*chunk, n))
	})
}

// team runs work on up to n goroutines, all in the IPC namespace of the
// goroutine that made it. Inside InNamespace only the calling thread has
// joined the foreign namespace (and it may be the process's main thread,
// so /proc/self cannot tell): each extra goroutine locks its thread, looks
// at that thread's namespace, and joins the team's first if it differs.
type team struct {
	n     int
	ns    *os.File // the namespace of the thread that made the team
	inode uint64
}

// newTeam makes a team on the calling thread; done releases it.
func newTeam() (t team, done func()) {
	f, err := os.Open("/proc/thread-self/ns/ipc")
	if err != nil {
		return team{n: 1}, func() {}
	}
	link, err := os.Readlink("/proc/thread-self/ns/ipc")
	if err != nil || ParseNSLink(link) == 0 {
		f.Close()
		return team{n: 1}, func() {}
	}
	return team{n: min(runtime.GOMAXPROCS(0), 4), ns: f, inode: ParseNSLink(link)}, func() { f.Close() }
}

// run runs f(0) … f(n-1): f(0) on the calling goroutine, the others on
// goroutines of their own in the same namespace. A share whose goroutine
// cannot get there runs on the calling goroutine afterwards: never
// anywhere else.
func (t team) run(f func(w int)) {
	var wg sync.WaitGroup
	notRun := make([]bool, max(t.n, 1))
	for w := 1; w < t.n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := inNamespaceOf(t.ns, t.inode, func() { f(w) }); err != nil {
				notRun[w] = true
			}
		}()
	}
	f(0)
	wg.Wait()
	for w, skipped := range notRun {
		if skipped {
			f(w)
		}
	}
}

// readSems fills s.Sems (already sized nsems) with every semaphore's
// value, sempid, ncount and zcount. vals is a reusable buffer for GETALL.
func readSems(s *Set, vals *[]uint16) error {
	if len(s.Sems) != s.NSems {
		s.Sems = make([]Semaphore, s.NSems)
	}
	if s.NSems > 1 {
		if cap(*vals) < s.NSems {
			*vals = make([]uint16, s.NSems)
		}
		v := (*vals)[:s.NSems]
		if err := sysv.GetAll(s.ID, v); err != nil {
			return semErr("GETALL", s, err)
		}
		for i := range v {
			s.Sems[i].Value = int(v[i])
		}
	}
	for i := range s.Sems {
		m := &s.Sems[i]
		m.Num = i
		var err error
		if s.NSems == 1 {
			if m.Value, err = sysv.GetVal(s.ID, i); err != nil {
				return semErr("GETVAL", s, err)
			}
		}
		if m.PID, err = sysv.GetPID(s.ID, i); err != nil {
			return semErr("GETPID", s, err)
		}
		if m.NCount, err = sysv.GetNCnt(s.ID, i); err != nil {
			return semErr("GETNCNT", s, err)
		}
		if m.ZCount, err = sysv.GetZCnt(s.ID, i); err != nil {
			return semErr("GETZCNT", s, err)
		}
	}
	return nil
}

// errGone marks a set that no longer exists.
var errGone = errors.New("the set no longer exists")

func isGone(err error) bool { return errors.Is(err, errGone) }

func semErr(op string, s *Set, err error) error {
	switch {
	case sysv.Classify(err) == sysv.Gone:
		return fmt.Errorf("%w (semctl %s on %d: %v)", errGone, op, s.ID, err)
	case sysv.Classify(err) == sysv.Denied:
		return fmt.Errorf("cannot read its semaphores: mode %s, owner %s; run as root or as %s (semctl %s: permission denied)", s.Perms, s.Owner, s.Owner, op)
	default:
		return fmt.Errorf("semctl %s failed: %v", op, err)
	}
}
