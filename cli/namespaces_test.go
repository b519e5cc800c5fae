package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
)

func newContainer(t *testing.T, orphans int) *ipctest.Container {
	t.Helper()
	return ipctest.NewContainer(t, idleUID+1, idleUID, orphans)
}

func pidOf(c *ipctest.Container) string { return fmt.Sprint(c.Holder.PID) }

func TestNamespacesCommandFindsContainers(t *testing.T) {
	cs := []*ipctest.Container{newContainer(t, 1), newContainer(t, 2), newContainer(t, 3)}
	if err := ipctest.SetLimitsIn(cs[1].Holder.PID, 250, 32000, 32, 5); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "namespaces", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc namespacesJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	byInode := map[uint64]ipc.Namespace{}
	for _, ns := range doc.Namespaces {
		byInode[ns.Inode] = ns
	}
	for i, c := range cs {
		ns, ok := byInode[c.Inode]
		if !ok || ns.Summary == nil {
			t.Fatalf("container %d (ns %d) not found or not scanned: %+v", i, c.Inode, ns)
		}
		if ns.Processes != 2 || ns.Summary.Usage.Orphans != len(c.Orphans) || ns.Summary.Usage.Live != 1 {
			t.Errorf("container %d: %d processes, usage %+v; want 2, %d orphans, 1 live", i, ns.Processes, ns.Summary.Usage, len(c.Orphans))
		}
	}
	if got := byInode[cs[1].Inode].Summary.Limits.SEMMNI; got != 5 {
		t.Errorf("container 1: SEMMNI %d, want its own 5", got)
	}

	human, _, code := run(t, "namespaces")
	if code != 0 || !strings.Contains(human, "(host)") || !strings.Contains(human, fmt.Sprintf("%d  ", cs[1].Inode)) ||
		!strings.Contains(human, "3/5 (60%)") {
		t.Errorf("exit %d, table:\n%s", code, human)
	}
}

// list --ns sees the container's own sets with the right verdicts, the
// live operator by its host PID; limits --ns its own limits.
func TestListAndLimitsInAnotherNamespace(t *testing.T) {
	a, b := newContainer(t, 1), newContainer(t, 2)
	if err := ipctest.SetLimitsIn(b.Holder.PID, 250, 32000, 32, 77); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*ipctest.Container{a, b} {
		out, errOut, code := run(t, "list", "--json", "--ns", pidOf(c))
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var doc struct {
			Namespace  uint64    `json:"ipc_namespace"`
			Semaphores []ipc.Set `json:"semaphores"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Namespace != c.Inode || len(doc.Semaphores) != 1+len(c.Orphans) {
			t.Fatalf("ns %d, %d sets; want ns %d with %d sets", doc.Namespace, len(doc.Semaphores), c.Inode, 1+len(c.Orphans))
		}
		for _, s := range doc.Semaphores {
			switch {
			case s.ID == c.LiveID:
				if s.Verdict != ipc.Live || len(s.Operators) != 1 || s.Operators[0].PID != c.Operator.PID || s.Operators[0].State != ipc.OpRunning {
					t.Errorf("live set: verdict %s, operators %+v; want live, running host PID %d", s.Verdict, s.Operators, c.Operator.PID)
				}
			case s.Verdict != ipc.Orphan:
				t.Errorf("set %d: verdict %s, want orphan (%q)", s.ID, s.Verdict, s.Reasons)
			}
		}
	}
	out, _, code := run(t, "limits", "--json", "--ns", pidOf(b))
	var lim limitsJSON
	if code != 0 || json.Unmarshal([]byte(out), &lim) != nil || lim.Limits.SEMMNI != 77 || lim.Usage.Sets != 3 || lim.Namespace != b.Inode {
		t.Errorf("limits --ns: exit %d, %+v", code, lim)
	}
}

// clean --ns removes the orphans of one namespace and nothing else: not
// its live set, not any set of the other namespaces or of our own.
func TestCleanOneNamespaceLeavesOthers(t *testing.T) {
	a, b, c := newContainer(t, 2), newContainer(t, 2), newContainer(t, 1)
	ownOrphan := leak(t) // in the test's own namespace
	audit := filepath.Join(t.TempDir(), "audit.jsonl")

	out, errOut, code := run(t, "clean", "--ns", pidOf(b), "--json", "--audit-log", audit)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	var res cleanJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Namespace != b.Inode || len(res.Removals) != 2 || res.Kept[ipc.Live] != 1 {
		t.Fatalf("clean --ns: %+v", res)
	}
	for _, id := range b.Orphans {
		if b.Exists(id) {
			t.Errorf("orphan %d of the cleaned namespace is still there", id)
		}
	}
	if !b.Exists(b.LiveID) {
		t.Error("the live set of the cleaned namespace was removed")
	}
	for _, o := range []*ipctest.Container{a, c} {
		for _, id := range append([]int{o.LiveID}, o.Orphans...) {
			if !o.Exists(id) {
				t.Errorf("set %d of untouched namespace %d is gone", id, o.Inode)
			}
		}
	}
	if !exists(ownOrphan) {
		t.Error("an orphan of our own namespace was removed")
	}
	b2, err := os.ReadFile(audit)
	if err != nil || strings.Count(string(b2), "\n") != 2 {
		t.Errorf("audit log: %v\n%s", err, b2)
	}
}

func TestNamespaceFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"list", "--ns", "999999999"},
		{"clean", "--dry-run", "--ns", "999999999"},
		{"namespaces", "extra"},
		{"namespaces", "--ns", "1"},
	} {
		_, errOut, code := run(t, args...)
		if code == 0 || errOut == "" || strings.Contains(errOut, "panic") {
			t.Errorf("%q: exit %d, stderr %q; want a failure with a message", args, code, errOut)
		}
	}
}
