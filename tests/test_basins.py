"""Tests of the basin-map layer (:mod:`symstab.dynamics.basins`).

Expected values are derived by hand: on a quadratic the GD map is linear, so the step at
which a trajectory enters a ball around 0 has a closed form; on f4 the loss is even,
(x, y) ↦ (−x, −y) maps the dynamics onto itself and swaps the two minima.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from symstab.dynamics.basins import BasinMap, basin_kernel, basin_map, recheck
from symstab.errors import InputError
from symstab.loss import Loss

X, Y = sp.symbols("x y", real=True)
A, B = 1, 3  # f = (a x² + b y²) / 2
QUAD2 = Loss.from_expr((A * X**2 + B * Y**2) / 2, (X, Y), name="quad")
QUAD1 = Loss.from_expr(A * X**2 / 2, (X,), name="quad1")
F4 = Loss.from_catalog("f4")
S4 = math.sqrt(19 / 20)  # f4's minima are ±(√19/(2√5))(1, 1) = ±√0.95 (1, 1)
F4_REGIONS = (np.array([[S4, S4], [-S4, -S4]]), np.array([0.02, 0.02]))
R = 0.1
BALL = (np.zeros((1, 2)), np.array([R]))


def f4_gd_labels(eta: float, xs: np.ndarray, ys: np.ndarray, plus: int, minus: int,
                 steps: int = 2000) -> np.ndarray:
    """Labels of GD on f4 over the grid ``ys × xs`` by a plain NumPy loop.

    grad f4 = (2y(xy − 1) + x/10, 2x(xy − 1) + y/10). An end point within 1e-6 of
    +√0.95 (1, 1) is ``plus``, of −√0.95 (1, 1) is ``minus``; beyond 1e8 (or NaN) is
    −1; anything else (the anti-diagonal x = −y, which is invariant and leads to the
    saddle at 0) is 0.
    """
    x, y = (a.copy() for a in np.meshgrid(xs, ys))
    with np.errstate(all="ignore"):
        for _ in range(steps):
            r = x * y - 1
            x, y = x - eta * (2 * r * y + x / 10), y - eta * (2 * r * x + y / 10)
        bounded = np.isfinite(x) & np.isfinite(y) & (np.hypot(x, y) < 1e8)
        out = np.where(bounded, 0, -1)
        out[bounded & (np.hypot(x - S4, y - S4) < 1e-6)] = plus
        out[bounded & (np.hypot(x + S4, y + S4) < 1e-6)] = minus
    return out


def closed_form_steps(x0: float, y0: float, eta: Fraction, r: float) -> int:
    """First k with |((1 − ηa)^k x0, (1 − ηb)^k y0)| <= r, in exact arithmetic."""
    fx, fy = 1 - eta * A, 1 - eta * B
    x, y, r2 = Fraction(x0), Fraction(y0), Fraction(r) ** 2
    k = 0
    while x * x + y * y > r2:
        x, y, k = fx * x, fy * y, k + 1
    # the float64 kernel compares in floating point: keep away from the boundary
    assert abs(float(x * x + y * y) - r * r) > 1e-12
    return k


def test_quadratic_closed_form_steps() -> None:
    # dyadic grid points: every GD step (a scaling by ±1/2) is exact in float64
    grid = ((-2.0, 2.0, 9), (-2.0, 2.0, 9))
    bmap = basin_map(QUAD2, 0.5, grid, regions=BALL, max_steps=1000)
    assert bmap.labels.shape == (9, 9) and bmap.labels.dtype == np.int8
    assert bmap.steps.dtype == np.int32 and bmap.stable.dtype == np.bool_
    assert np.all(bmap.labels == 1)
    assert np.all(bmap.stable)  # both factors |1 − ηa| = |1 − ηb| = 1/2 < 1
    xs, ys = bmap.xs, bmap.ys
    for iy, ix in [(0, 0), (0, 8), (4, 4), (4, 6), (7, 1), (8, 3), (2, 5)]:
        expected = closed_form_steps(xs[ix], ys[iy], Fraction(1, 2), R)
        assert bmap.steps[iy, ix] == expected, (xs[ix], ys[iy])
    assert bmap.steps[4, 4] == 0  # the origin starts inside the ball
    assert bmap.steps[0, 0] == 5  # |(−2, −2)| 2^−k <= 0.1 first at k = 5 (0.088)


def test_quadratic_one_dimensional() -> None:
    bmap = basin_map(QUAD1, 0.5, ((-2.0, 2.0, 9),), regions=(np.zeros((1, 1)), np.array([R])))
    assert bmap.labels.shape == (9,) and bmap.ys is None
    assert np.all(bmap.labels == 1) and np.all(bmap.stable)
    for i, x0 in enumerate(bmap.xs):
        assert bmap.steps[i] == closed_form_steps(x0, 0.0, Fraction(1, 2), R)


def test_quadratic_beyond_two_over_b_diverges_off_the_axis() -> None:
    # η = 0.7 > 2/b: y ← −1.1 y grows, x ← 0.3 x shrinks; only y = 0 exactly survives
    grid = ((-1.0, 1.0, 5), (-1.0, 1.0, 5))
    bmap = basin_map(QUAD2, 0.7, grid, regions=BALL)
    assert bmap.ys[2] == 0.0
    on_axis = bmap.ys == 0.0
    assert np.all(bmap.labels[on_axis] == 1)
    assert np.all(bmap.stable[on_axis])
    assert np.all(bmap.labels[~on_axis] == -1)
    # |y_k| = 1.1^k |y0| first exceeds 1e8 (x_k is negligible by then)
    for iy in (0, 1, 3, 4):
        y0 = abs(bmap.ys[iy])
        k = math.floor(math.log(1e8 / y0) / math.log(1.1)) + 1
        assert np.all(np.abs(bmap.steps[iy] - k) <= 1)
    assert bmap.fractions() == {-1: 20 / 25, 1: 5 / 25}


def test_f4_symmetry_and_labels() -> None:
    # multiples of 1/4: the grid is exactly symmetric, and GD commutes with negation
    grid = ((-3.0, 3.0, 25), (-3.0, 3.0, 25))
    bmap = basin_map(F4, 0.5, grid, regions=F4_REGIONS)
    assert np.array_equal(bmap.xs, -bmap.xs[::-1])
    assert set(np.unique(bmap.labels)) <= {-1, 0, 1, 2}
    assert {1, 2} <= set(np.unique(bmap.labels))
    flipped = bmap.labels[::-1, ::-1]
    swapped = np.where(flipped == 1, 2, np.where(flipped == 2, 1, flipped))
    assert np.array_equal(bmap.labels, swapped)
    assert np.array_equal(bmap.stable, bmap.stable[::-1, ::-1])
    assert np.array_equal(bmap.steps, bmap.steps[::-1, ::-1])
    assert math.isclose(sum(bmap.fractions().values()), 1.0)


def test_f4_chen_points() -> None:
    # Chen Fig. 3's starting points (1.5, 2) and (0.1, 2.5). At η = 0.5 both diverge
    # (checked in exact rational arithmetic: (1.5, 2) → (−2.575, −1.1) → (−0.4305,
    # 3.67...) → (9.07..., 2.37...) → (−40.3..., −184.5...)); at η = 0.3 both converge,
    # (0.1, 2.5) unstably (the loss rises on the way).
    pts = np.array([[1.5, 2.0], [0.1, 2.5]])
    at_half = basin_map(F4, 0.5, pts, regions=F4_REGIONS)
    assert at_half.labels.tolist() == [-1, -1]
    at_03 = basin_map(F4, 0.3, pts, regions=F4_REGIONS)
    assert np.all(at_03.labels >= 1)
    assert not at_03.stable[1]


def test_kernel_direct_and_stopping_rule() -> None:
    kernel = basin_kernel(F4)
    assert basin_kernel(F4) is kernel  # cached per loss
    centers, radii = F4_REGIONS
    pts = np.array([[S4, S4], [-S4, -S4], [0.3, 0.2], [1e9, 0.0], [np.nan, 0.0]])
    labels = np.zeros(5, np.int8)
    stable = np.zeros(5, np.bool_)
    steps = np.zeros(5, np.int32)
    kernel(pts, 0.5, centers, radii, 0, 1e8, labels, stable, steps)
    # max_steps = 0: only the region test before the first step decides
    assert labels.tolist() == [1, 2, 0, 0, 0]
    assert steps.tolist() == [0, 0, 0, 0, 0]
    kernel(pts, 0.5, centers, radii, 10_000, 1e8, labels, stable, steps)
    assert labels.tolist()[:2] == [1, 2] and labels[3] == -1 and labels[4] == -1
    # (0.3, 0.2) by the NumPy loop: its limit, and the first step within 0.02 of it
    assert labels[2] == f4_gd_labels(0.5, np.array([0.3]), np.array([0.2]), 1, 2)[0, 0]
    x, y, k = 0.3, 0.2, 0
    centre = F4_REGIONS[0][labels[2] - 1]
    while math.hypot(x - centre[0], y - centre[1]) > 0.02:
        r = x * y - 1
        x, y, k = x - 0.5 * (2 * r * y + x / 10), y - 0.5 * (2 * r * x + y / 10), k + 1
    assert steps[2] == k > 0
    assert steps[3] == 1 and steps[4] == 1


def test_undetermined_and_many_rounds() -> None:
    # no region: everything that does not diverge is undetermined after max_steps,
    # which is more than the first rounds' caps (parking and resuming state)
    pts = np.array([[0.5, 0.5], [1.0, 1.2], [5.0, 5.0]])
    none = (np.zeros((0, 2)), np.zeros(0))
    bmap = basin_map(F4, 0.5, pts, regions=none, max_steps=3000)
    assert bmap.labels.tolist() == [0, 0, -1]
    assert bmap.steps.tolist()[:2] == [3000, 3000]
    # resuming across rounds matches one long run: compare with a single point's run
    single = basin_map(F4, 0.5, pts[:1], regions=none, max_steps=3000)
    assert single.stable[0] == bmap.stable[0]


def test_fractions_and_json() -> None:
    bmap = basin_map(F4, 0.5, ((-3.0, 3.0, 41), (-3.0, 3.0, 31)), regions=F4_REGIONS)
    assert bmap.labels.shape == (31, 41)
    fr = bmap.fractions()
    assert math.isclose(sum(fr.values()), 1.0)
    assert sum(bmap.counts().values()) == 41 * 31
    # every label against a plain NumPy GD loop (region 1 is +√0.95 (1, 1))
    want = f4_gd_labels(0.5, np.linspace(-3, 3, 41), np.linspace(-3, 3, 31), 1, 2)
    assert np.array_equal(bmap.labels, want), np.argwhere(bmap.labels != want)
    labels, counts = np.unique(want, return_counts=True)
    assert bmap.counts() == {int(k): int(c) for k, c in zip(labels, counts, strict=True)}
    assert fr == {int(k): int(c) / (41 * 31) for k, c in zip(labels, counts, strict=True)}
    d = json.loads(json.dumps(bmap.to_dict()))
    assert d["grid"]["shape"] == [31, 41] and d["eta"] == "0.5"
    assert math.isclose(sum(d["fractions"].values()), 1.0)


def test_bad_input() -> None:
    with pytest.raises(InputError):
        basin_map(F4, -0.5, ((-1, 1, 3), (-1, 1, 3)), regions=F4_REGIONS)
    with pytest.raises(InputError):
        basin_map(F4, 0.5, ((-1, 1, 0), (-1, 1, 3)), regions=F4_REGIONS)
    with pytest.raises(InputError):
        basin_map(F4, 0.5, np.zeros((4, 3)), regions=F4_REGIONS)
    with pytest.raises(InputError):
        basin_map(F4, 0.5, np.zeros((4, 2)), regions=(np.zeros((2, 2)), np.zeros(1)))


def test_recheck_f4_at_50_digits() -> None:
    bmap = basin_map(F4, sp.Rational(1, 2), ((-3.0, 3.0, 25), (-3.0, 3.0, 25)), regions=F4_REGIONS)
    bad = recheck(bmap, F4, n=10, dps=50, seed=0)
    assert isinstance(bad, list)
    assert bad == [], f"float64 labels contradicted at 50 digits: {bad}"


def test_with_certified_regions() -> None:
    eta = sp.Rational(1, 2)
    bmap = basin_map(F4, eta, ((-3.0, 3.0, 25), (-3.0, 3.0, 25)))
    assert isinstance(bmap, BasinMap)
    assert bmap.regions is not None and len(bmap.regions) == 2
    # which label is which minimum: read off the regions' centres (their sign)
    sign = {r.label: 1 if r.center[0] > 0 else -1 for r in bmap.regions}
    assert sorted(sign.values()) == [-1, 1]
    plus = next(k for k, v in sign.items() if v == 1)
    minus = next(k for k, v in sign.items() if v == -1)
    for r in bmap.regions:
        assert abs(abs(float(r.center[0])) - S4) < 1e-15
    want = f4_gd_labels(0.5, np.linspace(-3, 3, 25), np.linspace(-3, 3, 25), plus, minus)
    assert np.array_equal(bmap.labels, want), np.argwhere(bmap.labels != want)
    # the NumPy loop gives {-1: 446, 1: 86, 2: 86, 0: 7}; the two minima tie by symmetry
    labels, counts = np.unique(want, return_counts=True)
    assert bmap.counts() == {int(k): int(c) for k, c in zip(labels, counts, strict=True)}
    assert bmap.counts()[plus] == bmap.counts()[minus]
    assert recheck(bmap, F4, n=5, dps=50) == []


# --------------------------------------------------------------------------------------
# Dask: one task per tile, identical to the local run
# --------------------------------------------------------------------------------------


def test_dask_tiles_identical_to_local() -> None:
    import dask.distributed as distributed
    eta = sp.Rational(1, 2)
    grid = ((-3.0, 3.0, 60), (-3.0, 3.0, 60))
    local = basin_map(F4, eta, grid, regions=F4_REGIONS)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        with distributed.Client(cluster) as client:
            # tiles of 600 points: 6 tasks of 10 whole rows each
            remote = basin_map(F4, eta, grid, regions=F4_REGIONS, client=client, tile=600)
    finally:
        cluster.close()
    assert remote.labels.shape == local.labels.shape == (60, 60)
    assert remote.labels.dtype == local.labels.dtype
    assert np.array_equal(remote.labels, local.labels)
    assert np.array_equal(remote.stable, local.stable)
    assert np.array_equal(remote.steps, local.steps)
    assert np.array_equal(remote.points, local.points)
    assert {-1, 1, 2} <= set(np.unique(remote.labels))  # a non-trivial map


def test_tile_edges_and_bad_tile() -> None:
    from symstab.dynamics.basins.driver import _tile_edges

    assert _tile_edges(3600, (60, 60), (None, None), 600) == list(range(0, 3601, 600))
    assert _tile_edges(3600, (60, 60), (None, None), 10) == list(range(0, 3601, 60))
    assert _tile_edges(10, (10,), None, 4) == [0, 4, 8, 10]
    with pytest.raises(InputError):
        basin_map(F4, 0.5, np.zeros((4, 2)), regions=F4_REGIONS, client=object(), tile=0)


# --------------------------------------------------------------------------------------
# Non-monotone (Lyapunov) regions: the label is certified, stability decided later
# --------------------------------------------------------------------------------------

CUBIC = Loss.from_expr(X**2 / 2 + X**3 / 3, (X,), name="cubic")
QUARTIC = Loss.from_expr(X**2 / 2 + X**4 / 4, (X,), name="quartic")


def _two_balls(big: float, small: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A non-monotone ball and a monotone (Hessian-like) ball, both centred at 0."""
    return np.zeros((2, 1)), np.array([big, small]), np.array([False, True])


