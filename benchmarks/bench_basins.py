"""Benchmark of the basin-map kernel (:mod:`symstab.dynamics.basins`).

Run as a script (not part of the test run)::

    python benchmarks/bench_basins.py [--quick] [--side 1000]

f4 = (1 - xy)^2 + (x^2 + y^2)/20 on a side x side grid over [-3, 3]^2 at eta = 0.5,
with the certified regions of its two minima, max_steps = 10000 and divergence bound
1e8. Measured in the same run and printed: the numba compile time (first call), the
wall time and point-iterations per second of ``basin_map`` (best of a few calls), and
the same for a plain NumPy-vectorised loop of a ``sympy.lambdify`` value and gradient
with the same stopping rule, run on a 200 x 200 grid over the same square and scaled per
point-iteration. Targets: ratio >= 10x, wall time < 10 s on 2 cores.

Last (skipped with ``--no-manifold``), xy = ½(1 − xy)² at eta = 0.4 on [-2, 2]^2: the
certification time of the PL tubes around its two branches of minima, the kernel time,
and the fraction of points decided by a certificate. With ``--chain3``, the same for
chain3 = ½(1 − abc)² on a 60³ grid over [-2, 2]^3 (about two minutes).

Then (skipped with ``--no-near``) near eta* = 10/19: at eta = 10/19 - 1e-5 on Chen's
window [-2, 2]^2 (200 x 200, max_steps 10^4), the fraction of undetermined points with
the Hessian balls alone and with the Lyapunov regions of
:mod:`symstab.certify.lyapunov` added, and the time to certify the latter.
"""

from __future__ import annotations

import argparse
import math
import time

import numba
import numpy as np
import sympy as sp

from symstab.certify.minima import certified_regions, lyapunov_regions
from symstab.certify.region import region_arrays
from symstab.dynamics.basins import basin_map
from symstab.loss import Loss


