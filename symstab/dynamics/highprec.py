"""The mpmath side shared by the high-precision dynamics.

A loss's mpmath target at a precision (:func:`mpmath_target`) and an exact number
rounded into an mpmath context (:func:`to_mpf`), used by trajectories, Lyapunov
exponents and the edge-of-stability metrics alike.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from mpmath import libmp

from symstab.codegen import MpmathTarget, compile_loss
from symstab.loss import Loss

__all__ = ["mpmath_target", "to_mpf"]


def to_mpf(ctx: Any, e: sp.Expr) -> Any:
    """``e`` rounded to nearest at the precision of ``ctx`` (rationals: one rounding).

    Parameters
    ----------
    ctx
        An mpmath context (its ``prec`` is used).
    e
        An exact real SymPy number.
    """
    prec = ctx.prec
    if e.is_Rational:
        return ctx.make_mpf(libmp.from_rational(int(e.p), int(e.q), prec, libmp.round_nearest))
    digits = int(prec / 3.3219280948873626) + 20
    val = sp.Float(e.evalf(digits), digits)
    return ctx.make_mpf(libmp.mpf_pos(val._mpf_, prec, libmp.round_nearest))


def mpmath_target(loss: Loss, dps: int) -> MpmathTarget:
    """The compiled mpmath target of ``loss`` at ``dps`` decimal digits."""
    return compile_loss(loss.expr, loss.params).mpmath(dps)
