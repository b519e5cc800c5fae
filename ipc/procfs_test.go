package ipc

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSysvSem(t *testing.T) {
	rows, warn, err := parseSysvSem(strings.NewReader(string(fixture(t, "sysvipc_sem.txt"))))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4: %+v", len(rows), rows)
	}
	if len(warn) != 2 || !strings.Contains(warn[0], "line 6") || !strings.Contains(warn[1], "want 10 fields") {
		t.Errorf("warnings %q", warn)
	}
	r := rows[0]
	if r.ID != 2 || r.Mode != 0o600 || r.UID != 33 || r.CUID != 0 || r.OTime != 1795640000 || r.NSems != 1 {
		t.Errorf("row 0 %+v", r)
	}
	if rows[2].Key.String() != "0xdeadbeef" || rows[2].Mode != 0o666 {
		t.Errorf("negative key row %+v (key %s)", rows[2], rows[2].Key)
	}
	if rows[3].NSems != 17 || rows[3].Key.String() != "0x0052e2c1" {
		t.Errorf("postgres row %+v", rows[3])
	}
}

func FuzzParseSysvSem(f *testing.F) {
	if b, err := os.ReadFile("testdata/sysvipc_sem.txt"); err == nil {
		f.Add(string(b))
	}
	f.Add("0 1 2 3 4 5 6 7 8 9\n")
	f.Fuzz(func(t *testing.T, s string) {
		rows, _, _ := parseSysvSem(strings.NewReader(s))
		for _, r := range rows {
			if r.NSems < 0 || r.ID < 0 {
				t.Fatalf("negative count %+v", r)
			}
		}
	})
}

