package cli

import (
	"os"

	"ipcscope/ipc"
	"ipcscope/metrics"
)

// objectMetrics scans the segments and queues of the IPC namespace of pid
// (0: our own) for the metrics; nil when that fails (the semaphore
// metrics still go out).
func objectMetrics(pid int) *metrics.Objects {
	o, err := scanObjectsIn(pid)
	if err != nil {
		return nil
	}
	return metrics.FromObjects(o)
}

// addObjectMetrics adds segments and queues to every namespace that was
// scanned (ours without entering it).
func addObjectMetrics(out []metrics.Namespace, nss []ipc.Namespace) {
	own := uint64(0)
	if link, err := os.Readlink("/proc/self/ns/ipc"); err == nil {
		own = ipc.ParseNSLink(link)
	}
	for i := range out {
		if i >= len(nss) || nss[i].Summary == nil {
			continue
		}
		pid := nss[i].PID
		if nss[i].Inode == own {
			pid = 0
		}
		out[i].Objects = objectMetrics(pid)
	}
}
