"""High-precision trajectories: symstab.trajectory vs a plain mpmath lambdify loop.

Run: ``python benchmarks/bench_trajectory.py``. Both do N GD steps on f4 at 50 digits
from (0.3, 0.7) at η = 13/25 (bounded, and not settled within the budget, so both
loops run every step). The baseline evaluates the gradient and the loss at 50 digits
with ``mpf`` objects; symstab calls one generated ``gmpy2.mpfr`` kernel per step (loss at
``dps + dps//2 + 10`` = 85 digits, gradient and step at 50 digits; bit-identical to the
libmp kernel for this polynomial loss) and classifies (loss monotonicity, period
detection with an integer-cell screen, divergence) with no region stop. Prints the times
and the ratio measured in the same run, and the time of the raw-libmp engine (the
fallback) for comparison. Target (issue 4): >= 3x.
"""

from __future__ import annotations

import time

import mpmath
import sympy as sp

from symstab.dynamics.trajectory import trajectory
from symstab.loss import Loss

STEPS = 2000


def baseline(loss: Loss, steps: int) -> float:
    grad = [sp.diff(loss.expr, p) for p in loss.params]
    with mpmath.workdps(50):
        g = sp.lambdify(loss.params, grad, modules="mpmath")
        f = sp.lambdify(loss.params, loss.expr, modules="mpmath")
        eta = mpmath.mpf(13) / 25
        theta = [mpmath.mpf("0.3"), mpmath.mpf("0.7")]
        started = time.perf_counter()
        for _ in range(steps):
            d = g(*theta)
            theta = [t - eta * di for t, di in zip(theta, d, strict=True)]
            f(*theta)
        return time.perf_counter() - started


def ours(loss: Loss, steps: int) -> float:
    started = time.perf_counter()
    trajectory(loss, sp.Rational(13, 25), ("0.3", "0.7"), steps=steps, dps=50, regions=(),
               record=False)
    return time.perf_counter() - started


def ours_libmp(loss: Loss, steps: int) -> float:
    """The same run on the raw-libmp engine (the fallback of the mpfr engine)."""
    from symstab.dynamics.highprec import to_mpf
    from symstab.dynamics.trajectory.kernels import _mp_fast, _run_mp, mp_arith

    eta = sp.Rational(13, 25)
    started = time.perf_counter()
    ar, ctx = mp_arith(loss, eta, 50, 10**12, None)
    theta = tuple(to_mpf(ctx, sp.Rational(s))._mpf_ for s in ("3/10", "7/10"))
    _run_mp(
        _mp_fast(loss, eta, 50, ar, backend="libmp"), theta, steps=steps, regions=(),
        region_note="", period_max=16, record=False, stop_at_region=True, bound_text="",
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    loss = Loss.from_catalog("f4")
    ours(loss, 10)  # warm the code generator
    base = min(baseline(loss, STEPS) for _ in range(3))
    mine = min(ours(loss, STEPS) for _ in range(3))
    ours_libmp(loss, 10)
    lib = min(ours_libmp(loss, STEPS) for _ in range(3))
    print(f"{STEPS} steps of f4 at 50 digits")
    print(f"  plain sympy.lambdify('mpmath') loop (gradient + loss): {base * 1e3:8.1f} ms")
    print(f"  symstab.trajectory (classified, no region stop):      {mine * 1e3:8.1f} ms")
    print(f"  (the same on the raw-libmp fallback engine:           {lib * 1e3:8.1f} ms)")
    print(f"  ratio: {base / mine:.2f}x  (target >= 3x)")


if __name__ == "__main__":
    main()
