"""Tests for :mod:`symstab.exact.critical`.

Every expected critical point and component below was derived by hand (the
derivation is in each test's comment) and is written as an exact sympy object.
Computed points are turned into exact expressions ``coords(CRootOf(minpoly, k))``
and matched against the expected ones numerically at 30 digits; each match is then
confirmed exactly (the minimal polynomial of the difference is ``X``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
import sympy as sp

from symstab.errors import BudgetExceeded
from symstab.exact.algebraic import AlgebraicPoint, T
from symstab.exact.critical import (
    Component,
    CriticalSet,
    _equidimensional_part,
    _solve_system,
    critical_set,
)

x, y, z = sp.symbols("x y z", real=True)
a, b, c = sp.symbols("a b c", real=True)
x1, x2, x3, x4 = sp.symbols("x1:5", real=True)
X = sp.Dummy("X")


def grad(f: sp.Expr, params: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [sp.diff(f, p) for p in params]


def exact_coords(point: AlgebraicPoint) -> tuple[sp.Expr, ...]:
    """The point's coordinates as exact expressions in ``CRootOf(minpoly, root_index)``."""
    alpha = sp.CRootOf(point.minpoly, point.root_index)
    return tuple(sp.expand(c.as_expr().subs(T, alpha)) for c in point.coords)


def exactly_equal(u: sp.Expr, v: sp.Expr) -> bool:
    d = sp.expand(u - v)
    if d.is_Rational:
        return d == 0
    return sp.expand(sp.minimal_polynomial(d, X) - X) == 0


def assert_points(cs: CriticalSet, expected: Sequence[Sequence[sp.Expr]]) -> None:
    """The computed real isolated points are exactly ``expected`` (as a set)."""
    got = [exact_coords(p) for p in cs.points]
    assert len(got) == len(expected), (got, expected)
    got_n = [tuple(sp.N(v, 30) for v in pt) for pt in got]
    unmatched = list(range(len(got)))
    for exp in expected:
        exp_n = tuple(sp.N(v, 30) for v in exp)
        hits = [
            i
            for i in unmatched
            if all(abs(g - e) < sp.Float("1e-25") for g, e in zip(got_n[i], exp_n, strict=True))
        ]
        assert len(hits) == 1, f"expected point {exp} not found once in {got}"
        i = hits[0]
        assert all(exactly_equal(g, e) for g, e in zip(got[i], exp, strict=True))
        unmatched.remove(i)


def component_map(cs: CriticalSet) -> dict[frozenset[sp.Expr], int]:
    """``{frozenset(equations): dimension}``."""
    return {frozenset(comp.equations): comp.dimension for comp in cs.components}


def assert_point_invariants(cs: CriticalSet) -> None:
    for p in cs.points:
        assert p.params == cs.params
        assert p.minpoly.gens == (T,)
        assert p.minpoly.get_domain() == sp.QQ
        assert p.minpoly.is_irreducible
        assert 0 <= p.root_index < p.minpoly.count_roots()
        assert len(p.coords) == len(cs.params)
        for coord in p.coords:
            assert coord.gens == (T,)
            assert coord.get_domain() == sp.QQ
            assert coord.degree() < p.minpoly.degree()
        for comp in cs.components:
            assert not comp.contains(p)


def assert_witnesses_real(cs: CriticalSet) -> None:
    for comp in cs.components:
        w = comp.real_witness
        assert w is not None
        assert len(w) == len(cs.params)
        assert all(v.is_real for v in w)
        assert comp.contains(w)


# ---------------------------------------------------------------------------
# The four reference losses
# ---------------------------------------------------------------------------


