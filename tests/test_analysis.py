"""End-to-end exact analysis against values from the seed papers and derived by hand."""

from collections import Counter

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symstab.exact.analysis import analyze
from symstab.loss import Loss

R = sp.Rational


def _kinds(analysis):
    return Counter(p.kind for p in analysis.points)


def _coords(point):
    return tuple(c.expr for c in point.coordinates)


def test_f1_chen_eq43():
    # Chen et al.: strict local minimum (0, 0) with λmax = 2, maximal learning rate 1.
    # By hand: 4 real critical points (0,0) min, (0,-2/3) saddle, and x = -(2+2y)/3 with
    # 31y² + 26y + 4 = 0: y = (-13+3√5)/31 saddle, y = (-13-3√5)/31 maximum.
    a = analyze(Loss.from_catalog("f1"))
    assert _kinds(a) == Counter({"minimum": 1, "saddle": 2, "maximum": 1})
    (m,) = a.minima
    assert _coords(m) == (0, 0)
    assert m.lambda_max.expr == 2 and m.eigenvalues[0][1] == 2
    assert m.eta_star.expr == 1
    saddle = next(p for p in a.points if _coords(p) == (0, R(-2, 3)))
    assert {v.expr for v, _ in saddle.eigenvalues} == {R(2, 3), -2}
    maximum = next(p for p in a.points if p.kind == "maximum")
    assert sp.simplify(maximum.coordinates[1].expr - (-13 - 3 * sp.sqrt(5)) / 31) == 0
    assert a.components == ()


def test_f2_chen_eq44_unique_real_critical_point():
    a = analyze(Loss.from_catalog("f2"))
    assert [(_coords(p), p.kind) for p in a.points] == [((0, 0), "minimum")]
    assert a.minima[0].eta_star.expr == 1
    # reference: grad = (2x(1 + y + 2x²), 2y + x² + 4y³). x = 0 gives y(2 + 4y²) = 0: the
    # origin and y = ±i/√2; 2x² = −1 − y gives 8y³ + 3y − 1 = 0, three roots y (y ≠ −1),
    # each with two x: 9 points in all (Bézout 3·3), of which only the origin is real
    _, y = Loss.from_catalog("f2").params
    points = [(0, yy) for yy in sp.Poly(2 * y + 4 * y**3, y).nroots(n=30)]
    for yy in sp.Poly(8 * y**3 + 3 * y - 1, y).nroots(n=30):
        root = sp.sqrt(-(1 + yy) / 2)
        points += [(root, yy), (-root, yy)]
    assert len(set(points)) == 9
    non_real = [p for p in points if any(abs(sp.im(c)) > 1e-20 for c in p)]
    assert a.n_complex_points == len(non_real) == 8


def test_f3_chen_eq45_minima_and_axes():
    a = analyze(Loss.from_catalog("f3"))
    assert {_coords(p) for p in a.minima} == {(1, 1), (1, -1), (-1, 1), (-1, -1)}
    assert len(a.points) == 4
    for p in a.minima:
        assert p.lambda_max.expr == 12 and p.eta_star.expr == R(1, 6)
        assert {v.expr for v, _ in p.eigenvalues} == {12, 4}
    x, y = Loss.from_catalog("f3").params
    assert {c.component.equations for c in a.components} == {(x,), (y,)}
    for c in a.components:
        assert c.component.dimension == 1 and c.loss_value == 1
        # transverse eigenvalue 2t⁴ - 6t² along the axis: minima for |t| > √3, maxima inside
        kinds = [arc.kind.split()[0] for arc in c.arcs]
        assert kinds == ["minima", "maxima", "maxima", "minima"]
        assert [arc.end for arc in c.arcs[:-1]] == [-sp.sqrt(3), 0, sp.sqrt(3)]


def test_f4_chen_eq46():
    # minima ±(√19/(2√5))(1, 1) with λmax = 19/5, maximal learning rate 10/19
    a = analyze(Loss.from_catalog("f4"))
    r = sp.sqrt(19) / (2 * sp.sqrt(5))
    assert {_coords(p) for p in a.minima} == {(sp.radsimp(r), sp.radsimp(r)),
                                            (-sp.radsimp(r), -sp.radsimp(r))}
    for p in a.minima:
        assert p.lambda_max.expr == R(19, 5)
        assert p.eta_star.expr == R(10, 19)
        assert {v.expr for v, _ in p.eigenvalues} == {R(19, 5), R(1, 5)}
    origin = next(p for p in a.points if _coords(p) == (0, 0))
    assert origin.kind == "saddle"
    assert a.eta_critical.expr == R(10, 19)


