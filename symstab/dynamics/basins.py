"""Basin maps: where gradient descent from each starting point ends up, and how.

For a grid (or any set) of starting points θ₀, GD θ_{k+1} = θ_k − η∇f(θ_k) is run in
float64 until one of three decisions:

* the iterate lies in the certified trapping region of minimum ``k`` (label ``k >= 1``;
  membership is tested *before* each step, so a start inside a region takes 0 steps);
* the iterate is non-finite or ``|θ|² > bound²`` (label ``-1``, diverged);
* ``max_steps`` steps were taken without either (label ``0``, undetermined).

The labels follow the Attractors.jl convention (``-1`` diverged, ``0`` undetermined,
``k`` attractor ``k``). Along the way the kernel records whether the loss decreased
*strictly* at every step taken (``stable``: Chen et al.'s set U_η of starting points
whose trajectories converge stably); inside a certified Hessian ball descent is
certified, so tracking stops there.

Near η* = 2/λmax the Hessian balls shrink to nothing and GD contracts ever more slowly:
maps with a step cap alone leave most points undetermined. Near η* (see
:data:`LYAPUNOV_AUTO_DISTANCE`) :func:`basin_map` therefore also uses the much larger
*non-monotone* regions of :mod:`symstab.certify.lyapunov` (balls proved to lie in the
basin, without proof of descent). Entering one certifies the label, not stability: such
a trajectory keeps running until it enters a Hessian ball (stable iff the loss fell at
every step so far), or the loss rises (unstable, proved), or ``max_steps`` is reached:
then its label stands, ``stable`` is False and ``stability_open`` is True (monotone
descent neither proved nor refuted). ``steps`` counts the steps to that decision.

The work runs in one ``numba.njit(parallel=True)`` kernel per loss
(:func:`basin_kernel`), built by closing over the loss' generated scalar kernels
(``value_scalar`` and ``step_col`` of :class:`symstab.codegen.NumbaTarget`, re-jitted
from their generated source with ``inline="always"``): no gradient is written by hand.
Each ``prange`` iteration owns a chunk of points and advances a set of *lanes*
(independent trajectories, stored one column each) together, one step per sweep: the
loss, the region tests, the step and the bound test are branch-free loops over the lanes
that LLVM vectorises. A lane whose trajectory is decided is recorded and refilled from
the chunk. Trajectories run in rounds with growing step caps (64, 512, ...): a point
still undecided at a round's cap is parked and resumed, with the other survivors, in the
next round, so a few slow trajectories never run alone in a half-empty set of lanes.

:func:`recheck` reruns a few sampled starting points with the mpmath target at high
precision and reports every float64 label or stability flag it contradicts.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symstab.codegen import compile_loss
from symstab.errors import InputError

__all__ = [
    "LYAPUNOV_AUTO_DISTANCE",
    "BasinMap",
    "basin_kernel",
    "basin_map",
    "near_eta_star",
    "recheck",
]

#: Independent trajectories advanced together inside one prange iteration.
_LANES = 128
#: Starting points per prange iteration (a unit of dynamic scheduling).
_CHUNK = 4096
#: Step cap of the first round; later rounds (only the undecided points) multiply it.
_FIRST_CAP = 64
_CAP_GROWTH = 8
#: Default starting points per task of a distributed :func:`basin_map`.
_TILE = 1 << 16
#: :func:`basin_map` adds the Lyapunov regions by default when (η* − η)/η* is below this
#: for some minimum (there the Hessian balls are tiny and the contraction rate near 1).
LYAPUNOV_AUTO_DISTANCE = 0.01


# --------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BasinMap:
    """Outcome of GD from every point of a grid (or a list of points).

    Attributes
    ----------
    labels
        ``int8`` (``int16`` for more than 126 regions): ``-1`` diverged, ``0``
        undetermined after ``max_steps``, ``k >= 1`` entered the certified region of
        minimum ``k``. Shape ``(ny, nx)`` for a 2-D grid (``labels[iy, ix]``), ``(nx,)``
        for a 1-D grid, ``(N,)`` for a list of points.
    stable
        ``bool``, same shape: the loss decreased strictly at every step taken; for a
        point with label ``k >= 1`` this is a proof of monotone descent all the way to
        the minimum (the trajectory reached a Hessian ball, inside which descent is
        certified). False where the loss rose, and where ``stability_open``.
    steps
        ``int32``, same shape: GD steps taken until the decision (of the label and, after
        a non-monotone region, of stability).
    points
        ``(N, n)`` float64 starting points, in the order of ``labels.ravel()``.
    axes
        The grid axes (``(xs,)`` or ``(xs, ys)``), or ``None`` for a list of points.
    eta
        The step size as given.
    loss_name
        Name of the loss.
    centers, radii
        The float64 region balls used by the kernel.
    regions
        The :class:`~symstab.certify.region.CertifiedRegion` objects, if known.
    region_labels
        The label of each row of ``centers`` (``region.label`` of the certified
        regions, else ``1..k``).
    max_steps, divergence_bound
        The stopping rule.
    seconds
        Wall time of the kernel (excluding compilation if it was already compiled).
    stability_open
        ``bool``, same shape (``None`` if not recorded): the label is certified (the
        trajectory entered a non-monotone region) and the loss fell at every step taken,
        but ``max_steps`` ran out before a Hessian ball was reached: monotone descent
        is open (``stable`` is False there). All False when every region is monotone.
    region_monotone
        For each row of ``centers``: True for a Hessian ball (descent certified inside),
        False for a region certifying only the limit (empty: all True).
    """

    labels: np.ndarray
    stable: np.ndarray
    steps: np.ndarray
    points: np.ndarray
    axes: tuple[np.ndarray, ...] | None
    eta: Any
    loss_name: str
    centers: np.ndarray
    radii: np.ndarray
    regions: tuple[Any, ...] | None = None
    region_labels: tuple[int, ...] = ()
    max_steps: int = 10_000
    divergence_bound: float = 1e8
    seconds: float = field(default=0.0, compare=False)
    stability_open: np.ndarray | None = None
    region_monotone: tuple[bool, ...] = ()

    @property
    def xs(self) -> np.ndarray | None:
        """First grid axis (``None`` for a list of points)."""
        return None if self.axes is None else self.axes[0]

    @property
    def ys(self) -> np.ndarray | None:
        """Second grid axis (``None`` unless a 2-D grid)."""
        return None if self.axes is None or len(self.axes) < 2 else self.axes[1]

    @property
    def size(self) -> int:
        """Number of starting points."""
        return int(self.labels.size)

    @property
    def point_iterations(self) -> int:
        """Total GD steps taken over all points."""
        return int(self.steps.sum(dtype=np.int64))

    def counts(self) -> dict[int, int]:
        """``{label: number of points}`` for every label that occurs."""
        values, counts = np.unique(self.labels, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts, strict=True)}

    def fractions(self) -> dict[int, float]:
        """``{label: fraction of points}`` for every label that occurs (sums to 1)."""
        total = self.size
        return {k: c / total for k, c in self.counts().items()} if total else {}

    def stable_fraction(self) -> float:
        """Fraction of points whose loss decreased strictly at every step."""
        return float(np.mean(self.stable)) if self.size else 0.0

    def open_fraction(self) -> float:
        """Fraction of points with a certified label whose stability is still open."""
        if not self.size or self.stability_open is None:
            return 0.0
        return float(np.mean(self.stability_open))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no per-point arrays)."""
        grid: dict[str, Any]
        if self.axes is None:
            grid = {"kind": "points", "count": self.size, "dim": int(self.points.shape[1])}
        else:
            grid = {
                "kind": "grid",
                "axes": [
                    {"min": float(a[0]), "max": float(a[-1]), "count": int(a.size)}
                    for a in self.axes
                ],
                "shape": list(self.labels.shape),
            }
        stable_by_label = {
            str(k): float(np.mean(self.stable[self.labels == k])) for k in self.counts()
        }
        return {
            "loss": self.loss_name,
            "eta": str(self.eta),
            "grid": grid,
            "max_steps": int(self.max_steps),
            "divergence_bound": float(self.divergence_bound),
            "regions": [
                {
                    "label": self.region_labels[k],
                    "center": [float(c) for c in self.centers[k]],
                    "radius": float(self.radii[k]),
                    "monotone": bool(self.region_monotone[k]) if self.region_monotone else True,
                }
                for k in range(self.centers.shape[0])
            ],
            "counts": {str(k): v for k, v in self.counts().items()},
            "fractions": {str(k): v for k, v in self.fractions().items()},
            "stable_fraction": self.stable_fraction(),
            "stability_open_fraction": self.open_fraction(),
            "stable_fraction_by_label": stable_by_label,
            "point_iterations": self.point_iterations,
            "seconds": float(self.seconds),
        }