def test_f1_four_points() -> None:
    # grad = (x(2 + 2y + 3x), 2y + x^2 + 3y^2).
    # x = 0: y(2 + 3y) = 0 -> (0, 0), (0, -2/3).
    # x = -(2 + 2y)/3: 2y + (2 + 2y)^2/9 + 3y^2 = 0 <=> 31y^2 + 26y + 4 = 0,
    # y = (-13 ± 3√5)/31 (discriminant 676 - 496 = 180 = 36·5).
    f = x**2 + y**2 + x**2 * y + x**3 + y**3
    cs = critical_set(grad(f, (x, y)), (x, y))
    expected = [(0, 0), (0, sp.Rational(-2, 3))]
    for sign in (1, -1):
        yy = (-13 + sign * 3 * sp.sqrt(5)) / 31
        expected.append((-(2 + 2 * yy) / 3, yy))
    assert_points(cs, expected)
    assert cs.components == ()
    assert cs.n_complex_points == 0
    assert cs.params == (x, y)
    assert_point_invariants(cs)
    # The two irrational points are conjugate: same quadratic minimal polynomial.
    quadratic = [p for p in cs.points if p.minpoly.degree() == 2]
    assert len(quadratic) == 2
    assert quadratic[0].minpoly == quadratic[1].minpoly


def test_f2_only_origin_is_real() -> None:
    # grad = (2x(1 + y + 2x^2), 2y + x^2 + 4y^3).
    # x = 0: y(2 + 4y^2) = 0 -> (0, 0) real and 2 complex (y^2 = -1/2).
    # 2x^2 = -1 - y: 8y^3 + 3y - 1 = 0, increasing, one real root y ≈ 0.27
    # (x^2 = -(1 + y)/2 < 0: 2 complex points) and two complex roots (4 points).
    f = x**2 + y**2 + x**2 * y + x**4 + y**4
    cs = critical_set(grad(f, (x, y)), (x, y))
    assert_points(cs, [(0, 0)])
    assert cs.components == ()
    assert cs.n_complex_points == 8
    assert_point_invariants(cs)


def test_f3_axes_are_components_origin_is_not_a_point() -> None:
    # ∂x = 2xy^2(2x^2 + y^2 - 3), ∂y = 2x^2y(x^2 + 2y^2 - 3): the axes are
    # critical; off the axes 2x^2 + y^2 = 3 = x^2 + 2y^2 gives x^2 = y^2 = 1.
    f = x**4 * y**2 + x**2 * y**4 - 3 * x**2 * y**2 + 1
    cs = critical_set(grad(f, (x, y)), (x, y))
    assert_points(cs, [(1, 1), (1, -1), (-1, 1), (-1, -1)])
    assert component_map(cs) == {frozenset({x}): 1, frozenset({y}): 1}
    assert cs.n_complex_points == 0
    assert_point_invariants(cs)
    assert_witnesses_real(cs)
    on_x_axis = next(comp for comp in cs.components if comp.equations == (y,))
    assert on_x_axis.contains((0, 0))
    assert on_x_axis.contains((5, 0))
    assert not on_x_axis.contains((0, 5))


def test_f4_three_points() -> None:
    # ∂x = -2y(1 - xy) + x/10, ∂y = -2x(1 - xy) + y/10. Subtracting:
    # (x - y)(2(1 - xy) + 1/10) = 0 and adding: (x + y)(1/10 - 2(1 - xy)) = 0.
    # x = y: x(1/10 - 2 + 2x^2) = 0 -> x = 0 or x^2 = 19/20.
    # x = -y: x(1/10 + 2 + 2x^2) = 0 -> x^2 = -21/20: two complex points.
    # Otherwise xy = 1 + 1/20 and xy = 1 - 1/20 at once: impossible.
    f = (1 - x * y) ** 2 + (x**2 + y**2) / 20
    cs = critical_set(grad(f, (x, y)), (x, y))
    s = sp.sqrt(sp.Rational(19, 20))
    assert_points(cs, [(0, 0), (s, s), (-s, -s)])
    assert cs.components == ()
    assert cs.n_complex_points == 2
    assert_point_invariants(cs)


# ---------------------------------------------------------------------------
# Products: positive-dimensional components
# ---------------------------------------------------------------------------


