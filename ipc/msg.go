package ipc

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc/sysv"
)

// Queue is one System V message queue. JSON keys follow `lsipc -q
// --json` where lsipc has the field, with real types, plus what it lacks.
type Queue struct {
	objectIDs
	UsedBytes uint64 `json:"usedbytes"` // cbytes: the bytes of the messages waiting
	Msgs      uint64 `json:"msgs"`      // qnum: messages waiting
	Send      Time   `json:"send"`      // stime
	Recv      Time   `json:"recv"`      // rtime
	LSPID     int    `json:"lspid"`
	LRPID     int    `json:"lrpid"`
	// QBytes is the queue's own byte limit (MSGMNB when it was made,
	// unless changed with IPC_SET); null when it could not be read, and
	// for an empty queue listed from /proc (not asked: a call each).
	QBytes *uint64 `json:"qbytes"`
	// Processes are the last sender and receiver, and every process
	// blocked in msgsnd or msgrcv on it now.
	Processes []ObjectPID `json:"processes"`
	Verdict   Verdict     `json:"verdict"`
	Rule      Rule        `json:"rule"`
	Reasons   []string    `json:"reasons"`

	qbytes   uint64
	fromSTAT bool
}

// HasData reports whether messages are waiting: removing the queue
// discards them.
func (q *Queue) HasData() bool { return q.Msgs > 0 || q.UsedBytes > 0 }

// listQueues walks the kernel's index with MSG_STAT_ANY (Linux ≥ 4.17):
// it has every field /proc/sysvipc/msg has, and qbytes, for less than
// reading and parsing that file. It falls back to /proc/sysvipc/msg where
// the walk fails or misses queues (an older kernel, an LSM, queues made
// meanwhile).
func listQueues(procRoot string, n *names) ([]Queue, []string, error) {
	qs, serr := listQueuesSTAT(n)
	if serr == nil {
		return qs, nil, nil
	}
	b, err := readProcFile(procPath(procRoot, "sysvipc/msg"))
	if err != nil {
		return nil, nil, fmt.Errorf("/proc/sysvipc/msg: %v; msgctl(MSG_STAT_ANY): %v", err, serr)
	}
	qs, warn := parseSysvMsg(b, n)
	// qbytes is not in /proc: IPC_STAT has it (read permission). It
	// matters only for a queue that holds messages (MSGMNB): the others
	// are not asked, a call each for 32,000 queues.
	for i := range qs {
		if !qs[i].HasData() {
			continue
		}
		if ds, err := sysv.MsgStat(qs[i].ID); err == nil {
			qs[i].qbytes = ds.QBytes
			qs[i].QBytes = &qs[i].qbytes
		}
	}
	return qs, warn, nil
}

// parseSysvMsg parses /proc/sysvipc/msg:
//
//	key msqid perms cbytes qnum lspid lrpid uid gid cuid cgid stime rtime ctime
func parseSysvMsg(b []byte, n *names) ([]Queue, []string) {
	qs := make([]Queue, 0, bytes.Count(b, []byte{'\n'}))
	var warn []string
	var v [14]int64
	eachLine(b, "msqid", func(line int, text []byte) {
		if _, err := parseNumbers(text, v[:], 14, 2); err != nil {
			warn = append(warn, fmt.Sprintf("/proc/sysvipc/msg line %d: %v: %q", line, err, textfmt.Clip(string(text), 120)))
			return
		}
		qs = append(qs, Queue{})
		q := &qs[len(qs)-1]
		q.fill(n, v[0], int(v[1]), uint32(v[2]), int(v[7]), int(v[8]), int(v[9]), int(v[10]), v[13])
		q.UsedBytes, q.Msgs, q.LSPID, q.LRPID = uint64(v[3]), uint64(v[4]), int(v[5]), int(v[6])
		q.Send, q.Recv = Unix(v[11]), Unix(v[12])
	})
	return qs, warn
}

func queueFromDS(n *names, id int, ds *sysv.MsqDS) Queue {
	var q Queue
	fillQueueFromDS(&q, n, id, ds)
	return q
}

func fillQueueFromDS(q *Queue, n *names, id int, ds *sysv.MsqDS) {
	p := &ds.Perm
	q.fill(n, int64(p.Key), id, p.Mode, int(p.UID), int(p.GID), int(p.CUID), int(p.CGID), ds.CTime)
	q.UsedBytes, q.Msgs, q.LSPID, q.LRPID = ds.CBytes, ds.QNum, int(ds.LSPID), int(ds.LRPID)
	q.Send, q.Recv = Unix(ds.STime), Unix(ds.RTime)
	q.qbytes = ds.QBytes
	q.QBytes = &q.qbytes
	q.fromSTAT = true
}

