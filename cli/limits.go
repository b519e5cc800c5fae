package cli

import (
	"bufio"
	"fmt"
	"strings"

	"ipcscope/doctor"
	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

func init() {
	register("limits", "show kernel IPC limits, usage and a diagnosis", runLimits)
}

// limitRow follows `lsipc -g --json` (resource, description, limit, used,
// use%), with numbers, and null where lsipc prints "-".
type limitRow struct {
	Resource    string   `json:"resource"`
	Description string   `json:"description"`
	Limit       uint64   `json:"limit"`
	Used        *uint64  `json:"used"`
	UsePct      *float64 `json:"use%"`
}

type limitsJSON struct {
	IPCLimits []limitRow    `json:"ipclimits"`
	Namespace uint64        `json:"ipc_namespace"`
	Limits    ipc.Limits    `json:"limits"`
	Usage     ipc.Usage     `json:"usage"`
	Diagnosis []ipc.Finding `json:"diagnosis"`
	Warnings  []string      `json:"warnings"`
	// Apache says why Apache's sets leak, from its configuration; null
	// when no leaked Apache set is there.
	Apache *doctor.ApacheLeak `json:"apache"`
	// Segments and queues (limits_objects.go); null when their scan failed.
	ObjLimits *ipc.ObjLimits `json:"shm_msg_limits"`
	ObjUsage  *ipc.ObjUsage  `json:"shm_msg_usage"`
}

func limitRows(l ipc.Limits, u ipc.Usage) []limitRow {
	used := func(v uint64, limit uint64) (*uint64, *float64) {
		if limit == 0 {
			return &v, nil
		}
		p := float64(int(10000*float64(v)/float64(limit)+0.5)) / 100
		return &v, &p
	}
	row := func(res, desc string, limit uint64, u *uint64, p *float64) limitRow {
		return limitRow{Resource: res, Description: desc, Limit: limit, Used: u, UsePct: p}
	}
	var rows []limitRow
	a, b := used(uint64(u.Sets), uint64(l.SEMMNI))
	rows = append(rows, row("SEMMNI", "Number of semaphore identifiers", uint64(l.SEMMNI), a, b))
	a, b = used(uint64(u.Semaphores), uint64(max(l.SEMMNS, 0)))
	rows = append(rows, row("SEMMNS", "Total number of semaphores", uint64(max(l.SEMMNS, 0)), a, b))
	rows = append(rows, row("SEMMSL", "Max semaphores per semaphore set", uint64(l.SEMMSL), nil, nil))
	rows = append(rows, row("SEMOPM", "Max number of operations per semop(2)", uint64(l.SEMOPM), nil, nil))
	rows = append(rows, row("SEMVMX", "Semaphore max value", uint64(l.SEMVMX), nil, nil))
	a, b = used(uint64(u.ShmSegs), uint64(l.SHMMNI))
	rows = append(rows, row("SHMMNI", "Shared memory segments", uint64(l.SHMMNI), a, b))
	a, b = used(u.ShmPages, l.SHMALL)
	rows = append(rows, row("SHMALL", "Shared memory pages", l.SHMALL, a, b))
	a, b = used(uint64(u.MsgQueues), uint64(l.MSGMNI))
	rows = append(rows, row("MSGMNI", "Number of message queues", uint64(l.MSGMNI), a, b))
	return rows
}

func runLimits(env *Env, args []string) int {
	fs := newFlags(env, "limits", "[--json] [--apache-conf FILE]")
	asJSON := fs.Bool("json", false, "print JSON (ipclimits rows as lsipc -g --json, plus usage and diagnosis with cause and fix)")
	ns := nsFlag(fs)
	apacheConf := apacheConfFlag(fs)
	if code, done := parseNoArgs(env, fs, args, ""); done {
		return code
	}
	snap, err := scanIn(*ns)
	if err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope limits:", err)
		return ExitFail
	}
	for _, w := range snap.Warnings {
		fmt.Fprintln(env.Stderr, "warning:", w)
	}
	rows := limitRows(snap.Limits, snap.Usage)
	var apache *doctor.ApacheLeak
	if len(snap.Diagnosis) > 0 || *apacheConf != "" {
		apache = apacheLeak(snap, *ns, *apacheConf)
	}
	var ol *ipc.ObjLimits
	var ou *ipc.ObjUsage
	if o, err := scanObjectsIn(*ns); err == nil {
		rows = append(rows, objLimitRows(o.Limits, o.Usage)...)
		snap.Diagnosis = mergeDiagnosis(snap.Diagnosis, o.Diagnosis)
		ol, ou = &o.Limits, &o.Usage
		snap.Warnings = append(snap.Warnings, o.Warnings...)
	} else {
		fmt.Fprintln(env.Stderr, "warning: shared memory and message queues:", err)
	}
	if *asJSON {
		d := snap.Diagnosis
		if d == nil {
			d = []ipc.Finding{}
		}
		w := snap.Warnings
		if w == nil {
			w = []string{}
		}
		if err := writeJSON(env.Stdout, limitsJSON{IPCLimits: rows, Namespace: snap.IPCNS, Limits: snap.Limits, Usage: snap.Usage, Diagnosis: d, Warnings: w, Apache: apache, ObjLimits: ol, ObjUsage: ou}); err != nil {
			fmt.Fprintln(env.Stderr, "ipcscope limits:", err)
			return ExitFail
		}
		return ExitOK
	}
	out := bufio.NewWriter(env.Stdout)
	lw := len("LIMIT")
	for _, r := range rows {
		lw = max(lw, len(textfmt.CommasU(r.Limit)))
	}
	fmt.Fprintf(out, "%-8s %-41s %*s %11s %7s\n", "RESOURCE", "DESCRIPTION", lw, "LIMIT", "USED", "USE%")
	for _, r := range rows {
		used, pct := "-", "-"
		if r.Used != nil {
			used = textfmt.CommasU(*r.Used)
		}
		if r.UsePct != nil {
			pct = fmt.Sprintf("%.2f%%", *r.UsePct)
		}
		fmt.Fprintf(out, "%-8s %-41s %*s %11s %7s\n", r.Resource, r.Description, lw, textfmt.CommasU(r.Limit), used, pct)
	}
	u := snap.Usage
	fmt.Fprintf(out, "\nSemaphore sets: %d live, %d orphan, %d stale, %d unknown.\n", u.Live, u.Orphans, u.Stale, u.Unknown)
	if ou != nil {
		fmt.Fprintf(out, "Shared memory segments: %d live, %d orphan, %d stale, %d unknown; they hold %s, orphans %s.\n", ou.ShmByVerdict[ipc.Live], ou.ShmByVerdict[ipc.Orphan], ou.ShmByVerdict[ipc.Stale], ou.ShmByVerdict[ipc.Unknown],
			textfmt.Bytes(ou.ShmRSS+ou.ShmSwap), textfmt.Bytes(ou.ShmBytesByVerdict[ipc.Orphan]))
		fmt.Fprintf(out, "Message queues: %d live, %d orphan, %d stale, %d unknown; %s (%s) waiting.\n", ou.MsgByVerdict[ipc.Live], ou.MsgByVerdict[ipc.Orphan], ou.MsgByVerdict[ipc.Stale], ou.MsgByVerdict[ipc.Unknown],
			textfmt.Plural(int(ou.Messages), "message", "messages"), textfmt.Bytes(ou.QueueBytes))
	}
	if len(snap.Diagnosis) == 0 {
		fmt.Fprintf(out, "No limit is near full (warning at %d%%).\n", ipc.WarnPercent)
	}
	for _, f := range snap.Diagnosis {
		fmt.Fprintf(out, "%s: %s\n", strings.ToUpper(string(f.Severity)), f.Message)
		printFindingFix(out, f)
	}
	printApacheLeak(out, apache)
	if err := out.Flush(); err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope limits:", err)
		return ExitFail
	}
	return ExitOK
}
