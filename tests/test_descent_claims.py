"""The descent-lemma, convergence and quadratic-regime claims of :mod:`proofs_check.descent`.

Expected values are derived independently:

* f = x²/2 + 3y²/2 (L = 3) at θ = (1, 1), h = 1/2: g = (1, 3), ‖g‖² = 10,
  θ − hg = (1/2, −1/2), f = 2 -> 1/2; the lemma's right side is 2 − (1/2)(1 − 3/4)·10 = 3/4,
  with the constant 1 − Lh/4 it is 2 − (1/2)(5/8)·10 = −9/8 (violated).
* GD on ½θᵀdiag(λ)θ: the i-th coordinate is multiplied by 1 − hλᵢ each step, so
  Σ_k ‖∇f(θ_k)‖² = Σᵢ λᵢ²cᵢ² / (1 − (1 − hλᵢ)²) (geometric series), checked against a
  NumPy loop and against the blog's bound f(θ0)/(h(1 − Lh/2)).
* φ(u) = log(1 + u²): φ'' = 2(1 − u²)/(1 + u²)² lies in [−1/4, 2] (minimum at u² = 3).
"""

from fractions import Fraction
from itertools import pairwise

import mpmath
import numpy as np
import pytest
import sympy as sp

from proofs_check import descent, descent_data
from proofs_check.core import Budget, Verdict

x, y = sp.symbols("x y", real=True)


@pytest.fixture(scope="module")
def results():
    return {c.id: c.check(Budget.reduced()) for c in descent.seed_claims()}


def test_every_claim_has_its_expected_verdict(results):
    # the family: the lemma (2), convergence (2) and the three regimes, each of the four
    # kinds with a false neighbour that must fail with a counterexample
    assert len(results) == 11
    for r in results.values():
        assert r.verdict == r.expected, r.explain()
    false = {k: r for k, r in results.items() if r.expected is Verdict.FAILS}
    assert {k.split(".")[2] for k in false} == {"lemma", "convergence", "regime"}
    assert len(false) == 4 and all(r.counterexample is not None for r in false.values())


def test_theorems_hold_exactly_or_certified(results):
    strengths = {k: str(r.evidence.strength) for k, r in results.items()
                 if not k.startswith("false.")}
    assert strengths["descent.lemma.quadratics"] == "exact"
    assert strengths["descent.lemma.polynomials-box"] == "certified"
    assert strengths["descent.convergence.log-perturbed"] == "certified"
    assert all(strengths[f"descent.regime.{k}-h"] == "exact" for k in ("small", "medium", "large"))


def test_every_false_variant_has_a_counterexample(results):
    false = [r for k, r in results.items() if k.startswith("false.")]
    assert len(false) == 4
    assert all(r.counterexample is not None for r in false)


def test_lemma_gap_by_hand():
    f0, f1, g2, h = Fraction(2), Fraction(1, 2), Fraction(10), Fraction(1, 2)
    L = Fraction(3)
    assert descent._lemma_gap(f0, f1, g2, h, 1 - L * h / 2) == Fraction(1, 2) - Fraction(3, 4)
    assert descent._lemma_gap(f0, f1, g2, h, 1 - L * h / 4) == Fraction(1, 2) + Fraction(9, 8)


def test_fracpoly_values_by_hand():
    p = descent_data.FracPoly(x**3 * y - 2 * x + y**2 / 3, (x, y))
    pt = [Fraction(1, 2), Fraction(3)]
    assert p.value(pt) == Fraction(3, 8) - 1 + 3
    assert p.gradient(pt) == [3 * Fraction(1, 4) * 3 - 2, Fraction(1, 8) + 2]


def test_fixed_quadratics_have_the_drawn_spectrum():
    for q in descent_data.fixed_quadratics():
        A = np.array([[float(v) for v in row] for row in q.A])
        assert np.allclose(sorted(np.linalg.eigvalsh(A)), sorted(float(v) for v in q.eigenvalues))
        assert q.verified()
        Q = np.array([[float(v) for v in row] for row in q.Q])
        assert np.allclose(Q.T @ Q, np.eye(2))


def test_psd_test_by_hand():
    assert descent_data.minors_nonnegative([[Fraction(1), Fraction(1)], [Fraction(1), Fraction(1)]])
    assert not descent_data.minors_nonnegative([[Fraction(1), Fraction(2)],
                                            [Fraction(2), Fraction(1)]])
    assert descent_data.det([[Fraction(2), Fraction(1)], [Fraction(1), Fraction(3)]]) == 5


def test_telescoped_sum_matches_geometric_series_and_blog_bound():
    lam = np.array([1.0, 3.0])
    c = np.array([1.0, -2.0])
    h = 0.6  # < 2/3
    theta, total = c.copy(), 0.0
    for _ in range(2000):
        g = lam * theta
        total += g @ g
        theta = theta - h * g
    series = float(np.sum(lam**2 * c**2 / (1 - (1 - h * lam) ** 2)))
    assert total == pytest.approx(series, rel=1e-12)
    f0 = 0.5 * float(np.sum(lam * c**2))
    assert total <= f0 / (h * (1 - 3 * h / 2))


