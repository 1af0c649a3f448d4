"""Degenerate critical points (symstab.exact.degenerate, newton, points).

Every expected type, coefficient and label is derived by hand in the comments.
"""

from __future__ import annotations

import pytest
import sympy as sp

from symstab.exact.algebraic import AlgebraicPoint
from symstab.exact.critical import critical_set
from symstab.exact.degenerate import classify_degenerate, reduced_function
from symstab.exact.newton import newton_verdict, signs_on_positive_axis
from symstab.exact.points import classify_critical_points, isolated_minima
from symstab.exact.spectrum import hessian_spectrum
from symstab.loss import Loss

x, y, z = sp.symbols("x y z", real=True)
QQ = sp.QQ
S = sp.Symbol("s")


def classify_at(expr: sp.Expr, params: tuple[sp.Symbol, ...], point: tuple) -> tuple:
    """(verdict, spectrum) at a rational critical point."""
    pt = AlgebraicPoint.rational(params, point)
    H = sp.hessian(expr, params)
    spectrum = hessian_spectrum(pt, H)
    return classify_degenerate(pt, expr, H, spectrum), spectrum


def degenerate_points(expr: sp.Expr, params: tuple[sp.Symbol, ...]) -> dict:
    """{coordinates: ClassifiedPoint} for the degenerate isolated critical points."""
    crit = critical_set([sp.expand(sp.diff(expr, p)) for p in params], params)
    points = classify_critical_points(crit.points, expr, sp.hessian(expr, params))
    return {c.point.coordinate_exprs(): c for c in points if c.degenerate}


# ---------------------------------------------------------------------- one kernel direction


def test_x4_plus_y2_is_a_minimum_by_certificate():
    # f - f(0) = x⁴ + y² is a sum of even powers; H = diag(0, 2)
    verdict, spectrum = classify_at(x**4 + y**2, (x, y), (0, 0))
    assert (spectrum.n_positive, spectrum.n_zero, spectrum.n_negative) == (1, 1, 0)
    assert verdict.kind == "minimum" and verdict.method == "global certificate"


def test_x3_plus_y2_is_a_saddle():
    # H = diag(0, 2), kernel x; y = 0 solves f_y = 0, so g(t) = t³: odd order
    verdict, _ = classify_at(x**3 + y**2, (x, y), (0, 0))
    assert verdict.kind == "saddle"
    assert "t**3" in verdict.reason


def test_minus_x4_minus_y2_is_a_maximum():
    verdict, spectrum = classify_at(-(x**4) - y**2, (x, y), (0, 0))
    assert (spectrum.n_positive, spectrum.n_zero, spectrum.n_negative) == (0, 1, 1)
    assert verdict.kind == "maximum"


def test_reduced_function_of_the_square_loss_at_zero_one():
    # f = x²y² + (x+y-1)⁴ at (0, 1); u = x, v = y - 1: f = u²(1+v)² + (u+v)⁴.
    # H = diag(2, 0): kernel v. f_u = 0 gives u = U(v) = -2v³ + 4v⁴ + O(v⁵), and
    # g(v) = U²(1+v)² + (v+U)⁴ = v⁴(1 - 8v² + ...) + 4v⁶ + ... = v⁴ - 4v⁶ + O(v⁷).
    params = (x, y)
    expr = x**2 * y**2 + (x + y - 1) ** 4
    pt = AlgebraicPoint.rational(params, (0, 1))
    H = sp.hessian(expr, params)
    assert H.subs({x: 0, y: 1}) == sp.diag(2, 0)
    r = reduced_function(pt, expr, H, hessian_spectrum(pt, H), order=6)
    assert r.kernel == ((0, 1),)
    assert r.complement_sign == 1
    assert r.coefficients == {(4,): 1, (6,): -4}


def test_reduced_function_needs_the_curve_not_the_line():
    # (y - x²)(y - 2x²) = y² - 3x²y + 2x⁴ is t⁴·2 > 0 on the kernel line y = 0, but on
    # the curve y = 3x²/2 (f_y = 0) it is 9x⁴/4 - 9x⁴/2 + 2x⁴ = -x⁴/4: a saddle.
    expr = sp.expand((y - x**2) * (y - 2 * x**2))
    verdict, _ = classify_at(expr, (x, y), (0, 0))
    assert verdict.kind == "saddle"
    pt = AlgebraicPoint.rational((x, y), (0, 0))
    H = sp.hessian(expr, (x, y))
    r = reduced_function(pt, expr, H, hessian_spectrum(pt, H), order=6)
    assert r.coefficients == {(4,): sp.Rational(-1, 4)}


