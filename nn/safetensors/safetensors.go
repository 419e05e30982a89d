package safetensors

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/adjoint-go/adjoint/tensor"
)

// Named is a tensor with the name it has in a file, such as "0.weight".
type Named struct {
	Name string
	T    *tensor.Tensor
}

// MaxHeaderSize is the largest JSON header Decode accepts, in bytes: the
// limit of the Rust implementation.
const MaxHeaderSize = 100_000_000

// metadataKey is the reserved header key of the string-to-string metadata.
const metadataKey = "__metadata__"

var (
	// ErrFormat is wrapped by every error about a malformed input.
	ErrFormat = errors.New("safetensors: invalid file")
	// ErrDType is wrapped by the error about a tensor whose dtype this
	// package does not read (anything but F64, F32, F16, BF16, I64 and I32).
	ErrDType = errors.New("safetensors: unsupported dtype")
	// ErrArg is wrapped by the errors of Write about its arguments: a nil
	// tensor, a duplicate, reserved or non-UTF-8 name.
	ErrArg = errors.New("safetensors: bad argument")
)

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// dtypeSize is the size in bytes of the dtypes Decode reads.
var dtypeSize = map[string]int{"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4}

// Write writes tensors and metadata to w in the safetensors format, every
// tensor as F64 in the order given (see the package documentation).
// metadata may be nil; an empty map is not written. Names must be unique,
// valid UTF-8 and not "__metadata__"; a tensor may have any layout (views
// are written as their contiguous values).
func Write(w io.Writer, tensors []Named, metadata map[string]string) error {
	header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	bw.Write(n[:])
	bw.Write(header)
	var chunk [4096]byte
	for _, nt := range tensors {
		var vals []float64
		if nt.T.IsContiguous() {
			vals = nt.T.Raw()
		} else {
			vals = nt.T.Data()
		}
		for len(vals) > 0 {
			k := min(len(vals), len(chunk)/8)
			for i, v := range vals[:k] {
				binary.LittleEndian.PutUint64(chunk[8*i:], math.Float64bits(v))
			}
			if _, err := bw.Write(chunk[:8*k]); err != nil {
				return fmt.Errorf("safetensors: write: %w", err)
			}
			vals = vals[k:]
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	return nil
}

// encodeHeader returns the JSON header of tensors and metadata, padded
// with spaces to a multiple of 8 bytes.
func encodeHeader(tensors []Named, metadata map[string]string) ([]byte, error) {
	seen := make(map[string]bool, len(tensors))
	for i, nt := range tensors {
		switch {
		case nt.T == nil:
			return nil, fmt.Errorf("%w: tensor %d (%q) is nil", ErrArg, i, nt.Name)
		case nt.Name == metadataKey:
			return nil, fmt.Errorf("%w: tensor %d is named %q, the key reserved for metadata", ErrArg, i, nt.Name)
		case !utf8.ValidString(nt.Name):
			return nil, fmt.Errorf("%w: tensor %d has a name that is not valid UTF-8: %q", ErrArg, i, nt.Name)
		case seen[nt.Name]:
			return nil, fmt.Errorf("%w: duplicate tensor name %q", ErrArg, nt.Name)
		}
		seen[nt.Name] = true
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, fmt.Errorf("%w: metadata %q: %q is not valid UTF-8", ErrArg, k, v)
		}
	}

	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	str := func(s string) {
		enc.Encode(s) // cannot fail for a string
		b.Truncate(b.Len() - 1)
	}
	b.WriteByte('{')
	if len(metadata) > 0 {
		str(metadataKey)
		b.WriteString(":{")
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			if i > 0 {
				b.WriteByte(',')
			}
			str(k)
			b.WriteByte(':')
			str(metadata[k])
		}
		b.WriteByte('}')
	}
	var off uint64
	for i, nt := range tensors {
		if i > 0 || len(metadata) > 0 {
			b.WriteByte(',')
		}
		str(nt.Name)
		b.WriteString(`:{"dtype":"F64","shape":[`)
		for j, d := range nt.T.Shape() {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
		}
		end := off + 8*uint64(nt.T.Numel())
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), nil
}

// WriteFile writes tensors and metadata to the named file as Write does,
// atomically: it writes a temporary file in the same directory, syncs it,
// and renames it over path, so path holds either the old file or the
// complete new one. The file's permissions are 0644.
func WriteFile(path string, tensors []Named, metadata map[string]string) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = Write(f, tensors, metadata); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// ReadFile reads the named safetensors file; see Decode. The file is read
// whole, so the memory used is the file's size plus the tensors'.
func ReadFile(path string) ([]Named, map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	ts, meta, err := Decode(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (reading %s)", err, path)
	}
	return ts, meta, nil
}

// Read reads a safetensors file from r, to the end of r; see Decode. The
// bytes are buffered as they arrive, so a reader that ends early costs no
// more memory than what it delivered.
func Read(r io.Reader) ([]Named, map[string]string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: read: %w", err)
	}
	return Decode(b)
}

