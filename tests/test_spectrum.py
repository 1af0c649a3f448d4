"""Exact Hessian spectra at algebraic points (symstab.exact.spectrum).

Expected values are derived by hand in the comments, never copied from the code's output.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symstab.exact.algebraic import AlgebraicPoint, T
from symstab.exact.spectrum import (
    LAM,
    Eigenvalue,
    Spectrum,
    _simplest_between,
    classify,
    count_eigenvalues_above,
    hessian_spectrum,
)

x, y, z = sp.symbols("x y z")
F4 = (1 - x * y) ** 2 + (x**2 + y**2) / 20
F3 = x**4 * y**2 + x**2 * y**4 - 3 * x**2 * y**2 + 1
F1 = x**2 + y**2 + x**2 * y + x**3 + y**3


def f4_minimum() -> AlgebraicPoint:
    # (a, a) with a = sqrt(19/20) > 0
    return AlgebraicPoint((x, y), sp.Poly(20 * T**2 - 19, T), 1, (sp.Poly(T, T),) * 2)


def cubic_point() -> AlgebraicPoint:
    # alpha = 2^(1/3); point (alpha, alpha^2)
    return AlgebraicPoint((x, y), sp.Poly(T**3 - 2, T), 0, (sp.Poly(T, T), sp.Poly(T**2, T)))


def values(spectrum: Spectrum) -> list[tuple[sp.Expr, int]]:
    return [(e.value, e.multiplicity) for e in spectrum.eigenvalues]


def assert_well_formed(spectrum: Spectrum, n: int) -> None:
    assert sum(e.multiplicity for e in spectrum.eigenvalues) == n
    assert spectrum.n_positive + spectrum.n_zero + spectrum.n_negative == n
    for e in spectrum.eigenvalues:
        assert e.minpoly.gens == (LAM,) and e.minpoly.LC() == 1
        assert e.minpoly.is_irreducible
        lo, hi = e.enclosure
        assert isinstance(lo, Fraction) and isinstance(hi, Fraction) and lo <= hi
        if lo == hi:
            assert e.minpoly.degree() == 1 and e.value == sp.Rational(lo.numerator, lo.denominator)
        else:
            assert (
                e.minpoly.count_roots(
                    sp.Rational(lo.numerator, lo.denominator),
                    sp.Rational(hi.numerator, hi.denominator),
                )
                == 1
            )
    for big, small in zip(spectrum.eigenvalues, spectrum.eigenvalues[1:], strict=False):
        assert big.enclosure[0] > small.enclosure[1]


def test_f4_minimum() -> None:
    # f_xx = 2y^2 + 1/10 = 2, f_yy = 2, f_xy = -2 + 4xy = 9/5 at a^2 = 19/20: 2 +- 9/5
    s = hessian_spectrum(f4_minimum(), sp.hessian(F4, (x, y)))
    assert values(s) == [(sp.Rational(19, 5), 1), (sp.Rational(1, 5), 1)]
    assert s.lambda_max.value == sp.Rational(19, 5)
    assert s.lambda_max.minpoly == sp.Poly(LAM - sp.Rational(19, 5), LAM, domain=sp.QQ)
    assert s.lambda_max.enclosure == (Fraction(19, 5), Fraction(19, 5))
    assert (s.n_positive, s.n_zero, s.n_negative) == (2, 0, 0)
    assert s.kind == "minimum"
    assert_well_formed(s, 2)


def test_f4_origin() -> None:
    # f_xx = f_yy = 1/10, f_xy = -2: eigenvalues 1/10 +- 2
    s = hessian_spectrum(AlgebraicPoint.rational((x, y), (0, 0)), sp.hessian(F4, (x, y)))
    assert values(s) == [(sp.Rational(21, 10), 1), (sp.Rational(-19, 10), 1)]
    assert s.kind == "saddle"
    assert (s.n_positive, s.n_zero, s.n_negative) == (1, 0, 1)


def test_f3_at_one_one() -> None:
    # f_xx = 12x^2y^2 + 2y^4 - 6y^2 = 8 = f_yy, f_xy = 8x^3y + 8xy^3 - 12xy = 4: 8 +- 4
    s = hessian_spectrum(AlgebraicPoint.rational((x, y), (1, 1)), sp.hessian(F3, (x, y)))
    assert values(s) == [(12, 1), (4, 1)]
    assert s.kind == "minimum"


def test_f1_origin_double_eigenvalue() -> None:
    # f_xx = 2 + 6x + 2y, f_yy = 2 + 6y, f_xy = 2x: 2 I at the origin
    s = hessian_spectrum(AlgebraicPoint.rational((x, y), (0, 0)), sp.hessian(F1, (x, y)))
    assert values(s) == [(2, 2)]
    assert s.lambda_max.multiplicity == 2
    assert s.kind == "minimum"


def test_cubic_diagonal() -> None:
    # diag(alpha, alpha^2): 2^(2/3) (root of lam^3 - 4) > 2^(1/3) (root of lam^3 - 2)
    s = hessian_spectrum(cubic_point(), sp.diag(x, y))
    assert [e.minpoly for e in s.eigenvalues] == [
        sp.Poly(LAM**3 - 4, LAM, domain=sp.QQ),
        sp.Poly(LAM**3 - 2, LAM, domain=sp.QQ),
    ]
    assert s.eigenvalues[0].value == sp.CRootOf(LAM**3 - 4, 0)
    assert s.eigenvalues[1].value == sp.CRootOf(LAM**3 - 2, 0)
    assert [e.multiplicity for e in s.eigenvalues] == [1, 1]
    assert s.kind == "minimum"
    # 4^(1/3) = 1.587401051968199474751705639..., 2^(1/3) = 1.259921049894873164767210607...
    assert s.lambda_max.decimal(15) == "1.587401051968199"
    assert s.eigenvalues[1].decimal(15) == "1.259921049894873"
    assert_well_formed(s, 2)


def test_cubic_off_diagonal() -> None:
    # [[x, y], [y, x]] at (a, a^2), a^3 = 2: eigenvalues u = a + a^2 and v = a - a^2.
    # u^3 = a^3 + 3a^4 + 3a^5 + a^6 = 2 + 6a + 6a^2 + 4 = 6 + 6u    -> lam^3 - 6 lam - 6
    # v^3 = a^3 - 3a^4 + 3a^5 - a^6 = 2 - 6a + 6a^2 - 4 = -2 - 6v   -> lam^3 + 6 lam + 2
    # u = 1.25992... + 1.58740... > 0 > v
    s = hessian_spectrum(cubic_point(), sp.Matrix([[x, y], [y, x]]))
    assert [e.minpoly for e in s.eigenvalues] == [
        sp.Poly(LAM**3 - 6 * LAM - 6, LAM, domain=sp.QQ),
        sp.Poly(LAM**3 + 6 * LAM + 2, LAM, domain=sp.QQ),
    ]
    assert s.kind == "saddle"
    assert [e.sign for e in s.eigenvalues] == [1, -1]
    # 2^(1/3) + 2^(2/3) = 2.847322101863072639518916...
    assert s.lambda_max.decimal(20) == "2.84732210186307263952"
    assert_well_formed(s, 2)


def test_quadratic_point_zero_eigenvalue() -> None:
    # [[x, 2], [2, 2x]] at x = sqrt(2): det = 2x^2 - 4 = 0, trace = 3 sqrt(2) = sqrt(18)
    p = AlgebraicPoint((x,), sp.Poly(T**2 - 2, T), 1, (sp.Poly(T, T),))
    s = hessian_spectrum(p, sp.Matrix([[x, 2], [2, 2 * x]]))
    assert values(s) == [(3 * sp.sqrt(2), 1), (0, 1)]
    assert s.lambda_max.minpoly == sp.Poly(LAM**2 - 18, LAM, domain=sp.QQ)
    assert (s.n_positive, s.n_zero, s.n_negative) == (1, 1, 0)
    assert s.kind == "degenerate (positive semidefinite)"
    # at the other root x = -sqrt(2) the nonzero eigenvalue is -3 sqrt(2)
    q = AlgebraicPoint((x,), sp.Poly(T**2 - 2, T), 0, (sp.Poly(T, T),))
    s = hessian_spectrum(q, sp.Matrix([[x, 2], [2, 2 * x]]))
    assert values(s) == [(0, 1), (-3 * sp.sqrt(2), 1)]
    assert s.kind == "degenerate (negative semidefinite)"


def test_quadratic_eigenvalues_at_quadratic_point() -> None:
    # diag(x, 1 - x) at x = sqrt(2): sqrt(2) > 0 > 1 - sqrt(2)
    p = AlgebraicPoint((x,), sp.Poly(T**2 - 2, T), 1, (sp.Poly(T, T),))
    s = hessian_spectrum(p, sp.diag(x, 1 - x))
    assert values(s) == [(sp.sqrt(2), 1), (1 - sp.sqrt(2), 1)]
    # (lam - 1)^2 = 2 -> lam^2 - 2 lam - 1
    assert s.eigenvalues[1].minpoly == sp.Poly(LAM**2 - 2 * LAM - 1, LAM, domain=sp.QQ)
    assert s.kind == "saddle"
    assert_well_formed(s, 2)


@pytest.mark.parametrize(
    ("matrix", "kind", "inertia"),
    [
        (sp.zeros(2, 2), "degenerate (zero Hessian)", (0, 2, 0)),
        (sp.diag(-1, -3), "maximum", (0, 0, 2)),
        (sp.diag(1, 0, -1), "degenerate saddle", (1, 1, 1)),
        (sp.Matrix([[1, 1], [1, 1]]), "degenerate (positive semidefinite)", (1, 1, 0)),
        (sp.Matrix([[-1, 0], [0, 0]]), "degenerate (negative semidefinite)", (0, 1, 1)),
    ],
)
def test_kinds(matrix: sp.Matrix, kind: str, inertia: tuple[int, int, int]) -> None:
    p = AlgebraicPoint.rational((x, y, z), (0, 0, 0))
    s = hessian_spectrum(p, matrix)
    assert s.kind == kind
    assert (s.n_positive, s.n_zero, s.n_negative) == inertia


def test_classify() -> None:
    assert classify(2, 0, 0) == "minimum"
    assert classify(0, 0, 3) == "maximum"
    assert classify(1, 0, 1) == "saddle"
    assert classify(1, 1, 1) == "degenerate saddle"
    assert classify(1, 1, 0) == "degenerate (positive semidefinite)"
    assert classify(0, 1, 1) == "degenerate (negative semidefinite)"
    assert classify(0, 2, 0) == "degenerate (zero Hessian)"
    with pytest.raises(ValueError):
        classify(0, 0, 0)
    with pytest.raises(ValueError):
        classify(-1, 2, 0)


def test_count_eigenvalues_above() -> None:
    p, h = f4_minimum(), sp.hessian(F4, (x, y))
    # eigenvalues 19/5 and 1/5; the count is strict
    expected = {-1: 2, 0: 2, Fraction(1, 5): 1, 1: 1, "19/5": 0, 4: 0, Fraction(37, 10): 1}
    for c, n in expected.items():
        assert count_eigenvalues_above(p, h, c) == n
    with pytest.raises(ValueError):
        count_eigenvalues_above(p, h, 0.5)
    # cubic: eigenvalues 2^(2/3) = 1.5874... and 2^(1/3) = 1.2599...
    q = cubic_point()
    assert count_eigenvalues_above(q, sp.diag(x, y), Fraction(3, 2)) == 1
    assert count_eigenvalues_above(q, sp.diag(x, y), Fraction(1587, 1000)) == 1
    assert count_eigenvalues_above(q, sp.diag(x, y), Fraction(1588, 1000)) == 0


def test_rejects_bad_hessians() -> None:
    p = AlgebraicPoint.rational((x, y), (1, 2))
    with pytest.raises(ValueError):
        hessian_spectrum(p, sp.Matrix([[x, 1], [2, y]]))  # not symmetric
    with pytest.raises(ValueError):
        hessian_spectrum(p, sp.Matrix([[x, 1]]))  # not square
    with pytest.raises(ValueError):
        hessian_spectrum(p, sp.Matrix([[1 / x, 0], [0, 1]]))
    # symmetric at the point although not as polynomials: x = 1, y - 1 = 1
    s = hessian_spectrum(p, sp.Matrix([[0, x], [y - 1, 0]]))
    assert values(s) == [(1, 1), (-1, 1)]


def test_eigenvalue_sign_and_decimal() -> None:
    e = Eigenvalue(
        sp.Rational(-1, 8), sp.Poly(LAM + sp.Rational(1, 8), LAM), 1, (Fraction(-1, 8),) * 2
    )
    assert e.sign == -1
    assert e.decimal(2) == "-0.13"


def test_f4_minimum_is_fast() -> None:
    import time

    p, h = f4_minimum(), sp.hessian(F4, (x, y))
    hessian_spectrum(p, h)
    start = time.perf_counter()
    for _ in range(10):
        hessian_spectrum(p, h)
    assert (time.perf_counter() - start) / 10 < 0.1


@settings(deadline=None)
@given(
    st.fractions(min_value=-50, max_value=50, max_denominator=60),
    st.fractions(min_value=-50, max_value=50, max_denominator=60),
)
def test_simplest_between(a: Fraction, b: Fraction) -> None:
    from gmpy2 import mpq

    if a == b:
        return
    lo, hi = min(a, b), max(a, b)
    q = _simplest_between(mpq(lo.numerator, lo.denominator), mpq(hi.numerator, hi.denominator))
    q = Fraction(int(q.numerator), int(q.denominator))
    assert lo < q < hi
    # no rational with a smaller denominator lies strictly between
    for den in range(1, q.denominator):
        k = (lo * den).__floor__() + 1
        assert not Fraction(k, den) < hi


# ---------------------------------------------------------------------- property tests


def sympy_spectrum(matrix: sp.Matrix) -> list[mpmath.mpf]:
    """Eigenvalues with multiplicity from sympy's eigenvals(), at 30 digits."""
    out = []
    for value, mult in matrix.eigenvals().items():
        num = sp.N(value, 30, chop=True)
        out.extend([sp.re(num)] * mult)
    return sorted(out, reverse=True)


