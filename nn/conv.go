package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/tensor"
)

// Conv2d is torch.nn.Conv2d: a 2-D convolution (cross-correlation) of
// [N In H W] images with Out filters, with PyTorch's parameter names
// ("weight" [Out In/groups kh kw], "bias" [Out]) so that checkpoints load
// both ways.
type Conv2d struct {
	leaf
	Weight  *autograd.Tensor
	Bias    *autograd.Tensor // nil without bias
	Options functional.ConvOptions
}

// NewConv2d returns a convolution from in to out channels with a kernel of
// kernel (height, width), the options o (stride, padding, dilation,
// groups; see functional.ConvOptions) and a bias unless noBias, initialised
// as PyTorch does from rng: weights and bias uniform in ±1/√fan_in,
// fan_in = in/groups·kh·kw (Kaiming uniform with a = √5). It panics with a
// *tensor.Error if a size is not positive or groups does not divide in and
// out.
func NewConv2d(in, out int, kernel [2]int, o functional.ConvOptions, noBias bool, rng *rand.Rand) *Conv2d {
	g := max(o.Groups, 1)
	if in <= 0 || out <= 0 || kernel[0] <= 0 || kernel[1] <= 0 || o.Groups < 0 || in%g != 0 || out%g != 0 {
		tensor.Panicf("nn", "NewConv2d", nil, "in=%d out=%d kernel=%v groups=%d: sizes must be positive and groups divide in and out", in, out, kernel, o.Groups)
	}
	if rng == nil {
		tensor.Panicf("nn", "NewConv2d", nil, "rng is nil")
	}
	fanIn := in / g * kernel[0] * kernel[1]
	c := &Conv2d{Weight: uniform(rng, boundOf(fanIn), out, in/g, kernel[0], kernel[1]), Options: o}
	if !noBias {
		c.Bias = uniform(rng, boundOf(fanIn), out)
	}
	return c
}

// Forward convolves x [N In H W].
func (c *Conv2d) Forward(x *autograd.Tensor) *autograd.Tensor {
	return traced(c, functional.Conv2d(x, c.Weight, c.Bias, c.Options))
}

// NamedParameters returns "weight" and, with bias, "bias".
func (c *Conv2d) NamedParameters() []NamedParameter {
	ps := []NamedParameter{{"weight", c.Weight}}
	if c.Bias != nil {
		ps = append(ps, NamedParameter{"bias", c.Bias})
	}
	return ps
}

// Parameters returns the weight and the bias.
func (c *Conv2d) Parameters() []*autograd.Tensor { return tensorsOf(c.NamedParameters()) }

func (c *Conv2d) String() string {
	s := c.Weight.Shape()
	in := s[1] * max(c.Options.Groups, 1)
	str := fmt.Sprintf("Conv2d(%d, %d, kernel_size=(%d, %d)", in, s[0], s[2], s[3])
	o := c.Options
	if o.Stride != [2]int{} && o.Stride != [2]int{1, 1} {
		str += fmt.Sprintf(", stride=(%d, %d)", o.Stride[0], o.Stride[1])
	}
	if o.Same {
		str += ", padding=same"
	} else if o.Padding != [2]int{} {
		str += fmt.Sprintf(", padding=(%d, %d)", o.Padding[0], o.Padding[1])
	}
	if o.Dilation != [2]int{} && o.Dilation != [2]int{1, 1} {
		str += fmt.Sprintf(", dilation=(%d, %d)", o.Dilation[0], o.Dilation[1])
	}
	if o.Groups > 1 {
		str += fmt.Sprintf(", groups=%d", o.Groups)
	}
	if c.Bias == nil {
		str += ", bias=False"
	}
	return str + ")"
}

// MaxPool2d is torch.nn.MaxPool2d; see functional.MaxPool2d.
type MaxPool2d struct {
	stateless
	Options functional.PoolOptions
}

// NewMaxPool2d returns max pooling over kernel windows with stride equal to
// the kernel (PyTorch's default); set Options for the others.
func NewMaxPool2d(kernel [2]int) *MaxPool2d {
	return &MaxPool2d{Options: functional.PoolOptions{Kernel: kernel}}
}