# --------------------------------------------------------------------------------------
# The kernel
# --------------------------------------------------------------------------------------

_kernels: dict[int, Any] = {}
_kernels_lock = threading.Lock()


def _make_kernel(target: Any) -> Any:
    import numba

    # The generated kernels, re-jitted from their (generated) Python source with numba's
    # IR-level inlining: inlined into the lane loops below they vectorise across lanes
    # (called as separate functions on a column view, the value loop does not).
    inline = numba.njit(inline="always", fastmath=False, error_model="numpy")
    value_scalar = inline(target.value_scalar.py_func)
    step_col = inline(target.step_col.py_func)
    dim = target.n
    lanes = _LANES
    chunk_max = _CHUNK
    first_cap = _FIRST_CAP
    growth = _CAP_GROWTH

    @numba.njit(fastmath=False, error_model="numpy", nogil=True)
    def _run_chunk(
        first,
        points,
        ids,
        lo,
        hi,
        cur,
        fprev,
        eta,
        centers,
        r2,
        mono,
        max_steps,
        cap,
        bound2,
        labels_out,
        stable_out,
        steps_out,
        open_out,
        parked,
        nparked,
    ):
        """Advance the points ``ids[lo:hi]`` (``lo:hi`` itself in the first round) until
        decided or ``cap`` steps; park the rest in ``parked[lo:lo + nparked]``."""
        n = dim  # a compile-time constant: the loops over coordinates unroll
        nreg = centers.shape[0]
        all_mono = True
        for r in range(nreg):
            all_mono = all_mono & mono[r]
        cr = np.empty(n)
        X = np.empty((n, lanes))  # lane state, one column per trajectory (SoA)
        F = np.empty(lanes)  # f(θ) of the previous iterate
        D = np.empty(lanes)  # squared distance / squared norm scratch
        lab = np.empty(lanes, np.int64)  # region containing the current iterate
        mon = np.empty(lanes, np.bool_)  # the current iterate is in a monotone region
        pend = np.empty(lanes, np.int64)  # region (label certified) entered so far, or 0
        dec = np.empty(lanes, np.bool_)  # label and stability decided
        E = np.empty(lanes, np.int64)  # lane needs attention after this sweep
        evl = np.empty(lanes, np.int64)  # the lanes that do
        cnt = np.empty(lanes, np.int64)  # steps taken
        ok = np.empty(lanes, np.bool_)  # strict descent so far
        who = np.empty(lanes, np.int64)  # point index of each lane
        stop = cap if cap < max_steps else max_steps + 1  # park only before the last round
        npark = 0
        nxt = lo
        active = 0
        while active < lanes and nxt < hi:
            if first:
                p = nxt
                for i in range(n):
                    X[i, active] = points[p, i]
                F[active] = np.inf
                cnt[active] = 0
                ok[active] = True
                pend[active] = 0
            else:
                p = ids[nxt]
                for i in range(n):
                    X[i, active] = cur[p, i]
                F[active] = fprev[p]
                cnt[active] = steps_out[p]
                ok[active] = stable_out[p]
                pend[active] = labels_out[p]
            who[active] = p
            active += 1
            nxt += 1
        while active > 0:
            # (1) loss at the current iterate; strict descent since the previous one
            for k in range(active):
                f = value_scalar(X[:, k])
                ok[k] = ok[k] & (f < F[k])  # the first comparison is with +inf
                F[k] = f
                lab[k] = 0
            # (2) region membership of the current iterate (first region wins); with
            # non-monotone regions also whether it is in a monotone one (a Hessian ball:
            # descent certified from there). A lane is decided once its label is
            # certified (pend) and its stability too: it is in a monotone region, or the
            # loss has risen; with only monotone regions, as soon as it enters one
            if all_mono:
                for r in range(nreg):
                    for i in range(n):
                        cr[i] = centers[r, i]
                    rr = r2[r]
                    for k in range(active):
                        d2 = 0.0
                        for i in range(n):
                            d = X[i, k] - cr[i]
                            d2 += d * d
                        lab[k] = r + 1 if (lab[k] == 0) & (d2 <= rr) else lab[k]
            else:
                for k in range(active):
                    mon[k] = False
                for r in range(nreg):
                    for i in range(n):
                        cr[i] = centers[r, i]
                    rr = r2[r]
                    mr = mono[r]
                    for k in range(active):
                        d2 = 0.0
                        for i in range(n):
                            d = X[i, k] - cr[i]
                            d2 += d * d
                        inside = d2 <= rr
                        lab[k] = r + 1 if (lab[k] == 0) & inside else lab[k]
                        mon[k] = mon[k] | (inside & mr)
                for k in range(active):
                    pk = pend[k]
                    pk = lab[k] if pk == 0 else pk
                    pend[k] = pk
                    dec[k] = (pk != 0) & (mon[k] | ~ok[k])
            # (3) one GD step for every lane (discarded for lanes decided before it), the
            # squared norm after it, and which lanes need attention
            events = 0
            for k in range(active):
                dk = (lab[k] != 0) if all_mono else dec[k]
                step_col(X, k, eta)
                s2 = 0.0
                for i in range(n):
                    s2 += X[i, k] * X[i, k]
                D[k] = s2
                c0 = cnt[k]
                ev = dk | (c0 >= max_steps) | (c0 + 1 >= stop) | ~(s2 <= bound2)
                E[k] = ev
                events += ev
                cnt[k] = c0 + 1
            if events == 0:
                continue
            # (5) record decided lanes, park lanes at the round's cap, refill or shrink
            m = 0
            for k in range(active):  # branch-free list of the lanes with events
                evl[m] = k
                m += E[k]
            for e in range(m - 1, -1, -1):  # descending: see the lane move below
                k = evl[e]
                c0 = cnt[k] - 1  # steps taken before this sweep's step
                p = who[k]
                pk = lab[k] if all_mono else pend[k]
                open_out[p] = False
                if (pk != 0) if all_mono else dec[k]:
                    labels_out[p] = pk
                    steps_out[p] = c0
                elif c0 >= max_steps:
                    labels_out[p] = pk
                    steps_out[p] = c0
                    if pk != 0:  # label certified, monotone descent still open
                        open_out[p] = True
                        ok[k] = False
                elif not D[k] <= bound2:  # |θ|² > bound² or non-finite
                    # (after a certified label only by a float64 breakdown: keep it)
                    labels_out[p] = pk if pk != 0 else -1
                    steps_out[p] = c0 + 1
                    # the last step counts too (e.g. a loss decreasing along a ray)
                    ok[k] = ok[k] & (value_scalar(X[:, k]) < F[k])
                else:  # park: the state after the step, for the next round
                    for i in range(n):
                        cur[p, i] = X[i, k]
                    fprev[p] = F[k]
                    steps_out[p] = c0 + 1
                    labels_out[p] = pk  # the pending label (0 if all_mono), resumed
                    parked[lo + npark] = p
                    npark += 1
                stable_out[p] = ok[k]
                if nxt < hi:
                    if first:
                        q = nxt
                        for i in range(n):
                            X[i, k] = points[q, i]
                        F[k] = np.inf
                        cnt[k] = 0
                        ok[k] = True
                        pend[k] = 0
                    else:
                        q = ids[nxt]
                        for i in range(n):
                            X[i, k] = cur[q, i]
                        F[k] = fprev[q]
                        cnt[k] = steps_out[q]
                        ok[k] = stable_out[q]
                        pend[k] = labels_out[q]
                    who[k] = q
                    nxt += 1
                else:
                    active -= 1
                    if k != active:  # the last lane was already handled this sweep
                        for i in range(n):
                            X[i, k] = X[i, active]
                        F[k] = F[active]
                        cnt[k] = cnt[active]
                        ok[k] = ok[active]
                        who[k] = who[active]
                        pend[k] = pend[active]
        nparked[0] = npark

    @numba.njit(parallel=True, fastmath=False, error_model="numpy", nogil=True)
    def core(  # type: ignore[no-untyped-def]
        points, eta, centers, radii, mono, max_steps, bound, labels_out, stable_out,
        steps_out, open_out,
    ):  # fmt: skip
        npts = points.shape[0]
        n = points.shape[1]
        nreg = centers.shape[0]
        if n != dim or (nreg > 0 and centers.shape[1] != dim) or radii.shape[0] != nreg:
            raise ValueError("points/centers must have the loss' dimension, radii (k,)")
        if mono.shape[0] != nreg:
            raise ValueError("monotone flags must have shape (k,)")
        if labels_out.shape[0] < npts or stable_out.shape[0] < npts:
            raise ValueError("output arrays are shorter than points")
        if steps_out.shape[0] < npts or open_out.shape[0] < npts:
            raise ValueError("output arrays are shorter than points")
        r2 = np.empty(nreg)
        for r in range(nreg):
            r2[r] = radii[r] * radii[r]
        bound2 = bound * bound
        # parked state between rounds; np.empty: pages are only touched if used
        cur = np.empty((npts, n))
        fprev = np.empty(npts)
        ids = np.empty(npts, np.int64)
        parked = np.empty(npts, np.int64)
        maxchunks = (npts + lanes - 1) // lanes
        nparked = np.zeros((maxchunks, 1), np.int64)
        nthreads = numba.get_num_threads()
        nrem = npts
        cap = first_cap
        first = True
        # ask for dynamic scheduling of the chunks (threading layers that cannot, split
        # them statically; the chunks are many, so that is balanced on average)
        old = numba.set_parallel_chunksize(1)
        while nrem > 0:
            # chunks of at most chunk_max points, enough of them to keep every thread busy
            chunk = max(lanes, min(chunk_max, nrem // (4 * nthreads)))
            nchunks = (nrem + chunk - 1) // chunk
            for c in numba.prange(nchunks):
                lo = c * chunk
                hi = min(lo + chunk, nrem)
                _run_chunk(
                    first,
                    points,
                    ids,
                    lo,
                    hi,
                    cur,
                    fprev,
                    eta,
                    centers,
                    r2,
                    mono,
                    max_steps,
                    cap,
                    bound2,
                    labels_out,
                    stable_out,
                    steps_out,
                    open_out,
                    parked,
                    nparked[c],
                )
            m = 0
            for c in range(nchunks):
                lo = c * chunk
                for j in range(nparked[c, 0]):
                    ids[m] = parked[lo + j]
                    m += 1
            nrem = m
            first = False
            cap = cap * growth if cap < max_steps // growth + 1 else max_steps + 1
        numba.set_parallel_chunksize(old)

    def kernel(
        points: np.ndarray,
        eta: float,
        centers: np.ndarray,
        radii: np.ndarray,
        max_steps: int,
        bound: float,
        labels_out: np.ndarray,
        stable_out: np.ndarray,
        steps_out: np.ndarray,
        monotone: np.ndarray | None = None,
        open_out: np.ndarray | None = None,
    ) -> None:
        if monotone is None:
            monotone = np.ones(centers.shape[0], dtype=np.bool_)
        if open_out is None:
            open_out = np.zeros(points.shape[0], dtype=np.bool_)
        mono = np.ascontiguousarray(monotone, dtype=np.bool_)
        core(points, eta, centers, radii, mono, max_steps, bound, labels_out, stable_out,
             steps_out, open_out)  # fmt: skip

    kernel.core = core  # type: ignore[attr-defined]
    return kernel


def basin_kernel(loss: Any) -> Any:
    """The parallel basin kernel of a loss (built and cached once per compiled loss).

    Returns ``kernel(points, eta, centers, radii, max_steps, bound, labels_out,
    stable_out, steps_out, monotone=None, open_out=None)`` where ``points`` is ``(N, n)``
    float64 (C-contiguous), ``eta`` and ``bound`` floats, ``centers`` ``(k, n)`` and
    ``radii`` ``(k,)`` float64, ``max_steps`` an int, and the outputs are 1-D arrays of
    length ``N`` (integer labels, bool stable, integer steps) written in place.
    ``monotone`` (``(k,)`` bool, default all True) marks the regions inside which
    descent is certified (Hessian balls); ``open_out`` (bool, length ``N``) receives
    the points whose stability is still open at ``max_steps`` (see :class:`BasinMap`).
    A thin Python wrapper around one ``numba.njit(parallel=True)`` function, compiled
    (per argument types) on first call.

    Parameters
    ----------
    loss
        A :class:`~symstab.loss.Loss` (or a :class:`~symstab.codegen.CompiledLoss`).
    """
    return cached_kernel(_kernels, loss, _make_kernel)


def cached_kernel(cache: dict[int, Any], loss: Any, make: Callable[[Any], Any]) -> Any:
    """The kernel ``make(compiled.numba())`` for ``loss``, built once and kept in ``cache``.

    Keyed by the id of the cached :class:`~symstab.codegen.CompiledLoss`, which is kept
    alive alongside so that its id is never reused. Thread-safe.
    """
    compiled = _compiled(loss)
    with _kernels_lock:
        kernel = cache.get(id(compiled))
        if kernel is None:
            kernel = make(compiled.numba())
            cache[id(compiled)] = kernel
            _alive.append(compiled)
        return kernel


_alive: list[Any] = []


def _compiled(loss: Any) -> Any:
    if hasattr(loss, "numba") and hasattr(loss, "block"):
        return loss  # already a CompiledLoss
    expr = getattr(loss, "expr", None)
    params = getattr(loss, "params", None)
    if expr is None or params is None:
        raise InputError(f"expected a Loss, got {type(loss).__name__}", "loss")
    return compile_loss(expr, tuple(params))


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def _eta_float(eta: Any) -> float:
    try:
        value = float(eta)
    except (TypeError, ValueError) as exc:
        raise InputError(f"step size must be a positive number, got {eta!r}", "eta") from exc
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"step size must be a positive number, got {eta!r}", "eta")
    return value


def _axis(spec: Any, which: str) -> np.ndarray:
    try:
        lo, hi, count = spec
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError) as exc:
        raise InputError(f"grid axis must be (min, max, count), got {spec!r}", which) from exc
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 1:
        raise InputError(f"grid axis count must be an integer >= 1, got {count!r}", which)
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi < lo:
        raise InputError(f"grid axis needs finite min <= max, got ({lo}, {hi})", which)
    return np.linspace(lo, hi, int(count))


