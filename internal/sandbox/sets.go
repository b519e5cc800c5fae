package sandbox

import (
	"fmt"
	"strconv"

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

// CreateSetAs makes a set as uid:gid, in the IPC namespace of process
// nsPID (0: ours): a helper process of that user is its creator, so cuid
// is uid, not root. op says what the creator does to semaphore 0 before
// it exits: "" nothing, "semop" +1 with SEM_UNDO, "setval" SETVAL 1. It
// returns the set's ID.
func CreateSetAs(nsPID int, uid, gid uint32, key int32, nsems int, mode uint32, op string, opts ...Option) (int, error) {
	code, ok := map[string]int{"": 0, "semop": 1, "setval": 2}[op]
	if !ok {
		return 0, fmt.Errorf("sandbox: unknown creator operation %q", op)
	}
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
		return 0, fmt.Errorf("sandbox: the creating helper said %q", p.Ready)
	}
	return id, nil
}
