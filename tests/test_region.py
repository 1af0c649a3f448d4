"""Certified trapping regions: exact expectations computed independently of the certifier."""

from __future__ import annotations

import math
import time
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symstab.certify.hessian_ball import certify_region, explain_no_region
from symstab.certify.minima import certified_regions, lyapunov_regions
from symstab.certify.region import CertifiedRegion, region_arrays
from symstab.codegen import compile_loss
from symstab.errors import InputError
from symstab.exact.analysis import analyze
from symstab.inputs import StepSize
from symstab.loss import Loss

HALF = sp.Rational(1, 2)
NEAR = sp.Rational(10, 19) - sp.Rational(1, 1000)
X, Y = sp.symbols("x y", real=True)


def frac(x: mpmath.mpf) -> Fraction:
    """The exact value of a binary mpf."""
    sign, man, exp, _ = x._mpf_
    value = Fraction(int(man)) * Fraction(2) ** int(exp)
    return -value if sign else value


def f4_minimum(sign: int, dps: int = 60) -> tuple[mpmath.mpf, mpmath.mpf]:
    """±(sqrt(95)/10)(1, 1), computed directly at ``dps`` digits."""
    with mpmath.workdps(dps):
        a = sign * mpmath.sqrt(95) / 10
    return a, a


def f4_hessian_eigs(x: mpmath.mpf, y: mpmath.mpf) -> tuple[mpmath.mpf, mpmath.mpf]:
    """Eigenvalues of the f4 Hessian [[2y²+1/10, 4xy−2], [4xy−2, 2x²+1/10]] (closed form)."""
    a = 2 * y**2 + mpmath.mpf(1) / 10
    c = 2 * x**2 + mpmath.mpf(1) / 10
    b = 4 * x * y - 2
    mean, half = (a + c) / 2, mpmath.sqrt(((a - c) / 2) ** 2 + b**2)
    return mean - half, mean + half


def check_trap_inequality(region: CertifiedRegion) -> None:
    """Recompute the certificate's arithmetic from the fields, exactly."""
    q, r, delta = frac(region.contraction), frac(region.radius), frac(region.center_error)
    mu, big = frac(region.mu), frac(region.L)
    eta = Fraction(int(region.eta.p), int(region.eta.q))
    assert 0 < mu <= big
    assert eta * big < 2
    assert q >= max(abs(1 - eta * mu), abs(1 - eta * big))
    assert q < 1
    assert q * (r + delta) + delta <= r


@pytest.fixture(scope="module")
def f4() -> Loss:
    return Loss.from_catalog("f4")


@pytest.fixture(scope="module")
def f4_regions(f4: Loss) -> tuple[CertifiedRegion, ...]:
    return certified_regions(f4, HALF)


# ------------------------------------------------------------------------------ quadratic


def test_quadratic_constant_hessian() -> None:
    loss = Loss.from_expr(3 * X**2 / 2)
    region = certify_region(loss, (0,), HALF)
    assert region is not None
    assert region.radius == 1  # H ≡ 3: nothing limits the radius but max_radius
    assert region.center == (0,) and region.center_error == 0
    assert region.mu <= 3 <= region.L
    assert 3 - region.mu < 1e-12 and region.L - 3 < 1e-12
    assert Fraction(1, 2) <= frac(region.contraction) < Fraction(1, 2) + Fraction(1, 10**12)
    check_trap_inequality(region)
    assert region.eta == HALF and region.label == 1 and "arb" in region.method
    bigger = certify_region(loss, (0,), HALF, max_radius=2.5, label=7)
    assert bigger is not None and bigger.radius == 2.5 and bigger.label == 7


def test_quadratic_contains() -> None:
    region = certify_region(Loss.from_expr(3 * X**2 / 2), (0,), HALF)
    assert region is not None
    assert region.contains((0.0,)) and region.contains((-0.999999,))
    assert region.contains((mpmath.mpf("0.5"),)) and region.contains((Fraction(1, 3),))
    assert not region.contains((1.0000001,)) and not region.contains((-2.0,))
    assert not region.contains((1.0,))  # on the sphere: excluded by the safety margin
    assert not region.contains((float("nan"),)) and not region.contains((math.inf,))
    assert not region.contains((0.0, 0.0))


# ------------------------------------------------------------------------------ f4, η = 1/2


