package tensor

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/kernels"
)

// Tensor is an n-dimensional array of float64 values: a window, described
// by shape, strides and offset, onto a storage that views share.
//
// The zero value is not usable; make tensors with the constructors. A
// Tensor's shape never changes; operations return new tensors, and in-place
// methods (Set, Fill, Zero, AddInPlace, ...) change the values of the
// storage, which every view of it sees.
type Tensor struct {
	st      *storage
	off     int
	shape   []int
	strides []int
	contig  bool // row-major contiguous from off
}

// storage is the memory views share, with a version counter that in-place
// writes increment so that package autograd can tell when a value it saved
// for backward has changed.
type storage struct {
	data    []float64
	version uint32 // wraps after 2^32 writes; only equality is ever tested
	flags   atomic.Uint32
}

// storage.flags: the pool class + 1 in the low byte (0 when not pooled; set
// once, when the storage is made) and the shared bit, set when a view is
// taken or Raw exposes the data, after which the storage is never recycled.
// The viewed bit replaces the shared bit when every view of the storage
// was taken by package autograd's view ops (see markViewed): the storage's
// owner may then still hand it back (recycleOwner), which kills the
// storage for every header on it (the dead bit) instead of leaving the
// views to read memory the pool has given to another tensor. The guarded
// bit says that the data lies in memory with unused space around it (see
// guard), and stays with the storage through the pool. The split-read bit
// says that a product split among goroutines read the data (see
// newStorageFor); it goes back to the pool with the storage and is
// cleared when the pool hands it out again.
const (
	classMask  = 0xff
	sharedFlag = 1 << 8
	viewedFlag = 1 << 9
	deadFlag   = 1 << 10
	// guardedFlag: the data lies in guarded memory (see guard).
	guardedFlag = 1 << 11
	// splitReadFlag: a product split among goroutines read the data since
	// the pool last handed the storage out (see markSplitRead).
	splitReadFlag = 1 << 12
	ownerShift    = 16
	ownerMask     = 0xff << ownerShift // see SetOwner: an index into owners, 0 for none
)

// class returns the storage's pool class + 1, 0 if it is not pooled.
func (st *storage) class() int { return int(st.flags.Load() & classMask) }

// shared reports whether a header or slice outside package autograd's
// views may see the storage (a view taken through this package's API, or
// Raw's slice).
func (st *storage) shared() bool { return st.flags.Load()&sharedFlag != 0 }

// scalarBox lets a one-element tensor come from a single allocation.
type scalarBox struct {
	t  Tensor
	st storage
	v  [1]float64
}

// newScalar returns a 0-d tensor holding v.
func newScalar(v float64) *Tensor { return new(scalarBox).init(v) }

// init makes b's tensor a 0-d tensor holding v and returns it.
func (b *scalarBox) init(v float64) *Tensor {
	b.v[0] = v
	b.st.data = b.v[:]
	b.t.st = &b.st
	b.t.contig = true
	return &b.t
}

// ScalarCell is a 0-d tensor, with its storage, and a value of type E
// beside it, in one allocation. A package that keeps a record of its own
// with each scalar it makes (package autograd keeps the graph node of a
// 0-d result in Extra) pays one allocation for both instead of two. The
// cell lives as long as anything references its tensor, the tensor's
// storage or Extra: whatever Extra references stays alive as long as the
// tensor does.
//
// The zero value holds no tensor; Init makes it.
type ScalarCell[E any] struct {
	// Extra is the caller's value kept beside the tensor.
	Extra E
	box   scalarBox
}

// Init makes the cell's tensor a 0-d tensor holding v and returns it. Call
// it once, on a new cell: calling it again would reset a tensor that
// others may hold.
func (c *ScalarCell[E]) Init(v float64) *Tensor { return c.box.init(v) }

// maxNumel is the most elements a tensor's storage may hold: 2^45
// float64s (256 TiB, the most a Go slice can span on 64-bit platforms)
// or, on 32-bit ones, what fits in half the address space. Larger counts
// would make the runtime's makeslice fail; they panic with an *Error
// instead. Views that allocate nothing (an Expand) may be larger.
const maxNumel = min(1<<45, math.MaxInt/16)

