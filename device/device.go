package device

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
)

// Info describes the processor adjoint runs on.
type Info struct {
	Vendor string // vendor string, e.g. "GenuineIntel"
	Brand  string // brand name as the CPU reports it
	Arch   string // runtime.GOARCH
	// UsableCPUs is the number of CPUs this process may run on:
	// runtime.NumCPU, which honours the affinity mask (taskset, cpusets).
	// It is the count to size thread pools by; PhysicalCores and
	// LogicalCores are what cpuid says about the package, which in a
	// virtual machine or a container can be far more than the process gets.
	UsableCPUs    int
	PhysicalCores int // physical cores as cpuid reports them, 0 if unknown
	LogicalCores  int // hardware threads as cpuid reports them, 0 if unknown
	CacheLine     int // bytes, 0 if unknown
	L1D           int // L1 data cache per core in bytes, 0 if unknown
	L2            int // L2 cache in bytes, 0 if unknown
	L3            int // L3 cache in bytes, 0 if unknown

	AVX2     bool // AVX2 (amd64)
	FMA      bool // FMA3 (amd64)
	AVX512F  bool // AVX-512 Foundation (amd64)
	AVX512DQ bool // AVX-512 Doubleword and Quadword (amd64)
	AVX512VL bool // AVX-512 Vector Length extensions (amd64)
	BMI2     bool // BMI2 (amd64)
	NEON     bool // Advanced SIMD, ASIMD (arm64)
	FP       bool // scalar floating point (arm64)
	SVE      bool // Scalable Vector Extension (arm64; reported, not used)
}

var cpu = detect()

func detect() Info {
	c := cpuid.CPU
	pos := func(n int) int {
		if n < 0 {
			return 0
		}
		return n
	}
	return Info{
		Vendor:        c.VendorString,
		Brand:         strings.TrimSpace(c.BrandName),
		Arch:          runtime.GOARCH,
		UsableCPUs:    runtime.NumCPU(),
		PhysicalCores: pos(c.PhysicalCores),
		LogicalCores:  pos(c.LogicalCores),
		CacheLine:     pos(c.CacheLine),
		L1D:           pos(c.Cache.L1D),
		L2:            pos(c.Cache.L2),
		L3:            pos(c.Cache.L3),
		AVX2:          c.Supports(cpuid.AVX2),
		FMA:           c.Supports(cpuid.FMA3),
		AVX512F:       c.Supports(cpuid.AVX512F),
		AVX512DQ:      c.Supports(cpuid.AVX512DQ),
		AVX512VL:      c.Supports(cpuid.AVX512VL),
		BMI2:          c.Supports(cpuid.BMI2),
		// Go's arm64 port requires FP and ASIMD (its runtime uses them
		// unconditionally), so an arm64 process has them even where cpuid
		// cannot read the feature registers (noasm builds, some systems).
		NEON: c.Supports(cpuid.ASIMD) || runtime.GOARCH == "arm64",
		FP:   c.Supports(cpuid.FP) || runtime.GOARCH == "arm64",
		SVE:  c.Supports(cpuid.SVE),
	}
}

// CPU returns the description of this processor.
func CPU() Info { return cpu }

// Supports reports whether the processor can run the kernels of level l.
func (c Info) Supports(l Level) bool {
	switch l {
	case Generic:
		return true
	case AVX2:
		return c.AVX2 && c.FMA
	case AVX512:
		return c.AVX512F && c.AVX2 && c.FMA && c.BMI2
	case NEON:
		return c.NEON && c.FP
	}
	return false
}

// Features lists the vector features adjoint uses that this CPU has, in a
// fixed order.
func (c Info) Features() []string {
	var f []string
	add := func(ok bool, name string) {
		if ok {
			f = append(f, name)
		}
	}
	add(c.AVX2, "AVX2")
	add(c.FMA, "FMA")
	add(c.BMI2, "BMI2")
	add(c.AVX512F, "AVX512F")
	add(c.AVX512DQ, "AVX512DQ")
	add(c.AVX512VL, "AVX512VL")
	add(c.FP, "FP")
	add(c.NEON, "ASIMD")
	add(c.SVE, "SVE")
	return f
}

