package data

import (
	"iter"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/tensor"
)

// Batch is a mini-batch: examples Indices of a dataset, copied into one
// tensor of shape [B, ...] per tensor of the dataset. For a Dataset, X and
// Y are the batch's inputs and targets; for a TensorDataset, Tensors holds
// the batch of each of its tensors, in order.
//
// A batch belongs to its loader: its tensors are reused buffers, valid
// until the loop asks for the next batch (or ends). Clone what must outlive
// that.
type Batch struct {
	// X and Y are Tensors[0] and Tensors[1], nil where the dataset has
	// fewer tensors: the inputs and targets of a Dataset, or of a
	// TensorDataset of two tensors.
	X, Y *tensor.Tensor
	// Tensors holds one tensor per tensor of the dataset, in the dataset's
	// order; read-only (the slice is the loader's too).
	Tensors []*tensor.Tensor
	// Indices are the examples of the dataset given to NewLoader (for a
	// subset, its own example numbers, not the rows of the tensors it
	// selects from), in batch order; read-only.
	Indices []int
}

// Loader cuts a dataset into mini-batches, epoch after epoch. Make one with
// NewLoader and iterate over Epoch:
//
//	loader := data.NewLoader(train, 64, data.Shuffle(rand.New(rand.NewPCG(1, 2))))
//	for epoch := range 10 {
//		for b := range loader.Epoch() {
//			// b.X is [64, 784], b.Y is [64]
//		}
//	}
type Loader struct {
	ts       []*tensor.Tensor // the dataset's tensors, contiguous
	src      [][]float64      // their elements
	row      []int            // the elements of one row of each
	index    []int            // the rows that make the examples; nil: all
	n        int              // the number of examples
	batch    int
	rng      *rand.Rand
	dropLast bool
	prefetch int
	perm     []int
	bufs     []*batchBuf // allocated by the first epoch, then reused
	running  atomic.Bool
}

// loaderOwner names a Loader's batch buffers in messages about them having
// changed under a reader (see tensor.Tensor.SetOwner).
const loaderOwner = "a data.Loader (a batch's tensors are reused for a later batch)"

// batchBuf is the memory of one batch and its tensors: full-size, and for
// the last, shorter batch of an epoch, views of their first rows.
type batchBuf struct {
	full, part Batch
	mem        [][]float64 // the elements of each of full.Tensors
	touched    float64     // the sum of touch's loads, kept so that they are not optimised away
}

// An Option configures a Loader.
type Option func(*Loader)

// Shuffle makes each epoch visit the examples in a new random order, a
// permutation drawn from rng when the epoch starts. The same rng state
// gives the same sequence of orders. rng is used only by the goroutine
// that iterates, never concurrently.
func Shuffle(rng *rand.Rand) Option { return func(l *Loader) { l.rng = rng } }

// DropLast drops the last batch of an epoch when it would be shorter than
// the batch size.
func DropLast() Option { return func(l *Loader) { l.dropLast = true } }

// Prefetch prepares up to n batches ahead in a background goroutine while
// the loop works on the current one; 0 (the default) prepares each batch
// when it is asked for. The goroutine lives for one epoch: it exits before
// the range loop over Epoch ends, by completion, break or panic.
func Prefetch(n int) Option { return func(l *Loader) { l.prefetch = n } }

// NewLoader returns a loader of batches of batchSize examples of ds (a
// *Dataset or a *TensorDataset), in order unless Shuffle is given. It
// panics with a *tensor.Error if batchSize < 1, Prefetch is given a
// negative count, ds is nil, or ds's tensors do not have the same first
// dimension (a Dataset literal's X and Y).
func NewLoader(ds Source, batchSize int, opts ...Option) *Loader {
	const op = "NewLoader"
	if batchSize < 1 {
		tensor.Panicf("data", op, nil, "batch size %d is not positive", batchSize)
	}
	ts, index := source(op, ds)
	l := &Loader{ts: ts, index: index, n: ds.Len(), batch: batchSize}
	for _, o := range opts {
		o(l)
	}
	if l.prefetch < 0 {
		tensor.Panicf("data", op, nil, "prefetch count %d is negative", l.prefetch)
	}
	for _, t := range ts {
		l.src = append(l.src, t.Raw())
		l.row = append(l.row, rowSize(t))
	}
	l.perm = make([]int, l.n)
	for i := range l.perm {
		l.perm[i] = i
	}
	return l
}

// source returns ds's tensors, checked and contiguous, and its rows, for
// operation op.
func source(op string, ds Source) ([]*tensor.Tensor, []int) {
	if ds == nil {
		tensor.Panicf("data", op, nil, "the dataset is nil")
	}
	ts, index := ds.rows()
	return aligned(op, ts), index
}

// rowSize returns the number of elements of one example of t.
func rowSize(t *tensor.Tensor) int {
	n := 1
	for _, d := range t.Shape()[1:] {
		n *= d
	}
	return n
}

// Len returns the number of batches in an epoch.
func (l *Loader) Len() int {
	n := l.n
	if l.dropLast {
		return n / l.batch
	}
	return (n + l.batch - 1) / l.batch
}

