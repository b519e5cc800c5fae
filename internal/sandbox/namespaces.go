package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"ipcscope/ipc"
	"ipcscope/ipc/sysv"
)

// InNewIPCNamespace starts the helper in a new IPC namespace of its own
// (CLONE_NEWIPC), as a container runtime does: sets made there with
// CreateSetIn live exactly as long as some process stays in it. Needs root
// (or a user namespace, which Isolate already made for non-root tests).
func InNewIPCNamespace() Option { return cloneFlag(syscall.CLONE_NEWIPC) }

// InNewPIDNamespace starts the helper as PID 1 of a new PID namespace, so
// that it sees itself under another number than the host does.
func InNewPIDNamespace() Option { return cloneFlag(syscall.CLONE_NEWPID) }

func cloneFlag(flag uintptr) Option {
	return func(c *exec.Cmd) {
		if c.SysProcAttr == nil {
			c.SysProcAttr = &syscall.SysProcAttr{}
		}
		c.SysProcAttr.Cloneflags |= flag
		c.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
}

// InPrivateNamespaceOf runs fn on a thread inside the IPC namespace of pid
// (see ipc.InNamespace), after checking that this namespace is neither the
// host's nor one outside the test's isolation: the guard every function
// here that changes a namespace goes through.
func InPrivateNamespaceOf(pid int, fn func() error) error {
	if !Isolated() {
		return errors.New("sandbox: refusing to change another IPC namespace from outside a private one")
	}
	return ipc.InNamespace(pid, func() error {
		link, err := os.Readlink("/proc/thread-self/ns/ipc")
		if err != nil {
			return err
		}
		if ns := ipc.ParseNSLink(link); ns == 0 || ns == ipc.InitIPCNSInode {
			return fmt.Errorf("sandbox: refusing to touch IPC namespace %q: it is the host's", link)
		}
		return fn()
	})
}

// CreateSetIn makes a set in the IPC namespace of pid (a helper started
// with InNewIPCNamespace); key 0 means IPC_PRIVATE.
func CreateSetIn(pid int, key int32, nsems int, mode uint32) (int, error) {
	var id int
	err := InPrivateNamespaceOf(pid, func() error {
		var err error
		id, err = sysv.Get(key, nsems, int(sysv.IPC_CREAT|sysv.IPC_EXCL|(mode&0o777)))
		if err != nil {
			return fmt.Errorf("semget(key %#x, nsems %d): %w", uint32(key), nsems, err)
		}
		return nil
	})
	return id, err
}

// ChownIn is Chown in the IPC namespace of pid.
func ChownIn(pid, id int, uid, gid, mode uint32) error {
	return InPrivateNamespaceOf(pid, func() error { return sysv.Set(id, uid, gid, mode) })
}

// SetLimitsIn writes SEMMSL SEMMNS SEMOPM SEMMNI of the IPC namespace of pid.
func SetLimitsIn(pid, msl, mns, opm, mni int) error {
	v := strings.Join([]string{strconv.Itoa(msl), strconv.Itoa(mns), strconv.Itoa(opm), strconv.Itoa(mni)}, " ")
	return InPrivateNamespaceOf(pid, func() error { return os.WriteFile("/proc/sys/kernel/sem", []byte(v), 0) })
}

// StartIn starts a helper (see Start) inside the IPC namespace of pid: the
// child is forked from the thread that joined it, so it inherits that
// namespace, as a process exec'd into a container does.
func StartIn(pid int, action string, opts ...Option) (*Proc, error) {
	var p *Proc
	err := InPrivateNamespaceOf(pid, func() error {
		var err error
		p, err = Start(action, opts...)
		return err
	})
	return p, err
}

// IPCNamespace returns the inode of the IPC namespace of pid.
func IPCNamespace(pid int) (uint64, error) {
	link, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/ipc")
	if err != nil {
		return 0, err
	}
	return ipc.ParseNSLink(link), nil
}
