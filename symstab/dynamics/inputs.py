"""Validation of the common inputs of the dynamics functions: step size, start, counts.

Each helper turns user input into an exact value or raises
:class:`~symstab.errors.InputError` with one line naming the argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from symstab.errors import InputError
from symstab.loss import Loss
from symstab.parse import as_exact_number, parse_eta

__all__ = ["bounded_int", "exact_eta", "exact_point"]


def exact_eta(eta: Any) -> sp.Expr:
    """An exact positive step size (text through the whitelist parser)."""
    try:
        return parse_eta(eta)
    except InputError as exc:
        raise InputError(exc.problem, "eta") from None


def exact_point(loss: Loss, theta0: Any) -> tuple[sp.Expr, ...]:
    """A start of ``loss``'s dimension as exact finite real numbers."""
    if not isinstance(loss, Loss):
        raise InputError("loss must be a symstab Loss")
    if isinstance(theta0, str) or not isinstance(theta0, Sequence | np.ndarray):
        raise InputError("theta0 must be a sequence of numbers", "theta0")
    point = tuple(as_exact_number(t, "theta0 coordinate") for t in theta0)
    if len(point) != loss.n:
        raise InputError(f"theta0 has {len(point)} coordinates, the loss has {loss.n}", "theta0")
    for t in point:
        if not (t.is_real and t.is_finite):
            raise InputError(f"theta0 coordinate {t} is not a finite real number", "theta0")
    return point


def bounded_int(x: Any, name: str, lo: int, hi: int | None = None) -> int:
    """``x`` as an int in [lo, hi] (bools and non-integers refused)."""
    if isinstance(x, bool) or not isinstance(x, int | np.integer) or int(x) < lo:
        raise InputError(f"{name} must be an integer >= {lo}, got {x!r}", name)
    if hi is not None and int(x) > hi:
        raise InputError(f"{name} must be an integer <= {hi}, got {x!r}", name)
    return int(x)
