#!/usr/bin/env python3
"""Reference Fréchet distances for LetheWorld's FrechetDistance, computed as pytorch-fid computes FID.

Each case is two small seeded sets of feature vectors (rows). The distance follows pytorch-fid's
`calculate_frechet_distance` (src/pytorch_fid/fid_score.py; clean-fid's `frechet_distance` is the same code):
means with `np.mean(axis=0)`, covariances with `np.cov(rowvar=False)`, `scipy.linalg.sqrtm(sigma1.dot(sigma2),
disp=False)`, the retry with 1e-6 added to both diagonals when that square root is not finite, `.real` of a complex
result (after the same 1e-3 check on the imaginary diagonal), then
`diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * tr_covmean`.

One deliberate difference: pytorch-fid takes the mean of its float32 activations in float32; here every statistic
is taken in float64 from the float32 features (as Lethe does), so the reference is the float64 formula itself.

Features are rounded to 4 decimals and then to float32, and written in their shortest round-trip decimal form, so
Swift reads exactly the numbers the reference used (parsed as a double, then rounded to float32: the path checked
below). Beside pytorch-fid's value, each case records a 50-digit value from mpmath (the same statistics in exact
arithmetic, Tr((Σ1Σ2)^{1/2}) as the sum of square roots of the eigenvalues of Σ1Σ2), which shows how far scipy's
sqrtm itself is from the exact value (it is least accurate for rank-deficient covariances).

Requires numpy, scipy and mpmath. Run from the repository root:
    python3 Scripts/reference/make_frechet_fixtures.py
Writes Tests/Fixtures/references/frechet.json; the output is deterministic for given numpy/scipy versions.
"""
import json
import os
import sys
import warnings

import mpmath
import numpy as np
import scipy
from scipy import linalg

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "references", "frechet.json")


def calculate_frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch-fid's calculate_frechet_distance, unchanged but for the deprecation warning of `disp`."""
    mu1 = np.atleast_1d(mu1)
    mu2 = np.atleast_1d(mu2)
    sigma1 = np.atleast_2d(sigma1)
    sigma2 = np.atleast_2d(sigma2)
    diff = mu1 - mu2
    with warnings.catch_warnings():
        # SciPy 1.16 deprecated `disp` (removal in 1.18); pytorch-fid still passes it.
        warnings.simplefilter("ignore", DeprecationWarning)
        result = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    # SciPy 1.17 returns a 1×1 input's root alone rather than (root, error estimate) when disp=False, which
    # pytorch-fid's unpacking would reject; both forms are accepted so the width-1 case has a reference.
    covmean = result[0] if isinstance(result, tuple) else result
    offset_used = False
    if not np.isfinite(covmean).all():
        offset_used = True
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"Imaginary component {np.max(np.abs(covmean.imag))}")
        covmean = covmean.real
    tr_covmean = np.trace(covmean)
    distance = diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * tr_covmean
    return float(distance), float(tr_covmean), offset_used


def high_precision_distance(a, b, digits=50):
    """The same formula in 50-digit arithmetic from the float32 features (exact statistics)."""
    with mpmath.workdps(digits):
        def statistics(x):
            rows, columns = x.shape
            m = mpmath.matrix([[mpmath.mpf(float(v)) for v in row] for row in x])
            mean = [sum(m[r, c] for r in range(rows)) / rows for c in range(columns)]
            cov = mpmath.matrix(columns, columns)
            for i in range(columns):
                for j in range(columns):
                    cov[i, j] = sum((m[r, i] - mean[i]) * (m[r, j] - mean[j]) for r in range(rows)) / (rows - 1)
            return mean, cov

        mean_a, cov_a = statistics(a)
        mean_b, cov_b = statistics(b)
        columns = a.shape[1]
        # The eigenvalues of Σ1Σ2 are those of the PSD Σ1^{1/2}Σ2Σ1^{1/2}: real and ≥ 0 up to rounding, which at
        # 50 digits leaves only ~1e-45 noise on the zero eigenvalues of singular products.
        product = cov_a * cov_b
        # mpmath's eig returns a 1×1 matrix's eigenvalue wrapped in a matrix; its only entry is the eigenvalue.
        eigenvalues = [product[0, 0]] if columns == 1 else mpmath.eig(product, left=False, right=False)
        tr_covmean = sum(mpmath.sqrt(max(mpmath.re(e), 0)) for e in eigenvalues)
        mean_term = sum((mean_a[c] - mean_b[c]) ** 2 for c in range(columns))
        trace_a = sum(cov_a[c, c] for c in range(columns))
        trace_b = sum(cov_b[c, c] for c in range(columns))
        return float(mean_term + trace_a + trace_b - 2 * tr_covmean)


def features(rng, rows, mean, mixing):
    """Correlated Gaussian rows, rounded to 4 decimals, then to float32."""
    z = rng.standard_normal((rows, mixing.shape[0]))
    x = np.asarray(mean) + z @ mixing
    return np.round(x, 4).astype(np.float32)


def f32_text(value):
    value = np.float32(value)
    if not np.isfinite(value):
        raise ValueError(f"non-finite value {value} in a fixture")
    text = str(value)  # numpy prints the shortest string that reads back as the same float32
    assert np.float32(float(text)) == value
    return text