def baseline(
    loss: Loss,
    eta: float,
    pts: np.ndarray,
    centers: np.ndarray,
    radii: np.ndarray,
    max_steps: int,
    bound: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The kernel's stopping rule as a plain NumPy loop over the still-active points."""
    x, y = loss.params
    value = sp.lambdify((x, y), loss.expr, "numpy")
    grad = sp.lambdify((x, y), [sp.diff(loss.expr, v) for v in (x, y)], "numpy")
    npts = pts.shape[0]
    labels = np.zeros(npts, np.int8)
    stable = np.ones(npts, bool)
    steps = np.zeros(npts, np.int32)
    idx = np.arange(npts)
    px, py = pts[:, 0].copy(), pts[:, 1].copy()
    fprev = np.full(npts, np.inf)
    r2 = radii**2
    with np.errstate(all="ignore"):
        for k in range(max_steps + 1):
            if idx.size == 0:
                break
            f = value(px, py)
            stable[idx] &= f < fprev
            fprev = f
            lab = np.zeros(idx.size, np.int8)
            for r in range(centers.shape[0] - 1, -1, -1):
                inside = (px - centers[r, 0]) ** 2 + (py - centers[r, 1]) ** 2 <= r2[r]
                lab[inside] = r + 1
            done = lab != 0
            if k == max_steps:
                done[:] = True
            labels[idx[done]] = lab[done]
            steps[idx[done]] = k
            keep = ~done
            idx, px, py, fprev = idx[keep], px[keep], py[keep], fprev[keep]
            gx, gy = grad(px, py)
            px, py = px - eta * gx, py - eta * gy
            div = ~(px * px + py * py <= bound * bound)
            labels[idx[div]] = -1
            steps[idx[div]] = k + 1
            keep = ~div
            idx, px, py, fprev = idx[keep], px[keep], py[keep], fprev[keep]
    return labels, stable, steps


def dense_baseline_rate(
    loss: Loss, eta: float, pts: np.ndarray, centers: np.ndarray, radii: np.ndarray,
    bound: float, repeat: int,
) -> float:  # fmt: skip
    """Point-iterations/s of the baseline's step (value, region test, step, bound test)
    on all points at once: its best case, without the overhead of shrinking arrays."""
    x, y = loss.params
    value = sp.lambdify((x, y), loss.expr, "numpy")
    grad = sp.lambdify((x, y), [sp.diff(loss.expr, v) for v in (x, y)], "numpy")
    r2 = radii**2
    steps = 20
    times = []
    for _ in range(repeat):
        px, py = pts[:, 0].copy(), pts[:, 1].copy()
        fprev = np.full(px.size, np.inf)
        ok = np.ones(px.size, bool)
        t0 = time.perf_counter()
        with np.errstate(all="ignore"):
            for _ in range(steps):
                f = value(px, py)
                ok &= f < fprev
                fprev = f
                lab = np.zeros(px.size, np.int8)
                for r in range(centers.shape[0] - 1, -1, -1):
                    inside = (px - centers[r, 0]) ** 2 + (py - centers[r, 1]) ** 2 <= r2[r]
                    lab[inside] = r + 1
                gx, gy = grad(px, py)
                px, py = px - eta * gx, py - eta * gy
                _ = ~(px * px + py * py <= bound * bound)
        times.append(time.perf_counter() - t0)
    return steps * pts.shape[0] / min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat")
    parser.add_argument("--side", type=int, default=1000, help="grid side (default 1000)")
    parser.add_argument("--no-near", action="store_true", help="skip the near-eta* part")
    parser.add_argument("--no-manifold", action="store_true", help="skip the xy part")
    parser.add_argument("--chain3", action="store_true",
                        help="also chain3 on a 60^3 grid at eta = 0.4 (about 2 minutes)")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    side, base_side = args.side, 200
    eta_exact = sp.Rational(1, 2)
    eta = float(eta_exact)
    max_steps, bound = 10_000, 1e8
    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(threads)
    loss = Loss.from_catalog("f4")
    print(f"numba {numba.__version__}, numpy {np.__version__}, {threads} threads")

    t0 = time.perf_counter()
    regions = certified_regions(loss, eta_exact)
    centers, radii = region_arrays(regions)
    t_cert = time.perf_counter() - t0
    print(
        f"certified regions of f4 at eta = 1/2: {len(regions)} in {t_cert:.2f} s; radii "
        f"{', '.join(f'{r:.4g}' for r in radii)}"
    )

    square = ((-3.0, 3.0, side), (-3.0, 3.0, side))
    t0 = time.perf_counter()
    basin_map(loss, eta_exact, ((-3.0, 3.0, 8), (-3.0, 3.0, 8)), regions=regions)
    t_compile = time.perf_counter() - t0
    print(f"basin kernel compile (first call, 8x8 grid):      {t_compile:8.2f} s")

    def timed(nthreads: int) -> tuple[object, float]:
        numba.set_num_threads(nthreads)
        best, best_wall = None, math.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            bmap = basin_map(
                loss, eta_exact, square, regions=regions, max_steps=max_steps,
                divergence_bound=bound,
            )  # fmt: skip
            wall = time.perf_counter() - t0
            best = bmap if best is None or bmap.seconds < best.seconds else best
            best_wall = min(best_wall, wall)
        return best, best_wall

    one, one_wall = timed(1)
    best, best_wall = timed(threads)
    work = best.point_iterations
    ours_rate = work / best.seconds
    print(
        f"basin_map f4 {side}x{side} on [-3,3]^2, eta=0.5, {threads} threads: kernel "
        f"{best.seconds:.3f} s, whole call {best_wall:.3f} s, {ours_rate:.3e} point-it/s "
        f"({work} point-iterations, {work / best.size:.1f} per point)"
    )
    print(
        f"  same on 1 thread: kernel {one.seconds:.3f} s, whole call {one_wall:.3f} s, "
        f"{one.point_iterations / one.seconds:.3e} point-it/s"
    )

    sub = basin_map(
        loss,
        eta_exact,
        ((-3.0, 3.0, base_side), (-3.0, 3.0, base_side)),
        regions=regions,
        max_steps=max_steps,
        divergence_bound=bound,
    )
    t_base = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        b_labels, b_stable, b_steps = baseline(
            loss, eta, sub.points, centers, radii, max_steps, bound
        )
        t_base.append(time.perf_counter() - t0)
    base_work = int(b_steps.sum(dtype=np.int64))
    base_rate = base_work / min(t_base)
    print(
        f"baseline numpy+lambdify loop, {base_side}x{base_side} grid:     {min(t_base):8.3f} s  "
        f"{base_rate:10.3e} point-it/s  ({base_work} point-iterations)"
    )
    dense = dense_baseline_rate(loss, eta, sub.points, centers, radii, bound, repeat)
    print(
        f"  (info) the same loop without compaction (all {base_side}x{base_side} points "
        f"active, 20 steps): {dense:.3e} point-it/s -> ratio {ours_rate / dense:.1f}x "
        f"({threads} threads), {one.point_iterations / one.seconds / dense:.1f}x (1 thread)"
    )
    print(
        f"ratio (point-it/s, ours / baseline):             {ours_rate / base_rate:8.1f}x  "
        f"(target >= 10x)"
    )
    scaled = best.size * (base_work / sub.size) / base_rate
    print(
        f"baseline scaled to the {side}x{side} grid:           {scaled:8.3f} s  "
        f"(wall-time ratio {scaled / best.seconds:.1f}x)"
    )
    agree = np.mean((b_labels == sub.labels.ravel()) & (b_stable == sub.stable.ravel()))
    print(
        f"labels+stable agree with baseline on {base_side}x{base_side}: {agree:.5f}; "
        f"steps agree: {np.mean(b_steps == sub.steps.ravel()):.5f}"
    )
    fr = ", ".join(f"{k}: {v:.4f}" for k, v in sorted(best.fractions().items()))
    print(
        f"fractions {{{fr}}}; stable fraction {best.stable_fraction():.4f}; "
        f"wall time target < 10 s: {'met' if best.seconds < 10 else 'MISSED'}"
    )
    if not args.no_near:
        near_eta_star(loss)
    if args.chain3:
        chain3()
    if not args.no_manifold:
        manifold(side)


def near_eta_star(loss: Loss) -> None:
    """Label-0 fractions near eta* with and without the Lyapunov regions."""
    eta = sp.Rational(10, 19) - sp.Rational(1, 10**5)
    grid = ((-2.0, 2.0, 200), (-2.0, 2.0, 200))
    balls = certified_regions(loss, eta)
    t0 = time.perf_counter()
    big = lyapunov_regions(loss, eta, balls)
    t_cert = time.perf_counter() - t0
    old = basin_map(loss, eta, grid, regions=balls, max_steps=10_000, lyapunov=False)
    new = basin_map(loss, eta, grid, regions=balls + big, max_steps=10_000, lyapunov=False)
    print(
        f"near eta* (eta = 10/19 - 1e-5, [-2,2]^2 200x200, 10^4 steps): Hessian radius "
        f"{float(balls[0].radius):.3g} -> Lyapunov radius {float(big[0].radius):.3g} "
        f"(certified in {t_cert:.2f} s for {len(big)} minima); undetermined "
        f"{old.fractions().get(0, 0.0):.4f} -> {new.fractions().get(0, 0.0):.4f}; kernel "
        f"{old.seconds:.3f} s -> {new.seconds:.3f} s; stability open {new.open_fraction():.4f}"
    )


def manifold(side: int) -> None:
    """xy = ½(1 − xy)² at eta = 0.4: a manifold of minima, stopped by certified PL tubes."""
    loss = Loss.from_catalog("xy")
    eta = sp.Rational(2, 5)
    grid = ((-2.0, 2.0, side), (-2.0, 2.0, side))
    t0 = time.perf_counter()
    pieces = certified_regions(loss, eta, window=((-2, 2), (-2, 2)))
    t_cert = time.perf_counter() - t0
    basin_map(loss, eta, ((-2.0, 2.0, 8), (-2.0, 2.0, 8)), regions=pieces)  # compile
    t0 = time.perf_counter()
    bmap = basin_map(loss, eta, grid, regions=pieces, max_steps=10_000)
    wall = time.perf_counter() - t0
    print(
        f"manifold xy {side}x{side} on [-2,2]^2, eta=0.4: {len(pieces)} pieces certified in "
        f"{t_cert:.2f} s; kernel {bmap.seconds:.3f} s, whole call {wall:.3f} s, "
        f"{bmap.point_iterations / bmap.seconds:.3e} point-it/s; decided by a certificate "
        f"{bmap.certified_fraction():.4f}, numerically {bmap.numerical_fraction():.4f}, "
        f"undetermined {bmap.fractions().get(0, 0.0):.4f}"
    )


def chain3(side: int = 60) -> None:
    """chain3 = ½(1 − abc)² at eta = 0.4 on [-2, 2]^3: refined PL tubes in 3-D."""
    loss = Loss.from_catalog("chain3")
    eta = sp.Rational(2, 5)
    t0 = time.perf_counter()
    pieces = certified_regions(loss, eta, window=((-2, 2),) * 3)
    t_cert = time.perf_counter() - t0
    bmap = basin_map(loss, eta, ((-2.0, 2.0, side),) * 3, regions=pieces, max_steps=10_000)
    converged = bmap.certified_fraction() + bmap.numerical_fraction()
    print(
        f"manifold chain3 {side}^3 on [-2,2]^3, eta=0.4: {len(pieces)} pieces certified in "
        f"{t_cert:.1f} s; kernel {bmap.seconds:.2f} s; certified {bmap.certified_fraction():.4f},"
        f" numerical {bmap.numerical_fraction():.4f} (certified share "
        f"{bmap.certified_fraction() / converged:.4f}), undetermined "
        f"{bmap.fractions().get(0, 0.0):.4f}"
    )


if __name__ == "__main__":
    main()
