"""Exact signs of real algebraic numbers given as SymPy expressions.

First an outward-rounded interval evaluation at 30 digits (a private ``mpmath`` interval
context, so the precision asked for is the precision used; rationals enter as interval
quotients of their integers): an enclosure that excludes 0 proves the sign. Otherwise
zero is decided exactly by the minimal polynomial over Q, and a nonzero value's sign is
certified by interval evaluation at a precision whose enclosure is narrower than a
proven lower bound on the value's absolute value (Cauchy's bound for the nonzero roots
of the minimal polynomial). No floating-point guess decides anything.
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp
from mpmath.ctx_iv import MPIntervalContext

_X = sp.Symbol("_x")


def _lower_bound(minpoly: sp.Poly) -> sp.Rational:
    coeffs = [abs(c) for c in minpoly.all_coeffs()]
    a0 = coeffs[-1]
    return sp.Rational(a0, a0 + max(coeffs[:-1]))


def exact_sign(expr: sp.Expr) -> int:
    """The sign (-1, 0, 1) of a real algebraic number, decided exactly.

    Raises
    ------
    ValueError
        If ``expr`` is not a real algebraic number SymPy can find a minimal polynomial for.
    """
    if expr.is_Rational:
        return int(sp.sign(expr))
    quick = _interval_sign(expr, 30)
    if quick:
        return quick
    minpoly = sp.Poly(sp.minimal_polynomial(expr, _X), _X)
    if minpoly.degree() == 1:
        root = -minpoly.all_coeffs()[1] / minpoly.all_coeffs()[0]
        return int(sp.sign(root))
    bound = _lower_bound(minpoly)
    digits = max(30, int(-math.log10(float(bound))) + 10 if bound > 0 else 30)
    for _ in range(6):
        sign = _interval_sign(expr, digits)
        if sign:
            return sign
        digits *= 2
    raise ValueError(f"could not certify the sign of {expr}")


def _interval_sign(expr: sp.Expr, digits: int) -> int:
    """The sign of ``expr`` if an outward-rounded enclosure at ``digits`` excludes 0, else 0."""
    iv = MPIntervalContext()
    iv.dps = digits
    roots = {r: _root_enclosure(r, digits, iv) for r in expr.atoms(sp.CRootOf)}
    enclosure = _enclose(expr, roots, iv)
    if enclosure.a > 0:
        return 1
    if enclosure.b < 0:
        return -1
    return 0


def _enclose(expr: sp.Expr, roots: dict[sp.Expr, Any], iv: MPIntervalContext) -> Any:
    """An outward-rounded interval containing ``expr`` (rationals, +, ×, powers, roots).

    Every rational is entered as the interval quotient of its integers, never as a float.
    """
    if expr in roots:
        return roots[expr]
    if expr.is_Rational:
        return iv.mpf(int(expr.p)) / iv.mpf(int(expr.q))
    if expr.is_Add:
        total = iv.mpf(0)
        for arg in expr.args:
            total += _enclose(arg, roots, iv)
        return total
    if expr.is_Mul:
        product = iv.mpf(1)
        for arg in expr.args:
            product *= _enclose(arg, roots, iv)
        return product
    if expr.is_Pow and expr.exp.is_Rational:
        base = _enclose(expr.base, roots, iv)
        e = expr.exp
        if e.is_Integer:
            return base ** int(e)
        if e.q == 2:
            return iv.sqrt(base) ** int(e.p)
        return base ** (iv.mpf(int(e.p)) / iv.mpf(int(e.q)))
    raise ValueError(f"cannot enclose {expr}: not built from rationals, +, ×, powers, roots")


def _root_enclosure(root: sp.CRootOf, digits: int, iv: MPIntervalContext) -> Any:
    """A certified interval around a real CRootOf (bisection of its isolating interval)."""
    if not root.is_real:
        raise ValueError(f"{root} is not real")
    dx = sp.Rational(1, 10 ** (digits + 2))
    approx = root.eval_rational(dx=dx, n=digits)
    lo, hi = approx - dx, approx + dx
    return iv.mpf([_iv_rational(lo, iv).a, _iv_rational(hi, iv).b])


def _iv_rational(q: sp.Rational, iv: MPIntervalContext) -> Any:
    return iv.mpf(int(q.p)) / iv.mpf(int(q.q))


def compare(a: sp.Expr, b: sp.Expr) -> int:
    """Exact comparison of two real algebraic numbers: sign(a - b)."""
    return exact_sign(sp.radsimp(a - b))
