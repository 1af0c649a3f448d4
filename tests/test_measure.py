"""Certified measure: lower bounds checked against answers known by hand and by sampling."""

from __future__ import annotations

import itertools
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symstab.certify import CertifiedMeasure, certified_measure, certified_regions
from symstab.certify.cells import CellGrid, ProvedCells
from symstab.certify.measure import default_regions, floor_decimal
from symstab.certify.region import CertifiedRegion
from symstab.dynamics.basins import basin_map
from symstab.errors import InputError
from symstab.evidence import wilson_interval
from symstab.inputs import StepSize
from symstab.intervals import to_fraction
from symstab.loss import Loss

Q = Fraction
HALF = sp.Rational(1, 2)


def ball(center: tuple, radius: str, eta: sp.Expr = HALF, monotone: bool = True,
         label: int = 1) -> CertifiedRegion:
    """A region built by hand (its certificate is argued in each test that uses it)."""
    with mpmath.workdps(40):
        c = tuple(mpmath.mpf(Q(x).numerator) / Q(x).denominator for x in center)
        r = mpmath.mpf(radius)
    one = mpmath.mpf(1)
    return CertifiedRegion(label=label, center=c, radius=r, eta=eta, mu=one, L=one,
                           contraction=one / 2, center_error=mpmath.mpf(0),
                           method="by hand", monotone=monotone)


@pytest.fixture(scope="module")
def f4():
    return Loss.from_catalog("f4")


@pytest.fixture(scope="module")
def f4_regions(f4):
    return default_regions(f4, StepSize.of(HALF))


@pytest.fixture(scope="module")
def quartic():
    # f = x²/2 − x⁴/4, η = 1/2: G(x) = x(1 + x²)/2. On (−1, 1), 0 < G(x)/x < 1, so every
    # orbit converges to 0 with |x| (hence f, increasing in |x| there) strictly
    # decreasing; x = ±1 are fixed; for |x| > 1, |G(x)| > |x| and the orbit diverges.
    # So V_η = U_η = (−1, 1): half of the window [−2, 2].
    return Loss.from_text("x**2/2 - x**4/4")


# ---- CertifiedRegion.contains_box ------------------------------------------------------


def test_contains_box_whole_box_only():
    region = ball((0, 0), "1")
    assert region.contains_box(((Q(-1, 2), Q(1, 2)), (Q(-1, 2), Q(1, 2))))  # corners: 1/2
    # three corners and the centre inside, the corner (3/4, 3/4) at squared distance 9/8
    assert not region.contains_box(((Q(0), Q(3, 4)), (Q(0), Q(3, 4))))
    assert not region.contains_box(((Q(1, 2), Q(1, 4)), (Q(0), Q(0))))  # lo > hi
    assert not region.contains_box(((Q(0), Q(0)),))  # wrong length
    assert not region.contains_box((("0", "0"), ("0", "0")))  # text is not an exact number
    assert not region.contains_box(((Q(-10**400), Q(0)), (Q(0), Q(0))))  # beyond floats


dyadic = st.integers(-2**12, 2**12).map(lambda k: Q(k, 2**10))


@settings(max_examples=150, deadline=None)
@given(c=st.tuples(dyadic, dyadic), r=st.integers(1, 2**12).map(lambda k: Q(k, 2**10)),
       a=st.tuples(dyadic, dyadic), b=st.tuples(dyadic, dyadic))
def test_contains_box_agrees_with_the_corners(c, r, a, b):
    # A ball is convex, so a box lies in it iff its 2ⁿ corners do (checked here exactly,
    # corner by corner; contains_box shrinks r² by a relative 1e-12 for rounding).
    region = ball(c, mpmath.nstr(mpmath.mpf(r.numerator) / r.denominator, 30))
    radius = to_fraction(region.radius)
    sides = tuple((min(x, y), max(x, y)) for x, y in zip(a, b, strict=True))
    far = max(sum((p - q) ** 2 for p, q in zip(corner, c, strict=True))
              for corner in itertools.product(*sides))
    answer = region.contains_box(sides)
    if answer:
        assert far <= radius**2
    if far <= radius**2 * (1 - Q(2, 10**12)):
        assert answer
    point = tuple(lo for lo, _ in sides)
    assert region.contains_box(tuple((t, t) for t in point)) == region.contains(point)


