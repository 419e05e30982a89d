package tensor

// Comparisons return 0/1 tensors, broadcasting like the arithmetic.

// b2f is 1 for true and 0 for false.
func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

var (
	eqKernels = elementwise("Eq", func(x, y float64) float64 { return b2f(x == y) })
	neKernels = elementwise("Ne", func(x, y float64) float64 { return b2f(x != y) })
	gtKernels = elementwise("Gt", func(x, y float64) float64 { return b2f(x > y) })
	geKernels = elementwise("Ge", func(x, y float64) float64 { return b2f(x >= y) })
	ltKernels = elementwise("Lt", func(x, y float64) float64 { return b2f(x < y) })
	leKernels = elementwise("Le", func(x, y float64) float64 { return b2f(x <= y) })
)

// Eq returns 1 where t == u and 0 elsewhere, broadcasting (NaN equals
// nothing).
func (t *Tensor) Eq(u *Tensor) *Tensor { return binary(eqKernels, t, u) }

// Ne returns 1 where t != u and 0 elsewhere, broadcasting.
func (t *Tensor) Ne(u *Tensor) *Tensor { return binary(neKernels, t, u) }

// Gt returns 1 where t > u and 0 elsewhere, broadcasting.
func (t *Tensor) Gt(u *Tensor) *Tensor { return binary(gtKernels, t, u) }

// Ge returns 1 where t >= u and 0 elsewhere, broadcasting.
func (t *Tensor) Ge(u *Tensor) *Tensor { return binary(geKernels, t, u) }

// Lt returns 1 where t < u and 0 elsewhere, broadcasting.
func (t *Tensor) Lt(u *Tensor) *Tensor { return binary(ltKernels, t, u) }

// Le returns 1 where t <= u and 0 elsewhere, broadcasting.
func (t *Tensor) Le(u *Tensor) *Tensor { return binary(leKernels, t, u) }
