"""Strategies for exact numbers and step sizes.

:func:`rationals`, :func:`step_sizes` (exact rationals in an interval) and
:func:`step_sizes_relative` (η = factor · threshold, exact).

Every value is returned exact (SymPy ``Rational`` or exact expression), never as a
binary float. :func:`exact_value` reads the exact numbers the strategies take as
arguments.
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from symstab.errors import InputError
from symstab.evidence import Value
from symstab.parse import as_exact_number


def exact_value(value: Any, what: str) -> sp.Expr:
    """An exact real SymPy number from an int, Fraction, SymPy number, mpf, Value or text."""
    if isinstance(value, Value):
        if value.expr is None:
            raise InvalidArgument(f"{what} must be an exact value, got a {value.strength} one")
        value = value.expr
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise InvalidArgument(f"{what} must be finite")
        sign, man, exp, _ = value._mpf_  # a binary rational: (-1)^sign · man · 2^exp
        return (-1) ** sign * sp.Integer(int(man)) * sp.Integer(2) ** int(exp)
    try:
        number = as_exact_number(value, what)
    except InputError as exc:  # one line, re-raised as Hypothesis' error type
        raise InvalidArgument(str(exc)) from exc
    if number.is_real is not True or number.has(sp.Float):
        raise InvalidArgument(f"{what} must be an exact real number, got {value!r}")
    return number


def _floor(x: sp.Expr) -> int:
    if isinstance(x, sp.Rational):
        return int(x.p) // int(x.q)
    return int(sp.floor(x))


def _ceiling(x: sp.Expr) -> int:
    if isinstance(x, sp.Rational):
        return -(-int(x.p) // int(x.q))
    return int(sp.ceiling(x))


def rationals(
    lo: Any,
    hi: Any,
    *,
    max_denominator: int = 100,
    include_lo: bool = True,
    include_hi: bool = True,
    nonzero: bool = False,
) -> SearchStrategy[sp.Rational]:
    """Exact rationals p/q in an interval with q <= ``max_denominator``.

    Parameters
    ----------
    lo, hi
        Interval ends: exact numbers (int, ``Fraction``, SymPy number such as
        ``sp.Rational(10, 19)`` or ``2/sp.sqrt(5)``, or text like ``"1/20"``; a float is
        read as the decimal it prints as). ``lo < hi``.
    max_denominator
        Largest denominator q (>= 1).
    include_lo, include_hi
        Whether the ends may be drawn (closed or open ends).
    nonzero
        Never draw 0.

    Returns
    -------
    SearchStrategy[sympy.Rational]
        Shrinks towards small denominators and small numerators.

    Raises
    ------
    hypothesis.errors.InvalidArgument
        If the interval is empty, or holds no rational with denominator <=
        ``max_denominator`` strictly inside.
    """
    a, b = exact_value(lo, "lo"), exact_value(hi, "hi")
    if not isinstance(max_denominator, int) or max_denominator < 1:
        raise InvalidArgument(f"max_denominator must be a positive int, got {max_denominator!r}")
    if not bool(a < b):
        raise InvalidArgument(f"empty interval: lo = {a} is not below hi = {b}")
    # A denominator q with q(b - a) >= 3 has an integer p with a < p/q < b and p != 0, so
    # every q >= q_wide has room; a draw whose q has none moves to q_wide (or to the first
    # denominator with room) instead of being rejected.
    q_wide = _ceiling(3 / (b - a))
    fallback = next(
        (q for q in range(1, min(q_wide, max_denominator) + 1)
         if _numerators(a, b, q, include_lo, include_hi, nonzero)),
        None,
    )
    if fallback is None:
        raise InvalidArgument(
            f"no rational with denominator <= {max_denominator} in the interval "
            f"({a}, {b}); raise max_denominator"
        )

    @st.composite
    def draw_rational(draw: st.DrawFn) -> sp.Rational:
        q = draw(st.integers(1, max_denominator))
        p_range = _numerators(a, b, q, include_lo, include_hi, nonzero)
        if p_range is None:
            q = q_wide if q_wide <= max_denominator and q < q_wide else fallback
            p_range = _numerators(a, b, q, include_lo, include_hi, nonzero)
            assert p_range is not None
        lo_p, hi_p = p_range
        # Shrink towards the numerator nearest 0.
        anchor = min(max(0, lo_p), hi_p)
        p = anchor + draw(st.integers(lo_p - anchor, hi_p - anchor))
        if nonzero and p == 0:
            p = 1 if hi_p >= 1 else -1
        return sp.Rational(p, q)

    return draw_rational()


def _numerators(
    a: sp.Expr, b: sp.Expr, q: int, include_lo: bool, include_hi: bool, nonzero: bool
) -> tuple[int, int] | None:
    """The range of integers p with p/q in the interval (None if empty)."""
    lo_p, hi_p = _ceiling(a * q), _floor(b * q)
    if not include_lo and lo_p == a * q:
        lo_p += 1
    if not include_hi and hi_p == b * q:
        hi_p -= 1
    if lo_p > hi_p or (nonzero and lo_p == hi_p == 0):
        return None
    return lo_p, hi_p


def step_sizes(
    lo: Any = 0,
    hi: Any = 1,
    *,
    max_denominator: int = 1000,
    include_lo: bool = False,
    include_hi: bool = True,
) -> SearchStrategy[sp.Rational]:
    """Exact rational step sizes η in an interval (by default (0, 1]).

    Parameters
    ----------
    lo, hi
        Interval ends, exact (see :func:`rationals`); ``lo >= 0``.
    max_denominator
        Largest denominator of η.
    include_lo, include_hi
        Closed or open ends; the lower end is open by default (η > 0).

    Returns
    -------
    SearchStrategy[sympy.Rational]
        η with ``lo <= η <= hi`` (strict where the end is open), exact.

    Examples
    --------
    Step sizes below the critical value 10/19 of Chen et al.'s f4:

    >>> eta = step_sizes(0, sp.Rational(10, 19), include_hi=False)
    """
    if bool(exact_value(lo, "lo") < 0):
        raise InvalidArgument(f"step sizes are positive; lo = {lo} < 0")
    return rationals(
        lo, hi, max_denominator=max_denominator, include_lo=include_lo, include_hi=include_hi,
        nonzero=True,
    )


def step_sizes_relative(
    threshold: Any,
    lo_factor: Any = 0,
    hi_factor: Any = 1,
    *,
    max_denominator: int = 1000,
    include_lo: bool = False,
    include_hi: bool = False,
) -> SearchStrategy[sp.Expr]:
    """Step sizes η = c · threshold with c an exact rational in a factor interval.

    Parameters
    ----------
    threshold
        An exact positive number, e.g. η* = 2/λmax = ``sp.Rational(10, 19)``,
        ``KnownQuadratic.eta_star``, ``2/sp.sqrt(5)``, or an exact
        :class:`symstab.evidence.Value` (e.g. ``analyze(loss).eta_critical``).
    lo_factor, hi_factor
        The factor interval (exact); the default (0, 1) gives η strictly below the threshold.
    max_denominator
        Largest denominator of the factor c.
    include_lo, include_hi
        Closed or open ends of the factor interval (both open by default).

    Returns
    -------
    SearchStrategy[sympy.Expr]
        η = c · threshold, exact (a ``Rational`` when the threshold is rational).

    Examples
    --------
    Step sizes in the unstable regime 1 < η/η* <= 3/2 of a drawn quadratic:

    >>> pairs = known_quadratics().flatmap(
    ...     lambda q: st.tuples(st.just(q), step_sizes_relative(q.eta_star, 1, "3/2",
    ...                                                         include_hi=True)))
    """
    t = exact_value(threshold, "threshold")
    if not bool(t > 0):
        raise InvalidArgument(f"threshold must be positive, got {t}")
    if bool(exact_value(lo_factor, "lo_factor") < 0):
        raise InvalidArgument(f"lo_factor must be >= 0, got {lo_factor}")
    factors = rationals(
        lo_factor, hi_factor, max_denominator=max_denominator, include_lo=include_lo,
        include_hi=include_hi, nonzero=True,
    )
    return factors.map(lambda c: c * t)