// listQueuesSTAT walks the kernel's index with MSG_STAT_ANY; it fails
// unless it finds every queue MSG_INFO counts.
func listQueuesSTAT(n *names) ([]Queue, error) {
	info, maxIdx, err := sysv.MsgInfo()
	if err != nil {
		return nil, fmt.Errorf("msgctl(MSG_INFO): %w", err)
	}
	qs := make([]Queue, 0, max(info.Pool, 0))
	var firstErr error
	for i := 0; i <= maxIdx; i++ {
		ds, id, err := sysv.MsgStatIndex(i, true)
		if err != nil {
			if !errors.Is(err, unix.EINVAL) && firstErr == nil {
				firstErr = err
			}
			continue
		}
		qs = append(qs, Queue{})
		fillQueueFromDS(&qs[len(qs)-1], n, id, &ds)
	}
	if len(qs) < int(info.Pool) {
		return nil, fmt.Errorf("MSG_STAT_ANY listed %d of %d queues (%v)", len(qs), info.Pool, firstErr)
	}
	return qs, nil
}

// judgeQueue sets the queue's processes, verdict, rule and reasons;
// blocked are the processes blocked on it now.
func (j *objJudge) judgeQueue(q *Queue, blocked []ObjectPID) {
	env := j.env
	sender := j.pid("last-sender", q.LSPID, q.Send.Time)
	receiver := j.pid("last-receiver", q.LRPID, q.Recv.Time)
	q.Processes = q.Processes[:0:0]
	for _, p := range []ObjectPID{sender, receiver} {
		if p.PID != 0 {
			q.Processes = append(q.Processes, p)
		}
	}
	q.Processes = append(q.Processes, blocked...)
	var data string
	if q.HasData() {
		data = fmt.Sprintf("%s (%s) wait in it: removing it discards them, so clean removes it only with --discard-messages", plural(int(q.Msgs), "message", "messages"), textfmt.Bytes(q.UsedBytes))
	} else {
		data = "it is empty (no message waiting)"
	}
	if len(blocked) > 0 {
		q.Verdict, q.Rule = Live, RuleWaiters
		q.Reasons = []string{fmt.Sprintf("%s blocked on it now (in msgsnd or msgrcv, from /proc/PID/syscall): %s", plural(len(blocked), "process is", "processes are"), objPIDList(blocked)), data}
		return
	}
	var live, later, gone []string
	for _, p := range []ObjectPID{sender, receiver} {
		switch p.State {
		case OpNone:
		case OpRunning, OpHidden:
			live = append(live, pidPhrase(p))
		case OpLater:
			later = append(later, pidPhrase(p)+"; a running process is never proof that the queue is unused")
		default:
			gone = append(gone, pidPhrase(p))
		}
	}
	if len(live) > 0 {
		q.Verdict, q.Rule = Live, RuleOperator
		q.Reasons = append(live, data)
		return
	}
	var reasons []string
	if q.LSPID == 0 && q.LRPID == 0 {
		reasons = append(reasons, "no message was ever sent or received (lspid and lrpid 0)")
	}
	reasons = append(reasons, gone...)
	reasons = append(reasons, "nobody is blocked on it", data)
	switch {
	case len(later) > 0:
		q.Verdict, q.Rule, q.Reasons = Stale, RuleStartedLater, append(reasons, later...)
		return
	case !env.allVisible:
		q.Verdict, q.Rule, q.Reasons = Stale, RuleNotVisible, append(reasons, env.whyNotVisible+", so a process that uses the queue may be invisible; nothing is called orphan from here")
		return
	}
	q.Verdict, q.Rule, q.Reasons = settle(j.holders(&q.objectIDs, "msgget()"), q.Key, reasons, "--msg")
	if q.Verdict == Orphan && len(j.unsure) > 0 {
		q.Verdict, q.Rule = Stale, RuleNotVisible
		q.Reasons = append(q.Reasons, fmt.Sprintf("ipcscope cannot tell whether %s blocked on it: /proc cannot show what %s doing (run as root with CAP_SYS_PTRACE); a blocked reader or writer would be invisible", objPIDList(j.unsure), map[bool]string{true: "it is", false: "they are"}[len(j.unsure) == 1]))
	}
}

func objPIDList(ps []ObjectPID) string {
	var b []byte
	for i, p := range ps {
		if i == 3 {
			b = fmt.Appendf(b, " (+%d)", len(ps)-i)
			break
		}
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, "PID %d (%s, %s)", p.PID, p.Comm, p.Role)
	}
	return string(b)
}

// sameQueue says why now is not the queue that was scanned ("" if it is).
func sameQueue(was, now *Queue) string {
	switch {
	case was.Key != now.Key:
		return fmt.Sprintf("key %s is now %s", was.Key, now.Key)
	case was.CUID != now.CUID || was.CGID != now.CGID:
		return "its creator changed"
	case !was.CTime.Equal(now.CTime.Time):
		return "ctime moved: it was created anew or changed (IPC_SET)"
	case !was.Send.Equal(now.Send.Time) || !was.Recv.Equal(now.Recv.Time) || was.Msgs != now.Msgs || was.UsedBytes != now.UsedBytes || was.LSPID != now.LSPID || was.LRPID != now.LRPID:
		return "a message was sent or received since"
	}
	return ""
}
