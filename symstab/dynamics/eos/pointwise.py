"""Edge-of-stability quantities at one point: sharpness, relative progress, initial L.

All at a stated precision (``numerical``), except :func:`initial_sharpness` (``exact``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from symstab.dynamics.highprec import mpmath_target, to_mpf
from symstab.exact import derivatives
from symstab.inputs import Point, StepSize, bounded_int
from symstab.loss import Loss, require_loss

__all__ = ["initial_sharpness", "lambda_max", "relative_progress", "sharpness"]


def lambda_max(ctx: Any, H: Sequence[Sequence[Any]]) -> Any:
    """The largest eigenvalue of a symmetric matrix of mpf (closed form for n <= 2)."""
    n = len(H)
    if n == 1:
        return H[0][0]
    if n == 2:
        a, b, c = H[0][0], H[0][1], H[1][1]
        return (a + c) / 2 + ctx.sqrt(((a - c) / 2) ** 2 + b * b)
    vals = ctx.eigsy(ctx.matrix([list(r) for r in H]), eigvals_only=True)
    return max(vals[i] for i in range(n))


def sharpness(loss: Loss, theta: Sequence[Any], *, dps: int = 30) -> Any:
    """λmax of the Hessian at ``theta`` (mpf at ``dps`` digits, numerical).

    Parameters
    ----------
    loss
        The loss (Hessian from :func:`symstab.codegen.compile_loss`).
    theta
        The point, exact numbers or mpf.
    dps
        Working precision in decimal digits.

    Returns
    -------
    mpmath.mpf
    """
    target = mpmath_target(loss, bounded_int(dps, "dps", 10, 2000))
    ctx = target.ctx
    point = [to_mpf(ctx, t) for t in Point.of(theta, require_loss(loss).n, "theta")]
    return lambda_max(ctx, target.hessian(point))


def relative_progress(loss: Loss, eta: Any, theta: Sequence[Any], *, dps: int = 30) -> Any:
    """RP(θ) = (f(θ − η∇f(θ)) − f(θ)) / (η‖∇f(θ)‖²), at ``dps`` digits (numerical).

    The loss values are evaluated at ``2·dps`` digits at the computed points.

    Parameters
    ----------
    loss
        The loss.
    eta
        Step size (exact).
    theta
        The point (exact numbers).
    dps
        Working precision in decimal digits.

    Returns
    -------
    mpmath.mpf
        NaN when ∇f(θ) = 0.
    """
    dps = bounded_int(dps, "dps", 10, 2000)
    step = StepSize.of(eta)
    point = Point.of(theta, require_loss(loss).n, "theta")
    target = mpmath_target(loss, dps)
    hi = mpmath_target(loss, 2 * dps)
    ctx = target.ctx
    th = tuple(to_mpf(ctx, t) for t in point)
    eta_m = to_mpf(ctx, step.exact)
    g = target.gradient(th)
    n2 = ctx.fsum(x * x for x in g)
    if n2 == 0:
        return ctx.nan
    nxt = target.step(th, eta_m)
    return ctx.mpf(hi.value(nxt) - hi.value(th)) / (eta_m * n2)


def initial_sharpness(loss: Loss, theta0: Sequence[Any]) -> sp.Expr:
    """Spectral radius of the Hessian at ``theta0``, exactly (SymPy).

    Parameters
    ----------
    loss
        The loss.
    theta0
        The point (exact numbers).

    Returns
    -------
    sympy.Expr
        max |eigenvalue| of H(θ0), an exact algebraic number.
    """
    point = Point.of(theta0, require_loss(loss).n).coords
    H = derivatives.hessian(loss).subs(dict(zip(loss.params, point, strict=True)))
    eig = list(sp.Matrix(H).eigenvals())
    return sp.radsimp(max((sp.Abs(e) for e in eig), key=lambda v: float(sp.N(v, 30))))