// entry is a tensor's description in the header. Pointers tell a missing
// field from a zero one. The dimensions are parsed by validate, so that a
// dimension beyond int gets the same error on 32- and 64-bit platforms.
type entry struct {
	DType   *string        `json:"dtype"`
	Shape   *[]json.Number `json:"shape"`
	Offsets *[]uint64      `json:"data_offsets"`
}

// info is a validated entry.
type info struct {
	name       string
	dtype      string
	shape      []int
	begin, end uint64
}

// Decode parses a whole safetensors file held in b and returns its tensors
// (converted to float64; see the package documentation for the dtypes and
// the order) and its metadata (nil if the file has none). The tensors do
// not share memory with b. Every malformed input returns an error wrapping
// ErrFormat, an unsupported dtype one wrapping ErrDType; the header is
// validated before any tensor is allocated.
func Decode(b []byte) ([]Named, map[string]string, error) {
	if len(b) < 8 {
		return nil, nil, formatErr("%d bytes, shorter than the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > MaxHeaderSize {
		return nil, nil, formatErr("header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if n > uint64(len(b)-8) {
		return nil, nil, formatErr("header length %d is past the end of the %d-byte input", n, len(b))
	}
	infos, meta, err := parseHeader(b[8 : 8+n])
	if err != nil {
		return nil, nil, err
	}
	buf := b[8+n:]
	if err := checkLayout(infos, uint64(len(buf))); err != nil {
		return nil, nil, err
	}
	out := make([]Named, len(infos))
	for i, in := range infos {
		out[i] = Named{Name: in.name, T: decodeTensor(in, buf[in.begin:in.end])}
	}
	return out, meta, nil
}

// parseHeader reads the JSON header: the tensors in header order, each
// with a supported dtype and a consistent shape and byte range, and the
// metadata.
func parseHeader(h []byte) ([]info, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(h))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, formatErr("header is not a JSON object")
	}
	var (
		infos []info
		meta  map[string]string
		seen  = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, formatErr("header: %v", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, formatErr("header: key %v is not a string", tok)
		}
		if seen[name] {
			return nil, nil, formatErr("header: duplicate key %q", name)
		}
		seen[name] = true
		if name == metadataKey {
			if err := dec.Decode(&meta); err != nil {
				return nil, nil, formatErr("header: %s is not an object of strings: %v", metadataKey, err)
			}
			continue
		}
		var e entry
		if err := dec.Decode(&e); err != nil {
			return nil, nil, formatErr("header: tensor %q: %v", name, err)
		}
		in, err := validate(name, e)
		if err != nil {
			return nil, nil, err
		}
		infos = append(infos, in)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, formatErr("header: %v", err)
	}
	rest := h[dec.InputOffset():]
	if len(bytes.TrimLeft(rest, " \t\r\n")) != 0 {
		return nil, nil, formatErr("header: %d bytes after the JSON object that are not padding", len(rest))
	}
	return infos, meta, nil
}