// numelOf returns the number of elements of shape, panicking with an
// *Error naming op and the shape if a size is negative or the product of
// the sizes does not fit in an int. It is the one place shapes are
// counted: constructors, view methods and operations check every shape
// they make through it, so that Numel can multiply without checks. The
// product of the non-zero sizes must fit even when a size is 0, so that
// the strides of an empty shape do not overflow either (PyTorch refuses
// such shapes too).
func numelOf(op string, shape []int) int {
	n, empty := 1, false
	for _, d := range shape {
		if d <= 0 {
			if d < 0 {
				badShape(op, shape, "negative dimension in shape %v")
			}
			empty = true
			continue
		}
		var ok bool
		if n, ok = mulSize(n, d); !ok {
			badShape(op, shape, overflowMsg)
		}
	}
	if empty {
		return 0
	}
	return n
}

const overflowMsg = "shape %v has too many elements: the product of its sizes overflows int"

// mulSize returns n·d for non-negative sizes, and whether the product fits
// in an int.
func mulSize(n, d int) (int, bool) {
	hi, lo := bits.Mul(uint(n), uint(d))
	return int(lo), hi == 0 && lo <= math.MaxInt
}

// addInts returns a + b, and whether the sum fits in an int.
func addInts(a, b int) (int, bool) {
	if (b > 0 && a > math.MaxInt-b) || (b < 0 && a < math.MinInt-b) {
		return 0, false
	}
	return a + b, true
}

// padded returns size + before + after (either may be negative) and
// whether the sum fits in an int; the smaller term is added first, so that
// only a sum that does not fit overflows.
func padded(size, before, after int) (int, bool) {
	n, ok := addInts(size, min(before, after))
	if !ok {
		return 0, false
	}
	return addInts(n, max(before, after))
}

// allocNumel is numelOf for a shape whose elements are about to be
// allocated: it also panics if there are more than maxNumel.
func allocNumel(op string, shape []int) int {
	n := numelOf(op, shape)
	if n > maxNumel {
		tooLarge(op, shape, n)
	}
	return n
}

// badShape panics with format, which holds one %v for the shape.
func badShape(op string, shape []int, format string) {
	s := append([]int(nil), shape...) // a copy, so that shape does not escape
	fail(op, [][]int{s}, format, s)
}

func tooLarge(op string, shape []int, n int) {
	s := append([]int(nil), shape...)
	fail(op, [][]int{s}, "shape %v has %d elements; a tensor's storage holds at most %d (%d bytes)", s, n, maxNumel, maxNumel*8)
}

// contiguousStrides writes the row-major strides of shape into st.
func contiguousStrides(shape, st []int) {
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
}

// shapeAndStrides allocates shape and strides slices for ndim dimensions in
// one allocation.
func shapeAndStrides(ndim int) (shape, strides []int) {
	if ndim == 0 {
		return nil, nil
	}
	buf := make([]int, 2*ndim)
	return buf[:ndim:ndim], buf[ndim:]
}

// tensorBox holds a tensor header with room for the shape and strides of up
// to four dimensions, so that most tensors cost one allocation besides
// their (pooled) storage.
type tensorBox struct {
	t    Tensor
	dims [8]int
}

// empty returns a contiguous tensor of the given shape whose values are
// zero, with storage from the pool. shape is copied.
func empty(op string, shape []int) *Tensor { return alloc(op, shape, true) }

// uninit is empty for callers that write every element before reading
// any: a recycled storage keeps its old values.
func uninit(op string, shape []int) *Tensor { return alloc(op, shape, false) }

func alloc(op string, shape []int, zero bool) *Tensor {
	return allocFor(op, shape, zero, false)
}

// allocFor is alloc for an output that a split product will write when
// split is set (see newStorageFor).
func allocFor(op string, shape []int, zero, split bool) *Tensor {
	n := allocNumel(op, shape)
	if len(shape) == 0 {
		return newScalar(0)
	}
	var t *Tensor
	if len(shape) <= 4 {
		b := &tensorBox{}
		t = &b.t
		t.shape, t.strides = b.dims[:len(shape):len(shape)], b.dims[4:4+len(shape)]
	} else {
		t = &Tensor{}
		t.shape, t.strides = shapeAndStrides(len(shape))
	}
	if n == 0 {
		t.st = &storage{data: []float64{}}
	} else {
		t.st = newStorageFor(n, zero, split)
	}
	t.contig = true
	copy(t.shape, shape)
	contiguousStrides(t.shape, t.strides)
	return t
}

