"""The network experiment: the fraction of random initialisations from which full-batch
GD (or mini-batch SGD, :mod:`symstab.nn.sgd`) converges, against the step size η
(Crăciun & Ghoshdastidar 2024, Figs. 3–4, reduced).

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

(The criterion and the chunked driver live in :mod:`symstab.nn.trajectories`; for SGD the
loss is the full-batch loss over the end window, see :mod:`symstab.nn.sgd`.)

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
from .sgd import run_sgd
from .trajectories import (
    CONVERGED,
    DIVERGED,
    STALLED,
    UNDETERMINED,
    Criterion,
    Trajectories,
    constant_loss,
    drive,
)

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

    def step(p: Params, e: np.ndarray, active: np.ndarray, members: np.ndarray, start: int,
             n: int, full: bool, bound: float) -> tuple:
        out = be.gd(p, data.X, data.Y, e, active, n, bound, spec.activation)
        return out.params, out.active, out.losses, out.grad_norms, None

    return drive(step, be, spec.activation, data, params, etas, crit)


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
    optimizer
        ``"gd"`` (full batch) or ``"sgd"`` (mini-batch, :mod:`symstab.nn.sgd`).
    batch_size
        SGD mini-batch size (``None`` for GD).
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
    optimizer: str = "gd"
    batch_size: int | None = None

    @property
    def etas(self) -> np.ndarray:
        """The step sizes."""
        return np.array([p.eta for p in self.points])

    @property
    def fractions(self) -> np.ndarray:
        """The converging fractions."""
        return np.array([p.fraction for p in self.points])

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NetworkSweep:
        """Rebuild a sweep from :meth:`to_dict` output (counts, intervals, sharpness; the
        criterion keeps only its number of steps and the default tolerances)."""
        import re

        m = re.search(r"T = (\d+) steps", str(d.get("criterion", "")))
        steps = int(m.group(1)) if m else Criterion().steps
        points = []
        for p in d["points"]:
            q = dict(p)
            q["counts"] = {int(k): int(v) for k, v in q["counts"].items()}
            q["sharpness_final"] = tuple(q.get("sharpness_final", ()))
            if q.get("median_final_loss") is None:
                q["median_final_loss"] = float("nan")
            points.append(NetworkSweepPoint(**q))
        return cls(spec=MLPSpec(depth=int(d["depth"]), width=int(d["width"])),
                   data_description=str(d["data"]),
                   criterion=Criterion(steps=steps, window=min(100, steps)),
                   n_inits=int(d["n_inits"]), seed=int(d["seed"]), points=tuple(points),
                   sharpness_init=tuple(d.get("sharpness_init", ())),
                   backend=str(d.get("backend", "")), seconds=float(d.get("seconds", 0.0)),
                   optimizer=str(d.get("optimizer", "gd")), batch_size=d.get("batch_size"))

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
            "optimizer": self.optimizer,
            "batch_size": self.batch_size,
            "strength": str(self.strength),
            "seconds": round(self.seconds, 2),
            "sharpness_init": list(self.sharpness_init),
            "points": [p.to_dict() for p in self.points],
        }


def converging_fraction(depth: int, etas: Any, n_inits: int = 20, steps: int = 2000,
                        seed: int = 0, *, width: int = 32, data: Dataset | None = None,
                        criterion: Criterion | None = None, confidence: float = 0.95,
                        activation: str = "gelu", sharpness_iterations: int = 20,
                        backend: Backend | str | None = None, optimizer: str = "gd",
                        batch_size: int | None = None) -> NetworkSweep:
    """The fraction of initialisations from which GD (or SGD) converges, at each η.

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
        Seed of the initialisations (and, for SGD, of the batch schedule: trajectory
        ``k`` uses shuffling stream ``k`` at every η).
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
    optimizer
        ``"gd"``: full-batch GD (:func:`run_gd`); ``"sgd"``: mini-batch SGD
        (:func:`~symstab.nn.sgd.run_sgd`) with ``batch_size``, same initialisations,
        convergence judged on the full-batch loss over the end window.
    batch_size
        SGD mini-batch size (required for ``"sgd"``, not allowed for ``"gd"``).

    Returns
    -------
    NetworkSweep
        Per η the count of converged trajectories, the fraction and its Wilson interval.
    """
    started = time.perf_counter()
    if optimizer not in ("gd", "sgd"):
        raise InputError(f"optimizer must be 'gd' or 'sgd', got {optimizer!r}", "optimizer")
    if (optimizer == "sgd") != (batch_size is not None):
        raise InputError("batch_size is required for SGD and only for SGD", "batch_size")
    if batch_size is not None and (isinstance(batch_size, bool) or
                                   not isinstance(batch_size, int | np.integer)
                                   or batch_size < 1):
        raise InputError(f"batch_size must be a positive integer, got {batch_size!r}",
                         "batch_size")
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
        if optimizer == "gd":
            traj = run_gd(spec, data, params, np.full(n_inits, eta), crit, be)
        else:
            traj = run_sgd(spec, data, params, np.full(n_inits, eta), int(batch_size or 0),
                           crit, be, seed=seed)
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
                        sharpness_init=sharp0, backend=be.name, optimizer=optimizer,
                        batch_size=batch_size,
                        seconds=time.perf_counter() - started)
