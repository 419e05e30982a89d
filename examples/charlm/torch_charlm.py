#!/usr/bin/env python3
"""The adjoint charlm example (main.go beside this file) in PyTorch.

The same text, model, recipe and validation loss, in float64 on one thread:

- text: the non-test .go files directly inside $(go env GOROOT)/src/{bufio,
  bytes,fmt,sort,strconv,strings}, sorted by path and concatenated;
  vocabulary the distinct bytes in ascending order; the last len//10 bytes
  held out;
- model: token and position embeddings (C=64, T=64), two pre-LayerNorm
  blocks (one Linear(C,3C) for q, k, v, 4 heads, causal attention, a
  Linear(C,C) projection; an MLP Linear(C,4C), GELU, Linear(4C,C); residual
  adds), a final LayerNorm and a Linear(C,V) head, with the parameter names
  of main.go's model;
- recipe: batches of 32 random windows, AdamW (lr 3e-3, betas (0.9, 0.99),
  weight decay 0.1), LinearLR from 1/50 over 50 steps then
  CosineAnnealingLR to 0.1x lr (a SequentialLR), gradient norm clipped to 1;
- validation loss: the mean cross-entropy over every position of the
  non-overlapping T-byte windows of the held-out bytes (starts 0, T, 2T, ...
  while a window and its next byte fit).

It prints the same lines as the Go program:

    step=100 train_loss=3.3896 val_loss=2.7032 ms_per_step=144.5

--save FILE writes the trained model as a safetensors file (F64, written by
hand: this machine has no safetensors package) that `go run ./examples/charlm
-steps 0 -load FILE` evaluates, printing the val_loss this script printed
last. Run it as

    OMP_NUM_THREADS=1 /usr/bin/python3 examples/charlm/torch_charlm.py --steps 300
    go run ./examples/charlm -steps 300

to compare the two. Needs PyTorch (tested with 1.13) and NumPy.
"""

import argparse
import glob
import json
import math
import os
import struct
import subprocess
import sys
import time
import warnings

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

PACKAGES = ["bufio", "bytes", "fmt", "sort", "strconv", "strings"]
C, T, HEADS, LAYERS = 64, 64, 4, 2
BATCH, LR, WARMUP, FINAL, CLIP, EVERY, EVAL_WINDOWS = 32, 3e-3, 50, 0.1, 1.0, 100, 64


def goroot():
    try:
        return subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"torch_charlm.py: go env GOROOT: {e} (give the Go tree with --goroot)")


def read_corpus(root):
    """The non-test .go files of PACKAGES under root/src, sorted by path, concatenated."""
    paths = []
    for p in PACKAGES:
        for path in glob.glob(os.path.join(root, "src", p, "*.go")):
            if not path.endswith("_test.go") and os.path.isfile(path) and not os.path.islink(path):
                paths.append(path)
    paths.sort(key=os.fsencode)
    text = b"".join(open(p, "rb").read() for p in paths)
    return text, len(paths)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(C)
        self.qkv = nn.Linear(C, 3 * C)
        self.proj = nn.Linear(C, C)
        self.ln2 = nn.LayerNorm(C)
        self.mlp = nn.Sequential(nn.Linear(C, 4 * C), nn.GELU(), nn.Linear(4 * C, C))
        self.register_buffer("causal", torch.tril(torch.ones(T, T, dtype=torch.bool)), persistent=False)

    def forward(self, x):
        b, l, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q, k, v = (t.reshape(b, l, HEADS, c // HEADS).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(c // HEADS))
        att = att.masked_fill(~self.causal[:l, :l], float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, l, c)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.tok = nn.Embedding(vocab, C)
        self.pos = nn.Embedding(T, C)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.ln = nn.LayerNorm(C)
        self.head = nn.Linear(C, vocab)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln(x))


def val_loss(model, val):
    starts = list(range(0, len(val) - T, T))  # s + T + 1 <= len(val)
    total = 0.0
    with torch.no_grad():
        for lo in range(0, len(starts), EVAL_WINDOWS):
            chunk = starts[lo:lo + EVAL_WINDOWS]
            x = torch.stack([val[s:s + T] for s in chunk])
            y = torch.stack([val[s + 1:s + T + 1] for s in chunk])
            logits = model(x)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum").item()
    return total / (len(starts) * T)


def save_safetensors(path, state):
    """Writes a state_dict as F64 safetensors: 8-byte length, JSON, data."""
    header, blobs, off = {}, [], 0
    for name, t in state.items():
        b = t.detach().to(torch.float64).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--save", help="write the trained model to this safetensors file")
    p.add_argument("--sample", type=int, default=300, help="generate this many bytes after training")
    p.add_argument("--prompt", default="func ")
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--goroot", help="the Go tree whose source is the text (default: go env GOROOT)")
    a = p.parse_args()
    if a.steps < 1 or a.sample < 0 or a.temperature <= 0:
        sys.exit("torch_charlm.py: --steps must be positive, --sample not negative, --temperature positive")

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(a.seed)
    # PyTorch 1.13's SequentialLR steps its schedulers with an epoch argument
    # that it then warns about.
    warnings.filterwarnings("ignore", category=UserWarning, module="torch.optim.lr_scheduler")

    text, files = read_corpus(a.goroot or goroot())
    vocab = sorted(set(text))
    rank = np.full(256, -1, dtype=np.int64)
    rank[vocab] = np.arange(len(vocab))
    tokens = torch.from_numpy(rank[np.frombuffer(text, dtype=np.uint8)])
    split = len(text) - len(text) // 10
    train, val = tokens[:split], tokens[split:]

    model = GPT(len(vocab))
    params = sum(t.numel() for t in model.parameters())
    print(f"text: {len(text)} bytes in {files} files, a vocabulary of {len(vocab)} bytes, "
          f"{len(train)} for training and {len(val)} held out; {params} parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.99), weight_decay=0.1)
    warm = torch.optim.lr_scheduler.LinearLR(opt, 1 / WARMUP, 1, WARMUP)
    if a.steps <= WARMUP:
        sched = warm
    else:
        cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.steps - WARMUP, FINAL * LR)
        sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], [WARMUP])

    total, n, elapsed = 0.0, 0, 0.0
    for step in range(1, a.steps + 1):
        start = time.perf_counter()
        ix = torch.randint(len(train) - T, (BATCH,))
        x = torch.stack([train[i:i + T] for i in ix])
        y = torch.stack([train[i + 1:i + T + 1] for i in ix])
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        sched.step()
        elapsed += time.perf_counter() - start
        total += loss.item()
        n += 1
        if step % EVERY == 0 or step == a.steps:
            print(f"step={step} train_loss={total / n:.4f} val_loss={val_loss(model, val):.4f} "
                  f"ms_per_step={elapsed * 1e3 / n:.1f}", flush=True)
            total, n, elapsed = 0.0, 0, 0.0
    if a.save:
        save_safetensors(a.save, model.state_dict())
    if a.sample:
        ctx = list(rank[np.frombuffer(a.prompt.encode(), dtype=np.uint8)])
        if min(ctx) < 0:
            sys.exit("torch_charlm.py: the prompt has a byte that is not in the vocabulary")
        with torch.no_grad():
            for _ in range(a.sample):
                logits = model(torch.tensor([ctx[-T:]]))[0, -1] / a.temperature
                ctx.append(torch.multinomial(logits.softmax(-1), 1).item())
        print("sample:\n" + bytes(vocab[i] for i in ctx).decode(errors="replace"))


if __name__ == "__main__":
    main()