def test_non_monotone_region_loss_rises_is_unstable() -> None:
    # f = x²/2 + x³/3, η = 1.9, x0 = 0.1: x1 = 0.1 − 1.9·0.11 = −0.109 and
    # f(x1) = 0.0055088... > f(x0) = 0.0053333...: the loss rises at the first step
    bmap = basin_map(CUBIC, 1.9, np.array([[0.1]]), regions=_two_balls(0.2, 1e-3))
    assert bmap.labels.tolist() == [1]  # certified on entry (step 0)
    assert bmap.stable.tolist() == [False]  # unstable, proved at step 1
    assert bmap.steps.tolist() == [1]
    assert bmap.stability_open.tolist() == [False]
    assert bmap.region_monotone == (False, True)


def steps_into(x0: float, eta: Fraction, r: float) -> int:
    """First k with |G^k(x0)| <= r for f = x²/2 + x⁴/4, at 60 digits (exact rationals
    would grow threefold per step)."""
    with mpmath.workdps(60):
        e = mpmath.mpf(eta.numerator) / eta.denominator
        x, k, rr = mpmath.mpf(x0), 0, mpmath.mpf(r)
        previous = x
        while abs(x) > rr:
            previous = x
            x = x - e * (x + x**3)
            k += 1
        # the float64 run could only differ if an iterate sat within rounding of r
        assert abs(abs(x) - rr) > 1e-12 and abs(abs(previous) - rr) > 1e-12
    return k


