#!/usr/bin/env python3
"""Reference values for LetheTensor's TorchGenerator and MersenneTwister, taken from torch itself.

Writes Tests/LetheTensorTests/TorchGeneratorReferenceValues.swift. Re-run from the repository root:

    python3 Scripts/reference/make_torch_generator_fixtures.py

Every draw is made by torch on the CPU (`torch.Generator().manual_seed(seed)` then `torch.randn` / `torch.rand` /
`torch.randint` with `generator=g`), once per build of torch's normal kernel: the script re-runs itself in child
processes with ATEN_CPU_CAPABILITY=avx2 and ATEN_CPU_CAPABILITY=default and checks that torch reports that
capability. Draws that do not depend on the kernel (fewer than 16 normals, rand, randint) are checked to agree
between the two runs. The cached Box–Muller sample after each draw is read from torch.get_rng_state().

Mersenne Twister words come from numpy's MT19937 with legacy (init_genrand) seeding, an implementation independent
of torch, and are checked against torch.rand (whose float is the low 24 bits of one word).
"""
import json
import math
import os
import struct
import subprocess
import sys

import numpy as np

OUTPUT = "Tests/LetheTensorTests/TorchGeneratorReferenceValues.swift"
FULL_LIMIT = 256  # draws up to this many values are stored whole; larger ones as hash, sum and samples
SEEDS = [0, 1, 42, 1234, 2**32 + 5, 2**63 - 1, 2**64 - 1]
SINGLE_SIZES = [1, 2, 3, 15, 16, 17, 31, 33, 64]
LATENT = [1, 4, 64, 64]

# Sequences of draws on one generator: (name, seed, [operation, ...]).
SEQUENCES = [
    ("cacheAcrossFills", 42, [("randn", [3]), ("randn", [1]), ("randn", [17]), ("randn", [2]), ("randn", [16]),
                              ("randn", [1]), ("rand", [5]), ("randint", 0, 10, 6), ("randn", [5])]),
    ("latentThenSmall", 1234, [("randn", LATENT), ("randn", [33]), ("randn", [2, 3]), ("rand", [7])]),
    ("uniformAndIntegers", 0, [("rand", [20]), ("randint", 0, 2**40, 3), ("randint", -5, 5, 4),
                               ("randint", 0, 2**28, 3), ("randint", 0, 2**28 - 1, 3),
                               ("randint", -2**63, 2**63 - 1, 2), ("randn", [700]), ("rand", [4])]),
    ("scalarCache", 2**63 - 1, [("randn", [1]), ("randn", [1]), ("randn", [1]), ("randn", [48]), ("randn", [4, 4]),
                                ("randn", [1])]),
    ("diffusersLike", 1, [("randn", [1, 4, 8, 8]), ("randn", [1, 4, 8, 8]), ("randn", [1, 4, 8, 8]),
                          ("randn", [2, 4, 9, 9]), ("rand", [3])]),
    ("twistBoundary", 5, [("rand", [620]), ("randn", [3]), ("randn", [20]), ("rand", [1250]), ("randn", [1])]),
]

# A few generators with one draw each (checks seeding and each size's code path): every seed × size, plus latents.
for seed in SEEDS:
    for size in SINGLE_SIZES:
        SEQUENCES.append((f"seed{seed}_randn{size}", seed, [("randn", [size])]))
    SEQUENCES.append((f"seed{seed}_latent", seed, [("randn", LATENT)]))
    SEQUENCES.append((f"seed{seed}_rand17", seed, [("rand", [17])]))

MASK64 = 0xFFFFFFFFFFFFFFFF


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return h


# Published FNV-1a 64 test vectors.
assert fnv1a64(b"") == 0xCBF29CE484222325
assert fnv1a64(b"a") == 0xAF63DC4C8601EC8C


def cached_normal(generator):
    """next_double_normal_sample from CPUGeneratorImplState: legacy normal_y at 5024, normal_is_valid at 5040."""
    state = bytes(generator.get_state().numpy())
    assert len(state) == 5056, len(state)
    (normal_y,) = struct.unpack_from("<d", state, 5024)
    (valid,) = struct.unpack_from("<i", state, 5040)
    return struct.unpack("<Q", struct.pack("<d", normal_y))[0] if valid else None


