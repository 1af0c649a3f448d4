"""Exact signs of real algebraic numbers given as SymPy expressions.

Zero is decided exactly by the minimal polynomial over Q. A nonzero value's
sign is then certified by outward-rounded interval evaluation (``mpmath.iv``)
at a precision whose enclosure is narrower than a proven lower bound on the
value's absolute value (Cauchy's bound for the nonzero roots of the minimal
polynomial). No floating-point guess decides anything.
"""

from __future__ import annotations

import math

import mpmath
import sympy as sp

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
    minpoly = sp.Poly(sp.minimal_polynomial(expr, _X), _X)
    if minpoly.degree() == 1:
        root = -minpoly.all_coeffs()[1] / minpoly.all_coeffs()[0]
        return int(sp.sign(root))
    bound = _lower_bound(minpoly)
    digits = max(30, int(-math.log10(float(bound))) + 10 if bound > 0 else 30)
    roots = sorted(expr.atoms(sp.CRootOf), key=sp.default_sort_key)
    symbols = sp.symbols(f"_r0:{len(roots)}")
    body = expr.xreplace(dict(zip(roots, symbols, strict=True)))
    f = sp.lambdify(symbols, body, modules=[{"sqrt": mpmath.iv.sqrt}, mpmath.iv])
    for _ in range(6):
        with mpmath.workdps(digits):
            args = [_root_enclosure(r, digits) for r in roots]
            enclosure = mpmath.iv.mpf(f(*args))
            if enclosure.a > 0:
                return 1
            if enclosure.b < 0:
                return -1
        digits *= 2
    raise ValueError(f"could not certify the sign of {expr}")


def _root_enclosure(root: sp.CRootOf, digits: int) -> mpmath.iv.mpf:
    """A certified interval around a real CRootOf (bisection of its isolating interval)."""
    if not root.is_real:
        raise ValueError(f"{root} is not real")
    dx = sp.Rational(1, 10 ** (digits + 2))
    approx = root.eval_rational(dx=dx, n=digits)
    lo, hi = approx - dx, approx + dx
    return mpmath.iv.mpf([mpmath.iv.mpf(_iv_rational(lo)).a, mpmath.iv.mpf(_iv_rational(hi)).b])


def _iv_rational(q: sp.Rational) -> mpmath.iv.mpf:
    return mpmath.iv.mpf(int(q.p)) / mpmath.iv.mpf(int(q.q))


def compare(a: sp.Expr, b: sp.Expr) -> int:
    """Exact comparison of two real algebraic numbers: sign(a - b)."""
    return exact_sign(sp.radsimp(a - b))
