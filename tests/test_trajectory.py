"""Tests of :mod:`symstab.dynamics.trajectory`.

Expected values are derived by hand or independently: closed forms of linear GD on
f = x²/2 (x_{k+1} = (1 − η) x_k), exact SymPy Rational iteration (``subs``) of the first
steps, and trapping balls proved by hand (Weyl bounds written out in the helpers below).
"""

from __future__ import annotations

import itertools
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
    """With regions=None the certify module is asked and certifies the convergence."""
    from symstab.certify.minima import certified_regions

    eta = sp.Rational(1, 2)
    c = trajectory(HALF_SQ, eta, (3,)).classification
    assert c.outcome == "converged" and c.stable is True
    # x²/2 has one minimum (label 1); G(x) = x/2 is a contraction, so the certify module
    # must give a region around 0 and the label is certified, not numerical (0)
    (region,) = certified_regions(HALF_SQ, eta)
    assert (c.label, c.strength) == (1, Strength.CERTIFIED)
    # θ_k = 3/2^k enters the ball |x| <= r at the first k with 3/2^k <= r
    r = Fraction(*map(int, libmp.to_rational(mpmath.mpf(region.radius)._mpf_)))
    k = next(k for k in itertools.count() if Fraction(3, 2**k) <= r)
    assert c.entered_region_at == k


# -- the fast raw-tuple engine ------------------------------------------------------------


def _reference(loss, eta, start, **kw):
    """The generic mpf engine (``_run`` with the separate value/step of ``_mp_arith``)."""
    from symstab.dynamics.highprec import to_mpf as _to_mpf
    from symstab.dynamics.trajectory.engine import run as _run
    from symstab.dynamics.trajectory.kernels import mp_arith as _mp_arith

    eta = sp.Rational(eta)
    ar, ctx = _mp_arith(loss, eta, kw.pop("dps", 50), kw.pop("divergence_bound", 10**12), None)
    theta = tuple(_to_mpf(ctx, sp.Rational(str(s))) for s in start)
    opts = {"steps": 10_000, "regions": (), "region_note": "no certified regions given",
            "period_max": 16, "record": True, "stop_at_region": True, "bound_text": str(10**12)}
    opts.update(kw)
    return _run(ar, theta, **opts)


@pytest.mark.parametrize(
    ("loss", "eta", "start", "steps"),
    [
        (F4, "13/25", ("3/10", "7/10"), 300),  # slow oscillating convergence
        (F4, "1/2", ("3/2", "2"), 100),  # diverges
        (F4, "3/10", ("1/2", "-1/2"), 2000),  # saddle, numerical fixed point
        (QUARTIC, "11/10", ("6/5",), 2000),  # period 2
        (QUARTIC, "2", ("3/10",), 150),  # chaotic, undetermined
        (HALF_SQ, "5/2", ("1",), 200),  # diverges at step 69
    ],
)
def test_fast_engine_equals_generic_engine(loss, eta, start, steps):
    t = trajectory(loss, sp.Rational(eta), start, steps=steps, regions=())
    ref = _reference(loss, eta, start, steps=steps)
    assert t.classification == ref.classification
    assert t.iterates == ref.iterates and t.losses == ref.losses
    assert t.steps_taken == ref.steps_taken


def test_fast_engine_equals_generic_engine_with_regions():
    eta = sp.Rational(3, 10)
    regs = f4_regions(eta)
    t = trajectory(F4, eta, ("1/10", "5/2"), regions=regs, record=False)
    ref = _reference(F4, eta, ("1/10", "5/2"), regions=regs, region_note="", record=False)
    assert t.classification == ref.classification and t.final == ref.iterates[-1]


def test_kernel_is_bit_identical_to_value_and_step():
    from symstab.codegen import compile_loss

    c = compile_loss(F4.expr, F4.params)
    lo, hi = c.mpmath(30), c.mpmath(55)
    kern = lo.value_step_kernel(c, 55)
    assert kern is lo.value_step_kernel(c, 55)  # cached
    eta = lo._raw(sp.Rational(13, 25))
    th = (lo._raw("0.3"), lo._raw("0.7"))
    for _ in range(50):
        f, *nxt = kern(*th, eta)
        assert f == hi._value(*th)
        assert tuple(nxt) == lo._step(*th, eta)
        th = tuple(nxt)


