package ui

import (
	"encoding/base64"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"ipcscope/ipc"
)

// Every command is built for its namespace: plain on our own, through
// nsenter or --ns for another; a custom audit log is passed on.
func TestShellCommands(t *testing.T) {
	own := newShellCmds(NS{}, ipc.DefaultAuditLog())
	other := newShellCmds(NS{PID: 4242, Inode: 4026532999}, ipc.DefaultAuditLog())
	logged := newShellCmds(NS{PID: 7}, "/tmp/my audit.jsonl")
	for _, c := range []struct{ got, want string }{
		{own.show(3990), "ipcs -s -i 3990"},
		{other.show(3990), "nsenter -t 4242 --ipc ipcs -s -i 3990"},
		{own.ipcrm(1, 2), "ipcrm -s 1 -s 2"},
		{other.ipcrm(1, 2), "nsenter -t 4242 --ipc ipcrm -s 1 -s 2"},
		{own.clean([]int{1, 2}, false), "ipcscope clean --id 1,2"},
		{other.clean([]int{5}, true), "ipcscope clean --ns 4242 --id 5 --include-stale"},
		{other.clean(nil, false), "ipcscope clean --ns 4242"},
		{logged.clean([]int{5}, false), "ipcscope clean --ns 7 --id 5 --audit-log '/tmp/my audit.jsonl'"},
		{other.diagnosis("12 of 14 sets are orphans (run 'ipcscope clean'), 1 stale (check by hand, 'ipcscope clean --include-stale')."),
			"12 of 14 sets are orphans (run 'ipcscope clean --ns 4242'), 1 stale (check by hand, 'ipcscope clean --ns 4242 --include-stale')."},
		{own.diagnosis("(run 'ipcscope clean')"), "(run 'ipcscope clean')"},
		{shellQuote("it's"), `'it'\''s'`},
	} {
		if c.got != c.want {
			t.Errorf("got  %q\nwant %q", c.got, c.want)
		}
	}
}

// Cut commands still parse, as the shell reads them, to the same words:
// at spaces, inside long words, never inside quotes.
func TestShellLinesPasteAsOne(t *testing.T) {
	for _, cmd := range []string{
		"ipcscope clean --ns 4242 --id 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30 --include-stale",
		"ipcscope clean --id 7 --audit-log '/var/tmp/a very long directory name/with spaces in it/audit.jsonl'",
		"ipcscope clean --ns 1 --audit-log /tmp/TestShownCommandsActInTheShownNamespace/picker80x243538973557/001/audit.jsonl",
	} {
		lines := shellLines(cmd, "  ", 30)
		for _, l := range lines[:len(lines)-1] {
			if !strings.HasSuffix(l, "\\") {
				t.Errorf("%q: line %q has no continuation", cmd, l)
			}
		}
		text := strings.Join(lines, "\n")
		want, got := words(t, cmd), words(t, text)
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Errorf("cut into\n%s\nthe shell reads %q, want %q", text, got, want)
		}
	}
}

func words(t *testing.T, line string) []string {
	t.Helper()
	out, err := exec.Command("sh", "-c", "set -- "+line+"; printf '%s\\0' \"$@\"").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// c in details copies the command marked there through OSC 52 on the real
// terminal output, at 80x24 and 200x60.
func TestCopyKeyWritesOSC52(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		m := New(fixtureConfig(fixtureSnapshot(3), nil))
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(size[0], size[1]), teaOpts())
		out := tm.Output()
		waitFor(t, out, "ORPHAN")
		tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		waitFor(t, out, "Semaphore set 65537")
		tm.Type("c")
		want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("ipcscope clean --id 65537"))
		waitFor(t, out, want)
		tm.Type("qq") // back from details, then quit
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	}
}

// Wrapped prose keeps a quoted command on one line.
func TestWrapKeepsQuotedCommands(t *testing.T) {
	msg := "40 of the 44 sets in use are orphans (run 'ipcscope clean --ns 4242'), 1 stale (check by hand, 'ipcscope clean --ns 4242 --include-stale')."
	for width := 45; width <= 80; width++ {
		text := strings.Join(wrap(msg, width), "\n")
		for _, c := range []string{"'ipcscope clean --ns 4242'", "'ipcscope clean --ns 4242 --include-stale'"} {
			if !strings.Contains(text, c) {
				t.Errorf("width %d cuts %s:\n%s", width, c, text)
			}
		}
		for _, l := range strings.Split(text, "\n") {
			if len([]rune(l)) > width {
				t.Errorf("width %d: line %q too wide", width, l)
			}
		}
	}
}

// The demo runs in a private namespace: the commands it shows for its
// own sets reach it from outside, through its PID.
func TestOwnViaPID(t *testing.T) {
	cfg := fixtureConfig(fixtureSnapshot(3), nil)
	cfg.OwnVia = 777
	m := loaded(t, cfg, 200, 60)
	press(m, "enter")
	out := plain(m)
	for _, want := range []string{"nsenter -t 777 --ipc ipcs -s -i 65537", "ipcscope clean --ns 777 --id 65537", "nsenter -t 777 --ipc ipcrm -s 65537"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q:\n%s", want, out)
		}
	}
	if !m.ns.Own() {
		t.Error("OwnVia changed the namespace scanned")
	}
}

// c on the main screen copies what x would do, or shows the row.
func TestCopyOnMainScreen(t *testing.T) {
	m := loaded(t, foreignConfig(3), 80, 24)
	if got := fmt.Sprint(press(m, "c")()); got != "ipcscope clean --ns 4242 --id 65537" {
		t.Errorf("cursor on an orphan: %q", got)
	}
	press(m, "o")
	if got := fmt.Sprint(press(m, "c")()); got != "ipcscope clean --ns 4242 --id 65537,98306,131075" {
		t.Errorf("marked orphans: %q", got)
	}
	press(m, "U", "G")
	if got := fmt.Sprint(press(m, "c")()); !strings.HasPrefix(got, "nsenter -t 4242 --ipc ipcs -s -i ") {
		t.Errorf("cursor on a live set: %q", got)
	}
}