// view returns a tensor over t's storage with the given layout, for use
// inside this package where the caller knows which header survives (see
// sharedView).
//
// Every header keeps the invariant that the kernels rely on: each element
// it addresses lies inside the storage, so that st.data[off:off+span] is
// always a valid slice. A view with no elements addresses nothing, and its
// offset is set to 0: a Select or Slice along a non-empty dimension of a
// tensor with an empty one (Zeros(0, 3).Select(1, 2)) would otherwise
// carry an offset past the end of an empty storage.
func (t *Tensor) view(off int, shape, strides []int) *Tensor {
	for _, d := range shape {
		if d == 0 {
			off = 0
			break
		}
	}
	return &Tensor{st: t.st, off: off, shape: shape, strides: strides, contig: isContiguous(shape, strides)}
}

// sharedView is view for the exported view methods: the storage is marked
// shared, so that Recycle never takes it from under the view or t.
func (t *Tensor) sharedView(off int, shape, strides []int) *Tensor {
	t.share()
	return t.view(off, shape, strides)
}

// share marks t's storage as seen by more than one header.
func (t *Tensor) share() {
	if !t.st.shared() {
		t.st.flags.Or(sharedFlag)
	}
}

// unshared declares that t, made by this package, is again the only header on
// its storage (internal views of it are gone), and returns t.
func (t *Tensor) unshared() *Tensor {
	t.st.flags.And(classMask | ownerMask | guardedFlag)
	return t
}

// owners are the names given to SetOwner, by index - 1; a storage's flags
// hold the index (an 8-bit field: the first 255 names get one, later ones
// share the last).
var owners struct {
	sync.Mutex
	names []string
}

// SetOwner records that t's storage belongs to owner, code that will write
// new values into it while others may still hold t (a data loader's batch
// buffer, reused for a later batch), and returns t. It changes nothing
// about t's values; messages about the storage having changed under a
// reader (such as autograd's check of values saved for backward) name the
// owner, so that the reader knows whom the storage belongs to and to keep
// a Clone. A view of t shares the record.
func (t *Tensor) SetOwner(owner string) *Tensor {
	t.live("SetOwner")
	owners.Lock()
	id := slices.Index(owners.names, owner) + 1
	if id == 0 {
		if len(owners.names) < 255 {
			owners.names = append(owners.names, owner)
		}
		id = len(owners.names)
	}
	owners.Unlock()
	for {
		old := t.st.flags.Load()
		if t.st.flags.CompareAndSwap(old, old&^ownerMask|uint32(id)<<ownerShift) {
			return t
		}
	}
}

// Owner returns the owner recorded by SetOwner for t's storage, or "".
func (t *Tensor) Owner() string {
	id := int(t.st.flags.Load()&ownerMask) >> ownerShift
	if id == 0 {
		return ""
	}
	owners.Lock()
	defer owners.Unlock()
	return owners.names[id-1]
}

func isContiguous(shape, strides []int) bool {
	for _, d := range shape {
		if d == 0 {
			return true
		}
	}
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 && strides[i] != s {
			return false
		}
		s *= shape[i]
	}
	return true
}

// New returns a tensor of the given shape holding a copy of data in
// row-major order. With no shape, the tensor is 1-D of len(data) elements.
// It panics if len(data) is not the product of shape.
func New(data []float64, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	if n := numelOf("New", shape); n != len(data) || len(shape) == 0 || n == 0 {
		return fromData("New", append([]float64(nil), data...), shape) // checks, and the odd cases
	}
	t := uninit("New", shape)
	copy(t.st.data, data)
	return t
}

// FromData is like New but uses data as the tensor's storage without
// copying it: writes to data are seen by the tensor and the other way round.
func FromData(data []float64, shape ...int) *Tensor { return fromData("FromData", data, shape) }

func fromData(op string, data []float64, shape []int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	if n := numelOf(op, shape); n != len(data) {
		fail(op, [][]int{shape}, "%d values cannot fill shape %v (%d elements)", len(data), shape, n)
	}
	if data == nil {
		data = []float64{}
	}
	t := &Tensor{st: &storage{data: data}, contig: true}
	t.shape, t.strides = shapeAndStrides(len(shape))
	copy(t.shape, shape)
	contiguousStrides(t.shape, t.strides)
	return t
}

// Scalar returns a 0-d tensor holding v.
func Scalar(v float64) *Tensor { return newScalar(v) }

