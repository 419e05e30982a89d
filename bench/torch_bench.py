"""Time the bench command's workloads through PyTorch, float64, on request.

The Go command (bench -torch) starts this script once and keeps it running,
so that every row of its tables can alternate between the two sides: one
timed run of ours, one of PyTorch's, one of ours, and so on, each side's
figure the median of its runs. It is started as

    python3 -c "$(cat torch_bench.py)" '{"threads": 1}'

with OMP_NUM_THREADS set to the same thread count, and speaks JSON lines:
one request on stdin, one reply on stdout.

On start it writes

    {"hello": "torch", "version": "2.1.0", "python": "3.11.2",
     "capability": "AVX512", "threads": 1}

then answers, until stdin closes:

    {"cmd": "prepare", "suite": "kernels", "name": "add", "size": 1024,
     "target_s": 0.002}
        builds the workload of one row (below), warms it up and calibrates
        how many operations one timed run performs, as the Go side does:
        doubling up to a run of half the target, then scaled to the target.
        Reply: {"ok": true, "n": 1500}
    {"cmd": "run"}
        one timed run of the prepared workload. Reply: {"ok": true,
        "ns": [t]}, the nanoseconds per operation of each phase (one phase;
        autograd has two: forward, then backward).

A request that fails is answered {"ok": false, "error": "..."}. The rows:

    kernels   name (add, mul, axpy, dot, sum, exp), size
    gemm      m, n, k, transA, transB: C = op(A)·op(B)
    autograd  name (graph, chain): a graph of 0-d tensors
    mlp       train (a step, or the forward pass alone) and mlp: batch, in,
              hidden, out, batches, density, lr, momentum, seed
    cnn       LeNet-5: train and cnn: batch, side, classes, batches,
              density, lr, seed; or a convolution: train (forward and
              backward, or forward alone) and conv: n, cin, cout, k, pad, h
    seq       one of: charlm (a byte-level GPT's training step): vocab,
              embed, context, heads, layers, batch, corpus, succ, lr, beta1,
              beta2, weight_decay, clip, seed; sdpa (causal attention
              forward and backward): b, h, t, d, causal; lstm (a training
              step): in, hidden, steps, batch, lr, seed

Anything else printed (warnings) goes to stderr, so that stdout carries
only replies.
"""

import gc
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

DT = torch.float64
REPLIES = sys.stdout


def reply(obj):
    REPLIES.write(json.dumps(obj) + "\n")
    REPLIES.flush()


def calibrate(target_s, op):
    """op(n) performs n operations and returns the nanoseconds of each of
    its phases; returns how many operations one timed run performs."""
    gc.collect()
    target = max(target_s * 1e9, 1e3)
    n = 1
    while True:
        d = sum(op(n))
        if d >= target / 2 or n >= 1 << 40:
            if d > 0:
                n = max(1, int(n * target / d))
            return n
        n *= min(100, max(2, int(target / d))) if d > 0 else 100


def timed(loop):
    """The one-phase op of loop(n)."""
    def op(n):
        t0 = time.perf_counter_ns()
        loop(n)
        return [time.perf_counter_ns() - t0]
    return op


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


def prepare_kernels(req):
    n = req["size"]
    g = torch.Generator().manual_seed(11)
    x = torch.rand(n, dtype=DT, generator=g) + 0.5
    y = torch.rand(n, dtype=DT, generator=g) + 0.5
    dst = torch.rand(n, dtype=DT, generator=g) + 0.5
    ones = torch.ones(n, dtype=DT)
    f = kernel_op(req["name"], dst, x, y, ones)

    def loop(k):
        with torch.no_grad():
            for _ in range(k):
                f()
    return timed(loop)


def prepare_gemm(req):
    m, n, k = req["m"], req["n"], req["k"]
    g = torch.Generator().manual_seed(1)
    a = torch.rand((k, m) if req.get("transA") else (m, k), dtype=DT, generator=g) - 0.5
    b = torch.rand((n, k) if req.get("transB") else (k, n), dtype=DT, generator=g) - 0.5
    if req.get("transA"):
        a = a.t()
    if req.get("transB"):
        b = b.t()
    c = torch.empty((m, n), dtype=DT)

    def loop(reps):
        with torch.no_grad():
            for _ in range(reps):
                torch.mm(a, b, out=c)
    return timed(loop)


GRAPH_OPS = {"graph": 3, "chain": 100}


def build_graph(name, x, y):
    if name == "graph":  # the seed program: z = x*x + x*y
        return x * x + x * y
    if name == "chain":  # 100 alternating Mul and Add
        z = x
        for i in range(100):
            z = z * y if i % 2 == 0 else z + x
        return z
    raise ValueError("unknown graph " + name)


