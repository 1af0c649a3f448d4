"""Resumable runs: results computed in tiles, each tile stored as it finishes.

A :class:`TileStore` keeps the finished tiles of one run in a directory beside the run's
output file (:func:`tile_directory`), each tile a ``.npz`` file written atomically, under
a key of the run (everything that decides the result: the loss, the step sizes, the
starting points, the stopping rule, the tiling). Rerun with ``resume=True``, a run reads
the finished tiles back and computes only the others: an interrupted run (Ctrl-C, a
crash, a killed job) loses at most the tiles in flight, and the resumed result equals an
uninterrupted one, since the kernels decide every starting point on its own. Tiles of
another run are never mixed in. The directory is removed once the whole result is stored.

Two kinds of run use it: :func:`tiled_basin_map` (a tile = a block of whole grid rows)
and :func:`symstab.dynamics.sweep.sweep` with ``tiles=TileStore(...)`` (a tile = one η
and a chunk of the samples). Either runs its tiles locally or, given a Dask client, as
one task per missing tile on the cluster; the tiles are stored by the calling process as
their results arrive, so the workers need no access to the output's file system. A
task that Dask reruns (its worker died) is stored and counted once.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import shutil
import time
from collections.abc import Callable, Sequence
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

__all__ = ["TILE_POINTS", "TileStore", "discard_tiles", "map_tile", "run_key", "run_tiles",
           "tile_directory", "tiled_basin_map"]

#: Starting points per tile of a basin map (whole grid rows, at least one row). Smaller
#: tiles lose less to an interruption but use the parallel kernel less well: each tile
#: waits for its slowest points (``benchmarks/bench_tiles.py``).
TILE_POINTS = 262_144
_FIELDS = ("labels", "stable", "steps", "stability_open", "numerical")
_LANDING = ("starts", "limits", "landed", "lambda_max", "error", "steps")


def tile_directory(out: str | Path) -> Path:
    """Where the tiles of a run writing ``out`` are kept: ``.NAME.tiles`` beside it."""
    target = Path(out)
    return target.parent / f".{target.name}.tiles"


def discard_tiles(out: str | Path) -> None:
    """Remove the tiles of a run writing ``out`` (once the whole result is stored)."""
    shutil.rmtree(tile_directory(out), ignore_errors=True)


def run_key(parts: Any, *arrays: np.ndarray) -> str:
    """A key of a run: the SHA-256 of ``parts`` (JSON) and the bytes of ``arrays``.

    Parameters
    ----------
    parts
        Everything that decides the result besides the arrays, JSON-serialisable (SymPy
        numbers as ``sp.srepr`` text).
    arrays
        The starting points (and any other array input).

    Returns
    -------
    str
        Hexadecimal digest.
    """
    h = hashlib.sha256()
    h.update(json.dumps(parts).encode())
    for a in arrays:
        h.update(str(a.dtype).encode() + str(a.shape).encode())
        h.update(memoryview(np.ascontiguousarray(a)).cast("B"))  # no copy
    return h.hexdigest()


class TileStore:
    """The finished tiles of one run, kept beside the run's output file.

    Parameters
    ----------
    out
        The result file the run is for; its tiles go to :func:`tile_directory` of it.
    resume
        Reuse the finished tiles of an earlier run with the same key (else any tiles
        there are discarded when the store is opened).
    after_tile
        Called with the number of tiles computed so far after each newly stored tile
        (for progress reports, and to stop a run in tests).

    Attributes
    ----------
    computed
        Tiles computed and stored since :meth:`open`.
    reused
        Tiles found finished when the store was opened (0 without ``resume``).
    count
        Tiles of the whole run.
    """

    def __init__(self, out: str | Path, *, resume: bool = False,
                 after_tile: Callable[[int], None] | None = None) -> None:
        self.out = Path(out)
        self.directory = tile_directory(out)
        self.resume = bool(resume)
        self.after_tile = after_tile
        self.computed = 0
        self.reused = 0
        self.count = 0
        self._done: set[int] = set()

    def open(self, key: str, count: int) -> TileStore:
        """Start (or, with ``resume``, continue) the run with this key and tile count.

        Raises
        ------
        InputError
            ``resume`` and the directory holds the tiles of another run.
        """
        manifest = self.directory / "run.json"
        if self.directory.exists():
            same = False
            if manifest.exists():
                try:
                    same = json.loads(manifest.read_text()).get("key") == key
                except (OSError, ValueError):
                    same = False
            if self.resume and not same:
                raise InputError(f"the tiles in {str(self.directory)!r} are of another run; "
                                 "rerun without --resume to start afresh", "--resume")
            if not self.resume:
                shutil.rmtree(self.directory)
        self.directory.mkdir(exist_ok=True)
        from symstab.storage import write_atomic

        write_atomic(manifest, json.dumps({"key": key, "tiles": int(count)}))
        self.count = int(count)
        self.computed = 0
        self._done = {k for k in range(self.count) if self._path(k).exists()}
        self.reused = len(self._done)
        return self

    def _path(self, k: int) -> Path:
        return self.directory / f"tile-{k:06d}.npz"

    def missing(self) -> list[int]:
        """The tiles still to compute, in order."""
        return [k for k in range(self.count) if k not in self._done]

    def has(self, k: int) -> bool:
        """Whether tile ``k`` is stored."""
        return k in self._done

    def load(self, k: int) -> dict[str, np.ndarray]:
        """The arrays of stored tile ``k``."""
        with np.load(self._path(k)) as data:
            return {name: data[name] for name in data.files}

    def save(self, k: int, arrays: dict[str, np.ndarray]) -> bool:
        """Store tile ``k`` atomically; False (and nothing counted) if already stored."""
        if k in self._done:
            return False
        from symstab.storage import write_atomic

        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        write_atomic(self._path(k), buffer.getvalue())
        self._done.add(k)
        self.computed += 1
        if self.after_tile is not None:
            self.after_tile(self.computed)
        return True

    def summary(self) -> str:
        """One line for the user: tiles computed, and reused from an earlier run."""
        text = f"{self.computed} of {self.count} tiles computed"
        if self.reused:
            text += f", {self.reused} reused from an interrupted run"
        return text


def run_tiles(
    store: TileStore | None,
    tiles: Sequence[tuple[Any, ...]],
    task: Callable[..., dict[str, np.ndarray]],
    shared: Sequence[Any],
    done: Callable[[int, dict[str, np.ndarray]], None],
    *,
    client: Any = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Compute the missing tiles of a run, locally or on a Dask cluster, storing each.

    Parameters
    ----------
    store
        The opened :class:`TileStore` (None: nothing is stored, every tile computed).
    tiles
        The per-tile arguments of ``task``, one tuple per tile.
    task
        Module-level function ``task(*shared, *tiles[k]) -> {name: array}``.
    shared
        The arguments common to every tile (the loss first: sent once to every worker).
    done
        Called with ``(k, arrays)`` for every tile, stored ones included, once each.
    client
        A :class:`dask.distributed.Client`, or None to run locally.
    progress
        Called with 1 after each tile computed here.
    """
    missing = []
    for k in range(len(tiles)):
        if store is not None and store.has(k):
            done(k, store.load(k))
        else:
            missing.append(k)

    def finish(k: int, arrays: dict[str, np.ndarray]) -> None:
        if store is not None:
            store.save(k, arrays)
        done(k, arrays)
        if progress is not None:
            progress(1)

    if client is None:
        for k in missing:
            finish(k, task(*shared, *tiles[k]))
        return
    from dask.distributed import as_completed

    if not missing:
        return
    [first] = client.scatter([shared[0]], broadcast=True)
    futures = {client.submit(task, first, *shared[1:], *tiles[k], pure=False): k
               for k in missing}
    finished: set[int] = set()
    try:
        for fut in as_completed(list(futures)):
            k = futures[fut]
            if k in finished:  # never twice, whatever the scheduler reports
                continue
            finished.add(k)
            finish(k, fut.result())
    except BaseException:
        client.cancel(list(futures))
        raise


