"""Exact numbers and rigorous intervals: the conversions every certificate relies on.

Certificates reason in exact rationals (:class:`fractions.Fraction`) about numbers that
live in binary floating point (``float``, mpmath ``mpf``) or in interval balls
(python-flint ``arb``). This module holds the exact conversions between them and the
two interval libraries behind one small interface:

:class:`ArbBackend`
    python-flint ``arb`` balls (outward rounded; every supported function).
:class:`IvBackend`
    ``mpmath.iv`` (polynomials, ``exp, log, sqrt, sin, cos, Abs``; kept for comparison).

:func:`enclose_constant` encloses an exact SymPy number (``sqrt(2)/3``, ``pi/10``) in
either library. Nothing here depends on any other part of symstab.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from mpmath import libmp

__all__ = [
    "ArbBackend",
    "IvBackend",
    "arb_exact",
    "arb_mid_rad",
    "ball_fraction",
    "dyadic",
    "enclose_constant",
    "fraction_mpf",
    "mpf_fraction",
    "sqrt_up",
    "to_fraction",
]


# --------------------------------------------------------------------------------------
# Exact rational values of binary numbers
# --------------------------------------------------------------------------------------


def mpf_fraction(raw: tuple) -> Fraction:
    """Exact value of a finite raw mpf tuple."""
    p, q = libmp.to_rational(raw)
    return Fraction(int(p), int(q))


def to_fraction(x: Any) -> Fraction | None:
    """Exact rational value of ``x`` if it is an exact number type, else ``None``.

    ``int``, ``Fraction`` and SymPy rationals are themselves; a ``float``, a SymPy
    ``Float`` or an ``mpf`` is its exact binary value; anything else (text, irrational
    SymPy numbers, non-finite values) gives ``None``.
    """
    if isinstance(x, bool):
        return Fraction(int(x))
    if isinstance(x, int | np.integer):
        return Fraction(int(x))
    if isinstance(x, Fraction):
        return x
    if isinstance(x, sp.Rational):
        return Fraction(int(x.p), int(x.q))
    if isinstance(x, float | np.floating):
        return Fraction(float(x)) if math.isfinite(float(x)) else None
    if isinstance(x, sp.Float):
        return mpf_fraction(x._mpf_) if x.is_finite else None
    if hasattr(x, "_mpf_"):  # mpmath mpf of any context
        if x._mpf_ in (libmp.finf, libmp.fninf, libmp.fnan):
            return None
        return mpf_fraction(x._mpf_)
    return None


def dyadic(x: Fraction, prec: int, rounding: str) -> Fraction:
    """``x`` rounded to ``prec`` bits in direction ``rounding`` (``'f'`` floor, ``'c'`` ceil)."""
    if x == 0:
        return Fraction(0)
    return mpf_fraction(libmp.from_rational(x.numerator, x.denominator, prec, rounding))


def fraction_mpf(x: Fraction, prec: int = 0, rounding: str = libmp.round_nearest) -> mpmath.mpf:
    """An ``mpf`` equal to ``x`` (dyadic, ``prec=0``) or rounded to ``prec`` bits.

    Raises
    ------
    ValueError
        If ``prec`` is 0 and ``x`` is not a dyadic rational.
    """
    if prec == 0:
        num, den = x.numerator, x.denominator
        if den & (den - 1):
            raise ValueError("not a dyadic rational")
        return mpmath.mp.make_mpf(libmp.from_man_exp(num, -(den.bit_length() - 1)))
    return mpmath.mp.make_mpf(libmp.from_rational(x.numerator, x.denominator, prec, rounding))


def sqrt_up(x: Fraction) -> Fraction:
    """A rational upper bound on sqrt(x) (x >= 0), within a relative 2^-50."""
    if x <= 0:
        return Fraction(0)
    if x > 10**300:
        t = Fraction(math.isqrt(math.ceil(x)) + 1)
    elif x > Fraction(1, 10**300):
        t = Fraction(math.sqrt(float(x)))
    else:
        t = Fraction(1, 2**400)
    t = dyadic(t * (1 + Fraction(1, 2**52)), 64, libmp.round_ceiling)
    while t * t < x:
        t = dyadic(t * (1 + Fraction(1, 2**50)) + Fraction(1, 2**1100), 64, libmp.round_ceiling)
    return t


# --------------------------------------------------------------------------------------
# arb balls and exact rationals
# --------------------------------------------------------------------------------------


def _flint() -> Any:
    import flint

    return flint


def _arf_fraction(x: Any) -> Fraction:
    man, exp = x.man_exp()
    man, exp = int(man), int(exp)
    return Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2 ** (-exp))


def arb_mid_rad(x: Any) -> tuple[Fraction, Fraction] | None:
    """Exact midpoint and radius of an ``arb`` ball; ``None`` if it is not finite."""
    if not x.is_finite():
        return None
    return _arf_fraction(x.mid()), _arf_fraction(x.rad())


def ball_fraction(x: Any) -> tuple[Fraction, Fraction]:
    """The exact endpoints ``(mid − rad, mid + rad)`` of an ``arb`` ball.

    Raises
    ------
    ValueError
        If the ball is not finite.
    """
    mid_rad = arb_mid_rad(x)
    if mid_rad is None:
        raise ValueError("ball is not finite")
    mid, rad = mid_rad
    return mid - rad, mid + rad


def arb_exact(q: Any) -> Any:
    """An ``arb`` ball enclosing the number ``q`` (exact when ``q`` is dyadic)."""
    flint = _flint()
    if isinstance(q, flint.arb):
        return q
    if isinstance(q, float):
        return flint.arb(q)  # a float is a dyadic rational: exact
    q = Fraction(q) if not isinstance(q, sp.Basic) else Fraction(int(q.p), int(q.q))
    den = q.denominator
    if den & (den - 1) == 0:  # power of two: exact
        return flint.arb(flint.arf((q.numerator, -(den.bit_length() - 1))))
    return flint.arb(flint.fmpq(q.numerator, den))


# --------------------------------------------------------------------------------------
# The two interval libraries behind one interface
# --------------------------------------------------------------------------------------


class ArbBackend:
    """python-flint ``arb`` balls at ``dps`` decimal digits (outward rounded).

    Attributes
    ----------
    functions
        The interval functions by name (``exp``, ..., ``sign``, ``dirac``, ``powi``), as
        generated interval code calls them.
    named
        Enclosures of the named constants ``pi, E, EulerGamma, Catalan`` (callables).
    """

    name = "arb"

    def __init__(self, dps: int) -> None:
        try:
            import flint
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("interval arithmetic needs 'python-flint'") from exc
        self.flint = flint
        self.arb = arb = flint.arb
        self.dps = dps

        def sign(x: Any) -> Any:
            return x.sgn()

        def dirac(x: Any) -> Any:
            return arb.nan() if x.contains(0) else arb(0)

        def powi(x: Any, k: int) -> Any:
            # x**k from the endpoints (t -> t**k is monotone on [0, inf), and on R for odd
            # k): much tighter than ball arithmetic on wide balls, e.g. x**2 >= 0 always.
            if x.is_exact():
                return x**k
            if k % 2:
                return arb.union(x.lower() ** k, x.upper() ** k)
            # the hull of the two ends as a ball can dip below 0 by its radius rounding:
            # an even power is >= 0, so keep only the nonnegative part
            return arb.union(x.abs_lower() ** k, x.abs_upper() ** k).nonnegative_part()

        self.functions = SimpleNamespace(
            exp=arb.exp, log=arb.log, sqrt=arb.sqrt, tanh=arb.tanh, erf=arb.erf,
            erfc=arb.erfc, sin=arb.sin, cos=arb.cos, tan=arb.tan, atan=arb.atan,
            sinh=arb.sinh, cosh=arb.cosh, sign=sign, dirac=dirac, powi=powi,
        )  # fmt: skip
        self.named = {
            sp.pi: arb.pi,
            sp.E: arb.const_e,
            sp.EulerGamma: arb.const_euler,
            sp.Catalan: arb.const_catalan,
        }

    def workprec(self) -> Any:
        """Context manager that sets the working precision of python-flint."""
        return self.flint.ctx.workdps(self.dps)

    def rational(self, q: Fraction) -> Any:
        """A ball enclosing the rational ``q``."""
        return self.arb(self.flint.fmpq(int(q.numerator), int(q.denominator)))

    def hull(self, lo: Any, hi: Any) -> Any:
        """The smallest ball containing both balls."""
        return self.arb.union(lo, hi)

    def convert_other(self, x: Any) -> Any:
        """``x`` if it is already a ball, a ball from a decimal string, else ``None``."""
        if isinstance(x, self.arb):
            return x
        if isinstance(x, str):
            return self.arb(x)
        return None


class IvBackend:
    """``mpmath.iv`` intervals at ``dps`` decimal digits, in a private context.

    Only polynomials and ``exp, log, sqrt, sin, cos, Abs`` are usable: ``mpmath.iv`` has
    no ``tanh``, its ``erf`` fails on intervals and its ``sign`` is wrong on intervals
    containing 0. Kept for comparison with :class:`ArbBackend`.
    """

    name = "iv"
    #: Functions this backend cannot enclose.
    missing = ("tanh", "erf", "erfc", "tan", "atan", "sinh", "cosh")

    def __init__(self, dps: int) -> None:
        from mpmath.ctx_iv import MPIntervalContext

        self.ctx = ctx = MPIntervalContext()
        ctx.dps = dps

        def sign(x: Any) -> Any:
            if x.a > 0:
                return ctx.mpf(1)
            if x.b < 0:
                return ctx.mpf(-1)
            if x.a == 0 and x.b == 0:
                return ctx.mpf(0)
            return ctx.mpf([-1, 1])

        # mpmath.iv's NaN times a number is [0, 0]; "anything" must be [-inf, inf].
        anything = ctx.mpf(["-inf", "inf"])

        def dirac(x: Any) -> Any:
            return anything if x.a <= 0 <= x.b else ctx.mpf(0)

        def unusable(name: str) -> Callable[[Any], Any]:
            def fail(x: Any) -> Any:
                raise NotImplementedError(f"mpmath.iv has no usable interval {name}")

            return fail

        self.functions = SimpleNamespace(
            exp=ctx.exp, log=ctx.log, sqrt=ctx.sqrt, sin=ctx.sin, cos=ctx.cos,
            sign=sign, dirac=dirac, powi=lambda x, k: x**k,
            **{f: unusable(f) for f in self.missing},
        )  # fmt: skip
        self.named = {sp.pi: lambda: ctx.pi, sp.E: lambda: ctx.e}

    def workprec(self) -> Any:
        """A no-op context: the private context already has the precision."""
        return contextlib.nullcontext()

    def rational(self, q: Fraction) -> Any:
        """An interval enclosing the rational ``q``."""
        return self.ctx.mpf(int(q.numerator)) / int(q.denominator)

    def hull(self, lo: Any, hi: Any) -> Any:
        """The smallest interval containing both intervals."""
        return self.ctx.mpf([lo.a, hi.b])

    def convert_other(self, x: Any) -> Any:
        """``x`` if it is already an interval, an interval from a decimal string, else None."""
        if isinstance(x, self.ctx.mpf):
            return x
        if isinstance(x, str):
            return self.ctx.mpf(x)
        return None


def enclose_constant(e: sp.Expr, be: ArbBackend | IvBackend) -> Any:
    """Rigorous enclosure of the exact SymPy number ``e`` in the backend's interval type.

    Call it inside ``be.workprec()``.

    Raises
    ------
    NotImplementedError
        If ``e`` contains a function or constant the backend cannot enclose.
    """
    if e.is_Rational:
        return be.rational(Fraction(int(e.p), int(e.q)))
    if e.is_Float:
        return be.rational(mpf_fraction(e._mpf_))
    if e in be.named:
        return be.named[e]()
    if e.is_Add:
        acc = enclose_constant(e.args[0], be)
        for a in e.args[1:]:
            acc = acc + enclose_constant(a, be)
        return acc
    if e.is_Mul:
        acc = enclose_constant(e.args[0], be)
        for a in e.args[1:]:
            acc = acc * enclose_constant(a, be)
        return acc
    if e.is_Pow:
        base = enclose_constant(e.base, be)
        if e.exp.is_Integer:
            return base ** int(e.exp)
        if e.exp == sp.S.Half:
            return be.functions.sqrt(base)
        return base ** enclose_constant(e.exp, be)
    if isinstance(e, sp.Function):
        arg = enclose_constant(e.args[0], be)
        name = type(e).__name__
        if name == "Abs":
            return abs(arg)
        function = getattr(be.functions, {"DiracDelta": "dirac"}.get(name, name), None)
        if function is not None:
            return function(arg)
    raise NotImplementedError(f"cannot enclose the constant {e}")
