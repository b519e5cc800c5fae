package demo

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"ipcscope/internal/sandbox"
	"ipcscope/ipc"
)

// makeSets fills the private namespace with sets in every state and
// returns notes for the banner about what it could not show.
func (w *World) makeSets(hostRoot bool) ([]string, error) {
	var notes []string
	if err := sandbox.SetLimits(250, 32000, 32, SEMMNI); err != nil {
		notes = append(notes, "SEMMNI could not be lowered ("+err.Error()+")")
	}
	// A live set, like Apache's accept mutex while Apache runs: a running
	// process holds it.
	live, err := sandbox.CreateSet(0x0052e2c1, 1, 0o600)
	if err != nil {
		return notes, err
	}
	if _, err := w.start(fmt.Sprintf("semop %d 0 1 1 hold", live)); err != nil {
		return notes, err
	}
	// A set with processes waiting on it (ncount): live too.
	waited, err := sandbox.CreateSet(0x0052e2c2, 2, 0o600)
	if err != nil {
		return notes, err
	}
	for range 2 {
		if _, err := w.start(fmt.Sprintf("wait %d 0", waited)); err != nil {
			return notes, err
		}
	}
	if !hostRoot {
		notes = append(notes, "Not root: orphans cannot be shown (they need sets owned by an idle user, and giving a set away needs root; try sudo). Your own leaked sets show as STALE.")
		return notes, parallel(6, func(int) error {
			id, err := sandbox.CreateSet(0, 1, 0o600)
			if err != nil {
				return err
			}
			return killedAfterSemop(id)
		})
	}
	// A stale set: its operator was killed, but its owner still runs a
	// process.
	stale, err := sandbox.CreateSet(0, 1, 0o600)
	if err != nil {
		return notes, err
	}
	if err := sandbox.Chown(stale, staleUID, staleUID, 0o600); err != nil {
		return notes, err
	}
	if _, err := w.start("hold", sandbox.AsUser(staleUID, staleUID)); err != nil {
		return notes, err
	}
	if err := killedAfterSemop(stale, sandbox.AsUser(staleUID, staleUID)); err != nil {
		return notes, err
	}
	// Orphans: sets made the way Apache makes its mutexes (key 0, one
	// semaphore, 0600, by root for its User) whose processes were killed
	// -9. The demo's Apache runs as the idle user: say so the way Debian's
	// envvars does, so that ipcscope judges them by its Apache rule.
	uid, gid := idleUser()
	os.Setenv("APACHE_RUN_USER", strconv.Itoa(int(uid)))
	if err := parallel(orphans, func(int) error {
		id, err := sandbox.CreateSet(0, 1, 0o600)
		if err != nil {
			return err
		}
		if err := sandbox.Chown(id, uid, gid, 0o600); err != nil {
			return err
		}
		return killedAfterSemop(id, sandbox.AsUser(uid, gid))
	}); err != nil {
		return notes, err
	}
	// Two more namespaces, as two containers would have, for the
	// namespace picker (N).
	for _, c := range []struct{ orphans, semmni int }{{9, 12}, {0, 32000}} {
		if err := w.container(c.orphans, c.semmni, uid); err != nil {
			return notes, err
		}
	}
	return append(notes, "N picks one of 3 IPC namespaces (2 stand for containers)."), nil
}

// container makes a private IPC namespace held by a helper, standing in
// for a container: a live set and orphans of uid, and its own SEMMNI.
func (w *World) container(orphans, semmni int, uid uint32) error {
	holder, err := w.start("hold", sandbox.InNewIPCNamespace())
	if err != nil {
		return err
	}
	ino, err := sandbox.IPCNamespace(holder.PID)
	if err != nil {
		return err
	}
	if err := sandbox.SetLimitsIn(holder.PID, 250, 32000, 32, semmni); err != nil {
		return err
	}
	live, err := sandbox.CreateSetIn(holder.PID, 0x0052e2c1, 1, 0o600)
	if err != nil {
		return err
	}
	p, err := sandbox.StartIn(holder.PID, fmt.Sprintf("semop %d 0 1 1 hold", live))
	if err != nil {
		return err
	}
	w.keep(p)
	for range orphans {
		id, err := sandbox.CreateSetIn(holder.PID, 0, 1, 0o600)
		if err != nil {
			return err
		}
		if err := sandbox.ChownIn(holder.PID, id, uid, uid, 0o600); err != nil {
			return err
		}
		p, err := sandbox.StartIn(holder.PID, fmt.Sprintf("semop %d 0 1 1 exit", id))
		if err != nil {
			return err
		}
		if err := p.Reap(); err != nil {
			return err
		}
	}
	w.mu.Lock()
	if w.containers == nil {
		w.containers = map[uint64]bool{}
	}
	w.containers[ino] = true
	w.mu.Unlock()
	return nil
}

// start starts a helper that Close kills.
func (w *World) start(action string, opts ...sandbox.Option) (*sandbox.Proc, error) {
	p, err := sandbox.Start(action, opts...)
	if err != nil {
		return nil, err
	}
	w.keep(p)
	return p, nil
}

func (w *World) keep(p *sandbox.Proc) {
	w.mu.Lock()
	w.procs = append(w.procs, p)
	w.mu.Unlock()
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

// killedAfterSemop makes a helper change the set and kills it with -9,
// as happens to Apache children.
func killedAfterSemop(id int, opts ...sandbox.Option) error {
	p, err := sandbox.Start(fmt.Sprintf("semop %d 0 1 0 hold", id), opts...)
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
