package nninit_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn/nninit"
)

// A convolution's weight [out, in, kh, kw] has fans in·kh·kw and
// out·kh·kw; Kaiming initialisation with PyTorch's defaults draws it from
// U(−√(6/fanIn), √(6/fanIn)), without recording anything for backward.
func Example() {
	fanIn, fanOut := nninit.FanInAndFanOut([]int{64, 3, 5, 5})
	fmt.Println("fans:", fanIn, fanOut)
	fmt.Printf("gains: relu %.4f, tanh %.4f, leaky_relu(0.2) %.4f\n",
		nninit.CalculateGain("relu"), nninit.CalculateGain("tanh"), nninit.CalculateGain("leaky_relu", 0.2))

	rng := rand.New(rand.NewPCG(1, 2))
	w := autograd.Zeros(64, 3, 5, 5).SetRequiresGrad(true)
	nninit.KaimingUniform(w, nninit.KaimingOptions{}, rng)
	bound := math.Sqrt(6 / float64(fanIn))
	fmt.Printf("bound %.4f holds: %v; still a leaf: %v\n", bound, w.Abs().Max().Item() < bound, w.IsLeaf())

	q := nninit.Orthogonal(autograd.Zeros(3, 3), 1, rng)
	fmt.Printf("QQᵀ =\n%.4f\n", q.MatMul(q.T()).Abs().Data())
	// Output:
	// fans: 75 1600
	// gains: relu 1.4142, tanh 1.6667, leaky_relu(0.2) 1.3868
	// bound 0.2828 holds: true; still a leaf: true
	// QQᵀ =
	// [1.0000 0.0000 0.0000 0.0000 1.0000 0.0000 0.0000 0.0000 1.0000]
}