def run_child(capability):
    import torch

    reported = torch.backends.cpu.get_cpu_capability()
    if reported.lower() != capability:
        raise SystemExit(f"asked torch for CPU capability {capability} but it reports {reported}")
    results = []
    for name, seed, operations in SEQUENCES:
        generator = torch.Generator().manual_seed(seed)
        draws = []
        for operation in operations:
            if operation[0] == "randn":
                values = torch.randn(operation[1], generator=generator, dtype=torch.float32)
            elif operation[0] == "rand":
                values = torch.rand(operation[1], generator=generator, dtype=torch.float32)
            else:
                _, low, high, count = operation
                values = torch.randint(low, high, (count,), generator=generator, dtype=torch.int64)
            flat = values.reshape(-1).numpy()
            raw = flat.view(np.uint32 if flat.dtype == np.float32 else np.int64).tolist()
            draws.append({"raw": raw, "cache": cached_normal(generator)})
        results.append(draws)
    json.dump({"torch": torch.__version__, "capability": reported, "results": results}, sys.stdout)


def child_results(capability):
    env = dict(os.environ, ATEN_CPU_CAPABILITY=capability)
    output = subprocess.run([sys.executable, __file__, "--child", capability], env=env, check=True,
                            capture_output=True, text=True).stdout
    return json.loads(output)


def kernel_dependent(operation):
    return operation[0] == "randn" and math.prod(operation[1]) >= 16


def mersenne_words():
    """(seed, index, word) from numpy's independent MT19937 with init_genrand seeding."""
    rows = []
    for seed, indices in [(5489, list(range(8)) + [623, 624, 625, 9999]), (0, list(range(4)) + [1247, 1248]),
                          (0xFFFFFFFF, [0, 1, 2, 623, 624])]:
        generator = np.random.MT19937()
        generator._legacy_seeding(seed)
        words = generator.random_raw(max(indices) + 1)
        rows += [(seed, index, int(words[index])) for index in indices]
    # The C++ standard's check value for std::mt19937 (default seed 5489): the 10000th output.
    assert (5489, 9999, 4123659995) in rows
    return rows


def check_rand_uses_mersenne_words():
    import torch

    for seed in [0, 42, 2**32 + 5]:
        generator = np.random.MT19937()
        generator._legacy_seeding(seed & 0xFFFFFFFF)
        words = generator.random_raw(1300)
        floats = torch.rand(1300, generator=torch.Generator().manual_seed(seed)).numpy().astype(np.float64)
        assert np.array_equal(floats * 2**24, (words & 0xFFFFFF).astype(np.float64)), seed


def swift_operation(operation):
    if operation[0] == "randint":
        return f".randint(low: {operation[1]}, high: {operation[2]}, count: {operation[3]})"
    return f".{operation[0]}(shape: {operation[1]})"


def swift_draw(operation, draw, indent):
    raw = draw["raw"]
    is_int = operation[0] == "randint"
    data = b"".join(struct.pack("<q" if is_int else "<I", v) for v in raw)
    if is_int:
        total = float(sum(raw))
    else:
        total = math.fsum(struct.unpack(f"<{len(raw)}f", data))
    count = len(raw)
    if count <= FULL_LIMIT:
        kept = list(range(count))
    else:
        kept = sorted(set(range(16)) | set(range(count - 32, count)) | set(range(0, count, 509)))
    fmt = (lambda v: str(v)) if is_int else (lambda v: f"{v:08X}")
    values = " ".join(f"{i}:{fmt(raw[i])}" for i in kept)
    cache = "nil" if draw["cache"] is None else f"0x{draw['cache']:016X}"
    return (f"{indent}TorchDrawReference(\n"
            f"{indent}    operation: {swift_operation(operation)}, count: {count}, fnv1a: 0x{fnv1a64(data):016X},\n"
            f"{indent}    sum: {total!r}, cachedNormalBits: {cache},\n"
            f"{indent}    values: \"{values}\")")


