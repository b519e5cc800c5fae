package ipc

import (
	"os"
	"strconv"
	"sync"
)

// Threads of one process can differ from its main thread: each has its
// own credentials (raw setresuid per thread, as Samba does) and can be in
// another IPC namespace (unshare(CLONE_NEWIPC) in one thread). The
// process table reads only the main thread; where a verdict would call a
// set unused, the other threads of multi-threaded processes are read too
// (the red team's a05 and a27 cases).

// thread is what a verdict needs of one thread.
type thread struct {
	UIDs, GIDs [4]int
	Groups     []int
	IPCNS      uint64 // 0: unreadable
}

// threadCache reads each process's threads at most once per table.
type threadCache struct {
	mu   sync.Mutex
	root string
	by   map[int][]thread
}

// of returns p's threads other than its main thread (nil if it has
// none, or they cannot be read).
func (c *threadCache) of(p *Process) []thread {
	if p.Threads <= 1 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ts, ok := c.by[p.PID]; ok {
		return ts
	}
	ts := readThreads(c.root, p.PID)
	if c.by == nil {
		c.by = map[int][]thread{}
	}
	c.by[p.PID] = ts
	return ts
}

func readThreads(root string, pid int) []thread {
	dir := procPath(root, strconv.Itoa(pid), "task")
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil
	}
	var out []thread
	buf := make([]byte, 0, 2048)
	for _, n := range names {
		if n == strconv.Itoa(pid) {
			continue // the main thread: already in the table
		}
		b, err := readInto(dir+"/"+n+"/status", &buf)
		if err != nil {
			continue
		}
		var t thread
		if t.UIDs, err = parseStatusIDs(b, "\nUid:"); err != nil {
			continue
		}
		if t.GIDs, err = parseStatusIDs(b, "\nGid:"); err != nil {
			continue
		}
		t.Groups = parseStatusGroups(b)
		if link, err := os.Readlink(dir + "/" + n + "/ns/ipc"); err == nil {
			t.IPCNS = ParseNSLink(link)
		}
		out = append(out, t)
	}
	return out
}

// asProcess is the thread seen as a process with its own credentials.
func (t thread) asProcess(p *Process) *Process {
	q := *p
	q.UIDs, q.GIDs, q.Groups, q.IPCNS = t.UIDs, t.GIDs, t.Groups, t.IPCNS
	return &q
}

// inNS reports whether some thread of p is in namespace ns (or could be:
// unreadable).
func (env *judgeEnv) threadInNS(p *Process) bool {
	for _, t := range env.threads.of(p) {
		if t.IPCNS == 0 || env.ns == 0 || t.IPCNS == env.ns {
			return true
		}
	}
	return false
}
