package metrics

import (
	"strconv"

	"ipcscope/ipc"
)

// Objects is what one namespace's segments and queues add to its metrics.
type Objects struct {
	Usage  ipc.ObjUsage
	Limits ipc.ObjLimits
}

// FromObjects reduces a scan of segments and queues.
func FromObjects(o *ipc.Objects) *Objects {
	if o == nil {
		return nil
	}
	return &Objects{Usage: o.Usage, Limits: o.Limits}
}

// writeObjects writes the per-verdict counts and bytes of segments and
// queues: one gauge per quantity with a verdict label, whose sum is the
// total.
func writeObjects(e *enc, nss []Namespace) {
	label := func(ns Namespace) string { return strconv.FormatUint(ns.Inode, 10) }
	perVerdict := func(name, help string, get func(o *Objects, v ipc.Verdict) float64) {
		e.family(name, "gauge", help)
		for _, ns := range nss {
			if o := ns.Objects; o != nil {
				for _, v := range ipc.Verdicts {
					e.sample(name, get(o, v), "ipc_namespace", label(ns), "verdict", string(v))
				}
			}
		}
	}
	perVerdict("ipcscope_shm_segments_by_verdict", "Shared memory segments by verdict (live, orphan, stale, unknown); the sum is ipcscope_shm_segments.",
		func(o *Objects, v ipc.Verdict) float64 { return float64(o.Usage.ShmByVerdict[v]) })
	perVerdict("ipcscope_shm_memory_bytes", "Memory the segments hold (resident plus swapped), by verdict: orphan is memory nothing can use.",
		func(o *Objects, v ipc.Verdict) float64 { return float64(o.Usage.ShmBytesByVerdict[v]) })
	perVerdict("ipcscope_msg_queues_by_verdict", "Message queues by verdict; the sum is ipcscope_msg_queues.",
		func(o *Objects, v ipc.Verdict) float64 { return float64(o.Usage.MsgByVerdict[v]) })
	perVerdict("ipcscope_msg_bytes", "Bytes of messages waiting in the queues (cbytes), by the queue's verdict.",
		func(o *Objects, v ipc.Verdict) float64 { return float64(o.Usage.MsgBytesByVerdict[v]) })
	single := func(name, help string, get func(o *Objects) float64) {
		e.family(name, "gauge", help)
		for _, ns := range nss {
			if o := ns.Objects; o != nil {
				e.sample(name, get(o), "ipc_namespace", label(ns))
			}
		}
	}
	single("ipcscope_shm_pages", "Pages of all segments (ceil(size / page size) each), counted against SHMALL.", func(o *Objects) float64 { return float64(o.Usage.ShmPages) })
	single("ipcscope_shm_pages_limit", "SHMALL: most pages in all segments.", func(o *Objects) float64 { return float64(o.Limits.SHMALL) })
	single("ipcscope_shm_segment_size_limit_bytes", "SHMMAX: largest segment.", func(o *Objects) float64 { return float64(o.Limits.SHMMAX) })
	single("ipcscope_msg_messages", "Messages waiting in all queues.", func(o *Objects) float64 { return float64(o.Usage.Messages) })
	single("ipcscope_msg_queue_bytes_limit", "MSGMNB: default bytes per queue.", func(o *Objects) float64 { return float64(o.Limits.MSGMNB) })
}
