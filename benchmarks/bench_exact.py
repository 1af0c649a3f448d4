"""Time the exact analysis of every catalog loss; compare with a naive SymPy baseline.

Run: ``python benchmarks/bench_exact.py`` (add ``--repeat N``). For each loss it
prints the wall time of ``symstab.exact.analysis.analyze`` (cold: fresh caches,
i.e. what ``symstab analyze`` pays) and of the baseline ``sympy.solve(∇f)`` followed
by ``Matrix.eigenvals()`` of the Hessian at each solution, with the ratio. The
baseline gets a 60 s budget; a loss whose baseline exceeds it prints ``>60``.
Target (issue 3): each of f1-f4 under 5 s.

``--scaling`` times instead, once each and without a baseline, ``analyze`` of the deep
chains deep-chain-D, D = 2..8, and of three seeded random quartics in 3 variables
(budget 120 s each; target: every one under 10 s on 2 cores), with the critical step
size 2 / inf λmax over all minima (2/D for deep-chain-D).
"""

from __future__ import annotations

import argparse
import time

import sympy as sp

from symstab.budget import time_limit
from symstab.errors import BudgetExceeded
from symstab.exact import derivatives
from symstab.exact.analysis import analyze
from symstab.loss import Loss

LOSSES = ["f1", "f2", "f3", "f4", "xy", "xy2", "chain3", "deep-chain-4"]
BASELINE_BUDGET = 60.0


def _clear_caches() -> None:
    derivatives.gradient.cache_clear()
    derivatives.hessian.cache_clear()
    derivatives.nonsingularity.cache_clear()
    sp.core.cache.clear_cache()


def time_symstab(name: str) -> float:
    _clear_caches()
    started = time.perf_counter()
    analyze(Loss.from_catalog(name), sp.Rational(1, 2))
    return time.perf_counter() - started


def time_baseline(name: str) -> float | None:
    _clear_caches()
    loss = Loss.from_catalog(name)
    started = time.perf_counter()
    try:
        with time_limit(BASELINE_BUDGET, "baseline"):
            grad = [sp.diff(loss.expr, p) for p in loss.params]
            hess = sp.hessian(loss.expr, loss.params)
            for sol in sp.solve(grad, loss.params, dict=True):
                hess.subs(sol).eigenvals()
    except BudgetExceeded:
        return None
    return time.perf_counter() - started


def _random_quartic(seed: int) -> Loss:
    """A seeded quartic in x, y, z with small integer coefficients plus x⁴ + y⁴ + z⁴."""
    import random

    rng = random.Random(seed)
    x, y, z = sp.symbols("x y z", real=True)
    monomials = [x**a * y**b * z**c for a in range(5) for b in range(5) for c in range(5)
                 if 1 <= a + b + c <= 3]
    expr = x**4 + y**4 + z**4 + sum(rng.randint(-2, 2) * m for m in rng.sample(monomials, 6))
    return Loss.from_text(sp.sstr(expr), "x,y,z")


def scaling() -> None:
    """Cold ``analyze`` times of deep chains and random quartics."""
    print(f"{'loss':40s} {'seconds':>8s}  {'critical η':>10s}  status")
    cases = [(f"deep-chain-{d}", Loss.from_catalog(f"deep-chain-{d}")) for d in range(2, 9)]
    cases += [(f"quartic seed {k}", _random_quartic(k)) for k in range(3)]
    for name, loss in cases:
        _clear_caches()
        started = time.perf_counter()
        critical = "—"
        try:
            result = analyze(loss, sp.Rational(1, 2), time_limit=120.0)
            status = result.critical_set_status
            if result.eta_critical is not None:
                critical = result.eta_critical.decimal[:10]
        except BudgetExceeded as exc:
            status = f"incomplete: {exc}"
        seconds = time.perf_counter() - started
        print(f"{name:40s} {seconds:8.2f}  {critical:>10s}  {status}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--scaling", action="store_true",
                        help="deep chains D = 2..8 and random quartics instead")
    args = parser.parse_args()
    if args.scaling:
        scaling()
        return
    print(f"{'loss':14s} {'symstab [s]':>12s} {'baseline [s]':>13s} {'ratio':>8s}")
    for name in LOSSES:
        ours = min(time_symstab(name) for _ in range(args.repeat))
        base = None if args.no_baseline else time_baseline(name)
        over = ">" + str(int(BASELINE_BUDGET))
        base_text = f"{base:13.3f}" if base is not None else f"{over:>13s}"
        ratio = f"{base / ours:8.1f}" if base is not None else f"{'—':>8s}"
        print(f"{name:14s} {ours:12.3f} {base_text} {ratio}", flush=True)
    print("ratio = baseline / symstab; the baseline only solves and takes eigenvalues (no")
    print("classification, no components, no thresholds), and returns components as samples.")


if __name__ == "__main__":
    main()
