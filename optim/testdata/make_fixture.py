"""Writes fixture.json: PyTorch 1.13 optimizer steps, learning-rate schedules
and gradient clipping, in float64, for optim's tests to compare against.

Run from the repository root with

    OMP_NUM_THREADS=1 /usr/bin/python3 optim/testdata/make_fixture.py

Every optimizer runs its single-tensor implementation (foreach=False) for
five steps from the same parameters on the same gradients, twice: "steps"
with the kernels PyTorch picks for this CPU (AVX2 here, which fuse some
multiply-adds), and "steps_generic" in a child process run with
ATEN_CPU_CAPABILITY=default, whose kernels round every operation. The
gradients are explicit tensors written into p.grad; parameter "b" has no
gradient (None) for the first two steps, so its optimizer state starts at
step 3, and parameter "frozen" never has one. Numbers are written with
Python's repr, so they read back bit for bit.
"""

import json
import math
import os
import subprocess
import sys
import warnings

import torch

torch.set_default_dtype(torch.float64)
warnings.simplefilter("ignore")

STEPS = 5
SHAPES = {"w": [3, 2], "b": [2], "big": [3, 4], "frozen": [2]}
NAMES = ["w", "b", "big", "frozen"]


def initial(name, shape):
    n = math.prod(shape)
    k = NAMES.index(name)
    return [round(0.5 * math.cos(0.9 * i + 1.7 * k) + 0.05 * (i % 3) - 0.1 * k, 6) for i in range(n)]


def gradient(name, shape, step):
    """The gradient of parameter name at step (0-based), or None."""
    if name == "frozen" or (name == "b" and step < 2):
        return None
    n = math.prod(shape)
    k = NAMES.index(name)
    return [round(math.sin(1.3 * i + 0.7 * step + 0.4 * k) * (1 + 0.5 * step) + 0.01, 6) for i in range(n)]


def make_params():
    return [torch.tensor(initial(n, SHAPES[n])).reshape(SHAPES[n]).requires_grad_(True) for n in NAMES]


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


OPTIMIZERS = [
    ("SGD", "SGD plain", dict(lr=0.1)),
    ("SGD", "SGD momentum", dict(lr=0.1, momentum=0.9)),
    ("SGD", "SGD momentum dampening", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD", "SGD nesterov", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", "SGD weight decay", dict(lr=0.1, weight_decay=0.01)),
    ("SGD", "SGD nesterov weight decay", dict(lr=0.05, momentum=0.5, nesterov=True, weight_decay=0.1)),
    ("Adam", "Adam default", dict(lr=0.05)),
    ("Adam", "Adam weight decay", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", "Adam amsgrad", dict(lr=0.05, amsgrad=True)),
    ("Adam", "Adam betas eps", dict(lr=0.02, betas=(0.8, 0.95), eps=1e-3)),
    ("AdamW", "AdamW default", dict(lr=0.05)),
    ("AdamW", "AdamW amsgrad weight decay", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", "RMSprop plain", dict(lr=0.01)),
    ("RMSprop", "RMSprop centered", dict(lr=0.01, centered=True)),
    ("RMSprop", "RMSprop momentum", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", "RMSprop weight decay", dict(lr=0.01, weight_decay=0.1, alpha=0.9)),
    ("RMSprop", "RMSprop centered momentum", dict(lr=0.01, centered=True, momentum=0.5, eps=1e-4)),
]


def run_optimizer(kind, options):
    params = make_params()
    cls = getattr(torch.optim, kind)
    opt = cls(params, foreach=False, **options)
    steps = []
    for s in range(STEPS):
        for p, n in zip(params, NAMES):
            g = gradient(n, SHAPES[n], s)
            p.grad = None if g is None else torch.tensor(g).reshape(SHAPES[n])
        opt.step()
        steps.append([flat(p) for p in params])
    return steps


def lrs_of(make, epochs):
    """The learning rate after construction and after each of epochs steps."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = make(opt)
    out = [opt.param_groups[0]["lr"]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        out.append(opt.param_groups[0]["lr"])
    return out


S = torch.optim.lr_scheduler
SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5), 12, lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.0), 25, lambda o: S.CosineAnnealingLR(o, T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001), 20, lambda o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.001)),
    ("LinearLR", dict(start_factor=0.25, end_factor=1.0, total_iters=4), 8,
     lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=5), 8,
     lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=5)),
    ("SequentialLR LinearLR CosineAnnealingLR",
     dict(start_factor=0.1, end_factor=1.0, total_iters=5, T_max=10, eta_min=1e-4, milestone=5), 30,
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=5),
                                  S.CosineAnnealingLR(o, T_max=10, eta_min=1e-4)], milestones=[5])),
    ("SequentialLR LinearLR StepLR",
     dict(start_factor=0.5, end_factor=1.0, total_iters=3, step_size=2, gamma=0.5, milestone=3), 10,
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.5, end_factor=1.0, total_iters=3),
                                  S.StepLR(o, step_size=2, gamma=0.5)], milestones=[3])),
]


def clip_case(max_norm, scale):
    params = make_params()
    for p, n in zip(params, NAMES):
        g = gradient(n, SHAPES[n], 3)
        p.grad = None if g is None else torch.tensor(g).reshape(SHAPES[n]) * scale
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return dict(max_norm=max_norm, scale=scale, total_norm=float(total),
                grads=[None if p.grad is None else flat(p.grad) for p in params])


def capability():
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            return line.split(":")[1].strip()
    return "unknown"


def generic_steps():
    """The optimizer steps computed by a child process with the default
    (non-vectorized, unfused) ATen kernels."""
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default", OMP_NUM_THREADS="1")
    res = subprocess.run([sys.executable, os.path.abspath(__file__), "--steps-only"],
                         env=env, check=True, capture_output=True, text=True)
    got = json.loads(res.stdout)
    assert got["capability"] == "NO AVX", got["capability"]
    return got["steps"]


def main():
    if sys.argv[1:] == ["--steps-only"]:
        json.dump(dict(capability=capability(),
                       steps=[run_optimizer(k, o) for k, _, o in OPTIMIZERS]), sys.stdout)
        return
    generic = generic_steps()
    out = {
        "torch_version": torch.__version__,
        "cpu_capability": capability(),
        "steps": STEPS,
        "params": [dict(name=n, shape=SHAPES[n], data=initial(n, SHAPES[n])) for n in NAMES],
        "grads": [[gradient(n, SHAPES[n], s) for n in NAMES] for s in range(STEPS)],
        "optimizers": [dict(kind=k, name=name, options={kk: list(v) if isinstance(v, tuple) else v
                                                       for kk, v in o.items()},
                            steps=run_optimizer(k, o), steps_generic=g)
                       for (k, name, o), g in zip(OPTIMIZERS, generic)],
        "schedulers": [dict(kind=k, args=a, lrs=lrs_of(make, e)) for k, a, e, make in SCHEDULERS],
        "clip": [clip_case(1.0, 1.0), clip_case(100.0, 1.0), clip_case(0.5, 3.0)],
        # Python's float ** (C pow), which Adam's bias corrections use.
        "pow": [[b, t, b ** float(t)] for b in (0.9, 0.999, 0.8, 0.95, 0.3333)
                for t in list(range(1, 21)) + [100, 1000, 12345, 100000]],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixture.json")
    if len(sys.argv) > 1:
        path = sys.argv[1]
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
