package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"ipcscope/ipc"
	"ipcscope/metrics"
	"ipcscope/probe"
)

func init() {
	register("metrics", "print Prometheus metrics (textfile collector), or serve them with --listen", runMetrics)
}

// collector gathers one exposition's input: every IPC namespace (or the
// one of --ns) and the probe targets.
type collector struct {
	ns         int
	targets    []probe.Target
	targetErrs int
	probeOpts  probe.Options

	// scans counts collections, for ipcscope_scans_total and tests.
	mu                 sync.Mutex
	scans, scanErrors  uint64
	scrapes            uint64
	version, commitStr string
}

// collect scans and probes once.
func (c *collector) collect(ctx context.Context) (metrics.Input, error) {
	c.mu.Lock()
	c.scans++
	c.mu.Unlock()
	in := metrics.Input{Now: time.Now(), ProbeErrors: c.targetErrs, Version: c.version, Commit: c.commitStr}
	var err error
	if c.ns != 0 {
		var snap *ipc.Snapshot
		snap, err = ipc.NS{PID: c.ns}.Scan(ipc.Options{})
		if err == nil {
			ns := metrics.Namespace{Inode: snap.IPCNS, Host: snap.IPCNS == ipc.InitIPCNSInode, Summary: ipc.Summarize(snap)}
			if b, rerr := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", c.ns)); rerr == nil {
				ns.Container, _ = ipc.ParseCgroup(string(b))
			}
			ns.Objects = objectMetrics(c.ns)
			in.Namespaces = []metrics.Namespace{ns}
		}
	} else {
		var nss []ipc.Namespace
		nss, _, err = ipc.Namespaces(ipc.NamespaceOptions{Scan: true})
		in.Namespaces = metrics.FromNamespaces(nss)
		addObjectMetrics(in.Namespaces, nss)
		if err == nil && !anyScanned(nss) {
			err = errors.New("no IPC namespace could be scanned (needs root for namespaces other than our own)")
		}
	}
	if err != nil {
		c.mu.Lock()
		c.scanErrors++
		c.mu.Unlock()
	}
	if len(c.targets) > 0 {
		in.Probes = probe.RunAll(ctx, c.targets, c.probeOpts, nil)
	}
	return in, err
}

func anyScanned(nss []ipc.Namespace) bool {
	for _, ns := range nss {
		if ns.Summary != nil {
			return true
		}
	}
	return false
}

func runMetrics(env *Env, args []string) int {
	fs := newFlags(env, "metrics", "[--output FILE] [--listen 127.0.0.1:PORT [--min-interval 15s]] [--ns PID] [--hosts-file F] [--ca FILE] [--timeout 5s]\n\n"+
		"Prints every IPC namespace's semaphore usage, limits, sets per verdict and oldest orphan age\n"+
		"(and probe results for --hosts-file) in the Prometheus text format.")
	output := fs.String("output", "", "write to `FILE` atomically (temporary file + rename), for node_exporter's textfile collector")
	listen := fs.String("listen", "", "serve /metrics on `ADDR` (e.g. 127.0.0.1:9864) instead of printing")
	minInterval := fs.Duration("min-interval", 15*time.Second, "with --listen: scan at most once per `DURATION`; scrapes in between get the last result")
	hostsFile := fs.String("hosts-file", "", "also probe the targets in `FILE` (one per line, as for 'ipcscope probe')")
	caFile := fs.String("ca", "", "verify probed certificates against the CAs in `FILE` (PEM)")
	timeout := fs.Duration("timeout", 5*time.Second, "deadline for every network step of a probe")
	parallel := fs.Int("parallel", 16, "probe at most `N` targets at once")
	ns := nsFlag(fs)
	rest, code, done := parseFlags(env, fs, args)
	if done {
		return code
	}
	fail := func(code int, f string, a ...any) int {
		fmt.Fprintf(env.Stderr, "ipcscope metrics: "+f+"\n", a...)
		return code
	}
	switch {
	case len(rest) > 0:
		return fail(ExitUsage, "unexpected argument %q", rest[0])
	case *output != "" && *listen != "":
		return fail(ExitUsage, "--output and --listen exclude each other")
	case *minInterval < 0 || *timeout <= 0 || *parallel < 1:
		return fail(ExitUsage, "--min-interval must not be negative; --timeout and --parallel must be positive")
	case *ns < 0:
		return fail(ExitUsage, "--ns wants a process ID")
	}
	v, c, _ := buildInfo()
	col := &collector{ns: *ns, probeOpts: probe.Options{Timeout: *timeout, Parallel: *parallel}, version: v, commitStr: c}
	if *caFile != "" {
		pool, err := loadCA(*caFile)
		if err != nil {
			return fail(ExitUsage, "%v", err)
		}
		col.probeOpts.Roots = pool
	}
	if *hostsFile != "" {
		f, err := os.Open(*hostsFile)
		if err != nil {
			return fail(ExitUsage, "%v", err)
		}
		targets, errs := probe.ParseTargetsFile(f, *hostsFile)
		f.Close()
		for _, e := range errs {
			fmt.Fprintln(env.Stderr, "ipcscope metrics:", e)
		}
		col.targets, col.targetErrs = targets, len(errs)
	}
	if *listen != "" {
		return serveMetrics(env, *listen, *minInterval, col)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	in, err := col.collect(ctx)
	if err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope metrics:", err)
	}
	var buf bytes.Buffer
	if werr := metrics.Write(&buf, in); werr != nil {
		return fail(ExitFail, "%v", werr)
	}
	if *output == "" {
		if _, werr := env.Stdout.Write(buf.Bytes()); werr != nil {
			return ExitFail
		}
	} else if werr := writeFileAtomic(*output, buf.Bytes()); werr != nil {
		return fail(ExitFail, "%v", werr)
	}
	if err != nil && len(in.Namespaces) == 0 {
		return ExitFail
	}
	if err != nil && *ns != 0 {
		return ExitFail
	}
	return ExitOK
}

