// Command bench measures adjoint on this machine against what the machine
// can do and against other implementations.
//
//	go run ./bench              # every suite, a few minutes
//	go run ./bench -quick       # a pass of a few seconds
//	go run ./bench -suite kernels,gemm -json > out.jsonl
//	go run ./bench -plot bench.png -torch
//
// It prints a header describing the machine, then one table per suite.
// The header leads with the CPUs this process may use (runtime.NumCPU,
// which honours the affinity mask) and gives cpuid's core counts only in
// brackets: in a virtual machine cpuid can describe the whole host (254
// cores for a 2-vCPU guest). It also gives a cache line's round trip
// between two threads' cores, measured at the start and again at the end
// of the run: on a virtual machine it tells whether the host placed the
// vCPUs near each other or far apart, which the all-thread rows of the
// model suites depend on (see cores.go), and last what the process's
// last split trial found (see kernels.SplitTrial): whether its products
// ran faster split between the threads than not. Every suite's "all threads" rows run on the
// usable count (or on GOMAXPROCS, if that is lower); a cache size cpuid
// cannot give is written "unknown". The suites:
//
//   - roofline: memory bandwidth (copy and triad, GB/s) at each size and
//     the peak FMA throughput of one core and of all of them (GFLOP/s), the
//     machine's ceilings (which the kernels and gemm rows re-measure for
//     themselves, see Timing);
//   - kernels: Add, Mul, Axpy, Dot, Sum and Exp at every kernel level this
//     build and CPU run, a naive Go loop, gonum and vecf64, in GB/s and as a
//     percentage of the roofline bandwidth at the same size;
//   - gemm: square matrix products and the shapes of an MNIST MLP's
//     training step, on one thread and all, in GFLOP/s and as a percentage
//     of the FMA peak;
//   - autograd: the cost per operation of recording and differentiating a
//     scalar graph;
//   - mlp: training steps of an MNIST-shaped MLP (784-128-10, batch 64,
//     synthetic data) and its forward pass alone, and training steps of
//     two wider ones (784-512-10 on batches of 256, 784-1024-10 on batches
//     of 128), on one thread and all: time and steps per second, the
//     speed-up of all threads over one, allocations and bytes per step.
//   - cnn: training steps of LeNet-5 (batch 64 of synthetic 28×28 images,
//     Adam) and its forward pass alone, and convolutions alone at LeNet's
//     second layer's and a ResNet block's shapes (forward, and forward with
//     both gradients) beside the matrix product of the same flops that an
//     im2col convolution runs, on one thread and all: GFLOP/s, the
//     convolutions' as a percentage of the product's, the speed-up of all
//     threads over one, allocations;
//   - seq: training steps of a byte-level GPT (issue 14's charlm reference:
//     2 pre-LayerNorm blocks, C=64, T=64, 4 heads, V=96, batch 32 windows of
//     a synthetic corpus, AdamW, gradient clipping), causal
//     scaled-dot-product attention forward and backward at the charlm's
//     shape and at a longer one, and an LSTM's training step (64 in, 128
//     hidden, 32 steps, batch 32, Adam), on one thread and all: time,
//     tokens per second, GFLOP/s, allocations.
//
// # Timing
//
// Every figure is the median of repeated timed runs after a warm-up, shown
// with its spread. The figures of one row of a table are measured
// together, interleaved: each side (every implementation in the row,
// PyTorch's with -torch, and the ceiling the row's percentages are taken
// of) is calibrated and warmed up, then the sides take turns, one timed
// run each per round (adjoint, torch, adjoint, torch, ...), for as many
// rounds as there are runs, and each side's figure is the median of its
// own runs. A burst of load from another process thus falls on every side
// of the row alike, instead of on whichever ran at that moment. The
// kernels' roofline (copy and triad at the row's size) and the gemm's FMA
// peak (on the row's threads) are re-measured in every row this way, and a
// percentage is a figure's median over the best run of its ceiling in the
// same window, never over a ceiling measured while the machine was quieter
// or busier. The roofline suite's own table is measured once, on its own.
// The model suites (mlp, cnn, seq) measure a workload's one-thread and
// all-thread rows in one window as well, each thread count a side, so that
// the speed-up of all threads over one is a ratio of medians under the
// same load; before that, each thread count's model runs untimed until
// the Go heap has stopped growing (no more page faults over a garbage
// collection cycle; at most half a second with the default runs), as it
// has in a training run past its first second.
//
// # Output
//
// With -json it writes one JSON object per line instead of tables (the
// first describes the machine); with -plot it also draws the kernels'
// bandwidth and the GEMM's throughput against size; with -torch it runs the
// same kernels, GEMMs, MLP, LeNet, charlm and LSTM steps, convolutions,
// attention and scalar graphs through PyTorch (bench/torch_bench.py,
// float64, one thread by default) and shows both figures side by side after
// the suites. One python process serves the whole command: it prepares one
// row's workload at a time and times one run per request (JSON lines on its
// stdin and stdout), so that its runs can alternate with ours without
// paying python's start-up for every row. On Linux, with PyTorch on one
// thread, the python process and our one-thread runs keep to the same CPU
// (the first this process may use): the vCPUs of one machine can differ in
// speed, and unpinned each side may settle on a different one.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/adjoint-go/adjoint/device"
	"github.com/adjoint-go/adjoint/kernels"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
}