def test_half_sq_below_two_loss_decreases_every_step():
    """f = x²/2, x_{k+1} = (1 − η)x_k: for 0 < η < 2, |1 − η| < 1, so f strictly decreases
    at every step; at η = 1/2 from x0 = 3 the iterates 3/2^k are exact, and the loss
    reaches the rounding level long before a fixed point (x_k ≈ 0 within 1e-25 for
    k >= 85 since 3/2^85 < 1e-25)."""
    t = trajectory(HALF_SQ, sp.Rational(1, 2), (3,), regions=(), steps=400)
    c = t.classification
    assert (c.outcome, c.stable, c.n_loss_increases) == ("converged", True, 0)
    # the first k with |x_k − x_{k−1}| = 3/2^k <= 1e-25 starts the run of 8 matches
    k1 = next(k for k in range(1, 200) if Fraction(3, 2**k) <= Fraction(1, 10**25))
    assert t.steps_taken == k1 + 7
    assert all(_frac(b) < _frac(a) for a, b in itertools.pairwise(t.losses))


def test_half_sq_eta_two_is_period_two_and_above_two_diverges():
    """x ↦ −x at η = 2: θ_k = θ_{k−2} exactly, so the period-2 run reaches 8 at k = 9;
    at η = 2 + 1/1000 |x_k| = 1.001^k, which exceeds 10 first at k = ⌈ln 10/ln 1.001⌉."""
    t = trajectory(HALF_SQ, 2, ("7/10",), regions=())
    c = t.classification
    assert (c.outcome, c.period, t.steps_taken) == ("periodic", 2, 9)
    # every step is a loss "increase": f(−x) = f(x)
    assert c.n_loss_increases == 9
    t = trajectory(HALF_SQ, sp.Rational(2001, 1000), (1,), regions=(), divergence_bound=10)
    k = next(k for k in range(10**5) if Fraction(1001, 1000) ** k > 10)
    assert (t.classification.outcome, t.classification.diverged_at) == ("diverged", k)


def test_loss_comparison_at_loss_precision_ties_and_tiny_decreases():
    """f = (x − y)²/2: with d = x − y, GD gives d ↦ (1 − 2η)d and keeps x + y. At η = 1/4
    from (1, 1 + 2^-100) every iterate is exact in binary and f_k = 2^-(201 + 2k): tiny
    but strict decreases, far below the working precision relative to the coordinates.
    The steps (2^-(102 + k)) are below the tolerance 1e-25, so the fixed-point run starts
    at k = 1 and reaches 8 at k = 8. On the diagonal the loss is exactly 0 at every step:
    f(θ_{k+1}) >= f(θ_k) (a tie counts as an increase), but all ties lie in the settled
    window, so the orbit is still stable."""
    loss = Loss.from_expr((X - Y) ** 2 / 2)
    t = trajectory(loss, sp.Rational(1, 4), (1, 1 + Fraction(1, 2**100)), regions=())
    c = t.classification
    assert [_frac(v) for v in t.losses] == [Fraction(1, 2 ** (201 + 2 * k)) for k in range(9)]
    assert (c.outcome, c.stable, c.n_loss_increases, t.steps_taken) == ("converged", True, 0, 8)
    ref = _reference(loss, "1/4", (1, 1 + Fraction(1, 2**100)))
    assert ref.classification == c
    t = trajectory(loss, sp.Rational(1, 2), (1, 1), regions=(), steps=50)
    c = t.classification
    assert (c.outcome, c.stable, t.steps_taken) == ("converged", True, 8)
    assert all(_frac(v) == 0 for v in t.losses)
    # without settling (steps < 8) every tie is counted
    c = trajectory(loss, sp.Rational(1, 2), (1, 1), regions=(), steps=5).classification
    assert (c.outcome, c.loss_increases) == ("undetermined", (0, 1, 2, 3, 4))


# -- slowly converging flip oscillations are not cycles -----------------------------------


