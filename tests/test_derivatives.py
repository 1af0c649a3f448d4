"""Exact derivatives, GD map, det(I - ηH) and the modified loss, against hand derivations
and (for random polynomials) high-precision finite differences."""

import mpmath
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symstab.exact import derivatives as d
from symstab.loss import Loss

x, y = sp.symbols("x y", real=True)
eta = d.ETA


def test_f4_gradient_and_hessian_by_hand():
    f4 = Loss.from_catalog("f4")
    # f4 = (1 - xy)^2 + (x^2 + y^2)/20
    assert sp.expand(d.gradient(f4)[0] - (-2 * y * (1 - x * y) + x / 10)) == 0
    assert sp.expand(d.gradient(f4)[1] - (-2 * x * (1 - x * y) + y / 10)) == 0
    H = d.hessian(f4)
    assert sp.expand(H[0, 0] - (2 * y**2 + sp.Rational(1, 10))) == 0
    assert sp.expand(H[0, 1] - (4 * x * y - 2)) == 0
    assert H[0, 1] == H[1, 0]


def test_gd_map_and_jacobian():
    loss = Loss.from_expr(x**2 / 2 + 3 * y**2 / 2)
    assert d.gd_map(loss, sp.Rational(1, 4)) == (x - x / 4, y - 3 * y / 4)
    assert d.gd_jacobian(loss, eta) == sp.Matrix([[1 - eta, 0], [0, 1 - 3 * eta]])


def test_nonsingularity_quadratic_is_singular_exactly_at_reciprocal_eigenvalues():
    # det(I - ηA) = (1 - η)(1 - 3η): identically zero in θ for η = 1 and η = 1/3 only
    ns = d.nonsingularity(Loss.from_expr(x**2 / 2 + 3 * y**2 / 2))
    assert set(ns.singular_etas) == {sp.Rational(1, 3), sp.Integer(1)}
    assert ns.is_nonsingular(sp.Rational(1, 3)) is False
    assert ns.is_nonsingular(sp.Rational(1, 2)) is True


def test_nonsingularity_xy_never_identically_singular():
    # ½(1-xy)²: H = [[y², 2xy-1], [2xy-1, x²]]; det(I-ηH) has the θ-dependent term -η x², so
    # it is never identically zero for η > 0 (Crăciun & Ghoshdastidar's non-singular GD map).
    ns = d.nonsingularity(Loss.from_catalog("xy"))
    by_hand = (1 - eta * y**2) * (1 - eta * x**2) - eta**2 * (2 * x * y - 1) ** 2
    assert sp.expand(ns.determinant - by_hand) == 0
    assert ns.singular_etas == ()


def test_modified_loss_one_dimensional():
    # f = x^4/4: f' = x^3, modified loss x^4/4 + η x^6 / 4
    loss = Loss.from_expr(x**4 / 4)
    assert sp.expand(d.modified_loss(loss, eta) - (x**4 / 4 + eta * x**6 / 4)) == 0


_coeff = st.integers(-4, 4)
_monomials = [x**i * y**j for i in range(4) for j in range(4) if 0 < i + j <= 4]


@given(st.lists(_coeff, min_size=len(_monomials), max_size=len(_monomials)),
       st.tuples(st.fractions(-2, 2, max_denominator=7), st.fractions(-2, 2, max_denominator=7)))
def test_gradient_and_hessian_match_finite_differences(coeffs, point):
    expr = sum(c * m for c, m in zip(coeffs, _monomials, strict=True)) + x
    loss = Loss.from_expr(expr, (x, y))
    p = [sp.Rational(v.numerator, v.denominator) for v in point]
    subs = dict(zip(loss.params, p, strict=True))
    with mpmath.workdps(80):
        f = sp.lambdify((x, y), expr, modules="mpmath")
        h = mpmath.mpf(10) ** -25
        pt = [mpmath.mpf(v.p) / v.q for v in p]
        for i in range(2):
            e = [h if k == i else 0 for k in range(2)]
            fd = (f(pt[0] + e[0], pt[1] + e[1]) - f(pt[0] - e[0], pt[1] - e[1])) / (2 * h)
            exact = d.gradient(loss)[i].xreplace(subs)
            assert abs(fd - mpmath.mpf(exact.p) / exact.q) < mpmath.mpf(10) ** -40
            for j in range(2):
                ej = [h if k == j else 0 for k in range(2)]
                g = sp.lambdify((x, y), d.gradient(loss)[i], modules="mpmath")
                fd2 = (g(pt[0] + ej[0], pt[1] + ej[1]) - g(pt[0] - ej[0], pt[1] - ej[1])) / (2 * h)
                hij = d.hessian(loss)[i, j].xreplace(subs)
                assert abs(fd2 - mpmath.mpf(hij.p) / hij.q) < mpmath.mpf(10) ** -40