// Forward pools x [N C H W].
func (m *MaxPool2d) Forward(x *autograd.Tensor) *autograd.Tensor {
	return traced(m, functional.MaxPool2d(x, m.Options))
}

func (m *MaxPool2d) String() string {
	return fmt.Sprintf("MaxPool2d(kernel_size=(%d, %d))", m.Options.Kernel[0], m.Options.Kernel[1])
}

// AvgPool2d is torch.nn.AvgPool2d; see functional.AvgPool2d.
type AvgPool2d struct {
	stateless
	Options functional.PoolOptions
}

// NewAvgPool2d returns average pooling over kernel windows with stride equal
// to the kernel (PyTorch's default); set Options for the others.
func NewAvgPool2d(kernel [2]int) *AvgPool2d {
	return &AvgPool2d{Options: functional.PoolOptions{Kernel: kernel}}
}

// Forward pools x [N C H W].
func (m *AvgPool2d) Forward(x *autograd.Tensor) *autograd.Tensor {
	return traced(m, functional.AvgPool2d(x, m.Options))
}

func (m *AvgPool2d) String() string {
	return fmt.Sprintf("AvgPool2d(kernel_size=(%d, %d))", m.Options.Kernel[0], m.Options.Kernel[1])
}

// AdaptiveAvgPool2d is torch.nn.AdaptiveAvgPool2d; see
// functional.AdaptiveAvgPool2d.
type AdaptiveAvgPool2d struct {
	stateless
	Size [2]int
}

// NewAdaptiveAvgPool2d returns adaptive average pooling to size.
func NewAdaptiveAvgPool2d(size [2]int) *AdaptiveAvgPool2d { return &AdaptiveAvgPool2d{Size: size} }

// Forward pools x [N C H W] to [N C Size[0] Size[1]].
func (m *AdaptiveAvgPool2d) Forward(x *autograd.Tensor) *autograd.Tensor {
	return traced(m, functional.AdaptiveAvgPool2d(x, m.Size))
}

func (m *AdaptiveAvgPool2d) String() string {
	return fmt.Sprintf("AdaptiveAvgPool2d(output_size=(%d, %d))", m.Size[0], m.Size[1])
}

// Conv1d is torch.nn.Conv1d: a 1-D convolution of [N In L] sequences with
// Out filters, "weight" [Out In/groups k] and "bias" [Out]. Options' pairs
// are read at index 1 (the length); see functional.Conv1d.
type Conv1d struct {
	leaf
	Weight  *autograd.Tensor
	Bias    *autograd.Tensor // nil without bias
	Options functional.ConvOptions
}

// NewConv1d returns a 1-D convolution from in to out channels with a kernel
// of k, initialised as PyTorch does (uniform in ±1/√(in/groups·k)); see
// NewConv2d.
func NewConv1d(in, out, k int, o functional.ConvOptions, noBias bool, rng *rand.Rand) *Conv1d {
	c2 := NewConv2d(in, out, [2]int{1, k}, o, noBias, rng)
	c := &Conv1d{Weight: autograd.From(c2.Weight.Value().Reshape(out, in/max(o.Groups, 1), k)).SetRequiresGrad(true), Options: o}
	if !noBias {
		c.Bias = c2.Bias
	}
	return c
}

// Forward convolves x [N In L].
func (c *Conv1d) Forward(x *autograd.Tensor) *autograd.Tensor {
	return traced(c, functional.Conv1d(x, c.Weight, c.Bias, c.Options))
}

// NamedParameters returns "weight" and, with bias, "bias".
func (c *Conv1d) NamedParameters() []NamedParameter {
	ps := []NamedParameter{{"weight", c.Weight}}
	if c.Bias != nil {
		ps = append(ps, NamedParameter{"bias", c.Bias})
	}
	return ps
}

// Parameters returns the weight and the bias.
func (c *Conv1d) Parameters() []*autograd.Tensor { return tensorsOf(c.NamedParameters()) }

func (c *Conv1d) String() string {
	s := c.Weight.Shape()
	return fmt.Sprintf("Conv1d(%d, %d, kernel_size=(%d,))", s[1]*max(c.Options.Groups, 1), s[0], s[2])
}

