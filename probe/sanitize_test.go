package probe

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ipcscope/probe/probetest"
)

// evil holds what a hostile server puts in names and headers: CSI colour,
// an OSC title with BEL, a bidi override, a C1 CSI (UTF-8) and a raw 0x9b.
const evil = "\x1b[31mred\x1b]0;owned\x07\u202e\u009b\x9bend"

// RawControl reports the first byte sequence a terminal would act on.
func rawControl(s string) (string, bool) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		bad := r == utf8.RuneError && n <= 1 || r < 0x20 && r != '\n' || r == 0x7f ||
			r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
		if bad {
			return s[i:min(len(s), i+8)], true
		}
		i += n
	}
	return "", false
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain.test · ok …":   "plain.test · ok …",
		"\x1b[31mred":         `\x1b[31mred`,
		"a\tb\r\nc\x00\x7f":   `a\x09b\x0d\x0ac\x00\x7f`,
		"\u202eevil\u2066":    `\u202eevil\u2066`,
		"\u009b1m":            `\u009b1m`,
		"bad\xffutf8\xc3":     `bad\xffutf8\xc3`,
		"zero\u200bwidth":     `zero\u200bwidth`,
		"ünïcode 日本 ok":       "ünïcode 日本 ok",
		"":                    "",
		`back\slash stays`:    `back\slash stays`,
		"\x1b]0;title\x07end": `\x1b]0;title\x07end`,
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
		if s, bad := rawControl(Clean(in)); bad {
			t.Errorf("Clean(%q) keeps %q", in, s)
		}
	}
}

// TestServerStringsAreEscaped: a certificate whose SAN and subject hold
// escape sequences, HTTP/1.1 and h2 headers and a GOAWAY carrying them:
// no field of the Result, its verdict or its JSON holds a raw control.
func TestServerStringsAreEscaped(t *testing.T) {
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue([]string{"\x1b[31mred.test\x07", "evil.test"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// Go's HTTP/1.1 parser refuses ASCII controls in headers (the request
	// then fails, saying so), but lets bidi overrides and C1 through.
	const evilHeader = "\u202eevil\u009b\x9bend"
	cases := []probetest.HostileTLS{
		{Cert: cert, Then: probetest.AfterTLSHeaders, Debug: evilHeader},
		{Cert: cert, Then: probetest.AfterTLSHeaders, Debug: evil},
		{Cert: cert, H2: true, Then: probetest.AfterTLSGoAway, Debug: evil},
	}
	for _, c := range cases {
		s := start(t, func() (*probetest.Server, error) { return probetest.StartTLSThen(c) })
		r := probeAt(t, at("evil.test", s), ca.Pool(), time.Second, 5*time.Second)
		j, _ := json.Marshal(r)
		var all strings.Builder
		all.WriteString(r.Verdict + "\n" + r.Summary() + "\n" + r.Err + "\n" + string(j) + "\n")
		for _, ch := range r.Checks() {
			all.WriteString(ch.Summary + "\n" + ch.Error + "\n")
		}
		if s, bad := rawControl(all.String()); bad {
			t.Errorf("h2=%v: raw control %q in\n%s", c.H2, s, all.String())
		}
		if !strings.Contains(r.TLS.Summary, `\x1b[31mred.test\x07`) || r.TLS.Cert.DNSNames[0] != `\x1b[31mred.test\x07` {
			t.Errorf("h2=%v: SAN not shown escaped: %q %q", c.H2, r.TLS.Summary, r.TLS.Cert.DNSNames)
		}
		want := `\x1b[31mred\x1b]0;owned\x07\u202e\u009b\x9bend`
		switch {
		case c.H2:
			if !strings.Contains(r.H2.Error, "GOAWAY") || !strings.Contains(r.H2.Error, want) {
				t.Errorf("GOAWAY debug data: %q", r.H2.Error)
			}
		case c.Debug == evil:
			if r.H2.Status != StatusFail || !strings.Contains(r.H2.Error, "malformed") {
				t.Errorf("control bytes in a header: %+v", r.H2)
			}
		default:
			want = `\u202eevil\u009b\x9bend`
			if r.H2.Server != want || r.HSTS != want || r.H2.Status != StatusInfo {
				t.Errorf("HTTP/1.1 headers: server %q hsts %q status %s (%s)", r.H2.Server, r.HSTS, r.H2.Status, r.H2.Summary)
			}
		}
	}
}