def test_three_variables_one_kernel_direction():
    # x² + y² + z³: kernel z, g(t) = t³
    verdict, _ = classify_at(x**2 + y**2 + z**3, (x, y, z), (0, 0, 0))
    assert verdict.kind == "saddle"
    # x² - y² + z⁴: eigenvalues of both signs, a saddle by inertia alone
    verdict, _ = classify_at(x**2 - y**2 + z**4, (x, y, z), (0, 0, 0))
    assert verdict.kind == "saddle" and verdict.method == "Hessian inertia"


def test_points_with_irrational_coordinates():
    # f = (x²-2)⁴ + y² + y(x²-2)⁴ at (±√2, 0): H = diag(0, 2); with t = x ∓ √2,
    # x² - 2 = t(t ± 2√2), so g = (x²-2)⁴ + O(t⁸) = (2√2)⁴ t⁴ + ... = 64 t⁴ + ...: minima.
    expr = (x**2 - 2) ** 4 + y**2 + y * (x**2 - 2) ** 4
    found = degenerate_points(expr, (x, y))
    for sign in (1, -1):
        c = found[(sign * sp.sqrt(2), 0)]
        assert c.kind == "degenerate minimum"
        assert "64*t**4" in c.reason
        assert c.spectrum.lambda_max.value == 2
    # (x²-2)³ + y²: g = (±2√2)³ t³ = ±16√2 t³, odd: saddles
    found = degenerate_points((x**2 - 2) ** 3 + y**2, (x, y))
    assert found[(sp.sqrt(2), 0)].kind == "degenerate saddle"
    assert "16*sqrt(2)*t**3" in found[(sp.sqrt(2), 0)].reason
    assert "-16*sqrt(2)*t**3" in found[(-sp.sqrt(2), 0)].reason


# ---------------------------------------------------------------------- zero Hessian in 2-D


def test_newton_polygon_proves_a_minimum_with_zero_hessian():
    # x⁴ + xy³ + y⁴ >= x⁴ + y⁴ - (x⁴ + 3y⁴)/4 = 3x⁴/4 + y⁴/4 by AM-GM, not a sum of even
    # powers as written; H(0) = 0.
    verdict, spectrum = classify_at(x**4 + x * y**3 + y**4, (x, y), (0, 0))
    assert spectrum.n_zero == 2
    assert verdict.kind == "minimum"
    assert verdict.method == "Newton polygon of the reduced function"
    verdict, _ = classify_at(-(x**4) - x * y**3 - y**4, (x, y), (0, 0))
    assert verdict.kind == "maximum"


def test_monkey_saddle():
    # x³ - 3xy²: the face x³ - 3xy² changes sign with x
    verdict, _ = classify_at(x**3 - 3 * x * y**2, (x, y), (0, 0))
    assert verdict.kind == "saddle"


def test_saddle_found_along_a_diagonal():
    # (x²-y²)² - x⁶: the face (x²-y²)² vanishes on x = ±y, where f = -x⁶ < 0; on y = 0
    # f = x⁴ - x⁶ > 0
    verdict, _ = classify_at((x**2 - y**2) ** 2 - x**6, (x, y), (0, 0))
    assert verdict.kind == "saddle"
    assert "(1, 1)" in verdict.reason or "(1, -1)" in verdict.reason


def test_undecided_with_its_reason():
    # (x²-2y²)² - x⁶ is a saddle (f = -x⁶ on x = √2·y), but the curve is irrational: the
    # face (s² - 2t²)² vanishes there, and every tested line (axes, diagonals) gives
    # f = t⁴ - t⁶, 4t⁴ or t⁴ - t⁶ > 0. So it is reported undecided, naming the face.
    verdict, _ = classify_at((x**2 - 2 * y**2) ** 2 - x**6, (x, y), (0, 0))
    assert verdict.kind == "undecided"
    assert "(s**2 - 2*t**2)**2" in verdict.reason
    assert "vanishes on curves through the point" in verdict.reason


def test_undecided_in_three_dimensions():
    # x⁴ + y⁴ + z⁴ + xyz²: zero Hessian, kernel of dimension 3: only lines are tested
    verdict, _ = classify_at(x**4 + y**4 + z**4 + x * y * z**2, (x, y, z), (0, 0, 0))
    assert verdict.kind == "undecided"
    assert "dimension 3" in verdict.reason