// validate checks one entry on its own: fields present, dtype supported,
// dimensions non-negative integers, offsets and byte size within int (on
// 32-bit platforms too), element count matching the byte range.
func validate(name string, e entry) (info, error) {
	if e.DType == nil || e.Shape == nil || e.Offsets == nil {
		return info{}, formatErr("header: tensor %q lacks dtype, shape or data_offsets", name)
	}
	size, ok := dtypeSize[*e.DType]
	if !ok {
		return info{}, fmt.Errorf("%w: tensor %q is %s (adjoint reads F64, F32, F16, BF16, I64 and I32)", ErrDType, name, *e.DType)
	}
	if len(*e.Offsets) != 2 {
		return info{}, formatErr("header: tensor %q: data_offsets has %d values, not 2", name, len(*e.Offsets))
	}
	in := info{name: name, dtype: *e.DType, shape: make([]int, len(*e.Shape)), begin: (*e.Offsets)[0], end: (*e.Offsets)[1]}
	for i, d := range *e.Shape {
		v, err := strconv.ParseInt(string(d), 10, strconv.IntSize)
		switch {
		case errors.Is(err, strconv.ErrRange):
			return info{}, formatErr("tensor %q: dimension %s of shape %v overflows an int (%d bits)", name, d, *e.Shape, strconv.IntSize)
		case err != nil:
			return info{}, formatErr("tensor %q: dimension %s of shape %v is not an integer", name, d, *e.Shape)
		case v < 0:
			return info{}, formatErr("tensor %q: negative dimension in shape %v", name, *e.Shape)
		}
		in.shape[i] = int(v)
	}
	if in.begin > in.end {
		return info{}, formatErr("tensor %q: data_offsets [%d, %d] run backwards", name, in.begin, in.end)
	}
	// Offsets index a []byte: past math.MaxInt (2^31-1 on 32-bit
	// platforms) they cannot, whatever the input's size.
	if in.end > math.MaxInt {
		return info{}, formatErr("tensor %q: data_offsets [%d, %d] do not fit an int (%d bits)", name, in.begin, in.end, strconv.IntSize)
	}
	// The element count, computed without overflow; checkLayout then
	// bounds the span, and so the count, by the input's size. The
	// non-zero dimensions must multiply within the limit even beside a
	// zero one, or the tensor's strides would overflow.
	limit := uint64(math.MaxInt) / uint64(size)
	count, zero := uint64(1), false
	for _, d := range in.shape {
		if d == 0 {
			zero = true
			continue
		}
		if count > limit/uint64(d) {
			return info{}, formatErr("tensor %q: the element count of shape %v overflows", name, in.shape)
		}
		count *= uint64(d)
	}
	if zero {
		count = 0
	}
	if count*uint64(size) != in.end-in.begin {
		return info{}, formatErr("tensor %q: shape %v of %s needs %d bytes, data_offsets [%d, %d] span %d",
			name, in.shape, in.dtype, count*uint64(size), in.begin, in.end, in.end-in.begin)
	}
	return in, nil
}

// checkLayout sorts infos by their data and checks that their byte ranges
// cover [0, size) exactly.
func checkLayout(infos []info, size uint64) error {
	slices.SortStableFunc(infos, func(a, b info) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end))
	})
	var pos uint64
	for _, in := range infos {
		switch {
		case in.begin > pos:
			return formatErr("bytes [%d, %d) of the data buffer belong to no tensor", pos, in.begin)
		case in.begin < pos:
			return formatErr("tensor %q at [%d, %d) overlaps the tensor before it, which ends at %d", in.name, in.begin, in.end, pos)
		}
		pos = in.end
		if pos > size {
			return formatErr("tensor %q at [%d, %d) is past the end of the %d-byte data buffer", in.name, in.begin, in.end, size)
		}
	}
	if pos != size {
		return formatErr("bytes [%d, %d) of the data buffer belong to no tensor", pos, size)
	}
	return nil
}

// decodeTensor converts a validated tensor's bytes to float64.
func decodeTensor(in info, raw []byte) *tensor.Tensor {
	vals := make([]float64, len(raw)/dtypeSize[in.dtype])
	le := binary.LittleEndian
	switch in.dtype {
	case "F64":
		for i := range vals {
			vals[i] = math.Float64frombits(le.Uint64(raw[8*i:]))
		}
	case "F32":
		for i := range vals {
			vals[i] = float64(math.Float32frombits(le.Uint32(raw[4*i:])))
		}
	case "BF16":
		for i := range vals {
			vals[i] = float64(math.Float32frombits(uint32(le.Uint16(raw[2*i:])) << 16))
		}
	case "F16":
		for i := range vals {
			vals[i] = halfToFloat64(le.Uint16(raw[2*i:]))
		}
	case "I64": // PyTorch's integer buffers (BatchNorm's num_batches_tracked); exact up to 2^53
		for i := range vals {
			vals[i] = float64(int64(le.Uint64(raw[8*i:])))
		}
	case "I32":
		for i := range vals {
			vals[i] = float64(int32(le.Uint32(raw[4*i:])))
		}
	}
	if len(in.shape) == 0 {
		return tensor.Scalar(vals[0])
	}
	return tensor.FromData(vals, in.shape...)
}

// halfToFloat64 converts an IEEE 754 binary16 value exactly.
func halfToFloat64(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0: // zero or subnormal: frac · 2^-24
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac != 0 {
			// Keep the payload, as float32 conversion does.
			return float64(math.Float32frombits(uint32(h&0x8000)<<16 | 0x7f800000 | uint32(h&0x3ff)<<13))
		}
		return math.Inf(int(sign))
	}
	return sign * math.Ldexp(1024+frac, exp-25)
}