// String describes the CPU and the kernel level in use on a few lines a
// person can read. The CPU count it leads with is the usable one
// (UsableCPUs); cpuid's core counts follow in brackets, and a count or a
// cache size that could not be read is written "unknown".
func (c Info) String() string {
	var b strings.Builder
	brand := c.Brand
	if brand == "" {
		brand = "unknown CPU"
	}
	fmt.Fprintf(&b, "cpu:      %s (%s, %s)\n", brand, orUnknown(c.Vendor), c.Arch)
	fmt.Fprintf(&b, "cpus:     %s usable (cpuid reports %s physical, %s logical)\n",
		count(c.UsableCPUs), count(c.PhysicalCores), count(c.LogicalCores))
	fmt.Fprintf(&b, "caches:   L1d %s, L2 %s, L3 %s\n", size(c.L1D), size(c.L2), size(c.L3))
	feats := strings.Join(c.Features(), " ")
	if feats == "" {
		feats = "none"
	}
	fmt.Fprintf(&b, "features: %s\n", feats)
	fmt.Fprintf(&b, "kernels:  %s", KernelLevel())
	if kernelErr != nil {
		fmt.Fprintf(&b, " (%v)", kernelErr)
	}
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown vendor"
	}
	return s
}

// count writes a CPU or core count, or "unknown" for 0.
func count(n int) string {
	if n <= 0 {
		return "unknown"
	}
	return fmt.Sprint(n)
}

// size writes a cache size, or "unknown" for 0.
func size(n int) string {
	switch {
	case n <= 0:
		return "unknown"
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// Level is a set of kernels, from the portable Go code up to the widest
// vector instructions.
type Level int

// The kernel levels. On each architecture the compiled ones are in
// increasing order of width: Generic, AVX2, AVX512 on amd64; Generic, NEON
// on arm64.
const (
	Generic Level = iota // plain Go, always available
	AVX2                 // AVX2 + FMA assembly (amd64)
	AVX512               // AVX-512F assembly (amd64)
	NEON                 // Advanced SIMD (ASIMD) assembly, 128-bit (arm64)
)

var levelNames = [...]string{Generic: "generic", AVX2: "avx2", AVX512: "avx512", NEON: "neon"}

// Levels returns every level this package knows, on any architecture, in
// the order of their constants.
func Levels() []Level {
	ls := make([]Level, len(levelNames))
	for i := range ls {
		ls[i] = Level(i)
	}
	return ls
}

// String returns the level's name as ADJOINT_KERNELS spells it.
func (l Level) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel parses a level name: "generic", "avx2", "avx512" or "neon".
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Level(i), nil
		}
	}
	return Generic, fmt.Errorf("device: unknown kernel level %q (want generic, avx2, avx512 or neon)", s)
}

// Compiled reports whether this build contains the kernels of level l:
// Generic always, AVX2 and AVX512 on amd64, NEON on arm64 (the noasm build
// tag and other targets contain only Generic).
func Compiled(l Level) bool {
	switch l {
	case Generic:
		return true
	case AVX2, AVX512:
		return amd64Asm
	case NEON:
		return arm64Asm
	}
	return false
}

// Available lists the levels this build and this CPU can both run, lowest
// first.
func Available() []Level {
	var ls []Level
	for _, l := range Levels() {
		if Compiled(l) && cpu.Supports(l) {
			ls = append(ls, l)
		}
	}
	return ls
}

// EnvVar is the environment variable that forces a kernel level.
const EnvVar = "ADJOINT_KERNELS"

var kernelLevel, kernelErr = chooseLevel(os.Getenv(EnvVar))

// chooseLevel picks the best available level, or the one the environment
// asks for. A request that cannot be honoured returns the best available
// level and an error saying why.
func chooseLevel(env string) (Level, error) {
	av := Available()
	best := av[len(av)-1]
	if strings.TrimSpace(env) == "" {
		return best, nil
	}
	l, err := ParseLevel(env)
	if err != nil {
		return best, fmt.Errorf("%s=%s: %w", EnvVar, env, err)
	}
	if !Compiled(l) {
		return best, fmt.Errorf("%s=%s: this build has no %s kernels (built with noasm, or for another architecture)", EnvVar, env, l)
	}
	if !cpu.Supports(l) {
		return best, fmt.Errorf("%s=%s: this CPU (%s) cannot run %s kernels", EnvVar, env, orUnknown(cpu.Brand), l)
	}
	return l, nil
}

// KernelLevel returns the kernel level chosen for this process.
func KernelLevel() Level { return kernelLevel }

// KernelLevelError returns why ADJOINT_KERNELS could not be honoured, or nil.
// Package kernels turns a non-nil error into a panic at start-up.
func KernelLevelError() error { return kernelErr }
