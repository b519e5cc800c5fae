package cli

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"time"

	"ipcscope/ipc"
	"ipcscope/probe"
	"ipcscope/ui"
)

func init() { Root = runInspector }

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (f *multiFlag) String() string     { return fmt.Sprint(*f) }
func (f *multiFlag) Set(s string) error { *f = append(*f, s); return nil }

// inspectOptions are the flags of the inspector.
type inspectOptions struct {
	interval   time.Duration
	readOnly   bool
	demo       bool
	auditLog   string
	hostsFile  string
	resolve    multiFlag
	timeout    time.Duration
	apacheConf string // --apache-conf: Apache's configuration for the why line
	dumpDir    string // hidden: write the demo's frames (for screenshots)
	dumpSize   string
	targets    []string
}

// runInspector is ipcscope without a command: the live inspector.
func runInspector(env *Env, args []string) int {
	fs := newFlags(env, "", "[--interval 2s] [--read-only] [--ns PID] [--demo] [--audit-log FILE] [--apache-conf FILE] [--hosts-file F] [--resolve name:port:addr] [TARGET...]")
	var o inspectOptions
	ns := nsFlag(fs)
	fs.DurationVar(&o.interval, "interval", 2*time.Second, "time between scans")
	fs.BoolVar(&o.readOnly, "read-only", false, "no selection and no removal: every destructive key is off")
	fs.BoolVar(&o.demo, "demo", false, "a harmless demonstration in a private IPC namespace, with local test servers")
	fs.StringVar(&o.auditLog, "audit-log", "", "file every removal is appended to (default "+ipc.DefaultAuditLog()+")")
	fs.StringVar(&o.hostsFile, "hosts-file", "", "probe the targets listed in this file (one per line, # comments)")
	fs.Var(&o.resolve, "resolve", "connect to addr when probing name:port, like curl --resolve name:port:addr (repeatable)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "deadline of every network step of a probe")
	fs.StringVar(&o.apacheConf, "apache-conf", "", "read Apache's configuration `FILE` (passed as -f to apache2ctl/httpd) to say why its sets leak")
	fs.StringVar(&o.dumpDir, "dump-frames", "", "")
	fs.StringVar(&o.dumpSize, "dump-size", "100x30", "")
	rest, code, done := parseFlags(env, fs, args)
	if done {
		return code
	}
	o.targets = rest
	if *ns < 0 {
		fmt.Fprintln(env.Stderr, "ipcscope: --ns wants the PID of a process in the namespace")
		return ExitUsage
	}
	if *ns != 0 && o.demo {
		fmt.Fprintln(env.Stderr, "ipcscope: --ns and --demo do not go together (the demo makes its own namespaces)")
		return ExitUsage
	}
	if *ns != 0 {
		// Fail now, not in the status line, when the process is gone.
		if _, err := os.Readlink("/proc/" + strconv.Itoa(*ns) + "/ns/ipc"); err != nil {
			fmt.Fprintf(env.Stderr, "ipcscope: --ns %d: %v\n", *ns, err)
			return ExitFail
		}
	}
	if o.interval < 100*time.Millisecond {
		fmt.Fprintln(env.Stderr, "ipcscope: --interval must be at least 100ms")
		return ExitUsage
	}
	if o.dumpDir == "" && !isTerminal(env.Stdout) {
		fmt.Fprintln(env.Stdout, "ipcscope: the inspector needs a terminal (stdout is not one).")
		fmt.Fprintln(env.Stdout, "For scripts and pipes use:")
		fmt.Fprintln(env.Stdout, "  ipcscope list      semaphore sets with their verdicts (--json)")
		fmt.Fprintln(env.Stdout, "  ipcscope limits    IPC limits and what is near full (--json)")
		fmt.Fprintln(env.Stdout, "  ipcscope probe     check what each HTTPS host serves (--json)")
		return ExitOK
	}
	cfg := ui.Config{Interval: o.interval, ReadOnly: o.readOnly, AuditLog: o.auditLog, NS: ui.NS{PID: *ns}}
	cfg.ProbeOptions.Timeout = o.timeout
	for _, r := range o.resolve {
		rr, err := probe.ParseResolve(r)
		if err != nil {
			fmt.Fprintln(env.Stderr, "ipcscope: --resolve:", err)
			return ExitUsage
		}
		cfg.ProbeOptions.Resolve = append(cfg.ProbeOptions.Resolve, rr)
	}
	targets, ok := inspectTargets(env, o.hostsFile, o.targets, cfg.ProbeOptions.Resolve)
	if !ok {
		return ExitUsage
	}
	cfg.Targets = targets
	cfg.User, cfg.Root = whoAmI()
	if o.demo {
		return runDemo(env, cfg, o)
	}
	if len(cfg.Targets) == 0 {
		cfg.Targets, cfg.Notice = discoverLocal(context.Background(), cfg.Root)
		for i := range cfg.Targets {
			cfg.Targets[i] = probe.ApplyResolve(cfg.Targets[i], cfg.ProbeOptions.Resolve)
		}
	}
	if *ns == 0 || o.apacheConf != "" {
		cfg.Why, cfg.WhySet, cfg.WhyNoH2 = apacheWhy(o.apacheConf)
	}
	if err := ui.Run(cfg); err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope:", err)
		return ExitFail
	}
	return ExitOK
}

// inspectTargets reads --hosts-file and the positional targets, as
// 'ipcscope probe' does, and applies --resolve.
func inspectTargets(env *Env, hostsFile string, args []string, rs []probe.Resolve) ([]probe.Target, bool) {
	var out []probe.Target
	ok := true
	if hostsFile != "" {
		f, err := os.Open(hostsFile)
		if err != nil {
			fmt.Fprintln(env.Stderr, "ipcscope:", err)
			return nil, false
		}
		ts, errs := probe.ParseTargetsFile(f, hostsFile)
		f.Close()
		for _, e := range errs {
			fmt.Fprintln(env.Stderr, "ipcscope:", e)
			ok = false
		}
		out = append(out, ts...)
	}
	for _, a := range args {
		t, err := probe.ParseTarget(a)
		if err != nil {
			fmt.Fprintf(env.Stderr, "ipcscope: target %q: %v\n", a, err)
			ok = false
			continue
		}
		out = append(out, t)
	}
	for i := range out {
		out[i] = probe.ApplyResolve(out[i], rs)
	}
	return out, ok
}

// whoAmI names the user for the header and says whether it is root.
func whoAmI() (string, bool) {
	uid := os.Geteuid()
	name := strconv.Itoa(uid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	return name, uid == 0
}
