package ui

import (
	"testing"

	"ipcscope/ipc/ipctest"
)

// Tests run in a private IPC namespace (real sets are made in some), and
// the test binary doubles as the helper processes.
func TestMain(m *testing.M) { ipctest.Main(m) }
