package ipc

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"ipcscope/ipc/sysv"
)

// Outcome is what became of one removal request.
type Outcome string

const (
	Removed     Outcome = "removed"      // IPC_RMID succeeded
	AlreadyGone Outcome = "already-gone" // someone else removed it first
	Refused     Outcome = "refused"      // ipcscope would not remove it (see Reason)
	Failed      Outcome = "failed"       // the kernel or the audit log said no
	WouldRemove Outcome = "would-remove" // dry run: it passed every check
)

// Removal is the result of one removal request, for printing and JSON.
type Removal struct {
	ID      int      `json:"id"`
	Key     Key      `json:"key"`
	Owner   string   `json:"owner"`
	Verdict Verdict  `json:"verdict"` // as judged just before removal
	Outcome Outcome  `json:"outcome"`
	Reason  string   `json:"reason"`
	Reasons []string `json:"reasons,omitempty"` // the verdict's reasons
}

// OK reports whether the request was carried out (or, dry, would be).
func (r Removal) OK() bool {
	return r.Outcome == Removed || r.Outcome == AlreadyGone || r.Outcome == WouldRemove
}

// RemoveOptions say how careful Remove is and where it writes its record.
type RemoveOptions struct {
	Options
	// AuditLog is the file every removal is appended to, as one JSON line,
	// before the set is removed. Required unless DryRun.
	AuditLog string
	// AllowStale lets stale sets be removed too. Live and unknown sets are
	// never removed.
	AllowStale bool
	// DryRun checks everything but removes nothing and writes no record.
	DryRun bool
	// Snapshot, when given and younger than a moment, lends its evidence
	// (process table, Apache instances) to the first checks.
	Snapshot *Snapshot
}

// DefaultAuditLog is /var/log/ipcscope/audit.jsonl for root, else
// $XDG_STATE_HOME/ipcscope/audit.jsonl (~/.local/state by default).
func DefaultAuditLog() string {
	if os.Geteuid() == 0 {
		return "/var/log/ipcscope/audit.jsonl"
	}
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "ipcscope", "audit.jsonl")
}

// Remover removes scanned sets after checking each again. It reads the
// process table at most every refreshEvery (and whenever a process has
// started since), so that a batch of thousands of orphans does not re-read
// /proc thousands of times.
type Remover struct {
	opts    RemoveOptions
	env     *judgeEnv
	envTime time.Time
	ns      uint64
	// seen caches, for the process table in env, whether a PID it lacks
	// has a /proc entry now (thousands of leaked sets share a few dead
	// operators). Emptied with every new table.
	seen  map[int]bool
	arena arena
}

const refreshEvery = 500 * time.Millisecond

// Test hooks (nil in the program): a slow disk after the records are
// durable, and a process acting between reading a set's semaphores and
// its times again.
var (
	testHookAfterRecord func()
	testHookAfterSems   func(id int)
)

// batchSize is how many records share one durable write (fsync), and
// batchSems how many semaphores their sets may have in all.
const (
	batchSize = 2048
	batchSems = 1 << 18
)

// recheckEvery is how many sets are checked between two looks at /proc
// for processes started since the table was read (one readdir).
const recheckEvery = 128

// NewRemover prepares removals in the calling thread's IPC namespace.
func NewRemover(opts RemoveOptions) *Remover {
	opts.defaults()
	rm := &Remover{opts: opts}
	if s := opts.Snapshot; s != nil && s.env != nil && time.Since(s.Taken) < refreshEvery {
		rm.env, rm.envTime, rm.ns = s.env, s.Taken, s.IPCNS
	}
	return rm
}

// Remove removes one set as it was scanned, after making sure it is still
// the same object and still removable. It never removes a live set.
func Remove(scanned Set, opts RemoveOptions) Removal {
	return NewRemover(opts).Remove(scanned)
}

// Remove is the method form of the package-level Remove.
func (rm *Remover) Remove(scanned Set) Removal { return rm.RemoveAll([]Set{scanned})[0] }

