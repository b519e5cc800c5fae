package probe

import (
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	cases := []struct {
		in                        string
		scheme, host, addr, canon string
		port                      int
	}{
		{"example.org", "https", "example.org", "", "https://example.org:443", 443},
		{"Example.ORG.", "https", "example.org", "", "https://example.org:443", 443},
		{"example.org:8443", "https", "example.org", "", "https://example.org:8443", 8443},
		{"example.org:80", "http", "example.org", "", "http://example.org:80", 80},
		{"https://example.org", "https", "example.org", "", "https://example.org:443", 443},
		{"https://example.org/", "https", "example.org", "", "https://example.org:443", 443},
		{"HTTP://example.org", "http", "example.org", "", "http://example.org:80", 80},
		{"http://example.org:8080", "http", "example.org", "", "http://example.org:8080", 8080},
		{"[::1]:8443", "https", "::1", "", "https://[::1]:8443", 8443},
		{"[::1]", "https", "::1", "", "https://[::1]:443", 443},
		{"::1", "https", "::1", "", "https://[::1]:443", 443},
		{"127.0.0.1:4443", "https", "127.0.0.1", "", "https://127.0.0.1:4443", 4443},
		{"site.test:443@127.0.0.1", "https", "site.test", "127.0.0.1", "https://site.test:443@127.0.0.1", 443},
		{"https://site.test@[::1]", "https", "site.test", "::1", "https://site.test:443@[::1]", 443},
		{"  under_score.test  ", "https", "under_score.test", "", "https://under_score.test:443", 443},
	}
	for _, c := range cases {
		got, err := ParseTarget(c.in)
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", c.in, err)
			continue
		}
		if got.Scheme != c.scheme || got.Host != c.host || got.Port != c.port || got.Addr != c.addr || got.String() != c.canon {
			t.Errorf("ParseTarget(%q) = %+v (%s), want %s %s %d %s", c.in, got, got, c.scheme, c.host, c.port, c.addr)
		}
	}
}

func TestParseTargetErrors(t *testing.T) {
	cases := map[string]string{
		"":                                "empty target",
		"ftp://example.org":               "unsupported scheme",
		"example.org:0":                   "bad port",
		"example.org:99999":               "bad port",
		"example.org:abc":                 "bad port",
		"https://example.org/x":           "path",
		"exa mple.org":                    "contains",
		"bad..name":                       "empty label",
		"[::1":                            "missing ]",
		"[nothex]:443":                    "not an IPv6 address",
		"1:2:3":                           "neither host:port",
		"site.test@notanip":               "not an IP address",
		"https://:443":                    "missing host",
		"example.org?x=1":                 "query",
		strings.Repeat("a", 64) + ".test": "longer than 63",
	}
	for in, want := range cases {
		_, err := ParseTarget(in)
		if err == nil {
			t.Errorf("ParseTarget(%q): no error, want %q", in, want)
			continue
		}
		if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseTarget(%q) = %q, want one line containing %q", in, err, want)
		}
	}
}

func TestParseResolve(t *testing.T) {
	r, err := ParseResolve("Site.Test:8443:127.0.0.1")
	if err != nil || r.Host != "site.test" || r.Port != 8443 || len(r.Addrs) != 1 || r.Addrs[0] != "127.0.0.1" {
		t.Fatalf("got %+v, %v", r, err)
	}
	r, err = ParseResolve("+v6.test:443:[::1],127.0.0.1")
	if err != nil || len(r.Addrs) != 2 || r.Addrs[0] != "::1" || r.Addrs[1] != "127.0.0.1" {
		t.Fatalf("got %+v, %v", r, err)
	}
	r, err = ParseResolve("v6.test:443:::1")
	if err != nil || r.Addrs[0] != "::1" {
		t.Fatalf("bare IPv6: got %+v, %v", r, err)
	}
	for _, bad := range []string{"site.test:443", "site.test:x:127.0.0.1", "site.test:443:nope", ":443:127.0.0.1"} {
		if _, err := ParseResolve(bad); err == nil {
			t.Errorf("ParseResolve(%q): no error", bad)
		}
	}
	tg, _ := ParseTarget("site.test:8443")
	rs := []Resolve{{Host: "site.test", Port: 443, Addrs: []string{"10.0.0.1"}}, {Host: "site.test", Port: 8443, Addrs: []string{"127.0.0.2"}}}
	if got := ApplyResolve(tg, rs); got.Addr != "127.0.0.2" {
		t.Errorf("ApplyResolve picked %q, want the entry for port 8443", got.Addr)
	}
	tg.Addr = "127.0.0.9"
	if got := ApplyResolve(tg, rs); got.Addr != "127.0.0.9" {
		t.Errorf("ApplyResolve overrode an explicit address: %q", got.Addr)
	}
}

func TestParseTargetsFile(t *testing.T) {
	in := "# sites\nalpha.test\n\nbeta.test:8443 # staging\nhttp://gamma.test\nbad:port:x\ntwo fields\nhash#inname.test\n"
	ts, errs := ParseTargetsFile(strings.NewReader(in), "hosts.txt")
	var got []string
	for _, t := range ts {
		got = append(got, t.String())
	}
	want := "https://alpha.test:443 https://beta.test:8443 http://gamma.test:80"
	if strings.Join(got, " ") != want {
		t.Errorf("targets = %v, want %s", got, want)
	}
	if len(errs) != 3 {
		t.Fatalf("errors = %v, want 3", errs)
	}
	for i, line := range []string{"hosts.txt:6:", "hosts.txt:7:", "hosts.txt:8:"} {
		if !strings.HasPrefix(errs[i].Error(), line) {
			t.Errorf("error %d = %q, want prefix %q", i, errs[i], line)
		}
	}
}
