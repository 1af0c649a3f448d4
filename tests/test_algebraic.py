"""Exact arithmetic at real algebraic points (symstab.exact.algebraic).

Expected values are derived by hand in the comments, never copied from the code's output.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symstab.exact.algebraic import AlgebraicPoint, T, isolate_real_roots

x, y = sp.symbols("x y")

# f4(x, y) = (1 - xy)^2 + (x^2 + y^2)/20 has a minimum at (a, a), a = sqrt(19/20):
# f4_x = -2y + 2xy^2 + x/10 = a(-2 + 2*19/20 + 1/10) = 0 at x = y = a.
F4 = (1 - x * y) ** 2 + (x**2 + y**2) / 20

SQRT2_50 = "1.41421356237309504880168872420969807856967187537694"


def quadratic_point(minpoly: sp.Expr, root_index: int = 1) -> AlgebraicPoint:
    return AlgebraicPoint((x, y), sp.Poly(minpoly, T), root_index, (sp.Poly(T, T),) * 2)


def sqrt2_point() -> AlgebraicPoint:
    return AlgebraicPoint((x,), sp.Poly(T**2 - 2, T), 1, (sp.Poly(T, T),))


def cubic_point() -> AlgebraicPoint:
    # alpha = 2^(1/3), the only real root of t^3 - 2; point (alpha, alpha^2)
    return AlgebraicPoint((x, y), sp.Poly(T**3 - 2, T), 0, (sp.Poly(T, T), sp.Poly(T**2, T)))


def test_dataclass_fields_unchanged() -> None:
    names = [f.name for f in dataclasses.fields(AlgebraicPoint)]
    assert names == ["params", "minpoly", "root_index", "coords"]


def test_rational_point() -> None:
    p = AlgebraicPoint.rational((x, y), (Fraction(1, 3), -2))
    assert p.minpoly == sp.Poly(T, T, domain=sp.QQ)
    assert p.root_index == 0
    assert p.coords == (sp.Poly(sp.Rational(1, 3), T, domain=sp.QQ), sp.Poly(-2, T, domain=sp.QQ))
    assert p.alpha == 0
    assert p.coordinate_exprs() == (sp.Rational(1, 3), sp.Integer(-2))
    assert p.reduce(x * y + 1) == sp.Poly(sp.Rational(1, 3), T, domain=sp.QQ)  # -2/3 + 1
    assert p.sign(x * y + 1) == 1
    assert p.sign(3 * x - 1) == 0
    assert p == AlgebraicPoint.rational((x, y), (sp.Rational(1, 3), "-2"))


def test_rational_point_rejects_bad_values() -> None:
    with pytest.raises(ValueError):
        AlgebraicPoint.rational((x, y), (0.5, 1))
    with pytest.raises(ValueError):
        AlgebraicPoint.rational((x, y), (1,))
    with pytest.raises(ValueError):
        AlgebraicPoint.rational((x,), (sp.sqrt(2),))


@pytest.mark.parametrize("minpoly", [20 * T**2 - 19, T**2 - sp.Rational(19, 20)])
def test_quadratic_alpha_and_coordinates(minpoly: sp.Expr) -> None:
    # sqrt(19/20) = sqrt(95)/10
    assert quadratic_point(minpoly, 1).alpha == sp.sqrt(95) / 10
    assert quadratic_point(minpoly, 0).alpha == -sp.sqrt(95) / 10
    assert quadratic_point(minpoly, 1).coordinate_exprs() == (sp.sqrt(95) / 10,) * 2


def test_quadratic_alpha_with_linear_term() -> None:
    # t^2 - 2t - 1 has roots 1 - sqrt(2) < 1 + sqrt(2)
    p = AlgebraicPoint((x,), sp.Poly(T**2 - 2 * T - 1, T), 0, (sp.Poly(T, T),))
    assert sp.simplify(p.alpha - (1 - sp.sqrt(2))) == 0
    assert p.sign(x) == -1
    q = AlgebraicPoint((x,), sp.Poly(T**2 - 2 * T - 1, T), 1, (sp.Poly(T, T),))
    assert sp.simplify(q.alpha - (1 + sp.sqrt(2))) == 0


def test_cubic_alpha() -> None:
    p = cubic_point()
    alpha = sp.CRootOf(sp.Poly(T**3 - 2, T), 0)
    assert p.alpha == alpha
    assert p.coordinate_exprs() == (alpha, alpha**2)
    assert p.to_expr(y) == alpha**2


def test_root_index_out_of_range() -> None:
    with pytest.raises(ValueError):
        _ = quadratic_point(T**2 - 2, 2).alpha
    with pytest.raises(ValueError):
        quadratic_point(T**2 + 1, 0).sign(x)  # no real root at all
    with pytest.raises(ValueError):
        _ = AlgebraicPoint((x,), sp.Poly(T**3 - 2, T), 1, (sp.Poly(T, T),)).alpha  # 1 real root


def test_reduce_f4_minimum() -> None:
    p = quadratic_point(20 * T**2 - 19)
    zero = sp.Poly(0, T, domain=sp.QQ)
    assert p.reduce(sp.diff(F4, x)) == zero
    assert p.reduce(sp.diff(F4, y)) == zero
    h = sp.hessian(F4, (x, y))
    # f_xx = 2y^2 + 1/10 = 2, f_xy = -2 + 4xy = 9/5 at x = y = a, a^2 = 19/20
    assert p.reduce(h[0, 0]) == sp.Poly(2, T, domain=sp.QQ)
    assert p.reduce(h[0, 1]) == sp.Poly(sp.Rational(9, 5), T, domain=sp.QQ)
    assert p.reduce(x**3) == sp.Poly(sp.Rational(19, 20) * T, T, domain=sp.QQ)
    assert p.reduce(sp.Poly(x * y, x, y)) == sp.Poly(sp.Rational(19, 20), T, domain=sp.QQ)
    # t may stand for alpha when it is not a parameter
    assert p.reduce(x - T) == zero


@pytest.mark.parametrize(
    "expr",
    [1 / x, sp.sin(x), x * sp.Symbol("eta"), sp.Float(0.5) * x, sp.sqrt(2) * x, sp.sqrt(x)],
)
def test_reduce_rejects_non_polynomials(expr: sp.Expr) -> None:
    with pytest.raises(ValueError):
        quadratic_point(T**2 - 2).reduce(expr)


def test_sign_sqrt2() -> None:
    p = sqrt2_point()
    assert p.sign(sp.Poly(T - sp.Rational(14142, 10000), T)) == 1
    assert p.sign(sp.Poly(T - sp.Rational(14143, 10000), T)) == -1
    assert p.sign(sp.Poly(T**2 - 2, T)) == 0
    assert p.sign(x - sp.Rational(14142, 10000)) == 1
    assert p.sign(sp.Rational(14143, 10000) - x) == 1
    assert p.sign(x**2 - 2) == 0
    assert p.sign(-x) == -1
    assert p.sign(0) == 0
    assert p.sign(Fraction(-1, 7)) == -1


def test_sign_close_to_zero() -> None:
    # convergents of sqrt(2) alternate: 41/29 < 239/169 < sqrt(2) < 577/408 < 99/70;
    # sqrt(2) - 665857/470832 ~ -1.6e-12
    p = sqrt2_point()
    assert p.sign(x - sp.Rational(41, 29)) == 1
    assert p.sign(x - sp.Rational(239, 169)) == 1
    assert p.sign(x - sp.Rational(99, 70)) == -1
    assert p.sign(x - sp.Rational(577, 408)) == -1
    assert p.sign(x - sp.Rational(665857, 470832)) == -1
    assert p.sign(x * 10**30 - 1414213562373095048801688724209) == 1
    assert p.sign(x * 10**30 - 1414213562373095048801688724210) == -1


def test_sign_cubic() -> None:
    p = cubic_point()
    assert p.sign(y - x) == 1  # alpha^2 > alpha since alpha > 1
    assert p.sign(x**3 - 2) == 0
    assert p.sign(y**3 - 4) == 0
    assert p.sign(x * y - 2) == 0
    assert p.sign(y - sp.Rational(1587, 1000)) == 1  # 4^(1/3) = 1.58740...
    assert p.sign(y - sp.Rational(1588, 1000)) == -1


def test_sign_detects_reducible_minpoly() -> None:
    p = AlgebraicPoint((x,), sp.Poly(T**2 - 4, T), 1, (sp.Poly(T, T),))
    with pytest.raises(ValueError):
        p.sign(x - 2)


def test_enclosure_sqrt2() -> None:
    p = sqrt2_point()
    lo, hi = p.enclosure(x, 30)
    assert isinstance(lo, Fraction) and isinstance(hi, Fraction)
    assert 0 < hi - lo < Fraction(1, 10**30)
    assert lo * lo <= 2 <= hi * hi and lo > 0  # certified without trusting the code
    assert abs(lo - Fraction(SQRT2_50)) < Fraction(1, 10**30)
    assert p.enclosure(x**2, 30) == (2, 2)


def test_decimal_sqrt2() -> None:
    p = sqrt2_point()
    # 1.414213562373095048801688724209|698... rounds up in the 30th place
    assert p.decimal(x, 30) == "1.414213562373095048801688724210"
    assert p.decimal(x, 45) == "1.414213562373095048801688724209698078569671875"
    assert p.decimal(-x, 5) == "-1.41421"
    assert p.decimal(x, 0) == "1"
    assert p.decimal(x - 1, 3) == "0.414"


def test_decimal_rationals() -> None:
    p = AlgebraicPoint.rational((x,), (Fraction(1, 8),))
    assert p.decimal(x, 2) == "0.13"  # tie rounds away from zero
    assert p.decimal(-x, 2) == "-0.13"
    assert p.decimal(x, 5) == "0.12500"
    assert p.decimal(x / 3 * 8, 4) == "0.3333"
    assert p.decimal(x - 1, 1) == "-0.9"  # -0.875


def test_to_expr() -> None:
    p = sqrt2_point()
    assert p.to_expr(x + 1) == 1 + sp.sqrt(2)
    assert p.to_expr(x**2) == 2
    assert p.to_expr(sp.Poly(3 * T - 1, T)) == 3 * sp.sqrt(2) - 1


@settings(deadline=None)
@given(
    d=st.integers(2, 50).filter(lambda d: sp.sqrt(d).is_Rational is False),
    a=st.fractions(min_value=-20, max_value=20, max_denominator=50),
    b=st.fractions(min_value=-20, max_value=20, max_denominator=50),
    root_index=st.integers(0, 1),
)
def test_sign_matches_squaring(d: int, a: Fraction, b: Fraction, root_index: int) -> None:
    # alpha = +-sqrt(d); sign(a + b*alpha) from comparing a^2 with b^2 d.
    p = AlgebraicPoint((x,), sp.Poly(T**2 - d, T), root_index, (sp.Poly(T, T),))
    b_signed = b if root_index == 1 else -b  # value = a + b_signed * sqrt(d)
    if a == 0 and b == 0:
        expected = 0
    elif a >= 0 and b_signed >= 0:
        expected = 1
    elif a <= 0 and b_signed <= 0:
        expected = -1
    else:  # opposite signs: the larger square wins
        expected = (1 if a > 0 else -1) if a * a > b * b * d else (1 if b_signed > 0 else -1)
    elem = sp.Rational(a.numerator, a.denominator) + sp.Rational(b.numerator, b.denominator) * x
    assert p.sign(elem) == expected


@settings(deadline=None)
@given(st.lists(st.integers(-9, 9), min_size=3, max_size=8))
def test_isolate_real_roots_against_sympy(coeffs: list[int]) -> None:
    poly = sp.Poly(coeffs, T)
    if poly.degree() < 2:
        return
    for factor, _ in poly.factor_list()[1]:
        if factor.degree() < 2:
            continue
        intervals = isolate_real_roots(factor)
        assert len(intervals) == factor.count_roots()
        previous = None
        for a, b in intervals:
            assert a < b
            if previous is not None:
                assert previous < a
            previous = b
            ra, rb = (
                sp.Rational(int(a.numerator), int(a.denominator)),
                sp.Rational(int(b.numerator), int(b.denominator)),
            )
            assert factor.eval(ra) * factor.eval(rb) < 0
            assert factor.count_roots(ra, rb) == 1
