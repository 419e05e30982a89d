package data

import (
	"math"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/tensor"
)

// Subset returns the dataset of the examples indices of ds, in that order,
// like PyTorch's Subset: its example j is ds's example indices[j]. Indices
// may repeat. It shares ds's tensors (a Dataset's X and Y, a
// TensorDataset's tensors) without copying them; the indices are copied.
// A subset of a subset selects from the original tensors.
//
// It panics with a *tensor.Error naming Subset if ds is nil, its tensors
// do not have the same first dimension, or an index is negative or not
// below ds.Len().
func Subset(ds Source, indices []int) *TensorDataset {
	const op = "Subset"
	ts, index := source(op, ds)
	n := ds.Len()
	sub := make([]int, len(indices))
	for j, i := range indices {
		if i < 0 || i >= n {
			tensor.Panicf("data", op, nil, "index %d (at position %d) is out of range for a dataset of %d examples", i, j, n)
		}
		if index != nil {
			i = index[i]
		}
		sub[j] = i
	}
	return &TensorDataset{tensors: ts, index: sub}
}

// fractionTolerance is how far from 1 fractions given to RandomSplit may
// sum: math.isclose's default relative tolerance, which PyTorch uses.
const fractionTolerance = 1e-9

// RandomSplit splits ds into non-overlapping subsets of the given lengths,
// like PyTorch's random_split: it draws a random permutation of ds's
// examples with rng.Perm(ds.Len()) and cuts it into consecutive pieces,
// the first lengths[0] examples of the permutation making the first
// subset, and so on. The same rng state gives the same split. The subsets
// share ds's tensors, as Subset's do.
//
// Lengths are either counts ([]int), which must not be negative and must
// sum to ds.Len(), or fractions of ds.Len() ([]float64), each in [0, 1]
// and summing to 1 within 1e-9. Fractions become counts as in PyTorch:
// floor(fraction·Len) each, then the remaining examples are added one at a
// time to the lengths in turn, from the first. (PyTorch also rejects
// fractions whose float sum exceeds 1, such as 0.1, 0.2 and 0.7; RandomSplit
// accepts them.)
//
//	parts := data.RandomSplit(ds, []float64{0.8, 0.2}, rand.New(rand.NewPCG(1, 2)))
//	train, val := parts[0], parts[1]
//
// It panics with a *tensor.Error naming RandomSplit if rng or ds is nil,
// ds's tensors do not have the same first dimension, or the lengths break
// the rules above.
func RandomSplit[L int | float64](ds Source, lengths []L, rng *rand.Rand) []*TensorDataset {
	const op = "RandomSplit"
	if rng == nil {
		tensor.Panicf("data", op, nil, "the random number generator is nil")
	}
	ts, index := source(op, ds)
	n := ds.Len()
	var counts []int
	switch l := any(lengths).(type) {
	case []int:
		counts = splitCounts(op, l, n)
	case []float64:
		counts = splitFractions(op, l, n)
	}
	perm := rng.Perm(n)
	out := make([]*TensorDataset, len(counts))
	off := 0
	for k, c := range counts {
		sub := perm[off : off+c : off+c]
		if index != nil {
			for j, i := range sub {
				sub[j] = index[i]
			}
		}
		out[k] = &TensorDataset{tensors: ts, index: sub}
		off += c
	}
	return out
}

// splitCounts checks lengths of a split of n examples.
func splitCounts(op string, lengths []int, n int) []int {
	for k, c := range lengths {
		if c < 0 {
			tensor.Panicf("data", op, nil, "length %d (at position %d) is negative", c, k)
		}
	}
	sum := 0
	for _, c := range lengths {
		if c > n-sum {
			tensor.Panicf("data", op, nil, "lengths %v sum to more than the %d examples of the dataset", lengths, n)
		}
		sum += c
	}
	if sum != n {
		tensor.Panicf("data", op, nil, "lengths %v sum to %d, not to the %d examples of the dataset", lengths, sum, n)
	}
	return append([]int(nil), lengths...)
}

// splitFractions turns fractions of n examples into lengths, as PyTorch's
// random_split does.
func splitFractions(op string, fractions []float64, n int) []int {
	sum := 0.0
	for k, f := range fractions {
		if !(f >= 0 && f <= 1) {
			tensor.Panicf("data", op, nil, "fraction %v (at position %d) is not in [0, 1]", f, k)
		}
		sum += f
	}
	if math.Abs(sum-1) > fractionTolerance {
		tensor.Panicf("data", op, nil, "fractions %v sum to %v, not to 1", fractions, sum)
	}
	counts := make([]int, len(fractions))
	total := 0
	for k, f := range fractions {
		counts[k] = int(math.Floor(float64(n) * f))
		total += counts[k]
	}
	// The floors sum to at most n·(1+1e-9), so to n at most while n is
	// below 1e9; the check guards larger datasets.
	if total > n {
		tensor.Panicf("data", op, nil, "fractions %v of %d examples give %d examples", fractions, n, total)
	}
	for i := range n - total {
		counts[i%len(counts)]++
	}
	return counts
}
