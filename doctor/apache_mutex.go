package doctor

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"ipcscope/probe"
)

// Advice is one diagnosis in the words of the configuration read: why it
// happens and what stops it for good. Fixes are alternatives, best first.
type Advice struct {
	Cause string `json:"cause"`
	// Source is file:line of the explicit setting that causes it; "" when
	// the cause is a built-in default.
	Source string      `json:"source"`
	Fix    []FixOption `json:"fix"`
}

// FixOption is one way out: the change to make and what it costs.
type FixOption struct {
	Change string `json:"change"` // a directive, command or file content
	Cost   string `json:"cost"`
}

// MutexAdvice says why this Apache's mutexes are System V semaphore sets
// (the sets that leak when Apache is killed or crashes) and what to set
// instead. It returns nil when no mutex is a SysV set.
func (s *ApacheSetup) MutexAdvice() *Advice {
	names := s.SysVMutexes()
	if len(names) == 0 {
		return nil
	}
	a := &Advice{}
	src := s.explicitSysV(names)
	which := "mutexes " + strings.Join(names, ", ")
	if len(names) == 1 && names[0] == "default" {
		which = "mutexes (Mutex default)"
	}
	if src != nil {
		a.Source = src.source
		a.Cause = fmt.Sprintf("Apache's %s are System V semaphore sets because of %q at %s; a set is removed only when Apache exits cleanly, so every kill -9, OOM kill or crash leaks one per mutex until SEMMNI is full and Apache cannot start (AH00023)", which, src.text, src.source)
	} else if s.explicitMechanism(names) {
		a.Cause = fmt.Sprintf("Apache's %s are System V semaphore sets because a Mutex directive says so (DUMP_RUN_CFG: mechanism=sysvsem; its file was not found among %s and its Includes); a set is removed only when Apache exits cleanly, so every kill -9, OOM kill or crash leaks one per mutex until SEMMNI is full and Apache cannot start (AH00023)", which, orUnknown(s.ConfFile()))
	} else {
		a.Cause = fmt.Sprintf("Apache's %s are System V semaphore sets because APR %s defaults to sysvsem (%s -V: APR_USE_SYSVSEM_SERIALIZE) and no Mutex directive says otherwise; a set is removed only when Apache exits cleanly, so every kill -9, OOM kill or crash leaks one per mutex until SEMMNI is full and Apache cannot start (AH00023)", which, orUnknown(s.APR), filepath.Base(s.Program))
	}
	where := "in the main configuration"
	if src != nil {
		where = "at " + src.source + " (replacing " + strconv.Quote(src.text) + ")"
	}
	pthread := FixOption{
		Change: "Mutex pthread default  " + where,
		Cost:   "none on APR >= 1.7 (robust process-shared mutexes in shared memory: nothing for the kernel to leak, and a holder that dies cannot block the rest); on older APR a child that dies holding it can hang the others",
	}
	if aprAtLeast(s.APR, 1, 7) {
		pthread.Cost = "none here (APR " + s.APR + " >= 1.7: robust process-shared mutexes in shared memory; nothing for the kernel to leak, and a holder that dies cannot block the rest)"
	}
	// Debian's envvars define APACHE_LOCK_DIR; elsewhere the directory
	// DUMP_RUN_CFG gives the default mutex (DefaultRuntimeDir).
	lockDir := "${APACHE_LOCK_DIR}"
	if !strings.Contains(s.Program, "apache2") {
		lockDir = strings.TrimSuffix(s.MutexDefault.Dir, "/")
		if lockDir == "" {
			lockDir = "/run/httpd"
		}
	}
	file := FixOption{
		Change: "Mutex file:" + lockDir + " default  " + where,
		Cost:   "a lock file per mutex in that directory (local disk, not NFS; it must exist and be writable by root at start); fcntl locks are released by the kernel when a process dies, and stale files are harmless; a little slower than pthread under heavy accept contention",
	}
	if aprAtLeast(s.APR, 1, 7) || s.APR == "" {
		a.Fix = []FixOption{pthread, file}
	} else {
		a.Fix = []FixOption{file, pthread}
	}
	return a
}

func orUnknown(s string) string {
	if s == "" {
		return "(version unknown)"
	}
	return s
}

