"""Certified convergence to a manifold of minima (symstab.certify.manifold).

Expected values are derived by hand: for xy = ½(1 − xy)², r = 1 − xy, J Jᵀ = x² + y²,
and on the hyperbola xy = 1 the Hessian is ∇r∇rᵀ with λmax = x² + 1/x², so GD at η is
linearly stable exactly where x² + 1/x² <= 2/η (nowhere for η > 1). A second method
checks the proof's conclusion: orbits from certified points, run in high precision,
decrease the loss at every step and end on xy = 1.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from symstab.certify.manifold import certify_manifold_regions
from symstab.certify.minima import certified_regions
from symstab.dynamics.basins import basin_map
from symstab.errors import InputError
from symstab.exact.residual import residual_form
from symstab.loss import Loss

XY = Loss.from_catalog("xy")
X, Y = XY.params
WINDOW = ((-2.4, 2.4), (-2.4, 2.4))


@pytest.fixture(scope="module")
def xy_regions():
    return certify_manifold_regions(XY, "2/5", WINDOW).regions


def test_residual_forms_by_hand() -> None:
    form = residual_form(XY)
    assert form.offset == 0 and form.weights == (sp.Rational(1, 2),)
    assert sp.expand(form.residuals[0] - (1 - X * Y)) == 0
    assert sp.expand(form.gram[0][0] - (X**2 + Y**2)) == 0
    chain = residual_form(Loss.from_catalog("chain3"))
    a, b, c = Loss.from_catalog("chain3").params
    assert sp.expand(chain.gram[0][0] - (b**2 * c**2 + a**2 * c**2 + a**2 * b**2)) == 0
    f4 = residual_form(Loss.from_catalog("f4"))  # (1 − xy)² + (x² + y²)/20
    assert sorted(f4.weights) == [sp.Rational(1, 20), sp.Rational(1, 20), 1]
    assert residual_form(Loss.from_catalog("f3")) is None  # −3x²y²: not a sum of squares
    assert residual_form(Loss.from_text("x^2*y^2 + 1")).offset == 1


def test_two_branches_certified_around_the_stable_part(xy_regions) -> None:
    assert len(xy_regions) == 2
    assert sorted(r.label for r in xy_regions) == [1, 2]
    contains = [[r.contains(p) for r in xy_regions] for p in ((1, 1), (-1, -1))]
    assert contains[0].count(True) == 1 and contains[1].count(True) == 1
    assert contains[0] != contains[1]  # one branch each
    for region in xy_regions:
        # on xy = 1 at η = 2/5, stable iff x² + 1/x² <= 5, i.e. |x| <= 2.189...
        assert region.contains((Fraction(3, 2), Fraction(2, 3))) or region.contains(
            (Fraction(-3, 2), Fraction(-2, 3)))
        for x in (Fraction(23, 10), Fraction(-23, 10)):  # λmax = 5.29 + 0.189 > 5
            assert not region.contains((x, 1 / x))
        assert not region.contains((0, 0))  # f = 1/2: far from M
        # f = 1/50: above the tube level ε = (2h)²/10 <= 1e-3 of this grid (h <= 1/32)
        assert region.grid.h <= Fraction(1, 32)
        assert not region.contains((1, Fraction(6, 5)))


def test_step_size_above_two_over_lambda_certifies_nothing() -> None:
    # min over xy = 1 of λmax is 2, at (1, 1): for η > 1 no point of M is stable
    above = certify_manifold_regions(XY, "1001/1000", WINDOW)
    assert all(r.n_cells == 0 for r in above.regions)
    below = certify_manifold_regions(XY, "9/10", WINDOW)
    assert any(r.contains((1, 1)) for r in below.regions)
    # at η = 9/10 stability on M needs x² + 1/x² <= 20/9: |x| within (0.79, 1.26)
    assert not any(r.contains((Fraction(3, 2), Fraction(2, 3))) for r in below.regions)


def test_vanishing_pl_constant_is_not_certified() -> None:
    # ½(xy)²: M is the two axes; ‖∇f‖² = 2f(x² + y²), so PL fails at the origin
    loss = Loss.from_text("(x*y)^2/2")
    regions = certify_manifold_regions(loss, "1/10", ((-1, 1), (-1, 1)), cells=128).regions
    assert regions
    for p in ((0, 0), (Fraction(1, 100), 0), (0, Fraction(-1, 100))):
        assert not any(r.contains(p) for r in regions)
    # λmax on the x-axis is x², so η = 1/10 is stable there: far from the origin it is
    # certified
    assert any(r.contains((Fraction(1, 2), 0)) for r in regions)


def test_certified_points_converge_monotonically_to_the_hyperbola(xy_regions) -> None:
    rng = np.random.default_rng(1)
    checked = 0
    for region in xy_regions:
        grid = region.grid
        reach = (2 - Fraction(1, 2)) * grid.h  # the proof keeps the orbit this close
        entries = sorted(region.levels)
        for index in rng.choice(entries, size=min(20, len(entries)), replace=False):
            (xlo, xhi), _ = grid.sides(grid.unflat(int(index)))
            x0 = (xlo + xhi) / 2
            theta = (x0, 1 / x0 + Fraction(1, 10**5))  # just off M: f = (x0/10⁵)²/2
            if not region.contains(theta):
                continue
            with mpmath.workdps(50):
                eta = mpmath.mpf(2) / 5
                x = mpmath.mpf(theta[0].numerator) / theta[0].denominator
                y = mpmath.mpf(theta[1].numerator) / theta[1].denominator
                x_start, y_start = x, y
                f_prev = (1 - x * y) ** 2 / 2
                for _ in range(3000):
                    r = 1 - x * y
                    x, y = x + eta * r * y, y + eta * r * x
                    f = (1 - x * y) ** 2 / 2
                    assert f <= f_prev
                    f_prev = f
                assert abs(1 - x * y) < mpmath.mpf(10) ** -30
                moved = mpmath.sqrt((x - x_start) ** 2 + (y - y_start) ** 2)
                assert moved <= mpmath.mpf(reach.numerator) / reach.denominator
            checked += 1
    assert checked >= 10


def test_certified_regions_adds_manifold_pieces_with_a_window() -> None:
    assert certified_regions(XY, "2/5") == ()  # no isolated minimum, no window
    pieces = certified_regions(XY, "2/5", window=((-2, 2), (-2, 2)))
    assert [r.label for r in pieces] == [1, 2]
    f4 = certified_regions(Loss.from_catalog("f4"), "1/2", window=((-2, 2), (-2, 2)))
    assert [type(r).__name__ for r in f4] == ["CertifiedRegion", "CertifiedRegion"]


def test_bad_inputs() -> None:
    with pytest.raises(InputError):
        certify_manifold_regions(Loss.from_catalog("f3"), "1/10", WINDOW)
    with pytest.raises(InputError):
        certify_manifold_regions(XY, "2/5", ((1, 0), (0, 1)))
    with pytest.raises(InputError):
        certify_manifold_regions(XY, "2/5", ((0, 1),))
    with pytest.raises(InputError):
        certify_manifold_regions(XY, "-1", WINDOW)


def _numpy_converging_fraction(eta: float, side: int, steps: int) -> float:
    """A separate float64 GD loop for xy on the grid, with the numerical criterion."""
    xs = np.linspace(-2, 2, side)
    x, y = (a.ravel().copy() for a in np.meshgrid(xs, xs))
    with np.errstate(all="ignore"):
        for _ in range(steps):
            r = 1 - x * y
            x, y = x + eta * r * y, y + eta * r * x
        r = 1 - x * y
    return float(np.mean(np.isfinite(r) & (r * r / 2 <= 1e-12)))


def test_basin_map_of_xy_at_two_fifths_is_certified() -> None:
    bmap = basin_map(XY, "2/5", ((-2, 2, 400), (-2, 2, 400)))
    fractions = bmap.fractions()
    assert bmap.certified_fraction() >= 0.99
    assert fractions.get(0, 0.0) < 0.005
    assert bmap.numerical_fraction() == 0.0
    assert set(bmap.certified_counts()) == {1, 2}


def test_basin_map_of_xy_near_the_critical_step_matches_the_numerical_criterion() -> None:
    side, steps = 200, 10_000
    bmap = basin_map(XY, "19/20", ((-2, 2, side), (-2, 2, side)), max_steps=steps)
    converged = float(np.mean(bmap.labels >= 1))
    assert abs(converged - _numpy_converging_fraction(0.95, side, steps)) < 0.01
