"""What every numeric target shares: the interface, the checks, the printer settings.

A target is printed from one derivation (:class:`Derivation`: the CSE blocks of f, ∇f
and H of a :class:`~symstab.codegen.derivation.CompiledLoss`) and offers
``value(theta)``, ``gradient(theta)``, ``hessian(theta)``,
``step(theta, eta) = theta - eta * gradient(theta)`` and ``descend(theta, eta, steps)``
(:class:`Target`). Each target module adds only what its numeric library differs in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import sympy as sp

from symstab.codegen.source import Block
from symstab.errors import InputError

__all__ = ["PRINTER_SETTINGS", "Derivation", "Target", "check_dps", "check_steps"]

#: Printer settings: fail on anything unsupported; keep sums in SymPy's internal order,
#: which prints ``a - b*c`` rather than ``-b*c + a`` (one array pass less in NumPy).
PRINTER_SETTINGS = {"strict": True, "order": "none"}


class Derivation(Protocol):
    """What a target reads from a compiled loss.

    Attributes
    ----------
    n
        Number of parameters.
    symbols
        The generated real symbols ``p0, ..., p{n-1}``.
    f
        The loss in ``symbols``.
    """

    n: int
    symbols: tuple[sp.Symbol, ...]
    f: sp.Expr

    @property
    def hess_upper(self) -> tuple[sp.Expr, ...]:
        """Hessian entries ``(i, j)`` with ``i <= j``, row by row."""
        ...  # pragma: no cover

    def block(self, kind: str) -> Block:
        """CSE'd expressions of ``"value"``, ``"grad"``, ``"value_grad"`` or ``"hess"``."""
        ...  # pragma: no cover


def check_dps(dps: int) -> int:
    """``dps`` as an int in [1, 100000] (a precision in decimal digits).

    Raises
    ------
    InputError
        For booleans, non-integers and values out of range.
    """
    if isinstance(dps, bool) or not isinstance(dps, int | np.integer) or not 1 <= dps <= 100_000:
        raise InputError(f"precision must be an integer number of digits >= 1, got {dps!r}", "dps")
    return int(dps)


def check_steps(steps: int) -> int:
    """``steps`` as an int >= 0 (a number of GD steps).

    Raises
    ------
    InputError
        For booleans, non-integers and negative values.
    """
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise InputError(f"number of steps must be an integer >= 0, got {steps!r}", "steps")
    return int(steps)


class Target:
    """Common interface: ``value``, ``gradient``, ``hessian``, ``step``, ``descend``."""

    n: int
    source: str

    def value(self, theta: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def gradient(self, theta: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def hessian(self, theta: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, theta: Any, eta: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def descend(self, theta: Any, eta: Any, steps: int) -> Any:
        """Apply :meth:`step` ``steps`` times and return the last point.

        Parameters
        ----------
        theta
            Starting point(s), as accepted by :meth:`step`.
        eta
            Learning rate.
        steps
            Number of GD steps, ``>= 0``.
        """
        for _ in range(check_steps(steps)):
            theta = self.step(theta, eta)
        return theta

    def _check_len(self, theta: Sequence[Any]) -> None:
        if len(theta) != self.n:
            raise InputError(f"expected {self.n} coordinates, got {len(theta)}", "theta")
