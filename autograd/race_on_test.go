//go:build race

package autograd

// raceEnabled is true under the race detector, whose sync.Pool drops a
// share of what is put back on purpose, so that allocation counts mean
// nothing there.
const raceEnabled = true
