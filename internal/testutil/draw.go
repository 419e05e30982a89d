package testutil

import (
	"math"
	"math/rand/v2"
)

// Input distributions for gradient checks: each draws values where an
// operation is smooth, so that central differences with a step of 1e-6 see
// a differentiable function.

// Normal draws a standard normal value.
func Normal(rng *rand.Rand) float64 { return rng.NormFloat64() }

// Positive draws a value in [0.5, 2.5): away from 0 for Log, Sqrt and
// friends.
func Positive(rng *rand.Rand) float64 { return 0.5 + 2*rng.Float64() }

// AwayFrom returns a draw of values in [-2, 2) at least 0.1 from each
// kink, where a finite difference would straddle a jump in the derivative.
func AwayFrom(kinks ...float64) func(*rand.Rand) float64 {
	return func(rng *rand.Rand) float64 {
		for {
			v := 4*rng.Float64() - 2
			ok := true
			for _, k := range kinks {
				if math.Abs(v-k) < 0.1 {
					ok = false
				}
			}
			if ok {
				return v
			}
		}
	}
}

// Distinct draws values 0.05 or more apart from each other (multiples of
// 0.05 plus a jitter below 0.01), for Max, Maximum and friends, whose
// gradients jump at ties; two draws coincide only by landing on the same
// multiple.
func Distinct(rng *rand.Rand) float64 { return float64(rng.IntN(400)-200)/20 + 0.01*rng.Float64() }
