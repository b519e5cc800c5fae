package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The binary carries no test code: a fixture edit must never change a
// product feature or its safety guard, and "testing" must not be linked in.
func TestBinaryImportsNoTestCode(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps .: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	seen := map[string]bool{}
	for _, d := range deps {
		seen[d] = true
	}
	// The list must be the real one: the binary's own packages are in it.
	for _, want := range []string{"ipcscope", "ipcscope/cli", "ipcscope/internal/sandbox", "ipcscope/internal/demo"} {
		if !seen[want] {
			t.Fatalf("go list -deps . lacks %s: not the list of the main package?\n%s", want, out)
		}
	}
	for _, bad := range []string{"testing", "ipcscope/ipc/ipctest", "ipcscope/probe/probetest"} {
		if seen[bad] {
			t.Errorf("the binary depends on %s", bad)
		}
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "testing/") || strings.HasSuffix(d, "test") && strings.HasPrefix(d, "ipcscope/") {
			t.Errorf("the binary depends on test package %s", d)
		}
	}
}
