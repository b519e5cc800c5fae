package cli

import (
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestProbeCLICtrlC: SIGINT while a target hangs ends the run at once
// with exit 130; the target that had finished keeps its row.
func TestProbeCLICtrlC(t *testing.T) {
	good, ca := tlsSite(t, "fast.test", 80)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan struct{}, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			go func() { io.Copy(io.Discard, c); c.Close() }() // never answers
		}
	}()
	hang := "https://hang.test:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "@127.0.0.1"
	type res struct {
		out  string
		code int
	}
	done := make(chan res, 1)
	for _, json := range []bool{false, true} {
		args := []string{"probe", good, hang, hang, "--ca", ca, "--timeout", "30s", "--parallel", "2"}
		if json {
			args = append(args, "--json")
		}
		for len(accepted) > 0 {
			<-accepted // from the previous run
		}
		begin := time.Now()
		go func() {
			out, _, code := runCLI(args...)
			done <- res{out, code}
		}()
		<-accepted
		time.Sleep(300 * time.Millisecond) // the fast target finishes meanwhile
		syscall.Kill(syscall.Getpid(), syscall.SIGINT)
		var r res
		select {
		case r = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("probe did not stop on SIGINT")
		}
		if d := time.Since(begin); d > 5*time.Second {
			t.Errorf("took %v after SIGINT", d)
		}
		if r.code != 130 {
			t.Errorf("json=%v: exit %d, want 130\n%s", json, r.code, r.out)
		}
		if json {
			if !strings.Contains(r.out, `"interrupted": true`) || !strings.Contains(r.out, `"error_class": "cancelled"`) || !strings.Contains(r.out, "fast.test") {
				t.Errorf("JSON after SIGINT:\n%s", r.out)
			}
			continue
		}
		if !strings.Contains(r.out, "ok   fast.test:") || strings.Contains(r.out, "hang.test") ||
			!strings.Contains(r.out, "interrupted: 1 of 3 target(s) finished, 2 cancelled") {
			t.Errorf("text after SIGINT:\n%s", r.out)
		}
	}
}
