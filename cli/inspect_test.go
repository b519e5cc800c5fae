package cli

import (
	"bytes"
	"strings"
	"testing"
)

// Not a terminal: the inspector points to the commands for scripts.
func TestInspectorNeedsATerminal(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main(nil, strings.NewReader(""), &out, &errb)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	for _, want := range []string{"needs a terminal", "ipcscope list", "ipcscope limits", "ipcscope probe"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("hint lacks %q:\n%s", want, out.String())
		}
	}
}

func TestInspectorFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main([]string{"--interval", "1ms"}, strings.NewReader(""), &out, &errb); code != ExitUsage {
		t.Errorf("--interval 1ms: exit %d", code)
	}
	if code := Main([]string{"--resolve", "bad"}, strings.NewReader(""), &out, &errb); code != ExitOK && code != ExitUsage {
		t.Errorf("--resolve bad: exit %d", code)
	}
	if code := Main([]string{"--help"}, strings.NewReader(""), &out, &errb); code != ExitOK || !strings.Contains(out.String(), "--read-only") {
		t.Errorf("--help: exit %d:\n%s", code, out.String())
	}
}

// --ns: a process that does not exist fails at once with its PID named;
// --ns and --demo exclude each other.
func TestInspectorNSFlag(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main([]string{"--ns", "999999999"}, strings.NewReader(""), &out, &errb); code != ExitFail || !strings.Contains(errb.String(), "--ns 999999999") {
		t.Errorf("--ns of no process: exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := Main([]string{"--ns", "1", "--demo"}, strings.NewReader(""), &out, &errb); code != ExitUsage || !strings.Contains(errb.String(), "do not go together") {
		t.Errorf("--ns with --demo: exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := Main([]string{"--ns", "-3"}, strings.NewReader(""), &out, &errb); code != ExitUsage {
		t.Errorf("--ns -3: exit %d", code)
	}
}