def test_half_sq_flip_convergence_is_not_period_two():
    """f = x²/2 at η = 99/50: x_k = (−49/50)^k (multiplier −0.98). |x_k − x_{k−2}| =
    (99/2500)(49/50)^(k−2) drops below 1e-25 long before |x_k − x_{k−1}| =
    (99/50)(49/50)^(k−1) does, but the two 'orbit points' x_k, x_{k−1} approach each
    other at the same rate: a convergence, reported when 8 consecutive steps are within
    the tolerance (the first at k1), not a 2-cycle. The loss (49/50)^(2k)/2 strictly
    decreases."""
    tol = Fraction(1, 10**25)
    q = Fraction(49, 50)
    step = [Fraction(99, 50) * q ** (k - 1) for k in range(1, 4000)]  # |x_k − x_{k−1}|
    k1 = next(k for k in range(1, 4000) if step[k - 1] <= tol)
    k2 = next(k for k in range(2, 4000) if Fraction(99, 2500) * q ** (k - 2) <= tol)
    assert k2 + 7 < k1  # the old rule ("θ_k ≈ θ_{k−2} for 8 steps") fired at k2 + 7
    # no threshold is within rounding error (relative 1e-40) of the tolerance
    assert all(abs(s / tol - 1) > Fraction(1, 10**40) for s in step[k1 - 3 : k1 + 8])
    t = trajectory(HALF_SQ, sp.Rational(99, 50), (1,), regions=(), record=False)
    c = t.classification
    assert (c.outcome, c.period, c.stable, c.n_loss_increases) == ("converged", None, True, 0)
    assert t.steps_taken == k1 + 7


def test_f4_benchmark_orbit_converges_not_period_two():
    """The orbit of benchmarks/bench_trajectory.py: f4 at η = 13/25 from (0.3, 0.7).

    At the minimum (t, t), t² = 19/20, H = [[2y² + 1/10, 4xy − 2], [4xy − 2, 2x² + 1/10]]
    = [[2, 9/5], [9/5, 2]] has the eigenvalue 19/5 on the diagonal, so the multiplier is
    1 − (13/25)(19/5) = −122/125 = −0.976: a flip oscillation that converges slowly.
    Checked on the recorded iterates (exact rationals): θ_k ≈ θ_{k−2} within 1e-25 for 8
    consecutive steps happens well before the end while consecutive iterates are still
    far apart (this was reported as a 2-cycle), yet the orbit is reported converged to
    (t, t), not periodic."""
    a, b = 2 * T_STAR**2 + sp.Rational(1, 10), 4 * T_STAR**2 - 2
    H = sp.Matrix([[a, b], [b, a]])
    assert sorted(H.eigenvals()) == [sp.Rational(1, 5), sp.Rational(19, 5)]
    t = trajectory(F4, sp.Rational(13, 25), ("0.3", "0.7"), steps=3000, regions=())
    c = t.classification
    assert (c.outcome, c.period, c.label, c.strength) == ("converged", None, 0, Strength.NUMERICAL)
    assert t.steps_taken < 3000
    for v in t.final:
        assert _err(v, T_STAR) < sp.Rational(1, 10**24)
    tol = Fraction(1, 10**25)
    pts = [tuple(map(_frac, p)) for p in t.iterates]

    def d(a, b):
        return max(abs(x - y) for x, y in zip(a, b, strict=True))

    run, old_hit = 0, None
    for k in range(2, len(pts)):
        run = run + 1 if d(pts[k], pts[k - 2]) <= tol else 0
        if run >= 8:
            old_hit = k
            break
    assert old_hit is not None and old_hit < t.steps_taken - 20
    assert d(pts[old_hit], pts[old_hit - 1]) > 10 * tol  # still oscillating then


@pytest.mark.parametrize(("x0", "periodic"), [("6e-23", True), ("4e-23", False), ("1e-20", True)])
def test_period_two_needs_points_a_thousand_tolerances_apart(x0, periodic):
    """x ↦ −x (f = x²/2, η = 2) is exact: θ_k = θ_{k−2}, so the run reaches 8 at k = 9.
    The two points are 2|x0| apart; a cycle is reported only if 2|x0| >= 1000·1e-25, i.e.
    for 6e-23 and 1e-20 but not 4e-23 (then |x_k − x_{k−1}| = 8e-23 > 1e-25 is no fixed
    point either: undetermined)."""
    t = trajectory(HALF_SQ, 2, (x0,), regions=(), steps=100, record=False)
    c = t.classification
    if periodic:
        assert (c.outcome, c.period, t.steps_taken) == ("periodic", 2, 9)
    else:
        assert (c.outcome, c.period, t.steps_taken) == ("undetermined", None, 100)


