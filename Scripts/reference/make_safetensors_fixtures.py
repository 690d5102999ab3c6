#!/usr/bin/env python3
"""Writes the safetensors test fixtures with Python's safetensors (Rust core), torch and huggingface_hub.

Output: Tests/LetheIOTests/Fixtures/safetensors/ — small .safetensors files, a sharded checkpoint with its
index, and expected.json giving, for every tensor, its dtype, shape, stored bytes (hex) and the values a reader
must produce (float32 bit patterns as numpy converts them, or integers). Re-runnable: it rewrites everything.
"""
import json
import os
import shutil
import struct

import numpy as np
import torch
from huggingface_hub import split_torch_state_dict_into_shards
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "LetheIOTests", "Fixtures", "safetensors")


def f32_bits(values):
    """float32 bit patterns of a numpy array, as Python ints."""
    return [int(b) for b in np.asarray(values, dtype=np.float32).reshape(-1).view(np.uint32)]


def describe(tensor):
    """dtype, shape, stored bytes and expected values of one torch tensor."""
    names = {
        torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
        torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
        torch.uint16: "U16", torch.uint32: "U32", torch.uint64: "U64", torch.bool: "BOOL",
    }
    entry = {"dtype": names[tensor.dtype], "shape": list(tensor.shape)}
    flat = tensor.contiguous().reshape(-1)
    if tensor.dtype == torch.bfloat16:
        raw = flat.view(torch.int16).numpy().tobytes()
        entry["f32_bits"] = f32_bits(flat.to(torch.float32).numpy())
    elif tensor.dtype.is_floating_point:
        raw = flat.numpy().tobytes()
        with np.errstate(over="ignore"):  # 1e300 becomes inf in float32, as intended
            entry["f32_bits"] = f32_bits(flat.numpy().astype(np.float32))
    elif tensor.dtype == torch.uint64:
        raw = flat.view(torch.int64).numpy().tobytes()
        values = [int(v) for v in flat.view(torch.int64).numpy().view(np.uint64)]
        if all(v < 2**63 for v in values):
            entry["ints"] = values
    else:
        raw = flat.numpy().tobytes()
        entry["ints"] = [int(v) for v in flat.numpy()]
    entry["hex"] = raw.hex()
    return entry


def save(name, tensors, metadata=None, expected=None, folder=OUT):
    save_file(tensors, os.path.join(folder, name), metadata=metadata)
    if expected is not None:
        expected[os.path.relpath(os.path.join(folder, name), OUT)] = {
            "metadata": metadata,
            "tensors": {key: describe(value) for key, value in tensors.items()},
        }


