package data_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/data"
	"github.com/adjoint-go/adjoint/internal/testutil"
)

// The IDX test files (see testutil).
var (
	idx = testutil.IDX
	gz  = testutil.Gzip
	seq = testutil.Pattern
)

func TestReadIDX(t *testing.T) {
	images := idx(0x08, []uint32{3, 2, 2}, seq(12))
	labels := idx(0x08, []uint32{3}, []byte{5, 0, 9})
	tests := []struct {
		name  string
		input []byte
		dims  []int
		data  []byte
	}{
		{"raw images", images, []int{3, 2, 2}, seq(12)},
		{"gzipped images", gz(images), []int{3, 2, 2}, seq(12)},
		{"raw labels", labels, []int{3}, []byte{5, 0, 9}},
		{"gzipped labels", gz(labels), []int{3}, []byte{5, 0, 9}},
		{"a zero dimension and no data", idx(0x08, []uint32{0, 28, 28}, nil), []int{0, 28, 28}, []byte{}},
		{"more than a megabyte, read in growing chunks", gz(idx(0x08, []uint32{3000, 1000}, seq(3_000_000))), []int{3000, 1000}, seq(3_000_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name+" read back", func(t *testing.T) {
			got, err := data.ReadIDX(bytes.NewReader(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Dims, tt.dims) || !bytes.Equal(got.Data, tt.data) {
				t.Errorf("dims %v, %d bytes; want %v, %d bytes", got.Dims, len(got.Data), tt.dims, len(tt.data))
			}
		})
	}
}

// failingReader delivers b, then fails.
type failingReader struct {
	b   []byte
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, r.err
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func TestReadIDXRejectsBadFiles(t *testing.T) {
	good := idx(0x08, []uint32{2, 3}, seq(6))
	gzGood := gz(good)
	badCRC := slices.Clone(gzGood)
	badCRC[len(badCRC)-8] ^= 0xff // the CRC-32 in the gzip trailer
	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"an empty file", nil, "truncated in the magic number"},
		{"a file cut inside the magic number", good[:3], "truncated in the magic number"},
		{"a magic number not starting with zeros", append([]byte{1}, good[1:]...), "does not start with two zero bytes"},
		{"the element type of floats (0x0d)", idx(0x0d, []uint32{2}, make([]byte, 8)), "element type 0x0d, want 0x08"},
		{"the element type of signed bytes (0x09)", idx(0x09, []uint32{2}, make([]byte, 2)), "want 0x08"},
		{"zero dimensions", idx(0x08, nil, nil), "zero dimensions"},
		{"a header cut inside the dimensions", good[:9], "truncated in the dimensions"},
		{"data cut short", good[:len(good)-1], "truncated: 5 of 6 data bytes"},
		{"no data at all", good[:12], "truncated: 0 of 6 data bytes"},
		{"bytes after the data", append(slices.Clone(good), 0), "bytes after the 6 elements"},
		{"dimensions whose product overflows", idx(0x08, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil), "declare more than"},
		{"dimensions above the element limit", idx(0x08, []uint32{1 << 14, 1 << 14}, nil), "declare more than"},
		{"a zero dimension beside dimensions whose product overflows", idx(0x08, []uint32{0, 0xffffffff, 0xffffffff}, nil), "the non-zero ones declare more than"},
		{"a zero dimension after dimensions above the element limit", idx(0x08, []uint32{1 << 14, 1 << 14, 0}, nil), "the non-zero ones declare more than"},
		{"one dimension above the element limit", idx(0x08, []uint32{1<<27 + 1}, nil), "declare more than 134217728"},
		{"one dimension of 2^32-1 beside a zero", idx(0x08, []uint32{0xffffffff, 0}, nil), "the non-zero ones"},
		{"a huge count in a tiny raw file", idx(0x08, []uint32{60000, 28, 28}, seq(10)), "truncated: 10 of 47040000 data bytes"},
		{"a huge count in a tiny gzip stream", gz(idx(0x08, []uint32{60000, 28, 28}, seq(10))), "more than a"},
		{"a gzip stream cut short", gzGood[:len(gzGood)-10], "truncated"},
		{"a gzip stream with a bad checksum", badCRC, "checksum"},
		{"a gzip magic followed by garbage", []byte{0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "gzip"},
		{"gzipped bytes after the data", gz(append(slices.Clone(good), 1, 2)), "bytes after"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an error", func(t *testing.T) {
			got, err := data.ReadIDX(bytes.NewReader(tt.input))
			if err == nil {
				t.Fatalf("no error; dims %v", got.Dims)
			}
			if got != nil {
				t.Error("a result with the error")
			}
			if !errors.Is(err, data.ErrFormat) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want ErrFormat mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("a reader failing midway returns its error", func(t *testing.T) {
		boom := errors.New("device unplugged")
		for _, n := range []int{0, 2, 6, 13} {
			_, err := data.ReadIDX(&failingReader{b: good[:n], err: boom})
			if !errors.Is(err, boom) {
				t.Errorf("after %d bytes: error %v", n, err)
			}
		}
	})
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A reader that tells its size (bytes.Reader, a regular file) has a lying
// header rejected before any data buffer is allocated; one that does not
// costs at most the 1 MiB first buffer.
func TestReadIDXOfALyingHeaderAllocatesLittle(t *testing.T) {
	// The headers declare 10^8 bytes (just under the limit); the inputs
	// hold 100, raw and gzipped.
	lie := idx(0x08, []uint32{10000, 100, 100}, seq(100))
	path := filepath.Join(t.TempDir(), "lie")
	if err := os.WriteFile(path, lie, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		open  func() io.Reader
		limit uint64
		want  string
	}{
		{"a raw bytes.Reader", func() io.Reader { return bytes.NewReader(lie) }, 16 << 10, "truncated: 100 of 100000000 data bytes"},
		{"a gzipped bytes.Reader", func() io.Reader { return bytes.NewReader(gz(lie)) }, 128 << 10, "gzip stream can hold"},
		{"a raw file", func() io.Reader {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		}, 16 << 10, "truncated: 100 of 100000000 data bytes"},
		{"a raw reader of unknown size", func() io.Reader { return &failingReader{b: lie, err: io.EOF} }, 2 << 20, "truncated: 100 of 100000000 data bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" allocates little", func(t *testing.T) {
			r := tt.open()
			var err error
			if n := allocated(func() { _, err = data.ReadIDX(r) }); n > tt.limit {
				t.Errorf("allocated %d bytes for an input of 100 bytes of data declaring 10^8, want at most %d", n, tt.limit)
			}
			if !errors.Is(err, data.ErrFormat) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrFormat mentioning %q", err, tt.want)
			}
		})
	}
}

// FuzzReadIDX feeds ReadIDX arbitrary bytes: it must not panic, what it
// accepts must be exactly a header and its data (raw) or inflate to that
// (gzip), and it must allocate no more than the input can hold.
func FuzzReadIDX(f *testing.F) {
	good := idx(0x08, []uint32{2, 3}, seq(6))
	f.Add(good)
	f.Add(gz(good))
	f.Add(idx(0x08, []uint32{1 << 13, 1 << 13}, seq(10)))
	f.Add(idx(0x08, []uint32{0, 0xffffffff, 0xffffffff}, nil))
	f.Add(idx(0x08, []uint32{0, 1 << 16, 1 << 16}, nil))
	f.Add(idx(0x08, []uint32{10000, 100, 100}, seq(100)))
	f.Add(gz(idx(0x08, []uint32{10000, 100, 100}, seq(100))))
	f.Add(idx(0x08, []uint32{0, 28, 28}, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		ratio := uint64(1) // how many bytes each input byte can give
		if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
			ratio = 1032 // DEFLATE at best
		}
		var (
			got *data.IDX
			err error
		)
		// The buffer grows by doubling, and gzip's state takes ~45 KiB.
		limit := 64<<10 + 2*ratio*uint64(len(b))
		if n := allocated(func() { got, err = data.ReadIDX(bytes.NewReader(b)) }); n > limit {
			t.Errorf("allocated %d bytes reading %d bytes, more than %d (error %v)", n, len(b), limit, err)
		}
		if err != nil {
			if got != nil {
				t.Error("a result with the error")
			}
			return
		}
		n, nonzero := 1, 1
		for _, d := range got.Dims {
			n *= d
			if d != 0 {
				nonzero *= d
			}
			if d < 0 || nonzero > 1<<27 {
				t.Fatalf("dimensions %v: the non-zero ones multiply to more than 2^27", got.Dims)
			}
		}
		if n != len(got.Data) {
			t.Fatalf("dims %v but %d bytes", got.Dims, len(got.Data))
		}
		if uint64(len(got.Data)) > ratio*uint64(len(b)) {
			t.Fatalf("%d bytes of data from a %d-byte input", len(got.Data), len(b))
		}
		if !bytes.Equal(b, idx(0x08, dims32(got.Dims), got.Data)) && ratio == 1 {
			t.Fatal("a raw file that is not exactly header + data was accepted")
		}
	})
}

func dims32(d []int) []uint32 {
	out := make([]uint32, len(d))
	for i, v := range d {
		out[i] = uint32(v)
	}
	return out
}
