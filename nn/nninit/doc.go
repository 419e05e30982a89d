// Package nninit fills the parameters of a network with their initial
// values, as torch.nn.init does: Uniform, Normal, TruncNormal, Constant,
// Zeros, Ones, Eye, XavierUniform, XavierNormal, KaimingUniform,
// KaimingNormal and Orthogonal, with CalculateGain and FanInAndFanOut for
// the numbers they use.
//
//	w := autograd.Zeros(128, 64).SetRequiresGrad(true)
//	nninit.KaimingUniform(w, nninit.KaimingOptions{A: math.Sqrt(5)}, rng)
//	b := nninit.Zeros(autograd.Zeros(128).SetRequiresGrad(true))
//
// # Name
//
// The package lives in nn/nninit and is named nninit. The name torch uses,
// init, compiles as a package clause but cannot be imported under its own
// name: Go reserves the identifier init for init functions at package
// scope, so `import ".../nn/init"` fails with "cannot import package as
// init - init must be a func" and every caller would need a renaming
// import. nninit is the name such a renaming would pick anyway.
//
// # In place, without a graph
//
// Each function writes its values into the tensor it is given, through the
// tensor's value (t.Value()) with package tensor's in-place methods, and
// returns the same tensor, as PyTorch's functions with a trailing underscore
// (nn.init.xavier_uniform_) do under torch.no_grad. Nothing is recorded for
// backward: a leaf that requires its gradient stays a leaf that requires its
// gradient. The write increments the storage's version like any in-place
// write, so a backward that saved the tensor's old value fails, as it
// should. A view can be initialised (its base sees the values); an
// expanded view, whose elements share memory, cannot.
//
// # Randomness
//
// Every function that draws takes an explicit *rand.Rand (math/rand/v2), so
// the same seed gives the same values. Values are drawn in row-major order
// of the tensor's shape, one draw per element: uniform values as
// a + (b-a)·rng.Float64(), normal ones as mean + std·rng.NormFloat64().
//
// # Formulas
//
// The formulas and defaults are PyTorch's (torch/nn/init.py):
//
//	fan_in  = size(1)·∏ size(2:)    fan_out = size(0)·∏ size(2:)
//	XavierUniform  U(−b, b), b = √3·gain·√(2/(fan_in+fan_out))
//	XavierNormal   N(0, std²), std = gain·√(2/(fan_in+fan_out))
//	KaimingUniform U(−b, b), b = √3·gain/√fan
//	KaimingNormal  N(0, std²), std = gain/√fan
//
// where fan is fan_in or fan_out as KaimingOptions.Mode says, and gain is
// CalculateGain(nonlinearity, a). TruncNormal draws by inverting the normal
// CDF on a uniform value in [Φ(α), Φ(β)], then clamps to [a, b]; Orthogonal
// takes the Q factor of a normal matrix, made unique by the signs of R's
// diagonal.
//
// Where PyTorch warns (a zero-element tensor given to Kaiming, a TruncNormal
// mean more than two standard deviations outside [a, b]) this package is
// silent: a zero-element tensor is left as it is, after its arguments are
// checked.
//
// # Panics
//
// Bad arguments panic with a *tensor.Error whose Pkg is "nninit" and whose
// Op is the function's name: a nil tensor or rng, std < 0 (≤ 0 for
// TruncNormal), a > b, a gain that is not finite (or, for Xavier, negative),
// an unknown mode or nonlinearity, a tensor of fewer than two dimensions for
// the fan-based functions and Orthogonal, a tensor of other than two
// dimensions for Eye, an expanded view. The arguments that PyTorch rejects
// are rejected here too, often with the same words. A call that panics has
// written nothing.
package nninit