def test_two_factor_product() -> None:
    # grad ½(1 - xy)^2 = -(1 - xy)(y, x): the hyperbola xy = 1 and the origin.
    f = (1 - x * y) ** 2 / 2
    cs = critical_set(grad(f, (x, y)), (x, y))
    assert component_map(cs) == {frozenset({x * y - 1}): 1}
    assert_points(cs, [(0, 0)])
    assert cs.n_complex_points == 0
    assert_witnesses_real(cs)
    assert_point_invariants(cs)


def test_chain3() -> None:
    # grad = -(1 - abc)(bc, ac, ab): abc = 1, or two of a, b, c vanish.
    f = (1 - a * b * c) ** 2 / 2
    cs = critical_set(grad(f, (a, b, c)), (a, b, c))
    assert component_map(cs) == {
        frozenset({a * b * c - 1}): 2,
        frozenset({a, b}): 1,
        frozenset({a, c}): 1,
        frozenset({b, c}): 1,
    }
    assert cs.points == ()
    assert cs.n_complex_points == 0
    assert_witnesses_real(cs)
    assert cs.components[0].dimension == 2  # largest first


def test_chain4() -> None:
    # grad_i = -(1 - x1x2x3x4) ∏_{j≠i} xj: the hypersurface, or two coordinates vanish.
    params = (x1, x2, x3, x4)
    f = (1 - x1 * x2 * x3 * x4) ** 2 / 2
    cs = critical_set(grad(f, params), params)
    expected = {frozenset({x1 * x2 * x3 * x4 - 1}): 3}
    for i in range(4):
        for j in range(i + 1, 4):
            expected[frozenset({params[i], params[j]})] = 2
    assert component_map(cs) == expected
    assert cs.points == ()
    assert_witnesses_real(cs)


# ---------------------------------------------------------------------------
# Isolated points: rational, radical, cubic, separating linear form
# ---------------------------------------------------------------------------


def test_strictly_convex_quadratic() -> None:
    # grad = Aθ + b with A = [[2, 1], [1, 3]], b = (1, -1).
    # A^{-1} = (1/5)[[3, -1], [-1, 2]], A^{-1}b = (4/5, -3/5), minimiser (-4/5, 3/5).
    A = sp.Matrix([[2, 1], [1, 3]])
    bvec = sp.Matrix([1, -1])
    theta = sp.Matrix([x, y])
    f = (theta.T * A * theta)[0] / 2 + (bvec.T * theta)[0]
    cs = critical_set(grad(f, (x, y)), (x, y))
    assert_points(cs, [(sp.Rational(-4, 5), sp.Rational(3, 5))])
    (point,) = cs.points
    assert point.minpoly.degree() == 1
    assert cs.components == ()
    assert cs.n_complex_points == 0


def test_cubic_point() -> None:
    # x^3 = 2, y = x: one real point (2^(1/3), 2^(1/3)), two complex ones.
    cs = critical_set([x**3 - 2, y - x], (x, y))
    cbrt2 = sp.Integer(2) ** sp.Rational(1, 3)
    assert_points(cs, [(cbrt2, cbrt2)])
    (point,) = cs.points
    assert point.minpoly == sp.Poly(T**3 - 2, T, domain=sp.QQ)
    assert point.root_index == 0
    assert cs.n_complex_points == 2
    assert_point_invariants(cs)


def test_points_needing_a_separating_linear_form() -> None:
    # grad(x^3/3 - 2x + y^3/3 - 3y) = (x^2 - 2, y^2 - 3): neither coordinate
    # separates the four points (±√2, ±√3); t = y + c·x does (Q(√2, √3) has degree 4).
    cs = critical_set([x**2 - 2, y**2 - 3], (x, y))
    r2, r3 = sp.sqrt(2), sp.sqrt(3)
    assert_points(cs, [(r2, r3), (r2, -r3), (-r2, r3), (-r2, -r3)])
    assert {p.minpoly.degree() for p in cs.points} == {4}
    assert cs.n_complex_points == 0
    assert_point_invariants(cs)


