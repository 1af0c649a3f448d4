"""The Chen et al. 2024 claims on the mechanism of unstable convergence, Lemma 1 for all
α, U_η and V_η open, Fig. 2's prose and the axes of f3: verdicts at the reduced budget,
and the numbers they rest on, derived independently (by hand, or by a plain NumPy loop).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from proofs_check.chen_lemma import lemma1_all_alpha
from proofs_check.chen_sample import STABLE, UNSTABLE, classify, components
from proofs_check.core import Budget, Verdict
from proofs_check.seeds import seed_claim
from symstab.certify.loss_steps import certified_loss_steps
from symstab.evidence import Strength
from symstab.loss import Loss

R = sp.Rational

NEW = {
    "chen.mechanism.f4": (Verdict.HOLDS, Strength.CERTIFIED),
    "chen.fig3.labels": (Verdict.HOLDS, Strength.CERTIFIED),
    **{f"chen.mechanism-sampled.{n}": (Verdict.HOLDS, Strength.CERTIFIED)
       for n in ("f1", "f2", "f3", "f4")},
    "chen.lemma1.f2": (Verdict.HOLDS, Strength.CERTIFIED),
    "chen.theorem2.f2": (Verdict.HOLDS, Strength.CERTIFIED),
    **{f"chen.lemma1-all-alpha.{n}": (Verdict.HOLDS, Strength.CERTIFIED)
       for n in ("f1", "f2", "f3", "f4")},
    **{f"chen.theorem3-grid.{n}": (Verdict.HOLDS, Strength.CERTIFIED)
       for n in ("f1", "f2", "f3", "f4")},
    **{f"chen.v-open-grid.{n}": (Verdict.HOLDS, Strength.CERTIFIED)
       for n in ("f1", "f2", "f3", "f4")},
    **{f"chen.fig2-unstable-grows.{n}": (Verdict.HOLDS, Strength.STATISTICAL)
       for n in ("f1", "f3", "f4")},
    "chen.fig2-unstable-grows.f2": (Verdict.FAILS, Strength.STATISTICAL),
    "chen.fig2-components": (Verdict.HOLDS, Strength.NUMERICAL),
    "chen.f3-axes.printed": (Verdict.FAILS, Strength.EXACT),
    "chen.f3-axes.corrected": (Verdict.HOLDS, Strength.EXACT),
    "false.mechanism.f4-contiguous": (Verdict.FAILS, Strength.CERTIFIED),
    "false.lemma1-all-alpha.f4-twice-eta": (Verdict.FAILS, Strength.EXACT),
    "false.open-uniform-radius.f4": (Verdict.FAILS, Strength.CERTIFIED),
    "false.fig2-unstable-shrinks.f4": (Verdict.FAILS, Strength.STATISTICAL),
    "false.fig2-components.f4-connected": (Verdict.FAILS, Strength.NUMERICAL),
    "false.f3-axes.strict-minima": (Verdict.FAILS, Strength.EXACT),
}


@pytest.mark.parametrize("claim_id", list(NEW))
def test_verdict_at_reduced_budget(claim_id):
    claim = seed_claim(claim_id)
    verdict, strength = NEW[claim_id]
    result = claim.check(Budget.reduced())
    assert claim.expected == verdict
    assert result.verdict == verdict, result.explain()
    assert result.evidence.strength == strength, result.explain()
    if verdict == Verdict.FAILS:
        assert result.counterexample is not None


# ---- f4, Fig. 3: a plain float64 GD loop --------------------------------------------------


def _f4(p):
    x, y = p
    return (1 - x * y) ** 2 + (x * x + y * y) / 20


def _grad_f4(p):
    # d/dx (1 - xy)^2 = -2y(1 - xy), d/dx (x^2 + y^2)/20 = x/10
    x, y = p
    return np.array([-2 * y * (1 - x * y) + x / 10, -2 * x * (1 - x * y) + y / 10])


def _rises(start, eta, steps=200):
    # 200 steps: the loss gap is still far above float64 rounding (~1e-10 at the end)
    p = np.array(start, dtype=float)
    out, f = [], _f4(p)
    for k in range(steps):
        p = p - eta * _grad_f4(p)
        new = _f4(p)
        if new > f:
            out.append(k)
        f = new
    return out, p


def test_fig3_rises_by_a_plain_loop_match_the_certified_ones():
    minimum = np.sqrt(95) / 10  # x = y, x^2 = 19/20 (paper: sqrt(19)/(2 sqrt(5)))
    rises, end = _rises((0.1, 2.5), 0.3)
    assert rises == [0, 1, 3, 4]
    assert np.allclose(np.abs(end), minimum, atol=1e-4) and end[0] * end[1] > 0
    assert _rises((1.5, 2.0), 0.3)[0] == []
    f4 = Loss.from_catalog("f4")
    regions = seed_regions(f4, R(3, 10))
    cert = certified_loss_steps(f4, R(3, 10), (Fraction(1, 10), Fraction(5, 2)), regions)
    assert cert.decided and list(cert.rises) == rises and cert.first_stable == 5


def test_contiguous_rises_counterexample_is_the_gap_at_step_2():
    result = seed_claim("false.mechanism.f4-contiguous").check()
    assert result.counterexample.point == ("1/10", "5/2")
    assert result.counterexample.data["rises"] == [0, 1, 3, 4]


def test_fig3_labels_hold_at_three_tenths():
    result = seed_claim("chen.fig3.labels").check()
    assert "3/10" in result.evidence.data["etas_with_fig3_labels"]


def seed_regions(loss, eta):
    from proofs_check.support import regions_of

    return regions_of(loss, eta)


# ---- f3 on the axes, by hand --------------------------------------------------------------


def _f3(x, y):
    return x**4 * y**2 + x**2 * y**4 - 3 * x**2 * y**2 + 1


def test_f3_axes_by_hand():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-3, 3, (2, 1000))
    # f3 - 1 = x^2 y^2 (x^2 + y^2 - 3)
    assert np.allclose(_f3(x, y) - 1, x**2 * y**2 * (x**2 + y**2 - 3))
    # d^2 f/dx^2 at (0, t) is 2 t^2 (t^2 - 3): positive for |t| > sqrt(3)
    h = 1e-4
    for t in (0.5, 1.0, 2.0, 2.5):
        second = (_f3(h, t) - 2 * _f3(0, t) + _f3(-h, t)) / h**2
        assert second == pytest.approx(2 * t**2 * (t**2 - 3), rel=1e-4)
    # (0, 2): f >= 1 = f(0, 2) on the disc of radius 1/4; (0, 1): f <= 1 near it
    r = 0.25 * np.sqrt(rng.uniform(0, 1, 1000))
    a = rng.uniform(0, 2 * np.pi, 1000)
    assert np.all(_f3(r * np.cos(a), 2 + r * np.sin(a)) >= 1)
    assert np.all(_f3(0.1 * r * np.cos(a), 1 + 0.1 * r * np.sin(a)) <= 1)
    result = seed_claim("chen.f3-axes.printed").check()
    assert result.counterexample.point == ("0", "2")
    assert result.counterexample.data["factor_lower_bound"] == "1/16"  # (7/4)^2 - 3


def test_f3_corrected_break_points_are_plus_minus_sqrt3():
    result = seed_claim("chen.f3-axes.corrected").check()
    assert result.evidence.data["breaks"] == ["-sqrt(3)", "sqrt(3)"]


# ---- Lemma 1 for all α --------------------------------------------------------------------


def test_lemma1_with_alpha_beyond_eta_star_fails_on_the_top_eigenvector():
    # f4 at the minimum has lambda_max = 19/5 along (1, 1); at alpha = 1 > 2/lambda_max the
    # step overshoots: f(theta - g) > f(theta) for theta = theta* + 0.01 (1, 1).
    m = np.sqrt(95) / 10
    theta = np.array([m + 0.01, m + 0.01])
    assert _f4(theta - _grad_f4(theta)) > _f4(theta)
    result = lemma1_all_alpha(Loss.from_catalog("f4"), R(1, 2), alpha_max=1).check()
    assert result.verdict == Verdict.FAILS
    assert result.evidence.strength == Strength.EXACT


def test_lemma1_alpha_grid_by_numpy():
    # at eta = 1/2 on f4 and points near the minimum, the drop is at most -C alpha |g|^2
    # with C = 1 - eta*M/2 for any M >= lambda_max over the points (here 4, < 2/eta)
    m = np.sqrt(95) / 10
    C = 1 - 0.5 * 4 / 2
    for d in ((0.01, 0.01), (-0.01, 0.005), (0.003, -0.01)):
        theta = np.array([m, m]) + d
        g = _grad_f4(theta)
        for alpha in np.linspace(0, 0.5, 51)[1:]:
            assert _f4(theta - alpha * g) - _f4(theta) <= -C * alpha * g @ g + 1e-15


# ---- Fig. 2: f2's unstable share, by a second classifier ----------------------------------


def _f2_grad(p):
    x, y = p[:, 0], p[:, 1]
    return np.column_stack([2 * x + 2 * x * y + 4 * x**3, 2 * y + x**2 + 4 * y**3])


def _f2(p):
    x, y = p[:, 0], p[:, 1]
    return x**2 + y**2 + x**2 * y + x**4 + y**4


def _unstable_share_f2(eta, n=6000):
    # converged: |theta| < 1e-6 after 800 steps (Hessian 2I at 0: factor |1 - 2 eta| <= 0.96);
    # unstable: converged with a loss rise > 1e-12 on the way
    rng = np.random.default_rng(7)
    p = rng.uniform(-0.5, 0.5, (n, 2))  # V_eta of f2 lies in |theta|_inf < 0.5 here
    f = _f2(p)
    rose = np.zeros(n, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(800):
            p = p - eta * _f2_grad(p)
            p[~np.isfinite(p).all(axis=1)] = 1e3
            p = np.clip(p, -1e3, 1e3)
            new = _f2(p)
            rose |= new > f + 1e-12 * (1 + np.abs(f))
            f = new
    conv = np.linalg.norm(p, axis=1) < 1e-6
    return np.count_nonzero(conv & rose) / n  # window area 1: share = measure


def test_f2_unstable_share_falls_near_eta_star_by_a_second_classifier():
    # the share of V_eta \ U_eta (as a measure: share x area 1) at 0.8 eta* and 0.98 eta*
    at_08, at_098 = _unstable_share_f2(0.8), _unstable_share_f2(0.98)
    assert at_098 < 0.75 * at_08
    # the claim's own numbers (window [-3/2, 3/2]^2, area 9) tell the same story
    rows = seed_claim("chen.fig2-unstable-grows.f2").check().evidence.data["rows"]
    measure = {r["eta"]: r["unstable"] / r["n"] * 9 for r in rows}
    assert measure["49/50"] < measure["4/5"]
    assert measure["4/5"] == pytest.approx(at_08, rel=0.35)


def test_classify_labels_a_quadratic_by_hand():
    # f = x^2/2 + y^2/2 at eta = 3/2: theta -> -theta/2, loss falls by 3/4 each step
    # (stable); at eta = 2.5: theta -> -1.5 theta, diverges (rest)
    q = Loss.from_text("x**2/2 + y**2/2")
    pts = np.array([[0.5, -0.3], [1.0, 1.0]])
    assert (classify(q, R(3, 2), pts) == STABLE).all()
    f4 = Loss.from_catalog("f4")
    assert classify(f4, R(3, 10), np.array([[0.1, 2.5], [1.5, 2.0]])).tolist() == [
        UNSTABLE, STABLE]


def test_components_by_hand():
    mask = np.array([[1, 1, 0, 1],
                     [0, 1, 0, 1],
                     [1, 0, 0, 0],
                     [1, 1, 0, 1]], dtype=bool)
    sizes = sorted(len(c) for c in components(mask))
    assert sizes == [1, 2, 3, 3]
    assert [len(c) for c in components(mask, min_cells=3)] == [3, 3]
    assert components(np.zeros((3, 3), dtype=bool)) == []


# ---- symstab.certify.loss_steps on a quadratic, by hand ---------------------------------


def test_loss_steps_on_a_quadratic_by_hand():
    # f = (x^2 + y^2)/2 at eta = 3: theta -> -2 theta, f -> 4 f: a proved rise at every
    # step, and |theta|_inf = 2^k/4 passes 1e6 after k = 22 steps (2^22/4 > 1e6 > 2^21/4)
    q = Loss.from_text("x**2/2 + y**2/2")
    r = certified_loss_steps(q, 3, (Fraction(1, 4), Fraction(1, 8)), [])
    assert r.reason == "far" and r.entered is None and not r.decided
    assert r.rises == tuple(range(22)) and r.first_stable is None
    assert r.values[1] == pytest.approx(4 * r.values[0])
    # at eta = 3/2: theta -> -theta/2, f -> f/4: falls only, into the certified ball
    regions = seed_regions(q, R(3, 2))
    s = certified_loss_steps(q, R(3, 2), (Fraction(1, 4), Fraction(1, 8)), regions)
    assert s.decided and s.rises == () and s.first_stable == 0
    assert all(x == -1 for x in s.signs)
