package ipctest

import (
	"fmt"
	"os"
	"testing"
)

// Main is the TestMain of packages that make real sets:
//
//	func TestMain(m *testing.M) { ipctest.Main(m) }
//
// A helper process (see Start) runs its action and exits. Otherwise the
// test binary re-executes itself in a private IPC namespace and runs the
// tests there; inside a private PID namespace it first mounts its /proc.
func Main(m *testing.M) {
	RunHelperIfAsked()
	if InPIDNamespace() {
		if err := mountOwnProc(); err != nil {
			fmt.Fprintln(os.Stderr, "ipctest:", err)
			os.Exit(1)
		}
	}
	code, ran, err := Isolate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ipctest:", err)
		os.Exit(1)
	}
	if ran {
		os.Exit(code)
	}
	code = m.Run()
	Cleanup()
	os.Exit(code)
}
