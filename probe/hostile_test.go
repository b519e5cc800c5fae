package probe

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// TestHTTPFailureFailsTarget: a server that completes TLS with a valid
// certificate and then stalls, resets, closes or sends GOAWAY is not OK,
// and the result names the failed step.
func TestHTTPFailureFailsTarget(t *testing.T) {
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue([]string{"hostile.test"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		then probetest.AfterTLS
		h2   bool
		want string // the h2 check's error
	}{
		{probetest.AfterTLSStall, true, "no answer within 300ms (h2 request)"},
		{probetest.AfterTLSStall, false, "no answer within 300ms (HTTP/1.1 request)"},
		{probetest.AfterTLSReset, true, "connection reset by the server during h2 request"},
		{probetest.AfterTLSReset, false, "connection reset by the server during HTTP/1.1 request"},
		{probetest.AfterTLSClose, false, "connection closed by the server during HTTP/1.1 request"},
		{probetest.AfterTLSGoAway, true, "h2 request: server sent GOAWAY (ENHANCE_YOUR_CALM) go away"},
	}
	for _, c := range cases {
		s := start(t, func() (*probetest.Server, error) {
			return probetest.StartTLSThen(probetest.HostileTLS{Cert: cert, H2: c.h2, Then: c.then, Debug: "go away"})
		})
		r := probeAt(t, at("hostile.test", s), ca.Pool(), 300*time.Millisecond, 5*time.Second)
		if r.OK || r.FailedStep != StepHTTP || !r.TLS.Verified {
			t.Errorf("mode %d h2=%v: ok=%v step %q verified=%v verdict %q", c.then, c.h2, r.OK, r.FailedStep, r.TLS.Verified, r.Verdict)
		}
		what := "HTTP/1.1"
		if c.h2 {
			what = "h2"
		}
		if !strings.HasPrefix(r.Verdict, "SNI ok ·") || !strings.Contains(r.Verdict, " · "+what+" request failed") || r.H2.Error != c.want {
			t.Errorf("mode %d h2=%v: verdict %q error %q, want %q", c.then, c.h2, r.Verdict, r.H2.Error, c.want)
		}
	}
}

// TestCleartextResetIsDeterministic: a port that resets every connection
// (at once, or once the request arrives) fails the same way on every run,
// whether the reset meets the client's write or its read.
func TestCleartextResetIsDeterministic(t *testing.T) {
	for _, onAccept := range []bool{true, false} {
		s := start(t, func() (*probetest.Server, error) { return probetest.StartReset(onAccept) })
		target := "http://reset.test:" + strconv.Itoa(s.Port) + "@127.0.0.1"
		seen := map[string]int{}
		for range 30 {
			r := probeAt(t, target, nil, time.Second, 3*time.Second)
			seen[fmt.Sprintf("ok=%v step=%q verdict=%q", r.OK, r.FailedStep, r.Verdict)]++
		}
		want := fmt.Sprintf("ok=false step=%q verdict=%q", StepCleartext, "cleartext · no HTTP answer: every connection closed or reset")
		if len(seen) != 1 || seen[want] != 30 {
			t.Errorf("reset on accept=%v: answers over 30 runs: %v", onAccept, seen)
		}
	}
}

// TestHTTPToTLSPort: http:// against a TLS port gets 400 in plain HTTP
// (Go, Apache and nginx alike): that is not an answer, and the probe says
// the port speaks TLS.
func TestHTTPToTLSPort(t *testing.T) {
	f := newFixture(t)
	s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{f.alpha}, H2: true})
	r := probeAt(t, "http://alpha.test:"+strconv.Itoa(s.Port)+"@127.0.0.1", nil, time.Second, 5*time.Second)
	if r.OK || r.FailedStep != StepCleartext || r.Verdict != "cleartext · TLS port: use https://" ||
		!strings.Contains(r.H2CUpgrade.Error, "this port speaks TLS (TLS 1.3 completed; plain HTTP got HTTP/1.1 400)") {
		t.Errorf("ok=%v step %q verdict %q upgrade %+v", r.OK, r.FailedStep, r.Verdict, r.H2CUpgrade)
	}
	// A cleartext server answering 400 is not mistaken for a TLS port.
	h := start(t, func() (*probetest.Server, error) { return probetest.StartH2C(probetest.H2COff) })
	if r := probeAt(t, "http://plain.test:"+strconv.Itoa(h.Port)+"@127.0.0.1", nil, time.Second, 5*time.Second); !r.OK || strings.Contains(r.Verdict, "TLS") {
		t.Errorf("plain HTTP server: ok=%v verdict %q", r.OK, r.Verdict)
	}
}

