"""The network experiment: the fraction of random initialisations from which full-batch
GD converges, against the step size η (Crăciun & Ghoshdastidar 2024, Figs. 3–4, reduced).

Setup: :func:`~symstab.nn.data.load_digits_subset` (256 digits, pixels/16, one-hot
targets), :class:`~symstab.nn.model.MLPSpec` (GELU, width 32, PyTorch-default uniform
initialisation), loss ``L(θ) = (1/n) Σ_i ||f(x_i) − y_i||²``, GD
``θ_{k+1} = θ_k − η ∇L(θ_k)`` with fixed η, float64, on the backend of
:mod:`symstab.nn.backend`. The *same* ``N`` initialisations are used at every η (common
random numbers).

Convergence criterion (:class:`Criterion`), per trajectory, after ``T = steps`` steps;
``L_c = (1/n) Σ_i ||y_i − ȳ||²`` is the loss of the best constant predictor (0.9 for
balanced one-hot targets), the level a collapsed network (all hidden units off) sits at:

* ``-1`` **diverged**: at some step ``k <= T``, ``L(θ_k)`` is not finite or exceeds
  ``B = divergence_factor · L(θ_0)`` (the trajectory is stopped there);
* ``1`` **converged**: not diverged, and the mean of ``L(θ_k)`` over the last ``window``
  iterates ``k = T − window + 1, ..., T`` is at most ``loss_fraction · L_c``: the
  trajectory has descended well below the collapsed level into the low-loss region and
  stayed bounded (oscillations of the edge of stability are averaged out by the window);
* ``2`` **stalled**: neither, and ``||∇L(θ_T)||₂ <= grad_tol``: GD converged, but to a
  high-loss critical region (typically every GELU unit driven to its flat negative side
  after a large first step), not to a minimum;
* ``0`` **undetermined**: bounded, not below the loss level, gradient not small.

The **converging fraction** at η is ``#{label 1} / N``, reported with a Wilson score
interval (:func:`symstab.evidence.wilson_interval`); its strength is
``statistical``. The criterion is a finite-budget, floating-point proxy for convergence
(GD on these networks is at the edge of stability over much of the η range, where the
gradient norm does not fall below a small tolerance within a few thousand steps, so a
pure gradient-norm rule would count almost nothing as converged).

Sharpness λmax = largest eigenvalue of ``∇²L(θ)`` is computed by Hessian-vector products
and Lanczos (:func:`sharpness`), never from a dense Hessian: at the N initialisations and
at the end point of every converged trajectory, to compare with the linear stability
bound ``λmax <= 2/η``.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from symstab.errors import InputError
from symstab.evidence import Strength, wilson_interval

from .backend import Backend, get_backend
from .data import Dataset, load_digits_subset
from .lanczos import LanczosResult, lanczos_extreme
from .model import MLPSpec, Params, init_params, select

__all__ = [
    "CONVERGED",
    "DIVERGED",
    "STALLED",
    "UNDETERMINED",
    "Criterion",
    "NetworkSweep",
    "NetworkSweepPoint",
    "Trajectories",
    "constant_loss",
    "converging_fraction",
    "run_gd",
    "sharpness",
]

DIVERGED = -1
UNDETERMINED = 0
CONVERGED = 1
STALLED = 2


@dataclass(frozen=True)
class Criterion:
    """When a GD trajectory counts as converged (see the module docstring).

    Attributes
    ----------
    steps
        GD steps ``T``.
    loss_fraction
        Converged when the mean loss over the last ``window`` iterates is at most
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
    """

    labels: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    final: Params
    steps_run: int


def run_gd(spec: MLPSpec, data: Dataset, params: Params, etas: np.ndarray,
           criterion: Criterion | None = None, backend: Backend | str | None = None
           ) -> Trajectories:
    """Run full-batch GD on a batch of networks and classify each trajectory.

    Parameters
    ----------
    spec
        Architecture (its ``activation`` is used).
    data
        Training set.
    params
        Initial parameters of ``K`` networks (:func:`~symstab.nn.model.init_params`).
    etas
        ``(K,)`` step sizes, one per network.
    criterion
        :class:`Criterion` (default ``Criterion()``).
    backend
        A backend or its name (default :data:`~symstab.nn.backend.DEFAULT_BACKEND`).

    Returns
    -------
    Trajectories
    """
    crit = criterion or Criterion()
    be = backend if not isinstance(backend, str | None) else get_backend(backend)
    etas = np.asarray(etas, dtype=np.float64)
    if etas.ndim != 1 or not np.all(np.isfinite(etas)) or np.any(etas <= 0):
        raise InputError("step sizes must be finite and positive", "etas")
    K = etas.shape[0]
    L0, _ = be.loss_grad_norm(params, data.X, data.Y, spec.activation)
    # the kernel stops a trajectory above the batch's largest bound; each trajectory's own
    # bound divergence_factor * L(θ0) is applied to the recorded losses below
    bound = crit.divergence_factor * float(np.max(L0))
    # Run in chunks; once at most half of the batch is still running, continue with the
    # running trajectories only (a stopped one keeps its parameters and its last loss).
    final = [[W.copy(), b.copy()] for W, b in params]
    members = np.arange(K)
    p, e, active = params, etas, np.ones(K, dtype=bool)
    Ls = np.empty((crit.steps + 1, K))
    Gs = np.empty((crit.steps + 1, K))
    done = 0
    while done < crit.steps and members.size:
        n = min(crit.chunk, crit.steps - done)
        out = be.gd(p, data.X, data.Y, e, active, n, bound, spec.activation)
        Ls[done:done + n, members] = out.losses
        Gs[done:done + n, members] = out.grad_norms
        p, active = out.params, out.active
        done += n
        if done < crit.steps and active.sum() <= members.size // 2:
            stopped = members[~active]
            for layer, (W, b) in enumerate(p):
                final[layer][0][stopped] = W[~active]
                final[layer][1][stopped] = b[~active]
            Ls[done:, stopped] = Ls[done - 1, stopped]
            Gs[done:, stopped] = Gs[done - 1, stopped]
            members = members[active]
            p = tuple((W[active], b[active]) for W, b in p)
            e, active = e[active], active[active]
    for layer, (W, b) in enumerate(p):
        final[layer][0][members] = W
        final[layer][1][members] = b
    p = tuple((W, b) for W, b in final)
    L_end, G_end = be.loss_grad_norm(p, data.X, data.Y, spec.activation)
    Ls[done], Gs[done] = L_end, G_end
    Ls, Gs = Ls[:done + 1], Gs[:done + 1]
    running = np.zeros(K, dtype=bool)
    running[members] = active
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(Ls) | (Ls > crit.divergence_factor * L0[None, :])
    diverged = bad.any(axis=0) | ~running
    tail = Ls[-crit.window:]
    level = crit.loss_fraction * constant_loss(data.Y)
    with np.errstate(invalid="ignore", over="ignore"):
        low = np.all(np.isfinite(tail), axis=0) & (np.mean(tail, axis=0) <= level)
    labels = np.full(K, UNDETERMINED, dtype=np.int64)
    labels[~diverged & low] = CONVERGED
    labels[~diverged & ~low & (G_end <= crit.grad_tol)] = STALLED
    labels[diverged] = DIVERGED
    return Trajectories(labels=labels, losses=Ls, grad_norms=Gs, final=p,
                        steps_run=done)


def sharpness(spec: MLPSpec, data: Dataset, params: Params, k: int = 0,
              iterations: int = 20, backend: Backend | str | None = None,
              seed: int = 0) -> LanczosResult:
    """λmax of the Hessian of the loss at network ``k`` of a batch (HVP + Lanczos).

    Parameters
    ----------
    spec, data
        Architecture and training set.
    params
        A batch of networks; network ``k`` is used.
    k
        Which network.
    iterations
        Lanczos steps (Hessian-vector products).
    backend
        A backend or its name.
    seed
        Seed of the Lanczos start vector.

    Returns
    -------
    LanczosResult
        ``lambda_max`` with its residual bound.
    """
    be = backend if not isinstance(backend, str | None) else get_backend(backend)
    hv = be.hvp(select(params, k), data.X, data.Y, spec.activation)
    return lanczos_extreme(hv, spec.n_params, iterations=iterations, seed=seed)


@dataclass(frozen=True)
class NetworkSweepPoint:
    """The outcome at one step size.

    Attributes
    ----------
    eta
        Step size.
    n
        Initialisations.
    n_converged
        Trajectories with label 1.
    fraction
        ``n_converged / n``.
    ci_low, ci_high
        Wilson score interval at ``confidence``.
    confidence
        Confidence level.
    counts
        ``{label: count}`` for every label that occurs.
    median_final_loss
        Median of ``L(θ_T)`` over the non-diverged trajectories (``nan`` if none).
    sharpness_final
        λmax at the end point of each converged trajectory (empty when not computed).
    """

    eta: float
    n: int
    n_converged: int
    fraction: float
    ci_low: float
    ci_high: float
    confidence: float
    counts: dict[int, int]
    median_final_loss: float
    sharpness_final: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        d = asdict(self)
        d["counts"] = {str(k): v for k, v in self.counts.items()}
        d["sharpness_final"] = list(self.sharpness_final)
        if not math.isfinite(self.median_final_loss):
            d["median_final_loss"] = None
        return d


@dataclass(frozen=True)
class NetworkSweep:
    """Converging fractions against η for one depth.

    Attributes
    ----------
    spec
        Architecture.
    data_description
        How the data were made.
    criterion
        The convergence criterion.
    n_inits, seed
        Initialisations (the same at every η) and their seed.
    points
        One :class:`NetworkSweepPoint` per η, in the order given.
    sharpness_init
        λmax at each initialisation (empty when not computed).
    backend
        Backend name.
    seconds
        Wall time.
    strength
        Always ``statistical``.
    """

    spec: MLPSpec
    data_description: str
    criterion: Criterion
    n_inits: int
    seed: int
    points: tuple[NetworkSweepPoint, ...]
    sharpness_init: tuple[float, ...] = ()
    backend: str = ""
    seconds: float = 0.0
    strength: Strength = field(default=Strength.STATISTICAL)

    @property
    def etas(self) -> np.ndarray:
        """The step sizes."""
        return np.array([p.eta for p in self.points])

    @property
    def fractions(self) -> np.ndarray:
        """The converging fractions."""
        return np.array([p.fraction for p in self.points])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        return {
            "model": self.spec.describe(),
            "depth": self.spec.depth,
            "width": self.spec.width,
            "data": self.data_description,
            "criterion": self.criterion.describe(),
            "n_inits": self.n_inits,
            "seed": self.seed,
            "backend": self.backend,
            "strength": str(self.strength),
            "seconds": round(self.seconds, 2),
            "sharpness_init": list(self.sharpness_init),
            "points": [p.to_dict() for p in self.points],
        }


def converging_fraction(depth: int, etas: Any, n_inits: int = 20, steps: int = 2000,
                        seed: int = 0, *, width: int = 32, data: Dataset | None = None,
                        criterion: Criterion | None = None, confidence: float = 0.95,
                        activation: str = "gelu", sharpness_iterations: int = 20,
                        backend: Backend | str | None = None) -> NetworkSweep:
    """The fraction of initialisations from which GD converges, at each η.

    Parameters
    ----------
    depth
        Hidden layers.
    etas
        Step sizes (positive floats).
    n_inits
        ``N``: initialisations, the same at every η.
    steps
        ``T``: GD steps per trajectory (overrides ``criterion.steps``).
    seed
        Seed of the initialisations.
    width
        Hidden units per layer.
    data
        Training set (default :func:`~symstab.nn.data.load_digits_subset` ``(256, 0)``).
    criterion
        :class:`Criterion`; ``steps`` replaces its ``steps``.
    confidence
        Level of the Wilson intervals.
    activation
        ``"gelu"`` or ``"identity"``.
    sharpness_iterations
        Lanczos steps for λmax at the initialisations and at converged end points;
        ``0`` skips sharpness.
    backend
        A backend or its name.

    Returns
    -------
    NetworkSweep
        Per η the count of converged trajectories, the fraction and its Wilson interval.
    """
    started = time.perf_counter()
    be = backend if not isinstance(backend, str | None) else get_backend(backend)
    data = data if data is not None else load_digits_subset(256, seed=0)
    base = criterion or Criterion()
    crit = Criterion(steps=int(steps), loss_fraction=base.loss_fraction,
                     window=min(base.window, int(steps)),
                     divergence_factor=base.divergence_factor, grad_tol=base.grad_tol,
                     chunk=base.chunk)
    try:
        eta_list = [float(e) for e in np.atleast_1d(etas)]
    except (TypeError, ValueError) as exc:
        raise InputError(f"etas must be numbers, got {etas!r}", "etas") from exc
    if not eta_list or any(not (math.isfinite(e) and e > 0) for e in eta_list):
        raise InputError("etas must be finite positive numbers", "etas")
    spec = MLPSpec(depth=depth, width=width, d_in=data.X.shape[1], d_out=data.Y.shape[1],
                   activation=activation)  # type: ignore[arg-type]
    params = init_params(spec, n_inits, seed)
    sharp0: tuple[float, ...] = ()
    if sharpness_iterations:
        sharp0 = tuple(sharpness(spec, data, params, k, sharpness_iterations, be).lambda_max
                       for k in range(n_inits))
    points = []
    for eta in eta_list:
        traj = run_gd(spec, data, params, np.full(n_inits, eta), crit, be)
        k = int(np.sum(traj.labels == CONVERGED))
        lo, hi = wilson_interval(k, n_inits, confidence)
        labels, counts = np.unique(traj.labels, return_counts=True)
        ok = traj.labels != DIVERGED
        med = float(np.median(traj.losses[-1][ok])) if ok.any() else float("nan")
        sharp_end: tuple[float, ...] = ()
        if sharpness_iterations:
            sharp_end = tuple(
                sharpness(spec, data, traj.final, int(j), sharpness_iterations, be).lambda_max
                for j in np.flatnonzero(traj.labels == CONVERGED))
        points.append(NetworkSweepPoint(
            eta=eta, n=n_inits, n_converged=k, fraction=k / n_inits, ci_low=lo, ci_high=hi,
            confidence=confidence,
            counts={int(a): int(b) for a, b in zip(labels, counts, strict=True)},
            median_final_loss=med, sharpness_final=sharp_end))
    return NetworkSweep(spec=spec, data_description=data.description, criterion=crit,
                        n_inits=n_inits, seed=seed, points=tuple(points),
                        sharpness_init=sharp0, backend=be.name,
                        seconds=time.perf_counter() - started)
