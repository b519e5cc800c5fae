// Package ipctest is the testing side of internal/sandbox: TestMain of
// packages that make real sets calls Main, and the helpers here take a
// testing.TB and clean up after the test. The functions without one
// forward to sandbox, where the product code (ipcscope --demo) and its
// guards live; nothing here ever touches the host's IPC namespace.
package ipctest

import (
	"fmt"
	"os"
	"testing"

	"ipcscope/internal/sandbox"
)

// Main is the TestMain of packages that make real sets:
//
//	func TestMain(m *testing.M) { ipctest.Main(m) }
//
// A helper process (see Start) runs its action and exits. Otherwise the
// test binary re-executes itself in a private IPC namespace and runs the
// tests there; inside a private PID namespace it first mounts its /proc.
func Main(m *testing.M) {
	sandbox.RunHelperIfAsked()
	if sandbox.InPIDNamespace() {
		if err := sandbox.MountOwnProc(); err != nil {
			fmt.Fprintln(os.Stderr, "ipctest:", err)
			os.Exit(1)
		}
	}
	code, ran, err := sandbox.Isolate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ipctest:", err)
		os.Exit(1)
	}
	if ran {
		os.Exit(code)
	}
	code = m.Run()
	sandbox.Cleanup()
	os.Exit(code)
}

// RunInPIDNamespace re-runs the named test of this test binary as PID 1 of
// a new PID and mount namespace (inside the same private IPC namespace),
// with /proc mounted for it. Inside, InPIDNamespace reports true. It
// returns the child's combined output and error.
func RunInPIDNamespace(testName string) ([]byte, error) {
	return sandbox.RunInPIDNamespace("-test.run=^"+testName+"$", "-test.v", "-test.count=1")
}

// NeedRealRoot skips a test that needs RealRoot.
func NeedRealRoot(t interface {
	Helper()
	Skip(...any)
}) {
	t.Helper()
	if !sandbox.RealRoot() {
		t.Skip("needs real root: the private user namespace of an ordinary user maps only its own uid")
	}
}
