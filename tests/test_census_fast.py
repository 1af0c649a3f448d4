"""The 1-D Krawczyk fast path for g^p(x) − x and the diagonal census built on it.

Expected values come from independent computations: exact real-root counts of the
expanded polynomial g^p(x) − x (SymPy Sturm sequences for p <= 4, FLINT's certified
complex roots for p = 5), exact real roots, the degree bound 3^p, and the Möbius
inversion that turns root counts into counts of orbits of minimal period p.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import flint
import pytest
import sympy as sp

from symstab.certify.krawczyk import (
    EMPTY,
    UNIQUE,
    UNKNOWN,
    IteratedMapSystem,
    krawczyk,
)
from symstab.certify.krawczyk_1d import (
    IteratedPolynomial1D,
    isolate_roots_1d,
    krawczyk_1d,
    refine_1d,
)
from symstab.dynamics.orbits.census import diagonal_orbits_exhaustive
from symstab.errors import InputError
from symstab.intervals import ball_fraction
from symstab.loss import Loss

X = sp.Symbol("x")
ETA = sp.Rational(19, 10)
#: diagonal map of ½(1 − xy)² at η (by hand: ∂f/∂x = −y(1 − xy) = x(x² − 1) on x = y)
G_XY = X - ETA * X * (X**2 - 1)
#: diagonal map of (1 − xy)²: ∂f/∂x = −2y(1 − xy), the same with 2η
G_XY2 = X - 2 * ETA * X * (X**2 - 1)
#: a search box around the escape radius √(1 + 2/η) ≈ 1.7206 of G_XY
BOX = (Fraction(-7, 4), Fraction(7, 4))


def _iterate_poly(g: sp.Expr, p: int) -> sp.Poly:
    cur = X
    for _ in range(p):
        cur = sp.expand(g.subs(X, cur))
    return sp.Poly(cur - X, X, domain="QQ")


def _flint_real_roots(poly: sp.Poly) -> list:
    """Real zeros (``arb`` balls) of a rational polynomial via FLINT's certified roots.

    ``fmpz_poly.complex_roots`` isolates every complex zero in a ball; a real zero comes
    back with an exactly zero imaginary part (squarefree input).
    """
    coeffs = poly.all_coeffs()
    den = sp.ilcm(*[sp.Rational(c).q for c in coeffs])
    ints = [int(c * den) for c in reversed(coeffs)]
    roots = flint.fmpz_poly(ints).complex_roots()
    assert all(mult == 1 for _r, mult in roots)
    return [r.real for r, _mult in roots if r.imag.is_zero()]


def _flint_real_root_count(poly: sp.Poly) -> int:
    return len(_flint_real_roots(poly))


def _moebius_counts(n_roots: dict[int, int]) -> dict[int, int]:
    """Orbits of minimal period p from N_p = #zeros of g^p − x: (1/p) Σ μ(p/d) N_d."""
    out = {}
    for p in n_roots:
        total = sum(sp.mobius(p // d) * n_roots[d] for d in sp.divisors(p))
        assert total % p == 0
        out[p] = total // p
    return out


@pytest.mark.parametrize("g", [G_XY, G_XY2, X - sp.Rational(11, 10) * X * (X**2 - 1)])
@pytest.mark.parametrize("p", [1, 2, 3, 4])
def test_root_counts_match_sturm_and_exact_roots(g, p):
    poly = _iterate_poly(g, p)
    lo, hi = Fraction(-5, 2) - Fraction(3, 256), Fraction(5, 2) + Fraction(7, 512)
    result = isolate_roots_1d(IteratedPolynomial1D(g, X, p), (lo, hi), min_width=1e-12,
                              max_boxes=100_000)
    assert result.complete and not result.unknown
    assert len(result.unique) == poly.count_roots(sp.Rational(lo), sp.Rational(hi))
    # every real root (FLINT's certified balls) lies in exactly one certified enclosure
    encls = [r.enclosure[0] for r in result.unique]
    for root in _flint_real_roots(poly):
        lo_r, hi_r = ball_fraction(root)
        assert sum(a <= hi_r and lo_r <= b for a, b in encls) == 1, root


def test_period_five_count_matches_flint_complex_roots():
    poly = _iterate_poly(G_XY, 5)  # degree 243
    expected = _flint_real_root_count(poly)
    result = isolate_roots_1d(IteratedPolynomial1D(G_XY, X, 5), BOX, min_width=1e-12,
                              max_boxes=100_000)
    assert result.complete and not result.unknown
    assert len(result.unique) == expected


@pytest.mark.parametrize("p", [5, 6])
def test_full_three_shift_all_zeros_real(p):
    """For x ↦ x − 3.8x(x² − 1) every zero of g^p − x is real (a full 3-shift): the
    isolation must find exactly deg = 3^p distinct zeros, the most a polynomial can have."""
    r = sp.sqrt(1 + sp.Rational(1) / ETA)  # escape radius √(1 + 2/(2η))
    b = Fraction(int(sp.floor(r * 64)) + 1, 64) + Fraction(3, 256)
    result = isolate_roots_1d(IteratedPolynomial1D(G_XY2, X, p), (-b, b), min_width=1e-12,
                              max_boxes=200_000)
    assert result.complete and not result.unknown
    assert len(result.unique) == 3**p
    encls = sorted(r.enclosure[0] for r in result.unique)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(encls))


def test_krawczyk_1d_refuses_two_zeros_and_empties_none():
    f1 = IteratedPolynomial1D(G_XY, X, 1)  # zeros of g(x) − x: −1, 0, 1
    two = krawczyk_1d(f1, (Fraction(-1, 2), Fraction(6, 5)))  # holds 0 and 1
    assert two.status != UNIQUE and two.enclosure is None
    assert krawczyk_1d(f1, (Fraction(3, 10), Fraction(7, 10))).status == EMPTY
    one = krawczyk_1d(f1, (Fraction(9, 10), Fraction(11, 10)))
    assert one.status == UNIQUE
    (a, b), = one.enclosure
    assert a <= 1 <= b and (a, b) != one.box[0]
    # two close zeros of g^4 − x (exact roots), one box around both: never unique
    roots = sorted(float(r.mid()) for r in _flint_real_roots(_iterate_poly(G_XY, 4)))
    gaps = [(roots[i + 1] - roots[i], i) for i in range(len(roots) - 1)]
    gap, i = min(gaps)
    f4 = IteratedPolynomial1D(G_XY, X, 4)
    pair = (Fraction(roots[i] - gap / 4), Fraction(roots[i + 1] + gap / 4))
    assert krawczyk_1d(f4, pair).status == UNKNOWN
    # a box between them holds none
    between = (Fraction(roots[i] + gap / 4), Fraction(roots[i + 1] - gap / 4))
    assert krawczyk_1d(f4, between).status in (EMPTY, UNKNOWN)
    # bisection separates them: two unique boxes, one zero each
    split = isolate_roots_1d(f4, pair, min_width=1e-12)
    assert not split.unknown and len(split.unique) == 2
    for r, z in zip(split.unique, (roots[i], roots[i + 1]), strict=True):
        assert r.enclosure[0][0] - 1e-12 <= z <= r.enclosure[0][1] + 1e-12


def test_fast_system_agrees_with_the_generic_iterated_map():
    fast = IteratedPolynomial1D(G_XY, X, 3)
    generic = IteratedMapSystem([G_XY], [X], 3)
    for box in [(Fraction(1, 3), Fraction(1, 3) + Fraction(1, 1000)),
                (Fraction(-3, 2), Fraction(-1)), (Fraction(1, 10), Fraction(11, 10))]:
        with fast.workprec():
            ball = flint.arb.union(flint.arb(float(box[0])), flint.arb(float(box[1])))
            fv, fj = fast.values([ball])[0], fast.jacobian([ball])[0][0]
        with generic.workprec():
            gv, gj = generic.values([ball])[0], generic.jacobian([ball])[0][0]
        assert fv.overlaps(gv) and fj.overlaps(gj)
        # the generic test accepts the fast system and reaches the same verdict
        assert krawczyk(fast, [box]).status == krawczyk_1d(fast, box).status


def test_refine_and_duplicates():
    f1 = IteratedPolynomial1D(G_XY, X, 1)
    root = krawczyk_1d(f1, (Fraction(7, 8), Fraction(9, 8)))
    tight = refine_1d(f1, root)
    assert tight.status == UNIQUE and tight.width() < 1e-25 and tight.box == root.box
    lo, hi = tight.enclosure[0]
    assert lo <= 1 <= hi
    # zeros on the bisection grid (0 and ±1 for [−2, 2]) lie in two touching balls; each
    # is reported once
    result = isolate_roots_1d(f1, (-2, 2), min_width=1e-12)
    encls = sorted(r.enclosure[0] for r in result.unique)
    assert not result.unknown and len(encls) == 3
    for (a, b), z in zip(encls, (-1, 0, 1), strict=True):
        assert a <= z <= b


def test_bad_inputs():
    with pytest.raises(InputError):
        IteratedPolynomial1D(sp.sin(X), X, 2)
    with pytest.raises(InputError):
        IteratedPolynomial1D(X * sp.pi, X, 2)
    with pytest.raises(InputError):
        IteratedPolynomial1D(G_XY, X, 0)
    with pytest.raises(InputError):
        krawczyk_1d(IteratedPolynomial1D(G_XY, X, 1), (0, 1, 2))


def test_budget_exhausted_is_reported():
    result = isolate_roots_1d(IteratedPolynomial1D(G_XY, X, 4), BOX, max_boxes=50)
    assert not result.complete and result.boxes_tested == 50
    assert any(r.reason == "budget exhausted" for r in result.unknown)


def test_census_counts_follow_from_independent_root_counts():
    """Orbit counts of the census = Möbius inversion of exact real-root counts (p <= 5)."""
    n_roots = {p: _iterate_poly(G_XY, p).count_roots() for p in range(1, 5)}
    n_roots[5] = _flint_real_root_count(_iterate_poly(G_XY, 5))
    census = diagonal_orbits_exhaustive(Loss.from_catalog("xy"), ETA, 5)
    assert census.complete and census.roots == n_roots
    assert census.counts() == _moebius_counts(n_roots)
    assert census.attracting() == ()
    # every orbit point maps to the next one (float check of the certified points)
    for o in census.orbits:
        pts = [float(v) for v in o.points]
        for a, b in zip(pts, pts[1:] + pts[:1], strict=True):
            gv = a - 1.9 * a * (a * a - 1)
            assert abs(gv - b) < 1e-12


def test_census_xy2_is_the_full_shift():
    census = diagonal_orbits_exhaustive(Loss.from_catalog("xy2"), ETA, 6)
    assert census.complete
    assert census.roots == {p: 3**p for p in range(1, 7)}
    assert census.counts() == _moebius_counts({p: 3**p for p in range(1, 7)})
    assert all(o.stability == "unstable" for o in census.orbits)