def prepare_autograd(req):
    # A graph of 0-d tensors, as on the Go side: each block of graphs is
    # built (forward), then differentiated (backward), each graph once, and
    # the two phases are timed on their own.
    name = req["name"]
    build_graph(name, torch.tensor(0.0), torch.tensor(0.0))  # a bad name fails here
    x = torch.tensor(0.5, dtype=DT, requires_grad=True)
    y = torch.tensor(1.0, dtype=DT, requires_grad=True)
    block = max(1, 192 // GRAPH_OPS[name])  # the Go side's graphBlockOps

    def phases(n):
        build = back = done = 0
        while done < n:
            m = min(block, n - done)
            t0 = time.perf_counter_ns()
            zs = [build_graph(name, x, y) for _ in range(m)]
            t1 = time.perf_counter_ns()
            for z in zs:
                z.backward()
            t2 = time.perf_counter_ns()
            build += t1 - t0
            back += t2 - t1
            done += m
        return [build, back]
    return phases


def prepare_mlp(req):
    """A Linear-ReLU-Linear model in float64, fresh for every row, trained
    with cross-entropy and SGD with momentum on a few fixed synthetic
    batches, cycled (pixels 0 with probability 1 - density, else uniform in
    [0, 1); labels uniform over the classes), as on the Go side; or its
    forward pass alone under no_grad."""
    mc = req["mlp"]
    b, n_in, n_hid, n_out = mc["batch"], mc["in"], mc["hidden"], mc["out"]
    g = torch.Generator().manual_seed(mc["seed"])
    xs, ys = [], []
    for _ in range(mc["batches"]):
        lit = torch.rand((b, n_in), dtype=DT, generator=g) < mc["density"]
        xs.append(torch.rand((b, n_in), dtype=DT, generator=g) * lit)
        ys.append(torch.randint(0, n_out, (b,), generator=g))
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

    if req.get("train"):
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
    return timed(loop)


def le_net():
    """LeNet-5 for 28x28 images, as examples/cnn/torch_cnn.py builds it."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10)).to(DT)


def prepare_cnn(req):
    """A convolution alone (req["conv"]), its forward pass under no_grad or
    with the gradients of its input and weight (train); or LeNet-5 in
    float64, fresh for every row, trained with cross-entropy and Adam on a
    few fixed synthetic batches of 1xSxS images, cycled (drawn as the mlp
    rows' are), or its forward pass alone under no_grad."""
    if req.get("conv"):
        return prepare_conv(req["conv"], req.get("train"))
    cc = req["cnn"]
    b, side = cc["batch"], cc["side"]
    g = torch.Generator().manual_seed(cc["seed"])
    xs, ys = [], []
    for _ in range(cc["batches"]):
        lit = torch.rand((b, 1, side, side), dtype=DT, generator=g) < cc["density"]
        xs.append(torch.rand((b, 1, side, side), dtype=DT, generator=g) * lit)
        ys.append(torch.randint(0, cc["classes"], (b,), generator=g))
    torch.manual_seed(cc["seed"])
    model = le_net()
    opt = torch.optim.Adam(model.parameters(), lr=cc["lr"])
    state = {"next": 0}

    def batch():
        i = state["next"] % len(xs)
        state["next"] += 1
        return xs[i], ys[i]

    if req.get("train"):
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
    return timed(loop)


def prepare_conv(c, backward):
    n, cin, cout, k, pad, h = c["n"], c["cin"], c["cout"], c["k"], c["pad"], c["h"]
    g = torch.Generator().manual_seed(2)
    x = torch.rand((n, cin, h, h), dtype=DT, generator=g)
    w = torch.rand((cout, cin, k, k), dtype=DT, generator=g)
    ho = h + 2 * pad - k + 1
    dy = torch.rand((n, cout, ho, ho), dtype=DT, generator=g)
    if backward:
        x.requires_grad_(True)
        w.requires_grad_(True)

        def loop(reps):
            for _ in range(reps):
                x.grad, w.grad = None, None
                F.conv2d(x, w, padding=pad).backward(dy)
    else:
        def loop(reps):
            with torch.no_grad():
                for _ in range(reps):
                    F.conv2d(x, w, padding=pad)
    return timed(loop)


class CharBlock(torch.nn.Module):
    """A pre-LayerNorm transformer block as nanoGPT writes it for PyTorch
    1.13, which has no public scaled_dot_product_attention: the attention
    written out, a causal mask filled with -inf before the softmax."""

    def __init__(self, c, heads):
        super().__init__()
        nn = torch.nn
        self.heads = heads
        self.ln1 = nn.LayerNorm(c)
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.ln2 = nn.LayerNorm(c)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))

    def forward(self, x, mask):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(c // self.heads))
        att = att.masked_fill(mask[:t, :t], float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class CharLM(torch.nn.Module):
    """The seq suite's charlm: token and position embeddings, the blocks, a
    final LayerNorm and the head, with the Go model's parameter names."""

    def __init__(self, vocab, c, context, heads, layers):
        super().__init__()
        nn = torch.nn
        self.tok = nn.Embedding(vocab, c)
        self.pos = nn.Embedding(context, c)
        self.blocks = nn.ModuleList([CharBlock(c, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(c)
        self.head = nn.Linear(c, vocab)
        self.register_buffer("mask", torch.ones(context, context, dtype=torch.bool).triu(1))

    def forward(self, idx):
        t = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(t))
        for blk in self.blocks:
            x = blk(x, self.mask)
        return self.head(self.ln(x))


def synthetic_text(g, n, vocab, succ):
    """n symbols of a Markov chain over vocab symbols from 0, each followed
    by one of its succ successors, picked uniformly (as on the Go side)."""
    nxt = torch.randint(0, vocab, (vocab, succ), generator=g).tolist()
    pick = torch.randint(0, succ, (n,), generator=g).tolist()
    text, s = [], 0
    for i in range(n):
        text.append(s)
        s = nxt[s][pick[i]]
    return torch.tensor(text)


def prepare_seq(req):
    """The seq suite's rows: the charlm's training step (random windows of
    a synthetic corpus, cross-entropy, clip_grad_norm_, AdamW), causal
    attention's forward and backward into q, k and v, or the LSTM's
    training step (Linear head on the last step, MSE, Adam); all float64,
    fresh for every row."""
    if req.get("sdpa"):
        return prepare_sdpa(req["sdpa"])
    if req.get("lstm"):
        return prepare_lstm(req["lstm"])
    cc = req["charlm"]
    vocab, c, t, bsz = cc["vocab"], cc["embed"], cc["context"], cc["batch"]
    g = torch.Generator().manual_seed(cc["seed"])
    text = synthetic_text(g, cc["corpus"], vocab, cc["succ"])
    torch.manual_seed(cc["seed"])
    model = CharLM(vocab, c, t, cc["heads"], cc["layers"]).to(DT)
    params = list(model.parameters())
    opt = torch.optim.AdamW(params, lr=cc["lr"], betas=(cc["beta1"], cc["beta2"]),
                            weight_decay=cc["weight_decay"])
    offsets = torch.arange(t)

    def loop(n):
        for _ in range(n):
            starts = torch.randint(0, len(text) - t, (bsz, 1), generator=g)
            x, y = text[starts + offsets], text[starts + offsets + 1]
            loss = F.cross_entropy(model(x).view(-1, vocab), y.view(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, cc["clip"])
            opt.step()
    return timed(loop)


def prepare_sdpa(c):
    b, h, t, d = c["b"], c["h"], c["t"], c["d"]
    g = torch.Generator().manual_seed(2)
    q, k, v, dy = (torch.randn((b, h, t, d), dtype=DT, generator=g) for _ in range(4))
    for z in (q, k, v):
        z.requires_grad_(True)
    mask = torch.ones(t, t, dtype=torch.bool).triu(1) if c.get("causal") else None
    scale = 1.0 / math.sqrt(d)

    def loop(reps):
        for _ in range(reps):
            q.grad, k.grad, v.grad = None, None, None
            att = (q @ k.transpose(-2, -1)) * scale
            if mask is not None:
                att = att.masked_fill(mask, float("-inf"))
            (att.softmax(dim=-1) @ v).backward(dy)
    return timed(loop)


def prepare_lstm(c):
    g = torch.Generator().manual_seed(c["seed"])
    x = torch.randn((c["steps"], c["batch"], c["in"]), dtype=DT, generator=g)
    y = torch.randn((c["batch"], 1), dtype=DT, generator=g)
    torch.manual_seed(c["seed"])
    lstm = torch.nn.LSTM(c["in"], c["hidden"]).to(DT)
    head = torch.nn.Linear(c["hidden"], 1).to(DT)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=c["lr"])

    def loop(n):
        for _ in range(n):
            out, _ = lstm(x)
            loss = F.mse_loss(head(out[-1]), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return timed(loop)


PREPARE = {
    "kernels": prepare_kernels,
    "gemm": prepare_gemm,
    "autograd": prepare_autograd,
    "mlp": prepare_mlp,
    "cnn": prepare_cnn,
    "seq": prepare_seq,
}


def cpu_capability():
    """The vector level PyTorch's own kernels use (AVX2, AVX512, ...)."""
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return ""


def main():
    cfg = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    threads = int(cfg.get("threads", 1))
    torch.set_num_threads(threads)
    sys.stdout = sys.stderr  # stray prints must not look like replies
    reply({"hello": "torch", "version": torch.__version__,
           "python": sys.version.split()[0],
           "capability": cpu_capability(), "threads": threads})
    op, n = None, 0
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            cmd = req.get("cmd")
            if cmd == "prepare":
                op, n = None, 0  # free the last row's tensors first
                gc.collect()
                suite = req.get("suite")
                if suite not in PREPARE:
                    raise ValueError("unknown suite %r" % suite)
                op = PREPARE[suite](req)
                n = calibrate(req["target_s"], op)
                reply({"ok": True, "n": n})
            elif cmd == "run":
                if op is None:
                    raise ValueError("run before prepare")
                reply({"ok": True, "ns": [d / n for d in op(n)]})
            else:
                raise ValueError("unknown command %r" % cmd)
        except Exception as e:  # the Go side reports it and stops asking
            reply({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})


if __name__ == "__main__":
    main()
