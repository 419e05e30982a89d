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
		p, err := MetricPlot(h, n, xlabel)
		if err != nil {
			return fmt.Errorf("train: PlotPNG %s: %w", path, err)
		}
		plots = append(plots, p)
	}
	return SavePNG(path, 5, 4, plots...)
}

// MetricPlot returns a line plot of metric name of h against its steps,
// for a program that composes its own figure (see SavePNG).
func MetricPlot(h *History, name, xlabel string) (*plot.Plot, error) {
	s := h.Series(name)
	if len(s) == 0 {
		return nil, fmt.Errorf("no values of %q", name)
	}
	xy := make(plotter.XYs, len(s))
	for i, p := range s {
		xy[i] = plotter.XY{X: float64(p.Step), Y: p.Value}
	}
	p := plot.New()
	p.Title.Text = name
	p.X.Label.Text = xlabel
	p.Y.Label.Text = name
	l, pts, err := plotter.NewLinePoints(xy)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p.Add(l, pts, plotter.NewGrid())
	return p, nil
}

// SavePNG draws plots side by side, each w by h inches, into a PNG file
// at path.
func SavePNG(path string, w, h float64, plots ...*plot.Plot) error {
	img := vgimg.New(vg.Length(w*float64(len(plots)))*vg.Inch, vg.Length(h)*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
	for i, p := range plots {
		p.Draw(tiles.At(dc, i, 0))
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("train: SavePNG: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("train: SavePNG %s: %w", path, err)
	}
	return f.Close()
}