def _is_axis_spec(grid: Any) -> bool:
    if isinstance(grid, np.ndarray) or not isinstance(grid, Sequence) or not grid:
        return False
    return all(
        isinstance(a, Sequence)
        and not isinstance(a, str)
        and len(a) == 3
        and not isinstance(a[0], Sequence)
        for a in grid
    )


def _grid_points(
    grid: Any, n: int
) -> tuple[np.ndarray, tuple[np.ndarray, ...] | None, tuple[int, ...]]:
    """Starting points ``(N, n)``, the axes (or None) and the output shape."""
    if _is_axis_spec(grid) and len(grid) == n and n in (1, 2):
        if n == 1:
            xs = _axis(grid[0], "grid x axis")
            return xs.reshape(-1, 1).copy(), (xs,), (xs.size,)
        xs = _axis(grid[0], "grid x axis")
        ys = _axis(grid[1], "grid y axis")
        gx, gy = np.meshgrid(xs, ys)  # shape (ny, nx): labels[iy, ix]
        pts = np.ascontiguousarray(np.stack([gx.ravel(), gy.ravel()], axis=1))
        return pts, (xs, ys), (ys.size, xs.size)
    try:
        pts = np.array(grid, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            "grid must be axis specs ((x_min, x_max, nx), (y_min, y_max, ny)) "
            "or an (N, n) array of points",
            "grid",
        ) from exc
    if pts.ndim == 1 and n == 1:
        pts = pts.reshape(-1, 1)
    if pts.ndim != 2 or pts.shape[1] != n:
        raise InputError(f"points must have shape (N, {n}), got {pts.shape}", "grid")
    if not np.all(np.isfinite(pts)):
        raise InputError("starting points must be finite", "grid")
    return np.ascontiguousarray(pts), None, (pts.shape[0],)


