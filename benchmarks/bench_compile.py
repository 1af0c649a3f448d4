"""Benchmarks of the code generator (:mod:`symstab.codegen`).

Run as a script (not part of the test run)::

    python benchmarks/bench_compile.py [--quick]

Measured in the same run and printed:

1. numba GD throughput on f4 = (1 - xy)^2 + (x^2 + y^2)/20 over a 1000 x 1000 grid of
   starting points, eta = 0.5, 100 steps, prange over points on 2 threads, against a
   NumPy-vectorised loop of a ``sympy.lambdify`` gradient (the baseline);
2. 1000 GD steps at 50 digits: the mpmath target against a ``sympy.lambdify(...,
   "mpmath")`` loop;
3. the interval Hessian of f4 over a box: python-flint ``arb`` against ``mpmath.iv``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import mpmath
import numba
import numpy as np
import sympy as sp

from symstab.codegen import compile_loss

X, Y = sp.symbols("x y", real=True)
F4 = (1 - X * Y) ** 2 + (X**2 + Y**2) / 20


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Smallest wall time of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def grid(side: int) -> np.ndarray:
    xs = np.linspace(-2.0, 2.0, side)
    gx, gy = np.meshgrid(xs, xs)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def make_basin_style(step_into: Callable[..., None]) -> Callable[..., None]:
    """A basin-kernel-style loop written outside symstab: prange over blocks of rows,
    the loop over points inside the loop over steps, calling the generated kernel
    ``step_into`` (captured from the closure, so numba can inline it)."""

    @numba.njit(parallel=True, error_model="numpy")
    def run(thetas, eta, steps):  # type: ignore[no-untyped-def]
        npts = thetas.shape[0]
        block = 64
        for b in numba.prange((npts + block - 1) // block):
            lo = b * block
            hi = min(lo + block, npts)
            for _ in range(steps):
                for i in range(lo, hi):
                    step_into(thetas[i], eta, thetas[i])

    return run


def bench_numba(side: int, steps: int, eta: float, repeat: int) -> None:
    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(threads)
    start = grid(side)
    work = side * side * steps

    lam = sp.lambdify((X, Y), [sp.diff(F4, v) for v in (X, Y)], "numpy")

    def baseline() -> tuple[np.ndarray, np.ndarray]:
        px, py = start[:, 0].copy(), start[:, 1].copy()
        with np.errstate(all="ignore"):
            for _ in range(steps):
                gx, gy = lam(px, py)
                px, py = px - eta * gx, py - eta * gy
        return px, py

    target = compile_loss(F4, (X, Y)).numba()
    basin_style = make_basin_style(target.step_into)
    t0 = time.perf_counter()
    target.descend(start[:8], eta, 1)
    basin_style(start[:8].copy(), eta, 1)
    compile_s = time.perf_counter() - t0

    t_base = best_of(baseline, repeat)
    t_desc = best_of(lambda: target.descend(start, eta, steps), repeat)
    t_basin = best_of(lambda: basin_style(start.copy(), eta, steps), repeat)

    bx, by = baseline()
    ours = target.descend(start, eta, steps)
    both = np.isfinite(bx) & np.isfinite(ours[:, 0])
    agree = np.mean(
        np.isclose(ours[:, 0], bx, rtol=1e-9, atol=1e-12, equal_nan=True)
        & np.isclose(ours[:, 1], by, rtol=1e-9, atol=1e-12, equal_nan=True)
    )
    basin = start.copy()
    basin_style(basin, eta, steps)

    print(f"(1) numba GD on f4: {side}x{side} grid, eta={eta}, {steps} steps, {threads} threads")
    print(f"    numba kernel + driver compile (first call):   {compile_s:8.2f} s")
    print(
        f"    baseline numpy loop of sympy.lambdify grad:   {t_base:8.3f} s  "
        f"{work / t_base:10.3e} point-it/s"
    )
    print(
        f"    NumbaTarget.descend (prange, SoA blocks):     {t_desc:8.3f} s  "
        f"{work / t_desc:10.3e} point-it/s  ratio {t_base / t_desc:6.1f}x"
    )
    print(
        f"    external prange loop calling step_into:       {t_basin:8.3f} s  "
        f"{work / t_basin:10.3e} point-it/s  ratio {t_base / t_basin:6.1f}x"
    )
    print(
        f"    finite after {steps} steps: {both.mean():.3f}; agree with baseline (rtol 1e-9): "
        f"{agree:.4f}; descend == step_into loop bitwise: "
        f"{np.array_equal(ours, basin, equal_nan=True)}"
    )


def bench_numpy_target(side: int, repeat: int) -> None:
    pts = grid(side)
    px, py = pts[:, 0], pts[:, 1]
    loss = compile_loss(F4, (X, Y))
    ours = loss.numpy()
    grads = [sp.diff(F4, v) for v in (X, Y)]
    plain = sp.lambdify((X, Y), grads, "numpy")
    with_cse = sp.lambdify((X, Y), grads, "numpy", cse=True)
    t_ours = best_of(lambda: ours.gradient(pts), repeat)
    t_gen = best_of(lambda: ours._gradient(px, py), repeat)  # generated function only
    t_plain = best_of(lambda: plain(px, py), repeat)
    t_cse = best_of(lambda: with_cse(px, py), repeat)
    print(
        f"    (info) one gradient on {side * side} points: NumpyTarget.gradient "
        f"{t_ours * 1e3:.1f} ms (its generated function alone {t_gen * 1e3:.1f} ms, the rest "
        f"is filling the (N, 2) result), lambdify {t_plain * 1e3:.1f} ms, "
        f"lambdify(cse=True) {t_cse * 1e3:.1f} ms"
    )


def bench_mpmath(steps: int, dps: int, repeat: int) -> None:
    eta = mpmath.mpf("0.5")
    lam = sp.lambdify((X, Y), [sp.diff(F4, v) for v in (X, Y)], "mpmath")

    def baseline() -> tuple[mpmath.mpf, mpmath.mpf]:
        with mpmath.workdps(dps):
            px, py, e = mpmath.mpf("0.3"), mpmath.mpf("0.7"), +eta
            for _ in range(steps):
                gx, gy = lam(px, py)
                px, py = px - e * gx, py - e * gy
            return px, py

    target = compile_loss(F4, (X, Y)).mpmath(dps)

    ours_eta = target.ctx.mpf("0.5")

    def step_loop() -> tuple[mpmath.mpf, ...]:
        th: tuple[mpmath.mpf, ...] = ("0.3", "0.7")
        for _ in range(steps):
            th = target.step(th, ours_eta)
        return th

    def descend() -> tuple[mpmath.mpf, ...]:
        return target.descend(("0.3", "0.7"), ours_eta, steps)

    t_base = best_of(baseline, repeat)
    t_step = best_of(step_loop, repeat)
    t_desc = best_of(descend, repeat)
    ref = baseline()
    diff = max(abs(mpmath.mpf(a) - mpmath.mpf(b)) for a, b in zip(ref, descend(), strict=True))
    print(f"(2) {steps} GD steps on f4 at {dps} digits from (0.3, 0.7), eta=0.5")
    print(f"    baseline loop of sympy.lambdify(..., 'mpmath'): {t_base * 1e3:8.2f} ms")
    print(
        f"    MpmathTarget.step loop:                        {t_step * 1e3:8.2f} ms  "
        f"ratio {t_base / t_step:5.2f}x"
    )
    print(
        f"    MpmathTarget.descend:                          {t_desc * 1e3:8.2f} ms  "
        f"ratio {t_base / t_desc:5.2f}x"
    )
    with mpmath.workdps(dps):
        print(f"    |ours - baseline| after {steps} steps: {mpmath.nstr(diff, 3)}")


def bench_interval(dps: int, calls: int, repeat: int) -> None:
    loss = compile_loss(F4, (X, Y))
    box = [("0.5", "0.6"), ("1.0", "1.1")]
    print(f"(3) interval Hessian of f4 over the box [0.5, 0.6] x [1.0, 1.1] at {dps} digits")
    for backend in ("arb", "iv"):
        target = loss.interval(dps, backend=backend)
        th = [target.enclose(side) for side in box]
        t = best_of(lambda target=target, th=th: [target.hessian(th) for _ in range(calls)], repeat)
        h = target.hessian(th)
        if backend == "arb":
            widths = [float(2 * e.rad()) for row in h for e in row]
        else:
            widths = [float(e.delta) for row in h for e in row]
        print(
            f"    {backend:4s}: {t / calls * 1e6:8.1f} us per Hessian;  entry widths "
            + ", ".join(f"{w:.3g}" for w in widths)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    args = parser.parse_args()
    side, repeat = (300, 1) if args.quick else (1000, 3)
    print(
        f"numba {numba.__version__}, numpy {np.__version__}, sympy {sp.__version__}, "
        f"mpmath {mpmath.__version__} (backend {mpmath.libmp.BACKEND})"
    )
    bench_numba(side, steps=100, eta=0.5, repeat=repeat)
    bench_numpy_target(side, repeat)
    bench_mpmath(steps=1000, dps=50, repeat=3 * repeat)
    bench_interval(dps=30, calls=2000 if not args.quick else 200, repeat=3 * repeat)


if __name__ == "__main__":
    main()
