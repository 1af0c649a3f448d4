"""Exact values of algebraic numbers given with ``CRootOf``, printed without repetition.

A coordinate in a field of degree d is ``Σ c_k α^k`` with ``α = CRootOf(p, i)``:
SymPy's printers print ``p`` once per power, and the text of a degree-27 ``p`` is
most of the cost of reporting such a point. :func:`exact_value` is
:meth:`symstab.evidence.Value.of_exact` with the text of each ``CRootOf`` (string
and LaTeX) computed once and reused: the same printers, the same output.
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from symstab.evidence import DEFAULT_DIGITS, Strength, Value, as_sympy_number, decimal_text

__all__ = ["exact_value"]


@functools.lru_cache(maxsize=256)
def _root_str(root: sp.CRootOf) -> str:
    return StrPrinter()._print_ComplexRootOf(root)


@functools.lru_cache(maxsize=256)
def _root_latex(root: sp.CRootOf) -> str:
    return LatexPrinter()._print_ComplexRootOf(root)


class _StrPrinter(StrPrinter):
    """:func:`sympy.sstr` with each root's text cached."""

    def _print_ComplexRootOf(self, expr: sp.CRootOf) -> str:
        return _root_str(expr)


class _LatexPrinter(LatexPrinter):
    """:func:`sympy.latex` with each root's text cached."""

    def _print_ComplexRootOf(self, root: sp.CRootOf) -> str:
        return _root_latex(root)


def exact_value(expr: sp.Expr, digits: int = DEFAULT_DIGITS, note: str = "") -> Value:
    """The same :class:`Value` as ``Value.of_exact(expr, digits, note)``, faster for numbers
    written with many ``CRootOf`` powers.

    Parameters
    ----------
    expr
        An exact number (SymPy object, int or Fraction).
    digits
        Significant digits of the decimal.
    note
        How the value was obtained.

    Returns
    -------
    Value
        Exact; every field equal to what :meth:`Value.of_exact` gives.
    """
    expr = as_sympy_number(expr)
    if not expr.has(sp.CRootOf):
        return Value.of_exact(expr, digits, note)
    return Value(
        decimal=decimal_text(expr, digits),
        strength=Strength.EXACT,
        digits=digits,
        exact=_StrPrinter().doprint(expr),
        latex=_LatexPrinter().doprint(expr),
        note=note,
        expr=expr,
    )
