package probe

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"ipcscope/ipc/ipctest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// needE2E skips the test when a server is missing, unless
// IPCSCOPE_REQUIRE_E2E=1 (CI), where it fails instead.
func needE2E(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("IPCSCOPE_REQUIRE_E2E") == "1" {
		t.Fatalf("end-to-end test required (IPCSCOPE_REQUIRE_E2E=1): %v", err)
	}
	t.Skipf("skipping end-to-end test: %v", err)
}

func startApache(t *testing.T) *probetest.Apache {
	t.Helper()
	if _, _, err := probetest.FindApache(); err != nil {
		needE2E(t, err)
	}
	ipctest.HoldApacheLock(t)
	a, err := probetest.StartApache()
	if err != nil {
		t.Fatalf("start apache: %v", err)
	}
	t.Cleanup(a.Close)
	return a
}

// apacheVersion returns the minor and patch level of Apache 2.4.x.
func apacheVersion(t *testing.T, bin string) int {
	out, err := exec.Command(bin, "-v").Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Apache/2\.4\.(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("unknown Apache version: %s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func certPool(t *testing.T, pems map[string][]byte) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, p := range pems {
		if !pool.AppendCertsFromPEM(p) {
			t.Fatal("bad PEM")
		}
	}
	return pool
}

func fingerprint(t *testing.T, p []byte) string {
	b, _ := pem.Decode(p)
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return certInfo(c, time.Now()).SHA256
}

func TestApacheE2E(t *testing.T) {
	a := startApache(t)
	patch := apacheVersion(t, a.Bin)
	opts := Options{Timeout: 3 * time.Second, Roots: certPool(t, a.Certs)}
	tlsPort := strconv.Itoa(a.TLSPort)
	run := func(target string) Result {
		tg, err := ParseTarget(target)
		if err != nil {
			t.Fatal(err)
		}
		return Run(context.Background(), tg, opts)
	}
	defer func() {
		if t.Failed() {
			t.Log(a.Log())
		}
	}()
	alphaFP := fingerprint(t, a.Certs["alpha.test"])

	// Each name gets its own certificate; no SNI gets the first vhost's.
	for _, name := range []string{"alpha.test", "www.alpha.test", "beta.test", "gamma.test"} {
		r := run("https://" + name + ":" + tlsPort + "@127.0.0.1")
		own := strings.TrimPrefix(name, "www.")
		if !r.OK || r.TLS.Cert == nil || r.TLS.Cert.SHA256 != fingerprint(t, a.Certs[own]) || !r.TLS.Verified || !r.TLS.Cert.SelfSigned {
			t.Errorf("%s: ok=%v, TLS %+v", name, r.OK, r.TLS)
			continue
		}
		if r.NoSNI.Cert == nil || r.NoSNI.Cert.SHA256 != alphaFP || r.NoSNI.DefaultName != "alpha.test" {
			t.Errorf("%s: no-SNI certificate must be alpha.test's: %+v", name, r.NoSNI)
		}
		if same := *r.NoSNI.SameAsSNI; same != (own == "alpha.test") {
			t.Errorf("%s: same_as_sni = %v", name, same)
		}
		// h2 where enabled (server Protocols h2 http/1.1), not for gamma (Protocols http/1.1).
		wantALPN, wantProto := "h2", "h2"
		if own == "gamma.test" {
			wantALPN, wantProto = "http/1.1", "http/1.1"
		}
		if r.TLS.ALPN != wantALPN || r.H2.Proto != wantProto || r.H2.HTTPStatus != 200 || !strings.HasPrefix(r.H2.Server, "Apache") {
			t.Errorf("%s: ALPN %q, request %+v", name, r.TLS.ALPN, r.H2)
		}
		if wantProto == "h2" && r.H2.Settings["MAX_CONCURRENT_STREAMS"] != 100 {
			t.Errorf("%s: Apache SETTINGS %v, want MAX_CONCURRENT_STREAMS=100", name, r.H2.Settings)
		}
		if (own == "alpha.test") != (r.HSTS == "max-age=300") {
			t.Errorf("%s: HSTS %q", name, r.HSTS)
		}
		// 421: no SNI + Host of another vhost with another certificate
		// (Apache >= 2.4.64, SSLVHostSNIPolicy secure); SNI alpha + Host
		// beta/gamma in every 2.4.
		m := r.Misdirected
		wantNoSNI := 200
		if own != "alpha.test" && patch >= 64 {
			wantNoSNI = 421
		}
		if m.NoSNI == nil || m.NoSNI.Status != wantNoSNI {
			t.Errorf("%s: no SNI + Host: %+v, want %d", name, m.NoSNI, wantNoSNI)
		}
		switch {
		case name == "alpha.test":
			if m.DefaultSNI != nil {
				t.Errorf("%s is the default vhost: no cross-SNI request expected: %+v", name, m.DefaultSNI)
			}
		case own == "alpha.test":
			// Same vhost (an alias), same certificate: asked anyway, served.
			if m.DefaultSNI == nil || m.DefaultSNI.SNI != "alpha.test" || m.DefaultSNI.Status != 200 {
				t.Errorf("%s: SNI alpha.test + Host: %+v, want 200", name, m.DefaultSNI)
			}
		case m.DefaultSNI == nil || m.DefaultSNI.SNI != "alpha.test" || m.DefaultSNI.Status != 421:
			t.Errorf("%s: SNI alpha.test + Host: %+v, want 421", name, m.DefaultSNI)
		}
	}

	// The bare IP sends no SNI and gets alpha.test's certificate.
	r := run("https://127.0.0.1:" + tlsPort)
	if !r.OK || r.TLS.Status != StatusSkipped || r.NoSNI.Cert.SHA256 != alphaFP {
		t.Errorf("IP target: %+v / %+v", r.TLS, r.NoSNI)
	}

	// h2c: Upgrade (101) and prior knowledge on the h2c vhost; neither on plain.
	r = run("http://h2c.test:" + strconv.Itoa(a.H2CPort) + "@127.0.0.1")
	if u := r.H2CUpgrade; u.Check.Status != StatusOK || u.Got != "101 Switching Protocols" || u.HTTPStatus != 200 || u.Proto != "h2c" {
		t.Errorf("h2c upgrade: %+v", u)
	}
	if p := r.H2CPrior; p.Check.Status != StatusOK || p.HTTPStatus != 200 || p.Settings["MAX_CONCURRENT_STREAMS"] != 100 {
		t.Errorf("h2c prior knowledge: %+v", p)
	}
	r = run("http://plain.test:" + strconv.Itoa(a.PlainPort) + "@127.0.0.1")
	if u := r.H2CUpgrade; u.Check.Status != StatusInfo || u.Got != "HTTP/1.1 200 OK" {
		t.Errorf("plain upgrade must be refused: %+v", u)
	}
	if p := r.H2CPrior; p.Check.Status != StatusInfo || !strings.Contains(p.Got, "400") {
		t.Errorf("plain prior knowledge must be answered in HTTP/1.1: %+v", p)
	}
	if !r.OK || r.Verdict != "cleartext · h2c upgrade off · h2c direct off" {
		t.Errorf("plain: ok=%v verdict %q", r.OK, r.Verdict)
	}

	// One wildcard certificate, two TLS setups: cross-SNI 421 although the
	// default certificate is the target's own (the default vhost's name
	// comes from discovery, as with --apache).
	wild := strconv.Itoa(a.WildPort)
	for name, want := range map[string]int{"two.wild.test": 421, "three.wild.test": 200} {
		tg, err := ParseTarget("https://" + name + ":" + wild + "@127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		tg.DefaultName = "one.wild.test"
		r := Run(context.Background(), tg, opts)
		m := r.Misdirected
		if !r.OK || r.NoSNI.SameAsSNI == nil || !*r.NoSNI.SameAsSNI || m.DefaultSNI == nil || m.DefaultSNI.SNI != "one.wild.test" || m.DefaultSNI.Status != want {
			t.Errorf("%s: ok=%v cross-SNI %+v, want %d (verdict %q)", name, r.OK, m.DefaultSNI, want, r.Verdict)
		}
		if (want == 421) != strings.Contains(r.Verdict, "cross-SNI 421") {
			t.Errorf("%s: verdict %q", name, r.Verdict)
		}
	}

	// http:// to the TLS port: Apache answers 400 in plain HTTP; not ok.
	r = run("http://alpha.test:" + tlsPort + "@127.0.0.1")
	if r.OK || r.FailedStep != StepCleartext || r.Verdict != "cleartext · TLS port: use https://" ||
		!strings.Contains(r.H2CUpgrade.Error, "plain HTTP got HTTP/1.1 400") {
		t.Errorf("http:// to Apache's TLS port: ok=%v verdict %q upgrade %+v", r.OK, r.Verdict, r.H2CUpgrade)
	}
}

// TestApacheDiscoveryE2E discovers the running server's vhosts with -S and
// probes every name on its address.
func TestApacheDiscoveryE2E(t *testing.T) {
	a := startApache(t)
	v, err := DiscoverApache(context.Background(), append([]string{a.Bin}, a.Args("-S")...))
	if err != nil {
		t.Fatal(err)
	}
	tls := strconv.Itoa(a.TLSPort)
	want := "127.0.0.1:" + tls + " default=alpha.test [alpha.test(www.alpha.test) beta.test gamma.test]\n" +
		"127.0.0.1:" + strconv.Itoa(a.H2CPort) + " default=h2c.test [h2c.test]\n" +
		"127.0.0.1:" + strconv.Itoa(a.PlainPort) + " default=plain.test [plain.test]\n" +
		"127.0.0.1:" + strconv.Itoa(a.WildPort) + " default=one.wild.test [one.wild.test two.wild.test three.wild.test]\n" +
		"*:" + strconv.Itoa(a.StarPort) + " default=localhost [localhost star.test]\n"
	if got := v.summary(); got != want {
		t.Fatalf("discovered\n%s\nwant\n%s", got, want)
	}
	ts := v.Targets()
	rs := RunAll(context.Background(), ts, Options{Timeout: 3 * time.Second, Roots: certPool(t, a.Certs)}, nil)
	got := map[string]string{}
	for _, r := range rs {
		if !r.OK {
			t.Errorf("%s: not ok: %s", r.Target, r.Verdict)
		}
		got[r.Target.Host] = r.Target.Scheme + " " + r.Verdict
	}
	for host, prefix := range map[string]string{
		"alpha.test":     "auto SNI ok · default cert same · h2",
		"www.alpha.test": "auto SNI ok · default cert same · h2",
		"beta.test":      "auto SNI ok · default cert differs (alpha.test)",
		"gamma.test":     "auto SNI ok · default cert differs (alpha.test)",
		"h2c.test":       "http cleartext · h2c upgrade ok · h2c direct ok",
		"plain.test":     "http cleartext · h2c upgrade off · h2c direct off",
		// Found by --apache: the default vhost is known, so the shared
		// wildcard does not hide the 421.
		"one.wild.test":   "auto SNI ok · default cert same · h2",
		"two.wild.test":   "auto SNI ok · default cert same · ", // then "no-SNI Host gets 421" from 2.4.64 on
		"three.wild.test": "auto SNI ok · default cert same · h2",
	} {
		if !strings.HasPrefix(got[host], prefix) {
			t.Errorf("%s: %q, want prefix %q", host, got[host], prefix)
		}
	}
	if !strings.Contains(got["two.wild.test"], " · cross-SNI 421 · h2") {
		t.Errorf("two.wild.test: %q, want cross-SNI 421", got["two.wild.test"])
	}
	// "*:port" with only "Listen 127.0.0.3:port": probed there; the
	// default vhost has no ServerName: probed as the bare address, and
	// star.test gets no "check which vhost is declared first" warning.
	star := v.Ports[len(v.Ports)-1]
	if star.ProbeAddr != "127.0.0.3" || !star.DefaultNoServerName || !star.Vhosts[0].NoServerName || star.Vhosts[1].NoServerName {
		t.Errorf("*:%d: %+v", a.StarPort, star)
	}
	var starResults int
	for _, r := range rs {
		if r.Target.Port != a.StarPort {
			continue
		}
		starResults++
		if r.Addr != "127.0.0.3:"+strconv.Itoa(a.StarPort) || !r.OK || len(r.Warnings) != 0 {
			t.Errorf("%s: addr %s ok=%v warnings %v verdict %q", r.Target, r.Addr, r.OK, r.Warnings, r.Verdict)
		}
		if r.Target.Host == "127.0.0.3" && (r.NoSNI.Cert == nil || r.NoSNI.Cert.DNSNames[0] != "gamma.test") {
			t.Errorf("default vhost without ServerName: %+v", r.NoSNI)
		}
	}
	if starResults != 2 || got["127.0.0.3"] == "" || got["star.test"] == "" {
		t.Errorf("*:%d: %d results; %v", a.StarPort, starResults, got)
	}
	if len(got) != 11 {
		t.Errorf("probed %d names, want 11: %v", len(got), got)
	}
}
