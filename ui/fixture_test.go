package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ipcscope/ipc"
	"ipcscope/probe"
)

// Everything a golden file shows is pinned here: time, host, namespace,
// user, PIDs.
var fixedNow = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func fixtureSet(id int, v ipc.Verdict, owner string, ops ...ipc.Operator) ipc.Set {
	s := ipc.Set{
		ID: id, Key: 0, Owner: owner, User: owner, Group: owner, CUser: "root", CGroup: "root",
		UID: 33, GID: 33, Perms: 0o600, NSems: 1,
		CTime:   ipc.Time{Time: fixedNow.Add(-time.Duration(id%7+1) * time.Hour)},
		OTime:   ipc.Time{Time: fixedNow.Add(-time.Duration(id%5+1) * 10 * time.Minute)},
		Verdict: v, Operators: ops,
	}
	pid := 0
	if len(ops) > 0 {
		pid = ops[0].PID
	}
	s.Sems = []ipc.Semaphore{{Num: 0, Value: 1, PID: pid}}
	switch v {
	case ipc.Orphan:
		s.Reasons = []string{fmt.Sprintf("no last operator is alive: PID %d has exited", pid), "nobody is waiting on it", "no process of " + owner + " runs in this IPC namespace"}
	case ipc.Stale:
		s.Reasons = []string{"no last operator is alive", "but its owner " + owner + " still runs processes (PID 4100 bash)"}
	case ipc.Live:
		s.Reasons = []string{fmt.Sprintf("PID %d (apache2) is running and did the last operation", pid)}
	case ipc.Unknown:
		s.Reasons = []string{"permission denied reading the semaphores (mode 0600, owner " + owner + ")"}
		s.Sems = nil
	}
	return s
}

// fixtureSnapshot is a server after Apache was killed -9 a few times:
// orphans of www-data, a stale set, live sets, one unreadable set.
func fixtureSnapshot(orphans int) *ipc.Snapshot {
	snap := &ipc.Snapshot{
		Taken: fixedNow, Host: "web1", Kernel: "6.1.0-18-amd64", IPCNS: 4026531839, Source: "/proc/sysvipc/sem",
		Limits: ipc.Limits{SEMMSL: 250, SEMMNS: 32000, SEMOPM: 32, SEMMNI: 40, SEMVMX: 32767, SHMMNI: 4096, SHMALL: 1 << 40, MSGMNI: 32000},
	}
	id := 32768
	live := fixtureSet(id, ipc.Live, "www-data", ipc.Operator{PID: 3105, State: ipc.OpRunning, Comm: "apache2", User: "www-data", Sems: []int{0}})
	live.Key = 0x0052e2c1
	snap.Sets = append(snap.Sets, live)
	for i := 0; i < orphans; i++ {
		id += 32769
		snap.Sets = append(snap.Sets, fixtureSet(id, ipc.Orphan, "www-data", ipc.Operator{PID: 2600 + i, State: ipc.OpDead, Sems: []int{0}}))
	}
	id += 32769
	snap.Sets = append(snap.Sets, fixtureSet(id, ipc.Stale, "deploy", ipc.Operator{PID: 2590, State: ipc.OpDead, Sems: []int{0}}))
	id += 32769
	w := fixtureSet(id, ipc.Live, "www-data", ipc.Operator{PID: 3110, State: ipc.OpRunning, Comm: "apache2", User: "www-data", Sems: []int{0}})
	w.Sems[0].NCount = 2
	snap.Sets = append(snap.Sets, w)
	id += 32769
	snap.Sets = append(snap.Sets, fixtureSet(id, ipc.Unknown, "postgres"))
	for i := range snap.Sets {
		snap.Usage.Semaphores += int64(snap.Sets[i].NSems)
		switch snap.Sets[i].Verdict {
		case ipc.Live:
			snap.Usage.Live++
		case ipc.Orphan:
			snap.Usage.Orphans++
		case ipc.Stale:
			snap.Usage.Stale++
		case ipc.Unknown:
			snap.Usage.Unknown++
		}
	}
	snap.Usage.Sets = len(snap.Sets)
	snap.Diagnosis = ipc.Diagnose(snap.Limits, snap.Usage)
	return snap
}

var fixtureTargets = []string{"https://site-a.example:443", "https://site-b.example:443", "http://app.example:80"}

func fixtureResults() []probe.Result {
	var out []probe.Result
	verdicts := []string{"SNI ok · default cert same · h2 · HSTS", "SNI ok · default cert differs (site-a.example) · no-SNI Host gets 421", "h2c upgrade · h2c prior knowledge"}
	for i, s := range fixtureTargets {
		t, _ := probe.ParseTarget(s)
		r := probe.Result{Target: t, Name: t.Host, Addr: "192.0.2.10:" + fmt.Sprint(t.Port), Verdict: verdicts[i], OK: true, Duration: 42 * time.Millisecond}
		if i == 1 {
			r.Warnings = []string{"clients without SNI get site-a.example's certificate"}
		}
		out = append(out, r)
	}
	return out
}

type removedLog struct{ got []ipc.Set }

// fixtureConfig is a Config on fixture data; removals are recorded, not
// done.
func fixtureConfig(snap *ipc.Snapshot, rl *removedLog) Config {
	var targets []probe.Target
	for _, s := range fixtureTargets {
		t, _ := probe.ParseTarget(s)
		targets = append(targets, t)
	}
	return Config{
		Interval: 2 * time.Second, AuditLog: "/var/log/ipcscope/audit.jsonl", User: "root", Root: true,
		Scan:    func(NS) (*ipc.Snapshot, error) { return snap, nil },
		Targets: targets,
		Probe:   func(ctx context.Context, t probe.Target) probe.Result { <-ctx.Done(); return probe.Result{Target: t} },
		Remove: func(_ NS, allowStale bool, sets []ipc.Set) []ipc.Removal {
			var out []ipc.Removal
			for _, s := range sets {
				if rl != nil {
					rl.got = append(rl.got, s)
				}
				out = append(out, ipc.Removal{ID: s.ID, Key: s.Key, Owner: s.Owner, Verdict: s.Verdict, Outcome: ipc.Removed, Reason: "removed"})
			}
			return out
		},
		Namespaces: func() ([]ipc.Namespace, []string, error) { return nil, nil, nil },
		SelfNS:     4026531839,
		Now:        func() time.Time { return fixedNow },
	}
}

// loaded is a model that has its size, one scan and every probe result.
func loaded(t testing.TB, cfg Config, w, h int) *Model {
	t.Helper()
	m := New(cfg)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	snap, err := m.cfg.Scan(m.ns)
	m.Update(snapshotMsg{snap: snap, err: err})
	res := fixtureResults()
	for i := range m.probes.rows {
		if i < len(res) {
			m.probes.start(i, m.cfg.Probe, time.Second)
			m.Update(probeDoneMsg{idx: i, gen: m.probes.rows[i].gen, result: res[i]})
		}
	}
	return m
}

func press(m *Model, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = m.Update(keyMsg(k))
	}
	return cmd
}

func plain(m *Model) string {
	return ansi.Strip(m.View().Content)
}

// checkFrame asserts the frame is exactly w x h cells.
func checkFrame(t *testing.T, s string, w, h int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		t.Errorf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d cells wide (max %d): %q", i, lw, w, l)
		}
	}
}
