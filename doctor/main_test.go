package doctor

import (
	"testing"

	"ipcscope/ipc/ipctest"
)

func TestMain(m *testing.M) { ipctest.Main(m) }