// RemoveAll removes every set given that passes the checks, in batches:
// each set is read and judged again; the records of a batch are written
// and made durable together; then, immediately before its IPC_RMID, each
// set is read and judged once more (it may have come back into use while
// the disk was busy), and a set that fails that last check gets a
// "remove-cancelled" record instead of being removed.
func (rm *Remover) RemoveAll(scanned []Set) []Removal {
	out := make([]Removal, len(scanned))
	var log *auditLog
	if !rm.opts.DryRun {
		// Before the first check: a concurrent clean finishes its batch
		// first, and what it removed is then already gone for us.
		if err := rm.freshEnv(false); err != nil {
			return failAll(scanned, out, "reading the process table: "+err.Error())
		}
		var err error
		if log, err = openAudit(rm.opts.AuditLog, rm.env.names.user(os.Getuid()), rm.ns); err != nil {
			return failAll(scanned, out, "audit log: "+err.Error()+"; nothing removed")
		}
		defer log.close()
	}
	for lo := 0; lo < len(scanned); {
		// A batch ends at batchSize sets or batchSems semaphores: sets of
		// 32,000 semaphores (SEMMSL allows it) must not all be held twice
		// at once.
		hi, sems := lo, 0
		for hi < len(scanned) && hi-lo < batchSize && (hi == lo || sems+scanned[hi].NSems <= batchSems) {
			sems += scanned[hi].NSems
			hi++
		}
		rm.batch(scanned[lo:hi], out[lo:hi], log)
		lo = hi
	}
	return out
}

func failAll(scanned []Set, out []Removal, why string) []Removal {
	for i := range scanned {
		s := &scanned[i]
		out[i] = Removal{ID: s.ID, Key: s.Key, Owner: s.Owner, Verdict: s.Verdict, Reasons: s.Reasons, Outcome: Failed, Reason: why}
	}
	return out
}

func (rm *Remover) batch(scanned []Set, out []Removal, log *auditLog) {
	nows := make([]Set, len(scanned))
	ok := make([]bool, len(scanned))
	envErr := rm.freshEnv(false)
	for i := range scanned {
		if i > 0 && i%recheckEvery == 0 {
			envErr = rm.freshEnv(false)
		}
		if envErr != nil {
			failAll(scanned[i:], out[i:], "reading the process table: "+envErr.Error())
			return
		}
		out[i], ok[i] = rm.check(&scanned[i], &nows[i])
		if ok[i] && rm.opts.DryRun {
			out[i].Outcome, out[i].Reason = WouldRemove, "passes every check; dry run, nothing removed"
			ok[i] = false
		}
		if ok[i] {
			log.add(&nows[i], "remove", "")
		}
	}
	if log == nil {
		return
	}
	if err := log.flush(); err != nil {
		log.buf = log.buf[:0]
		for i := range out {
			if ok[i] {
				out[i].Outcome, out[i].Reason = Failed, "audit log: "+err.Error()+"; nothing removed"
			}
		}
		return
	}
	if testHookAfterRecord != nil {
		testHookAfterRecord()
	}
	// Every record of the batch is durable. Now each set once more, and
	// at once its removal. A process that started while the disk was busy
	// may be a new user of a set: then the table is read again first.
	if err := rm.freshEnv(false); err != nil {
		for i := range out {
			if ok[i] {
				out[i].Outcome, out[i].Reason = Failed, "after its record was written: reading the process table: "+err.Error()
				log.add(&nows[i], "remove-cancelled", out[i].Reason)
			}
		}
		_ = log.flush()
		return
	}
	for i := range scanned {
		if !ok[i] {
			continue
		}
		if i > 0 && i%recheckEvery == 0 {
			// A process started a moment ago may have found sets of this
			// batch again by key: read the table again, and judge anew.
			if err := rm.freshEnv(false); err != nil {
				out[i].Outcome, out[i].Reason = Failed, "after its record was written: reading the process table: "+err.Error()
				log.add(&nows[i], "remove-cancelled", out[i].Reason)
				continue
			}
		}
		var again Set
		r, still := rm.check(&nows[i], &again)
		if !still {
			r.Reason = "after its record was written: " + r.Reason
			out[i] = r
			log.add(&nows[i], "remove-cancelled", r.Reason)
			continue
		}
		if err := sysv.Remove(again.ID); err != nil {
			r := &out[i]
			switch sysv.Classify(err) {
			case sysv.Gone:
				r.Outcome, r.Reason = AlreadyGone, "the set was removed by someone else a moment ago"
			case sysv.Denied:
				r.Outcome, r.Reason = Failed, fmt.Sprintf("permission denied: removing needs root or the set's owner (%s) or creator (%s)", again.Owner, again.CUser)
			default:
				r.Outcome, r.Reason = Failed, fmt.Sprintf("semctl IPC_RMID: %v", err)
			}
			log.add(&again, "remove-failed", r.Reason)
			continue
		}
		out[i].Outcome, out[i].Reason = Removed, "removed"
	}
	if err := log.flush(); err != nil {
		for i := range out {
			if out[i].Outcome == Removed {
				out[i].Reason = "removed; its record was written first, but a follow-up record (a cancelled or failed removal) could not be: " + err.Error()
			}
		}
	}
}