// TestCrossSNI421SharedCertificate: vhosts sharing one wildcard
// certificate but not their TLS setup (Apache: SSLProtocol or
// SSLVerifyClient differ) answer 421 to a request for one on a connection
// made for the other. The probe asks even though the default certificate
// is the target's own.
func TestCrossSNI421SharedCertificate(t *testing.T) {
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	wild, err := ca.Issue([]string{"*.wild.test"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	alpha := probetest.Site{Names: []string{"alpha.wild.test"}, Cert: wild, TLSGroup: "TLS 1.2+"}
	beta := probetest.Site{Names: []string{"beta.wild.test"}, Cert: wild, TLSGroup: "client certificates"}
	gamma := probetest.Site{Names: []string{"gamma.wild.test"}, Cert: wild, TLSGroup: "TLS 1.2+"}
	s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{alpha, beta, gamma}, H2: true, Misdirected: true})
	for name, want := range map[string]int{"beta.wild.test": 421, "gamma.wild.test": 200} {
		// The default vhost's name comes from discovery (a wildcard names no host).
		tg := Target{Scheme: SchemeHTTPS, Host: name, Port: s.Port, Addr: "127.0.0.1", DefaultName: "alpha.wild.test", DefaultSource: "test"}
		r := Run(t.Context(), tg, Options{Timeout: time.Second, Roots: ca.Pool()})
		m := r.Misdirected
		if !r.OK || r.NoSNI.SameAsSNI == nil || !*r.NoSNI.SameAsSNI || m.DefaultSNI == nil || m.DefaultSNI.SNI != "alpha.wild.test" || m.DefaultSNI.Status != want {
			t.Errorf("%s: ok=%v same=%v cross-SNI %+v, want %d", name, r.OK, r.NoSNI.SameAsSNI, m.DefaultSNI, want)
			continue
		}
		if (want == 421) != strings.Contains(r.Verdict, "cross-SNI 421") || (want == 421) != (m.Status == StatusWarn) {
			t.Errorf("%s: verdict %q misdirected %s", name, r.Verdict, m.Status)
		}
	}
}

