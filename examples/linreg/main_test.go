package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// runOut runs the command with args and returns its output.
func runOut(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(args, &out, &errOut); err != nil {
		t.Fatalf("run(%q): %v (stderr %q)", args, err, errOut.String())
	}
	return out.String()
}

var lineRE = regexp.MustCompile(`(?m)^(true|least squares|learned): +slope=(-?\d+\.\d{4}) intercept=(-?\d+\.\d{4})( loss=(\d+\.\d{4}))?$`)

// fits returns the slope and intercept of each result line by its label.
func fits(t *testing.T, out string) map[string][2]float64 {
	t.Helper()
	m := map[string][2]float64{}
	for _, g := range lineRE.FindAllStringSubmatch(out, -1) {
		s, _ := strconv.ParseFloat(g[2], 64)
		b, _ := strconv.ParseFloat(g[3], 64)
		m[g[1]] = [2]float64{s, b}
	}
	for _, k := range []string{"true", "least squares", "learned"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("no %q line in output:\n%s", k, out)
		}
	}
	return m
}

func TestFit(t *testing.T) {
	tests := []struct {
		name string
		args []string
		tol  float64 // of the learned line against the true one
	}{
		{"the default noisy line is learned within 0.05 of the truth", nil, 0.05},
		{"a line without noise is learned exactly", []string{"-noise", "0", "-epochs", "600"}, 1e-4},
		{"a very noisy line is still learned within 0.3", []string{"-noise", "1", "-n", "500", "-seed", "7"}, 0.3},
		{"a faster rate with fewer epochs converges too", []string{"-lr", "0.5", "-epochs", "60"}, 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := fits(t, runOut(t, tt.args...))
			if got := m["true"]; got != [2]float64{trueSlope, trueIntercept} {
				t.Errorf("true line printed as %v", got)
			}
			l, ls := m["learned"], m["least squares"]
			if math.Abs(l[0]-trueSlope) > tt.tol || math.Abs(l[1]-trueIntercept) > tt.tol {
				t.Errorf("learned slope=%v intercept=%v, want within %v of %v, %v", l[0], l[1], tt.tol, trueSlope, trueIntercept)
			}
			// Gradient descent converges to the least-squares line.
			if math.Abs(l[0]-ls[0]) > 2e-4 || math.Abs(l[1]-ls[1]) > 2e-4 {
				t.Errorf("learned %v, least squares %v: descent has not converged", l, ls)
			}
		})
	}
}

func TestProgressLines(t *testing.T) {
	out := runOut(t, "-epochs", "30", "-every", "10")
	re := regexp.MustCompile(`(?m)^epoch=(\d+) loss=(\d+\.\d{4}) slope=-?\d+\.\d{4} intercept=-?\d+\.\d{4}$`)
	got := re.FindAllStringSubmatch(out, -1)
	if len(got) != 3 {
		t.Fatalf("%d progress lines, want 3:\n%s", len(got), out)
	}
	prev := math.Inf(1)
	for i, g := range got {
		if g[1] != strconv.Itoa(10*(i+1)) {
			t.Errorf("progress line %d is for epoch %s, want %d", i, g[1], 10*(i+1))
		}
		loss, _ := strconv.ParseFloat(g[2], 64)
		if loss > prev {
			t.Errorf("loss rose from %v to %v at epoch %s", prev, loss, g[1])
		}
		prev = loss
	}
	if quiet := runOut(t, "-every", "0"); strings.Contains(quiet, "epoch=") {
		t.Errorf("-every 0 printed progress:\n%s", quiet)
	}
}

func TestSeeds(t *testing.T) {
	a, b := runOut(t, "-seed", "3"), runOut(t, "-seed", "3")
	if a != b {
		t.Errorf("the same seed gave different output:\n%s\n%s", a, b)
	}
	if c := runOut(t, "-seed", "4"); c == a {
		t.Errorf("seeds 3 and 4 gave the same output:\n%s", a)
	}
}

func TestBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"one point is too few", []string{"-n", "1"}, "-n"},
		{"zero epochs are refused", []string{"-epochs", "0"}, "-epochs"},
		{"a zero rate is refused", []string{"-lr", "0"}, "-lr"},
		{"a NaN rate is refused", []string{"-lr", "NaN"}, "-lr"},
		{"negative noise is refused", []string{"-noise", "-1"}, "-noise"},
		{"a negative print interval is refused", []string{"-every", "-1"}, "-every"},
		{"a rate so large that training diverges is an error", []string{"-lr", "100"}, "diverged"},
		{"an unknown flag is refused", []string{"-bogus"}, "bogus"},
		{"a malformed number is refused", []string{"-n", "ten"}, "ten"},
		{"a stray argument is refused", []string{"extra"}, "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(append([]string{"-every", "0"}, tt.args...), &out, io.Discard)
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
		if !strings.Contains(errOut.String(), "-noise") {
			t.Errorf("usage does not list -noise:\n%s", errOut.String())
		}
	})
}

func Example() {
	if err := run([]string{"-every", "0"}, os.Stdout, io.Discard); err != nil {
		panic(err)
	}
	// Output:
	// true:          slope=2.5000 intercept=-1.0000
	// least squares: slope=2.4685 intercept=-0.9750
	// learned:       slope=2.4685 intercept=-0.9750 loss=0.1002
}
