"""Sharpness along GD training: progressive sharpening and the edge of stability.

Cohen et al. (2021) observed that during full-batch GD on neural networks the sharpness
``λmax(∇²L(θ_k))`` first rises (*progressive sharpening*) until it reaches ``2/η`` and
then hovers at it (*edge of stability*), while the loss keeps decreasing
non-monotonically; Ahn, Zhang & Sra (2022) describe this *unstable convergence* by the
sharpness oscillating around ``2/η`` and the one-step loss change changing sign.

:func:`sharpness_trace` records, for ``K`` networks trained by GD at once (the same
setup as :mod:`symstab.nn.experiment`), the full-batch loss at every step and λmax every
``every`` steps, by Hessian-vector products and Lanczos
(:func:`~symstab.nn.lanczos.lanczos_extreme_batch`: the ``K`` Lanczos runs in lockstep,
one batched Hessian-vector product per step; never a dense Hessian). Each Lanczos run
starts from the previous top Ritz vector of the same network (a warm start), and its
residual bound is kept with the value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symstab.errors import InputError

from .backend import Backend, get_backend
from .data import Dataset
from .lanczos import lanczos_extreme_batch
from .model import MLPSpec, Params

__all__ = ["SharpnessTrace", "sharpness_trace", "sign_changes"]


@dataclass(frozen=True)
class SharpnessTrace:
    """λmax and the loss along GD trajectories of ``K`` networks.

    Attributes
    ----------
    etas
        ``(K,)`` step sizes.
    steps
        ``(m,)`` the steps ``k`` at which λmax was computed: ``0, every, 2·every, ...``
        and any further steps asked for.
    lambda_max
        ``(m, K)`` λmax(∇²L(θ_k)) (``nan`` once a trajectory has diverged).
    residual
        ``(m, K)`` Lanczos residual bounds of those values.
    losses
        ``(T + 1, K)`` full-batch loss ``L(θ_k)`` at every step (a stopped trajectory
        repeats its last value).
    grad_norms
        ``(T + 1, K)`` ``||∇L(θ_k)||₂`` at the same iterates.
    diverged
        ``(K,)`` trajectories stopped because the loss was not finite or exceeded
        ``divergence_factor · L(θ_0)``.
    """

    etas: np.ndarray
    steps: np.ndarray
    lambda_max: np.ndarray
    residual: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    diverged: np.ndarray

    def relative_progress(self) -> np.ndarray:
        """``(T, K)``: Ahn et al.'s relative progress ``RP(θ_k) = (L(θ_{k+1}) − L(θ_k)) /
        (η ||∇L(θ_k)||²)`` (``−1 + η λ/2`` on a quadratic with curvature ``λ`` along the
        step; near 0 at the edge of stability)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.diff(self.losses, axis=0) / (self.etas[None, :]
                                                   * self.grad_norms[:-1] ** 2)

    def ratio(self) -> np.ndarray:
        """``(m, K)``: ``λmax / (2/η)`` (1 is the linear stability bound)."""
        return self.lambda_max * self.etas[None, :] / 2.0

    def late(self, fraction: float) -> np.ndarray:
        """Boolean mask of the recorded steps in the last ``fraction`` of training."""
        if not 0 < fraction <= 1:
            raise InputError(f"fraction must be in (0, 1], got {fraction}")
        T = self.losses.shape[0] - 1
        return self.steps >= (1 - fraction) * T


def sign_changes(x: np.ndarray) -> np.ndarray:
    """Number of sign changes along axis 0 (zeros and ``nan`` skipped), per column.

    Parameters
    ----------
    x
        ``(m,)`` or ``(m, K)``.

    Returns
    -------
    numpy.ndarray
        ``()`` or ``(K,)`` integer counts.
    """
    x = np.asarray(x, dtype=np.float64)
    cols = x.reshape(x.shape[0], -1)
    out = np.empty(cols.shape[1], dtype=np.int64)
    for j in range(cols.shape[1]):
        s = np.sign(cols[:, j])
        s = s[np.isfinite(s) & (s != 0)]
        out[j] = int(np.sum(s[1:] != s[:-1]))
    return out.reshape(x.shape[1:])


