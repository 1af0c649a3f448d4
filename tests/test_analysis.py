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
    assert a.n_complex_points > 0


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
    with mpmath.workdps(30):
        one = mpmath.quad(lambda s: mpmath.sqrt(mpmath.e ** (2 * s) + mpmath.e ** (-2 * s)),
                          [mpmath.log(lo), mpmath.log(hi)])
    assert float(ws.length.decimal) == pytest.approx(float(2 * one), rel=1e-12)
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
