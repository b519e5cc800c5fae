package ipc

import (
	"encoding/json"
	"testing"
	"time"
)

// What encoding/json writes from the struct tags, without the methods.
type segmentTags Segment
type queueTags Queue

func TestObjectJSONMatchesReflection(t *testing.T) {
	cmd := "post\"gres\x01"
	rss, swap := uint64(8192), uint64(0)
	ids := objectIDs{Key: 0xdeadbeef, ID: 32769, Owner: "www-data", Perms: 0o640, CUID: 0, CUser: "root", CGID: 4, CGroup: "adm",
		UID: 33, User: "www-data", GID: 33, Group: "www-data", CTime: Unix(1796156199)}
	segs := []Segment{
		{objectIDs: ids, Size: 56, NAttch: 3, Status: []string{"dest", "locked"}, Attach: Time{time.Unix(1796156200, 0)}, Command: &cmd, CPID: 12, LPID: 13,
			RSS: &rss, Swap: &swap, MarkedForRemoval: true, Processes: []ObjectPID{{Role: "creator", PID: 12, State: OpRunning, Comm: "postgres", User: "postgres"}, {Role: "last-user", PID: 13, State: OpDead}},
			Verdict: Live, Rule: RuleMarkedForRemoval, Reasons: []string{"a «reason» with \\ and \t"}},
		{Status: []string{}},
	}
	for _, s := range segs {
		want, err := json.Marshal(segmentTags(s))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("segment:\n got %s\nwant %s", got, want)
		}
	}
	qb := uint64(16384)
	qs := []Queue{
		{objectIDs: ids, UsedBytes: 300, Msgs: 3, Send: Unix(5), LSPID: 9, QBytes: &qb, Processes: []ObjectPID{{Role: "blocked-receiver", PID: 10, State: OpRunning, Comm: "worker"}},
			Verdict: Orphan, Rule: RuleNoHolders, Reasons: []string{"x"}},
		{},
	}
	for _, q := range qs {
		want, err := json.Marshal(queueTags(q))
		if err != nil {
			t.Fatal(err)
		}
		if got := q.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("queue:\n got %s\nwant %s", got, want)
		}
	}
}
