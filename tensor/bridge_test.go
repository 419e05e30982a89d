package tensor_test

import (
	"github.com/adjoint-go/adjoint/internal/bridge"
	"github.com/adjoint-go/adjoint/tensor"
)

// tops holds the operations tensor implements for the packages above it
// (see internal/bridge), for the tests here that exercise them.
var tops = bridge.Get[*tensor.Tensor]()
