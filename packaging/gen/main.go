// Command gen writes the files the .deb and .rpm carry besides the binary
// and packaging/'s own files: the man page ipcscope(1), gzipped, and the
// bash, zsh and fish completions, all made by the cli package from the
// registered commands, so that none of them can drift from the program.
//
//	go run ./packaging/gen -version 1.2.3 -date 2026-12-01 -out dist/pkgroot
//
// .ci/release runs it; the output is the same bytes for the same inputs.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ipcscope/cli"
)

func main() {
	version := flag.String("version", "dev", "version for the man page's title line")
	date := flag.String("date", "", "date (YYYY-MM-DD) for the man page's title line")
	out := flag.String("out", "", "directory to write into (made if missing)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen -out DIR [-version V] [-date YYYY-MM-DD]")
		os.Exit(2)
	}
	if *date == "" {
		*date = time.Now().UTC().Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, *date); err != nil {
		fmt.Fprintf(os.Stderr, "gen: -date %q: want YYYY-MM-DD\n", *date)
		os.Exit(2)
	}
	if err := run(*out, *version, *date); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// files maps the names gen writes (in the output directory) to what makes
// them; packaging/nfpm.yaml installs them from there.
var files = map[string]func(version, date string) ([]byte, error){
	"ipcscope.1.gz": func(version, date string) ([]byte, error) {
		var page bytes.Buffer
		if err := cli.ManPage(&page, version, date); err != nil {
			return nil, err
		}
		return gzipped(page.Bytes())
	},
	"completions/ipcscope.bash": completion("bash"),
	"completions/_ipcscope":     completion("zsh"),
	"completions/ipcscope.fish": completion("fish"),
}

func run(dir, version, date string) error {
	for name, build := range files {
		b, err := build(version, date)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// completion runs "ipcscope completion SHELL" in this process.
func completion(shell string) func(string, string) ([]byte, error) {
	return func(string, string) ([]byte, error) {
		var o, e bytes.Buffer
		if code := cli.Main([]string{"completion", shell}, strings.NewReader(""), &o, &e); code != 0 {
			return nil, fmt.Errorf("ipcscope completion %s: exit %d: %s", shell, code, strings.TrimSpace(e.String()))
		}
		return o.Bytes(), nil
	}
}

// gzipped compresses b the way gzip -9n does: no name, no time stamp, so
// the same page gives the same bytes.
func gzipped(b []byte) ([]byte, error) {
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
