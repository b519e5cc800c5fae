package ipc

import (
	"fmt"
	"os"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc/sysv"
)

// ObjLimits are the namespace's shared memory and message queue limits
// (/proc/sys/kernel; proc(5), shmget(2), msgget(2), msgsnd(2)).
type ObjLimits struct {
	SHMMAX   uint64 `json:"shmmax"` // bytes per segment
	SHMMIN   uint64 `json:"shmmin"` // smallest segment (1 byte, a constant)
	SHMALL   uint64 `json:"shmall"` // pages in all segments
	SHMMNI   uint64 `json:"shmmni"` // segments
	MSGMNI   uint64 `json:"msgmni"` // queues
	MSGMAX   uint64 `json:"msgmax"` // bytes per message
	MSGMNB   uint64 `json:"msgmnb"` // bytes per queue (the default of a new queue's qbytes)
	PageSize uint64 `json:"page_size"`
}

// ObjUsage is what the segments and queues use now.
type ObjUsage struct {
	Segments   int     `json:"segments"`
	ShmBytes   uint64  `json:"shm_bytes"` // sum of the sizes
	ShmPages   uint64  `json:"shm_pages"` // sum of ceil(size / page size): what SHMALL counts
	ShmRSS     uint64  `json:"shm_rss"`
	ShmSwap    uint64  `json:"shm_swap"`
	Largest    uint64  `json:"largest_segment"`
	Queues     int     `json:"queues"`
	Messages   uint64  `json:"messages"`
	QueueBytes uint64  `json:"queue_bytes"`
	FullestID  int     `json:"fullest_queue"`         // -1: none
	FullestPct float64 `json:"fullest_queue_percent"` // its usedbytes of its qbytes
	// By verdict: counts, and for segments the bytes they hold (RSS +
	// swap, or the size where those are unknown).
	ShmByVerdict      map[Verdict]int    `json:"shm_by_verdict"`
	ShmBytesByVerdict map[Verdict]uint64 `json:"shm_bytes_by_verdict"`
	MsgByVerdict      map[Verdict]int    `json:"msg_by_verdict"`
	MsgBytesByVerdict map[Verdict]uint64 `json:"msg_bytes_by_verdict"`
}

func readObjLimits(procRoot string) (ObjLimits, []string) {
	l := ObjLimits{SHMMIN: sysv.SHMMIN, PageSize: uint64(os.Getpagesize())}
	var warn []string
	read := func(name string) uint64 {
		v, err := readUintFile(procPath(procRoot, "sys/kernel", name))
		if err != nil && !os.IsNotExist(err) {
			warn = append(warn, err.Error())
		}
		return v
	}
	l.SHMMAX, l.SHMALL, l.SHMMNI = read("shmmax"), read("shmall"), read("shmmni")
	l.MSGMNI, l.MSGMAX, l.MSGMNB = read("msgmni"), read("msgmax"), read("msgmnb")
	return l, warn
}

func objUsage(segs []Segment, qs []Queue, l ObjLimits) ObjUsage {
	u := ObjUsage{Segments: len(segs), Queues: len(qs), FullestID: -1,
		ShmByVerdict: map[Verdict]int{}, ShmBytesByVerdict: map[Verdict]uint64{},
		MsgByVerdict: map[Verdict]int{}, MsgBytesByVerdict: map[Verdict]uint64{}}
	for _, v := range Verdicts {
		u.ShmByVerdict[v], u.ShmBytesByVerdict[v], u.MsgByVerdict[v], u.MsgBytesByVerdict[v] = 0, 0, 0, 0
	}
	ps := max(l.PageSize, 1)
	for i := range segs {
		s := &segs[i]
		u.ShmBytes += s.Size
		u.ShmPages += (s.Size + ps - 1) / ps
		if s.RSS != nil {
			u.ShmRSS += *s.RSS
		}
		if s.Swap != nil {
			u.ShmSwap += *s.Swap
		}
		u.Largest = max(u.Largest, s.Size)
		u.ShmByVerdict[s.Verdict]++
		u.ShmBytesByVerdict[s.Verdict] += s.Held()
	}
	for i := range qs {
		q := &qs[i]
		u.Messages += q.Msgs
		u.QueueBytes += q.UsedBytes
		u.MsgByVerdict[q.Verdict]++
		u.MsgBytesByVerdict[q.Verdict] += q.UsedBytes
		limit := l.MSGMNB
		if q.QBytes != nil {
			limit = *q.QBytes
		}
		if limit > 0 && q.UsedBytes > 0 {
			if pct := 100 * float64(q.UsedBytes) / float64(limit); u.FullestID < 0 || pct > u.FullestPct {
				u.FullestID, u.FullestPct = q.ID, pct
			}
		}
	}
	return u
}

