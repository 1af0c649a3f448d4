"""How sure a result is, and values that carry that with them.

Every number symstab reports is a :class:`Value`: its strength is one of
``exact`` (a SymPy object, printed exactly and in LaTeX), ``certified``
(an enclosure proved by exact or outward-rounded interval arithmetic),
``numerical`` (floating point at a stated precision) or ``statistical``
(an estimate with a confidence bound). A numerical value has no exact form,
so it cannot be mistaken for one.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from symstab.errors import InputError

DEFAULT_DIGITS = 20


class Strength(StrEnum):
    """The strength of a result's evidence, strongest first."""

    EXACT = "exact"
    CERTIFIED = "certified"
    NUMERICAL = "numerical"
    STATISTICAL = "statistical"


def as_sympy_number(x: Any) -> sp.Expr:
    """A SymPy number from a SymPy object, an int or a Fraction (never from text)."""
    if isinstance(x, sp.Basic):
        return x
    if isinstance(x, bool):
        raise TypeError("a bool is not a number here")
    if isinstance(x, int):
        return sp.Integer(x)
    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    raise TypeError(f"expected a SymPy number, int or Fraction, got {type(x).__name__}")


def decimal_text(expr: sp.Expr, digits: int) -> str:
    """An exact real number as a decimal of ``digits`` significant digits (an integer
    as itself); ``ValueError`` if it is not real."""
    if expr.is_Integer:
        return str(int(expr))
    value = sp.N(expr, digits)
    if value.is_real is False:
        raise ValueError(f"value {expr} is not real")
    text = sp.sstr(value, full_prec=False)
    return text


@dataclass(frozen=True)
class Value:
    """A reported number with its strength.

    Attributes
    ----------
    decimal
        Decimal string; for ``exact`` values accurate to ``digits`` significant digits.
    strength
        :class:`Strength` of the evidence.
    digits
        Significant digits of ``decimal`` (exact/certified) or working precision
        in digits (numerical).
    exact
        Exact form as a string (SymPy syntax); only for ``exact`` values.
    latex
        LaTeX form; only for ``exact`` values.
    enclosure
        ``(lo, hi)`` decimal strings of a certified enclosure, where one is known.
    note
        How the value was obtained, when that matters to the reader.
    expr
        The SymPy object of an exact value (kept for further exact work; not serialised).
    """

    decimal: str
    strength: Strength
    digits: int
    exact: str | None = None
    latex: str | None = None
    enclosure: tuple[str, str] | None = None
    note: str = ""
    expr: sp.Expr | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of_exact(cls, expr: sp.Expr, digits: int = DEFAULT_DIGITS, note: str = "") -> Value:
        """An exact value from a SymPy expression (a number: rational, algebraic, RootOf...)."""
        expr = as_sympy_number(expr)
        return cls(
            decimal=decimal_text(expr, digits),
            strength=Strength.EXACT,
            digits=digits,
            exact=sp.sstr(expr),
            latex=sp.latex(expr),
            note=note,
            expr=expr,
        )

    @classmethod
    def of_numerical(cls, x: Any, digits: int, note: str = "") -> Value:
        """A floating-point value computed at ``digits`` digits of working precision."""
        import mpmath

        return cls(
            decimal=mpmath.nstr(mpmath.mpf(x), max(1, min(digits, 30))),
            strength=Strength.NUMERICAL,
            digits=digits,
            note=note,
        )

    @classmethod
    def infinite(cls, note: str = "") -> Value:
        """The exact value +infinity (e.g. a threshold 2/λmax with λmax = 0)."""
        return cls(
            decimal="inf", strength=Strength.EXACT, digits=0, exact="oo", latex=r"\infty",
            note=note, expr=sp.oo,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        out: dict[str, Any] = {
            "strength": str(self.strength),
            "decimal": self.decimal,
            "digits": self.digits,
        }
        if self.exact is not None:
            out["exact"] = self.exact
            out["latex"] = self.latex
        if self.enclosure is not None:
            out["enclosure"] = list(self.enclosure)
        if self.note:
            out["note"] = self.note
        return out

    def __str__(self) -> str:
        return self.exact if self.exact is not None else f"≈{self.decimal}"


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``k / n``.

    Parameters
    ----------
    k
        Number of successes, ``0 <= k <= n``.
    n
        Number of trials, ``n >= 1``.
    confidence
        Two-sided confidence level in ``(0, 1)``.

    Returns
    -------
    tuple of float
        ``(low, high)`` with ``0 <= low <= k/n <= high <= 1``; ``low == 0`` exactly when
        ``k == 0`` and ``high == 1`` exactly when ``k == n``.

    Raises
    ------
    InputError
        On counts or a confidence level out of range.
    """
    for name, v in (("k", k), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise InputError(f"{name} must be an integer, got {v!r}", name)
    k, n = int(k), int(n)
    if n < 1 or not 0 <= k <= n:
        raise InputError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    if not 0.0 < float(confidence) < 1.0:
        raise InputError(f"confidence must be in (0, 1), got {confidence!r}", "confidence")
    z = statistics.NormalDist().inv_cdf(0.5 + float(confidence) / 2.0)
    p = k / n
    z2n = z * z / n
    center = (p + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    low = 0.0 if k == 0 else max(0.0, min(p, center - half))
    high = 1.0 if k == n else min(1.0, max(p, center + half))
    return low, high