// ConvTranspose2d is torch.nn.ConvTranspose2d: "weight" [In Out/groups kh
// kw] and "bias" [Out]; see functional.ConvTranspose2d.
type ConvTranspose2d struct {
	leaf
	Weight        *autograd.Tensor
	Bias          *autograd.Tensor // nil without bias
	Options       functional.ConvOptions
	OutputPadding [2]int
}

// NewConvTranspose2d returns a transposed convolution from in to out
// channels, initialised as PyTorch does: uniform in ±1/√fan_in with fan_in
// = out/groups·kh·kw (PyTorch computes it from the weight's second
// dimension). It panics with a *tensor.Error if a size is not positive,
// groups does not divide in and out, or rng is nil.
func NewConvTranspose2d(in, out int, kernel [2]int, o functional.ConvOptions, outputPadding [2]int, noBias bool, rng *rand.Rand) *ConvTranspose2d {
	g := max(o.Groups, 1)
	if in <= 0 || out <= 0 || kernel[0] <= 0 || kernel[1] <= 0 || o.Groups < 0 || in%g != 0 || out%g != 0 || rng == nil {
		tensor.Panicf("nn", "NewConvTranspose2d", nil, "in=%d out=%d kernel=%v groups=%d: sizes must be positive, groups divide in and out, and rng not be nil", in, out, kernel, o.Groups)
	}
	fanIn := out / g * kernel[0] * kernel[1]
	c := &ConvTranspose2d{Weight: uniform(rng, boundOf(fanIn), in, out/g, kernel[0], kernel[1]), Options: o, OutputPadding: outputPadding}
	if !noBias {
		c.Bias = uniform(rng, boundOf(fanIn), out)
	}
	return c
}

// Forward applies the transposed convolution to x [N In H W].
func (c *ConvTranspose2d) Forward(x *autograd.Tensor) *autograd.Tensor {
	return traced(c, functional.ConvTranspose2d(x, c.Weight, c.Bias, c.Options, c.OutputPadding))
}

// NamedParameters returns "weight" and, with bias, "bias".
func (c *ConvTranspose2d) NamedParameters() []NamedParameter {
	ps := []NamedParameter{{"weight", c.Weight}}
	if c.Bias != nil {
		ps = append(ps, NamedParameter{"bias", c.Bias})
	}
	return ps
}

// Parameters returns the weight and the bias.
func (c *ConvTranspose2d) Parameters() []*autograd.Tensor { return tensorsOf(c.NamedParameters()) }

func (c *ConvTranspose2d) String() string {
	s := c.Weight.Shape()
	return fmt.Sprintf("ConvTranspose2d(%d, %d, kernel_size=(%d, %d))", s[0], s[1]*max(c.Options.Groups, 1), s[2], s[3])
}

// Unfold is torch.nn.Unfold: the sliding windows of [N C H W] images as the
// columns of [N, C·kh·kw, L] (im2col); see autograd.Unfold.
type Unfold struct {
	stateless
	Window tensor.Window
}

// NewUnfold returns an Unfold over w's windows (a zero Stride or Dilation
// means 1).
func NewUnfold(w tensor.Window) *Unfold { return &Unfold{Window: w} }

// Forward unfolds x.
func (u *Unfold) Forward(x *autograd.Tensor) *autograd.Tensor {
	return traced(u, autograd.Unfold(x, u.Window))
}

func (u *Unfold) String() string { return fmt.Sprintf("Unfold(kernel_size=%v)", u.Window.Kernel) }

// Fold is torch.nn.Fold: columns [N, C·kh·kw, L] summed back into images of
// OutputSize (col2im); see autograd.Fold.
type Fold struct {
	stateless
	OutputSize [2]int
	Window     tensor.Window
}

// NewFold returns a Fold into images of size over w's windows.
func NewFold(size [2]int, w tensor.Window) *Fold { return &Fold{OutputSize: size, Window: w} }

// Forward folds x.
func (f *Fold) Forward(x *autograd.Tensor) *autograd.Tensor {
	return traced(f, autograd.Fold(x, f.OutputSize, f.Window))
}

func (f *Fold) String() string {
	return fmt.Sprintf("Fold(output_size=%v, kernel_size=%v)", f.OutputSize, f.Window.Kernel)
}
