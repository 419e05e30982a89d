package tensor

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/internal/gcwatch"
	"github.com/adjoint-go/adjoint/internal/pooldebug"
	"github.com/adjoint-go/adjoint/kernels"
)

// Storage pool. Every tensor an operation or constructor of this package
// makes takes its storage from size-classed pools, and Recycle hands a
// storage back, so that a loop which recycles its intermediate tensors (as
// package autograd's backward pass does when it frees a graph) reuses the
// same memory every iteration instead of feeding the garbage collector.
//
// Classes are four per power of two (sizes 2^k·{5,6,7,8}/4 from 10
// elements up, one class of 8 below), so rounding wastes at most a quarter
// of a buffer. Tensors above poolMaxLen elements are allocated to size and
// never pooled.
//
// Each class has two levels. The first, kept, is a stack the garbage
// collector does not empty, up to keepMaxBytes in all classes: a training
// step recycles megabytes of activations and gradients, which triggers a
// collection every few steps, and a sync.Pool alone loses its contents to
// every second one, so that the next steps allocated (and zeroed, and
// faulted in) their buffers anew; measured on LeNet-5 that was a fifth of
// the step. The second is a sync.Pool, for what the first has no room for.
// Recycling still never pins memory for good: at a garbage collection
// that finds the kept stacks untouched since the one before, they move
// into the sync.Pools, which free what nobody takes back.

const (
	poolMinLen = 8       // the smallest class
	poolMaxLen = 1 << 24 // 128 MiB of float64s; larger storage is not pooled
	nClasses   = 4*(24-3) + 1
)

var pools [nClasses]sync.Pool

// popScan is how deep into a kept stack newStorageFor looks for a buffer
// of the kind it prefers.
const popScan = 4

// keepMaxBytes bounds the storage the kept stacks hold in all, and
// keepMaxLen the buffers of one class.
const (
	keepMaxBytes = 256 << 20
	keepMaxLen   = 4096
)

// keepStack is one class's first level.
type keepStack struct {
	mu   sync.Mutex
	list []*storage
}

var (
	kept      [nClasses]keepStack
	keptBytes atomic.Int64
	keptUsed  atomic.Bool // a kept buffer was taken or given since the last collection
)

func (k *keepStack) pop(split bool) *storage {
	k.mu.Lock()
	var st *storage
	if n := len(k.list); n > 0 {
		i := n - 1
		for j := n - 1; j >= max(0, n-popScan); j-- {
			if k.list[j].flags.Load()&splitReadFlag != 0 == split {
				i = j
				break
			}
		}
		st = k.list[i]
		copy(k.list[i:], k.list[i+1:])
		k.list[n-1] = nil
		k.list = k.list[:n-1]
	}
	k.mu.Unlock()
	if st != nil {
		keptBytes.Add(-int64(cap(st.data)) * 8)
		keptUsed.Store(true)
	}
	return st
}

func (k *keepStack) push(st *storage) bool {
	size := int64(cap(st.data)) * 8
	if keptBytes.Add(size) > keepMaxBytes {
		keptBytes.Add(-size)
		return false
	}
	k.mu.Lock()
	ok := len(k.list) < keepMaxLen
	if ok {
		k.list = append(k.list, st)
	}
	k.mu.Unlock()
	if !ok {
		keptBytes.Add(-size)
		return false
	}
	keptUsed.Store(true)
	return true
}

// afterGC runs after every garbage collection (see package gcwatch): if nothing
// used the kept stacks since the previous one, their buffers move to the
// sync.Pools, so that an idle program's memory goes back in two more.
func afterGC() {
	for c := range guardSwaps {
		guardSwaps[c].Store(0)
	}
	if keptUsed.Swap(false) {
		return
	}
	for c := range kept {
		k := &kept[c]
		k.mu.Lock()
		list := k.list
		k.list = nil
		k.mu.Unlock()
		for _, st := range list {
			keptBytes.Add(-int64(cap(st.data)) * 8)
			pools[c].Put(st)
		}
	}
}

func init() { gcwatch.After(afterGC) }

// classOf returns the pool class of a storage of n elements (n ≥ 1) and the
// capacity of that class's buffers; ok is false above poolMaxLen.
func classOf(n int) (class, size int, ok bool) {
	if n <= poolMinLen {
		return 0, poolMinLen, true
	}
	if n > poolMaxLen {
		return 0, n, false
	}
	k := bits.Len(uint(n - 1)) // 2^(k-1) < n ≤ 2^k, k ≥ 4
	base := 1 << (k - 1)
	step := base / 4
	q := (n - base + step - 1) / step // 1..4
	return (k-4)*4 + q, base + q*step, true
}

// newStorage returns a storage of n elements from the pool. With zero the
// elements are zero; without, the caller must write every element before
// anything reads it.
func newStorage(n int, zero bool) *storage { return newStorageFor(n, zero, false) }

