// Package sandbox makes real System V semaphore sets, and processes that
// use them, inside a private IPC namespace: ipcscope --demo builds its
// world with it, and ipc/ipctest wraps it for tests. Nothing here ever
// touches the host's own IPC namespace: Isolate re-executes the program in
// a new one, and every function that creates, changes or removes refuses
// to run outside it.
package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"ipcscope/ipc"
)

// Environment variables that carry state into re-executed processes.
const (
	envIsolated = "IPCSCOPE_SANDBOX_ISOLATED" // "1" once inside the private namespace
	envHelper   = "IPCSCOPE_SANDBOX_HELPER"   // a helper action to run instead of the program
	envPIDNS    = "IPCSCOPE_SANDBOX_PIDNS"    // "1" inside a private PID namespace with its own /proc
	envOuterNS  = "IPCSCOPE_SANDBOX_OUTER_NS" // the IPC namespace Isolate started from
)

// OuterNamespace is the IPC namespace ("ipc:[inode]") that Isolate left
// ("" when not isolated).
func OuterNamespace() string { return os.Getenv(envOuterNS) }

// Isolated reports whether this process runs in the private namespace that
// Isolate made.
func Isolated() bool { return os.Getenv(envIsolated) == "1" }

// InPIDNamespace reports whether this process is the init of a private PID
// namespace made by RunInPIDNamespace, with /proc mounted for it.
func InPIDNamespace() bool { return os.Getenv(envPIDNS) == "1" && os.Getpid() == 1 }

// cloneFlags are the namespaces for a re-execution: a new IPC namespace,
// and a user namespace when not root (where we map our uid to root, so we
// may set the namespace's own limits).
func cloneAttr(extra uintptr) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWIPC | extra, Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() != 0 {
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
		attr.GidMappingsEnableSetgroups = false
	}
	return attr
}

// Isolate re-executes the running program (with the same arguments) in a
// private IPC namespace and returns its exit status; the caller should exit
// with it. It returns (0, false, nil) when already isolated: go on.
func Isolate() (code int, ran bool, err error) {
	if Isolated() {
		return 0, false, nil
	}
	outer, _ := os.Readlink("/proc/self/ns/ipc")
	return reexec(os.Args, cloneAttr(0), envIsolated+"=1", envOuterNS+"="+outer)
}

func reexec(args []string, attr *syscall.SysProcAttr, env ...string) (int, bool, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, false, err
	}
	cmd := exec.Command(exe, args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		return 0, false, fmt.Errorf("cannot make a private IPC namespace (%v); this needs root, or unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)", err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			return 128 + int(st.Signal()), true, nil
		}
		return ee.ExitCode(), true, nil
	}
	if err != nil {
		return 0, true, err
	}
	return 0, true, nil
}

// RunInPIDNamespace re-executes the running program with args as PID 1 of
// a new PID and mount namespace (inside the same private IPC namespace).
// The child must call MountOwnProc first thing when InPIDNamespace
// reports true (ipctest.Main does). It returns the child's combined output
// and error.
func RunInPIDNamespace(args ...string) ([]byte, error) {
	if !Isolated() {
		return nil, errors.New("sandbox: refusing to make a PID namespace outside a private IPC namespace")
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), envPIDNS+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS, Pdeathsig: syscall.SIGKILL}
	return cmd.CombinedOutput()
}

// MountOwnProc gives a new PID namespace its own /proc (only as PID 1 of a
// namespace made by RunInPIDNamespace, whose mount namespace is private).
func MountOwnProc() error {
	if !InPIDNamespace() {
		return errors.New("sandbox: refusing to mount /proc outside a private PID namespace")
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	return nil
}

// SetLimits writes the namespace's SEMMSL SEMMNS SEMOPM SEMMNI. It refuses
// outside an isolated namespace, so a test can never lower the host's.
func SetLimits(msl, mns, opm, mni int) error {
	if !Isolated() {
		return errors.New("sandbox: refusing to change semaphore limits outside a private IPC namespace")
	}
	v := strings.Join([]string{strconv.Itoa(msl), strconv.Itoa(mns), strconv.Itoa(opm), strconv.Itoa(mni)}, " ")
	return os.WriteFile("/proc/sys/kernel/sem", []byte(v), 0)
}

// SetLastPID makes the next process of this PID namespace get pid+1 (only
// as PID 1 of a private PID namespace, see RunInPIDNamespace).
func SetLastPID(pid int) error {
	if !InPIDNamespace() {
		return errors.New("sandbox: ns_last_pid may only be set inside a private PID namespace")
	}
	return os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(strconv.Itoa(pid)), 0)
}

// RealRoot reports whether this process is root of the initial user
// namespace. Only then may tests give sets to other users, run helpers as
// them, or join other namespaces (see ipc.RealRoot).
func RealRoot() bool { return ipc.RealRoot() }
