package mnist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/adjoint-go/adjoint/data"
	"github.com/adjoint-go/adjoint/tensor"
)

// Mean and Std are the mean and standard deviation of the MNIST training
// pixels scaled to [0, 1], the constants of PyTorch's MNIST example
// (transforms.Normalize((0.1307,), (0.3081,))); see
// data.Dataset.Standardize.
const (
	Mean = 0.1307
	Std  = 0.3081
)

// maxSide is the largest number of rows or columns Load accepts for an
// image (MNIST's are 28×28).
const maxSide = 4096

// Load reads MNIST from dir, which holds the four IDX files
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
// and t10k-labels-idx1-ubyte, each gzipped (with a .gz suffix) or raw. For
// the copy in the module cache, pass the directory DefaultDir returns.
//
// Images become X of shape [N, rows·cols] ([N, 784] for MNIST) with pixel
// values divided by 255, so in [0, 1], not standardized (call Standardize
// with Mean and Std for that); labels become Y of shape [N], the class
// indices 0 to 9 as float64. Train has 60,000 examples and test 10,000 for
// the real files.
//
// A missing file, a malformed one (see data.ReadIDX), an image file with
// no images or images of 0 or more than 4096 rows or columns, image and
// label files whose counts differ, or a label above 9 is an error naming
// the file; a bad file never makes Load panic. The errors about a
// malformed file wrap data.data.ErrFormat.
//
// The two splits are read concurrently.
func Load(dir string) (train, test *data.Dataset, err error) {
	var testErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		test, testErr = loadSplit(dir, "t10k")
	}()
	train, err = loadSplit(dir, "train")
	<-done
	if err == nil {
		err = testErr
	}
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// pixelValue[p] is float64(p) / 255: a table is faster than a division.
var pixelValue = func() (t [256]float64) {
	for i := range t {
		t[i] = float64(i) / 255
	}
	return t
}()

func loadSplit(dir, split string) (*data.Dataset, error) {
	imgPath, err := findIDX(dir, split+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	lblPath, err := findIDX(dir, split+"-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	img, err := readIDXFile(imgPath)
	if err != nil {
		return nil, err
	}
	if len(img.Dims) != 3 {
		return nil, fmt.Errorf("%w: images have dimensions %v, want [N rows cols] (in %s)", data.ErrFormat, img.Dims, imgPath)
	}
	n, rows, cols := img.Dims[0], img.Dims[1], img.Dims[2]
	if rows < 1 || rows > maxSide || cols < 1 || cols > maxSide {
		return nil, fmt.Errorf("%w: images of %d×%d pixels, want 1 to %d on each side (in %s)", data.ErrFormat, rows, cols, maxSide, imgPath)
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: no images (in %s)", data.ErrFormat, imgPath)
	}
	// data.ReadIDX bounds the element count, so n·rows·cols fits an int.
	pix := rows * cols
	lbl, err := readIDXFile(lblPath)
	if err != nil {
		return nil, err
	}
	if len(lbl.Dims) != 1 {
		return nil, fmt.Errorf("%w: labels have dimensions %v, want [N] (in %s)", data.ErrFormat, lbl.Dims, lblPath)
	}
	if lbl.Dims[0] != n {
		return nil, fmt.Errorf("%w: %d labels for the %d images of %s (in %s)", data.ErrFormat, lbl.Dims[0], n, imgPath, lblPath)
	}
	if len(img.Data) != n*pix || len(lbl.Data) != n {
		// data.ReadIDX returns exactly the declared elements.
		return nil, fmt.Errorf("%w: %d pixels and %d labels for %d images of %d×%d (in %s and %s)", data.ErrFormat, len(img.Data), len(lbl.Data), n, rows, cols, imgPath, lblPath)
	}
	y := make([]float64, n)
	for i, c := range lbl.Data {
		if c > 9 {
			return nil, fmt.Errorf("%w: label %d of example %d is not a digit (in %s)", data.ErrFormat, c, i, lblPath)
		}
		y[i] = float64(c)
	}
	x := make([]float64, n*pix)
	for i, p := range img.Data {
		x[i] = pixelValue[p]
	}
	return &data.Dataset{X: tensor.FromData(x, n, pix), Y: tensor.FromData(y, n)}, nil
}

// findIDX returns the path of dir/name.gz or dir/name, whichever exists.
func findIDX(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("mnist: %w", err)
		}
	}
	return "", fmt.Errorf("mnist: file %s(.gz) not found in %s", name, dir)
}

// readIDXFile reads the IDX file at path.
func readIDXFile(path string) (*data.IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	defer f.Close()
	idx, err := data.ReadIDX(f)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return idx, nil
}
