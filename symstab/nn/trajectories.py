"""Trajectories and when they count as converged: the labels, the :class:`Criterion`, and
the chunked driver shared by full-batch GD (:func:`symstab.nn.experiment.run_gd`) and
mini-batch SGD (:func:`symstab.nn.sgd.run_sgd`).

Convergence criterion, per trajectory, after ``T = steps`` steps; ``L_c`` is the loss of
the best constant predictor (:func:`constant_loss`):

* ``-1`` **diverged**: some recorded loss is not finite or exceeds
  ``divergence_factor · L(θ_0)`` (the trajectory is stopped there). For GD every full-batch
  ``L(θ_k)``, ``k <= T``, is recorded; for SGD every mini-batch loss ``L_B(θ_k)`` of the
  step's own batch and the full-batch ``L(θ_k)`` over the end window;
* ``1`` **converged**: not diverged, and the mean of the **full-batch** loss ``L(θ_k)``
  over the last ``window`` iterates ``k = T − window + 1, ..., T`` is at most
  ``loss_fraction · L_c``;
* ``2`` **stalled**: neither, and ``||∇L(θ_T)||₂ <= grad_tol`` (full-batch gradient);
* ``0`` **undetermined**: otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from symstab.errors import InputError

from .backend import Backend
from .data import Dataset
from .model import Params

__all__ = [
    "CONVERGED",
    "DIVERGED",
    "STALLED",
    "UNDETERMINED",
    "Criterion",
    "StepFn",
    "Trajectories",
    "constant_loss",
    "drive",
]

DIVERGED = -1
UNDETERMINED = 0
CONVERGED = 1
STALLED = 2


@dataclass(frozen=True)
class Criterion:
    """When a GD or SGD trajectory counts as converged (see the module docstring).

    Attributes
    ----------
    steps
        GD (or SGD) steps ``T``.
    loss_fraction
        Converged when the mean full-batch loss over the last ``window`` iterates is at most
        ``loss_fraction · L_c`` (``L_c`` the constant-predictor loss).
    window
        Iterates averaged at the end.
    divergence_factor
        Diverged when the loss exceeds ``divergence_factor · L(θ_0)`` or is not finite.
    grad_tol
        Stalled (label 2) when not converged and ``||∇L(θ_T)|| <= grad_tol``.
    chunk
        Steps per backend call (trajectories are checked, and a batch whose trajectories
        have all diverged is stopped, between chunks).
    """

    steps: int = 2000
    loss_fraction: float = 0.25
    window: int = 100
    divergence_factor: float = 1e3
    grad_tol: float = 1e-8
    chunk: int = 100

    def __post_init__(self) -> None:
        if self.steps < 1 or self.window < 1 or self.window > self.steps or self.chunk < 1:
            raise InputError(f"need 1 <= window <= steps and chunk >= 1, got {self}")
        if not (self.loss_fraction > 0 and self.divergence_factor > 1 and self.grad_tol >= 0):
            raise InputError(f"bad tolerances in {self}")

    def describe(self) -> str:
        """One line stating the criterion with its numbers."""
        return (f"T = {self.steps} steps; diverged if L non-finite or > "
                f"{self.divergence_factor:g}·L(θ0); converged if mean L over the last "
                f"{self.window} iterates <= {self.loss_fraction:g}·L_c (L_c = constant-"
                f"predictor loss); stalled if not and ||∇L(θ_T)|| <= {self.grad_tol:g}")


def constant_loss(Y: np.ndarray) -> float:
    """``L_c = (1/n) Σ_i ||y_i − ȳ||²``: the least loss of a network that ignores its input."""
    Y = np.asarray(Y, dtype=np.float64)
    return float(np.sum((Y - Y.mean(axis=0)) ** 2) / Y.shape[0])


@dataclass(frozen=True)
class Trajectories:
    """``K`` GD trajectories run by :func:`run_gd`.

    Attributes
    ----------
    labels
        ``(K,)`` integer labels (``-1`` diverged, ``0`` undetermined, ``1`` converged,
        ``2`` stalled).
    losses
        ``(T_run + 1, K)`` loss ``L(θ_k)``, ``k = 0..T_run`` (``T_run < T`` when every
        trajectory diverged early; a stopped trajectory repeats its last value).
    grad_norms
        ``(T_run + 1, K)`` gradient norms at the same iterates.
    final
        Parameters at the end (a diverged trajectory: where it was stopped).
    steps_run
        ``T_run``.
    batch_losses
        SGD only: ``(T_run, K)`` mini-batch loss of each step's own batch at the iterate
        before the step. For SGD, ``losses`` and ``grad_norms`` are full-batch values
        evaluated at ``k = 0`` and at the iterates ``k >= T − window`` (the end window
        and one more), and ``nan`` at the iterates in between.
    optimizer
        ``"gd"`` or ``"sgd"``.
    """

    labels: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    final: Params
    steps_run: int
    batch_losses: np.ndarray | None = None
    optimizer: str = "gd"


#: One chunk of an optimiser: ``(params, etas, active, members, start, n, full, bound)``
#: -> ``(params, active, losses, grad_norms, batch_losses)``, arrays ``(n, K_running)``;
#: ``members`` are the batch positions of the running networks, ``start`` the first step.
StepFn = Callable[[Params, np.ndarray, np.ndarray, np.ndarray, int, int, bool, float],
                  tuple[Params, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]]


def drive(step: StepFn, be: Backend, spec_activation: str, data: Dataset, params: Params,
          etas: np.ndarray, crit: Criterion, *, full_from: int = 0,
          optimizer: str = "gd") -> Trajectories:
    """Run an optimiser in chunks on ``K`` networks and classify each trajectory.

    Parameters
    ----------
    step
        The optimiser's chunk (:data:`StepFn`).
    be
        Backend (for the full-batch loss at ``θ_0`` and ``θ_T``).
    spec_activation
        Activation name.
    data
        Training set.
    params
        Initial parameters of ``K`` networks.
    etas
        ``(K,)`` positive step sizes.
    crit
        The criterion.
    full_from
        First step whose chunk records the full-batch loss (``0``: every step, GD;
        ``T − window`` for SGD). Chunks are cut at this step.
    optimizer
        Stored in the result.

    Returns
    -------
    Trajectories
    """
    etas = np.asarray(etas, dtype=np.float64)
    if etas.ndim != 1 or not np.all(np.isfinite(etas)) or np.any(etas <= 0):
        raise InputError("step sizes must be finite and positive", "etas")
    K = etas.shape[0]
    X, Y = data.X, data.Y
    L0, G0 = be.loss_grad_norm(params, X, Y, spec_activation)
    # the kernel stops a trajectory above the batch's largest bound; each trajectory's own
    # bound divergence_factor * L(θ0) is applied to the recorded losses below
    bound = crit.divergence_factor * float(np.max(L0))
    # Run in chunks; once at most half of the batch is still running, continue with the
    # running trajectories only (a stopped one keeps its parameters and its last loss).
    final = [[W.copy(), b.copy()] for W, b in params]
    members = np.arange(K)
    p, e, active = params, etas, np.ones(K, dtype=bool)
    Ls = np.full((crit.steps + 1, K), np.nan)
    Gs = np.full((crit.steps + 1, K), np.nan)
    Bs = np.full((crit.steps, K), np.nan)
    evaluated = np.zeros(crit.steps + 1, dtype=bool)
    has_batch = False
    done = 0
    while done < crit.steps and members.size:
        full = done >= full_from
        end = crit.steps if full else min(full_from, crit.steps)
        n = min(crit.chunk, end - done)
        p, active, losses, grads, batch = step(p, e, active, members, done, n, full, bound)
        Ls[done:done + n, members] = losses
        Gs[done:done + n, members] = grads
        evaluated[done:done + n] = full
        if batch is not None:
            Bs[done:done + n, members] = batch
            has_batch = True
        done += n
        if done < crit.steps and active.sum() <= members.size // 2:
            stopped = members[~active]
            for layer, (W, b) in enumerate(p):
                final[layer][0][stopped] = W[~active]
                final[layer][1][stopped] = b[~active]
            Ls[done:, stopped] = Ls[done - 1, stopped]
            Gs[done:, stopped] = Gs[done - 1, stopped]
            Bs[done:, stopped] = Bs[done - 1, stopped]
            members = members[active]
            p = tuple((W[active], b[active]) for W, b in p)
            e, active = e[active], active[active]
    for layer, (W, b) in enumerate(p):
        final[layer][0][members] = W
        final[layer][1][members] = b
    p = tuple((W, b) for W, b in final)
    L_end, G_end = be.loss_grad_norm(p, X, Y, spec_activation)
    Ls[done], Gs[done] = L_end, G_end
    Ls[0], Gs[0] = L0, G0
    evaluated[0] = evaluated[done] = True
    Ls, Gs, Bs, evaluated = Ls[:done + 1], Gs[:done + 1], Bs[:done], evaluated[:done + 1]
    running = np.zeros(K, dtype=bool)
    running[members] = active
    limit = crit.divergence_factor * L0[None, :]
    with np.errstate(invalid="ignore"):
        bad = (~np.isfinite(Ls) | (Ls > limit)) & evaluated[:, None]
        diverged = bad.any(axis=0) | ~running
        if has_batch:
            diverged |= (~np.isfinite(Bs) | (Bs > limit)).any(axis=0)
    tail = Ls[-crit.window:]
    level = crit.loss_fraction * constant_loss(Y)
    complete = bool(evaluated[-crit.window:].all())
    with np.errstate(invalid="ignore", over="ignore"):
        low = np.all(np.isfinite(tail), axis=0) & (np.mean(tail, axis=0) <= level) & complete
    labels = np.full(K, UNDETERMINED, dtype=np.int64)
    labels[~diverged & low] = CONVERGED
    labels[~diverged & ~low & (G_end <= crit.grad_tol)] = STALLED
    labels[diverged] = DIVERGED
    return Trajectories(labels=labels, losses=Ls, grad_norms=Gs, final=p, steps_run=done,
                        batch_losses=Bs if has_batch else None, optimizer=optimizer)
