package main

import (
	"fmt"
	"image/color"
	"os"
	"slices"

	"github.com/adjoint-go/adjoint/device"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// plot draws the results into a PNG: the roofline bandwidth and each
// kernel's GB/s against size, one line per implementation, with the
// roofline its rows were divided by dashed (log-log); and the GEMM's
// GFLOP/s against matrix order on one thread and on all, with the FMA peak
// its rows were divided by as a dashed line.
func (b *bench) plot(file string) error {
	colors := map[string]color.Color{}
	colorOf := func(impl string) color.Color {
		if c, ok := colors[impl]; ok {
			return c
		}
		c := palette[len(colors)%len(palette)]
		colors[impl] = c
		return c
	}
	// Fix the colors in table order, so every panel agrees.
	for _, r := range b.results {
		if r.Suite == "kernels" || r.Suite == "gemm" {
			colorOf(r.Impl)
		}
	}
	colorOf("torch")

	var panels []*plot.Plot
	if rs := b.suiteResults("roofline"); len(rs) > 0 {
		p := newLogPlot(fmt.Sprintf("roofline: %s", device.CPU().Brand), "elements per array", "GB/s, one thread")
		for i, name := range []string{"copy", "triad"} {
			xys := series(rs, func(r Result) bool { return r.Name == name && r.Threads == 1 }, gbps)
			if err := addLine(p, name, xys, []color.Color{palette[7], color.Black}[i], nil); err != nil {
				return err
			}
		}
		sizeTicks(p, rs)
		panels = append(panels, p)
	}
	kres := b.suiteResults("kernels") // with PyTorch's, after -torch
	for _, op := range kernelOps {
		rs := filter(kres, func(r Result) bool { return r.Name == op.name })
		if len(rs) == 0 {
			continue
		}
		p := newLogPlot(fmt.Sprintf("%s: GB/s (%d arrays counted)", op.name, op.arrays), "elements", "GB/s, one thread")
		// The roofline each row was divided by, measured with the row.
		var xys plotter.XYs
		for _, n := range kernelSizes(b.cfg.quick) {
			for _, r := range rs {
				if bw := r.ceiling; r.Size == n && r.Impl != "torch" && bw > 0 {
					xys = append(xys, plotter.XY{X: float64(n), Y: bw})
					break
				}
			}
		}
		if err := addLine(p, "roofline", xys, color.Black, []vg.Length{vg.Points(4), vg.Points(3)}); err != nil {
			return err
		}
		for _, impl := range impls(rs) {
			xys := series(rs, func(r Result) bool { return r.Impl == impl }, gbps)
			if err := addLine(p, impl, xys, colorOf(impl), nil); err != nil {
				return err
			}
		}
		sizeTicks(p, rs)
		panels = append(panels, p)
	}
	gres := filter(b.suiteResults("gemm"), func(r Result) bool { return r.Size > 0 })
	for _, p := range b.threadCounts() {
		rs := filter(gres, func(r Result) bool { return r.Threads == p })
		if len(rs) == 0 {
			continue
		}
		pl := newLogPlot(fmt.Sprintf("gemm, square: GFLOP/s on %d thread(s)", p), "matrix order", "GFLOP/s")
		// The FMA peak the rows were divided by, measured with each row:
		// a dashed line through those figures.
		var peaks plotter.XYs
		for _, r := range rs {
			if pk := r.ceiling; pk > 0 && r.Impl == gemmImpls[0].impl {
				peaks = append(peaks, plotter.XY{X: float64(r.Size), Y: pk})
			}
		}
		if l, ok := b.fmaLevel(); ok {
			if err := addLine(pl, fmt.Sprintf("peak (%s FMA)", l), peaks,
				color.Black, []vg.Length{vg.Points(4), vg.Points(3)}); err != nil {
				return err
			}
		}
		for _, impl := range impls(rs) {
			xys := series(rs, func(r Result) bool { return r.Impl == impl }, func(r Result) float64 { return r.GFlops })
			if err := addLine(pl, impl, xys, colorOf(impl), nil); err != nil {
				return err
			}
		}
		sizeTicks(pl, rs)
		// Room above the peak for the legend.
		pl.Y.Max *= 4
		panels = append(panels, pl)
	}
	if len(panels) == 0 {
		return fmt.Errorf("-plot: none of the plotted suites (roofline, kernels, gemm) ran")
	}

	const cols = 3
	rows := (len(panels) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for i, p := range panels {
		grid[i/cols][i%cols] = p
	}
	img := vgimg.NewWith(vgimg.UseWH(vg.Points(cols*400), vg.Points(float64(rows)*320)), vgimg.UseDPI(96))
	dc := draw.New(img)
	t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(16), PadY: vg.Points(16),
		PadTop: vg.Points(8), PadBottom: vg.Points(8), PadLeft: vg.Points(8), PadRight: vg.Points(16)}
	canvases := plot.Align(grid, t, dc)
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func newLogPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = x, y
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())
	p.Legend.Left, p.Legend.Top = false, true
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	return p
}

// sizeTicks labels the x axis at the sizes measured: 1K, 64K, 1M or 64,
// 128, ...
func sizeTicks(p *plot.Plot, rs []Result) {
	var ns []int
	for _, r := range rs {
		if r.Size > 0 && !slices.Contains(ns, r.Size) {
			ns = append(ns, r.Size)
		}
	}
	slices.Sort(ns)
	var ts plot.ConstantTicks
	for _, n := range ns {
		ts = append(ts, plot.Tick{Value: float64(n), Label: fmtSize(n)})
	}
	p.X.Tick.Marker = ts
}

func addLine(p *plot.Plot, name string, xys plotter.XYs, c color.Color, dashes []vg.Length) error {
	if len(xys) == 0 {
		return nil
	}
	l, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	l.Color, pts.Color = c, c
	l.Dashes = dashes
	l.Width = vg.Points(1.5)
	pts.Shape = draw.CircleGlyph{}
	pts.Radius = vg.Points(2)
	p.Add(l, pts)
	p.Legend.Add(name, l)
	return nil
}

// palette is Tableau's ten colours, distinct on screen and in print.
var palette = []color.Color{
	rgb(0x1f77b4), rgb(0xd62728), rgb(0x2ca02c), rgb(0xff7f0e), rgb(0x9467bd),
	rgb(0x8c564b), rgb(0xe377c2), rgb(0x7f7f7f), rgb(0xbcbd22), rgb(0x17becf),
}

func rgb(v uint32) color.Color {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

func gbps(r Result) float64 { return r.GBps }

// series returns (size, y) for the results that keep accepts and that
// have a positive y, in the order of the results.
func series(rs []Result, keep func(Result) bool, y func(Result) float64) plotter.XYs {
	var xys plotter.XYs
	for _, r := range rs {
		if keep(r) && r.Size > 0 && y(r) > 0 {
			xys = append(xys, plotter.XY{X: float64(r.Size), Y: y(r)})
		}
	}
	return xys
}

func filter(rs []Result, keep func(Result) bool) []Result {
	var out []Result
	for _, r := range rs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// impls returns the implementations in rs in order of first appearance.
func impls(rs []Result) []string {
	var is []string
	for _, r := range rs {
		if !slices.Contains(is, r.Impl) {
			is = append(is, r.Impl)
		}
	}
	return is
}