func TestParseKernelSem(t *testing.T) {
	msl, mns, opm, mni, err := parseKernelSem(fixture(t, "kernel_sem.txt"))
	if err != nil || msl != 250 || mns != 32000 || opm != 32 || mni != 128 {
		t.Fatalf("%d %d %d %d %v", msl, mns, opm, mni, err)
	}
	for _, bad := range []string{"", "1 2 3", "1 2 x 4", "1 2 3 -4"} {
		if _, _, _, _, err := parseKernelSem([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestParseSysvShm(t *testing.T) {
	segs, pages, warn, err := parseSysvShm(strings.NewReader(string(fixture(t, "sysvipc_shm.txt"))), 4096)
	if err != nil || segs != 2 || pages != 1+3 || len(warn) != 0 {
		t.Fatalf("segs %d pages %d warn %q err %v", segs, pages, warn, err)
	}
}

func TestParseStat(t *testing.T) {
	btime := time.Unix(1795600000, 0)
	p, err := parseStat(fixture(t, "proc_stat_weird_comm.txt"), btime)
	if err != nil {
		t.Fatal(err)
	}
	if p.PID != 4242 || p.Comm != "my (odd) proc" || p.State != 'S' || p.PPID != 1 {
		t.Errorf("%+v", p)
	}
	if want := btime.Add(123450 * time.Millisecond); !p.Start.Equal(want) {
		t.Errorf("start %v, want %v", p.Start, want)
	}
	for _, bad := range []string{"", "12 (x", "x (y) S 1", "1 (y) S 1 2 3"} {
		if _, err := parseStat([]byte(bad), btime); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestParseStatusUIDs(t *testing.T) {
	u, err := parseStatusUIDs(fixture(t, "proc_status.txt"))
	if err != nil || u != [4]int{33, 33, 33, 33} {
		t.Fatalf("%v %v", u, err)
	}
	if _, err := parseStatusUIDs([]byte("Name:\tx\n")); err == nil {
		t.Error("no Uid line parsed")
	}
}

func TestParseNSLink(t *testing.T) {
	if ParseNSLink("ipc:[4026531839]") != 4026531839 || ParseNSLink("garbage") != 0 || ParseNSLink("ipc:[x]") != 0 {
		t.Fatal("parseNSLink")
	}
}

func TestReadIDFile(t *testing.T) {
	p := t.TempDir() + "/passwd"
	os.WriteFile(p, []byte("root:x:0:0::/root:/bin/sh\n#c\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\nbad\n+nis\n"), 0o644)
	m := readIDFile(p)
	if m[0] != "root" || m[33] != "www-data" || len(m) != 2 {
		t.Fatalf("%v", m)
	}
	n := &names{users: m}
	if n.user(33) != "www-data" || n.user(99) != "99" {
		t.Fatal("names")
	}
}

// /proc/sys/kernel/sem that does not parse: the limits come from
// semctl(IPC_INFO), with a warning, never zeros.
func TestGarbageKernelSemFallsBackToIPCInfo(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(root+"/sys/kernel", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root+"/sys/kernel/sem", []byte("250 x\x1b[2J 32\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, warn := readLimits(root)
	if l.SEMMNI <= 0 || l.SEMMSL <= 0 || l.SEMMNS <= 0 {
		t.Fatalf("limits %+v after garbage", l)
	}
	if len(warn) != 1 || !strings.Contains(warn[0], "IPC_INFO") || strings.ContainsRune(warn[0], 0x1b) {
		t.Fatalf("warnings %q", warn)
	}
}

func TestStatusHasCap(t *testing.T) {
	for _, c := range []struct {
		line string
		want bool
	}{{"CapPrm:\t0000000000008000", true}, {"CapPrm:\t000001ffffffffff", true}, {"CapPrm:\t0000000000000000", false}, {"CapPrm:\tzz", false}, {"CapEff:\t0000000000008000", false}} {
		if got := statusHasCap([]byte("Name:\tx\n"+c.line+"\n"), capIPCOwner); got != c.want {
			t.Errorf("%q: %v, want %v", c.line, got, c.want)
		}
	}
}

func TestBlockedSemop(t *testing.T) {
	for _, c := range []struct {
		line string
		id   int
		ok   bool
	}{
		{fmt.Sprintf("%d 0x8001 0x7ffd1000 0x1 0x0 0x0 0x0 0x7ffd 0x7f00", unix.SYS_SEMOP), 0x8001, true},
		{fmt.Sprintf("%d 0x3 0x7ffd1000 0x1 0x0 0x0 0x0 0x7ffd 0x7f00", unix.SYS_SEMTIMEDOP), 3, true},
		{"0 0x3 0x7f3790b19000 0x20000", 0, false},
		{"running", 0, false},
		{"", 0, false},
	} {
		id, ok := blockedSemop([]byte(c.line))
		if id != c.id || ok != c.ok {
			t.Errorf("%q: %d %v, want %d %v", c.line, id, ok, c.id, c.ok)
		}
	}
}

func TestBlockedInQueueCall(t *testing.T) {
	compat := compatQueueCalls[runtime.GOARCH]
	cases := []struct {
		line string
		id   int
		role string
		ok   bool
	}{
		{fmt.Sprintf("%d 0x2a 0x7ffd 0x100 0x0", unix.SYS_MSGRCV), 42, "blocked-receiver", true},
		{fmt.Sprintf("%d 0x2a 0x7ffd 0x100 0x0", unix.SYS_MSGSND), 42, "blocked-sender", true},
		{"0 0x3 0x7f00 0x20000", 0, "", false},
		{"running", 0, "", false},
	}
	if compat.rcv > 0 {
		cases = append(cases, struct {
			line string
			id   int
			role string
			ok   bool
		}{fmt.Sprintf("%d 0x7 0xffd0 0x10 0x0", compat.rcv), 7, "blocked-receiver", true})
	}
	if compat.ipc > 0 {
		cases = append(cases, struct {
			line string
			id   int
			role string
			ok   bool
		}{fmt.Sprintf("%d 0xc 0x9 0x10 0x0", compat.ipc), 9, "blocked-receiver", true})
	}
	for _, c := range cases {
		id, role, ok := blockedInQueueCall([]byte(c.line))
		if id != c.id || role != c.role || ok != c.ok {
			t.Errorf("%q: %d %q %v, want %d %q %v", c.line, id, role, ok, c.id, c.role, c.ok)
		}
	}
}