// config is what the command line asks for.
type config struct {
	suites       []string
	quick        bool
	json         bool
	plot         string
	torch        bool
	torchThreads int
	timing       timing
}

// suite is one group of measurements. Each lives in a file of its own
// (roofline.go, kernels.go, gemm.go, autograd.go, mlp.go, cnn.go, seq.go) that registers
// it in init; a new suite is a new file, with nothing to change here.
type suite struct {
	name  string
	order int    // position in the default run and in -list
	about string // one line for -list
	// run measures the suite and reports each result to b.emit, in the
	// order of the table.
	run func(b *bench) error
	// table lays out the suite's results (nil: the generic layout).
	table func(b *bench, rs []Result) *table
	// bandwidth marks the suites that work on the bandwidth arrays
	// (b.bufs), which are kept from one such suite to the next.
	bandwidth bool
}

var registry []*suite

func register(s *suite) {
	registry = append(registry, s)
	slices.SortFunc(registry, func(a, b *suite) int { return a.order - b.order })
}

func lookup(name string) *suite {
	for _, s := range registry {
		if s.name == name {
			return s
		}
	}
	return nil
}

func suiteNames() []string {
	var ns []string
	for _, s := range registry {
		ns = append(ns, s.name)
	}
	return ns
}

// bench is the state of one invocation.
type bench struct {
	cfg      config
	out      io.Writer
	progress *progress
	cpu      device.Info // the machine (device.CPU(); tests pass others)
	threads  int         // "all threads": see allThreads

	pythons func() []string // interpreters -torch tries

	// The PyTorch side of -torch: the python process while the suites run
	// (nil without one, or once it failed), what it is, the rows it timed
	// and a line saying why there are none or where they stop.
	torchS                                     *torchSession
	torchPython, torchVersion, torchCapability string
	torchPinned                                bool // PyTorch kept to torchCPU (see sharedCPU)
	torchCPU                                   int
	torchRows                                  []Result
	torchNote                                  string

	results []Result // every result so far, in order
	roof    *roofline
	bufs    buffers
}

// emit records a result and, with -json, writes it at once.
func (b *bench) emit(r Result) error {
	b.results = append(b.results, r)
	if b.cfg.json {
		return writeJSON(b.out, r)
	}
	return nil
}

// suiteResults returns the results of suite name so far.
func (b *bench) suiteResults(name string) []Result {
	var rs []Result
	for _, r := range b.results {
		if r.Suite == name {
			rs = append(rs, r)
		}
	}
	return rs
}

// allThreads is the thread count of the suites' "all threads" rows: the
// CPUs this process may use (c.UsableCPUs, which is runtime.NumCPU and
// honours the affinity mask), never cpuid's core counts, which in a
// virtual machine can describe the whole host; and no more than
// GOMAXPROCS, which the user or Go (from a cgroup CPU quota) may have set
// lower.
func allThreads(c device.Info, gomaxprocs int) int {
	n := c.UsableCPUs
	if n < 1 {
		n = gomaxprocs
	}
	return max(1, min(n, gomaxprocs))
}

// threadCounts returns the thread counts of a suite's rows: one, and all
// when that is more.
func (b *bench) threadCounts() []int {
	if b.threads > 1 {
		return []int{1, b.threads}
	}
	return []int{1}
}

// withThreads runs f with GOMAXPROCS set to n, then restores it. With
// one thread while a PyTorch session runs on sharedCPU, f runs there too.
func withThreads(n int, f func()) {
	old := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(old)
	if n == 1 && sharedCPU >= 0 {
		pinned(sharedCPU, f)
		return
	}
	f()
}

// sharedCPU is the CPU that the PyTorch process of -torch runs on, and our
// one-thread runs with it, or -1 (see startTorch). The vCPUs of one
// machine can differ in speed (on the project's 2-vCPU guest one ran the
// LeNet convolution 1.4 times as fast as the other, alone on each), and
// unpinned the two sides may each keep to a different one.
var sharedCPU = -1

// withLevel runs f with the kernels at level l, then restores the level.
func withLevel(l device.Level, f func()) error {
	old, err := kernels.SetLevel(l)
	if err != nil {
		return err
	}
	defer kernels.SetLevel(old)
	f()
	return nil
}

