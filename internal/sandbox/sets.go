package sandbox

import (
	"fmt"

	"ipcscope/ipc/sysv"
)

// CreateSet makes a set; key 0 means IPC_PRIVATE. It refuses outside a
// private IPC namespace.
func CreateSet(key int32, nsems int, mode uint32) (int, error) {
	if !Isolated() {
		return 0, fmt.Errorf("sandbox: refusing to create sets outside a private IPC namespace")
	}
	id, err := sysv.Get(key, nsems, int(sysv.IPC_CREAT|sysv.IPC_EXCL|(mode&0o777)))
	if err != nil {
		return 0, fmt.Errorf("semget(key %#x, nsems %d): %w", uint32(key), nsems, err)
	}
	return id, nil
}

// Chown makes uid:gid the owner of a set, as Apache does for its User. It
// refuses outside a private IPC namespace.
func Chown(id int, uid, gid uint32, mode uint32) error {
	if !Isolated() {
		return fmt.Errorf("sandbox: refusing to change sets outside a private IPC namespace")
	}
	return sysv.Set(id, uid, gid, mode)
}
