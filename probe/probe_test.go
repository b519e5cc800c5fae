package probe

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// fixture is a CA plus the sites alpha (default, HSTS), beta (own cert)
// and gamma (alpha's cert) on one TLS listener.
type fixture struct {
	ca                 *probetest.CA
	alpha, beta, gamma probetest.Site
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{ca: ca}
	ac, err := ca.Issue([]string{"alpha.test", "gamma.test"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	bc, err := ca.Issue([]string{"beta.test"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	f.alpha = probetest.Site{Names: []string{"alpha.test"}, Cert: ac, HSTS: "max-age=600"}
	f.beta = probetest.Site{Names: []string{"beta.test"}, Cert: bc}
	f.gamma = probetest.Site{Names: []string{"gamma.test"}, Cert: ac}
	return f
}

func startTLS(t *testing.T, o probetest.TLSOptions) *probetest.Server {
	t.Helper()
	s, err := probetest.StartTLS(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func start(t *testing.T, f func() (*probetest.Server, error)) *probetest.Server {
	t.Helper()
	s, err := f()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// probeAt probes target (a ParseTarget string) and fails the test if it
// takes longer than limit.
func probeAt(t *testing.T, target string, roots *x509.CertPool, timeout, limit time.Duration) Result {
	t.Helper()
	tg, err := ParseTarget(target)
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	r := Run(context.Background(), tg, Options{Timeout: timeout, Roots: roots})
	if d := time.Since(begin); d > limit {
		t.Errorf("%s: probe took %v, limit %v", target, d, limit)
	}
	if r.Verdict == "" {
		t.Errorf("%s: empty verdict", target)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("%s: JSON: %v", target, err)
	}
	return r
}

func at(name string, s *probetest.Server) string {
	return "https://" + name + ":" + strconv.Itoa(s.Port) + "@127.0.0.1"
}

func TestSNIDefaultCertAnd421(t *testing.T) {
	f := newFixture(t)
	s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{f.alpha, f.beta, f.gamma}, H2: true, Misdirected: true})
	pool := f.ca.Pool()

	a := probeAt(t, at("alpha.test", s), pool, 2*time.Second, 5*time.Second)
	if !a.OK || a.TLS.Status != StatusOK || !a.TLS.Verified || a.TLS.Cert.DNSNames[0] != "alpha.test" {
		t.Errorf("alpha TLS: ok=%v %+v", a.OK, a.TLS)
	}
	if a.NoSNI.SameAsSNI == nil || !*a.NoSNI.SameAsSNI || a.NoSNI.SNI != "" {
		t.Errorf("alpha is the default vhost, no-SNI check: %+v", a.NoSNI)
	}
	if a.H2.Proto != "h2" || a.H2.HTTPStatus != 200 || a.H2.Server != "probetest" || a.H2.Settings["MAX_CONCURRENT_STREAMS"] == 0 {
		t.Errorf("alpha h2: %+v", a.H2)
	}
	if a.HSTS != "max-age=600" || a.TLS.ALPN != "h2" || a.TLS.Version != "TLS 1.3" {
		t.Errorf("alpha HSTS %q ALPN %q version %q", a.HSTS, a.TLS.ALPN, a.TLS.Version)
	}
	if a.Misdirected.NoSNI.Status != 200 || a.Misdirected.DefaultSNI != nil {
		t.Errorf("alpha misdirected: %+v", a.Misdirected)
	}
	if a.Verdict != "SNI ok · default cert same · h2 · HSTS" {
		t.Errorf("alpha verdict %q", a.Verdict)
	}

	b := probeAt(t, at("beta.test", s), pool, 2*time.Second, 5*time.Second)
	if !b.OK || b.TLS.Cert.DNSNames[0] != "beta.test" || b.TLS.Cert.SHA256 == a.TLS.Cert.SHA256 {
		t.Errorf("beta must get its own certificate: %+v", b.TLS.Cert)
	}
	if b.NoSNI.Cert.SHA256 != a.TLS.Cert.SHA256 || *b.NoSNI.SameAsSNI || b.NoSNI.DefaultName != "alpha.test" || b.NoSNI.Status != StatusWarn {
		t.Errorf("beta no-SNI must get alpha's certificate: %+v", b.NoSNI)
	}
	m := b.Misdirected
	if m.NoSNI.Status != 421 || m.DefaultSNI == nil || m.DefaultSNI.SNI != "alpha.test" || m.DefaultSNI.Status != 421 || m.Status != StatusWarn {
		t.Fatalf("beta misdirected: %+v %+v %+v", m, m.NoSNI, m.DefaultSNI)
	}
	if !strings.Contains(m.NoSNI.Meaning, "CVE-2025-23048") {
		t.Errorf("421 meaning: %q", m.NoSNI.Meaning)
	}
	if want := "SNI ok · default cert differs (alpha.test) · no-SNI Host gets 421 · cross-SNI 421 · h2"; b.Verdict != want {
		t.Errorf("beta verdict %q, want %q", b.Verdict, want)
	}

	// gamma shares alpha's certificate and TLS setup: asked both ways, no 421.
	g := probeAt(t, at("gamma.test", s), pool, 2*time.Second, 5*time.Second)
	if !*g.NoSNI.SameAsSNI || g.Misdirected.NoSNI.Status != 200 || g.Misdirected.DefaultSNI == nil ||
		g.Misdirected.DefaultSNI.SNI != "alpha.test" || g.Misdirected.DefaultSNI.Status != 200 {
		t.Errorf("gamma: %+v %+v %+v", g.NoSNI, g.Misdirected.NoSNI, g.Misdirected.DefaultSNI)
	}

	// Without the 421 policy (nginx-like), no-SNI + Host beta is served.
	s2 := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{f.alpha, f.beta}, H2: true})
	b2 := probeAt(t, at("beta.test", s2), pool, 2*time.Second, 5*time.Second)
	if b2.Misdirected.NoSNI.Status != 200 || b2.Misdirected.Status != StatusOK || strings.Contains(b2.Verdict, "421") {
		t.Errorf("no-421 server: %+v, verdict %q", b2.Misdirected.NoSNI, b2.Verdict)
	}
}

func TestNoH2(t *testing.T) {
	f := newFixture(t)
	s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{f.alpha}})
	r := probeAt(t, at("alpha.test", s), f.ca.Pool(), 2*time.Second, 5*time.Second)
	if r.TLS.ALPN != "http/1.1" || r.H2.Check.Status != StatusInfo || r.H2.Proto != "http/1.1" || r.H2.HTTPStatus != 200 {
		t.Errorf("no h2: ALPN %q, %+v", r.TLS.ALPN, r.H2)
	}
	if !r.OK || !strings.Contains(r.Verdict, "no h2") {
		t.Errorf("ok=%v verdict %q", r.OK, r.Verdict)
	}
}

func TestIPTargetSendsNoSNI(t *testing.T) {
	f := newFixture(t)
	s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{f.alpha, f.beta}, H2: true})
	r := probeAt(t, "https://127.0.0.1:"+strconv.Itoa(s.Port), f.ca.Pool(), 2*time.Second, 5*time.Second)
	if r.Name != "" || r.TLS.Status != StatusSkipped || !strings.Contains(r.TLS.Summary, "no SNI") {
		t.Errorf("IP target TLS check: %+v", r.TLS)
	}
	if r.NoSNI.Cert == nil || r.NoSNI.Cert.DNSNames[0] != "alpha.test" || r.Misdirected != nil {
		t.Errorf("IP target must get the default cert: %+v", r.NoSNI)
	}
	if !r.OK || !strings.HasPrefix(r.Verdict, "IP: no SNI · cert for alpha.test · h2") {
		t.Errorf("ok=%v verdict %q", r.OK, r.Verdict)
	}
}

