"""The largest Hessian eigenvalue (sharpness) from Hessian-vector products, by Lanczos.

The Hessian is never formed: :func:`lanczos_extreme` needs only ``v -> H v``. It runs
``m`` Lanczos steps with full re-orthogonalisation (``m`` is small, so the O(m² p) cost
is negligible next to the ``m`` Hessian-vector products), forms the tridiagonal matrix
``T_m`` and returns its extreme eigenvalues (Ritz values) with the residual norm
``|β_m s_m|`` of the top Ritz pair, a computable bound on the distance from the top Ritz
value to an eigenvalue of ``H`` (Parlett, *The Symmetric Eigenvalue Problem*, Thm 11.4.1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from symstab.errors import InputError

__all__ = ["LanczosResult", "lanczos_extreme", "lanczos_extreme_batch"]


@dataclass(frozen=True)
class LanczosResult:
    """Extreme eigenvalue estimates of a symmetric operator.

    Attributes
    ----------
    lambda_max, lambda_min
        Largest and smallest Ritz values.
    residual
        ``|| H u − λ_max u ||`` for the top Ritz vector ``u``: some eigenvalue of ``H`` lies
        within this distance of ``lambda_max``.
    iterations
        Lanczos steps done (matrix-vector products).
    vector
        The top Ritz vector ``u`` (unit norm), e.g. to start the next run from.
    """

    lambda_max: float
    lambda_min: float
    residual: float
    iterations: int
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)


def lanczos_extreme(matvec: Callable[[np.ndarray], np.ndarray], dim: int,
                    iterations: int = 30, seed: int = 0, tol: float = 1e-10,
                    start: np.ndarray | None = None,
                    rtol: float | None = None) -> LanczosResult:
    """Extreme eigenvalues of a symmetric linear operator by Lanczos.

    Parameters
    ----------
    matvec
        ``v -> H v`` for float64 vectors of length ``dim``.
    dim
        Dimension.
    iterations
        Maximum Lanczos steps (capped at ``dim``).
    seed
        Seed of the random start vector.
    start
        Start vector instead of a random one (e.g. the top Ritz vector of a nearby
        operator: a warm start); a zero vector falls back to the random one.
    rtol
        Also stop once the residual bound of the top Ritz pair is at most
        ``rtol · |λ_max|`` (``iterations`` is then the maximum).
    tol
        Stop early when the next Lanczos coefficient ``β`` falls below
        ``tol · max(1, |T|)`` (an invariant subspace was found: the Ritz values are exact).

    Returns
    -------
    LanczosResult
        Ritz values and the residual bound of the top one.
    """
    if dim < 1 or iterations < 1:
        raise InputError(f"need dim >= 1 and iterations >= 1, got {dim}, {iterations}")
    m = min(int(iterations), int(dim))
    rng = np.random.default_rng(seed)
    Q = np.zeros((m + 1, dim))
    q = rng.standard_normal(dim)
    if start is not None:
        s0 = np.asarray(start, dtype=np.float64)
        if s0.shape != (dim,):
            raise InputError(f"start vector must have shape ({dim},), got {s0.shape}")
        if np.all(np.isfinite(s0)) and np.linalg.norm(s0) > 0:
            q = s0
    Q[0] = q / np.linalg.norm(q)
    alpha = np.zeros(m)
    beta = np.zeros(m)
    k = m
    for j in range(m):
        w = np.asarray(matvec(Q[j]), dtype=np.float64)
        alpha[j] = float(Q[j] @ w)
        # full re-orthogonalisation (twice is enough: Kahan-Parlett)
        for _ in range(2):
            w = w - Q[: j + 1].T @ (Q[: j + 1] @ w)
        beta[j] = float(np.linalg.norm(w))
        scale = max(1.0, float(np.max(np.abs(alpha[: j + 1]))))
        if beta[j] <= tol * scale:
            k = j + 1
            break
        Q[j + 1] = w / beta[j]
        if rtol is not None and j >= 1:
            Tj = np.diag(alpha[:j + 1]) + np.diag(beta[:j], 1) + np.diag(beta[:j], -1)
            vals_j, vecs_j = np.linalg.eigh(Tj)
            if abs(beta[j] * vecs_j[-1, -1]) <= rtol * abs(vals_j[-1]):
                k = j + 1
                break
    T = np.diag(alpha[:k]) + np.diag(beta[: k - 1], 1) + np.diag(beta[: k - 1], -1)
    vals, vecs = np.linalg.eigh(T)
    residual = abs(beta[k - 1] * vecs[-1, -1])
    u = Q[:k].T @ vecs[:, -1]
    return LanczosResult(lambda_max=float(vals[-1]), lambda_min=float(vals[0]),
                         residual=float(residual), iterations=k, vector=u)


def lanczos_extreme_batch(matvec: Callable[[np.ndarray], np.ndarray], dim: int, count: int,
                          iterations: int = 30, seed: int = 0, tol: float = 1e-10,
                          starts: np.ndarray | None = None,
                          rtol: float | None = None) -> list[LanczosResult]:
    """:func:`lanczos_extreme` on ``count`` operators at once, in lockstep.

    Parameters
    ----------
    matvec
        ``V -> (H_1 v_1, ..., H_count v_count)`` on ``(count, dim)`` arrays (one batched
        product per Lanczos step for all operators).
    dim, count
        Dimension and number of operators.
    iterations, seed, tol, rtol
        As in :func:`lanczos_extreme`; the loop stops when every operator has met its
        stopping rule (an operator that stops early keeps its own Ritz values).
    starts
        ``(count, dim)`` start vectors (rows that are zero or not finite fall back to
        random ones).

    Returns
    -------
    list of LanczosResult
        One per operator.
    """
    if dim < 1 or iterations < 1 or count < 1:
        raise InputError(f"need dim, iterations, count >= 1, got {dim}, {iterations}, {count}")
    m = min(int(iterations), int(dim))
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((count, dim))
    if starts is not None:
        s0 = np.asarray(starts, dtype=np.float64)
        if s0.shape != (count, dim):
            raise InputError(f"start vectors must have shape ({count}, {dim}), got {s0.shape}")
        good = np.all(np.isfinite(s0), axis=1) & (np.linalg.norm(s0, axis=1) > 0)
        q[good] = s0[good]
    Q = np.zeros((count, m + 1, dim))
    Q[:, 0] = q / np.linalg.norm(q, axis=1, keepdims=True)
    alpha = np.zeros((count, m))
    beta = np.zeros((count, m))
    ks = np.full(count, m)
    done = np.zeros(count, dtype=bool)
    for j in range(m):
        W = np.asarray(matvec(Q[:, j]), dtype=np.float64)
        alpha[:, j] = np.einsum("kd,kd->k", Q[:, j], W)
        for _ in range(2):
            W = W - np.einsum("kjd,kj->kd", Q[:, :j + 1], np.einsum("kjd,kd->kj", Q[:, :j + 1], W))
        beta[:, j] = np.linalg.norm(W, axis=1)
        for i in np.flatnonzero(~done):
            scale = max(1.0, float(np.max(np.abs(alpha[i, :j + 1]))))
            if beta[i, j] <= tol * scale:
                done[i], ks[i] = True, j + 1
                continue
            if rtol is not None and j >= 1:
                Tj = (np.diag(alpha[i, :j + 1]) + np.diag(beta[i, :j], 1)
                      + np.diag(beta[i, :j], -1))
                vals_j, vecs_j = np.linalg.eigh(Tj)
                if abs(beta[i, j] * vecs_j[-1, -1]) <= rtol * abs(vals_j[-1]):
                    done[i], ks[i] = True, j + 1
        live = ~done
        Q[live, j + 1] = W[live] / beta[live, j, None]
        if done.all():
            break
    out = []
    for i in range(count):
        k = int(ks[i])
        T = (np.diag(alpha[i, :k]) + np.diag(beta[i, :k - 1], 1)
             + np.diag(beta[i, :k - 1], -1))
        vals, vecs = np.linalg.eigh(T)
        out.append(LanczosResult(lambda_max=float(vals[-1]), lambda_min=float(vals[0]),
                                 residual=float(abs(beta[i, k - 1] * vecs[-1, -1])),
                                 iterations=k, vector=Q[i, :k].T @ vecs[:, -1]))
    return out