def ours(spectrum: Spectrum) -> list[sp.Expr]:
    out = []
    for e in spectrum.eigenvalues:
        out.extend([sp.N(e.value, 30)] * e.multiplicity)
    return out


def assert_close(a: list, b: list) -> None:
    assert len(a) == len(b)
    for u, v in zip(a, b, strict=True):
        assert abs(u - v) < sp.Float("1e-20", 30), (a, b)


@st.composite
def symmetric_integer_matrices(draw: st.DrawFn) -> sp.Matrix:
    n = draw(st.integers(2, 4))
    m = sp.zeros(n, n)
    for i in range(n):
        for j in range(i, n):
            m[i, j] = m[j, i] = draw(st.integers(-5, 5))
    return m


@settings(deadline=None)
@given(symmetric_integer_matrices())
def test_random_symmetric_matrices_match_sympy(matrix: sp.Matrix) -> None:
    n = matrix.rows
    params = sp.symbols(f"p0:{n}")
    s = hessian_spectrum(AlgebraicPoint.rational(params, (0,) * n), matrix)
    assert_well_formed(s, n)
    expected = sympy_spectrum(matrix)
    assert_close(ours(s), expected)
    # inertia, exactly, from the characteristic polynomial's rational roots and signs
    n_zero = n - matrix.rank()
    assert s.n_zero == n_zero
    assert s.n_positive == sum(1 for v in expected if v > sp.Float("1e-20"))
    assert s.n_negative == sum(1 for v in expected if v < sp.Float("-1e-20"))