def sharpness_trace(spec: MLPSpec, data: Dataset, params: Params, etas: np.ndarray,
                    steps: int, every: int, iterations: int = 20,
                    divergence_factor: float = 1e3, backend: Backend | str | None = None,
                    seed: int = 0, at: np.ndarray | None = None,
                    rtol: float | None = None) -> SharpnessTrace:
    """Train ``K`` networks by full-batch GD and record λmax every ``every`` steps.

    Parameters
    ----------
    spec, data
        Architecture and training set.
    params
        Initial parameters of ``K`` networks.
    etas
        ``(K,)`` positive step sizes.
    steps
        ``T``: GD steps.
    every
        λmax is computed at ``k = 0, every, 2·every, ... <= T``.
    iterations
        Lanczos steps per λmax (the maximum when ``rtol`` is given).
    divergence_factor
        A trajectory is stopped when its loss is not finite or exceeds this times
        ``L(θ_0)``.
    backend
        A backend or its name.
    seed
        Seed of the first Lanczos start vector.
    at
        Further steps at which to record λmax (e.g. every step of a late window); merged
        with the regular ones.
    rtol
        Stop each Lanczos run once its residual bound is at most ``rtol · λmax``
        (:func:`~symstab.nn.lanczos.lanczos_extreme_batch`).

    Returns
    -------
    SharpnessTrace
    """
    be = backend if not isinstance(backend, str | None) else get_backend(backend)
    etas = np.asarray(etas, dtype=np.float64)
    K = int(params[0][0].shape[0])
    if etas.shape != (K,) or not np.all(np.isfinite(etas)) or np.any(etas <= 0):
        raise InputError(f"need {K} finite positive step sizes", "etas")
    if steps < 1 or every < 1 or iterations < 1:
        raise InputError(f"need steps, every, iterations >= 1, got {steps}, {every}, "
                         f"{iterations}")
    X, Y = data.X, data.Y
    L0, _ = be.loss_grad_norm(params, X, Y, spec.activation)
    limit = divergence_factor * L0
    bound = float(np.max(limit))
    rec_set = set(range(0, steps + 1, every))
    if at is not None:
        extra = np.asarray(at, dtype=np.int64).ravel()
        if extra.size and (extra.min() < 0 or extra.max() > steps):
            raise InputError(f"recording steps must be in [0, {steps}]", "at")
        rec_set.update(int(a) for a in extra)
    rec = sorted(rec_set)
    lam = np.full((len(rec), K), np.nan)
    res = np.full((len(rec), K), np.nan)
    Ls = np.empty((steps + 1, K))
    Gs = np.empty((steps + 1, K))
    active = np.ones(K, dtype=bool)
    starts = np.zeros((K, spec.n_params))
    p, done = params, 0
    for i, k in enumerate(rec):
        if k > done:
            out = be.gd(p, X, Y, etas, active, k - done, bound, spec.activation)
            Ls[done:k], Gs[done:k] = out.losses, out.grad_norms
            p, active, done = out.params, out.active, k
        with np.errstate(invalid="ignore"):
            L, _ = be.loss_grad_norm(p, X, Y, spec.activation)
            active = active & np.isfinite(L) & (limit >= L)
        live = np.flatnonzero(active)
        if live.size:
            sub = tuple((W[live], b[live]) for W, b in p)
            results = lanczos_extreme_batch(be.hvp_batch(sub, X, Y, spec.activation),
                                            spec.n_params, live.size, iterations=iterations,
                                            seed=seed, starts=starts[live], rtol=rtol)
            for j, r in zip(live, results, strict=True):
                lam[i, j], res[i, j], starts[j] = r.lambda_max, r.residual, r.vector
    if done < steps:
        out = be.gd(p, X, Y, etas, active, steps - done, bound, spec.activation)
        Ls[done:steps], Gs[done:steps] = out.losses, out.grad_norms
        p, active = out.params, out.active
    Ls[steps], Gs[steps] = be.loss_grad_norm(p, X, Y, spec.activation)
    with np.errstate(invalid="ignore"):
        diverged = ~active | ~np.all(np.isfinite(Ls) & (Ls <= limit[None, :]), axis=0)
    return SharpnessTrace(etas=etas, steps=np.asarray(rec), lambda_max=lam, residual=res,
                          losses=Ls, grad_norms=Gs, diverged=diverged)