func parseFlags(args []string, stderr io.Writer) (config, bool, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg     config
		suites  = fs.String("suite", "all", "comma-separated suites to run: "+strings.Join(suiteNames(), ", ")+", or all")
		list    = fs.Bool("list", false, "list the suites and exit")
		runs    = fs.Int("runs", 0, "timed runs per figure (default 11, or 7 with -quick)")
		runTime = fs.Duration("runtime", 0, "length of one timed run (default 20ms, or 2ms with -quick)")
	)
	fs.BoolVar(&cfg.quick, "quick", false, "a pass of a few seconds: fewer sizes, shorter and fewer runs")
	fs.BoolVar(&cfg.json, "json", false, "write one JSON object per line instead of tables")
	fs.StringVar(&cfg.plot, "plot", "", "also draw the kernels' GB/s and the GEMM's GFLOP/s against size into this PNG file")
	fs.BoolVar(&cfg.torch, "torch", false, "also run the kernels, gemm, autograd, mlp, cnn and seq workloads through PyTorch, if python3 with torch is found, alternating with ours run by run")
	fs.IntVar(&cfg.torchThreads, "torch-threads", 1, "threads PyTorch may use (torch.set_num_threads, OMP_NUM_THREADS)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: bench [flags]\n\nMeasures adjoint on this machine; see go doc ./bench.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	if fs.NArg() > 0 {
		return cfg, false, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *list {
		for _, s := range registry {
			fmt.Fprintf(stderr, "%-10s %s\n", s.name, s.about)
		}
		return cfg, true, nil
	}
	cfg.timing = timing{runs: 11, target: 20 * time.Millisecond}
	if cfg.quick {
		cfg.timing = timing{runs: 7, target: 2 * time.Millisecond}
	}
	if *runs > 0 {
		cfg.timing.runs = *runs
	}
	if *runTime > 0 {
		cfg.timing.target = *runTime
	}
	if cfg.torchThreads < 1 {
		return cfg, false, fmt.Errorf("-torch-threads must be at least 1")
	}
	for _, name := range strings.Split(*suites, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
		case name == "all":
			cfg.suites = append(cfg.suites, suiteNames()...)
		case lookup(name) == nil:
			return cfg, false, fmt.Errorf("unknown suite %q (have %s)", name, strings.Join(suiteNames(), ", "))
		case !slices.Contains(cfg.suites, name):
			cfg.suites = append(cfg.suites, name)
		}
	}
	// Suites run in registry order, whatever order -suite names them in.
	slices.SortFunc(cfg.suites, func(a, b string) int { return lookup(a).order - lookup(b).order })
	cfg.suites = slices.Compact(cfg.suites)
	if len(cfg.suites) == 0 {
		return cfg, false, fmt.Errorf("no suite selected")
	}
	return cfg, false, nil
}

// run is the command: it parses args, measures, and writes to stdout
// (tables or JSON) and stderr (progress, messages).
func run(args []string, stdout, stderr io.Writer) error {
	cfg, done, err := parseFlags(args, stderr)
	if err != nil || done {
		return err
	}
	cpu := device.CPU()
	b := &bench{
		cfg:      cfg,
		out:      stdout,
		progress: newProgress(stderr),
		cpu:      cpu,
		threads:  allThreads(cpu, runtime.GOMAXPROCS(0)),
		pythons:  pythonCandidates,
	}
	defer b.progress.clear()
	start := time.Now()
	if err := b.header(); err != nil {
		return err
	}
	if cfg.torch {
		b.startTorch()
		defer b.stopTorch()
	}
	for i, name := range cfg.suites {
		s := lookup(name)
		b.progress.prefix = fmt.Sprintf("[%d/%d] ", i+1, len(cfg.suites))
		if err := s.run(b); err != nil {
			return fmt.Errorf("suite %s: %w", name, err)
		}
		if !bandwidthNext(cfg.suites, i) {
			b.dropBuffers()
		}
		if !cfg.json {
			b.progress.clear()
			t := genericTable
			if s.table != nil {
				t = s.table
			}
			t(b, b.suiteResults(name)).print(stdout)
		}
	}
	b.progress.prefix = ""
	if cfg.torch {
		b.stopTorch()
		if err := b.torchReport(stderr); err != nil {
			return err
		}
	}
	if cfg.plot != "" {
		b.progress.set("plot: drawing %s", cfg.plot)
		if err := b.plot(cfg.plot); err != nil {
			return err
		}
	}
	b.progress.clear()
	if !cfg.json {
		fmt.Fprintf(stdout, "\ntotal %.1f s\n", time.Since(start).Seconds())
		if b.threads > 1 {
			rt, ok := coreRoundTrip()
			fmt.Fprintln(stdout, roundTripLine(rt, ok, "end"))
			fmt.Fprintln(stdout, splitLine(kernels.LastSplitTrial()))
		}
	}
	return nil
}

