package data

import (
	"iter"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/tensor"
)

// Batch is a mini-batch: rows Indices of a dataset, copied into X of shape
// [B, ...] and Y of shape [B] or [B, ...].
//
// A batch belongs to its loader: its tensors are reused buffers, valid
// until the loop asks for the next batch (or ends). Clone what must outlive
// that.
type Batch struct {
	X, Y    *tensor.Tensor
	Indices []int // the dataset rows, in batch order; read-only
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
	ds         *Dataset
	batch      int
	rng        *rand.Rand
	dropLast   bool
	prefetch   int
	perm       []int
	rowX, rowY int
	xs, ys     []float64
	bufs       []*batchBuf // allocated by the first epoch, then reused
	running    atomic.Bool
}

// loaderOwner names a Loader's batch buffers in messages about them having
// changed under a reader (see tensor.Tensor.SetOwner).
const loaderOwner = "a data.Loader (a batch's tensors are reused for a later batch)"

// batchBuf is the memory of one batch and its tensors: full-size, and for
// the last, shorter batch of an epoch, views of their first rows.
type batchBuf struct {
	full, part Batch
	x, y       []float64
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

// NewLoader returns a loader of batches of batchSize examples of ds, in
// order unless Shuffle is given. It panics with a *tensor.Error if
// batchSize < 1, Prefetch is given a negative count, or ds's X and Y do
// not have the same first dimension.
func NewLoader(ds *Dataset, batchSize int, opts ...Option) *Loader {
	if batchSize < 1 {
		tensor.Panicf("data", "NewLoader", nil, "batch size %d is not positive", batchSize)
	}
	if ds.X.Dim() == 0 || ds.Y.Dim() == 0 || ds.X.Size(0) != ds.Y.Size(0) {
		tensor.Panicf("data", "NewLoader", [][]int{ds.X.Shape(), ds.Y.Shape()},
			"inputs of shape %v and targets of shape %v do not have the same first dimension", ds.X.Shape(), ds.Y.Shape())
	}
	x, y := ds.X.Contiguous(), ds.Y.Contiguous()
	l := &Loader{ds: &Dataset{X: x, Y: y}, batch: batchSize, xs: x.Raw(), ys: y.Raw()}
	for _, o := range opts {
		o(l)
	}
	if l.prefetch < 0 {
		tensor.Panicf("data", "NewLoader", nil, "prefetch count %d is negative", l.prefetch)
	}
	l.rowX, l.rowY = rowSize(x), rowSize(y)
	l.perm = make([]int, l.ds.Len())
	for i := range l.perm {
		l.perm[i] = i
	}
	return l
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
	n := l.ds.Len()
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
	b := &batchBuf{x: make([]float64, l.batch*l.rowX), y: make([]float64, l.batch*l.rowY)}
	xs, ys := l.ds.X.Shape(), l.ds.Y.Shape()
	xs[0], ys[0] = l.batch, l.batch
	b.full.X, b.full.Y = tensor.FromData(b.x, xs...), tensor.FromData(b.y, ys...)
	b.full.X.SetOwner(loaderOwner)
	b.full.Y.SetOwner(loaderOwner)
	if r := l.ds.Len() % l.batch; r != 0 && !l.dropLast {
		b.part.X, b.part.Y = b.full.X.Slice(0, 0, r), b.full.Y.Slice(0, 0, r)
	}
	return b
}

// fill copies batch s of the epoch into buf.
func (l *Loader) fill(buf *batchBuf, s int) Batch {
	idx := l.perm[s*l.batch : min((s+1)*l.batch, len(l.perm))]
	b := buf.full
	if len(idx) < l.batch {
		b = buf.part
	}
	b.Indices = idx
	rx, ry := l.rowX, l.rowY
	for j, i := range idx {
		copy(buf.x[j*rx:(j+1)*rx], l.xs[i*rx:(i+1)*rx])
		copy(buf.y[j*ry:(j+1)*ry], l.ys[i*ry:(i+1)*ry])
	}
	b.X.MarkModified()
	b.Y.MarkModified()
	return b
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
