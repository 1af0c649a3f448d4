"""The two ways a certificate writes what it is about: an exact rational as text, and
the loss as text that symstab's parser (and the independent checker) read back to the
same expression."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp
from mpmath import libmp

from symstab.errors import InputError
from symstab.loss import Loss

__all__ = ["loss_block", "rational_text"]


def rational_text(x: Any) -> str:
    """An exact rational (Fraction, SymPy Rational, mpf, int, mpq) as text ``p`` or
    ``p/q``."""
    if isinstance(x, Fraction):
        f = x
    elif isinstance(x, sp.Rational):
        f = Fraction(int(x.p), int(x.q))
    elif getattr(x, "_mpf_", None) is not None:
        man, exp = libmp.to_man_exp(x._mpf_)
        f = Fraction(man) * Fraction(2) ** exp
    elif isinstance(x, int) and not isinstance(x, bool):
        f = Fraction(x)
    else:
        f = Fraction(x.numerator, x.denominator)  # gmpy2 mpq and the like
    return str(f)


def loss_block(loss: Loss) -> dict[str, Any]:
    """The loss as text that symstab's parser (and the checker) read back to the same
    expression.

    Raises
    ------
    InputError
        If the printed expression does not parse back to the loss.
    """
    text = sp.sstr(loss.expr)
    names = [p.name for p in loss.params]
    again = Loss.from_text(text, names)
    if sp.expand(again.expr - loss.expr) != 0:
        raise InputError(f"the loss {loss.name} has no exact text form", "certificate")
    return {"text": text, "params": names, "name": loss.name}
