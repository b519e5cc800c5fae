package doctor

import (
	"strings"
	"testing"

	"ipcscope/ipc"
)

func apacheSet(id int, v ipc.Verdict, rule ipc.Rule) ipc.Set {
	return ipc.Set{ID: id, Key: 0, NSems: 1, Perms: 0o600, CUID: 0, UID: 33, Verdict: v, Rule: rule}
}

func TestShortWhy(t *testing.T) {
	sets := []ipc.Set{apacheSet(1, ipc.Orphan, ipc.RuleApacheGone), apacheSet(2, ipc.Live, ipc.RuleApacheInstance), apacheSet(3, ipc.Stale, ipc.RuleHolders)}
	s, _ := ParseRunCfg(fixture(t, "runcfg-sysv.txt"))
	if got := CountApacheLeaks(sets, 33); got != 2 {
		t.Errorf("CountApacheLeaks = %d, want 2 (the running instance's set is not leaked)", got)
	}
	if got := CountApacheLeaks(sets, -1); got != 1 {
		t.Errorf("CountApacheLeaks by rule only = %d, want 1", got)
	}
	w := ShortWhy(s, nil, sets)
	if !strings.HasPrefix(w, "2 leaked Apache sets: its mutexes are System V sets (a Mutex sysvsem directive)") || !strings.Contains(w, "fix: Mutex pthread default,") {
		t.Errorf("ShortWhy %q", w)
	}
	if w := ShortWhy(s, nil, sets[1:2]); w != "" {
		t.Errorf("ShortWhy with a running instance's set only: %q", w)
	}
	d, _ := ParseRunCfg(fixture(t, "runcfg-debian.txt"))
	d.APRProcMutex = "pthread"
	if w := ShortWhy(d, nil, sets); !strings.Contains(w, "no System V sets now (pthread)") {
		t.Errorf("ShortWhy for pthread: %q", w)
	}
	if w := ShortWhy(nil, ErrNoApache, sets); !strings.Contains(w, "could not be read") {
		t.Errorf("ShortWhy unread: %q", w)
	}
	l := &ApacheLeak{Sets: 2, ReadError: "apache2ctl: exit status 1: AH00526"}
	if ls := l.Lines(); len(ls) != 1 || !strings.Contains(ls[0], "could not be read (apache2ctl: exit status 1: AH00526); judged from the kernel's view only") {
		t.Errorf("Lines with a read error: %q", ls)
	}
}
