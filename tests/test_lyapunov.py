"""Lyapunov annuli for G∘G (:mod:`symstab.certify.lyapunov`).

Expected values are derived by hand or by a second method, never read off the certifier:

* f = x²/2 + x⁴/4 (subcritical flip at η* = 2): G(x) = x(1 − η − ηx²), and
  |G(x)| < |x| ⟺ |1 − η − ηx²| < 1 ⟺ ηx² < 2 − η. The basin of 0 is exactly
  |x| < x_p = √((2 − η)/η), bounded by the unstable period-2 orbit ±x_p (G(x_p) = −x_p)
  that exists for η < η*; the Hessian ball needs f'' = 1 + 3x² < 2/η, i.e.
  |x| < x_p/√3.
* f = x²/2 − x⁴/4 (supercritical: its period-2 orbit x² = (η − 2)/η exists only for
  η > 2): |G(x)| < |x| ⟺ |1 − η + ηx²| < 1 ⟺ x² < 1 (for η <= 2), so the basin of 0 is
  (−1, 1), bounded by the maxima ±1, at any η < 2.
* f4 near η* = 10/19: its critical eigenvector (1, 1) spans the invariant diagonal,
  where GD is h(t) = t + η(1.9t − 2t³); at t* = √0.95, h(t* + u) = t* + (1 − 3.8η)u
  + αu² + βu³ with α = −6ηt*, β = −2η and the normal form of h∘h at η* is
  u ↦ u − 2(α² + β)u³, α² + β > 0: supercritical. The limit of the Euclidean Lyapunov
  function is found independently by sampling V∘G² − V on circles and confirming a
  positive value at 50 digits.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symstab.certify.hessian_ball import certify_region
from symstab.certify.lyapunov import certify_lyapunov_region
from symstab.certify.minima import certified_regions, lyapunov_regions
from symstab.certify.region import CertifiedRegion
from symstab.codegen import compile_loss
from symstab.errors import InputError
from symstab.loss import Loss

X = sp.Symbol("x", real=True)
SUB = Loss.from_expr(X**2 / 2 + X**4 / 4, (X,), name="subcritical")
SUPER = Loss.from_expr(X**2 / 2 - X**4 / 4, (X,), name="supercritical")
F4 = Loss.from_catalog("f4")
ETA_1D = sp.Rational(199, 100)
ETA_F4 = sp.Rational(10, 19) - sp.Rational(1, 1000)


def frac(x: mpmath.mpf) -> Fraction:
    """The exact value of a binary mpf."""
    sign, man, exp, _ = x._mpf_
    value = Fraction(int(man)) * Fraction(2) ** int(exp)
    return -value if sign else value


@pytest.fixture(scope="module")
def f4_pair() -> tuple[CertifiedRegion, CertifiedRegion]:
    """(Hessian ball, Lyapunov region) of f4's first minimum at η = 10/19 − 1/1000."""
    inner = certified_regions(F4, ETA_F4)[0]
    big = certify_lyapunov_region(F4, inner)
    assert big is not None
    return inner, big


def test_subcritical_bounded_by_the_unstable_period_two_orbit() -> None:
    eta = ETA_1D
    inner = certify_region(SUB, (0,), eta)
    assert inner is not None and inner.monotone
    big = certify_lyapunov_region(SUB, inner)
    assert big is not None and not big.monotone
    x_p = math.sqrt(float((2 - eta) / eta))  # G(x_p) = −x_p, by hand
    # G(x_p) = −x_p exactly: the orbit {±x_p} is period-2 (checked in exact arithmetic)
    xp2 = (2 - eta) / eta
    assert sp.simplify((1 - eta - eta * xp2) + 1) == 0
    r, rho = frac(big.radius), frac(big.inner_radius)
    assert rho == frac(inner.radius)
    assert rho**2 <= Fraction(xp2) / 3  # the Hessian ball obeys 1 + 3x² < 2/η
    assert r**2 < Fraction(xp2)  # sound: ±x_p do not converge
    assert r > Fraction(0.97 * x_p)  # and close to it
    assert r > Fraction(3, 2) * rho  # a real enlargement (√3 possible)
    assert big.decrease is not None and big.decrease > 0
    assert big.center == inner.center and big.label == inner.label


def test_subcritical_no_enlargement_beyond_the_orbit_for_any_max_radius() -> None:
    # the same loss closer to η*: x_p shrinks like √(2 − η); R follows it down
    eta = sp.Rational(19999, 10000)
    xp2 = Fraction((2 - eta) / eta)
    inner = certify_region(SUB, (0,), eta)
    assert inner is not None
    big = certify_lyapunov_region(SUB, inner, max_radius=4.0)
    assert big is not None
    assert frac(big.radius) ** 2 < xp2
    assert frac(big.radius) ** 2 > Fraction(9, 10) * xp2


def test_supercritical_reaches_the_maxima() -> None:
    inner = certify_region(SUPER, (0,), ETA_1D)
    assert inner is not None
    big = certify_lyapunov_region(SUPER, inner)
    assert big is not None
    r = frac(big.radius)
    assert r < 1  # ±1 are fixed points (maxima of f): never converge to 0
    assert r > Fraction(95, 100)
    assert r > frac(inner.radius)


