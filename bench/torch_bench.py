"""Run the bench command's workloads through PyTorch, float64.

The Go command (bench -torch) runs this script with the configuration as a
JSON argument, so that both sides time the same sizes the same way:

    python3 torch_bench.py '{"runs": 5, "target_s": 0.003, "threads": 1,
        "kernels": {"sizes": [1024], "ops": [{"name": "add", "arrays": 3}]},
        "gemm": [{"name": "square", "m": 64, "n": 64, "k": 64,
                  "transA": false, "transB": false, "size": 64,
                  "shape": "64x64x64"}],
        "autograd": [{"name": "graph", "ops": 3}],
        "mlp": {"batch": 64, "in": 784, "hidden": 128, "out": 10,
                "batches": 4, "density": 0.19, "lr": 0.1, "momentum": 0.9,
                "seed": 3, "workloads": [{"name": "train/step",
                                          "train": true, "flops": 26e6}]}}'

It prints one JSON object per line in the Go command's schema (suite, name,
impl, size, threads, ns_per_op, ns_min, ns_max, ns_q1, ns_q3, runs, and gbps
or gflops), impl "torch". The first line describes PyTorch itself.

Timing follows the Go side: calibrate until one run lasts half the target
(this also warms up), then time `runs` runs of about the target each and
report the median, extremes and quartiles per operation. Run it with
OMP_NUM_THREADS set to the same thread count (the Go command does).
"""

import gc
import json
import sys
import time

import torch
import torch.nn.functional as F

DT = torch.float64


def summarize(xs):
    s = sorted(xs)
    n = len(s)

    def q(p):  # linear interpolation between order statistics
        h = (n - 1) * p
        lo = int(h)
        hi = min(lo + 1, n - 1)
        return s[lo] + (h - lo) * (s[hi] - s[lo])

    return {"ns_per_op": q(0.5), "ns_min": s[0], "ns_max": s[-1],
            "ns_q1": q(0.25), "ns_q3": q(0.75), "runs": n}


def samples(cfg, phases, op):
    """op(n) performs n operations in `phases` parts and returns the
    nanoseconds of each; returns the per-operation times of each part in
    each timed run."""
    gc.collect()
    target = max(cfg["target_s"] * 1e9, 1e3)
    n = 1
    while True:
        d = sum(op(n))
        if d >= target / 2 or n >= 1 << 40:
            if d > 0:
                n = max(1, int(n * target / d))
            break
        n *= min(100, max(2, int(target / d))) if d > 0 else 100
    per = [[] for _ in range(phases)]
    for _ in range(max(1, cfg["runs"])):
        ds = op(n)
        for p in range(phases):
            per[p].append(ds[p] / n)
    return per


def measure(cfg, op):
    def timed(n):
        t0 = time.perf_counter_ns()
        op(n)
        return [time.perf_counter_ns() - t0]
    return summarize(samples(cfg, 1, timed)[0])


def emit(row):
    print(json.dumps(row), flush=True)


def row(suite, name, size, threads, st, **extra):
    r = {"suite": suite, "name": name, "impl": "torch", "size": size,
         "threads": threads}
    r.update(st)
    r.update(extra)
    return r


# The kernels, each a function of (dst, x, y) called n times. Mul multiplies
# by ones and Axpy adds 0·x, as on the Go side, so that values stay put from
# one call to the next.
def kernel_op(name, dst, x, y, ones):
    if name == "add":
        return lambda: torch.add(x, y, out=dst)
    if name == "mul":
        return lambda: torch.mul(x, ones, out=dst)
    if name == "axpy":
        return lambda: dst.add_(x, alpha=0.0)
    if name == "dot":
        return lambda: torch.dot(x, y)
    if name == "sum":
        return lambda: torch.sum(x)
    if name == "exp":
        return lambda: torch.exp(x, out=dst)
    raise ValueError("unknown kernel " + name)


def run_kernels(cfg, kc, threads):
    g = torch.Generator().manual_seed(11)
    for op in kc["ops"]:
        for n in kc["sizes"]:
            x = torch.rand(n, dtype=DT, generator=g) + 0.5
            y = torch.rand(n, dtype=DT, generator=g) + 0.5
            dst = torch.rand(n, dtype=DT, generator=g) + 0.5
            ones = torch.ones(n, dtype=DT)
            f = kernel_op(op["name"], dst, x, y, ones)

            def loop(k, f=f):
                for _ in range(k):
                    f()
            st = measure(cfg, loop)
            emit(row("kernels", op["name"], n, threads, st,
                     gbps=op["arrays"] * 8 * n / st["ns_per_op"]))