// Epoch returns an iterator over the batches of one epoch. Each range over
// it is a new epoch with, when shuffling, a new order. A loader runs one
// epoch at a time: starting a second range over it while one is running
// panics with a *tensor.Error. Batches reuse the loader's buffers (see
// Batch); after the first epoch no batch allocates.
func (l *Loader) Epoch() iter.Seq[Batch] {
	return func(yield func(Batch) bool) {
		if !l.running.CompareAndSwap(false, true) {
			tensor.Panicf("data", "Loader.Epoch", nil, "an epoch of this loader is already running")
		}
		defer l.running.Store(false)
		l.startEpoch()
		if l.prefetch == 0 {
			for s := range l.Len() {
				if !yield(l.fill(l.bufs[0], s)) {
					return
				}
			}
			return
		}
		l.prefetched(yield)
	}
}

// startEpoch draws the epoch's order and makes the buffers on first use.
func (l *Loader) startEpoch() {
	if l.rng != nil {
		for i := range l.perm {
			l.perm[i] = i
		}
		l.rng.Shuffle(len(l.perm), func(i, j int) { l.perm[i], l.perm[j] = l.perm[j], l.perm[i] })
	}
	// Without prefetch one buffer; with it, one in the loop's hands,
	// prefetch in the channel and one being filled.
	need := 1
	if l.prefetch > 0 {
		need = l.prefetch + 2
	}
	for len(l.bufs) < need {
		l.bufs = append(l.bufs, l.newBuf())
	}
}

func (l *Loader) newBuf() *batchBuf {
	b := &batchBuf{mem: make([][]float64, len(l.ts)), full: Batch{Tensors: make([]*tensor.Tensor, len(l.ts))}}
	r := l.n % l.batch
	partial := r != 0 && !l.dropLast
	if partial {
		b.part.Tensors = make([]*tensor.Tensor, len(l.ts))
	}
	for k, t := range l.ts {
		b.mem[k] = make([]float64, l.batch*l.row[k])
		shape := t.Shape()
		shape[0] = l.batch
		b.full.Tensors[k] = tensor.FromData(b.mem[k], shape...)
		b.full.Tensors[k].SetOwner(loaderOwner)
		if partial {
			b.part.Tensors[k] = b.full.Tensors[k].Slice(0, 0, r)
		}
	}
	b.full.X, b.full.Y = firstTwo(b.full.Tensors)
	b.part.X, b.part.Y = firstTwo(b.part.Tensors)
	return b
}

// firstTwo returns ts[0] and ts[1], nil where absent.
func firstTwo(ts []*tensor.Tensor) (x, y *tensor.Tensor) {
	if len(ts) > 0 {
		x = ts[0]
	}
	if len(ts) > 1 {
		y = ts[1]
	}
	return x, y
}

// fill copies batch s of the epoch into buf, each tensor's rows touched
// first (see touch).
func (l *Loader) fill(buf *batchBuf, s int) Batch {
	idx := l.perm[s*l.batch : min((s+1)*l.batch, len(l.perm))]
	b := buf.full
	if len(idx) < l.batch {
		b = buf.part
	}
	b.Indices = idx
	for k, src := range l.src {
		dst, n := buf.mem[k], l.row[k]
		buf.touched = l.touch(src, n, idx)
		for j, i := range idx {
			if l.index != nil {
				i = l.index[i]
			}
			copy(dst[j*n:(j+1)*n], src[i*n:(i+1)*n])
		}
		b.Tensors[k].MarkModified()
	}
	return b
}

// touchStride is the elements between touch's loads in a row: a 4 KiB
// page of float64s.
const touchStride = 512

// touch loads one element of every 4 KiB of each row of src (n elements
// a row) that idx selects, and returns their sum. Rows drawn at random
// from a dataset far larger than the caches each start with a TLB miss
// and a cache miss; copied one after another, those misses come one at a
// time, while these loads, independent of each other, overlap. On the
// project's 2-vCPU KVM guest (MNIST's 60,000 rows of 784 float64s,
// shuffled, one thread, 10 alternated epochs) a batch of 64 took 33.8 µs
// to assemble with the loads against 42.5 µs without, and a batch of 256
// 151 µs against 211 µs; a load per cache line instead was slower than
// none.
func (l *Loader) touch(src []float64, n int, idx []int) float64 {
	s := 0.0
	for _, i := range idx {
		if l.index != nil {
			i = l.index[i]
		}
		for o := i * n; o < (i+1)*n; o += touchStride {
			s += src[o]
		}
	}
	return s
}

// prefetched runs an epoch with a producer goroutine filling buffers ahead
// of the loop. Buffers circulate: free → producer → ready → loop → free;
// the loop hands a buffer back only when it asks for the next batch, so
// the batch it holds is never overwritten. The producer has exited when
// prefetched returns.
func (l *Loader) prefetched(yield func(Batch) bool) {
	type item struct {
		b   Batch
		buf *batchBuf
	}
	free := make(chan *batchBuf, len(l.bufs))
	for _, b := range l.bufs {
		free <- b
	}
	ready := make(chan item, l.prefetch)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(ready)
		for s := range l.Len() {
			var buf *batchBuf
			select {
			case buf = <-free:
			case <-done:
				return
			}
			select {
			case ready <- item{l.fill(buf, s), buf}:
			case <-done:
				return
			}
		}
	})
	defer func() {
		close(done)
		wg.Wait()
	}()
	var held *batchBuf
	for it := range ready {
		if held != nil {
			free <- held
		}
		held = it.buf
		if !yield(it.b) {
			return
		}
	}
}
