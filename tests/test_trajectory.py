"""Tests of :mod:`symstab.dynamics.trajectory`.

Expected values are derived by hand or independently: closed forms of linear GD on
f = x²/2 (x_{k+1} = (1 − η) x_k), exact SymPy Rational iteration (``subs``) of the first
steps, and trapping balls proved by hand (Weyl bounds written out in the helpers below).
"""

from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from mpmath import libmp

from symstab.certify.region import CertifiedRegion
from symstab.dynamics.trajectory import (
    Trajectory,
    shadowing,
    trajectory,
    trajectory_escalated,
)
from symstab.errors import InputError
from symstab.evidence import Strength
from symstab.loss import Loss

X, Y = sp.symbols("x y", real=True)
HALF_SQ = Loss.from_expr(X**2 / 2)
QUARTIC = Loss.from_expr(X**4 / 4 - X**2 / 2)
F4 = Loss.from_catalog("f4")
F4_EXPR = (1 - X * Y) ** 2 + (X**2 + Y**2) / 20  # written out independently of the catalog
T_STAR = sp.sqrt(95) / 10  # f4 minima ±(t, t): 1 − t² = 1/20


def _frac(x) -> Fraction:
    if isinstance(x, Fraction):
        return x
    if isinstance(x, sp.Rational):
        return Fraction(int(x.p), int(x.q))
    raw = getattr(x, "_mpf_", None)
    if raw is None:
        return Fraction(x)  # int or float: exact
    p, q = libmp.to_rational(raw)
    return Fraction(int(p), int(q))


class Ball(CertifiedRegion):
    """A hand-proved trapping ball; ``contains`` is exact (binary coordinates, Fractions).

    A point is inside if ‖θ − center‖₂ <= radius − center_error, which puts it in the
    true ball around the exact minimum.
    """

    def contains(self, theta: tuple) -> bool:
        d2 = sum((_frac(t) - _frac(c)) ** 2 for t, c in zip(theta, self.center, strict=True))
        r = _frac(self.radius) - _frac(self.center_error)
        return d2 <= r * r


def _err(a, b) -> sp.Expr:
    """|a − b| for a computed mpf ``a`` and an exact SymPy number ``b`` (exact arithmetic)."""
    f = _frac(a)
    return abs(sp.Rational(f.numerator, f.denominator) - b)


def _ball(label, center, radius, eta, mu, L, q, err=0) -> Ball:
    mp = mpmath.mpf
    return Ball(
        label=label, center=tuple(mp(c) for c in center), radius=mp(radius), eta=eta,
        mu=mp(mu), L=mp(L), contraction=mp(q), center_error=mp(err), method="by hand",
    )  # fmt: skip


def half_sq_region(eta: sp.Rational, radius) -> tuple[Ball, ...]:
    """f = x²/2: G(x) = (1 − η)x, so every ball around 0 traps when |1 − η| < 1."""
    q = abs(1 - eta)
    assert q < 1
    return (_ball(1, (0,), radius, eta, 1, 1, float(q)),)


def quartic_regions(eta: sp.Rational) -> tuple[Ball, ...]:
    """f = x⁴/4 − x²/2, minima ±1. On |x ∓ 1| <= 1/50: f'' = 3x² − 1 in
    [3(49/50)² − 1, 3(51/50)² − 1] = [1.8812, 2.1212]; for η = 9/10, η·2.1212 = 1.909 < 2 and
    q = max(|1 − 0.9·1.8812|, |1 − 0.9·2.1212|) < 0.91."""
    assert eta == sp.Rational(9, 10)
    return (
        _ball(1, (1,), sp.Rational(1, 50), eta, 1.88, 2.13, 0.91),
        _ball(2, (-1,), sp.Rational(1, 50), eta, 1.88, 2.13, 0.91),
    )


def f4_regions(eta: sp.Rational) -> tuple[Ball, ...]:
    """f4 minima ±(t, t), t² = 19/20, H(θ*) = [[2, 9/5], [9/5, 2]], eigenvalues 1/5, 19/5.

    On the ball of radius r = 1/100: |y² − t²| <= r(2t + r), |xy − t²| <= r(2t + r), so
    ‖H(θ) − H(θ*)‖₂ <= ‖·‖_F <= r(2t + r)·√(4 + 4 + 16 + 16) < 0.128 and the spectrum
    lies in [0.072, 3.928]. For η <= 1/2: ηL <= 1.964 < 2, so GD contracts the ball
    (factor q <= 1 − 0.072η) into itself. Centres are t rounded at 60 digits (error
    < 1e-55).
    """
    assert eta <= sp.Rational(1, 2)
    t = sp.N(T_STAR, 70)
    q = max(1 - 0.072 * float(eta), 3.928 * float(eta) - 1)
    with mpmath.workdps(60):
        c = mpmath.mpf(str(t))
        return (
            _ball(1, (c, c), sp.Rational(1, 100), eta, 0.072, 3.928, q, mpmath.mpf("1e-55")),
            _ball(2, (-c, -c), sp.Rational(1, 100), eta, 0.072, 3.928, q, mpmath.mpf("1e-55")),
        )


