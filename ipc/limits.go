package ipc

import (
	"bytes"
	"fmt"
	"os"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc/sysv"
)

// Thresholds of the diagnosis, in percent of a limit.
const (
	WarnPercent = 80
	CritPercent = 95
)

// readLimits reads the namespace's limits from /proc/sys/kernel, falling
// back to semctl(IPC_INFO) for the semaphore ones.
func readLimits(procRoot string) (Limits, []string) {
	var l Limits
	var warn []string
	l.SEMVMX = sysv.SEMVMX
	b, err := os.ReadFile(procPath(procRoot, "sys/kernel/sem"))
	if err == nil {
		l.SEMMSL, l.SEMMNS, l.SEMOPM, l.SEMMNI, err = parseKernelSem(b)
	}
	if err != nil {
		// Unreadable or garbage: the kernel tells the same by IPC_INFO.
		if si, _, ierr := sysv.Info(false); ierr == nil {
			l.SEMMSL, l.SEMMNS, l.SEMOPM, l.SEMMNI, l.SEMVMX = int(si.Msl), int64(si.Mns), int(si.Opm), int(si.Mni), int(si.Vmx)
			warn = append(warn, fmt.Sprintf("%v; semaphore limits taken from semctl(IPC_INFO) instead", err))
		} else {
			l = Limits{SEMVMX: sysv.SEMVMX}
			warn = append(warn, fmt.Sprintf("semaphore limits unreadable: %v; semctl(IPC_INFO): %v", err, ierr))
		}
	}
	read := func(name string) uint64 {
		v, err := readUintFile(procPath(procRoot, "sys/kernel", name))
		if err != nil && !os.IsNotExist(err) {
			warn = append(warn, err.Error())
		}
		return v
	}
	l.SHMMNI = int(read("shmmni"))
	l.SHMALL = read("shmall")
	l.SHMMAX = read("shmmax")
	l.MSGMNI = int(read("msgmni"))
	return l, warn
}

// readUsage counts what the sets use, plus shm segments and msg queues.
func readUsage(procRoot string, sets []Set) (Usage, []string) {
	var u Usage
	var warn []string
	u.Sets = len(sets)
	for i := range sets {
		u.Semaphores += int64(sets[i].NSems)
		switch sets[i].Verdict {
		case Live:
			u.Live++
		case Orphan:
			u.Orphans++
		case Stale:
			u.Stale++
		case Unknown:
			u.Unknown++
		}
	}
	// The kernel's own counts for the namespace (one call each; reading
	// /proc/sysvipc/shm and msg for them took ~70 ms at 32,000 of each),
	// the files where the calls fail or a test points at another proc.
	if procRoot == "/proc" {
		if si, _, err := sysv.ShmInfo(); err == nil {
			u.ShmSegs, u.ShmPages = int(si.UsedIDs), si.Tot
			if mi, _, err := sysv.MsgInfo(); err == nil {
				u.MsgQueues = int(mi.Pool)
				return u, warn
			}
		}
	}
	if b, err := readProcFile(procPath(procRoot, "sysvipc/shm")); err == nil {
		var w []string
		u.ShmSegs, u.ShmPages, w, _ = parseSysvShm(bytes.NewReader(b), uint64(os.Getpagesize()))
		warn = append(warn, w...)
	}
	if b, err := readProcFile(procPath(procRoot, "sysvipc/msg")); err == nil {
		u.MsgQueues, _ = countRows(bytes.NewReader(b))
	}
	return u, warn
}

// Diagnose explains, in plain words, every limit that is at or near full.
// An empty result means nothing is near a limit.
func Diagnose(l Limits, u Usage) []Finding { return diagnose(l, u, "") }

// diagnose is Diagnose for a scan that could not see every process
// (notVisible says why): then nothing is an orphan, and the way out is to
// judge from the host, not --include-stale.
func diagnose(l Limits, u Usage, notVisible string) []Finding {
	var out []Finding
	removable := ""
	if notVisible != "" && u.Stale > 0 {
		removable = fmt.Sprintf(" %s of the %s in use %s stale, and none is called orphan because %s: %s.", textfmt.Commas(int64(u.Stale)), plural(u.Sets, "set", "sets"), isAre(u.Stale), notVisible, judgeFromHost)
	} else if u.Orphans > 0 || u.Stale > 0 {
		removable = fmt.Sprintf(" %s of the %s in use %s orphans (run 'ipcscope clean')", textfmt.Commas(int64(u.Orphans)), plural(u.Sets, "set", "sets"), isAre(u.Orphans))
		if u.Stale > 0 {
			removable += fmt.Sprintf(", %s stale (check by hand, 'ipcscope clean --include-stale')", textfmt.Commas(int64(u.Stale)))
		}
		removable += "."
	}
	add := func(res string, used, limit uint64, what, symptom, extra string) {
		if limit == 0 {
			return
		}
		pct := 100 * float64(used) / float64(limit)
		var f Finding
		switch {
		case used >= limit:
			f = Finding{Severity: SevCrit, Message: fmt.Sprintf("%s full: %s of %s %s in use; %s.%s", res, textfmt.Commas(int64(used)), textfmt.Commas(int64(limit)), what, symptom, extra)}
		case pct >= CritPercent:
			f = Finding{Severity: SevCrit, Message: fmt.Sprintf("%s almost full (%.0f%%): %s of %s %s in use; when it is full, %s.%s", res, pct, textfmt.Commas(int64(used)), textfmt.Commas(int64(limit)), what, symptom, extra)}
		case pct >= WarnPercent:
			f = Finding{Severity: SevWarn, Message: fmt.Sprintf("%s at %.0f%%: %s of %s %s in use; when it is full, %s.%s", res, pct, textfmt.Commas(int64(used)), textfmt.Commas(int64(limit)), what, symptom, extra)}
		default:
			return
		}
		f.Resource, f.Used, f.Limit, f.Percent = res, used, limit, pct
		explain(&f, l, u)
		out = append(out, f)
	}
	semSymptom := "the next semget() fails with ENOSPC (\"No space left on device\"; Apache: \"(28)No space left on device: AH00023: Couldn't create the ... mutex\")"
	add("SEMMNI", uint64(u.Sets), uint64(l.SEMMNI), "semaphore sets", semSymptom, removable)
	add("SEMMNS", uint64(u.Semaphores), uint64(max(l.SEMMNS, 0)), "semaphores", semSymptom, removable)
	add("SHMMNI", uint64(u.ShmSegs), uint64(l.SHMMNI), "shared memory segments", "shmget() fails with ENOSPC", "")
	add("SHMALL", u.ShmPages, l.SHMALL, "shared memory pages", "shmget() fails with ENOSPC", "")
	add("MSGMNI", uint64(u.MsgQueues), uint64(l.MSGMNI), "message queues", "msgget() fails with ENOSPC", "")
	return out
}

// notVisibleWarning explains, where processes may be invisible (a
// container's PID namespace, hidepid), why nothing is called orphan and
// where to look from instead.
func notVisibleWarning(why string) string {
	return "nothing here is called orphan: " + why + "; " + judgeFromHost
}

const judgeFromHost = "judge from the host's PID namespace instead: there 'ipcscope namespaces' lists this IPC namespace with a PID in it, and 'ipcscope clean --ns PID' cleans it"

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
