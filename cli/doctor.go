package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"ipcscope/doctor"
	"ipcscope/ipc"
	"ipcscope/probe"
)

// apacheConfFlag is --apache-conf for the commands that show why Apache's
// sets leak (limits, list, the inspector).
func apacheConfFlag(fs *flag.FlagSet) *string {
	return fs.String("apache-conf", "", "read Apache's configuration `FILE` (passed as -f to apache2ctl/httpd) to say why its sets leak")
}

// apacheLeak reads Apache's setup once for this run, only when the
// snapshot holds sets that may be leaked Apache mutexes. Scanning another
// namespace (--ns) without --apache-conf reads nothing: the host's
// configuration says nothing of a container's Apache.
func apacheLeak(snap *ipc.Snapshot, ns int, conf string) *doctor.ApacheLeak {
	if ns != 0 && conf == "" {
		return nil
	}
	if conf == "" {
		conf = runningApacheConf("/proc")
	}
	return doctor.DiagnoseApacheLeak(context.Background(), conf, snap.Sets)
}

// runningApacheConf is the configuration file the running Apache was
// started with (-f FILE on its parent's command line), when every running
// Apache parent names the same one: what it really uses, rather than the
// distribution's default (the red team's round 2 found the advice read
// /etc/apache2 for an Apache started with its own -f). "" otherwise.
func runningApacheConf(proc string) string {
	ents, err := os.ReadDir(proc)
	if err != nil {
		return ""
	}
	conf := ""
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		comm, err := os.ReadFile(filepath.Join(proc, e.Name(), "comm"))
		if err != nil {
			continue
		}
		c := strings.TrimSpace(string(comm))
		if c != "apache2" && c != "httpd" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(proc, e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		f := confFromCmdline(b)
		if f == "" {
			continue
		}
		if conf != "" && conf != f {
			return "" // two instances, two configurations: say nothing specific
		}
		conf = f
	}
	return conf
}

// confFromCmdline finds -f FILE (or -fFILE) in a NUL-separated command
// line.
func confFromCmdline(b []byte) string {
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	for i, a := range args {
		switch {
		case a == "-f" && i+1 < len(args):
			return args[i+1]
		case strings.HasPrefix(a, "-f") && len(a) > 2:
			return a[2:]
		}
	}
	return ""
}

// printApacheLeak writes the Apache lines, indented under a heading.
func printApacheLeak(w io.Writer, l *doctor.ApacheLeak) {
	lines := l.Lines()
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "\nApache: %s\n", lines[0])
	for _, s := range lines[1:] {
		fmt.Fprintf(w, "  %s\n", s)
	}
}

// printFindingFix writes a limit finding's cause and the lines that lift
// it, indented under the finding.
func printFindingFix(w io.Writer, f ipc.Finding) {
	if f.Cause != "" {
		fmt.Fprintf(w, "  why: %s.\n", f.Cause)
	}
	fx := f.Fix
	if fx == nil {
		return
	}
	if fx.Value == "" {
		fmt.Fprintf(w, "  fix: %s.\n", fx.Note)
		return
	}
	if fx.Fields != "" {
		fmt.Fprintf(w, "  %s fields: %s (now %s; only %s raised)\n", fx.Sysctl, fx.Fields, fx.Current, f.Resource)
	}
	fmt.Fprintf(w, "  now:  %s\n", fx.Command)
	fmt.Fprintf(w, "  keep: %s containing %q, loaded at boot (now: sysctl --system)\n", fx.PersistFile, strings.TrimSuffix(fx.PersistContent, "\n"))
	fmt.Fprintf(w, "  in a container: %s; Kubernetes: %s, with the kubelet's %s\n", fx.Docker, fx.Kubernetes, fx.Kubelet)
	fmt.Fprintf(w, "  note: %s.\n", fx.Note)
}

// apacheWhy reads Apache's setup once, in the background (the inspector
// starts without waiting for it), and gives the inspector's why line for
// each snapshot (computed once per snapshot), for one set's details, and
// why a probed host has no HTTP/2.
func apacheWhy(conf string) (perSnap func(*ipc.Snapshot) string, perSet func(*ipc.Set) string, noH2 func(probe.Result) []string) {
	type read struct {
		why   *doctor.ApacheWhy
		setup *doctor.ApacheSetup
	}
	ch := make(chan read, 1)
	go func() {
		if conf == "" {
			conf = runningApacheConf("/proc")
		}
		s, err := doctor.ReadApache(context.Background(), conf)
		ch <- read{doctor.NewApacheWhy(s, err), s}
	}()
	var (
		mu       sync.Mutex
		got      *read
		lastSnap *ipc.Snapshot
		lastLine string
	)
	ready := func() bool {
		if got == nil {
			select {
			case r := <-ch:
				got = &r
			default:
				return false
			}
		}
		return true
	}
	perSnap = func(snap *ipc.Snapshot) string {
		mu.Lock()
		defer mu.Unlock()
		if !ready() {
			return ""
		}
		if snap != lastSnap {
			lastSnap, lastLine = snap, got.why.Line(snap.Sets)
		}
		return lastLine
	}
	perSet = func(s *ipc.Set) string {
		mu.Lock()
		defer mu.Unlock()
		if !ready() {
			return ""
		}
		return got.why.Line([]ipc.Set{*s})
	}
	noH2 = func(r probe.Result) []string {
		mu.Lock()
		var setup *doctor.ApacheSetup
		if ready() {
			setup = got.setup
		}
		mu.Unlock()
		return noH2Lines(doctor.ExplainNoH2(r, setup, nil))
	}
	return perSnap, perSet, noH2
}

// noH2Lines is a NoH2 as lines for the inspector's probe details.
func noH2Lines(n *doctor.NoH2) []string {
	if n == nil {
		return nil
	}
	out := []string{fmt.Sprintf("no %s (from %s):", n.Want, doctor.FromText(n.From))}
	for _, r := range n.Reasons {
		out = append(out, "• "+r.Cause)
		if r.Fix != "" {
			out = append(out, "  fix: "+r.Fix)
		}
	}
	return out
}
