"""proofs_check claims: the seed claims at the reduced budget (full budget: slow), the
false variants, and the claim builders on cases whose answers are known by hand."""

from __future__ import annotations

import itertools
from dataclasses import replace
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs_check import chen, craciun, eos, networks, taowang
from proofs_check.core import Budget, Verdict
from proofs_check.properties import (
    converges_from,
    descent_inequality,
    forward_invariant,
    fraction_above,
    fraction_below,
    threshold_equals,
)
from proofs_check.seeds import false_variants, seed_claim, seed_claims
from proofs_check.strategies import known_quadratics, rationals
from symstab.errors import InputError
from symstab.evidence import Strength
from symstab.inputs import StepSize
from symstab.loss import Loss

R = sp.Rational
SEEDS = seed_claims()


@pytest.mark.parametrize("claim", SEEDS, ids=[c.id for c in SEEDS])
def test_seed_claim_reduced_budget(claim):
    result = claim.check(Budget.reduced())
    assert result.verdict == claim.expected, result.explain()
    assert not result.unexpected
    if result.verdict == Verdict.FAILS:
        assert result.counterexample is not None, result.explain()


@pytest.mark.slow
@pytest.mark.parametrize("claim", SEEDS, ids=[c.id for c in SEEDS])
def test_seed_claim_full_budget(claim):
    result = claim.check(Budget.full())
    assert result.verdict == claim.expected, result.explain()


def test_false_variants_are_expected_to_fail_and_tagged():
    variants = false_variants()
    assert len(variants) >= 4
    assert all(c.expected == Verdict.FAILS and "false-variant" in c.tags for c in variants)
    assert {c.id for c in variants} <= {c.id for c in SEEDS}


def test_seed_claim_lookup():
    assert seed_claim("chen.threshold.f4").id == "chen.threshold.f4"
    with pytest.raises(KeyError):
        seed_claim("no.such.claim")


# ---- thresholds: values from the paper (eqs. 43-46) and by hand ---------------------


@pytest.mark.parametrize(("a", "b"), [(1, 3), (2, 5), (R(1, 2), 4)])
def test_threshold_of_diagonal_quadratic(a, b):
    # f = a x^2/2 + b y^2/2: eigenvalues a, b, so eta* = 2/max(a, b)
    x, y = sp.symbols("x y", real=True)
    loss = Loss.from_expr(a * x**2 / 2 + b * y**2 / 2, (x, y))
    expected = 2 / sp.Max(a, b)
    assert threshold_equals(loss, expected).check().verdict == Verdict.HOLDS
    wrong = threshold_equals(loss, expected + R(1, 7)).check()
    assert wrong.verdict == Verdict.FAILS
    assert wrong.evidence.strength == Strength.EXACT
    assert wrong.counterexample.point == ("0", "0")


def test_threshold_not_applicable_without_strict_minimum():
    # x^4 + y^2: the origin is a degenerate minimum (lambda = 0 in x)
    loss = Loss.from_text("x**4 + y**2")
    result = threshold_equals(loss, 1).check()
    assert result.verdict == Verdict.NOT_APPLICABLE
    assert result.failing_hypothesis.name == "strict minimum"


def test_requiring_stronger_evidence_makes_a_claim_inconclusive():
    claim = descent_inequality(Loss.from_catalog("f1"), R(1, 2))
    assert claim.check().evidence.strength == Strength.CERTIFIED
    strict = claim.requiring(Strength.EXACT).check()
    assert strict.verdict == Verdict.INCONCLUSIVE
    assert "exact was required" in strict.evidence.summary


# ---- Chen Lemma 1 / Theorem 2 constants -----------------------------------------------


def test_weaker_constant_holds_stronger_constant_fails():
    # C = 1 - eta*M <= 1 - eta*M/2 is implied by Lemma 1; C = 1 - eta*M/4 is stronger and
    # fails: on the top eigenvector of a minimum, f(G theta) - f(theta) ~ -(1 - eta*lmax/2)
    # eta |g|^2, and 1 - eta*lmax/2 = 1 - (1/2)(19/5)/2 = 1/20 < 1 - (1/2)(4)/4 = 1/2.
    f4 = Loss.from_catalog("f4")
    assert descent_inequality(f4, R(1, 2), constant="1 - eta*M").check().verdict == Verdict.HOLDS
    result = descent_inequality(f4, R(1, 2), constant="1 - eta*M/4").check()
    assert result.verdict == Verdict.FAILS
    # the counterexample, re-checked exactly at its (rounded) decimal coordinates
    x, y = f4.params
    theta = [sp.Rational(t) for t in result.counterexample.point]
    subs = dict(zip((x, y), theta, strict=True))
    g = [sp.diff(f4.expr, p).subs(subs) for p in (x, y)]
    new = {x: theta[0] - R(1, 2) * g[0], y: theta[1] - R(1, 2) * g[1]}
    drop = f4.expr.subs(new) - f4.expr.subs(subs)
    M = sp.Rational(result.counterexample.data["M"])
    assert 19 / sp.Integer(5) <= M < 4  # lambda_max(theta*) <= M < 2/eta
    C = 1 - R(1, 2) * M / 4
    assert drop > -C * R(1, 2) * (g[0] ** 2 + g[1] ** 2)


