package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
	"ipcscope/metrics"
	"ipcscope/probe/probetest"
)

// parseExposition parses text with Prometheus' own parser, with the
// classic (legacy) name rules, and checks the naming conventions.
func parseExposition(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("Prometheus' parser rejects the output: %v\n%s", err, text)
	}
	name := regexp.MustCompile(`^ipcscope_[a-z0-9_]+$`)
	for n, f := range fams {
		if !name.MatchString(n) {
			t.Errorf("metric %q: want ipcscope_ prefix, lower snake case", n)
		}
		if strings.HasSuffix(n, "_total") != (f.GetType() == dto.MetricType_COUNTER) {
			t.Errorf("metric %q is a %v: _total is for counters only, and every counter ends in it", n, f.GetType())
		}
		if f.GetHelp() == "" {
			t.Errorf("metric %q has no HELP", n)
		}
	}
	return fams
}

// value returns the sample of family name whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want ...string) (float64, bool) {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(want); i += 2 {
			found := false
			for _, l := range m.Label {
				found = found || l.GetName() == want[i] && l.GetValue() == want[i+1]
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

func wantValue(t *testing.T, fams map[string]*dto.MetricFamily, v float64, name string, labels ...string) {
	t.Helper()
	got, ok := value(t, fams, name, labels...)
	if !ok || got != v {
		t.Errorf("%s%q = %v (present %v), want %v", name, labels, got, ok, v)
	}
}

func TestMetricsReportsEveryNamespace(t *testing.T) {
	a, b := newContainer(t, 2), newContainer(t, 3)
	if err := ipctest.SetLimitsIn(b.Holder.PID, 250, 32000, 32, 9); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // orphans at least a second old
	out, errOut, code := run(t, "metrics")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	fams := parseExposition(t, out)
	for _, c := range []struct {
		c       *ipctest.Container
		orphans float64
	}{{a, 2}, {b, 3}} {
		ns := fmt.Sprint(c.c.Inode)
		wantValue(t, fams, c.orphans, "ipcscope_sem_sets", "ipc_namespace", ns, "verdict", "orphan")
		wantValue(t, fams, 1, "ipcscope_sem_sets", "ipc_namespace", ns, "verdict", "live")
		wantValue(t, fams, 0, "ipcscope_sem_sets", "ipc_namespace", ns, "verdict", "stale")
		wantValue(t, fams, c.orphans+1, "ipcscope_semaphores", "ipc_namespace", ns)
		wantValue(t, fams, 1, "ipcscope_scan_success", "ipc_namespace", ns)
		wantValue(t, fams, 2, "ipcscope_namespace_processes", "ipc_namespace", ns)
		wantValue(t, fams, 1, "ipcscope_namespace_info", "ipc_namespace", ns, "host", "false")
		age, ok := value(t, fams, "ipcscope_sem_oldest_orphan_age_seconds", "ipc_namespace", ns)
		if !ok || age < 1 || age > 120 {
			t.Errorf("ns %s: oldest orphan age %v (present %v), want a second or more", ns, age, ok)
		}
	}
	wantValue(t, fams, 9, "ipcscope_sem_sets_limit", "ipc_namespace", fmt.Sprint(b.Inode))
	wantValue(t, fams, 1, "ipcscope_namespace_info", "ipc_namespace", fmt.Sprint(ipc.InitIPCNSInode), "host", "true")

	// --ns: that namespace only.
	out, errOut, code = run(t, "metrics", "--ns", pidOf(a))
	if code != 0 {
		t.Fatalf("--ns: exit %d: %s", code, errOut)
	}
	fams = parseExposition(t, out)
	if n := len(fams["ipcscope_scan_success"].GetMetric()); n != 1 {
		t.Errorf("--ns: %d namespaces reported, want 1", n)
	}
	wantValue(t, fams, 2, "ipcscope_sem_sets", "ipc_namespace", fmt.Sprint(a.Inode), "verdict", "orphan")
}

func TestMetricsOutputIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ipcscope.prom")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, "metrics", "--output", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	parseExposition(t, string(b))
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644 for node_exporter", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	// A directory we cannot write to: a clear error, the old file intact.
	_, errOut, code = run(t, "metrics", "--output", filepath.Join(dir, "missing", "x.prom"))
	if code != ExitFail || !strings.Contains(errOut, "missing") {
		t.Errorf("unwritable: exit %d, %q", code, errOut)
	}
	if b2, _ := os.ReadFile(path); string(b2) != string(b) {
		t.Error("the previous file changed")
	}
}

func TestMetricsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"metrics", "extra"},
		{"metrics", "--output", "x", "--listen", "127.0.0.1:0"},
		{"metrics", "--listen", "nonsense"},
		{"metrics", "--hosts-file", "/nonexistent/hosts"},
		{"metrics", "--min-interval", "-1s", "--listen", "127.0.0.1:0"},
		{"metrics", "--ns", "-3"},
	} {
		_, errOut, code := run(t, args...)
		if code != ExitUsage || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
	// A port in use: a clear failure, no hang.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, errOut, code := run(t, "metrics", "--listen", ln.Addr().String())
	if code != ExitFail || !strings.Contains(errOut, "address already in use") {
		t.Errorf("busy port: exit %d, %q", code, errOut)
	}
}

func TestMetricsProbeTargets(t *testing.T) {
	d, err := probetest.StartDemo()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var lines []string
	url := map[string]string{} // name -> canonical target label
	for _, tg := range d.Targets {
		if !strings.Contains(tg, "@") && !strings.Contains(tg, "//127.0.0.1") {
			tg += "@127.0.0.1"
		}
		lines = append(lines, tg)
		host := strings.SplitN(strings.SplitN(tg, "//", 2)[1], ":", 2)[0]
		url[host] = tg
	}
	lines = append(lines, "# a comment", "https://bad host name:99999")
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "metrics", "--hosts-file", hosts, "--ca", d.CAFile, "--timeout", "1s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	fams := parseExposition(t, out)
	label := func(host string) string {
		for _, m := range fams["ipcscope_probe_success"].GetMetric() {
			for _, l := range m.Label {
				if l.GetName() == "target" && strings.Contains(l.GetValue(), "//"+host+":") {
					return l.GetValue()
				}
			}
		}
		t.Fatalf("no target for %s in %v", host, url)
		return ""
	}
	wantValue(t, fams, 1, "ipcscope_probe_target_errors")
	alpha, beta := label("alpha.demo.test"), label("beta.demo.test")
	wantValue(t, fams, 1, "ipcscope_probe_success", "target", alpha)
	wantValue(t, fams, 1, "ipcscope_probe_cert_verified", "target", alpha)
	wantValue(t, fams, 1, "ipcscope_probe_sni_cert_matches", "target", alpha)
	wantValue(t, fams, 0, "ipcscope_probe_default_cert_mismatch", "target", alpha)
	wantValue(t, fams, 1, "ipcscope_probe_h2", "target", alpha)
	wantValue(t, fams, 1, "ipcscope_probe_default_cert_mismatch", "target", beta)
	wantValue(t, fams, 0, "ipcscope_probe_h2", "target", label("legacy.demo.test"))
	wantValue(t, fams, 0, "ipcscope_probe_sni_cert_matches", "target", label("wrongname.demo.test"))
	wantValue(t, fams, 0, "ipcscope_probe_cert_verified", "target", label("self.demo.test"))
	wantValue(t, fams, 1, "ipcscope_probe_sni_cert_matches", "target", label("self.demo.test"))
	wantValue(t, fams, 1, "ipcscope_probe_h2c_upgrade", "target", label("h2c.demo.test"))
	wantValue(t, fams, 1, "ipcscope_probe_h2c_prior_knowledge", "target", label("h2c.demo.test"))
	wantValue(t, fams, 0, "ipcscope_probe_h2c_upgrade", "target", label("direct.demo.test"))
	wantValue(t, fams, 1, "ipcscope_probe_h2c_prior_knowledge", "target", label("direct.demo.test"))
	wantValue(t, fams, 0, "ipcscope_probe_h2c_prior_knowledge", "target", label("plain.demo.test"))
	wantValue(t, fams, 1, "ipcscope_probe_error", "target", label("refused.demo.test"))
	wantValue(t, fams, 0, "ipcscope_probe_success", "target", label("silent.demo.test"))

	exp, ok := value(t, fams, "ipcscope_probe_cert_expiry_timestamp_seconds", "target", alpha)
	if days := (exp - float64(time.Now().Unix())) / 86400; !ok || days < 89 || days > 91 {
		t.Errorf("alpha expires in %.1f days (present %v), want ~90", days, ok)
	}
	exp, ok = value(t, fams, "ipcscope_probe_cert_expiry_timestamp_seconds", "target", label("expired.demo.test"))
	if !ok || exp >= float64(time.Now().Unix()) {
		t.Errorf("expired cert's expiry %v (present %v) is not in the past", exp, ok)
	}
}