// check reads the set again and judges it, as was (scanned, or the state
// recorded), into now. ok is true when it may be removed.
func (rm *Remover) check(was *Set, now *Set) (Removal, bool) {
	r := Removal{ID: was.ID, Key: was.Key, Owner: was.Owner, Verdict: was.Verdict, Reasons: was.Reasons}
	if reason := rm.refuse(was.Verdict); reason != "" {
		r.Outcome, r.Reason = Refused, "at scan time: "+reason
		return r, false
	}
	if rm.env == nil {
		r.Outcome, r.Reason = Failed, "no process table read"
		return r, false
	}
	// IPC_STAT, the semaphores, IPC_STAT again: a first semop between the
	// two reads would show a new operator against old times.
	ds, err := sysv.Stat(was.ID)
	if err != nil {
		switch sysv.Classify(err) {
		case sysv.Gone:
			r.Outcome, r.Reason = AlreadyGone, "the set no longer exists (someone else removed it)"
		case sysv.Denied:
			r.Outcome, r.Reason = Failed, fmt.Sprintf("cannot read the set again before removing it: needs root or read permission (mode %s, owner %s)", was.Perms, was.Owner)
		default:
			r.Outcome, r.Reason = Failed, fmt.Sprintf("semctl IPC_STAT: %v", err)
		}
		return r, false
	}
	fillFromRow(now, rowFromDS(was.ID, &ds), rm.env.names, nil)
	if why := sameObject(was, now); why != "" {
		r.Outcome, r.Reason = Refused, "the set changed since the scan ("+why+"); scan again"
		return r, false
	}
	var vals []uint16
	readErr := readSems(now, &vals)
	if isGone(readErr) {
		r.Outcome, r.Reason = AlreadyGone, "the set no longer exists (someone else removed it)"
		return r, false
	}
	if testHookAfterSems != nil {
		testHookAfterSems(now.ID)
	}
	if ds2, err := sysv.Stat(was.ID); err != nil || ds2.OTime != ds.OTime || ds2.CTime != ds.CTime {
		r.Outcome, r.Reason = Refused, "the set changed while it was read again (operated on, or removed); scan again"
		if sysv.Classify(err) == sysv.Gone {
			r.Outcome, r.Reason = AlreadyGone, "the set no longer exists (someone else removed it)"
		}
		return r, false
	}
	rm.judgeOne(now, readErr)
	if now.Verdict != Live && rm.tableMissesAnOperator(now) {
		// The cached process table is older than the sempids just read: a
		// process it calls dead is there. Read it again and judge again.
		if err := rm.freshEnv(true); err != nil {
			r.Outcome, r.Reason = Failed, "reading the process table: "+err.Error()
			return r, false
		}
		rm.judgeOne(now, readErr)
	}
	r.Verdict, r.Reasons = now.Verdict, now.Reasons
	if reason := rm.refuse(now.Verdict); reason != "" {
		r.Outcome, r.Reason = Refused, "now: "+reason
		return r, false
	}
	return r, true
}