def test_box_bound_covers_the_hessian_on_a_grid():
    expr = x**4 / 3 - 2 * x * y**2 + y**3 / 4 + x
    L = descent._box_L(expr, (x, y), Fraction(-1), Fraction(1), 4)
    H = sp.lambdify((x, y), sp.hessian(expr, (x, y)), "numpy")
    worst = max(np.max(np.abs(np.linalg.eigvalsh(np.array(H(a, b), dtype=float))))
                for a in np.linspace(-1, 1, 41) for b in np.linspace(-1, 1, 41))
    assert worst <= float(L) <= 2 * worst + 10


def test_log_term_curvature_range():
    u = np.linspace(-50, 50, 200_001)
    second = 2 * (1 - u**2) / (1 + u**2) ** 2
    assert second.min() == pytest.approx(-0.25, abs=1e-6)
    assert second.max() == pytest.approx(2.0)


def test_arb_trajectory_encloses_a_high_precision_loop():
    q = descent_data.fixed_quadratics()[0]
    fam = descent.LogPerturbed(q, Fraction(2), (Fraction(3, 5), Fraction(4, 5)))
    h = Fraction(9, 10) * 2 / fam.L
    fs, gs = descent._arb_run(fam, [Fraction(2), Fraction(-1)], h, 10, 40)
    mpmath.mp.dps = 50
    A = [[mpmath.mpf(v.numerator) / v.denominator for v in row] for row in q.A]
    star = [mpmath.mpf(v.numerator) / v.denominator for v in q.star]
    th = [mpmath.mpf(2), mpmath.mpf(-1)]
    hh = mpmath.mpf(h.numerator) / h.denominator
    for k in range(11):
        d = [th[0] - star[0], th[1] - star[1]]
        Ad = [A[0][0] * d[0] + A[0][1] * d[1], A[1][0] * d[0] + A[1][1] * d[1]]
        u = mpmath.mpf(3) / 5 * th[0] + mpmath.mpf(4) / 5 * th[1]
        f = (d[0] * Ad[0] + d[1] * Ad[1]) / 2 + 2 * mpmath.log(1 + u * u)
        s = 4 * u / (1 + u * u)
        g = [Ad[0] + s * mpmath.mpf(3) / 5, Ad[1] + s * mpmath.mpf(4) / 5]
        for ball, value in ((fs[k], f), (gs[k], g[0] ** 2 + g[1] ** 2)):
            mid = mpmath.mpf(ball.mid().str(60, radius=False))
            rad = mpmath.mpf(ball.rad().str(10, radius=False))
            assert rad < mpmath.mpf(10) ** -30
            assert abs(mid - value) <= rad + mpmath.mpf(10) ** -45
        th = [th[0] - hh * g[0], th[1] - hh * g[1]]
    mpmath.mp.dps = 15


@pytest.mark.parametrize(("regime", "c", "ok"), [
    ("small", Fraction(1, 2), True), ("small", Fraction(3, 2), False),
    ("medium", Fraction(3, 2), True), ("medium", Fraction(1, 2), False),
    ("large", Fraction(5, 2), True), ("large", Fraction(3, 2), False),
])
def test_regimes_on_a_fixed_quadratic(regime, c, ok):
    q = descent_data.fixed_quadratics()[0]  # eigenvalues 1 and 3
    x0 = [q.star[0] + 1, q.star[1] + Fraction(1, 2)]
    why = descent._regime_failure(regime, q, x0, c / q.L, 8)
    assert (why == "") is ok, why


def test_one_dimensional_regimes_by_hand():
    # f = x²/2, L = 1: x_k = (1 − h)^k
    for h, sign_changes, grows in ((0.5, 0, False), (1.5, 8, False), (2.5, 8, True)):
        xs = [(1 - h) ** k for k in range(9)]
        assert sum(1 for a, b in pairwise(xs) if a * b < 0) == sign_changes
        assert (abs(xs[-1]) > 1) is grows
        fs = [v * v / 2 for v in xs]
        assert all(b < a for a, b in pairwise(fs)) is (not grows)


def test_false_quarter_constant_on_the_top_direction():
    # on a quadratic, f(θ − hg) − f(θ) + h(1 − Lh/4)‖g‖² = (h²/2)(gᵀAg − (L/2)‖g‖²) > 0
    # whenever g is along the top eigenvector
    A = np.array([[1.0, 0.0], [0.0, 3.0]])
    g = A @ np.array([0.0, 1.0])
    h = 0.5
    assert (h**2 / 2) * (g @ A @ g - 1.5 * g @ g) > 0
    r = descent.lemma_quadratics(quarter=True, expected=Verdict.FAILS).check(Budget.reduced())
    assert r.verdict == Verdict.FAILS and r.counterexample is not None
