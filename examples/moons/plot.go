package main

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/data"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/train"
)

// The colours of the two classes: strong for the points, pale for the
// regions the model assigns to them.
var (
	class0     = color.RGBA{R: 0x1f, G: 0x5f, B: 0xbf, A: 0xff}
	class1     = color.RGBA{R: 0xd9, G: 0x5f, B: 0x0e, A: 0xff}
	paleClass0 = color.RGBA{R: 0xc6, G: 0xd9, B: 0xf5, A: 0xff}
	paleClass1 = color.RGBA{R: 0xfb, G: 0xd9, B: 0xb8, A: 0xff}
)

// gridRes is the number of grid cells along each axis of the boundary map.
const gridRes = 150

// plotResult draws the decision boundary of model over the points of ds
// (left) and the loss per epoch (right) side by side into a PNG file.
func plotResult(path string, model nn.Module, ds *data.Dataset, h *train.History) error {
	loss, err := train.MetricPlot(h, "loss", "epoch")
	if err != nil {
		return err
	}
	loss.Title.Text = "Training loss (binary cross-entropy)"
	return train.SavePNG(path, 6, 5, boundaryPlot(model, ds), loss)
}

// grid is the model's probability of class 1 on a regular grid, a
// plotter.GridXYZ.
type grid struct {
	x0, y0, dx, dy float64
	cols, rows     int
	z              []float64 // row-major: z[r*cols+c]
}

func (g *grid) Dims() (c, r int)   { return g.cols, g.rows }
func (g *grid) Z(c, r int) float64 { return g.z[r*g.cols+c] }
func (g *grid) X(c int) float64    { return g.x0 + float64(c)*g.dx }
func (g *grid) Y(r int) float64    { return g.y0 + float64(r)*g.dy }
func (g *grid) Min() (min float64) { return 0 }
func (g *grid) Max() (max float64) { return 1 }

// probabilityGrid evaluates model on a gridRes × gridRes grid covering the
// points of ds with a margin, in one batch.
func probabilityGrid(model nn.Module, ds *data.Dataset) *grid {
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	pts := ds.X.Data()
	for i := 0; i < len(pts); i += 2 {
		xmin, xmax = min(xmin, pts[i]), max(xmax, pts[i])
		ymin, ymax = min(ymin, pts[i+1]), max(ymax, pts[i+1])
	}
	const margin = 0.3
	xmin, xmax, ymin, ymax = xmin-margin, xmax+margin, ymin-margin, ymax+margin
	g := &grid{
		x0: xmin, y0: ymin,
		dx: (xmax - xmin) / (gridRes - 1), dy: (ymax - ymin) / (gridRes - 1),
		cols: gridRes, rows: gridRes,
	}
	in := make([]float64, 0, 2*gridRes*gridRes)
	for r := range gridRes {
		for c := range gridRes {
			in = append(in, g.X(c), g.Y(r))
		}
	}
	g.z = predict(model, autograd.New(in, gridRes*gridRes, 2))
	return g
}

// twoTone is a palette from pale class-0 blue through white to pale
// class-1 orange.
func twoTone(n int) palette.Palette {
	cs := make([]color.Color, n)
	for i := range cs {
		t := float64(i) / float64(n-1)
		from, to, u := paleClass0, color.RGBA{0xff, 0xff, 0xff, 0xff}, 2*t
		if t > 0.5 {
			from, to, u = to, paleClass1, 2*t-1
		}
		mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + u*(float64(b)-float64(a)))) }
		cs[i] = color.RGBA{mix(from.R, to.R), mix(from.G, to.G), mix(from.B, to.B), 0xff}
	}
	return colors(cs)
}

type colors []color.Color

func (c colors) Colors() []color.Color { return c }

func boundaryPlot(model nn.Module, ds *data.Dataset) *plot.Plot {
	p := plot.New()
	p.Title.Text = "Decision boundary (P(class 1), 0.5 contour)"
	p.X.Label.Text = "x₁"
	p.Y.Label.Text = "x₂"
	g := probabilityGrid(model, ds)
	heat := plotter.NewHeatMap(g, twoTone(64))
	heat.Rasterized = true
	boundary := plotter.NewContour(g, []float64{0.5}, colors{color.Black})
	boundary.LineStyles[0].Width = vg.Points(1.5)
	p.Add(heat, boundary)

	var xy [2]plotter.XYs
	pts, ys := ds.X.Data(), ds.Y.Data()
	for i, y := range ys {
		k := int(y)
		xy[k] = append(xy[k], plotter.XY{X: pts[2*i], Y: pts[2*i+1]})
	}
	for k, col := range []color.Color{class0, class1} {
		s, err := plotter.NewScatter(xy[k])
		if err != nil {
			continue // no points of this class
		}
		s.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add([]string{"class 0 (upper moon)", "class 1 (lower moon)"}[k], s)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.X.Min, p.X.Max = g.X(0), g.X(g.cols-1)
	p.Y.Min, p.Y.Max = g.Y(0), g.Y(g.rows-1)
	return p
}