func (rm *Remover) judgeOne(s *Set, readErr error) {
	rm.env.learnHolder(s)
	if a := rm.env.apache; a != nil && a.shape(s) {
		a.findRenamed(rm.env.nsProcs, rm.env.procs.ByPID, rm.env.procRoot, rm.env.names)
	}
	judge(s, rm.env, readErr, &rm.arena)
}

// freshEnv reads the process table again when the last read is older than
// refreshEvery, when a process has started since (it may be a new user of
// a set), or when forced. The Apache instances keep what their sets showed
// (the anchors): a new instance has none, and its age alone never makes an
// older set an orphan.
func (rm *Remover) freshEnv(force bool) error {
	if !force && rm.env != nil && time.Since(rm.envTime) < refreshEvery && !rm.newProcesses() {
		return nil
	}
	if rm.env == nil {
		// The first evidence is a whole scan: the Apache instances are
		// dated by their sets.
		snap, err := Scan(rm.opts.Options)
		if err != nil {
			return err
		}
		rm.env, rm.envTime, rm.ns, rm.seen = snap.env, snap.Taken, snap.IPCNS, nil
		return nil
	}
	procs, err := ReadProcTable(rm.opts.ProcRoot)
	if err != nil {
		return err
	}
	if link, err := os.Readlink(procPath(rm.opts.ProcRoot, "thread-self/ns/ipc")); err == nil {
		rm.ns = ParseNSLink(link)
	}
	env := newJudgeEnv(rm.opts.Options, procs, rm.ns, loadNames(rm.opts.Passwd, rm.opts.Group))
	if rm.env != nil && rm.env.apache != nil {
		env.apache.carryAnchors(rm.env.apache, env.names)
	}
	rm.env, rm.envTime, rm.seen = env, time.Now(), nil
	return nil
}

// newProcesses reports whether /proc lists a PID the cached table lacks.
func (rm *Remover) newProcesses() bool {
	d, err := os.Open(rm.opts.ProcRoot)
	if err != nil {
		return true
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return true
	}
	for _, n := range names {
		if n[0] < '0' || n[0] > '9' {
			continue
		}
		pid, err := strconv.Atoi(n)
		if err == nil && rm.env.procs.ByPID[pid] == nil {
			return true
		}
	}
	return false
}

// tableMissesAnOperator reports whether some operator the table calls
// dead has a /proc entry now: the table predates its last operation.
func (rm *Remover) tableMissesAnOperator(s *Set) bool {
	for _, op := range s.Operators {
		if op.State != OpDead {
			continue
		}
		there, ok := rm.seen[op.PID]
		if !ok {
			_, err := os.Stat(procPath(rm.opts.ProcRoot, strconv.Itoa(op.PID)))
			there = err == nil
			if rm.seen == nil {
				rm.seen = map[int]bool{}
			}
			// A PID that appears later than this is a process started
			// after the table: the check at the start of every batch
			// (newProcesses) reads the table again then.
			rm.seen[op.PID] = there
		}
		if there {
			return true
		}
	}
	return false
}

func (rm *Remover) refuse(v Verdict) string {
	switch v {
	case Orphan:
		return ""
	case Stale:
		if rm.opts.AllowStale {
			return ""
		}
		return "stale, not an orphan (remove stale sets only when asked: --include-stale)"
	case Live:
		return "live: ipcscope never removes a set in use"
	default:
		return "verdict " + string(v) + ": ipcscope removes only sets it could judge"
	}
}

// sameObject says why now is not the set that was scanned ("" if it is).
// IDs are reused, so compare everything that identifies an object.
func sameObject(was, now *Set) string {
	switch {
	case was.Key != now.Key:
		return fmt.Sprintf("key %s is now %s", was.Key, now.Key)
	case was.CUID != now.CUID || was.CGID != now.CGID:
		return "its creator changed"
	case was.NSems != now.NSems:
		return fmt.Sprintf("nsems %d is now %d", was.NSems, now.NSems)
	case !was.CTime.Equal(now.CTime.Time):
		return "ctime moved: it was created anew or changed (SETVAL/IPC_SET)"
	case !was.OTime.Equal(now.OTime.Time):
		return "otime moved: someone operated on it since"
	}
	return ""
}
