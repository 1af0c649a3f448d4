"""Where GD lands: the limit point of each converging orbit, and its sharpness there.

On a loss whose minima form a manifold M, GD at step size η converges (from almost every
start that converges at all) to a point θ∞ of M with λmax(∇²f(θ∞)) <= 2/η (Crăciun &
Ghoshdastidar: the limit is at least weakly stable), and with large η it lands close to
that edge: the *sharpness ratio* η·λmax(θ∞)/2 piles up just below 1 (the edge of
stability seen in the limit). For ½(1 − xy)² and (1 − xy)² the *balance* |x∞ − y∞|
shows Tao and Wang's balancing: large steps drive x and y together.

:func:`landing` iterates float64 GD (the loss' generated numba kernel) from each start
in rounds of growing length until the step ‖θ_{k+1} − θ_k‖∞ falls below
``tol · max(1, ‖θ_k‖∞)``, then evaluates the Hessian there. Everything here is
numerical: the limit is the last iterate, and :attr:`Landing.error` estimates its
distance to the float orbit's limit by the geometric tail s·q/(1 − q) of two successive
step lengths s and ratio q. Where the orbit contracts at rate q close to 1 (a limit with
ηλmax/2 close to 1) the estimate grows, and a start whose steps do not fall below the
tolerance within ``max_steps`` is reported as not landed rather than given a limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from symstab.codegen import compile_loss
from symstab.errors import InputError
from symstab.inputs import StepSize, bounded_int

__all__ = ["LANDING_BINS", "Landing", "landing"]

#: Histogram bins of the sharpness ratio ηλmax(θ∞)/2 on [0, 1] (values above 1 counted
#: apart: a stable limit has ratio at most 1).
LANDING_BINS = 20
#: Step lengths of the first round; later rounds grow by this factor.
_FIRST_ROUND = 64
_GROWTH = 4


@dataclass(frozen=True, eq=False)
class Landing:
    """The limit points of GD orbits and the sharpness there.

    Attributes
    ----------
    eta
        The step size.
    params
        Parameter names of the loss.
    starts
        ``(N, n)`` starting points.
    limits
        ``(N, n)`` the last iterate of each landed orbit (NaN where not landed).
    landed
        ``(N,)`` bool: the step fell below the tolerance within ``max_steps``.
    lambda_max
        ``(N,)`` λmax(∇²f) at the limit (NaN where not landed).
    error
        ``(N,)`` estimated distance of the limit to the float orbit's limit (∞ where the
        observed contraction gives no estimate, NaN where not landed).
    steps
        ``(N,)`` GD steps taken.
    tol, max_steps
        The stopping rule.
    """

    eta: StepSize
    params: tuple[str, ...]
    starts: np.ndarray
    limits: np.ndarray
    landed: np.ndarray
    lambda_max: np.ndarray
    error: np.ndarray
    steps: np.ndarray
    tol: float
    max_steps: int

    @property
    def sharpness_ratio(self) -> np.ndarray:
        """ηλmax(θ∞)/2 for each start (NaN where not landed): at most 1 at a stable limit."""
        return self.eta.as_float * self.lambda_max / 2.0

    @property
    def balance(self) -> np.ndarray | None:
        """|θ∞₁ − θ∞₂| for a two-parameter loss (Tao and Wang's balance), else None."""
        if self.limits.shape[1] != 2:
            return None
        return np.abs(self.limits[:, 0] - self.limits[:, 1])

    def histogram(self, bins: int = LANDING_BINS) -> dict[str, Any]:
        """Counts of the sharpness ratio of the landed orbits in ``bins`` bins of [0, 1].

        Returns ``{"edges", "counts", "above_one", "landed", "not_landed"}``; the last bin
        is closed, ratios above 1 are counted in ``above_one``.
        """
        ratio = self.sharpness_ratio[self.landed]
        edges = np.linspace(0.0, 1.0, int(bins) + 1)
        counts, _ = np.histogram(ratio[ratio <= 1.0], bins=edges)
        return {
            "edges": [float(e) for e in edges],
            "counts": [int(c) for c in counts],
            "above_one": int(np.count_nonzero(ratio > 1.0)),
            "landed": int(self.landed.sum()),
            "not_landed": int((~self.landed).sum()),
        }

    def to_dict(self, bins: int = LANDING_BINS) -> dict[str, Any]:
        """JSON-ready summary: the histogram, quantiles of the ratio and of the balance."""
        ratio = self.sharpness_ratio[self.landed]
        out: dict[str, Any] = {
            "quantity": "eta * lambda_max(theta_inf) / 2",
            "histogram": self.histogram(bins),
            "ratio_quantiles": _quantiles(ratio),
            "max_error": _finite_max(self.error[self.landed]),
            "tol": self.tol,
            "max_steps": self.max_steps,
            "strength": "numerical",
        }
        balance = self.balance
        if balance is not None:
            out["balance"] = {"quantity": f"|{self.params[0]}_inf - {self.params[1]}_inf|",
                              "quantiles": _quantiles(balance[self.landed])}
        return out


def _quantiles(values: np.ndarray) -> dict[str, float] | None:
    if values.size == 0:
        return None
    qs = np.quantile(values, [0.0, 0.1, 0.5, 0.9, 1.0])
    return {k: float(v) for k, v in zip(("min", "q10", "median", "q90", "max"), qs,
                                         strict=True)}


def _finite_max(values: np.ndarray) -> float | None:
    if values.size == 0:
        return None
    top = float(np.max(values))
    return top if np.isfinite(top) else None


def _check(max_steps: Any, tol: Any) -> tuple[int, float]:
    steps = bounded_int(max_steps, "max_steps", 1, 2**31 - 1)
    tol_f = float(tol)
    if not (np.isfinite(tol_f) and tol_f > 0):
        raise InputError(f"tol must be positive, got {tol!r}", "tol")
    return steps, tol_f


def landing(
    loss: Any,
    eta: Any,
    starts: Any,
    *,
    max_steps: int = 200_000,
    tol: float = 1e-13,
) -> Landing:
    """Run GD from each start until it settles, and report the limit and its sharpness.

    Parameters
    ----------
    loss
        A :class:`~symstab.loss.Loss`.
    eta
        Step size, any spelling of :meth:`symstab.inputs.StepSize.of`.
    starts
        ``(N, n)`` starting points (or one point).
    max_steps
        Steps after which an orbit that has not settled is reported as not landed.
    tol
        An orbit has landed when its step is at most ``tol · max(1, ‖θ‖∞)``.

    Returns
    -------
    Landing
    """
    step = StepSize.of(eta)
    max_steps, tol = _check(max_steps, tol)
    n = len(loss.params)
    pts = np.ascontiguousarray(np.asarray(starts, dtype=np.float64).reshape(-1, n))
    target = compile_loss(loss.expr, tuple(loss.params)).numba()
    eta_f = step.as_float
    npts = pts.shape[0]
    theta = pts.copy()
    steps = np.zeros(npts, dtype=np.int64)
    landed = np.zeros(npts, dtype=bool)
    error = np.full(npts, np.nan)
    active = np.flatnonzero(np.all(np.isfinite(theta), axis=1))
    length = _FIRST_ROUND
    while active.size and length > 0:
        current = target.descend(theta[active], eta_f, length)
        steps[active] += length
        after = target.step(current, eta_f)
        again = target.step(after, eta_f)
        s1 = np.max(np.abs(after - current), axis=1)
        s2 = np.max(np.abs(again - after), axis=1)
        scale = np.maximum(1.0, np.max(np.abs(current), axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            done = s1 <= tol * scale
            ratio = np.where(s1 > 0, s2 / s1, 0.0)
            tail = np.where(ratio < 1.0, s1 * ratio / (1.0 - ratio), np.inf)
        finite = np.all(np.isfinite(current), axis=1)
        theta[active] = current
        hit = active[done & finite]
        landed[hit] = True
        error[hit] = tail[done & finite]
        active = active[~done & finite]
        length = min(length * _GROWTH, max_steps - int(steps[active].max(initial=0)))
    limits = np.where(landed[:, None], theta, np.nan)
    lam = np.full(npts, np.nan)
    if landed.any():
        hess = target.hessian(limits[landed])
        lam[landed] = np.linalg.eigvalsh(hess)[:, -1]
    return Landing(eta=step, params=tuple(str(p) for p in loss.params), starts=pts,
                   limits=limits, landed=landed, lambda_max=lam, error=error, steps=steps,
                   tol=tol, max_steps=max_steps)
