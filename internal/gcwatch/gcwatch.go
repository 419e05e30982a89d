// Package gcwatch calls functions after garbage collections. The project's
// buffer pools use it to notice that a program stopped using what they keep
// (see package tensor's storage pool and package kernels' packing
// buffers): a sync.Pool alone loses its contents at every second
// collection, which a training loop pays for by allocating its buffers
// anew a few steps later.
//
// Production code imports it, so it imports nothing but the runtime and
// sync.
package gcwatch

import (
	"runtime"
	"sync"
)

var (
	mu    sync.Mutex
	funcs []func()
	once  sync.Once
)

// After registers f to be called after every later garbage collection,
// from the runtime's finalizer goroutine: f must be quick and must not
// block. The calls follow the collections they report, with no promise of
// one call per collection.
func After(f func()) {
	if f == nil {
		panic("gcwatch.After: nil function")
	}
	mu.Lock()
	funcs = append(funcs, f)
	mu.Unlock()
	once.Do(watch)
}

// sentinel is an object made unreachable on purpose: its finalizer runs
// after the next garbage collection, calls the registered functions and
// makes another.
type sentinel struct{ _ [16]byte }

func watch() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		mu.Lock()
		fs := funcs
		mu.Unlock()
		for _, f := range fs {
			f()
		}
		watch()
	})
}
