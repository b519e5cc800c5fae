// Package sysv wraps the System V semaphore system calls that
// golang.org/x/sys/unix leaves out (semget, semop, semctl). It is the only
// place in ipcscope that calls them; ipc builds snapshots on top of it and
// internal/sandbox uses it to make real sets for --demo and the tests.
package sysv

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/unix"
)

// semctl commands (include/uapi/linux/ipc.h, include/uapi/linux/sem.h).
const (
	IPC_RMID     = 0
	IPC_SET      = 1
	IPC_STAT     = 2
	IPC_INFO     = 3
	GETPID       = 11
	GETVAL       = 12
	GETALL       = 13
	GETNCNT      = 14
	GETZCNT      = 15
	SETVAL       = 16
	SETALL       = 17
	SEM_STAT     = 18
	SEM_INFO     = 19
	SEM_STAT_ANY = 20

	IPC_PRIVATE = 0
	IPC_CREAT   = 0o1000
	IPC_EXCL    = 0o2000
	IPC_NOWAIT  = 0o4000
	SEM_UNDO    = 0x1000

	// SEMVMX is the largest value a semaphore can hold (a kernel constant).
	SEMVMX = 32767
)

// Perm is struct ipc64_perm.
type Perm struct {
	Key  int32
	UID  uint32
	GID  uint32
	CUID uint32
	CGID uint32
	Mode uint32
	_    [0]uint8
	Seq  uint16
	_    uint16
	_    uint64
	_    uint64
}

// SemInfo is struct seminfo, filled by IPC_INFO (limits) and SEM_INFO
// (Usz = sets in use, Aem = semaphores in use).
type SemInfo struct {
	Map int32
	Mni int32
	Mns int32
	Mnu int32
	Msl int32
	Opm int32
	Ume int32
	Usz int32
	Vmx int32
	Aem int32
}

// SemBuf is struct sembuf, one operation for Op.
type SemBuf struct {
	Num uint16
	Op  int16
	Flg int16
}

// semctl passes a value (SETVAL's, or 0) as the fourth argument.
func semctl(id, num, cmd int, val uintptr) (int, error) {
	// semctl never blocks: RawSyscall spares the scheduler hand-off, a
	// third of the cost of the 160,000 calls a 32,000-set scan makes.
	r, _, e := unix.RawSyscall6(unix.SYS_SEMCTL, uintptr(id), uintptr(num), uintptr(cmd), val, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// semctlPtr passes a buffer the kernel reads or fills. The pointer must be
// converted to uintptr in the syscall's own argument list: only there does
// the compiler keep the buffer where it is. Converted earlier (say, as an
// argument of semctl), the goroutine's stack may move first, and the
// kernel fills the old copy: a scan then saw IPC_STAT report nsems 0.
func semctlPtr(id, num, cmd int, p unsafe.Pointer) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_SEMCTL, uintptr(id), uintptr(num), uintptr(cmd), uintptr(p), 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// Get is semget(2).
func Get(key int32, nsems, flags int) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_SEMGET, uintptr(key), uintptr(nsems), uintptr(flags))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// Op is semop(2). It retries on EINTR.
func Op(id int, ops []SemBuf) error {
	if len(ops) == 0 {
		return errors.New("sysv.Op: no operations")
	}
	for {
		_, _, e := unix.Syscall(unix.SYS_SEMOP, uintptr(id), uintptr(unsafe.Pointer(&ops[0])), uintptr(len(ops)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		return nil
	}
}

// Stat is IPC_STAT by semaphore set ID.
func Stat(id int) (DS, error) {
	var ds DS
	_, err := semctlPtr(id, 0, IPC_STAT, unsafe.Pointer(&ds))
	return ds, err
}

// StatIndex is SEM_STAT_ANY (or SEM_STAT when any is false) by kernel
// index; it returns the set's full ID.
func StatIndex(index int, any bool) (DS, int, error) {
	var ds DS
	cmd := SEM_STAT
	if any {
		cmd = SEM_STAT_ANY
	}
	id, err := semctlPtr(index, 0, cmd, unsafe.Pointer(&ds))
	return ds, id, err
}

// Set is IPC_SET: it changes the owner uid/gid and the mode's low 9 bits.
func Set(id int, uid, gid uint32, mode uint32) error {
	ds, err := Stat(id)
	if err != nil {
		return err
	}
	ds.Perm.UID, ds.Perm.GID = uid, gid
	ds.Perm.Mode = (ds.Perm.Mode &^ 0o777) | (mode & 0o777)
	_, err = semctlPtr(id, 0, IPC_SET, unsafe.Pointer(&ds))
	return err
}

// Remove is IPC_RMID.
func Remove(id int) error {
	_, err := semctl(id, 0, IPC_RMID, 0)
	return err
}

// GetPID is GETPID: the PID (in the caller's PID namespace, 0 if invisible
// or never operated) of the last process that changed semaphore num.
func GetPID(id, num int) (int, error) { return semctl(id, num, GETPID, 0) }

// GetVal is GETVAL.
func GetVal(id, num int) (int, error) { return semctl(id, num, GETVAL, 0) }

// GetNCnt is GETNCNT: tasks waiting for the value to increase.
func GetNCnt(id, num int) (int, error) { return semctl(id, num, GETNCNT, 0) }

// GetZCnt is GETZCNT: tasks waiting for the value to become zero.
func GetZCnt(id, num int) (int, error) { return semctl(id, num, GETZCNT, 0) }

// GetAll is GETALL: every value of the set, in vals (len must be nsems).
func GetAll(id int, vals []uint16) error {
	if len(vals) == 0 {
		return errors.New("sysv.GetAll: empty buffer")
	}
	_, err := semctlPtr(id, 0, GETALL, unsafe.Pointer(&vals[0]))
	return err
}

// SetVal is SETVAL.
func SetVal(id, num, val int) error {
	_, err := semctl(id, num, SETVAL, uintptr(val))
	return err
}

// Info is IPC_INFO (limits) or SEM_INFO (usage) when usage is true. The
// return value is the highest index in use.
func Info(usage bool) (SemInfo, int, error) {
	var si SemInfo
	cmd := IPC_INFO
	if usage {
		cmd = SEM_INFO
	}
	r, err := semctlPtr(0, 0, cmd, unsafe.Pointer(&si))
	return si, r, err
}
