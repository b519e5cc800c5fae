// Command ipcbench measures ipcscope's scan against the anchor tools on the
// same sets, in one run. It is run by bench/ipc-compare.sh inside a private
// IPC namespace; it refuses to create sets anywhere else.
//
//	ipcbench populate N      make N one-semaphore sets, last changed by a
//	                         process that has exited (leaked sets)
//	ipcbench floor           SEM_STAT_ANY + GETPID for every set, in process
//	ipcbench scan            ipc.Scan (listing, every semaphore, verdicts)
//	ipcbench list            ipcscope list --json, in process (to profile)
//	ipcbench run CMD ARGS... run a command, discard its output
//	ipcbench fresh N CMD...  make N leaked sets before each run (untimed),
//	                         time CMD (which must remove them all)
//
// Every measurement runs -runs times (default 7) and prints the median wall
// time and the largest resident set size as "name median_s maxrss_kib".
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/pprof"
	"sort"
	"strconv"
	"syscall"
	"time"

	"ipcscope/cli"
	"ipcscope/ipc"
	"ipcscope/ipc/sysv"
)

func main() {
	runs := flag.Int("runs", 7, "repetitions per measurement")
	name := flag.String("name", "", "label printed with the result")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measurement to `file`")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: ipcbench [-runs N] [-name L] populate N | floor | scan | run CMD...")
		os.Exit(2)
	}
	switch args[0] {
	case "populate":
		n, _ := strconv.Atoi(args[1])
		if err := populate(n); err != nil {
			fmt.Fprintln(os.Stderr, "ipcbench:", err)
			os.Exit(1)
		}
	case "setvalall":
		setvalAll()
	case "floor":
		report(label(*name, "floor"), measure(*runs, func() { floor() }), selfRSS())
	case "scan":
		var sets int
		d := measure(*runs, func() {
			s, err := ipc.Scan(ipc.Options{})
			if err != nil {
				fmt.Fprintln(os.Stderr, "ipcbench:", err)
				os.Exit(1)
			}
			sets = len(s.Sets)
		})
		report(label(*name, fmt.Sprintf("scan(%d sets)", sets)), d, selfRSS())
		return
	case "list":
		// ipcscope list --json in process, to profile it (-cpuprofile).
		d := measure(*runs, func() {
			if code := cli.Main([]string{"list", "--json"}, os.Stdin, io.Discard, os.Stderr); code != 0 {
				os.Exit(code)
			}
		})
		report(label(*name, "list --json (in-process)"), d, selfRSS())
	case "clean":
		// clean N AUDIT: make N leaked sets, then ipcscope clean in
		// process (to profile it with -cpuprofile).
		n, _ := strconv.Atoi(args[1])
		if err := populate(n); err != nil {
			fmt.Fprintln(os.Stderr, "ipcbench:", err)
			os.Exit(1)
		}
		t := time.Now()
		if code := cli.Main([]string{"clean", "--json", "--audit-log", args[2]}, os.Stdin, io.Discard, os.Stderr); code != 0 {
			os.Exit(code)
		}
		report(label(*name, "clean (in-process)"), time.Since(t), selfRSS())
	case "fresh":
		// fresh N CMD...: before each run (untimed) make N leaked sets
		// anew; time CMD, which removes them.
		n, _ := strconv.Atoi(args[1])
		var rss int64
		ds := make([]time.Duration, *runs)
		for i := range ds {
			if err := populate(n); err != nil {
				fmt.Fprintln(os.Stderr, "ipcbench:", err)
				os.Exit(1)
			}
			cmd := exec.Command(args[2], args[3:]...)
			t := time.Now()
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "ipcbench: %v: %v\n", args[2:], err)
				os.Exit(1)
			}
			ds[i] = time.Since(t)
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > rss {
				rss = ru.Maxrss
			}
			if left := countSets(); left != 0 {
				fmt.Fprintf(os.Stderr, "ipcbench: %v left %d of %d sets\n", args[2:], left, n)
				os.Exit(1)
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		report(label(*name, args[2]), ds[len(ds)/2], rss)
	case "run":
		var rss int64
		d := measure(*runs, func() {
			cmd := exec.Command(args[1], args[2:]...)
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "ipcbench: %v: %v\n", args[1:], err)
				os.Exit(1)
			}
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > rss {
				rss = ru.Maxrss
			}
		})
		report(label(*name, args[1]), d, rss)
	default:
		fmt.Fprintln(os.Stderr, "ipcbench: unknown command", args[0])
		os.Exit(2)
	}
}

func label(name, def string) string {
	if name != "" {
		return name
	}
	return def
}

func report(name string, d time.Duration, rssKiB int64) {
	fmt.Printf("%-28s %.4f %d\n", name, d.Seconds(), rssKiB)
}

func measure(runs int, f func()) time.Duration {
	f() // warm up caches, as the tools get a warm page cache too
	ds := make([]time.Duration, runs)
	for i := range ds {
		t := time.Now()
		f()
		ds[i] = time.Since(t)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[runs/2]
}

func selfRSS() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss
}

// floor is the least any per-set liveness tool must do: one SEM_STAT_ANY
// and one GETPID per set.
func floor() {
	_, maxIdx, err := sysv.Info(false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ipcbench: IPC_INFO:", err)
		os.Exit(1)
	}
	for i := 0; i <= maxIdx; i++ {
		if _, id, err := sysv.StatIndex(i, true); err == nil {
			_, _ = sysv.GetPID(id, 0)
		}
	}
}

func populate(n int) error {
	host, _ := os.Readlink("/proc/1/ns/ipc")
	self, _ := os.Readlink("/proc/self/ns/ipc")
	if os.Getenv("IPCBENCH_PRIVATE_NS") != "1" || (host != "" && host == self) {
		return fmt.Errorf("refusing to create sets outside a private IPC namespace (run bench/ipc-compare.sh)")
	}
	for i := 0; i < n; i++ {
		id, err := sysv.Get(0, 1, sysv.IPC_CREAT|0o600)
		if err != nil {
			return fmt.Errorf("semget #%d: %w", i, err)
		}
		// Owned by www-data with no www-data process left, like a dead Apache's sets, so
		// the verdicts are orphans, not stale (needs root; else stale).
		_ = sysv.Set(id, 33, 33, 0o600)
	}
	// A child sets every value and exits: the sets look leaked.
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "setvalall")
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

func countSets() int {
	u, _, err := sysv.Info(true)
	if err != nil {
		return -1
	}
	return int(u.Usz)
}

func setvalAll() {
	_, maxIdx, _ := sysv.Info(false)
	for i := 0; i <= maxIdx; i++ {
		if _, id, err := sysv.StatIndex(i, true); err == nil {
			_ = sysv.SetVal(id, 0, 1)
		}
	}
}
