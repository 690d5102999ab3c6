#!/usr/bin/env python3
"""Reference values for LetheTraining's Rényi-DP accountant, computed by Opacus's RDP accountant.

Opacus (opacus.accountants) accounts for DP-SGD as the sampled Gaussian mechanism (Poisson sampling at rate q,
Gaussian noise of standard deviation σ·C on the sum of gradients clipped to norm C) composed over the steps:
`analysis.rdp.compute_rdp` gives the Rényi divergence at each order α (`_compute_log_a`, integer and fractional α,
Mironov et al. 2019, section 3.3), `analysis.rdp.get_privacy_spent` converts it to (ε, δ) (Balle et al. 2020,
Theorem 21) at the best of `RDPAccountant.DEFAULT_ALPHAS`, and `accountants.utils.get_noise_multiplier` searches the
σ that spends a target ε (doubling from 10, then bisecting until ε is within `epsilon_tolerance` below the target).

The fixture holds three tables:
- "rdp": the RDP of one step at every default order for a few (σ, q), so the series for each order is checked
  on its own;
- "epsilon": ε and the best order for a grid of (σ, q, steps, δ) through `RDPAccountant` with its history set to
  (σ, q, steps), as `get_noise_multiplier` sets it; the grid covers q = 1 (the Gaussian mechanism alone), best
  orders fractional and integer, and the smallest and largest order (where Opacus warns);
- "noise_multiplier": σ from `get_noise_multiplier` for a few (target ε, δ, q, steps), with its default tolerance
  0.01 and one tighter, and the ε that σ spends.

Requires opacus (PyPI; it brings numpy and scipy, and needs torch). Run from anywhere:
    python3 Scripts/reference/make_privacy_fixtures.py
Writes Tests/Fixtures/references/privacy-accountant.json; deterministic for given opacus, numpy and scipy versions.
"""
import json
import os
import warnings

import numpy as np
import opacus
import scipy
from opacus.accountants import RDPAccountant
from opacus.accountants.analysis import rdp as analysis
from opacus.accountants.utils import get_noise_multiplier

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "references", "privacy-accountant.json")

RDP_CASES = [(1.0, 0.01), (0.7, 0.1), (2.5, 0.004), (1.3, 0.5)]

EPSILON_CASES = [
    # (σ, q, steps, δ)
    (1.0, 0.01, 1000, 1e-5),
    (1.1, 0.01, 10000, 1e-5),
    (0.8, 0.02, 500, 1e-5),
    (0.5, 0.01, 100, 1e-5),
    (4.0, 0.001, 100, 1e-6),
    (10.0, 0.001, 10, 1e-5),
    (2.0, 0.05, 2000, 1e-5),
    (1.5, 0.25, 50, 1e-3),
    (0.6, 0.004, 3000, 1e-4),
    (3.0, 0.1, 1, 1e-5),
    (1.0, 1.0, 1, 1e-5),
    (5.0, 1.0, 100, 1e-5),
    (0.3, 0.001, 1000, 1e-5),
    (1.2, 0.0625, 160, 0.0625),
    (0.9, 0.5, 35, 0.1),
    (50.0, 0.01, 5, 1e-5),
    (0.25, 0.2, 1000, 1e-5),
]

NOISE_CASES = [
    # (target ε, δ, q, steps, tolerance)
    (1.0, 1e-5, 0.01, 1000, 0.01),
    (3.0, 1e-5, 0.01, 1000, 0.01),
    (8.0, 1e-5, 0.004, 5000, 0.01),
    (0.5, 1e-6, 0.001, 200, 0.01),
    (10.0, 0.0625, 0.0625, 160, 0.01),
    (2.0, 1e-5, 0.05, 500, 1e-4),
]


def epsilon(sigma, q, steps, delta):
    accountant = RDPAccountant()
    accountant.history = [(sigma, q, steps)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eps, order = accountant.get_privacy_spent(delta=delta)
    return eps, order, any("Optimal order" in str(w.message) for w in caught)


def main():
    orders = RDPAccountant.DEFAULT_ALPHAS
    rdp = []
    for sigma, q in RDP_CASES:
        values = analysis.compute_rdp(q=q, noise_multiplier=sigma, steps=1, orders=orders)
        rdp.append({"noise_multiplier": sigma, "sample_rate": q, "rdp": [float(v) for v in values]})

    eps_rows = []
    for sigma, q, steps, delta in EPSILON_CASES:
        eps, order, warned = epsilon(sigma, q, steps, delta)
        eps_rows.append({"noise_multiplier": sigma, "sample_rate": q, "steps": steps, "delta": delta,
                         "epsilon": float(eps), "order": float(order), "extreme_order": warned})

    noise_rows = []
    for target, delta, q, steps, tolerance in NOISE_CASES:
        with warnings.catch_warnings():
            # The search tries σ up to 20 and beyond, where the best order is the largest: Opacus warns each time.
            warnings.simplefilter("ignore", UserWarning)
            sigma = get_noise_multiplier(target_epsilon=target, target_delta=delta, sample_rate=q, steps=steps,
                                         accountant="rdp", epsilon_tolerance=tolerance)
        spent, _, _ = epsilon(sigma, q, steps, delta)
        noise_rows.append({"target_epsilon": target, "delta": delta, "sample_rate": q, "steps": steps,
                           "epsilon_tolerance": tolerance, "noise_multiplier": float(sigma),
                           "epsilon": float(spent)})

    fixture = {
        "generator": "Scripts/reference/make_privacy_fixtures.py",
        "opacus": opacus.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "orders": [float(a) for a in orders],
        "rdp": rdp,
        "epsilon": eps_rows,
        "noise_multiplier": noise_rows,
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(rdp)} RDP rows, {len(eps_rows)} ε, {len(noise_rows)} σ")


if __name__ == "__main__":
    main()
