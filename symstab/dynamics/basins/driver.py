"""The basin map: the kernel over a grid, locally or tiled over a Dask cluster.

For a grid (or any set) of starting points θ₀, GD θ_{k+1} = θ_k − η∇f(θ_k) is run in
float64 until one of three decisions:

* the iterate lies in the certified trapping region of minimum ``k`` (label ``k >= 1``;
  membership is tested *before* each step, so a start inside a region takes 0 steps);
* the iterate is non-finite or ``|θ|² > bound²`` (label ``-1``, diverged);
* ``max_steps`` steps were taken without either (label ``0``, undetermined).

Near η* = 2/λmax the Hessian balls shrink to nothing and GD contracts ever more slowly:
maps with a step cap alone leave most points undetermined. Near η* (see
:data:`~symstab.dynamics.basins.inputs.LYAPUNOV_AUTO_DISTANCE`) :func:`basin_map`
therefore also uses the much larger *non-monotone* regions of
:mod:`symstab.certify.lyapunov` (balls proved to lie in the basin, without proof of
descent). Entering one certifies the label, not stability: such a trajectory keeps
running until it enters a Hessian ball (stable iff the loss fell at every step so far),
or the loss rises (unstable, proved), or ``max_steps`` is reached: then its label
stands, ``stable`` is False and ``stability_open`` is True (monotone descent neither
proved nor refuted). ``steps`` counts the steps to that decision.
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import numpy as np

from symstab.certify.tube import TubeArrays
from symstab.dynamics.basins.inputs import VALUE_TOL, grid_points, region_inputs
from symstab.dynamics.basins.kernel import CHUNK, as_compiled, basin_kernel
from symstab.dynamics.basins.labels import DEGENERATE_TOL, Attractor
from symstab.dynamics.basins.result import BasinMap
from symstab.dynamics.landing import landing as run_landing
from symstab.errors import BudgetExceeded, InputError
from symstab.inputs import StepSize

__all__ = ["basin_map", "run_tile"]

#: Default starting points per task of a distributed :func:`basin_map`.
_TILE = 1 << 16


def _degenerate_minima(loss: Any) -> tuple[tuple[int, tuple[float, ...]], ...]:
    """The degenerate minima of a polynomial loss (none if its exact analysis fails)."""
    if not getattr(loss, "is_polynomial", False):
        return ()
    from symstab.certify.minima import degenerate_minima

    try:
        return degenerate_minima(loss)
    except (InputError, ValueError, NotImplementedError, BudgetExceeded):
        return ()


def _label_degenerate(
    loss: Any, eta: float, pts: np.ndarray, labels: np.ndarray, numeric: np.ndarray,
    max_steps: int, minima: tuple[tuple[int, tuple[float, ...]], ...],
) -> None:
    """Label the starts still undetermined that end near a degenerate minimum (in place)."""
    idle = np.flatnonzero(labels == 0)
    if not idle.size or not minima:
        return
    # the state after the last step, where the kernel applies the tubes' criterion
    final = as_compiled(loss).numba().descend(pts[idle], eta, max_steps + 1)
    for label, point in minima:
        p = np.asarray(point)
        near = np.max(np.abs(final - p), axis=1) <= DEGENERATE_TOL * max(1.0, float(
            np.max(np.abs(p))))
        labels[idle[near]] = label
        numeric[idle[near]] = True


def _run(
    kernel: Any,
    pts: np.ndarray,
    eta: float,
    centers: np.ndarray,
    radii: np.ndarray,
    monotone: np.ndarray,
    tubes: TubeArrays,
    max_steps: int,
    bound: float,
    labels: np.ndarray,
    stable: np.ndarray,
    steps: np.ndarray,
    open_: np.ndarray,
    numeric: np.ndarray,
) -> None:
    kernel(pts, eta, centers, radii, max_steps, bound, labels, stable, steps, monotone, open_,
           tubes, numeric)


def run_tile(
    loss: Any,
    pts: np.ndarray,
    eta: float,
    centers: np.ndarray,
    radii: np.ndarray,
    monotone: np.ndarray,
    tubes: TubeArrays,
    max_steps: int,
    bound: float,
    label_dtype: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(labels, stable, steps, stability_open, numerical)`` of the kernel on one tile.

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
    numeric = np.zeros(npts, dtype=np.bool_)
    if npts > 0:
        _run(basin_kernel(loss), pts, eta, centers, radii, monotone, tubes, max_steps, bound,
             labels, stable, steps, open_, numeric)  # fmt: skip
    return labels, stable, steps, open_, numeric


def _window(pts: np.ndarray) -> tuple[tuple[float, float], ...] | None:
    """The bounding box of the starting points (None if there are none)."""
    if pts.shape[0] == 0:
        return None
    return tuple((float(lo), float(hi)) for lo, hi in zip(pts.min(axis=0), pts.max(axis=0),
                                                          strict=True))


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
    numeric: np.ndarray,
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
                labels[a:b], stable[a:b], steps[a:b], open_[a:b], numeric[a:b] = fut.result()
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
    value_tol: float = VALUE_TOL,
    landing: bool = False,
) -> BasinMap:
    """Run float64 GD from every grid point and label where it ends up.

    Parameters
    ----------
    loss
        A :class:`~symstab.loss.Loss`.
    eta
        Step size: any spelling of :meth:`symstab.inputs.StepSize.of` (text such as
        ``"1/2"``, int, Fraction, SymPy number, a float as the decimal it spells). It is
        kept as given in the result for :func:`~symstab.dynamics.basins.confirm.recheck`;
        the certified regions are computed for the exact value and the kernel uses the
        float nearest to it.
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
    value_tol
        The numerical criterion for losses whose minima form a manifold: a trajectory
        that entered no certified region within ``max_steps`` but ends at a point with
        f − f* <= ``value_tol`` in a tube cell of a piece of minima is labelled with that
        piece, and ``numerical`` is True there (0 disables it). Likewise a start still
        undetermined whose iterate after ``max_steps`` lies within
        :data:`DEGENERATE_TOL` of a degenerate minimum (which has no certified region) is
        labelled with it, numerically.
    landing
        Also run every converging start (label k >= 1) on until its orbit settles and
        record the limit and λmax there (:func:`symstab.dynamics.landing.landing`,
        numerical) in :attr:`BasinMap.landing`.

    Returns
    -------
    BasinMap
    """
    step = StepSize.of(eta)
    n = len(loss.params)
    eta_f = step.as_float
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
    pts, axes, shape = grid_points(grid, n)
    centers, radii, monotone, tubes, objects = region_inputs(
        loss, step, regions, n, lyapunov, window=_window(pts), value_tol=value_tol)
    kernel = basin_kernel(loss) if client is None else None
    npts = pts.shape[0]
    degenerate = _degenerate_minima(loss) if value_tol > 0 else ()
    top = max([centers.shape[0], len(objects or ()), *(int(r.label) for r in objects or ()),
               *(label for label, _ in degenerate)])
    labels = np.zeros(npts, dtype=np.int8 if top <= 126 else np.int16)
    stable = np.zeros(npts, dtype=np.bool_)
    steps = np.zeros(npts, dtype=np.int32)
    open_ = np.zeros(npts, dtype=np.bool_)
    numeric = np.zeros(npts, dtype=np.bool_)
    args = (eta_f, centers, radii, monotone, tubes, int(max_steps), bound)
    t0 = time.perf_counter()
    if client is not None and npts > 0:
        edges = _tile_edges(npts, shape, axes, int(tile))
        _run_distributed(
            client, loss, pts, args, edges, labels, stable, steps, open_, numeric,
            show_progress)
    elif show_progress and npts > 0:
        from rich.progress import Progress

        slices = max(1, min(50, npts // (4 * CHUNK)))
        edges = np.linspace(0, npts, slices + 1).astype(np.int64)
        with Progress(transient=True) as progress:
            task = progress.add_task("basin map", total=npts)
            for a, b in itertools.pairwise(edges):
                _run(kernel, pts[a:b], *args, labels[a:b], stable[a:b], steps[a:b],
                     open_[a:b], numeric[a:b])  # fmt: skip
                progress.update(task, advance=int(b - a))
    elif npts > 0:
        _run(kernel, pts, *args, labels, stable, steps, open_, numeric)
    seconds = time.perf_counter() - t0
    region_labels = tuple(range(1, centers.shape[0] + 1))
    if objects:
        region_labels = tuple(int(r.label) for r in objects)
        if region_labels != tuple(range(1, len(objects) + 1)):
            # the kernel labels rows 1..k; a minimum without a region leaves a gap
            lut = np.array([-1, 0, *region_labels], dtype=np.int64)
            labels = lut[labels.astype(np.int64) + 1].astype(labels.dtype)
    if degenerate and npts > 0:
        _label_degenerate(loss, eta_f, pts, labels, numeric, int(max_steps), degenerate)
    extra = tuple(Attractor(label, "degenerate minimum", point, False)
                  for label, point in degenerate)
    landed = None
    if landing:
        landed = run_landing(loss, step, pts[labels >= 1])
    return BasinMap(
        landing=landed,
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
        numerical=numeric.reshape(shape),
        value_tol=float(value_tol) if tubes.rows.size else 0.0,
        region_monotone=tuple(bool(m) for m in monotone),
        numerical_attractors=extra,
    )
