package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
	"ipcscope/probe"
	"ipcscope/probe/probetest"
	"ipcscope/ui"
)

// Carried from the process that started the demo into its private
// namespace (where a user namespace makes everyone root).
const (
	envDemoUser = "IPCSCOPE_DEMO_USER"
	envDemoRoot = "IPCSCOPE_DEMO_ROOT"
)

// Demo sizes: SEMMNI is lowered so that the sets fill it almost up, as on
// a server where Apache was killed with -9 too often.
const (
	demoSEMMNI  = 48
	demoOrphans = 42
	staleUID    = 4343 // a user that still runs a process: its sets are stale
)

// runDemo re-executes ipcscope in a private IPC namespace, fills it with
// real sets in every state and local test servers, runs the inspector on
// them and tears everything down on exit.
func runDemo(env *Env, cfg ui.Config, o inspectOptions) int {
	if !ipctest.Isolated() {
		os.Setenv(envDemoUser, cfg.User)
		os.Setenv(envDemoRoot, strconv.FormatBool(os.Geteuid() == 0))
		code, ran, err := ipctest.Isolate()
		if err != nil {
			fmt.Fprintln(env.Stderr, "ipcscope --demo:", err)
			return ExitFail
		}
		if ran {
			return code
		}
	}
	cfg.User = os.Getenv(envDemoUser)
	hostRoot := os.Getenv(envDemoRoot) == "true"
	cfg.Root = hostRoot
	d, err := startDemo(hostRoot)
	if d != nil {
		defer d.close()
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope --demo:", err)
		return ExitFail
	}
	cfg.Notice = d.notice
	if len(d.containers) > 0 {
		cfg.Namespaces = d.namespaces
	}
	if cfg.AuditLog == "" {
		cfg.AuditLog = filepath.Join(os.TempDir(), "ipcscope-demo-audit.jsonl")
	}
	cfg.Targets = append(cfg.Targets, d.targets...)
	cfg.ProbeOptions.Resolve = append(cfg.ProbeOptions.Resolve, d.resolve...)
	cfg.ProbeOptions.Roots = d.servers.CA.Pool()
	if o.dumpDir != "" {
		var w, h int
		if _, err := fmt.Sscanf(o.dumpSize, "%dx%d", &w, &h); err != nil {
			fmt.Fprintln(env.Stderr, "ipcscope: --dump-size WxH:", err)
			return ExitUsage
		}
		if err := ui.DumpFrames(cfg, w, h, o.dumpDir); err != nil {
			fmt.Fprintln(env.Stderr, "ipcscope:", err)
			return ExitFail
		}
		return ExitOK
	}
	if err := ui.Run(cfg); err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope:", err)
		return ExitFail
	}
	fmt.Fprintf(env.Stdout, "demo over: its namespace, sets, helper processes and servers are gone. Removals were logged to %s\n", cfg.AuditLog)
	return ExitOK
}

// demo is what startDemo made; close undoes it.
type demo struct {
	procs   []*ipctest.Proc
	servers *probetest.Demo
	targets []probe.Target
	resolve []probe.Resolve
	notice  string
	mu      sync.Mutex
	// containers are the inodes of the demo's extra IPC namespaces; the
	// picker lists only these and the demo's own, never the host's.
	containers map[uint64]bool
}

// namespaces is ipc.Namespaces cut to the demo's own namespaces: the
// demo stays harmless even run as root on a real server.
func (d *demo) namespaces() ([]ipc.Namespace, []string, error) {
	self, _ := os.Readlink("/proc/self/ns/ipc")
	all, warnings, err := ipc.Namespaces(ipc.NamespaceOptions{Scan: true})
	var out []ipc.Namespace
	for _, ns := range all {
		if d.containers[ns.Inode] || self == fmt.Sprintf("ipc:[%d]", ns.Inode) {
			out = append(out, ns)
		}
	}
	return out, warnings, err
}

// container makes a private IPC namespace held by a helper, standing in
// for a container: a live set and orphans of uid, and its own SEMMNI.
func (d *demo) container(orphans, semmni int, uid uint32) error {
	holder, err := d.start("hold", ipctest.InNewIPCNamespace())
	if err != nil {
		return err
	}
	ino, err := ipctest.IPCNamespace(holder.PID)
	if err != nil {
		return err
	}
	if err := ipctest.SetLimitsIn(holder.PID, 250, 32000, 32, semmni); err != nil {
		return err
	}
	live, err := ipctest.CreateSetIn(holder.PID, 0x0052e2c1, 1, 0o600)
	if err != nil {
		return err
	}
	p, err := ipctest.StartIn(holder.PID, fmt.Sprintf("semop %d 0 1 1 hold", live))
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.procs = append(d.procs, p)
	d.mu.Unlock()
	for range orphans {
		id, err := ipctest.CreateSetIn(holder.PID, 0, 1, 0o600)
		if err != nil {
			return err
		}
		if err := ipctest.ChownIn(holder.PID, id, uid, uid, 0o600); err != nil {
			return err
		}
		p, err := ipctest.StartIn(holder.PID, fmt.Sprintf("semop %d 0 1 1 exit", id))
		if err != nil {
			return err
		}
		if err := p.Reap(); err != nil {
			return err
		}
	}
	d.mu.Lock()
	if d.containers == nil {
		d.containers = map[uint64]bool{}
	}
	d.containers[ino] = true
	d.mu.Unlock()
	return nil
}

