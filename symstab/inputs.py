"""The values every layer takes, made once at the boundary: a step size and a point.

A public function that takes a step size calls :meth:`StepSize.of` on it once and
passes the :class:`StepSize` down; the same for a starting point and :meth:`Point.of`.
Both accept the same spellings everywhere:

* text in the loss grammar without symbols (``"0.05"``, ``"1/20"``, ``"sqrt(2)/3"``),
  read by the whitelist parser of :mod:`symstab.parse`, never by ``eval``;
* ``int``, :class:`~fractions.Fraction` and exact SymPy numbers, as they are;
* ``float`` (and NumPy floats) as the shortest decimal that prints it: ``0.05`` is 1/20;
* an mpmath ``mpf`` as its exact binary value (it has no decimal spelling);
* a :class:`StepSize` or :class:`Point`, unchanged.

Bad values raise :class:`~symstab.errors.InputError` with a one-line message.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any, TypeAlias

import numpy as np
import sympy as sp
from mpmath import libmp

from symstab.errors import InputError
from symstab.intervals import ArbBackend, arb_mid_rad, enclose_constant
from symstab.parse import as_exact_number, parse_eta

__all__ = ["Point", "PointLike", "StepSize", "StepSizeLike", "bounded_int", "exact_number"]

#: The spellings of a step size that :meth:`StepSize.of` accepts.
StepSizeLike: TypeAlias = "StepSize | str | int | Fraction | float | sp.Expr"
#: The spellings of a point that :meth:`Point.of` accepts.
PointLike: TypeAlias = "Point | Sequence[Any] | np.ndarray"


def _binary_or_integer(value: Any) -> Any:
    """An mpf as its exact binary value, NumPy scalars as Python numbers; else as is."""
    raw = getattr(value, "_mpf_", None)
    if raw is not None and not isinstance(value, sp.Basic):
        if raw in (libmp.finf, libmp.fninf, libmp.fnan):
            return float("nan")  # refused downstream as "not a number"
        p, q = libmp.to_rational(raw)
        return Fraction(int(p), int(q))
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _located(where: str, inner: str | None) -> str:
    """``where`` followed by the parser's position in the text, if it gave one."""
    return f"{where}, {inner}" if inner else where


def exact_number(value: Any, what: str = "number") -> sp.Expr:
    """An exact finite real SymPy number from any of the spellings of the module docstring.

    Raises
    ------
    InputError
        ``"<what> must be ..."`` for text that is not a constant, booleans, non-finite
        or non-real values and other types.
    """
    number = as_exact_number(_binary_or_integer(value), what)
    if not (number.is_real and number.is_finite):
        raise InputError(f"{what} {number} is not a finite real number")
    return number


