"""The imbalance of a factorised loss along GD, at high precision.

For a loss of two factors, f(U, V) = ½‖Y − UVᵀ‖² (the scalar case ½(1 − xy)²), the
imbalance D = ‖U‖²_F − ‖V‖²_F is conserved by gradient flow, and one GD step with
R = UVᵀ − Y changes it by exactly

    D' = D + h²(‖RV‖²_F − ‖RᵀU‖²_F)        (scalar: D' = (1 − h²(1 − xy)²)·D),

so only a finite step size can balance the factors (Wang, Chen, Zhao & Tao 2022).
:func:`imbalance_run` follows D_k = Σ_{i∈U} θ_i² − Σ_{i∈V} θ_i² along GD from one start
at one step size, to convergence, and records where |D_k| rises. Everything is
``numerical`` at the stated precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symstab.dynamics.eos.pointwise import lambda_max
from symstab.dynamics.highprec import mpmath_target, to_mpf
from symstab.errors import InputError
from symstab.inputs import Point, StepSize, bounded_int
from symstab.loss import Loss, require_loss

__all__ = ["ImbalanceRun", "imbalance_run", "spectral_radius"]


@dataclass(frozen=True)
class ImbalanceRun:
    """GD from one start at one step size, with the imbalance along the orbit.

    Attributes
    ----------
    h
        The step size (exact).
    outcome
        ``"converged"`` (‖∇f‖ < 10^(−⌊dps/2⌋)), ``"diverged"`` (‖θ‖ above the bound) or
        ``"undetermined"`` (step budget exhausted).
    steps
        Steps taken.
    imbalance0, imbalance
        D at the start and at the last iterate (floats of the ``dps``-digit values).
    first_rise
        First step k with |D_{k+1}| > |D_k| (beyond a relative 10^(−(dps−10))), else None.
    rises
        Number of such steps.
    limit
        The last iterate (decimal strings, 20 digits).
    sharpness
        λmax(∇²f) at the last iterate.
    dps
        Working precision in decimal digits.
    """

    h: sp.Expr
    outcome: str
    steps: int
    imbalance0: float
    imbalance: float
    first_rise: int | None
    rises: int
    limit: tuple[str, ...]
    sharpness: float
    dps: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"h": sp.sstr(self.h), "outcome": self.outcome, "steps": self.steps,
                "imbalance0": self.imbalance0, "imbalance": self.imbalance,
                "first_rise": self.first_rise, "rises": self.rises,
                "limit": list(self.limit), "sharpness": self.sharpness, "dps": self.dps}


def _blocks(n: int, blocks: tuple[Sequence[int], Sequence[int]]) -> tuple[tuple[int, ...], ...]:
    u, v = (tuple(int(i) for i in b) for b in blocks)
    if not u or not v or set(u) & set(v) or not all(0 <= i < n for i in (*u, *v)):
        raise InputError("blocks must be two disjoint non-empty lists of parameter indices",
                         "blocks")
    return u, v


def imbalance_run(loss: Loss, blocks: tuple[Sequence[int], Sequence[int]],
                  theta0: Sequence[Any], h: Any, *, dps: int = 30,
                  max_steps: int = 100_000, divergence_bound: float = 1e8) -> ImbalanceRun:
    """Run GD to convergence and follow the imbalance D = ‖θ_U‖² − ‖θ_V‖².

    Parameters
    ----------
    loss
        The loss (e.g. catalog ``xy``, or ½‖Y − UVᵀ‖² built from SymPy).
    blocks
        Parameter indices of the two factors, e.g. ``((0,), (1,))`` for (x, y).
    theta0
        The start (exact numbers).
    h
        The step size (exact; any spelling of :meth:`symstab.inputs.StepSize.of`).
    dps
        Working precision in decimal digits.
    max_steps
        Step budget.
    divergence_bound
        The orbit diverged when ‖θ‖₂ exceeds this.

    Returns
    -------
    ImbalanceRun
    """
    loss = require_loss(loss)
    u, v = _blocks(loss.n, blocks)
    th0 = Point.of(theta0, loss.n)
    dps = bounded_int(dps, "dps", 10, 1000)
    max_steps = bounded_int(max_steps, "max_steps", 1, 10_000_000)
    step = StepSize.of(h, "h")
    target = mpmath_target(loss, dps)
    ctx = target.ctx
    eta = to_mpf(ctx, step.exact)
    theta = tuple(to_mpf(ctx, t) for t in th0.coords)
    floor2 = (ctx.mpf(10) ** (-(dps // 2))) ** 2
    bound2 = ctx.mpf(divergence_bound) ** 2
    tol = ctx.mpf(10) ** (-(dps - 10))

    def imbalance(t: Sequence[Any]) -> Any:
        return ctx.fsum(t[i] ** 2 for i in u) - ctx.fsum(t[i] ** 2 for i in v)

    d0 = d = imbalance(theta)
    first_rise, rises, outcome, k = None, 0, "undetermined", 0
    while k < max_steps:
        g = target.gradient(theta)
        if ctx.fsum(x * x for x in g) < floor2:
            outcome = "converged"
            break
        theta = tuple(t - eta * gi for t, gi in zip(theta, g, strict=True))
        k += 1
        if not all(ctx.isfinite(x) for x in theta) or ctx.fsum(x * x for x in theta) > bound2:
            outcome = "diverged"
            break
        d_new = imbalance(theta)
        if abs(d_new) > abs(d) + tol * max(1, abs(d)):
            rises += 1
            if first_rise is None:
                first_rise = k - 1
        d = d_new
    lam = float(lambda_max(ctx, target.hessian(theta))) if outcome == "converged" \
        else float("nan")
    return ImbalanceRun(step.exact, outcome, k, float(d0), float(d), first_rise, rises,
                        tuple(ctx.nstr(x, 20) for x in theta), lam, dps)


def spectral_radius(loss: Loss, theta: Sequence[Any], *, dps: int = 30) -> Any:
    """max |λ(∇²f(θ))| at ``dps`` digits (mpf; numerical), the blog's L at a start."""
    loss = require_loss(loss)
    target = mpmath_target(loss, bounded_int(dps, "dps", 10, 1000))
    ctx = target.ctx
    H = target.hessian(tuple(to_mpf(ctx, t) for t in Point.of(theta, loss.n).coords))
    vals = ctx.eigsy(ctx.matrix([list(r) for r in H]), eigvals_only=True)
    return max(abs(vals[i]) for i in range(loss.n))
