"""The balancing effect of large steps: the limit gap |x∞ − y∞| against h.

Balancing (Wang, Chen, Zhao & Tao 2022; Tao & Wang blog)
--------------------------------------------------------
:func:`balancing_scan` runs GD on a 2-parameter loss (meant for ½(1 − xy)², catalog
``xy``) from one start for step sizes h = c·L, with L the spectral radius of the Hessian
at the start (the blog: "the L in (2/L, 4/L) is simply the spectral radius of Hess f at
initialization"), until ‖∇f‖ < 10^(−⌊dps/2⌋), and reports the limit gap |x∞ − y∞|,
at two precisions. For ½(1 − xy)² each step multiplies x² − y² by exactly
(1 − h²(1 − xy)²), and a limit on xy = 1 has sharpness x² + y² = |x − y|² + 2, so a
linearly stable limit has |x∞ − y∞| <= √(2/h − 2).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symstab.dynamics.eos.pointwise import initial_sharpness, lambda_max
from symstab.dynamics.highprec import mpmath_target, to_mpf
from symstab.errors import InputError
from symstab.evidence import Strength
from symstab.inputs import Point, bounded_int, exact_number
from symstab.loss import Loss, require_loss

__all__ = ["BalancingPoint", "BalancingScan", "balancing_scan"]


@dataclass(frozen=True)
class BalancingPoint:
    """GD from one start at one step size h = ratio·L, run to convergence.

    Attributes
    ----------
    ratio
        h·L (exact).
    h
        The step size as a decimal string.
    outcome
        ``"converged"`` (‖∇f‖ < 10^(−⌊dps/2⌋)), ``"diverged"`` or ``"undetermined"``.
    limit
        The last iterate (decimal strings).
    gap
        |x∞ − y∞| at ``dps`` digits (NaN unless converged).
    gap_check
        The same at ``dps_check`` digits.
    sharpness
        λmax at the limit.
    steps_taken
        GD steps until the stopping rule.
    agree
        Whether the two precisions agree on the outcome and on ``gap`` to 1e-8.
    """

    ratio: sp.Expr
    h: str
    outcome: str
    limit: tuple[str, ...]
    gap: float
    gap_check: float
    sharpness: float
    steps_taken: int
    agree: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"ratio": sp.sstr(self.ratio), "h": self.h, "outcome": self.outcome,
                "limit": list(self.limit), "gap": _num(self.gap),
                "gap_check": _num(self.gap_check), "sharpness": _num(self.sharpness),
                "steps_taken": self.steps_taken, "agree": self.agree}


def _num(x: float) -> str | float:
    return x if math.isfinite(x) else str(x)


@dataclass(frozen=True)
class BalancingScan:
    """|x∞ − y∞| against h = c·L from one start.

    Attributes
    ----------
    loss, theta0
        The loss and the exact start.
    L
        Spectral radius of the Hessian at the start (exact).
    L_definition
        How L is defined, in words.
    points
        One :class:`BalancingPoint` per ratio, in increasing order of h.
    monotone_up_to
        Largest ratio c such that every point up to it converged (at both precisions)
        and the gaps are non-increasing in h up to it; None if the first point already
        fails.
    violations
        Consecutive converged pairs (c_i, c_j, gap_i, gap_j) with gap_j > gap_i.
    first_divergence
        Smallest ratio at which GD diverged, else None.
    dps, dps_check
        The two working precisions.
    strength
        ``numerical``.
    """

    loss: Loss
    theta0: tuple[sp.Expr, ...]
    L: sp.Expr
    L_definition: str
    points: tuple[BalancingPoint, ...]
    monotone_up_to: sp.Expr | None
    violations: tuple[tuple[sp.Expr, sp.Expr, float, float], ...]
    first_divergence: sp.Expr | None
    dps: int
    dps_check: int
    strength: Strength = field(default=Strength.NUMERICAL)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        return {
            "loss": self.loss.name,
            "theta0": [sp.sstr(t) for t in self.theta0],
            "L": {"exact": sp.sstr(self.L), "decimal": str(sp.N(self.L, 15))},
            "L_definition": self.L_definition,
            "points": [p.to_dict() for p in self.points],
            "monotone_up_to": None if self.monotone_up_to is None
            else sp.sstr(self.monotone_up_to),
            "violations": [[sp.sstr(a), sp.sstr(b), x, y] for a, b, x, y in self.violations],
            "first_divergence": None if self.first_divergence is None
            else sp.sstr(self.first_divergence),
            "dps": self.dps,
            "dps_check": self.dps_check,
            "strength": str(self.strength),
        }


def _to_limit(loss: Loss, h: sp.Expr, th0: Point, dps: int, max_steps: int,
              chunk: int, bound: float) -> tuple[str, tuple[Any, ...], int, Any]:
    target = mpmath_target(loss, dps)
    ctx = target.ctx
    eta = to_mpf(ctx, h)
    theta = tuple(to_mpf(ctx, t) for t in th0)
    floor2 = (ctx.mpf(10) ** (-(dps // 2))) ** 2
    bound2 = ctx.mpf(bound) ** 2
    done = 0
    while done < max_steps:
        theta = target.descend(theta, eta, chunk)
        done += chunk
        n2 = ctx.fsum(x * x for x in theta)
        if not ctx.isfinite(n2) or n2 > bound2:
            return "diverged", theta, done, ctx
        g = target.gradient(theta)
        if ctx.fsum(x * x for x in g) < floor2:
            return "converged", theta, done, ctx
    return "undetermined", theta, done, ctx


def balancing_scan(
    loss: Loss,
    theta0: Sequence[Any],
    ratios: Sequence[Any],
    *,
    dps: int = 30,
    dps_check: int | None = None,
    max_steps: int = 200_000,
    chunk: int = 50,
    divergence_bound: float = 1e8,
) -> BalancingScan:
    """|x∞ − y∞| of GD on a 2-parameter loss against h = c·L, c in ``ratios``.

    Parameters
    ----------
    loss
        A loss of two parameters (x, y), e.g. catalog ``xy`` = ½(1 − xy)².
    theta0
        The start (exact numbers), e.g. an unbalanced one (3, 1/10).
    ratios
        The values c = h·L (exact numbers; sorted increasingly here).
    dps
        Working precision in decimal digits.
    dps_check
        Second precision (default ``dps + 10``).
    max_steps
        Step budget per run.
    chunk
        Steps between two convergence checks.
    divergence_bound
        The orbit diverged when ‖θ‖₂ exceeds this.

    Returns
    -------
    BalancingScan
    """
    if loss.n != 2:
        raise InputError("balancing needs a loss of two parameters", "loss")
    th0 = Point.of(theta0, require_loss(loss).n)
    dps = bounded_int(dps, "dps", 10, 1000)
    dps_check = dps + 10 if dps_check is None else bounded_int(dps_check, "dps_check", 10, 2000)
    max_steps = bounded_int(max_steps, "max_steps", 1, 10_000_000)
    chunk = bounded_int(chunk, "chunk", 1, 100_000)
    cs = sorted({exact_number(c, "ratio") for c in ratios}, key=lambda v: float(v))
    if not cs or any(not bool(c > 0) for c in cs):
        raise InputError("ratios must be positive numbers", "ratios")
    L = initial_sharpness(loss, th0)
    if not bool(L > 0):
        raise InputError("the Hessian at the start is zero; L is undefined", "theta0")
    points = []
    for c in cs:
        h = c / L
        runs = [_to_limit(loss, h, th0, d, max_steps, chunk, divergence_bound)
                for d in (dps, dps_check)]
        (out, th, k, ctx), (out2, th2, _, _) = runs
        gap = float(abs(th[0] - th[1])) if out == "converged" else float("nan")
        gap2 = float(abs(th2[0] - th2[1])) if out2 == "converged" else float("nan")
        lam = float(lambda_max(ctx, mpmath_target(loss, dps).hessian(th))) if out == "converged" \
            else float("nan")
        agree = out == out2 and (out != "converged" or abs(gap - gap2) <= 1e-8 * max(1, gap))
        points.append(BalancingPoint(c, str(sp.N(h, 12)), out,
                                     tuple(ctx.nstr(x, 20) for x in th), gap, gap2, lam, k,
                                     agree))
    monotone_up_to = None
    for i, p in enumerate(points):
        ok = p.outcome == "converged" and p.agree
        if ok and i > 0:
            ok = monotone_up_to is not None and p.gap <= points[i - 1].gap
        if not ok:
            break
        monotone_up_to = p.ratio
    violations = tuple(
        (a.ratio, b.ratio, a.gap, b.gap)
        for a, b in itertools.pairwise(points)
        if a.outcome == b.outcome == "converged" and b.gap > a.gap
    )
    first_div = next((p.ratio for p in points if p.outcome == "diverged"), None)
    return BalancingScan(
        loss, th0.coords, L, "L = spectral radius of the Hessian at the start (Tao & Wang blog)",
        tuple(points), monotone_up_to, violations, first_div, dps, dps_check,
    )
