package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"ipcscope/ipc"
)

func manPage(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	if err := ManPage(&b, "1.2.3", "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The page is read from the FlagSets; --help is read here through the
// completion's parser, a second way in, so the two must agree on every
// command and every visible flag.
func TestManPageHasEveryCommandAndFlag(t *testing.T) {
	page := manPage(t)
	cmds := collectCommands()
	if len(cmds) < 8 {
		t.Fatalf("only %d commands found", len(cmds))
	}
	for _, c := range cmds {
		if c.name != "" && !strings.Contains(page, "\n.SS "+c.name+"\n") {
			t.Errorf("no section for command %q", c.name)
		}
		if c.name != "" && !strings.Contains(page, "\n"+strings.ReplaceAll(capitalize(c.summary), "-", `\-`)+".\n") {
			t.Errorf("command %q: summary %q missing", c.name, c.summary)
		}
		for _, f := range c.flags {
			if want := `\fB\-\-` + strings.ReplaceAll(f.name, "-", `\-`) + `\fR`; !strings.Contains(page, want) {
				t.Errorf("command %q: flag --%s missing", c.name, f.name)
			}
		}
	}
	// The inspector's hidden flags stay hidden.
	if strings.Contains(page, `dump\-frames`) {
		t.Error("hidden flag --dump-frames is in the page")
	}
}

func TestManPageSections(t *testing.T) {
	page := manPage(t)
	if !strings.HasPrefix(page, `.\"`) || !strings.Contains(page, "\n.TH IPCSCOPE 1 \"2026\\-12\\-01\" \"ipcscope 1.2.3\"") {
		t.Errorf("title line wrong:\n%.300s", page)
	}
	for _, s := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "VERDICTS", "AUDIT LOG", "EXIT STATUS", "FILES", "SEE ALSO"} {
		if !strings.Contains(page, "\n.SH "+s+"\n") {
			t.Errorf("no section %s", s)
		}
	}
	verdicts := page[strings.Index(page, ".SH VERDICTS"):strings.Index(page, ".SH AUDIT LOG")]
	for _, v := range ipc.Verdicts {
		if verdictText[v] == "" || !strings.Contains(verdicts, "\n.B "+string(v)+"\n") {
			t.Errorf("verdict %q not explained", v)
		}
	}
	if len(verdictText) != len(ipc.Verdicts) {
		t.Errorf("verdictText has %d entries, ipc.Verdicts %d", len(verdictText), len(ipc.Verdicts))
	}
	exits := page[strings.Index(page, ".SH EXIT STATUS"):strings.Index(page, ".SH FILES")]
	for _, c := range []string{"0", "1", "2"} {
		if !strings.Contains(exits, "\n.B "+c+"\n") {
			t.Errorf("exit code %s not explained", c)
		}
	}
	// The default audit log depends on who runs the generator: the flags
	// must not carry it, only the AUDIT LOG section's fixed text.
	opts := page[strings.Index(page, ".SH OPTIONS"):strings.Index(page, ".SH VERDICTS")]
	if d := strings.ReplaceAll(ipc.DefaultAuditLog(), "-", `\-`); strings.Contains(opts, d) {
		t.Errorf("flags show this user's default audit log %s", d)
	}
	if got := strings.Count(opts, "(default: see AUDIT LOG)"); got != 2 {
		t.Errorf("%d flags point to AUDIT LOG for their default, want 2 (inspector, clean)", got)
	}
	if again := manPage(t); again != page {
		t.Error("two runs gave different pages")
	}
}

// Text from the commands cannot start a roff request or smuggle an escape.
func TestRoffEscape(t *testing.T) {
	var b bytes.Buffer
	r := roff{&b}
	r.line(`.SH EVIL \fB x -y`)
	if got, want := b.String(), `\&.SH EVIL \efB x \-y`+"\n"; got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
}

// man -l renders the page without a warning (groff's and man's).
func TestManPageRenders(t *testing.T) {
	if _, err := exec.LookPath("man"); err != nil {
		t.Skip("man is not installed (Debian: man-db)")
	}
	path := filepath.Join(t.TempDir(), "ipcscope.1")
	if err := os.WriteFile(path, []byte(manPage(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("man", "--warnings", "-l", path)
	cmd.Env = append(os.Environ(), "MANWIDTH=80", "MANPAGER=cat", "PAGER=cat", "LC_ALL=C.UTF-8")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil || errOut.Len() > 0 {
		t.Fatalf("man -l: %v\n%s", err, errOut.String())
	}
	text := out.String()
	for _, want := range []string{"IPCSCOPE(1)", "--include-stale", "EXIT STATUS", "orphan"} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
}