@st.composite
def polynomials_and_points(draw: st.DrawFn) -> tuple[sp.Expr, tuple[Fraction, Fraction]]:
    n_terms = draw(st.integers(1, 6))
    terms = [
        draw(st.integers(-4, 4)) * x ** draw(st.integers(0, 4)) * y ** draw(st.integers(0, 4))
        for _ in range(n_terms)
    ]
    rationals = st.fractions(min_value=-3, max_value=3, max_denominator=5)
    return sp.Add(*terms), (draw(rationals), draw(rationals))


@settings(deadline=None)
@given(polynomials_and_points())
def test_random_polynomial_hessians_at_rational_points(
    case: tuple[sp.Expr, tuple[Fraction, Fraction]],
) -> None:
    f, point = case
    h = sp.hessian(f, (x, y))
    s = hessian_spectrum(AlgebraicPoint.rational((x, y), point), h)
    assert_well_formed(s, 2)
    u, v = (sp.Rational(c.numerator, c.denominator) for c in point)
    at_point = h.subs({x: u, y: v})
    assert_close(ours(s), sympy_spectrum(at_point))
    det, trace = at_point.det(), at_point.trace()
    # 2x2 inertia by hand: det < 0 saddle; det > 0 sign of trace; det = 0 one zero (or two)
    if det < 0:
        assert s.kind == "saddle"
    elif det > 0:
        assert s.kind == ("minimum" if trace > 0 else "maximum")
    else:
        assert s.n_zero == (2 if at_point.is_zero_matrix else 1)


