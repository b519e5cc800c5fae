package ipctest

import (
	"fmt"
	"testing"

	"ipcscope/internal/sandbox"
	"ipcscope/ipc/sysv"
)

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
	p, err := sandbox.Start("hold", sandbox.InNewIPCNamespace())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	ino, err := sandbox.IPCNamespace(p.PID)
	if err != nil {
		t.Fatal(err)
	}
	return &Namespace{Holder: p, Inode: ino, t: t}
}

// Set makes a set of nsems semaphores in the namespace, owned by uid:gid.
func (n *Namespace) Set(nsems int, uid, gid uint32) int {
	n.t.Helper()
	id, err := sandbox.CreateSetIn(n.Holder.PID, 0, nsems, 0o600)
	if err != nil {
		n.t.Fatal(err)
	}
	if err := sandbox.ChownIn(n.Holder.PID, id, uid, gid, 0o600); err != nil {
		n.t.Fatal(err)
	}
	return id
}

// Orphan makes a set created and owned by uid (who must run nothing in the
// namespace), which that creator changed last before it exited.
func (n *Namespace) Orphan(uid uint32) int {
	n.t.Helper()
	id, err := sandbox.CreateSetAs(n.Holder.PID, uid, uid, 0, 1, 0o600, "semop")
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
	p, err := sandbox.StartIn(n.Holder.PID, fmt.Sprintf("semop %d 0 1 1 hold", id), sandbox.InNewPIDNamespace())
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(p.Kill)
	return id, p
}

// Exists reports whether set id is still in the namespace.
func (n *Namespace) Exists(id int) bool {
	err := sandbox.InPrivateNamespaceOf(n.Holder.PID, func() error {
		_, err := sysv.Stat(id)
		return err
	})
	return err == nil
}
