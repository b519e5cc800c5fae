// Package packaging holds what the .deb and .rpm carry besides the binary
// (systemd units, logrotate rule, maintainer scripts, nfpm.yaml); gen/
// writes the man page and completions. The tests here check the units
// against the real kernel.
package packaging

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"ipcscope/cli"
	"ipcscope/ipc/ipctest"
	"ipcscope/ipc/sysv"
)

// envAs makes the test binary something else when re-executed: "cli" runs
// ipcscope itself, "mkset" makes a set (as whatever user it runs as).
const envAs = "IPCSCOPE_PACKAGING_TEST_AS"

func TestMain(m *testing.M) {
	switch os.Getenv(envAs) {
	case "cli":
		os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	case "mkset":
		// Created and last changed by this process, which then exits.
		id, err := sysv.Get(0, 1, int(sysv.IPC_CREAT|0o600))
		if err == nil {
			err = sysv.Op(id, []sysv.SemBuf{{Num: 0, Op: 1}})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "mkset:", err)
			os.Exit(1)
		}
		fmt.Println(id)
		os.Exit(0)
	}
	ipctest.Main(m)
}

// unitValues returns every value of key in a unit file, split at spaces.
func unitValues(t *testing.T, unit, key string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("systemd", unit))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), key+"="); ok {
			out = append(out, strings.Fields(v)...)
		}
	}
	return out
}

// sharedExe copies the test binary where another user can run it.
func sharedExe(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "ipcscope-packaging-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(dir, "packaging.test")
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	apacheUID = 4343 // owns a set root made, as Apache's User does
	selfUID   = 4344 // made its own set (PHP's sem_get, PostgreSQL)
)

// orphans makes two orphaned sets, both mode 0600 with a dead last
// operator: Apache's kind (created by root, owned by apacheUID) and one
// created and owned by selfUID.
func orphans(t *testing.T, exe string) (apache, self int) {
	t.Helper()
	apache = ipctest.NewSet(t, 1, 0o600)
	if err := ipctest.Chown(apache, apacheUID, apacheUID, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ipctest.StartT(t, fmt.Sprintf("semop %d 0 1 1 exit", apache)).Reap(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envAs+"=mkset")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: selfUID, Gid: selfUID}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("making a set as uid %d: %v", selfUID, err)
	}
	if self, err = strconv.Atoi(strings.TrimSpace(string(out))); err != nil {
		t.Fatalf("mkset said %q", out)
	}
	t.Cleanup(func() { _ = sysv.Remove(self) })
	return apache, self
}

type cleanResult struct {
	Removals []struct {
		ID      int    `json:"id"`
		Outcome string `json:"outcome"`
	} `json:"removals"`
	Kept map[string]int `json:"kept"`
}

// cleanWith runs "ipcscope clean --json" as root with only the given
// capabilities, as systemd's CapabilityBoundingSet= leaves them to a
// root service (setpriv: bounding set, no inheritable or ambient ones).
func cleanWith(t *testing.T, exe string, caps []string) (cleanResult, int) {
	t.Helper()
	bounding := "-all"
	for _, c := range caps {
		bounding += ",+" + strings.ToLower(strings.TrimPrefix(c, "CAP_"))
	}
	cmd := exec.Command("setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set="+bounding, "--",
		exe, "clean", "--json", "--audit-log", filepath.Join(t.TempDir(), "audit.jsonl"))
	// The root-made set is Apache's: its User is apacheUID (as envvars
	// would say), so the Apache rule judges it.
	cmd.Env = append(os.Environ(), envAs+"=cli", "APACHE_RUN_USER="+strconv.Itoa(apacheUID))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var res cleanResult
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		t.Fatalf("clean with %v: exit %d, %v\n%s\n%s", caps, code, jerr, out, stderr.String())
	}
	return res, code
}

func outcome(r cleanResult, id int) string {
	for _, x := range r.Removals {
		if x.ID == id {
			return x.Outcome
		}
	}
	return "not tried"
}

