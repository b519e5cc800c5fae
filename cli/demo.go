package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"ipcscope/internal/demo"
	"ipcscope/ui"
)

// runDemo re-executes ipcscope in a private IPC namespace, fills it with
// real sets in every state and local test servers (internal/demo), runs
// the inspector on them and tears everything down on exit.
func runDemo(env *Env, cfg ui.Config, o inspectOptions) int {
	code, ran, err := demo.Isolate(cfg.User)
	if err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope --demo:", err)
		return ExitFail
	}
	if ran {
		return code
	}
	user, hostRoot := demo.Caller()
	cfg.User, cfg.Root = user, hostRoot
	w, err := demo.Start(hostRoot)
	if w != nil {
		defer w.Close()
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope --demo:", err)
		return ExitFail
	}
	cfg.Notice = w.Notice
	// The user's shell is outside the demo's namespace: the commands the
	// inspector shows reach it through this process.
	cfg.OwnVia = os.Getpid()
	if w.HasContainers() {
		cfg.Namespaces = w.Namespaces
	}
	if cfg.AuditLog == "" {
		cfg.AuditLog = filepath.Join(os.TempDir(), "ipcscope-demo-audit.jsonl")
	}
	cfg.Targets = append(cfg.Targets, w.Targets...)
	cfg.ProbeOptions.Resolve = append(cfg.ProbeOptions.Resolve, w.Resolve...)
	cfg.ProbeOptions.Roots = w.Roots
	if o.dumpDir != "" {
		var wd, h int
		if _, err := fmt.Sscanf(o.dumpSize, "%dx%d", &wd, &h); err != nil {
			fmt.Fprintln(env.Stderr, "ipcscope: --dump-size WxH:", err)
			return ExitUsage
		}
		if err := ui.DumpFrames(cfg, wd, h, o.dumpDir); err != nil {
			fmt.Fprintln(env.Stderr, "ipcscope:", err)
			return ExitFail
		}
		return ExitOK
	}
	if err := ui.Run(cfg); err != nil {
		fmt.Fprintln(env.Stderr, "ipcscope:", err)
		return ExitFail
	}
	fmt.Fprintf(env.Stdout, "demo over: its namespace, sets, helper processes and servers are gone. Removals were logged to %s\n", cfg.AuditLog)
	return ExitOK
}
