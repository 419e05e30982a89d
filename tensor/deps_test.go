package tensor_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestTensorDoesNotLinkTesting checks that package tensor, which every
// program built on adjoint links, does not depend on package testing (as it
// once did through internal/pooldebug's TestMain helper, now in the
// test-only internal/testutil): a user's binary should not carry the test
// framework and its command-line flags. It asks the go command for tensor's
// dependencies, which needs no network.
func TestTensorDoesNotLinkTesting(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH:", err)
	}
	const pkg = "github.com/adjoint-go/adjoint/tensor"
	out, err := exec.Command(gobin, "list", "-deps", "-f", "{{.ImportPath}}:{{range .Imports}} {{.}}{{end}}", pkg).Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg += ": " + string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %s", pkg, msg)
	}
	deps := 0
	for line := range strings.Lines(string(out)) {
		path, imports, _ := strings.Cut(strings.TrimSpace(line), ":")
		deps++
		if path == "testing" {
			t.Errorf("%s depends on package testing", pkg)
		}
		for _, imp := range strings.Fields(imports) {
			if imp == "testing" {
				t.Errorf("%s imports package testing (and %s depends on it)", path, pkg)
			}
		}
	}
	if deps < 2 {
		t.Fatalf("go list -deps %s listed %d packages, want tensor and its dependencies:\n%s", pkg, deps, out)
	}
}