def test_stability_at_eta_is_exact():
    a = analyze(Loss.from_catalog("f4"), R(10, 19))
    assert {p.stability for p in a.minima} == {"marginal (λmax = 2/η)"}
    a = analyze(Loss.from_catalog("f4"), R(1, 2))
    assert {p.stability for p in a.minima} == {"stable (λmax < 2/η)"}
    a = analyze(Loss.from_catalog("f4"), R(11, 19))
    assert {p.stability for p in a.minima} == {"unstable (λmax > 2/η)"}


@pytest.mark.parametrize(
    ("name", "eta_crit", "lam_inf"),
    [("xy", 1, 2), ("xy2", R(1, 2), 4), ("chain3", R(2, 3), 3), ("deep-chain-4", R(1, 2), 4)],
)
def test_critical_eta_of_minimum_manifolds(name, eta_crit, lam_inf):
    # ½(1-xy)²: λmax = x²+y² on xy = 1, infimum 2 at ±(1,1) -> η = 1; without the ½ -> 1/2;
    # depth-d chain: λmax = Σ 1/x_i² >= d by AM-GM on x1⋯xd = 1 -> η = 2/d.
    a = analyze(Loss.from_catalog(name))
    minima = [c for c in a.components if c.lambda_max_infimum is not None]
    assert len(minima) == 1
    assert minima[0].lambda_max_infimum.expr == lam_inf
    assert minima[0].eta_critical.expr == eta_crit
    assert a.eta_critical.expr == eta_crit
    assert minima[0].loss_value == 0
    assert a.bounded_below is not None


def test_xy_hyperbola_lambda_max_and_weakly_stable_part():
    x, y = Loss.from_catalog("xy").params
    a = analyze(Loss.from_catalog("xy"), R(1, 2))
    (c,) = a.components
    assert c.component.equations == (x * y - 1,)
    assert sp.simplify(c.transverse_eigenvalue - (x**2 + y**2)) == 0
    assert [arc.kind.split()[0] for arc in c.arcs] == ["minima", "minima"]
    # λmax = t² + 1/t² <= 4  <=>  t² in [2-√3, 2+√3]
    ws = c.weakly_stable
    got = sorted(float(sp.N(v)) for pair in ws.intervals for v in pair)
    lo, hi = (float(sp.sqrt(2 - sp.sqrt(3))), float(sp.sqrt(2 + sp.sqrt(3))))
    assert got == pytest.approx([-hi, -lo, lo, hi], rel=1e-14)
    # second method for the length: x = e^s, y = e^-s, speed sqrt(e^{2s} + e^{-2s})
    # (end points at 40 digits, compared as mpf at the digits the value states)
    with mpmath.workdps(40):
        ends = [mpmath.log(mpmath.sqrt(2 + sign * mpmath.sqrt(3))) for sign in (-1, 1)]
        one = mpmath.quad(lambda s: mpmath.sqrt(mpmath.e ** (2 * s) + mpmath.e ** (-2 * s)),
                          ends)
        assert ws.length.digits >= 15
        error = abs(mpmath.mpf(ws.length.decimal) - 2 * one)
        assert error < mpmath.mpf(10) ** (2 - ws.length.digits) * 2 * one
    assert ws.length.strength == "numerical"
    (origin,) = a.points
    assert origin.kind == "saddle"


def test_xy_weakly_stable_part_empty_past_critical_eta():
    a = analyze(Loss.from_catalog("xy"), R(11, 10))
    (c,) = a.components
    assert c.weakly_stable.intervals == ()
    assert c.weakly_stable.length is None


@st.composite
def positive_definite(draw, n):
    b = sp.Matrix(n, n, draw(st.lists(st.integers(-3, 3), min_size=n * n, max_size=n * n)))
    shift = draw(st.integers(1, 3))
    return b.T * b + shift * sp.eye(n)


@settings(max_examples=15)
@given(st.integers(2, 3).flatmap(lambda n: st.tuples(positive_definite(n),
                                                      st.lists(st.integers(-3, 3),
                                                               min_size=n, max_size=n))))