// writeFileAtomic writes data to a temporary file in path's directory and
// renames it over path, so that a reader (node_exporter) sees the old file
// or the new one, never half of one. The temporary name does not end in
// .prom, so the textfile collector never reads it.
func writeFileAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// cache bounds the scan rate of a scrape endpoint: a result younger than
// min is served again, and concurrent scrapes of a stale result wait for
// one shared collection instead of starting their own.
type cache struct {
	min     time.Duration
	collect func(context.Context) (metrics.Input, error)

	mu       sync.Mutex
	last     metrics.Input
	lastErr  error
	at       time.Time
	inflight chan struct{} // closed when the running collection ends
}

// get returns a result no older than min, collecting at most once at a
// time. A scraper that gives up (ctx done) leaves the collection running
// for the others.
func (c *cache) get(ctx context.Context) (metrics.Input, error) {
	c.mu.Lock()
	for {
		if !c.at.IsZero() && time.Since(c.at) < c.min {
			in, err := c.last, c.lastErr
			c.mu.Unlock()
			return in, err
		}
		if c.inflight == nil {
			break
		}
		wait := c.inflight
		c.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return metrics.Input{}, ctx.Err()
		}
		c.mu.Lock()
		if c.min == 0 && !c.at.IsZero() {
			// No minimum interval: the collection we waited for is fresh.
			in, err := c.last, c.lastErr
			c.mu.Unlock()
			return in, err
		}
	}
	done := make(chan struct{})
	c.inflight = done
	c.mu.Unlock()

	// Detached from the scraper's context: others may be waiting on it.
	in, err := c.collect(context.Background())
	c.mu.Lock()
	c.last, c.lastErr, c.at, c.inflight = in, err, time.Now(), nil
	c.mu.Unlock()
	close(done)
	return in, err
}

// metricsHandler serves the exposition from the cache, with the process's
// counters current at each scrape.
func metricsHandler(col *collector, ch *cache) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "GET only", http.StatusMethodNotAllowed)
			return
		}
		in, err := ch.get(r.Context())
		if r.Context().Err() != nil {
			return
		}
		col.mu.Lock()
		col.scrapes++
		in.Counters = &metrics.Counters{Scans: col.scans, Scrapes: col.scrapes, ScanErrors: col.scanErrors}
		col.mu.Unlock()
		if err != nil && len(in.Namespaces) == 0 {
			http.Error(w, "ipcscope: "+err.Error(), http.StatusInternalServerError)
			return
		}
		var buf bytes.Buffer
		if err := metrics.Write(&buf, in); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Write(buf.Bytes())
	})
}

// newMetricsMux routes /metrics and a short index page.
func newMetricsMux(col *collector, ch *cache) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/metrics", metricsHandler(col, ch))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "ipcscope: metrics at /metrics")
	})
	return mux
}

func serveMetrics(env *Env, addr string, minInterval time.Duration, col *collector) int {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		fmt.Fprintf(env.Stderr, "ipcscope metrics: --listen %q: want HOST:PORT, e.g. 127.0.0.1:9864\n", addr)
		return ExitUsage
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope metrics:", err)
		return ExitFail
	}
	ch := &cache{min: minInterval, collect: col.collect}
	srv := &http.Server{Handler: newMetricsMux(col, ch), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 2*time.Minute + col.probeOpts.Timeout}
	fmt.Fprintf(env.Stderr, "ipcscope metrics: serving http://%s/metrics (one scan per %v at most)\n", ln.Addr(), minInterval)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(env.Stderr, "ipcscope metrics:", err)
		return ExitFail
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		return ExitOK
	}
}
