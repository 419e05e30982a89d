package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/nn/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// file assembles a safetensors file from a header and a data buffer.
func file(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// f64s returns the little-endian bytes of vals.
func f64s(vals ...float64) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		tensors []safetensors.Named
		meta    map[string]string
	}{
		{"no tensors and no metadata", nil, nil},
		{"a matrix and a vector", []safetensors.Named{
			{Name: "0.weight", T: tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)},
			{Name: "0.bias", T: tensor.New([]float64{-1, 0.5}, 2)},
		}, map[string]string{"format": "pt"}},
		{"a 0-d tensor and a zero-sized one between others", []safetensors.Named{
			{Name: "a", T: tensor.New([]float64{1, 2}, 2)},
			{Name: "empty", T: tensor.Zeros(0, 3)},
			{Name: "step", T: tensor.Scalar(7)},
		}, nil},
		{"a transposed view, written as its contiguous values", []safetensors.Named{
			{Name: "t", T: tensor.Arange(0, 6, 1).Reshape(2, 3).Transpose(0, 1)},
		}, nil},
		{"special values keep their bits", []safetensors.Named{
			{Name: "s", T: tensor.New([]float64{math.NaN(), math.Inf(1), math.Copysign(0, -1), 5e-324, -math.MaxFloat64}, 5)},
		}, nil},
		{"names and metadata needing JSON escapes", []safetensors.Named{
			{Name: "a\"b\\c\n<é>", T: tensor.Scalar(1)},
		}, map[string]string{"k\"": "v\n", "": "<&>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := safetensors.Write(&buf, tt.tensors, tt.meta); err != nil {
				t.Fatal(err)
			}
			b := buf.Bytes()
			n := binary.LittleEndian.Uint64(b)
			if (8+n)%8 != 0 {
				t.Errorf("header of %d bytes leaves the data unaligned", n)
			}
			got, meta, err := safetensors.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, got, tt.tensors)
			if len(meta) != len(tt.meta) {
				t.Errorf("metadata %v, want %v", meta, tt.meta)
			}
			for k, v := range tt.meta {
				if meta[k] != v {
					t.Errorf("metadata[%q] = %q, want %q", k, meta[k], v)
				}
			}
			got2, _, err := safetensors.Read(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, got2, tt.tensors)
		})
	}
}

func TestDecodeOtherDTypes(t *testing.T) {
	le := binary.LittleEndian
	var f32, f16, bf16 []byte
	for _, v := range []float32{1.5, -0.1, float32(math.Inf(1))} {
		f32 = le.AppendUint32(f32, math.Float32bits(v))
	}
	// F16: 1, -2, 65504 (max), 2^-24 (smallest subnormal), 2^-14 (smallest
	// normal), -0, +Inf, NaN.
	for _, h := range []uint16{0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x8000, 0x7c00, 0x7e00} {
		f16 = le.AppendUint16(f16, h)
	}
	// BF16: 1, -2.5, 2^-133 (smallest subnormal).
	for _, h := range []uint16{0x3f80, 0xc020, 0x0001} {
		bf16 = le.AppendUint16(bf16, h)
	}
	data := slices.Concat(f32, f16, bf16)
	h := `{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},` +
		`"b":{"dtype":"F16","shape":[2,4],"data_offsets":[12,28]},` +
		`"c":{"dtype":"BF16","shape":[3],"data_offsets":[28,34]}}`
	got, meta, err := safetensors.Decode(file(h, data))
	if err != nil {
		t.Fatal(err)
	}
	if meta != nil {
		t.Errorf("metadata %v, want nil", meta)
	}
	want := map[string][]float64{
		"a": {1.5, float64(float32(-0.1)), math.Inf(1)},
		"b": {1, -2, 65504, math.Ldexp(1, -24), math.Ldexp(1, -14), math.Copysign(0, -1), math.Inf(1), math.NaN()},
		"c": {1, -2.5, math.Ldexp(1, -133)},
	}
	for _, nt := range got {
		t.Run(nt.Name+" converts exactly", func(t *testing.T) {
			for i, w := range want[nt.Name] {
				g := nt.T.Data()[i]
				if g != w && !(math.IsNaN(g) && math.IsNaN(w)) || math.Signbit(g) != math.Signbit(w) {
					t.Errorf("value %d = %v, want %v", i, g, w)
				}
			}
		})
	}
	if s := got[1].T.Shape(); !slices.Equal(s, []int{2, 4}) {
		t.Errorf("F16 shape %v", s)
	}
}

