package doctor

import (
	"context"
	"fmt"
	"strings"

	"ipcscope/ipc"
)

// ApacheLeak is what is shown beside leaked Apache sets: how many there
// are and why Apache makes sets that leak, read from its configuration.
type ApacheLeak struct {
	Sets int `json:"sets"` // sets of Apache's mutex shape that no running Apache uses
	// ReadError says why the configuration could not be read ("" when it
	// was); then the cause is not named.
	ReadError string  `json:"read_error"`
	Conf      string  `json:"conf"`      // the configuration read ("" for the default)
	Mechanism string  `json:"mechanism"` // what "Mutex default" resolves to
	Advice    *Advice `json:"advice"`    // nil when no mutex is a SysV set
	setup     *ApacheSetup
}

// leakedApache reports whether s is one of Apache's mutex sets that no
// running Apache instance uses: by the verdict's own Apache rules, or by
// the shape (key 0, 1 semaphore, 0600, made by root) for user uid.
func leakedApache(s *ipc.Set, uid int) bool {
	switch s.Rule {
	case ipc.RuleApacheGone, ipc.RuleApacheStrays, ipc.RuleApacheClock:
		return true
	case ipc.RuleApacheInstance:
		return false
	}
	return s.Verdict != ipc.Live && s.Key == 0 && s.NSems == 1 && s.Perms == 0o600 && s.CUID == 0 && uid > 0 && s.UID == uid
}

// CountApacheLeaks counts the leaked Apache sets among sets without
// reading Apache's configuration (uid -1: by the verdict rules only).
func CountApacheLeaks(sets []ipc.Set, uid int) int {
	n := 0
	for i := range sets {
		if leakedApache(&sets[i], uid) {
			n++
		}
	}
	return n
}

// mightBeApache reports whether any set could be a leaked Apache mutex,
// so that Apache's configuration is worth reading (~30 ms: three apache2ctl runs side by side).
func mightBeApache(sets []ipc.Set) bool {
	for i := range sets {
		s := &sets[i]
		if s.Verdict != ipc.Live && s.Key == 0 && s.NSems == 1 && s.CUID == 0 && s.UID != 0 {
			return true
		}
	}
	return false
}

// DiagnoseApacheLeak reads Apache's setup (conf as -f when not "") once,
// and only when sets hold something that may be a leaked Apache mutex; it
// returns nil when none is. It never starts Apache.
func DiagnoseApacheLeak(ctx context.Context, conf string, sets []ipc.Set) *ApacheLeak {
	if !mightBeApache(sets) {
		return nil
	}
	l := &ApacheLeak{Conf: conf}
	s, err := ReadApache(ctx, conf)
	if err != nil {
		l.Sets = CountApacheLeaks(sets, -1)
		if l.Sets == 0 {
			return nil
		}
		l.ReadError = err.Error()
		return l
	}
	l.setup = s
	l.Sets = CountApacheLeaks(sets, s.User.ID)
	if l.Sets == 0 {
		return nil
	}
	l.Mechanism = s.ProcMutex(s.MutexDefault)
	l.Advice = s.MutexAdvice()
	return l
}

// Lines is the diagnosis in words, one line per item.
func (l *ApacheLeak) Lines() []string {
	if l == nil {
		return nil
	}
	head := fmt.Sprintf("%d leaked Apache %s", l.Sets, plural(l.Sets, "set", "sets"))
	if l.ReadError != "" {
		return []string{head + ": why Apache makes them cannot be said, its configuration could not be read (" + l.ReadError + "); judged from the kernel's view only"}
	}
	if l.Advice == nil {
		return []string{head + fmt.Sprintf(": Apache's mutexes are no System V sets now (Mutex default resolves to %s), so this configuration makes no more; these are from before the change or from another configuration", orUnknown(l.Mechanism))}
	}
	out := []string{head + ". Why: " + l.Advice.Cause + "."}
	for i, f := range l.Advice.Fix {
		lead := "Fix: "
		if i > 0 {
			lead = "Or:  "
		}
		out = append(out, lead+f.Change+" — cost: "+f.Cost+".")
	}
	out = append(out, "Then restart Apache and remove the leaked sets (ipcscope clean).")
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ApacheWhy makes the inspector's one line beside leaked Apache sets
// from a setup read once; the advice (which reads the configuration
// files) is worked out once too.
type ApacheWhy struct {
	setup   *ApacheSetup
	readErr error
	advice  *Advice
	src     string
}

// NewApacheWhy takes what ReadApache returned.
func NewApacheWhy(s *ApacheSetup, readErr error) *ApacheWhy {
	w := &ApacheWhy{setup: s, readErr: readErr}
	if s != nil {
		w.advice = s.MutexAdvice()
		w.src = "APR's default is sysvsem"
		if s.explicitMechanism(s.SysVMutexes()) {
			w.src = "a Mutex sysvsem directive"
		}
		if w.advice != nil && w.advice.Source != "" {
			w.src = w.advice.Source
		}
	}
	return w
}

// ShortWhy is NewApacheWhy(s, readErr).Line(sets).
func ShortWhy(s *ApacheSetup, readErr error, sets []ipc.Set) string {
	return NewApacheWhy(s, readErr).Line(sets)
}

// Line is "" when sets hold no leaked Apache set.
func (w *ApacheWhy) Line(sets []ipc.Set) string {
	s := w.setup
	if s == nil {
		n := CountApacheLeaks(sets, -1)
		if n == 0 || w.readErr == nil {
			return ""
		}
		return fmt.Sprintf("%d leaked Apache %s; why cannot be said: Apache's configuration could not be read (%v)", n, plural(n, "set", "sets"), w.readErr)
	}
	n := CountApacheLeaks(sets, s.User.ID)
	if n == 0 {
		return ""
	}
	a := w.advice
	if a == nil {
		return fmt.Sprintf("%d leaked Apache %s from before: its mutexes are no System V sets now (%s)", n, plural(n, "set", "sets"), orUnknown(s.ProcMutex(s.MutexDefault)))
	}
	return fmt.Sprintf("%d leaked Apache %s: its mutexes are System V sets (%s); fix: %s, restart Apache (ipcscope limits says more)", n, plural(n, "set", "sets"), w.src, strings.TrimSpace(strings.SplitN(a.Fix[0].Change, "  ", 2)[0]))
}