// Zeros returns a tensor of the given shape filled with 0. With no shape it
// is 0-d.
func Zeros(shape ...int) *Tensor { return empty("Zeros", shape) }

// Ones returns a tensor of the given shape filled with 1.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full returns a tensor of the given shape filled with v.
func Full(v float64, shape ...int) *Tensor {
	t := uninit("Full", shape)
	kernels.Fill(t.st.data, v)
	return t
}

// Arange returns the 1-D tensor start, start+step, ... of the values below
// end (above end for a negative step), like torch.arange: empty when start
// equals end. Like torch.arange it panics if step is zero or not finite,
// or if it leads away from end (a negative step with end above start, a
// positive one with end below start).
func Arange(start, end, step float64) *Tensor {
	if step == 0 {
		fail("Arange", nil, "step must be nonzero: start=%v end=%v step=%v", start, end, step)
	}
	if (step > 0 && end < start) || (step < 0 && end > start) {
		fail("Arange", nil, "upper bound and larger bound inconsistent with step sign: start=%v end=%v step=%v", start, end, step)
	}
	count := math.Ceil((end - start) / step)
	if step == 0 || math.IsInf(step, 0) || math.IsNaN(count) || math.IsInf(count, 0) {
		fail("Arange", nil, "invalid range start=%v end=%v step=%v", start, end, step)
	}
	if count > 1<<40 {
		fail("Arange", nil, "range start=%v end=%v step=%v has too many elements", start, end, step)
	}
	n := max(int(count), 0)
	t := uninit("Arange", []int{n})
	for i := range t.st.data {
		t.st.data[i] = start + float64(i)*step
	}
	return t
}

// Eye returns the n×n identity matrix.
func Eye(n int) *Tensor {
	t := empty("Eye", []int{n, n})
	for i := 0; i < n; i++ {
		t.st.data[i*n+i] = 1
	}
	return t
}

// Rand returns a tensor of the given shape with values uniform in [0, 1)
// drawn from rng.
func Rand(rng *rand.Rand, shape ...int) *Tensor {
	mustRNG("Rand", rng)
	t := uninit("Rand", shape)
	for i := range t.st.data {
		t.st.data[i] = rng.Float64()
	}
	return t
}

// Randn returns a tensor of the given shape with standard normal values
// drawn from rng.
func Randn(rng *rand.Rand, shape ...int) *Tensor {
	mustRNG("Randn", rng)
	t := uninit("Randn", shape)
	for i := range t.st.data {
		t.st.data[i] = rng.NormFloat64()
	}
	return t
}

// mustRNG panics with an *Error naming op if rng is nil.
func mustRNG(op string, rng *rand.Rand) {
	if rng == nil {
		fail(op, nil, "rng is a nil *rand.Rand")
	}
}

// ZerosLike returns a contiguous tensor of zeros with t's shape.
func ZerosLike(t *Tensor) *Tensor {
	mustTensor("ZerosLike", "t", t)
	return empty("ZerosLike", t.shape)
}

// OnesLike returns a contiguous tensor of ones with t's shape.
func OnesLike(t *Tensor) *Tensor {
	mustTensor("OnesLike", "t", t)
	return Full(1, t.shape...)
}

// Shape returns a copy of the tensor's shape (empty for a 0-d tensor).
func (t *Tensor) Shape() []int { return append([]int{}, t.shape...) }

// Strides returns a copy of the tensor's strides, in elements.
func (t *Tensor) Strides() []int { return append([]int{}, t.strides...) }

// Offset returns the position of the tensor's first element in its
// storage; 0 for a tensor with no elements.
func (t *Tensor) Offset() int { return t.off }

// Dim returns the number of dimensions.
func (t *Tensor) Dim() int { return len(t.shape) }

// Size returns the length of dimension d; a negative d counts from the end.
func (t *Tensor) Size(d int) int { return t.shape[t.axis("Size", d)] }

// Numel returns the number of elements.
func (t *Tensor) Numel() int {
	n := 1
	for _, d := range t.shape {
		n *= d
	}
	return n
}

// IsContiguous reports whether the elements lie in row-major order without
// gaps, so that the tensor's values are one run of its storage.
func (t *Tensor) IsContiguous() bool { return t.contig }

