package ui_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"ipcscope/cli"
	"ipcscope/ipc/ipctest"
	"ipcscope/ui"
)

// The commands the inspector shows for another IPC namespace work as
// shown: pasted into a shell outside it, they act in that namespace. They
// are run here exactly as displayed (ipcs and ipcrm through sh, ipcscope
// clean through the real cli) on real sets in private namespaces, both
// with --ns PID and after switching with N, at 80x24 and 200x60.
func TestShownCommandsActInTheShownNamespace(t *testing.T) {
	for _, how := range []string{"--ns", "picker"} {
		for _, size := range [][2]int{{80, 24}, {200, 60}} {
			t.Run(fmt.Sprintf("%s/%dx%d", how, size[0], size[1]), func(t *testing.T) {
				shownCommandsFlow(t, how, size[0], size[1])
			})
		}
	}
}

func shownCommandsFlow(t *testing.T, how string, w, h int) {
	other := ipctest.NewContainer(t, 4243, 4242, 4)
	// Full, so that the diagnosis names its command.
	if err := ipctest.SetLimitsIn(other.Holder.PID, 250, 32000, 32, 5); err != nil {
		t.Fatal(err)
	}
	cfg := ui.OnlyPrivate(t, ui.RealConfig(t))
	if how == "--ns" {
		cfg.NS = ui.NS{PID: other.Holder.PID}
	}
	m := ui.New(cfg)
	ui.Resize(m, w, h)
	ui.ScanNow(t, m)
	if how == "picker" {
		ui.SwitchTo(t, m, other.Inode)
	}
	pid := other.Holder.PID
	in := fmt.Sprintf("nsenter -t %d --ipc ", pid)
	if w >= 200 {
		want := fmt.Sprintf("'ipcscope clean --ns %d --audit-log %s'", pid, cfg.AuditLog)
		if s := ui.Screen(m); !strings.Contains(s, want) {
			t.Errorf("diagnosis does not name %s:\n%s", want, s)
		}
	}

	// Details of the first orphan: ipcs shows it there.
	id := other.Orphans[0]
	ui.CursorTo(t, m, id)
	ui.Press(m, "enter", "G") // the commands are at the bottom
	screen := ui.Screen(m)
	show := shownCommand(t, screen, in+"ipcs")
	if out := shell(t, show); !strings.Contains(out, fmt.Sprintf("semid=%d", id)) || !strings.Contains(out, "4242") {
		t.Errorf("%s printed:\n%s", show, out)
	}
	// c copies the checked removal, which removes it there.
	clean := fmt.Sprintf("ipcscope clean --ns %d --id %d --audit-log %s", pid, id, cfg.AuditLog)
	if got := shellWords(t, shownCommand(t, screen, "ipcscope clean")); strings.Join(got, " ") != clean {
		t.Fatalf("details show %q, want %q", got, clean)
	}
	if got := copied(t, ui.Press(m, "c")); got != clean {
		t.Fatalf("c copied %q, want %q", got, clean)
	}
	runIpcscope(t, clean)
	if other.Exists(id) {
		t.Fatalf("%s left set %d", clean, id)
	}

	// The raw ipcrm of the next orphan, as shown.
	ui.Press(m, "esc")
	ui.ScanNow(t, m)
	id = other.Orphans[1]
	ui.CursorTo(t, m, id)
	ui.Press(m, "enter", "G") // the commands are at the bottom
	rm := shownCommand(t, ui.Screen(m), in+"ipcrm")
	if want := fmt.Sprintf("%sipcrm -s %d", in, id); strings.Join(shellWords(t, rm), " ") != want {
		t.Fatalf("details show %q, want %q", rm, want)
	}
	shell(t, rm)
	if other.Exists(id) {
		t.Fatalf("%s left set %d", rm, id)
	}

	// The dialog's equivalent of the last two orphans.
	ui.Press(m, "esc")
	ui.ScanNow(t, m)
	ui.Press(m, "o", "x")
	batch := fmt.Sprintf("ipcscope clean --ns %d --id %d,%d --audit-log %s", pid, other.Orphans[2], other.Orphans[3], cfg.AuditLog)
	screen = ui.Screen(m)
	if !strings.Contains(screen, "ipcscope clean --ns "+fmt.Sprint(pid)) {
		t.Fatalf("dialog does not name the namespace:\n%s", screen)
	}
	if !strings.Contains(screen, batch) && !strings.Contains(screen, "c copies the whole command, 2 IDs") {
		t.Fatalf("dialog shows neither %q nor that it is shortened:\n%s", batch, screen)
	}
	if got := copied(t, ui.Press(m, "c")); got != batch {
		t.Fatalf("c copied %q, want %q", got, batch)
	}
	if !strings.Contains(ui.Screen(m), "any other key") {
		t.Fatal("c closed the dialog")
	}
	runIpcscope(t, batch)
	for _, id := range other.Orphans {
		if other.Exists(id) {
			t.Errorf("orphan %d still there", id)
		}
	}
	if !other.Exists(other.LiveID) {
		t.Error("the live set was removed")
	}
	ui.Press(m, "n")
}

