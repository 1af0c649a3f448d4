"""Certified measure near a curve of minima: parallelepipeds (Lohner shapes) and tube entry,
checked against orbits computed independently and facts derived by hand for ½(1 − xy)²."""

from __future__ import annotations

from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
import sympy as sp

from symstab.certify.measure import certified_measure, default_regions
from symstab.certify.shape import Shape, shape_step
from symstab.certify.tube import TubeRegion
from symstab.certify.tube_entry import TubeEntry
from symstab.codegen import compile_loss
from symstab.evidence import wilson_interval
from symstab.intervals import arb_mid_rad, to_fraction
from symstab.loss import Loss

Q = Fraction
ETA = sp.Rational(2, 5)
BOX2 = ((-2, 2), (-2, 2))


@pytest.fixture(scope="module")
def xy():
    return Loss.from_catalog("xy")


@pytest.fixture(scope="module")
def xy_regions(xy):
    return default_regions(xy, ETA, window=BOX2)


def _mp_orbit(start: tuple[Fraction, Fraction], steps: int) -> list[tuple[mpmath.mpf, ...]]:
    """GD on ½(1 − xy)² at η = 2/5 by hand: ∇f = −(1 − xy)(y, x), at 60 digits."""
    with mpmath.workdps(60):
        x, y = (mpmath.mpf(q.numerator) / q.denominator for q in start)
        eta = mpmath.mpf(2) / 5
        out = [(x, y)]
        for _ in range(steps):
            r = 1 - x * y
            x, y = x + eta * r * y, y + eta * r * x
            out.append((x, y))
    return out


def _shapes(loss: Loss, sides, steps: int, eta=ETA) -> list[Shape]:
    """The shapes S_0, ..., S_steps of a cell, with H over the hull joined with c."""
    target = compile_loss(loss.expr, loss.params).interval(30)
    with flint.ctx.workdps(30):
        eta_arb = flint.arb(eta.p) / eta.q
        shape = Shape.of_box([target.enclose(s) for s in sides])
        out = [shape]
        for _ in range(steps):
            box = [flint.arb.union(h, c) for h, c in zip(shape.hull(), shape.c, strict=True)]
            shape = shape_step(shape, target.hessian(box), target.step(shape.c, eta_arb),
                               eta_arb)
            assert shape is not None
            out.append(shape)
    return out


def _inside(x: mpmath.mpf, ball) -> bool:
    # exact endpoints of the ball; the 60-digit orbit is within 1e-50 of the true one
    mid, rad = arb_mid_rad(ball)
    q = to_fraction(x)
    return mid - rad - Q(1, 10**50) <= q <= mid + rad + Q(1, 10**50)


def test_linear_map_moves_the_cell_exactly():
    # f = (x² + 3y²)/2, η = 1/2: G(x, y) = (x/2, −y/2) is linear, so the image of the
    # cell [1/4, 3/4] × [1/8, 5/8] after k steps is [1, 3]/2^(k+2) × ±[1, 5]/2^(k+3). The
    # hull encloses it and is tight up to arb's radius rounding (30-bit radii).
    loss = Loss.from_text("x**2/2 + 3*y**2/2")
    shapes = _shapes(loss, ((Q(1, 4), Q(3, 4)), (Q(1, 8), Q(5, 8))), 6, sp.Rational(1, 2))
    for k, shape in enumerate(shapes):
        hull = shape.hull()
        x_lo, x_hi = Q(1, 2 ** (k + 2)), Q(3, 2 ** (k + 2))
        y_lo, y_hi = sorted(((-1) ** k * Q(1, 2 ** (k + 3)), (-1) ** k * Q(5, 2 ** (k + 3))))
        for ball, (lo, hi) in zip(hull, ((x_lo, x_hi), (y_lo, y_hi)), strict=True):
            mid, rad = arb_mid_rad(ball)
            assert mid - rad <= lo and hi <= mid + rad
            assert (lo - (mid - rad)) + ((mid + rad) - hi) <= (hi - lo) * Q(1, 10**7)


