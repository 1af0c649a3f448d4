"""Multiscale losses (Kong & Tao), the Gibbs comparison and the modified equation's
errors, against hand derivations and second methods."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import stats

from proofs_check import kongtao
from proofs_check.core import Budget
from symstab.dynamics.gibbs import (
    GibbsLaw,
    dkw_radius,
    fit_temperature,
    kong_tao_temperature,
    ks_distance,
)
from symstab.dynamics.modified import modified_flow_errors
from symstab.loss import Loss

R = sp.Rational
EPS = 1 / 1000


def test_catalog_entries_and_split() -> None:
    x, y = sp.symbols("x y", real=True)
    one = kongtao.multiscale("multiscale-1d")
    assert sp.simplify(one.f0 - x**2 / 2) == 0
    assert sp.simplify(one.f1 - sp.sin(1000 * x) / 1000) == 0
    two = kongtao.multiscale("multiscale-2d")
    assert sp.simplify(two.f0 - (x**2 + x * y + y**2) / 2) == 0
    # the text form round-trips through the whitelist parser
    assert sp.simplify(Loss.from_text(two.loss.to_text(), "x, y").expr - two.loss.expr) == 0


def test_small_scale_variance_by_hand() -> None:
    # 1-D: ∂f1 = cos(x/ε), mean of cos² over a period = 1/2.
    # 2-D: ∂x f1 = cos(x/ε) sin(y/ε): mean of cos²·sin² = 1/4; the cross term
    # cos·sin·sin·cos averages to 0, so the covariance is I/4.
    assert kongtao.multiscale("multiscale-1d").sigma2 == R(1, 2)
    two = kongtao.multiscale("multiscale-2d")
    assert two.sigma2 == R(1, 4) and two.isotropic
    assert kong_tao_temperature(0.05, 0.5) == pytest.approx(0.0125)


def test_smoothness_bound_by_hand() -> None:
    # f'' = 1 − (1/ε) sin(x/ε) <= 1 + 1/ε = 1001.
    assert kongtao.smoothness_bound(kongtao.multiscale("multiscale-1d")) == 1001


def test_local_minima_against_findroot() -> None:
    loss = kongtao.multiscale("multiscale-1d").loss
    minima, maxima = kongtao.critical_points_1d(loss, -0.1, 0.1, EPS * 2 * math.pi / 16, 30)
    with mpmath.workdps(30):
        eps = mpmath.mpf(1) / 1000
        # f' = x + cos(x/ε); on x/ε ∈ [2πj − π, 2πj] f'' = 1 − sin(x/ε)/ε >= 1, and
        # f' = x − 1 < 0, x + 1 > 0 at the ends: exactly one root there, a minimum.
        fp = lambda t: t + mpmath.cos(t / eps)  # noqa: E731
        found = []
        for j in range(-20, 21):
            lo, hi = eps * (2 * mpmath.pi * j - mpmath.pi), eps * 2 * mpmath.pi * j
            root = mpmath.findroot(fp, (lo, hi), solver="illinois")
            if -0.1 < root < 0.1:
                found.append(root)
    assert len(found) == len(minima)
    for a, b in zip(sorted(found), minima, strict=True):
        assert abs(a - b) < mpmath.mpf(10) ** -25
    # minima and maxima alternate
    assert all(m < M for m, M in zip(minima, maxima[1:], strict=False))


def test_gibbs_normaliser_by_quadrature() -> None:
    T = 0.1
    law = GibbsLaw(lambda p: p[..., 0] ** 2 / 2 + p[..., 0] ** 4, T, ((-1.0, 1.0),))
    mpmath.mp.dps = 20
    z = mpmath.quad(lambda t: mpmath.exp(-(t**2 / 2 + t**4) / T), [-1, 0, 1])
    assert law.normaliser == pytest.approx(float(z), rel=1e-9)
    assert law.density(np.array([[0.3]]))[0] == pytest.approx(
        math.exp(-(0.045 + 0.0081) / T) / float(z), rel=1e-9)


def test_gibbs_2d_laws_of_a_quadratic() -> None:
    # f0 = θᵀAθ/2 with A = [[1, 1/2], [1/2, 1]]: the Gibbs law is N(0, T A⁻¹), so
    # var x = 4T/3, and f0(θ) ~ Exp(mean T) (a χ²₂/2 scaled by T).
    T = 0.00625
    law = GibbsLaw(lambda p: (p[..., 0] ** 2 + p[..., 0] * p[..., 1] + p[..., 1] ** 2) / 2,
                   T, ((-1.0, 1.0), (-1.0, 1.0)), points=801)
    u = np.linspace(0, 6 * T, 50)
    assert np.max(np.abs(law.value_cdf()(u) - (1 - np.exp(-u / T)))) < 3e-3
    xs = np.linspace(-0.3, 0.3, 50)
    normal = stats.norm.cdf(xs, scale=math.sqrt(4 * T / 3))
    assert np.max(np.abs(law.marginal_cdf(0)(xs) - normal)) < 2e-3
    assert law.mean_f0() == pytest.approx(T, rel=1e-3)


def test_fit_temperature_quadratic_closed_form() -> None:
    # For f0 = x²/2 the likelihood equation E_T[f0] = mean reads T/2 = mean(x²/2).
    x = np.random.default_rng(3).normal(scale=0.1, size=5000)
    mean_f0 = float(np.mean(x**2 / 2))
    t_hat = fit_temperature(lambda p: p[..., 0] ** 2 / 2, mean_f0, ((-1.0, 1.0),), points=4001)
    assert t_hat == pytest.approx(2 * mean_f0, rel=1e-6)


def test_ks_distance_and_dkw() -> None:
    x = np.random.default_rng(5).normal(size=500)
    assert ks_distance(x, stats.norm.cdf) == pytest.approx(stats.kstest(x, "norm").statistic,
                                                           abs=1e-12)
    assert dkw_radius(1000, 0.95) == pytest.approx(math.sqrt(math.log(40) / 2000))


def test_modified_errors_on_quadratic_closed_form() -> None:
    # f = x²/2 from 1: GD gives (1 − h)^(1/h) at T = 1; the flow of f gives e^(−1); f̃ =
    # (1 + h/2) x²/2 gives e^(−(1 + h/2)).
    x = sp.Symbol("x", real=True)
    res = modified_flow_errors(Loss.from_expr(x**2 / 2, [x]), (1,), [R(1, 4), R(1, 8)], dps=30)
    for h, em, ep in zip((0.25, 0.125), res.error_modified, res.error_plain, strict=True):
        gd = (1 - h) ** (1 / h)
        assert em == pytest.approx(abs(gd - math.exp(-(1 + h / 2))), rel=1e-8)
        assert ep == pytest.approx(abs(gd - math.exp(-1)), rel=1e-8)


def test_gd_escapes_at_large_step_numpy_loop() -> None:
    # A plain loop, no symstab: at h = 1/20 the iterates from 0.3 leave their well (width
    # 2πε ≈ 0.0063) within a few steps; at h = 1/2000 they stay within it.
    for h, moves in ((1 / 20, True), (1 / 2000, False)):
        x, xs = 0.3, []
        for _ in range(100):
            x = x - h * (x + math.cos(x / EPS))
            xs.append(x)
        assert (max(xs) - min(xs) > 10 * 2 * math.pi * EPS) is moves


@pytest.mark.parametrize("claim", kongtao.seed_claims(), ids=lambda c: c.id)
def test_claims_reduced_budget(claim) -> None:  # type: ignore[no-untyped-def]
    result = claim.check(Budget.reduced())
    assert result.verdict == claim.expected, result.explain()


def test_figures_draw_what_they_are_given(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from symstab.dynamics.modified import ModifiedFlowErrors
    from symstab.plot.kongtao import gibbs_histogram_figure
    from symstab.plot.modified import modified_order_figure

    grid = np.linspace(-1, 1, 11)
    dens = np.exp(-grid**2)
    fig = gibbs_histogram_figure([("a", np.zeros(5)), ("b", np.ones(5))], grid,
                                 [{"g": dens}, {"g": dens}], path=tmp_path / "h.png")
    assert len(fig.axes) == 2 and (tmp_path / "h.png").stat().st_size > 0
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), dens)
    # errors 4e-2, 1e-2, 2.5e-3 at h = 1/2, 1/4, 1/8: observed order exactly 2
    res = ModifiedFlowErrors((R(1, 2), R(1, 4), R(1, 8)), sp.Integer(1),
                             (4e-2, 1e-2, 2.5e-3), (0.2, 0.1, 0.05), 20)
    assert res.orders() == [(0.5, 2.0), (0.25, 2.0)]
    assert res.orders("plain") == [(0.5, 1.0), (0.25, 1.0)]
    fig = modified_order_figure({"q": res}, L={"q": 1.0})
    assert len(fig.axes) == 2
