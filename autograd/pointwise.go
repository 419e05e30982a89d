package autograd

// Exp returns e^t elementwise.
func (t *Tensor) Exp() *Tensor {
	return wrap1(t.v.Exp(), "Exp", func(c *call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Mul(c.output()) // d e^x = e^x, the output itself
	}, t)
}

// Log returns the natural logarithm of t elementwise (-Inf at 0).
func (t *Tensor) Log() *Tensor {
	return wrap1(t.v.Log(), "Log", func(c *call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Div(c.input(0))
	}, t)
}

// Eq returns 1 where t == u and 0 elsewhere, broadcasting; the result has
// no gradient.
func (t *Tensor) Eq(u *Tensor) *Tensor { return From(t.v.Eq(u.v)) }

// Ne returns 1 where t != u and 0 elsewhere, broadcasting; no gradient.
func (t *Tensor) Ne(u *Tensor) *Tensor { return From(t.v.Ne(u.v)) }

// Gt returns 1 where t > u and 0 elsewhere, broadcasting; no gradient.
func (t *Tensor) Gt(u *Tensor) *Tensor { return From(t.v.Gt(u.v)) }

// Ge returns 1 where t >= u and 0 elsewhere, broadcasting; no gradient.
func (t *Tensor) Ge(u *Tensor) *Tensor { return From(t.v.Ge(u.v)) }

// Lt returns 1 where t < u and 0 elsewhere, broadcasting; no gradient.
func (t *Tensor) Lt(u *Tensor) *Tensor { return From(t.v.Lt(u.v)) }

// Le returns 1 where t <= u and 0 elsewhere, broadcasting; no gradient.
func (t *Tensor) Le(u *Tensor) *Tensor { return From(t.v.Le(u.v)) }
