"""The Krawczyk test: unique on a box with one root, never unique on a box with none or two.

Expected values are derived by hand: the circle x² + y² = 1 meets the line x = y at
±(√2/2, √2/2); x³ − x has the roots −1, 0, 1; the GD map x ↦ x − η(x³ − x) has the
symmetric period-2 orbit ±√(1 + 2/η) (from G(p) = −p: η(p² − 1) = 2).
"""

from fractions import Fraction

import pytest
import sympy as sp

from symstab.certify.krawczyk import (
    EMPTY,
    UNIQUE,
    IteratedMapSystem,
    SympySystem,
    arb_box,
    box_fractions,
    isolate_roots,
    krawczyk,
)
from symstab.errors import InputError

x, y = sp.symbols("x y", real=True)
CIRCLE = SympySystem([x**2 + y**2 - 1, x - y], [x, y])
HALF_SQRT2 = 2**0.5 / 2


def _inside(sides, point):
    return all(lo <= Fraction(v) <= hi for (lo, hi), v in zip(sides, point, strict=True))


def test_unique_box_around_a_known_root():
    root = krawczyk(CIRCLE, [(0.6, 0.8), (0.6, 0.8)])
    assert root.status == UNIQUE
    assert root.enclosure is not None
    # √2/2 = 0.70710678118654752...; the enclosure must contain it (rational bounds) in
    # both coordinates, inside the input box and narrower than it (K(X) ⊂ int X is what
    # proves uniqueness)
    for lo, hi in root.enclosure:
        assert lo < Fraction(70710678118654753, 10**17)
        assert hi > Fraction(70710678118654752, 10**17)
        assert Fraction(6, 10) < lo and hi < Fraction(8, 10)
        assert hi - lo < Fraction(1, 10)


def test_box_without_root_is_never_unique():
    assert krawczyk(CIRCLE, [(2, 3), (2, 3)]).status == EMPTY
    # a box touching no root but close to the circle: empty or unknown, never unique
    assert krawczyk(CIRCLE, [(0.0, 0.5), (0.6, 0.9)]).status != UNIQUE


def test_box_with_two_roots_is_never_unique():
    # both ±(√2/2, √2/2) are inside
    assert krawczyk(CIRCLE, [(-1, 1), (-1, 1)]).status != UNIQUE
    one_d = SympySystem([x**2 - sp.Rational(1, 4)], [x])  # roots ±1/2
    assert krawczyk(one_d, [(-1, 1)]).status != UNIQUE
    assert krawczyk(one_d, [(0.25, 0.75)]).status == UNIQUE


def test_isolation_finds_exactly_the_roots():
    result = isolate_roots(SympySystem([x**3 - x], [x]), [(-2, 2)])
    assert result.complete and not result.unknown
    assert [round(r.midpoint()[0], 12) for r in result.unique] == [-1.0, 0.0, 1.0]
    circle = isolate_roots(CIRCLE, [(-2, 2), (-2, 2)])
    mids = sorted(round(r.midpoint()[0], 12) for r in circle.unique)
    assert mids == [round(-HALF_SQRT2, 12), round(HALF_SQRT2, 12)]


def test_iterated_map_certifies_a_period_two_point():
    eta = sp.Rational(3, 2)
    G = [x - eta * (x**3 - x)]
    p = (1 + 2 / 1.5) ** 0.5  # √(7/3)
    system = IteratedMapSystem(G, [x], 2)
    root = krawczyk(system, [(p - 1e-6, p + 1e-6)])
    assert root.status == UNIQUE
    assert _inside(root.enclosure, [p])
    # around a simple root the Krawczyk image of a box of width w is O(w²) wide:
    # w = 2e-6, so far below 1e-8 (a plain interval evaluation would keep ~w)
    ((lo, hi),) = root.enclosure
    assert hi - lo < Fraction(1, 10**8)
    # the exact point √(7/3) lies inside (the float p is only within 1e-16 of it)
    assert lo**2 < Fraction(7, 3) < hi**2
    # period 1 around the same point: no fixed point there (fixed points are 0, ±1)
    assert krawczyk(IteratedMapSystem(G, [x], 1), [(p - 1e-6, p + 1e-6)]).status == EMPTY


def test_boxes_are_exact_and_outward():
    box = arb_box([(Fraction(1, 3), Fraction(2, 3))], 30)
    (lo, hi), = box_fractions(box)
    assert lo <= Fraction(1, 3) and hi >= Fraction(2, 3)
    with pytest.raises(InputError):
        arb_box([(1, 0)])
    with pytest.raises(InputError):
        SympySystem([x + y], [x, y])
