package cli

import (
	"bufio"
	"fmt"
	"strings"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

// `clean --shm`, `--msg` and `--all`: segments and queues go through
// ipc.RemoveObjects, with the same checks, audit record and exit codes as
// sets; a queue with messages waiting only with --discard-messages.

// objClean is what clean asked of segments and queues.
type objClean struct {
	kinds   listKinds
	ids     []int // with --shm or --msg alone: IDs of that kind
	opts    ipc.ObjRemoveOptions
	verbose bool
}

// cleanObjects scans and removes segments and queues in the current
// namespace (the caller is inside ipc.NS.Do) into out.
func cleanObjects(out *cleanJSON, c objClean, opts ipc.Options) error {
	o, err := ipc.ScanKinds(opts, c.kinds.shm, c.kinds.msg)
	if err != nil {
		return err
	}
	out.Namespace = o.IPCNS
	out.Objects = []ipc.ObjRemoval{}
	if out.KeptObjects == nil {
		out.KeptObjects = map[ipc.Kind]map[ipc.Verdict]int{}
	}
	c.opts.Options = opts
	var segs []ipc.Segment
	var qs []ipc.Queue
	pick := func(v ipc.Verdict) bool { return v == ipc.Orphan || (c.opts.AllowStale && v == ipc.Stale) }
	keep := func(k ipc.Kind, v ipc.Verdict) {
		if out.KeptObjects[k] == nil {
			out.KeptObjects[k] = map[ipc.Verdict]int{}
		}
		out.KeptObjects[k][v]++
	}
	var missing []ipc.ObjRemoval
	if len(c.ids) > 0 {
		kind := ipc.KindShm
		if c.kinds.msg {
			kind = ipc.KindMsg
		}
		for _, id := range c.ids {
			found := false
			for i := range o.Segments {
				if kind == ipc.KindShm && o.Segments[i].ID == id {
					segs, found = append(segs, o.Segments[i]), true
				}
			}
			for i := range o.Queues {
				if kind == ipc.KindMsg && o.Queues[i].ID == id {
					qs, found = append(qs, o.Queues[i]), true
				}
			}
			if !found {
				missing = append(missing, ipc.ObjRemoval{Kind: kind, ID: id, Outcome: ipc.Failed, Reason: "no " + kindName(kind) + " with this ID in the namespace (already removed, or a typo?)"})
			}
		}
	} else {
		if c.kinds.shm {
			for i := range o.Segments {
				if s := &o.Segments[i]; pick(s.Verdict) {
					segs = append(segs, *s)
				} else {
					keep(ipc.KindShm, s.Verdict)
				}
			}
		}
		if c.kinds.msg {
			for i := range o.Queues {
				if q := &o.Queues[i]; pick(q.Verdict) {
					qs = append(qs, *q)
				} else {
					keep(ipc.KindMsg, q.Verdict)
				}
			}
		}
	}
	if len(segs)+len(qs) > 0 {
		out.Objects = append(out.Objects, ipc.RemoveObjects(c.opts, segs, qs)...)
	}
	out.Objects = append(out.Objects, missing...)
	for _, r := range out.Objects {
		if r.Outcome == ipc.Failed {
			out.Failed++
		}
		// As for sets: asked by ID, anything not done makes the exit code
		// 1; automatic, only a failure does.
		if !r.OK() && (len(c.ids) > 0 || r.Outcome == ipc.Failed) {
			out.objNotDone++
		}
	}
	return nil
}

func kindName(k ipc.Kind) string {
	if k == ipc.KindMsg {
		return "message queue"
	}
	return "shared memory segment"
}

// printObjClean prints one line per segment or queue and a summary.
func printObjClean(env *Env, out *cleanJSON) error {
	w := bufio.NewWriter(env.Stdout)
	counts := map[ipc.Outcome]int{}
	var freed, lost uint64
	for _, r := range out.Objects {
		counts[r.Outcome]++
		what := "shmid"
		if r.Kind == ipc.KindMsg {
			what = "msqid"
		}
		fmt.Fprintf(w, "%-12s %s %d key %s owner %s (%s): %s\n", r.Outcome, what, r.ID, r.Key, r.Owner, r.Verdict, r.Reason)
		if r.Outcome == ipc.Removed || r.Outcome == ipc.WouldRemove || r.Outcome == ipc.Refused {
			for _, why := range r.Reasons {
				fmt.Fprintf(w, "    - %s\n", why)
			}
		}
		if r.Outcome == ipc.Removed || r.Outcome == ipc.WouldRemove {
			if r.Kind == ipc.KindShm {
				freed += r.Bytes
			} else {
				lost += r.Bytes
			}
		}
	}
	var kept []string
	for _, k := range []ipc.Kind{ipc.KindMsg, ipc.KindShm} {
		for _, v := range ipc.Verdicts {
			if n := out.KeptObjects[k][v]; n > 0 {
				kept = append(kept, fmt.Sprintf("%d %s %s", n, v, map[ipc.Kind]string{ipc.KindShm: "segments", ipc.KindMsg: "queues"}[k]))
			}
		}
	}
	switch {
	case len(out.Objects) == 0:
		fmt.Fprint(w, "No segment or queue to remove")
	case out.DryRun:
		fmt.Fprintf(w, "Dry run: %d segments and queues would be removed (%s of resident or swapped memory freed, %s of messages discarded), %d refused, %d failed", counts[ipc.WouldRemove], textfmt.Bytes(freed), textfmt.Bytes(lost), counts[ipc.Refused], countFailed(out.Objects))
	default:
		fmt.Fprintf(w, "Removed %d segments and queues (%s of resident or swapped memory freed, %s of messages discarded), already gone %d, refused %d, failed %d", counts[ipc.Removed], textfmt.Bytes(freed), textfmt.Bytes(lost), counts[ipc.AlreadyGone], counts[ipc.Refused], countFailed(out.Objects))
	}
	if len(kept) > 0 {
		fmt.Fprintf(w, "; kept %s", strings.Join(kept, ", "))
	}
	fmt.Fprintln(w, ".")
	if counts[ipc.Removed] > 0 {
		fmt.Fprintf(w, "Audit log: %s\n", out.AuditLog)
	}
	return w.Flush()
}

func countFailed(rs []ipc.ObjRemoval) int {
	n := 0
	for _, r := range rs {
		if r.Outcome == ipc.Failed {
			n++
		}
	}
	return n
}

// printCleanKinds prints the sets' part (printClean) and the segments'
// and queues' part, for the kinds cleaned.
func printCleanKinds(env *Env, out *cleanJSON, k listKinds) error {
	if k.objects() {
		if err := printObjClean(env, out); err != nil {
			return err
		}
	}
	if k.sem {
		return printClean(env, out)
	}
	return nil
}
