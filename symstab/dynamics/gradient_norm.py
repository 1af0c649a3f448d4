"""The asymptotic gradient norm of GD against the step size (Crăciun & Ghoshdastidar).

The paper's abstract: "Looking at the asymptotic value of the gradient norm along the
optimization trajectory, we see that there is a sharp transition as the step size
crosses a critical value." :func:`asymptotic_gradient_norm` measures it: from the same
starting points at every η, float64 GD runs ``steps`` steps, and the mean of ‖∇f(θ_k)‖
over the last ``tail`` of them is that start's asymptotic gradient norm. Below the
critical η almost every start converges and the value falls to rounding level; above
it GD converges only from a null set, and the values stay away from 0 (orbits on cycles
or chaotic sets) or the orbit diverges (counted apart). Everything here is numerical.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symstab.codegen import compile_loss
from symstab.dynamics.samplers import uniform_box_sampler
from symstab.errors import InputError
from symstab.inputs import StepSize, bounded_int

__all__ = ["GradientNormPoint", "GradientNormSweep", "asymptotic_gradient_norm"]


@dataclass(frozen=True)
class GradientNormPoint:
    """The asymptotic gradient norms at one step size.

    Attributes
    ----------
    eta
        The step size (exact).
    n
        Starting points.
    diverged
        Starts whose orbit left the bound or became non-finite.
    median, q10, q90
        Quantiles of the asymptotic gradient norm over the other starts (NaN if none).
    """

    eta: sp.Expr
    n: int
    diverged: int
    median: float
    q10: float
    q90: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        def num(x: float) -> float | None:
            return None if np.isnan(x) else float(x)

        return {"eta": sp.sstr(self.eta), "eta_decimal": float(self.eta), "n": self.n,
                "diverged": self.diverged, "median": num(self.median), "q10": num(self.q10),
                "q90": num(self.q90)}


@dataclass(frozen=True)
class GradientNormSweep:
    """Asymptotic gradient norms against η (see the module docstring).

    Attributes
    ----------
    loss_name
        Name of the loss.
    points
        One :class:`GradientNormPoint` per η.
    steps, tail
        GD steps per run, and how many of the last ones are averaged.
    sampler
        How the starting points were drawn.
    """

    loss_name: str
    points: tuple[GradientNormPoint, ...]
    steps: int
    tail: int
    sampler: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"loss": self.loss_name, "quantity": "mean |grad f| over the last steps",
                "steps": self.steps, "tail": self.tail, "sampler": self.sampler,
                "strength": "numerical", "points": [p.to_dict() for p in self.points]}


def asymptotic_gradient_norm(
    loss: Any,
    etas: Sequence[Any],
    sampler: Callable[[int], np.ndarray] | Sequence[tuple[float, float]],
    n: int,
    *,
    steps: int = 5000,
    tail: int = 200,
    divergence_bound: float = 1e8,
    seed: int = 0,
) -> GradientNormSweep:
    """The asymptotic gradient norm of GD from ``n`` starts, for each step size.

    Parameters
    ----------
    loss
        A :class:`~symstab.loss.Loss`.
    etas
        Step sizes, any spelling of :meth:`symstab.inputs.StepSize.of`.
    sampler
        ``sampler(n) -> (n, d)`` starting points (the same for every η), or a box
        sampled uniformly with ``seed``.
    n
        Number of starts.
    steps
        GD steps per run (at least ``tail``).
    tail
        The last steps whose gradient norms are averaged.
    divergence_bound
        ‖θ‖ beyond which (or a non-finite value) a run counts as diverged.

    Returns
    -------
    GradientNormSweep
    """
    n = bounded_int(n, "n", 1)
    steps = bounded_int(steps, "steps", 1, 10**8)
    tail = bounded_int(tail, "tail", 1, steps)
    step_sizes = [StepSize.of(e) for e in etas]
    if not step_sizes:
        raise InputError("no step sizes given", "etas")
    if not callable(sampler):
        sampler = uniform_box_sampler(sampler, seed)
    pts = np.ascontiguousarray(np.asarray(sampler(n), dtype=np.float64))
    dim = len(loss.params)
    if pts.shape != (n, dim):
        raise InputError(f"sampler returned shape {pts.shape}, expected ({n}, {dim})", "sampler")
    compiled = compile_loss(loss.expr, tuple(loss.params))
    fast, vec = compiled.numba(), compiled.numpy()
    bound = float(divergence_bound)
    out = []
    for step in step_sizes:
        eta = step.as_float
        with np.errstate(all="ignore"):
            theta = fast.descend(pts, eta, steps - tail)
            total = np.zeros(n)
            for _ in range(tail):
                grad = vec.gradient(theta)
                total += np.linalg.norm(grad, axis=1)
                theta = theta - eta * grad
            norms = total / tail
        ok = np.isfinite(norms) & np.all(np.isfinite(theta), axis=1)
        ok &= np.linalg.norm(np.where(np.isfinite(theta), theta, np.inf), axis=1) <= bound
        kept = norms[ok]
        qs = np.quantile(kept, [0.1, 0.5, 0.9]) if kept.size else np.full(3, np.nan)
        out.append(GradientNormPoint(step.exact, n, int(n - ok.sum()), float(qs[1]),
                                     float(qs[0]), float(qs[2])))
    description = getattr(sampler, "description", None) or repr(sampler)
    return GradientNormSweep(str(getattr(loss, "name", "loss")), tuple(out), steps, tail,
                             str(description))
