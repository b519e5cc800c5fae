package cli

import (
	"flag"
	"fmt"
	"strconv"

	"ipcscope/ipc"
)

// nsFlag adds --ns PID: work in the IPC namespace of that process.
func nsFlag(fs *flag.FlagSet) *int {
	var pid int
	fs.Var((*pidValue)(&pid), "ns", "work in the IPC namespace of process `PID` (a container's, say); needs root")
	return &pid
}

// pidValue is a flag that takes a process ID: a positive number (0 and
// negatives are usage errors, not "our own namespace").
type pidValue int

func (p *pidValue) String() string { return strconv.Itoa(int(*p)) }

func (p *pidValue) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil || v <= 0 {
		return fmt.Errorf("want a process ID (a positive number), not %q", s)
	}
	*p = pidValue(v)
	return nil
}

// scanIn scans the IPC namespace of pid (0: our own) through ipc.NS: a
// container's own user names where they can be trusted.
func scanIn(pid int) (*ipc.Snapshot, error) {
	return ipc.NS{PID: pid}.Scan(ipc.Options{})
}
