package ui

import (
	"context"
	"fmt"
	"time"

	"ipcscope/ipc"
	"ipcscope/probe"
)

// The inspector's configuration, and its wiring to the real ipc and probe
// packages: every function the model calls comes through Config, so tests
// give fakes and production gets the defaults below.

// ScanFunc takes a snapshot of the IPC namespace ns (ipc.Scan, or
// ipc.ScanNamespaceOf for another namespace, in production).
type ScanFunc func(ns NS) (*ipc.Snapshot, error)

// RemoveFunc removes one batch of sets scanned in ns, inside ns (an
// ipc.Remover inside ipc.InNamespace in production); allowStale is true
// only after the extra confirmation.
type RemoveFunc func(ns NS, allowStale bool, sets []ipc.Set) []ipc.Removal

// ProbeFunc probes one target (probe.Run in production).
type ProbeFunc func(ctx context.Context, t probe.Target) probe.Result

// NamespacesFunc lists the IPC namespaces for the picker
// (ipc.Namespaces in production).
type NamespacesFunc func() ([]ipc.Namespace, []string, error)

// Config is everything the inspector needs; zero fields get defaults from
// the real ipc and probe packages (see withDefaults).
type Config struct {
	Interval     time.Duration // between scans; default 2s
	ReadOnly     bool          // no selection, no removal
	AuditLog     string        // default ipc.DefaultAuditLog()
	ScanOptions  ipc.Options
	Scan         ScanFunc
	Remove       RemoveFunc
	Targets      []probe.Target
	ProbeOptions probe.Options
	ProbeTimeout time.Duration // whole probe of one target; default 30s
	Probe        ProbeFunc
	NS           NS             // namespace shown first (--ns PID); zero: our own
	SelfNS       uint64         // inode of our own IPC namespace; default read from /proc
	Namespaces   NamespacesFunc // for the picker; default ipc.Namespaces
	User         string         // who runs the inspector, for the header
	Root         bool           // whether that user may remove any set
	Notice       string         // an extra line (the demo explains itself)
	Now          func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = 2 * time.Second
	}
	if c.AuditLog == "" {
		c.AuditLog = ipc.DefaultAuditLog()
	}
	if c.Scan == nil {
		c.Scan = defaultScan(c.ScanOptions)
	}
	if c.Remove == nil {
		c.Remove = defaultRemove(ipc.RemoveOptions{Options: c.ScanOptions, AuditLog: c.AuditLog})
	}
	if c.Namespaces == nil {
		c.Namespaces = defaultNamespaces
	}
	if c.SelfNS == 0 {
		c.SelfNS = selfIPCNS()
	}
	if c.ProbeTimeout <= 0 {
		c.ProbeTimeout = 30 * time.Second
	}
	if c.Probe == nil {
		opts := c.ProbeOptions
		c.Probe = func(ctx context.Context, t probe.Target) probe.Result { return probe.Run(ctx, t, opts) }
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

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
