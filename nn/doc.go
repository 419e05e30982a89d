// Package nn holds adjoint's neural-network modules, with PyTorch's names
// and semantics in Go casing: Linear, Embedding, LayerNorm, Dropout, the
// activations, MultiheadAttention and TransformerEncoderLayer, Sequential, ModuleList, ModuleDict, Identity, Func, Flatten
// and Unflatten; checkpoints in the safetensors format that load both ways
// with PyTorch; and Base, which gives a user's own module everything but
// its Forward.
//
// # Modules
//
// A Module is a function of one tensor with parameters:
//
//	model := nn.NewSequential(nn.NewLinear(784, 128, rng), &nn.ReLU{}, nn.NewLinear(128, 10, rng))
//	logits := model.Forward(x)
//	opt := optim.NewSGD(model.Parameters(), 0.1)
//
// NamedParameters gives PyTorch's state_dict names ("0.weight", "2.bias"),
// SetTraining switches every child between training and evaluation
// behaviour (Dropout), and SummaryTable prints a torchinfo-like table.
//
// # Custom modules
//
// A struct that embeds Base and is made with Init is a Module once it has a
// Forward: its module and parameter fields are found by reflection, named
// in snake case after the fields (or by an `nn:"name"` tag, so that a Go
// model can load a PyTorch checkpoint with any naming), and trained, saved
// and switched between modes with no further code. See Base and the
// examples.
//
// # Parameters and buffers
//
// NewParameter makes a leaf that requires a gradient; a tensor field
// tagged `nn:",buffer"` is a buffer, saved and loaded with the parameters
// but not trained. Package nn/nninit holds PyTorch's initialisers
// (xavier, kaiming, trunc_normal, orthogonal, ...).
//
// # Checkpoints
//
// Save writes a model's parameters and buffers as F64 safetensors with
// PyTorch's names (SaveWithMetadata adds string metadata); Load reads one
// written by Save or by PyTorch (F64 or F32), strictly, and LoadFile also
// non-strictly, listing every missing, unexpected and mis-shaped name.
// Package train saves a model with its optimizer's and scheduler's state,
// so that a run resumes exactly where it stopped.
//
// # Recurrent layers
//
// RNN, LSTM and GRU run a sequence [time, batch, features] (batch first
// with RNNOptions.BatchFirst, or unbatched [time, features]) through
// stacked, optionally bidirectional layers; Forward returns the output
// sequence, so that they fit in a Sequential, and ForwardState also takes
// initial states and returns the final ones. RNNCell, LSTMCell and GRUCell
// take one step. Parameters have PyTorch's names, shapes and gate order
// (weight_ih_l0, weight_hh_l0_reverse, ...), so PyTorch's checkpoints load.
//
// # Panics
//
// Bad arguments (a module struct without Base, an unexported module
// field, a nil function, shapes that do not fit) panic with a
// *tensor.Error naming the function; reading files returns an error.
package nn
