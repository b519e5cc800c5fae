package cli

import (
	"flag"

	"ipcscope/ipc"
)

// nsFlag adds --ns PID: work in the IPC namespace of that process.
func nsFlag(fs *flag.FlagSet) *int {
	return fs.Int("ns", 0, "work in the IPC namespace of process `PID` (a container's, say); needs root")
}

// nsOptions are the scan options for the namespace of pid: a container's
// own user names where they can be trusted (see ipc.ContainerIDFiles).
func nsOptions(pid int) ipc.Options {
	var o ipc.Options
	if pid != 0 {
		o.Passwd, o.Group = ipc.ContainerIDFiles(pid)
	}
	return o
}

// scanIn scans the IPC namespace of pid (0: our own).
func scanIn(pid int) (*ipc.Snapshot, error) {
	if pid == 0 {
		return ipc.Scan(ipc.Options{})
	}
	return ipc.ScanNamespaceOf(pid, 0)
}
