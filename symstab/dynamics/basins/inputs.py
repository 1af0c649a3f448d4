"""The inputs of a basin map: the starting points of a grid, and the region arrays.

A grid is given as axis specs ``((x_min, x_max, nx), (y_min, y_max, ny))`` or as an
``(N, n)`` array of points (:func:`grid_points`); the certified regions as region
objects or as arrays of centres and radii (:func:`region_inputs`). Near η* the
enlarged, non-monotone Lyapunov regions are added by default (:func:`near_eta_star`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from symstab.certify.tube import TubeArrays, TubeRegion, tube_arrays
from symstab.dynamics.basins.kernel import as_compiled
from symstab.errors import InputError
from symstab.inputs import StepSize, StepSizeLike

__all__ = [
    "LYAPUNOV_AUTO_DISTANCE",
    "MAX_GRID_POINTS",
    "VALUE_TOL",
    "grid_points",
    "near_eta_star",
    "region_inputs",
]

#: :func:`basin_map` adds the Lyapunov regions by default when (η* − η)/η* is below this
#: for some minimum (there the Hessian balls are tiny and the contraction rate near 1).
LYAPUNOV_AUTO_DISTANCE = 0.01
#: Most points of a grid given by axis specs.
MAX_GRID_POINTS = 100_000_000
#: The numerical criterion's default bound on f − f* (a point that far above the minimum
#: value, in a tube cell of a piece of minima, counts as converged numerically).
VALUE_TOL = 1e-12


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


def map_bytes(points: int, n: int) -> int:
    """Estimated peak memory of a basin map of ``points`` starting points in ``n``
    dimensions: the points, the kernel's parked states and the meshgrid temporaries
    (4n float64 per point) plus labels, steps and flags (about 40 bytes)."""
    return int(points) * (32 * int(n) + 40)


def memory_limit() -> int:
    """Half of the machine's physical memory (bytes), or 8 GiB if unknown."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8 * 2**30


def grid_points(
    grid: Any, n: int
) -> tuple[np.ndarray, tuple[np.ndarray, ...] | None, tuple[int, ...]]:
    """Starting points ``(N, n)``, the axes (or None) and the output shape.

    Axis specs give a full grid of shape ``(n_n, ..., n_2, n_1)`` (the last parameter
    first: ``labels[iy, ix]`` in 2-D), at most :data:`MAX_GRID_POINTS` points.
    """
    if _is_axis_spec(grid) and len(grid) == n:
        axes = tuple(_axis(spec, f"grid axis {i + 1}") for i, spec in enumerate(grid))
        if n == 1:
            return axes[0].reshape(-1, 1).copy(), axes, (axes[0].size,)
        total = math.prod(a.size for a in axes)
        need, limit = map_bytes(total, n), memory_limit()
        if total > MAX_GRID_POINTS or need > limit:
            raise InputError(
                f"the grid has {total} points and a map of it needs about "
                f"{need / 2**30:.3g} GiB (at most {MAX_GRID_POINTS} points and "
                f"{limit / 2**30:.3g} GiB, half of this machine's memory)", "grid")
        mesh = np.meshgrid(*axes[::-1], indexing="ij")  # shape (n_n, ..., n_1)
        pts = np.ascontiguousarray(np.stack([m.ravel() for m in mesh[::-1]], axis=1))
        return pts, axes, tuple(a.size for a in axes[::-1])
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


def near_eta_star(loss: Any, regions: Sequence[Any], eta: StepSizeLike) -> bool:
    """Whether η is within :data:`LYAPUNOV_AUTO_DISTANCE` (relative) of some region's
    η* = 2/λmax(θ*) (λmax from the float Hessian at the centre: a heuristic choice of
    work, not part of any certificate).

    Parameters
    ----------
    loss
        A :class:`~symstab.loss.Loss`.
    regions
        Certified regions (each with a ``center``).
    eta
        The step size (any spelling of :meth:`symstab.inputs.StepSize.of`).
    """
    eta_f = StepSize.of(eta).as_float
    if not regions:
        return False
    target = as_compiled(loss).interval(30)
    for region in regions:
        hess = target.hessian([c for c in region.center])
        h = np.array([[float(x.mid()) for x in row] for row in hess])
        if not np.all(np.isfinite(h)):
            continue
        lam = float(np.linalg.eigvalsh((h + h.T) / 2)[-1])
        if lam > 0 and eta_f * lam / 2 > 1 - LYAPUNOV_AUTO_DISTANCE:
            return True
    return False


def region_inputs(
    loss: Any, step: StepSize, regions: Any, n: int, lyapunov: bool | None = False,
    window: Sequence[tuple[float, float]] | None = None,
    value_tol: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, TubeArrays, tuple[Any, ...] | None]:
    """``(centers, radii, monotone flags, tube table, region objects or None)``.

    The balls (:class:`~symstab.certify.region.CertifiedRegion`) become the kernel rows
    1..k in the order given, the regions around manifolds of minima
    (:class:`~symstab.certify.tube.TubeRegion`) the rows after them, in one lookup table;
    the returned objects are in that row order.

    Parameters
    ----------
    loss
        The loss.
    step
        The step size.
    regions, lyapunov
        As for :func:`~symstab.dynamics.basins.driver.basin_map`.
    n
        The number of parameters.
    window
        The box of the starting points: with ``regions`` None, the regions around the
        pieces of a manifold of minima are certified over it (padded).
    value_tol
        The numerical criterion's bound on f − f* for the tube table (0: none).

    Raises
    ------
    InputError
        If the arrays do not fit together or are not finite.
    """
    eta = step.exact
    objects: tuple[Any, ...] | None = None
    monotone: np.ndarray | None = None
    if regions is None:
        from symstab.certify.minima import certified_regions

        objects = tuple(certified_regions(loss, eta, window=window))
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
    tubes = TubeArrays.empty(n)
    if objects is not None:
        from symstab.certify.region import region_arrays

        balls = tuple(r for r in objects if not isinstance(r, TubeRegion))
        pieces = tuple(r for r in objects if isinstance(r, TubeRegion))
        if lyapunov or (lyapunov is None and near_eta_star(loss, balls, step)):
            from symstab.certify.minima import lyapunov_regions

            hessian_balls = tuple(r for r in balls if getattr(r, "monotone", True))
            balls = balls + lyapunov_regions(loss, eta, hessian_balls)
        objects = balls + pieces
        centers, radii = region_arrays(balls) if balls else (np.empty((0, n)), np.empty(0))
        monotone = np.array([bool(getattr(r, "monotone", True)) for r in balls], np.bool_)
        try:
            tubes = tube_arrays(pieces, n, first_row=len(balls) + 1, value_tol=value_tol)
        except ValueError as exc:
            raise InputError(str(exc), "regions") from None
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
    return centers, radii, np.ascontiguousarray(monotone), tubes, objects
