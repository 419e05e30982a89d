package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// packages are the standard-library packages whose source is the text.
var packages = []string{"bufio", "bytes", "fmt", "sort", "strconv", "strings"}

// goroot returns the root of the Go installation that the go command on
// PATH uses, as `go env GOROOT` prints it.
func goroot() (string, error) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %v (give the Go tree with -goroot)", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", errors.New("go env GOROOT printed nothing (give the Go tree with -goroot)")
	}
	return dir, nil
}

// readCorpus returns the non-test .go files directly inside
// root/src/<package> for each of packages, sorted by path and concatenated,
// and how many files they were.
func readCorpus(root string) ([]byte, int, error) {
	var paths []string
	for _, p := range packages {
		dir := filepath.Join(root, "src", p)
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, 0, err
		}
		for _, e := range entries {
			name := e.Name()
			if e.Type().IsRegular() && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
				paths = append(paths, filepath.Join(dir, name))
			}
		}
	}
	slices.Sort(paths)
	var text []byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, 0, err
		}
		text = append(text, b...)
	}
	return text, len(paths), nil
}

// corpus is the text as token indices, split for training and validation.
type corpus struct {
	vocab      []byte    // the distinct bytes of the text, ascending: a byte's index is its rank
	index      [256]int  // index[b] is b's position in vocab, -1 if b is not in it
	train, val []float64 // the text's tokens: the first 90% and the last 10%
}

// newCorpus encodes text and holds out its last tenth (len(text)/10 bytes,
// rounded down) for validation.
func newCorpus(text []byte) *corpus {
	c := &corpus{}
	var seen [256]bool
	for _, b := range text {
		seen[b] = true
	}
	for b := range 256 {
		c.index[b] = -1
		if seen[b] {
			c.index[b] = len(c.vocab)
			c.vocab = append(c.vocab, byte(b))
		}
	}
	tokens := make([]float64, len(text))
	for i, b := range text {
		tokens[i] = float64(c.index[b])
	}
	split := len(text) - len(text)/10
	c.train, c.val = tokens[:split], tokens[split:]
	return c
}

// encode returns the tokens of s, or an error naming a byte that is not in
// the vocabulary.
func (c *corpus) encode(s string) ([]float64, error) {
	out := make([]float64, len(s))
	for i := range len(s) {
		k := c.index[s[i]]
		if k < 0 {
			return nil, fmt.Errorf("the byte %q at position %d of the prompt is not in the text's vocabulary", s[i], i)
		}
		out[i] = float64(k)
	}
	return out, nil
}

// valWindows returns the starts of the validation windows of n tokens at
// context t: 0, t, 2t, ... while a window and the byte after it fit.
func valWindows(n, t int) []int {
	var starts []int
	for s := 0; s+t+1 <= n; s += t {
		starts = append(starts, s)
	}
	return starts
}
