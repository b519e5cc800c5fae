package doctor

import (
	"bufio"
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"ipcscope/probe"
)

var (
	// `Mutex default: dir="/var/run/apache2/" mechanism=default `
	reMutex = regexp.MustCompile(`^Mutex (\S+): dir="([^"]*)" mechanism=(\S+)\s*$`)
	// `Mutex watchdog-callback: using_defaults`
	reMutexDefaults = regexp.MustCompile(`^Mutex (\S+): using_defaults\s*$`)
	// `User: name="www-data" id=33`
	reAccount = regexp.MustCompile(`^(User|Group): name="([^"]*)" id=(-?\d+)`)
	// `PidFile: "/var/run/apache2/apache2.pid"`, `ServerRoot: "/etc/apache2"`
	reQuoted = regexp.MustCompile(`^(PidFile|ServerRoot): "([^"]*)"`)
	// ` -D APR_USE_PROC_PTHREAD_SERIALIZE`
	reSerialize = regexp.MustCompile(`^-D APR_USE_(PROC_PTHREAD|SYSVSEM|FCNTL|FLOCK|POSIXSEM)_SERIALIZE$`)
	// `Server loaded:  APR 1.7.2, APR-UTIL 1.6.3, ...`
	reAPR = regexp.MustCompile(`^Server loaded:\s+APR (\S+?),`)
	// ` http2_module (shared)`
	reModule = regexp.MustCompile(`^(\w+) \((static|shared)\)$`)
)

// errNoRunCfg: the output had none of DUMP_RUN_CFG's lines.
var errNoRunCfg = errors.New("no ServerRoot, Mutex, User or PidFile line in the output")

func scanLines(b []byte, fn func(line string)) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		fn(strings.TrimSpace(sc.Text()))
	}
}

// ParseRunCfg parses the output of `apache2ctl -t -D DUMP_RUN_CFG`.
func ParseRunCfg(b []byte) (*ApacheSetup, error) {
	s := &ApacheSetup{}
	return s, s.parseRunCfg(b)
}

func (s *ApacheSetup) parseRunCfg(b []byte) error {
	seen := false
	scanLines(b, func(line string) {
		if m := reMutex.FindStringSubmatch(line); m != nil {
			seen = true
			mu := Mutex{Name: m[1], Dir: probe.Clean(m[2]), Mechanism: m[3]}
			if mu.Name == "default" {
				s.MutexDefault = mu
			} else {
				s.Mutexes = append(s.Mutexes, mu)
			}
		} else if m := reMutexDefaults.FindStringSubmatch(line); m != nil {
			seen = true
			s.Mutexes = append(s.Mutexes, Mutex{Name: m[1], UsesDefault: true})
		} else if m := reAccount.FindStringSubmatch(line); m != nil {
			seen = true
			id, _ := strconv.Atoi(m[3])
			a := Account{Name: probe.Clean(m[2]), ID: id}
			if m[1] == "User" {
				s.User = a
			} else {
				s.Group = a
			}
		} else if m := reQuoted.FindStringSubmatch(line); m != nil {
			seen = true
			if m[1] == "PidFile" {
				s.PidFile = probe.Clean(m[2])
			} else {
				s.ServerRoot = probe.Clean(m[2])
			}
		}
	})
	if !seen {
		return errNoRunCfg
	}
	return nil
}

// ParseV fills Version, MPM, APR and APRProcMutex from `apache2ctl -V`.
func ParseV(b []byte) *ApacheSetup {
	s := &ApacheSetup{}
	s.parseV(b)
	return s
}

func (s *ApacheSetup) parseV(b []byte) {
	scanLines(b, func(line string) {
		switch {
		case strings.HasPrefix(line, "Server version:"):
			s.Version = probe.Clean(strings.TrimSpace(strings.TrimPrefix(line, "Server version:")))
		case strings.HasPrefix(line, "Server MPM:"):
			s.MPM = probe.Clean(strings.TrimSpace(strings.TrimPrefix(line, "Server MPM:")))
		}
		if m := reAPR.FindStringSubmatch(line); m != nil {
			s.APR = probe.Clean(m[1])
		}
		if m := reSerialize.FindStringSubmatch(line); m != nil && s.APRProcMutex == "" {
			s.APRProcMutex = map[string]string{"PROC_PTHREAD": "pthread", "SYSVSEM": "sysvsem", "FCNTL": "fcntl", "FLOCK": "flock", "POSIXSEM": "posixsem"}[m[1]]
		}
	})
}

// ParseModules returns the module names of `apache2ctl -M`.
func ParseModules(b []byte) []string {
	var out []string
	scanLines(b, func(line string) {
		if m := reModule.FindStringSubmatch(line); m != nil {
			out = append(out, m[1])
		}
	})
	return out
}
