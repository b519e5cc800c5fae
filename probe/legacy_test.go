package probe

import (
	"crypto/tls"
	"strconv"
	"strings"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// TestLegacyTLS: a server still accepting TLS 1.0 or 1.1 is a warning
// naming the versions; a modern one is not asked twice.
func TestLegacyTLS(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		min, max uint16
		want     string
	}{
		{tls.VersionTLS10, 0, "TLS 1.0+TLS 1.1 accepted"},
		{tls.VersionTLS11, 0, "TLS 1.1 accepted"},
		{0, 0, ""},
	}
	for _, c := range cases {
		s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{f.alpha}, H2: true, MinVersion: c.min, MaxVersion: c.max})
		r := probeAt(t, at("alpha.test", s), f.ca.Pool(), time.Second, 5*time.Second)
		got := strings.Join(r.LegacyTLS, "+")
		if got != "" {
			got += " accepted"
		}
		if got != c.want || !r.OK {
			t.Errorf("min %x max %x: legacy %q ok=%v, want %q", c.min, c.max, r.LegacyTLS, r.OK, c.want)
			continue
		}
		if c.want == "" {
			if len(r.Warnings) != 0 || r.Grade() != "ok" || strings.Contains(r.Verdict, "accepted") {
				t.Errorf("modern server: warnings %v verdict %q", r.Warnings, r.Verdict)
			}
			continue
		}
		if !strings.Contains(r.Verdict, " · "+c.want) || r.Grade() != "warn" || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "RFC 8996") {
			t.Errorf("min %x: verdict %q warnings %v", c.min, r.Verdict, r.Warnings)
		}
	}
}

// TestLegacyTLSOpenSSL: OpenSSL 3 accepting TLS 1.0 and 1.1 again
// (security level 0, as old Apache setups with SSLProtocol all do).
func TestLegacyTLSOpenSSL(t *testing.T) {
	f := newFixture(t)
	port := startOpenSSL(t, f.alpha.Cert, nil, "-cipher", "DEFAULT:@SECLEVEL=0")
	r := probeAt(t, "https://alpha.test:"+strconv.Itoa(port)+"@127.0.0.1", f.ca.Pool(), 300*time.Millisecond, 5*time.Second)
	if strings.Join(r.LegacyTLS, "+") != "TLS 1.0+TLS 1.1" || !strings.Contains(r.Verdict, "TLS 1.0+TLS 1.1 accepted") {
		t.Errorf("openssl SECLEVEL=0: legacy %q verdict %q", r.LegacyTLS, r.Verdict)
	}
	port = startOpenSSL(t, f.alpha.Cert, nil)
	if r := probeAt(t, "https://alpha.test:"+strconv.Itoa(port)+"@127.0.0.1", f.ca.Pool(), 300*time.Millisecond, 5*time.Second); len(r.LegacyTLS) != 0 {
		t.Errorf("openssl defaults: legacy %q", r.LegacyTLS)
	}
}
