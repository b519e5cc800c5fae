// Package demo builds the world of ipcscope --demo: a private IPC
// namespace (internal/sandbox) filled with real semaphore sets in every
// state and the helper processes that hold them, two more namespaces
// standing in for containers, and loopback test servers
// (internal/demo/servers) for the probe. Close tears it all down.
package demo

import (
	"crypto/x509"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"ipcscope/internal/demo/servers"
	"ipcscope/internal/sandbox"
	"ipcscope/ipc"
	"ipcscope/probe"
)

// Carried from the process that started the demo into its private
// namespace (where a user namespace makes everyone root).
const (
	envUser = "IPCSCOPE_DEMO_USER"
	envRoot = "IPCSCOPE_DEMO_ROOT"
)

// Isolate re-executes the program in a private IPC namespace, remembering
// who started it (user, and whether as real root), and returns the
// child's exit status: the caller should exit with it. It returns
// (0, false, nil) inside the namespace: go on with Start.
func Isolate(user string) (code int, ran bool, err error) {
	if sandbox.Isolated() {
		return 0, false, nil
	}
	os.Setenv(envUser, user)
	os.Setenv(envRoot, strconv.FormatBool(os.Geteuid() == 0))
	return sandbox.Isolate()
}

// Caller is who ran the demo before Isolate: the user name, and whether it
// was root (only then can the demo give sets to other users).
func Caller() (user string, hostRoot bool) {
	return os.Getenv(envUser), os.Getenv(envRoot) == "true"
}

// World is what Start made; Close undoes it.
type World struct {
	// Notice is the one-line banner that tells the user what the demo is.
	Notice string
	// Targets and Resolve probe the demo's servers; Roots trusts their CA.
	Targets []probe.Target
	Resolve []probe.Resolve
	Roots   *x509.CertPool

	procs   []*sandbox.Proc
	servers *servers.Suite
	mu      sync.Mutex
	// containers are the inodes of the demo's extra IPC namespaces; the
	// picker lists only these and the demo's own, never the host's.
	containers map[uint64]bool
}

// Demo sizes: SEMMNI is lowered so that the sets fill it almost up, as on
// a server where Apache was killed with -9 too often.
const (
	SEMMNI   = 48
	orphans  = 42
	staleUID = 4343 // a user that still runs a process: its sets are stale
)

// Start fills the private namespace (see Isolate) with sets and starts the
// servers. hostRoot says whether the demo may give sets to other users
// (orphans, stale sets, container namespaces need it). On error the world
// made so far is returned too: Close it.
func Start(hostRoot bool) (*World, error) {
	w := &World{}
	if !sandbox.Isolated() {
		return w, fmt.Errorf("demo: refusing to start outside a private IPC namespace (call Isolate first)")
	}
	notes, err := w.makeSets(hostRoot)
	if err != nil {
		return w, err
	}
	srv, err := servers.StartSuite()
	if err != nil {
		return w, err
	}
	w.servers = srv
	w.Roots = srv.CA.Pool()
	for _, r := range srv.Resolve {
		rr, err := probe.ParseResolve(r)
		if err != nil {
			return w, err
		}
		w.Resolve = append(w.Resolve, rr)
	}
	for _, s := range srv.Targets {
		t, err := probe.ParseTarget(s)
		if err != nil {
			return w, err
		}
		w.Targets = append(w.Targets, probe.ApplyResolve(t, w.Resolve))
	}
	w.Notice = "DEMO: private IPC namespace, real sets, SEMMNI=" + strconv.Itoa(SEMMNI) + ", test servers on 127.0.0.1; gone on exit. "
	if len(notes) > 0 {
		w.Notice += strings.Join(notes, " ")
	}
	return w, nil
}

// HasContainers reports whether the demo made namespaces besides its own
// (it does when run as root).
func (w *World) HasContainers() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.containers) > 0
}

// Namespaces is ipc.Namespaces cut to the demo's own namespaces: the
// demo stays harmless even run as root on a real server.
func (w *World) Namespaces() ([]ipc.Namespace, []string, error) {
	self, _ := os.Readlink("/proc/self/ns/ipc")
	all, warnings, err := ipc.Namespaces(ipc.NamespaceOptions{Scan: true})
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []ipc.Namespace
	for _, ns := range all {
		if w.containers[ns.Inode] || self == fmt.Sprintf("ipc:[%d]", ns.Inode) {
			out = append(out, ns)
		}
	}
	return out, warnings, err
}

// Close kills the helpers (the container namespaces die with their
// holders), stops the servers and removes the files Start left.
func (w *World) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.procs {
		p.Kill()
	}
	w.procs = nil
	if w.servers != nil {
		w.servers.Close()
	}
	sandbox.Cleanup()
}
