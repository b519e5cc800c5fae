package ipc

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc/sysv"
)

// Rules of the segment and queue verdicts (README, "How ipcscope decides";
// the semaphore rules waiters, operator-alive, operator-started-later,
// pids-not-visible, holders and no-holders apply to them too).
const (
	RuleAttached         Rule = "attached"           // live: nattch > 0, counted by the kernel
	RuleMarkedForRemoval Rule = "marked-for-removal" // live: SHM_DEST, goes when the last process detaches
	RuleUserAlive        Rule = "user-alive"         // stale: detached, but its creator or last user still runs and knows its ID
)

// Segment is one System V shared memory segment. JSON keys follow
// `lsipc -m --json` where lsipc has the field, with real types (sizes and
// PIDs as numbers, times RFC 3339 or null), plus what lsipc lacks.
type Segment struct {
	objectIDs
	Size   uint64 `json:"size"` // bytes, as asked of shmget
	NAttch int    `json:"nattch"`
	// Status is lsipc's STATUS as a list: "dest" (marked for removal),
	// "locked" (SHM_LOCK).
	Status []string `json:"status"`
	Attach Time     `json:"attach"`
	Detach Time     `json:"detach"`
	// Command is the creator's command name while it runs, else null.
	Command *string `json:"command"`
	CPID    int     `json:"cpid"`
	LPID    int     `json:"lpid"`
	// RSS and Swap are the bytes resident and swapped out now
	// (/proc/sysvipc/shm; null when listed with shmctl).
	RSS  *uint64 `json:"rss"`
	Swap *uint64 `json:"swap"`
	// MarkedForRemoval is SHM_DEST: IPC_RMID was called while processes
	// were attached; the kernel frees it when the last one detaches.
	MarkedForRemoval bool        `json:"marked_for_removal"`
	Processes        []ObjectPID `json:"processes"`
	Verdict          Verdict     `json:"verdict"`
	Rule             Rule        `json:"rule"`
	Reasons          []string    `json:"reasons"`

	mode     uint32 // the full mode, SHM_DEST and SHM_LOCKED included
	mem      [2]uint64
	fromSTAT bool
}

// Held is the memory the segment holds now: resident plus swapped when
// known, else its size.
func (s *Segment) Held() uint64 {
	if s.RSS != nil && s.Swap != nil {
		return *s.RSS + *s.Swap
	}
	return s.Size
}

// listSegments reads /proc/sysvipc/shm (every segment, whatever its mode,
// with rss and swap), falling back to SHM_STAT_ANY by index.
func listSegments(procRoot string, n *names) ([]Segment, []string, error) {
	b, err := readProcFile(procPath(procRoot, "sysvipc/shm"))
	if err == nil {
		segs, warn := parseSysvShmFull(b, n)
		return segs, warn, nil
	}
	segs, serr := listSegmentsSTAT(n)
	if serr != nil {
		return nil, nil, fmt.Errorf("/proc/sysvipc/shm: %v; shmctl(SHM_STAT_ANY): %v", err, serr)
	}
	return segs, []string{fmt.Sprintf("/proc/sysvipc/shm unreadable (%v): segments listed with shmctl, without rss and swap", err)}, nil
}

// parseSysvShmFull parses /proc/sysvipc/shm:
//
//	key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime rss swap
//
// A line that does not parse is reported and skipped.
func parseSysvShmFull(b []byte, n *names) ([]Segment, []string) {
	segs := make([]Segment, 0, bytes.Count(b, []byte{'\n'}))
	var warn []string
	var v [16]int64
	eachLine(b, "shmid", func(line int, text []byte) {
		k, err := parseNumbers(text, v[:], 14, 2)
		if err != nil {
			warn = append(warn, fmt.Sprintf("/proc/sysvipc/shm line %d: %v: %q", line, err, textfmt.Clip(string(text), 120)))
			return
		}
		segs = append(segs, Segment{})
		s := &segs[len(segs)-1]
		s.fill(n, v[0], int(v[1]), uint32(v[2]), int(v[7]), int(v[8]), int(v[9]), int(v[10]), v[13])
		s.mode = uint32(v[2])
		s.Size, s.CPID, s.LPID, s.NAttch = uint64(v[3]), int(v[4]), int(v[5]), int(v[6])
		s.Attach, s.Detach = Unix(v[11]), Unix(v[12])
		if k >= 16 {
			s.mem = [2]uint64{uint64(v[14]), uint64(v[15])}
			s.RSS, s.Swap = &s.mem[0], &s.mem[1]
		}
	})
	return segs, warn
}

