#!/usr/bin/env python3
"""PyTorch reference values for adjoint's RNN, LSTM and GRU modules and cells.

Run from the repository root with PyTorch installed:

    OMP_NUM_THREADS=1 /usr/bin/python3 nn/testdata/make_rnn_fixture.py

It writes nn/testdata/rnn.safetensors (F64, written by hand: 8-byte
little-endian header length, JSON header, raw little-endian data). Each case
is a torch.nn module built with its default initialisation under a fixed
seed; the file holds, under the case's name and a slash:

    param.<name>   the module's state_dict, with PyTorch's names and order
    x, h0, c0      the input and the initial states (the states only where given)
    out, h, c      the outputs: for a sequence module the output sequence and
                   the final states, for a cell the next states
    w.<output>     a random weight per output
    grad.<name>    the gradient of sum_i (output_i * w.output_i).sum() with
                   respect to x, the given initial states and every parameter

The header's __metadata__ maps each case's name to its settings as JSON
(module, sizes, PyTorch's keyword arguments, training mode). rnn_test.go
builds the same module with adjoint, loads param.* with nn.LoadState,
and compares every output and gradient to 1e-10 relative.
"""
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20240614
D = torch.float64

torch.set_num_threads(1)
torch.manual_seed(SEED)

# name, module, settings, input shape, whether initial states are given
CASES = [
    ("LSTM", "LSTM", {}, (5, 2, 3), False),
    ("LSTM with two layers, bidirectional and batch first, with initial states", "LSTM",
     {"num_layers": 2, "bidirectional": True, "batch_first": True}, (2, 5, 3), True),
    ("LSTM with two layers and no bias, with initial states", "LSTM",
     {"num_layers": 2, "bias": False}, (4, 3, 3), True),
    ("LSTM bidirectional on an unbatched sequence with initial states", "LSTM",
     {"bidirectional": True}, (4, 3), True),
    ("LSTM with dropout in evaluation mode", "LSTM",
     {"num_layers": 2, "dropout": 0.5, "training": False}, (3, 2, 3), False),
    ("GRU", "GRU", {}, (5, 2, 3), False),
    ("GRU with two layers and an initial state", "GRU", {"num_layers": 2}, (4, 3, 3), True),
    ("GRU bidirectional and batch first", "GRU", {"bidirectional": True, "batch_first": True}, (2, 4, 3), False),
    ("GRU bidirectional batch first with two layers, no bias and an initial state", "GRU",
     {"num_layers": 2, "bidirectional": True, "batch_first": True, "bias": False}, (3, 4, 3), True),
    ("RNN with tanh, batch first, without bias", "RNN", {"batch_first": True, "bias": False}, (2, 5, 3), False),
    ("RNN with relu, two layers and bidirectional, with an initial state", "RNN",
     {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}, (4, 2, 3), True),
    ("RNNCell with tanh and a state", "RNNCell", {}, (2, 3), True),
    ("RNNCell with relu and no state", "RNNCell", {"nonlinearity": "relu"}, (3, 3), False),
    ("LSTMCell with states", "LSTMCell", {}, (2, 3), True),
    ("LSTMCell on an unbatched input without states", "LSTMCell", {}, (3,), False),
    ("GRUCell with a state", "GRUCell", {}, (2, 3), True),
    ("GRUCell without bias on an unbatched input with a state", "GRUCell", {"bias": False}, (3,), True),
]
INPUT, HIDDEN = 3, 4


def build(module, settings):
    kw = {k: v for k, v in settings.items() if k != "training"}
    m = getattr(torch.nn, module)(INPUT, HIDDEN, **kw).to(D)
    m.train(settings.get("training", True))
    return m


def run(name, module, settings, xshape, states):
    m = build(module, settings)
    cell = module.endswith("Cell")
    x = torch.randn(xshape, dtype=D, requires_grad=True)
    batched = len(xshape) == (2 if cell else 3)
    inputs = {"x": x}
    if states:
        if cell:
            shape = (xshape[0], HIDDEN) if batched else (HIDDEN,)
        else:
            ld = m.num_layers * (2 if m.bidirectional else 1)
            b = xshape[0 if m.batch_first else 1]
            shape = (ld, b, HIDDEN) if batched else (ld, HIDDEN)
        inputs["h0"] = torch.randn(shape, dtype=D, requires_grad=True)
        if module.startswith("LSTM"):
            inputs["c0"] = torch.randn(shape, dtype=D, requires_grad=True)
    hx = None
    if states:
        hx = (inputs["h0"], inputs["c0"]) if module.startswith("LSTM") else inputs["h0"]
    y = m(x, hx)
    if cell:
        outs = {"h": y[0], "c": y[1]} if module == "LSTMCell" else {"h": y}
    else:
        out, hn = y
        outs = {"out": out, "h": hn[0], "c": hn[1]} if module == "LSTM" else {"out": out, "h": hn}
    weights = {k: torch.randn(v.shape, dtype=D) for k, v in outs.items()}
    loss = sum((v * weights[k]).sum() for k, v in outs.items())
    params = dict(m.named_parameters())
    wrt = list(inputs.items()) + list(params.items())
    grads = torch.autograd.grad(loss, [t for _, t in wrt])
    entries = {}
    for k, t in m.state_dict().items():
        entries["param." + k] = t
    entries.update(inputs)
    entries.update(outs)
    entries.update({"w." + k: t for k, t in weights.items()})
    entries.update({"grad." + k: g for (k, _), g in zip(wrt, grads)})
    meta = {"module": module, "input_size": INPUT, "hidden_size": HIDDEN, **settings}
    return {name + "/" + k: t for k, t in entries.items()}, json.dumps(meta, sort_keys=True)


def save(path, tensors, metadata):
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        vals = t.detach().to(D).contiguous().flatten().tolist()
        b = struct.pack("<%dd" % len(vals), *vals)
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
    tensors, metadata = {}, {"generator": "nn/testdata/make_rnn_fixture.py", "torch": torch.__version__}
    for name, module, settings, xshape, states in CASES:
        ts, meta = run(name, module, settings, xshape, states)
        tensors.update(ts)
        metadata[name] = meta
    path = os.path.join(HERE, "rnn.safetensors")
    save(path, tensors, metadata)
    print("wrote %d cases, %d tensors to %s (%d bytes)" % (len(CASES), len(tensors), path, os.path.getsize(path)))


if __name__ == "__main__":
    main()