def test_random_quadratic_threshold_is_two_over_lambda_max(data):
    A, b = data
    n = A.rows
    theta = sp.Matrix(sp.symbols(f"q0:{n}", real=True))
    expr = sp.expand((theta.T * A * theta)[0] / 2 + (sp.Matrix(b).T * theta)[0])
    a = analyze(Loss.from_expr(expr, tuple(theta)))
    (p,) = a.points
    assert p.kind == "minimum"
    # second method: λmax(A) from numpy, and 2/η* is exactly a root of A's characteristic
    # polynomial (its minimal polynomial divides it), so it is that eigenvalue
    lam = sp.Symbol("lam")
    lam_exact = 2 / p.eta_star.expr
    minpoly = sp.minimal_polynomial(lam_exact, lam)
    assert sp.rem(A.charpoly(lam).as_expr(), minpoly, lam) == 0
    lam_numeric = max(np.linalg.eigvalsh(np.array(A.tolist(), dtype=float)))
    assert float(sp.N(lam_exact, 30)) == pytest.approx(lam_numeric, rel=1e-12)
    solution = -A.LUsolve(sp.Matrix(b))
    assert _coords(p) == tuple(solution)


# ---------------------------------------------------------------------- degenerate points


def _point(analysis, coords):
    return next(p for p in analysis.points if _coords(p) == coords)


def test_x4_plus_y2_degenerate_minimum_with_lambda_max_two():
    # H(0, 0) = diag(0, 2): eigenvalues 2, 0; f ≥ 0 = f(0, 0); η* = 2/2 = 1
    a = analyze(Loss.from_text("x^4 + y^2", "x,y"))
    assert a.minima == ()  # the strict, non-degenerate ones only
    (m,) = a.isolated_minima
    assert _coords(m) == (0, 0)
    assert (m.kind, m.label, m.degenerate, m.global_minimum) == (
        "degenerate minimum", 1, True, True)
    assert m.hessian_kind == "degenerate (positive semidefinite)"
    assert [(v.expr, k) for v, k in m.eigenvalues] == [(2, 1), (0, 1)]
    assert m.lambda_max.expr == 2 and m.eta_star.expr == 1
    assert any("non-degenerate directions only" in n for n in m.notes)
    assert "non-degenerate directions only" in m.eta_star_about
    assert a.eta_critical.expr == 1


def test_square_loss_degenerate_minima_at_zero_one_and_one_zero():
    # f = x²y² + (x+y-1)⁴ ≥ 0, zero exactly at (0, 1) and (1, 0). At (0, 1):
    # f_xx = 2y² + 12(x+y-1)² = 2, f_yy = 2x² + 12(x+y-1)² = 0, f_xy = 4xy + 12(x+y-1)² = 0,
    # so H = diag(2, 0); at (1, 0), H = diag(0, 2). λmax = 2, η* = 1 at both.
    a = analyze(Loss.from_text("x^2*y^2 + (x+y-1)^4", "x,y"))
    assert [(_coords(m), m.label) for m in a.isolated_minima] == [((0, 1), 1), ((1, 0), 2)]
    for m in a.isolated_minima:
        assert m.kind == "degenerate minimum" and m.global_minimum
        assert {v.expr for v, _ in m.eigenvalues} == {2, 0}
        assert m.lambda_max.expr == 2 and m.eta_star.expr == 1
    H = a.hessian
    x, y = a.loss.params
    assert H.subs({x: 0, y: 1}) == sp.diag(2, 0)
    assert H.subs({x: 1, y: 0}) == sp.diag(0, 2)
    others = [p for p in a.points if p.label is None]
    assert [p.kind for p in others] == ["saddle"]


def test_x3_plus_y2_degenerate_saddle():
    a = analyze(Loss.from_text("x^3 + y^2", "x,y"))
    (p,) = a.points
    assert p.kind == "degenerate saddle" and p.label is None and p.eta_star is None
    assert a.isolated_minima == () and a.eta_critical is None


def test_degenerate_maximum():
    # -x⁴ - y²: H = diag(0, -2), f ≤ 0 = f(0, 0); λmax = 0
    a = analyze(Loss.from_text("-x^4 - y^2", "x,y"))
    (p,) = a.points
    assert p.kind == "degenerate maximum" and p.lambda_max.expr == 0
    assert a.isolated_minima == ()