func (d *demo) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.procs {
		p.Kill()
	}
	d.procs = nil
	if d.servers != nil {
		d.servers.Close()
	}
	ipctest.Cleanup()
}

func (d *demo) start(action string, opts ...ipctest.Option) (*ipctest.Proc, error) {
	p, err := ipctest.Start(action, opts...)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.procs = append(d.procs, p)
	d.mu.Unlock()
	return p, nil
}

// idleUser picks the owner of the orphans: www-data (as Apache's children
// run) if it exists and runs nothing here, else an unused uid.
func idleUser() (uint32, uint32) {
	pt, err := ipc.ReadProcTable("/proc")
	if err == nil && len(pt.ByUID[33]) == 0 {
		if b, err := os.ReadFile("/etc/passwd"); err == nil && strings.Contains(string(b), "\nwww-data:x:33:") {
			return 33, 33
		}
	}
	return 4242, 4242
}

func startDemo(hostRoot bool) (*demo, error) {
	d := &demo{}
	var notes []string
	if err := ipctest.SetLimits(250, 32000, 32, demoSEMMNI); err != nil {
		notes = append(notes, "SEMMNI could not be lowered ("+err.Error()+")")
	}
	// A live set, like Apache's accept mutex while Apache runs: a running
	// process holds it.
	live, err := ipctest.CreateSet(0x0052e2c1, 1, 0o600)
	if err != nil {
		return d, err
	}
	if _, err := d.start(fmt.Sprintf("semop %d 0 1 1 hold", live)); err != nil {
		return d, err
	}
	// A set with processes waiting on it (ncount): live too.
	waited, err := ipctest.CreateSet(0x0052e2c2, 2, 0o600)
	if err != nil {
		return d, err
	}
	for range 2 {
		if _, err := d.start(fmt.Sprintf("wait %d 0", waited)); err != nil {
			return d, err
		}
	}
	orphans := demoOrphans
	if hostRoot {
		// A stale set: its operator was killed, but its owner still runs
		// a process.
		stale, err := ipctest.CreateSet(0, 1, 0o600)
		if err != nil {
			return d, err
		}
		if err := ipctest.Chown(stale, staleUID, staleUID, 0o600); err != nil {
			return d, err
		}
		if _, err := d.start("hold", ipctest.AsUser(staleUID, staleUID)); err != nil {
			return d, err
		}
		if err := killedAfterSemop(d, stale, ipctest.AsUser(staleUID, staleUID)); err != nil {
			return d, err
		}
		// Orphans: sets of an idle user whose processes were killed -9.
		uid, gid := idleUser()
		if err := parallel(orphans, func(int) error {
			id, err := ipctest.CreateSet(0, 1, 0o600)
			if err != nil {
				return err
			}
			if err := ipctest.Chown(id, uid, gid, 0o600); err != nil {
				return err
			}
			return killedAfterSemop(d, id, ipctest.AsUser(uid, gid))
		}); err != nil {
			return d, err
		}
		// Two more namespaces, as two containers would have, for the
		// namespace picker (N).
		for _, c := range []struct{ orphans, semmni int }{{9, 12}, {0, 32000}} {
			if err := d.container(c.orphans, c.semmni, uid); err != nil {
				return d, err
			}
		}
		notes = append(notes, "N picks one of 3 IPC namespaces (2 stand for containers).")
	} else {
		notes = append(notes, "Not root: orphans cannot be shown (they need sets owned by an idle user, and giving a set away needs root; try sudo). Your own leaked sets show as STALE.")
		if err := parallel(6, func(int) error {
			id, err := ipctest.CreateSet(0, 1, 0o600)
			if err != nil {
				return err
			}
			return killedAfterSemop(d, id)
		}); err != nil {
			return d, err
		}
	}
	srv, err := probetest.StartDemo()
	if err != nil {
		return d, err
	}
	d.servers = srv
	for _, r := range srv.Resolve {
		rr, err := probe.ParseResolve(r)
		if err != nil {
			return d, err
		}
		d.resolve = append(d.resolve, rr)
	}
	for _, s := range srv.Targets {
		t, err := probe.ParseTarget(s)
		if err != nil {
			return d, err
		}
		d.targets = append(d.targets, probe.ApplyResolve(t, d.resolve))
	}
	d.notice = "DEMO: private IPC namespace, real sets, SEMMNI=" + strconv.Itoa(demoSEMMNI) + ", test servers on 127.0.0.1; gone on exit. "
	if len(notes) > 0 {
		d.notice += strings.Join(notes, " ")
	}
	return d, nil
}

// killedAfterSemop makes a helper change the set and kills it with -9,
// as happens to Apache children.
func killedAfterSemop(d *demo, id int, opts ...ipctest.Option) error {
	p, err := ipctest.Start(fmt.Sprintf("semop %d 0 1 0 hold", id), opts...)
	if err != nil {
		return err
	}
	p.Kill()
	return nil
}

// parallel runs fn n times, a few at a time (each starts a process).
func parallel(n int, fn func(i int) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(i); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}
