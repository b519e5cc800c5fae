// Package metrics turns ipcscope's namespace summaries and probe results
// into the Prometheus text exposition format (version 0.0.4), for
// node_exporter's textfile collector or a scrape endpoint. It only formats
// plain data; it scans and probes nothing.
//
// Names follow Prometheus' conventions: the ipcscope_ prefix, base units
// (_seconds, timestamps as _timestamp_seconds), _total only on counters,
// limits as separate _limit gauges, and one gauge with a verdict label
// whose sum is the total, so usage ratios are plain PromQL divisions.
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"ipcscope/ipc"
	"ipcscope/probe"
)

// Namespace is one IPC namespace to report: its inode, what it is, and
// its summary (nil when the scan failed).
type Namespace struct {
	Inode     uint64
	Host      bool
	Processes int // 0: unknown (a single --ns scan)
	Container ipc.Container
	Summary   *ipc.Summary
	Objects   *Objects // segments and queues (objects.go); nil: not scanned
	Error     string
}

// FromNamespaces converts what ipc.Namespaces returns.
func FromNamespaces(nss []ipc.Namespace) []Namespace {
	out := make([]Namespace, 0, len(nss))
	for _, ns := range nss {
		m := Namespace{Inode: ns.Inode, Host: ns.Host, Processes: ns.Processes, Summary: ns.Summary, Error: ns.Error}
		if len(ns.Containers) > 0 {
			m.Container = ns.Containers[0]
		}
		out = append(out, m)
	}
	return out
}

// Input is everything one exposition reports.
type Input struct {
	Now        time.Time
	Namespaces []Namespace
	// Probes are probe results; ProbeErrors are targets that could not
	// even be parsed (they count in ipcscope_probe_target_errors).
	Probes      []probe.Result
	ProbeErrors int
	// Counters of a long-running process (--listen); nil when not serving.
	Counters *Counters
	// Build labels ipcscope_build_info.
	Version, Commit string
}

// Counters are monotonically increasing counts kept by a scrape endpoint.
type Counters struct {
	Scans, Scrapes, ScanErrors uint64
}

// Write prints in as the Prometheus text format. Families are written in a
// fixed order, samples sorted by labels, so the output is stable.
func Write(w io.Writer, in Input) error {
	e := &enc{w: bufio.NewWriterSize(w, 32<<10)}
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	e.family("ipcscope_build_info", "gauge", "Always 1; labels carry the ipcscope version and commit.")
	e.sample("ipcscope_build_info", 1, "version", in.Version, "commit", in.Commit)

	writeNamespaces(e, in.Namespaces, now)
	writeProbes(e, in.Probes, in.ProbeErrors, now)
	if c := in.Counters; c != nil {
		e.family("ipcscope_scans_total", "counter", "Scans this process has run (a scrape within the minimum interval reuses the last scan).")
		e.sample("ipcscope_scans_total", float64(c.Scans))
		e.family("ipcscope_scan_errors_total", "counter", "Scans that failed.")
		e.sample("ipcscope_scan_errors_total", float64(c.ScanErrors))
		e.family("ipcscope_scrapes_total", "counter", "Scrapes of /metrics served.")
		e.sample("ipcscope_scrapes_total", float64(c.Scrapes))
	}
	return e.flush()
}

// gaugeFam is one per-namespace gauge: a name, help and how to read it
// from a summary.
type gaugeFam struct {
	name, help string
	get        func(s *ipc.Summary) float64
}

var nsGauges = []gaugeFam{
	{"ipcscope_sem_sets_limit", "SEMMNI: most semaphore sets the namespace allows.", func(s *ipc.Summary) float64 { return float64(s.Limits.SEMMNI) }},
	{"ipcscope_semaphores", "Semaphores in all sets (sum of nsems), counted against SEMMNS.", func(s *ipc.Summary) float64 { return float64(s.Usage.Semaphores) }},
	{"ipcscope_semaphores_limit", "SEMMNS: most semaphores in all sets.", func(s *ipc.Summary) float64 { return float64(s.Limits.SEMMNS) }},
	{"ipcscope_semaphores_per_set_limit", "SEMMSL: most semaphores in one set.", func(s *ipc.Summary) float64 { return float64(s.Limits.SEMMSL) }},
	{"ipcscope_semop_operations_limit", "SEMOPM: most operations in one semop call.", func(s *ipc.Summary) float64 { return float64(s.Limits.SEMOPM) }},
	{"ipcscope_sem_oldest_orphan_age_seconds", "Seconds since the oldest orphaned set was last changed; 0 when there is no orphan.", nil},
	{"ipcscope_shm_segments", "Shared memory segments.", func(s *ipc.Summary) float64 { return float64(s.Usage.ShmSegs) }},
	{"ipcscope_shm_segments_limit", "SHMMNI: most shared memory segments.", func(s *ipc.Summary) float64 { return float64(s.Limits.SHMMNI) }},
	{"ipcscope_msg_queues", "Message queues.", func(s *ipc.Summary) float64 { return float64(s.Usage.MsgQueues) }},
	{"ipcscope_msg_queues_limit", "MSGMNI: most message queues.", func(s *ipc.Summary) float64 { return float64(s.Limits.MSGMNI) }},
	{"ipcscope_scan_duration_seconds", "How long the namespace's last scan took.", func(s *ipc.Summary) float64 { return s.Duration.Seconds() }},
	{"ipcscope_scan_timestamp_seconds", "When the namespace was last scanned (Unix time).", func(s *ipc.Summary) float64 { return float64(s.Taken.UnixMilli()) / 1000 }},
}