def test_shapes_contain_independent_orbits(xy):
    # Orbits of points of the cell, computed by hand at 60 digits, stay in every shape:
    # in its hull, and in frame coordinates Q⁻¹(θ − c) in its frame box.
    sides = ((Q(1), Q(17, 16)), (Q(3, 4), Q(13, 16)))
    shapes = _shapes(xy, sides, 8)
    rng = np.random.default_rng(1)
    starts = [(Q(1), Q(3, 4)), (Q(17, 16), Q(13, 16))] + [
        (Q(1) + Q(int(a), 1 << 10) / 16, Q(3, 4) + Q(int(b), 1 << 10) / 16)
        for a, b in rng.integers(0, 1 << 10, size=(10, 2))]
    for start in starts:
        orbit = _mp_orbit(start, 8)
        for point, shape in zip(orbit, shapes, strict=True):
            assert all(_inside(x, h) for x, h in zip(point, shape.hull(), strict=True))
            with flint.ctx.workdps(30):
                frame = shape.frame_box()
                dev = [flint.arb(mpmath.nstr(x, 40)) - c for x, c in zip(point, shape.c,
                                                                           strict=True)]
                coords = [shape.qinv[i][0] * dev[0] + shape.qinv[i][1] * dev[1]
                          for i in range(2)]
            assert all(c.overlaps(f) for c, f in zip(coords, frame, strict=True))


def test_a_thin_orbit_image_enters_the_tube_and_its_points_are_entry_points(xy, xy_regions):
    # The cell is 1/16 wide next to the hyperbola; its shapes must enter a tube, and
    # every point of a shape accepted by contains_shape must be an entry point by the
    # tube's own pointwise test (TubeRegion.contains, exact).
    tubes = [r for r in xy_regions if isinstance(r, TubeRegion)]
    entries = [TubeEntry(r) for r in tubes]
    shapes = _shapes(xy, ((Q(1), Q(17, 16)), (Q(3, 4), Q(13, 16))), 8)
    accepted = [(s, e) for s in shapes for e in entries if e.contains_shape(s)]
    assert accepted, "the cell never entered a tube"
    rng = np.random.default_rng(2)
    for shape, entry in accepted[:3]:
        assert entry.label == 2  # the piece of xy = 1 with x, y > 0
        with flint.ctx.workdps(30):
            for u in rng.uniform(-1, 1, size=(40, 2)):
                # c + A u + Q r with r the midpoint of the remainder: a point of S
                point = [shape.c[i] + shape.a[i][0] * float(u[0]) + shape.a[i][1] * float(u[1])
                         + sum(shape.q[i][j] * flint.arb(shape.r[j].mid()) for j in range(2))
                         for i in range(2)]
                exact = [Fraction(float(p.mid())) for p in point]
                assert entry.region.contains(exact)


def test_shapes_off_the_curve_are_refused(xy, xy_regions):
    # A point shape at (1, 1) on the curve is an entry point iff the tube says so; a
    # segment across the curve from (0.9, 0.9) to (1.1, 1.1) reaches f = ½(1 − 1.21)² > 2e-2,
    # far above every level (below 1/1000 here), so it is refused.
    entry = TubeEntry(next(r for r in xy_regions if isinstance(r, TubeRegion) and r.label == 2))
    assert max(entry.region.levels.values()) < Q(1, 1000)
    with flint.ctx.workdps(30):
        zero, one = flint.arb(0), flint.arb(1)
        eye = [[one, zero], [zero, one]]
        point = Shape([one, one], [[zero, zero], [zero, zero]], eye, eye, [zero, zero])
        tenth = flint.arb(1) / 10
        across = Shape([one, one], [[tenth, zero], [tenth, zero]], eye, eye, [zero, zero])
    assert entry.contains_shape(point) == entry.region.contains((Q(1), Q(1)))
    assert entry.contains_shape(point)
    assert not entry.contains_shape(across)