// Version returns the storage's version counter, which every in-place write
// to the storage (through this tensor or any view sharing it) increments.
func (t *Tensor) Version() uint64 { return uint64(t.st.version) }

// SameStorage reports whether t and u are views of the same storage.
func (t *Tensor) SameStorage(u *Tensor) bool {
	if t == nil || u == nil {
		panic(errSameStorageNil) // a prebuilt value, so that SameStorage inlines
	}
	return t.st == u.st
}

var errSameStorageNil = &Error{Pkg: "tensor", Op: "SameStorage", Msg: "receiver t or argument u is a nil *Tensor"}

// flat returns the elements of a contiguous tensor as a slice of its
// storage.
func (t *Tensor) flat() []float64 {
	if t.st.data == nil {
		t.live("read")
	}
	return t.st.data[t.off : t.off+t.Numel()]
}

// Raw returns the elements of a contiguous tensor as a slice of its storage,
// without copying: writes to it change the tensor (and every view sharing
// its storage) without incrementing the version. It panics if t is not
// contiguous. It is for code that runs kernels on tensors directly, such as
// optimizers; call MarkModified after writing.
func (t *Tensor) Raw() []float64 {
	mustTensor("Raw", "receiver t", t)
	if !t.contig {
		fail("Raw", [][]int{t.shape, t.strides}, "tensor of shape %v with strides %v is not contiguous", t.shape, t.strides)
	}
	t.share() // the slice escapes: never recycle this storage
	return t.flat()
}

// MarkModified increments the storage's version, as an in-place method
// does; call it after writing through Raw.
func (t *Tensor) MarkModified() { t.st.version++ }

// axis resolves a possibly negative dimension index, panicking if it is out
// of range.
func (t *Tensor) axis(op string, d int) int {
	mustTensor(op, "receiver t", t)
	return axisOf(op, t.shape, d, len(t.shape))
}

func axisOf(op string, shape []int, d, ndim int) int {
	if d < -ndim || d >= ndim {
		lo, hi := -ndim, ndim-1
		if ndim == 0 {
			lo, hi = 0, -1
		}
		fail(op, [][]int{shape}, "dimension %d out of range [%d, %d] for shape %v", d, lo, hi, shape)
	}
	if d < 0 {
		d += ndim
	}
	return d
}

// index returns the storage position of the element at idx.
func (t *Tensor) index(op string, idx []int) int {
	t.live(op) // and not nil
	if len(idx) != len(t.shape) {
		fail(op, [][]int{t.shape}, "%d indices for a tensor of shape %v", len(idx), t.shape)
	}
	p := t.off
	for i, v := range idx {
		d := t.shape[i]
		if v < -d || v >= d {
			fail(op, [][]int{t.shape}, "index %v out of range for shape %v", idx, t.shape)
		}
		if v < 0 {
			v += d
		}
		p += v * t.strides[i]
	}
	return p
}

// At returns the element at idx (one index per dimension; negative indices
// count from the end).
func (t *Tensor) At(idx ...int) float64 { return t.st.data[t.index("At", idx)] }

// Set sets the element at idx to v, in place. It panics if t's elements
// overlap in memory (an expanded view), as the other in-place methods do.
func (t *Tensor) Set(v float64, idx ...int) {
	p := t.index("Set", idx)
	t.writable("Set")
	t.st.data[p] = v
	t.st.version++
}

// Item returns the value of a one-element tensor.
func (t *Tensor) Item() float64 {
	t.live("Item") // and not nil
	if t.Numel() != 1 {
		fail("Item", [][]int{t.shape}, "tensor of shape %v has %d elements, not 1", t.shape, t.Numel())
	}
	return t.st.data[t.off]
}

// Data returns a contiguous copy of the elements in row-major order.
func (t *Tensor) Data() []float64 {
	t.live("Data") // and not nil
	out := make([]float64, allocNumel("Data", t.shape))
	if t.contig {
		copy(out, t.flat())
		return out
	}
	copyStrided(out, t)
	return out
}

// SameShape reports whether t and u have the same shape.
func (t *Tensor) SameShape(u *Tensor) bool {
	if t == nil || u == nil {
		panic(errSameShapeNil) // a prebuilt value, so that SameShape inlines
	}
	return sameShape(t.shape, u.shape)
}

var errSameShapeNil = &Error{Pkg: "tensor", Op: "SameShape", Msg: "receiver t or argument u is a nil *Tensor"}