def map_tile(loss: Any, step: Any, options: dict[str, Any],
             pts: np.ndarray) -> dict[str, np.ndarray]:
    """The arrays of a basin map of ``pts`` (one tile; module-level for Dask workers).

    Parameters
    ----------
    loss, step
        As for :func:`~symstab.dynamics.basins.basin_map`.
    options
        Its keyword arguments (the certified regions as objects, computed once).
    pts
        ``(N, n)`` starting points.
    """
    bm = basin_map(loss, step, pts, **options)
    arrays = {name: getattr(bm, name) for name in _FIELDS}
    if bm.landing is not None:
        arrays |= {f"landing_{name}": getattr(bm.landing, name) for name in _LANDING}
    return arrays


def tiled_basin_map(
    loss: Any,
    eta: Any,
    grid: Any,
    out: str | Path | TileStore,
    *,
    resume: bool = False,
    max_steps: int = 10_000,
    landing: bool = False,
    value_tol: float = VALUE_TOL,
    tile: int | None = None,
    after_tile: Callable[[int], None] | None = None,
    client: Any = None,
) -> tuple[BasinMap, int]:
    """A basin map computed in tiles of grid rows, each stored as it finishes.

    Parameters
    ----------
    loss, eta, grid, max_steps, landing, value_tol
        As for :func:`~symstab.dynamics.basins.basin_map`.
    out
        The result file the run is for (its tiles go to :func:`tile_directory` of it),
        or a :class:`TileStore` for it.
    resume
        Reuse the finished tiles of an earlier run of the same map (else they are
        discarded and every tile is computed). Ignored when ``out`` is a store.
    tile
        Starting points per tile (rounded to whole rows of the grid, at least one;
        default :data:`TILE_POINTS`).
    after_tile
        Called with the number of tiles computed so far after each computed tile is
        stored (for progress reports, and to stop a run in tests). Ignored when ``out``
        is a store.
    client
        A :class:`dask.distributed.Client`: one task per missing tile runs on the
        cluster; each result is stored here as it arrives. ``None``: run locally.

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
    key = run_key(["basin map", sp.srepr(loss.expr), [str(p) for p in loss.params],
                   sp.srepr(step.exact), int(max_steps), bool(landing), float(value_tol),
                   edges], pts)
    store = out if isinstance(out, TileStore) else TileStore(out, resume=resume,
                                                             after_tile=after_tile)
    store.open(key, len(edges) - 1)
    window = (tuple((float(lo), float(hi)) for lo, hi in zip(pts.min(axis=0),
                                                             pts.max(axis=0), strict=True))
              if npts else None)
    objects = region_inputs(loss, step, None, n, None, window=window, value_tol=value_tol)[4]
    options = {"regions": objects or (), "lyapunov": False, "max_steps": max_steps,
               "value_tol": value_tol, "landing": landing}
    head = basin_map(loss, step, pts[:0], **options)  # the region arrays, no points
    # each tile goes into the map's arrays as it arrives: the map is held once
    full = {name: getattr(head, name).ravel() for name in _FIELDS}
    landed_parts: list[dict[str, np.ndarray] | None] = [None] * (len(edges) - 1)

    def keep(k: int, arrays: dict[str, np.ndarray]) -> None:
        lo, hi = edges[k], edges[k + 1]
        for name in _FIELDS:
            if full[name].shape[0] != npts:
                full[name] = np.empty(npts, dtype=arrays[name].dtype)
            full[name][lo:hi] = arrays[name]
        if landing:
            landed_parts[k] = {name: arrays[f"landing_{name}"] for name in _LANDING}

    t0 = time.perf_counter()
    run_tiles(store, [(pts[a:b],) for a, b in itertools.pairwise(edges)], map_tile,
              (loss, step, options), keep, client=client)
    seconds = time.perf_counter() - t0

    def joined(name: str) -> np.ndarray:
        return full[name].reshape(shape)

    landed = None
    if landing:
        ref = head.landing
        got = [p for p in landed_parts if p is not None]
        landed = Landing(ref.eta, ref.params,
                         *(np.concatenate([p[name] for p in got]) if got else
                           getattr(ref, name) for name in _LANDING), ref.tol, ref.max_steps)
    bmap = BasinMap(
        labels=joined("labels"), stable=joined("stable"),
        steps=joined("steps"), points=pts, axes=axes, eta=step,
        loss_name=head.loss_name, centers=head.centers, radii=head.radii,
        regions=head.regions, region_labels=head.region_labels, max_steps=head.max_steps,
        divergence_bound=head.divergence_bound, seconds=seconds,
        stability_open=joined("stability_open"),
        region_monotone=head.region_monotone,
        numerical=joined("numerical"), value_tol=head.value_tol,
        landing=landed, numerical_attractors=head.numerical_attractors)
    return bmap, store.computed