def test_constant_text_is_whitelisted():
    with pytest.raises(InputError):
        descent_inequality(Loss.from_catalog("f1"), R(1, 2), constant="1 - eta*K")
    with pytest.raises(InputError):
        descent_inequality(Loss.from_catalog("f1"), R(1, 2), constant="__import__('os')")


# ---- convergence and fractions ------------------------------------------------------


def test_converges_from_quadratic_closed_form():
    # f = x^2/2 + y^2: G(x, y) = ((1-eta) x, (1-2 eta) y): converges iff eta < 1
    loss = Loss.from_text("x**2/2 + y**2")
    assert converges_from(loss, R(9, 10), point=(1, 1)).check().verdict == Verdict.HOLDS
    bad = converges_from(loss, R(11, 10), point=(1, 1)).check()
    assert bad.verdict == Verdict.FAILS
    assert "diverged" in bad.counterexample.description


def test_fraction_below_statistical_verdicts():
    # x^2/2 + y^2 at eta = 11/10: every start off the x-axis diverges -> fraction 0
    loss = Loss.from_text("x**2/2 + y**2")
    box = ((-1, 1), (R(1, 10), 1))
    result = fraction_below(loss, R(11, 10), box=box, bound=0.1).check()
    assert result.verdict == Verdict.HOLDS
    assert result.evidence.strength == Strength.STATISTICAL
    # none of the n starts converges (|1 − 2η| = 6/5 > 1 in y): the Wilson interval of
    # 0/n is [0, z²/(n + z²)], with z = 2.5758293035489 at 99%
    ev = result.evidence
    assert ev.data["counts"] == {"-1": ev.n}
    z = 2.5758293035489004
    assert ev.confidence == 0.99
    assert ev.bound[0] == 0.0
    assert ev.bound[1] == pytest.approx(z * z / (ev.n + z * z), rel=1e-12)
    assert ev.bound[1] < 0.1
    # at eta = 1/2 every start converges: "fraction below 0.5" fails
    assert fraction_below(loss, R(1, 2), box=box, bound=0.5).check().verdict == Verdict.FAILS


# ---- Crăciun / Ahn -----------------------------------------------------------------


def test_measure_zero_not_applicable_below_critical_eta():
    result = craciun.measure_zero_convergence(Loss.from_catalog("xy"), R(2, 5),
                                              ((-2, 2), (-2, 2))).check()
    assert result.verdict == Verdict.NOT_APPLICABLE
    assert result.failing_hypothesis.name == "η > critical η"


def test_exceptions_contain_the_diagonal_preimage_of_the_minimum():
    # on x = y, G(x) = x(1 + eta - eta x^2); G(x) = 1 <=> (x - 1)(eta x^2 + eta x - 1) = 0,
    # so x = (-eta + sqrt(eta^2 + 4 eta)) / (2 eta) lands on the minimum (1, 1) in one step
    eta = R(11, 10)
    found, _ = craciun.exceptional_initialisations(Loss.from_catalog("xy"), eta, Budget())
    x = (-eta + sp.sqrt(eta**2 + 4 * eta)) / (2 * eta)
    assert any(all(sp.simplify(c - x) == 0 for c in e["preimage"]) for e in found)


def test_manifold_smoothness_detects_a_singular_component():
    # f = (x^2 - y^3)^2: minima on the cusp x^2 = y^3, singular at the origin
    # by hand: the gradient of g = x² − y³ is (2x, −3y²), zero on g = 0 only at (0, 0),
    # so the component {g = 0} is singular there and the claim must fail (not stay open)
    result = craciun.minima_manifold_smooth(Loss.from_text("(x**2 - y**3)**2")).check()
    assert result.verdict == Verdict.FAILS
    x, y = sp.symbols("x y", real=True)
    singular = sp.solve([x**2 - y**3, 2 * x, -3 * y**2], [x, y], dict=True)
    assert singular == [{x: 0, y: 0}]
    text = str(result.counterexample)
    assert "singular" in text