def test_non_critical_or_non_degenerate_points_are_rejected():
    pt = AlgebraicPoint.rational((x, y), (0, 0))
    H = sp.hessian(x**2 + y**2, (x, y))
    with pytest.raises(ValueError, match="not singular"):
        classify_degenerate(pt, x**2 + y**2, H, hessian_spectrum(pt, H))
    expr = x + y**2 + x**4
    H = sp.hessian(expr, (x, y))
    pt = AlgebraicPoint.rational((x, y), (0, 0))
    with pytest.raises(ValueError, match="not a critical point"):
        classify_degenerate(pt, expr, H, hessian_spectrum(pt, H))


# ---------------------------------------------------------------------- the Newton module


def sign_qq(c) -> int:
    return (c > 0) - (c < 0)


def poly(expr: sp.Expr) -> sp.Poly:
    return sp.Poly(expr, S, domain=QQ)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ((S - 1) ** 2 * (S + 2), (False, True, True)),  # >= 0 on s > 0, zero at 1
        ((S - 1) * (S - 2), (True, True, True)),  # sign changes at 1 and 2
        (S**2 + 1, (False, True, False)),
        (-(S**3), (True, False, False)),
        (S**2 * (S + 1), (False, True, False)),  # the root 0 is not in s > 0
        (S**2 - 2, (True, True, True)),  # irrational root √2
    ],
)
def test_signs_on_positive_axis(expr, expected):
    signs = signs_on_positive_axis(poly(expr), sign_qq)
    assert (signs.negative, signs.positive, signs.zero) == expected


def coeffs_of(expr: sp.Expr) -> dict:
    return {m: QQ.convert(c) for m, c in sp.Poly(expr, x, y).terms()}


def test_newton_verdicts_by_hand():
    # y² - x²y + x⁴ = (y - x²/2)² + 3x⁴/4: one face with weight (1, 2), positive
    v = newton_verdict(coeffs_of(y**2 - x**2 * y + x**4), 4, QQ, sign_qq)
    assert v.strict_minimum and v.vertices == ((0, 2), (4, 0))
    # y² - 3x²y + 2x⁴ = (y - x²)(y - 2x²): negative between the parabolas
    v = newton_verdict(coeffs_of(y**2 - 3 * x**2 * y + 2 * x**4), 4, QQ, sign_qq)
    assert v.takes_negative and v.takes_positive and not v.strict_minimum
    # (y - x²)² vanishes on y = x²: nothing decided by the polygon
    v = newton_verdict(coeffs_of((y - x**2) ** 2), 4, QQ, sign_qq)
    assert not (v.takes_negative or v.strict_minimum or v.strict_maximum)
    assert "vanishes" in v.reason
    # x²y² + x⁶ + y⁶: faces y⁶ + x²y² (weight (2, 1)) and x²y² + x⁶ (weight (1, 2))
    v = newton_verdict(coeffs_of(x**2 * y**2 + x**6 + y**6), 6, QQ, sign_qq)
    assert v.strict_minimum and v.vertices == ((0, 6), (2, 2), (6, 0))
    # known only through degree 5, the pure powers of degree 6 are missing
    v = newton_verdict(coeffs_of(x**2 * y**2), 5, QQ, sign_qq)
    assert not v.strict_minimum and "does not meet" in v.reason


# ---------------------------------------------------------------------- labels


def test_labels_count_degenerate_and_non_degenerate_minima_in_point_order():
    # f = x⁴(x-2)²: f' = 2x³(x-2)(3x-4); x = 0 degenerate minimum (f = x⁴·4 + ...),
    # x = 4/3 maximum, x = 2 minimum with f'' = 2·2⁴ = 32.
    t = sp.Symbol("t", real=True)
    loss = Loss.from_expr(t**4 * (t - 2) ** 2, (t,))
    minima = isolated_minima(loss)
    assert [(m.point.coordinate_exprs(), m.label, m.kind) for m in minima] == [
        ((0,), 1, "degenerate minimum"),
        ((2,), 2, "minimum"),
    ]
    assert minima[1].spectrum.lambda_max.value == 32
    # a consumer certifying only non-degenerate minima keeps label 2 for x = 2
    assert [m.label for m in minima if not m.degenerate] == [2]


def test_labels_agree_with_the_certified_regions_without_degenerate_minima():
    # f4: minima ±(√95/10)(1, 1) in point order, labels 1, 2 in both engines
    from symstab.certify.minima import certified_regions

    loss = Loss.from_catalog("f4")
    minima = isolated_minima(loss)
    regions = certified_regions(loss, "1/2")
    assert [m.label for m in minima] == [r.label for r in regions] == [1, 2]
    for m, r in zip(minima, regions, strict=True):
        assert all(abs(float(sp.N(c)) - float(rc)) < 1e-12
                   for c, rc in zip(m.point.coordinate_exprs(), r.center, strict=True))
