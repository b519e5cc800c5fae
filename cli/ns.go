package cli

import (
	"flag"

	"ipcscope/ipc"
)

// nsFlag adds --ns PID: work in the IPC namespace of that process.
func nsFlag(fs *flag.FlagSet) *int {
	return fs.Int("ns", 0, "work in the IPC namespace of process `PID` (a container's, say); needs root")
}

// scanIn scans the IPC namespace of pid (0: our own).
func scanIn(pid int) (*ipc.Snapshot, error) {
	var snap *ipc.Snapshot
	err := ipc.InNamespace(pid, func() error {
		var err error
		snap, err = ipc.Scan(ipc.Options{})
		return err
	})
	return snap, err
}