// machine is the first line of -json output.
type machine struct {
	Result
	CPU        string   `json:"cpu"`
	Vendor     string   `json:"vendor"`
	Usable     int      `json:"usable_cpus"`    // runtime.NumCPU: what the suites' thread counts come from
	Physical   int      `json:"physical_cores"` // as cpuid reports them
	Logical    int      `json:"logical_cores"`
	L1D        int      `json:"l1d_bytes"`
	L2         int      `json:"l2_bytes"`
	L3         int      `json:"l3_bytes"`
	Features   []string `json:"features"`
	Kernels    string   `json:"kernels"`
	Levels     []string `json:"levels"`
	Go         string   `json:"go"`
	OS         string   `json:"os"`
	Arch       string   `json:"arch"`
	GOMAXPROCS int      `json:"gomaxprocs"`
	Quick      bool     `json:"quick"`
	// RoundTripNs is a cache line's round trip between two threads' cores
	// at the start (see coreRoundTrip); absent where it was not measured.
	RoundTripNs *float64 `json:"core_round_trip_ns,omitempty"`
}

// header describes the machine: b.cpu as device.Info.String writes it
// (the usable CPUs first), the kernel levels, Go, the thread counts the
// suites use and the timing.
func (b *bench) header() error {
	c := b.cpu
	var levels []string
	for _, l := range device.Available() {
		levels = append(levels, l.String())
	}
	rt, rtOK := coreRoundTrip()
	if b.cfg.json {
		var rtp *float64
		if rtOK {
			rtp = &rt
		}
		return writeJSON(b.out, machine{
			Result:      Result{Suite: "machine", Name: "header", Impl: "adjoint", Threads: b.threads},
			CPU:         c.Brand,
			Vendor:      c.Vendor,
			Usable:      c.UsableCPUs,
			Physical:    c.PhysicalCores,
			Logical:     c.LogicalCores,
			L1D:         c.L1D,
			L2:          c.L2,
			L3:          c.L3,
			Features:    c.Features(),
			Kernels:     kernels.Level().String(),
			Levels:      levels,
			Go:          runtime.Version(),
			OS:          runtime.GOOS,
			Arch:        runtime.GOARCH,
			GOMAXPROCS:  runtime.GOMAXPROCS(0),
			Quick:       b.cfg.quick,
			RoundTripNs: rtp,
		})
	}
	fmt.Fprintln(b.out, c.String())
	fmt.Fprintf(b.out, "levels:   %s (in use: %s)\n", strings.Join(levels, " "), kernels.Level())
	fmt.Fprintf(b.out, "go:       %s %s/%s, GOMAXPROCS %d\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	fmt.Fprintf(b.out, "threads:  %s\n", b.threadsLine())
	fmt.Fprintln(b.out, roundTripLine(rt, rtOK, "start"))
	mode := "full"
	if b.cfg.quick {
		mode = "quick"
	}
	fmt.Fprintf(b.out, "timing:   %s: median of %d runs of about %v each, after a warm-up; ± is half the interquartile range\n",
		mode, b.cfg.timing.runs, b.cfg.timing.target)
	return nil
}

// threadsLine says which thread counts the suites run on and where "all"
// comes from.
func (b *bench) threadsLine() string {
	counts, why := "1", fmt.Sprintf("the %d usable CPU", b.cpu.UsableCPUs)
	if b.threads > 1 {
		counts = fmt.Sprintf("1 and %d", b.threads)
	}
	if b.cpu.UsableCPUs != 1 {
		why += "s"
	}
	if b.cpu.UsableCPUs < 1 {
		why = fmt.Sprintf("GOMAXPROCS %d (usable CPUs unknown)", b.threads)
	} else if b.threads < b.cpu.UsableCPUs {
		why = fmt.Sprintf("GOMAXPROCS %d, below %s", b.threads, why)
	}
	return fmt.Sprintf("%s (all: %s)", counts, why)
}

// genericTable lays out any suite's results one per row.
func genericTable(b *bench, rs []Result) *table {
	t := &table{title: "", head: []string{"name", "impl", "size", "threads", "time/op", "±", "GB/s", "GFLOP/s", "% roof"}, left: 2}
	for _, r := range rs {
		t.title = r.Suite
		t.add(r.Name, r.Impl, fmtSize(r.Size), fmt.Sprint(r.Threads), fmtTime(r.NsPerOp), fmtSpread(r.stats()),
			fmtNum(r.GBps), fmtNum(r.GFlops), fmtPct(r.Roof))
	}
	return t
}