func TestDecodeReturnsTensorsInDataOrder(t *testing.T) {
	h := `{"late":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},` +
		`"__metadata__":{"x":"y"},` +
		`"z0":{"dtype":"F64","shape":[0],"data_offsets":[8,8]},` +
		`"early":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}   `
	got, meta, err := safetensors.Decode(file(h, f64s(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, nt := range got {
		names = append(names, nt.Name)
	}
	if want := []string{"early", "z0", "late"}; !slices.Equal(names, want) {
		t.Errorf("order %v, want %v", names, want)
	}
	if got[0].T.Item() != 1 || got[2].T.Item() != 2 || meta["x"] != "y" {
		t.Errorf("values %v %v, metadata %v", got[0].T, got[2].T, meta)
	}
}

func TestDecodeRejectsBadInput(t *testing.T) {
	one := f64s(1)
	entry := func(name, dtype, shape string, b, e int) string {
		return fmt.Sprintf(`%q:{"dtype":%q,"shape":%s,"data_offsets":[%d,%d]}`, name, dtype, shape, b, e)
	}
	hugeHeader := binary.LittleEndian.AppendUint64(nil, safetensors.MaxHeaderSize+1)
	// Offsets past 2^32 leave the data of a small file on 64-bit
	// platforms, and do not fit an int on 32-bit ones.
	past4G := "past the end of the 8-byte data buffer"
	if strconv.IntSize == 32 {
		past4G = "do not fit an int (32 bits)"
	}
	tests := []struct {
		name  string
		input []byte
		want  string
		dtype bool // wraps ErrDType rather than ErrFormat
	}{
		{"an empty input", nil, "shorter than the 8-byte header length", false},
		{"seven bytes", make([]byte, 7), "shorter than the 8-byte", false},
		{"a header length past the end", slices.Concat(binary.LittleEndian.AppendUint64(nil, 100), []byte("{}")), "past the end of the 10-byte input", false},
		{"a header length above the limit", slices.Concat(hugeHeader, []byte("{}")), "exceeds the limit", false},
		{"a header length of 2^64-1", binary.LittleEndian.AppendUint64(nil, math.MaxUint64), "exceeds the limit", false},
		{"a header that is not JSON", file("{nope", nil), "header", false},
		{"a header that is a JSON array", file("[]", nil), "not a JSON object", false},
		{"an empty header", file("", nil), "not a JSON object", false},
		{"a header cut inside the object", file(`{"a":{"dtype":"F64"`, nil), "header", false},
		{"bytes after the JSON object", file(`{} x`, nil), "not padding", false},
		{"a second JSON object", file(`{}{}`, nil), "not padding", false},
		{"a duplicate tensor name", file("{"+entry("a", "F64", "[1]", 0, 8)+","+entry("a", "F64", "[1]", 8, 16)+"}", f64s(1, 2)), `duplicate key "a"`, false},
		{"a duplicate metadata key", file(`{"__metadata__":{},"__metadata__":{}}`, nil), "duplicate key", false},
		{"metadata with a number value", file(`{"__metadata__":{"a":1}}`, nil), "not an object of strings", false},
		{"metadata that is a string", file(`{"__metadata__":"x"}`, nil), "not an object of strings", false},
		{"a tensor that is not an object", file(`{"a":[1,2]}`, nil), `tensor "a"`, false},
		{"a tensor without dtype", file(`{"a":{"shape":[1],"data_offsets":[0,8]}}`, one), "lacks dtype", false},
		{"a tensor with a null shape", file(`{"a":{"dtype":"F64","shape":null,"data_offsets":[0,8]}}`, one), "lacks", false},
		{"a tensor without data_offsets", file(`{"a":{"dtype":"F64","shape":[1]}}`, one), "lacks", false},
		{"three data offsets", file(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8,16]}}`, one), "3 values, not 2", false},
		{"a negative data offset", file(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[-8,0]}}`, one), `tensor "a"`, false},
		{"a fractional dimension", file(`{"a":{"dtype":"F64","shape":[1.5],"data_offsets":[0,8]}}`, one), `tensor "a"`, false},
		{"a dimension beyond int64", file(`{"a":{"dtype":"F64","shape":[1e30],"data_offsets":[0,8]}}`, one), `tensor "a"`, false},
		{"a negative dimension", file("{"+entry("a", "F64", "[-1,-8]", 0, 8)+"}", one), "negative dimension", false},
		{"an unsupported integer dtype", file("{"+entry("a", "I16", "[4]", 0, 8)+"}", one), `tensor "a" is I16`, true},
		{"an unknown dtype", file("{"+entry("a", "F128", "[1]", 0, 16)+"}", f64s(1, 2)), "F128", true},
		{"offsets that run backwards", file("{"+entry("a", "F64", "[1]", 8, 0)+"}", one), "run backwards", false},
		{"a span that does not match the shape", file("{"+entry("a", "F64", "[2]", 0, 8)+"}", one), "needs 16 bytes", false},
		{"a span not a multiple of the dtype", file("{"+entry("a", "F64", "[1]", 0, 9)+"}", f64s(1, 2)), "needs 8 bytes", false},
		{"dimensions whose product overflows", file("{"+entry("a", "F64", "[4294967296,4294967296,4294967296]", 0, 8)+"}", one), "overflows", false},
		{"dimensions whose product wraps to the span", file("{"+entry("a", "F64", "[2305843009213693953,8]", 0, 64)+"}", make([]byte, 64)), "overflows", false},
		{"a huge shape with offsets past the data", file("{"+entry("a", "F64", "[100000000]", 0, 800000000)+"}", one), "past the end of the 8-byte data buffer", false},
		{"offsets 2^32 apart", file(`{"a":{"dtype":"F64","shape":[536870912],"data_offsets":[0,4294967296]}}`, one), past4G, false},
		{"data offsets beyond int64", file(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[9223372036854775808,9223372036854775816]}}`, one), "do not fit an int", false},
		{"data offsets of 2^64-1", file(`{"a":{"dtype":"F64","shape":[0],"data_offsets":[18446744073709551615,18446744073709551615]}}`, nil), "do not fit an int", false},
		{"a dimension of 2^63", file(`{"a":{"dtype":"F64","shape":[9223372036854775808],"data_offsets":[0,8]}}`, one), "dimension 9223372036854775808 of shape [9223372036854775808] overflows an int", false},
		{"a dimension in exponent notation", file(`{"a":{"dtype":"F64","shape":[1e0],"data_offsets":[0,8]}}`, one), "dimension 1e0 of shape [1e0] is not an integer", false},
		{"a zero dimension beside dimensions whose product overflows", file("{"+entry("a", "F64", "[0,4611686018427387904,4]", 0, 0)+"}", nil), "overflows", false},
		{"a zero dimension beside dimensions above the byte limit", file("{"+entry("a", "F16", "[2147483648,0,2147483648]", 0, 0)+"}", nil), "overflows", false},
		{"a tensor past the end of the data", file("{"+entry("a", "F64", "[2]", 0, 16)+"}", one), "past the end", false},
		{"a hole at the start", file("{"+entry("a", "F64", "[1]", 8, 16)+"}", f64s(1, 2)), "bytes [0, 8) of the data buffer belong to no tensor", false},
		{"a hole between tensors", file("{"+entry("a", "F64", "[1]", 0, 8)+","+entry("b", "F64", "[1]", 16, 24)+"}", f64s(1, 2, 3)), "bytes [8, 16)", false},
		{"overlapping tensors", file("{"+entry("a", "F64", "[2]", 0, 16)+","+entry("b", "F64", "[1]", 8, 16)+"}", f64s(1, 2)), "overlaps", false},
		{"two tensors on the same bytes", file("{"+entry("a", "F64", "[1]", 0, 8)+","+entry("b", "F64", "[1]", 0, 8)+"}", one), "overlaps", false},
		{"trailing data no tensor covers", file("{"+entry("a", "F64", "[1]", 0, 8)+"}", f64s(1, 2)), "bytes [8, 16)", false},
		{"data but no tensors", file("{}", one), "bytes [0, 8)", false},
		{"truncated data", file("{"+entry("a", "F64", "[2]", 0, 16)+"}", f64s(1))[:8+len(entry("a", "F64", "[2]", 0, 16))+2+12], "past the end", false},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an error", func(t *testing.T) {
			got, meta, err := safetensors.Decode(tt.input)
			if err == nil {
				t.Fatalf("no error; got %d tensors, metadata %v", len(got), meta)
			}
			if got != nil || meta != nil {
				t.Errorf("results returned with the error")
			}
			want := safetensors.ErrFormat
			if tt.dtype {
				want = safetensors.ErrDType
			}
			if !errors.Is(err, want) {
				t.Errorf("error %q does not wrap %v", err, want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestDecodeOfALyingHeaderAllocatesLittle(t *testing.T) {
	// The header promises 10^8 float64s (800 MB); the input holds 8 bytes.
	h := `{"a":{"dtype":"F64","shape":[100000000],"data_offsets":[0,800000000]}}`
	b := file(h, f64s(1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := safetensors.Decode(b)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("no error")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("allocated %d bytes for a %d-byte input", n, len(b))
	}
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteRejectsBadArguments(t *testing.T) {
	x := tensor.Scalar(1)
	tests := []struct {
		name    string
		tensors []safetensors.Named
		meta    map[string]string
		want    string
	}{
		{"a nil tensor", []safetensors.Named{{Name: "a"}}, nil, `tensor 0 ("a") is nil`},
		{"a duplicate name", []safetensors.Named{{Name: "a", T: x}, {Name: "a", T: x}}, nil, `duplicate tensor name "a"`},
		{"the reserved metadata name", []safetensors.Named{{Name: "__metadata__", T: x}}, nil, "reserved"},
		{"a name that is not UTF-8", []safetensors.Named{{Name: "\xff", T: x}}, nil, "not valid UTF-8"},
		{"metadata that is not UTF-8", nil, map[string]string{"k": "\xff"}, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an error and writes nothing", func(t *testing.T) {
			var buf bytes.Buffer
			err := safetensors.Write(&buf, tt.tensors, tt.meta)
			if !errors.Is(err, safetensors.ErrArg) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrArg mentioning %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written", buf.Len())
			}
		})
	}
	t.Run("a failing writer is an error", func(t *testing.T) {
		big := tensor.Zeros(100000)
		for _, n := range []int{0, 8, 100, 500000} {
			err := safetensors.Write(&failWriter{n: n}, []safetensors.Named{{Name: "big", T: big}}, nil)
			if err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("after %d bytes: error %v", n, err)
			}
		}
	})
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	ts := []safetensors.Named{{Name: "w", T: tensor.New([]float64{1, 2}, 2)}}
	t.Run("writes a file that ReadFile reads back, leaving no temporary file", func(t *testing.T) {
		if err := safetensors.WriteFile(path, ts, nil); err != nil {
			t.Fatal(err)
		}
		got, _, err := safetensors.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, got, ts)
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("directory holds %d entries", len(entries))
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("mode %v, err %v", fi.Mode(), err)
		}
	})
	t.Run("replaces an existing file", func(t *testing.T) {
		ts2 := []safetensors.Named{{Name: "v", T: tensor.Scalar(3)}}
		if err := safetensors.WriteFile(path, ts2, nil); err != nil {
			t.Fatal(err)
		}
		got, _, err := safetensors.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, got, ts2)
	})
	t.Run("bad arguments leave the old file and no temporary file", func(t *testing.T) {
		err := safetensors.WriteFile(path, []safetensors.Named{{Name: "x"}}, nil)
		if !errors.Is(err, safetensors.ErrArg) {
			t.Fatalf("error %v", err)
		}
		if _, _, err := safetensors.ReadFile(path); err != nil {
			t.Error(err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("directory holds %d entries", len(entries))
		}
	})
	t.Run("a missing directory is an error", func(t *testing.T) {
		if err := safetensors.WriteFile(filepath.Join(dir, "no", "such.safetensors"), ts, nil); err == nil {
			t.Error("no error")
		}
	})
	t.Run("ReadFile of a missing file is an error", func(t *testing.T) {
		if _, _, err := safetensors.ReadFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("ReadFile of a corrupt file names it", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.safetensors")
		os.WriteFile(bad, []byte("short"), 0o644)
		_, _, err := safetensors.ReadFile(bad)
		if !errors.Is(err, safetensors.ErrFormat) || !strings.Contains(err.Error(), bad) {
			t.Errorf("error %v", err)
		}
	})
}

// errReader fails after delivering its bytes.
type errReader struct{ b []byte }

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, errors.New("connection reset")
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func TestReadErrors(t *testing.T) {
	t.Run("a failing reader is an error", func(t *testing.T) {
		_, _, err := safetensors.Read(&errReader{b: file("{}", nil)})
		if err == nil || !strings.Contains(err.Error(), "connection reset") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("a truncated stream is a format error", func(t *testing.T) {
		var buf bytes.Buffer
		safetensors.Write(&buf, []safetensors.Named{{Name: "a", T: tensor.Ones(10)}}, nil)
		for _, n := range []int{0, 5, 8, 20, buf.Len() - 1} {
			_, _, err := safetensors.Read(bytes.NewReader(buf.Bytes()[:n]))
			if !errors.Is(err, safetensors.ErrFormat) {
				t.Errorf("%d of %d bytes: error %v", n, buf.Len(), err)
			}
		}
	})
}

func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	safetensors.Write(&buf, adjointTensors(), adjointMeta)
	f.Add(buf.Bytes())
	for _, name := range []string{"torch.safetensors", "adjoint.safetensors"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add(file(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, []byte{0, 0x3c, 0, 0x7c}))
	f.Add(file(`{"a":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"__metadata__":{"k":"v"}}`, f64s(1)))
	f.Add(file(`{"a":{"dtype":"F64","shape":[0,4611686018427387904,4],"data_offsets":[0,0]}}`, nil))
	f.Add(file(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[9223372036854775808,9223372036854775816]}}`, f64s(1)))
	f.Add(file(`{"a":{"dtype":"F64","shape":[536870912],"data_offsets":[0,4294967296]}}`, f64s(1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, meta, err := safetensors.Decode(b)
		if err != nil {
			if got != nil || meta != nil {
				t.Fatal("results with an error")
			}
			return
		}
		total := 0
		for _, nt := range got {
			total += nt.T.Numel()
			nonzero := 1
			for _, d := range nt.T.Shape() {
				if d != 0 {
					if nonzero > math.MaxInt/d {
						t.Fatalf("tensor %q: shape %v overflows", nt.Name, nt.T.Shape())
					}
					nonzero *= d
				}
			}
		}
		if total > len(b) {
			t.Fatalf("%d values from %d bytes", total, len(b))
		}
		// What decodes writes back as F64 and decodes to the same bits.
		var out bytes.Buffer
		if err := safetensors.Write(&out, got, meta); err != nil {
			t.Fatal(err)
		}
		again, _, err := safetensors.Decode(out.Bytes())
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		assertSame(t, again, got)
	})
}

// PyTorch writes integer buffers (BatchNorm's num_batches_tracked) as I64;
// they read as float64 values.
func TestDecodeIntegers(t *testing.T) {
	h := `{"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"m":{"dtype":"I32","shape":[2],"data_offsets":[8,16]}}`
	h += strings.Repeat(" ", (8-len(h)%8)%8)
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(h)))
	b.WriteString(h)
	binary.Write(&b, binary.LittleEndian, int64(123456789))
	binary.Write(&b, binary.LittleEndian, []int32{-7, 2147483647})
	ts, _, err := safetensors.Decode(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if ts[1].Name != "m" || !slices.Equal(ts[1].T.Data(), []float64{-7, 2147483647}) || ts[0].T.Item() != 123456789 {
		t.Fatalf("decoded %v = %v, %v = %v", ts[0].Name, ts[0].T.Data(), ts[1].Name, ts[1].T.Data())
	}
}
