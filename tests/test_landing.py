"""Where GD lands: limits, λmax there, balance, the histogram (values derived by hand)."""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest

from symstab.dynamics.basins import basin_map
from symstab.dynamics.landing import Landing, landing
from symstab.dynamics.sweep import sweep
from symstab.errors import InputError
from symstab.loss import Loss


def test_quadratic_lands_at_the_minimum_with_its_curvature() -> None:
    # f = (x² + 3y²)/2: the only minimum is 0 with λmax = 3; at η = 1/2 the ratio is 3/4
    loss = Loss.from_text("(x^2 + 3*y^2)/2")
    starts = np.array([[1.0, 1.0], [-2.0, 0.5], [0.0, 0.0]])
    out = landing(loss, "1/2", starts)
    assert out.landed.all()
    np.testing.assert_allclose(out.limits, 0.0, atol=1e-12)
    np.testing.assert_allclose(out.lambda_max, 3.0, rtol=1e-12)
    np.testing.assert_allclose(out.sharpness_ratio, 0.75, rtol=1e-12)


def test_xy_on_the_diagonal_lands_balanced() -> None:
    # on x = y GD is u <- u + η(1 - u²)u; at η = 2/5 the fixed point u = 1 has multiplier
    # 1 - 2η = 1/5, so (1/2, 1/2) lands at (1, 1) where λmax = x² + y² = 2: ratio = η
    loss = Loss.from_catalog("xy")
    out = landing(loss, "2/5", [[0.5, 0.5], [-0.5, -0.5]])
    assert out.landed.all()
    np.testing.assert_allclose(out.limits, [[1.0, 1.0], [-1.0, -1.0]], atol=1e-12)
    np.testing.assert_allclose(out.sharpness_ratio, 0.4, rtol=1e-12)
    np.testing.assert_allclose(out.balance, 0.0, atol=1e-12)


def test_xy_limits_lie_on_the_hyperbola_below_the_edge() -> None:
    # on xy = 1, λmax = x² + y² >= 2xy = 2, so every limit has ratio in [η, 1]
    # (Crăciun & Ghoshdastidar: GD converges only to minima with λmax <= 2/η)
    loss = Loss.from_catalog("xy")
    rng = np.random.default_rng(1)
    starts = rng.uniform(-2, 2, size=(3000, 2))
    for eta in (0.4, 0.9):
        out = landing(loss, eta, starts)
        ratio = out.sharpness_ratio[out.landed]
        assert ratio.size > 1000
        prod = out.limits[out.landed, 0] * out.limits[out.landed, 1]
        np.testing.assert_allclose(prod, 1.0, atol=1e-10)
        assert ratio.min() >= eta - 1e-9 and ratio.max() <= 1.0
        hist = out.histogram(10)
        assert sum(hist["counts"]) + hist["above_one"] == hist["landed"] == ratio.size
        assert hist["above_one"] == 0
        assert hist["landed"] + hist["not_landed"] == 3000


def test_limit_agrees_with_a_high_precision_orbit() -> None:
    # a second method: the same orbit in mpmath at 40 digits, iterated to its limit
    loss = Loss.from_catalog("xy")
    start = (1.5, 0.3)
    out = landing(loss, "2/5", [start])
    with mpmath.workdps(40):
        x, y, eta = mpmath.mpf(start[0]), mpmath.mpf(start[1]), mpmath.mpf(2) / 5
        for _ in range(2000):
            r = 1 - x * y
            x, y = x + eta * r * y, y + eta * r * x
        np.testing.assert_allclose(out.limits[0], [float(x), float(y)], atol=1e-11)
        assert out.lambda_max[0] == pytest.approx(float(x * x + y * y), rel=1e-10)


def test_orbits_that_do_not_settle_are_not_landed() -> None:
    # past the critical η = 1 no minimum of xy is stable; a start off the minima diverges
    # or cycles, and a diverging one never gets a limit
    loss = Loss.from_catalog("xy")
    out = landing(loss, "3/2", [[1.5, 0.3], [50.0, 50.0]], max_steps=5000)
    assert not out.landed.any()
    assert np.isnan(out.limits).all() and np.isnan(out.lambda_max).all()
    assert out.to_dict()["ratio_quantiles"] is None


def test_basin_map_and_sweep_report_the_landing() -> None:
    loss = Loss.from_catalog("xy")
    bm = basin_map(loss, "2/5", ((-2, 2, 40), (-2, 2, 40)), landing=True)
    assert isinstance(bm.landing, Landing)
    assert bm.landing.starts.shape[0] == int((bm.labels >= 1).sum())
    data = json.loads(json.dumps(bm.to_dict()))
    assert data["landing"]["quantity"] == "eta * lambda_max(theta_inf) / 2"
    assert data["landing"]["histogram"]["landed"] == int(bm.landing.landed.sum())
    assert data["landing"]["ratio_quantiles"]["min"] >= 0.4 - 1e-9
    assert data["landing"]["balance"]["quantity"] == "|x_inf - y_inf|"
    s = sweep(loss, ["2/5"], [(-2, 2), (-2, 2)], 300, landing=True)
    p = s.points[0]
    assert p.landing is not None and p.landing["histogram"]["landed"] <= p.n_converged
    assert json.loads(json.dumps(s.to_dict()))["points"][0]["landing"]["strength"] == "numerical"


def test_bad_arguments() -> None:
    loss = Loss.from_catalog("xy")
    with pytest.raises(InputError):
        landing(loss, "2/5", [[0.5, 0.5]], max_steps=0)
    with pytest.raises(InputError):
        landing(loss, "2/5", [[0.5, 0.5]], tol=-1.0)