def test_f4_regions_exist_around_both_minima(
    f4: Loss, f4_regions: tuple[CertifiedRegion, ...]
) -> None:
    assert [r.label for r in f4_regions] == [1, 2]
    minima = analyze(f4).minima  # labels follow the exact analysis' order
    signs = [int(sp.sign(m.coordinates[0].expr)) for m in minima]
    assert sorted(signs) == [-1, 1]
    for region, sign in zip(f4_regions, signs, strict=True):
        exact = f4_minimum(sign)
        with mpmath.workdps(60):
            err = mpmath.sqrt(sum((c - e) ** 2 for c, e in zip(region.center, exact, strict=True)))
            assert err <= region.center_error
        assert region.center_error < 1e-25
        # eigenvalues at θ* are 1/5 and 19/5: the certified bounds must bracket them
        assert 0 < frac(region.mu) <= Fraction(1, 5)
        assert Fraction(19, 5) <= frac(region.L) < 4
        check_trap_inequality(region)


def test_f4_radius_is_plausible(f4_regions: tuple[CertifiedRegion, ...]) -> None:
    # On the diagonal x = y = s the top eigenvalue is 6s² − 19/10; the ball reaches
    # s = a + r/√2, so a correct certificate (L < 4) forces 6(a + r/√2)² − 1.9 < 4.
    a = math.sqrt(95) / 10
    r_max = (math.sqrt(5.9 / 6) - a) * math.sqrt(2)
    for region in f4_regions:
        assert 0.01 < region.radius < r_max


def test_f4_bounds_hold_on_sampled_points(f4_regions: tuple[CertifiedRegion, ...]) -> None:
    rng = np.random.default_rng(0)
    for region in f4_regions:
        r = region.radius
        for _ in range(200):
            phi, u = rng.uniform(0, 2 * math.pi), rng.uniform(0, 1)
            with mpmath.workdps(40):
                x = region.center[0] + r * mpmath.sqrt(u) * mpmath.cos(phi)
                y = region.center[1] + r * mpmath.sqrt(u) * mpmath.sin(phi)
                lo, hi = f4_hessian_eigs(x, y)
            assert region.mu <= lo and hi <= region.L


# ------------------------------------------------------------------------------ no region


@pytest.mark.parametrize("eta", [sp.Rational(10, 19), sp.Rational(11, 19)])
def test_f4_no_region_at_or_past_eta_star(f4: Loss, eta: sp.Expr) -> None:
    assert certified_regions(f4, eta) == ()
    for sign in (-1, 1):
        minimum = (sign * sp.sqrt(95) / 10, sign * sp.sqrt(95) / 10)
        assert certify_region(f4, minimum, eta) is None
        text = explain_no_region(f4, minimum, eta)
        assert "η*" in text and "10/19" in text and "no region" in text


def test_no_region_at_saddle_or_degenerate_minimum(f4: Loss) -> None:
    assert certify_region(f4, (0, 0), HALF) is None
    assert "saddle" in explain_no_region(f4, (0, 0), HALF)
    quartic = Loss.from_expr(X**4 + Y**2)
    assert certify_region(quartic, (0, 0), sp.Rational(1, 10)) is None
    assert "degenerate" in explain_no_region(quartic, (0, 0), sp.Rational(1, 10))
    assert certify_region(f4, (1, 1), HALF) is None  # not a critical point
    assert "critical" in explain_no_region(f4, (1, 1), HALF)


def test_bad_input(f4: Loss) -> None:
    with pytest.raises(InputError):
        certify_region(f4, (0, 0), 0)
    with pytest.raises(InputError):
        certify_region(f4, (0,), HALF)
    with pytest.raises(InputError):
        certify_region(f4, (0.5, 0.5), HALF)


@pytest.mark.parametrize("spelling", ["1/2", "0.5", 0.5, Fraction(1, 2), StepSize.of("1/2")])
def test_step_size_spellings(spelling: object) -> None:
    loss = Loss.from_expr(3 * X**2 / 2)
    region = certify_region(loss, (0,), spelling)
    assert region is not None and region.eta == HALF and region.radius == 1
    assert certified_regions(loss, spelling)[0].eta == HALF
    (big,) = lyapunov_regions(loss, spelling, max_radius=4.0)
    assert big.eta == HALF and not big.monotone and big.radius > 1


@pytest.mark.parametrize(("spelling", "problem"), [
    ("0", "step size must be positive"),
    (-1, "step size must be positive"),
    ("x", "step size must be a number"),
    ([0.5], "step size must be text or a number"),
])
def test_bad_step_sizes(spelling: object, problem: str) -> None:
    loss = Loss.from_expr(3 * X**2 / 2)
    for call in (lambda: certify_region(loss, (0,), spelling),
                 lambda: certified_regions(loss, spelling),
                 lambda: explain_no_region(loss, (0,), spelling),
                 lambda: lyapunov_regions(loss, spelling)):
        with pytest.raises(InputError) as info:
            call()
        assert problem in str(info.value) and info.value.where.split(",")[0] == "eta"


# ------------------------------------------------------------------------------ trapping