def test_reducible_ideal_with_irreducible_univariates_splits() -> None:
    # (x^2 - 2, y^2 - 2): the four points (±√2, ±√2) form two Q-primes, y = ±x.
    cs = critical_set([x**2 - 2, y**2 - 2], (x, y))
    r2 = sp.sqrt(2)
    assert_points(cs, [(r2, r2), (r2, -r2), (-r2, r2), (-r2, -r2)])
    assert {p.minpoly.degree() for p in cs.points} == {2}


def test_repeated_root_is_one_point() -> None:
    # grad(x^4/4 + y^2/2) = (x^3, y): a single (degenerate) critical point.
    cs = critical_set([x**3, y], (x, y))
    assert_points(cs, [(0, 0)])
    assert cs.n_complex_points == 0


# ---------------------------------------------------------------------------
# Components without real points, mixed dimensions, degenerate inputs
# ---------------------------------------------------------------------------


def test_irrational_points_on_a_component_are_dropped() -> None:
    # ((x - y)(y^2 - 2), (x - y)(x^2 - 2)): the line x = y and the four points
    # (±√2, ±√2). The two with y = x lie on the line (not isolated); the prime
    # (x^2 - 2, y + x) gives the two isolated points (√2, -√2), (-√2, √2).
    cs = critical_set([(x - y) * (y**2 - 2), (x - y) * (x**2 - 2)], (x, y))
    r2 = sp.sqrt(2)
    assert component_map(cs) == {frozenset({x - y}): 1}
    assert_points(cs, [(r2, -r2), (-r2, r2)])
    assert_point_invariants(cs)
    assert cs.n_complex_points == 0


def test_component_without_real_points() -> None:
    # grad((x^2 + y^2 + 1)^2 / 4) = (x^2 + y^2 + 1)(x, y): the complex conic
    # x^2 + y^2 + 1 = 0 (no real point) and the origin (not on the conic).
    f = (x**2 + y**2 + 1) ** 2 / 4
    cs = critical_set(grad(f, (x, y)), (x, y))
    assert component_map(cs) == {frozenset({x**2 + y**2 + 1}): 1}
    (comp,) = cs.components
    assert comp.real_witness is None
    assert_points(cs, [(0, 0)])
    assert cs.n_complex_points == 0


def test_irrational_witness() -> None:
    # {y^2 = 2, z = 0} in (x, y, z): the two lines y = ±√2 (irreducible over Q),
    # with no rational point; the witness must be exact and irrational.
    cs = _solve_system([sp.Poly(e, x, y, z, domain=sp.QQ) for e in (y**2 - 2, z)], (x, y, z))
    (comp,) = cs.components
    assert comp.dimension == 1
    w = comp.real_witness
    assert w is not None
    assert all(v.is_real for v in w)
    assert comp.contains(w)
    assert exactly_equal(w[1] ** 2, 2)


def test_twisted_cubic_union_point() -> None:
    # The twisted cubic (t, t^2, t^3) union the point (1, 2, 3) (not on it: 2 ≠ 1^2);
    # the generators below are a grevlex basis of the intersection of their ideals.
    # The point is isolated; the curve is one component.
    gens = (x, y, z)
    equations = [
        -x * z + y**3 + y**2 - z**2,
        -x * z**2 + 3 * x * z + y**2 * z - 3 * y**2,
        x**2 - x * z + y**2 - y,
        x * y - x * z + y**2 - z,
    ]
    cs = _solve_system([sp.Poly(e, *gens, domain=sp.QQ) for e in equations], gens)
    assert_points(cs, [(1, 2, 3)])
    assert component_map(cs) == {frozenset({x**2 - y, x * y - z, y**2 - x * z}): 1}
    assert_witnesses_real(cs)


