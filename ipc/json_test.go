package ipc

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// setNoMethods has Set's fields and tags but not its MarshalJSON: what
// encoding/json writes by reflection.
type setNoMethods Set

func TestSetJSONMatchesReflection(t *testing.T) {
	now := time.Now()
	sets := []Set{
		{},
		{Key: 0xdeadbeef, ID: 32768, Owner: "www-data", Perms: 0o600, CUID: 0, CUser: "root", UID: 33, User: "www-data", Group: "www-data", CGroup: "root",
			CTime: Unix(now.Unix()), NSems: 2, Sems: []Semaphore{{Num: 0, Value: 1, PID: 12}, {Num: 1, Value: 0, NCount: 2, ZCount: 1}},
			Operators: []Operator{{PID: 12, State: OpDead, Sems: []int{0}}, {PID: 13, State: OpRunning, Comm: "apache2", User: "www-data", Sems: []int{1, 2}}},
			Waiting:   []Waiter{{PID: 14, Comm: "apache2"}, {PID: 15, Comm: "<odd>"}},
			Verdict:   Live, Rule: RuleWaiters, Reasons: []string{"a \"quoted\" <reason> & more", "ünïcode\t\n", "plain"}},
		{Sems: []Semaphore{}, Operators: []Operator{}, Reasons: []string{}, OTime: Unix(1), Owner: "odd\\name\x01"},
	}
	for i, s := range sets {
		got, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(setNoMethods(s))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("set %d:\n got %s\nwant %s", i, got, want)
		}
		var back Set
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("set %d does not read back: %v", i, err)
		}
	}
}

func BenchmarkSetJSON(b *testing.B) {
	s := Set{Key: 0, ID: 2, Owner: "www-data", Perms: 0o600, CUser: "root", User: "www-data", Group: "www-data", CGroup: "root",
		CTime: Unix(1795640000), NSems: 1, Sems: []Semaphore{{PID: 2647, Value: 1}},
		Operators: []Operator{{PID: 2647, State: OpDead, Sems: []int{0}}},
		Verdict:   Orphan, Reasons: []string{"no last operator is alive: PID 2647 has exited", "nobody is waiting on it", "no process of www-data runs in this IPC namespace"}}
	b.Run("AppendJSON", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			buf = s.AppendJSON(buf[:0])
		}
	})
	b.Run("reflection", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(setNoMethods(s))
		}
	})
}

// The word-at-a-time check agrees with the byte-at-a-time one on every
// byte value in every position.
func TestWordNeedsEscape(t *testing.T) {
	slow := func(c byte) bool {
		return c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&'
	}
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			w := []byte("abcdefgh")
			w[pos] = byte(c)
			var v uint64
			for i := 7; i >= 0; i-- {
				v = v<<8 | uint64(w[i])
			}
			if got := wordNeedsEscape(v); got != slow(byte(c)) {
				t.Fatalf("byte %#x at %d: %v, want %v", c, pos, got, slow(byte(c)))
			}
		}
	}
	for _, s := range []string{"plain text that is long enough", "x\x1by", "quote\" here and more text", "tail is \xe2\x80\xa8", "<b>", "0123456789abcdef&"} {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

type removalNoMethods Removal

func TestRemovalJSONMatchesReflection(t *testing.T) {
	for _, r := range []Removal{
		{ID: 32769, Key: 0xdeadbeef, Owner: "www-data", Verdict: Orphan, Outcome: Removed, Reason: "removed", Reasons: []string{"no last operator is alive: PID 1 has exited", "<&> \x1b \u2028"}},
		{ID: 1, Outcome: Failed, Reason: "audit log: disk full; nothing removed"},
	} {
		want, _ := json.Marshal(removalNoMethods(r))
		got, err := json.Marshal(r)
		if err != nil || string(got) != string(want) {
			t.Errorf("got  %s (%v)\nwant %s", got, err, want)
		}
	}
}

func TestAuditRecordJSON(t *testing.T) {
	s := Set{ID: 7, Owner: "www-data", Verdict: Orphan, Rule: RuleApacheGone, Reasons: []string{"a \"quoted\" reason"}, Sems: []Semaphore{{PID: 9}}}
	now := time.Date(2026, 12, 1, 19, 0, 0, 123456789, time.UTC)
	for _, errText := range []string{"", "semctl IPC_RMID: permission denied"} {
		l := &auditLog{user: "root", host: "web1", ns: 4026531839}
		l.addAt(now, &s, "remove", errText)
		want, _ := json.Marshal(auditRecord{Time: now, Action: "remove", UID: os.Getuid(), User: "root", Host: "web1", IPCNS: 4026531839, Error: errText, Set: &s})
		if string(l.buf) != string(want)+"\n" {
			t.Errorf("got  %s\nwant %s", l.buf, want)
		}
	}
}

// Long strings found plain are remembered by address; a different string
// (another address, or the same length with a quote) is still escaped.
func TestPlainStringCache(t *testing.T) {
	plain := strings.Repeat("a plain and rather long reason, shared by many sets ", 2)
	for i := 0; i < 3; i++ {
		want, _ := json.Marshal(plain)
		if got := appendString(nil, plain); string(got) != string(want) {
			t.Fatalf("run %d: %s", i, got)
		}
	}
	evil := []byte(plain)
	evil[10] = '"'
	want, _ := json.Marshal(string(evil))
	if got := appendString(nil, string(evil)); string(got) != string(want) {
		t.Fatalf("escaping skipped: %s", got)
	}
}
