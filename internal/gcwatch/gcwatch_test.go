package gcwatch

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestAfterRunsAfterCollections checks that a registered function is
// called after garbage collections, again after later ones.
func TestAfterRunsAfterCollections(t *testing.T) {
	var calls atomic.Int64
	After(func() { calls.Add(1) })
	for want := int64(1); want <= 3; want++ {
		deadline := time.Now().Add(5 * time.Second)
		for calls.Load() < want {
			if time.Now().After(deadline) {
				t.Fatalf("%d calls within 5 s of garbage collections; want %d", calls.Load(), want)
			}
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
	}
}

// TestAfterNilPanics checks the bad input.
func TestAfterNilPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("After(nil) did not panic")
		}
	}()
	After(nil)
}
