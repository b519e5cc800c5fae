package cli

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"ipcscope/doctor"
	"ipcscope/ipc"
)

// mutexLine is file:line of "Mutex sysvsem default" in conf.
func mutexLine(t *testing.T, conf string) string {
	t.Helper()
	f, err := os.Open(conf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "Mutex sysvsem default" {
			return fmt.Sprintf("%s:%d", conf, n)
		}
	}
	t.Fatalf("no Mutex sysvsem default in %s", conf)
	return ""
}

// checkApacheAdvice: limits --json names the Mutex directive, its file
// and line, and both fixes with their cost.
func checkApacheAdvice(t *testing.T, a *doctor.ApacheLeak, leaked int, conf string) {
	t.Helper()
	if a == nil || a.Advice == nil {
		t.Fatalf("limits --apache-conf: no Apache advice for %d leaked sets of Mutex sysvsem default: %+v", leaked, a)
	}
	if a.Sets != leaked || a.Mechanism != "sysvsem" || a.ReadError != "" {
		t.Errorf("apache: %d sets, mechanism %q, read error %q; want %d, sysvsem", a.Sets, a.Mechanism, a.ReadError, leaked)
	}
	if want := mutexLine(t, conf); a.Advice.Source != want {
		t.Errorf("apache advice source %q, want %q", a.Advice.Source, want)
	}
	if len(a.Advice.Fix) != 2 || !strings.HasPrefix(a.Advice.Fix[0].Change, "Mutex pthread default") || !strings.HasPrefix(a.Advice.Fix[1].Change, "Mutex file:${APACHE_LOCK_DIR} default") {
		t.Errorf("apache fixes %+v", a.Advice.Fix)
	}
	t.Logf("apache: %s", a.Advice.Cause)
}

// checkInspectorWhy: the inspector's why line for the same snapshot
// names the directive's file and line and the fix.
func checkInspectorWhy(t *testing.T, conf string) {
	t.Helper()
	snap, err := ipc.Scan(ipc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	why, whySet, _ := apacheWhy(conf)
	deadline := time.Now().Add(10 * time.Second)
	w := why(snap)
	for w == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		w = why(snap)
	}
	if !strings.Contains(w, "its mutexes are System V sets ("+mutexLine(t, conf)+"); fix: Mutex pthread default") {
		t.Errorf("inspector why line %q", w)
	}
	for i := range snap.Sets {
		if s := &snap.Sets[i]; s.Verdict == ipc.Orphan {
			if w := whySet(s); !strings.HasPrefix(w, "1 leaked Apache set: its mutexes are System V sets ("+mutexLine(t, conf)+")") {
				t.Errorf("details of set %d: why %q", s.ID, w)
			}
		}
	}
}

// checkSEMMNIFix: the SEMMNI finding's fix raises the 4th field only.
func checkSEMMNIFix(t *testing.T, f ipc.Finding) {
	t.Helper()
	if f.Fix == nil || f.Cause == "" {
		t.Fatalf("SEMMNI finding without cause or fix: %+v", f)
	}
	cur, val := strings.Fields(f.Fix.Current), strings.Fields(f.Fix.Value)
	if len(cur) != 4 || len(val) != 4 || cur[0] != val[0] || cur[1] != val[1] || cur[2] != val[2] || cur[3] == val[3] {
		t.Errorf("SEMMNI fix %q -> %q: want only the 4th field raised", f.Fix.Current, f.Fix.Value)
	}
	if f.Fix.Command != `sysctl -w kernel.sem="`+f.Fix.Value+`"` {
		t.Errorf("command %q", f.Fix.Command)
	}
}
