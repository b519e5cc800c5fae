package ipc

import (
	"encoding/json"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"
)

// MarshalJSON encodes a Set by hand: encoding/json's reflection made
// `ipcscope list --json` of 32,000 sets ten times slower than the scan.
// TestSetJSONMatchesReflection pins it to what encoding/json would write
// from the struct tags.
func (s Set) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil), nil }

// AppendJSON appends the set's JSON object (compact, one line) to b.
func (s *Set) AppendJSON(b []byte) []byte {
	b = append(b, `{"key":"`...)
	b = appendHex8(b, uint32(s.Key))
	b = append(b, `","id":`...)
	b = strconv.AppendInt(b, int64(s.ID), 10)
	b = appendNameField(b, "owner", s.Owner, s.unmapped&unmappedUID != 0)
	b = append(b, `,"perms":"`...)
	p := uint32(s.Perms) & 0o777
	b = append(b, '0', byte('0'+p>>6), byte('0'+(p>>3)&7), byte('0'+p&7))
	b = append(b, '"')
	b = appendIntField(b, "cuid", s.CUID)
	b = appendNameField(b, "cuser", s.CUser, s.unmapped&unmappedCUID != 0)
	b = appendIntField(b, "cgid", s.CGID)
	b = appendNameField(b, "cgroup", s.CGroup, s.unmapped&unmappedCGID != 0)
	b = appendIntField(b, "uid", s.UID)
	b = appendNameField(b, "user", s.User, s.unmapped&unmappedUID != 0)
	b = appendIntField(b, "gid", s.GID)
	b = appendNameField(b, "group", s.Group, s.unmapped&unmappedGID != 0)
	b = append(b, `,"ctime":`...)
	b = appendTime(b, s.CTime)
	b = appendIntField(b, "nsems", s.NSems)
	b = append(b, `,"otime":`...)
	b = appendTime(b, s.OTime)
	b = append(b, `,"semaphores":`...)
	if s.Sems == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, m := range s.Sems {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"semnum":`...)
			b = strconv.AppendInt(b, int64(m.Num), 10)
			b = appendIntField(b, "value", m.Value)
			b = appendIntField(b, "pid", m.PID)
			b = appendIntField(b, "ncount", m.NCount)
			b = appendIntField(b, "zcount", m.ZCount)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"operators":`...)
	if s.Operators == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, op := range s.Operators {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"pid":`...)
			b = strconv.AppendInt(b, int64(op.PID), 10)
			b = appendStrField(b, "state", string(op.State))
			if op.Comm != "" {
				b = appendStrField(b, "command", op.Comm)
			}
			if op.User != "" {
				b = appendStrField(b, "user", op.User)
			}
			b = append(b, `,"semnums":`...)
			if op.Sems == nil {
				b = append(b, "null"...)
			} else {
				b = append(b, '[')
				for j, n := range op.Sems {
					if j > 0 {
						b = append(b, ',')
					}
					b = strconv.AppendInt(b, int64(n), 10)
				}
				b = append(b, ']')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(s.Waiting) > 0 {
		b = append(b, `,"waiting":[`...)
		for i, w := range s.Waiting {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"pid":`...)
			b = strconv.AppendInt(b, int64(w.PID), 10)
			b = appendStrField(b, "command", w.Comm)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendStrField(b, "verdict", string(s.Verdict))
	b = appendStrField(b, "rule", string(s.Rule))
	b = append(b, `,"reasons":`...)
	if s.Reasons == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, r := range s.Reasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, r)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

func appendHex8(b []byte, v uint32) []byte {
	b = append(b, '0', 'x')
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(v>>uint(shift))&0xf])
	}
	return b
}

func appendIntField(b []byte, name string, v int) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, int64(v), 10)
}

// appendNameField writes a user or group name, or null for an ID that is
// not mapped into our user namespace.
func appendNameField(b []byte, name, v string, unmapped bool) []byte {
	if unmapped {
		b = append(b, ',', '"')
		b = append(b, name...)
		return append(b, `":null`...)
	}
	return appendStrField(b, name, v)
}

func appendStrField(b []byte, name, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

func appendTime(b []byte, t Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

// appendString appends s as a JSON string. Plain printable ASCII (nearly
// every name and reason) is copied; anything else goes through
// encoding/json so that escaping is exactly the standard library's.
func appendString(b []byte, s string) []byte {
	if len(s) >= sharedMin && knownPlain(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	// Eight bytes at a time (a 32,000-set list writes 7 MB of strings):
	// stop at the first word holding a byte that needs care.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		v := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if wordNeedsEscape(v) {
			break
		}
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	if len(s) >= sharedMin {
		rememberPlain(s)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Thousands of sets share their long reasons (one string, made once per
// scan: "Apache's mutex: …", "no Apache runs …"). A small table of
// strings already found plain lets the encoder copy them without looking
// at their bytes again. An entry holds the string itself, so its memory
// cannot be reused for another while it is there; a slot is keyed by the
// string's address and length.
const (
	sharedMin   = 64
	sharedSlots = 256
)

var plainStrings [sharedSlots]atomic.Pointer[string]

func plainSlot(s string) *atomic.Pointer[string] {
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return &plainStrings[(p>>4^uintptr(len(s)))%sharedSlots]
}

func knownPlain(s string) bool {
	e := plainSlot(s).Load()
	return e != nil && len(*e) == len(s) && unsafe.StringData(*e) == unsafe.StringData(s)
}

func rememberPlain(s string) {
	if knownPlain(s) {
		return
	}
	plainSlot(s).Store(&s)
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hasZeroByte reports whether any byte of v is 0 (exact, no false
// positives: Hacker's Delight 6-1).
func hasZeroByte(v uint64) bool { return (v-ones)&^v&highs != 0 }

// wordNeedsEscape reports whether any of the eight bytes in v is a
// control byte, non-ASCII, or one of " \\ < > & (what encoding/json
// escapes).
func wordNeedsEscape(v uint64) bool {
	if v&highs != 0 {
		return true // non-ASCII
	}
	// With every byte below 0x80: a byte below 0x20 borrows.
	if (v-0x20*ones)&^v&highs != 0 {
		return true
	}
	return hasZeroByte(v^('"'*ones)) || hasZeroByte(v^('\\'*ones)) ||
		hasZeroByte(v^('<'*ones)) || hasZeroByte(v^('>'*ones)) || hasZeroByte(v^('&'*ones))
}

// MarshalJSON encodes a Removal by hand, as encoding/json would from its
// tags (TestRemovalJSONMatchesReflection): a clean of 32,000 sets prints
// 32,000 of them.
func (r Removal) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil), nil }

// AppendJSON appends the removal's JSON object (compact, one line) to b.
func (r *Removal) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(r.ID), 10)
	b = append(b, `,"key":"`...)
	b = appendHex8(b, uint32(r.Key))
	b = append(b, '"')
	b = appendStrField(b, "owner", r.Owner)
	b = appendStrField(b, "verdict", string(r.Verdict))
	b = appendStrField(b, "outcome", string(r.Outcome))
	b = appendStrField(b, "reason", r.Reason)
	if len(r.Reasons) > 0 {
		b = append(b, `,"reasons":[`...)
		for i, why := range r.Reasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, why)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}