// eachLine calls f for every non-empty line of a /proc/sysvipc file but
// its header (the first line, when it holds header's word).
func eachLine(b []byte, header string, f func(line int, text []byte)) {
	for line := 1; len(b) > 0; line++ {
		text := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			text, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if line == 1 && bytes.Contains(text, []byte(header)) {
			continue
		}
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		f(line, text)
	}
}

// parseNumbers reads the whitespace-separated numbers of text into v (at
// least want of them; field octal is octal) and returns how many it read.
// It allocates nothing: 32,000 lines are parsed per scan.
func parseNumbers(text []byte, v []int64, want, octal int) (int, error) {
	k := 0
	for i := 0; i < len(text); {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
		if i == len(text) {
			break
		}
		j := i
		for j < len(text) && text[j] != ' ' && text[j] != '\t' {
			j++
		}
		if k == len(v) {
			break
		}
		base := int64(10)
		if k == octal {
			base = 8
		}
		x, ok := atoi(text[i:j], base)
		if !ok {
			return k, fmt.Errorf("field %d is not a number", k+1)
		}
		v[k] = x
		k++
		i = j
	}
	if k < want {
		return k, fmt.Errorf("want %d fields, got %d", want, k)
	}
	if v[0] < -1<<31 || v[0] > 1<<32-1 {
		return k, fmt.Errorf("key %d out of range", v[0])
	}
	if v[1] < 0 {
		return k, errors.New("negative id")
	}
	return k, nil
}

// atoi parses an optionally negative number in base 8 or 10. Values past
// int64 (an rss near 2^64 cannot happen) are refused.
func atoi(b []byte, base int64) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var x int64
	for _, c := range b {
		d := int64(c) - '0'
		if d < 0 || d >= base {
			return 0, false
		}
		x = x*base + d
		if x < 0 {
			return 0, false
		}
	}
	if neg {
		x = -x
	}
	return x, true
}

func segFromDS(n *names, id int, ds *unix.SysvShmDesc) Segment {
	var s Segment
	p := &ds.Perm
	s.fill(n, int64(p.Key), id, p.Mode, int(p.Uid), int(p.Gid), int(p.Cuid), int(p.Cgid), ds.Ctime)
	s.mode = p.Mode
	s.Size, s.CPID, s.LPID, s.NAttch = ds.Segsz, int(ds.Cpid), int(ds.Lpid), int(ds.Nattch)
	s.Attach, s.Detach = Unix(ds.Atime), Unix(ds.Dtime)
	s.fromSTAT = true
	return s
}

// listSegmentsSTAT walks the kernel's index with SHM_STAT_ANY (Linux ≥ 4.17).
func listSegmentsSTAT(n *names) ([]Segment, error) {
	var info unix.SysvShmDesc
	maxIdx, err := unix.SysvShmCtl(0, sysv.SHM_INFO, &info)
	if err != nil {
		return nil, fmt.Errorf("shmctl(SHM_INFO): %w", err)
	}
	var segs []Segment
	for i := 0; i <= maxIdx; i++ {
		ds, id, err := sysv.ShmStatIndex(i, true)
		if err != nil {
			if errors.Is(err, unix.EINVAL) {
				continue
			}
			return nil, err
		}
		segs = append(segs, segFromDS(n, id, &ds))
	}
	return segs, nil
}

