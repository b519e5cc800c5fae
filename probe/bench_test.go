package probe

import (
	"context"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// benchTargets starts n TLS ports like bench/probetargets (a default site
// and the target's own, h2, 421) and returns their targets.
func benchTargets(b *testing.B, n int) ([]Target, Options) {
	ca, err := probetest.NewCA()
	if err != nil {
		b.Fatal(err)
	}
	def, _ := ca.Issue([]string{"default.bench.test"}, time.Time{}, time.Time{})
	var ts []Target
	for i := range n {
		name := "name" + itoa(i) + ".bench.test"
		c, err := ca.Issue([]string{name}, time.Time{}, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		s, err := probetest.StartTLS(probetest.TLSOptions{
			Sites: []probetest.Site{{Names: []string{"default.bench.test"}, Cert: def}, {Names: []string{name}, Cert: c}},
			H2:    true, Misdirected: true,
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(s.Close)
		ts = append(ts, Target{Scheme: SchemeHTTPS, Host: name, Port: s.Port, Addr: "127.0.0.1"})
	}
	return ts, Options{Timeout: 5 * time.Second, Roots: ca.Pool()}
}

// BenchmarkRunOneTarget is every TLS check (SNI, no SNI, h2 request, two
// 421 requests) for one target.
func BenchmarkRunOneTarget(b *testing.B) {
	ts, opts := benchTargets(b, 1)
	for b.Loop() {
		if r := Run(context.Background(), ts[0], opts); !r.OK || r.Misdirected.DefaultSNI == nil {
			b.Fatalf("%s", r.Verdict)
		}
	}
}

// BenchmarkRunAll50 probes 50 loopback targets, 16 at a time.
func BenchmarkRunAll50(b *testing.B) {
	ts, opts := benchTargets(b, 50)
	opts.Parallel = 16
	for b.Loop() {
		for _, r := range RunAll(context.Background(), ts, opts, nil) {
			if !r.OK {
				b.Fatalf("%s", r.Verdict)
			}
		}
	}
}