func TestBadCertificates(t *testing.T) {
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	expired, err := ca.Issue([]string{"old.test"}, time.Now().AddDate(0, 0, -60), time.Now().AddDate(0, 0, -3))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ca.Issue([]string{"other.test", "www.other.test"}, time.Time{}, time.Time{})
	self, _ := probetest.SelfSigned("self.test")
	cases := []struct {
		name    string
		site    probetest.Site
		problem string
		verdict string
	}{
		{"old.test", probetest.Site{Names: []string{"old.test"}, Cert: expired}, "expired on", "cert expired"},
		{"mine.test", probetest.Site{Names: []string{"other.test"}, Cert: other}, "not valid for mine.test (covers other.test, www.other.test)", "cert wrong name (other.test)"},
		{"self.test", probetest.Site{Names: []string{"self.test"}, Cert: self}, "self-signed, not trusted", "cert self-signed"},
	}
	for _, c := range cases {
		s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{c.site}, H2: true})
		r := probeAt(t, at(c.name, s), ca.Pool(), 2*time.Second, 5*time.Second)
		if r.OK || r.TLS.Status != StatusFail || r.TLS.Cert == nil || r.TLS.Verified {
			t.Errorf("%s: ok=%v %+v", c.name, r.OK, r.TLS)
			continue
		}
		if !strings.Contains(r.TLS.VerifyErr, c.problem) || strings.Count(r.TLS.VerifyErr, ";") != 0 {
			t.Errorf("%s: verify error %q, want exactly %q", c.name, r.TLS.VerifyErr, c.problem)
		}
		if !strings.HasPrefix(r.Verdict, c.verdict+" ·") {
			t.Errorf("%s: verdict %q, want prefix %q", c.name, r.Verdict, c.verdict)
		}
		if r.H2 == nil || r.H2.Proto != "h2" {
			t.Errorf("%s: the certificate problem must not stop the h2 check: %+v", c.name, r.H2)
		}
	}
	if r := probeAt(t, at("self.test", startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{cases[2].site}})), nil, 2*time.Second, 5*time.Second); !r.TLS.Cert.SelfSigned {
		t.Errorf("self-signed flag not set: %+v", r.TLS.Cert)
	}
	if d := probeAt(t, at("old.test", startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{cases[0].site}})), ca.Pool(), time.Second, 5*time.Second).TLS.Cert.DaysLeft; d > -3 || d < -4 {
		t.Errorf("expired 3 days ago: days_left = %d", d)
	}
}

