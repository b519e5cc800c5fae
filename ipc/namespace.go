package ipc

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// InNamespace runs fn on an OS thread that has joined the IPC namespace of
// process pid (0 means the caller's own: fn just runs). Everything ipc does
// inside fn — Scan, Remove — then sees that namespace: System V calls and
// /proc/sysvipc use the calling thread's namespace. The thread returns to
// its own namespace afterwards; if it cannot, it is retired, never reused.
// Joining another namespace needs CAP_SYS_ADMIN (root).
func InNamespace(pid int, fn func() error) error {
	if pid == 0 {
		return fn()
	}
	target, err := os.Open("/proc/" + strconv.Itoa(pid) + "/ns/ipc")
	if err != nil {
		return fmt.Errorf("IPC namespace of PID %d: %w", pid, err)
	}
	defer target.Close()
	done := make(chan error, 1)
	go func() {
		var ferr error
		if err := joined(target, func() { ferr = fn() }); err != nil {
			done <- fmt.Errorf("joining the IPC namespace of PID %d: %w (needs root)", pid, err)
			return
		}
		done <- ferr
	}()
	return <-done
}

// inNamespaceOf runs fn on this goroutine's OS thread in the IPC namespace
// with the given inode (target is that namespace): at once if the thread
// is in it already, else after joining it (see joined).
func inNamespaceOf(target *os.File, inode uint64, fn func()) error {
	runtime.LockOSThread()
	link, err := os.Readlink("/proc/thread-self/ns/ipc")
	if err == nil && parseNSLink(link) == inode {
		fn()
		runtime.UnlockOSThread()
		return nil
	}
	runtime.UnlockOSThread()
	return joined(target, fn)
}

// joined runs fn on this goroutine's OS thread after the thread joined the
// IPC namespace target, and returns the thread to its own namespace. If it
// cannot return, the thread stays locked and the runtime retires it with
// the goroutine, so no other goroutine ever runs in the foreign namespace.
// An error means fn did not run.
func joined(target *os.File, fn func()) error {
	runtime.LockOSThread()
	self, err := os.Open("/proc/thread-self/ns/ipc")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer self.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWIPC); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	fn()
	if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWIPC); err == nil {
		runtime.UnlockOSThread()
	}
	return nil
}
