"""The autodiff backend of the network experiment: the one place where it is chosen.

A backend runs batched full-batch GD, or mini-batch SGD on given batch indices, on ``K``
networks at once and gives Hessian-vector products of one network; everything else
(data, initialisation, Lanczos, the convergence criterion, statistics) is NumPy and
backend-free.

Measured (``benchmarks/bench_nn_backends.py``, see ``docs/network.md``): on this
workload (MLPs of width 32 on 256 digits, float64, 2 CPU cores) JAX (``jit`` +
``lax.scan`` + ``vmap``) is much faster than PyTorch eager, so :data:`DEFAULT_BACKEND`
is ``"jax"``. The PyTorch backend (:mod:`symstab.nn._torch`, ``torch==2.13.0``)
implements the same interface and is used when asked for by name.

Both backends compute in float64 (JAX: ``jax_enable_x64`` is switched on when
:mod:`symstab.nn._jax` is imported).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import numpy as np

from symstab.errors import InputError

from .model import Params

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "Backend", "GDChunk", "SGDChunk", "get_backend"]

#: The backend used when none is named.
DEFAULT_BACKEND = "jax"
#: Known backends: name -> module under ``symstab.nn``.
BACKENDS = {"jax": "_jax", "torch": "_torch"}


@dataclass(frozen=True)
class GDChunk:
    """The outcome of ``steps`` GD steps on a batch of ``K`` networks.

    Attributes
    ----------
    params
        Parameters after the chunk (a frozen trajectory keeps its last parameters).
    losses
        ``(steps, K)``: ``L(θ_k)`` at the iterate *before* each step.
    grad_norms
        ``(steps, K)``: ``||∇L(θ_k)||₂`` at the same iterates.
    active
        ``(K,)``: trajectories still running. A trajectory stops (is frozen) at the
        first iterate whose loss is not finite or exceeds ``bound``.
    """

    params: Params
    losses: np.ndarray
    grad_norms: np.ndarray
    active: np.ndarray


@dataclass(frozen=True)
class SGDChunk:
    """The outcome of ``steps`` mini-batch SGD steps on a batch of ``K`` networks.

    Attributes
    ----------
    params
        Parameters after the chunk (a frozen trajectory keeps its last parameters).
    batch_losses
        ``(steps, K)``: the mini-batch loss ``L_B(θ_k)`` of the step's own batch, at the
        iterate *before* each step.
    losses
        ``(steps, K)``: the full-batch loss ``L(θ_k)`` at the same iterates when the chunk
        was run with ``full=True``, else ``nan``.
    grad_norms
        ``(steps, K)``: ``||∇L(θ_k)||₂`` of the full-batch gradient (``full=True``), else
        ``nan``.
    active
        ``(K,)``: trajectories still running. A trajectory stops at the first iterate
        whose mini-batch loss (or, with ``full=True``, full-batch loss) is not finite or
        exceeds ``bound``.
    """

    params: Params
    batch_losses: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    active: np.ndarray


class Backend(Protocol):
    """What the experiment needs from an autodiff library."""

    name: str

    def gd(self, params: Params, X: np.ndarray, Y: np.ndarray, etas: np.ndarray,
           active: np.ndarray, steps: int, bound: float, activation: str) -> GDChunk:
        """``steps`` GD steps ``θ ← θ − η_k ∇L(θ)`` on each network ``k`` of the batch."""
        ...

    def sgd(self, params: Params, X: np.ndarray, Y: np.ndarray, batches: np.ndarray,
            etas: np.ndarray, active: np.ndarray, bound: float, activation: str,
            full: bool = False) -> SGDChunk:
        """``len(batches)`` SGD steps ``θ ← θ − η_k ∇L_B(θ)``, ``L_B`` the mean loss over
        the samples ``batches[t, k]`` (shape ``(steps, K, B)``) for network ``k`` at step
        ``t``; ``full=True`` also records the full-batch loss and gradient norm."""
        ...

    def loss_grad_norm(self, params: Params, X: np.ndarray, Y: np.ndarray,
                       activation: str) -> tuple[np.ndarray, np.ndarray]:
        """``(L(θ_k), ||∇L(θ_k)||₂)`` for each network of the batch, shapes ``(K,)``."""
        ...

    def gradient(self, params: Params, X: np.ndarray, Y: np.ndarray,
                 activation: str) -> np.ndarray:
        """Flat gradient of network 0 of the batch, in :func:`~symstab.nn.model.flatten` order."""
        ...

    def hvp(self, params: Params, X: np.ndarray, Y: np.ndarray,
            activation: str) -> Callable[[np.ndarray], np.ndarray]:
        """``v -> ∇²L(θ) v`` for network 0 of the batch, on flat vectors."""
        ...

    def hvp_batch(self, params: Params, X: np.ndarray, Y: np.ndarray,
                  activation: str) -> Callable[[np.ndarray], np.ndarray]:
        """``V -> (∇²L(θ_k) V_k)_k`` for every network of the batch, ``(K, p)`` arrays."""
        ...


@cache
def get_backend(name: str | None = None) -> Backend:
    """The backend called ``name`` (default :data:`DEFAULT_BACKEND`).

    Parameters
    ----------
    name
        ``"jax"`` or ``"torch"``.

    Returns
    -------
    Backend

    Raises
    ------
    InputError
        On an unknown name, or when the library is not installed (one line, naming the
        package to install).
    """
    import importlib

    name = name or DEFAULT_BACKEND
    if name not in BACKENDS:
        raise InputError(f"unknown backend {name!r} (known: {', '.join(BACKENDS)})", "backend")
    try:
        module = importlib.import_module(f"symstab.nn.{BACKENDS[name]}")
    except ImportError as exc:
        hint = "pip install 'symstab[nn]'" if name == DEFAULT_BACKEND else f"pip install {name}"
        raise InputError(f"backend {name!r} is not available ({exc}); {hint}", "backend") from exc
    return module.make_backend()


def check_batch(params: Params, etas: np.ndarray) -> int:
    """Batch size of ``params``, checked against ``etas``."""
    K = int(params[0][0].shape[0])
    if np.shape(etas) != (K,):
        raise InputError(f"need one step size per network: {K} networks, etas {np.shape(etas)}")
    return K


def check_batches(batches: np.ndarray, K: int, n: int) -> None:
    """Check an SGD index array: shape ``(steps, K, B)``, indices in ``[0, n)``."""
    b = np.asarray(batches)
    if b.ndim != 3 or b.shape[1] != K or b.shape[0] < 1 or b.shape[2] < 1:
        raise InputError(f"need batch indices of shape (steps, {K}, B), got {b.shape}")
    if not np.issubdtype(b.dtype, np.integer) or b.min() < 0 or b.max() >= n:
        raise InputError(f"batch indices must be integers in [0, {n})")
