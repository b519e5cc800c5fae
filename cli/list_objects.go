package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

// `list --shm`, `--msg` and `--all`: shared memory segments and message
// queues beside the semaphore sets, like `ipcs -m`, `-q` and `-a`.

// listKinds says which kinds of object a list or clean covers.
type listKinds struct{ sem, shm, msg bool }

func (k listKinds) objects() bool { return k.shm || k.msg }

// scanObjectsIn scans the segments and queues of the IPC namespace of pid
// (0: our own).
func scanObjectsIn(pid int) (*ipc.Objects, error) {
	return scanKindsIn(pid, listKinds{shm: true, msg: true})
}

// scanKindsIn is scanObjectsIn for the kinds in k only.
func scanKindsIn(pid int, k listKinds) (*ipc.Objects, error) {
	where := ipc.NS{PID: pid}
	var o *ipc.Objects
	err := where.Do(func() error {
		var err error
		o, err = ipc.ScanKinds(where.Options(), k.shm, k.msg)
		return err
	})
	return o, err
}

// filterObjects keeps the kinds asked for and the verdicts wanted.
func filterObjects(o *ipc.Objects, k listKinds, want map[ipc.Verdict]bool) ([]ipc.Segment, []ipc.Queue) {
	var segs []ipc.Segment
	var qs []ipc.Queue
	if want == nil {
		// No copies: a Segment is large, and 32,000 of them are.
		if k.shm {
			segs = o.Segments
			if segs == nil {
				segs = []ipc.Segment{}
			}
		}
		if k.msg {
			qs = o.Queues
			if qs == nil {
				qs = []ipc.Queue{}
			}
		}
		return segs, qs
	}
	if k.shm {
		segs = []ipc.Segment{}
		for _, s := range o.Segments {
			if want == nil || want[s.Verdict] {
				segs = append(segs, s)
			}
		}
	}
	if k.msg {
		qs = []ipc.Queue{}
		for _, q := range o.Queues {
			if want == nil || want[q.Verdict] {
				qs = append(qs, q)
			}
		}
	}
	return segs, qs
}

// runListObjects is `list` with --shm, --msg or --all.
func runListObjects(env *Env, k listKinds, asJSON, reasons bool, want map[ipc.Verdict]bool, ns int) int {
	// The sets (with --all) on a second core meanwhile: they are
	// independent scans.
	var snap *ipc.Snapshot
	var semErr error
	semDone := make(chan struct{})
	go func() {
		defer close(semDone)
		if k.sem {
			snap, semErr = scanIn(ns)
		}
	}()
	o, err := scanKindsIn(ns, k)
	<-semDone
	if err == nil {
		err = semErr
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope list:", err)
		return ExitFail
	}
	var sets []ipc.Set
	if k.sem {
		for _, s := range snap.Sets {
			if want == nil || want[s.Verdict] {
				sets = append(sets, s)
			}
		}
	}
	segs, qs := filterObjects(o, k, want)
	if asJSON {
		err = writeObjectsJSON(env.Stdout, o, snap, sets, segs, qs)
	} else {
		for _, w := range o.Warnings {
			fmt.Fprintln(env.Stderr, "warning:", w)
		}
		err = printObjects(env.Stdout, o, k, segs, qs, reasons)
		if err == nil && k.sem {
			for _, w := range snap.Warnings {
				fmt.Fprintln(env.Stderr, "warning:", w)
			}
			err = printSets(env.Stdout, snap, sets, reasons)
		}
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope list:", err)
		return ExitFail
	}
	return ExitOK
}

