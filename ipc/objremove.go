package ipc

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"ipcscope/internal/textfmt"
	"ipcscope/ipc/sysv"
)

// ObjRemoval is the result of one request to remove a segment or queue.
type ObjRemoval struct {
	Kind    Kind     `json:"kind"`
	ID      int      `json:"id"`
	Key     Key      `json:"key"`
	Owner   string   `json:"owner"`
	Verdict Verdict  `json:"verdict"` // as judged just before removal
	Outcome Outcome  `json:"outcome"`
	Reason  string   `json:"reason"`
	Reasons []string `json:"reasons,omitempty"`
	// Bytes is what the removal frees (a segment's memory) or discards (a
	// queue's messages); Messages the messages discarded.
	Bytes    uint64 `json:"bytes"`
	Messages uint64 `json:"messages"`
}

// OK reports whether the request was carried out (or, dry, would be).
func (r ObjRemoval) OK() bool {
	return r.Outcome == Removed || r.Outcome == AlreadyGone || r.Outcome == WouldRemove
}

// ObjRemoveOptions are RemoveOptions for segments and queues.
type ObjRemoveOptions struct {
	Options
	AuditLog   string
	AllowStale bool
	DryRun     bool
	// DiscardMessages lets a queue with messages waiting be removed (they
	// are lost); without it such a queue is refused whatever its verdict.
	DiscardMessages bool
}

// objRemover re-reads and re-judges each object with a fresh process
// table before its record and again right before IPC_RMID.
type objRemover struct {
	opts    ObjRemoveOptions
	j       *objJudge
	envTime time.Time
	ns      uint64
	names   *names
	// blocked: who is blocked on which queue, read once per process
	// table (nil until a queue asks).
	blocked map[int][]ObjectPID
}

// Test hook (nil in the program): runs after the records are durable,
// before the last check.
var testHookObjAfterRecord func()

// RemoveObjects removes every segment and queue given that passes the
// checks: the same object as scanned (key, creator, ctime, size, times),
// still orphan (or stale with AllowStale), judged again from a fresh
// process table; a queue with messages only with DiscardMessages. The
// audit record of each is durable before it goes; a last check right
// before IPC_RMID turns a changed object into "remove-cancelled".
func RemoveObjects(opts ObjRemoveOptions, segs []Segment, qs []Queue) []ObjRemoval {
	opts.defaults()
	rm := &objRemover{opts: opts, names: loadNames(opts.Passwd, opts.Group)}
	out := make([]ObjRemoval, 0, len(segs)+len(qs))
	for i := range segs {
		out = append(out, ObjRemoval{Kind: KindShm, ID: segs[i].ID, Key: segs[i].Key, Owner: segs[i].Owner, Verdict: segs[i].Verdict, Reasons: segs[i].Reasons})
	}
	for i := range qs {
		out = append(out, ObjRemoval{Kind: KindMsg, ID: qs[i].ID, Key: qs[i].Key, Owner: qs[i].Owner, Verdict: qs[i].Verdict, Reasons: qs[i].Reasons})
	}
	fail := func(why string) []ObjRemoval {
		for i := range out {
			out[i].Outcome, out[i].Reason = Failed, why
		}
		return out
	}
	if err := rm.fresh(true); err != nil {
		return fail("reading the process table: " + err.Error())
	}
	var log *auditLog
	if !opts.DryRun {
		var err error
		if log, err = openAudit(opts.AuditLog, rm.names.user(os.Getuid()), rm.ns); err != nil {
			return fail("audit log: " + err.Error() + "; nothing removed")
		}
		defer log.close()
		// After the lock: a concurrent clean may have removed some.
		if err := rm.fresh(true); err != nil {
			return fail("reading the process table: " + err.Error())
		}
	}
	// In batches, as for sets: the records of a batch share one durable
	// write, and memory stays bounded.
	for lo := 0; lo < len(segs); lo += batchSize {
		hi := min(lo+batchSize, len(segs))
		rm.batch(segs[lo:hi], nil, out[lo:hi], log)
	}
	for lo := 0; lo < len(qs); lo += batchSize {
		hi := min(lo+batchSize, len(qs))
		rm.batch(nil, qs[lo:hi], out[len(segs)+lo:len(segs)+hi], log)
	}
	return out
}