# ---- the union of proved cells ---------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(proved=st.sets(st.tuples(st.integers(0, 7), st.integers(0, 7))),
       a=st.tuples(st.integers(0, 64), st.integers(0, 64)),
       b=st.tuples(st.integers(0, 64), st.integers(0, 64)))
def test_proved_cells_cover_exactly_the_boxes_inside(proved, a, b):
    # Window [0, 1]², 2 x 2 top cells, each split twice: 8 x 8 cells of width 1/8. A box
    # lies in the union iff every cell meeting it (touching counts) is proved.
    grid = CellGrid(((Q(0), Q(1)), (Q(0), Q(1))), (2, 2))
    for key in grid.top():
        grid.split.add(key)
        for child in grid.children(key):
            grid.split.add(child)
    union = ProvedCells(grid, 1, False)
    for i, j in proved:
        union.add((2, (i, j)))
    sides = tuple((Q(min(x, y), 64), Q(max(x, y), 64)) for x, y in zip(a, b, strict=True))
    meets = [(i, j) for i in range(8) for j in range(8)
             if Q(i, 8) <= sides[0][1] and sides[0][0] <= Q(i + 1, 8)
             and Q(j, 8) <= sides[1][1] and sides[1][0] <= Q(j + 1, 8)]
    assert union.contains_box(sides) == all(m in proved for m in meets)


def test_proved_cells_outside_the_window():
    grid = CellGrid(((Q(0), Q(1)),), (1,))
    union = ProvedCells(grid, 1, False)
    union.add((0, (0,)))
    assert union.contains_box(((Q(0), Q(1)),))
    assert not union.contains_box(((Q(-1, 100), Q(1, 2)),))
    assert grid.share(2) == Q(1, 4)


# ---- bounds known by hand --------------------------------------------------------------


@pytest.mark.parametrize("depth", [0, 2, 4, 6])
def test_quartic_bound_approaches_one_half(quartic, depth):
    m = certified_measure(quartic, HALF, ((-2, 2),), cells=8, max_depth=depth)
    assert m.converging <= Q(1, 2)
    assert m.stable <= m.converging
    # only the two finest cells touching x = ±1 (each 4/(8·2^depth) long) may be lost
    lost = 2 * Q(4, 8 * 2**depth) / 4
    assert m.converging >= Q(1, 2) - lost
    assert m.stable >= Q(1, 2) - lost  # U_η = V_η here
    assert m.complete and m.strength == "certified"


def test_separable_quartic_bound_is_below_one_quarter():
    # f = Σ (x²/2 − x⁴/4) decouples: V_η = U_η = (−1, 1)², a quarter of [−2, 2]².
    loss = Loss.from_text("(x**2 + y**2)/2 - (x**4 + y**4)/4")
    m = certified_measure(loss, HALF, ((-2, 2), (-2, 2)), cells=8, max_depth=3)
    assert Q(3, 16) <= m.stable <= m.converging <= Q(1, 4)


def test_nothing_converges_above_the_threshold():
    # f = x²/2 at η = 3: G(x) = −2x, only 0 converges; no region can be certified.
    loss = Loss.from_text("x**2/2")
    assert certified_regions(loss, 3) == ()
    m = certified_measure(loss, 3, ((-1, 1),))
    assert m.converging == 0 and m.stable == 0 and m.tried == 0
    assert "no certified region" in m.evidence