// writeObjectsJSON prints one document: lsipc's top-level keys
// "messages", "sharedmemory" and (with --all) "semaphores", each only when
// asked for, with the usage and limits of the kinds.
func writeObjectsJSON(w io.Writer, o *ipc.Objects, snap *ipc.Snapshot, sets []ipc.Set, segs []ipc.Segment, qs []ipc.Queue) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	warnings := append([]string{}, o.Warnings...)
	head := struct {
		Namespace   uint64        `json:"ipc_namespace"`
		Taken       time.Time     `json:"taken"`
		Usage       ipc.ObjUsage  `json:"shm_msg_usage"`
		Limits      ipc.ObjLimits `json:"shm_msg_limits"`
		Diagnosis   []ipc.Finding `json:"shm_msg_diagnosis"`
		SemUsage    *ipc.Usage    `json:"usage,omitempty"`
		SemVanished *int          `json:"vanished,omitempty"`
		Warnings    []string      `json:"warnings"`
	}{Namespace: o.IPCNS, Taken: o.Taken, Usage: o.Usage, Limits: o.Limits, Diagnosis: o.Diagnosis}
	if head.Diagnosis == nil {
		head.Diagnosis = []ipc.Finding{}
	}
	if snap != nil {
		head.SemUsage, head.SemVanished = &snap.Usage, &snap.Vanished
		warnings = append(warnings, snap.Warnings...)
	}
	head.Warnings = warnings
	hb, err := json.Marshal(head)
	if err != nil {
		return err
	}
	bw.Write(hb[:len(hb)-1])
	if qs != nil {
		writeArray(bw, "messages", len(qs), func(b []byte, i int) []byte { return qs[i].AppendJSON(b) })
	}
	if segs != nil {
		writeArray(bw, "sharedmemory", len(segs), func(b []byte, i int) []byte { return segs[i].AppendJSON(b) })
	}
	if snap != nil {
		bw.WriteString(`,"semaphores":[`)
		encodeSets(sets, func(b []byte) { bw.Write(b) })
		bw.WriteString("\n]")
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// writeArray writes ,"name":[ one object per line ].
func writeArray(bw *bufio.Writer, name string, n int, appendAt func(b []byte, i int) []byte) {
	bw.WriteString(`,"` + name + `":[`)
	var b []byte
	for i := 0; i < n; i++ {
		b = appendAt(b[:0], i)
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		bw.Write(b)
	}
	if n > 0 {
		bw.WriteByte('\n')
	}
	bw.WriteByte(']')
}

// printObjects prints the sections of `ipcs -q` and `ipcs -m` (in ipcs
// -a's order), with the processes the kernel names and the verdicts.
func printObjects(w io.Writer, o *ipc.Objects, k listKinds, segs []ipc.Segment, qs []ipc.Queue, reasons bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	when := o.Taken.Format("2006-01-02 15:04:05")
	why := func(rule ipc.Rule, rs []string) {
		if !reasons {
			return
		}
		fmt.Fprintf(bw, "    rule: %s\n", rule)
		for _, r := range rs {
			fmt.Fprintf(bw, "    - %s\n", r)
		}
	}
	if k.msg {
		fmt.Fprintf(bw, "------ Message Queues (IPC namespace %d, %s) ------\n", o.IPCNS, when)
		rows := [][]string{{"key", "msqid", "owner", "perms", "used-bytes", "messages", "last-send", "last-recv", "processes", "verdict"}}
		for i := range qs {
			q := &qs[i]
			rows = append(rows, []string{q.Key.String(), strconv.Itoa(q.ID), q.Owner, q.Perms.String()[1:], textfmt.CommasU(q.UsedBytes), textfmt.CommasU(q.Msgs),
				textfmt.Age(q.Send.Time, o.Taken), textfmt.Age(q.Recv.Time, o.Taken), objPIDs(q.Processes), string(q.Verdict)})
		}
		printRows(bw, rows, func(i int) { why(qs[i].Rule, qs[i].Reasons) })
		fmt.Fprintf(bw, "\n%s%s\n\n", summary(len(qs), "queue", "queues", func(v ipc.Verdict) int { return countQ(qs, v) }), dataNote(qs))
	}
	if k.shm {
		fmt.Fprintf(bw, "------ Shared Memory Segments (IPC namespace %d, %s) ------\n", o.IPCNS, when)
		rows := [][]string{{"key", "shmid", "owner", "perms", "bytes", "nattch", "status", "resident", "attached", "processes", "verdict"}}
		for i := range segs {
			s := &segs[i]
			res := "-"
			if s.RSS != nil && s.Swap != nil {
				res = textfmt.Bytes(*s.RSS)
				if *s.Swap > 0 {
					res += "+" + textfmt.Bytes(*s.Swap) + " swap"
				}
			}
			status := strings.Join(s.Status, ",")
			if status == "" {
				status = "-"
			}
			rows = append(rows, []string{s.Key.String(), strconv.Itoa(s.ID), s.Owner, s.Perms.String()[1:], textfmt.CommasU(s.Size), strconv.Itoa(s.NAttch), status, res,
				textfmt.Age(s.Attach.Time, o.Taken), objPIDs(s.Processes), string(s.Verdict)})
		}
		printRows(bw, rows, func(i int) { why(segs[i].Rule, segs[i].Reasons) })
		var held uint64
		for i := range segs {
			held += segs[i].Held()
		}
		fmt.Fprintf(bw, "\n%s; they hold %s (SHMALL: %s of %s pages)\n", summary(len(segs), "segment", "segments", func(v ipc.Verdict) int { return countS(segs, v) }),
			textfmt.Bytes(held), textfmt.CommasU(o.Usage.ShmPages), textfmt.CommasU(o.Limits.SHMALL))
		if n := o.Usage.ShmByVerdict[ipc.Orphan]; n > 0 {
			fmt.Fprintf(bw, "%s orphaned hold %s: ipcscope clean --shm --dry-run, then ipcscope clean --shm.\n", textfmt.Plural(n, "segment", "segments"), textfmt.Bytes(o.Usage.ShmBytesByVerdict[ipc.Orphan]))
		}
		fmt.Fprintln(bw)
	}
	if !reasons && (len(segs)+len(qs)) > 0 {
		fmt.Fprintln(bw, "Why: add --reasons.")
	}
	return bw.Flush()
}

// printRows prints aligned columns; after(i) runs after data row i.
func printRows(bw *bufio.Writer, rows [][]string, after func(i int)) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for c, v := range r {
			width[c] = max(width[c], len(v))
		}
	}
	for i, r := range rows {
		for c, v := range r {
			bw.WriteString(v)
			if c < len(r)-1 {
				bw.WriteString(strings.Repeat(" ", width[c]-len(v)+2))
			}
		}
		bw.WriteByte('\n')
		if i > 0 {
			after(i - 1)
		}
	}
}