def bits_to_f32(bits):
    return np.array(bits, dtype=np.uint32).view(np.float32)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(os.path.join(OUT, "sharded"))
    expected = {}

    save("f32.safetensors", {
        "weight": torch.tensor([[1.0, -2.5, 3.25], [0.1, 1e-30, -7.0e20]], dtype=torch.float32),
        "bias": torch.tensor([0.5, -0.0, 65504.0], dtype=torch.float32),
        "scale": torch.tensor(3.0, dtype=torch.float32),
    }, metadata={"format": "pt"}, expected=expected)

    # Every class of F16/BF16 value: normals, subnormals, the extremes, signed zeros, infinities and NaN.
    f16_bits = [0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x3C00, 0xBC00, 0x3555, 0x7BFF, 0xFBFF,
                0x7C00, 0xFC00, 0x7E00, 0x1234, 0xC9A7]
    save("f16.safetensors", {
        "values": torch.from_numpy(np.array(f16_bits, dtype=np.uint16).view(np.float16).copy()).reshape(4, 4),
    }, metadata={"format": "pt"}, expected=expected)
    bf16_bits = [0x0000, 0x8000, 0x0001, 0x807F, 0x0080, 0x3F80, 0xBF80, 0x7F7F, 0xFF7F, 0x7F80, 0xFF80,
                 0x7FC0, 0x4049, 0xC2F7]
    save("bf16.safetensors", {
        "values": torch.from_numpy(np.array(bf16_bits, dtype=np.uint16).astype(np.int16)).view(torch.bfloat16).reshape(2, 7),
    }, metadata={"format": "pt"}, expected=expected)
    save("f64.safetensors", {
        "values": torch.tensor([1.0 / 3.0, -2.0**-140, 1e300, -1e-300, 0.1, 16777217.0], dtype=torch.float64),
    }, metadata={"format": "pt"}, expected=expected)

    # Every integer type plus floats, so the writer's dtype-then-name order is exercised.
    save("mixed.safetensors", {
        "ids": torch.tensor([[0, -1], [2**40, -(2**62)]], dtype=torch.int64),
        "mask": torch.tensor([True, False, True], dtype=torch.bool),
        "pixels": torch.tensor([0, 7, 255], dtype=torch.uint8),
        "small": torch.tensor([-128, 127], dtype=torch.int8),
        "short": torch.tensor([-32768, 1234], dtype=torch.int16),
        "ushort": torch.tensor([65535, 1], dtype=torch.uint16),
        "int": torch.tensor([-(2**31), 5], dtype=torch.int32),
        "uint": torch.tensor([2**32 - 1], dtype=torch.uint32),
        "ulong": torch.tensor([2**40 + 3], dtype=torch.uint64),
        "ulong_big": torch.tensor([2**63 + 5], dtype=torch.uint64),
        "a_float": torch.tensor([1.5, 2.5], dtype=torch.float32),
        "a_half": torch.tensor([1.5], dtype=torch.float16),
        "z_double": torch.tensor([2.0], dtype=torch.float64),
    }, metadata={"format": "pt"}, expected=expected)

    # A tensor with a 0 dimension, a scalar, and no metadata block at all.
    save("empty.safetensors", {
        "empty": torch.zeros((0, 4), dtype=torch.float32),
        "scalar": torch.tensor(-1.25, dtype=torch.float32),
        "half": torch.tensor([0.5, 2.0], dtype=torch.float16),
    }, expected=expected)

    # Names that need JSON escaping (quote, backslash, control characters) or are non-ASCII, to check the
    # header's string escaping and the byte order of names.
    save("names.safetensors", {
        "tab\there\u0001\u001f\u007f": torch.tensor([1], dtype=torch.uint8),
        'quote"back\\slash/': torch.tensor([2], dtype=torch.uint8),
        "\u00e9t\u00e9\U0001F600": torch.tensor([3], dtype=torch.uint8),
        "Zebra": torch.tensor([4], dtype=torch.uint8),
        "apple": torch.tensor([5], dtype=torch.uint8),
    }, metadata={"n\u00f6te\n": "\u00fcber \"x\"\t"}, expected=expected)

    # float32 → F16/BF16 rounding as torch does it: ties (odd and even), overflow to infinity, the largest finite
    # values, subnormal results, underflow to zero, and ordinary values.
    source = bits_to_f32([
        0x3F800000, 0x3F801000, 0x3F803000, 0x3F801001, 0x3F800FFF,    # F16 ties and near-ties at 1.0
        0x3F808000, 0x3F818000, 0x3F808001,                             # BF16 ties and near-ties at 1.0
        0x477FE000, 0x477FEFFF, 0x477FF000, 0x7F7FFFFF, 0xFF7FFFFF,    # around the F16 and F32 maxima
        0x33800000, 0x33000000, 0x33000001, 0x33C00000, 0x387FC000,    # F16 subnormal region
        0x38800000, 0x00000001, 0x80000001, 0x80000000, 0x7F800000,    # smallest normal F16, F32 subnormals, inf
        0xFF800000, 0x40490FDB, 0xC2F6E979, 0x3DCCCCCD, 0x7F7F8000,    # -inf, pi, -123.456, 0.1, BF16 overflow tie
    ])
    conversion = torch.from_numpy(source.copy())
    save("conversion.safetensors", {
        "source": conversion,
        "as_f16": conversion.to(torch.float16),
        "as_bf16": conversion.to(torch.bfloat16),
    }, metadata={"format": "pt"}, expected=expected)

    # A sharded checkpoint split exactly as transformers/diffusers split one, with an oversized tensor.
    sharded = {
        "encoder.weight": torch.arange(8, dtype=torch.float32).reshape(2, 4) / 8,
        "encoder.bias": torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=torch.float32),
        "decoder.weight": (torch.arange(20, dtype=torch.float32) - 10).reshape(4, 5),
        "decoder.bias": torch.tensor([0.25, 0.5, 0.75, 1.0], dtype=torch.float32),
        "head.scale": torch.tensor([1.5, -1.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], dtype=torch.float16),
    }
    max_shard_size = 64
    split = split_torch_state_dict_into_shards(sharded, max_shard_size=max_shard_size,
                                               filename_pattern="model{suffix}.safetensors")
    folder = os.path.join(OUT, "sharded")
    for filename, names in split.filename_to_tensors.items():
        save(filename, {name: sharded[name] for name in names}, metadata={"format": "pt"}, expected=expected,
             folder=folder)
    index = {"metadata": dict(split.metadata), "weight_map": split.tensor_to_filename}
    with open(os.path.join(folder, "model.safetensors.index.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")
    expected["sharding"] = {"max_shard_size": max_shard_size, "order": list(sharded.keys()),
                            "files": sorted(split.filename_to_tensors.keys())}

    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
