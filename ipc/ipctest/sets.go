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

// CreateSetAs makes a set as uid:gid (a helper process of that user is its
// creator, so cuid is uid, not root) and returns its ID; see
// sandbox.CreateSetAs for op. The set is removed when the test ends.
func CreateSetAs(t testing.TB, uid, gid uint32, key int32, nsems int, mode uint32, op string, opts ...Option) int {
	t.Helper()
	id, err := sandbox.CreateSetAs(0, uid, gid, key, nsems, mode, op, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sysv.Remove(id) })
	return id
}
