package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc"
)

func init() {
	register("namespaces", "list every IPC namespace (containers, pods) with its sets, limits and orphans", runNamespaces)
}

// namespacesJSON is `ipcscope namespaces --json`.
type namespacesJSON struct {
	Namespaces []ipc.Namespace `json:"namespaces"`
	Warnings   []string        `json:"warnings"`
}

func runNamespaces(env *Env, args []string) int {
	fs := newFlags(env, "namespaces", "[--json] [--no-scan]\n\n"+
		"Groups processes by /proc/PID/ns/ipc. Inspect one with 'ipcscope list --ns PID'. Needs root to see and scan other users' namespaces.")
	asJSON := fs.Bool("json", false, "print JSON")
	noScan := fs.Bool("no-scan", false, "only find the namespaces; do not scan their semaphore sets")
	if code, done := parseNoArgs(env, fs, args, ""); done {
		return code
	}
	nss, warnings, err := ipc.Namespaces(ipc.NamespaceOptions{Scan: !*noScan})
	if err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope namespaces:", err)
		return ExitFail
	}
	failed := 0
	for _, ns := range nss {
		if ns.Error != "" {
			failed++
		}
	}
	if *asJSON {
		if warnings == nil {
			warnings = []string{}
		}
		if writeJSON(env.Stdout, namespacesJSON{Namespaces: nss, Warnings: warnings}) != nil {
			return ExitFail
		}
	} else {
		printNamespaces(env.Stdout, nss)
		for _, w := range warnings {
			fmt.Fprintln(env.Stderr, "warning:", w)
		}
		for _, ns := range nss {
			if ns.Error != "" {
				fmt.Fprintf(env.Stderr, "ipcscope namespaces: %d: %s\n", ns.Inode, ns.Error)
			}
		}
	}
	if failed > 0 {
		return ExitFail
	}
	return ExitOK
}

// printNamespaces prints one row per namespace: usage against its own
// limits, orphans, and what runs there.
func printNamespaces(w io.Writer, nss []ipc.Namespace) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "IPC-NS\tPROCS\tPID\tSETS/SEMMNI\tSEMS/SEMMNS\tORPHANS\tSTALE\tWHAT RUNS THERE")
	for _, ns := range nss {
		sets, sems, orphans, stale := "?", "?", "?", "?"
		if s := ns.Summary; s != nil {
			sets = usePct(uint64(s.Usage.Sets), uint64(s.Limits.SEMMNI))
			sems = usePct(uint64(s.Usage.Semaphores), uint64(max(s.Limits.SEMMNS, 0)))
			orphans, stale = fmt.Sprint(s.Usage.Orphans), fmt.Sprint(s.Usage.Stale)
		}
		name := fmt.Sprint(ns.Inode)
		if ns.Host {
			name += " (host)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", name, ns.Processes, ns.PID, sets, sems, orphans, stale, hint(ns))
	}
	tw.Flush()
}

// usePct is "3/32,000 (0%)".
func usePct(used, limit uint64) string {
	if limit == 0 {
		return textfmt.CommasU(used) + "/?"
	}
	return fmt.Sprintf("%s/%s (%.0f%%)", textfmt.CommasU(used), textfmt.CommasU(limit), 100*float64(used)/float64(limit))
}

// hint names the containers, then the most common commands:
// "docker 0123456789ab: apache2×5, rotatelogs".
func hint(ns ipc.Namespace) string {
	var parts []string
	for i, c := range ns.Containers {
		if i == 2 {
			parts = append(parts, fmt.Sprintf("+%d more", len(ns.Containers)-2))
			break
		}
		parts = append(parts, c.Short())
	}
	var comms []string
	for _, c := range ns.Commands {
		if c.Count > 1 {
			comms = append(comms, fmt.Sprintf("%s×%d", c.Comm, c.Count))
		} else {
			comms = append(comms, c.Comm)
		}
	}
	s := strings.Join(parts, ", ")
	if s != "" {
		s += ": "
	}
	return s + strings.Join(comms, ", ")
}