def exact_gd(expr, params, start, eta, steps):
    """Exact Rational GD (SymPy ``subs``), the independent reference."""
    grad = [sp.diff(expr, p) for p in params]
    pts = [tuple(sp.Rational(s) for s in start)]
    for _ in range(steps):
        sub = dict(zip(params, pts[-1], strict=True))
        pts.append(tuple(v - eta * g.subs(sub) for v, g in zip(pts[-1], grad, strict=True)))
    vals = [expr.subs(dict(zip(params, p, strict=True))) for p in pts]
    return pts, vals


# -- f = x²/2 ---------------------------------------------------------------------------


def test_half_sq_eta_half_exact_halving_and_region_entry():
    eta = sp.Rational(1, 2)
    r = sp.Rational(1, 1000)
    t = trajectory(HALF_SQ, eta, (3,), regions=half_sq_region(eta, r))
    c = t.classification
    # x_k = 3/2^k; first k with 3/2^k <= 1/1000 is the least k with 2^k >= 3000.
    k_enter = (3000 - 1).bit_length()
    assert 2**k_enter >= 3000 > 2 ** (k_enter - 1)
    assert c.entered_region_at == k_enter == t.steps_taken
    assert (c.outcome, c.label, c.stable, c.strength) == (
        "converged", 1, True, Strength.CERTIFIED,
    )  # fmt: skip
    assert c.n_loss_increases == 0 and c.loss_increases == ()
    for k, (x,) in enumerate(t.iterates):
        assert _frac(x) == Fraction(3, 2**k)  # exact: halving is exact in binary
    assert [_frac(v) for v in t.losses] == [Fraction(9, 2 * 4**k) for k in range(k_enter + 1)]


def test_half_sq_eta_three_halves_stable_oscillating():
    eta = sp.Rational(3, 2)
    t = trajectory(HALF_SQ, eta, ("1",), regions=half_sq_region(eta, sp.Rational(1, 10)))
    c = t.classification
    # x_k = (−1/2)^k: |x_k| <= 1/10 first at k = 4 (1/16); f = x²/2 strictly decreases.
    assert c.entered_region_at == 4
    assert [_frac(p[0]) for p in t.iterates] == [Fraction(-1, 2) ** k for k in range(5)]
    assert (c.outcome, c.label, c.stable) == ("converged", 1, True)


def test_half_sq_eta_two_period_two():
    t = trajectory(HALF_SQ, sp.Integer(2), ("7/10",), regions=())
    c = t.classification
    x0 = t.iterates[0][0]
    assert (c.outcome, c.period, c.label, c.stable) == ("periodic", 2, 0, None)
    assert c.orbit == ((x0,), (-x0,))  # x ↦ −x is exact
    assert abs(_frac(x0) - Fraction(7, 10)) < Fraction(1, 10**49)
    assert c.strength == Strength.NUMERICAL


def test_half_sq_eta_five_halves_diverges_at_closed_form_step():
    bound = 10**12
    t = trajectory(HALF_SQ, sp.Rational(5, 2), (1,), regions=(), divergence_bound=bound)
    c = t.classification
    # |x_k| = 1.5^k: first k with 3^k > 10^12 · 2^k.
    k = next(k for k in range(1000) if 3**k > bound * 2**k)
    assert k == 69  # 1.5^68 ≈ 9.4e11, 1.5^69 ≈ 1.4e12
    assert (c.outcome, c.label, c.diverged_at, c.stable) == ("diverged", -1, k, None)
    assert _frac(t.final[0]) == Fraction(-3, 2) ** k


def test_quartic_two_cycle_matches_closed_form():
    """GD on x⁴/4 − x²/2: g(x) = x − η(x³ − x). At η = 11/10, g(g(x)) − x factors (by hand:
    divide out the fixed points 0, ±1 and the symmetric 2-cycle 11x² = 31) leaving
    121x⁴ − 231x² + 100, whose positive roots sqrt((231 ± √4961)/242) form an attracting
    2-cycle around the minimum 1 (η > η* = 1)."""
    eta = sp.Rational(11, 10)
    g = X - eta * (X**3 - X)
    assert sp.rem(sp.expand(g.subs(X, g) - X), 121 * X**4 - 231 * X**2 + 100, X) == 0
    a = sp.sqrt((231 + sp.sqrt(4961)) / 242)
    b = sp.sqrt((231 - sp.sqrt(4961)) / 242)
    assert sp.simplify(g.subs(X, a) - b) == 0
    t = trajectory(QUARTIC, eta, ("6/5",), regions=())
    c = t.classification
    assert (c.outcome, c.period, c.label, c.stable) == ("periodic", 2, 0, None)
    (p0,), (p1,) = c.orbit
    # orbit[i] is the point visited at steps k ≡ i (mod 2); from 6/5 (above a) even steps
    # stay above 1
    assert _err(p0, a) < sp.Rational(1, 10**20) and _err(p1, b) < sp.Rational(1, 10**20)
    assert t.iterates[-1] == c.orbit[t.steps_taken % 2]


