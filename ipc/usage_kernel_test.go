package ipc

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"ipcscope/ipc/sysv"
)

// SHM_INFO and MSG_INFO count what /proc/sysvipc/shm and msg list: the
// usage read by the calls equals the usage parsed from the files.
func TestUsageCountsAgreeWithProc(t *testing.T) {
	if os.Getenv("IPCSCOPE_SANDBOX_ISOLATED") != "1" {
		t.Skip("needs the private IPC namespace of the test binary")
	}
	for _, size := range []int{1, 4097, 8192} {
		id, err := unix.SysvShmGet(0, size, unix.IPC_CREAT|0o600)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil) })
	}
	for range 2 {
		id, err := sysv.MsgGet(0, int(sysv.IPC_CREAT|0o600))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sysv.MsgRemove(id) })
	}
	byCalls, _ := readUsage("/proc", nil)
	// The same files, under another root: read and parsed.
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "sysvipc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"shm", "msg"} {
		b, err := os.ReadFile("/proc/sysvipc/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "sysvipc", f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	byFiles, _ := readUsage(root, nil)
	if byCalls.ShmSegs != byFiles.ShmSegs || byCalls.ShmPages != byFiles.ShmPages || byCalls.MsgQueues != byFiles.MsgQueues || byCalls.ShmSegs < 3 || byCalls.MsgQueues < 2 {
		t.Fatalf("calls %+v, files %+v", byCalls, byFiles)
	}
}
