#!/usr/bin/env python3
"""Safetensors fixtures both ways between PyTorch and adjoint.

Run from the repository root with PyTorch installed (no safetensors
package needed: the format is read and written by hand here):

    OMP_NUM_THREADS=1 /usr/bin/python3 nn/safetensors/testdata/make_fixture.py

(a) writes testdata/torch.safetensors, the state dict of a small
    nn.Sequential(Linear(3, 4), ReLU(), Linear(4, 2)) in float64 with
    "2.bias" stored as F32, plus a 0-d tensor, an empty one, and F16 and
    BF16 tensors; and testdata/torch.json, the expected values as the hex
    bits of their float64 conversion, which safetensors_test.go compares
    with what adjoint decodes.
(b) reads testdata/adjoint.safetensors, written by adjoint
    (go test ./nn/safetensors -run TestAdjointFixture -args -update), and
    checks every tensor with torch.equal (and bit for bit) against the same
    values computed here with PyTorch, then prints OK.
"""
import json
import math
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
assert sys.byteorder == "little"

DTYPES = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
}
FROM_NAME = {v: k for k, v in DTYPES.items()}


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)  # numpy has no bfloat16
    return t.numpy().tobytes()


def write_safetensors(path, tensors, metadata):
    """The format by hand, laid out like the Rust implementation: data
    sorted by dtype size (largest first), then by name; header padded with
    spaces to a multiple of 8. __metadata__ goes last in the header to show
    that readers must not depend on key order."""
    order = sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))
    header, blobs, off = {}, [], 0
    for name in order:
        t = tensors[name]
        b = raw_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    return order


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert (8 + n) % 8 == 0, "header not padded to 8 bytes"
    header = json.loads(data[8:8 + n])
    buf = data[8 + n:]
    metadata = header.pop("__metadata__", None)
    out, spans = {}, []
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = FROM_NAME[info["dtype"]]
        shape = info["shape"]
        if end > begin:
            t = torch.frombuffer(bytearray(buf[begin:end]), dtype=dtype)
        else:
            t = torch.empty(0, dtype=dtype)
        out[name] = t.reshape(shape)
        spans.append((begin, end))
    spans.sort()
    pos = 0
    for begin, end in spans:
        assert begin == pos, "hole or overlap in the data buffer"
        pos = end
    assert pos == len(buf), "data buffer not covered exactly"
    return list(header), out, metadata


def bits(t):
    return ["%016x" % struct.unpack("<Q", struct.pack("<d", v))[0]
            for v in t.double().flatten().tolist()]


def make_torch_fixture():
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)  # initialize in float64, not float32
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                                torch.nn.Linear(4, 2))
    torch.set_default_dtype(torch.float32)
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    sd["2.bias"] = sd["2.bias"].float()  # one F32 tensor
    sd["scale"] = torch.tensor(0.1, dtype=torch.float64)  # 0-d
    sd["empty"] = torch.zeros(0, 3, dtype=torch.float64)
    sd["half"] = torch.tensor([1.0, -2.5, 65504.0, 2.0 ** -24, math.inf, 0.1],
                              dtype=torch.float16)
    sd["bhalf"] = torch.tensor([1.0, -2.5, 3.0e38, 2.0 ** -133, -math.inf, 0.1],
                               dtype=torch.bfloat16)
    metadata = {"format": "pt", "producer": "make_fixture.py"}
    order = write_safetensors(os.path.join(HERE, "torch.safetensors"), sd, metadata)
    expected = {
        "order": order,
        "metadata": metadata,
        "tensors": {n: {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "bits": bits(t)} for n, t in sd.items()},
    }
    with open(os.path.join(HERE, "torch.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote torch.safetensors (%d tensors, data order %s)" % (len(sd), ", ".join(order)))


def adjoint_expected():
    """The tensors of TestAdjointFixture, computed independently here."""
    f64 = torch.float64
    return {
        "0.weight": (torch.arange(12, dtype=f64) / 7 - 0.5).reshape(4, 3),
        "0.bias": torch.tensor([0.0, -0.0, 5e-324, 1 / 3], dtype=f64),
        "2.weight": (torch.arange(8, dtype=f64) * 0.1).reshape(4, 2).t(),
        "2.bias": torch.tensor([sys.float_info.max, -math.inf], dtype=f64),
        "step": torch.tensor(42.0, dtype=f64),
    }


def check_adjoint_fixture():
    order, got, metadata = read_safetensors(os.path.join(HERE, "adjoint.safetensors"))
    want = adjoint_expected()
    assert order == list(want), "header order %s" % order
    assert metadata == {"format": "pt", "producer": "adjoint"}, metadata
    for name, w in want.items():
        g = got[name]
        assert g.dtype == torch.float64, (name, g.dtype)
        assert g.shape == w.shape, (name, g.shape, w.shape)
        assert torch.equal(g, w), (name, g, w)
        # torch.equal treats -0.0 as 0.0: compare the bits too.
        assert torch.equal(g.contiguous().view(torch.int64),
                           w.contiguous().view(torch.int64)), name
        print("  %-8s %-6s %s equal" % (name, list(g.shape), g.dtype))
    print("adjoint.safetensors loads in PyTorch %s with the same numbers: OK" % torch.__version__)


if __name__ == "__main__":
    make_torch_fixture()
    check_adjoint_fixture()
