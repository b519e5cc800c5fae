package ui

import (
	"context"
	"time"

	"ipcscope/ipc"
	"ipcscope/probe"
)

// The inspector's configuration, and its wiring to the real ipc and probe
// packages: every function the model calls comes through Config, so tests
// give fakes and production gets the defaults below.

// NS names the IPC namespace the inspector shows: ipc.NS, whose zero
// value is the inspector's own, and whose inode, once known, pins it (see
// ipc.NS: scans and removals fail rather than act in another namespace).
type NS = ipc.NS

// ScanFunc takes a snapshot of the IPC namespace ns (ipc.NS.Scan in
// production).
type ScanFunc func(ns NS) (*ipc.Snapshot, error)

// RemoveFunc removes one batch of sets scanned in ns, inside ns
// (ipc.NS.Remove in production); allowStale is true only after the extra
// confirmation.
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
	// Why, when set, gives a line under the diagnosis saying why a
	// snapshot's problem happens and how to stop it ("" for none): the
	// cli's doctor on Apache's mutexes. Called per frame: keep it cheap.
	Why func(*ipc.Snapshot) string
	// WhySet is the same for one set, shown in its details ("" for none).
	WhySet func(*ipc.Set) string
	// WhyNoH2 says why a probed host offers no HTTP/2, as lines for its
	// details (nil for none).
	WhyNoH2 func(probe.Result) []string
	Now     func() time.Time
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
		c.SelfNS = ipc.OwnNSInode()
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

// defaultScan scans ns: our own directly, another through ipc.NS.Scan,
// which joins it on a locked thread and checks that it is still the
// namespace with the expected inode.
func defaultScan(opts ipc.Options) ScanFunc {
	return func(ns NS) (*ipc.Snapshot, error) { return ns.Scan(opts) }
}

// defaultRemove removes a batch inside ns through ipc.NS.Remove: the
// remover is made and used on the thread that joined ns, after checking
// that the thread is in the namespace the sets were scanned in.
func defaultRemove(opts ipc.RemoveOptions) RemoveFunc {
	return func(ns NS, allowStale bool, sets []ipc.Set) []ipc.Removal {
		o := opts
		o.AllowStale = allowStale
		return ns.Remove(o, sets)
	}
}

// defaultNamespaces lists every IPC namespace with a summary of its sets.
func defaultNamespaces() ([]ipc.Namespace, []string, error) {
	return ipc.Namespaces(ipc.NamespaceOptions{Scan: true})
}
