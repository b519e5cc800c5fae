package ipctest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// HoldApacheLock makes the tests of every package that start Apache, or
// that need no Apache process running on the machine, take turns: go test
// runs packages in parallel, and an Apache of one test (in its own private
// IPC namespace) is a process that another test's verdicts may have to
// count, when they cannot read its namespace. The lock is released when
// the test ends.
func HoldApacheLock(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "ipcscope-tests-apache.lock"), os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		t.Fatalf("apache lock: %v", err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			f.Close()
			t.Fatalf("apache lock: still held by another test after 5 minutes: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() { f.Close() })
}