def test_f4_flip_is_supercritical_on_the_invariant_diagonal() -> None:
    # on x = y = t: G(t, t) = (h(t), h(t)), h(t) = t + η(1.9t − 2t³)
    t = sp.Symbol("t", real=True)
    eta = sp.Rational(10, 19)
    h = t + eta * (sp.Rational(19, 10) * t - 2 * t**3)
    grad = [sp.diff(F4.expr, p) for p in F4.params]
    sub = {F4.params[0]: t, F4.params[1]: t}
    assert sp.expand(F4.params[0] - eta * grad[0] - h).xreplace(sub) == 0
    ts = sp.sqrt(sp.Rational(95, 100))
    u = sp.Symbol("u", real=True)
    series = sp.expand(h.subs(t, ts + u) - ts)
    alpha, beta = series.coeff(u, 2), series.coeff(u, 3)
    assert series.coeff(u, 1) == -1  # 1 − 3.8 η* = −1
    assert sp.simplify(alpha**2 + beta) > 0  # supercritical normal form of h∘h
    # and numerically: a period-2 orbit near t* exists just above η*, not just below
    for e, exists in ((10 / 19 + 1e-3, True), (10 / 19 - 1e-3, False)):
        hh = np.polynomial.Polynomial([0, 1 + 1.9 * e, 0, -2 * e])
        roots = (hh(hh) - np.polynomial.Polynomial([0, 1])).roots()
        near = [
            z.real for z in roots if abs(z.imag) < 1e-9 and 1e-6 < abs(z.real - 0.95**0.5) < 0.2
        ]
        assert bool(near) == exists


def test_f4_near_eta_star_large_and_below_the_lyapunov_limit(
    f4_pair: tuple[CertifiedRegion, CertifiedRegion],
) -> None:
    inner, big = f4_pair
    assert not big.monotone and inner.monotone
    r = float(big.radius)
    assert float(inner.radius) < 0.01 < 0.4 < r
    # second method: the nearest point where V∘G² >= V, by sampling circles (float),
    # confirmed at 50 digits; the certified radius must stay below it
    c = np.array([float(x) for x in big.center])
    eta = float(ETA_F4)

    def g(pts: np.ndarray) -> np.ndarray:
        x, y = pts

        def grad(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            return np.array([-2 * y * (1 - x * y) + x / 10, -2 * x * (1 - x * y) + y / 10])

        g1 = pts - eta * grad(x, y)
        g2 = g1 - eta * grad(*g1)
        return ((g2 - c[:, None]) ** 2).sum(0) - ((pts - c[:, None]) ** 2).sum(0)

    ang = np.linspace(0, 2 * np.pi, 3601)
    hit = None
    for rad in np.linspace(0.3, 0.6, 301):
        pts = c[:, None] + rad * np.array([np.cos(ang), np.sin(ang)])
        vals = g(pts)
        if np.any(vals > 0):
            hit = pts[:, int(np.argmax(vals))]
            break
    assert hit is not None
    target = compile_loss(F4.expr, F4.params).mpmath(50)
    with mpmath.workdps(50):
        p = tuple(mpmath.mpf(float(v)) for v in hit)
        cc = tuple(mpmath.mpf(x) for x in big.center)
        q = target.step(target.step(p, ETA_F4), ETA_F4)
        d2 = sum((a - b) ** 2 for a, b in zip(p, cc, strict=True))
        gv = sum((a - b) ** 2 for a, b in zip(q, cc, strict=True)) - d2
        dist = mpmath.sqrt(d2)
    assert gv > 0
    assert r < float(dist)
    assert r > 0.97 * float(dist)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    u=st.floats(min_value=0.0, max_value=1.0),
    phi=st.floats(min_value=0.0, max_value=2 * math.pi),
)
def test_f4_double_steps_decrease_v_until_the_inner_ball(
    f4_pair: tuple[CertifiedRegion, CertifiedRegion], u: float, phi: float
) -> None:
    _, big = f4_pair
    target = compile_loss(F4.expr, F4.params).mpmath(50)
    with mpmath.workdps(50):
        c = tuple(mpmath.mpf(x) for x in big.center)
        radius = mpmath.mpf(big.radius) * mpmath.sqrt(mpmath.mpf(u))  # uniform in the disc
        theta = (c[0] + radius * mpmath.cos(phi), c[1] + radius * mpmath.sin(phi))
        rho2 = mpmath.mpf(big.inner_radius) ** 2

        def v(p: tuple) -> mpmath.mpf:
            return (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2

        # on the boundary (u = 1) v equals radius² up to rounding at 50 digits
        assert v(theta) <= mpmath.mpf(big.radius) ** 2 * (1 + mpmath.mpf(10) ** -40)
        value = v(theta)
        for _ in range(5000):
            if value <= rho2:
                break
            theta = target.step(target.step(theta, ETA_F4), ETA_F4)
            new = v(theta)
            assert new <= value - mpmath.mpf(big.decrease) * (1 - mpmath.mpf(10) ** -20)
            value = new
        assert value <= rho2


def test_certified_regions_opt_in_and_defaults() -> None:
    plain = certified_regions(SUB, ETA_1D)
    assert len(plain) == 1 and plain[0].monotone and plain[0].inner_radius is None
    enlarged = certified_regions(SUB, ETA_1D, lyapunov=True)
    assert len(enlarged) == 1 and not enlarged[0].monotone
    assert enlarged[0].radius > plain[0].radius
    assert lyapunov_regions(SUB, ETA_1D)[0].radius == enlarged[0].radius
    assert "Lyapunov" in enlarged[0].method


def test_bad_input_and_no_enlargement() -> None:
    inner = certify_region(SUB, (0,), ETA_1D)
    assert inner is not None
    big = certify_lyapunov_region(SUB, inner)
    assert big is not None
    with pytest.raises(InputError):
        certify_lyapunov_region(SUB, big)  # the inner region must be a Hessian ball
    with pytest.raises(InputError):
        certify_lyapunov_region(SUB, inner, max_radius=-1.0)
    with pytest.raises(InputError):
        certify_lyapunov_region(SUB, inner, max_boxes=0)
    # a maximal radius below the Hessian ball: nothing to add
    assert certify_lyapunov_region(SUB, inner, max_radius=float(inner.radius) / 2) is None
