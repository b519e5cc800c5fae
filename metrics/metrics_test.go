package metrics

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"ipcscope/ipc"
	"ipcscope/probe"
)

func sample() Input {
	now := time.Unix(1_800_000_000, 0)
	no, yes := false, true
	return Input{
		Now:     now,
		Version: "v1.2.3 \"quoted\"\nnewline\\", Commit: "abc",
		Namespaces: []Namespace{
			{Inode: 4026532200, Container: ipc.Container{Runtime: "docker", ID: "ab\"c\\d"}, Processes: 3,
				Summary: &ipc.Summary{Taken: now, Limits: ipc.Limits{SEMMNI: 128, SEMMNS: 32000},
					Usage:        ipc.Usage{Sets: 5, Semaphores: 7, Orphans: 3, Live: 2},
					OldestOrphan: ipc.Time{Time: now.Add(-90 * time.Minute)}}},
			{Inode: ipc.InitIPCNSInode, Host: true, Processes: 100,
				Summary: &ipc.Summary{Taken: now, Limits: ipc.Limits{SEMMNI: 32000}, Usage: ipc.Usage{Sets: 1, Live: 1}}},
			{Inode: 4026532300, Error: "permission denied"},
		},
		Probes: []probe.Result{
			{Target: probe.Target{Scheme: "https", Host: "a.test", Port: 443}, Name: "a.test", OK: true,
				TLS:   &probe.TLSCheck{Check: probe.Check{Name: "tls", Status: probe.StatusOK}, Verified: true, Cert: &probe.CertInfo{DNSNames: []string{"*.test"}, NotAfter: now.Add(24 * time.Hour)}},
				NoSNI: &probe.TLSCheck{Check: probe.Check{Name: "tls-no-sni", Status: probe.StatusWarn}, SameAsSNI: &no},
				H2:    &probe.HTTPCheck{Check: probe.Check{Name: "h2", Status: probe.StatusOK}, Proto: "h2"}},
			{Target: probe.Target{Scheme: "https", Host: "a.test", Port: 443}, Name: "a.test"}, // listed twice
			{Target: probe.Target{Scheme: "http", Host: "b.test", Port: 80}, Name: "b.test", Err: "connection refused",
				NoSNI:      &probe.TLSCheck{SameAsSNI: &yes},
				H2CUpgrade: &probe.HTTPCheck{Check: probe.Check{Name: "h2c-upgrade", Status: probe.StatusInfo}, Proto: "http/1.1"}},
		},
		ProbeErrors: 2,
	}
}

func TestWriteParsesAndSays(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	get := func(name string, labels ...string) (float64, bool) {
	next:
		for _, m := range fams[name].GetMetric() {
			for i := 0; i < len(labels); i += 2 {
				ok := false
				for _, l := range m.Label {
					ok = ok || l.GetName() == labels[i] && l.GetValue() == labels[i+1]
				}
				if !ok {
					continue next
				}
			}
			return m.GetGauge().GetValue(), true
		}
		return 0, false
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"ipcscope_sem_sets", []string{"ipc_namespace", "4026532200", "verdict", "orphan"}, 3},
		{"ipcscope_sem_sets", []string{"ipc_namespace", "4026532200", "verdict", "unknown"}, 0},
		{"ipcscope_sem_sets_limit", []string{"ipc_namespace", "4026532200"}, 128},
		{"ipcscope_sem_oldest_orphan_age_seconds", []string{"ipc_namespace", "4026532200"}, 5400},
		{"ipcscope_sem_oldest_orphan_age_seconds", []string{"ipc_namespace", "4026531839"}, 0},
		{"ipcscope_scan_success", []string{"ipc_namespace", "4026532300"}, 0},
		{"ipcscope_namespace_info", []string{"container_id", "ab\"c\\d", "container_runtime", "docker"}, 1},
		{"ipcscope_build_info", []string{"version", "v1.2.3 \"quoted\"\nnewline\\"}, 1},
		{"ipcscope_probe_target_errors", nil, 2},
		{"ipcscope_probe_cert_expiry_timestamp_seconds", []string{"target", "https://a.test:443"}, 1_800_000_000 + 86400},
		{"ipcscope_probe_sni_cert_matches", []string{"target", "https://a.test:443"}, 1},
		{"ipcscope_probe_default_cert_mismatch", []string{"target", "https://a.test:443"}, 1},
		{"ipcscope_probe_default_cert_mismatch", []string{"target", "http://b.test:80"}, 0},
		{"ipcscope_probe_h2", []string{"target", "https://a.test:443"}, 1},
		{"ipcscope_probe_h2c_upgrade", []string{"target", "http://b.test:80"}, 0},
		{"ipcscope_probe_error", []string{"target", "http://b.test:80"}, 1},
	} {
		if got, ok := get(c.name, c.labels...); !ok || got != c.want {
			t.Errorf("%s%q = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if _, ok := get("ipcscope_sem_sets_limit", "ipc_namespace", "4026532300"); ok {
		t.Error("a namespace that failed to scan reports limits")
	}
	if n := len(fams["ipcscope_probe_success"].GetMetric()); n != 2 {
		t.Errorf("%d probe_success series, want 2 (a target listed twice counts once)", n)
	}
	if _, ok := fams["ipcscope_scans_total"]; ok {
		t.Error("counters without a scrape endpoint")
	}
	var again bytes.Buffer
	Write(&again, sample())
	if again.String() != buf.String() {
		t.Error("output is not stable across runs")
	}
}

func TestHelpEscaping(t *testing.T) {
	var buf bytes.Buffer
	e := &enc{w: bufio.NewWriter(&buf)}
	e.family("ipcscope_x", "gauge", "a\\b\nc")
	e.sample("ipcscope_x", 1, "l", "v")
	e.flush()
	if !strings.Contains(buf.String(), `# HELP ipcscope_x a\\b\nc`) {
		t.Errorf("%q", buf.String())
	}
}