def test_degenerate_minimum_with_zero_hessian_has_infinite_eta_star():
    # x⁴ + xy³ + y⁴ ≥ 3x⁴/4 + y⁴/4 (AM-GM on |xy³|): a minimum with H = 0, so
    # λmax = 0 and η* = ∞; at η = 1 the linearisation decides nothing.
    a = analyze(Loss.from_text("x^4 + x*y^3 + y^4", "x,y"), 1)
    (m,) = a.isolated_minima
    assert m.kind == "degenerate minimum" and m.lambda_max.expr == 0
    assert m.eta_star.exact == "oo"
    assert m.stability == "not decided by the linearisation (λmax = 0)"
    assert any("η* = oo" in n for n in m.notes)
    assert a.eta_critical.exact == "oo"


def test_degenerate_minimum_stability_at_eta():
    # x⁴ + y²: λmax = 2, so η = 1/2 is below 2/λmax = 1 and η = 3/2 above
    loss = Loss.from_text("x^4 + y^2", "x,y")
    (m,) = analyze(loss, R(1, 2)).isolated_minima
    assert m.stability == "stable on the non-degenerate directions (λmax < 2/η)"
    (m,) = analyze(loss, R(3, 2)).isolated_minima
    assert m.stability == "unstable (λmax > 2/η)"


def test_undecided_point_reports_its_reason():
    # (x² - 2y²)² - x⁶ at the origin: see tests/test_degenerate.py
    a = analyze(Loss.from_text("(x^2 - 2*y^2)^2 - x^6", "x,y"))
    p = _point(a, (0, 0))
    assert p.kind == "degenerate, undecided" and p.label is None
    assert "vanishes on curves through the point" in p.reason
    assert p.to_dict()["classification"]["reason"] == p.reason


# ------------------------------------------------------ which set each critical η is about


def test_f3_critical_etas_name_their_sets():
    # Chen et al. eq. (45): the four isolated minima (±1, ±1) have λmax = 12, η* = 1/6.
    # Erratum: on the axis x = 0 at (0, t) the transverse second derivative is
    # 2t²(t² - 3), so |t| > √3 are non-strict minima with λmax → 0 as |t| → √3: their
    # critical η, and the loss's, is ∞.
    a = analyze(Loss.from_catalog("f3"))
    entries = a.critical_etas
    assert [e.scope for e in entries] == ["isolated minima", "component", "component",
                                          "all minima"]
    assert [e.eta.exact for e in entries] == ["1/6", "oo", "oo", "oo"]
    assert entries[0].members == ("#1", "#2", "#3", "#4")
    assert {e.members for e in entries[1:3]} == {("x = 0",), ("y = 0",)}
    assert "(-oo, -sqrt(3)) or (sqrt(3), oo)" in entries[1].about
    assert "isolated minima alone give 1/6" in entries[3].about
    assert a.eta_critical.exact == "oo"  # unchanged: over all minima
    for k, m in enumerate(a.isolated_minima, start=1):
        assert m.label == k and f"#{k}" in m.eta_star_about
    data = a.to_dict()
    assert [e["eta"]["exact"] for e in data["critical_set"]["critical_etas"]] == [
        "1/6", "oo", "oo", "oo"]
    assert all("sqrt(3)" in c["eta_critical_about"] for c in data["critical_set"]["components"])


def test_critical_etas_of_isolated_minima_with_different_thresholds():
    # x⁴(x-2)² has a degenerate minimum at 0 (λmax = 0, η* = ∞) and a minimum at 2 with
    # f'' = 32, η* = 1/16: largest ∞, smallest 1/16.
    t = sp.Symbol("t", real=True)
    a = analyze(Loss.from_expr(t**4 * (t - 2) ** 2, (t,)))
    isolated, overall = a.critical_etas
    assert isolated.eta.exact == "oo" and overall.eta.exact == "oo"
    assert [m.eta_star.exact for m in a.isolated_minima] == ["oo", "1/16"]
    assert [(m.label, m.kind) for m in a.minima] == [(2, "minimum")]
    assert "some have λmax = 0" in isolated.meaning


def test_xy_critical_eta_is_about_the_hyperbola():
    # ½(1-xy)²: λmax = x² + y² ≥ 2xy = 2 on xy = 1, so the hyperbola's critical η is 1
    a = analyze(Loss.from_catalog("xy"))
    component, overall = a.critical_etas
    assert component.scope == "component" and component.members == ("x*y - 1 = 0",)
    assert component.eta.expr == 1 and overall.eta.expr == 1
    assert "inf λmax = 2" in component.meaning
