//go:build race

package tensor_test

// raceEnabled is true under the race detector. There, as under -short (the
// arm64 run under emulation), the sweeps of many operations over tensors
// longer than the grains run the long ones through a few operations of each
// kind only (see fewLong): the race detector checks the parallel paths
// those share, and the plain run checks every operation's values.
const raceEnabled = true
