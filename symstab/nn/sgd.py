"""Mini-batch SGD on a batch of networks (Crăciun & Ghoshdastidar 2024, Fig. 4, reduced).

SGD step: ``θ_{k+1} = θ_k − η ∇L_{B_k}(θ_k)`` with ``L_B(θ) = (1/|B|) Σ_{i∈B} ||f(x_i; θ) −
y_i||²``, the same loss normalisation as full-batch GD, so that ``E[∇L_B] = ∇L`` and
``B`` = all samples is GD.

**Batch schedule** (:class:`BatchSchedule`): epochs of ``n // B`` steps; in each epoch
the samples are drawn **without replacement** in a random order (a fresh permutation per
epoch; the last ``n mod B`` samples of the permutation are dropped, PyTorch's
``drop_last=True``). Every trajectory has its own shuffling stream: stream ``j`` of
``S`` at epoch ``e`` is row ``j`` of ``default_rng([seed, e]).permuted(tile(arange(n),
(S, 1)), axis=1)``, so the schedule of a step depends only on ``(seed, S, j, step)``,
is reproducible, and can be generated chunk by chunk. :func:`run_sgd` gives the network
at batch position ``k`` the stream ``streams[k]`` (default ``k``): copies of the same
initialisation at several η (common random numbers) share the stream.

**Convergence** is judged by the same :class:`~symstab.nn.trajectories.Criterion` as for
GD, on the **full-batch** loss: the mean of ``L(θ_k)`` over the last ``window`` iterates
(evaluated only at ``θ_0`` and at the iterates ``k >= T − window``, where the chunks of
the end window also record it) must be at most ``loss_fraction · L_c``.
Divergence is checked at every step on the mini-batch loss of the step's batch
(``L_B <= (n/|B|) L`` always, so a mini-batch loss past ``divergence_factor · L(θ_0)``
means a full-batch loss past ``(|B|/n) · divergence_factor · L(θ_0)``) and over the end
window on the full-batch loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from symstab.errors import InputError

from .backend import Backend, get_backend
from .data import Dataset
from .model import MLPSpec, Params
from .trajectories import Criterion, Trajectories, drive

__all__ = ["BatchSchedule", "run_sgd"]


@dataclass(frozen=True)
class BatchSchedule:
    """Epoch-wise shuffling without replacement, one stream per trajectory.

    Attributes
    ----------
    n
        Samples.
    batch_size
        ``B``, ``1 <= B <= n``.
    n_streams
        ``S``: independent shuffling streams.
    seed
        Seed of the permutations.
    """

    n: int
    batch_size: int
    n_streams: int
    seed: int = 0
    _cache: dict[int, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("n", "batch_size", "n_streams"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
                raise InputError(f"{name} must be a positive integer, got {v!r}", name)
        if self.batch_size > self.n:
            raise InputError(f"batch size {self.batch_size} exceeds {self.n} samples",
                             "batch_size")

    @property
    def steps_per_epoch(self) -> int:
        """``n // B``."""
        return self.n // self.batch_size

    def epoch(self, e: int) -> np.ndarray:
        """``(S, n)``: the permutation of every stream at epoch ``e``."""
        if e not in self._cache:
            if len(self._cache) > 4:
                self._cache.clear()
            rng = np.random.default_rng([int(self.seed), int(e)])
            base = np.broadcast_to(np.arange(self.n, dtype=np.int32), (self.n_streams, self.n))
            self._cache[e] = rng.permuted(base, axis=1)
        return self._cache[e]

    def batches(self, start: int, steps: int, streams: np.ndarray | None = None) -> np.ndarray:
        """Sample indices of steps ``start, ..., start + steps − 1``.

        Parameters
        ----------
        start, steps
            First step (0-based) and number of steps.
        streams
            Stream of each trajectory (default all ``S`` streams in order).

        Returns
        -------
        numpy.ndarray
            ``(steps, len(streams), B)`` int32.
        """
        if start < 0 or steps < 0:
            raise InputError(f"need start, steps >= 0, got {start}, {steps}")
        rows = np.arange(self.n_streams) if streams is None else np.asarray(streams)
        if rows.size and (rows.min() < 0 or rows.max() >= self.n_streams):
            raise InputError(f"streams must be in [0, {self.n_streams})", "streams")
        B, per = self.batch_size, self.steps_per_epoch
        out = np.empty((steps, rows.size, B), dtype=np.int32)
        for t in range(steps):
            e, j = divmod(start + t, per)
            out[t] = self.epoch(e)[rows, j * B:(j + 1) * B]
        return out


def run_sgd(spec: MLPSpec, data: Dataset, params: Params, etas: np.ndarray,
            batch_size: int, criterion: Criterion | None = None,
            backend: Backend | str | None = None, *, seed: int = 0,
            streams: np.ndarray | None = None) -> Trajectories:
    """Run mini-batch SGD on a batch of networks and classify each trajectory.

    Parameters
    ----------
    spec
        Architecture (its ``activation`` is used).
    data
        Training set.
    params
        Initial parameters of ``K`` networks.
    etas
        ``(K,)`` step sizes.
    batch_size
        ``B`` (``B = n`` is full-batch GD with a fixed sample order, i.e. GD).
    criterion
        :class:`~symstab.nn.trajectories.Criterion` (default ``Criterion()``).
    backend
        A backend or its name.
    seed
        Seed of the :class:`BatchSchedule`.
    streams
        ``(K,)`` shuffling stream of each network (default ``0, ..., K − 1``); the
        schedule has ``max(streams) + 1`` streams.

    Returns
    -------
    Trajectories
        With ``optimizer = "sgd"`` and the mini-batch losses in ``batch_losses``.
    """
    crit = criterion or Criterion()
    be = backend if not isinstance(backend, str | None) else get_backend(backend)
    K = int(params[0][0].shape[0])
    rows = np.arange(K) if streams is None else np.asarray(streams, dtype=np.int64)
    if rows.shape != (K,) or (K and rows.min() < 0):
        raise InputError(f"need one non-negative stream per network ({K})", "streams")
    schedule = BatchSchedule(data.n, int(batch_size), int(rows.max()) + 1, seed)

    def step(p: Params, e: np.ndarray, active: np.ndarray, members: np.ndarray, start: int,
             n: int, full: bool, bound: float) -> tuple:
        idx = schedule.batches(start, n, rows[members])
        out = be.sgd(p, data.X, data.Y, idx, e, active, bound, spec.activation, full)
        return out.params, out.active, out.losses, out.grad_norms, out.batch_losses

    return drive(step, be, spec.activation, data, params, etas, crit,
                 full_from=crit.steps - crit.window, optimizer="sgd")
