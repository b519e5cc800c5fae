package ipc

import "strconv"

// Segments and queues encode by hand, as sets do (json.go): reflection
// took half of `list --all --json` with 32,000 of each.
// TestObjectJSONMatchesReflection pins both to what encoding/json writes
// from the struct tags.

func (o *objectIDs) appendJSON(b []byte) []byte {
	b = append(b, `{"key":"`...)
	b = appendHex8(b, uint32(o.Key))
	b = append(b, `","id":`...)
	b = strconv.AppendInt(b, int64(o.ID), 10)
	b = appendStrField(b, "owner", o.Owner)
	b = append(b, `,"perms":"`...)
	p := uint32(o.Perms) & 0o777
	b = append(b, '0', byte('0'+p>>6), byte('0'+(p>>3)&7), byte('0'+p&7), '"')
	b = appendIntField(b, "cuid", o.CUID)
	b = appendStrField(b, "cuser", o.CUser)
	b = appendIntField(b, "cgid", o.CGID)
	b = appendStrField(b, "cgroup", o.CGroup)
	b = appendIntField(b, "uid", o.UID)
	b = appendStrField(b, "user", o.User)
	b = appendIntField(b, "gid", o.GID)
	b = appendStrField(b, "group", o.Group)
	b = append(b, `,"ctime":`...)
	return appendTime(b, o.CTime)
}

func appendUintField(b []byte, name string, v uint64) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendUint(b, v, 10)
}

func appendUintPtrField(b []byte, name string, v *uint64) []byte {
	if v == nil {
		b = append(b, ',', '"')
		b = append(b, name...)
		return append(b, `":null`...)
	}
	return appendUintField(b, name, *v)
}

func appendTimeField(b []byte, name string, t Time) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendTime(b, t)
}

func appendStrings(b []byte, name string, ss []string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func appendPIDs(b []byte, ps []ObjectPID) []byte {
	b = append(b, `,"processes":`...)
	if ps == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"role":`...)
		b = appendString(b, p.Role)
		b = appendIntField(b, "pid", p.PID)
		b = appendStrField(b, "state", string(p.State))
		if p.Comm != "" {
			b = appendStrField(b, "command", p.Comm)
		}
		if p.User != "" {
			b = appendStrField(b, "user", p.User)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendVerdict(b []byte, v Verdict, r Rule, reasons []string) []byte {
	b = appendStrField(b, "verdict", string(v))
	b = appendStrField(b, "rule", string(r))
	b = appendStrings(b, "reasons", reasons)
	return append(b, '}')
}

// MarshalJSON encodes the segment by hand (AppendJSON).
func (s Segment) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil), nil }

// AppendJSON appends the segment's JSON object (compact, one line) to b.
func (s *Segment) AppendJSON(b []byte) []byte {
	b = s.objectIDs.appendJSON(b)
	b = appendUintField(b, "size", s.Size)
	b = appendIntField(b, "nattch", s.NAttch)
	b = appendStrings(b, "status", s.Status)
	b = appendTimeField(b, "attach", s.Attach)
	b = appendTimeField(b, "detach", s.Detach)
	if s.Command == nil {
		b = append(b, `,"command":null`...)
	} else {
		b = appendStrField(b, "command", *s.Command)
	}
	b = appendIntField(b, "cpid", s.CPID)
	b = appendIntField(b, "lpid", s.LPID)
	b = appendUintPtrField(b, "rss", s.RSS)
	b = appendUintPtrField(b, "swap", s.Swap)
	b = append(b, `,"marked_for_removal":`...)
	b = strconv.AppendBool(b, s.MarkedForRemoval)
	b = appendPIDs(b, s.Processes)
	return appendVerdict(b, s.Verdict, s.Rule, s.Reasons)
}

// MarshalJSON encodes the queue by hand (AppendJSON).
func (q Queue) MarshalJSON() ([]byte, error) { return q.AppendJSON(nil), nil }

// AppendJSON appends the queue's JSON object (compact, one line) to b.
func (q *Queue) AppendJSON(b []byte) []byte {
	b = q.objectIDs.appendJSON(b)
	b = appendUintField(b, "usedbytes", q.UsedBytes)
	b = appendUintField(b, "msgs", q.Msgs)
	b = appendTimeField(b, "send", q.Send)
	b = appendTimeField(b, "recv", q.Recv)
	b = appendIntField(b, "lspid", q.LSPID)
	b = appendIntField(b, "lrpid", q.LRPID)
	b = appendUintPtrField(b, "qbytes", q.QBytes)
	b = appendPIDs(b, q.Processes)
	return appendVerdict(b, q.Verdict, q.Rule, q.Reasons)
}
