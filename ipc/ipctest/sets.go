package ipctest

import (
	"fmt"
	"strconv"
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

// CreateSetAs makes a set as uid:gid (a helper process of that user is its
// creator, so cuid is uid, not root) and returns its ID. op says what the
// creator does to semaphore 0 before it exits: "" nothing, "semop" +1 with
// SEM_UNDO, "setval" SETVAL 1. The set is removed when the test ends. The
// options place the helper (StartIn's namespace options do not apply: use
// CreateSetAsIn).
func CreateSetAs(t testing.TB, uid, gid uint32, key int32, nsems int, mode uint32, op string, opts ...Option) int {
	t.Helper()
	id, err := createAs(0, uid, gid, key, nsems, mode, op, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sysv.Remove(id) })
	return id
}

func createAs(nsPID int, uid, gid uint32, key int32, nsems int, mode uint32, op string, opts ...Option) (int, error) {
	code := map[string]int{"": 0, "semop": 1, "setval": 2}[op]
	action := fmt.Sprintf("create %d %d %o %d exit", key, nsems, mode&0o777, code)
	opts = append(opts, AsUser(uid, gid))
	var p *Proc
	var err error
	if nsPID != 0 {
		p, err = StartIn(nsPID, action, opts...)
	} else {
		p, err = Start(action, opts...)
	}
	if err != nil {
		return 0, err
	}
	if err := p.Reap(); err != nil {
		return 0, err
	}
	id, err := strconv.Atoi(p.Ready)
	if err != nil {
		return 0, fmt.Errorf("create helper said %q", p.Ready)
	}
	return id, nil
}
