// Package doctor reads a web server's setup without starting it and says,
// in the words of that setup, why a problem happens and how to stop it:
// Apache's System V mutexes (the sets that leak), the kernel.sem line
// that lifts a full limit, and why a host offers no h2. It returns plain
// data and knows nothing of the UI.
package doctor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"ipcscope/probe"
)

// ApacheSetup is what Apache's control program says about a
// configuration: `-t -D DUMP_RUN_CFG`, `-V` and `-M`. Nothing is started.
type ApacheSetup struct {
	Program string `json:"program"` // the control program run, e.g. "apache2ctl"
	Conf    string `json:"conf"`    // the -f FILE given, "" for the default
	// From -t -D DUMP_RUN_CFG.
	ServerRoot   string  `json:"server_root"`
	MutexDefault Mutex   `json:"mutex_default"`
	Mutexes      []Mutex `json:"mutexes"` // named mutexes, in the order printed
	PidFile      string  `json:"pid_file"`
	User         Account `json:"user"`
	Group        Account `json:"group"`
	// From -V.
	Version string `json:"version"` // "Apache/2.4.71 (Debian)"
	MPM     string `json:"mpm"`     // "event", "prefork", "worker"
	APR     string `json:"apr"`     // "1.7.2", the loaded APR
	// APRProcMutex is APR's default process mutex, from the
	// -D APR_USE_*_SERIALIZE line: "pthread", "sysvsem", "fcntl", "flock",
	// "posixsem"; "" when -V did not say.
	APRProcMutex string `json:"apr_proc_mutex"`
	// From -M.
	Modules []string `json:"modules"` // "http2_module", "ssl_module", ...
}

// Mutex is one Mutex line of DUMP_RUN_CFG.
type Mutex struct {
	Name string `json:"name"` // "default", "mpm-accept", "rewrite-map", ...
	// Mechanism as Apache resolved the directive: "default" (APR's
	// default), "sysvsem", "posixsem", "pthread", "fcntl" (file:),
	// "flock"; "" when the mutex uses the default mutex's settings.
	Mechanism string `json:"mechanism"`
	Dir       string `json:"dir"`
	// UsesDefault: "using_defaults", the mutex follows "Mutex … default".
	UsesDefault bool `json:"uses_default"`
}

// Account is Apache's User or Group.
type Account struct {
	Name string `json:"name"`
	ID   int    `json:"id"`
}

// ApachePrograms are the control programs tried in order: Debian's
// apache2ctl (it reads /etc/apache2/envvars), then RHEL's httpd (its
// apachectl does not pass -D on), then the binaries.
var ApachePrograms = []string{"apache2ctl", "httpd", "apachectl", "apache2"}

// ErrNoApache is returned when no Apache control program is installed.
var ErrNoApache = errors.New("no Apache control program found (apache2ctl, httpd, apachectl, apache2)")

// ReadApache runs the first installed program of ApachePrograms three
// times, side by side with conf as -f when not "", and parses what
// it prints. A configuration that does not parse is an error carrying
// Apache's own last line.
func ReadApache(ctx context.Context, conf string) (*ApacheSetup, error) {
	var path string
	for _, p := range ApachePrograms {
		if lp, err := exec.LookPath(p); err == nil {
			path = lp
			break
		}
	}
	if path == "" {
		return nil, ErrNoApache
	}
	run := func(args ...string) ([]byte, error) {
		if conf != "" {
			args = append([]string{"-f", conf}, args...)
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		var out, errb bytes.Buffer
		c := exec.CommandContext(ctx, path, args...)
		c.Stdout, c.Stderr = &out, &errb
		if err := c.Run(); err != nil {
			msg := lastLine(errb.String())
			if msg == "" {
				msg = lastLine(out.String())
			}
			return nil, fmt.Errorf("%s %s: %v: %s", path, strings.Join(args, " "), err, probe.Clean(msg))
		}
		return out.Bytes(), nil
	}
	s := &ApacheSetup{Program: path, Conf: conf}
	// The three run side by side (~35 ms instead of ~100 ms in a row).
	type out struct {
		b   []byte
		err error
	}
	var res [3]out
	var wg sync.WaitGroup
	for i, args := range [][]string{{"-t", "-D", "DUMP_RUN_CFG"}, {"-V"}, {"-M"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i].b, res[i].err = run(args...)
		}()
	}
	wg.Wait()
	for _, r := range res {
		if r.err != nil {
			return nil, r.err
		}
	}
	if err := s.parseRunCfg(res[0].b); err != nil {
		return nil, fmt.Errorf("%s -t -D DUMP_RUN_CFG: %w", path, err)
	}
	s.parseV(res[1].b)
	s.Modules = ParseModules(res[2].b)
	return s, nil
}

// ProcMutex is the mechanism mutex m really uses: the default mutex's for
// "using_defaults", APR's default for "default".
func (s *ApacheSetup) ProcMutex(m Mutex) string {
	if m.UsesDefault || m.Mechanism == "" {
		m = s.MutexDefault
	}
	if m.Mechanism == "default" || m.Mechanism == "yes" || m.Mechanism == "" {
		return s.APRProcMutex
	}
	return m.Mechanism
}

// SysVMutexes names the mutexes that are System V semaphore sets
// ("default" first when it is one).
func (s *ApacheSetup) SysVMutexes() []string {
	var out []string
	if s.ProcMutex(s.MutexDefault) == "sysvsem" {
		out = append(out, "default")
	}
	for _, m := range s.Mutexes {
		if !m.UsesDefault && s.ProcMutex(m) == "sysvsem" {
			out = append(out, m.Name)
		}
	}
	return out
}

// HasModule reports whether -M listed name (e.g. "http2_module").
func (s *ApacheSetup) HasModule(name string) bool {
	for _, m := range s.Modules {
		if m == name {
			return true
		}
	}
	return false
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