// newStorageFor is newStorage for data that a product split among
// goroutines will write (split) or that one goroutine will: it takes the
// kept buffer nearest the top of its class's stack (within popScan) that
// a split read last time (split) or that none did (not split), else the
// top one.
//
// A split product leaves the lines of its operands in both cores' caches,
// and a core writing lines that the other core holds copies of waits for
// each to be taken back. In the MNIST MLP's step (64×784-128-10, its
// hidden values marked Transient) the stack's plain order gave the ReLU's
// output the buffer of the previous step's ReLU gradient, whose columns
// the weight gradient's split had just read on the other core; now that
// buffer goes to the next forward product, whose helper writes the
// columns it read there. Measured on the 2-vCPU KVM guest with its vCPUs
// far apart (scratch program mlpops, 10 rounds a run, the builds in the
// order ABBA), on two threads: the ReLU 7.3 and 6.0 µs against 3.3 and
// 3.0 (medians), the step 262.4 and 250.4 µs against 246.6 and 242.1;
// bench -suite mlp's speed-up of the step over one thread, two ABBA sets:
// medians 1.41x and 1.43x before, 1.50x and 1.48x after (9 to 11 far
// runs of each build in each set).
func newStorageFor(n int, zero, split bool) *storage {
	c, size, ok := classOf(n)
	if !ok {
		return &storage{data: make([]float64, n)}
	}
	st := kept[c].pop(split)
	if st == nil {
		st, _ = pools[c].Get().(*storage)
	}
	if st != nil {
		st.data = st.data[:n]
		st.flags.And(classMask | guardedFlag)
		if zero {
			clear(st.data)
		}
		return st
	}
	st = &storage{data: make([]float64, n, size)}
	st.flags.Store(uint32(c + 1))
	return st
}

// Guard space. A buffer of guardMinLen elements or more that comes back
// to the pool is moved into new memory with guardLen unused elements
// before and after it (once: the guardedFlag then stays with it), so that
// the buffers a training step recycles do not lie next to one another.
// Measured on the 2-vCPU KVM guest with its vCPUs far apart (the MNIST
// MLP's training step with its hidden values marked Transient, scratch
// program mlpops, 10 runs of each build in the order ABBA): its 64×128
// activation and gradient buffers next to one another, the output layer's
// backward took a median of 12.8 µs on two threads and the ReLU's
// backward 5.4 µs, against 9.6 and 3.2 µs with the space, and the step
// 266.6 µs against 237.3 (369.4 and 351.8 µs on one thread). Writing
// memory near what the other core had used last cost the writer, though
// no cache line was shared (the reach, tens of KiB and more, is wider
// than a prefetcher's; its cause is not known). The bench's MLP step
// (the same model through nn.Sequential, in 20 ms runs) showed no
// difference beyond the noise. The space costs up to 2·guardLen elements
// per recycled buffer (address space only while untouched, until the
// collector zeroes reused memory for it), outside keepMaxBytes' count.
// Only recycled buffers get the space, so that results a program drops
// cost no more to make and collect; and at most guardSwapsMax a class
// between two garbage collections, so that a loop that recycles new
// buffers and drops guarded ones does not allocate twice every time.
const (
	guardMinLen   = 4096
	guardLen      = 8192 // 64 KiB
	guardSwapsMax = 16
)

// guardSwaps counts, per class, the buffers moved into guarded memory
// since the last garbage collection.
var guardSwaps [nClasses]atomic.Int32

// guard moves st, a buffer coming back to the pool of class c, into
// guarded memory if it is large enough, not guarded yet, and the class's
// budget allows. Its contents are dead and are not copied.
func guard(st *storage, c int) {
	size := cap(st.data)
	if size < guardMinLen || st.flags.Load()&guardedFlag != 0 || guardSwaps[c].Load() >= guardSwapsMax {
		return
	}
	guardSwaps[c].Add(1) // two goroutines at once may both pass: the bound is loose, the count never wraps
	all := make([]float64, guardLen+size+guardLen)
	st.data = all[guardLen : guardLen+size : guardLen+size]
	st.flags.Or(guardedFlag)
	if pooldebug.Poison.Load() {
		for i := range st.data {
			st.data[i] = math.NaN()
		}
	}
}

// recycled is the storage of every tensor that Recycle took the storage
// from: it holds nothing, so that a later use fails loudly (see live).
var recycled = &storage{}

// recycle hands t's storage back to the pool for later tensors to reuse,
// and reports whether it did. After a true result t must not be used again:
// its storage is gone, and any operation on it panics with a *Error saying
// so.
//
// Recycle does nothing (and returns false) unless t is the only tensor
// with that storage: made by an operation or constructor of this package
// (not FromData, whose storage belongs to the caller), with no view of it
// ever taken and its storage never exposed by Raw. The caller promises the
// rest: that nothing will read t again. Package autograd calls it for the
// intermediate values and gradients of a graph that backward frees.
func (t *Tensor) recycle() bool {
	st := t.st
	f := st.flags.Load()
	if f&classMask == 0 || f&(sharedFlag|viewedFlag) != 0 {
		return false
	}
	st.version++ // a use through a stale saved reference sees a change
	t.handBack(st)
	return true
}

