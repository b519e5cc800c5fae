package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"ipcscope/ipc/sysv"
)

// A helper is this same program re-executed with envHelper set: it does one
// semaphore action, says "ready" on stdout, then exits or holds.
//
//	semop ID NUM DELTA UNDO AFTER   UNDO is 0/1, AFTER is exit or hold
//	setval ID NUM VALUE AFTER
//	wait ID NUM                      blocks in semop(-1): ncount > 0
//	waitzero ID NUM                  blocks until the value is 0: zcount > 0
//	setvalrange LO HI VALUE          SETVAL on every existing set with an
//	                                 ID from LO to HI, then exits
//	hold                             does nothing, holds
//	create KEY NSEMS MODE OP AFTER   semget(KEY, NSEMS, IPC_CREAT|IPC_EXCL|MODE)
//	                                 as the helper's user (so that it is the
//	                                 creator, cuid); OP 1 adds 1 to semaphore
//	                                 0 with SEM_UNDO, 2 sets it to 1 (SETVAL);
//	                                 says "ready ID"
//	createmany COUNT NSEMS MODE      COUNT sets as above, each SETVAL 1, exits
//
// "hold" keeps the process alive until its stdin closes or it is killed.
// MODE is octal.

// RunHelperIfAsked runs the helper action and exits if this process was
// started as a helper; otherwise it returns at once. Call it first thing in
// main and TestMain (ipctest.Main does).
func RunHelperIfAsked() {
	spec := os.Getenv(envHelper)
	if spec == "" {
		return
	}
	if err := runHelper(strings.Fields(spec)); err != nil {
		fmt.Fprintln(os.Stderr, "ipcscope sandbox helper:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

func runHelper(f []string) error {
	if len(f) == 0 {
		return errors.New("empty helper action")
	}
	num := func(i int) int {
		if i >= len(f) {
			panic(fmt.Sprintf("helper %q: missing argument %d", f[0], i))
		}
		v, err := strconv.Atoi(f[i])
		if err != nil {
			panic(fmt.Sprintf("helper %q: bad number %q", f[0], f[i]))
		}
		return v
	}
	after := "exit"
	switch f[0] {
	case "semop":
		flg := int16(0)
		if num(4) == 1 {
			flg = sysv.SEM_UNDO
		}
		if err := sysv.Op(num(1), []sysv.SemBuf{{Num: uint16(num(2)), Op: int16(num(3)), Flg: flg}}); err != nil {
			return fmt.Errorf("semop: %w", err)
		}
		after = f[5]
	case "setval":
		if err := sysv.SetVal(num(1), num(2), num(3)); err != nil {
			return fmt.Errorf("setval: %w", err)
		}
		after = f[4]
	case "wait", "waitzero":
		op := int16(-1)
		if f[0] == "waitzero" {
			op = 0
		}
		fmt.Println("ready")
		// Blocks until another process changes the value or the set is
		// removed (EIDRM): both end the helper.
		_ = sysv.Op(num(1), []sysv.SemBuf{{Num: uint16(num(2)), Op: op}})
		return nil
	case "setvalrange":
		for id := num(1); id <= num(2); id++ {
			_ = sysv.SetVal(id, 0, num(3)) // gaps in the IDs: EINVAL
		}
	case "hold":
		after = "hold"
	case "create", "createmany":
		if !Isolated() {
			return errors.New("refusing to create sets outside a private IPC namespace")
		}
		mode, err := strconv.ParseUint(f[3], 8, 32)
		if err != nil {
			return fmt.Errorf("bad mode %q", f[3])
		}
		if f[0] == "createmany" {
			for i := 0; i < num(1); i++ {
				id, err := sysv.Get(0, num(2), int(sysv.IPC_CREAT|sysv.IPC_EXCL|uint32(mode&0o777)))
				if err != nil {
					return fmt.Errorf("semget #%d: %w", i, err)
				}
				if err := sysv.SetVal(id, 0, 1); err != nil {
					return fmt.Errorf("setval: %w", err)
				}
			}
			break
		}
		id, err := sysv.Get(int32(num(1)), num(2), int(sysv.IPC_CREAT|sysv.IPC_EXCL|uint32(mode&0o777)))
		if err != nil {
			return fmt.Errorf("semget: %w", err)
		}
		switch num(4) {
		case 1:
			err = sysv.Op(id, []sysv.SemBuf{{Num: 0, Op: 1, Flg: sysv.SEM_UNDO}})
		case 2:
			err = sysv.SetVal(id, 0, 1)
		}
		if err != nil {
			return fmt.Errorf("operate on %d: %w", id, err)
		}
		fmt.Println("ready", id)
		if f[5] == "hold" {
			_, _ = io.Copy(io.Discard, os.Stdin)
		}
		return nil
	default:
		if ok, err := runObjectHelper(f); ok {
			return err
		}
		return fmt.Errorf("unknown helper action %q", f[0])
	}
	fmt.Println("ready")
	if after == "hold" {
		_, _ = io.Copy(io.Discard, os.Stdin)
	}
	return nil
}

// Proc is a running (or exited, unreaped) helper process.
type Proc struct {
	PID int
	// Ready is what the helper said after "ready" (the set ID, for
	// create).
	Ready string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  bool
}

// Option changes how a helper is started.
type Option func(*exec.Cmd)

// AsUser runs the helper with the given uid and gid (needs root).
func AsUser(uid, gid uint32) Option {
	return func(c *exec.Cmd) {
		if c.SysProcAttr == nil {
			c.SysProcAttr = &syscall.SysProcAttr{}
		}
		c.SysProcAttr.Credential = &syscall.Credential{Uid: uid, Gid: gid}
	}
}

// Start runs a helper action (see the list above) and returns once it has
// done it, or, for wait/waitzero, is about to block. The executable must
// call RunHelperIfAsked first thing.
func Start(action string, opts ...Option) (*Proc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envHelper+"="+action)
	cmd.Stderr = os.Stderr
	for _, o := range opts {
		o(cmd)
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// A helper blocked in semop would outlive a parent killed with -9
	// (and keep its private namespace alive): die with the parent.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if cmd.SysProcAttr.Credential != nil {
		// Another user may not be able to reach a test binary in a
		// private build directory: run a world-readable copy.
		if cmd.Path, err = sharedCopy(exe); err != nil {
			return nil, err
		}
		cmd.Dir = filepath.Dir(cmd.Path)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start helper %q: %w", action, err)
	}
	p := &Proc{PID: cmd.Process.Pid, cmd: cmd, stdin: stdin}
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		word, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		if err == nil && word != "ready" {
			err = fmt.Errorf("unexpected %q", line)
		}
		p.Ready = rest
		ready <- err
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case err := <-ready:
		if err != nil {
			p.Kill()
			return nil, fmt.Errorf("helper %q did not get ready: %v", action, err)
		}
	case <-time.After(10 * time.Second):
		p.Kill()
		return nil, fmt.Errorf("helper %q: no ready after 10s", action)
	}
	return p, nil
}

// Release closes the helper's stdin: a holding helper then exits. It does
// not reap it (it stays a zombie until Reap).
func (p *Proc) Release() { _ = p.stdin.Close() }

// WaitExited waits until the helper has exited, without reaping it (so it
// is a zombie afterwards).
func (p *Proc) WaitExited(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		var info unix_siginfo
		if waitidNoReap(p.PID, &info) == nil && info.exited() {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("helper %d did not exit within %v", p.PID, timeout)
}

// Reap waits for the helper to exit and collects it.
func (p *Proc) Reap() error {
	if p.done {
		return nil
	}
	p.done = true
	_ = p.stdin.Close()
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) && !ee.Success() {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			return nil
		}
		return fmt.Errorf("helper %d exited with %v", p.PID, err)
	}
	return err
}

// Kill kills the helper with SIGKILL and reaps it.
func (p *Proc) Kill() {
	if p.done {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.Reap()
}

var shared struct {
	sync.Mutex
	path string
}

// sharedCopy copies exe once into a world-readable temporary directory;
// Cleanup removes it.
func sharedCopy(exe string) (string, error) {
	shared.Lock()
	defer shared.Unlock()
	if shared.path != "" {
		return shared.path, nil
	}
	dir, err := os.MkdirTemp("", "ipcscope-sandbox-exe-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, filepath.Base(exe))
	if err := os.WriteFile(p, b, 0o755); err != nil {
		return "", err
	}
	shared.path = p
	return p, nil
}

// Cleanup removes what helpers left on disk. Main calls it.
func Cleanup() {
	shared.Lock()
	defer shared.Unlock()
	if shared.path != "" {
		os.RemoveAll(filepath.Dir(shared.path))
		shared.path = ""
	}
}
