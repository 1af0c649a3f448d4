"""Binomial systems on the torus (symstab.exact.binomial), the chart critical points that
use them, and exact values printed with cached roots (symstab.exact.values).

Expected solutions are worked out by hand in each test, or compared with a second
method: ``sympy.solve`` on the same system, or the general decomposition
:func:`symstab.exact.critical.critical_set` on the uncancelled numerators (the route the
analysis took before the binomial one).
"""

from __future__ import annotations

import itertools

import pytest
import sympy as sp

from symstab.evidence import Value
from symstab.exact import critical as critical_module
from symstab.exact.algebraic import AlgebraicPoint, T
from symstab.exact.binomial import binomial_system, real_torus_points
from symstab.exact.critical import critical_set
from symstab.exact.manifold import critical_points_in_chart
from symstab.exact.values import exact_value

x, y, z = sp.symbols("x y z", real=True)


def _solve(eqs: list[sp.Expr], gens: tuple[sp.Symbol, ...]) -> list[tuple[sp.Expr, ...]]:
    system = binomial_system(eqs, gens)
    assert system is not None
    return real_torus_points(system)


def test_two_equations_by_hand() -> None:
    # xy = 2 and x = 2y: 2y² = 2, so y = ±1 and x = 2y
    assert sorted(_solve([x * y - 2, x - 2 * y], (x, y))) == [(-2, -1), (2, 1)]


def test_signs_and_magnitudes_by_hand() -> None:
    # x²y = −3, y³ = −27: y = −3 (the only real cube root), x² = 1
    assert sorted(_solve([x**2 * y + 3, y**3 + 27], (x, y))) == [(-1, -3), (1, -3)]
    # x² = −1 has no real solution
    assert _solve([x**2 + 1, y - 1], (x, y)) == []


def test_irrational_magnitudes_are_exact() -> None:
    # x² = 2, y = x z, z³ = 4: |z| = 4^(1/3), z > 0, |y| = √2·4^(1/3)
    points = _solve([x**2 - 2, y - x * z, z**3 - 4], (x, y, z))
    root2, cube4 = sp.sqrt(2), sp.Integer(4) ** sp.Rational(1, 3)
    expected = [(root2, root2 * cube4, cube4), (-root2, -root2 * cube4, cube4)]
    assert len(points) == 2
    for point in points:
        assert any(all(sp.simplify(a - b) == 0 for a, b in zip(point, e, strict=True))
                   for e in expected)


def test_not_isolated_or_inconsistent() -> None:
    # one equation in two unknowns: a curve
    assert _solve([x * y - 1], (x, y)) == []
    # xy = 1 and x²y² = 1: rank 1, the same curve
    assert _solve([x * y - 1, x**2 * y**2 - 1], (x, y)) == []
    # x = 2 and x² = 3 contradict each other
    assert _solve([x - 2, x**2 - 3], (x,)) == []
    # a monomial equation has no solution with x, y ≠ 0
    assert _solve([x * y, x - 1], (x, y)) == []
    # three terms: not binomial
    assert binomial_system([x**2 + x + 1], (x,)) is None


@pytest.mark.parametrize("eqs", [
    [x**3 * y - 8, x * y**2 - 2],
    [x**2 * y**2 - 4, x * z - 1, y**2 * z**2 - 9],
    [x**4 - 16 * y**2, y**3 - 8, x * y * z + 6],
])
def test_agrees_with_sympy_solve(eqs: list[sp.Expr]) -> None:
    gens = tuple(sorted(set().union(*(e.free_symbols for e in eqs)), key=str))
    ours = {tuple(sp.nsimplify(c) for c in p) for p in _solve(eqs, gens)}
    theirs = set()
    for sol in sp.solve(eqs, gens, dict=True):
        point = tuple(sp.simplify(sol[g]) for g in gens)
        if all(c.is_real and c != 0 for c in point):
            theirs.add(tuple(sp.nsimplify(c) for c in point))
    assert ours == theirs and ours


