package testutil

import (
	"os/exec"
	"strings"
	"testing"
)

// NoDependency fails t if package pkg depends, directly or not, on a
// package whose import path is forbidden or starts with forbidden + "/",
// naming the importing package. It asks the go command (which needs no
// network for this) and skips only if there is no go command on PATH.
func NoDependency(t testing.TB, pkg, forbidden string) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH:", err)
	}
	out, err := exec.Command(gobin, "list", "-deps", "-f", "{{.ImportPath}}:{{range .Imports}} {{.}}{{end}}", pkg).Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg += ": " + string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %s", pkg, msg)
	}
	match := func(p string) bool { return p == forbidden || strings.HasPrefix(p, forbidden+"/") }
	deps := 0
	for line := range strings.Lines(string(out)) {
		path, imports, _ := strings.Cut(strings.TrimSpace(line), ":")
		deps++
		if match(path) {
			t.Errorf("%s depends on %s", pkg, path)
		}
		for _, imp := range strings.Fields(imports) {
			if match(imp) {
				t.Errorf("%s imports %s (and %s depends on it)", path, imp, pkg)
			}
		}
	}
	if deps < 2 {
		t.Fatalf("go list -deps %s listed %d packages, want it and its dependencies:\n%s", pkg, deps, out)
	}
}

// ExportedFuncs returns the names of the exported functions and methods
// declared in the non-test .go files of the package in directory dir,
// sorted and without repeats, by parsing the source; with recv not empty,
// methods of other receiver types are left out.
func ExportedFuncs(t testing.TB, dir, recv string) []string {
	t.Helper()
	return exportedFuncs(t, dir, recv)
}