// batch checks, records and removes segs then qs, whose results are out
// (segments first); log is nil for a dry run.
func (rm *objRemover) batch(segs []Segment, qs []Queue, out []ObjRemoval, log *auditLog) {
	opts := rm.opts
	if err := rm.fresh(false); err != nil {
		for i := range out {
			out[i].Outcome, out[i].Reason = Failed, "reading the process table: "+err.Error()
		}
		return
	}
	nowSegs := make([]Segment, len(segs))
	nowQs := make([]Queue, len(qs))
	ok := make([]bool, len(out))
	for i := range segs {
		ok[i] = rm.checkSeg(&segs[i], &nowSegs[i], &out[i])
	}
	for i := range qs {
		k := len(segs) + i
		ok[k] = rm.checkQueue(&qs[i], &nowQs[i], &out[k])
	}
	for i := range out {
		if !ok[i] {
			continue
		}
		if opts.DryRun {
			out[i].Outcome, out[i].Reason = WouldRemove, "passes every check; dry run, nothing removed"
			ok[i] = false
			continue
		}
		if i < len(segs) {
			log.addObject(KindShm, &nowSegs[i], "remove", "")
		} else {
			log.addObject(KindMsg, &nowQs[i-len(segs)], "remove", "")
		}
	}
	if log == nil {
		return
	}
	if err := log.flush(); err != nil {
		log.buf = log.buf[:0]
		for i := range out {
			if ok[i] {
				out[i].Outcome, out[i].Reason = Failed, "audit log: "+err.Error()+"; nothing removed"
			}
		}
		return
	}
	if testHookObjAfterRecord != nil {
		testHookObjAfterRecord()
	}
	if err := rm.fresh(true); err != nil {
		for i := range out {
			if ok[i] {
				out[i].Outcome, out[i].Reason = Failed, "after its record was written: reading the process table: "+err.Error()
			}
		}
		return
	}
	for i := range out {
		if !ok[i] {
			continue
		}
		var obj any
		var err error
		r := &out[i]
		if i < len(segs) {
			var again Segment
			if !rm.checkSeg(&nowSegs[i], &again, r) {
				r.Reason = "after its record was written: " + r.Reason
				log.addObject(KindShm, &nowSegs[i], "remove-cancelled", r.Reason)
				continue
			}
			obj, err = &again, sysv.ShmRemove(again.ID)
		} else {
			var again Queue
			if !rm.checkQueue(&nowQs[i-len(segs)], &again, r) {
				r.Reason = "after its record was written: " + r.Reason
				log.addObject(KindMsg, &nowQs[i-len(segs)], "remove-cancelled", r.Reason)
				continue
			}
			obj, err = &again, sysv.MsgRemove(again.ID)
		}
		if err != nil {
			switch sysv.Classify(err) {
			case sysv.Gone:
				r.Outcome, r.Reason = AlreadyGone, "removed by someone else a moment ago"
			case sysv.Denied:
				r.Outcome, r.Reason = Failed, "permission denied: removing needs root or the owner or creator"
			default:
				r.Outcome, r.Reason = Failed, "IPC_RMID: "+err.Error()
			}
			log.addObject(r.Kind, obj, "remove-failed", r.Reason)
			continue
		}
		r.Outcome, r.Reason = Removed, "removed"
		if r.Kind == KindShm {
			r.Reason = "removed; its " + textfmt.Bytes(r.Bytes) + " are freed"
		} else if r.Messages > 0 {
			r.Reason = fmt.Sprintf("removed; %s (%s) discarded", plural(int(r.Messages), "message", "messages"), textfmt.Bytes(r.Bytes))
		}
	}
	if err := log.flush(); err != nil {
		for i := range out {
			if out[i].Outcome == Removed {
				out[i].Reason += "; its record was written first, but a follow-up record could not be: " + err.Error()
			}
		}
	}
}

// fresh reads the process table again (at most every refreshEvery unless
// forced).
func (rm *objRemover) fresh(force bool) error {
	if !force && rm.j != nil && time.Since(rm.envTime) < refreshEvery {
		return nil
	}
	procs, err := ReadProcTable(rm.opts.ProcRoot)
	if err != nil {
		return err
	}
	if link, err := os.Readlink(procPath(rm.opts.ProcRoot, "thread-self/ns/ipc")); err == nil {
		rm.ns = ParseNSLink(link)
	}
	rm.j, rm.envTime, rm.blocked = &objJudge{env: newJudgeEnv(rm.opts.Options, procs, rm.ns, rm.names)}, time.Now(), nil
	return nil
}

func (rm *objRemover) refuse(v Verdict) string {
	switch v {
	case Orphan:
		return ""
	case Stale:
		if rm.opts.AllowStale {
			return ""
		}
		return "stale, not an orphan (remove stale objects only when asked: --include-stale)"
	case Live:
		return "live: ipcscope never removes an object in use"
	}
	return "verdict " + string(v) + ": ipcscope removes only objects it could judge"
}

