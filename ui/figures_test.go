package ui

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/sys/unix"

	"ipcscope/ipc"
	"ipcscope/ipc/ipctest"
	"ipcscope/ipc/sysv"
)

// The figures on real sets, in the private namespace. Slow, so
// only with IPCSCOPE_FIGURES=1:
//
//	IPCSCOPE_FIGURES=1 go test ./ui -run Figures -v
func needFigures(t *testing.T) {
	if os.Getenv("IPCSCOPE_FIGURES") == "" {
		t.Skip("set IPCSCOPE_FIGURES=1 to measure the figures")
	}
}

func makeSets(t *testing.T, n int) {
	t.Helper()
	var ids []int
	for i := 0; i < n; i++ {
		id, err := ipctest.CreateSet(0, 1, 0o600)
		if err != nil {
			t.Fatalf("set %d: %v", i, err)
		}
		ids = append(ids, id)
	}
	t.Cleanup(func() {
		for _, id := range ids {
			_ = sysv.Remove(id)
		}
	})
}

func rssKiB() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// Time to the first frame with the table and the gauge, scan included,
// and the memory the inspector holds, with 32,000 real sets.
func TestFigures32000(t *testing.T) {
	needFigures(t)
	makeSets(t, 31990)
	limitMemory() // as Run does
	runtime.GC()
	debug.FreeOSMemory()
	base := rssKiB()
	start := time.Now()
	m := New(Config{Interval: time.Hour, AuditLog: "/dev/null", User: "root", Root: true})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(m.scanCmd()())
	out := m.View().Content
	first := time.Since(start)
	if !strings.Contains(out, "SEMMNI") || !strings.Contains(out, "32,000") {
		t.Fatalf("first frame lacks the gauge:\n%s", out)
	}
	t.Logf("first frame with %d sets (scan %v): %v", len(m.snap.Sets), m.snap.Duration, first)
	// Steady state: a few refreshes, then what stays resident.
	for range 3 {
		m.Update(m.scanCmd()())
		_ = m.View()
	}
	runtime.GC()
	t.Logf("RSS: %d KiB before the model, %d KiB with it after 4 scans (test binary included); Go heap in use %d KiB",
		base, rssKiB(), heapKiB())
	runtime.KeepAlive(m)
}

func heapKiB() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse / 1024
}

// openPTY opens a pseudo-terminal pair without cgo or extra modules.
func openPTY(t *testing.T, cols, rows int) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no /dev/ptmx:", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatal(e)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	return m, s
}

type countingReader struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *countingReader) len() int { c.mu.Lock(); defer c.mu.Unlock(); return c.buf.Len() }
func (c *countingReader) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.buf.Bytes()...)
}

// Idle cost on a real pty: 1,000 sets, nothing changes; bytes written per
// refresh and CPU used.
func TestFiguresIdle(t *testing.T) {
	needFigures(t)
	n := 1000
	if s := os.Getenv("IPCSCOPE_FIGURES_SETS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	makeSets(t, n)
	master, slave := openPTY(t, 120, 40)
	defer master.Close()
	var out countingReader
	go func() {
		b := make([]byte, 32<<10)
		for {
			n, err := master.Read(b)
			out.mu.Lock()
			out.buf.Write(b[:n])
			out.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	interval := 2 * time.Second
	if s := os.Getenv("IPCSCOPE_FIGURES_INTERVAL"); s != "" {
		interval, _ = time.ParseDuration(s)
	}
	m := New(Config{Interval: interval, AuditLog: "/dev/null", User: "root", Root: true})
	opts := append(programOptions(), tea.WithInput(slave), tea.WithOutput(slave), tea.WithEnvironment([]string{"TERM=xterm-256color"}))
	p := tea.NewProgram(m, opts...)
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	deadline := time.Now().Add(10 * time.Second)
	for !bytes.Contains(out.bytes(), []byte("STALE")) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(interval + interval/2)
	first := out.len()
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	window := 10 * interval
	time.Sleep(window)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	idle := out.len() - first
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
	refreshes := int(window / interval)
	t.Logf("%d sets, scan %v; first frame: %d bytes; idle over %v (%d refreshes of unchanged sets): %d bytes, %.0f bytes per refresh; CPU %v = %.2f%% of one core",
		n, m.snap.Duration, first, window, refreshes, idle, float64(idle)/float64(refreshes), cpu, 100*cpu.Seconds()/window.Seconds())
	if idle/refreshes >= 512 {
		t.Errorf("%d bytes per unchanged refresh", idle/refreshes)
	}
	p.Quit()
	<-done
	slave.Close()
	_ = fmt.Sprint
	_ = ipc.Live
}
