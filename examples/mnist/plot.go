package main

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"os"
)

// plotHistory draws the training loss and the test accuracy per epoch side
// by side into a PNG file.
func plotHistory(path string, h []epochStats) error {
	loss, acc := make(plotter.XYs, len(h)), make(plotter.XYs, len(h))
	for i, s := range h {
		loss[i] = plotter.XY{X: float64(i + 1), Y: s.loss}
		acc[i] = plotter.XY{X: float64(i + 1), Y: s.acc}
	}
	left, err := linePlot("Training loss", "loss", loss)
	if err != nil {
		return err
	}
	right, err := linePlot("Test accuracy", "accuracy", acc)
	if err != nil {
		return err
	}
	img := vgimg.New(10*vg.Inch, 4*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 4}
	for i, p := range []*plot.Plot{left, right} {
		p.Draw(tiles.At(dc, i, 0))
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func linePlot(title, ylabel string, xy plotter.XYs) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	l, pts, err := plotter.NewLinePoints(xy)
	if err != nil {
		return nil, err
	}
	p.Add(l, pts, plotter.NewGrid())
	return p, nil
}
