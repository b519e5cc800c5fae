package ui

import (
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
	not   bool
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
		t.value = w
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

func (t filterTerm) match(s *ipc.Set) bool {
	v := t.value
	switch t.field {
	case "owner":
		return strings.Contains(strings.ToLower(s.Owner), v)
	case "verdict":
		return strings.HasPrefix(string(s.Verdict), v)
	case "pid":
		for _, op := range s.Operators {
			if strconv.Itoa(op.PID) == v {
				return true
			}
		}
		return false
	case "cmd":
		for _, op := range s.Operators {
			if strings.Contains(strings.ToLower(op.Comm), v) {
				return true
			}
		}
		return false
	case "key":
		return strings.Contains(s.Key.String(), v)
	case "id":
		return strconv.Itoa(s.ID) == v
	}
	if isVerdict(v) {
		return string(s.Verdict) == v
	}
	if strings.Contains(strings.ToLower(s.Owner), v) || strings.Contains(s.Key.String(), v) ||
		strings.Contains(strconv.Itoa(s.ID), v) || strings.Contains(s.Perms.String(), v) ||
		strings.Contains(string(s.Verdict), v) {
		return true
	}
	// The operators cell: "2647 dead, 3105 apache2, waiting: 2".
	for _, op := range s.Operators {
		if strings.Contains(strconv.Itoa(op.PID), v) || strings.Contains(string(op.State), v) || strings.Contains(strings.ToLower(op.Comm), v) {
			return true
		}
	}
	if len(s.Operators) == 0 && s.Waiters() == 0 && strings.Contains("none", v) {
		return true
	}
	return s.Waiters() > 0 && strings.Contains("waiting", v)
}