@settings(deadline=None)
@given(
    d=st.sampled_from([2, 3, 5, 6, 7, 10]),
    root_index=st.integers(0, 1),
    coords=st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)), min_size=2, max_size=2),
    case=polynomials_and_points(),
)
def test_random_hessians_at_quadratic_points(
    d: int, root_index: int, coords: list[tuple[int, int]], case: tuple[sp.Expr, object]
) -> None:
    f, _ = case
    point = AlgebraicPoint(
        (x, y),
        sp.Poly(T**2 - d, T),
        root_index,
        tuple(sp.Poly(a + b * T, T) for a, b in coords),
    )
    h = sp.hessian(f, (x, y))
    s = hessian_spectrum(point, h)
    assert_well_formed(s, 2)
    # independent numeric oracle: substitute the radical coordinates, eigenvalues at 40 digits
    alpha = sp.sqrt(d) if root_index == 1 else -sp.sqrt(d)
    exact = h.subs({x: coords[0][0] + coords[0][1] * alpha, y: coords[1][0] + coords[1][1] * alpha})
    with mpmath.workdps(40):
        m = mpmath.matrix([[sp.N(exact[i, j], 45) for j in range(2)] for i in range(2)])
        numeric = [sp.Float(mpmath.nstr(v, 35), 30) for v in mpmath.eigsy(m)[0]]
    assert_close(ours(s), sorted(numeric, reverse=True))
    # exact inertia: 2x2, det and trace are elements of Q(alpha)
    det, trace = point.sign(h.det()), point.sign(h.trace())
    if det < 0:
        assert s.kind == "saddle"
    elif det > 0:
        assert s.kind == ("minimum" if trace > 0 else "maximum")
    else:
        assert s.n_zero >= 1