func writeNamespaces(e *enc, nss []Namespace, now time.Time) {
	nss = append([]Namespace(nil), nss...)
	sort.Slice(nss, func(i, j int) bool { return nss[i].Inode < nss[j].Inode })
	label := func(ns Namespace) string { return strconv.FormatUint(ns.Inode, 10) }

	e.family("ipcscope_namespace_info", "gauge", "Always 1: what an IPC namespace is (host, container runtime and ID, pod UID).")
	for _, ns := range nss {
		e.sample("ipcscope_namespace_info", 1, "ipc_namespace", label(ns), "host", strconv.FormatBool(ns.Host),
			"container_runtime", ns.Container.Runtime, "container_id", ns.Container.ID, "pod_uid", ns.Container.Pod)
	}
	e.family("ipcscope_namespace_processes", "gauge", "Processes in the IPC namespace.")
	for _, ns := range nss {
		if ns.Processes > 0 {
			e.sample("ipcscope_namespace_processes", float64(ns.Processes), "ipc_namespace", label(ns))
		}
	}
	e.family("ipcscope_scan_success", "gauge", "1 if the namespace's last scan worked, 0 if it failed.")
	for _, ns := range nss {
		e.sample("ipcscope_scan_success", b2f(ns.Summary != nil), "ipc_namespace", label(ns))
	}
	e.family("ipcscope_sem_sets", "gauge", "Semaphore sets by verdict (live, orphan, stale, unknown); the sum is the sets counted against SEMMNI.")
	for _, ns := range nss {
		if s := ns.Summary; s != nil {
			for _, v := range ipc.Verdicts {
				n := map[ipc.Verdict]int{ipc.Live: s.Usage.Live, ipc.Orphan: s.Usage.Orphans, ipc.Stale: s.Usage.Stale, ipc.Unknown: s.Usage.Unknown}[v]
				e.sample("ipcscope_sem_sets", float64(n), "ipc_namespace", label(ns), "verdict", string(v))
			}
		}
	}
	for _, g := range nsGauges {
		e.family(g.name, "gauge", g.help)
		for _, ns := range nss {
			s := ns.Summary
			if s == nil {
				continue
			}
			v := 0.0
			if g.get != nil {
				v = g.get(s)
			} else if !s.OldestOrphan.IsZero() {
				v = math.Max(0, now.Sub(s.OldestOrphan.Time).Seconds())
			}
			e.sample(g.name, v, "ipc_namespace", label(ns))
		}
	}
	writeObjects(e, nss)
}

