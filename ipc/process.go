package ipc

import (
	"bytes"
	"fmt"
	"io"
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
	State byte   // 'R', 'S', 'D', 'Z', ... from /proc/PID/stat
	UIDs  [4]int // real, effective, saved, filesystem
	GIDs  [4]int // real, effective, saved, filesystem
	// Groups are the supplementary groups (the Groups: line of status).
	Groups []int
	// IPCOwner is true when CAP_IPC_OWNER is in the permitted set: the
	// process may open every set, whatever its mode.
	IPCOwner bool
	// Unknown is true for a process that is there but whose status could
	// not be read or parsed: it may use any set.
	Unknown bool
	// Threads is the number of its threads still running (status's
	// Threads:); threads can have their own credentials and IPC
	// namespace (see threads.go).
	Threads int
	Start   time.Time // when it started (1/100 s resolution)
	IPCNS   uint64    // inode of its IPC namespace; 0 if unreadable
	// Kernel is true for kernel threads: PF_KTHREAD in the flags of
	// /proc/PID/stat, nothing else (inside a container PID 2 and its
	// children are ordinary processes). They use no System V IPC, so their
	// uids and namespace are not read.
	Kernel bool
}

// pfKthread is PF_KTHREAD (include/linux/sched.h), in field 9 of
// /proc/PID/stat.
const pfKthread = 0x00200000

// Zombie reports whether the process has exited and waits to be reaped.
// A main thread that exited with its other threads running (pthread_exit
// in main) shows as a zombie too, with Threads: 2 or more: that process
// lives.
func (p *Process) Zombie() bool { return (p.State == 'Z' || p.State == 'X') && p.Threads <= 1 }

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
		if err != nil && !os.IsNotExist(err) && p == nil {
			// It is there but cannot be read or parsed (a bind mount
			// over its /proc entry, an odd kernel): a process we know
			// nothing of, which may use any set (Unknown).
			p = &Process{PID: pid, Comm: "?", State: 'S', Unknown: true, UIDs: [4]int{-1, -1, -1, -1}, GIDs: [4]int{-1, -1, -1, -1}}
		}
		if err != nil {
			// Gone while we read it: not in the table.
			if !os.IsNotExist(err) {
				t.Warnings = append(t.Warnings, fmt.Sprintf("process %d: %v (counted as a process that may use any set)", pid, err))
				t.add(p)
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
		if err != nil {
			*buf = b
			if err == io.EOF {
				return b, nil
			}
			// Some /proc files open but refuse the read (syscall, stack:
			// EPERM without the right to ptrace): that is no empty file.
			return b, err
		}
		if n == 0 {
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
	if p.Kernel {
		// Most of a server's processes: skipping them halves the read.
		return p, nil
	}
	unknown := func(err error) (*Process, error) {
		p.Unknown, p.UIDs, p.GIDs = true, [4]int{-1, -1, -1, -1}, [4]int{-1, -1, -1, -1}
		return p, err
	}
	b, err = readInto(dir+"/status", buf)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, err
		}
		return unknown(err)
	}
	if p.UIDs, err = parseStatusIDs(b, "\nUid:"); err != nil {
		return unknown(err)
	}
	if p.GIDs, err = parseStatusIDs(b, "\nGid:"); err != nil {
		return unknown(err)
	}
	p.Groups = parseStatusGroups(b)
	p.IPCOwner = statusHasCap(b, capIPCOwner)
	p.Threads = statusInt(b, "\nThreads:")
	if link, err := os.Readlink(dir + "/ns/ipc"); err == nil {
		p.IPCNS = ParseNSLink(link)
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
	// f[0] is field 3 (state); flags is field 9, so f[6]; starttime is
	// field 22, so f[19].
	if len(f) < 20 || len(f[0]) != 1 {
		return nil, fmt.Errorf("stat: want at least 22 fields")
	}
	ppid, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return nil, fmt.Errorf("stat: bad ppid")
	}
	flags, err := strconv.ParseUint(string(f[6]), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("stat: bad flags")
	}
	ticks, err := strconv.ParseUint(string(f[19]), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("stat: bad starttime")
	}
	start := btime.Add(time.Duration(ticks) * (time.Second / userHz))
	// The name is the process's own choice (prctl PR_SET_NAME): made
	// printable here, once, so that no control byte reaches a terminal.
	return &Process{PID: pid, PPID: ppid, Comm: Printable(string(b[open+1 : close])), State: f[0][0], Start: start, Kernel: flags&pfKthread != 0}, nil
}

// parseStatusUIDs finds "Uid:\treal\teffective\tsaved\tfs" in /proc/PID/status.
func parseStatusUIDs(b []byte) ([4]int, error) { return parseStatusIDs(b, "\nUid:") }

// parseStatusIDs reads the four IDs of the "Uid:" or "Gid:" line (tag
// with its leading newline).
func parseStatusIDs(b []byte, tag string) ([4]int, error) {
	var u [4]int
	i := bytes.Index(b, []byte(tag))
	if i < 0 {
		return u, fmt.Errorf("status: no %s line", tag[1:len(tag)-1])
	}
	line := b[i+len(tag):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	f := bytes.Fields(line)
	if len(f) != 4 {
		return u, fmt.Errorf("status: %s line has %d fields", tag[1:len(tag)-1], len(f))
	}
	for k := range f {
		v, err := strconv.Atoi(string(f[k]))
		if err != nil {
			return u, fmt.Errorf("status: bad id %q", Printable(string(f[k])))
		}
		u[k] = v
	}
	return u, nil
}

// parseStatusGroups reads the supplementary groups ("Groups:\t4 24 27"),
// nil when there are none or the line is missing.
func parseStatusGroups(b []byte) []int {
	i := bytes.Index(b, []byte("\nGroups:"))
	if i < 0 {
		return nil
	}
	line := b[i+8:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	var out []int
	for _, f := range bytes.Fields(line) {
		if v, err := strconv.Atoi(string(f)); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// capIPCOwner is CAP_IPC_OWNER's bit (include/uapi/linux/capability.h).
const capIPCOwner = 15

// statusHasCap reports whether the CapPrm line of /proc/PID/status (hex)
// has capability bit c.
func statusHasCap(b []byte, c uint) bool {
	i := bytes.Index(b, []byte("\nCapPrm:"))
	if i < 0 {
		return false
	}
	line := b[i+8:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	v, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 16, 64)
	return err == nil && v&(1<<c) != 0
}

// statusInt reads one number after tag in /proc/PID/status (0 if absent).
func statusInt(b []byte, tag string) int {
	i := bytes.Index(b, []byte(tag))
	if i < 0 {
		return 0
	}
	line := b[i+len(tag):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	v, _ := strconv.Atoi(string(bytes.TrimSpace(line)))
	return v
}
