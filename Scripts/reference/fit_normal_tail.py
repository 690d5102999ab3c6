#!/usr/bin/env python3
"""Coefficients of the vectorised normal CDF used by the GELU backward kernels (SIMD8+NormalDistribution.swift).

The upper tail is written Q(z) = ½·erfc(z) = ½·exp(−z²)·R(z) for z = |x|/√2 ≥ 0, where R(z) = erfc(z)·exp(z²) is
smooth and decreasing from 1; R is fitted as a degree-8 polynomial in u = 1/(1 + 0.4·z) by least squares in relative
error over z ∈ [0, 5] (beyond that exp(−z²) < 1.4e-11 makes R's error irrelevant). Prints the coefficients, constant
term first, and the float32 evaluation's largest absolute error in Φ(x) over x ∈ [−12, 12].

    python3 Scripts/reference/fit_normal_tail.py
"""
import numpy as np
from scipy.special import erfcx, ndtr

P, DEGREE = 0.4, 8

z = np.linspace(0, 5, 200001)
u = 1 / (1 + P * z)
target = erfcx(z)
design = np.stack([u**k for k in range(DEGREE + 1)], 1) / target[:, None]
coefficients, *_ = np.linalg.lstsq(design, np.ones_like(z), rcond=None)
c32 = coefficients.astype(np.float32)

x = np.linspace(-12, 12, 400001).astype(np.float32)
zx = np.abs(x) * np.float32(np.sqrt(0.5))
ux = np.float32(1) / (np.float32(1) + np.float32(P) * zx)
r = c32[-1]
for k in range(DEGREE - 1, -1, -1):
    r = (r * ux + c32[k]).astype(np.float32)
tail = (np.float32(0.5) * r * np.exp(-(zx.astype(np.float64) ** 2)).astype(np.float32)).astype(np.float32)
cdf = np.where(x >= 0, np.float32(1) - tail, tail)
print("coefficients:", ", ".join(f"{v:.9e}" for v in coefficients))
print(f"fit relative error {np.max(np.abs(design @ coefficients - 1)):.2e}; "
      f"float32 max |Φ − Φ_ref| {np.max(np.abs(cdf - ndtr(x.astype(np.float64)))):.2e}")
