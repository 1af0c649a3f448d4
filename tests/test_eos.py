"""Edge-of-stability metrics and balancing (:mod:`symstab.dynamics.eos`), their figures,
the ``symstab eos`` command and the claims of :mod:`proofs_check.eos`.

Expected values are derived independently:

* quadratic f = ½θᵀAθ, g = Aθ: f(θ − ηg) − f(θ) = −η‖g‖² + (η²/2)gᵀAg, so
  RP = −1 + (η/2)·gᵀAg/‖g‖²; ∇f(θ − ηg) = g − ηAg, so the directional smoothness along
  the step is L(θ; ηg) = gᵀAg/‖g‖²; sharpness = λmax(A) = (5 + √5)/2 for A = [[2, 1], [1, 3]].
* ½(1 − xy)²: H = [[y², 2xy − 1], [2xy − 1, x²]], at a minimum (x, 1/x) it is
  [[1/x², 1], [1, x²]] with eigenvalues 0 and x² + 1/x²; RP at a general point is
  computed by exact SymPy substitution (a second method, no compiled code).
* balancing: gradient flow conserves x² − y² (d/dt(x² − y²) = 0), so for h → 0 the limit
  on xy = 1 has x∞² − y∞² = x0² − y0²; a linearly stable limit has x² + y² <= 2/h.
"""

import json
import math
from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from proofs_check.core import Verdict
from proofs_check.eos import seed_claims
from symstab.cli import main
from symstab.dynamics.eos import (
    EosThresholds,
    balancing_scan,
    eos_metrics,
    initial_sharpness,
    relative_progress,
    sharpness,
)
from symstab.errors import InputError
from symstab.loss import Loss
from symstab.plot import balancing_figure, eos_figure

R = sp.Rational
x, y = sp.symbols("x y", real=True)
A = sp.Matrix([[2, 1], [1, 3]])
QUAD = Loss.from_expr(x**2 + x * y + R(3, 2) * y**2, (x, y), name="quad")  # ½θᵀAθ


def _nearest_double(q: sp.Rational) -> float:
    """The double nearest the exact rational ``q`` (Fraction → float rounds correctly)."""
    return float(Fraction(int(q.p), int(q.q)))


def _mpf_error(value, exact: sp.Rational) -> Fraction:
    """|value − exact| in exact arithmetic, for an mpf ``value`` (no float in between)."""
    assert hasattr(value, "_mpf_"), type(value)  # an mpf of some mpmath context
    got = Fraction(*map(int, mpmath.libmp.to_rational(value._mpf_)))
    return abs(got - Fraction(int(exact.p), int(exact.q)))


def test_quadratic_rp_smoothness_sharpness_closed_forms():
    eta = R(1, 5)
    theta = sp.Matrix([1, -2])
    g = A * theta
    q = (g.T * A * g)[0] / (g.T * g)[0]
    rp_expected = -1 + eta / 2 * q
    r = eos_metrics(QUAD, eta, [1, -2], steps=3, dps=30)
    # the series are stored as floats: a 30-digit value must round to the double nearest
    # the exact one (a float64 evaluation is off by several ulps here)
    assert r.series.rp[0] == _nearest_double(rp_expected)
    assert r.series.smoothness[0] == _nearest_double(q)
    assert r.series.sharpness[0] == pytest.approx(float((5 + sp.sqrt(5)) / 2), abs=1e-14)
    # the pointwise functions return mpf: compared exactly, at their 30 digits
    assert _mpf_error(relative_progress(QUAD, eta, [1, -2]), rp_expected) < Fraction(1, 10**28)
    # RP = −1 + ηL/2 at every step of a quadratic
    for rp, ds in zip(r.series.rp, r.series.smoothness, strict=True):
        assert rp == pytest.approx(-1 + 0.2 * ds / 2, abs=1e-20)