def run_gemm(cfg, shapes, threads):
    g = torch.Generator().manual_seed(1)
    for s in shapes:
        m, n, k = s["m"], s["n"], s["k"]
        a = torch.rand((k, m) if s["transA"] else (m, k), dtype=DT, generator=g) - 0.5
        b = torch.rand((n, k) if s["transB"] else (k, n), dtype=DT, generator=g) - 0.5
        if s["transA"]:
            a = a.t()
        if s["transB"]:
            b = b.t()
        c = torch.empty((m, n), dtype=DT)

        def loop(reps, a=a, b=b, c=c):
            for _ in range(reps):
                torch.mm(a, b, out=c)
        st = measure(cfg, loop)
        emit(row("gemm", s["name"], s["size"], threads, st,
                 gflops=2 * m * n * k / st["ns_per_op"], shape=s["shape"]))


def build_graph(name, x, y):
    if name == "graph":  # the seed program: z = x*x + x*y
        return x * x + x * y
    if name == "chain":  # 100 alternating Mul and Add
        z = x
        for i in range(100):
            z = z * y if i % 2 == 0 else z + x
        return z
    raise ValueError("unknown graph " + name)


def run_autograd(cfg, graphs):
    # Scalar graphs on one thread, as on the Go side: forward records the
    # graph, backward = (forward + backward) - forward, run by run.
    x = torch.tensor(0.5, dtype=DT, requires_grad=True)
    y = torch.tensor(1.0, dtype=DT, requires_grad=True)
    for gr in graphs:
        name, ops = gr["name"], gr["ops"]

        def phases(n, name=name):
            t0 = time.perf_counter_ns()
            for _ in range(n):
                build_graph(name, x, y)
            t1 = time.perf_counter_ns()
            for _ in range(n):
                build_graph(name, x, y).backward()
            return [t1 - t0, time.perf_counter_ns() - t1]
        fwd, both = samples(cfg, 2, phases)
        bwd = [b - f for b, f in zip(both, fwd)]
        for part, xs in (("forward", fwd), ("backward", bwd)):
            st = summarize([v / ops for v in xs])
            emit(row("autograd", name + "/" + part, ops, 1, st))


def run_mlp(cfg, mc, threads):
    """The mlp suite: a Linear-ReLU-Linear model in float64 trained with
    cross-entropy and SGD with momentum on a few fixed synthetic batches,
    cycled (pixels 0 with probability 1 - density, else uniform in [0, 1);
    labels uniform over the classes), as on the Go side; and its forward
    pass alone under no_grad."""
    b, n_in, n_hid, n_out = mc["batch"], mc["in"], mc["hidden"], mc["out"]
    g = torch.Generator().manual_seed(mc["seed"])
    xs, ys = [], []
    for _ in range(mc["batches"]):
        lit = torch.rand((b, n_in), dtype=DT, generator=g) < mc["density"]
        xs.append(torch.rand((b, n_in), dtype=DT, generator=g) * lit)
        ys.append(torch.randint(0, n_out, (b,), generator=g))
    for w in mc["workloads"]:
        # A fresh model for every row, as on the Go side.
        torch.manual_seed(mc["seed"])
        model = torch.nn.Sequential(
            torch.nn.Linear(n_in, n_hid), torch.nn.ReLU(),
            torch.nn.Linear(n_hid, n_out)).to(DT)
        opt = torch.optim.SGD(model.parameters(), lr=mc["lr"],
                              momentum=mc["momentum"])
        state = {"next": 0}

        def batch():
            i = state["next"] % len(xs)
            state["next"] += 1
            return xs[i], ys[i]

        if w["train"]:
            def loop(n):
                for _ in range(n):
                    x, y = batch()
                    loss = F.cross_entropy(model(x), y)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
        else:
            def loop(n):
                with torch.no_grad():
                    for _ in range(n):
                        x, _ = batch()
                        model(x)
        st = measure(cfg, loop)
        emit(row("mlp", w["name"], b, threads, st,
                 gflops=w["flops"] / st["ns_per_op"]))


def cpu_capability():
    """The vector level PyTorch's own kernels use (AVX2, AVX512, ...)."""
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return ""


def main():
    cfg = json.loads(sys.argv[1])
    threads = int(cfg.get("threads", 1))
    torch.set_num_threads(threads)
    emit({"suite": "machine", "name": "torch", "impl": "torch", "size": 0,
          "threads": threads, "ns_per_op": 0, "version": torch.__version__,
          "python": sys.version.split()[0],
          "capability": cpu_capability()})
    with torch.no_grad():
        if "kernels" in cfg:
            run_kernels(cfg, cfg["kernels"], threads)
        if "gemm" in cfg:
            run_gemm(cfg, cfg["gemm"], threads)
    if "autograd" in cfg:
        run_autograd(cfg, cfg["autograd"])
    if "mlp" in cfg:
        run_mlp(cfg, cfg["mlp"], threads)


if __name__ == "__main__":
    main()