def main():
    runs = {capability: child_results(capability) for capability in ["avx2", "default"]}
    versions = {run["torch"] for run in runs.values()}
    assert len(versions) == 1, versions
    check_rand_uses_mersenne_words()
    for index, (name, _, operations) in enumerate(SEQUENCES):
        for position, operation in enumerate(operations):
            avx2 = runs["avx2"]["results"][index][position]
            default = runs["default"]["results"][index][position]
            assert avx2["cache"] == default["cache"], name
            if not kernel_dependent(operation):
                assert avx2["raw"] == default["raw"], (name, operation)

    lines = [
        "// Generated by Scripts/reference/make_torch_generator_fixtures.py; do not edit by hand.",
        f"// torch {versions.pop()} on the CPU, run under ATEN_CPU_CAPABILITY=avx2 and =default (one kernel each).",
        "",
        "/// One torch draw: what was asked, and what torch returned.",
        "struct TorchDrawReference: Sendable {",
        "    enum Operation: Sendable {",
        "        case randn(shape: [Int])",
        "        case rand(shape: [Int])",
        "        case randint(low: Int64, high: Int64, count: Int)",
        "    }",
        "    let operation: Operation",
        "    let count: Int",
        "    /// FNV-1a 64 of the values' little-endian bytes (float32, or int64 for randint).",
        "    let fnv1a: UInt64",
        "    /// Exactly rounded sum of the values (math.fsum).",
        "    let sum: Double",
        "    /// torch's cached double normal sample after the draw (bit pattern), nil if none.",
        "    let cachedNormalBits: UInt64?",
        "    /// Space-separated `index:value` pairs: every index up to 256 values, a sample beyond. Values are",
        "    /// float32 bit patterns in hex (randn, rand) or decimal int64 (randint). Kept as one string literal so",
        "    /// this file type-checks quickly.",
        "    let values: String",
        "",
        "    /// The `values` pairs, with float bit patterns or int64 bit patterns as UInt64.",
        "    var pairs: [(index: Int, value: UInt64)] {",
        "        values.split(separator: \" \").map { pair in",
        "            let parts = pair.split(separator: \":\")",
        "            let index = Int(parts[0])!",
        "            if case .randint = operation { return (index, UInt64(bitPattern: Int64(parts[1])!)) }",
        "            return (index, UInt64(parts[1], radix: 16)!)",
        "        }",
        "    }",
        "}",
        "",
        "/// Consecutive draws on one `torch.Generator().manual_seed(seed)`.",
        "struct TorchSequenceReference: Sendable {",
        "    let name: String",
        "    let seed: UInt64",
        "    let draws: [TorchDrawReference]",
        "}",
        "",
        "enum TorchGeneratorReferenceValues {",
    ]
    for capability, property in [("avx2", "avx2Sequences"), ("default", "scalarSequences")]:
        lines.append(f"    /// torch with CPU capability {runs[capability]['capability']}.")
        lines.append(f"    static let {property}: [TorchSequenceReference] = [")
        for index, (name, seed, operations) in enumerate(SEQUENCES):
            draws = runs[capability]["results"][index]
            lines.append(f"        TorchSequenceReference(name: \"{name}\", seed: {seed}, draws: [")
            lines.append(",\n".join(swift_draw(op, draw, " " * 12) for op, draw in zip(operations, draws)))
            lines.append("        ]),")
        lines.append("    ]")
        lines.append("")
    lines.append("    /// (seed, zero-based output index, word) from numpy's MT19937 with init_genrand seeding.")
    lines.append("    static let mersenneTwisterWords: [(seed: UInt32, index: Int, word: UInt32)] = [")
    for seed, index, word in mersenne_words():
        lines.append(f"        (0x{seed:08X}, {index}, 0x{word:08X}),")
    lines.append("    ]")
    lines.append("}")
    with open(OUTPUT, "w") as file:
        file.write("\n".join(lines) + "\n")
    print(f"wrote {OUTPUT}: {os.path.getsize(OUTPUT)} bytes, {len(SEQUENCES)} sequences per kernel")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        run_child(sys.argv[2])
    else:
        main()
