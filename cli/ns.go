package cli

import (
	"flag"

	"ipcscope/ipc"
)

// nsFlag adds --ns PID: work in the IPC namespace of that process.
func nsFlag(fs *flag.FlagSet) *int {
	return fs.Int("ns", 0, "work in the IPC namespace of process `PID` (a container's, say); needs root")
}

// scanIn scans the IPC namespace of pid (0: our own) through ipc.NS: a
// container's own user names where they can be trusted.
func scanIn(pid int) (*ipc.Snapshot, error) {
	return ipc.NS{PID: pid}.Scan(ipc.Options{})
}