func writeProbes(e *enc, rs []probe.Result, targetErrors int, now time.Time) {
	if len(rs) == 0 && targetErrors == 0 {
		return
	}
	// One series per target: a target listed twice is reported once.
	seen := map[string]bool{}
	var uniq []probe.Result
	for _, r := range rs {
		if k := r.Target.String(); !seen[k] {
			seen[k] = true
			uniq = append(uniq, r)
		}
	}
	rs = uniq
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Target.String() < rs[j].Target.String() })
	e.family("ipcscope_probe_target_errors", "gauge", "Targets in the hosts file that could not be parsed.")
	e.sample("ipcscope_probe_target_errors", float64(targetErrors))

	type fam struct {
		name, help string
		get        func(r *probe.Result) (float64, bool)
	}
	fams := []fam{
		{"ipcscope_probe_success", "1 if the target answered and its name got a valid certificate (the probe command's exit status).",
			func(r *probe.Result) (float64, bool) { return b2f(r.OK), true }},
		{"ipcscope_probe_error", "1 if the target could not be probed at all (unresolvable, refused, timed out).",
			func(r *probe.Result) (float64, bool) { return b2f(r.Err != ""), true }},
		{"ipcscope_probe_duration_seconds", "How long probing the target took.",
			func(r *probe.Result) (float64, bool) { return r.Duration.Seconds(), true }},
		{"ipcscope_probe_cert_expiry_timestamp_seconds", "When the certificate served with SNI expires (Unix time).",
			func(r *probe.Result) (float64, bool) {
				if r.TLS == nil || r.TLS.Cert == nil {
					return 0, false
				}
				return float64(r.TLS.Cert.NotAfter.Unix()), true
			}},
		{"ipcscope_probe_cert_verified", "1 if the certificate served with SNI verifies (chain and name).",
			func(r *probe.Result) (float64, bool) {
				if r.TLS == nil || r.TLS.Cert == nil {
					return 0, false
				}
				return b2f(r.TLS.Verified), true
			}},
		{"ipcscope_probe_sni_cert_matches", "1 if the certificate served with SNI names the target (whether or not its chain verifies).",
			func(r *probe.Result) (float64, bool) {
				if r.TLS == nil || r.TLS.Cert == nil || r.Name == "" {
					return 0, false
				}
				return b2f(probe.NameMatches(r.TLS.Cert.DNSNames, r.Name)), true
			}},
		{"ipcscope_probe_default_cert_mismatch", "1 if clients without SNI get another certificate than the one served for the name.",
			func(r *probe.Result) (float64, bool) {
				if r.NoSNI == nil || r.NoSNI.SameAsSNI == nil {
					return 0, false
				}
				return b2f(!*r.NoSNI.SameAsSNI), true
			}},
		{"ipcscope_probe_default_cert_expiry_timestamp_seconds", "When the certificate served without SNI expires (Unix time).",
			func(r *probe.Result) (float64, bool) {
				if r.NoSNI == nil || r.NoSNI.Cert == nil {
					return 0, false
				}
				return float64(r.NoSNI.Cert.NotAfter.Unix()), true
			}},
		{"ipcscope_probe_h2", "1 if the server speaks HTTP/2 over TLS (ALPN h2 and a working request).",
			func(r *probe.Result) (float64, bool) { return httpProto(r.H2, "h2") }},
		{"ipcscope_probe_h2c_upgrade", "1 if the server switches to h2c on Upgrade (deprecated by RFC 9113; 0 is not a fault).",
			func(r *probe.Result) (float64, bool) { return httpProto(r.H2CUpgrade, "h2c") }},
		{"ipcscope_probe_h2c_prior_knowledge", "1 if the server speaks h2c with prior knowledge.",
			func(r *probe.Result) (float64, bool) { return httpProto(r.H2CPrior, "h2c") }},
	}
	for _, f := range fams {
		e.family(f.name, "gauge", f.help)
		for i := range rs {
			if v, ok := f.get(&rs[i]); ok {
				e.sample(f.name, v, "target", rs[i].Target.String())
			}
		}
	}
	e.family("ipcscope_probe_check_failed", "gauge", "1 if a check that ran failed (status fail), by check name.")
	for i := range rs {
		for _, c := range rs[i].Checks() {
			if c.Status != probe.StatusSkipped {
				e.sample("ipcscope_probe_check_failed", b2f(c.Status == probe.StatusFail), "target", rs[i].Target.String(), "check", c.Name)
			}
		}
	}
}

// httpProto reads an HTTP check: 1 if it got proto, absent if it did not run.
func httpProto(c *probe.HTTPCheck, proto string) (float64, bool) {
	if c == nil || c.Status == probe.StatusSkipped {
		return 0, false
	}
	return b2f(c.Proto == proto && c.Status != probe.StatusFail), true
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// enc writes families and samples, escaping label values and HELP text as
// the format requires.
type enc struct {
	w   *bufio.Writer
	err error
}

func (e *enc) family(name, typ, help string) {
	help = strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(help)
	fmt.Fprintf(e.w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// sample writes name{k="v",...} value; labels with empty values are left
// out (Prometheus treats both the same).
func (e *enc) sample(name string, v float64, kv ...string) {
	e.w.WriteString(name)
	open := false
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		if open {
			e.w.WriteByte(',')
		} else {
			e.w.WriteByte('{')
			open = true
		}
		e.w.WriteString(kv[i])
		e.w.WriteString(`="`)
		e.w.WriteString(escapeLabel(kv[i+1]))
		e.w.WriteByte('"')
	}
	if open {
		e.w.WriteByte('}')
	}
	e.w.WriteByte(' ')
	e.w.WriteString(formatValue(v))
	e.w.WriteByte('\n')
}

func (e *enc) flush() error { return e.w.Flush() }

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}

func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
