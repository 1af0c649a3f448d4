"""Tests of the code generator :mod:`symstab.codegen`.

Expected values are derived independently of the generated code: hand-derived formulas
for f4, exact SymPy Rational arithmetic (``subs``) for polynomial losses, and
``evalf`` at high precision for non-polynomial ones.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symstab.codegen import compile_expressions, compile_loss
from symstab.errors import InputError
from symstab.intervals import ball_fraction

X, Y, Z = sp.symbols("x y z", real=True)
F4 = (1 - X * Y) ** 2 + (X**2 + Y**2) / 20
NONPOLY = sp.log(1 + sp.exp(X)) + sp.tanh(Y) ** 2 + sp.erf(X * Y)
EVERYTHING = (
    sp.exp(X / 3) + sp.log(2 + Y**2) + sp.tanh(X * Y) + sp.erf(X) + sp.erfc(Y)
    + sp.sin(X) * sp.cos(Y) + sp.tan(X / 4) + sp.atan(X - Y) + sp.sinh(Y / 2) + sp.cosh(X / 5)
    + sp.Abs(X + 2 * Y) + sp.sqrt(3 + X**2) + 1 / (2 + Y**2) + (1 + X**2) ** sp.Rational(-3, 2)
    + (2 + X) ** sp.Rational(2, 3) + 2**X + sp.pi * X + sp.E * Y**2 + sp.EulerGamma * X * Y
    + sp.Catalan + sp.sqrt(2) * X
)  # fmt: skip


def f4_grad(x, y):
    """Hand-derived gradient of f4."""
    return (-2 * y * (1 - x * y) + x / 10, -2 * x * (1 - x * y) + y / 10)


def f4_hess(x, y):
    """Hand-derived Hessian of f4."""
    return (
        (2 * y**2 + Fraction(1, 10), 4 * x * y - 2),
        (4 * x * y - 2, 2 * x**2 + Fraction(1, 10)),
    )


def as_fraction(v) -> Fraction:
    """Exact value of a SymPy number (Rational, or a Float from evalf)."""
    if isinstance(v, sp.Rational):
        return Fraction(int(v.p), int(v.q))
    return Fraction(*mpmath.libmp.to_rational(sp.Float(v)._mpf_))


def mp_fraction(v) -> Fraction:
    """Exact value of an mpmath mpf."""
    return Fraction(*mpmath.libmp.to_rational(v._mpf_))


def iv_bounds(b) -> tuple[Fraction, Fraction]:
    """Exact endpoints of a finite mpmath.iv interval."""
    lo, hi = b._mpi_
    return tuple(Fraction(*map(int, mpmath.libmp.to_rational(e))) for e in (lo, hi))


def iv_contains(b, q: Fraction, *, allow_infinite: bool = False) -> bool:
    """Whether the mpmath.iv interval ``b`` contains the rational ``q``.

    An interval with an infinite (or NaN) end point contains everything and proves
    nothing: it counts as a failure unless ``allow_infinite`` is set.
    """
    lo, hi = b._mpi_
    libmp = mpmath.libmp
    if not allow_infinite and (lo in (libmp.fninf, libmp.fnan) or hi in (libmp.finf, libmp.fnan)):
        return False
    above = lo == libmp.fninf or Fraction(*map(int, libmp.to_rational(lo))) <= q
    below = hi == libmp.finf or q <= Fraction(*map(int, libmp.to_rational(hi)))
    return above and below


def ball_bounds(b) -> tuple[Fraction, Fraction]:
    """Exact endpoints ``mid -/+ rad`` of an arb ball."""
    man, exp = b.mid().man_exp()
    mid = Fraction(int(man)) * Fraction(2) ** int(exp)
    rman, rexp = b.rad().man_exp()
    rad = Fraction(int(rman)) * Fraction(2) ** int(rexp)
    return mid - rad, mid + rad


def ball_contains(b, q: Fraction, max_rad: float | None = None) -> bool:
    """Whether the arb ball ``b`` is finite and contains ``q``.

    A NaN or infinite ball encloses everything and proves nothing, so it fails; with
    ``max_rad`` the radius must also be at most that (a width check).
    """
    if not b.is_finite():
        return False
    if max_rad is not None and ball_bounds(b)[1] - ball_bounds(b)[0] > 2 * Fraction(max_rad):
        return False
    lo, hi = ball_bounds(b)
    return lo <= q <= hi


def exact_numbers(exprs, params, point) -> list:
    """Values of ``exprs`` at a rational ``point``: Rational if exact, else evalf(60)."""
    subs = dict(zip(params, (sp.Rational(q.numerator, q.denominator) for q in point), strict=True))
    out = []
    for e in exprs:
        v = e.xreplace(subs)
        out.append(v if isinstance(v, sp.Rational) else v.evalf(60))
    return out


# ------------------------------------------------------------------ f4 against hand formulas


def test_f4_float_targets_match_hand_formulas():
    loss = compile_loss(F4, (X, Y))
    x, y = 0.3, -0.7
    g = f4_grad(x, y)
    h = np.array([[float(v) for v in row] for row in f4_hess(x, y)])
    value = (1 - x * y) ** 2 + (x**2 + y**2) / 20
    for target in (loss.numpy(), loss.numba()):
        assert target.value([x, y]) == pytest.approx(value, rel=1e-15)
        np.testing.assert_allclose(target.gradient([x, y]), g, rtol=1e-14)
        np.testing.assert_allclose(target.hessian([x, y]), h, rtol=1e-14)
        np.testing.assert_allclose(
            target.step([x, y], 0.5), [x - 0.5 * g[0], y - 0.5 * g[1]], rtol=1e-14
        )


def test_f4_mpmath_and_interval_match_hand_formulas():
    loss = compile_loss(F4, (X, Y))
    x, y = Fraction(3, 10), Fraction(-7, 10)
    g = f4_grad(x, y)
    h = f4_hess(x, y)
    mp = loss.mpmath(40)
    tol = Fraction(1, 10**38)
    for got, want in zip(mp.gradient([x, y]), g, strict=True):
        assert abs(mp_fraction(got) - want) < tol
    for row_got, row_want in zip(mp.hessian([x, y]), h, strict=True):
        for got, want in zip(row_got, row_want, strict=True):
            assert abs(mp_fraction(got) - want) < tol
    for backend in ("arb", "iv"):
        iv = loss.interval(30, backend=backend)
        grad, hess = iv.gradient([x, y]), iv.hessian([x, y])
        if backend == "arb":
            assert all(ball_contains(b, q, 1e-28) for b, q in zip(grad, g, strict=True))
            assert all(
                ball_contains(b, q, 1e-28)
                for r, rq in zip(hess, h, strict=True)
                for b, q in zip(r, rq, strict=True)
            )
        else:
            for b, q in zip([*grad, *hess[0], *hess[1]], [*g, *h[0], *h[1]], strict=True):
                assert iv_contains(b, q)
                lo, hi = iv_bounds(b)
                assert hi - lo < Fraction(1, 10**28)


# ------------------------------------------------------------------ targets agree along GD


def _check_trajectory(expr, params, start, eta, steps, *, polynomial):
    """Compare one GD step of every target with the exact step, along a trajectory."""
    loss = compile_loss(expr, params)
    targets = {"numpy": loss.numpy(), "numba": loss.numba()}
    mp = loss.mpmath(40)
    iv = loss.interval(30)
    grads = [sp.diff(expr, p) for p in params]
    if polynomial:
        abs_poly = sp.Poly(expr, *params)
        abs_expr = sum(
            abs(c) * sp.Mul(*(p**k for p, k in zip(params, m, strict=True)))
            for m, c in abs_poly.terms()
        )
        abs_grads = [sp.lambdify(params, sp.diff(abs_expr, p), "math") for p in params]
    eta_q = Fraction(eta)
    theta = [float(v) for v in start]
    compared = 0
    for _ in range(steps):
        point = [Fraction(v) for v in theta]
        g_exact = exact_numbers(grads, params, point)
        exact = [p - eta_q * as_fraction(g) for p, g in zip(point, g_exact, strict=True)]
        if polynomial:
            scale = [
                1 + abs(t) + eta * abs(ag(*map(abs, theta)))
                for t, ag in zip(theta, abs_grads, strict=True)
            ]
        else:
            scale = [1 + abs(t) + eta * (2 + 4 * max(map(abs, theta))) for t in theta]
        for name, target in targets.items():
            got = target.step(np.array(theta), eta)
            for i in range(len(theta)):
                err = abs(Fraction(float(got[i])) - exact[i])
                assert err <= Fraction(1e-13) * Fraction(scale[i]), (name, i, theta)
        got = mp.step(theta, eta)
        for i in range(len(theta)):
            err = abs(mp_fraction(got[i]) - exact[i])
            assert err <= Fraction(1e-35) * Fraction(scale[i]), ("mpmath", i, theta)
        # For non-polynomial losses ``exact`` is a 60-digit value; ball radii are ~1e-30.
        got_iv = iv.step(theta, eta)
        assert all(ball_contains(b, q, 1e-25 * s)
                   for b, q, s in zip(got_iv, exact, scale, strict=True))
        compared += 1
        theta = [float(q) for q in exact]
        if max(map(abs, theta)) > 1e6 or not all(map(math.isfinite, theta)):
            break
    assert compared >= 1


@st.composite
def polynomials(draw):
    n = draw(st.integers(2, 3))
    params = (X, Y, Z)[:n]
    nterms = draw(st.integers(1, 5))
    expr = sp.Integer(0)
    for _ in range(nterms):
        coeff = sp.Rational(draw(st.integers(-5, 5)), draw(st.integers(1, 4)))
        exps, budget = [], 4  # total degree <= 4
        for _ in params:
            exps.append(draw(st.integers(0, min(3, budget))))
            budget -= exps[-1]
        expr += coeff * sp.Mul(*(p**k for p, k in zip(params, exps, strict=True)))
    expr += sum(p**2 for p in params) / 10  # never the zero polynomial
    start = [sp.Rational(draw(st.integers(-8, 8)), 8) for _ in range(n)]
    eta = draw(st.sampled_from([0.05, 0.25, 0.5]))
    return expr, params, start, eta


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(polynomials())
def test_targets_agree_on_random_polynomials(case):
    expr, params, start, eta = case
    with np.errstate(all="ignore"):
        _check_trajectory(expr, params, start, eta, 20, polynomial=True)


def test_targets_agree_on_nonpolynomial_loss():
    with np.errstate(all="ignore"):
        _check_trajectory(
            NONPOLY, (X, Y), [sp.Rational(3, 10), sp.Rational(-7, 10)], 0.5, 20, polynomial=False
        )


# ------------------------------------------------------------------ mpmath precision


def test_mpmath_step_matches_exact_rational_to_45_digits():
    loss = compile_loss(F4, (X, Y))
    target = loss.mpmath(50)
    x, y, eta = sp.Rational(3, 10), sp.Rational(7, 10), sp.Rational(9, 10)
    exact = [x - eta * F4.diff(X).subs({X: x, Y: y}), y - eta * F4.diff(Y).subs({X: x, Y: y})]
    assert all(isinstance(v, sp.Rational) for v in exact)
    got = target.step([x, y], eta)
    for g, e in zip(got, exact, strict=True):
        rel = abs(mp_fraction(g) - as_fraction(e)) / abs(as_fraction(e))
        assert rel < Fraction(1, 10**45)
    # the global mpmath context is neither used nor changed
    assert mpmath.mp.dps == 15
    assert target.ctx.dps == 50


def test_mpmath_nonpolynomial_to_45_digits_and_descend():
    loss = compile_loss(NONPOLY, (X, Y))
    target = loss.mpmath(50)
    point = (sp.Rational(1, 3), sp.Rational(-2, 7))
    want = exact_numbers(
        [NONPOLY.diff(X), NONPOLY.diff(Y)], (X, Y), [Fraction(1, 3), Fraction(-2, 7)]
    )
    for g, w in zip(target.gradient(point), want, strict=True):
        assert abs(mp_fraction(g) - as_fraction(w)) < Fraction(1, 10**45)
    theta = point
    for _ in range(5):
        theta = target.step(theta, "0.25")
    assert target.descend(point, "0.25", 5) == theta


# ------------------------------------------------------------------ interval enclosures


@pytest.mark.parametrize(
    "expr", [F4, NONPOLY, F4 * sp.exp(X) - sp.sqrt(1 + Y**2) / 3], ids=["f4", "nonpoly", "mixed"]
)
def test_interval_encloses_exact_values_at_rational_points(expr):
    target = compile_loss(expr, (X, Y)).interval(30)
    rng = random.Random(1)
    grads = [expr.diff(p) for p in (X, Y)]
    hess = [expr.diff(p, q) for p in (X, Y) for q in (X, Y)]
    for _ in range(5):
        point = [Fraction(rng.randint(-99, 99), rng.randint(1, 37)) for _ in range(2)]
        v = target.value(point)
        (want,) = exact_numbers([expr], (X, Y), point)
        # a point is a ball of radius 0: results are ~30 digits wide (relative)
        assert ball_contains(v, as_fraction(want), 1e-25 * (1 + abs(float(want))))
        for b, w in zip(target.gradient(point), exact_numbers(grads, (X, Y), point), strict=True):
            assert ball_contains(b, as_fraction(w), 1e-25 * (1 + abs(float(w))))
        got = [b for row in target.hessian(point) for b in row]
        for b, w in zip(got, exact_numbers(hess, (X, Y), point), strict=True):
            assert ball_contains(b, as_fraction(w), 1e-25 * (1 + abs(float(w))))


@pytest.mark.parametrize("backend", ["arb", "iv"])
def test_interval_hessian_over_box_contains_sampled_hessians_f4(backend):
    target = compile_loss(F4, (X, Y)).interval(30, backend=backend)
    box = [(Fraction(1, 5), Fraction(3, 10)), (Fraction(-1, 2), Fraction(3, 5))]
    enclosure = target.hessian(box)
    # exact ranges over the box, by hand: 2y² + 1/10 with y² ∈ [0, 9/25]; 4xy − 2 with
    # xy ∈ [−3/20, 9/50] (the corners x = 3/10 with y = −1/2 and y = 3/5); 2x² + 1/10
    # with x² ∈ [1/25, 9/100]
    exact = [[(Fraction(1, 10), Fraction(41, 50)), (Fraction(-13, 5), Fraction(-32, 25))],
             [(Fraction(-13, 5), Fraction(-32, 25)), (Fraction(9, 50), Fraction(7, 25))]]
    for i in range(2):
        for j in range(2):
            lo, hi = ball_bounds(enclosure[i][j]) if backend == "arb" else iv_bounds(
                enclosure[i][j])
            want_lo, want_hi = exact[i][j]
            assert lo <= want_lo and want_hi <= hi
            # mpmath.iv is endpoint arithmetic (each variable once per entry): tight;
            # arb's midpoint-radius products overestimate, but by at most a factor 2.5
            slack = Fraction(1, 10**25) if backend == "iv" else (want_hi - want_lo) * 3 / 2
            assert hi - lo <= want_hi - want_lo + slack, (i, j, lo, hi)
    rng = random.Random(2)
    for _ in range(20):
        x = box[0][0] + (box[0][1] - box[0][0]) * Fraction(rng.randint(0, 1000), 1000)
        y = box[1][0] + (box[1][1] - box[1][0]) * Fraction(rng.randint(0, 1000), 1000)
        for i in range(2):
            for j in range(2):
                q = f4_hess(x, y)[i][j]
                b = enclosure[i][j]
                if backend == "arb":
                    assert ball_contains(b, q)
                else:
                    assert iv_contains(b, q)


def test_interval_powers_are_tight_on_wide_boxes():
    # Ball arithmetic alone gives (1.5 +/- 0.5)**2 = 2.25 +/- 1.75; powers use endpoints.
    target = compile_loss(F4, (X, Y)).interval(30)
    hess = target.hessian([(0, 1), (1, 2)])
    lo00, _ = ball_bounds(hess[0][0])
    lo11, _ = ball_bounds(hess[1][1])
    assert Fraction(2) < lo00 <= Fraction(21, 10)  # 2*y**2 + 1/10 >= 2.1
    assert 0 < lo11 <= Fraction(1, 10)  # 2*x**2 + 1/10 >= 0.1: certified positive
    y3 = compile_loss(Y**3 - Y**4, (Y,)).interval(30).value([(-1, 2)])
    lo, hi = ball_bounds(y3)
    assert lo <= -1 - 16 and hi >= 8 and lo > -1 - 16 - Fraction(1, 10**6) and hi < 9


def test_even_power_on_a_box_through_zero_is_nonnegative():
    # by hand: y² on [−1/2, 3/5] is [0, 9/25], and 2y² + 1/10 is [1/10, 41/50]
    target = compile_loss(Y**2, (Y,)).interval(30)
    lo, hi = ball_bounds(target.value([(Fraction(-1, 2), Fraction(3, 5))]))
    # arb stores a radius with a 30-bit mantissa: a wide ball's upper end is exact to
    # a few 2^-30 of its width (here < 1e-8), not to the working precision
    assert lo >= 0 and Fraction(9, 25) <= hi < Fraction(9, 25) + Fraction(1, 10**8)
    hess = compile_loss(F4, (X, Y)).interval(30).hessian(
        [(Fraction(1, 5), Fraction(3, 10)), (Fraction(-1, 2), Fraction(3, 5))])
    assert ball_bounds(hess[0][0])[0] > 0  # 2y² + 1/10 >= 1/10: certified positive


def test_interval_hessian_over_box_nonpolynomial():
    hess = [NONPOLY.diff(p, q) for p in (X, Y) for q in (X, Y)]
    target = compile_loss(NONPOLY, (X, Y)).interval(30)
    box = [("0.2", "0.3"), ("-1", "-0.5")]
    enclosure = [b for row in target.hessian(box) for b in row]
    assert all(b.is_finite() for b in enclosure)
    rng = random.Random(3)
    for _ in range(10):
        point = [Fraction(rng.randint(20, 30), 100), Fraction(-rng.randint(50, 100), 100)]
        for b, w in zip(enclosure, exact_numbers(hess, (X, Y), point), strict=True):
            assert ball_contains(b, as_fraction(w))


# ------------------------------------------------------------------ every function, Floats


def test_every_supported_function_in_every_target():
    loss = compile_loss(EVERYTHING, (X, Y))
    point = [Fraction(5, 16), Fraction(-11, 16)]  # exact in binary
    grads = [EVERYTHING.diff(p) for p in (X, Y)]
    hess = [EVERYTHING.diff(p, q) for p in (X, Y) for q in (X, Y)]
    want_g = [as_fraction(v) for v in exact_numbers(grads, (X, Y), point)]
    want_h = [as_fraction(v) for v in exact_numbers(hess, (X, Y), point)]
    floats = [float(q) for q in point]
    for target in (loss.numpy(), loss.numba()):
        np.testing.assert_allclose(target.gradient(floats), [float(w) for w in want_g], rtol=1e-13)
        np.testing.assert_allclose(
            target.hessian(floats).ravel(), [float(w) for w in want_h], rtol=1e-12
        )
    mp = loss.mpmath(40)
    got = [*mp.gradient(point), *(h for row in mp.hessian(point) for h in row)]
    for g, w in zip(got, want_g + want_h, strict=True):
        assert abs(mp_fraction(g) - w) < Fraction(1, 10**35)
    iv = loss.interval(30)
    got = [*iv.gradient(point), *(h for row in iv.hessian(point) for h in row)]
    for b, w in zip(got, want_g + want_h, strict=True):
        assert ball_contains(b, w, 1e-25)


def test_float_coefficients_are_their_exact_binary_values():
    c = sp.Float("0.1")  # the double nearest 1/10, not 1/10
    loss = compile_loss(c * X**2, (X,))
    exact = Fraction(0.1) * 2 * 3  # gradient at x = 3
    assert loss.numpy().gradient([3.0])[0] == float(exact)
    assert mp_fraction(loss.mpmath(60).gradient([3])[0]) == exact
    assert ball_contains(loss.interval(30).gradient([3])[0], exact, 1e-28)
    assert not ball_contains(loss.interval(30).gradient([3])[0], Fraction(6, 10))


# ------------------------------------------------------------------ Abs, batches, caching


def test_abs_loss_sign_and_kink():
    expr = sp.Abs(X - Y) + X**2
    loss = compile_loss(expr, (X, Y))
    for target in (loss.numpy(), loss.numba(), loss.mpmath(30)):
        g = [float(v) for v in target.gradient([1.0, 0.5])]
        assert g == [3.0, -1.0]
        h = np.array([[float(v) for v in row] for row in target.hessian([1.0, 0.5])])
        np.testing.assert_array_equal(h, [[2.0, 0.0], [0.0, 0.0]])
        assert np.isnan(
            np.array([[float(v) for v in row] for row in target.hessian([0.5, 0.5])])
        ).all()
    iv = loss.interval(30)
    assert all(b.is_finite() for row in iv.hessian([(1, 2), (0, "0.5")]) for b in row)
    assert not iv.hessian([(0, 1), (0, 1)])[0][1].is_finite()
    mpiv = loss.interval(30, backend="iv")
    unbounded = mpiv.hessian([(0, 1), (0, 1)])[0][1]
    assert iv_contains(unbounded, Fraction(10**9), allow_infinite=True)
    assert not iv_contains(unbounded, Fraction(10**9))
    assert mpiv.hessian([(1, 2), (0, "0.5")])[0][1] == 0


def test_numba_batches_match_numpy_and_descend_matches_steps():
    loss = compile_loss(F4, (X, Y))
    nb, npt = loss.numba(), loss.numpy()
    pts = np.random.default_rng(0).uniform(-2, 2, size=(3, 5, 2))
    np.testing.assert_allclose(nb.value(pts), npt.value(pts), rtol=1e-14)
    np.testing.assert_allclose(nb.gradient(pts), npt.gradient(pts), rtol=1e-14)
    np.testing.assert_allclose(nb.hessian(pts), npt.hessian(pts), rtol=1e-14)
    np.testing.assert_allclose(nb.step(pts, 0.5), npt.step(pts, 0.5), rtol=1e-13)
    flat = np.random.default_rng(1).uniform(-1, 1, size=(150, 2))  # more than one block
    want = flat
    for _ in range(7):
        want = nb.step(want, 0.3)
    np.testing.assert_array_equal(nb.descend(flat, 0.3, 7), want)
    np.testing.assert_allclose(npt.descend(flat, 0.3, 7), want, rtol=1e-12)


def test_compile_cache_and_numba_compiled_once():
    a = compile_loss(F4, (X, Y))
    b = compile_loss((1 - X * Y) ** 2 + (X**2 + Y**2) / 20, (X, Y))
    assert a is b
    assert compile_loss(F4, (Y, X)) is not a
    assert a.numba() is a.numba()
    assert a.mpmath(50) is a.mpmath(50)
    assert a.interval() is a.interval(30)
    nb = a.numba()
    for p in ([0.1, 0.2], [0.3, 0.4], np.array([1.0, 2.0])):
        nb.gradient(p)
        nb.value(p)
    assert len(nb.grad_into.signatures) == 1
    assert len(nb.value_scalar.signatures) == 1


def test_user_symbol_names_never_reach_generated_source():
    # Symbols named like the generated names and modules, in a swapped order.
    evil = sp.symbols("p1 math", real=True)
    p1, mathsym = evil
    expr = (p1 - 1) ** 2 + 3 * mathsym**2 + p1 * mathsym
    loss = compile_loss(expr, (mathsym, p1))
    point = [0.5, 2.0]  # math = 0.5, p1 = 2.0
    want = [6 * 0.5 + 2.0, 2 * (2.0 - 1) + 0.5]
    for target in (loss.numpy(), loss.numba(), loss.mpmath(20), loss.interval(20)):
        got = [float(v.mid()) if hasattr(v, "mid") else float(v) for v in target.gradient(point)]
        assert got == pytest.approx(want, rel=1e-14)
        assert "math" not in target.source.replace("math.", "")


def test_rejects_bad_losses():
    with pytest.raises(InputError, match="not parameters"):
        compile_loss(X + Y, (X,))
    with pytest.raises(InputError, match="unsupported"):
        compile_loss(sp.gamma(X), (X,))
    with pytest.raises(InputError, match="complex"):
        compile_loss(sp.I * X, (X,))
    with pytest.raises(InputError, match="distinct"):
        compile_loss(X, (X, X))
    with pytest.raises(InputError):
        compile_loss(X, ("x",))
    with pytest.raises(InputError, match="cannot enclose"):
        compile_loss(NONPOLY, (X, Y)).interval(30, backend="iv")


# --------------------------------------------------------------------------------------
# compile_expressions: any SymPy expressions on one target
# --------------------------------------------------------------------------------------


def test_expressions_mpmath_exact_values_and_constants():
    # x*y - 1 and x - y at (2, 1/2) are 0 and 3/2 exactly; sqrt(2)*x at x = 2 is sqrt(8)
    f = compile_expressions([X * Y - 1, X - Y, sp.sqrt(2) * X], (X, Y), "mpmath", dps=50)
    a, b, c = f((2, "0.5"))
    assert a == 0 and mp_fraction(b) == Fraction(3, 2)
    with mpmath.workdps(60):
        assert abs(c - mpmath.sqrt(8)) < mpmath.mpf(10) ** -49
    assert f.ctx.dps == 50 and "x" not in f.source


def test_expressions_numpy_vectorised():
    f = compile_expressions([X**2 + Y, sp.exp(X), sp.Integer(3)], (X, Y), "numpy")
    xs = np.array([0.0, 1.0, -2.0])
    u, v, w = f((xs, 0.5))
    np.testing.assert_allclose(u, xs**2 + 0.5, rtol=1e-15)
    np.testing.assert_allclose(v, np.exp(xs), rtol=1e-15)
    assert w.shape == (3,) and np.all(w == 3.0)
    assert f((1.0, 2.0)) == (3.0, pytest.approx(math.e, rel=1e-15), 3.0)


def test_expressions_arb_enclose_and_source_is_exact():
    # on x in [7/5, 3/2], x**2 - 2 ranges over [-1/25, 1/4] (powers from the endpoints,
    # so no ball overestimation); at x = 7/5, x/3 - sqrt(2) is 7/15 - sqrt(2)
    f = compile_expressions([X**2 - 2, X / 3 - sp.sqrt(2)], (X,), "arb", dps=40, name="g")
    with f.workprec():
        sq, _ = f([f.enclose((Fraction(7, 5), Fraction(3, 2)))])
        _, lin = f([f.enclose(Fraction(7, 5))])
    lo, hi = ball_fraction(sq)
    eps = Fraction(1, 10**8)  # an arb radius has a 30-bit mantissa: the box is a bit wider
    assert Fraction(-1, 25) - eps <= lo <= Fraction(-1, 25) <= Fraction(1, 4) <= hi
    assert hi <= Fraction(1, 4) + eps
    lo, hi = ball_fraction(lin)
    # 7/15 - sqrt(2) in [lo, hi]  <=>  7/15 - hi <= sqrt(2) <= 7/15 - lo (both sides > 0)
    assert (Fraction(7, 15) - hi) ** 2 <= 2 <= (Fraction(7, 15) - lo) ** 2
    assert hi - lo < Fraction(1, 10**35)
    assert f.source.startswith("def g(p0):")
    assert "." not in f.source.replace("math.", "")  # no float literal


def test_expressions_sign_and_dirac_from_abs_derivatives():
    d1, d2 = sp.diff(sp.Abs(X), X), sp.diff(sp.Abs(X), X, 2)  # sign(x), 2*DiracDelta(x)
    f = compile_expressions([d1, d2], (X,), "numpy")
    assert f((-2.0,)) == (-1.0, 0.0)
    assert math.isnan(f((0.0,))[1])
    g = compile_expressions([d1, d2], (X,), "mpmath", dps=20)
    assert g((3,)) == (1, 0)


def test_expressions_reject_bad_input():
    with pytest.raises(InputError, match="not variables"):
        compile_expressions([X + Y], (X,))
    with pytest.raises(InputError, match="unsupported operation 'gamma' in expression"):
        compile_expressions([sp.gamma(X)], (X,))
    with pytest.raises(InputError, match="unknown target"):
        compile_expressions([X], (X,), "cuda")
    with pytest.raises(InputError, match="distinct"):
        compile_expressions([X], (X, X))
    with pytest.raises(InputError, match="Python identifier"):
        compile_expressions([X], (X,), name="lambda")
    with pytest.raises(InputError, match="taken"):
        compile_expressions([X + sp.Rational(1, 3)], (X,), name="k0")
    with pytest.raises(InputError, match=r"mpmath\.iv cannot enclose tanh"):
        compile_expressions([sp.tanh(X)], (X,), "iv")
    with pytest.raises(InputError, match="no intervals"):
        compile_expressions([X], (X,), "numpy").enclose(1)
