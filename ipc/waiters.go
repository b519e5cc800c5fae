package ipc

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Waiter is a task blocked in semop on a set now: the kernel counts them
// (ncount, zcount) but does not list them; /proc/PID/syscall shows a task
// blocked in semop or semtimedop and its first argument, the set's ID.
type Waiter struct {
	PID  int    `json:"pid"`
	Comm string `json:"command"`
}

// findWaiters names the waiters of every set that has some, from the
// processes (and threads) of the namespace asleep in semop. It reads
// /proc/PID/syscall only when some set has waiters; unreadable entries
// (another user's, without root) leave the waiters counted, not named.
func findWaiters(sets []Set, env *judgeEnv, root string) {
	byID := map[int]int{}
	for i := range sets {
		if sets[i].Waiters() > 0 {
			byID[sets[i].ID] = i
		}
	}
	if len(byID) == 0 {
		return
	}
	var buf []byte
	look := func(path string, p *Process) {
		b, err := readInto(path, &buf)
		if err != nil {
			return
		}
		if id, ok := blockedSemop(b); ok {
			if i, ok := byID[id]; ok && len(sets[i].Waiting) < 64 {
				sets[i].Waiting = append(sets[i].Waiting, Waiter{PID: p.PID, Comm: p.Comm})
			}
		}
	}
	for _, p := range env.nsProcs {
		if p.State != 'S' && p.State != 'D' && p.Threads <= 1 {
			continue
		}
		dir := procPath(root, strconv.Itoa(p.PID))
		look(dir+"/syscall", p)
		if p.Threads > 1 {
			tasks, err := os.ReadDir(dir + "/task")
			if err != nil {
				continue
			}
			for _, t := range tasks {
				if t.Name() != strconv.Itoa(p.PID) {
					look(dir+"/task/"+t.Name()+"/syscall", p)
				}
			}
		}
	}
}

// blockedSemop parses /proc/PID/syscall ("65 0x8001 0x7ffd… 0x1 …") and
// returns the set ID of a task blocked in semop or semtimedop.
func blockedSemop(b []byte) (int, bool) {
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, false
	}
	nr, err := strconv.Atoi(string(f[0]))
	if err != nil || (nr != unix.SYS_SEMOP && nr != unix.SYS_SEMTIMEDOP) {
		return 0, false
	}
	id, err := strconv.ParseInt(string(bytes.TrimPrefix(f[1], []byte("0x"))), 16, 64)
	if err != nil || id < 0 {
		return 0, false
	}
	return int(id), true
}
