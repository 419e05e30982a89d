package autograd

// Comparisons return 0/1 tensors and record nothing: their gradient is
// zero almost everywhere, so their results are constants (as PyTorch's
// boolean results are).

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
