package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"ipcscope/cli"
)

// Every file gen writes is installed by nfpm.yaml, and nfpm.yaml installs
// nothing from the generated directory that gen does not write.
func TestFilesMatchNfpmConfig(t *testing.T) {
	b, err := os.ReadFile("../nfpm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`src: \$\{IPCSCOPE_PKGROOT\}/(\S+)`).FindAllStringSubmatch(string(b), -1) {
		used[m[1]] = true
	}
	var made, installed []string
	for name := range files {
		made = append(made, name)
	}
	for name := range used {
		installed = append(installed, name)
	}
	sort.Strings(made)
	sort.Strings(installed)
	if strings.Join(made, " ") != strings.Join(installed, " ") {
		t.Errorf("gen writes %v, nfpm.yaml installs %v", made, installed)
	}
}

func TestRunWritesPageAndCompletions(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir, "9.9.9", "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "ipcscope.1.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("gzip header carries name %q, time %v: not reproducible", zr.Name, zr.ModTime)
	}
	page, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := cli.ManPage(&want, "9.9.9", "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(page, want.Bytes()) {
		t.Error("the gzipped page is not cli.ManPage's")
	}
	for name, shell := range map[string]string{"ipcscope.bash": "bash", "_ipcscope": "zsh", "ipcscope.fish": "fish"} {
		got, err := os.ReadFile(filepath.Join(dir, "completions", name))
		if err != nil {
			t.Fatal(err)
		}
		var o bytes.Buffer
		if code := cli.Main([]string{"completion", shell}, strings.NewReader(""), &o, io.Discard); code != 0 || len(got) == 0 || !bytes.Equal(got, o.Bytes()) {
			t.Errorf("%s is not 'ipcscope completion %s' (exit %d, %d bytes)", name, shell, code, len(got))
		}
	}
	// Same inputs, same bytes.
	again := t.TempDir()
	if err := run(again, "9.9.9", "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	for name := range files {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := os.ReadFile(filepath.Join(again, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}