# -- unstable convergence ---------------------------------------------------------------


def test_quartic_first_step_raises_loss_then_converges():
    eta = sp.Rational(9, 10)
    x0 = sp.Rational(6, 5)
    pts, vals = exact_gd(QUARTIC.expr, QUARTIC.params, (x0,), eta, 2)
    assert vals[1] > vals[0]  # f(0.7248) ≈ −0.1937 > f(1.2) = −0.2016
    assert vals[2] < vals[1]
    t = trajectory(QUARTIC, eta, (x0,), regions=quartic_regions(eta))
    c = t.classification
    assert (c.outcome, c.label, c.stable) == ("converged", 1, False)
    assert c.loss_increases[0] == 0
    for k in (1, 2):
        assert _err(t.iterates[k][0], pts[k][0]) < sp.Rational(1, 10**45)


@pytest.mark.parametrize("start", [("1/10", "5/2"), ("3/2", "2")])
def test_f4_fig3_starts_converge_at_eta_three_tenths(start):
    eta = sp.Rational(3, 10)
    t = trajectory(F4, eta, start, regions=f4_regions(eta), stop_at_region=False)
    c = t.classification
    assert c.outcome == "converged" and c.label in (1, 2)
    assert c.strength == Strength.CERTIFIED
    # the first loss increases agree with exact Rational GD
    _, vals = exact_gd(F4_EXPR, (X, Y), start, eta, 5)
    exact_inc = [k for k in range(5) if vals[k + 1] >= vals[k]]
    assert [k for k in c.loss_increases if k < 5] == exact_inc
    assert c.stable is (not exact_inc and c.n_loss_increases == 0)
    # the limit is the labelled minimum, to 20 digits
    sign = 1 if c.label == 1 else -1
    for v in t.final:
        assert _err(v, sign * T_STAR) < sp.Rational(1, 10**20)


def test_f4_from_01_25_at_three_tenths_is_unstable_convergence():
    eta = sp.Rational(3, 10)
    start = (sp.Rational(1, 10), sp.Rational(5, 2))
    _, vals = exact_gd(F4_EXPR, (X, Y), start, eta, 2)
    assert vals[1] > vals[0] and vals[2] > vals[1]  # f: 0.8755 → 4.45 → 7.25
    c = trajectory(F4, eta, start, regions=f4_regions(eta)).classification
    assert c.outcome == "converged" and c.stable is False
    assert c.loss_increases[:2] == (0, 1)


@pytest.mark.parametrize("start", [("3/2", "2"), ("1/10", "5/2")])
def test_f4_fig3_starts_diverge_at_eta_half(start):
    """Exact GD shows a blow-up from both starts at η = 1/2 (‖θ_4‖ > 40)."""
    eta = sp.Rational(1, 2)
    pts, _ = exact_gd(F4_EXPR, (X, Y), start, eta, 4)
    assert max(abs(v) for v in pts[4]) > 40
    t = trajectory(F4, eta, start, regions=f4_regions(eta))
    assert (t.classification.outcome, t.classification.label) == ("diverged", -1)
    for k in range(4):
        for a, b in zip(t.iterates[k], pts[k], strict=True):
            assert _err(a, b) < sp.Rational(1, 10**40) * (1 + abs(b))


def test_f4_antidiagonal_reaches_saddle_label_zero():
    """On x = −y = s, G(s) = s(1 − η(21/10 + 2s²)); at η = 3/10 it tends to the saddle 0."""
    eta = sp.Rational(3, 10)
    t = trajectory(F4, eta, ("1/2", "-1/2"), regions=f4_regions(eta))
    c = t.classification
    assert (c.outcome, c.label, c.strength) == ("converged", 0, Strength.NUMERICAL)
    assert c.entered_region_at is None
    assert all(_err(v, 0) < sp.Rational(1, 10**20) for v in t.final)
    assert all(a == -b for a, b in t.iterates)


# -- escalation -------------------------------------------------------------------------


def test_escalation_low_precision_suffices():
    eta = sp.Rational(1, 2)
    t, rep = trajectory_escalated(
        HALF_SQ, eta, (3,), regions=half_sq_region(eta, sp.Rational(1, 1000))
    )
    assert rep.agreed and rep.dps_needed == 30
    assert [r.dps for r in rep.runs] == [30, 60]
    assert t.dps == 60
    assert all(r.outcome == "converged" and r.label == 1 and r.stable for r in rep.runs)
    assert rep.runs[0].final == rep.runs[1].final
    json.dumps(rep.to_dict())