// The clean service's capabilities are enough to remove both kinds of
// orphan, and each one is needed: this is the experiment the unit's
// comment describes, repeated against the unit file as it is.
func TestCleanServiceCapabilities(t *testing.T) {
	ipctest.NeedRealRoot(t)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	caps := unitValues(t, "ipcscope-clean.service", "CapabilityBoundingSet")
	if len(caps) == 0 {
		t.Fatal("ipcscope-clean.service sets no CapabilityBoundingSet")
	}
	exe := sharedExe(t)
	// Without CAP_SYS_PTRACE no process's IPC namespace can be read, so an
	// Apache another package's test runs would count as ours.
	ipctest.HoldApacheLock(t)

	apache, self := orphans(t, exe)
	res, code := cleanWith(t, exe, caps)
	if code != 0 || outcome(res, apache) != "removed" || outcome(res, self) != "removed" {
		t.Fatalf("with %v: exit %d, Apache's set %s, uid %d's set %s; want both removed", caps, code, outcome(res, apache), selfUID, outcome(res, self))
	}

	for i, c := range caps {
		fewer := append(append([]string{}, caps[:i]...), caps[i+1:]...)
		apache, self := orphans(t, exe)
		res, code := cleanWith(t, exe, fewer)
		if outcome(res, apache) != "removed" {
			t.Errorf("without %s: Apache's set (root made it) %s, want removed", c, outcome(res, apache))
		}
		if outcome(res, self) == "removed" {
			t.Errorf("without %s uid %d's set was removed all the same: %s is not needed", c, selfUID, c)
		}
		t.Logf("without %s: exit %d, uid %d's set %s, kept %v", c, code, selfUID, outcome(res, self), res.Kept)
	}
}

// The units' other settings that the capability reasoning relies on.
func TestUnitsHardening(t *testing.T) {
	for _, unit := range []string{"ipcscope-clean.service", "ipcscope-metrics.service"} {
		for _, kv := range [][2]string{{"NoNewPrivileges", "yes"}, {"ProtectSystem", "strict"}} {
			if got := unitValues(t, unit, kv[0]); len(got) != 1 || got[0] != kv[1] {
				t.Errorf("%s: %s=%v, want %s", unit, kv[0], got, kv[1])
			}
		}
		// A private IPC namespace would be empty; hidden processes would
		// make their sets look orphaned.
		for _, key := range []string{"PrivateIPC", "PrivateUsers", "ProtectProc", "ProcSubset"} {
			if got := unitValues(t, unit, key); len(got) > 0 {
				t.Errorf("%s sets %s=%v", unit, key, got)
			}
		}
	}
	if got := unitValues(t, "ipcscope-clean.service", "PrivateNetwork"); len(got) != 1 || got[0] != "yes" {
		t.Errorf("ipcscope-clean.service: PrivateNetwork=%v, want yes", got)
	}
	if got := unitValues(t, "ipcscope-clean.service", "LogsDirectory"); len(got) != 1 || got[0] != "ipcscope" {
		t.Errorf("ipcscope-clean.service: LogsDirectory=%v, want ipcscope (the audit log's /var/log/ipcscope)", got)
	}
	if got := unitValues(t, "ipcscope-clean.timer", "OnCalendar"); len(got) != 1 || got[0] != "*:0/5" {
		t.Errorf("ipcscope-clean.timer: OnCalendar=%v, want every 5 minutes", got)
	}
}

// metricsWith runs "ipcscope metrics" as root with only the given
// capabilities and returns its ipcscope_scan_success value per namespace.
func metricsWith(t *testing.T, exe string, caps []string) map[string]string {
	t.Helper()
	bounding := "-all"
	for _, c := range caps {
		bounding += ",+" + strings.ToLower(strings.TrimPrefix(c, "CAP_"))
	}
	cmd := exec.Command("setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set="+bounding, "--", exe, "metrics")
	cmd.Env = append(os.Environ(), envAs+"=cli")
	out, _ := cmd.Output() // exit 1 when a namespace failed: the values say which
	got := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, `ipcscope_scan_success{ipc_namespace="`); ok {
			ns, val, _ := strings.Cut(rest, `"} `)
			got[ns] = val
		}
	}
	return got
}

// The metrics service's capabilities find and scan a container's IPC
// namespace; without CAP_SYS_PTRACE (finding it) or CAP_SYS_ADMIN
// (setns) it is not scanned.
func TestMetricsServiceCapabilities(t *testing.T) {
	ipctest.NeedRealRoot(t)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	caps := unitValues(t, "ipcscope-metrics.service", "CapabilityBoundingSet")
	exe := sharedExe(t)
	ns := ipctest.NewNamespace(t)
	inode := strconv.FormatUint(ns.Inode, 10)
	if got := metricsWith(t, exe, caps); got[inode] != "1" {
		t.Fatalf("with %v: namespace %s scanned %q, want 1 (all: %v)", caps, inode, got[inode], got)
	}
	for _, c := range []string{"CAP_SYS_PTRACE", "CAP_SYS_ADMIN"} {
		var fewer []string
		for _, x := range caps {
			if x != c {
				fewer = append(fewer, x)
			}
		}
		if len(fewer) == len(caps) {
			t.Errorf("ipcscope-metrics.service lacks %s", c)
			continue
		}
		if got := metricsWith(t, exe, fewer); got[inode] == "1" {
			t.Errorf("without %s the namespace was scanned all the same: %s is not needed", c, c)
		}
	}
}