def test_equidimensional_part_splits_plane_and_line() -> None:
    # (xz, yz) = (z) ∩ (x, y); U = {x, y}, h = xy, (xz, yz) : (xy)^∞ = (z).
    gens = (x, y, z)
    basis = [sp.Poly(e, *gens, domain=sp.QQ) for e in (x * z, y * z)]
    h, saturated = _equidimensional_part(basis, gens, (0, 1))
    assert saturated is not None
    assert [p.as_expr() for p in saturated] == [z]
    assert sp.factor_list(h.as_expr())[1] == [(x, 1), (y, 1)]
    cs = _solve_system(basis, gens)
    assert component_map(cs) == {frozenset({z}): 2, frozenset({x, y}): 1}
    assert cs.points == ()


def test_zero_gradient_is_whole_space() -> None:
    cs = critical_set([0, 0], (x, y))
    (comp,) = cs.components
    assert comp.equations == ()
    assert comp.dimension == 2
    assert comp.real_witness is not None
    assert cs.points == ()


def test_constant_nonzero_gradient_is_empty() -> None:
    cs = critical_set([1, y], (x, y))
    assert cs.points == ()
    assert cs.components == ()
    assert cs.n_complex_points == 0


def test_component_contains_algebraic_point() -> None:
    comp = Component((x, y), (x * y - 1,), 1, (sp.Integer(1), sp.Integer(1)))
    # (√2, 1/√2): minpoly t^2 - 2, coords (t, t/2).
    on = AlgebraicPoint(
        (x, y),
        sp.Poly(T**2 - 2, T, domain=sp.QQ),
        1,
        (sp.Poly(T, T, domain=sp.QQ), sp.Poly(T / 2, T, domain=sp.QQ)),
    )
    off = AlgebraicPoint(
        (x, y),
        sp.Poly(T**2 - 2, T, domain=sp.QQ),
        1,
        (sp.Poly(T, T, domain=sp.QQ), sp.Poly(T, T, domain=sp.QQ)),
    )
    assert comp.contains(on)
    assert not comp.contains(off)
    assert comp.contains((sp.sqrt(2), 1 / sp.sqrt(2)))
    assert not comp.contains((sp.sqrt(2), sp.sqrt(2)))
    with pytest.raises(ValueError, match="exact"):
        comp.contains((1.0, 1.0))
    with pytest.raises(ValueError, match="coordinates"):
        comp.contains((1,))


# ---------------------------------------------------------------------------
# Input validation and budget
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gradient", "message"),
    [
        ([x / 2 + 0.5, y], "floating-point"),
        ([1 / x, y], "not a polynomial"),
        ([sp.sqrt(x), y], "not a polynomial"),
        ([sp.sqrt(2) * x, y], "rational coefficients"),
        ([x + z, y], "unknown symbol"),
        ([sp.sin(x), y], "not a polynomial"),
        ([x], "entries"),
    ],
)
def test_rejects_bad_gradients(gradient: list[sp.Expr], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        critical_set(gradient, (x, y))


def test_rejects_repeated_params() -> None:
    with pytest.raises(ValueError, match="distinct"):
        critical_set([x, x], (x, x))


def test_budget_exceeded() -> None:
    # A dense quartic in three variables: 27 complex critical points, irreducible
    # minimal polynomial of degree 27; takes seconds, far beyond 0.01 s.
    rng = random.Random(0)
    f = sum(
        rng.randint(-9, 9) * x**i * y**j * z**k
        for i in range(5)
        for j in range(5)
        for k in range(5)
        if i + j + k <= 4
    )
    with pytest.raises(BudgetExceeded):
        critical_set(grad(f, (x, y, z)), (x, y, z), time_limit=0.01)


def test_a_swallowed_budget_alarm_fires_again() -> None:
    # code that catches the first BudgetExceeded (as some library code catches every
    # exception) is stopped by the next alarm instead of running on unbounded
    import time

    from symstab.budget import time_limit
    from symstab.errors import BudgetExceeded

    swallowed = 0
    started = time.monotonic()
    with pytest.raises(BudgetExceeded), time_limit(0.05):
        while True:
            try:
                while True:
                    pass
            except BudgetExceeded:
                swallowed += 1
                if swallowed > 1:
                    raise
    assert swallowed == 2 and time.monotonic() - started < 5
