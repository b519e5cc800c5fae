package sandbox

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// unix_siginfo is the part of siginfo_t that waitid fills for a child.
type unix_siginfo struct {
	Signo  int32
	Errno  int32
	Code   int32
	_      int32
	PID    int32
	UID    uint32
	Status int32
	_      [100]byte
}

func (i *unix_siginfo) exited() bool { return i.PID != 0 }

// waitidNoReap asks whether child pid has exited, leaving it unreaped.
func waitidNoReap(pid int, info *unix_siginfo) error {
	_, _, e := unix.Syscall6(unix.SYS_WAITID, unix.P_PID, uintptr(pid), uintptr(unsafe.Pointer(info)), unix.WEXITED|unix.WNOWAIT|unix.WNOHANG, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}