def test_non_monotone_region_stability_open_then_proved() -> None:
    # f = x²/2 + x⁴/4, η = 1.99: |G(x)| < |x| for x² < (2 − η)/η (≈ 0.0709²) and f grows
    # with |x|, so the loss falls at every step: stable, once a monotone ball is reached
    eta = 1.99
    pts = np.array([[0.05], [-0.03], [0.005]])
    balls = _two_balls(0.06, 0.01)
    short = basin_map(QUARTIC, eta, pts, regions=balls, max_steps=3)
    assert short.labels.tolist() == [1, 1, 1]
    assert short.stable.tolist() == [False, False, True]  # open ≠ stable
    assert short.stability_open.tolist() == [True, True, False]
    assert short.steps.tolist() == [3, 3, 0]
    assert short.open_fraction() == 2 / 3
    long = basin_map(QUARTIC, eta, pts, regions=balls, max_steps=100_000)
    assert long.labels.tolist() == [1, 1, 1]
    assert long.stable.tolist() == [True, True, True]
    assert not long.stability_open.any()
    expected = [steps_into(float(p[0]), Fraction(199, 100), 0.01) for p in pts]
    assert long.steps.tolist() == expected
    assert expected[0] > 64  # parked after the first round with its pending label
    assert recheck(long, QUARTIC, n=3, dps=40) == []
    assert recheck(short, QUARTIC, n=3, dps=40) == []


def test_f4_near_eta_star_lyapunov_default() -> None:
    eta = sp.Rational(10, 19) - sp.Rational(1, 10**5)
    grid = ((-2.0, 2.0, 41), (-2.0, 2.0, 41))
    old = basin_map(F4, eta, grid, max_steps=2000, lyapunov=False)
    new = basin_map(F4, eta, grid, max_steps=2000)  # auto: η is within 1% of η*
    assert old.region_monotone == (True, True)
    assert new.region_monotone == (True, True, False, False)
    assert new.region_labels == (1, 2, 1, 2)
    decided = old.labels != 0
    # the enlarged regions only turn undetermined points into certified labels
    assert np.array_equal(new.labels[decided], old.labels[decided])
    assert np.array_equal(new.stable[decided], old.stable[decided])
    assert not np.any(new.stable & new.stability_open)
    assert new.counts().get(0, 0) * 10 < old.counts().get(0, 0)
    assert recheck(new, F4, n=6, dps=30, seed=1) == []
    d = json.loads(json.dumps(new.to_dict()))
    assert [r["monotone"] for r in d["regions"]] == [True, True, False, False]
    assert "stability_open_fraction" in d