def test_rp_on_xy_against_exact_substitution():
    xy = Loss.from_catalog("xy")
    f = xy.expr
    px, py = xy.params
    eta, point = R(1, 3), (R(3, 2), R(1, 5))
    sub = dict(zip(xy.params, point, strict=True))
    g = [sp.diff(f, p).subs(sub) for p in xy.params]
    nxt = {px: point[0] - eta * g[0], py: point[1] - eta * g[1]}
    exact = (f.subs(nxt) - f.subs(sub)) / (eta * (g[0] ** 2 + g[1] ** 2))
    assert isinstance(exact, sp.Rational)
    got = relative_progress(xy, eta, point, dps=40)
    assert _mpf_error(got, exact) < Fraction(1, 10**38) * abs(Fraction(int(exact.p),
                                                                       int(exact.q)))


def test_sharpness_on_the_xy_manifold_and_initial_sharpness():
    xy = Loss.from_catalog("xy")
    assert _mpf_error(sharpness(xy, [2, R(1, 2)]), 4 + R(1, 4)) < Fraction(1, 10**28)
    L = initial_sharpness(xy, [3, R(1, 10)])
    # H(3, 1/10) = [[1/100, -2/5], [-2/5, 9]]: λmax = (t + √(t² − 4d))/2
    t, d = R(1, 100) + 9, R(9, 100) - R(4, 25)
    assert sp.simplify(L - (t + sp.sqrt(t**2 - 4 * d)) / 2) == 0


def test_unstable_convergence_example_on_xy():
    r = eos_metrics(Loss.from_catalog("xy"), R(2, 25), [R(101, 20), R(19, 100)], steps=600)
    s = r.summary
    assert r.two_over_eta == 25
    assert r.series.sharpness[0] > 25  # starts beyond 2/η
    assert s.stable_condition_violated and s.loss_decreased and s.n_loss_increases > 0
    assert s.frac_sharpness_near == 1.0 and s.frac_rp_near == 1.0
    assert s.unstable_convergence


def test_chen_fig3_orbit_has_only_a_transient_unstable_phase():
    r = eos_metrics(Loss.from_catalog("f4"), R(3, 10), [R(1, 10), R(5, 2)], steps=200)
    s = r.summary
    assert s.loss_decreased and s.stable_condition_violated
    assert not s.unstable_convergence
    # the sharpness tends to λmax = 19/5 of the minimum (hand-derived), 57% of 2/η
    assert r.series.sharpness[-1] == pytest.approx(3.8, abs=1e-3)


def test_stable_regime_is_not_unstable_convergence():
    # ½λx² at η = 1.95/λ: sharpness within 3% of 2/η, RP = −1 + ηλ/2 = −0.025, but
    # λ < 2/η everywhere: the descent-lemma regime.
    lam = 4
    loss = Loss.from_expr(R(lam, 2) * x**2, (x,), name="half-lambda-square")
    r = eos_metrics(loss, R(195, 400), ["1"], steps=100)
    assert r.series.rp[0] == _nearest_double(R(-1, 40))
    assert r.summary.frac_sharpness_near == 1.0 and r.summary.frac_rp_near == 1.0
    assert not r.summary.stable_condition_violated
    assert not r.summary.unstable_convergence
    assert r.summary.n_loss_increases == 0


def test_thresholds_change_the_decision():
    tight = EosThresholds(sharpness_rel=0.001)
    r = eos_metrics(Loss.from_catalog("xy"), R(2, 25), [R(101, 20), R(19, 100)], steps=300,
                    thresholds=tight)
    assert r.summary.frac_sharpness_near < 0.5 and not r.summary.unstable_convergence


def test_balancing_small_h_follows_the_gradient_flow_and_respects_the_bound():
    xy = Loss.from_catalog("xy")
    x0, y0 = 3, R(1, 10)
    scan = balancing_scan(xy, [x0, y0], [R(1, 10), 1, 2, R(5, 2), 3])
    D = x0**2 - y0**2  # conserved by the flow; with xy = 1: x² = (D + √(D² + 4))/2
    xf = math.sqrt((float(D) + math.sqrt(float(D) ** 2 + 4)) / 2)
    flow_gap = xf - 1 / xf
    first = scan.points[0]
    assert first.outcome == "converged"
    assert abs(first.gap - flow_gap) < 0.01  # O(h) away from the flow
    gaps = [p.gap for p in scan.points]
    assert gaps == sorted(gaps, reverse=True)
    assert scan.monotone_up_to == 3 and not scan.violations
    for p in scan.points:
        h = float(p.ratio / scan.L)
        assert p.gap <= math.sqrt(2 / h - 2)
        assert p.sharpness == pytest.approx(p.gap**2 + 2, rel=1e-9)
        assert p.agree


