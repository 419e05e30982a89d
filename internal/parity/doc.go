// Package parity holds adjoint's PyTorch parity tests; it is a test-only
// package with no code of its own.
//
// testdata/programs.json is a table of small programs (about 170) that
// between them use every differentiable operation of packages autograd and
// nn/functional: unary and binary elementwise operations with broadcasting,
// reductions (ties, zeros and ±1000 inputs included), every shape rule of
// MatMul, views, joins and indexing, the losses and normalisations of
// nn/functional, small composite models, second derivatives taken with
// create-graph gradients, and every elementwise operation and reduction at
// special values (±Inf, NaN, ±0, ±1000, empty and 0-d tensors). For each
// program it holds the inputs, the outputs PyTorch computes in float64, a
// fixed random weight w_i per output, and the gradient of
// Σ (out_i·w_i).sum() with respect to every input that requires one.
//
// parity_test.go runs the same programs with adjoint, one subtest per
// program, and compares every output value and every gradient element to a
// relative tolerance of 1e-10, with an absolute floor of 1e-12 for values
// near zero. NaN matches NaN, an infinity only the same infinity; the sign
// of a zero is not compared. A program present in the JSON but not in the
// test's table, or the reverse, fails the test, so that the two cannot
// drift apart. go test -v prints the largest error seen.
//
// # Regenerating the fixture
//
// testdata/make_fixture.py writes testdata/programs.json. It needs PyTorch
// (Debian's python3-torch); run it from the repository root:
//
//	OMP_NUM_THREADS=1 /usr/bin/python3 internal/parity/testdata/make_fixture.py
//
// The inputs come from a seeded generator and the computation is
// single-threaded, so the file is reproducible. To add a program, add it to
// make_fixture.py with prog(...), add a function of the same name to the
// programs map in parity_test.go, and rerun the script.
package parity
