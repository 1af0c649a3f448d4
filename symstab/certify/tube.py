"""The region type of a certified piece of a manifold of minima: grid cells with levels.

A :class:`TubeRegion` is a union of closed cells of a regular grid (a :class:`TubeGrid`)
around a compact piece of the set M of global minima, each cell with a level ε₀ > 0. A
point θ of an entry cell with f(θ) − f* <= ε₀ is *certified* to converge under GD, with
monotone descent, to a point of M near θ (the proof is in :mod:`symstab.certify.manifold`,
which builds these regions). Every region of one certificate shares one grid; the
``label`` says which piece of M (a connected cluster of cells) the limit lies on.

:meth:`TubeRegion.contains` is the stopping rule of trajectories (a True is never wrong:
the cell is found in exact rational arithmetic and f − f* is enclosed by arb balls);
:func:`tube_arrays` gives the float64 table the basin kernels look points up in.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from itertools import product
from typing import Any

import numpy as np
import sympy as sp

from symstab.codegen import compile_loss
from symstab.intervals import arb_mid_rad, to_fraction
from symstab.loss import Loss

__all__ = ["LEVEL_FLOAT_MARGIN", "TubeArrays", "TubeGrid", "TubeRegion", "tube_arrays"]

#: Relative shrink of the levels in the float64 table (float64 evaluation of f near M).
LEVEL_FLOAT_MARGIN = 1e-6
#: Most cells a box may overlap in :meth:`TubeRegion.contains_box`.
MAX_BOX_CELLS = 4096


@dataclass(frozen=True)
class TubeGrid:
    """A regular grid of closed cubes ``[lo + c h, lo + (c + 1) h]`` (``c`` integer, per axis).

    Attributes
    ----------
    lo
        The lower corner (exact dyadic rationals).
    h
        The cell width (an exact dyadic rational).
    dims
        Cells per axis.
    """

    lo: tuple[Fraction, ...]
    h: Fraction
    dims: tuple[int, ...]

    @property
    def n(self) -> int:
        """Dimension."""
        return len(self.dims)

    @cached_property
    def strides(self) -> tuple[int, ...]:
        """Row-major strides of the flat cell index (last axis fastest)."""
        out = [1] * self.n
        for i in range(self.n - 2, -1, -1):
            out[i] = out[i + 1] * self.dims[i + 1]
        return tuple(out)

    @property
    def size(self) -> int:
        """Number of cells."""
        return math.prod(self.dims)

    def flat(self, cell: Sequence[int]) -> int:
        """The flat index of a cell."""
        return sum(c * s for c, s in zip(cell, self.strides, strict=True))

    def unflat(self, index: int) -> tuple[int, ...]:
        """The cell of a flat index."""
        return tuple((index // s) % d for s, d in zip(self.strides, self.dims, strict=True))

    def inside(self, cell: Sequence[int]) -> bool:
        """Whether the cell index lies in the grid."""
        return all(0 <= c < d for c, d in zip(cell, self.dims, strict=True))

    def sides(self, cell: Sequence[int]) -> tuple[tuple[Fraction, Fraction], ...]:
        """The cell as exact ``(lo, hi)`` sides."""
        return tuple((a + c * self.h, a + (c + 1) * self.h)
                     for a, c in zip(self.lo, cell, strict=True))

    def cell_of(self, point: Sequence[Fraction]) -> tuple[int, ...] | None:
        """The cell containing an exact point (the upper one on a boundary), or None."""
        cell = tuple(math.floor((x - a) / self.h) for x, a in zip(point, self.lo, strict=True))
        return cell if self.inside(cell) else None

    def cells_meeting(self, sides: Sequence[tuple[Fraction, Fraction]]) -> Iterator[tuple]:
        """Every cell of the grid that meets the closed box ``sides`` (grid-clipped)."""
        ranges = []
        for (lo, hi), a, d in zip(sides, self.lo, self.dims, strict=True):
            first = max(0, math.ceil((lo - a) / self.h) - 1)
            last = min(d - 1, math.floor((hi - a) / self.h))
            ranges.append(range(first, last + 1))
        return product(*ranges)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {"lo": [float(a) for a in self.lo], "h": float(self.h), "dims": list(self.dims)}


@dataclass(frozen=True, eq=False)
class TubeRegion:
    """A certified neighbourhood of a compact piece of the set of minima.

    Attributes
    ----------
    label
        The attractor label (k >= 1): this piece of M.
    eta
        The step size (exact SymPy number) the certificate is for.
    loss
        The loss.
    f_star
        The minimum value f* on M (exact).
    grid
        The cell grid (shared by every region of one certificate).
    levels
        ``{flat cell index: ε₀}`` for the entry cells of this piece (exact dyadics); empty
        when no cell of the piece could be certified.
    cells
        The flat indices of every tube cell of the piece (where f − f* is small), for
        the numerical criterion of the basin kernels.
    point
        A point of the piece (float coordinates, for display).
    constants
        The certified constants, as decimal strings (PL constant, Hessian bound, ...).
    method
        How it was certified.
    monotone
        Always True: the loss decreases at every step from an entry point on.
    """

    label: int
    eta: sp.Expr
    loss: Loss
    f_star: sp.Expr
    grid: TubeGrid
    levels: Mapping[int, Fraction]
    cells: frozenset[int]
    point: tuple[float, ...]
    constants: dict[str, str] = field(default_factory=dict)
    method: str = ""
    monotone: bool = True

    @property
    def n_cells(self) -> int:
        """Number of entry cells."""
        return len(self.levels)

    @cached_property
    def _target(self) -> Any:
        return compile_loss(self.loss.expr, self.loss.params).interval(30)

    @cached_property
    def _f_star(self) -> Fraction:
        return Fraction(int(self.f_star.p), int(self.f_star.q))

    def _excess_upper(self, sides: Sequence[Any]) -> Fraction | None:
        """An upper bound on f − f* over a box or point (``None`` if not finite)."""
        mid_rad = arb_mid_rad(self._target.value(list(sides)))
        if mid_rad is None:
            return None
        return mid_rad[0] + mid_rad[1] - self._f_star

    def contains(self, theta: Sequence[Any]) -> bool:
        """Whether ``theta`` is an entry point: in an entry cell, with f − f* <= its level.

        Parameters
        ----------
        theta
            Coordinates (floats, ints, ``Fraction``, SymPy rationals, mpmath ``mpf``).

        Returns
        -------
        bool
            Decided so that a True is never wrong: the cell in exact rational arithmetic,
            f − f* by an outward-rounded enclosure. NaN, inf, a wrong length or a
            coordinate without an exact binary or rational value give False.
        """
        if len(theta) != self.grid.n:
            return False
        point = []
        for x in theta:
            q = to_fraction(x)
            if q is None:
                return False
            point.append(q)
        cell = self.grid.cell_of(point)
        if cell is None:
            return False
        level = self.levels.get(self.grid.flat(cell))
        if level is None:
            return False
        excess = self._excess_upper(point)
        return excess is not None and excess <= level

    def contains_box(self, sides: Sequence[tuple[Fraction, Fraction]]) -> bool:
        """Whether every point of the closed box ``sides`` is an entry point.

        True only if every cell the box meets is an entry cell and an enclosure of
        f − f* over the whole box lies below the smallest of their levels.
        """
        if len(sides) != self.grid.n:
            return False
        sides = tuple((Fraction(lo), Fraction(hi)) for lo, hi in sides)
        grid = self.grid
        for (lo, hi), a, d in zip(sides, grid.lo, grid.dims, strict=True):
            if not (a <= lo <= hi <= a + d * grid.h):
                return False
        levels = []
        for count, cell in enumerate(self.grid.cells_meeting(sides)):
            if count >= MAX_BOX_CELLS:
                return False
            level = self.levels.get(self.grid.flat(cell))
            if level is None:
                return False
            levels.append(level)
        if not levels:
            return False
        excess = self._excess_upper(sides)
        return excess is not None and excess <= min(levels)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        lv = sorted(self.levels.values())
        return {
            "label": self.label,
            "kind": "manifold piece",
            "point": list(self.point),
            "entry_cells": self.n_cells,
            "tube_cells": len(self.cells),
            "level_range": [float(lv[0]), float(lv[-1])] if lv else None,
            "grid": self.grid.to_dict(),
            "constants": dict(self.constants),
            "method": self.method,
            "monotone": True,
        }


@dataclass(frozen=True)
class TubeArrays:
    """The float64 lookup table of the tube regions, as the basin kernels read it.

    ``rows[flat]`` is the kernel row (``first_row + position of the region``) of an entry
    cell, 0 elsewhere; ``levels[flat]`` its level shrunk by :data:`LEVEL_FLOAT_MARGIN`
    (``-inf`` elsewhere); ``level_max`` the largest level (a quick rejection test).
    ``pieces[flat]`` is the kernel row of the piece of every tube cell (0 elsewhere), read
    by the numerical criterion: f − f* <= ``value_tol`` (0 disables it).
    """

    lo: np.ndarray
    h: float
    dims: np.ndarray
    rows: np.ndarray
    levels: np.ndarray
    f_star: float
    level_max: float
    pieces: np.ndarray
    value_tol: float = 0.0

    @classmethod
    def empty(cls, n: int) -> TubeArrays:
        """No table (every lookup misses)."""
        return cls(np.zeros(n), 1.0, np.zeros(n, dtype=np.int64), np.zeros(0, dtype=np.int64),
                   np.zeros(0), 0.0, -np.inf, np.zeros(0, dtype=np.int64))


def tube_arrays(regions: Sequence[TubeRegion], n: int, first_row: int = 1,
                value_tol: float = 0.0) -> TubeArrays:
    """The lookup table of ``regions`` (one certificate's, sharing one grid).

    Parameters
    ----------
    regions
        Tube regions of the same grid and f*.
    n
        The dimension (for the empty table).
    first_row
        The kernel row of ``regions[0]``; the others follow in order.
    value_tol
        The numerical criterion's bound on f − f* (0: no numerical criterion).
    """
    if not regions:
        return TubeArrays.empty(n)
    grid = regions[0].grid
    if any(r.grid != grid or r.f_star != regions[0].f_star for r in regions):
        raise ValueError("tube regions of different certificates")
    rows = np.zeros(grid.size, dtype=np.int64)
    pieces = np.zeros(grid.size, dtype=np.int64)
    levels = np.full(grid.size, -np.inf)
    top = -np.inf
    for k, region in enumerate(regions):
        pieces[list(region.cells)] = first_row + k
        for index, level in region.levels.items():
            rows[index] = first_row + k
            value = float(level) * (1.0 - LEVEL_FLOAT_MARGIN)
            levels[index] = value
            top = max(top, value)
    f_star = regions[0].f_star
    return TubeArrays(
        lo=np.array([float(a) for a in grid.lo]),
        h=float(grid.h),
        dims=np.array(grid.dims, dtype=np.int64),
        rows=rows,
        levels=levels,
        f_star=float(Fraction(int(f_star.p), int(f_star.q))),
        level_max=float(top),
        pieces=pieces,
        value_tol=float(value_tol),
    )
