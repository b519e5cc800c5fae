package ipctest

import (
	"testing"

	"ipcscope/internal/sandbox"
	"ipcscope/ipc/sysv"
)

// NewSet makes a set of nsems semaphores with key 0 (IPC_PRIVATE), like
// Apache's mutexes, and removes it when the test ends (if still there).
func NewSet(t testing.TB, nsems int, mode uint32) int {
	t.Helper()
	id, err := sandbox.CreateSet(0, nsems, mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sysv.Remove(id) })
	return id
}