def test_balancing_fails_to_be_monotone_near_3_over_L_and_diverges_before_4():
    scan = balancing_scan(Loss.from_catalog("xy"), [3, R(1, 10)],
                          [3, R(13, 4), R(7, 2), 4])
    assert scan.violations  # the gap rises again
    assert scan.first_divergence == 4


def test_balancing_input_errors():
    with pytest.raises(InputError):
        balancing_scan(Loss.from_catalog("chain3"), [1, 1, 1], [1])
    with pytest.raises(InputError):
        balancing_scan(Loss.from_catalog("xy"), [3, R(1, 10)], [-1])


def test_figures(tmp_path):
    r = eos_metrics(Loss.from_catalog("xy"), R(2, 25), [R(101, 20), R(19, 100)], steps=100)
    fig = eos_figure(r, path=tmp_path / "eos.png")
    assert len(fig.axes) == 3 and (tmp_path / "eos.png").stat().st_size > 0
    scan = balancing_scan(Loss.from_catalog("xy"), [3, R(1, 10)], [1, 2, 3, 4])
    fig2 = balancing_figure([scan], path=tmp_path / "bal.png")
    assert (tmp_path / "bal.png").stat().st_size > 0
    assert fig2.axes[0].get_xlabel().startswith("h · L")


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_eos_json_and_plot(capsys, tmp_path):
    png = tmp_path / "eos.png"
    code, out, err = _run(capsys, "eos", "xy", "--eta", "2/25", "--from", "5.05,0.19",
                          "--steps", "200", "--format", "json", "--series",
                          "--plot", str(png))
    assert code == 0, err
    d = json.loads(out)
    assert {"loss", "eta", "two_over_eta", "theta0", "dps", "steps", "summary", "series",
            "strength"} <= set(d)
    assert {"frac_sharpness_near", "frac_rp_near", "loss_decreased", "unstable_convergence",
            "thresholds"} <= set(d["summary"])
    assert d["two_over_eta"]["exact"] == "25"
    assert len(d["series"]["rp"]) == 200 and png.stat().st_size > 0


def test_cli_eos_table(capsys):
    code, out, _ = _run(capsys, "eos", "f4", "--eta", "0.3", "--from", "0.1,2.5",
                        "--steps", "100")
    assert code == 0 and "unstable convergence features: absent" in out


@pytest.mark.parametrize("args", [
    ["--eta", "-1", "--from", "1,2"],
    ["--eta", "x", "--from", "1,2"],
    ["--eta", "1/2", "--from", "1,2,3"],
    ["--eta", "1/2", "--from", "1,2", "--dps", "2000"],
    ["--eta", "1/2", "--from", "1,2", "--plot", "/nonexistent-dir/a.png"],
    ["--eta", "1/2", "--from", "1,2", "--plot", "a.txt"],
])
def test_cli_eos_bad_input_exit_2(capsys, args):
    code, _, err = _run(capsys, "eos", "xy", *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("symstab: error:")


def test_seed_claims_give_their_expected_verdicts():
    claims = seed_claims()
    # three families, each with its false neighbour (the chaos claim has none)
    assert len(claims) == 6
    assert sum(c.expected is Verdict.FAILS for c in claims) == 2
    for claim in claims:
        result = claim.check()
        assert result.verdict == claim.expected, result.explain()
        if claim.expected is Verdict.FAILS:
            assert result.counterexample is not None
        assert result.evidence.strength == "numerical" and result.evidence.digits


@pytest.mark.slow
def test_seed_claims_full_budget():
    from proofs_check.core import Budget

    for claim in seed_claims():
        result = claim.check(Budget.full())
        assert result.verdict == claim.expected, result.explain()