def test_stable_minima_bound_of_the_two_layer_chain():
    # 1/2 (1 - xy)^2 on xy = 1: lambda_max = x^2 + y^2 <= 2/eta with xy = 1 gives
    # x^2 + 1/x^2 <= 2/eta, so |x| <= sqrt(1/eta + sqrt(1/eta^2 - 1)) (< sqrt(2/eta))
    eta = R(2, 5)
    result = craciun.stable_minima_bounded(Loss.from_catalog("xy"), eta).check()
    assert result.verdict == Verdict.HOLDS
    bound = sp.sympify(result.evidence.data["bound"])
    tight = sp.sqrt(1 / eta + sp.sqrt(1 / eta**2 - 1))
    assert float(tight) <= float(bound)
    assert bound == sp.sqrt(2 / eta)


# ---- Tao / Wang ----------------------------------------------------------------------


@settings(max_examples=10, deadline=None)
@given(a=st.integers(1, 9), b=st.integers(1, 9), num=st.integers(1, 40))
def test_descent_regime_quadratic_matches_two_over_l(a, b, num):
    # f = a x^2/2 + b y^2/2 with L = max(a, b): every step decreases f iff h <= 2/L
    x, y = sp.symbols("x y", real=True)
    loss = Loss.from_expr(a * x**2 / 2 + b * y**2 / 2, (x, y))
    h = R(num, 20)
    result = taowang.descent_regime(loss, h).check()
    expected = Verdict.HOLDS if h * max(a, b) <= 2 else Verdict.FAILS
    assert result.verdict == expected


def test_modified_equation_orders_on_a_separable_quartic():
    # backward error analysis: GD is O(h^2) from the flow of f + (h/4)|grad f|^2 and only
    # O(h) from the flow of f, so the observed orders are ~2 and ~1
    result = taowang.modified_equation_order(Loss.from_text("x**4/4 + y**2/2"),
                                             (R(1), R(1))).check()
    assert result.verdict == Verdict.HOLDS
    data = result.evidence.data
    assert data["h"] == ["1/10", "1/20", "1/40"]
    # reference, separable by hand: GD is x ↦ x − hx³, y ↦ (1 − h)y; the flow of f is
    # x(t) = 1/√(1 + 2t), y(t) = e^(−t); the flow of f̃ = f + (h/4)(x⁶ + y²) is
    # y(t) = e^(−(1 + h/2)t) and x' = −x³ − (3h/2)x⁵, whose x(1) solves
    # ∫_x^1 ds/(s³ + (3h/2)s⁵) = 1 (mpmath.quad and findroot)
    ref_mod, ref_plain = [], []
    with mpmath.workdps(30):
        for h in (mpmath.mpf(1) / 10, mpmath.mpf(1) / 20, mpmath.mpf(1) / 40):
            gx, gy = mpmath.mpf(1), mpmath.mpf(1)
            for _ in range(int(mpmath.nint(1 / h))):
                gx, gy = gx - h * gx**3, (1 - h) * gy

            def time_to(xe, h=h):
                return mpmath.quad(lambda s: 1 / (s**3 + 3 * h / 2 * s**5), [xe, 1]) - 1

            mx = mpmath.findroot(time_to, mpmath.mpf("0.58"))
            my = mpmath.exp(-(1 + h / 2))
            ref_mod.append(mpmath.hypot(gx - mx, gy - my))
            ref_plain.append(mpmath.hypot(gx - 1 / mpmath.sqrt(3), gy - mpmath.exp(-1)))
        for got, want in zip(data["error_modified"] + data["error_plain"],
                             ref_mod + ref_plain, strict=True):
            assert abs(mpmath.mpf(got) - want) <= 1e-5 * want  # printed to 6 digits
        for key, ref in (("order_modified", ref_mod), ("order_plain", ref_plain)):
            want = [float(mpmath.log(a / b, 2)) for a, b in itertools.pairwise(ref)]
            assert data[key] == pytest.approx(want, abs=6e-4)  # rounded to 3 decimals


# ---- Chen Theorem 3 and eq. (30) -------------------------------------------------------


def test_printed_eq30_fails_and_is_expected_to():
    claim = chen.u_eta_printed_open(Loss.from_catalog("f1"), R(1, 2))
    result = claim.check()
    assert result.verdict == Verdict.FAILS
    assert claim.expected == Verdict.FAILS and not result.unexpected
    assert "eq. (30)" in claim.source.note


