package ipc

import (
	"strings"
	"testing"
)

func TestParseSysvShmFull(t *testing.T) {
	in := `       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap
-559038737      32769  1600                    56  1201  1305      3    33    33     0     0 1796156200 1796156100 1796156000                  4096                     0
         0          7   600                  4096     0     0      0     0     0     0     0          0          0 1796156199
garbage line here
         5          x   600                  4096     0     0      0     0     0     0     0          0          0 1796156199                     0                     0
`
	segs, warn := parseSysvShmFull([]byte(in), loadNames("/nonexistent", "/nonexistent"))
	if len(segs) != 2 || len(warn) != 2 {
		t.Fatalf("segs %d, warnings %q", len(segs), warn)
	}
	s := segs[0]
	if s.Key != 0xdeadbeef || s.ID != 32769 || s.Perms != 0o600 || s.mode != 0o1600 || s.Size != 56 || s.CPID != 1201 || s.LPID != 1305 || s.NAttch != 3 || s.UID != 33 || s.Owner != "33" {
		t.Fatalf("segment %+v", s)
	}
	if s.RSS == nil || *s.RSS != 4096 || *s.Swap != 0 || s.Attach.Unix() != 1796156200 || s.Detach.Unix() != 1796156100 || s.CTime.Unix() != 1796156000 {
		t.Fatalf("memory or times %+v", s)
	}
	// An older kernel's line without rss and swap: unknown, not 0.
	if segs[1].RSS != nil || segs[1].Swap != nil || !segs[1].Attach.IsZero() {
		t.Fatalf("segment without rss: %+v", segs[1])
	}
	if !strings.Contains(warn[0], "line 4") || !strings.Contains(warn[1], "field 2 is not a number") {
		t.Fatalf("warnings %q", warn)
	}
}

func TestParseSysvMsg(t *testing.T) {
	in := `       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime
     4660          3   666         300          3   901     0  1000  1000  1000  1000 1796156201          0 1796156199
  4294967296      1   600 0 0 0 0 0 0 0 0 0 0 1
`
	qs, warn := parseSysvMsg([]byte(in), loadNames("/nonexistent", "/nonexistent"))
	if len(qs) != 1 || len(warn) != 1 || !strings.Contains(warn[0], "out of range") {
		t.Fatalf("queues %+v, warnings %q", qs, warn)
	}
	q := qs[0]
	if q.Key != 0x1234 || q.ID != 3 || q.Perms != 0o666 || q.UsedBytes != 300 || q.Msgs != 3 || q.LSPID != 901 || q.LRPID != 0 || !q.Recv.IsZero() || q.Send.Unix() != 1796156201 || !q.HasData() {
		t.Fatalf("queue %+v", q)
	}
}

func TestDiagnoseObjects(t *testing.T) {
	l := ObjLimits{SHMMAX: 1 << 20, SHMMIN: 1, SHMALL: 100, SHMMNI: 10, MSGMNI: 10, MSGMAX: 8192, MSGMNB: 16384, PageSize: 4096}
	u := ObjUsage{Segments: 4, ShmPages: 96, Largest: 1 << 20, Queues: 9, FullestID: 7, FullestPct: 100,
		ShmByVerdict: map[Verdict]int{Orphan: 2}, ShmBytesByVerdict: map[Verdict]uint64{Orphan: 3 << 20}, MsgByVerdict: map[Verdict]int{Orphan: 1}}
	got := map[string]Finding{}
	for _, f := range DiagnoseObjects(l, u, "") {
		got[f.Resource] = f
	}
	for res, want := range map[string]string{
		"SHMALL":      "shmget() whose pages do not fit fails with ENOSPC",
		"SHMMAX":      "fails with EINVAL",
		"MSGMNI":      "msgget(IPC_CREAT) fails with ENOSPC",
		"MSGMNB":      "queue 7 is 100% full",
		"shm-orphans": "2 segments orphaned hold 3 MiB",
	} {
		if f, ok := got[res]; !ok || !strings.Contains(f.Message, want) {
			t.Errorf("%s: %+v, want %q", res, f, want)
		}
	}
	if got["SHMALL"].Severity != SevCrit || got["MSGMNI"].Severity != SevWarn {
		t.Errorf("severities: SHMALL %s, MSGMNI %s", got["SHMALL"].Severity, got["MSGMNI"].Severity)
	}
	if _, ok := got["SHMMNI"]; ok {
		t.Error("SHMMNI at 40% reported")
	}
}
