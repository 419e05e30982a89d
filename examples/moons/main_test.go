package main

import (
	"bytes"
	"errors"
	"flag"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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

var (
	summaryRE = regexp.MustCompile(`(?s)^Layer \(type\) +Output shape +Param #\n=+\nclassifier +\[\d+ 1\] +-\n├─fc1 Linear +\[\d+ (\d+)\] +[\d,]+\n├─fc2 Linear .*\n└─out Linear +\[\d+ 1\] +[\d,]+\n=+\nTotal parameters: [\d,]+ \(trainable [\d,]+\)$`)
	epochRE   = regexp.MustCompile(`^epoch=(\d+) loss=(\d+\.\d{4}) train_acc=([01]\.\d{4})$`)
	resultRE  = regexp.MustCompile(`^train_acc=([01]\.\d{4}) test_acc=([01]\.\d{4})$`)
)

// parsed is the output of a run: the losses of the epoch lines and the
// final accuracies.
type parsed struct {
	epochs          []int
	losses          []float64
	trainAcc, tsAcc float64
}

// parseOutput checks every line of out against the format and returns the
// numbers.
func parseOutput(t *testing.T, out string) parsed {
	t.Helper()
	table, rest, ok := strings.Cut(out, ")\n")
	if !ok || !summaryRE.MatchString(table+")") {
		t.Fatalf("output does not start with the model's summary table:\n%s", out)
	}
	lines := strings.Split(strings.TrimSuffix(rest, "\n"), "\n")
	if len(lines) < 1 {
		t.Fatalf("output has no lines after the table:\n%s", out)
	}
	var p parsed
	for _, l := range lines[:len(lines)-1] {
		g := epochRE.FindStringSubmatch(l)
		if g == nil {
			t.Fatalf("line %q does not match %v", l, epochRE)
		}
		e, _ := strconv.Atoi(g[1])
		loss, _ := strconv.ParseFloat(g[2], 64)
		p.epochs, p.losses = append(p.epochs, e), append(p.losses, loss)
	}
	g := resultRE.FindStringSubmatch(lines[len(lines)-1])
	if g == nil {
		t.Fatalf("last line %q does not match %v", lines[len(lines)-1], resultRE)
	}
	p.trainAcc, _ = strconv.ParseFloat(g[1], 64)
	p.tsAcc, _ = strconv.ParseFloat(g[2], 64)
	return p
}

func TestShortRunPrintsEveryEpoch(t *testing.T) {
	p := parseOutput(t, runOut(t, "-epochs", "3", "-every", "1", "-hidden", "8"))
	if want := []int{1, 2, 3}; !slices.Equal(p.epochs, want) {
		t.Errorf("epoch lines for %v, want %v", p.epochs, want)
	}
	for _, l := range p.losses {
		if !(l > 0 && l < 1) {
			t.Errorf("loss %v is not in (0, 1)", l)
		}
	}
}

func TestLearnsTheMoons(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		minAcc  float64
		minDrop float64 // the last printed loss is below the first times this
		long    bool    // skipped with -short
	}{
		{"at noise 0.1 the moons are separated almost perfectly", []string{"-epochs", "30"}, 0.98, 0.2, false},
		{"at noise 0.2 most points are still right", []string{"-epochs", "30", "-noise", "0.2", "-seed", "5"}, 0.9, 0.8, false},
		{"the default run separates the moons", nil, 0.99, 0.1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.long && testing.Short() {
				t.Skip("the full default run is skipped in short mode")
			}
			p := parseOutput(t, runOut(t, tt.args...))
			if p.trainAcc < tt.minAcc || p.tsAcc < tt.minAcc {
				t.Errorf("train_acc=%v test_acc=%v, want both at least %v", p.trainAcc, p.tsAcc, tt.minAcc)
			}
			first, last := p.losses[0], p.losses[len(p.losses)-1]
			if !(last < tt.minDrop*first) {
				t.Errorf("loss went from %v to %v, want below %v times the first", first, last, tt.minDrop)
			}
		})
	}
}

func TestSeeds(t *testing.T) {
	args := []string{"-epochs", "5", "-every", "1"}
	a, b := runOut(t, append(args, "-seed", "9")...), runOut(t, append(args, "-seed", "9")...)
	if a != b {
		t.Errorf("the same seed gave different output:\n%s\n%s", a, b)
	}
	if c := runOut(t, append(args, "-seed", "10")...); c == a {
		t.Errorf("seeds 9 and 10 gave the same output:\n%s", a)
	}
}

