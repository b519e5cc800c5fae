package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The package doc promises that ui makes no kernel calls of its own: no
// system call packages, no /proc paths, no joining of namespaces. Those
// belong in ipc, reached through Config's functions.
func TestNoKernelCallsOfItsOwn(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range file.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch p {
			case "syscall", "golang.org/x/sys/unix", "ipcscope/ipc/sysv", "runtime":
				t.Errorf("%s imports %s", f, p)
			}
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				// A path, not prose that mentions one.
				if v, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && strings.HasPrefix(v, "/proc") {
					t.Errorf("%s: %s names /proc", fset.Position(n.Pos()), n.Value)
				}
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && x.Name == "ipc" && (n.Sel.Name == "InNamespace" || n.Sel.Name == "Scan" || n.Sel.Name == "NewRemover") {
					// Allowed only as the defaults in config.go.
					if f != "config.go" {
						t.Errorf("%s: calls ipc.%s outside the defaults in config.go", fset.Position(n.Pos()), n.Sel.Name)
					}
				}
			}
			return true
		})
	}
	if checked < 10 {
		t.Fatalf("checked only %d files", checked)
	}
}
