"""Tests of the η-sweep layer (:mod:`symstab.dynamics.sweep`)."""

from __future__ import annotations

import json
import math
import time
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from symstab.dynamics.sweep import Sweep, sweep, uniform_box_sampler
from symstab.errors import InputError
from symstab.evidence import Strength, wilson_interval
from symstab.loss import Loss

BOX = [(-3.0, 3.0), (-3.0, 3.0)]


# --------------------------------------------------------------------------------------
# Wilson interval
# --------------------------------------------------------------------------------------


def test_wilson_hand_computed() -> None:
    # k = 0: upper = z²/(n + z²) = 3.8415 / 103.8415
    low, high = wilson_interval(0, 100)
    assert low == 0.0
    assert high == pytest.approx(0.036994, abs=1e-5)
    low, high = wilson_interval(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-4)
    assert high == pytest.approx(0.5962, abs=1e-4)
    low, high = wilson_interval(100, 100)
    assert high == 1.0
    assert low == pytest.approx(1 - 0.036994, abs=1e-5)
    # 99% (z = 2.5758293035489): (1/2 + z²/200 ± z√(1/400 + z²/40000))/(1 + z²/100),
    # wider than 95%
    l99, h99 = wilson_interval(50, 100, 0.99)
    assert (l99, h99) == pytest.approx(
        _wilson_by_hand(50, 100, 2.5758293035489004), abs=1e-12)
    assert l99 < 0.4038 and h99 > 0.5962
    for k, n in ((0, 100), (1, 7), (473, 500), (1999, 2000)):
        assert wilson_interval(k, n) == pytest.approx(_wilson_by_hand(k, n), abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 7, 100, 2000])