@given(
    which=st.sampled_from([0, 1]),
    u=st.floats(min_value=1e-6, max_value=1.0),
    phi=st.floats(min_value=0.0, max_value=2 * math.pi),
)
def test_f4_gd_step_is_trapped(
    f4_regions: tuple[CertifiedRegion, ...], which: int, u: float, phi: float
) -> None:
    region = f4_regions[which]
    f4 = Loss.from_catalog("f4")
    target = compile_loss(f4.expr, f4.params).mpmath(50)
    with mpmath.workdps(50):
        rho = region.radius * mpmath.sqrt(u) * (1 - mpmath.mpf(10) ** -40)  # inside, not on
        theta = (
            region.center[0] + rho * mpmath.cos(phi),
            region.center[1] + rho * mpmath.sin(phi),
        )
        image = target.step(theta, HALF)
        dist = mpmath.sqrt(sum((t - c) ** 2 for t, c in zip(theta, region.center, strict=True)))
        new = mpmath.sqrt(sum((t - c) ** 2 for t, c in zip(image, region.center, strict=True)))
        q, delta = region.contraction, region.center_error
        assert dist <= region.radius
        assert new <= q * (dist + delta) + delta + mpmath.mpf(10) ** -45
        assert new <= region.radius
        assert target.value(image) < target.value(theta)
    assert region.contains(image)


# ------------------------------------------------------------------------------ near η*


def test_f4_near_threshold(f4: Loss, f4_regions: tuple[CertifiedRegion, ...]) -> None:
    regions = certified_regions(f4, NEAR)
    assert len(regions) == 2
    for region, at_half in zip(regions, f4_regions, strict=True):
        assert region.radius > 0 and region.radius < at_half.radius
        assert 0.9 < region.contraction < 1
        check_trap_inequality(region)
        # the certified L must sit between λmax(θ*) = 19/5 and 2/η
        assert Fraction(19, 5) <= frac(region.L) < 2 / Fraction(int(NEAR.p), int(NEAR.q))


def test_f4_near_marginal_but_irrational_centre_via_algebraic_point(f4: Loss) -> None:
    eta = sp.Rational(13, 25)  # 0.52
    region = certify_region(f4, (sp.sqrt(95) / 10, sp.sqrt(95) / 10), eta, label=2)
    assert region is not None and region.label == 2
    check_trap_inequality(region)
    assert "region around" in explain_no_region(f4, (sp.sqrt(95) / 10, sp.sqrt(95) / 10), eta)


# ------------------------------------------------------------------------------ float64 arrays


def test_region_arrays_are_safe(f4_regions: tuple[CertifiedRegion, ...]) -> None:
    centers, radii = region_arrays(f4_regions)
    assert centers.shape == (2, 2) and radii.shape == (2,)
    assert centers.dtype == np.float64 and radii.dtype == np.float64
    rng = np.random.default_rng(1)
    for k, region in enumerate(f4_regions):
        assert radii[k] < float(region.radius) and radii[k] > float(region.radius) * (1 - 1e-8)
        assert np.allclose(centers[k], [float(c) for c in region.center], rtol=0, atol=1e-15)
        # float64 points the kernel accepts (hugging the boundary) are truly inside
        directions = rng.normal(size=(500, 2))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        scale = radii[k] * rng.uniform(0.999999, 1.0000001, size=(500, 1))
        points = centers[k] + directions * scale
        accepted = np.sum((points - centers[k]) ** 2, axis=1) <= radii[k] ** 2
        assert accepted.any()
        for point in points[accepted]:
            assert region.contains(tuple(point))
    empty_c, empty_r = region_arrays(())
    assert empty_c.shape[0] == 0 and empty_r.shape == (0,)


# ------------------------------------------------------------------------------ non-polynomial


def test_non_polynomial_loss() -> None:
    loss = Loss.from_expr(sp.cosh(X) - 1 + (Y - 1) ** 2)  # H = diag(cosh x, 2)
    region = certify_region(loss, (0, 1), HALF)
    assert region is not None
    assert region.mu <= 1 and region.L >= 2
    check_trap_inequality(region)
    # on the ball the top eigenvalue is max(cosh x, 2) with |x| <= r
    assert math.cosh(float(region.radius)) <= float(region.L) + 1e-12


# ------------------------------------------------------------------------------ timing


def test_timing_f4(f4: Loss) -> None:
    started = time.perf_counter()
    regions = certified_regions(f4, HALF)
    elapsed = time.perf_counter() - started
    print(f"certified_regions(f4, 1/2): {elapsed:.3f} s for {len(regions)} regions")
    assert len(regions) == 2
    # a generous ceiling (it takes well under a second on a quiet core) that still
    # catches a blow-up, e.g. subdividing to depth far beyond what f4 needs
    assert elapsed < 20.0
