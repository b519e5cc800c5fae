package cli

import "ipcscope/ipc"

// The shared memory and queue rows of `limits` beside lsipc -g's
// semaphore rows, and their diagnosis (ipc.DiagnoseObjects), which names
// the call that fails and how much memory orphaned segments hold.

// objLimitRows are lsipc -g -m / -q's rows SHMMAX, SHMMIN, MSGMAX and
// MSGMNB (the ones limitRows lacks); used is the largest segment and the
// fullest queue's bytes where a limit applies to one object.
func objLimitRows(l ipc.ObjLimits, u ipc.ObjUsage) []limitRow {
	pct := func(v, limit uint64) (*uint64, *float64) {
		if limit == 0 {
			return &v, nil
		}
		p := float64(int(10000*float64(v)/float64(limit)+0.5)) / 100
		return &v, &p
	}
	largest, lp := pct(u.Largest, l.SHMMAX)
	return []limitRow{
		{Resource: "SHMMAX", Description: "Max size of shared memory segment (bytes)", Limit: l.SHMMAX, Used: largest, UsePct: lp},
		{Resource: "SHMMIN", Description: "Min size of shared memory segment (bytes)", Limit: l.SHMMIN},
		{Resource: "MSGMAX", Description: "Max size of message (bytes)", Limit: l.MSGMAX},
		{Resource: "MSGMNB", Description: "Default max size of queue (bytes)", Limit: l.MSGMNB},
	}
}

// mergeDiagnosis replaces the semaphore scan's short shm/msg findings
// with the object scan's, which say more.
func mergeDiagnosis(sem, obj []ipc.Finding) []ipc.Finding {
	out := []ipc.Finding{}
	for _, f := range sem {
		switch f.Resource {
		case "SHMMNI", "SHMALL", "MSGMNI":
			continue
		}
		out = append(out, f)
	}
	return append(out, obj...)
}
