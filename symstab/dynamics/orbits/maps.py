"""The maps whose periodic orbits are studied, and the words for an orbit's stability.

The GD map G(θ) = θ − η∇f(θ) as SymPy expressions (:func:`map_exprs`) and as a compiled
NumPy target (:func:`numpy_map`); its restriction to an invariant diagonal as a 1-D
loss (:func:`diagonal_loss`).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symstab.codegen import compile_loss
from symstab.errors import InputError
from symstab.exact.derivatives import gd_map
from symstab.loss import Loss

__all__ = [
    "CERTIFIED", "NEUTRAL", "STABLE", "UNKNOWN", "UNSTABLE", "diagonal_loss", "divisors",
    "map_exprs", "numpy_map",
]

#: Stability (and certification status) of an orbit.
STABLE = "stable"
UNSTABLE = "unstable"
NEUTRAL = "neutral"
UNKNOWN = "unknown"
CERTIFIED = "certified"


def diagonal_loss(loss: Loss) -> Loss:
    """The GD map of ``loss`` restricted to the diagonal θ = (x, ..., x), as a 1-D loss.

    If every G_i(x, ..., x) is the same function (the diagonal is invariant, e.g. for
    ½(1 − xy)², on which G is x ↦ x − ηx(x² − 1)), then G restricted to it is GD with the
    same η on φ(x) = f(x, ..., x)/n, because dφ/dx = (1/n)Σ ∂_i f(x, ..., x) = ∂_1 f.

    Raises
    ------
    InputError
        If the diagonal is not invariant under the GD map.
    """
    x = sp.Symbol("x", real=True)
    on_diag = {p: x for p in loss.params}
    grads = [sp.expand(sp.diff(loss.expr, p).xreplace(on_diag)) for p in loss.params]
    if any(sp.simplify(g - grads[0]) != 0 for g in grads[1:]):
        raise InputError(f"the diagonal is not invariant under GD on {loss.name}")
    phi = sp.expand(loss.expr.xreplace(on_diag) / loss.n)
    return Loss(phi, (x,), f"diag({loss.name})", f"{loss.source}; restricted to x = y")


def map_exprs(loss: Loss, eta: sp.Expr) -> tuple[sp.Expr, ...]:
    """The GD map G(θ) at the exact ``eta`` (or the symbol η), expanded if polynomial."""
    return tuple(sp.expand(g) if loss.is_polynomial else g for g in gd_map(loss, eta))


def divisors(p: int) -> list[int]:
    """The proper divisors k < p of ``p`` (the lower periods an orbit of period p may have)."""
    return [k for k in range(1, p) if p % k == 0]


def numpy_map(loss: Loss) -> Any:
    """The compiled NumPy target of ``loss`` (float64 step, Hessian, value)."""
    return compile_loss(loss.expr, loss.params).numpy()

