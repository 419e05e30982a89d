package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
)

// ErrFormat is wrapped by every error about a malformed IDX file.
var ErrFormat = errors.New("data: invalid IDX file")

// maxIDXElements bounds the element count an IDX header may declare: the
// MNIST training images hold 47 million.
const maxIDXElements = 1 << 27

// maxDeflateRatio bounds how many bytes one compressed byte of a gzip
// stream can inflate to: DEFLATE codes a 258-byte match in 2 bits at best.
const maxDeflateRatio = 1032

// IDX is the content of an IDX file of unsigned bytes (element type 0x08),
// the format of MNIST and Fashion-MNIST: the dimensions and the elements
// in row-major order.
type IDX struct {
	Dims []int  // e.g. [60000 28 28] for MNIST's training images
	Data []byte // the product of Dims elements
}

// ReadIDX reads an IDX file of unsigned bytes from r, gzip-compressed
// (recognized by its magic bytes 0x1f 0x8b) or raw, to the end of r.
//
// The magic number must be 0x00 0x00 0x08 (unsigned bytes) followed by the
// number of dimensions (at least 1). The element count, and the product of
// the non-zero dimensions even when one is zero, must be at most 2^27, so
// that any product of dimensions fits an int on every platform. A file
// that ends before its declared elements, or holds bytes after them, is an
// error wrapping ErrFormat, as is a gzip stream that fails its checksum.
//
// Memory grows with the bytes actually read, never with the declared size
// alone, so a header that lies about its size costs little. When r tells
// its size (a Len() int method, as bytes.Reader has, or an *os.File of a
// regular file), a header declaring more data than r holds is rejected
// before anything is allocated for it; for a gzip stream the bound is the
// most its compressed bytes can inflate to.
func ReadIDX(r io.Reader) (*IDX, error) {
	size := remaining(r)
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", ErrFormat, err)
		}
		defer zr.Close()
		return readIDX(zr, size, maxDeflateRatio)
	}
	return readIDX(br, size, 1)
}

// remaining returns the number of bytes left to read from r, or -1 if r
// does not tell.
func remaining(r io.Reader) int64 {
	switch r := r.(type) {
	case interface{ Len() int }:
		return int64(r.Len())
	case interface {
		Stat() (fs.FileInfo, error)
		io.Seeker
	}:
		fi, err := r.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return -1
		}
		pos, err := r.Seek(0, io.SeekCurrent)
		if err != nil || pos > fi.Size() {
			return -1
		}
		return fi.Size() - pos
	}
	return -1
}

// readIDX reads the IDX content of r. size is the number of bytes of the
// input (-1 if unknown) and ratio how many bytes of r each input byte can
// give at most (1 for raw input, maxDeflateRatio for gzip).
func readIDX(r io.Reader, size, ratio int64) (*IDX, error) {
	var magic [4]byte
	if err := readFull(r, magic[:], "magic number"); err != nil {
		return nil, err
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("%w: magic number %#08x does not start with two zero bytes", ErrFormat, binary.BigEndian.Uint32(magic[:]))
	}
	if magic[2] != 0x08 {
		return nil, fmt.Errorf("%w: element type %#02x, want 0x08 (unsigned byte)", ErrFormat, magic[2])
	}
	ndim := int(magic[3])
	if ndim == 0 {
		return nil, fmt.Errorf("%w: zero dimensions", ErrFormat)
	}
	raw := make([]byte, 4*ndim)
	if err := readFull(r, raw, "dimensions"); err != nil {
		return nil, err
	}
	// Multiply in uint64, where the product of a partial product of at
	// most 2^27 and a dimension below 2^32 cannot overflow; the
	// dimensions become ints only once their product is known to fit.
	u := make([]uint64, ndim)
	prod, zero := uint64(1), false
	for i := range u {
		u[i] = uint64(binary.BigEndian.Uint32(raw[4*i:]))
		if u[i] == 0 {
			zero = true
			continue
		}
		if prod *= u[i]; prod > maxIDXElements {
			if zero || slices.Contains(u[i:], 0) {
				return nil, fmt.Errorf("%w: dimensions %v: the non-zero ones declare more than %d elements", ErrFormat, u, maxIDXElements)
			}
			return nil, fmt.Errorf("%w: dimensions %v declare more than %d elements", ErrFormat, u, maxIDXElements)
		}
	}
	dims := make([]int, ndim)
	for i, d := range u {
		dims[i] = int(d)
	}
	n := int(prod)
	if zero {
		n = 0
	}
	if hdr := int64(4 + len(raw)); size >= 0 && size <= (math.MaxInt64-hdr)/ratio {
		switch room := size*ratio - hdr; {
		case int64(n) <= room:
		case ratio == 1:
			return nil, fmt.Errorf("%w: truncated: %d of %d data bytes", ErrFormat, max(room, 0), n)
		default:
			return nil, fmt.Errorf("%w: dimensions %v declare %d data bytes, more than a %d-byte gzip stream can hold", ErrFormat, dims, n, size)
		}
	}
	data, err := readGrowing(r, n)
	if err != nil {
		return nil, err
	}
	var one [1]byte
	switch k, err := io.ReadFull(r, one[:]); {
	case k > 0:
		return nil, fmt.Errorf("%w: bytes after the %d elements of dimensions %v", ErrFormat, n, dims)
	case err != io.EOF:
		return nil, ioErr(err, "end of file")
	}
	return &IDX{Dims: dims, Data: data}, nil
}

// readFull fills p from r, calling a short read a truncated file.
func readFull(r io.Reader, p []byte, what string) error {
	if _, err := io.ReadFull(r, p); err != nil {
		return ioErr(err, what)
	}
	return nil
}

// ioErr wraps a read error: an early end is a malformed file, anything else
// (a gzip checksum or an I/O failure) is reported as is.
func ioErr(err error, what string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: truncated in the %s", ErrFormat, what)
	}
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
		return fmt.Errorf("%w: %s: %v", ErrFormat, what, err)
	}
	return fmt.Errorf("data: reading the %s: %w", what, err)
}

// readGrowing reads exactly n bytes from r into a buffer that starts at
// 1 MiB and doubles (up to n) only as data arrives, so a truncated input
// never costs more than twice what it held.
func readGrowing(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, 1<<20))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), min(n, 2*cap(buf)))
			copy(nb, buf)
			buf = nb
		}
		k, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, fmt.Errorf("%w: truncated: %d of %d data bytes", ErrFormat, len(buf), n)
			}
			return nil, ioErr(err, "data")
		}
	}
	return buf, nil
}