// shownCommand is the command on screen that starts with prefix, with
// its continuation lines, as a user would select and paste it.
func shownCommand(t *testing.T, screen, prefix string) string {
	t.Helper()
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), prefix) {
			continue
		}
		var cmd []string
		for _, l := range lines[i:] {
			l = strings.TrimRight(l, " ")
			cmd = append(cmd, l)
			if !strings.HasSuffix(l, "\\") {
				break
			}
		}
		return strings.Join(cmd, "\n")
	}
	t.Fatalf("no command %q on screen:\n%s", prefix, screen)
	return ""
}

// shellWords is how sh splits a command line into words.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	out := shell(t, "set -- "+line+"; printf '%s\\0' \"$@\"")
	return strings.Split(strings.TrimSuffix(out, "\x00"), "\x00")
}

// copied is the text a clipboard command sets (OSC 52).
func copied(t *testing.T, cmd tea.Cmd) string {
	t.Helper()
	if cmd == nil {
		t.Fatal("c gave no command")
	}
	return fmt.Sprint(cmd())
}

func shell(t *testing.T, line string) string {
	t.Helper()
	out, err := exec.Command("sh", "-c", line).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
	return string(out)
}

// runIpcscope runs an "ipcscope ..." line through the real cli.
func runIpcscope(t *testing.T, line string) {
	t.Helper()
	args := strings.Fields(line)
	if args[0] != "ipcscope" {
		t.Fatalf("not an ipcscope command: %q", line)
	}
	var out, errb bytes.Buffer
	if code := cli.Main(args[1:], strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("%s: exit %d\n%s%s", line, code, out.String(), errb.String())
	}
}

// L on a full namespace shows the sysctl line that raises its limit; run
// as shown, it raises that namespace's SEMMNI and nobody else's.
func TestShownSysctlRaisesTheShownNamespace(t *testing.T) {
	other := ipctest.NewContainer(t, 4243, 4242, 2)
	if err := ipctest.SetLimitsIn(other.Holder.PID, 250, 32000, 32, 3); err != nil {
		t.Fatal(err)
	}
	ownBefore := shell(t, "cat /proc/sys/kernel/sem")
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		cfg := ui.OnlyPrivate(t, ui.RealConfig(t))
		cfg.NS = ui.NS{PID: other.Holder.PID}
		m := ui.New(cfg)
		ui.Resize(m, size[0], size[1])
		ui.ScanNow(t, m)
		ui.Press(m, "L", "G")
		in := fmt.Sprintf("nsenter -t %d --ipc ", other.Holder.PID)
		screen := ui.Screen(m)
		if !strings.Contains(screen, "kernel.sem = SEMMSL SEMMNS SEMOPM SEMMNI") && size[1] > 24 {
			t.Errorf("no field order:\n%s", screen)
		}
		cmd := shownCommand(t, screen, in+"sysctl")
		if got := copied(t, ui.Press(m, "c")); strings.Join(shellWords(t, cmd), " ") != strings.Join(shellWords(t, got), " ") {
			t.Errorf("c copied %q, screen shows %q", got, cmd)
		}
		if size[0] == 80 {
			shell(t, cmd)
		}
	}
	if got := shell(t, fmt.Sprintf("nsenter -t %d --ipc cat /proc/sys/kernel/sem", other.Holder.PID)); strings.Join(strings.Fields(got), " ") != "250 32000 32 128" {
		t.Errorf("the namespace's kernel.sem is %q after the shown command", got)
	}
	if got := shell(t, "cat /proc/sys/kernel/sem"); got != ownBefore {
		t.Errorf("our own kernel.sem changed: %q → %q", ownBefore, got)
	}
}