def test_nothing_is_proved_on_the_invariant_antidiagonal(xy, xy_regions):
    # On x = −y, G(x, −x) = (s, −s) with s = x − ηx(1 + x²): the antidiagonal is
    # invariant and f = ½(1 + x²)² >= ½ there, so no point of it converges to a minimum.
    # Window [3/4, 5/4] × [−5/4, −3/4], 8 × 8 cells of width 1/16, one bisection: the cell
    # (i, j) of width 1/32 spans x + y ∈ [−1/2 + (i + j)/32, −1/2 + (i + j + 2)/32], so the
    # 15 + 16 + 15 = 46 cells with i + j ∈ {14, 15, 16} meet the line and can never be
    # proved (nor can a coarser cell containing one): the bound is at most 1 − 46/256.
    # The two sides of the line converge to the two pieces of xy = 1.
    window = ((Q(3, 4), Q(5, 4)), (Q(-5, 4), Q(-3, 4)))
    m = certified_measure(xy, ETA, window, xy_regions, cells=8, max_depth=1)
    assert m.shapes
    assert m.converging <= 1 - Q(46, 256)
    assert m.converging > 0
    assert set(m.converging_by_label) == {1, 2}
    # (x, y) ↦ (−y, −x) maps the window and the cell grid onto themselves, preserves f
    # and swaps the two pieces of xy = 1: the two labels get the same bound
    assert m.converging_by_label[1] == m.converging_by_label[2]
    # a lower bound stays below the true share of each piece: a NumPy GD loop on a
    # 200 × 200 grid of the window (every point off x = −y converges, half to each piece)
    g = np.linspace(0.75, 1.25, 200)
    x, y = (a.copy() for a in np.meshgrid(g, -g))
    with np.errstate(all="ignore"):
        for _ in range(3000):
            r = x * y - 1
            x, y = x - 0.4 * r * y, y - 0.4 * r * x
    landed = np.isfinite(x) & (np.abs(x * y - 1) < 1e-8)
    for label in (1, 2):
        assert m.converging_by_label[label] <= Q(float(np.mean(landed & (x > 0))))


def test_xy_bound_is_below_the_sampled_fraction(xy, xy_regions):
    # The quadrant [0, 2]² in 32 × 32 cells of width 1/16, against plain float64 GD
    # written out here from 200 × 200 cell-centred starts (converged: |1 − xy| < 1e-9).
    window = ((0, 2), (0, 2))
    m = certified_measure(xy, ETA, window, xy_regions, cells=32, max_depth=0)
    side = (np.arange(200) + 0.5) / 100
    x, y = (a.ravel() for a in np.meshgrid(side, side))
    with np.errstate(all="ignore"):
        for _ in range(2000):
            r = 1 - x * y
            x, y = x + 0.4 * r * y, y + 0.4 * r * x
    k, n = int((np.abs(1 - x * y) < 1e-9).sum()), x.size
    _, high = wilson_interval(k, n, 0.99)
    assert m.converging <= Q(high)
    assert m.converging > Q(1, 2)  # the shapes make the bound substantive
    # without the shapes, boxes never fit the thin tube at this cell size
    boxes = certified_measure(xy, ETA, window, xy_regions, cells=32, max_depth=0,
                              shapes=False)
    assert boxes.converging < Q(1, 100)
    assert "Taylor models" in m.evidence and m.to_dict()["budget"]["shapes"]
    assert not boxes.shapes and "Taylor models" not in boxes.evidence


def test_no_bound_past_the_critical_step_size(xy):
    # On xy = 1, λmax(∇²f) = x² + y² >= 2xy = 2, so past η = 1 every minimum has
    # 1 − ηλmax < −1: no tube cell is good, and nothing is certified.
    eta = sp.Rational(11, 10)
    regions = default_regions(xy, eta, window=BOX2)
    assert all(not r.levels for r in regions if isinstance(r, TubeRegion))
    m = certified_measure(xy, eta, BOX2, regions, cells=16, max_depth=1)
    assert m.converging == 0 and m.stable == 0 and m.succeeded == 0


def test_halves_cover_the_shape():
    # S = {A u : u ∈ [−1, 1]²} with A = [[1, 1/2], [0, 1/4]]: the longest column is the
    # first, so the halves are ±(1/2, 0) + {A' u} with A' = [[1/2, 1/2], [0, 1/4]]; a point
    # A u lies in the half of the sign of u₁ (u₁ = ±1/2 + u'/2).
    with flint.ctx.workdps(30):
        arb = flint.arb
        eye = [[arb(1), arb(0)], [arb(0), arb(1)]]
        shape = Shape([arb(0), arb(0)], [[arb(1), arb(0.5)], [arb(0), arb(0.25)]], eye, eye,
                      [arb(0), arb(0)])
        lower, upper = shape.halves()
        assert [float(x.mid()) for x in lower.c] == [-0.5, 0.0]
        assert [float(x.mid()) for x in upper.c] == [0.5, 0.0]
        assert [[float(x.mid()) for x in row] for row in upper.a] == [[0.5, 0.5], [0, 0.25]]
        for u1, u2 in np.random.default_rng(3).uniform(-1, 1, size=(50, 2)):
            point = (Q(u1) + Q(u2) / 2, Q(u2) / 4)
            half = upper if u1 >= 0 else lower
            for x, ball in zip(point, half.hull(), strict=True):
                mid, rad = arb_mid_rad(ball)
                assert mid - rad <= x <= mid + rad
