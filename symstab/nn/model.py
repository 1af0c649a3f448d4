"""Fully connected networks: architecture, initialisation, parameter layout, and a
NumPy reference forward pass and loss.

A network of **depth** ``d`` has ``d`` hidden layers of ``width`` units:
``f(x) = A_{d+1}(σ(A_d(... σ(A_1 x))))`` with affine maps ``A_l(h) = h W_l + b_l`` and
activation ``σ`` = exact GELU ``σ(z) = z Φ(z)`` (``Φ`` the standard normal CDF) or the
identity. Depth 0 is the affine model ``x W_1 + b_1``.

**Loss** (mean over samples, *sum* over outputs)::

    L(θ) = (1/n) Σ_i ||f(x_i; θ) − y_i||²

This is ``d_out`` times PyTorch's ``MSELoss()`` (mean over all ``n · d_out`` entries), so
a step size ``η`` here is the step size ``d_out · η`` there.

**Initialisation** (PyTorch's ``nn.Linear`` default): every weight and bias of a layer
with ``fan_in`` inputs is drawn i.i.d. uniform in ``[-1/√fan_in, 1/√fan_in]``, from
``numpy.random.default_rng(seed)`` in float64, layer by layer (``W_l`` then ``b_l``),
for all initialisations at once; initialisation ``k`` of a batch of ``K`` is a function of
``(seed, K, k)`` only.

Parameters of ``K`` networks are a tuple of ``(W_l, b_l)`` pairs with a leading batch
axis: ``W_l`` of shape ``(K, fan_in, fan_out)``, ``b_l`` of shape ``(K, fan_out)``.
One network's parameters flatten to a vector in the order ``W_1, b_1, W_2, b_2, ...``
(row-major), see :func:`flatten` and :func:`unflatten`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np

from symstab.errors import InputError

__all__ = [
    "MLPSpec",
    "Params",
    "flatten",
    "forward_numpy",
    "init_params",
    "loss_numpy",
    "select",
    "unflatten",
]

Params = tuple[tuple[np.ndarray, np.ndarray], ...]


@dataclass(frozen=True)
class MLPSpec:
    """Architecture of a fully connected network.

    Attributes
    ----------
    depth
        Number of hidden layers (``>= 0``).
    width
        Units per hidden layer.
    d_in, d_out
        Input and output dimensions.
    activation
        ``"gelu"`` (exact, erf-based) or ``"identity"`` (a linear network).
    """

    depth: int
    width: int = 32
    d_in: int = 64
    d_out: int = 10
    activation: Literal["gelu", "identity"] = "gelu"

    def __post_init__(self) -> None:
        for name in ("depth", "width", "d_in", "d_out"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer):
                raise InputError(f"{name} must be an integer, got {v!r}", name)
        if self.depth < 0 or self.width < 1 or self.d_in < 1 or self.d_out < 1:
            raise InputError("need depth >= 0 and width, d_in, d_out >= 1")
        if self.activation not in ("gelu", "identity"):
            raise InputError(f"unknown activation {self.activation!r}", "activation")

    @property
    def dims(self) -> tuple[int, ...]:
        """Layer sizes ``(d_in, width, ..., width, d_out)``."""
        return (self.d_in, *([self.width] * self.depth), self.d_out)

    @property
    def n_params(self) -> int:
        """Number of parameters of one network."""
        d = self.dims
        return sum(a * b + b for a, b in itertools.pairwise(d))

    def describe(self) -> str:
        """One line, e.g. ``"depth 2, width 32, gelu, 64 -> 10 (3,466 parameters)"``."""
        return (f"depth {self.depth}, width {self.width}, {self.activation}, "
                f"{self.d_in} -> {self.d_out} ({self.n_params:,} parameters)")


def init_params(spec: MLPSpec, n_inits: int, seed: int) -> Params:
    """``n_inits`` independent initialisations (PyTorch ``nn.Linear`` default scheme).

    Parameters
    ----------
    spec
        Architecture.
    n_inits
        Batch size ``K``.
    seed
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    Params
        ``((W_1, b_1), ...)`` with shapes ``(K, fan_in, fan_out)`` and ``(K, fan_out)``.
    """
    if isinstance(n_inits, bool) or not isinstance(n_inits, int | np.integer) or n_inits < 1:
        raise InputError(f"n_inits must be a positive integer, got {n_inits!r}", "n_inits")
    rng = np.random.default_rng(seed)
    out = []
    d = spec.dims
    for fan_in, fan_out in itertools.pairwise(d):
        a = 1.0 / np.sqrt(fan_in)
        W = rng.uniform(-a, a, size=(n_inits, fan_in, fan_out))
        b = rng.uniform(-a, a, size=(n_inits, fan_out))
        out.append((W, b))
    return tuple(out)


def select(params: Params, k: int) -> Params:
    """Initialisation ``k`` of a batch, as a batch of one."""
    return tuple((W[k:k + 1], b[k:k + 1]) for W, b in params)


def flatten(params: Params, k: int = 0) -> np.ndarray:
    """The parameter vector of network ``k`` of a batch (order ``W_1, b_1, W_2, ...``)."""
    return np.concatenate([np.concatenate([W[k].ravel(), b[k].ravel()]) for W, b in params])


def unflatten(vec: np.ndarray, spec: MLPSpec) -> Params:
    """Inverse of :func:`flatten`: a batch of one network from its parameter vector."""
    vec = np.asarray(vec, dtype=np.float64)
    if vec.shape != (spec.n_params,):
        raise InputError(f"expected a vector of {spec.n_params} parameters, got {vec.shape}")
    out, i = [], 0
    d = spec.dims
    for a, b in itertools.pairwise(d):
        W = vec[i:i + a * b].reshape(1, a, b)
        i += a * b
        out.append((W, vec[i:i + b].reshape(1, b)))
        i += b
    return tuple(out)


def _gelu(z: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * z * (1.0 + erf(z / np.sqrt(2.0)))


def forward_numpy(params: Params, X: np.ndarray, activation: str = "gelu") -> np.ndarray:
    """Outputs of a batch of networks, shape ``(K, n, d_out)`` (NumPy reference)."""
    h = np.broadcast_to(X, (params[0][0].shape[0], *X.shape))
    for layer, (W, b) in enumerate(params):
        h = h @ W + b[:, None, :]
        if layer < len(params) - 1 and activation == "gelu":
            h = _gelu(h)
    return h


def loss_numpy(params: Params, X: np.ndarray, Y: np.ndarray,
               activation: str = "gelu") -> np.ndarray:
    """``L(θ) = (1/n) Σ_i ||f(x_i) − y_i||²`` for each network of a batch, shape ``(K,)``."""
    r = forward_numpy(params, X, activation) - Y
    return np.sum(r * r, axis=(1, 2)) / X.shape[0]