// judgeSegment sets the segment's status, processes, verdict, rule and
// reasons.
func (j *objJudge) judgeSegment(s *Segment) {
	env := j.env
	s.Status = []string{}
	s.MarkedForRemoval = s.mode&sysv.SHM_DEST != 0
	if s.MarkedForRemoval {
		s.Status = append(s.Status, "dest")
	}
	if s.mode&sysv.SHM_LOCKED != 0 {
		s.Status = append(s.Status, "locked")
	}
	// The creator made it no later than ctime (creation, or a later
	// IPC_SET); the last user attached or detached at the later of atime
	// and dtime.
	last := s.Attach.Time
	if s.Detach.After(last) {
		last = s.Detach.Time
	}
	creator := j.pid("creator", s.CPID, s.CTime.Time)
	lastUser := j.pid("last-user", s.LPID, last)
	s.Processes = []ObjectPID{creator}
	if s.LPID != 0 && s.LPID != s.CPID {
		s.Processes = append(s.Processes, lastUser)
	} else if s.LPID != 0 {
		s.Processes[0].Role = "creator, last-user"
		lastUser = s.Processes[0]
	}
	s.Command = nil
	if creator.State == OpRunning {
		c := creator.Comm
		s.Command = &c
	}
	if s.MarkedForRemoval {
		held := memPhrase(s)
		s.Verdict, s.Rule = Live, RuleMarkedForRemoval
		s.Reasons = []string{fmt.Sprintf("marked for removal (SHM_DEST): IPC_RMID was called while it was attached, and %s still attached; the kernel frees its %s when the last one detaches, and its key is now 0, so shmget() cannot find it again (a process that knows its ID may still attach it: Linux allows that)", plural(s.NAttch, "process is", "processes are"), held),
			"not an orphan and nothing to remove: to free it now, stop the processes that have it attached (ipcs -m -p shows the last one)"}
		return
	}
	facts := make([]string, 0, len(s.Processes))
	for _, p := range s.Processes {
		facts = append(facts, pidPhrase(p))
	}
	if s.NAttch > 0 {
		held := memPhrase(s)
		s.Verdict, s.Rule = Live, RuleAttached
		s.Reasons = append([]string{fmt.Sprintf("%s attached now (nattch %d, counted by the kernel: no guessing); size %s", plural(s.NAttch, "process has it", "processes have it"), s.NAttch, held)}, facts...)
		return
	}
	reasons := make([]string, 0, len(facts)+2)
	reasons = append(reasons, j.detachedPhrase(s))
	reasons = append(reasons, facts...)
	var alive, later []string
	for _, p := range []ObjectPID{creator, lastUser} {
		switch p.State {
		case OpRunning, OpHidden:
			alive = append(alive, pidPhrase(p))
		case OpLater:
			later = append(later, pidPhrase(p))
		}
	}
	switch {
	case len(alive) > 0:
		s.Verdict, s.Rule = Stale, RuleUserAlive
		s.Reasons = append(reasons, "detached, but a process that made or used it still runs and knows its ID: it may attach it again (nattch 0 is not proof that it is unused)")
		return
	case len(later) > 0:
		s.Verdict, s.Rule = Stale, RuleStartedLater
		s.Reasons = append(reasons, "a running process is never proof that the segment is unused")
		return
	case !env.allVisible:
		s.Verdict, s.Rule = Stale, RuleNotVisible
		s.Reasons = append(reasons, env.whyNotVisible+", so a process that uses the segment may be invisible; nothing is called orphan from here")
		return
	}
	s.Verdict, s.Rule, s.Reasons = settle(j.holders(&s.objectIDs, "shmget()"), s.Key, reasons, "--shm")
}

// detachedPhrase is the first reason of a detached segment, worded once
// per size and memory (thousands of leaked segments share one).
func (j *objJudge) detachedPhrase(s *Segment) string {
	k := [3]uint64{s.Size, ^uint64(0), ^uint64(0)}
	if s.RSS != nil && s.Swap != nil {
		k[1], k[2] = *s.RSS, *s.Swap
	}
	if p, ok := j.phrases[k]; ok {
		return p
	}
	p := "no process has it attached (nattch 0, counted by the kernel); size " + memPhrase(s)
	if j.phrases == nil {
		j.phrases = map[[3]uint64]string{}
	}
	j.phrases[k] = p
	return p
}

// memPhrase is "10,000 bytes (8 KiB resident, 0 B swapped)".
func memPhrase(s *Segment) string {
	out := textfmt.CommasU(s.Size) + " bytes"
	if s.RSS != nil && s.Swap != nil {
		out += " (" + textfmt.Bytes(*s.RSS) + " resident, " + textfmt.Bytes(*s.Swap) + " swapped)"
	}
	return out
}

// sameSegment says why now is not the segment that was scanned ("" if it
// is): IDs are reused, so compare what identifies an object.
func sameSegment(was, now *Segment) string {
	switch {
	case was.Key != now.Key:
		return fmt.Sprintf("key %s is now %s", was.Key, now.Key)
	case was.CUID != now.CUID || was.CGID != now.CGID:
		return "its creator changed"
	case was.Size != now.Size:
		return fmt.Sprintf("size %d is now %d", was.Size, now.Size)
	case was.CPID != now.CPID:
		return fmt.Sprintf("creator PID %d is now %d", was.CPID, now.CPID)
	case !was.CTime.Equal(now.CTime.Time):
		return "ctime moved: it was created anew or changed (IPC_SET)"
	case !was.Attach.Equal(now.Attach.Time) || !was.Detach.Equal(now.Detach.Time) || was.NAttch != now.NAttch || was.LPID != now.LPID:
		return "a process attached or detached it since"
	}
	return ""
}