// DiagnoseObjects explains every shared memory and queue limit that is at
// or near full, says which call fails and how, and how much memory
// orphaned segments hold. notVisible, when set, says why nothing is
// called orphan.
func DiagnoseObjects(l ObjLimits, u ObjUsage, notVisible string) []Finding {
	var out []Finding
	orphans := ""
	if n := u.ShmByVerdict[Orphan]; n > 0 {
		orphans = fmt.Sprintf(" %s orphaned hold %s (run 'ipcscope clean --shm').", plural(n, "segment", "segments"), textfmt.Bytes(u.ShmBytesByVerdict[Orphan]))
	} else if n := u.ShmByVerdict[Stale]; n > 0 {
		orphans = fmt.Sprintf(" %s stale hold %s (check by hand: 'ipcscope list --shm --reasons').", plural(n, "segment", "segments"), textfmt.Bytes(u.ShmBytesByVerdict[Stale]))
		if notVisible != "" {
			orphans += " None is called orphan because " + notVisible + "."
		}
	}
	qOrphans := ""
	if n := u.MsgByVerdict[Orphan]; n > 0 {
		qOrphans = fmt.Sprintf(" %s orphaned (run 'ipcscope clean --msg'; with messages waiting also --discard-messages).", plural(n, "queue is", "queues are"))
	}
	add := func(res string, used, limit uint64, what, symptom, extra string) {
		if limit == 0 {
			return
		}
		pct := 100 * float64(used) / float64(limit)
		var f Finding
		switch {
		case used >= limit:
			f = Finding{Severity: SevCrit, Message: fmt.Sprintf("%s full: %s of %s %s; %s.%s", res, textfmt.CommasU(used), textfmt.CommasU(limit), what, symptom, extra)}
		case pct >= CritPercent:
			f = Finding{Severity: SevCrit, Message: fmt.Sprintf("%s almost full (%.0f%%): %s of %s %s; when it is full, %s.%s", res, pct, textfmt.CommasU(used), textfmt.CommasU(limit), what, symptom, extra)}
		case pct >= WarnPercent:
			f = Finding{Severity: SevWarn, Message: fmt.Sprintf("%s at %.0f%%: %s of %s %s; when it is full, %s.%s", res, pct, textfmt.CommasU(used), textfmt.CommasU(limit), what, symptom, extra)}
		default:
			return
		}
		f.Resource, f.Used, f.Limit, f.Percent = res, used, limit, pct
		out = append(out, f)
	}
	add("SHMMNI", uint64(u.Segments), l.SHMMNI, "shared memory segments in use", "the next shmget(IPC_CREAT) fails with ENOSPC (\"No space left on device\")", orphans)
	add("SHMALL", u.ShmPages, l.SHMALL, fmt.Sprintf("pages of shared memory in use (%s pages)", textfmt.Bytes(l.PageSize)), "a shmget() whose pages do not fit fails with ENOSPC", orphans)
	add("SHMMAX", u.Largest, l.SHMMAX, "bytes in the largest segment", "a shmget() larger than SHMMAX (or smaller than SHMMIN, 1 byte) fails with EINVAL", "")
	add("MSGMNI", uint64(u.Queues), l.MSGMNI, "message queues in use", "the next msgget(IPC_CREAT) fails with ENOSPC", qOrphans)
	if u.FullestID >= 0 && u.FullestPct >= WarnPercent {
		sev := SevWarn
		if u.FullestPct >= CritPercent {
			sev = SevCrit
		}
		out = append(out, Finding{Severity: sev, Resource: "MSGMNB", Percent: u.FullestPct,
			Message: fmt.Sprintf("queue %d is %.0f%% full (its qbytes, MSGMNB %s by default): a msgsnd() that does not fit blocks, or fails with EAGAIN under IPC_NOWAIT, until a receiver takes messages out", u.FullestID, u.FullestPct, textfmt.CommasU(l.MSGMNB))})
	}
	// Memory: shmget() also fails with ENOMEM when the kernel cannot get
	// the memory for a segment; orphaned segments hold memory no one uses.
	if held := u.ShmBytesByVerdict[Orphan]; held > 0 {
		out = append(out, Finding{Severity: SevWarn, Resource: "shm-orphans", Used: held,
			Message: fmt.Sprintf("%s orphaned hold %s of memory (resident and swapped) that nothing can use; with memory short, shmget() fails with ENOMEM and SHMALL fills: 'ipcscope clean --shm' frees it", plural(u.ShmByVerdict[Orphan], "segment", "segments"), textfmt.Bytes(held))})
	}
	return out
}
