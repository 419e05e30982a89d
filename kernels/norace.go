//go:build !race

package kernels

const raceEnabled = false

func raceRead([]float64)  {}
func raceWrite([]float64) {}
