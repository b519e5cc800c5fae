package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func completionScript(t *testing.T, shell string) string {
	t.Helper()
	out, errOut, code := run(t, "completion", shell)
	if code != 0 {
		t.Fatalf("completion %s: exit %d: %s", shell, code, errOut)
	}
	for name := range commands {
		if !strings.Contains(out, name) {
			t.Errorf("%s script lacks command %q", shell, name)
		}
	}
	for _, flag := range []string{"verdict", "dry-run", "include-stale", "hosts-file", "min-interval", "no-scan"} {
		if !strings.Contains(out, flag) {
			t.Errorf("%s script lacks flag --%s", shell, flag)
		}
	}
	if strings.Contains(out, "dump-frames") {
		t.Errorf("%s script offers the hidden --dump-frames", shell)
	}
	path := filepath.Join(t.TempDir(), "ipcscope."+shell)
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// shellOrSkip finds a shell, or skips naming what is missing.
func shellOrSkip(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (apt-get install %s): its completion script is not checked", name, name)
	}
	return p
}

func TestCompletionBash(t *testing.T) {
	path := completionScript(t, "bash")
	bash := shellOrSkip(t, "bash")
	if out, err := exec.Command(bash, "-n", path).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	// Drive the completion function as bash would.
	for _, c := range []struct{ words, want string }{
		{"ipcscope li", "limits list"},
		{"ipcscope metrics --out", "--output"},
		{"ipcscope list --ns 1 --verd", "--verdict"},
		{"ipcscope completion ", "bash zsh fish"},
		{"ipcscope --dem", "--demo"},
	} {
		words := strings.Fields(c.words)
		if strings.HasSuffix(c.words, " ") {
			words = append(words, "")
		}
		script := "source " + path + "\nCOMP_WORDS=(" + quoteAll(words) + ")\nCOMP_CWORD=" + strconv.Itoa(len(words)-1) + "\n_ipcscope\necho \"${COMPREPLY[*]}\"\n"
		out, err := exec.Command(bash, "-c", script).CombinedOutput()
		if got := strings.TrimSpace(string(out)); err != nil || got != c.want {
			t.Errorf("%q: completions %q (%v), want %q", c.words, got, err, c.want)
		}
	}
}

func TestCompletionZsh(t *testing.T) {
	path := completionScript(t, "zsh")
	zsh := shellOrSkip(t, "zsh")
	if out, err := exec.Command(zsh, "-n", path).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v\n%s", err, out)
	}
}

func TestCompletionFish(t *testing.T) {
	path := completionScript(t, "fish")
	fish := shellOrSkip(t, "fish")
	if out, err := exec.Command(fish, "-n", path).CombinedOutput(); err != nil {
		t.Fatalf("fish -n: %v\n%s", err, out)
	}
	for _, c := range []struct{ line, want string }{
		{"ipcscope metrics --out", "--output"},
		{"ipcscope namespaces --no", "--no-scan"},
		{"ipcscope cle", "clean"},
	} {
		out, err := exec.Command(fish, "--no-config", "-c", "source "+path+"; complete -C '"+c.line+"'").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), c.want) {
			t.Errorf("%q: fish offers %q (%v), want %s first", c.line, out, err, c.want)
		}
	}
}

func TestCompletionUsage(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		_, errOut, code := run(t, args...)
		if code != ExitUsage || errOut == "" {
			t.Errorf("%q: exit %d, %q", args, code, errOut)
		}
	}
}

func TestVersionFromLdflags(t *testing.T) {
	old := [3]string{Version, Commit, Date}
	defer func() { Version, Commit, Date = old[0], old[1], old[2] }()
	Version, Commit, Date = "v1.2.3", "abc1234", "2026-01-02T03:04:05Z"
	out, _, code := run(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "ipcscope v1.2.3 (commit abc1234, built 2026-01-02T03:04:05Z, go") {
		t.Errorf("--version: %q", out)
	}
	Version, Commit, Date = "dev", "unknown", "unknown"
	if v, c, d := buildInfo(); v == "" || c == "" || d == "" {
		t.Errorf("buildInfo without ldflags: %q %q %q", v, c, d)
	}
}

func quoteAll(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = "'" + w + "'"
	}
	return strings.Join(q, " ")
}

// --help names flags as users type them, as the usage lines and the
// completion scripts do: "--json", never Go's "-json". Parse errors too.
func TestHelpPrintsLongFlags(t *testing.T) {
	// The inspector's own flags (ipcscope --help shows the commands).
	var o bytes.Buffer
	if Root == nil || Root(&Env{Stdin: strings.NewReader(""), Stdout: &o, Stderr: &o}, []string{"--help"}) != ExitOK || !strings.Contains(o.String(), "\n  --interval duration\n") {
		t.Errorf("inspector --help:\n%s", o.String())
	}
	var cmds [][]string
	for name := range commands {
		if name != "completion" {
			cmds = append(cmds, []string{name, "--help"})
		}
	}
	for _, args := range cmds {
		out, _, code := run(t, args...)
		if code != 0 {
			t.Errorf("%v: exit %d", args, code)
			continue
		}
		flags := 0
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "  -") {
				flags++
				if !strings.HasPrefix(l, "  --") || strings.HasPrefix(l, "  ---") {
					t.Errorf("%v: flag line %q is not --long", args, l)
				}
			}
		}
		if flags == 0 {
			t.Errorf("%v: no flag lines in\n%s", args, out)
		}
	}
	_, errOut, code := run(t, "list", "-bogus")
	if code != ExitUsage || !strings.Contains(errOut, "flag provided but not defined: --bogus\n") {
		t.Errorf("unknown flag: exit %d, stderr %q", code, errOut)
	}
	_, errOut, _ = run(t, "--interval", "x")
	if !strings.Contains(errOut, `invalid value "x" for flag --interval:`) {
		t.Errorf("bad value: stderr %q", errOut)
	}
}
