package probe

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// discoverNginx runs `nginx -T` on the running test server's configuration.
func (n *nginxServer) discover(t *testing.T) *NginxServers {
	t.Helper()
	v, err := DiscoverNginx(context.Background(), []string{nginxBin, "-T", "-p", n.Dir + "/", "-c", filepath.Join(n.Dir, "nginx.conf")})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestNginxDiscoveryE2E: `nginx -T` on a real nginx names the default
// server of each address:port (default_server wins over order), h2 per
// listen and TLS vs cleartext, and every discovered name probes OK.
func TestNginxDiscoveryE2E(t *testing.T) {
	n := startNginx(t, "default-server.conf.tmpl", "tls")
	v := n.discover(t)
	tlsPort := strconv.Itoa(n.Ports["tls"])
	if got, want := v.summary(), "127.0.0.1:"+tlsPort+" ssl default=beta.test(explicit) [alpha.test@nginx.conf:27 beta.test@nginx.conf:34]\n"; got != want {
		t.Errorf("discovered\n%s\nwant\n%s", got, want)
	}
	rs := RunAll(context.Background(), v.Targets(), Options{Timeout: 3 * time.Second, Roots: certPool(t, n.Certs)}, nil)
	if len(rs) != 2 {
		t.Fatalf("%d results", len(rs))
	}
	for _, r := range rs {
		if !r.OK || r.Target.DefaultName != "beta.test" || r.NoSNI.DefaultName != "beta.test" || len(r.Warnings) != 0 {
			t.Errorf("%s: ok=%v default %q warnings %v verdict %q", r.Target, r.OK, r.NoSNI.DefaultName, r.Warnings, r.Verdict)
		}
	}

	h := startNginx(t, "h2.conf.tmpl", "h2", "tls", "h2c", "plain")
	v = h.discover(t)
	p := func(name string) string { return strconv.Itoa(h.Ports[name]) }
	want := "127.0.0.1:" + p("h2") + " ssl h2 default=alpha.test [alpha.test@nginx.conf:29]\n" +
		"127.0.0.1:" + p("tls") + " ssl default=beta.test [beta.test@nginx.conf:36]\n" +
		"127.0.0.1:" + p("h2c") + " h2 default=h2c.test [h2c.test@nginx.conf:43]\n" +
		"127.0.0.1:" + p("plain") + " default=plain.test [plain.test@nginx.conf:48]\n"
	if got := v.summary(); got != want {
		t.Errorf("discovered\n%s\nwant\n%s", got, want)
	}
	var schemes []string
	for _, tg := range v.Targets() {
		schemes = append(schemes, tg.Scheme+"://"+tg.Host)
	}
	if got := strings.Join(schemes, " "); got != "https://alpha.test https://beta.test http://h2c.test http://plain.test" {
		t.Errorf("targets: %s", got)
	}
	for _, r := range RunAll(context.Background(), v.Targets(), Options{Timeout: 3 * time.Second, Roots: certPool(t, h.Certs)}, nil) {
		if !r.OK {
			t.Errorf("%s: %s", r.Target, r.Verdict)
		}
	}
}
