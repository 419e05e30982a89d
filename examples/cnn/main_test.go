package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func runOut(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(args, &out, &errOut); err != nil {
		t.Fatalf("run(%q): %v (stderr %q)", args, err, errOut.String())
	}
	return out.String()
}

var epochRE = regexp.MustCompile(`^epoch=(\d+) train_s=\d+\.\d{2} loss=\d+\.\d{4} test_acc=([01]\.\d{4})$`)

// A few batches print the summary table and an epoch line; the saved model
// loads back with -epochs 0 and evaluates to the same accuracy.
func TestShortRunSaveAndLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lenet.safetensors")
	out := runOut(t, "-epochs", "1", "-max-batches", "20", "-save", path)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "Layer (type)") || !strings.Contains(out, "├─0 Conv2d     [64 6 28 28]") ||
		!strings.Contains(out, "Total parameters: 61,706") {
		t.Fatalf("no LeNet summary:\n%s", out)
	}
	g := epochRE.FindStringSubmatch(lines[len(lines)-1])
	if g == nil {
		t.Fatalf("last line %q is not an epoch line", lines[len(lines)-1])
	}
	if g[2] < "0.3000" {
		t.Errorf("test accuracy %s after 20 batches, want well above chance", g[2])
	}
	if got := runOut(t, "-epochs", "0", "-load", path); got != "test_acc="+g[2]+"\n" {
		t.Errorf("-epochs 0 -load printed %q, want test_acc=%s", got, g[2])
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-epochs", "0"}, {"-batch", "0"}, {"-lr", "-1"}, {"extra"}} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