@dataclass(frozen=True)
class StepSize:
    """A step size η > 0: exact, with its float and rigorous interval forms.

    Build it with :meth:`StepSize.of`; the constructor checks only that ``exact`` is a
    positive real SymPy number.

    Attributes
    ----------
    exact
        The exact value (a ``Rational`` or an algebraic constant such as ``sqrt(2)/3``;
        transcendental values such as ``pi/10`` are refused everywhere alike).
    """

    exact: sp.Expr

    def __post_init__(self) -> None:
        e = self.exact
        if not (isinstance(e, sp.Expr) and e.is_number and e.is_extended_real is True):
            raise InputError(f"step size must be an exact real number, got {e!r}", "eta")
        if e.is_positive is not True or e.is_finite is not True:
            raise InputError("step size must be positive", "eta")
        if e.is_algebraic is False:  # pi, E, log(2), ...: no exact sign tests on them
            raise InputError(f"step size must be algebraic (rationals and roots), got "
                             f"{sp.sstr(e)}", "eta")

    @classmethod
    def of(cls, value: StepSizeLike, where: str = "eta") -> StepSize:
        """The step size spelled by ``value`` (see the module docstring).

        Parameters
        ----------
        value
            Text, int, Fraction, float, SymPy number, mpf or a :class:`StepSize`.
        where
            Named in error messages (the argument or option the value came from).

        Raises
        ------
        InputError
            ``"step size must be a number"`` (symbols, nan, inf, other types),
            ``"step size must be positive"`` (zero or negative) or a parse error.
        """
        if isinstance(value, StepSize):
            return value
        try:
            return cls(parse_eta(_binary_or_integer(value)))
        except InputError as exc:
            raise InputError(exc.problem, _located(where, exc.where)) from None

    @property
    def is_rational(self) -> bool:
        """Whether η is a rational number."""
        return bool(self.exact.is_Rational)

    @cached_property
    def fraction(self) -> Fraction | None:
        """η as a :class:`~fractions.Fraction` if it is rational, else ``None``."""
        if not self.exact.is_Rational:
            return None
        return Fraction(int(self.exact.p), int(self.exact.q))

    @cached_property
    def as_float(self) -> float:
        """The float nearest to η (correctly rounded for rationals)."""
        if self.fraction is not None:
            return float(self.fraction)
        return float(sp.N(self.exact, 40))

    def arb(self, dps: int = 30) -> Any:
        """A python-flint ``arb`` ball enclosing η at ``dps`` decimal digits."""
        backend = ArbBackend(dps)
        with backend.workprec():
            return enclose_constant(self.exact, backend)

    def bounds(self, dps: int = 30) -> tuple[Fraction, Fraction]:
        """Exact rationals ``lo <= η <= hi`` (equal for a rational η).

        Raises
        ------
        InputError
            If η cannot be enclosed (a constant the interval library cannot evaluate).
        """
        if self.fraction is not None:
            return self.fraction, self.fraction
        try:
            mid_rad = arb_mid_rad(self.arb(dps))
        except NotImplementedError:
            mid_rad = None
        if mid_rad is None:
            raise InputError(f"cannot enclose the step size {self.exact}", "eta")
        mid, rad = mid_rad
        return mid - rad, mid + rad

    def __float__(self) -> float:
        return self.as_float

    def __str__(self) -> str:
        return sp.sstr(self.exact)


@dataclass(frozen=True)
class Point(Sequence[sp.Expr]):
    """A point θ of parameter space with exact coordinates.

    Build it with :meth:`Point.of`. It is a sequence of its exact coordinates.

    Attributes
    ----------
    coords
        The exact coordinates (finite real SymPy numbers).
    """

    coords: tuple[sp.Expr, ...]

    @classmethod
    def of(cls, value: PointLike, n: int | None = None, where: str = "theta0") -> Point:
        """The point spelled by ``value``: a sequence of numbers (see the module docstring).

        Parameters
        ----------
        value
            A sequence or 1-D array of numbers, or a :class:`Point`.
        n
            The required number of coordinates (the loss's), if any.
        where
            Named in error messages.

        Raises
        ------
        InputError
            If ``value`` is not a sequence of finite real numbers of length ``n``.
        """
        if isinstance(value, Point):
            point = value
        else:
            if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
                raise InputError("a point must be a sequence of numbers", where)
            if isinstance(value, np.ndarray) and value.ndim != 1:
                raise InputError("a point must be a one-dimensional sequence", where)
            try:
                point = cls(tuple(exact_number(t, "coordinate") for t in value))
            except InputError as exc:
                raise InputError(exc.problem, _located(where, exc.where)) from None
        if n is not None and len(point) != n:
            raise InputError(f"the point has {len(point)} coordinates, the loss has {n}", where)
        return point

    @cached_property
    def floats(self) -> tuple[float, ...]:
        """The coordinates rounded to floats."""
        out = []
        for c in self.coords:
            out.append(float(Fraction(int(c.p), int(c.q))) if c.is_Rational else float(c))
        return tuple(out)

    def __len__(self) -> int:
        return len(self.coords)

    def __getitem__(self, index: Any) -> Any:
        return self.coords[index]

    def __iter__(self) -> Iterator[sp.Expr]:
        return iter(self.coords)

    def __str__(self) -> str:
        return "(" + ", ".join(sp.sstr(c) for c in self.coords) + ")"


def bounded_int(x: Any, name: str, lo: int, hi: int | None = None) -> int:
    """``x`` as an int in [lo, hi] (bools and non-integers refused)."""
    if isinstance(x, bool) or not isinstance(x, int | np.integer) or int(x) < lo:
        raise InputError(f"{name} must be an integer >= {lo}, got {x!r}", name)
    if hi is not None and int(x) > hi:
        raise InputError(f"{name} must be an integer <= {hi}, got {x!r}", name)
    return int(x)
