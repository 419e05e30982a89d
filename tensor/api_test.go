package tensor_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Package tensor reads as an n-d array library: what only autograd's
// backward pass needs (recycling storage, fused gradient kernels, adding a
// product into a gradient buffer) is not exported, but reaches autograd
// through internal/bridge.
func TestPublicAPIHasNoAutogradPlumbing(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var exported []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.IsExported() {
				exported = append(exported, fd.Name.Name)
			}
		}
	}
	if len(exported) < 50 {
		t.Fatalf("found only %d exported functions: the parse is broken", len(exported))
	}
	for _, name := range exported {
		if strings.HasSuffix(name, "Grad") || strings.Contains(name, "Recycl") ||
			strings.HasPrefix(name, "CrossEntropy") || name == "AddMatMulInPlace" {
			t.Errorf("tensor exports %s, which only autograd needs: reach it through internal/bridge", name)
		}
	}
}
