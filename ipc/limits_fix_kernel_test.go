package ipc_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
	"ipcscope/ipc/sysv"
)

// SEMMNI full in this test's private IPC namespace: the finding says why
// (leaked sets) and prints a kernel.sem line, in the kernel's field order,
// that raises SEMMNI only; applied in the namespace, semget works again.
func TestSEMMNIFullFixApplied(t *testing.T) {
	orig, err := os.ReadFile("/proc/sys/kernel/sem")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.WriteFile("/proc/sys/kernel/sem", orig, 0o644) })
	for i := 0; i < 2; i++ {
		orphanSet(t)
	}
	before := len(scan(t).Sets)
	if err := ipctest.SetLimits(250, 64000, 32, before+2); err != nil {
		t.Fatal(err)
	}
	ipctest.NewSet(t, 1, 0o600)
	ipctest.NewSet(t, 1, 0o600)
	if _, err := ipctest.CreateSet(0, 1, 0o600); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("SEMMNI %d with %d sets: semget gave %v, want ENOSPC", before+2, before+2, err)
	}
	snap := scan(t)
	var f *ipc.Finding
	for i := range snap.Diagnosis {
		if snap.Diagnosis[i].Resource == "SEMMNI" {
			f = &snap.Diagnosis[i]
		}
	}
	if f == nil || f.Fix == nil {
		t.Fatalf("no SEMMNI finding with a fix: %+v", snap.Diagnosis)
	}
	mni := before + 2
	value := fmt.Sprintf("250 64000 32 %d", 2*mni)
	fx := f.Fix
	if fx.Fields != "SEMMSL SEMMNS SEMOPM SEMMNI" || fx.Current != fmt.Sprintf("250 64000 32 %d", mni) || fx.Value != value {
		t.Errorf("fix fields %q current %q value %q, want value %q", fx.Fields, fx.Current, fx.Value, value)
	}
	if want := `sysctl -w kernel.sem="` + value + `"`; fx.Command != want {
		t.Errorf("command %q, want %q", fx.Command, want)
	}
	if fx.PersistFile != "/etc/sysctl.d/90-ipcscope-sem.conf" || fx.PersistContent != "kernel.sem = "+value+"\n" {
		t.Errorf("persist %q %q", fx.PersistFile, fx.PersistContent)
	}
	if !strings.Contains(fx.Docker, `--sysctl kernel.sem="`+value+`"`) || !strings.Contains(fx.Kubernetes, `name: kernel.sem, value: "`+value+`"`) || !strings.Contains(fx.Kubelet, "--allowed-unsafe-sysctls=kernel.sem") {
		t.Errorf("container knobs %q / %q / %q", fx.Docker, fx.Kubernetes, fx.Kubelet)
	}
	if !strings.Contains(f.Cause, "4th field of kernel.sem (SEMMSL SEMMNS SEMOPM SEMMNI)") || !strings.Contains(f.Cause, " orphan, ") {
		t.Errorf("cause %q", f.Cause)
	}

	// Apply it as sysctl -w would: the exact command when sysctl is
	// installed (it writes /proc/sys/kernel/sem of this namespace), else
	// the value written there directly.
	if _, err := exec.LookPath("sysctl"); err == nil {
		if out, err := exec.Command("sh", "-c", fx.Command).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", fx.Command, err, out)
		}
	} else if err := os.WriteFile("/proc/sys/kernel/sem", []byte(fx.Value), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile("/proc/sys/kernel/sem")
	if strings.Join(strings.Fields(string(got)), " ") != value {
		t.Errorf("after the fix /proc/sys/kernel/sem is %q, want %q", got, value)
	}
	id, err := ipctest.CreateSet(0, 1, 0o600)
	if err != nil {
		t.Fatalf("semget after applying %q: %v", fx.Command, err)
	}
	t.Cleanup(func() { _ = sysv.Remove(id) })
	for _, d := range scan(t).Diagnosis {
		if d.Resource == "SEMMNI" && d.Used >= d.Limit {
			t.Errorf("SEMMNI still full after the fix: %s", d.Message)
		}
	}
}

// At the kernel's cap (IPCMNI) there is nothing to raise: no command,
// and a note that says so.
func TestLimitFixAtMaximum(t *testing.T) {
	l := ipc.Limits{SEMMSL: 32000, SEMMNS: 1024000000, SEMOPM: 500, SEMMNI: 32768}
	d := ipc.Diagnose(l, ipc.Usage{Sets: 32768, Semaphores: 32768, Orphans: 32768})
	if len(d) != 1 || d[0].Fix == nil || d[0].Fix.Value != "" || d[0].Fix.Command != "" || !strings.Contains(d[0].Fix.Note, "maximum") {
		t.Fatalf("%+v", d)
	}
	// SEMMNS full raises the 2nd field only.
	l = ipc.Limits{SEMMSL: 250, SEMMNS: 1000, SEMOPM: 32, SEMMNI: 100}
	d = ipc.Diagnose(l, ipc.Usage{Sets: 4, Semaphores: 1000})
	if len(d) != 1 || d[0].Resource != "SEMMNS" || d[0].Fix.Command != `sysctl -w kernel.sem="250 2000 32 100"` || !strings.Contains(d[0].Cause, "every set has a running user") {
		t.Fatalf("%+v", d)
	}
}
