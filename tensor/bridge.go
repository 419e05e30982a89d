package tensor

import "github.com/adjoint-go/adjoint/internal/bridge"

// The operations that only the packages above tensor need (storage
// recycling for autograd's backward pass, its fused gradient kernels and
// the product that adds into a gradient buffer) are unexported here and
// reach those packages through internal/bridge.
func init() {
	bridge.Register(&bridge.Ops[*Tensor]{
		Recycle:              (*Tensor).recycle,
		IsRecyclable:         (*Tensor).isRecyclable,
		IsRecycled:           (*Tensor).isRecycled,
		AddMatMulInPlace:     (*Tensor).addMatMulInPlace,
		TanhGrad:             tanhGrad,
		SigmoidGrad:          sigmoidGrad,
		GELUGrad:             geluGrad,
		SiLUGrad:             siluGrad,
		SoftplusGrad:         softplusGrad,
		ThresholdGrad:        thresholdGrad,
		CrossEntropyRows:     crossEntropyRows,
		CrossEntropyRowsGrad: crossEntropyRowsGrad,
		ProdOthers:           prodOthers,
		CumprodGrad:          cumprodGrad,
		UnfoldColumns: func(x *Tensor, w bridge.Window) *Tensor {
			return unfoldColumns(x, Window(w))
		},
		FoldColumns: func(x *Tensor, n int, size [2]int, w bridge.Window) *Tensor {
			return foldColumns(x, n, size, Window(w))
		},
		Conv2dBackward: func(x, w, gy *Tensor, win bridge.Window, groups int, needX, needW, needB bool, gwInto *Tensor) (gx, gw, gb *Tensor) {
			return conv2dBackward(x, w, gy, Window(win), groups, needX, needW, needB, gwInto)
		},
		MaxPool2dGrad: maxPool2dGrad,
		AddIntoSlice:  addIntoSlice,
		AvgPool2d: func(x *Tensor, w bridge.Window, excludePad bool) *Tensor {
			return avgPool2d(x, Window(w), excludePad)
		},
		AvgPool2dGrad: func(g *Tensor, h, wd int, w bridge.Window, excludePad bool) *Tensor {
			return avgPool2dGrad(g, h, wd, Window(w), excludePad)
		},
		AttentionSoftmax:     attentionSoftmax,
		AttentionSoftmaxGrad: attentionSoftmaxGrad,
	})
}