// aprAtLeast reports whether version v ("1.7.2") is at least maj.min.
func aprAtLeast(v string, maj, min int) bool {
	f := strings.SplitN(v, ".", 3)
	if len(f) < 2 {
		return false
	}
	a, err1 := strconv.Atoi(f[0])
	b, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return a > maj || a == maj && b >= min
}

// explicitMechanism reports whether DUMP_RUN_CFG showed sysvsem itself
// (a Mutex directive) for one of names, not APR's default.
func (s *ApacheSetup) explicitMechanism(names []string) bool {
	for _, n := range names {
		m := s.MutexDefault
		for _, x := range s.Mutexes {
			if x.Name == n {
				m = x
			}
		}
		if m.Mechanism == "sysvsem" {
			return true
		}
	}
	return false
}

type directive struct {
	source string // file:line
	text   string // the directive as written
	args   []string
	// inVhost: inside a <VirtualHost> block (of this file, or of the file
	// whose Include brought it in).
	inVhost bool
}

// explicitSysV finds the Mutex directive that made one of names sysvsem:
// the last "Mutex sysvsem|sem …" naming it (no name is "default"), from
// the configuration file and everything it includes.
func (s *ApacheSetup) explicitSysV(names []string) *directive {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var found *directive
	for _, d := range s.Directives("Mutex") {
		if len(d.args) == 0 {
			continue
		}
		mech := strings.ToLower(d.args[0])
		if mech != "sysvsem" && mech != "sem" {
			continue
		}
		targets := d.args[1:]
		if len(targets) == 0 {
			targets = []string{"default"}
		}
		for _, t := range targets {
			if want[t] {
				dd := d
				found = &dd
			}
		}
	}
	return found
}

// ConfFile is the main configuration file: Conf, or the usual one under
// ServerRoot.
func (s *ApacheSetup) ConfFile() string {
	if s.Conf != "" {
		if filepath.IsAbs(s.Conf) || s.ServerRoot == "" {
			return s.Conf
		}
		return filepath.Join(s.ServerRoot, s.Conf)
	}
	for _, f := range []string{"apache2.conf", "httpd.conf", "conf/httpd.conf"} {
		p := filepath.Join(s.ServerRoot, f)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// Directives returns every directive named name (case-insensitive) in the
// configuration and the files it Includes, in the order Apache reads
// them. Conditional sections (<IfModule> …) are not evaluated.
func (s *ApacheSetup) Directives(name string) []directive {
	var out []directive
	seen := map[string]bool{}
	var walk func(file string, depth int, inVhost bool)
	walk = func(file string, depth int, inVhost bool) {
		if depth > 16 || seen[file] {
			return
		}
		seen[file] = true
		f, err := os.Open(file)
		if err != nil {
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		n := 0
		for sc.Scan() {
			n++
			line := strings.TrimSpace(sc.Text())
			if line == "" || line[0] == '#' {
				continue
			}
			fields := strings.Fields(line)
			key := strings.ToLower(fields[0])
			switch {
			case strings.HasPrefix(key, "<virtualhost"):
				inVhost = true
			case key == "</virtualhost>":
				inVhost = false
			}
			if key == "include" || key == "includeoptional" {
				for _, pat := range fields[1:] {
					pat = strings.Trim(pat, `"`)
					if !filepath.IsAbs(pat) {
						pat = filepath.Join(s.ServerRoot, pat)
					}
					matches, _ := filepath.Glob(pat)
					if fi, err := os.Stat(pat); err == nil && fi.IsDir() {
						matches, _ = filepath.Glob(filepath.Join(pat, "*"))
					}
					for _, m := range matches {
						walk(m, depth+1, inVhost)
					}
				}
				continue
			}
			if strings.EqualFold(fields[0], name) {
				args := make([]string, 0, len(fields)-1)
				for _, a := range fields[1:] {
					args = append(args, strings.Trim(a, `"`))
				}
				out = append(out, directive{source: probe.Clean(file) + ":" + strconv.Itoa(n), text: probe.Clean(line), args: args, inVhost: inVhost})
			}
		}
	}
	if f := s.ConfFile(); f != "" {
		walk(f, 0, false)
	}
	return out
}
