package cli

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

func init() {
	register("list", "list semaphore sets with their operators and a liveness verdict", runList)
}

// writeListJSON prints `ipcscope list --json`: lsipc's top-level key
// "semaphores" plus what lsipc lacks, one set per line so that 32,000 sets
// stream out without ever sitting in memory as one document.
func writeListJSON(w io.Writer, snap *ipc.Snapshot, sets []ipc.Set) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	head := struct {
		Namespace uint64    `json:"ipc_namespace"`
		Taken     time.Time `json:"taken"`
		Usage     ipc.Usage `json:"usage"`
		Vanished  int       `json:"vanished"`
		Warnings  []string  `json:"warnings"`
	}{snap.IPCNS, snap.Taken, snap.Usage, snap.Vanished, snap.Warnings}
	if head.Warnings == nil {
		head.Warnings = []string{}
	}
	hb, err := json.Marshal(head)
	if err != nil {
		return err
	}
	bw.Write(hb[:len(hb)-1]) // leave the object open for "semaphores"
	bw.WriteString(`,"semaphores":[`)
	encodeSets(sets, func(b []byte) { bw.Write(b) })
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// encodeSets writes the sets' JSON objects, each on its own line and
// comma-separated, to write in order. Chunks of sets are encoded on every
// core, a few chunks ahead of the writer: encoding is half of
// `list --json` with 32,000 sets (measured: 40 of 85 ms in process).
func encodeSets(sets []ipc.Set, write func([]byte)) {
	const chunk = 1024
	n := (len(sets) + chunk - 1) / chunk
	workers := min(runtime.GOMAXPROCS(0), 4)
	if n <= 1 || workers < 2 {
		write(encodeChunk(nil, sets, 0))
		return
	}
	out := make([]chan []byte, n)
	for i := range out {
		out[i] = make(chan []byte, 1)
	}
	free := make(chan []byte, 2*workers) // at most this many chunks ahead
	for range 2 * workers {
		free <- make([]byte, 0, 256*chunk)
	}
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	for range workers {
		go func() {
			for {
				// A buffer first, then the next chunk: chunks then get
				// buffers in their order, and the one the writer waits
				// for always has one (no deadlock).
				buf := <-free
				c, ok := <-next
				if !ok {
					return
				}
				out[c] <- encodeChunk(buf[:0], sets[c*chunk:min((c+1)*chunk, len(sets))], c*chunk)
			}
		}()
	}
	for c := range n {
		b := <-out[c]
		write(b)
		free <- b
	}
}

// encodeChunk appends the JSON of sets, which start at index first.
func encodeChunk(b []byte, sets []ipc.Set, first int) []byte {
	for i := range sets {
		if first+i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = sets[i].AppendJSON(b)
	}
	return b
}

func runList(env *Env, args []string) int {
	fs := newFlags(env, "list", "[--shm|--msg|--all] [--json] [--verdict orphan,stale,...] [--reasons [--apache-conf FILE]]")
	asJSON := fs.Bool("json", false, "print JSON (keys as lsipc --json, with real types, per-semaphore data and verdicts)")
	verdicts := fs.String("verdict", "", "show only sets with these verdicts (comma-separated: live, orphan, stale, unknown)")
	reasons := fs.Bool("reasons", false, "print the reasons behind each verdict under its row")
	shm := fs.Bool("shm", false, "list shared memory segments instead (like ipcs -m; JSON keys as lsipc -m --json)")
	msg := fs.Bool("msg", false, "list message queues instead (like ipcs -q; JSON keys as lsipc -q --json)")
	all := fs.Bool("all", false, "list queues, segments and semaphore sets (like ipcs -a)")
	ns := nsFlag(fs)
	apacheConf := apacheConfFlag(fs)
	if code, done := parseNoArgs(env, fs, args, ""); done {
		return code
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "verdict" })
	if given && strings.TrimSpace(*verdicts) == "" {
		fmt.Fprintln(env.Stderr, "ipcscope list: --verdict wants one or more of live, orphan, stale, unknown")
		return ExitUsage
	}
	want, err := parseVerdicts(*verdicts)
	if err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope list:", err)
		return ExitUsage
	}
	if *shm || *msg || *all {
		return runListObjects(env, listKinds{sem: *all, shm: *shm || *all, msg: *msg || *all}, *asJSON, *reasons, want, *ns)
	}
	snap, err := scanIn(*ns)
	if err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope list:", err)
		return ExitFail
	}
	sets := snap.Sets
	if want != nil {
		sets = sets[:0:0]
		for _, s := range snap.Sets {
			if want[s.Verdict] {
				sets = append(sets, s)
			}
		}
	}
	if *asJSON {
		if err := writeListJSON(env.Stdout, snap, sets); err != nil {
			fmt.Fprintln(env.Stderr, "ipcscope list:", err)
			return ExitFail
		}
		return ExitOK
	}
	for _, w := range snap.Warnings {
		fmt.Fprintln(env.Stderr, "warning:", w)
	}
	if err := printSets(env.Stdout, snap, sets, *reasons); err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope list:", err)
		return ExitFail
	}
	if *reasons {
		// Why Apache's sets leak, once per run, only with --reasons.
		printApacheLeak(env.Stdout, apacheLeak(&ipc.Snapshot{Sets: sets}, *ns, *apacheConf))
	}
	return ExitOK
}

