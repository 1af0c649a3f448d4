"""Exact signs (symstab.exact.signs): interval enclosures never take a rational as a float."""

from __future__ import annotations

import sympy as sp

from symstab.exact.signs import compare, exact_sign


def test_rational_coefficients_are_not_rounded_to_floats():
    # q = floor(√2/3·10^40)/10^40 lies below √2/3 by less than 1e-40; (√2/3)² = 2/9 > q²
    # proves the sign is +1. With 1/3 read as the float 0.33333333333333331..., √2/3 would
    # come out about 2.6e-17 too small and the sign -1.
    q = sp.Rational(sp.floor(sp.sqrt(2) / 3 * 10**40), 10**40)
    assert sp.Rational(2, 9) > q**2
    assert exact_sign(sp.sqrt(2) / 3 - q) == 1
    assert exact_sign(q - sp.sqrt(2) / 3) == -1


def test_zero_and_roots():
    t = sp.Symbol("t")
    r = sp.CRootOf(t**3 - 2, 0)  # 2^(1/3) ≈ 1.2599
    assert exact_sign(r**3 - 2) == 0
    assert exact_sign(r - sp.Rational(126, 100)) == -1
    # 2/2^(1/3) > 2/3^(1/3) since 2^(1/3) < 3^(1/3)
    assert compare(2 / r, 2 / sp.CRootOf(t**3 - 3, 0)) == 1
    assert compare(sp.sqrt(8), 2 * sp.sqrt(2)) == 0
