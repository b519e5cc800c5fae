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
