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

// container is a private IPC namespace held open by a helper, with one
// live set (its operator in a nested PID namespace) and some orphans.
type container struct {
	ns      *ipctest.Namespace
	liveID  int
	live    *ipctest.Proc
	orphans []int
}

func newContainer(t *testing.T, orphans int) *container {
	t.Helper()
	if !ipctest.RealRoot() {
		t.Skip("needs root to join other IPC namespaces")
	}
	c := &container{ns: ipctest.NewNamespace(t)}
	c.liveID, c.live = c.ns.Live(idleUID + 1)
	for range orphans {
		c.orphans = append(c.orphans, c.ns.Orphan(idleUID))
	}
	return c
}

func (c *container) pid() string { return fmt.Sprint(c.ns.Holder.PID) }

func TestNamespacesCommandFindsContainers(t *testing.T) {
	cs := []*container{newContainer(t, 1), newContainer(t, 2), newContainer(t, 3)}
	if err := ipctest.SetLimitsIn(cs[1].ns.Holder.PID, 250, 32000, 32, 5); err != nil {
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
		ns, ok := byInode[c.ns.Inode]
		if !ok || ns.Summary == nil {
			t.Fatalf("container %d (ns %d) not found or not scanned: %+v", i, c.ns.Inode, ns)
		}
		if ns.Processes != 2 || ns.Summary.Usage.Orphans != len(c.orphans) || ns.Summary.Usage.Live != 1 {
			t.Errorf("container %d: %d processes, usage %+v; want 2, %d orphans, 1 live", i, ns.Processes, ns.Summary.Usage, len(c.orphans))
		}
	}
	if got := byInode[cs[1].ns.Inode].Summary.Limits.SEMMNI; got != 5 {
		t.Errorf("container 1: SEMMNI %d, want its own 5", got)
	}

	human, _, code := run(t, "namespaces")
	if code != 0 || !strings.Contains(human, "(host)") || !strings.Contains(human, fmt.Sprintf("%d  ", cs[1].ns.Inode)) ||
		!strings.Contains(human, "3/5 (60%)") {
		t.Errorf("exit %d, table:\n%s", code, human)
	}
}

// list --ns sees the container's own sets with the right verdicts, the
// live operator by its host PID; limits --ns its own limits.
func TestListAndLimitsInAnotherNamespace(t *testing.T) {
	a, b := newContainer(t, 1), newContainer(t, 2)
	if err := ipctest.SetLimitsIn(b.ns.Holder.PID, 250, 32000, 32, 77); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*container{a, b} {
		out, errOut, code := run(t, "list", "--json", "--ns", c.pid())
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
		if doc.Namespace != c.ns.Inode || len(doc.Semaphores) != 1+len(c.orphans) {
			t.Fatalf("ns %d, %d sets; want ns %d with %d sets", doc.Namespace, len(doc.Semaphores), c.ns.Inode, 1+len(c.orphans))
		}
		for _, s := range doc.Semaphores {
			switch {
			case s.ID == c.liveID:
				if s.Verdict != ipc.Live || len(s.Operators) != 1 || s.Operators[0].PID != c.live.PID || s.Operators[0].State != ipc.OpRunning {
					t.Errorf("live set: verdict %s, operators %+v; want live, running host PID %d", s.Verdict, s.Operators, c.live.PID)
				}
			case s.Verdict != ipc.Orphan:
				t.Errorf("set %d: verdict %s, want orphan (%q)", s.ID, s.Verdict, s.Reasons)
			}
		}
	}
	out, _, code := run(t, "limits", "--json", "--ns", b.pid())
	var lim limitsJSON
	if code != 0 || json.Unmarshal([]byte(out), &lim) != nil || lim.Limits.SEMMNI != 77 || lim.Usage.Sets != 3 || lim.Namespace != b.ns.Inode {
		t.Errorf("limits --ns: exit %d, %+v", code, lim)
	}
}

// clean --ns removes the orphans of one namespace and nothing else: not
// its live set, not any set of the other namespaces or of our own.
func TestCleanOneNamespaceLeavesOthers(t *testing.T) {
	a, b, c := newContainer(t, 2), newContainer(t, 2), newContainer(t, 1)
	ownOrphan := leak(t) // in the test's own namespace
	audit := filepath.Join(t.TempDir(), "audit.jsonl")

	out, errOut, code := run(t, "clean", "--ns", b.pid(), "--json", "--audit-log", audit)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	var res cleanJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Namespace != b.ns.Inode || len(res.Removals) != 2 || res.Kept[ipc.Live] != 1 {
		t.Fatalf("clean --ns: %+v", res)
	}
	for _, id := range b.orphans {
		if b.ns.Exists(id) {
			t.Errorf("orphan %d of the cleaned namespace is still there", id)
		}
	}
	if !b.ns.Exists(b.liveID) {
		t.Error("the live set of the cleaned namespace was removed")
	}
	for _, o := range []*container{a, c} {
		for _, id := range append([]int{o.liveID}, o.orphans...) {
			if !o.ns.Exists(id) {
				t.Errorf("set %d of untouched namespace %d is gone", id, o.ns.Inode)
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
