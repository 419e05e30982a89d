package train

import (
	"fmt"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// PlotPNG draws the named metrics of h, one panel each side by side,
// against their steps (xlabel names them: "epoch", "step"), into a PNG
// file at path. Every name must have at least one point.
func PlotPNG(path string, h *History, xlabel string, names ...string) error {
	if len(names) == 0 {
		return fmt.Errorf("train: PlotPNG %s: no metrics to plot", path)
	}
	var plots []*plot.Plot
	for _, n := range names {
		s := h.Series(n)
		if len(s) == 0 {
			return fmt.Errorf("train: PlotPNG %s: no values of %q", path, n)
		}
		xy := make(plotter.XYs, len(s))
		for i, p := range s {
			xy[i] = plotter.XY{X: float64(p.Step), Y: p.Value}
		}
		p := plot.New()
		p.Title.Text = n
		p.X.Label.Text = xlabel
		p.Y.Label.Text = n
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return fmt.Errorf("train: PlotPNG %s: %s: %w", path, n, err)
		}
		p.Add(l, pts, plotter.NewGrid())
		plots = append(plots, p)
	}
	img := vgimg.New(vg.Length(5*len(plots))*vg.Inch, 4*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 4}
	for i, p := range plots {
		p.Draw(tiles.At(dc, i, 0))
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("train: PlotPNG: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("train: PlotPNG %s: %w", path, err)
	}
	return f.Close()
}
