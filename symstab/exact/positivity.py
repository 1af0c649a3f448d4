"""Cheap exact certificates that a loss is bounded below.

A loss written as a sum of terms c·g₁^{2k₁}⋯g_m^{2k_m} with c > 0 (and
positive constants) is ≥ 0 everywhere; then any point where it is 0 is a
global minimum. This covers squared losses (linear networks, ½(1−xy)², f4).
"""

from __future__ import annotations

import sympy as sp


def _is_even_power_product(term: sp.Expr) -> bool:
    coeff, rest = term.as_coeff_Mul()
    if coeff <= 0:
        return False
    factors = sp.Mul.make_args(rest)
    for factor in factors:
        if factor == 1:
            continue
        base, exponent = factor.as_base_exp()
        if not (exponent.is_Integer and exponent.is_even and exponent > 0):
            return False
        if not base.is_real:
            return False
    return True


def nonnegativity_certificate(expr: sp.Expr) -> str | None:
    """A sentence proving ``expr >= 0`` for all real arguments, or ``None`` if none is found."""
    terms = sp.Add.make_args(expr)
    if all((t.is_number and t >= 0) or _is_even_power_product(t) for t in terms):
        return "the loss is a sum of positive multiples of even powers, hence >= 0 everywhere"
    return None
