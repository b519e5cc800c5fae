package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
	"ipcscope/ipc/sysv"
)

func TestMain(m *testing.M) { ipctest.Main(m) }

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(args, strings.NewReader(""), &o, &e)
	return o.String(), e.String(), code
}

const idleUID = 4343

// leak makes a leaked set: key 0, created and owned by an idle user, last
// changed by its creator, which is gone.
func leak(t *testing.T) int {
	t.Helper()
	if !ipctest.RealRoot() {
		t.Skip("needs root to make a set as another user")
	}
	return ipctest.CreateSetAs(t, idleUID, idleUID, 0, 1, 0o600, "semop")
}

func held(t *testing.T) (int, *ipctest.Proc) {
	t.Helper()
	id := ipctest.NewSet(t, 1, 0o600)
	if ipctest.RealRoot() {
		if err := ipctest.Chown(id, idleUID, idleUID, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p, err := ipctest.Start(fmt.Sprintf("semop %d 0 1 1 hold", id))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return id, p
}

func exists(id int) bool {
	_, err := sysv.Stat(id)
	return err == nil
}

func TestListJSONShape(t *testing.T) {
	orphan := leak(t)
	live, p := held(t)
	out, errOut, code := run(t, "list", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Semaphores []map[string]any `json:"semaphores"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	byID := map[float64]map[string]any{}
	for _, s := range doc.Semaphores {
		byID[s["id"].(float64)] = s
	}
	o, l := byID[float64(orphan)], byID[float64(live)]
	if o == nil || l == nil {
		t.Fatalf("sets missing from %s", out)
	}
	for _, k := range []string{"key", "id", "owner", "perms", "cuid", "cuser", "cgid", "cgroup", "uid", "user", "gid", "group", "ctime", "nsems", "otime", "semaphores", "verdict", "reasons", "operators"} {
		if _, ok := o[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	if o["key"] != "0x00000000" || o["perms"] != "0600" || o["nsems"] != float64(1) || o["verdict"] != "orphan" {
		t.Errorf("orphan: %v", o)
	}
	if l["verdict"] != "live" {
		t.Errorf("live set: %v", l)
	}
	sems := l["semaphores"].([]any)
	if sems[0].(map[string]any)["pid"] != float64(p.PID) {
		t.Errorf("semaphores %v, want pid %d", sems, p.PID)
	}
	if _, ok := o["otime"].(string); !ok {
		t.Errorf("otime %v, want an RFC 3339 string", o["otime"])
	}

	out, _, _ = run(t, "list", "--verdict", "live", "--json")
	if strings.Contains(out, `"verdict":"orphan"`) || !strings.Contains(out, `"verdict":"live"`) {
		t.Errorf("--verdict live: %s", out)
	}
}

func TestListHuman(t *testing.T) {
	orphan := leak(t)
	out, _, code := run(t, "list", "--reasons")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%d", orphan)) || !strings.Contains(out, "orphan") || !strings.Contains(out, "has exited") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"list", "--verdict", "dead"},
		{"list", "extra"},
		{"clean", "--id", "x"},
		{"clean", "7"},
		{"limits", "--nope"},
		{"frobnicate"},
		// The red team's a10 and a23: a PID is positive, an audit log is
		// a file, a verdict filter names a verdict.
		{"clean", "--ns", "0"},
		{"clean", "--ns", "-5"},
		{"list", "--ns", "0"},
		{"clean", "--audit-log", ""},
		{"list", "--verdict", ""},
	} {
		_, errOut, code := run(t, args...)
		if code != ExitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
	for _, args := range [][]string{{"list", "--help"}, {"clean", "-h"}, {"limits", "--help"}, {"--help"}} {
		out, _, code := run(t, args...)
		if code != 0 || !strings.Contains(out, "sage") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	out, _, code := run(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "ipcscope ") {
		t.Errorf("--version: %d %q", code, out)
	}
}

func TestCleanRemovesOnlyOrphansAndAudits(t *testing.T) {
	o1, o2 := leak(t), leak(t)
	live, _ := held(t)
	audit := filepath.Join(t.TempDir(), "audit.jsonl")

	out, errOut, code := run(t, "clean", "--dry-run", "--audit-log", audit)
	if code != 0 || !strings.Contains(out, "would-remove") || !exists(o1) || !exists(o2) {
		t.Fatalf("dry run: exit %d, %s %s", code, out, errOut)
	}
	if _, err := os.Stat(audit); err == nil {
		t.Fatal("dry run wrote the audit log")
	}

	out, errOut, code = run(t, "clean", "--audit-log", audit)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	if exists(o1) || exists(o2) || !exists(live) {
		t.Fatalf("after clean: orphan %v %v, live %v\n%s", exists(o1), exists(o2), exists(live), out)
	}
	f, err := os.Open(audit)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[int]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct {
			Action string  `json:"action"`
			Set    ipc.Set `json:"set"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Action != "remove" || rec.Set.Verdict != ipc.Orphan || len(rec.Set.Sems) != 1 || len(rec.Set.Reasons) == 0 {
			t.Errorf("audit record %s", sc.Text())
		}
		seen[rec.Set.ID] = true
	}
	if !seen[o1] || !seen[o2] || len(seen) != 2 {
		t.Errorf("audit log has %v, want %d and %d", seen, o1, o2)
	}
}

// Trying to make it unsafe: ask by ID for a live set, a stale one, and
// one that does not exist.
func TestCleanByIDRefusesLiveAndStale(t *testing.T) {
	live, _ := held(t)
	rootSet := ipctest.NewSet(t, 1, 0o600) // owned by root, a root process here: stale
	ipctest.StartT(t, "hold")
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	out, _, code := run(t, "clean", "--id", fmt.Sprintf("%d,%d", live, rootSet), "--audit-log", audit)
	if code != ExitFail || !exists(live) || !exists(rootSet) {
		t.Fatalf("exit %d (want 1), live exists %v, stale exists %v\n%s", code, exists(live), exists(rootSet), out)
	}
	if !strings.Contains(out, "never removes a set in use") || !strings.Contains(out, "--include-stale") {
		t.Errorf("output does not explain:\n%s", out)
	}
	if _, err := os.Stat(audit); err == nil {
		t.Error("refusals wrote removal records")
	}
	// Asked by ID for a set that is not there: the list was wrong; exit 1.
	out, _, code = run(t, "clean", "--id", "999999", "--audit-log", audit)
	if code != ExitFail || !strings.Contains(out, "no set with this ID") {
		t.Errorf("missing ID: exit %d, want 1\n%s", code, out)
	}
}

func TestCleanIncludeStale(t *testing.T) {
	rootSet := ipctest.NewSet(t, 1, 0o600)
	ipctest.StartT(t, "hold")
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	out, _, code := run(t, "clean", "--include-stale", "--audit-log", audit)
	if code != 0 || exists(rootSet) {
		t.Fatalf("exit %d, stale set still there: %v\n%s", code, exists(rootSet), out)
	}
}

func TestCleanAuditLogUnwritableRemovesNothing(t *testing.T) {
	o := leak(t)
	dir := t.TempDir()
	// A directory where the file should be: the append fails.
	audit := filepath.Join(dir, "audit.jsonl")
	if err := os.Mkdir(audit, 0o755); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, "clean", "--audit-log", audit)
	if code != ExitFail || !exists(o) || !strings.Contains(out, "nothing removed") {
		t.Fatalf("exit %d, set exists %v\n%s", code, exists(o), out)
	}
}

func TestLimitsJSON(t *testing.T) {
	out, _, code := run(t, "limits", "--json")
	if code != 0 {
		t.Fatal(code)
	}
	var doc struct {
		IPCLimits []map[string]any `json:"ipclimits"`
		Usage     map[string]any   `json:"usage"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.IPCLimits) < 5 || doc.IPCLimits[0]["resource"] != "SEMMNI" || doc.IPCLimits[2]["used"] != nil {
		t.Fatalf("%s", out)
	}
	if _, ok := doc.IPCLimits[0]["use%"].(float64); !ok {
		t.Errorf("use%% is %v, want a number", doc.IPCLimits[0]["use%"])
	}
}

// Output to a full disk is a failure, said on stderr, for every command
// that prints (issue 8: list and limits exited 0).
func TestOutputToFullDiskFails(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full")
	}
	defer full.Close()
	for _, args := range [][]string{{"list"}, {"list", "--json"}, {"list", "--reasons"}, {"limits"}, {"limits", "--json"}, {"clean", "--dry-run"}, {"clean", "--dry-run", "--json"}} {
		var stderr strings.Builder
		code := Main(args, strings.NewReader(""), full, &stderr)
		if code != ExitFail || !strings.Contains(stderr.String(), "no space left on device") {
			t.Errorf("%v to /dev/full: exit %d, stderr %q; want 1 and the error", args, code, stderr.String())
		}
	}
}
