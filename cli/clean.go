package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

func init() {
	register("clean", "remove orphaned semaphore sets (safe for cron)", runClean)
}

// idList collects --id values: repeatable, and comma-separated lists.
type idList []int

func (l *idList) String() string { return fmt.Sprint([]int(*l)) }

func (l *idList) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		id, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || id < 0 {
			return fmt.Errorf("%q is not a semaphore set ID", part)
		}
		*l = append(*l, id)
	}
	return nil
}

type cleanJSON struct {
	DryRun    bool                `json:"dry_run"`
	Namespace uint64              `json:"ipc_namespace"`
	AuditLog  string              `json:"audit_log,omitempty"`
	Removals  []ipc.Removal       `json:"removals"`
	Kept      map[ipc.Verdict]int `json:"kept"`
	Failed    int                 `json:"failed"`
	// Segments and queues (clean --shm, --msg, --all): clean_objects.go.
	Objects     []ipc.ObjRemoval                 `json:"objects,omitempty"`
	KeptObjects map[ipc.Kind]map[ipc.Verdict]int `json:"kept_objects,omitempty"`
	objNotDone  int                              // segments and queues asked for and not done
}

func runClean(env *Env, args []string) int {
	fs := newFlags(env, "clean", "[--dry-run] [--include-stale] [--id N]... [--json] [--audit-log FILE]")
	dry := fs.Bool("dry-run", false, "check and print every decision, remove nothing")
	stale := fs.Bool("include-stale", false, "also remove stale sets (no live operator, but the owner still runs processes or is root)")
	var ids idList
	fs.Var(&ids, "id", "remove only these set IDs (repeatable or comma-separated); each must pass the same checks")
	asJSON := fs.Bool("json", false, "print the decisions as JSON")
	audit := fs.String("audit-log", ipc.DefaultAuditLog(), "append one JSON line per removal to `FILE`, before the set is removed")
	shm := fs.Bool("shm", false, "remove orphaned shared memory segments instead (--id then takes segment IDs)")
	msg := fs.Bool("msg", false, "remove orphaned message queues instead (--id then takes queue IDs)")
	all := fs.Bool("all", false, "remove orphaned queues, segments and semaphore sets")
	discard := fs.Bool("discard-messages", false, "also remove queues with messages waiting (the messages are lost)")
	ns := nsFlag(fs)
	if code, done := parseNoArgs(env, fs, args, " (set IDs go with --id)"); done {
		return code
	}
	if !*dry && strings.TrimSpace(*audit) == "" {
		fmt.Fprintln(env.Stderr, "ipcscope clean: --audit-log wants a file: every removal is recorded there first")
		return ExitUsage
	}
	kinds := listKinds{sem: *all || !(*shm || *msg), shm: *shm || *all, msg: *msg || *all}
	if len(ids) > 0 && (*all || (*shm && *msg)) {
		fmt.Fprintln(env.Stderr, "ipcscope clean: --id needs one kind: semaphore sets (default), --shm or --msg")
		return ExitUsage
	}
	out := cleanJSON{DryRun: *dry, Kept: map[ipc.Verdict]int{}, Removals: []ipc.Removal{}}
	if !*dry {
		out.AuditLog = *audit
	}
	// Scan and removals run inside one entry into the namespace (ipc.NS.Do):
	// every set is removed where it was scanned.
	where := ipc.NS{PID: *ns}
	err := where.Do(func() error {
		opts := where.Options()
		if kinds.objects() {
			c := objClean{kinds: kinds, ids: ids, opts: ipc.ObjRemoveOptions{AuditLog: *audit, AllowStale: *stale, DryRun: *dry, DiscardMessages: *discard}}
			if err := cleanObjects(&out, c, opts); err != nil {
				return err
			}
			if !kinds.sem {
				return nil
			}
		}
		snap, err := ipc.Scan(opts)
		if err != nil {
			return err
		}
		out.Namespace = snap.IPCNS
		rm := ipc.NewRemover(ipc.RemoveOptions{Options: opts, AuditLog: *audit, AllowStale: *stale, DryRun: *dry, Snapshot: snap})
		byID := map[int]*ipc.Set{}
		for i := range snap.Sets {
			byID[snap.Sets[i].ID] = &snap.Sets[i]
		}
		var todo []ipc.Set
		var slot []int // where each of todo goes in out.Removals
		if len(ids) > 0 {
			for _, id := range ids {
				s, ok := byID[id]
				if !ok {
					// Asked for by ID and not there: the caller's list is
					// wrong (or the set went before the scan). Say so.
					out.Removals = append(out.Removals, ipc.Removal{ID: id, Outcome: ipc.Failed, Reason: "no set with this ID in the namespace (already removed, or a typo?)"})
					continue
				}
				slot = append(slot, len(out.Removals))
				out.Removals = append(out.Removals, ipc.Removal{})
				todo = append(todo, *s)
			}
		} else {
			for i := range snap.Sets {
				s := &snap.Sets[i]
				if s.Verdict == ipc.Orphan || (*stale && s.Verdict == ipc.Stale) {
					slot = append(slot, len(out.Removals))
					out.Removals = append(out.Removals, ipc.Removal{})
					todo = append(todo, *s)
				} else {
					out.Kept[s.Verdict]++
				}
			}
		}
		if len(todo) > 0 {
			for i, r := range rm.RemoveAll(todo) {
				out.Removals[slot[i]] = r
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope clean:", err)
		return ExitFail
	}
	notDone := out.objNotDone
	for _, r := range out.Removals {
		if r.Outcome == ipc.Failed {
			out.Failed++
		}
		// Asked by ID: anything not done makes the exit code 1. Automatic:
		// a set that stopped being removable since the scan was rightly
		// kept.
		if !r.OK() && (len(ids) > 0 || r.Outcome == ipc.Failed) {
			notDone++
		}
	}
	if *asJSON {
		if err := writeCleanJSON(env.Stdout, &out); err != nil {
			fmt.Fprintln(env.Stderr, "ipcscope clean: writing the result:", err)
			return ExitFail
		}
	} else if err := printCleanKinds(env, &out, kinds); err != nil {
		// The removals are done and recorded in the audit log; only the
		// report could not be written.
		fmt.Fprintln(env.Stderr, "ipcscope clean: writing the result:", err, "(what was removed is in the audit log)")
		return ExitFail
	}
	if notDone > 0 {
		return ExitFail
	}
	return ExitOK
}

func printClean(env *Env, out *cleanJSON) error {
	w := bufio.NewWriter(env.Stdout)
	counts := map[ipc.Outcome]int{}
	for _, r := range out.Removals {
		counts[r.Outcome]++
		if r.Verdict == "" && r.Owner == "" {
			// Asked for by ID and not there: nothing else is known of it.
			fmt.Fprintf(w, "%-12s semid %d: %s\n", r.Outcome, r.ID, r.Reason)
			continue
		}
		fmt.Fprintf(w, "%-12s semid %d key %s owner %s (%s): %s\n", r.Outcome, r.ID, r.Key, r.Owner, r.Verdict, r.Reason)
		if r.Outcome == ipc.Removed || r.Outcome == ipc.WouldRemove || r.Outcome == ipc.Refused {
			for _, why := range r.Reasons {
				fmt.Fprintf(w, "    - %s\n", why)
			}
		}
	}
	var kept []string
	for _, v := range ipc.Verdicts {
		if n := out.Kept[v]; n > 0 {
			kept = append(kept, fmt.Sprintf("%s %s", textfmt.Commas(int64(n)), v))
		}
	}
	if len(out.Removals) == 0 {
		fmt.Fprint(w, "Nothing to remove")
	} else if out.DryRun {
		fmt.Fprintf(w, "Dry run: %s would be removed, %s refused, %s failed", textfmt.Commas(int64(counts[ipc.WouldRemove])), textfmt.Commas(int64(counts[ipc.Refused])), textfmt.Commas(int64(counts[ipc.Failed])))
	} else {
		fmt.Fprintf(w, "Removed %s, already gone %s, refused %s, failed %s", textfmt.Commas(int64(counts[ipc.Removed])), textfmt.Commas(int64(counts[ipc.AlreadyGone])), textfmt.Commas(int64(counts[ipc.Refused])), textfmt.Commas(int64(counts[ipc.Failed])))
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

// writeCleanJSON prints the result with one removal per line, each by its
// own hand-written encoder: 32,000 removals through json.Encoder (which
// re-validates and indents every one) took a fifth of a whole clean.
func writeCleanJSON(w io.Writer, out *cleanJSON) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	removals := out.Removals
	head := *out
	head.Removals = nil
	hb, err := json.Marshal(head)
	if err != nil {
		return err
	}
	// cleanJSON's own "removals" is null here: put the real list in its
	// place, streamed.
	hb = bytes.Replace(hb, []byte(`"removals":null`), []byte(`"removals":[`), 1)
	i := bytes.Index(hb, []byte(`"removals":[`)) + len(`"removals":[`)
	bw.Write(hb[:i])
	var buf []byte
	for k := range removals {
		if k > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		buf = removals[k].AppendJSON(buf[:0])
		bw.Write(buf)
	}
	bw.WriteString("\n]")
	bw.Write(hb[i:])
	bw.WriteByte('\n')
	return bw.Flush()
}