def test_unexpected_when_a_known_false_claim_holds():
    claim = replace(threshold_equals(Loss.from_catalog("f1"), 1), expected=Verdict.FAILS)
    assert claim.check().unexpected


# ---- random strongly convex quadratics (proofs_check.strategies) ---------------------


@settings(max_examples=8, deadline=None)
@given(q=known_quadratics(2), c=rationals(R(1, 10), R(9, 10), max_denominator=20))
def test_chen_claims_on_random_quadratics(q, c):
    # eta* = 2/lambda_max by construction; below it, Lemma 1 and Theorem 2 hold certified
    assert threshold_equals(q.loss, q.eta_star).check().verdict == Verdict.HOLDS
    eta = c * q.eta_star
    result = descent_inequality(q.loss, eta).check(Budget(examples=10))
    assert result.verdict == Verdict.HOLDS, result.explain()
    assert result.evidence.strength == Strength.CERTIFIED


# ---- one spelling of a step size, the library's: symstab.inputs.StepSize.of ---------------

_XY = Loss.from_catalog("xy")
_BOX = ((-2, 2), (-2, 2))
_START = (R(7, 10), R(3, 5))
#: Every claim builder that takes a step size, as ``eta -> claim``.
STEP_SIZE_BUILDERS = {
    "descent_inequality": lambda eta: descent_inequality(_XY, eta),
    "forward_invariant": lambda eta: forward_invariant(_XY, eta),
    "converges_from": lambda eta: converges_from(_XY, eta, point=_START),
    "fraction_below": lambda eta: fraction_below(_XY, eta, box=_BOX, bound=0.5),
    "fraction_above": lambda eta: fraction_above(_XY, eta, box=_BOX, bound=0.5),
    "chen.u_eta_open": lambda eta: chen.u_eta_open(_XY, eta, _BOX),
    "chen.u_eta_printed_open": lambda eta: chen.u_eta_printed_open(_XY, eta),
    "craciun.stable_minima_bounded": lambda eta: craciun.stable_minima_bounded(_XY, eta),
    "craciun.measure_zero_convergence":
        lambda eta: craciun.measure_zero_convergence(_XY, eta, _BOX),
    "craciun.converging_fraction_positive":
        lambda eta: craciun.converging_fraction_positive(_XY, eta, _BOX),
    "craciun.converging_measure":
        lambda eta: craciun.converging_measure(_XY, eta, _BOX, at_least=R(1, 2)),
    "taowang.descent_regime": lambda eta: taowang.descent_regime(_XY, eta),
    "eos.unstable_convergence": lambda eta: eos.unstable_convergence(_XY, eta, _START, id="u"),
    "eos.chaotic_orbit": lambda eta: eos.chaotic_orbit(_XY, eta, _START, id="c"),
    "networks.converges_below": lambda eta: networks.converges_below(1, eta),
    "networks.no_convergence_above": lambda eta: networks.no_convergence_above(1, [eta]),
}


def _shown(claim):
    return claim.id, claim.title, claim.statement, claim.latex


@pytest.mark.parametrize("name", list(STEP_SIZE_BUILDERS))
@pytest.mark.parametrize(
    "spelling", ["1/2", "0.5", "5e-1", 0.5, Fraction(1, 2), R(1, 2), StepSize.of("1/2")],
    ids=repr,
)
def test_claim_builders_take_every_step_size_spelling(name, spelling):
    build = STEP_SIZE_BUILDERS[name]
    # the claim for η = 1/2 written as an exact SymPy rational, by hand
    assert _shown(build(spelling)) == _shown(build(R(1, 2)))
    assert _shown(build(2)) == _shown(build("2")) == _shown(build(Fraction(2)))


@pytest.mark.parametrize("name", list(STEP_SIZE_BUILDERS))
@pytest.mark.parametrize("bad", ["0", -1, Fraction(-1, 2), "x", "1/0", float("nan"), True,
                                 [0.5], "__import__('os')"], ids=repr)
def test_claim_builders_refuse_bad_step_sizes_as_the_library_does(name, bad):
    with pytest.raises(InputError) as library:
        StepSize.of(bad)
    with pytest.raises(InputError) as claim:
        STEP_SIZE_BUILDERS[name](bad)
    assert claim.value.problem == library.value.problem
    assert claim.value.where.split(",")[0] in ("eta", "etas", "h")
