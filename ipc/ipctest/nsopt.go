package ipctest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

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
		return errors.New("ipctest: refusing to change another IPC namespace from outside a private one")
	}
	return ipc.InNamespace(pid, func() error {
		link, err := os.Readlink("/proc/thread-self/ns/ipc")
		if err != nil {
			return err
		}
		if ns := nsInode(link); ns == 0 || ns == ipc.InitIPCNSInode {
			return fmt.Errorf("ipctest: refusing to touch IPC namespace %q: it is the host's", link)
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
	return nsInode(link), nil
}

func nsInode(link string) uint64 {
	i, j := strings.IndexByte(link, '['), strings.LastIndexByte(link, ']')
	if i < 0 || j <= i {
		return 0
	}
	v, _ := strconv.ParseUint(link[i+1:j], 10, 64)
	return v
}

// Namespace is a private IPC namespace held open by a helper process,
// standing in for a container: sets made in it stay until the holder dies,
// and the kernel frees them then.
type Namespace struct {
	Holder *Proc
	Inode  uint64
	t      testing.TB
}

// NewNamespace starts a holder in a new IPC namespace; the test's cleanup
// kills it (and with it the namespace and its sets).
func NewNamespace(t testing.TB) *Namespace {
	t.Helper()
	p, err := Start("hold", InNewIPCNamespace())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	ino, err := IPCNamespace(p.PID)
	if err != nil {
		t.Fatal(err)
	}
	return &Namespace{Holder: p, Inode: ino, t: t}
}

// Set makes a set of nsems semaphores in the namespace, owned by uid:gid.
func (n *Namespace) Set(nsems int, uid, gid uint32) int {
	n.t.Helper()
	id, err := CreateSetIn(n.Holder.PID, 0, nsems, 0o600)
	if err != nil {
		n.t.Fatal(err)
	}
	if err := ChownIn(n.Holder.PID, id, uid, gid, 0o600); err != nil {
		n.t.Fatal(err)
	}
	return id
}

// Orphan makes a set created and owned by uid (who must run nothing in the
// namespace), which that creator changed last before it exited.
func (n *Namespace) Orphan(uid uint32) int {
	n.t.Helper()
	id, err := createAs(n.Holder.PID, uid, uid, 0, 1, 0o600, "semop")
	if err != nil {
		n.t.Fatal(err)
	}
	return id
}

// Live makes a set owned by uid and a process that keeps using it, in a
// PID namespace of its own (as in a container, it is PID 1 there while the
// host knows it by Proc.PID). The test's cleanup kills it.
func (n *Namespace) Live(uid uint32) (int, *Proc) {
	n.t.Helper()
	id := n.Set(1, uid, uid)
	p, err := StartIn(n.Holder.PID, fmt.Sprintf("semop %d 0 1 1 hold", id), InNewPIDNamespace())
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(p.Kill)
	return id, p
}

// Exists reports whether set id is still in the namespace.
func (n *Namespace) Exists(id int) bool {
	err := InPrivateNamespaceOf(n.Holder.PID, func() error {
		_, err := sysv.Stat(id)
		return err
	})
	return err == nil
}
