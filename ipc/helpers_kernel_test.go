package ipc_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"ipcscope/ipc"
	"ipcscope/ipc/sysv"
)

// envChild makes the test binary run one action as a child process instead
// of the tests (used to act as another user).
const envChild = "IPCSCOPE_IPC_TEST_CHILD"

func init() {
	spec := os.Getenv(envChild)
	if spec == "" {
		return
	}
	f := strings.Fields(spec)
	id, _ := strconv.Atoi(f[1])
	snap, err := ipc.Scan(ipc.Options{})
	if err != nil {
		fmt.Println("scan error:", err)
		os.Exit(1)
	}
	for _, s := range snap.Sets {
		if s.ID != id {
			continue
		}
		switch f[0] {
		case "scan":
			fmt.Printf("verdict=%s %s\n", s.Verdict, strings.Join(s.Reasons, "; "))
		case "json":
			fmt.Printf("%s\n", s.AppendJSON(nil))
		case "remove":
			s.Verdict = ipc.Orphan // pretend, to reach the kernel's own check
			r := ipc.Remove(s, ipc.RemoveOptions{AuditLog: f[2], AllowStale: true})
			fmt.Printf("outcome=%s reason=%s\n", r.Outcome, r.Reason)
		}
	}
	os.Exit(0)
}

// runAsNobody runs a child action as uid/gid 65534 from a world-readable
// copy of the test binary.
func runAsNobody(t *testing.T, args ...string) (string, error) {
	t.Helper()
	dir, err := os.MkdirTemp("", "ipcscope-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "ipc.test")
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envChild+"="+strings.Join(args, " "), "HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// fakeProcWithGhost returns a proc root that links to the real /proc but
// whose sysvipc/sem still lists set id, which is then removed: as if the
// set vanished between listing and reading.
func fakeProcWithGhost(t *testing.T, id int) string {
	t.Helper()
	root := t.TempDir()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == "sysvipc" {
			continue
		}
		if err := os.Symlink(filepath.Join("/proc", e.Name()), filepath.Join(root, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, "sysvipc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"sem", "shm", "msg"} {
		b, err := os.ReadFile(filepath.Join("/proc/sysvipc", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "sysvipc", f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := sysv.Remove(id); err != nil {
		t.Fatal(err)
	}
	return root
}