def near_eta_star(loss: Any, regions: Sequence[Any], eta: Any) -> bool:
    """Whether η is within :data:`LYAPUNOV_AUTO_DISTANCE` (relative) of some region's
    η* = 2/λmax(θ*) (λmax from the float Hessian at the centre: a heuristic choice of
    work, not part of any certificate)."""
    if not regions:
        return False
    target = _compiled(loss).interval(30)
    eta_f = _eta_float(eta)
    for region in regions:
        hess = target.hessian([c for c in region.center])
        h = np.array([[float(x.mid()) for x in row] for row in hess])
        if not np.all(np.isfinite(h)):
            continue
        lam = float(np.linalg.eigvalsh((h + h.T) / 2)[-1])
        if lam > 0 and eta_f * lam / 2 > 1 - LYAPUNOV_AUTO_DISTANCE:
            return True
    return False


def _region_inputs(
    loss: Any, eta: Any, regions: Any, n: int, lyapunov: bool | None = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[Any, ...] | None]:
    """``(centers, radii, monotone flags, region objects or None)`` from ``regions``."""
    objects: tuple[Any, ...] | None = None
    monotone: np.ndarray | None = None
    if regions is None:
        from symstab.certify.minima import certified_regions

        objects = tuple(certified_regions(loss, eta))
    elif (
        isinstance(regions, tuple)
        and len(regions) in (2, 3)
        and all(isinstance(a, np.ndarray) for a in regions)
    ):
        centers, radii = regions[0], regions[1]
        if len(regions) == 3:
            monotone = np.asarray(regions[2], dtype=np.bool_).reshape(-1)
    else:
        objects = tuple(regions)
    if objects is not None:
        from symstab.certify.region import region_arrays

        if lyapunov or (lyapunov is None and near_eta_star(loss, objects, eta)):
            from symstab.certify.minima import lyapunov_regions

            hessian_balls = tuple(r for r in objects if getattr(r, "monotone", True))
            objects = objects + lyapunov_regions(loss, eta, hessian_balls)
        centers, radii = region_arrays(objects) if objects else (np.empty((0, n)), np.empty(0))
        monotone = np.array([bool(getattr(r, "monotone", True)) for r in objects], np.bool_)
    centers = np.ascontiguousarray(np.asarray(centers, dtype=np.float64).reshape(-1, n))
    radii = np.ascontiguousarray(np.asarray(radii, dtype=np.float64).reshape(-1))
    if centers.shape[0] != radii.shape[0]:
        raise InputError(f"{centers.shape[0]} region centres but {radii.shape[0]} radii", "regions")
    if not (np.all(np.isfinite(centers)) and np.all(np.isfinite(radii)) and np.all(radii >= 0)):
        raise InputError("region centres and radii must be finite, radii >= 0", "regions")
    if centers.shape[0] > 32_000:
        raise InputError("too many regions", "regions")
    if monotone is None:
        monotone = np.ones(centers.shape[0], dtype=np.bool_)
    if monotone.shape[0] != centers.shape[0]:
        raise InputError(f"{centers.shape[0]} region centres but {monotone.shape[0]} "
                         "monotone flags", "regions")  # fmt: skip
    return centers, radii, np.ascontiguousarray(monotone), objects


