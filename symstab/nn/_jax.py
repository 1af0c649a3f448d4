"""JAX backend (CPU, float64): GD and SGD chunks are one ``jit``-compiled ``lax.scan``
over steps of a ``vmap``-ped ``value_and_grad`` (SGD: on each network's own mini-batch,
gathered from the scanned index array); Hessian-vector products are forward-over-reverse
(``jvp`` of ``grad``). Importing this module switches on ``jax_enable_x64``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from .backend import GDChunk, SGDChunk, check_batch, check_batches
from .model import Params

jax.config.update("jax_enable_x64", True)


def _use_disk_cache() -> None:
    """Keep compiled XLA programs under symstab's cache directory (like the numba
    kernels), so a new process reuses them; off with SYMSTAB_NO_CACHE=1."""
    from symstab.codegen.cache import enabled
    from symstab.storage import cache_root

    if not enabled() or jax.config.jax_compilation_cache_dir:
        return
    try:
        jax.config.update("jax_compilation_cache_dir", str(cache_root() / "jax"))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    except (AttributeError, ValueError):  # pragma: no cover - an older JAX
        pass


_use_disk_cache()

__all__ = ["JaxBackend", "make_backend"]


def _forward(params: Any, X: jax.Array, activation: str) -> jax.Array:
    h = X
    last = len(params) - 1
    for layer, (W, b) in enumerate(params):
        h = h @ W + b
        if layer < last and activation == "gelu":
            h = jax.nn.gelu(h, approximate=False)
    return h


def _loss(params: Any, X: jax.Array, Y: jax.Array, activation: str) -> jax.Array:
    r = _forward(params, X, activation) - Y
    return jnp.sum(r * r) / X.shape[0]


def _grad_norm(g: Any) -> jax.Array:
    return jnp.sqrt(sum(jnp.sum(x * x, axis=tuple(range(1, x.ndim)))
                        for x in jax.tree_util.tree_leaves(g)))


@partial(jax.jit, static_argnames=("steps", "activation"))
def _gd_chunk(params: Any, X: jax.Array, Y: jax.Array, etas: jax.Array, active: jax.Array,
              bound: float, steps: int, activation: str) -> Any:
    vg = jax.vmap(jax.value_and_grad(_loss), in_axes=(0, None, None, None))

    def body(carry: Any, _: Any) -> Any:
        p, act = carry
        L, g = vg(p, X, Y, activation)
        ok = act & jnp.isfinite(L) & (bound >= L)

        def upd(x: jax.Array, gx: jax.Array) -> jax.Array:
            shape = (-1,) + (1,) * (x.ndim - 1)
            return jnp.where(ok.reshape(shape), x - etas.reshape(shape) * gx, x)

        p = jax.tree_util.tree_map(upd, p, g)
        return (p, ok), (L, _grad_norm(g))

    (p, act), (Ls, Gs) = jax.lax.scan(body, (params, active), None, length=steps)
    return p, act, Ls, Gs


@partial(jax.jit, static_argnames=("activation", "full"))
def _sgd_chunk(params: Any, X: jax.Array, Y: jax.Array, batches: jax.Array, etas: jax.Array,
               active: jax.Array, bound: float, activation: str, full: bool) -> Any:
    vg = jax.vmap(jax.value_and_grad(_loss), in_axes=(0, 0, 0, None))
    vfull = jax.vmap(jax.value_and_grad(_loss), in_axes=(0, None, None, None))

    def body(carry: Any, idx: jax.Array) -> Any:
        p, act = carry
        Lb, g = vg(p, X[idx], Y[idx], activation)
        ok = act & jnp.isfinite(Lb) & (bound >= Lb)
        if full:
            L, gf = vfull(p, X, Y, activation)
            ok = ok & jnp.isfinite(L) & (bound >= L)
            Gf = _grad_norm(gf)
        else:
            L = Gf = jnp.full(Lb.shape, jnp.nan)

        def upd(x: jax.Array, gx: jax.Array) -> jax.Array:
            shape = (-1,) + (1,) * (x.ndim - 1)
            return jnp.where(ok.reshape(shape), x - etas.reshape(shape) * gx, x)

        p = jax.tree_util.tree_map(upd, p, g)
        return (p, ok), (Lb, L, Gf)

    (p, act), (Lbs, Ls, Gs) = jax.lax.scan(body, (params, active), batches)
    return p, act, Lbs, Ls, Gs


@partial(jax.jit, static_argnames=("activation",))
def _loss_grad_norm(params: Any, X: jax.Array, Y: jax.Array, activation: str) -> Any:
    L, g = jax.vmap(jax.value_and_grad(_loss), in_axes=(0, None, None, None))(
        params, X, Y, activation)
    return L, _grad_norm(g)


_grad = jax.jit(jax.grad(_loss), static_argnames=("activation",))


@partial(jax.jit, static_argnames=("activation",))
def _hvp(params: Any, tangent: Any, X: jax.Array, Y: jax.Array, activation: str) -> Any:
    grad = jax.grad(_loss)
    return jax.jvp(lambda p: grad(p, X, Y, activation), (params,), (tangent,))[1]


@partial(jax.jit, static_argnames=("activation",))
def _hvp_flat(params: Any, v: jax.Array, X: jax.Array, Y: jax.Array, activation: str) -> Any:
    # ravel_pytree orders the leaves W_1, b_1, W_2, ... each row-major: model.flatten's order
    _, unravel = ravel_pytree(params)
    return ravel_pytree(_hvp(params, unravel(v), X, Y, activation))[0]


@partial(jax.jit, static_argnames=("activation",))
def _hvp_flat_batch(params: Any, V: jax.Array, X: jax.Array, Y: jax.Array,
                    activation: str) -> Any:
    return jax.vmap(_hvp_flat, in_axes=(0, 0, None, None, None))(params, V, X, Y, activation)


def _to_jax(params: Params) -> Any:
    return tuple((jnp.asarray(W), jnp.asarray(b)) for W, b in params)


def _to_numpy(params: Any) -> Params:
    return tuple((np.asarray(W), np.asarray(b)) for W, b in params)


class JaxBackend:
    """The JAX implementation of :class:`~symstab.nn.backend.Backend`."""

    name = "jax"

    def gd(self, params: Params, X: np.ndarray, Y: np.ndarray, etas: np.ndarray,
           active: np.ndarray, steps: int, bound: float, activation: str) -> GDChunk:
        """See :meth:`symstab.nn.backend.Backend.gd`."""
        check_batch(params, etas)
        p, act, Ls, Gs = _gd_chunk(_to_jax(params), jnp.asarray(X), jnp.asarray(Y),
                                   jnp.asarray(etas, dtype=jnp.float64),
                                   jnp.asarray(active, dtype=bool), float(bound), int(steps),
                                   activation)
        return GDChunk(_to_numpy(p), np.asarray(Ls), np.asarray(Gs), np.asarray(act))

    def sgd(self, params: Params, X: np.ndarray, Y: np.ndarray, batches: np.ndarray,
            etas: np.ndarray, active: np.ndarray, bound: float, activation: str,
            full: bool = False) -> SGDChunk:
        """See :meth:`symstab.nn.backend.Backend.sgd`."""
        K = check_batch(params, etas)
        check_batches(batches, K, X.shape[0])
        p, act, Lbs, Ls, Gs = _sgd_chunk(
            _to_jax(params), jnp.asarray(X), jnp.asarray(Y),
            jnp.asarray(batches, dtype=jnp.int32), jnp.asarray(etas, dtype=jnp.float64),
            jnp.asarray(active, dtype=bool), float(bound), activation, bool(full))
        return SGDChunk(_to_numpy(p), np.asarray(Lbs), np.asarray(Ls), np.asarray(Gs),
                        np.asarray(act))

    def loss_grad_norm(self, params: Params, X: np.ndarray, Y: np.ndarray,
                       activation: str) -> tuple[np.ndarray, np.ndarray]:
        """See :meth:`symstab.nn.backend.Backend.loss_grad_norm`."""
        L, G = _loss_grad_norm(_to_jax(params), jnp.asarray(X), jnp.asarray(Y), activation)
        return np.asarray(L), np.asarray(G)

    def gradient(self, params: Params, X: np.ndarray, Y: np.ndarray,
                 activation: str) -> np.ndarray:
        """See :meth:`symstab.nn.backend.Backend.gradient`."""
        one = tuple((jnp.asarray(W[0]), jnp.asarray(b[0])) for W, b in params)
        g = _grad(one, jnp.asarray(X), jnp.asarray(Y), activation)
        return np.concatenate([np.asarray(a).ravel() for pair in g for a in pair])

    def hvp(self, params: Params, X: np.ndarray, Y: np.ndarray,
            activation: str) -> Callable[[np.ndarray], np.ndarray]:
        """See :meth:`symstab.nn.backend.Backend.hvp`."""
        one = tuple((jnp.asarray(W[0]), jnp.asarray(b[0])) for W, b in params)
        Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

        def matvec(v: np.ndarray) -> np.ndarray:
            return np.asarray(_hvp_flat(one, jnp.asarray(v, dtype=jnp.float64), Xj, Yj,
                                        activation))

        return matvec

    def hvp_batch(self, params: Params, X: np.ndarray, Y: np.ndarray,
                  activation: str) -> Callable[[np.ndarray], np.ndarray]:
        """See :meth:`symstab.nn.backend.Backend.hvp_batch`."""
        p, Xj, Yj = _to_jax(params), jnp.asarray(X), jnp.asarray(Y)

        def matvec(V: np.ndarray) -> np.ndarray:
            return np.asarray(_hvp_flat_batch(p, jnp.asarray(V, dtype=jnp.float64), Xj, Yj,
                                              activation))

        return matvec


def make_backend() -> JaxBackend:
    """The JAX backend."""
    return JaxBackend()