def test_escalation_chaotic_needs_digits_from_lyapunov_exponent():
    """x ↦ 3x − 2x³ (GD on x⁴/4 − x²/2 at η = 2) is conjugate to 3u − 4u³ (Lyapunov
    exponent ln 3): 200 steps amplify a rounding error by about 3^200 ≈ 10^95.4, so 10
    digits need dps > ~106: 30 and 60 fail, 120 agrees with 240."""
    t, rep = trajectory_escalated(QUARTIC, sp.Integer(2), ("3/10",), steps=200, regions=())
    assert rep.agreed and rep.dps_needed == 120
    assert [r.dps for r in rep.runs] == [30, 60, 120, 240]
    assert t.dps == 240
    assert all(r.outcome == "undetermined" for r in rep.runs)


def test_escalation_gives_up_at_dps_max():
    _, rep = trajectory_escalated(
        QUARTIC, sp.Integer(2), ("3/10",), steps=200, regions=(), dps_max=60
    )
    assert not rep.agreed and rep.dps_needed is None
    assert [r.dps for r in rep.runs] == [30, 60]


# -- shadowing --------------------------------------------------------------------------


def test_shadowing_exact_halving_never_parts():
    eta = sp.Rational(1, 2)
    rep = shadowing(HALF_SQ, eta, (3,), steps=200, regions=half_sq_region(eta, 1))
    assert rep.parting_step is None and rep.max_deviation == 0.0 and rep.steps == 200
    assert not rep.classification_differs
    json.dumps(rep.to_dict())


def test_shadowing_chaotic_map_parts():
    rep = shadowing(QUARTIC, sp.Integer(2), ("3/10",), steps=200, regions=(), tol=1e-6)
    assert rep.parting_step is not None and rep.parting_step >= 1
    assert rep.max_deviation > rep.tol and rep.max_deviation_step >= rep.parting_step
    # rounding error ~1e-16 grows like 3^k: exceeds 1e-6 after about 21 steps
    assert 10 <= rep.parting_step <= 40
    assert rep.steps == 200


# -- inputs, outputs, fallbacks ----------------------------------------------------------


def test_exact_inputs_and_validation():
    t = trajectory(F4, sp.Rational(3, 10), ("1/10", sp.Rational(5, 2)), regions=(), steps=0)
    assert t.theta0 == (sp.Rational(1, 10), sp.Rational(5, 2))
    x, y = t.iterates[0]
    assert abs(_frac(x) - Fraction(1, 10)) <= Fraction(1, 10**50)
    assert _frac(y) == Fraction(5, 2)
    assert t.classification.outcome == "undetermined"
    with pytest.raises(InputError):
        trajectory(F4, sp.Rational(1, 2), (1,), regions=())
    with pytest.raises(InputError):
        trajectory(F4, 0, (1, 1), regions=())
    with pytest.raises(InputError):
        trajectory(F4, sp.Rational(1, 2), ("1/0", 1), regions=())
    with pytest.raises(InputError):
        trajectory(F4, sp.Rational(3, 10), (1, 1), regions=f4_regions(sp.Rational(1, 2)))


def test_to_dict_json_and_record_false():
    eta = sp.Rational(1, 2)
    regs = half_sq_region(eta, sp.Rational(1, 1000))
    t = trajectory(HALF_SQ, eta, (3,), regions=regs)
    d = t.to_dict()
    json.loads(json.dumps(d))
    assert d["classification"]["outcome"] == "converged"
    assert d["eta"] == "1/2" and d["theta0"] == ["3"] and len(d["iterates"]) == 13
    t2 = trajectory(HALF_SQ, eta, (3,), regions=regs, record=False)
    assert len(t2.iterates) == 1 and t2.final == t.final
    assert t2.classification == t.classification
    assert isinstance(t2, Trajectory)


def test_contains_not_implemented_falls_back():
    class Broken(CertifiedRegion):
        def contains(self, theta: tuple) -> bool:
            raise NotImplementedError

    eta = sp.Rational(1, 2)
    b = Broken(1, (mpmath.mpf(0),), mpmath.mpf(1), eta, 1, 1, 0.5, 0, "none")
    c = trajectory(HALF_SQ, eta, (3,), regions=(b,)).classification
    assert (c.outcome, c.label, c.strength) == ("converged", 0, Strength.NUMERICAL)
    assert "contains" in c.evidence


def test_default_regions_integration():
    """With regions=None the certify module is asked; either way the orbit converges."""
    c = trajectory(HALF_SQ, sp.Rational(1, 2), (3,)).classification
    assert c.outcome == "converged" and c.stable is True
    assert c.label in (0, 1)
