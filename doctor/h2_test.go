package doctor

import (
	"strings"
	"testing"

	"ipcscope/probe"
)

func tlsResult(alpn, server string) probe.Result {
	t, _ := probe.ParseTarget("https://old.test:443")
	return probe.Result{Target: t,
		TLS: &probe.TLSCheck{Check: probe.Check{Status: probe.StatusOK}, ALPN: alpn},
		H2:  &probe.HTTPCheck{Check: probe.Check{Status: probe.StatusOK}, Proto: "http/1.1", Server: server}}
}

// Without the configuration: the Server header's versions, or a plain
// "not read"; h2 offered or the handshake failed: nothing to explain.
func TestExplainNoH2ServerHeader(t *testing.T) {
	if n := ExplainNoH2(tlsResult("h2", "Apache/2.4.71"), nil, nil); n != nil {
		t.Errorf("h2 offered: %+v", n)
	}
	failed := tlsResult("", "")
	failed.TLS.Status = probe.StatusFail
	if n := ExplainNoH2(failed, nil, nil); n != nil {
		t.Errorf("failed TLS: %+v", n)
	}
	n := ExplainNoH2(tlsResult("http/1.1", "Apache/2.4.6 (CentOS) OpenSSL/1.0.1e-fips"), nil, nil)
	if n == nil || n.From != FromServerHeader || len(n.Reasons) != 2 || !strings.Contains(n.Reasons[0].Cause, "older than 2.4.17") || !strings.Contains(n.Reasons[1].Cause, "no ALPN") {
		t.Fatalf("%+v", n)
	}
	n = ExplainNoH2(tlsResult("", "nginx/1.8.1"), nil, nil)
	if n == nil || len(n.Reasons) != 1 || !strings.Contains(n.Reasons[0].Cause, "older than 1.9.5") {
		t.Fatalf("%+v", n)
	}
	n = ExplainNoH2(tlsResult("http/1.1", "Apache/2.4.71 (Debian) OpenSSL/3.0.19\x1b[31m"), nil, nil)
	if n == nil || n.From != FromNothing || !strings.Contains(n.Reasons[0].Cause, "was not read") {
		t.Fatalf("%+v", n)
	}
	n = ExplainNoH2(tlsResult("http/1.1", "Apache/2.4.6\x1b[31m (Unix)"), nil, nil)
	if n == nil || n.From != FromServerHeader || strings.ContainsRune(n.Reasons[0].Cause, 0x1b) {
		t.Errorf("server header with an escape: %+v", n)
	}
	if !versionAtLeast("2.4.17", 2, 4, 17) || versionAtLeast("2.4.9", 2, 4, 17) || !versionAtLeast("3.0.0", 2, 4, 17) || versionAtLeast("1.0.1", 1, 0, 2) {
		t.Error("versionAtLeast")
	}
}

// From a setup read: a target of --apache discovery gets mod_http2, the
// MPM and the Protocols in scope.
func TestExplainNoH2ApacheSetup(t *testing.T) {
	s := ParseV(fixture(t, "V-prefork.txt"))
	s.Modules = ParseModules(fixture(t, "M-prefork.txt"))
	r := tlsResult("http/1.1", "")
	r.Target.Input = "apache:/nonexistent/site.conf:3:https://old.test:443"
	n := ExplainNoH2(r, s, nil)
	if n == nil || n.From != FromApache || len(n.Reasons) != 3 {
		t.Fatalf("%+v", n)
	}
	for i, want := range []string{"mod_http2 is not loaded", "AH10034", "default is http/1.1 only"} {
		if !strings.Contains(n.Reasons[i].Cause, want) {
			t.Errorf("reason %d %q lacks %q", i, n.Reasons[i].Cause, want)
		}
	}
}
