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
		runtime.LockOSThread()
		// Not unlocked on failure to return: the runtime then ends the
		// thread with the goroutine, so no other goroutine runs in the
		// foreign namespace.
		self, err := os.Open("/proc/thread-self/ns/ipc")
		if err != nil {
			done <- err
			return
		}
		defer self.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWIPC); err != nil {
			done <- fmt.Errorf("joining the IPC namespace of PID %d: %w (needs root)", pid, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWIPC); err == nil {
			runtime.UnlockOSThread()
		}
		done <- ferr
	}()
	return <-done
}