// Fifty scrapers hammer the endpoint on 127.0.0.1 for two seconds: every
// scrape is answered and parses, the number of scans stays within one per
// minimum interval (plus the first), and the heap does not grow with the
// number of scrapes.
func TestMetricsEndpointBoundsScans(t *testing.T) {
	a := newContainer(t, 1)
	const minInterval = 400 * time.Millisecond
	col := &collector{version: "test"}
	ch := &cache{min: minInterval, collect: col.collect}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: newMetricsMux(col, ch)}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	url := "http://" + ln.Addr().String() + "/metrics"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}

	scrape := func() (string, error) {
		resp, err := client.Get(url)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return "", fmt.Errorf("status %s: %s", resp.Status, b)
		}
		return string(b), err
	}
	first, err := scrape()
	if err != nil {
		t.Fatal(err)
	}
	fams := parseExposition(t, first)
	wantValue(t, fams, 1, "ipcscope_sem_sets", "ipc_namespace", fmt.Sprint(a.Inode), "verdict", "orphan")

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	run := func(d time.Duration) (n int, errs []error) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		stop := time.Now().Add(d)
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stop) {
					body, err := scrape()
					mu.Lock()
					n++
					if err == nil && !strings.Contains(body, "ipcscope_sem_sets_limit") {
						err = fmt.Errorf("incomplete body")
					}
					if err != nil {
						errs = append(errs, err)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return n, errs
	}
	run(500 * time.Millisecond) // warm up connections and buffers
	scans0, heap0, start := col.scans, heap(), time.Now()
	n, errs := run(2 * time.Second)
	elapsed := time.Since(start)
	col.mu.Lock()
	scans := col.scans - scans0
	col.mu.Unlock()
	heap1 := heap()
	if len(errs) > 0 {
		t.Fatalf("%d of %d scrapes failed, first: %v", len(errs), n, errs[0])
	}
	maxScans := uint64(math.Ceil(elapsed.Seconds()/minInterval.Seconds())) + 1
	if scans < 1 || scans > maxScans {
		t.Errorf("%d scans for %d scrapes in %v, want 1..%d", scans, n, elapsed, maxScans)
	}
	growth := int64(heap1) - int64(heap0)
	if growth > 8<<20 {
		t.Errorf("heap grew by %d KiB over %d scrapes", growth>>10, n)
	}
	t.Logf("50 scrapers, %v: %d scrapes (%.0f/s), %d scans (bound %d), heap in use %d KiB -> %d KiB",
		elapsed.Round(time.Millisecond), n, float64(n)/elapsed.Seconds(), scans, maxScans, heap0>>10, heap1>>10)

	// The counters say the same.
	body, err := scrape()
	if err != nil {
		t.Fatal(err)
	}
	fams = parseExposition(t, body)
	if v, _ := value(t, fams, "ipcscope_scans_total"); uint64(v) != col.scans {
		t.Errorf("ipcscope_scans_total %v, want %d", v, col.scans)
	}
	if v, _ := value(t, fams, "ipcscope_scrapes_total"); v < float64(n) {
		t.Errorf("ipcscope_scrapes_total %v, want at least %d", v, n)
	}
}

// With no minimum interval, concurrent scrapes still share one scan.
func TestMetricsCacheSingleFlight(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	release := make(chan struct{})
	ch := &cache{collect: func(context.Context) (metrics.Input, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		<-release
		return metrics.Input{}, nil
	}}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); ch.get(context.Background()) }()
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	if calls != 1 {
		t.Errorf("%d collections for 20 concurrent scrapes, want 1", calls)
	}
	// A scraper that gives up does not cancel the shared collection.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ch.at = time.Time{}
	if _, err := ch.get(ctx); err != nil {
		t.Errorf("a fresh collection with no one waiting: %v", err)
	}
}
