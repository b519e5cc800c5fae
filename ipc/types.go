// Package ipc takes snapshots of the System V semaphore sets of one IPC
// namespace, judges whether each set is still used (live), leaked (orphan),
// probably leaked (stale) or unreadable (unknown), reports the kernel limits,
// and removes orphaned sets safely. It knows nothing of any user interface:
// everything it returns is plain data with JSON tags.
package ipc

import (
	"encoding/json"
	"fmt"
	"time"
)

// Verdict is what ipcscope concludes about one semaphore set.
type Verdict string

const (
	// Live: a running process operated on the set, or one is waiting on it.
	Live Verdict = "live"
	// Orphan: nothing alive can use it any more; safe to remove.
	Orphan Verdict = "orphan"
	// Stale: no live operator, but its owner still runs processes (or the
	// owner is root); probably leaked, needs a human.
	Stale Verdict = "stale"
	// Unknown: the set could not be read or judged; the reasons say why.
	Unknown Verdict = "unknown"
)

// Verdicts lists every verdict in display order.
var Verdicts = []Verdict{Live, Orphan, Stale, Unknown}

// ParseVerdict accepts a verdict name (case-sensitive, as printed).
func ParseVerdict(s string) (Verdict, error) {
	for _, v := range Verdicts {
		if string(v) == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown verdict %q (want live, orphan, stale or unknown)", s)
}

// OperatorState says what became of a process that last changed a semaphore.
type OperatorState string

const (
	OpRunning OperatorState = "running"       // alive and could have done the last operation
	OpHidden  OperatorState = "hidden"        // alive (kill(pid, 0) says so) but this /proc does not show it
	OpLater   OperatorState = "started-later" // alive, but started after the set's last change: a reused PID, or the clock was stepped
	OpDead    OperatorState = "dead"          // no such process any more
	OpZombie  OperatorState = "zombie"        // exited, not yet reaped: dead
	OpReused  OperatorState = "reused"        // the PID now belongs to a kernel thread or a process of another IPC namespace
)

// Alive reports whether a process with the operator's PID exists and may
// be the one that changed the set: running, hidden, or started later than
// the change (which a stepped clock can fake). Only dead, zombie and
// reused operators are evidence that the set is no longer used.
func (s OperatorState) Alive() bool { return s == OpRunning || s == OpHidden || s == OpLater }

// Semaphore is one semaphore of a set.
type Semaphore struct {
	Num    int `json:"semnum"`
	Value  int `json:"value"`
	PID    int `json:"pid"` // sempid (GETPID); 0 = never changed, or invisible from this PID namespace
	NCount int `json:"ncount"`
	ZCount int `json:"zcount"`
}

// Operator is a distinct non-zero sempid of a set, with what it is now.
type Operator struct {
	PID   int           `json:"pid"`
	State OperatorState `json:"state"`
	Comm  string        `json:"command,omitempty"` // the current process's name, if any
	User  string        `json:"user,omitempty"`    // its real user, if any
	Sems  []int         `json:"semnums"`           // which semaphores it changed last
}

// Key is a System V IPC key. It prints and marshals as hex, like ipcs.
type Key uint32

func (k Key) String() string { return fmt.Sprintf("0x%08x", uint32(k)) }

// MarshalJSON writes the key as a hex string, e.g. "0x0052e2c1".
func (k Key) MarshalJSON() ([]byte, error) { return json.Marshal(k.String()) }

// UnmarshalJSON reads a hex string or a number.
func (k *Key) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*k = Key(uint32(n))
		return nil
	}
	var v uint32
	if _, err := fmt.Sscanf(s, "0x%x", &v); err != nil {
		return fmt.Errorf("bad key %q: %w", s, err)
	}
	*k = Key(v)
	return nil
}

// Perms is the low 9 bits of an IPC mode; it marshals as an octal string.
type Perms uint32

func (p Perms) String() string { return fmt.Sprintf("%04o", uint32(p)&0o777) }

// MarshalJSON writes the perms as an octal string, e.g. "0600".
func (p Perms) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads an octal string.
func (p *Perms) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	var v uint32
	if _, err := fmt.Sscanf(s, "%o", &v); err != nil {
		return fmt.Errorf("bad perms %q: %w", s, err)
	}
	*p = Perms(v)
	return nil
}

// Time is a whole-second kernel timestamp; zero means never and marshals as
// null, anything else as RFC 3339.
type Time struct{ time.Time }

// Unix makes a Time from seconds since the epoch; 0 is "never".
func Unix(sec int64) Time {
	if sec == 0 {
		return Time{}
	}
	return Time{time.Unix(sec, 0)}
}

// MarshalJSON writes null for never, RFC 3339 otherwise.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339))
}

// UnmarshalJSON reads null or RFC 3339.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	return t.Time.UnmarshalJSON(b)
}