// handBack gives st, which holds t's memory, to the pool (NaN-filled
// under pooldebug.Poison) and leaves t recycled.
func (t *Tensor) handBack(st *storage) {
	if pooldebug.Poison.Load() {
		for i := range st.data {
			st.data[i] = math.NaN()
		}
	}
	t.st = recycled
	putStorage(st)
}

// putStorage returns a pooled storage that nothing references any more
// (Recycle's, or a kernel's scratch buffer from newStorage) to its class.
// A storage of no class (newStorage's above poolMaxLen) is left to the
// garbage collector.
func putStorage(st *storage) {
	c := st.class() - 1
	if c < 0 {
		return
	}
	guard(st, c)
	if !kept[c].push(st) {
		pools[c].Put(st)
	}
}

// recycleOwner is recycle for the header t that made its storage (autograd
// calls it for a value marked Transient that is not itself a view), and
// reports whether it recycled. Unlike recycle it also takes a storage that
// has views, if package autograd took them all (viewedFlag, see
// markViewed): autograd recycles t only once every node reading those
// views has run, and the views die with the storage. The memory goes back
// to the pool under a new storage header, and the old one is left empty
// and dead, so that any later use of a view panics (see live) instead of
// reading memory that another tensor owns by then.
func (t *Tensor) recycleOwner() bool {
	st := t.st
	f := st.flags.Load()
	if f&viewedFlag == 0 || f&(sharedFlag|deadFlag) != 0 || f&classMask == 0 {
		return t.recycle()
	}
	if t.off != 0 || !t.contig || t.Numel() != len(st.data) {
		return false // a view's header: not the owner
	}
	if !st.flags.CompareAndSwap(f, f|deadFlag) {
		return false // a view was taken through this package meanwhile
	}
	fresh := &storage{data: st.data}
	fresh.flags.Store(f & (classMask | guardedFlag | splitReadFlag))
	st.data = nil
	st.version++ // a use through a stale saved reference sees a change
	t.handBack(fresh)
	return true
}

// markViewed is called by package autograd's view ops right after they
// took views of t with this package's view methods, which mark the
// storage shared; before is the storage's flags from viewState, read
// before the view. If nothing else had shared the storage, the views are
// autograd's alone, and the storage is marked viewed instead: its owner
// may still be recycled (see recycleOwner).
func markViewed(t *Tensor, before uint32) {
	if before&sharedFlag != 0 || t.st.data == nil {
		return
	}
	t.st.flags.CompareAndSwap(before|sharedFlag, before&^sharedFlag|viewedFlag)
}

// viewState returns the flags of t's storage, for markViewed.
func viewState(t *Tensor) uint32 { return t.st.flags.Load() }

// pinViews marks t's storage shared if autograd took views of it: t, a
// value that autograd hands to its caller or keeps for a backward formula
// outside the graph, may be one of those views, and its storage must then
// outlive the owner's recycling.
func pinViews(t *Tensor) {
	if t.st.flags.Load()&viewedFlag != 0 {
		t.share()
	}
}

// isRecyclable reports whether Recycle would take t's storage: t is the
// only tensor on a storage from the pool.
func (t *Tensor) isRecyclable() bool {
	f := t.st.flags.Load()
	return f&classMask != 0 && f&(sharedFlag|viewedFlag) == 0
}

// isRecycled reports whether t's storage was handed back by Recycle, or
// killed by recycleOwner.
func (t *Tensor) isRecycled() bool {
	return t.st == recycled || t.st.flags.Load()&deadFlag != 0
}

// live panics if t's storage was recycled (both recycled and a dead
// storage hold no data; an empty tensor may have none either, and passes).
// Entry points that read elements call it so that a use after Recycle
// names the operation instead of failing on an index.
func (t *Tensor) live(op string) {
	if t == nil || t.st.data == nil {
		t.usedAfterRecycle(op)
	}
}

func (t *Tensor) usedAfterRecycle(op string) {
	mustTensor(op, "receiver t", t)
	if t.Numel() > 0 {
		fail(op, [][]int{t.shape}, "tensor of shape %v was used after its storage was recycled: it was an intermediate value marked Transient (by nn.Sequential, nn/functional or your own code), whose storage autograd's backward hands back to the pool when it frees the graph, or it was passed to Recycle; Clone or Detach it before Backward to keep its values", t.shape)
	}
}

// markSplitRead records that a product split among goroutines (see
// kernels.GemmSplits: the count before it was before) read a and b, so
// that the pool hands their buffers, once back, to a split's output
// rather than to one goroutine's (see newStorageFor).
func markSplitRead(before uint64, a, b *Tensor) {
	if kernels.GemmSplits() == before {
		return
	}
	a.st.flags.Or(splitReadFlag)
	b.st.flags.Or(splitReadFlag)
}
