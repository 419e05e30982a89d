package autograd

import "testing"

// BenchmarkScalarGraph builds the seed program's graph and runs backward;
// ns/op is reported per graph operation (three per iteration).
func BenchmarkScalarGraph(b *testing.B) {
	b.ReportAllocs()
	x := Scalar(3).SetRequiresGrad(true)
	y := Scalar(10).SetRequiresGrad(true)
	for b.Loop() {
		z := x.Mul(x).Add(x.Mul(y))
		z.Backward()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/3, "ns/graph-op")
}

// BenchmarkScalarChain is a long chain of scalar operations, so that the
// fixed cost of Backward is spread over many nodes.
func BenchmarkScalarChain(b *testing.B) {
	b.ReportAllocs()
	x := Scalar(0.5).SetRequiresGrad(true)
	const n = 100
	for b.Loop() {
		z := x
		for i := 0; i < n; i++ {
			if i%2 == 0 {
				z = z.Mul(x)
			} else {
				z = z.Add(x)
			}
		}
		z.Backward()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/graph-op")
}