# -- the mpfr kernel and engine against libmp ---------------------------------------------


def _libmp_run(loss, eta, start, steps, dps=50, **kw):
    """The raw-libmp engine (forced), the second method for the mpfr engine."""
    from symstab.dynamics.highprec import to_mpf as _to_mpf
    from symstab.dynamics.trajectory.kernels import _mp_fast, _run_mp
    from symstab.dynamics.trajectory.kernels import mp_arith as _mp_arith

    eta = sp.Rational(eta)
    ar, ctx = _mp_arith(loss, eta, dps, 10**12, None)
    fx = _mp_fast(loss, eta, dps, ar, backend="libmp")
    assert fx.backend == "libmp"
    theta = tuple(_to_mpf(ctx, sp.Rational(str(s)))._mpf_ for s in start)
    opts = {"steps": steps, "regions": (), "region_note": "no certified regions given",
            "period_max": 16, "record": True, "stop_at_region": True, "bound_text": str(10**12)}
    opts.update(kw)
    return _run_mp(fx, theta, **opts)


def _random_polynomial(rng, params, degree):
    """A random polynomial with rational coefficients and a confining quartic term."""
    terms = []
    for exps in itertools.product(range(degree + 1), repeat=len(params)):
        if 0 < sum(exps) <= degree and rng.random() < 0.6:
            c = sp.Rational(rng.randint(-40, 40), rng.randint(40, 80))
            terms.append(c * sp.Mul(*[p**e for p, e in zip(params, exps, strict=True)]))
    terms.append(sp.Add(*[p**2 for p in params]) ** 2)  # beats every quartic term
    return Loss.from_expr(sp.Add(*terms), params)


def _ulps(a: tuple, b: tuple, prec: int) -> Fraction:
    """|a − b| in units of the last place (at ``prec`` bits) of the larger of a, b."""
    top = max(x[2] + x[3] for x in (a, b) if x[1])
    return abs(_rawfrac(a) - _rawfrac(b)) / Fraction(2) ** (top - prec)


def _rawfrac(raw: tuple) -> Fraction:
    """Exact value of a finite raw libmp tuple."""
    p, q = libmp.to_rational(raw)
    return Fraction(int(p), int(q))


@pytest.mark.parametrize("seed", range(6))
def test_mpfr_kernel_bit_identical_to_libmp_on_random_polynomials(seed):
    """+ − × and integer powers with fewer than 1000 exact bits are correctly rounded in
    both libraries, so polynomial losses of degree <= 4 (powers of coordinates, squares
    of sums) give the same bits for every loss value and iterate, along orbits that are
    mostly aperiodic at these step sizes (where a single differing bit would grow)."""
    import random

    from symstab.codegen import compile_loss
    from symstab.codegen.mpfr_target import mpfr_value_step_kernel, to_raw

    rng = random.Random(seed)
    Z = sp.Symbol("z", real=True)
    params = (X, Y, Z)[: 2 + seed % 2]
    loss = _random_polynomial(rng, params, 4)
    dps = (30, 50)[seed % 2]
    value_dps = dps + dps // 2 + 10
    c = compile_loss(loss.expr, loss.params)
    target = c.mpmath(dps)
    lib = target.value_step_kernel(c, value_dps)
    bound = mpfr_value_step_kernel(target, c, value_dps).bind()
    seen = set()
    for eta in ("2/5", "1/2", "3/5", "7/10", "4/5"):
        eta_raw = target._raw(sp.Rational(eta))
        th_l = tuple(target._raw(sp.Rational(rng.randint(-100, 100), 100)) for _ in params)
        th_m = tuple(map(bound.from_raw, th_l))
        eta_m = bound.from_raw(eta_raw)
        for _ in range(600):
            out_l = lib(*th_l, eta_raw)
            out_m = bound.kernel(*th_m, eta_m)
            assert tuple(map(to_raw, out_m)) == out_l
            th_l, th_m = out_l[1:], out_m[1:]
            if any(x[2] + x[3] > 20 for x in th_l if x[1]):  # |θ_i| > 2^20: diverging
                break
            seen.add(th_l)
    assert len(seen) > 200  # many distinct iterates were compared
    assert not bound.out_of_range()
    # and the whole engine: same iterates, losses and classification
    start = tuple(str(Fraction(rng.randint(-100, 100), 100)) for _ in params)
    t = trajectory(loss, sp.Rational(2, 5), start, steps=400, dps=dps, regions=())
    ref = _libmp_run(loss, "2/5", start, 400, dps=dps)
    assert t.classification == ref.classification and t.steps_taken == ref.steps_taken
    assert t.iterates == ref.iterates and t.losses == ref.losses


