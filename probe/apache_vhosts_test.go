package probe

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestProbeAddrFollowsListen: a "*" vhost set is probed where the kernel
// shows a listener for its port (127.0.0.3 here), a wildcard listener on
// loopback, and an explicit address as given.
func TestProbeAddrFollowsListen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.3:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.3: %v", err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if got := listening(port); len(got) != 1 || got[0] != "127.0.0.3" {
		t.Errorf("listening(%d) = %v", port, got)
	}
	for addr, want := range map[string]string{"*": "127.0.0.3", "_default_": "127.0.0.3", "127.0.0.9": "127.0.0.9"} {
		if got := probeAddr(addr, port); got != want {
			t.Errorf("probeAddr(%q, %d) = %q, want %q", addr, port, got, want)
		}
	}
	// A wildcard listener, from a socket table written here (tests never
	// listen beyond loopback): 0.0.0.0:443 and [::]:8443.
	fake := filepath.Join(t.TempDir(), "tcp")
	os.WriteFile(fake, []byte("  sl  local_address rem_address   st\n"+
		"   0: 00000000:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n"+
		"   1: 0100007F:01BB 0100007F:C058 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n"), 0o644)
	fake6 := filepath.Join(t.TempDir(), "tcp6")
	os.WriteFile(fake6, []byte("  sl  local_address rem_address   st\n"+
		"   0: 00000000000000000000000000000000:20FB 00000000000000000000000000000000:0000 0A 0 0 0 0 0 1 1\n"), 0o644)
	save := procNetTCP
	procNetTCP = []string{fake, fake6}
	defer func() { procNetTCP = save }()
	if got := listening(443); len(got) != 1 || got[0] != "0.0.0.0" {
		t.Errorf("fake table: %v", got)
	}
	for _, c := range []struct {
		addr string
		port int
		want string
	}{{"*", 443, "127.0.0.1"}, {"*", 8443, "::1"}, {"0.0.0.0", 8443, "127.0.0.1"}} {
		if got := probeAddr(c.addr, c.port); got != c.want {
			t.Errorf("probeAddr(%q, %d) = %q, want %q", c.addr, c.port, got, c.want)
		}
	}
	procNetTCP = save
	free, _ := net.Listen("tcp", "127.0.0.1:0")
	fp := free.Addr().(*net.TCPAddr).Port
	free.Close()
	if got := probeAddr("*", fp); got != "127.0.0.1" {
		t.Errorf("no listener: %q", got)
	}
}

// TestHasServerName reads the <VirtualHost> block at file:line.
func TestHasServerName(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "sites.conf")
	os.WriteFile(conf, []byte(`<VirtualHost *:443>
    SSLEngine on
    # ServerName in a comment does not count
</VirtualHost>
<VirtualHost *:443>
    servername named.test
</VirtualHost>
`), 0o644)
	for source, want := range map[string][2]bool{
		conf + ":1":              {false, true},
		conf + ":5":              {true, true},
		conf + ":99":             {false, true},
		"/nonexistent/x.conf:1":  {false, false},
		"no line number in here": {false, false},
	} {
		has, known := hasServerName(source)
		if [2]bool{has, known} != want {
			t.Errorf("hasServerName(%q) = %v, %v, want %v", source, has, known, want)
		}
	}
	v := &ApacheVhosts{Ports: []ApachePort{{Addr: "*", Port: 1, Default: "localhost", DefaultSource: conf + ":1",
		Vhosts: []ApacheVhost{{Name: "localhost", Source: conf + ":1"}, {Name: "named.test", Source: conf + ":5"}}}}}
	v.resolveLocal()
	ts := v.Targets()
	if len(ts) != 2 || ts[0].Host != "127.0.0.1" || !ts[0].IsIP() || ts[1].Host != "named.test" || ts[1].DefaultName != "" {
		t.Errorf("targets: %+v", ts)
	}
}
