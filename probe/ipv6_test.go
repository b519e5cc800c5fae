package probe

import (
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ipcscope/probe/probetest"
)

// TestIPv6AuthorityBracketed: over TLS to [::1], h2's :authority and
// HTTP/1.1's Host carry the literal in brackets (RFC 3986), as Apache
// demands (it answers 400 otherwise).
func TestIPv6AuthorityBracketed(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ca, _ := probetest.NewCA()
	cert, err := ca.Issue([]string{"::1"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var hosts []string
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Proto+" "+r.Host)
		mu.Unlock()
	})
	for _, h2 := range []bool{true, false} {
		var p http.Protocols
		p.SetHTTP1(true)
		p.SetHTTP2(h2)
		s := &http.Server{Handler: handler, Protocols: &p, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
		if !h2 {
			s.TLSConfig.NextProtos = []string{"http/1.1"}
		}
		l := ln
		if !h2 {
			if l, err = net.Listen("tcp", "[::1]:0"); err != nil {
				t.Fatal(err)
			}
		}
		go s.ServeTLS(l, "", "")
		t.Cleanup(func() { s.Close() })
		port := l.Addr().(*net.TCPAddr).Port
		r := probeAt(t, "https://[::1]:"+strconv.Itoa(port), ca.Pool(), time.Second, 5*time.Second)
		if !r.OK || r.H2.HTTPStatus != 200 {
			t.Errorf("h2=%v: ok=%v verdict %q h2 %+v", h2, r.OK, r.Verdict, r.H2)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	sort.Strings(hosts)
	if got := strings.Join(hosts, ", "); got != "HTTP/1.1 [::1], HTTP/2.0 [::1]" {
		t.Errorf("authorities seen: %s", got)
	}
}

// TestJSONKeysStable: a result that answered everything and one that
// could not connect have the same keys at every level they share.
func TestJSONKeysStable(t *testing.T) {
	f := newFixture(t)
	s := startTLS(t, probetest.TLSOptions{Sites: []probetest.Site{f.alpha}, H2: true})
	refused, _ := probetest.RefusedAddr()
	_, rport, _ := net.SplitHostPort(refused)
	good := probeAt(t, at("alpha.test", s), f.ca.Pool(), time.Second, 5*time.Second)
	bad := probeAt(t, "https://down.test:"+rport+"@127.0.0.1", nil, time.Second, 5*time.Second)
	keys := func(r Result) []string {
		b, _ := json.Marshal(r)
		var m map[string]any
		json.Unmarshal(b, &m)
		var k []string
		for key := range m {
			k = append(k, key)
		}
		sort.Strings(k)
		return k
	}
	g, b := strings.Join(keys(good), " "), strings.Join(keys(bad), " ")
	if g != b {
		t.Errorf("keys differ:\n ok:     %s\n failed: %s", g, b)
	}
	for _, k := range []string{"failed_step", "error_class", "days_left", "expiry", "ocsp", "tls", "h2c_prior", "warnings"} {
		if !strings.Contains(" "+g+" ", " "+k+" ") {
			t.Errorf("key %q missing: %s", k, g)
		}
	}
	// Inside a check too: an answered and a failed TLS check.
	var tg, tb map[string]any
	bg, _ := json.Marshal(good.TLS)
	json.Unmarshal(bg, &tg)
	bb, _ := json.Marshal(bad.TLS)
	json.Unmarshal(bb, &tb)
	if len(tg) != len(tb) {
		t.Errorf("TLS check keys: %d vs %d", len(tg), len(tb))
	}
}
