"""Samplers of starting points: uniform in a box (reproducible from a seed), or a grid.

A sampler is any callable ``sampler(n) -> (n, d)`` float64 array;
:func:`symstab.dynamics.sweep.sweep` calls it once and uses the same points for every
step size (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from symstab.dynamics.basins.inputs import grid_points
from symstab.errors import InputError

__all__ = ["BoxSampler", "GridSampler", "grid_sampler", "uniform_box_sampler"]




@dataclass(frozen=True)
class BoxSampler:
    """Uniform starting points in an axis-aligned box, reproducible from a seed.

    Calling ``sampler(n)`` returns an ``(n, d)`` float64 array; every call with the same
    ``n`` returns the same points (a fresh ``numpy.random.default_rng(seed)`` each time).

    Attributes
    ----------
    box
        ``((lo_1, hi_1), ..., (lo_d, hi_d))``.
    seed
        Seed of the generator.
    """

    box: tuple[tuple[float, float], ...]
    seed: int

    def __call__(self, n: int) -> np.ndarray:
        """``n`` points, uniform in :attr:`box`."""
        rng = np.random.default_rng(self.seed)
        lo = np.array([a for a, _ in self.box], dtype=np.float64)
        hi = np.array([b for _, b in self.box], dtype=np.float64)
        return np.ascontiguousarray(rng.uniform(lo, hi, size=(int(n), len(self.box))))

    @property
    def description(self) -> str:
        """Human-readable description (used in :class:`Sweep`)."""
        sides = " x ".join(f"[{a:g}, {b:g}]" for a, b in self.box)
        return f"uniform in {sides} (numpy default_rng, seed {self.seed})"


def uniform_box_sampler(
    box: Sequence[tuple[float, float]], seed: int
) -> Callable[[int], np.ndarray]:
    """A sampler of uniform starting points in a box.

    Parameters
    ----------
    box
        One ``(lo, hi)`` pair per parameter, finite with ``lo < hi``.
    seed
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    BoxSampler
        ``sampler(n) -> (n, d)`` array; deterministic for a given ``(box, seed, n)``.
    """
    try:
        sides = tuple((float(a), float(b)) for a, b in box)
    except (TypeError, ValueError) as exc:
        raise InputError(f"box must be a sequence of (lo, hi) pairs, got {box!r}", "box") from exc
    if not sides:
        raise InputError("box has no sides", "box")
    for a, b in sides:
        if not (math.isfinite(a) and math.isfinite(b) and a < b):
            raise InputError(f"box side ({a}, {b}) must be finite with lo < hi", "box")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InputError(f"seed must be an integer, got {seed!r}", "seed")
    return BoxSampler(sides, int(seed))


@dataclass(frozen=True)
class GridSampler:
    """The points of a regular grid in a box, ``per_side`` points on each axis.

    ``sampler(n)`` requires ``n == per_side ** d`` and returns the grid points in the
    order of a basin map's grid (:func:`~symstab.dynamics.basins.inputs.grid_points`).

    Attributes
    ----------
    box
        ``((lo_1, hi_1), ..., (lo_d, hi_d))``; the end points are grid points.
    per_side
        Points per axis.
    """

    box: tuple[tuple[float, float], ...]
    per_side: int

    @property
    def size(self) -> int:
        """The number of grid points."""
        return int(self.per_side) ** len(self.box)

    def __call__(self, n: int) -> np.ndarray:
        """The grid points (``n`` must be :attr:`size`)."""
        if int(n) != self.size:
            raise InputError(f"a {self.per_side}-per-side grid in {len(self.box)} dimensions "
                             f"has {self.size} points, not {n}", "n")
        axes = tuple((a, b, int(self.per_side)) for a, b in self.box)
        return grid_points(axes, len(self.box))[0]

    @property
    def description(self) -> str:
        """Human-readable description (used in sweeps)."""
        sides = " x ".join(f"[{a:g}, {b:g}]" for a, b in self.box)
        return f"grid of {self.per_side} points per side in {sides}"


def grid_sampler(box: Sequence[tuple[float, float]], per_side: int) -> GridSampler:
    """A :class:`GridSampler`, with the box and the count checked."""
    sides = uniform_box_sampler(box, 0).box
    if isinstance(per_side, bool) or not isinstance(per_side, int | np.integer) or per_side < 2:
        raise InputError(f"per_side must be an integer >= 2, got {per_side!r}", "per_side")
    return GridSampler(sides, int(per_side))
