package cli

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestProbeCLIStreams: with more than 20 targets, rows are printed as
// targets finish, not after the slowest one.
func TestProbeCLIStreams(t *testing.T) {
	good, ca := tlsSite(t, "fast.test", 80)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	args := []string{"probe", "--ca", ca, "--timeout", "2s", "https://hang.test:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "@127.0.0.1"}
	for range 21 {
		args = append(args, good)
	}
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- Main(args, strings.NewReader(""), &out, &errOut) }()
	deadline := time.Now().Add(1500 * time.Millisecond)
	for strings.Count(out.String(), "ok   fast.test:") < 21 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := out.String(); strings.Count(got, "ok   fast.test:") != 21 || strings.Contains(got, "hang.test") || strings.Contains(got, "target(s)") {
		t.Errorf("before the slow target finished:\n%s", got)
	}
	if code := <-done; code != ExitFail || !strings.Contains(out.String(), "FAIL hang.test:") || !strings.Contains(out.String(), "22 target(s), 21 ok, 0 with warnings, 1 failed") {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
}