func parseVerdicts(s string) (map[ipc.Verdict]bool, error) {
	if s == "" {
		return nil, nil
	}
	want := map[ipc.Verdict]bool{}
	for _, part := range strings.Split(s, ",") {
		v, err := ipc.ParseVerdict(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("--verdict: %v", err)
		}
		want[v] = true
	}
	return want, nil
}

// printSets prints a table in the spirit of `ipcs -s`, plus operators,
// ages and verdicts. Columns are sized in one pass over the cells and
// written through a buffer (tabwriter took 0.4 s for 32,000 sets).
func printSets(w io.Writer, snap *ipc.Snapshot, sets []ipc.Set, reasons bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "------ Semaphore Arrays (IPC namespace %d, %s) ------\n", snap.IPCNS, snap.Taken.Format("2006-01-02 15:04:05"))
	header := [...]string{"key", "semid", "owner", "perms", "nsems", "last-op", "changed", "operators", "verdict"}
	cells := make([][9]string, len(sets))
	var width [9]int
	for i, h := range header {
		width[i] = len(h)
	}
	for i := range sets {
		s := &sets[i]
		cells[i] = [9]string{s.Key.String(), strconv.Itoa(s.ID), s.Owner, s.Perms.String()[1:], strconv.Itoa(s.NSems),
			textfmt.Age(s.OTime.Time, snap.Taken), textfmt.Age(s.CTime.Time, snap.Taken), operatorList(s, 3), string(s.Verdict)}
		for c, v := range cells[i] {
			width[c] = max(width[c], len(v))
		}
	}
	line := func(row [9]string) {
		for c, v := range row {
			bw.WriteString(v)
			if c < len(row)-1 {
				for pad := width[c] - len(v) + 2; pad > 0; pad-- {
					bw.WriteByte(' ')
				}
			}
		}
		bw.WriteByte('\n')
	}
	line(header)
	for i := range sets {
		line(cells[i])
		if reasons {
			if sets[i].Rule != "" {
				fmt.Fprintf(bw, "    rule: %s\n", sets[i].Rule)
			}
			for _, r := range sets[i].Reasons {
				fmt.Fprintf(bw, "    - %s\n", r)
			}
		}
	}
	u := snap.Usage
	fmt.Fprintf(bw, "\n%s: %s live, %s orphan, %s stale, %s unknown", textfmt.Plural(len(sets), "set", "sets"), textfmt.Commas(int64(count(sets, ipc.Live))), textfmt.Commas(int64(count(sets, ipc.Orphan))), textfmt.Commas(int64(count(sets, ipc.Stale))), textfmt.Commas(int64(count(sets, ipc.Unknown))))
	if len(sets) != u.Sets {
		fmt.Fprintf(bw, " (of %d in the namespace)", u.Sets)
	}
	fmt.Fprintln(bw)
	if !reasons && count(sets, ipc.Orphan)+count(sets, ipc.Stale)+count(sets, ipc.Unknown) > 0 {
		fmt.Fprintln(bw, "Why: ipcscope list --reasons. Remove orphans: ipcscope clean --dry-run, then ipcscope clean.")
	}
	return bw.Flush()
}

func count(sets []ipc.Set, v ipc.Verdict) int {
	n := 0
	for i := range sets {
		if sets[i].Verdict == v {
			n++
		}
	}
	return n
}

// operatorList is "2647 dead, 3105 apache2 (+2)", or "-" for none.
func operatorList(s *ipc.Set, most int) string {
	if len(s.Operators) == 0 {
		return "-"
	}
	parts := make([]string, 0, most)
	for i, op := range s.Operators {
		if i == most {
			break
		}
		parts = append(parts, op.String())
	}
	out := strings.Join(parts, ", ")
	if len(s.Operators) > most {
		out += fmt.Sprintf(" (+%d)", len(s.Operators)-most)
	}
	return out
}
