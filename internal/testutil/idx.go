package testutil

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
)

// IDX assembles an IDX file (the MNIST format): the magic 0 0 typ
// len(dims), the big-endian dims, then payload.
func IDX(typ byte, dims []uint32, payload []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, payload...)
}

// Gzip returns b gzipped.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// Pattern returns n bytes of a repeating pattern (byte(7·i)).
func Pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}