def test_mpfr_engine_is_used_and_restores_the_gmpy2_context():
    import gmpy2

    from symstab.dynamics.trajectory.kernels import _mp_fast
    from symstab.dynamics.trajectory.kernels import mp_arith as _mp_arith

    ar, _ = _mp_arith(F4, sp.Rational(13, 25), 50, 10**12, None)
    assert _mp_fast(F4, sp.Rational(13, 25), 50, ar).backend == "mpfr"
    outer = gmpy2.get_context()
    with gmpy2.context(precision=77) as ctx:
        t = trajectory(F4, sp.Rational(13, 25), ("0.3", "0.7"), steps=50, regions=())
        assert gmpy2.get_context() is ctx and ctx.precision == 77
        assert gmpy2.get_context().precision == 77
    assert gmpy2.get_context() is outer
    assert all(hasattr(v, "_mpf_") for v in (*t.final, *t.losses))  # mpf, not mpfr
    ref = _libmp_run(F4, "13/25", ("0.3", "0.7"), 50)
    assert t.iterates == ref.iterates and t.losses == ref.losses


def test_mpfr_integer_powers_are_correctly_rounded_libmp_within_one_ulp():
    """x⁷ of a 169-bit x has 1183 > 1000 exact bits: libmp's mpf_pow_int then rounds a
    wider approximation (16 guard bits), MPFR rounds correctly. Reference: the exact
    rational x⁷ rounded once (libmp.from_rational)."""
    import random

    from symstab.codegen import compile_loss
    from symstab.codegen.mpfr_target import mpfr_value_step_kernel, to_raw

    loss = Loss.from_expr(X**7)
    c = compile_loss(loss.expr, loss.params)
    target = c.mpmath(50)
    vt = c.mpmath(85)
    lib = target.value_step_kernel(c, 85)
    bound = mpfr_value_step_kernel(target, c, 85).bind()
    rng = random.Random(7)
    eta = target._raw(sp.Rational(1, 10))
    for _ in range(300):
        x = libmp.from_man_exp(rng.getrandbits(169) | (1 << 168), -169)
        q = _rawfrac(x) ** 7
        exact = libmp.from_rational(q.numerator, q.denominator, vt.prec, "n")
        f_m = to_raw(bound.kernel(bound.from_raw(x), bound.from_raw(eta))[0])
        f_l = lib(x, eta)[0]
        assert f_m == exact
        assert _ulps(f_l, exact, vt.prec) <= 1  # (16 guard bits: equal but in rare cases)


@pytest.mark.parametrize(
    ("fn", "lo", "hi"),
    [
        (sp.exp, -5, 5), (sp.log, 1, 9), (sp.tanh, -3, 3), (sp.erf, -2, 2), (sp.erfc, -2, 4),
        (sp.sin, -3, 3), (sp.cos, -3, 3), (sp.tan, -1, 1), (sp.atan, -4, 4), (sp.sinh, -3, 3),
        (sp.cosh, -3, 3),
    ],
)  # fmt: skip
def test_mpfr_functions_correctly_rounded_libmp_within_one_ulp(fn, lo, hi):
    """The loss fn(x) is one operation at the loss precision: MPFR's value equals the
    value mpmath computes at three times the precision, rounded once; libmp's is within
    one ulp of it."""
    import random

    from symstab.codegen import compile_loss
    from symstab.codegen.mpfr_target import mpfr_value_step_kernel, to_raw

    c = compile_loss(fn(X), (X,))
    target = c.mpmath(50)
    vt = c.mpmath(85)
    lib = target.value_step_kernel(c, 85)
    bound = mpfr_value_step_kernel(target, c, 85).bind()
    rng = random.Random(str(fn))
    eta = target._raw(sp.Rational(1, 10))
    for _ in range(100):
        x = target._raw(sp.Rational(rng.randint(lo * 10**6, hi * 10**6), 10**6))
        with mpmath.workprec(3 * vt.prec):
            ref = getattr(mpmath, str(fn))(mpmath.mpf(x))  # exact: x has 169 < 3·286 bits
        ref = libmp.mpf_pos(ref._mpf_, vt.prec, "n")
        f_m = to_raw(bound.kernel(bound.from_raw(x), bound.from_raw(eta))[0])
        assert f_m == ref
        assert _ulps(lib(x, eta)[0], ref, vt.prec) <= 1


