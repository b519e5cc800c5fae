package ipc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Process is what ipcscope needs to know of one running process.
type Process struct {
	PID   int
	PPID  int
	Comm  string
	State byte      // 'R', 'S', 'D', 'Z', ... from /proc/PID/stat
	UIDs  [4]int    // real, effective, saved, filesystem
	Start time.Time // when it started (1/100 s resolution)
	IPCNS uint64    // inode of its IPC namespace; 0 if unreadable
	// Kernel is true for kernel threads (kthreadd and its children): they
	// use no System V IPC, so their uids and namespace are not read.
	Kernel bool
}

// Zombie reports whether the process has exited and waits to be reaped.
func (p *Process) Zombie() bool { return p.State == 'Z' || p.State == 'X' }

// ProcTable is the process table read once per scan.
type ProcTable struct {
	ByPID map[int]*Process
	// ByUID lists the non-zombie processes of each user (any of the four
	// uids), whatever their IPC namespace.
	ByUID map[int][]*Process
	// Warnings are processes or files that could not be read.
	Warnings []string
}

// userHz is USER_HZ, the unit of /proc/PID/stat times: 100 on every Linux
// architecture Go supports.
const userHz = 100

// ReadProcTable reads every process under root (normally "/proc").
func ReadProcTable(root string) (*ProcTable, error) {
	btime, err := bootTime(root)
	if err != nil {
		return nil, err
	}
	d, err := os.Open(root)
	if err != nil {
		return nil, err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, err
	}
	t := &ProcTable{ByPID: make(map[int]*Process, len(names)), ByUID: map[int][]*Process{}}
	buf := make([]byte, 0, 4096)
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid <= 0 {
			continue
		}
		p, err := readProcess(root, pid, btime, &buf)
		if err != nil {
			// It exited while we read, or we may not read it: it is
			// not in the table, which only makes verdicts more careful
			// for its uid (see judge), never less.
			if !os.IsNotExist(err) {
				t.Warnings = append(t.Warnings, fmt.Sprintf("process %d: %v", pid, err))
			}
			continue
		}
		t.add(p)
	}
	return t, nil
}

func (t *ProcTable) add(p *Process) {
	t.ByPID[p.PID] = p
	if p.Zombie() || p.Kernel {
		return
	}
	seen := [4]int{-1, -1, -1, -1}
	for i, u := range p.UIDs {
		dup := false
		for _, s := range seen[:i] {
			dup = dup || s == u
		}
		seen[i] = u
		if !dup {
			t.ByUID[u] = append(t.ByUID[u], p)
		}
	}
}

func bootTime(root string) (time.Time, error) {
	b, err := os.ReadFile(procPath(root, "stat"))
	if err != nil {
		return time.Time{}, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "btime "); ok {
			sec, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("%s/stat: bad btime %q", root, rest)
			}
			return time.Unix(sec, 0), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s/stat: no btime line", root)
}

func readInto(path string, buf *[]byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil || n == 0 {
			break
		}
	}
	*buf = b
	return b, nil
}

func readProcess(root string, pid int, btime time.Time, buf *[]byte) (*Process, error) {
	dir := procPath(root, strconv.Itoa(pid))
	b, err := readInto(dir+"/stat", buf)
	if err != nil {
		return nil, err
	}
	p, err := parseStat(b, btime)
	if err != nil {
		return nil, err
	}
	if p.PID == 2 || p.PPID == 2 {
		// Most of a server's processes: skipping them halves the read.
		p.Kernel = true
		return p, nil
	}
	b, err = readInto(dir+"/status", buf)
	if err != nil {
		return nil, err
	}
	if p.UIDs, err = parseStatusUIDs(b); err != nil {
		return nil, err
	}
	if link, err := os.Readlink(dir + "/ns/ipc"); err == nil {
		p.IPCNS = parseNSLink(link)
	}
	return p, nil
}

// parseStat parses /proc/PID/stat: "pid (comm) state ppid ... starttime(22) ...".
// comm may hold spaces and parentheses, so split at the last ')'.
func parseStat(b []byte, btime time.Time) (*Process, error) {
	open := bytes.IndexByte(b, '(')
	close := bytes.LastIndexByte(b, ')')
	if open < 0 || close < open {
		return nil, fmt.Errorf("stat: no (comm)")
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return nil, fmt.Errorf("stat: bad pid")
	}
	f := bytes.Fields(b[close+1:])
	// f[0] is field 3 (state); starttime is field 22, so f[19].
	if len(f) < 20 || len(f[0]) != 1 {
		return nil, fmt.Errorf("stat: want at least 22 fields")
	}
	ppid, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return nil, fmt.Errorf("stat: bad ppid")
	}
	ticks, err := strconv.ParseUint(string(f[19]), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("stat: bad starttime")
	}
	start := btime.Add(time.Duration(ticks) * (time.Second / userHz))
	return &Process{PID: pid, PPID: ppid, Comm: string(b[open+1 : close]), State: f[0][0], Start: start}, nil
}

// parseStatusUIDs finds "Uid:\treal\teffective\tsaved\tfs" in /proc/PID/status.
func parseStatusUIDs(b []byte) ([4]int, error) {
	var u [4]int
	i := bytes.Index(b, []byte("\nUid:"))
	if i < 0 {
		return u, fmt.Errorf("status: no Uid line")
	}
	line := b[i+5:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	f := bytes.Fields(line)
	if len(f) != 4 {
		return u, fmt.Errorf("status: Uid line has %d fields", len(f))
	}
	for k := range f {
		v, err := strconv.Atoi(string(f[k]))
		if err != nil {
			return u, fmt.Errorf("status: bad uid %q", f[k])
		}
		u[k] = v
	}
	return u, nil
}

// parseNSLink turns "ipc:[4026531839]" into 4026531839 (0 if malformed).
func parseNSLink(s string) uint64 {
	i := strings.IndexByte(s, '[')
	j := strings.LastIndexByte(s, ']')
	if i < 0 || j <= i {
		return 0
	}
	v, _ := strconv.ParseUint(s[i+1:j], 10, 64)
	return v
}