def test_everything_converges_in_a_contraction():
    # f = x²/2 at η = 1/2: G(x) = x/2. Every ball around 0 is forward invariant with the
    # loss decreasing inside, so a ball of radius 1/10 is a monotone region.
    # Stable convergence needs f(G(θ)) < f(θ) on the whole cell before the region: false
    # at the fixed point 0, so the cells [−1/4, 0] and [0, 1/4] count only once bisected
    # into cells of width 1/16 < 1/10.
    loss = Loss.from_text("x**2/2")
    region = ball((0,), "0.1")
    coarse = certified_measure(loss, HALF, ((-1, 1),), [region], cells=8, max_depth=0)
    assert coarse.converging == 1 and coarse.converging_by_label == {1: 1}
    assert coarse.stable == Q(3, 4)
    fine = certified_measure(loss, HALF, ((-1, 1),), [region], cells=8, max_depth=2)
    assert fine.converging == 1 and fine.stable == 1


@pytest.mark.parametrize(("steps", "expected"), [(0, Q(3, 32)), (1, Q(3, 16))])
def test_a_cell_partly_inside_is_not_counted(steps, expected):
    # Cells [k/32, (k+1)/32] of [−1, 1] (8 cells, 3 bisections). With 0 steps a cell
    # counts iff it lies inside [−1/10, 1/10]: k = −3..2, six cells, 6/32 of the length 2.
    # With 1 step its image, halved, must: k = −6..5 (inside [−1/5, 1/5]), twelve cells.
    # [3/32, 1/8] and [6/32, 7/32] reach across the boundary and are left out.
    # (Cells already proved are not used as regions here: only the ball is.)
    loss = Loss.from_text("x**2/2")
    m = certified_measure(loss, HALF, ((-1, 1),), [ball((0,), "0.1")], cells=8,
                          max_depth=3, max_steps=steps, reuse=False)
    assert m.converging == expected
    assert m.stable == expected
    # with them, a cell may also stop in cells proved before it (never beyond the truth)
    more = certified_measure(loss, HALF, ((-1, 1),), [ball((0,), "0.1")], cells=8,
                             max_depth=3, max_steps=steps)
    assert expected <= more.converging <= 1


def test_a_region_without_descent_is_not_trusted_for_stability(quartic):
    # The Lyapunov enlargement proves convergence, not descent; a region that does not
    # say it is monotone is not trusted for U_η either.
    regions = default_regions(quartic, StepSize.of(HALF))
    enlarged = [r for r in regions if not r.monotone]
    assert enlarged
    m = certified_measure(quartic, HALF, ((-2, 2),), enlarged, cells=8, max_depth=2)
    # 8 cells of width 1/2 bisected twice: cells of width 1/8. A cell touching ±1 holds a
    # fixed point and cannot be proved; every other cell of (−1, 1) converges (G contracts
    # towards 0 uniformly on it), so the best bound is (2 − 2/8)/4 = 7/16 of [−2, 2]
    assert m.converging == Q(7, 16) and m.stable == 0

    class Anonymous:
        label = 1

        def contains_box(self, sides):
            return all(abs(lo) < Q(1, 2) and abs(hi) < Q(1, 2) for lo, hi in sides)

    # |x| < 1/2 lies in the Hessian ball of radius > 1/2 (the quartic's, certified)
    m = certified_measure(quartic, HALF, ((-2, 2),), [Anonymous()], cells=8, max_depth=2)
    assert m.converging == Q(7, 16) and m.stable == 0  # the same best bound as above


def test_other_region_types_plug_in(f4, f4_regions):
    class Wrapped:
        def __init__(self, region):
            self.region = region
            self.label = region.label
            self.monotone = region.monotone

        def contains_box(self, sides):
            return self.region.contains_box(sides)

    kw = dict(cells=8, max_depth=1)
    direct = certified_measure(f4, HALF, ((-2, 2), (-2, 2)), f4_regions, **kw)
    wrapped = certified_measure(f4, HALF, ((-2, 2), (-2, 2)),
                                [Wrapped(r) for r in f4_regions], **kw)
    assert direct.converging == wrapped.converging > 0
    assert direct.stable == wrapped.stable


