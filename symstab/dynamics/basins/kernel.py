"""The basin kernel: one generated numba kernel per loss, run on a pool of threads.

The work runs in one ``numba.njit(nogil=True)`` function per loss (``_run_chunk``, see
:func:`basin_kernel`), built around the loss' generated scalar kernels (``value_scalar``
and ``step_col`` of :class:`symstab.codegen.NumbaTarget`, re-jitted from their generated
source with ``inline="always"``): no gradient is written by hand. Each call owns a chunk
of points and advances a set of *lanes* (independent trajectories, stored one column
each) together, one step per sweep: the loss, the region tests, the step and the bound
test are branch-free loops over the lanes that LLVM vectorises. A lane whose trajectory
is decided is recorded and refilled from the chunk. Trajectories run in rounds with
growing step caps (64, 512, ...): a point still undecided at a round's cap is parked and
resumed, with the other survivors, in the next round, so a few slow trajectories never
run alone in a half-empty set of lanes. The chunks of a round run on
``NUMBA_NUM_THREADS`` Python threads (the kernel releases the GIL), one chunk per
task: no ``parallel=True`` compilation, which cost more than the kernel itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from symstab.certify.tube import TubeArrays
from symstab.codegen import compile_loss
from symstab.codegen.threads import run_chunks, thread_count
from symstab.errors import InputError

__all__ = ["CHUNK", "as_compiled", "basin_kernel", "cached_kernel"]

#: Independent trajectories advanced together inside one prange iteration.
_LANES = 128
#: Starting points per prange iteration (a unit of dynamic scheduling).
CHUNK = 4096
#: Step cap of the first round; later rounds (only the undecided points) multiply it.
_FIRST_CAP = 64
_CAP_GROWTH = 8


_kernels: dict[int, Any] = {}
_kernels_lock = threading.Lock()


_CORE_TEMPLATE = '''
# The basin kernel (a fixed template; the loss' kernels and the constants dim and lanes
# come before it in the generated module).
value_once = value_scalar  # a plain call, for the rare branches
value_scalar = numba.njit(inline="always", fastmath=False, error_model="numpy")(
    value_scalar.py_func)
step_col = numba.njit(inline="always", fastmath=False, error_model="numpy")(
    step_col.py_func)


@numba.njit(cache=_CACHE, fastmath=False, error_model="numpy", nogil=True)
def tube_row(X, k, f, tlo, th, tdims, trows, tlev, tfstar, tlmax, tchild):
    """The kernel row of the tube region whose entry set holds lane ``k``, or 0: the
    level-0 cell, then down the tree of refined cells to the leaf holding it."""
    excess = f - tfstar
    if not excess <= tlmax:  # also NaN
        return 0
    index = 0
    for i in range(dim):
        v = (X[i, k] - tlo[i]) / th
        if not (v >= 0.0 and v < tdims[i]):
            return 0
        index = index * tdims[i] + int(v)
    level = 0
    while index < tchild.shape[0] and tchild[index] >= 0:
        level += 1
        scale = float(1 << level)  # exact: v * scale is the level's coordinate
        sub = 0
        for i in range(dim):
            v = (X[i, k] - tlo[i]) / th
            sub = sub * 2 + (int(v * scale) & 1)
        index = tchild[index] + sub
    return trows[index] if excess <= tlev[index] else 0

@numba.njit(cache=_CACHE, fastmath=False, error_model="numpy", nogil=True)
def tube_piece(X, k, f, tlo, th, tdims, tpieces, tfstar, tvtol):
    """The kernel row of the piece of minima whose tube cell holds lane ``k`` when
    f − f* <= ``tvtol`` there, or 0."""
    if not f - tfstar <= tvtol:  # also NaN
        return 0
    index = 0
    for i in range(dim):
        v = (X[i, k] - tlo[i]) / th
        if not (v >= 0.0 and v < tdims[i]):
            return 0
        index = index * tdims[i] + int(v)
    return tpieces[index]

@numba.njit(cache=_CACHE, fastmath=False, error_model="numpy", nogil=True)
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
    tlo,
    th,
    tdims,
    trows,
    tlev,
    tfstar,
    tlmax,
    tpieces,
    tvtol,
    tchild,
    max_steps,
    cap,
    bound2,
    labels_out,
    stable_out,
    steps_out,
    open_out,
    numeric_out,
    parked,
    nparked,
):
    """Advance the points ``ids[lo:hi]`` (``lo:hi`` itself in the first round) until
    decided or ``cap`` steps; park the rest in ``parked[lo:lo + nparked]``."""
    n = dim  # a compile-time constant: the loops over coordinates unroll
    nreg = centers.shape[0]
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
        # (2) region membership of the current iterate (first region wins), and
        # whether it is in a monotone one (a Hessian ball or a tube: descent certified
        # from there). A lane is decided once its label is certified (pend) and its
        # stability too: it is in a monotone region, or the loss has risen
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
        if tlmax >= 0.0:
            for k in range(active):
                row = tube_row(X, k, F[k], tlo, th, tdims, trows, tlev, tfstar, tlmax,
                               tchild)
                lab[k] = row if lab[k] == 0 else lab[k]
                mon[k] = mon[k] | (row != 0)  # tube regions are monotone
        for k in range(active):
            pk = pend[k]
            pk = lab[k] if pk == 0 else pk
            pend[k] = pk
            dec[k] = (pk != 0) & (mon[k] | ~ok[k])
        # (3) one GD step for every lane (discarded for lanes decided before it), the
        # squared norm after it, and which lanes need attention
        events = 0
        for k in range(active):
            dk = dec[k]
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
            pk = pend[k]
            open_out[p] = False
            if dec[k]:
                labels_out[p] = pk
                steps_out[p] = c0
            elif c0 >= max_steps:
                labels_out[p] = pk
                steps_out[p] = c0
                if pk != 0:  # label certified, monotone descent still open
                    open_out[p] = True
                    ok[k] = False
                elif tvtol > 0.0:  # the numerical criterion: at a piece of minima
                    row = tube_piece(X, k, value_once(X[:, k]), tlo, th, tdims,
                                     tpieces, tfstar, tvtol)
                    if row != 0:
                        labels_out[p] = row
                        numeric_out[p] = True
            elif not D[k] <= bound2:  # |θ|² > bound² or non-finite
                # (after a certified label only by a float64 breakdown: keep it)
                labels_out[p] = pk if pk != 0 else -1
                steps_out[p] = c0 + 1
                # the last step counts too (e.g. a loss decreasing along a ray)
                ok[k] = ok[k] & (value_once(X[:, k]) < F[k])
            else:  # park: the state after the step, for the next round
                for i in range(n):
                    cur[p, i] = X[i, k]
                fprev[p] = F[k]
                steps_out[p] = c0 + 1
                labels_out[p] = pk  # the pending label, resumed
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
'''


def _make_kernel(target: Any) -> Any:
    # The generated kernels are inlined at numba's IR level into the lane loops (they
    # vectorise across lanes there; called as separate functions they do not).
    dim = target.n
    run_chunk = target.kernel_module(_CORE_TEMPLATE, "basin", {
        "dim": dim, "lanes": _LANES})["_run_chunk"]

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
        tubes: TubeArrays | None = None,
        numeric_out: np.ndarray | None = None,
    ) -> None:
        npts = points.shape[0]
        nreg = centers.shape[0]
        if monotone is None:
            monotone = np.ones(nreg, dtype=np.bool_)
        if open_out is None:
            open_out = np.zeros(npts, dtype=np.bool_)
        if numeric_out is None:
            numeric_out = np.zeros(npts, dtype=np.bool_)
        if tubes is None:
            tubes = TubeArrays.empty(dim)
        if points.ndim != 2 or points.shape[1] != dim or centers.shape[1:] != (dim,):
            raise ValueError("points/centers must have the loss' dimension")
        if radii.shape != (nreg,) or np.shape(monotone) != (nreg,):
            raise ValueError("radii and monotone flags must have shape (k,)")
        outs = (labels_out, stable_out, steps_out, open_out, numeric_out)
        if any(out.shape[0] < npts for out in outs):
            raise ValueError("output arrays are shorter than points")
        level_max = tubes.level_max if np.isfinite(tubes.level_max) else -1.0
        regions = (
            np.ascontiguousarray(centers, dtype=np.float64),
            np.ascontiguousarray(radii, dtype=np.float64) ** 2,
            np.ascontiguousarray(monotone, dtype=np.bool_),
            tubes.lo, float(tubes.h), tubes.dims, tubes.rows, tubes.levels,
            float(tubes.f_star), float(level_max), tubes.pieces, float(tubes.value_tol),
            np.ascontiguousarray(tubes.child, dtype=np.int64),
        )
        _rounds(run_chunk, np.ascontiguousarray(points, dtype=np.float64), float(eta),
                regions, int(max_steps), float(bound) ** 2, outs)

    kernel.run_chunk = run_chunk  # type: ignore[attr-defined]
    return kernel


def _rounds(run_chunk: Any, points: np.ndarray, eta: float, regions: tuple[Any, ...],
            max_steps: int, bound2: float, outs: tuple[np.ndarray, ...]) -> None:
    """Run the rounds of growing step caps, the chunks of each round on threads."""

    npts, n = points.shape
    nthreads = thread_count()
    # parked state between rounds; np.empty: pages are only touched if used
    cur = np.empty((npts, n))
    fprev = np.empty(npts)
    ids = np.empty(npts, np.int64)  # read from the second round on
    parked = np.empty(npts, np.int64)
    nrem, cap, first = npts, _FIRST_CAP, True
    while nrem > 0:
        # chunks of at most CHUNK points, enough of them to keep every thread busy
        chunk = max(_LANES, min(CHUNK, nrem // (4 * nthreads)))
        starts = range(0, nrem, chunk)
        nparked = np.zeros((len(starts), 1), np.int64)

        def run(c: int, lo: int, first: bool = first, cap: int = cap, chunk: int = chunk,
                nrem: int = nrem, nparked: np.ndarray = nparked) -> None:
            run_chunk(first, points, ids, lo, min(lo + chunk, nrem), cur, fprev, eta,
                      *regions, max_steps, cap, bound2, *outs, parked, nparked[c])

        run_chunks(run, starts)
        kept = [parked[lo:lo + int(k)] for lo, k in zip(starts, nparked[:, 0], strict=True)]
        nrem = sum(len(k) for k in kept)
        if nrem:
            ids[:nrem] = np.concatenate(kept)
        first = False
        cap = cap * _CAP_GROWTH if cap < max_steps // _CAP_GROWTH + 1 else max_steps + 1


def basin_kernel(loss: Any) -> Any:
    """The parallel basin kernel of a loss (built and cached once per compiled loss).

    Returns ``kernel(points, eta, centers, radii, max_steps, bound, labels_out,
    stable_out, steps_out, monotone=None, open_out=None, tubes=None, numeric_out=None)``
    where ``points`` is ``(N, n)`` float64 (C-contiguous), ``eta`` and ``bound`` floats,
    ``centers`` ``(k, n)`` and ``radii`` ``(k,)`` float64, ``max_steps`` an int, and the
    outputs are 1-D arrays of length ``N`` (integer labels, bool stable, integer steps)
    written in place. ``monotone`` (``(k,)`` bool, default all True) marks the regions
    inside which descent is certified (Hessian balls); ``open_out`` (bool, length ``N``)
    receives the points whose stability is still open at ``max_steps`` (see
    :class:`BasinMap`). ``tubes`` (:class:`~symstab.certify.tube.TubeArrays`) is the
    lookup table of the regions around pieces of a manifold of minima (kernel rows
    ``k + 1, ...``); ``numeric_out`` (bool, length ``N``) receives the points labelled
    by the numerical criterion of the table (at ``max_steps``, f − f* at most its
    ``value_tol`` in a tube cell of a piece) instead of a certified region.
    A thin Python wrapper around one ``numba.njit(nogil=True)`` function (compiled on
    first call, or loaded from the kernel cache) run on a pool of threads.

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
    compiled = as_compiled(loss)
    with _kernels_lock:
        kernel = cache.get(id(compiled))
        if kernel is None:
            kernel = make(compiled.numba())
            cache[id(compiled)] = kernel
            _alive.append(compiled)
        return kernel


_alive: list[Any] = []


def as_compiled(loss: Any) -> Any:
    """The cached :class:`~symstab.codegen.CompiledLoss` of a loss (or the loss itself if
    it is one); :class:`~symstab.errors.InputError` for anything else."""
    if hasattr(loss, "numba") and hasattr(loss, "block"):
        return loss  # already a CompiledLoss
    expr = getattr(loss, "expr", None)
    params = getattr(loss, "params", None)
    if expr is None or params is None:
        raise InputError(f"expected a Loss, got {type(loss).__name__}", "loss")
    return compile_loss(expr, tuple(params))
