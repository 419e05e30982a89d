package device

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

func TestCPUDescribesThisMachine(t *testing.T) {
	c := CPU()
	t.Logf("\n%s", c)
	if c.LogicalCores < 0 || c.PhysicalCores < 0 || c.L1D < 0 {
		t.Fatalf("negative figures in %+v", c)
	}
	if c.UsableCPUs != runtime.NumCPU() {
		t.Fatalf("UsableCPUs = %d, want runtime.NumCPU() = %d", c.UsableCPUs, runtime.NumCPU())
	}
	s := c.String()
	for _, want := range []string{"cpu:", fmt.Sprintf("cpus:     %d usable", runtime.NumCPU()), "caches:", "features:", "kernels:  " + KernelLevel().String()} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
	if c.AVX512F && !strings.Contains(s, "AVX512F") {
		t.Errorf("String() does not list AVX512F:\n%s", s)
	}
	if runtime.GOARCH == "arm64" && !(c.NEON && c.FP && strings.Contains(s, "ASIMD") && c.Supports(NEON)) {
		t.Errorf("an arm64 CPU without ASIMD and FP (every one has them):\n%s", s)
	}
}

func TestArm64Features(t *testing.T) {
	c := Info{Arch: "arm64", FP: true, NEON: true, SVE: true}
	if got, want := strings.Join(c.Features(), " "), "FP ASIMD SVE"; got != want {
		t.Errorf("features %q, want %q", got, want)
	}
	if !strings.Contains(c.String(), "features: FP ASIMD SVE\n") {
		t.Errorf("String() does not list the arm64 features:\n%s", c)
	}
	if Compiled(NEON) != (runtime.GOARCH == "arm64" && arm64Asm) || Compiled(AVX2) == Compiled(NEON) && Compiled(NEON) {
		t.Errorf("Compiled(NEON) = %v on %s", Compiled(NEON), runtime.GOARCH)
	}
}

// TestStringLeadsWithUsableCPUs describes a KVM guest whose cpuid claims
// the host's 254 cores while the process may run on 2, and which reports
// no L2 or L3: the header must say 2 first and plainly, and "unknown" for
// the caches it could not read.
func TestStringLeadsWithUsableCPUs(t *testing.T) {
	guest := Info{Vendor: "AuthenticAMD", Brand: "AMD EPYC Turin", Arch: "amd64",
		UsableCPUs: 2, PhysicalCores: 254, LogicalCores: 254, L1D: 48 << 10}
	lines := strings.Split(guest.String(), "\n")
	want := []string{
		"cpu:      AMD EPYC Turin (AuthenticAMD, amd64)",
		"cpus:     2 usable (cpuid reports 254 physical, 254 logical)",
		"caches:   L1d 48 KiB, L2 unknown, L3 unknown",
	}
	if len(lines) < len(want) {
		t.Fatalf("String() has %d lines:\n%s", len(lines), guest)
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d = %q, want %q", i+1, lines[i], w)
		}
	}
	if s := guest.String(); strings.Contains(s, "?") || strings.Contains(s, "cores:") {
		t.Errorf("String() still has a question mark or a cores line:\n%s", s)
	}
	t.Run("a count cpuid did not give is unknown too", func(t *testing.T) {
		got := strings.Split(Info{UsableCPUs: 1}.String(), "\n")[1]
		if w := "cpus:     1 usable (cpuid reports unknown physical, unknown logical)"; got != w {
			t.Errorf("got %q, want %q", got, w)
		}
	})
}

func TestSupportsFollowsFeatures(t *testing.T) {
	cases := []struct {
		name string
		info Info
		want []Level
	}{
		{"a CPU without vector extensions runs generic only", Info{}, []Level{Generic}},
		{"AVX2 without FMA is not enough for avx2", Info{AVX2: true}, []Level{Generic}},
		{"AVX2 and FMA run avx2", Info{AVX2: true, FMA: true}, []Level{Generic, AVX2}},
		{"AVX-512F needs BMI2 as well", Info{AVX2: true, FMA: true, AVX512F: true}, []Level{Generic, AVX2}},
		{"a full AVX-512 CPU runs everything", Info{AVX2: true, FMA: true, AVX512F: true, BMI2: true}, []Level{Generic, AVX2, AVX512}},
		{"ASIMD and FP run neon", Info{NEON: true, FP: true}, []Level{Generic, NEON}},
		{"SVE alone is not neon", Info{SVE: true}, []Level{Generic}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []Level
			for _, l := range Levels() {
				if c.info.Supports(l) {
					got = append(got, l)
				}
			}
			if len(got) != len(c.want) || got[len(got)-1] != c.want[len(c.want)-1] {
				t.Fatalf("supports %v, want %v", got, c.want)
			}
		})
	}
	if (Info{}).Supports(Level(7)) {
		t.Fatal("an unknown level is supported")
	}
}

func TestParseLevel(t *testing.T) {
	for _, l := range Levels() {
		got, err := ParseLevel(" " + strings.ToUpper(l.String()) + " ")
		if err != nil || got != l {
			t.Errorf("ParseLevel(%q) = %v, %v", l.String(), got, err)
		}
	}
	if _, err := ParseLevel("sse9"); err == nil || !strings.Contains(err.Error(), `"sse9"`) {
		t.Errorf("ParseLevel(sse9) error = %v", err)
	}
	if s := Level(9).String(); s != "Level(9)" {
		t.Errorf("String of an unknown level = %q", s)
	}
}

func TestChooseLevel(t *testing.T) {
	av := Available()
	best := av[len(av)-1]
	if l, err := chooseLevel(""); err != nil || l != best {
		t.Fatalf("no request: %v, %v; want %v", l, err, best)
	}
	for _, l := range av {
		if got, err := chooseLevel(l.String()); err != nil || got != l {
			t.Errorf("request %v: got %v, %v", l, got, err)
		}
	}
	if _, err := chooseLevel("fastest"); err == nil || !strings.Contains(err.Error(), "ADJOINT_KERNELS=fastest") {
		t.Errorf("bad name: error %v", err)
	}
	for _, l := range Levels() {
		if Compiled(l) && cpu.Supports(l) {
			continue
		}
		_, err := chooseLevel(l.String())
		if err == nil {
			t.Errorf("request for unavailable %v: no error", l)
		} else if !strings.Contains(err.Error(), l.String()) {
			t.Errorf("request for unavailable %v: error %q does not name it", l, err)
		}
	}
	if !Compiled(Generic) {
		t.Fatal("generic is not compiled")
	}
}
