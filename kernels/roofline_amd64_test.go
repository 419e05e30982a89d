//go:build amd64 && !noasm

package kernels

import "testing"

// TestTriadNonTemporal runs Triad's comparison through the non-temporal
// path (threshold 0): the peel to an aligned dst, the streaming loop and the
// fenced tail.
func TestTriadNonTemporal(t *testing.T) {
	withNT(t, 0, 0)
	checkTriad(t)
}
