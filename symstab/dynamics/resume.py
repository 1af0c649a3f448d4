"""Resumable basin maps: a map computed in tiles of grid rows, each stored as it finishes.

:func:`tiled_basin_map` certifies the regions once for the whole grid, then runs
:func:`~symstab.dynamics.basins.basin_map` on one tile of rows at a time against those
regions, and stores every finished tile (atomically) in a directory of tiles next to the
output file. Rerun with ``resume=True``, it reads the finished tiles back and computes
only the others: an interrupted run (Ctrl-C, a crash) loses at most the tile in flight,
and the resumed result equals an uninterrupted one, since the kernel decides every
starting point on its own. The directory of tiles records a key of the run (loss, η,
grid, step budget, landing); tiles of another run are never mixed in. It is removed
once the whole map is stored.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from symstab.dynamics.basins import basin_map
from symstab.dynamics.basins.inputs import VALUE_TOL, grid_points, region_inputs
from symstab.dynamics.basins.result import BasinMap
from symstab.dynamics.landing import Landing
from symstab.errors import InputError
from symstab.inputs import StepSize

__all__ = ["TILE_POINTS", "discard_tiles", "tile_directory", "tiled_basin_map"]

#: Starting points per tile (whole grid rows, at least one row).
TILE_POINTS = 65_536
_FIELDS = ("labels", "stable", "steps", "stability_open", "numerical")
_LANDING = ("starts", "limits", "landed", "lambda_max", "error", "steps")


def tile_directory(out: str | Path) -> Path:
    """Where the tiles of a run writing ``out`` are kept: ``.NAME.tiles`` beside it."""
    target = Path(out)
    return target.parent / f".{target.name}.tiles"


def discard_tiles(out: str | Path) -> None:
    """Remove the tiles of a run writing ``out`` (once the whole result is stored)."""
    shutil.rmtree(tile_directory(out), ignore_errors=True)


def _key(loss: Any, step: StepSize, pts: np.ndarray, max_steps: int, landing: bool,
         value_tol: float, edges: list[int]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([sp.srepr(loss.expr), [str(p) for p in loss.params],
                         sp.srepr(step.exact), int(max_steps), bool(landing),
                         float(value_tol), edges]).encode())
    h.update(np.ascontiguousarray(pts).tobytes())
    return h.hexdigest()


def _save_tile(path: Path, bm: BasinMap) -> None:
    from symstab.storage import write_atomic

    arrays = {name: getattr(bm, name) for name in _FIELDS}
    if bm.landing is not None:
        arrays |= {f"landing_{name}": getattr(bm.landing, name) for name in _LANDING}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_atomic(path, buffer.getvalue())


def tiled_basin_map(
    loss: Any,
    eta: Any,
    grid: Any,
    out: str | Path,
    *,
    resume: bool = False,
    max_steps: int = 10_000,
    landing: bool = False,
    value_tol: float = VALUE_TOL,
    tile: int | None = None,
    after_tile: Callable[[int], None] | None = None,
) -> tuple[BasinMap, int]:
    """A basin map computed in tiles of grid rows, each stored as it finishes.

    Parameters
    ----------
    loss, eta, grid, max_steps, landing, value_tol
        As for :func:`~symstab.dynamics.basins.basin_map`.
    out
        The result file the run is for; its tiles go to :func:`tile_directory` of it.
    resume
        Reuse the finished tiles of an earlier run of the same map (else they are
        discarded and every tile is computed).
    tile
        Starting points per tile (rounded to whole rows of the grid, at least one;
        default :data:`TILE_POINTS`).
    after_tile
        Called with the number of tiles computed so far after each computed tile is
        stored (for progress reports, and to stop a run in tests).

    Returns
    -------
    (BasinMap, int)
        The map, and the number of tiles computed in this call.
    """
    step = StepSize.of(eta)
    n = len(loss.params)
    pts, axes, shape = grid_points(grid, n)
    npts = pts.shape[0]
    row = shape[-1] if axes is not None else 1
    size = max(1, int(TILE_POINTS if tile is None else tile) // row) * row
    edges = [*range(0, npts, size), npts]
    store = tile_directory(out)
    key = _key(loss, step, pts, max_steps, landing, value_tol, edges)
    manifest = store / "run.json"
    if store.exists():
        same = manifest.exists() and json.loads(manifest.read_text()).get("key") == key
        if resume and not same:
            raise InputError(f"the tiles in {str(store)!r} are of another run; rerun "
                             "without --resume to start afresh", "--resume")
        if not resume:
            shutil.rmtree(store)
    store.mkdir(exist_ok=True)
    from symstab.storage import write_atomic

    write_atomic(manifest, json.dumps({"key": key, "tiles": len(edges) - 1}))
    window = (tuple((float(lo), float(hi)) for lo, hi in zip(pts.min(axis=0),
                                                             pts.max(axis=0), strict=True))
              if npts else None)
    objects = region_inputs(loss, step, None, n, None, window=window, value_tol=value_tol)[4]
    options = {"regions": objects or (), "lyapunov": False, "max_steps": max_steps,
               "value_tol": value_tol, "landing": landing}
    head = basin_map(loss, step, pts[:0], **options)  # the region arrays, no points
    parts: list[dict[str, np.ndarray]] = []
    computed = 0
    t0 = time.perf_counter()
    for k in range(len(edges) - 1):
        path = store / f"tile-{k:06d}.npz"
        if not path.exists():
            bm = basin_map(loss, step, pts[edges[k]:edges[k + 1]], **options)
            _save_tile(path, bm)
            computed += 1
            if after_tile is not None:
                after_tile(computed)
        with np.load(path) as data:
            parts.append({name: data[name] for name in data.files})
    seconds = time.perf_counter() - t0

    def joined(name: str) -> np.ndarray:
        return np.concatenate([p[name] for p in parts]) if parts else getattr(head, name)

    landed = None
    if landing:
        ref = head.landing
        landed = Landing(ref.eta, ref.params, *(joined(f"landing_{name}") if parts else
                                                getattr(ref, name) for name in _LANDING[:5]),
                         joined("landing_steps") if parts else ref.steps, ref.tol,
                         ref.max_steps)
    bmap = BasinMap(
        labels=joined("labels").reshape(shape), stable=joined("stable").reshape(shape),
        steps=joined("steps").reshape(shape), points=pts, axes=axes, eta=step,
        loss_name=head.loss_name, centers=head.centers, radii=head.radii,
        regions=head.regions, region_labels=head.region_labels, max_steps=head.max_steps,
        divergence_bound=head.divergence_bound, seconds=seconds,
        stability_open=joined("stability_open").reshape(shape),
        region_monotone=head.region_monotone,
        numerical=joined("numerical").reshape(shape), value_tol=head.value_tol,
        landing=landed, numerical_attractors=head.numerical_attractors)
    return bmap, computed
