package sandbox

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"ipcscope/ipc/sysv"
)

// envGuardChild marks the re-executed test binary that checks the guards.
const envGuardChild = "IPCSCOPE_SANDBOX_GUARD_CHILD"

// TestMain runs the tests in a private IPC namespace, as ipctest.Main
// does (which this package cannot import).
func TestMain(m *testing.M) {
	RunHelperIfAsked()
	if os.Getenv(envGuardChild) == "1" {
		os.Exit(m.Run())
	}
	code, ran, err := Isolate()
	if err != nil {
		println("sandbox test:", err.Error())
		os.Exit(1)
	}
	if ran {
		os.Exit(code)
	}
	code = m.Run()
	Cleanup()
	os.Exit(code)
}

// Every function that creates, changes or enters refuses to run in a
// process that Isolate did not make. The check runs in a child that is in
// a fresh IPC namespace of its own but not marked isolated, so that a
// broken guard could only touch that throw-away namespace, never the
// host's.
func TestGuardsRefuseOutsideIsolation(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestGuardsChild$", "-test.v", "-test.count=1")
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, envIsolated+"=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, envGuardChild+"=1")
	cmd.SysProcAttr = cloneAttr(0)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestGuardsChild") {
		t.Fatalf("guard child: %v\n%s", err, out)
	}
}

func TestGuardsChild(t *testing.T) {
	if os.Getenv(envGuardChild) != "1" {
		t.Skip("runs only as the child of TestGuardsRefuseOutsideIsolation")
	}
	if Isolated() {
		t.Fatal("the guard child must not be marked isolated")
	}
	before, _ := os.ReadFile("/proc/sysvipc/sem")
	limits, _ := os.ReadFile("/proc/sys/kernel/sem")
	if _, err := CreateSet(0, 1, 0o600); err == nil {
		t.Error("CreateSet made a set outside isolation")
	}
	if err := Chown(0, 1, 1, 0o600); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("Chown: %v, want a refusal", err)
	}
	if err := SetLimits(250, 32000, 32, 7); err == nil {
		t.Error("SetLimits changed the limits outside isolation")
	}
	if err := SetLastPID(100); err == nil {
		t.Error("SetLastPID outside a PID namespace")
	}
	if err := MountOwnProc(); err == nil {
		t.Error("MountOwnProc outside a PID namespace")
	}
	if _, err := RunInPIDNamespace("-test.run=^$"); err == nil {
		t.Error("RunInPIDNamespace outside isolation")
	}
	called := false
	if err := InPrivateNamespaceOf(os.Getpid(), func() error { called = true; return nil }); err == nil || called {
		t.Errorf("InPrivateNamespaceOf: %v, called %v", err, called)
	}
	if _, err := CreateSetIn(os.Getpid(), 0, 1, 0o600); err == nil {
		t.Error("CreateSetIn made a set outside isolation")
	}
	if err := SetLimitsIn(os.Getpid(), 250, 32000, 32, 7); err == nil {
		t.Error("SetLimitsIn changed limits outside isolation")
	}
	after, _ := os.ReadFile("/proc/sysvipc/sem")
	limitsAfter, _ := os.ReadFile("/proc/sys/kernel/sem")
	if string(before) != string(after) || string(limits) != string(limitsAfter) {
		t.Errorf("the namespace changed:\n%s\n%s\nlimits %q -> %q", before, after, limits, limitsAfter)
	}
}

// Inside the private namespace the same calls work: the guards do not
// refuse everything.
func TestIsolatedCallsWork(t *testing.T) {
	if !Isolated() {
		t.Fatal("TestMain did not isolate")
	}
	id, err := CreateSet(0, 1, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer sysv.Remove(id)
	if err := Chown(id, uint32(os.Geteuid()), uint32(os.Getegid()), 0o640); err != nil {
		t.Fatal(err)
	}
	p, err := Start("hold")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	ino, err := IPCNamespace(p.PID)
	if err != nil || ino == 0 {
		t.Fatalf("IPCNamespace(%d) = %d, %v", p.PID, ino, err)
	}
}
