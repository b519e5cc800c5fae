package ipc

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

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

// Remover removes scanned sets one by one after checking each again. It
// reads the process table at most every refreshEvery, so that a batch of
// thousands of orphans does not re-read /proc thousands of times.
type Remover struct {
	opts    RemoveOptions
	env     *judgeEnv
	envTime time.Time
	ns      uint64
}

const refreshEvery = 500 * time.Millisecond

// NewRemover prepares removals in the calling thread's IPC namespace.
func NewRemover(opts RemoveOptions) *Remover {
	opts.defaults()
	return &Remover{opts: opts}
}

// Remove removes one set as it was scanned, after making sure it is still
// the same object and still removable. It never removes a live set.
func Remove(scanned Set, opts RemoveOptions) Removal {
	return NewRemover(opts).Remove(scanned)
}

// freshEnv reads the process table, unless the last read is younger than
// refreshEvery and force is false.
func (rm *Remover) freshEnv(force bool) error {
	if !force && rm.env != nil && time.Since(rm.envTime) < refreshEvery {
		return nil
	}
	procs, err := ReadProcTable(rm.opts.ProcRoot)
	if err != nil {
		return err
	}
	if link, err := os.Readlink(procPath(rm.opts.ProcRoot, "thread-self/ns/ipc")); err == nil {
		rm.ns = parseNSLink(link)
	}
	env := &judgeEnv{procs: procs, ns: rm.ns, names: loadNames(rm.opts.Passwd, rm.opts.Group)}
	env.allVisible, env.whyNotVisible = visibility(rm.opts.Options, procs)
	rm.env, rm.envTime = env, time.Now()
	return nil
}

// Remove is the method form of the package-level Remove.
func (rm *Remover) Remove(scanned Set) Removal {
	r := Removal{ID: scanned.ID, Key: scanned.Key, Owner: scanned.Owner, Verdict: scanned.Verdict, Reasons: scanned.Reasons}
	if reason := rm.refuse(scanned.Verdict); reason != "" {
		r.Outcome, r.Reason = Refused, "at scan time: "+reason
		return r
	}
	// Read it again, now.
	ds, err := sysv.Stat(scanned.ID)
	if err != nil {
		switch {
		case errors.Is(err, unix.EINVAL), errors.Is(err, unix.EIDRM):
			r.Outcome, r.Reason = AlreadyGone, "the set no longer exists (someone else removed it)"
		case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
			r.Outcome, r.Reason = Failed, fmt.Sprintf("cannot read the set again before removing it: needs root or read permission (mode %s, owner %s)", scanned.Perms, scanned.Owner)
		default:
			r.Outcome, r.Reason = Failed, fmt.Sprintf("semctl IPC_STAT: %v", err)
		}
		return r
	}
	if err := rm.freshEnv(false); err != nil {
		r.Outcome, r.Reason = Failed, "reading the process table: "+err.Error()
		return r
	}
	now := setFromRow(rowFromDS(scanned.ID, &ds), rm.env.names)
	if why := sameObject(&scanned, &now); why != "" {
		r.Outcome, r.Reason = Refused, "the set changed since the scan ("+why+"); scan again"
		return r
	}
	var vals []uint16
	readErr := readSems(&now, &vals)
	if isGone(readErr) {
		r.Outcome, r.Reason = AlreadyGone, "the set no longer exists (someone else removed it)"
		return r
	}
	judge(&now, rm.env, readErr, nil)
	if now.Verdict != Live && rm.tableMissesAnOperator(&now) {
		// The cached process table is older than the sempids just read: a
		// process it calls dead is there. Read it again and judge again.
		if err := rm.freshEnv(true); err != nil {
			r.Outcome, r.Reason = Failed, "reading the process table: "+err.Error()
			return r
		}
		judge(&now, rm.env, readErr, nil)
	}
	r.Verdict, r.Reasons = now.Verdict, now.Reasons
	if reason := rm.refuse(now.Verdict); reason != "" {
		r.Outcome, r.Reason = Refused, "now: "+reason
		return r
	}
	if rm.opts.DryRun {
		r.Outcome, r.Reason = WouldRemove, "passes every check; dry run, nothing removed"
		return r
	}
	if err := rm.audit(&now, "remove", ""); err != nil {
		r.Outcome, r.Reason = Failed, "audit log: "+err.Error()+"; nothing removed"
		return r
	}
	if err := sysv.Remove(scanned.ID); err != nil {
		switch {
		case errors.Is(err, unix.EINVAL), errors.Is(err, unix.EIDRM):
			r.Outcome, r.Reason = AlreadyGone, "the set was removed by someone else a moment ago"
		case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
			r.Outcome, r.Reason = Failed, fmt.Sprintf("permission denied: removing needs root or the set's owner (%s) or creator (%s)", now.Owner, now.CUser)
		default:
			r.Outcome, r.Reason = Failed, fmt.Sprintf("semctl IPC_RMID: %v", err)
		}
		_ = rm.audit(&now, "remove-failed", r.Reason)
		return r
	}
	r.Outcome, r.Reason = Removed, "removed"
	return r
}

// tableMissesAnOperator reports whether some operator the table calls
// dead has a /proc entry now: the table predates its last operation.
func (rm *Remover) tableMissesAnOperator(s *Set) bool {
	for _, op := range s.Operators {
		if op.State != OpDead {
			continue
		}
		if _, err := os.Stat(procPath(rm.opts.ProcRoot, strconv.Itoa(op.PID))); err == nil {
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

// auditRecord is one line of the audit log.
type auditRecord struct {
	Time   time.Time `json:"time"`
	Action string    `json:"action"`
	UID    int       `json:"uid"`
	User   string    `json:"user"`
	Host   string    `json:"host"`
	IPCNS  uint64    `json:"ipc_namespace"`
	Error  string    `json:"error,omitempty"`
	Set    *Set      `json:"set"`
}

func (rm *Remover) audit(s *Set, action, errText string) error {
	if rm.opts.AuditLog == "" {
		return errors.New("no audit log file given")
	}
	host, _ := os.Hostname()
	rec := auditRecord{Time: time.Now().UTC(), Action: action, UID: os.Getuid(), User: rm.env.names.user(os.Getuid()), Host: host, IPCNS: rm.ns, Error: errText, Set: s}
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if err := os.MkdirAll(filepath.Dir(rm.opts.AuditLog), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(rm.opts.AuditLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
