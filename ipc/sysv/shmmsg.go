package sysv

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Shared memory and message queue commands and flags
// (include/uapi/linux/shm.h, include/uapi/linux/msg.h). The segment calls
// use golang.org/x/sys/unix (SysvShmGet/Ctl/Attach/Detach); the queue
// calls, which it lacks, are here.
const (
	SHM_STAT     = 13
	SHM_INFO     = 14
	SHM_STAT_ANY = 15 // Linux ≥ 4.17: no read permission needed

	// SHM_DEST: IPC_RMID was called while processes are attached; the
	// kernel frees the segment when the last one detaches (shmctl(2)).
	SHM_DEST   = 0o1000
	SHM_LOCKED = 0o2000 // SHM_LOCK: not swapped out

	MSG_STAT     = 11
	MSG_INFO     = 12
	MSG_STAT_ANY = 13 // Linux ≥ 4.17

	// SHMMIN is the smallest segment (a kernel constant, 1 byte).
	SHMMIN = 1
)

// MsqDS is struct msqid64_ds on 64-bit Linux (amd64: arch/x86/include/uapi/
// asm/msgbuf.h; arm64: asm-generic/msgbuf.h; the same layout).
type MsqDS struct {
	Perm   Perm
	STime  int64
	RTime  int64
	CTime  int64
	CBytes uint64
	QNum   uint64
	QBytes uint64
	LSPID  int32
	LRPID  int32
	_      uint64
	_      uint64
}

// ShmStat is shmctl(IPC_STAT) by segment ID.
func ShmStat(id int) (unix.SysvShmDesc, error) {
	var ds unix.SysvShmDesc
	_, err := unix.SysvShmCtl(id, unix.IPC_STAT, &ds)
	return ds, err
}

// ShmStatIndex is SHM_STAT_ANY (or SHM_STAT) by kernel index; it returns
// the segment's full ID.
func ShmStatIndex(index int, any bool) (unix.SysvShmDesc, int, error) {
	var ds unix.SysvShmDesc
	cmd := SHM_STAT
	if any {
		cmd = SHM_STAT_ANY
	}
	id, err := unix.SysvShmCtl(index, cmd, &ds)
	return ds, id, err
}

// ShmRemove is shmctl(IPC_RMID): the segment goes at once when nothing is
// attached, else it is marked SHM_DEST and goes at the last detach.
func ShmRemove(id int) error {
	_, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	return err
}

func msgctl(id, cmd int, p unsafe.Pointer) (int, error) {
	r, _, e := unix.RawSyscall(unix.SYS_MSGCTL, uintptr(id), uintptr(cmd), uintptr(p))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// MsgGet is msgget(2).
func MsgGet(key int32, flags int) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_MSGGET, uintptr(key), uintptr(flags), 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// MsgStat is msgctl(IPC_STAT) by queue ID.
func MsgStat(id int) (MsqDS, error) {
	var ds MsqDS
	_, err := msgctl(id, IPC_STAT, unsafe.Pointer(&ds))
	return ds, err
}

// MsgStatIndex is MSG_STAT_ANY (or MSG_STAT) by kernel index; it returns
// the queue's full ID.
func MsgStatIndex(index int, any bool) (MsqDS, int, error) {
	var ds MsqDS
	cmd := MSG_STAT
	if any {
		cmd = MSG_STAT_ANY
	}
	id, err := msgctl(index, cmd, unsafe.Pointer(&ds))
	return ds, id, err
}

// MsgRemove is msgctl(IPC_RMID): the queue and every message in it go at
// once; blocked senders and receivers get EIDRM.
func MsgRemove(id int) error {
	_, err := msgctl(id, IPC_RMID, nil)
	return err
}

// MsgSnd is msgsnd(2) of one message of type mtype (> 0). It retries on
// EINTR.
func MsgSnd(id int, mtype int64, text []byte, flags int) error {
	buf := make([]byte, 8+len(text))
	*(*int64)(unsafe.Pointer(&buf[0])) = mtype
	copy(buf[8:], text)
	for {
		_, _, e := unix.Syscall6(unix.SYS_MSGSND, uintptr(id), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(text)), uintptr(flags), 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		return nil
	}
}

// MsgRcv is msgrcv(2) of the first message of type mtype (0: any), at
// most max bytes. It retries on EINTR.
func MsgRcv(id int, mtype int64, max int, flags int) ([]byte, error) {
	buf := make([]byte, 8+max)
	for {
		r, _, e := unix.Syscall6(unix.SYS_MSGRCV, uintptr(id), uintptr(unsafe.Pointer(&buf[0])), uintptr(max), uintptr(mtype), uintptr(flags), 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return nil, e
		}
		return buf[8 : 8+int(r)], nil
	}
}

// MsgInfoT is struct msginfo as MSG_INFO fills it: Pool is the number
// of queues, Map the messages in all, Tql their bytes.
type MsgInfoT struct {
	Pool, Map, Max, Mnb, Mni, Ssz, Tql int32
	Seg                                uint16
	_                                  uint16
}

// MsgInfo is msgctl(MSG_INFO): the usage, and the highest index in use.
func MsgInfo() (MsgInfoT, int, error) {
	var mi MsgInfoT
	r, err := msgctl(0, MSG_INFO, unsafe.Pointer(&mi))
	return mi, r, err
}

// ShmInfoT is struct shm_info as SHM_INFO fills it (64-bit): UsedIDs is
// the number of segments, Tot the pages they hold.
type ShmInfoT struct {
	UsedIDs                                 int32
	_                                       int32
	Tot, RSS, Swp, SwapAttempts, SwapSucces uint64
}

// ShmInfo is shmctl(SHM_INFO): the usage, and the highest index in use.
func ShmInfo() (ShmInfoT, int, error) {
	// The kernel writes a shm_info where the call takes a shmid_ds (the
	// larger of the two).
	var ds unix.SysvShmDesc
	r, err := unix.SysvShmCtl(0, SHM_INFO, &ds)
	if err != nil {
		return ShmInfoT{}, 0, err
	}
	return *(*ShmInfoT)(unsafe.Pointer(&ds)), r, nil
}
