package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ipcscope/probe/probetest"
)

// TestProbeCLIEscapesServerStrings: a certificate whose SAN holds
// "\x1b[31m" and a GOAWAY whose debug data holds an OSC title sequence
// print as visible escapes; the terminal gets no control byte.
func TestProbeCLIEscapesServerStrings(t *testing.T) {
	ca, err := probetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o644); err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue([]string{"\x1b[31mred.test", "evil.test"}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := probetest.StartTLSThen(probetest.HostileTLS{Cert: cert, H2: true, Then: probetest.AfterTLSGoAway, Debug: "\x1b]0;owned\x07\u202e"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	target := "https://evil.test:" + strconv.Itoa(s.Port) + "@127.0.0.1"
	for _, args := range [][]string{
		{"probe", target, "--ca", caFile, "--timeout", "1s"},
		{"probe", target, "--ca", caFile, "--timeout", "1s", "--json"},
	} {
		out, errOut, code := runCLI(args...)
		if code != ExitFail {
			t.Errorf("%v: exit %d, want 1 (GOAWAY before any answer)\n%s", args, code, out)
		}
		for i := 0; i < len(out); {
			r, n := utf8.DecodeRuneInString(out[i:])
			if r == utf8.RuneError || r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x202e {
				t.Fatalf("%v: raw control %q at %d:\n%s", args, out[i:min(i+8, len(out))], i, out)
			}
			i += n
		}
		want := `\x1b]0;owned\x07\u202e`
		if args[len(args)-1] == "--json" {
			want = strings.ReplaceAll(want, `\`, `\\`) // JSON escapes the backslash
		}
		if !strings.Contains(out, want) {
			t.Errorf("%v: GOAWAY debug data not shown escaped:\n%s%s", args, out, errOut)
		}
		if args[len(args)-1] == "--json" && !strings.Contains(out, `\\x1b[31mred.test`) {
			t.Errorf("JSON lacks the escaped SAN:\n%s", out)
		}
	}
}
