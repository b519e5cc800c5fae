package ipctest

import (
	"ipcscope/internal/sandbox"
)

// The names below forward to internal/sandbox, so that tests keep one
// import for their fixtures. See sandbox for what each does and refuses.

// Proc is a running (or exited, unreaped) helper process.
type Proc = sandbox.Proc

// Option changes how a helper is started.
type Option = sandbox.Option

// Start runs a helper action; see sandbox.Start.
func Start(action string, opts ...Option) (*Proc, error) { return sandbox.Start(action, opts...) }

// AsUser runs the helper with the given uid and gid (needs root).
func AsUser(uid, gid uint32) Option { return sandbox.AsUser(uid, gid) }

// InNewPIDNamespace starts the helper as PID 1 of a new PID namespace.
func InNewPIDNamespace() Option { return sandbox.InNewPIDNamespace() }

// Isolated reports whether this process runs in the private namespace
// that Main made.
func Isolated() bool { return sandbox.Isolated() }

// OuterNamespace is the IPC namespace ("ipc:[inode]") that Main left.
func OuterNamespace() string { return sandbox.OuterNamespace() }

// InPIDNamespace reports whether this process is the init of a private
// PID namespace made by RunInPIDNamespace.
func InPIDNamespace() bool { return sandbox.InPIDNamespace() }

// RealRoot reports whether this process is root of the initial user
// namespace.
func RealRoot() bool { return sandbox.RealRoot() }

// CreateSet makes a set (key 0: IPC_PRIVATE) in the private namespace.
func CreateSet(key int32, nsems int, mode uint32) (int, error) {
	return sandbox.CreateSet(key, nsems, mode)
}

// Chown makes uid:gid the owner of a set.
func Chown(id int, uid, gid uint32, mode uint32) error { return sandbox.Chown(id, uid, gid, mode) }

// SetLimits writes the private namespace's SEMMSL SEMMNS SEMOPM SEMMNI.
func SetLimits(msl, mns, opm, mni int) error { return sandbox.SetLimits(msl, mns, opm, mni) }

// SetLimitsIn writes the limits of the IPC namespace of pid.
func SetLimitsIn(pid, msl, mns, opm, mni int) error {
	return sandbox.SetLimitsIn(pid, msl, mns, opm, mni)
}

// SetLastPID makes the next process of this PID namespace get pid+1.
func SetLastPID(pid int) error { return sandbox.SetLastPID(pid) }

// InPrivateNamespaceOf runs fn inside the IPC namespace of pid, guarded.
func InPrivateNamespaceOf(pid int, fn func() error) error {
	return sandbox.InPrivateNamespaceOf(pid, fn)
}

// IPCNamespace returns the inode of the IPC namespace of pid.
func IPCNamespace(pid int) (uint64, error) { return sandbox.IPCNamespace(pid) }