// TestErrorClassesAndReadCap: every failure mode has its class, and a
// server that floods a response head hits the read cap, which is named as
// such (not "closed by the server").
func TestErrorClassesAndReadCap(t *testing.T) {
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := ca.Issue([]string{"c.test"}, time.Time{}, time.Time{})
	hostile := func(then probetest.AfterTLS, h2 bool) string {
		s := start(t, func() (*probetest.Server, error) {
			return probetest.StartTLSThen(probetest.HostileTLS{Cert: cert, H2: h2, Then: then, Debug: "x"})
		})
		return at("c.test", s)
	}
	refused, _ := probetest.RefusedAddr()
	_, rport, _ := net.SplitHostPort(refused)
	silent := start(t, probetest.StartSilent)
	garbage := start(t, probetest.StartGarbage)
	reset := start(t, func() (*probetest.Server, error) { return probetest.StartReset(true) })
	tlsPort := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{{Names: []string{"c.test"}, Cert: cert}}})
	other, _ := probetest.NewCA()
	cases := []struct {
		target      string
		roots       *probetest.CA
		step, class string
	}{
		{hostile(probetest.AfterTLSFlood, false), ca, StepHTTP, ClassReadCap},
		{hostile(probetest.AfterTLSStall, true), ca, StepHTTP, ClassTimeout},
		{hostile(probetest.AfterTLSReset, false), ca, StepHTTP, ClassReset},
		{hostile(probetest.AfterTLSClose, false), ca, StepHTTP, ClassClosed},
		{hostile(probetest.AfterTLSGoAway, true), ca, StepHTTP, ClassProtocol},
		{"https://down.test:" + rport + "@127.0.0.1", ca, StepConnect, ClassRefused},
		{at("silent.test", silent), ca, StepTLS, ClassTimeout},
		{at("garbage.test", garbage), ca, StepTLS, ClassNotTLS},
		{at("c.test", tlsPort), other, StepCertificate, ClassCertificate},
		{"http://reset.test:" + strconv.Itoa(reset.Port) + "@127.0.0.1", ca, StepCleartext, ClassNoAnswer},
		{"http://c.test:" + strconv.Itoa(tlsPort.Port) + "@127.0.0.1", ca, StepCleartext, ClassTLSPort},
		{"https://no-such-host.invalid", ca, StepResolve, ClassResolve},
		{at("c.test", tlsPort), ca, "", ClassNone},
	}
	for _, c := range cases {
		r := probeAt(t, c.target, c.roots.Pool(), 300*time.Millisecond, 5*time.Second)
		if r.FailedStep != c.step || r.ErrorClass != c.class || r.OK != (c.step == "") {
			t.Errorf("%s: ok=%v step %q class %q, want %q %q (verdict %q)", c.target, r.OK, r.FailedStep, r.ErrorClass, c.step, c.class, r.Verdict)
		}
		if c.class == ClassReadCap && !strings.Contains(r.H2.Error, "read cap of 256 KiB reached") {
			t.Errorf("read cap: %q", r.H2.Error)
		}
	}
}

// TestHTTP1InformationalNotFinal: 103 Early Hints before the 200 is not
// the answer.
func TestHTTP1InformationalNotFinal(t *testing.T) {
	ca, _ := probetest.NewCA()
	cert, _ := ca.Issue([]string{"hints.test"}, time.Time{}, time.Time{})
	s := start(t, func() (*probetest.Server, error) {
		return probetest.StartTLSThen(probetest.HostileTLS{Cert: cert, Then: probetest.AfterTLSEarlyHints, Debug: "final"})
	})
	r := probeAt(t, at("hints.test", s), ca.Pool(), time.Second, 5*time.Second)
	if !r.OK || r.H2.HTTPStatus != 200 || r.H2.Server != "final" {
		t.Errorf("ok=%v h2 %+v", r.OK, r.H2)
	}
}

// TestResolveWildcardAndNextAddress: curl's "*:port:addr" applies to every
// host on that port (a host's own entry wins), and an address that refuses
// the connection is followed by the next one, as curl does.
func TestResolveWildcardAndNextAddress(t *testing.T) {
	f := newFixture(t)
	s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{f.alpha, f.beta}, H2: true})
	port := strconv.Itoa(s.Port)
	wild, err := ParseResolve("*:" + port + ":127.0.0.2,127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	own, _ := ParseResolve("beta.test:" + port + ":127.0.0.1")
	for _, name := range []string{"alpha.test", "beta.test"} {
		tg, _ := ParseTarget("https://" + name + ":" + port)
		r := Run(t.Context(), tg, Options{Timeout: time.Second, Roots: f.ca.Pool(), Resolve: []Resolve{wild, own}})
		if !r.OK || r.Addr != "127.0.0.1:"+port {
			t.Errorf("%s: ok=%v addr %q verdict %q", name, r.OK, r.Addr, r.Verdict)
		}
		wantTried := name == "alpha.test" // beta's own entry has only 127.0.0.1
		if wantTried != (len(r.Tried) == 1 && strings.HasPrefix(r.Tried[0], "127.0.0.2:"+port+": connection refused")) ||
			wantTried != (len(r.Warnings) == 1 && strings.Contains(r.Warnings[0], "1 other address(es) could not be connected to")) {
			t.Errorf("%s: tried %q warnings %q", name, r.Tried, r.Warnings)
		}
	}
	// Every address refused: the error is the last one's, all are listed.
	refused, _ := ParseResolve("*:" + port + ":127.0.0.2,127.0.0.3")
	tg, _ := ParseTarget("https://alpha.test:" + port)
	if r := Run(t.Context(), tg, Options{Timeout: time.Second, Resolve: []Resolve{refused}}); r.OK || r.Addr != "127.0.0.3:"+port || len(r.Tried) != 1 || r.FailedStep != StepConnect {
		t.Errorf("all refused: ok=%v addr %q tried %q step %q", r.OK, r.Addr, r.Tried, r.FailedStep)
	}
	if _, err := ParseResolve("*x:443:127.0.0.1"); err == nil {
		t.Error("*x accepted as a host")
	}
}