func TestUnreachable(t *testing.T) {
	refused, err := probetest.RefusedAddr()
	if err != nil {
		t.Fatal(err)
	}
	_, rport, _ := net.SplitHostPort(refused)
	silent := start(t, probetest.StartSilent)
	garbage := start(t, probetest.StartGarbage)
	plain := start(t, func() (*probetest.Server, error) { return probetest.StartH2C(probetest.H2COff) })
	const timeout = 300 * time.Millisecond
	cases := []struct {
		target, err string
	}{
		{"https://down.test:" + rport + "@127.0.0.1", "connection refused"},
		{"http://down.test:" + rport + "@127.0.0.1", "connection refused"},
		{"https://no-such-host.invalid", "cannot resolve no-such-host.invalid"},
		{at("silent.test", silent), "no answer within 300ms (TLS handshake)"},
		{"http://silent.test:" + strconv.Itoa(silent.Port) + "@127.0.0.1", "no answer within 300ms (h2c upgrade response)"},
		{at("garbage.test", garbage), `not TLS: server sent "\xde\xad\xbe\xef "`},
		{at("plain.test", plain), "not TLS: the port answered plaintext HTTP"},
	}
	for _, c := range cases {
		r := probeAt(t, c.target, nil, timeout, 3*time.Second)
		if r.OK || !strings.HasPrefix(r.Err, c.err) || r.Verdict != "error: "+r.Err {
			t.Errorf("%s: ok=%v err %q verdict %q, want %q", c.target, r.OK, r.Err, r.Verdict, c.err)
		}
	}
	// Garbage on a cleartext target: each h2c check fails on its own.
	r := probeAt(t, "http://garbage.test:"+strconv.Itoa(garbage.Port)+"@127.0.0.1", nil, timeout, 3*time.Second)
	if r.OK || r.H2CUpgrade.Check.Status != StatusFail || !strings.Contains(r.H2CUpgrade.Error, "not HTTP") ||
		r.H2CPrior.Check.Status != StatusFail || !strings.Contains(r.H2CPrior.Error, "not HTTP") {
		t.Errorf("garbage cleartext: %+v / %+v", r.H2CUpgrade, r.H2CPrior)
	}
}

func TestAutoSchemeFallsBackToCleartext(t *testing.T) {
	s := start(t, func() (*probetest.Server, error) { return probetest.StartH2C(probetest.H2CUpgradeAndDirect) })
	tg := Target{Scheme: SchemeAuto, Host: "auto.test", Port: s.Port, Addr: "127.0.0.1"}
	r := Run(context.Background(), tg, Options{Timeout: time.Second})
	if r.Target.Scheme != SchemeHTTP || r.TLS != nil || r.H2CUpgrade == nil || r.H2CUpgrade.Check.Status != StatusOK || !r.OK {
		t.Errorf("auto on cleartext: scheme %q TLS %+v upgrade %+v warnings %v", r.Target.Scheme, r.TLS, r.H2CUpgrade, r.Warnings)
	}
}

