package ui

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"ipcscope/ipc"
)

// The set filter (/): words that must all match, each plain text, a field
// (owner:www-data, verdict:orphan, pid:2647, cmd:python3, key:0x0052, id:3)
// or either negated with ! (!live). Plain text matches what the row
// shows: semid, key, owner, perms, the operators cell (PIDs, "dead",
// program names) and the verdict; a verdict's name alone matches only
// the verdict.

// filterFields are the field names the filter knows, in help order.
var filterFields = []string{"owner", "verdict", "pid", "cmd", "key", "id"}

type filterTerm struct {
	field string // "" for plain text
	value string // lower case
	bval  []byte // value, for matching formatted numbers without allocating
	not   bool
	// What the value can be part of: a decimal number, a hex key, octal
	// perms (a word like "python3" is none: no number is formatted for it).
	digits, hexish, octal bool
}

func classify(t *filterTerm) {
	t.digits, t.hexish, t.octal = true, true, true
	for _, c := range t.value {
		t.digits = t.digits && c >= '0' && c <= '9'
		t.octal = t.octal && c >= '0' && c <= '7'
		t.hexish = t.hexish && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == 'x')
	}
}

type setFilter []filterTerm

// parseFilter reads the filter text; an unknown field is an error that
// names the known ones.
func parseFilter(text string) (setFilter, error) {
	var f setFilter
	for _, w := range strings.Fields(strings.ToLower(text)) {
		var t filterTerm
		if strings.HasPrefix(w, "!") {
			t.not, w = true, w[1:]
		}
		if name, val, ok := strings.Cut(w, ":"); ok && name != "" && !strings.HasPrefix(name, "0x") {
			known := false
			for _, k := range filterFields {
				known = known || k == name
			}
			if !known {
				return nil, fmt.Errorf("no field %q: use %s: or plain text", name, strings.Join(filterFields, ":, "))
			}
			t.field, w = name, val
		}
		if w == "" {
			continue
		}
		t.value, t.bval = w, []byte(w)
		classify(&t)
		f = append(f, t)
	}
	return f, nil
}

func (f setFilter) match(s *ipc.Set) bool {
	for _, t := range f {
		if t.match(s) == t.not {
			return false
		}
	}
	return true
}

func isVerdict(w string) bool {
	for _, v := range ipc.Verdicts {
		if string(v) == w {
			return true
		}
	}
	return false
}

// match tells whether the set matches the term. It runs on every set at
// every scan while a filter is on (32,000 of them): numbers are formatted
// into a stack buffer, never into new strings.
func (t filterTerm) match(s *ipc.Set) bool {
	v := t.value
	var buf [24]byte
	hasInt := func(n int64) bool { return t.digits && bytes.Contains(strconv.AppendInt(buf[:0], n, 10), t.bval) }
	switch t.field {
	case "owner":
		return strings.Contains(lower(s.Owner), v)
	case "verdict":
		return strings.HasPrefix(string(s.Verdict), v)
	case "pid":
		for _, op := range s.Operators {
			if bytes.Equal(strconv.AppendInt(buf[:0], int64(op.PID), 10), t.bval) {
				return true
			}
		}
		return false
	case "cmd":
		for _, op := range s.Operators {
			if strings.Contains(lower(op.Comm), v) {
				return true
			}
		}
		return false
	case "key":
		return bytes.Contains(appendKey(buf[:0], s.Key), t.bval)
	case "id":
		return bytes.Equal(strconv.AppendInt(buf[:0], int64(s.ID), 10), t.bval)
	}
	if isVerdict(v) {
		return string(s.Verdict) == v
	}
	if strings.Contains(lower(s.Owner), v) || strings.Contains(string(s.Verdict), v) ||
		hasInt(int64(s.ID)) || t.hexish && bytes.Contains(appendKey(buf[:0], s.Key), t.bval) ||
		t.octal && bytes.Contains(appendPerms(buf[:0], s.Perms), t.bval) {
		return true
	}
	// The operators cell: "2647 dead, 3105 apache2, waiting: 2".
	for _, op := range s.Operators {
		if hasInt(int64(op.PID)) || strings.Contains(string(op.State), v) || strings.Contains(lower(op.Comm), v) {
			return true
		}
	}
	none, waiting := strings.Contains("none", v), strings.Contains("waiting:", v)
	if !none && !waiting && !t.digits {
		return false // no need to count the waiters
	}
	w := s.Waiters()
	if len(s.Operators) == 0 && w == 0 && none {
		return true
	}
	return w > 0 && (waiting || hasInt(int64(w)))
}

// lower is strings.ToLower without a copy for text that is lower case
// already (user and program names mostly are).
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// appendKey is ipc.Key.String ("0x0052e2c1") into b.
func appendKey(b []byte, k ipc.Key) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '0', 'x')
	for sh := 28; sh >= 0; sh -= 4 {
		b = append(b, hex[(uint32(k)>>sh)&0xf])
	}
	return b
}

// appendPerms is ipc.Perms.String ("0600") into b.
func appendPerms(b []byte, p ipc.Perms) []byte {
	v := uint32(p) & 0o777
	return append(b, '0', byte('0'+v>>6&7), byte('0'+v>>3&7), byte('0'+v&7))
}
