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
		Unshare:              func(t *Tensor) { t.unshared() },
		RecycleOwner:         (*Tensor).recycleOwner,
		ViewState:            viewState,
		MarkViewed:           markViewed,
		PinViews:             pinViews,
		AddMatMulInPlace:     (*Tensor).addMatMulInPlace,
		MatMulInto:           (*Tensor).matMulIntoPlace,
		MatMulRowsInto:       (*Tensor).matMulRowsInto,
		TanhGrad:             tanhGrad,
		SigmoidGrad:          sigmoidGrad,
		GELUGrad:             geluGrad,
		GELUTanhGrad:         geluTanhGrad,
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
		Softmax:              softmax,
		SoftmaxGrad:          softmaxGrad,
		LogSoftmax:           logSoftmax,
		LogSoftmaxGrad:       logSoftmaxGrad,
		BatchNorm:            batchNorm,
		BatchNormGrad:        batchNormGrad,
		LayerNorm:            layerNorm,
		LayerNormGrad:        layerNormGrad,
		AttentionSoftmax:     attentionSoftmax,
		AttentionSoftmaxGrad: attentionSoftmaxGrad,
		Scalars2:             scalars2,
		AddProduct0:          addProduct0,
	})
}

// scalars2 returns the values of a and b when both are 0-d and not
// recycled (a storage without data).
func scalars2(a, b *Tensor) (x, y float64, ok bool) {
	if len(a.shape) != 0 || len(b.shape) != 0 || a.st.data == nil || b.st.data == nil {
		return 0, 0, false
	}
	return a.st.data[a.off], b.st.data[b.off], true
}

// addProduct0 adds a·b into dst in place, as dst.AddInPlace(a.Mul(b))
// would (the product rounded, then added; the version bumped), when all
// three are 0-d and not recycled, and reports whether it did.
func addProduct0(dst, a, b *Tensor) bool {
	x, y, ok := scalars2(a, b)
	if !ok || len(dst.shape) != 0 || dst.st.data == nil {
		return false
	}
	dst.st.data[dst.off] += float64(x * y) // float64(): never fused into an FMA
	dst.st.version++
	return true
}
