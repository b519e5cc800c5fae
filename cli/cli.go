// Package cli implements ipcscope's subcommands. Each command parses its own
// flags, calls ipc or probe for plain data, and prints a table or JSON.
// Exit codes: 0 success, 1 something asked for failed, 2 usage error.
package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Build information, set with -ldflags "-X ipcscope/cli.Version=...".
// Left unset, buildInfo falls back to what the Go toolchain recorded.
var (
	Version = "dev"
	Commit  = "unknown"
	Date    = "unknown"
)

// buildInfo returns Version, Commit and Date, filling those the linker
// did not set from runtime/debug.ReadBuildInfo: the module version (for
// go install pkg@version) and vcs.revision / vcs.time (for a build in a
// git checkout without -buildvcs=false).
func buildInfo() (version, commit, date string) {
	version, commit, date = Version, Commit, Date
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version = bi.Main.Version
	}
	dirty := false
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && commit == "unknown":
			commit = s.Value
		case s.Key == "vcs.time" && date == "unknown":
			date = s.Value
		case s.Key == "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && Commit == "unknown" && commit != "unknown" {
		commit += "-dirty"
	}
	return
}

// Env is what a command may touch besides its arguments.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// flagSets, when set, is told of every FlagSet a command makes (the man
	// page reads the flags from there).
	flagSets func(fs *flag.FlagSet, synopsis string)
}

// Exit codes shared by every command.
const (
	ExitOK    = 0
	ExitFail  = 1
	ExitUsage = 2
)

type command struct {
	name    string
	summary string
	run     func(env *Env, args []string) int
}

// commands is filled by each command file's init, so that adding a command
// touches only its own file.
var commands = map[string]command{}

func register(name, summary string, run func(env *Env, args []string) int) {
	commands[name] = command{name: name, summary: summary, run: run}
}

// Root runs when ipcscope is started without a subcommand (the inspector,
// once the ui registers it). Nil means: print help.
var Root func(env *Env, args []string) int

// Main runs ipcscope with the given arguments (without the program name).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) > 0 {
		switch args[0] {
		case "--version", "-version", "version":
			v, c, d := buildInfo()
			fmt.Fprintf(stdout, "ipcscope %s (commit %s, built %s, %s)\n", v, c, d, runtime.Version())
			return ExitOK
		case "-h", "--help", "-help", "help":
			usage(stdout)
			return ExitOK
		}
		if c, ok := commands[args[0]]; ok {
			return c.run(env, args[1:])
		}
		if !strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(stderr, "ipcscope: unknown command %q\n\n", args[0])
			usage(stderr)
			return ExitUsage
		}
	}
	if Root != nil {
		return Root(env, args)
	}
	usage(stdout)
	return ExitOK
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "ipcscope: find leaked System V semaphore sets and check what each HTTPS host serves.")
	fmt.Fprintln(w, "\nUsage:\n  ipcscope [--interval 2s] [--read-only] [--ns PID] [--audit-log FILE] [TARGET...] [--hosts-file F] [--resolve name:port:addr]")
	fmt.Fprintln(w, "                             the live inspector (on a terminal); TARGETs fill its probe pane")
	fmt.Fprintln(w, "  ipcscope --demo            the inspector on real, harmless sets in a private namespace")
	fmt.Fprintln(w, "  ipcscope COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'ipcscope COMMAND --help' for a command's flags; 'ipcscope --version' for the version.")
}

// newFlags makes a FlagSet that reports errors to env.Stderr and prints a
// usage line naming the command.
func newFlags(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	if env.flagSets != nil {
		env.flagSets(fs, synopsis)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\nFlags:\n", strings.Join(strings.Fields("ipcscope "+name), " ")+" "+synopsis)
		// Flags with no usage text are internal (screenshots): not shown.
		shown := flag.NewFlagSet(name, flag.ContinueOnError)
		shown.SetOutput(fs.Output())
		fs.VisitAll(func(f *flag.Flag) {
			if f.Usage != "" {
				shown.Var(f.Value, f.Name, f.Usage)
				shown.Lookup(f.Name).DefValue = f.DefValue
			}
		})
		var b bytes.Buffer
		shown.SetOutput(&b)
		shown.PrintDefaults()
		io.WriteString(fs.Output(), longFlags(b.String()))
	}
	return fs
}

// longFlags makes the flag package's output name flags as users type them
// and as every usage line, the README and completion write them: "--json",
// not Go's "-json" (both parse the same). It rewrites the flag lines of
// PrintDefaults and the flag names in the package's parse errors.
func longFlags(s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "  -") && !strings.HasPrefix(l, "  --") {
			l = "  --" + l[len("  -"):]
		}
		for _, p := range []string{"flag provided but not defined: -", "flag needs an argument: -", " for flag -", "bad flag syntax: -"} {
			if j := strings.Index(l, p); j >= 0 && !strings.HasPrefix(l[j+len(p):], "-") {
				l = l[:j+len(p)] + "-" + l[j+len(p):]
			}
		}
		lines[i] = l
	}
	return strings.Join(lines, "")
}

// parseFlags parses args, allowing flags after positional arguments (as in
// "ipcscope probe example.org --json"); "--" ends flag parsing. It returns
// the positional arguments, the exit code and whether the command is done
// (--help printed usage to stdout and exits 0; any other error exits 2).
func parseFlags(env *Env, fs *flag.FlagSet, args []string) (rest []string, code int, done bool) {
	// flag prints errors and usage to its output while parsing: collect
	// them, then show help on stdout (exit 0) or an error on stderr (exit 2).
	var msg bytes.Buffer
	fs.SetOutput(&msg)
	defer fs.SetOutput(env.Stderr)
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				env.Stdout.Write(msg.Bytes())
				return nil, ExitOK, true
			}
			io.WriteString(env.Stderr, longFlags(msg.String()))
			return nil, ExitUsage, true
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, 0, false
		}
		// Parse stops at the first positional argument, or swallows "--".
		if n := len(args) - len(left); n > 0 && args[n-1] == "--" {
			return append(rest, left...), 0, false
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// parseNoArgs is parseFlags for commands that take flags only: a
// positional argument is a usage error (hint, if any, says where it goes).
func parseNoArgs(env *Env, fs *flag.FlagSet, args []string, hint string) (code int, done bool) {
	rest, code, done := parseFlags(env, fs, args)
	if done {
		return code, true
	}
	if len(rest) > 0 {
		fmt.Fprintf(env.Stderr, "ipcscope %s: unexpected argument %q%s\n", fs.Name(), rest[0], hint)
		return ExitUsage, true
	}
	return 0, false
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// isTerminal reports whether f is a terminal (not merely a character
// device: /dev/null is one too).
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(file.Fd()), unix.TCGETS)
	return err == nil
}