def test_gf2_signs_count() -> None:
    # (xyz)² = 1 and x² = y² = z²... as x²y²z² = 1, x² = 1, y² = 1: every sign pattern works
    points = _solve([x**2 * y**2 * z**2 - 1, x**2 - 1, y**2 - 1], (x, y, z))
    assert sorted(points) == sorted(itertools.product((1, -1), repeat=3))
    # xyz = 1, x = 1, y = 1: z = 1 only; xyz = −1 flips z
    assert _solve([x * y * z - 1, x - 1, y - 1], (x, y, z)) == [(1, 1, 1)]
    assert _solve([x * y * z + 1, x - 1, y - 1], (x, y, z)) == [(1, 1, -1)]


def _old_route(q_u: sp.Expr, free: tuple[sp.Symbol, ...]) -> list[tuple[sp.Expr, ...]]:
    system = [sp.fraction(sp.together(sp.diff(q_u, u)))[0] for u in free]
    return [p.coordinate_exprs() for p in critical_set(system, free).points]


def _finite_values(q_u: sp.Expr, free: tuple[sp.Symbol, ...],
                   points: list[tuple[sp.Expr, ...]]) -> list[sp.Expr]:
    out = []
    for p in points:
        v = sp.radsimp(q_u.xreplace(dict(zip(free, p, strict=True))))
        if v.is_finite and v.is_positive:
            out.append(v)
    return sorted(out, key=lambda v: sp.N(v, 30))


@pytest.mark.parametrize("q_u", [
    # torus, binomial, rational points: u = ±1, v = ±1 (value 1 + 1 + 1 = 3)
    1 / x**2 + 1 / y**2 + x**2 * y**2,
    # torus, binomial, irrational points (u⁴ = 2): the general route keeps its form
    x**2 + 2 / x**2 + y**2 + 1 / y**2,
    # not a monomial denominator: general route; x = 0 or x² = 1/2, and y = 0 or
    # (y² + 1)² = x⁴ − x² + 2 (y² = √2 − 1 at x = 0): points of degree up to 4
    (x**4 - x**2 + 2) / (y**2 + 1) + y**2,
])
def test_chart_points_agree_with_the_general_route(q_u: sp.Expr) -> None:
    free = (x, y)
    q_u = sp.cancel(q_u)
    new = _finite_values(q_u, free, critical_points_in_chart(q_u, free))
    old = _finite_values(q_u, free, _old_route(q_u, free))
    assert new == old and new


def test_chart_of_a_deep_chain_takes_no_groebner_route(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the binomial path should have answered")

    monkeypatch.setattr(critical_module, "critical_set", refuse)
    u = sp.symbols("u1:6")
    q_u = sp.cancel(sum(1 / v**2 for v in u) + sp.Mul(*u) ** 2)
    points = critical_points_in_chart(q_u, u)
    # u_i² (∏u)² = 1 for every i: all |u_i| equal to s with s²·s^10 = 1, so s = 1
    assert sorted(points) == sorted(itertools.product((1, -1), repeat=5))


def test_exact_value_matches_value_of_exact() -> None:
    # a point of degree 5 written with CRootOf powers, and expressions built from it
    minpoly = sp.Poly(T**5 - 3 * T - 1, T, domain=sp.QQ)
    point = AlgebraicPoint((x,), minpoly, 1, (sp.Poly(T**4 - 2 * T**3 + T / 7, T),))
    alpha = sp.CRootOf(minpoly.as_expr(), 1)
    exprs = [*point.coordinate_exprs(), 2 / alpha, alpha**3 - sp.Rational(5, 3) * alpha,
             sp.sqrt(2) + 1, sp.Rational(7, 3)]
    for e in exprs:
        assert exact_value(e, 20, "a note") == Value.of_exact(e, 20, "a note")
        assert exact_value(e, 8) == Value.of_exact(e, 8)