func objPIDs(ps []ipc.ObjectPID) string {
	var parts []string
	for _, p := range ps {
		if p.PID == 0 {
			continue
		}
		if len(parts) == 3 {
			parts = append(parts, fmt.Sprintf("(+%d)", len(ps)-3))
			break
		}
		parts = append(parts, p.String())
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func summary(n int, one, many string, count func(ipc.Verdict) int) string {
	return fmt.Sprintf("%s: %d live, %d orphan, %d stale, %d unknown", textfmt.Plural(n, one, many), count(ipc.Live), count(ipc.Orphan), count(ipc.Stale), count(ipc.Unknown))
}

func dataNote(qs []ipc.Queue) string {
	var msgs, bytes uint64
	for i := range qs {
		msgs += qs[i].Msgs
		bytes += qs[i].UsedBytes
	}
	if msgs == 0 {
		return ""
	}
	return fmt.Sprintf("; %s (%s) waiting", textfmt.Plural(int(msgs), "message", "messages"), textfmt.Bytes(bytes))
}

func countS(segs []ipc.Segment, v ipc.Verdict) int {
	n := 0
	for i := range segs {
		if segs[i].Verdict == v {
			n++
		}
	}
	return n
}

func countQ(qs []ipc.Queue, v ipc.Verdict) int {
	n := 0
	for i := range qs {
		if qs[i].Verdict == v {
			n++
		}
	}
	return n
}