def test_tanh_loss_orbit_agrees_with_libmp_to_rounding_level():
    """A contracting orbit does not amplify one-ulp differences: mpfr and libmp engines
    reach the same minimum (tanh(x) = 1/2, y = 0) and agree to 45 of 50 digits."""
    loss = Loss.from_expr((sp.tanh(X) - sp.Rational(1, 2)) ** 2 + sp.erf(Y) ** 2)
    t = trajectory(loss, sp.Rational(1, 2), ("1/3", "1/5"), steps=3000, regions=())
    ref = _libmp_run(loss, "1/2", ("1/3", "1/5"), 3000)
    assert t.classification.outcome == ref.classification.outcome == "converged"
    assert _err(t.final[0], sp.atanh(sp.Rational(1, 2))) < sp.Rational(1, 10**24)
    for a, b in zip(t.final, ref.iterates[-1], strict=True):
        assert abs(_frac(a) - _frac(b)) < Fraction(1, 10**45)


def test_mpfr_out_of_range_falls_back_to_libmp():
    """exp(−x) at x = 10^9 is 2^(−1.44e9): below MPFR's exponent range (it underflows to
    0), a normal number for libmp. The run is redone on libmp, so the losses are the
    nonzero e^(−10^9) (the step η·e^(−10^9) is far below half an ulp of 10^9, so θ_k = 10^9
    for all k: a numerical fixed point after 8 steps, with equal, not increasing, losses)."""
    from symstab.codegen import compile_loss
    from symstab.codegen.mpfr_target import mpfr_value_step_kernel

    loss = Loss.from_expr(sp.exp(-X))
    c = compile_loss(loss.expr, loss.params)
    bound = mpfr_value_step_kernel(c.mpmath(30), c, 55).bind()
    f = bound.kernel(bound.from_raw(libmp.from_int(10**9)), bound.from_raw(libmp.fone))[0]
    assert f == 0 and bound.out_of_range()
    t = trajectory(loss, 1, (10**9,), dps=30, regions=(), steps=20)
    c = t.classification
    assert (c.outcome, t.steps_taken, c.stable) == ("converged", 8, True)
    assert all(_frac(x) == 10**9 for (x,) in t.iterates)
    with mpmath.workdps(70):
        e = mpmath.exp(-mpmath.mpf(10**9))
        assert all(abs(mpmath.mpf(v) / e - 1) < mpmath.mpf(10) ** -50 for v in t.losses)
    ref = _libmp_run(loss, 1, (10**9,), 20, dps=30)
    assert t.classification == ref.classification and t.losses == ref.losses


def test_regions_without_monotone_descent_are_not_a_stopping_rule():
    # a region whose certificate proves convergence but not descent (monotone=False)
    # must not stop the orbit: f = x^2/2 at eta = 1/2 converges geometrically (x/2^k),
    # so with only such a region the run goes on to the numerical fixed point
    from dataclasses import replace

    from symstab.certify.minima import certified_regions

    loss = Loss.from_text("x**2/2", "x")
    (ball,) = certified_regions(loss, sp.Rational(1, 2))
    lyap = replace(ball, monotone=False)
    t = trajectory(loss, sp.Rational(1, 2), ("1/3",), steps=50, dps=30, regions=(lyap,))
    assert t.classification.entered_region_at is None
    t2 = trajectory(loss, sp.Rational(1, 2), ("1/3",), steps=50, dps=30, regions=(ball,))
    assert t2.classification.entered_region_at is not None