// Set is one semaphore set as scanned. JSON keys follow `lsipc --json`
// where lsipc has the same field, with real types.
type Set struct {
	Key    Key    `json:"key"`
	ID     int    `json:"id"`
	Owner  string `json:"owner"` // user name of UID, or the number
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
	NSems  int    `json:"nsems"`
	OTime  Time   `json:"otime"`

	Sems      []Semaphore `json:"semaphores"`
	Operators []Operator  `json:"operators"`
	// Waiting names the tasks blocked on the set now, where /proc shows
	// them (at most 64; Waiters counts them all).
	Waiting []Waiter `json:"waiting,omitempty"`
	Verdict Verdict  `json:"verdict"`
	// Rule names the rule that decided the verdict (see README, "How
	// ipcscope decides"), e.g. "waiters", "apache-gone", "holders".
	Rule    Rule     `json:"rule"`
	Reasons []string `json:"reasons"`

	// unmapped says which of uid, gid, cuid, cgid are the kernel's
	// overflow ID for an ID not mapped into our user namespace: their
	// names are null in JSON, as lsipc writes them.
	unmapped unmappedIDs
}

type unmappedIDs uint8

const (
	unmappedUID unmappedIDs = 1 << iota
	unmappedGID
	unmappedCUID
	unmappedCGID
)

// LastChange is the later of OTime and CTime: no operator of the set can
// have started after it (give or take the clock's whole seconds).
func (s *Set) LastChange() time.Time {
	if s.OTime.After(s.CTime.Time) {
		return s.OTime.Time
	}
	return s.CTime.Time
}

// Waiters is the number of tasks blocked on the set now.
func (s *Set) Waiters() int {
	n := 0
	for _, m := range s.Sems {
		n += m.NCount + m.ZCount
	}
	return n
}

// Limits are the kernel's IPC limits for the namespace.
type Limits struct {
	SEMMSL int    `json:"semmsl"` // semaphores per set
	SEMMNS int64  `json:"semmns"` // semaphores in all sets
	SEMOPM int    `json:"semopm"` // operations per semop call
	SEMMNI int    `json:"semmni"` // semaphore sets
	SEMVMX int    `json:"semvmx"` // largest semaphore value
	SHMMNI int    `json:"shmmni"` // shared memory segments
	SHMALL uint64 `json:"shmall"` // shared memory pages in all segments
	SHMMAX uint64 `json:"shmmax"` // bytes per segment
	MSGMNI int    `json:"msgmni"` // message queues
}

// Usage is what the namespace uses now.
type Usage struct {
	Sets       int    `json:"sets"`
	Semaphores int64  `json:"semaphores"` // the sum of every set's nsems
	ShmSegs    int    `json:"shm_segments"`
	ShmPages   uint64 `json:"shm_pages"`
	MsgQueues  int    `json:"msg_queues"`
	Orphans    int    `json:"orphans"`
	Stale      int    `json:"stale"`
	Live       int    `json:"live"`
	Unknown    int    `json:"unknown"`
}

// Severity grades a diagnosis.
type Severity string

const (
	SevOK   Severity = "ok"
	SevWarn Severity = "warning"
	SevCrit Severity = "critical"
)

// Finding is one line of the limits diagnosis.
type Finding struct {
	Severity Severity `json:"severity"`
	Resource string   `json:"resource"` // SEMMNI, SEMMNS, SHMMNI, SHMALL, MSGMNI
	Used     uint64   `json:"used"`
	Limit    uint64   `json:"limit"`
	Percent  float64  `json:"percent"`
	Message  string   `json:"message"`
	// Cause and Fix say why the limit is reached and what lifts it for
	// good (limits_fix.go).
	Cause string    `json:"cause"`
	Fix   *LimitFix `json:"fix"`
}

// Snapshot is one consistent look at an IPC namespace.
type Snapshot struct {
	Taken     time.Time `json:"taken"`
	Host      string    `json:"host"`
	Kernel    string    `json:"kernel"`
	IPCNS     uint64    `json:"ipc_namespace"` // inode of the namespace scanned, 0 if unknown
	Source    string    `json:"source"`        // "/proc/sysvipc/sem" or "semctl"
	Sets      []Set     `json:"sets"`
	Limits    Limits    `json:"limits"`
	Usage     Usage     `json:"usage"`
	Diagnosis []Finding `json:"diagnosis"`
	// Vanished counts sets that disappeared between listing and reading.
	Vanished int `json:"vanished"`
	// Warnings are things that went wrong without stopping the scan (a
	// /proc line that did not parse, an unreadable process).
	Warnings []string      `json:"warnings"`
	Duration time.Duration `json:"-"`
	// env is the evidence the verdicts came from; a Remover started from
	// this snapshot judges again with a fresh one.
	env *judgeEnv
}

// String is the short form used in tables: "3105 apache2" for a running
// operator, "2647 dead", "2650 zombie", "2700 reused".
func (o Operator) String() string {
	if o.State == OpRunning {
		comm := o.Comm
		if comm == "" {
			comm = "running"
		}
		return fmt.Sprintf("%d %s", o.PID, comm)
	}
	return fmt.Sprintf("%d %s", o.PID, o.State)
}
