package tensor

import "testing"

func TestOwnerIsRecordedOnTheStorage(t *testing.T) {
	x := FromData([]float64{1, 2, 3, 4}, 2, 2)
	if x.Owner() != "" {
		t.Fatalf("a new tensor has owner %q", x.Owner())
	}
	if got := x.SetOwner("loader A"); got != x {
		t.Fatal("SetOwner does not return its receiver")
	}
	if x.Owner() != "loader A" || x.Transpose(0, 1).Owner() != "loader A" {
		t.Fatalf("owner %q, view's %q, want loader A for both", x.Owner(), x.Transpose(0, 1).Owner())
	}
	if c := x.Clone(); c.Owner() != "" {
		t.Fatalf("a clone has owner %q, want none", c.Owner())
	}
	y := Zeros(3).SetOwner("loader B").SetOwner("loader A")
	if y.Owner() != "loader A" {
		t.Fatalf("owner %q after setting it again, want loader A", y.Owner())
	}
	if v := y.Version(); v != 0 || y.At(0) != 0 {
		t.Fatalf("SetOwner changed the values or version (%d)", v)
	}
	// A pooled storage taken again carries no owner.
	z := Zeros(100).SetOwner("loader C")
	if !z.recycle() {
		t.Fatal("z was not recycled")
	}
	for range 8 {
		if w := Zeros(100); w.Owner() != "" {
			t.Fatalf("a new tensor from the pool has owner %q", w.Owner())
		}
	}
}
