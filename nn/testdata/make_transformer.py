"""Writes transformer.safetensors: the state_dict of a PyTorch
nn.TransformerEncoderLayer(4, 2, 6, batch_first=True) with random weights
(seed 14), plus an input "x" [2 3 4] and the layer's output "y" in
evaluation mode, in float64. nn's TestLoadsAPyTorchTransformerEncoderLayer
loads the state into adjoint's layer by name and checks the output.

The safetensors file is written by hand (8-byte little-endian header
length, JSON header, raw little-endian data), so that the safetensors
package is not needed. Run from the repository root:

    OMP_NUM_THREADS=1 /usr/bin/python3 nn/testdata/make_transformer.py
"""
import json
import os
import struct

import torch

torch.manual_seed(14)
torch.set_num_threads(1)
layer = torch.nn.TransformerEncoderLayer(4, 2, 6, batch_first=True).double().eval()
with torch.no_grad():
    for p in layer.parameters():  # biases start at zero: make them count
        p.add_(torch.randn_like(p) * 0.1)
x = torch.randn(2, 3, 4, dtype=torch.float64)
with torch.no_grad():
    y = layer(x)

tensors = dict(layer.state_dict())
tensors["x"], tensors["y"] = x, y
header, blobs, off = {}, [], 0
for name, t in tensors.items():
    data = t.detach().contiguous().numpy().astype("<f8").tobytes()
    header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
    blobs.append(data)
    off += len(data)
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "transformer.safetensors")
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
print("wrote", path, sorted(tensors))