func TestPlot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "moons.png")
	runOut(t, "-epochs", "20", "-every", "0", "-plot", path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() < 600 || b.Dy() < 200 || b.Dx() < 2*b.Dy() {
		t.Fatalf("image is %v, want a wide two-panel image", b)
	}
	// The boundary panel is mostly filled with the two pale region colours
	// and holds points of both strong class colours.
	near := func(c color.Color, ref color.RGBA) bool {
		r, g, bl, _ := c.RGBA()
		d := math.Abs(float64(r>>8)-float64(ref.R)) + math.Abs(float64(g>>8)-float64(ref.G)) + math.Abs(float64(bl>>8)-float64(ref.B))
		return d < 12
	}
	count := map[string]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Min.X+b.Dx()/2; x++ {
			c := img.At(x, y)
			for name, ref := range map[string]color.RGBA{"pale 0": paleClass0, "pale 1": paleClass1, "class 0": class0, "class 1": class1} {
				if near(c, ref) {
					count[name]++
				}
			}
		}
	}
	half := b.Dx() / 2 * b.Dy()
	for name, minFrac := range map[string]float64{"pale 0": 0.15, "pale 1": 0.15, "class 0": 0.002, "class 1": 0.002} {
		if frac := float64(count[name]) / float64(half); frac < minFrac {
			t.Errorf("%s colour covers %.4f of the left panel, want at least %v", name, frac, minFrac)
		}
	}

	t.Run("an unwritable path is an error", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "no", "such", "dir", "m.png")
		if err := run([]string{"-epochs", "1", "-plot", bad}, io.Discard, io.Discard); err == nil {
			t.Errorf("run with -plot %s succeeded", bad)
		}
	})
}

func TestMakeMoons(t *testing.T) {
	ds := makeMoons(7, 0, rand.New(rand.NewPCG(1, 2)))
	x, y := ds.X.Data(), ds.Y.Data()
	if ds.Len() != 7 {
		t.Fatalf("%d points, want 7", ds.Len())
	}
	want := []struct {
		i      int
		x, y   float64
		class  float64
		center [2]float64
	}{
		{0, 1, 0, 0, [2]float64{0, 0}},     // the upper moon starts at (1, 0)
		{2, -1, 0, 0, [2]float64{0, 0}},    // and ends at (-1, 0)
		{3, 0, 0.5, 1, [2]float64{1, 0.5}}, // the lower one starts at (0, 1/2)
		{6, 2, 0.5, 1, [2]float64{1, 0.5}}, // and ends at (2, 1/2)
		{1, 0, 1, 0, [2]float64{0, 0}},     // the top of the upper moon
		{4, 1 - math.Cos(math.Pi/3), 0.5 - math.Sin(math.Pi/3), 1, [2]float64{1, 0.5}},
	}
	for _, w := range want {
		gx, gy := x[2*w.i], x[2*w.i+1]
		if math.Abs(gx-w.x) > 1e-12 || math.Abs(gy-w.y) > 1e-12 || y[w.i] != w.class {
			t.Errorf("point %d = (%v, %v) class %v, want (%v, %v) class %v", w.i, gx, gy, y[w.i], w.x, w.y, w.class)
		}
	}
	t.Run("noise moves points off the circles by about its size", func(t *testing.T) {
		ds := makeMoons(2000, 0.1, rand.New(rand.NewPCG(3, 4)))
		x, y := ds.X.Data(), ds.Y.Data()
		var sq float64
		for i, c := range y {
			cx, cy := 0.0, 0.0
			if c == 1 {
				cx, cy = 1, 0.5
			}
			r := math.Hypot(x[2*i]-cx, x[2*i+1]-cy) - 1
			sq += r * r
		}
		// The radial part of 2-D noise of std 0.1 has std about 0.1.
		if rms := math.Sqrt(sq / 2000); rms < 0.08 || rms > 0.12 {
			t.Errorf("radial RMS distance %v, want about 0.1", rms)
		}
	})
}

func TestBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"one point is too few", []string{"-n", "1"}, "-n"},
		{"zero epochs are refused", []string{"-epochs", "0"}, "-epochs"},
		{"a zero batch size is refused", []string{"-batch", "0"}, "-batch"},
		{"zero hidden units are refused", []string{"-hidden", "0"}, "-hidden"},
		{"a zero rate is refused", []string{"-lr", "0"}, "-lr"},
		{"negative noise is refused", []string{"-noise", "-0.1"}, "-noise"},
		{"a negative print interval is refused", []string{"-every", "-1"}, "-every"},
		{"an unknown flag is refused", []string{"-optim", "sgd"}, "optim"},
		{"a stray argument is refused", []string{"extra"}, "extra"},
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
		if !strings.Contains(errOut.String(), "-plot") {
			t.Errorf("usage does not list -plot:\n%s", errOut.String())
		}
	})
}