# ---- against sampling ------------------------------------------------------------------


def test_f4_bound_is_below_the_sampled_fraction(f4, f4_regions):
    m = certified_measure(f4, HALF, ((-2, 2), (-2, 2)), f4_regions, cells=16, max_depth=2)
    bmap = basin_map(f4, HALF, ((-2, 2, 150), (-2, 2, 150)), regions=f4_regions)
    converged = np.asarray(bmap.labels) > 0
    n = converged.size
    _, conv_high = wilson_interval(int(converged.sum()), n, 0.999)
    _, stable_high = wilson_interval(int((converged & np.asarray(bmap.stable)).sum()), n, 0.999)
    assert 0 < m.converging <= Q(conv_high)
    assert 0 <= m.stable <= Q(stable_high)
    for label, share in m.converging_by_label.items():
        _, high = wilson_interval(int((np.asarray(bmap.labels) == label).sum()), n, 0.999)
        assert share <= Q(high)
    assert sum(m.converging_by_label.values()) == m.converging


def test_budget_gives_a_smaller_bound_and_is_deterministic(f4, f4_regions):
    window = ((-2, 2), (-2, 2))
    full = certified_measure(f4, HALF, window, f4_regions, cells=8, max_depth=2)
    cut = certified_measure(f4, HALF, window, f4_regions, cells=8, max_depth=2, max_boxes=100)
    again = certified_measure(f4, HALF, window, f4_regions, cells=8, max_depth=2, max_boxes=100)
    assert full.complete and not cut.complete
    assert cut.tried == 100 and cut.failures["budget"] > 0
    assert cut.converging <= full.converging
    assert (cut.converging, cut.stable, cut.tried) == (again.converging, again.stable,
                                                       again.tried)


def test_result_as_json(f4, f4_regions):
    m = certified_measure(f4, "0.5", [("-2", "2"), ("-2", "2")], f4_regions, cells=4,
                          max_depth=1)
    assert isinstance(m, CertifiedMeasure)
    d = m.to_dict()
    assert d["eta"] == "1/2" and d["window"] == [["-2", "2"], ["-2", "2"]]
    assert Q(d["converging_fraction"]["exact"]) == m.converging
    assert d["converging_fraction"]["strength"] == "certified"
    assert Q(d["converging_fraction"]["decimal"]) <= m.converging
    assert d["budget"]["max_depth"] == 1 and d["cells"]["tried"] == m.tried
    assert m.converging_volume == m.converging * 16


def test_floor_decimal_rounds_down():
    assert floor_decimal(Q(2, 3)) == "0.666666"
    assert floor_decimal(Q(-1, 3)) == "-0.333334"
    assert floor_decimal(Q(1)) == "1.000000"


def test_bad_inputs(f4, f4_regions):
    with pytest.raises(InputError, match="window"):
        certified_measure(f4, HALF, ((-2, 2),))
    with pytest.raises(InputError, match="lo < hi"):
        certified_measure(f4, HALF, ((2, -2), (-2, 2)), f4_regions)
    with pytest.raises(InputError, match="rational"):
        certified_measure(f4, HALF, (("-sqrt(2)", 2), (-2, 2)), f4_regions)
    with pytest.raises(InputError, match="contains_box"):
        certified_measure(f4, HALF, ((-2, 2), (-2, 2)), [object()])
    with pytest.raises(InputError, match="different step size"):
        certified_measure(f4, sp.Rational(1, 3), ((-2, 2), (-2, 2)), f4_regions)
    with pytest.raises(InputError, match="max_depth"):
        certified_measure(f4, HALF, ((-2, 2), (-2, 2)), f4_regions, max_depth=-1)
    with pytest.raises(InputError, match="step size"):
        certified_measure(f4, 0, ((-2, 2), (-2, 2)), f4_regions)
