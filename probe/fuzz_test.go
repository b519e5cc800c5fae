package probe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad input gets an error, never a panic: the parsers of everything a user
// or apache2ctl hands ipcscope, fuzzed from the test cases and fixtures.

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"example.org", "example.org:8443", "https://a.test", "http://[::1]:8080", "[::1]:8443",
		"a.test:443@127.0.0.1", "http://", "https://:443", "a b", "[::1", "a.test:99999", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("%q: the error is not one line: %q", s, err)
			}
			return
		}
		if tg.Port <= 0 || tg.Port > 65535 {
			t.Fatalf("%q parsed with port %d", s, tg.Port)
		}
		_ = tg.String()
		_ = tg.HostPort()
	})
}

func FuzzParseResolve(f *testing.F) {
	for _, s := range []string{"a.test:443:127.0.0.1", "a.test:443:[::1]", "a.test:443", "::", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := ParseResolve(s); err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("%q: the error is not one line: %q", s, err)
		}
	})
}

func FuzzParseApacheS(f *testing.F) {
	files, _ := filepath.Glob("testdata/apache-S-*.txt")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseApacheS(strings.NewReader(s))
		if err == nil && v != nil {
			_ = v.Targets()
		}
	})
}

func FuzzParseNginxT(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "nginx-T-debian.txt"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add("# configuration file /x:\nhttp { server { listen [::1]:443 ssl; server_name 'a b' \"c\\\"d\"; } }")
	f.Add("# configuration file /x:\nhttp { server { listen 99999; listen unix:/s; listen a.b:1; } }")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseNginxT(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, tg := range v.Targets() {
			if tg.Port <= 0 || tg.Port > 65535 {
				t.Fatalf("target with port %d", tg.Port)
			}
		}
	})
}
