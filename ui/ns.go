package ui

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"ipcscope/ipc"
)

// NS names the IPC namespace the inspector shows. PID 0 is the inspector's
// own (no joining); otherwise PID is a process in it and Inode, once
// known, pins it: if the PID exits and is reused by a process of another
// namespace, scans and removals fail instead of acting there.
type NS struct {
	PID   int
	Inode uint64
}

// Own reports whether this is the inspector's own namespace.
func (n NS) Own() bool { return n.PID == 0 }

// NamespacesFunc lists the IPC namespaces for the picker
// (ipc.Namespaces in production).
type NamespacesFunc func() ([]ipc.Namespace, []string, error)

// defaultScan scans ns: our own directly, another through
// ipc.ScanNamespaceOf, which joins it on a locked thread (ipc.InNamespace)
// and checks that it is still the namespace with the expected inode.
func defaultScan(opts ipc.Options) ScanFunc {
	return func(ns NS) (*ipc.Snapshot, error) {
		if ns.Own() {
			return ipc.Scan(opts)
		}
		return ipc.ScanNamespaceOf(ns.PID, ns.Inode)
	}
}

// defaultRemove removes a batch inside ns: the remover is made and used
// inside one ipc.InNamespace call, on the thread that joined it, after
// checking that the thread is in the namespace the sets were scanned in.
func defaultRemove(opts ipc.RemoveOptions) RemoveFunc {
	return func(ns NS, allowStale bool, sets []ipc.Set) []ipc.Removal {
		o := opts
		o.AllowStale = allowStale
		if !ns.Own() {
			o.Passwd, o.Group = ipc.ContainerIDFiles(ns.PID)
		}
		out := make([]ipc.Removal, 0, len(sets))
		err := ipc.InNamespace(ns.PID, func() error {
			if ns.Inode != 0 {
				if got := threadIPCNS(); got != ns.Inode {
					return fmt.Errorf("PID %d is no longer in IPC namespace %d (now %d): scan again", ns.PID, ns.Inode, got)
				}
			}
			rm := ipc.NewRemover(o)
			for _, s := range sets {
				out = append(out, rm.Remove(s))
			}
			return nil
		})
		if err != nil {
			out = out[:0]
			for _, s := range sets {
				out = append(out, ipc.Removal{ID: s.ID, Key: s.Key, Owner: s.Owner, Verdict: s.Verdict, Outcome: ipc.Failed, Reason: err.Error() + "; nothing removed"})
			}
		}
		return out
	}
}

// defaultNamespaces lists every IPC namespace with a summary of its sets.
func defaultNamespaces() ([]ipc.Namespace, []string, error) {
	return ipc.Namespaces(ipc.NamespaceOptions{Scan: true})
}

// threadIPCNS is the inode of the calling thread's IPC namespace (0 if
// unknown).
func threadIPCNS() uint64 { return nsLinkInode("/proc/thread-self/ns/ipc") }

// selfIPCNS is the inode of the inspector's own IPC namespace.
func selfIPCNS() uint64 { return nsLinkInode("/proc/self/ns/ipc") }

func nsLinkInode(path string) uint64 {
	link, err := os.Readlink(path)
	if err != nil {
		return 0
	}
	i, j := strings.IndexByte(link, '['), strings.LastIndexByte(link, ']')
	if i < 0 || j <= i {
		return 0
	}
	v, _ := strconv.ParseUint(link[i+1:j], 10, 64)
	return v
}