func TestH2C(t *testing.T) {
	cases := []struct {
		mode                    probetest.H2CMode
		upgrade, prior, verdict string
	}{
		{probetest.H2CUpgradeAndDirect, "ok", "ok", "cleartext · h2c upgrade ok · h2c direct ok"},
		{probetest.H2CDirectOnly, "info", "ok", "cleartext · h2c upgrade off · h2c direct ok"},
		{probetest.H2COff, "info", "info", "cleartext · h2c upgrade off · h2c direct off"},
		{probetest.H2COnly, "info", "ok", "cleartext · h2-only (no HTTP/1.1) · h2c direct ok"},
	}
	for _, c := range cases {
		s := start(t, func() (*probetest.Server, error) { return probetest.StartH2C(c.mode) })
		r := probeAt(t, "http://h2c.test:"+strconv.Itoa(s.Port)+"@127.0.0.1", nil, time.Second, 4*time.Second)
		u, p := r.H2CUpgrade, r.H2CPrior
		if string(u.Check.Status) != c.upgrade || string(p.Check.Status) != c.prior || r.Verdict != c.verdict || !r.OK {
			t.Errorf("mode %d: upgrade %+v prior %+v verdict %q", c.mode, u, p, r.Verdict)
			continue
		}
		if c.upgrade == "ok" && (u.HTTPStatus != 200 || u.Proto != "h2c" || u.Got != "101 Switching Protocols" || len(u.Settings) == 0) {
			t.Errorf("mode %d: upgraded response %+v", c.mode, u)
		}
		if c.prior == "ok" && (p.HTTPStatus != 200 || p.Proto != "h2c" || p.Server != "probetest-h2c") {
			t.Errorf("mode %d: prior knowledge response %+v", c.mode, p)
		}
		switch c.mode {
		case probetest.H2CDirectOnly, probetest.H2COff:
			if u.Got != "HTTP/1.1 200 OK" || !strings.Contains(u.Summary, "not an error") {
				t.Errorf("mode %d: refused upgrade %+v", c.mode, u)
			}
		case probetest.H2COnly:
			// Frames, or a reset that beat them: racy on the server's side.
			if u.Got != gotH2Frames && u.Got != gotClosed {
				t.Errorf("h2-only port: upgrade %+v", u)
			}
		}
		if c.mode == probetest.H2COff && !strings.HasPrefix(p.Summary, "no prior knowledge") {
			t.Errorf("HTTP/1.1-only prior knowledge: %+v", p)
		}
	}
}

func TestCancelStopsProbe(t *testing.T) {
	silent := start(t, probetest.StartSilent)
	tg, _ := ParseTarget(at("silent.test", silent))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	begin := time.Now()
	r := Run(ctx, tg, Options{Timeout: 10 * time.Second})
	if d := time.Since(begin); d > 2*time.Second || r.OK || r.Err == "" {
		t.Errorf("cancelled probe took %v, err %q", d, r.Err)
	}
}

// TestRunAllBoundsParallelism counts simultaneous connections on a server
// that never answers.
func TestRunAllBoundsParallelism(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	active, peak := 0, 0
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			active++
			peak = max(peak, active)
			mu.Unlock()
			go func() {
				buf := make([]byte, 1024)
				for {
					if _, err := c.Read(buf); err != nil {
						break
					}
				}
				c.Close()
				mu.Lock()
				active--
				mu.Unlock()
			}()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	var ts []Target
	for i := range 7 {
		ts = append(ts, Target{Scheme: SchemeHTTPS, Host: "n" + strconv.Itoa(i) + ".test", Port: port, Addr: "127.0.0.1"})
	}
	var calls sync.WaitGroup
	calls.Add(len(ts))
	begin := time.Now()
	rs := RunAll(context.Background(), ts, Options{Timeout: 150 * time.Millisecond, Parallel: 2}, func(int, Result) { calls.Done() })
	calls.Wait()
	// 7 targets, each held for the full 150ms timeout, 2 at a time: at
	// least 4 rounds. With 3 or more at a time it would take 3 rounds.
	if d := time.Since(begin); d < 4*150*time.Millisecond {
		t.Errorf("RunAll took %v: more than 2 probes ran at once", d)
	}
	for i, r := range rs {
		if r.Target.Host != ts[i].Host || !strings.HasPrefix(r.Err, "no answer within") {
			t.Errorf("result %d: %s %q", i, r.Target.Host, r.Err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if peak < 2 {
		t.Errorf("peak simultaneous connections %d: probes did not run in parallel", peak)
	}
}

func TestDemo(t *testing.T) {
	d, err := probetest.StartDemo()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	var rs []Resolve
	for _, s := range d.Resolve {
		r, err := ParseResolve(s)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	var ts []Target
	for _, s := range d.Targets {
		tg, err := ParseTarget(s)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tg)
	}
	res := RunAll(context.Background(), ts, Options{Timeout: 500 * time.Millisecond, Roots: d.CA.Pool(), Resolve: rs}, nil)
	verdicts := map[string]string{}
	for _, r := range res {
		verdicts[r.Target.Host] = r.Verdict
	}
	for host, want := range map[string]string{
		"beta.demo.test":    "default cert differs (alpha.demo.test) · no-SNI Host gets 421",
		"legacy.demo.test":  "no h2",
		"expired.demo.test": "cert expired",
		"h2c.demo.test":     "h2c upgrade ok · h2c direct ok",
		"silent.demo.test":  "error: no answer",
		"refused.demo.test": "error: connection refused",
	} {
		if !strings.Contains(verdicts[host], want) {
			t.Errorf("demo %s: verdict %q, want %q", host, verdicts[host], want)
		}
	}
}
