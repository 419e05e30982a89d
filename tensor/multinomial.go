package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// Multinomial draws numSamples category indices from each row of t, like
// torch.multinomial: t is a 1-D tensor of n non-negative weights (one
// distribution) or a 2-D [m n] tensor (m of them); weights need not sum to
// one. Category j of a row is drawn with probability proportional to its
// weight, so a zero weight is never drawn. With replacement every draw is
// independent; without, the drawn categories of a row are distinct, each
// drawn from the weights of those not drawn yet. The result holds the
// indices as integral float64 values, shaped [numSamples] or
// [m numSamples]. Draws come from rng, row by row, so a seeded rng gives a
// reproducible result (not PyTorch's numbers, whose generator differs).
//
// It panics if t is not 1-D or 2-D, a weight is negative, infinite or NaN,
// a row's weights are all zero (or sum to infinity), numSamples is not
// positive, or, without replacement, a row has fewer than numSamples
// categories of nonzero weight.
func (t *Tensor) Multinomial(numSamples int, replacement bool, rng *rand.Rand) *Tensor {
	const op = "Multinomial"
	mustTensor(op, "receiver t", t)
	mustRNG(op, rng)
	t.live(op)
	shapes := [][]int{t.shape}
	if nd := len(t.shape); nd != 1 && nd != 2 {
		fail(op, shapes, "weights of shape %v must be 1-D or 2-D", t.shape)
	}
	if numSamples <= 0 {
		fail(op, shapes, "numSamples = %d must be positive (weights of shape %v)", numSamples, t.shape)
	}
	rows, n := 1, t.shape[len(t.shape)-1]
	if len(t.shape) == 2 {
		rows = t.shape[0]
	}
	if !replacement && numSamples > n {
		fail(op, shapes, "cannot draw %d samples without replacement from %d categories (weights of shape %v)", numSamples, n, t.shape)
	}
	x := t.contiguousData()
	// Check every row before drawing anything.
	for r := range rows {
		w := x[r*n : (r+1)*n]
		total, nonzero := 0.0, 0
		for j, v := range w {
			if !(v >= 0) || math.IsInf(v, 1) {
				fail(op, shapes, "weight %v at category %d of row %d is not a finite non-negative number (weights of shape %v)", v, j, r, t.shape)
			}
			if v > 0 {
				nonzero++
			}
			total += v
		}
		if nonzero == 0 {
			fail(op, shapes, "the weights of row %d are all zero (weights of shape %v)", r, t.shape)
		}
		if math.IsInf(total, 1) {
			fail(op, shapes, "the weights of row %d sum to infinity (weights of shape %v)", r, t.shape)
		}
		if !replacement && nonzero < numSamples {
			fail(op, shapes, "cannot draw %d samples without replacement from row %d, which has %d categories of nonzero weight (weights of shape %v)",
				numSamples, r, nonzero, t.shape)
		}
	}
	shape := []int{numSamples}
	if len(t.shape) == 2 {
		shape = []int{rows, numSamples}
	}
	out := empty(op, shape)
	od := out.st.data
	if replacement {
		cum := make([]float64, n)
		for r := range rows {
			s := 0.0
			for j, v := range x[r*n : (r+1)*n] {
				s += v
				cum[j] = s
			}
			last := n - 1
			for cum[last] == 0 || (last > 0 && cum[last] == cum[last-1]) {
				last-- // the last category of nonzero weight
			}
			for k := range numSamples {
				// The first category whose cumulative weight exceeds u;
				// zero weights add nothing, so they are never it.
				u := rng.Float64() * s
				j := sort.Search(n, func(j int) bool { return cum[j] > u })
				if j > last {
					j = last // u rounded up to the total
				}
				od[r*numSamples+k] = float64(j)
			}
		}
		return out
	}
	// Without replacement: category j gets the key E_j / w_j with E_j
	// exponential; the categories in increasing order of key are
	// distributed as successive draws without replacement (the smallest of
	// independent exponential clocks of rates w_j rings at j with
	// probability w_j / sum w).
	keys := make([]float64, n)
	perm := make([]int, n)
	for r := range rows {
		for j, v := range x[r*n : (r+1)*n] {
			keys[j] = math.Inf(1)
			if v > 0 {
				keys[j] = math.Log(rng.ExpFloat64()) - math.Log(v) // log(E_j / w_j), finite for tiny w_j
			}
			perm[j] = j
		}
		slices.SortStableFunc(perm, func(p, q int) int { return compareNaNLast(keys[p], keys[q]) })
		for k := range numSamples {
			od[r*numSamples+k] = float64(perm[k])
		}
	}
	return out
}