def make_cases():
    cases = []

    # Different means and covariances, different set sizes (each set's N−1 is its own).
    rng = np.random.default_rng(20240601)
    a = features(rng, 50, rng.normal(0, 1, 8), rng.normal(0, 0.5, (8, 8)))
    b = features(rng, 60, rng.normal(0.5, 1, 8), rng.normal(0, 0.7, (8, 8)) + np.diag(np.full(8, 0.3)))
    cases.append(("gaussian-8", "50 and 60 correlated Gaussian rows of width 8, different means and covariances", a, b))

    # Fewer rows than features: both covariances are singular (ranks 5 and 6 of 10), as a judge's features of a few
    # images are; scipy's sqrtm is least accurate here.
    rng = np.random.default_rng(7)
    a = features(rng, 6, rng.normal(0, 1, 10), rng.normal(0, 0.6, (10, 10)))
    b = features(rng, 7, rng.normal(0, 1, 10), rng.normal(0, 0.6, (10, 10)))
    cases.append(("rank-deficient", "6 and 7 rows of width 10: singular covariances of ranks 5 and 6", a, b))

    # The same set twice: the distance is zero up to rounding.
    rng = np.random.default_rng(3)
    a = features(rng, 30, rng.normal(0, 1, 8), rng.normal(0, 0.5, (8, 8)))
    cases.append(("identical", "the same 30 rows of width 8 as both sets (distance 0 up to rounding)", a, a.copy()))

    # Width 1: the distance is (μ1 − μ2)² + (σ1 − σ2)².
    rng = np.random.default_rng(11)
    a = features(rng, 20, [1.0], np.array([[0.8]]))
    b = features(rng, 25, [-0.5], np.array([[1.7]]))
    cases.append(("width-1", "20 and 25 rows of width 1: (μ1 − μ2)² + (σ1 − σ2)²", a, b))

    # Non-negative, skewed features of unequal scales, like max-pooled ReLU activations of a judge.
    rng = np.random.default_rng(12345)
    scales = np.exp(rng.normal(0, 1, 12))
    a = np.round(np.maximum(rng.standard_normal((32, 12)) @ rng.normal(0, 0.5, (12, 12)) + 0.3, 0) * scales, 4)
    b = np.round(np.maximum(rng.standard_normal((40, 12)) @ rng.normal(0, 0.5, (12, 12)) + 0.1, 0) * scales, 4)
    cases.append(("relu-12", "32 and 40 non-negative rows of width 12 with per-feature scales from e^N(0,1)",
                  a.astype(np.float32), b.astype(np.float32)))
    return cases


def main():
    records = []
    for name, note, a, b in make_cases():
        # float64 statistics of the float32 features (see the docstring on pytorch-fid's float32 mean).
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        mu1, sigma1 = np.mean(a64, axis=0), np.atleast_2d(np.cov(a64, rowvar=False))
        mu2, sigma2 = np.mean(b64, axis=0), np.atleast_2d(np.cov(b64, rowvar=False))
        distance, tr_covmean, offset_used = calculate_frechet_distance(mu1, sigma1, mu2, sigma2)
        exact = high_precision_distance(a, b)
        records.append({
            "name": name,
            "note": note,
            "a": {"rows": a.shape[0], "columns": a.shape[1], "values": [f32_text(v) for v in a.reshape(-1)]},
            "b": {"rows": b.shape[0], "columns": b.shape[1], "values": [f32_text(v) for v in b.reshape(-1)]},
            "mean_a": [repr(float(v)) for v in mu1],
            "covariance_a": [repr(float(v)) for v in sigma1.reshape(-1)],
            "trace_covmean": repr(tr_covmean),
            "offset_used": offset_used,
            "distance": repr(distance),
            "distance_high_precision": repr(exact),
        })
        print(f"{name}: distance {distance!r} (50-digit {exact!r}, relative gap "
              f"{abs(distance - exact) / max(abs(exact), 1e-300):.2e}), offset {offset_used}", file=sys.stderr)

    # Numbers as JSON numbers, written from their shortest round-trip text.
    def number_list(texts):
        return "[" + ", ".join(texts) + "]"

    lines = ["{",
             f'  "generator": "Scripts/reference/make_frechet_fixtures.py",',
             f'  "numpy": {json.dumps(np.__version__)},',
             f'  "scipy": {json.dumps(scipy.__version__)},',
             '  "cases": [']
    for index, record in enumerate(records):
        fields = [
            f'      "name": {json.dumps(record["name"])}',
            f'      "note": {json.dumps(record["note"], ensure_ascii=False)}',
        ]
        for key in ("a", "b"):
            block = record[key]
            fields.append(f'      "{key}": {{"rows": {block["rows"]}, "columns": {block["columns"]}, '
                          f'"values": {number_list(block["values"])}}}')
        fields.append(f'      "mean_a": {number_list(record["mean_a"])}')
        fields.append(f'      "covariance_a": {number_list(record["covariance_a"])}')
        for key in ("trace_covmean", "distance", "distance_high_precision"):
            fields.append(f'      "{key}": {record[key]}')
        fields.append(f'      "offset_used": {json.dumps(record["offset_used"])}')
        closing = "    }" + ("," if index + 1 < len(records) else "")
        lines.append("    {\n" + ",\n".join(fields) + "\n" + closing)
    lines += ["  ]", "}"]
    text = "\n".join(lines) + "\n"
    json.loads(text)  # well-formed
    with open(OUT, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
