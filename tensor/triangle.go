package tensor

// Tril returns a copy of t with the elements above the diagonal-th diagonal
// of its last two dimensions set to zero, like torch.tril: element (i, j)
// of each matrix is kept where j - i <= diagonal. diagonal 0 is the main
// diagonal, positive values go above it and negative ones below. Leading
// dimensions are batch dimensions. It panics if t has fewer than two
// dimensions.
func (t *Tensor) Tril(diagonal int) *Tensor { return t.triangle("Tril", diagonal, true) }

// Triu returns a copy of t with the elements below the diagonal-th diagonal
// of its last two dimensions set to zero, like torch.triu: element (i, j)
// of each matrix is kept where j - i >= diagonal. See Tril.
func (t *Tensor) Triu(diagonal int) *Tensor { return t.triangle("Triu", diagonal, false) }

func (t *Tensor) triangle(op string, diagonal int, lower bool) *Tensor {
	mustTensor(op, "receiver t", t)
	t.live(op)
	nd := len(t.shape)
	if nd < 2 {
		fail(op, [][]int{t.shape}, "input of shape %v must have at least 2 dimensions", t.shape)
	}
	out := t.Clone()
	rows, cols := t.shape[nd-2], t.shape[nd-1]
	n := rows * cols
	if n == 0 {
		return out
	}
	od := out.st.data
	for b := 0; b < len(od); b += n {
		for i := range rows {
			row := od[b+i*cols : b+(i+1)*cols]
			// Keep j - i <= diagonal (lower) or j - i >= diagonal (upper).
			cut := min(max(i+diagonal+1, 0), cols) // lower keeps [0, cut)
			if !lower {
				cut = min(max(i+diagonal, 0), cols) // upper keeps [cut, cols)
				clear(row[:cut])
				continue
			}
			clear(row[cut:])
		}
	}
	return out
}
