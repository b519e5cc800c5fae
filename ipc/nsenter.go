package ipc

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// Entering an IPC namespace: InNamespace joins the namespace of a process
// on a locked thread, and NS names a namespace pinned by its inode, with
// Scan and Remove that act only there. Listing the namespaces that exist
// is in nslist.go.

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
	if err == nil && ParseNSLink(link) == inode {
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

// NS names the IPC namespace to work in. PID 0 is the caller's own (no
// joining, no privilege needed); otherwise PID is a process in it, and
// Inode, once known, pins it: if that process exits and its PID is reused
// by a process of another namespace, Do, Scan and Remove fail instead of
// acting there. The rule is "remove only where you scanned": pin the NS to
// the snapshot (Pin) and remove its sets through that NS.
type NS struct {
	PID   int
	Inode uint64
}

// Own reports whether this is the caller's own namespace.
func (n NS) Own() bool { return n.PID == 0 }

// Pin returns n pinned to the namespace snap was taken in; an NS already
// pinned, or our own, is returned as it is.
func (n NS) Pin(snap *Snapshot) NS {
	if !n.Own() && n.Inode == 0 && snap != nil {
		n.Inode = snap.IPCNS
	}
	return n
}

// Options are scan options that name users as the namespace does: a
// container's own /etc/passwd and /etc/group where they can be trusted
// (see ContainerIDFiles); ours for our own namespace.
func (n NS) Options() Options {
	var o Options
	if !n.Own() {
		o.Passwd, o.Group = ContainerIDFiles(n.PID)
	}
	return o
}

// Do runs fn on a thread inside n (see InNamespace). When n is pinned,
// the thread's namespace is checked first: if it is not n.Inode, fn does
// not run.
func (n NS) Do(fn func() error) error {
	return InNamespace(n.PID, func() error {
		if n.Inode != 0 {
			if got := threadNSInode(); got != n.Inode {
				return fmt.Errorf("PID %d is no longer in IPC namespace %d (now %d): scan again", n.PID, n.Inode, got)
			}
		}
		return fn()
	})
}

// Scan takes a snapshot of n. Our own namespace is scanned with opts;
// another through ScanNamespaceOf, with its own user files, and it fails
// if PID is no longer in the pinned namespace.
func (n NS) Scan(opts Options) (*Snapshot, error) {
	if n.Own() {
		return Scan(opts)
	}
	return ScanNamespaceOf(n.PID, n.Inode)
}

// Remove removes a batch of sets scanned in n, inside n: one Remover is
// made and used within one Do, on the thread that joined n, so every set
// is checked again and removed in the namespace it was scanned in (names
// from n's own user files). If n cannot be entered, or is no longer the
// pinned namespace, nothing is removed: every set gets a Failed removal
// saying why.
func (n NS) Remove(opts RemoveOptions, sets []Set) []Removal {
	if !n.Own() {
		opts.Passwd, opts.Group = ContainerIDFiles(n.PID)
	}
	var out []Removal
	err := n.Do(func() error {
		out = NewRemover(opts).RemoveAll(sets)
		return nil
	})
	if err != nil {
		out = make([]Removal, 0, len(sets))
		for _, s := range sets {
			out = append(out, Removal{ID: s.ID, Key: s.Key, Owner: s.Owner, Verdict: s.Verdict, Outcome: Failed, Reason: err.Error() + "; nothing removed"})
		}
	}
	return out
}