# --------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------


def _run(
    kernel: Any,
    pts: np.ndarray,
    eta: float,
    centers: np.ndarray,
    radii: np.ndarray,
    monotone: np.ndarray,
    max_steps: int,
    bound: float,
    labels: np.ndarray,
    stable: np.ndarray,
    steps: np.ndarray,
    open_: np.ndarray,
) -> None:
    kernel(pts, eta, centers, radii, max_steps, bound, labels, stable, steps, monotone, open_)


def run_tile(
    loss: Any,
    pts: np.ndarray,
    eta: float,
    centers: np.ndarray,
    radii: np.ndarray,
    monotone: np.ndarray,
    max_steps: int,
    bound: float,
    label_dtype: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(labels, stable, steps, stability_open)`` of the basin kernel on one tile.

    One :func:`basin_map` task on a Dask worker: module-level so that workers can import
    it. The region arrays are the caller's (computed once, never on the worker); the
    kernel decides every point independently of the others, so a tile's results equal
    the same points' results in a run over the whole grid.
    """
    pts = np.ascontiguousarray(pts, dtype=np.float64)
    npts = pts.shape[0]
    labels = np.zeros(npts, dtype=np.dtype(label_dtype))
    stable = np.zeros(npts, dtype=np.bool_)
    steps = np.zeros(npts, dtype=np.int32)
    open_ = np.zeros(npts, dtype=np.bool_)
    if npts > 0:
        _run(basin_kernel(loss), pts, eta, centers, radii, monotone, max_steps, bound, labels,
             stable, steps, open_)  # fmt: skip
    return labels, stable, steps, open_


def _tile_edges(npts: int, shape: tuple[int, ...], axes: Any, tile: int) -> list[int]:
    """Tile boundaries (point indices): whole rows of a 2-D grid, else ``tile`` points."""
    step = tile
    if axes is not None and len(shape) == 2:
        row = shape[1]
        step = max(1, tile // row) * row
    return [*range(0, npts, step), npts]


def _run_distributed(
    client: Any,
    loss: Any,
    pts: np.ndarray,
    args: tuple[Any, ...],
    edges: list[int],
    labels: np.ndarray,
    stable: np.ndarray,
    steps: np.ndarray,
    open_: np.ndarray,
    show_progress: bool,
) -> None:
    """One :func:`run_tile` task per tile on ``client``; results written in place.

    The pattern of :func:`symstab.dynamics.sweep.sweep`: the loss is sent once to every
    worker, each task gets its slice of points and the (small) region arrays.
    """
    from dask.distributed import as_completed

    progress = None
    if show_progress:
        from rich.progress import Progress

        progress = Progress(transient=True)
        progress.start()
        bar = progress.add_task("basin map", total=int(edges[-1]))
    try:
        [loss_f] = client.scatter([loss], broadcast=True)
        futures = {}
        for a, b in itertools.pairwise(edges):
            fut = client.submit(run_tile, loss_f, pts[a:b], *args, labels.dtype.str, pure=False)
            futures[fut] = (a, b)
        try:
            for fut in as_completed(list(futures)):
                a, b = futures[fut]
                labels[a:b], stable[a:b], steps[a:b], open_[a:b] = fut.result()
                if progress is not None:
                    progress.update(bar, advance=int(b - a))
        except BaseException:
            client.cancel(list(futures))
            raise
    finally:
        if progress is not None:
            progress.stop()


def basin_map(
    loss: Any,
    eta: Any,
    grid: Any,
    *,
    regions: Any = None,
    max_steps: int = 10_000,
    divergence_bound: float = 1e8,
    show_progress: bool = False,
    client: Any = None,
    tile: int = _TILE,
    lyapunov: bool | None = None,
) -> BasinMap:
    """Run float64 GD from every grid point and label where it ends up.

    Parameters
    ----------
    loss
        A :class:`~symstab.loss.Loss`.
    eta
        Step size (a positive number; SymPy numbers and strings are accepted and kept
        for :func:`recheck`; the kernel uses ``float(eta)``).
    grid
        For 2-parameter losses ``((x_min, x_max, nx), (y_min, y_max, ny))`` (1-parameter:
        ``((x_min, x_max, nx),)``); in general an ``(N, n)`` array of starting points.
    regions
        ``None``: the certified regions of ``loss`` at ``eta``
        (:func:`symstab.certify.minima.certified_regions`); a sequence of
        :class:`~symstab.certify.region.CertifiedRegion` (``monotone`` flags honoured);
        or arrays ``(centers (k, n), radii (k,))`` (all monotone) or ``(centers, radii,
        monotone (k,) bool)`` used as given.
    max_steps
        Steps after which an undecided trajectory is labelled 0.
    divergence_bound
        A trajectory with ``|θ| > divergence_bound`` (or non-finite) is labelled -1.
    show_progress
        Show a progress bar (the points are then run in slices, or over the tiles).
    client
        A :class:`dask.distributed.Client`: the points are split into tiles and one
        task per tile runs the same kernel on the cluster, with the region arrays
        computed once here. The result is identical to the local run's. ``None``
        (default): everything runs locally.
    tile
        Starting points per task when ``client`` is given (for a 2-D grid: whole rows,
        ``max(1, tile // nx)`` of them).
    lyapunov
        Whether to add the enlarged, non-monotone regions of
        :func:`symstab.certify.minima.lyapunov_regions` to the Hessian balls (when
        ``regions`` is ``None`` or a sequence of region objects). ``None`` (default):
        only when η is within :data:`LYAPUNOV_AUTO_DISTANCE` (relative) of the η* of
        some minimum with a region, where the Hessian balls are small and contraction
        slow (about 1 s of certification per minimum). They change labels from 0 to
        certified labels, never a certified label or a ``stable`` True.

    Returns
    -------
    BasinMap
    """
    n = len(loss.params)
    eta_f = _eta_float(eta)
    if isinstance(max_steps, bool) or not isinstance(max_steps, int | np.integer):
        raise InputError(f"max_steps must be an integer >= 0, got {max_steps!r}", "max_steps")
    if not 0 <= max_steps <= 2**31 - 1:
        raise InputError(f"max_steps must be in [0, 2^31 - 1], got {max_steps}", "max_steps")
    bound = float(divergence_bound)
    if not (math.isfinite(bound) and bound > 0):
        raise InputError(f"divergence bound must be positive, got {divergence_bound!r}")
    if client is not None and (
        isinstance(tile, bool) or not isinstance(tile, int | np.integer) or tile < 1
    ):
        raise InputError(f"tile must be an integer >= 1, got {tile!r}", "tile")
    pts, axes, shape = _grid_points(grid, n)
    centers, radii, monotone, objects = _region_inputs(loss, eta, regions, n, lyapunov)
    kernel = basin_kernel(loss) if client is None else None
    npts = pts.shape[0]
    top = max([centers.shape[0], *(int(r.label) for r in objects or ())])
    labels = np.zeros(npts, dtype=np.int8 if top <= 126 else np.int16)
    stable = np.zeros(npts, dtype=np.bool_)
    steps = np.zeros(npts, dtype=np.int32)
    open_ = np.zeros(npts, dtype=np.bool_)
    args = (eta_f, centers, radii, monotone, int(max_steps), bound)
    t0 = time.perf_counter()
    if client is not None and npts > 0:
        edges = _tile_edges(npts, shape, axes, int(tile))
        _run_distributed(
            client, loss, pts, args, edges, labels, stable, steps, open_, show_progress
        )
    elif show_progress and npts > 0:
        from rich.progress import Progress

        slices = max(1, min(50, npts // (4 * _CHUNK)))
        edges = np.linspace(0, npts, slices + 1).astype(np.int64)
        with Progress(transient=True) as progress:
            task = progress.add_task("basin map", total=npts)
            for a, b in itertools.pairwise(edges):
                _run(kernel, pts[a:b], *args, labels[a:b], stable[a:b], steps[a:b],
                     open_[a:b])  # fmt: skip
                progress.update(task, advance=int(b - a))
    elif npts > 0:
        _run(kernel, pts, *args, labels, stable, steps, open_)
    seconds = time.perf_counter() - t0
    region_labels = tuple(range(1, centers.shape[0] + 1))
    if objects:
        region_labels = tuple(int(r.label) for r in objects)
        if region_labels != tuple(range(1, len(objects) + 1)):
            # the kernel labels rows 1..k; a minimum without a region leaves a gap
            lut = np.array([-1, 0, *region_labels], dtype=np.int64)
            labels = lut[labels.astype(np.int64) + 1].astype(labels.dtype)
    return BasinMap(
        labels=labels.reshape(shape),
        stable=stable.reshape(shape),
        steps=steps.reshape(shape),
        points=pts,
        axes=axes,
        eta=eta,
        loss_name=str(getattr(loss, "name", "loss")),
        centers=centers,
        radii=radii,
        regions=objects,
        region_labels=region_labels,
        max_steps=int(max_steps),
        divergence_bound=bound,
        seconds=seconds,
        stability_open=open_.reshape(shape),
        region_monotone=tuple(bool(m) for m in monotone),
    )


# --------------------------------------------------------------------------------------
# High-precision recheck
# --------------------------------------------------------------------------------------


def _mp_region_test(bmap: BasinMap, ctx: Any) -> Any:
    """``label_of(theta) -> (int, bool)``: the first region containing ``theta`` (0 if
    none) and whether a monotone region contains it."""
    objects = bmap.regions
    if objects:
        try:
            objects[0].contains(tuple(ctx.mpf(float(c)) for c in bmap.centers[0]))
            usable = True
        except NotImplementedError:
            usable = False
        if usable:

            def label_of(theta: tuple) -> tuple[int, bool]:
                label, mono = 0, False
                for region in objects:
                    if region.contains(theta):
                        label = label or int(region.label)
                        mono = mono or bool(getattr(region, "monotone", True))
                return label, mono

            return label_of
    # plain arrays: the float64 balls, with the distance evaluated at high precision
    centers = [tuple(ctx.mpf(float(c)) for c in row) for row in bmap.centers]
    r2 = [ctx.mpf(float(r)) ** 2 for r in bmap.radii]
    names = bmap.region_labels or tuple(range(1, len(centers) + 1))
    monos = bmap.region_monotone or (True,) * len(centers)

    def label_of_arrays(theta: tuple) -> tuple[int, bool]:
        label, mono = 0, False
        for c, rr, name, mo in zip(centers, r2, names, monos, strict=True):
            if ctx.fsum((t - ci) ** 2 for t, ci in zip(theta, c, strict=True)) <= rr:
                label = label or name
                mono = mono or mo
        return label, mono

    return label_of_arrays


def _mp_trajectory(
    target: Any, ctx: Any, theta: tuple, eta: Any, label_of: Any, max_steps: int, bound2: Any
) -> tuple[int, bool, int, bool]:
    """``(label, stable, steps, stability open)`` of one start, by the kernel's rule, in
    mpmath."""
    ok = True
    fprev = ctx.inf
    k = 0
    pending = 0
    while True:
        f = target.value(theta)
        if not f < fprev:
            ok = False
        fprev = f
        label, mono = label_of(theta)
        pending = pending or label
        if pending and (mono or not ok):
            return pending, ok, k, False
        if k >= max_steps:
            return pending, ok and not pending, k, bool(pending)
        theta = target.step(theta, eta)
        k += 1
        s2 = ctx.fsum(t * t for t in theta)
        if not (ctx.isfinite(s2) and s2 <= bound2):
            f = target.value(theta)
            return pending or -1, ok and bool(f < fprev), k, False


def recheck(
    bmap: BasinMap, loss: Any, n: int = 20, dps: int = 50, seed: int = 0
) -> list[dict[str, Any]]:
    """Rerun ``n`` randomly sampled starting points at ``dps`` digits; report disagreements.

    Each sampled point is rerun with the mpmath target of ``loss`` by the same rule as
    the float64 kernel, with the same regions (:meth:`CertifiedRegion.contains` when the
    map holds region objects; otherwise the float64 balls with the distance evaluated
    at high precision). The step size is ``bmap.eta`` as given (an exact SymPy number or
    string stays exact).

    Returns
    -------
    list of dict
        One entry per point whose float64 label, stable flag or open-stability flag the
        rerun contradicts: ``index`` (into ``labels.ravel()``), ``point``,
        ``label``/``stable``/``steps``/``open`` (float64) and
        ``label_mp``/``stable_mp``/``steps_mp``/``open_mp``. Empty if all agree.
    """
    compiled = _compiled(loss)
    target = compiled.mpmath(dps)
    ctx = target.ctx
    size = bmap.size
    if size == 0:
        return []
    rng = np.random.default_rng(seed)
    picks = rng.choice(size, size=min(int(n), size), replace=False)
    label_of = _mp_region_test(bmap, ctx)
    eta = bmap.eta if not isinstance(bmap.eta, float | np.floating) else float(bmap.eta)
    bound2 = ctx.mpf(bmap.divergence_bound) ** 2
    labels = bmap.labels.ravel()
    stable = bmap.stable.ravel()
    steps = bmap.steps.ravel()
    opened = (
        bmap.stability_open.ravel()
        if bmap.stability_open is not None
        else np.zeros(size, dtype=np.bool_)
    )
    out: list[dict[str, Any]] = []
    for idx in sorted(int(i) for i in picks):
        start = tuple(ctx.mpf(float(x)) for x in bmap.points[idx])
        lab, ok, k, op = _mp_trajectory(target, ctx, start, eta, label_of, bmap.max_steps, bound2)
        if lab != int(labels[idx]) or ok != bool(stable[idx]) or op != bool(opened[idx]):
            out.append(
                {
                    "index": idx,
                    "point": [float(x) for x in bmap.points[idx]],
                    "label": int(labels[idx]),
                    "stable": bool(stable[idx]),
                    "steps": int(steps[idx]),
                    "open": bool(opened[idx]),
                    "label_mp": lab,
                    "stable_mp": ok,
                    "steps_mp": k,
                    "open_mp": op,
                }
            )
    return out