// checkSeg reads the segment again (IPC_STAT) and judges it into now.
func (rm *objRemover) checkSeg(was, now *Segment, r *ObjRemoval) bool {
	if why := rm.refuse(was.Verdict); why != "" {
		r.Outcome, r.Reason = Refused, "at scan time: "+why
		return false
	}
	ds, err := sysv.ShmStat(was.ID)
	if err != nil {
		return rm.statFailed(err, was.Perms, was.Owner, r)
	}
	*now = segFromDS(rm.names, was.ID, &ds)
	// rss and swap are only in /proc: keep the scan's for the record.
	now.RSS, now.Swap = was.RSS, was.Swap
	if why := sameSegment(was, now); why != "" {
		r.Outcome, r.Reason = Refused, "the segment changed since the scan ("+why+"); scan again"
		return false
	}
	rm.j.judgeSegment(now)
	r.Verdict, r.Reasons, r.Bytes = now.Verdict, now.Reasons, now.Held()
	if why := rm.refuse(now.Verdict); why != "" {
		r.Outcome, r.Reason = Refused, "now: "+why
		return false
	}
	return true
}

// checkQueue reads the queue again (IPC_STAT) and judges it into now.
func (rm *objRemover) checkQueue(was, now *Queue, r *ObjRemoval) bool {
	if why := rm.refuse(was.Verdict); why != "" {
		r.Outcome, r.Reason = Refused, "at scan time: "+why
		return false
	}
	ds, err := sysv.MsgStat(was.ID)
	if err != nil {
		return rm.statFailed(err, was.Perms, was.Owner, r)
	}
	*now = queueFromDS(rm.names, was.ID, &ds)
	if why := sameQueue(was, now); why != "" {
		r.Outcome, r.Reason = Refused, "the queue changed since the scan ("+why+"); scan again"
		return false
	}
	if rm.blocked == nil {
		rm.blocked = blockedOnQueues(rm.opts.ProcRoot, rm.j.env)
		rm.j.unsure = rm.blocked[-1]
	}
	rm.j.judgeQueue(now, rm.blocked[now.ID])
	r.Verdict, r.Reasons, r.Bytes, r.Messages = now.Verdict, now.Reasons, now.UsedBytes, now.Msgs
	if why := rm.refuse(now.Verdict); why != "" {
		r.Outcome, r.Reason = Refused, "now: "+why
		return false
	}
	if now.HasData() && !rm.opts.DiscardMessages {
		r.Outcome, r.Reason = Refused, fmt.Sprintf("%s (%s) wait in it and would be lost: remove it only with --discard-messages", plural(int(now.Msgs), "message", "messages"), textfmt.Bytes(now.UsedBytes))
		return false
	}
	return true
}

func (rm *objRemover) statFailed(err error, perms Perms, owner string, r *ObjRemoval) bool {
	switch sysv.Classify(err) {
	case sysv.Gone:
		r.Outcome, r.Reason = AlreadyGone, "it no longer exists (someone else removed it)"
	case sysv.Denied:
		r.Outcome, r.Reason = Failed, fmt.Sprintf("cannot read it again before removing it: needs root or read permission (mode %s, owner %s)", perms, owner)
	default:
		r.Outcome, r.Reason = Failed, "IPC_STAT: "+err.Error()
	}
	return false
}

// addObject queues an audit record for a segment or queue: the same
// fields as a set's record (auditRecord), with the object under "segment"
// or "queue" instead of "set".
func (l *auditLog) addObject(kind Kind, obj any, action, errText string) {
	b := l.buf
	b = append(b, `{"time":`...)
	b = appendRFC3339Nano(b, time.Now().UTC())
	b = appendStrField(b, "action", action)
	b = appendIntField(b, "uid", os.Getuid())
	b = appendStrField(b, "user", l.user)
	b = appendStrField(b, "host", l.host)
	b = append(b, `,"ipc_namespace":`...)
	b = strconv.AppendUint(b, l.ns, 10)
	if errText != "" {
		b = appendStrField(b, "error", errText)
	}
	b = appendStrField(b, "kind", string(kind))
	name := "segment"
	if kind == KindMsg {
		name = "queue"
	}
	b = append(b, `,"`+name+`":`...)
	j, err := json.Marshal(obj)
	if err != nil {
		j = []byte("null")
	}
	b = append(b, j...)
	b = append(b, '}', '\n')
	l.buf = b
}