// TestSlowIsNotMalformed: a server that sends the start of a status line
// and stalls ran out of time; it did not send garbage.
func TestSlowIsNotMalformed(t *testing.T) {
	for _, prefix := range []string{"HTT", "HTTP/1.1 2"} {
		s := start(t, func() (*probetest.Server, error) { return probetest.StartSlow(prefix) })
		r := probeAt(t, "http://slow.test:"+strconv.Itoa(s.Port)+"@127.0.0.1", nil, 200*time.Millisecond, 3*time.Second)
		if r.OK || r.ErrorClass != ClassTimeout || !strings.HasPrefix(r.Err, "no answer within 200ms (h2c upgrade response)") {
			t.Errorf("%q: ok=%v class %q err %q upgrade %+v prior %+v", prefix, r.OK, r.ErrorClass, r.Err, r.H2CUpgrade, r.H2CPrior)
		}
	}
}

// TestTargetBudget: --timeout bounds each step; the budget bounds the
// target, and the check it cut short says so.
func TestTargetBudget(t *testing.T) {
	ca, _ := probetest.NewCA()
	cert, _ := ca.Issue([]string{"slow.test"}, time.Time{}, time.Time{})
	s := start(t, func() (*probetest.Server, error) {
		return probetest.StartTLSThen(probetest.HostileTLS{Cert: cert, H2: true, Then: probetest.AfterTLSStall})
	})
	tg, _ := ParseTarget(at("slow.test", s))
	begin := time.Now()
	r := Run(t.Context(), tg, Options{Timeout: 200 * time.Millisecond, Budget: 300 * time.Millisecond, Roots: ca.Pool()})
	took := time.Since(begin)
	if took > 600*time.Millisecond {
		t.Errorf("took %v with a 300ms budget", took)
	}
	if r.OK || r.H2.Error != "no answer within 200ms (h2 request)" || r.Misdirected == nil || r.Misdirected.NoSNI == nil ||
		!strings.HasPrefix(r.Misdirected.NoSNI.Error, "the target's time budget of 300ms ran out") {
		t.Errorf("ok=%v h2 %q misdirected %+v", r.OK, r.H2.Error, r.Misdirected)
	}
	// The default budget is 3 × the step timeout.
	if b := (Options{Timeout: time.Second}).budget(); b != 3*time.Second {
		t.Errorf("default budget %v", b)
	}
}

// TestTLSResetIsDeterministic: the same for https: a reset seen by the
// dial and one seen by the handshake give the same verdict.
func TestTLSResetIsDeterministic(t *testing.T) {
	for _, onAccept := range []bool{true, false} {
		s := start(t, func() (*probetest.Server, error) { return probetest.StartReset(onAccept) })
		seen := map[string]int{}
		for range 40 {
			r := probeAt(t, "https://reset.test:"+strconv.Itoa(s.Port)+"@127.0.0.1", nil, time.Second, 3*time.Second)
			seen[fmt.Sprintf("ok=%v step=%s class=%s verdict=%q", r.OK, r.FailedStep, r.ErrorClass, r.Verdict)]++
		}
		want := fmt.Sprintf("ok=false step=%s class=%s verdict=%q", StepTLS, ClassReset, "TLS failed: connection reset by the server during TLS handshake · no-SNI refused")
		if seen[want] != 40 {
			t.Errorf("reset on accept=%v: %v", onAccept, seen)
		}
	}
}