@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.999])
def test_wilson_properties(n: int, confidence: float) -> None:
    for k in sorted({0, 1, n // 3, n // 2, n - 1, n} & set(range(n + 1))):
        low, high = wilson_interval(k, n, confidence)
        assert 0.0 <= low <= k / n <= high <= 1.0
        assert (low == 0.0) == (k == 0)
        assert (high == 1.0) == (k == n)
        # symmetric under k -> n - k
        l2, h2 = wilson_interval(n - k, n, confidence)
        assert l2 == pytest.approx(1 - high, abs=1e-12)
        assert h2 == pytest.approx(1 - low, abs=1e-12)


def test_wilson_rejects_bad_input() -> None:
    with pytest.raises(InputError):
        wilson_interval(5, 3)
    with pytest.raises(InputError):
        wilson_interval(0, 0)
    with pytest.raises(InputError):
        wilson_interval(1, 10, 1.0)


# --------------------------------------------------------------------------------------
# Sampler
# --------------------------------------------------------------------------------------


def test_box_sampler_reproducible() -> None:
    s = uniform_box_sampler(BOX, 3)
    a, b = s(50), s(50)
    assert a.shape == (50, 2)
    assert np.array_equal(a, b)
    assert np.all((a >= -3) & (a <= 3))
    assert not np.array_equal(a, uniform_box_sampler(BOX, 4)(50))
    assert "seed 3" in s.description
    with pytest.raises(InputError):
        uniform_box_sampler([(1.0, 0.0)], 0)


# --------------------------------------------------------------------------------------
# Quadratic: isolated minimum, certified regions
# --------------------------------------------------------------------------------------


def test_quadratic_threshold_two_thirds() -> None:
    loss = Loss.from_text("(x^2 + 3*y^2)/2")
    etas = [sp.Rational(1, 10), sp.Rational(1, 2), sp.Rational(13, 20),
            sp.Rational(7, 10), sp.Integer(1)]
    result = sweep(loss, etas, uniform_box_sampler(BOX, 0), 400)
    assert result.criterion == "certified region"
    assert result.strength is Strength.STATISTICAL
    fractions = [p.fraction for p in result.points]
    assert fractions == [1.0, 1.0, 1.0, 0.0, 0.0]
    for p in result.points[:3]:
        assert p.n_regions == 1 and p.ci_high == 1.0 and p.ci_low > 0.99
    for p in result.points[3:]:
        assert p.n_regions == 0 and p.ci_low == 0.0
        assert p.ci_high == pytest.approx(wilson_interval(0, 400)[1])
        assert p.counts == {-1: 400}  # |1 - 3η| > 1: every y0 != 0 diverges
    assert result.eta_critical is not None
    assert result.eta_critical.expr == sp.Rational(2, 3)
    assert result.mws_length is None  # an isolated minimum has no M_WS curve


# --------------------------------------------------------------------------------------
# xy: a curve of minima, certified tubes and the numerical criterion
# --------------------------------------------------------------------------------------


def _xy_reference_counts(eta: float, n: int = 500, steps: int = 3000) -> tuple[int, int, int]:
    """GD on ½(1 − xy)² from the seed-0 uniform starts in [−3, 3]², in plain NumPy.

    grad = (xy − 1)(y, x); a start counts when the iterate lies on xy = 1 (to 1e-8) with
    sharpness x² + y² < 2/η (the Hessian at a minimum has eigenvalues 0 and x² + y²).
    Returns (stable, ending with x > 0, ending with x < 0).
    """
    rng = np.random.default_rng(0)
    start = rng.uniform([-3.0, -3.0], [3.0, 3.0], size=(n, 2))
    x, y = start[:, 0].copy(), start[:, 1].copy()
    with np.errstate(all="ignore"):
        for _ in range(steps):
            r = x * y - 1
            x, y = x - eta * r * y, y - eta * r * x
        ok = np.isfinite(x) & np.isfinite(y) & (np.abs(x * y - 1) < 1e-8)
        ok &= x * x + y * y < 2 / eta
    return int(ok.sum()), int((ok & (x > 0)).sum()), int((ok & (x < 0)).sum())


def _wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval (k/n + z²/2n ± z√(k(n − k)/n³ + z²/4n²)) / (1 + z²/n)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _mws_length_by_quadrature(eta: Fraction) -> mpmath.mpf:
    """Arc length of {xy = 1, x² + y² <= 2/η} (both branches) by mpmath.quad.

    On x = t, y = 1/t: t² + 1/t² <= c = 2/η ⇔ t² ∈ [(c − √(c² − 4))/2, (c + √(c² − 4))/2],
    ds = √(1 + t⁻⁴) dt, and the branch t < 0 is its mirror image.
    """
    c = 2 / mpmath.mpf(eta.numerator) * eta.denominator
    lo = mpmath.sqrt((c - mpmath.sqrt(c * c - 4)) / 2)
    hi = mpmath.sqrt((c + mpmath.sqrt(c * c - 4)) / 2)
    return 2 * mpmath.quad(lambda t: mpmath.sqrt(1 + t**-4), [lo, 1, hi])


@pytest.fixture(scope="module")
def xy_sweep() -> Sweep:
    loss = Loss.from_catalog("xy")
    etas = [0.3, 0.6, 1.1, 1.2]  # floats are taken as their shortest decimals
    return sweep(loss, etas, uniform_box_sampler(BOX, 0), 500, max_steps=3000)


def test_xy_sweep(xy_sweep: Sweep) -> None:
    s = xy_sweep
    assert s.etas == (sp.Rational(3, 10), sp.Rational(3, 5), sp.Rational(11, 10),
                      sp.Rational(6, 5))
    assert s.criterion.startswith("certified region, or numerical at a piece of minima")
    assert s.strength is Strength.STATISTICAL
    # below the critical η the tubes around the hyperbola decide almost every label
    p03 = s.points[0]
    assert p03.n_regions == 2 and p03.n_certified >= 0.99 * p03.n_converged
    assert s.eta_critical is not None and s.eta_critical.expr == 1
    # the same seed-0 starts run through a separate NumPy GD loop (_xy_reference_counts)
    for p, eta in zip(s.points[:2], (0.3, 0.6), strict=True):
        n_stable, n_pos, n_neg = _xy_reference_counts(eta)
        assert p.n_converged == n_stable
        assert p.fraction == n_stable / 500  # the correctly rounded k/n
        assert sorted((p.counts.get(1, 0), p.counts.get(2, 0))) == sorted((n_pos, n_neg))
        assert p.counts[-1] == 500 - n_stable
        assert (p.ci_low, p.ci_high) == pytest.approx(_wilson_by_hand(n_stable, 500), abs=1e-12)
    # past the critical η = 1 no minimum is even weakly stable
    for p in s.points[2:]:
        assert p.n_converged == 0 and p.fraction == 0.0
        assert p.ci_low == 0.0
        assert p.ci_high == pytest.approx(wilson_interval(0, 500)[1])
        assert 0 < p.ci_high < 0.01
    for p in s.points:
        assert sum(p.counts.values()) == p.n == 500
        assert p.ci_low <= p.fraction <= p.ci_high


def test_xy_sweep_agrees_with_the_numerical_criterion(xy_sweep: Sweep) -> None:
    # a second, independent rule (|grad f| and f - f* small at some iterate, its own
    # kernel) on the same points
    loss = Loss.from_catalog("xy")
    other = sweep(loss, [0.3, 0.6, 1.1, 1.2], uniform_box_sampler(BOX, 0), 500,
                  max_steps=3000, criterion="numerical")
    assert other.criterion.startswith("numerical")
    for p, q in zip(xy_sweep.points, other.points, strict=True):
        assert q.n_certified is None
        assert abs(p.fraction - q.fraction) <= 0.01
    # both agree with the NumPy loop exactly (past η = 1 nothing converges)
    for q, eta in zip(other.points[:2], (0.3, 0.6), strict=True):
        assert q.n_converged == _xy_reference_counts(eta)[0]
    assert [q.n_converged for q in other.points[2:]] == [0, 0]


def test_xy_mws_length(xy_sweep: Sweep) -> None:
    s = xy_sweep
    assert s.mws_length is not None and s.mws_length_normalised is not None
    norm = [v for _, v in s.mws_length_normalised]
    assert norm[0] == 1.0
    with mpmath.workdps(30):
        want = [_mws_length_by_quadrature(Fraction(3, 10)),
                _mws_length_by_quadrature(Fraction(3, 5))]
        for (_, value), w in zip(s.mws_length[:2], want, strict=True):
            assert value is not None
            assert abs(mpmath.mpf(value.decimal) - w) < mpmath.mpf(10) ** -(value.digits - 2)
        assert norm[1] == pytest.approx(float(want[1] / want[0]), rel=1e-14)
    assert norm[2] == 0.0 and norm[3] == 0.0  # M_WS(η) is empty past η = 1
    assert s.mws_length[0][1] is not None
    assert s.mws_length[0][1].strength is Strength.NUMERICAL
    assert s.mws_length[2][1] is None
    d = s.to_dict()
    json.dumps(d)
    assert d["strength"] == "statistical" and d["n"] == 500 and d["confidence"] == 0.95
    assert d["points"][2]["fraction"] == 0.0


def test_common_random_numbers_and_chunking() -> None:
    loss = Loss.from_catalog("xy")
    smp = uniform_box_sampler(BOX, 7)
    a = sweep(loss, ["1/2"], smp, 300, max_steps=2000, chunk=64)
    b = sweep(loss, [sp.Rational(1, 2)], BOX, 300, max_steps=2000, seed=7)
    assert a.points == b.points


def test_sweep_rejects_bad_input() -> None:
    loss = Loss.from_catalog("xy")
    with pytest.raises(InputError):
        sweep(loss, [], BOX, 10)
    with pytest.raises(InputError):
        sweep(loss, [-1], BOX, 10)
    with pytest.raises(InputError):
        sweep(loss, [0.5], BOX, 0)
    with pytest.raises(InputError):
        sweep(loss, [0.5], [(-1.0, 1.0)], 10)  # a 1-D box for a 2-parameter loss


# --------------------------------------------------------------------------------------
# Dask: identical results on a cluster
# --------------------------------------------------------------------------------------


def test_dask_identical_to_local() -> None:
    import dask.distributed as distributed
    loss = Loss.from_catalog("xy")
    etas = [sp.Rational(3, 10), sp.Rational(9, 10), sp.Rational(11, 10)]
    smp = uniform_box_sampler(BOX, 11)
    local = sweep(loss, etas, smp, 600, max_steps=2000, chunk=200)
    t0 = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = sweep(loss, etas, smp, 600, max_steps=2000, chunk=200, client=client)
    assert time.perf_counter() - t0 < 60
    assert remote.points == local.points
    assert remote.criterion == local.criterion
    assert remote.mws_length_normalised == local.mws_length_normalised
