package ipctest

import (
	"fmt"
	"testing"

	"ipcscope/ipc/sysv"
)

// NewSet makes a set of nsems semaphores with key 0 (IPC_PRIVATE), like
// Apache's mutexes, and removes it when the test ends (if still there).
func NewSet(t testing.TB, nsems int, mode uint32) int {
	t.Helper()
	id, err := CreateSet(0, nsems, mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sysv.Remove(id) })
	return id
}

// CreateSet makes a set; key 0 means IPC_PRIVATE. It refuses outside a
// private IPC namespace.
func CreateSet(key int32, nsems int, mode uint32) (int, error) {
	if !Isolated() {
		return 0, fmt.Errorf("ipctest: refusing to create sets outside a private IPC namespace")
	}
	id, err := sysv.Get(key, nsems, int(sysv.IPC_CREAT|sysv.IPC_EXCL|(mode&0o777)))
	if err != nil {
		return 0, fmt.Errorf("semget(key %#x, nsems %d): %w", uint32(key), nsems, err)
	}
	return id, nil
}

// Chown makes uid:gid the owner of a set, as Apache does for its User.
func Chown(id int, uid, gid uint32, mode uint32) error {
	return sysv.Set(id, uid, gid, mode)
}
