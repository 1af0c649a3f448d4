"""The region type of a certified piece of a manifold of minima: grid cells with levels.

A :class:`TubeRegion` is a union of closed cells of a regular grid (a :class:`TubeGrid`)
around a compact piece of the set M of global minima, each cell with a level ε₀ > 0. The
grid is refined where the coarse cells fail: a cell of level ℓ is a cube of width h/2^ℓ,
named by one integer key (:meth:`TubeGrid.key`). A
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

__all__ = ["BAD", "GOOD", "HOPELESS", "LEVEL_FLOAT_MARGIN", "OUTSIDE", "CellTree", "TubeArrays",
           "TubeGrid", "TubeRegion", "shift_max", "tube_arrays"]

#: Relative shrink of the levels in the float64 table (float64 evaluation of f near M).
LEVEL_FLOAT_MARGIN = 1e-6
#: Most cells a box may overlap in :meth:`TubeRegion.contains_box`.
MAX_BOX_CELLS = 4096
#: The status of a leaf of a :class:`CellTree`: f − f* above its level; certified
#: constants (L < 2/η, ν > 0); none proved; none proved and not worth halving.
OUTSIDE, GOOD, BAD, HOPELESS = 0, 1, 2, 3


@dataclass(frozen=True)
class TubeGrid:
    """A regular grid of closed cubes ``[lo + c h, lo + (c + 1) h]`` (``c`` integer, per axis),
    with its refinements: the cubes of width ``h / 2^ℓ`` (level ℓ, 0 <= ℓ <= ``depth``).

    A cell of level ℓ is named by the key ``offset(ℓ) + flat index`` in the row-major
    order of the level-ℓ grid (``dims · 2^ℓ`` cells per axis); ``offset(ℓ)`` is the number
    of cells of the coarser levels, so level-0 keys are the flat indices.

    Attributes
    ----------
    lo
        The lower corner (exact dyadic rationals).
    h
        The cell width (an exact dyadic rational).
    dims
        Cells per axis (level 0).
    depth
        The finest level.
    """

    lo: tuple[Fraction, ...]
    h: Fraction
    dims: tuple[int, ...]
    depth: int = 0

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

    def offset(self, level: int) -> int:
        """The first key of level ``level``."""
        return sum(self.size << (self.n * j) for j in range(level))

    def key(self, level: int, cell: Sequence[int]) -> int:
        """The key of a cell of level ``level`` (integer coordinates at that level)."""
        flat = 0
        for c, d in zip(cell, self.dims, strict=True):
            flat = flat * (d << level) + int(c)
        return self.offset(level) + flat

    def locate(self, key: int) -> tuple[int, tuple[int, ...]]:
        """``(level, cell)`` of a key."""
        level = 0
        while level < self.depth and key >= self.offset(level + 1):
            level += 1
        flat = key - self.offset(level)
        cell = []
        for d in reversed(self.dims):
            cell.append(flat % (d << level))
            flat //= d << level
        return level, tuple(reversed(cell))

    def key_sides(self, key: int) -> tuple[tuple[Fraction, Fraction], ...]:
        """The cell of a key as exact ``(lo, hi)`` sides."""
        level, cell = self.locate(key)
        w = self.h / (1 << level)
        return tuple((a + c * w, a + (c + 1) * w) for a, c in zip(self.lo, cell, strict=True))

    def keys_of(self, point: Sequence[Fraction]) -> list[int]:
        """The key of the cell containing an exact point at every level (the upper cell on
        a boundary); empty outside the grid."""
        if self.cell_of(point) is None:
            return []
        return [self.key(level, tuple(math.floor((x - a) * (1 << level) / self.h)
                                      for x, a in zip(point, self.lo, strict=True)))
                for level in range(self.depth + 1)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {"lo": [float(a) for a in self.lo], "h": float(self.h), "dims": list(self.dims),
                "depth": self.depth}


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
        ``{cell key: ε₀}`` for the entry cells of this piece, of any level
        (:meth:`TubeGrid.key`; exact dyadics); empty when no cell of the piece could be
        certified.
    cells
        The flat indices (level 0) of every tube cell of the piece (where f − f* is
        small), for the numerical criterion of the basin kernels.
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
        found = [self.levels[k] for k in self.grid.keys_of(point) if k in self.levels]
        if not found:
            return False
        excess = self._excess_upper(point)
        return excess is not None and excess <= max(found)

    def contains_box(self, sides: Sequence[tuple[Fraction, Fraction]]) -> bool:
        """Whether every point of the closed box ``sides`` is an entry point.

        True only if, at some level, every cell of that level the box meets is an entry
        cell and an enclosure of f − f* over the whole box lies below the smallest of
        their levels.
        """
        if len(sides) != self.grid.n:
            return False
        sides = tuple((Fraction(lo), Fraction(hi)) for lo, hi in sides)
        grid = self.grid
        for (lo, hi), a, d in zip(sides, grid.lo, grid.dims, strict=True):
            if not (a <= lo <= hi <= a + d * grid.h):
                return False
        best = None
        for depth in range(grid.depth + 1):
            fine = TubeGrid(grid.lo, grid.h / (1 << depth),
                            tuple(d << depth for d in grid.dims))
            levels = []
            for count, cell in enumerate(fine.cells_meeting(sides)):
                level = self.levels.get(grid.offset(depth) + fine.flat(cell))
                if count >= MAX_BOX_CELLS or level is None:
                    levels = []
                    break
                levels.append(level)
            if levels and (best is None or min(levels) > best):
                best = min(levels)
        if best is None:
            return False
        excess = self._excess_upper(sides)
        return excess is not None and excess <= best

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

    The table is a tree of cells: nodes ``0 .. size − 1`` are the level-0 cells (by flat
    index); ``child[node]`` is −1 for a leaf, else the first of the ``2^n`` nodes of its
    halves (child ``Σ_i b_i 2^(n−1−i)`` holds the points whose level-(ℓ+1) index on axis
    i has parity b_i). ``rows[node]`` is the kernel row (``first_row + position of the
    region``) of an entry cell, 0 elsewhere; ``levels[node]`` its level shrunk by
    :data:`LEVEL_FLOAT_MARGIN` (``-inf`` elsewhere); ``level_max`` the largest level (a
    quick rejection test). ``pieces[flat]`` is the kernel row of the piece of every
    level-0 tube cell (0 elsewhere), read by the numerical criterion: f − f* <=
    ``value_tol`` (0 disables it).
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
    child: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

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
    pieces = np.zeros(grid.size, dtype=np.int64)
    entries: dict[int, list[tuple[tuple[int, ...], int, float]]] = {}
    top = -np.inf
    for k, region in enumerate(regions):
        pieces[list(region.cells)] = first_row + k
        for key, level in region.levels.items():
            depth, cell = grid.locate(key)
            value = float(level) * (1.0 - LEVEL_FLOAT_MARGIN)
            entries.setdefault(depth, []).append((cell, first_row + k, value))
            top = max(top, value)
    child, nodes = _tree(grid, entries)
    rows = np.zeros(child.size, dtype=np.int64)
    levels = np.full(child.size, -np.inf)
    for depth, items in entries.items():
        index = nodes[depth](np.array([c for c, _, _ in items], dtype=np.int64))
        rows[index] = [r for _, r, _ in items]
        levels[index] = [v for _, _, v in items]
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
        child=child,
    )


def _tree(grid: TubeGrid, entries: Mapping[int, Sequence[tuple]]) -> tuple[np.ndarray, dict]:
    """The ``child`` array of the table holding the cells of ``entries`` (by level), and
    per level a function from cell coordinates ``(m, n)`` to node numbers."""
    dims = np.array(grid.dims, dtype=np.int64)
    n = grid.n

    def flat(cells: np.ndarray, level: int) -> np.ndarray:
        out = np.zeros(len(cells), dtype=np.int64)
        for i in range(n):
            out = out * (dims[i] << level) + cells[:, i]
        return out

    nodes: dict[int, Any] = {0: lambda cells: flat(cells, 0)}
    child = [np.full(grid.size, -1, dtype=np.int64)]
    total = grid.size
    deepest = max(entries, default=0)
    cells_at = {d: np.array([c for c, _, _ in items], dtype=np.int64).reshape(-1, n)
                for d, items in entries.items()}
    bits = np.array(list(product((0, 1), repeat=n)), dtype=np.int64)  # child order
    for level in range(1, deepest + 1):
        parents = [cells_at[d] >> (d - level + 1) for d in cells_at if d >= level]
        parents_u = np.unique(np.concatenate(parents), axis=0)
        first = total + len(bits) * np.arange(len(parents_u), dtype=np.int64)
        parent_nodes = nodes[level - 1](parents_u)
        whole = np.concatenate(child)
        whole[parent_nodes] = first
        child = [whole, np.full(len(bits) * len(parents_u), -1, dtype=np.int64)]
        total += len(bits) * len(parents_u)
        kids = (parents_u[:, None, :] * 2 + bits[None, :, :]).reshape(-1, n)
        keys = flat(kids, level)
        ids = (first[:, None] + np.arange(len(bits))[None, :]).reshape(-1)
        order = np.argsort(keys)
        keys, ids = keys[order], ids[order]

        def lookup(cells: np.ndarray, keys=keys, ids=ids, level=level) -> np.ndarray:
            return ids[np.searchsorted(keys, flat(cells, level))]

        nodes[level] = lookup
    return np.concatenate(child), nodes


class CellTree:
    """The leaves of a refined grid while a certificate is built
    (:mod:`symstab.certify.manifold`): level 0 dense (``grid.dims``), finer levels as
    lists of cells (integer coordinates at that level), each with its status
    (:data:`OUTSIDE`, :data:`GOOD`, :data:`BAD`, :data:`HOPELESS`), whether it was halved,
    and its constants L, ν, Λ (floats rounded outward); ``blocked`` marks the level-0
    cells of boxes never evaluated (not certified, not tube cells).

    Parameters
    ----------
    grid
        The grid (its ``depth`` is the finest level).
    eps
        The tube level of level 0 (level ℓ: ``eps / 4^ℓ``).
    """

    def __init__(self, grid: TubeGrid, eps: Fraction) -> None:
        self.grid = grid
        self.n = grid.n
        self.eps = [eps / 4**lev for lev in range(grid.depth + 1)]
        shape = grid.dims
        self.cells: list[np.ndarray] = [np.zeros((0, grid.n), dtype=np.int64)]
        self.status: list[np.ndarray] = [np.zeros(shape, dtype=np.int8)]
        self.refined: list[np.ndarray] = [np.zeros(shape, dtype=bool)]
        self.lip: list[np.ndarray] = [np.full(shape, -np.inf)]
        self.nu: list[np.ndarray] = [np.full(shape, np.inf)]
        self.lam: list[np.ndarray] = [np.full(shape, -np.inf)]
        self.keys: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]  # sorted flat keys
        self.order: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
        self.blocked = np.zeros(shape, dtype=bool)  # level 0, never certified, not tube

    @property
    def levels(self) -> int:
        """The number of levels with leaves so far."""
        return len(self.cells)

    def dims(self, lev: int) -> np.ndarray:
        """Cells per axis at a level."""
        return np.array(self.grid.dims, dtype=np.int64) << lev

    def flat(self, cells: np.ndarray, lev: int) -> np.ndarray:
        """Row-major flat indices of level-``lev`` cells ``(m, n)``."""
        dims = self.dims(lev)
        out = np.zeros(len(cells), dtype=np.int64)
        for i in range(self.n):
            out = out * dims[i] + cells[:, i]
        return out

    def set(self, lev: int, cell: Sequence[int] | int, status: int,
            consts: tuple[float, float, float] | None) -> None:
        """Record a level-0 cell's status and constants (floats rounded outward)."""
        self.status[lev][cell] = status
        if consts is not None:
            self.lip[lev][cell], self.nu[lev][cell], self.lam[lev][cell] = consts

    def add_level(self, lev: int, cells: np.ndarray, status: np.ndarray,
                  consts: np.ndarray) -> None:
        """Add leaves of level ``lev`` (children of cells of the level above; only the
        finest level may grow)."""
        if len(self.cells) == lev:
            for name in ("cells", "status", "refined", "lip", "nu", "lam", "keys", "order"):
                getattr(self, name).append(None)
        else:  # more children of the same level
            cells = np.concatenate([self.cells[lev], cells])
            status = np.concatenate([self.status[lev], status])
            consts = np.concatenate([np.stack([self.lip[lev], self.nu[lev], self.lam[lev]],
                                              axis=1), consts])
        self.cells[lev] = cells
        self.status[lev] = status
        self.refined[lev] = np.zeros(len(cells), dtype=bool)
        self.lip[lev], self.nu[lev], self.lam[lev] = (consts[:, i].copy() for i in range(3))
        keys = self.flat(cells, lev)
        self.order[lev] = np.argsort(keys, kind="stable")
        self.keys[lev] = keys[self.order[lev]]

    def find(self, lev: int, cells: np.ndarray) -> np.ndarray:
        """Positions in the level-``lev`` lists of ``cells`` (−1 where absent)."""
        keys = self.flat(cells, lev)
        at = np.searchsorted(self.keys[lev], keys)
        at = np.minimum(at, len(self.keys[lev]) - 1) if len(self.keys[lev]) else at * 0
        hit = (self.keys[lev][at] == keys) if len(self.keys[lev]) else np.zeros(len(keys), bool)
        return np.where(hit, self.order[lev][at] if len(self.keys[lev]) else 0, -1)

    def aggregates(self) -> list[tuple[np.ndarray, ...]]:
        """Per level and cell, over the leaves under it (the cell itself if a leaf):
        (some leaf not good, max L, min ν, max Λ, deepest level)."""
        out: list[tuple[np.ndarray, ...]] = [()] * len(self.cells)
        below: tuple[np.ndarray, ...] | None = None
        for lev in range(len(self.cells) - 1, -1, -1):
            st = self.status[lev]
            bad = (st == BAD) | (st == HOPELESS)
            if lev == 0:
                bad = bad | self.blocked
            good = st == GOOD
            agg = [bad, np.where(good, self.lip[lev], -np.inf),
                   np.where(good, self.nu[lev], np.inf), np.where(good, self.lam[lev], -np.inf),
                   np.full(st.shape, lev, dtype=np.int64)]
            if below is not None:
                parents = self.cells[lev + 1] >> 1
                rf = self.refined[lev]
                if lev == 0:
                    index: Any = tuple(parents.T)
                else:
                    index = self.find(lev, parents)
                agg = [np.where(rf, neutral, v) for v, neutral in
                       zip(agg, (False, -np.inf, np.inf, -np.inf, 0), strict=True)]
                for a, b, op in zip(agg, below, (np.logical_or, np.maximum, np.minimum,
                                                 np.maximum, np.maximum), strict=True):
                    op.at(a, index, b)
            out[lev] = tuple(agg)
            below = out[lev]
        return out

    def entries(self, lev: int, k: int,
                aggs: list[tuple[np.ndarray, ...]] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """The good leaves of level ``lev`` whose k-neighbourhood (at that level) lies in
        the grid and holds only good leaves: their cells ``(m, n)`` and, per cell, the
        worst (L, ν, Λ) over the neighbourhood and its deepest level."""
        aggs = self.aggregates() if aggs is None else aggs
        n = self.n
        if lev == 0:
            bad, lip, nu, lam, deep = aggs[0]
            leaf = (self.status[0] == GOOD) & ~self.refined[0]
            near_bad = shift_max(bad.astype(np.int8), k, 1) > 0
            ok = leaf & ~near_bad
            cells = np.array(np.nonzero(ok), dtype=np.int64).T.reshape(-1, n)
            worst = np.stack([shift_max(lip, k, -np.inf)[ok],
                              -shift_max(-nu, k, -np.inf)[ok],
                              shift_max(lam, k, -np.inf)[ok],
                              shift_max(deep.astype(float), k, 0.0)[ok]], axis=1)
            return cells, worst.reshape(-1, 4)
        leaf = (self.status[lev] == GOOD) & ~self.refined[lev]
        cand = self.cells[lev][leaf]
        offsets = np.array(list(product(range(-k, k + 1), repeat=n)), dtype=np.int64)
        dims = self.dims(lev)
        keep_cells, keep_worst = [], []
        for start in range(0, len(cand), 4096):
            part = cand[start:start + 4096]
            pos = (part[:, None, :] + offsets[None, :, :]).reshape(-1, n)
            inside = np.all((pos >= 0) & (pos < dims), axis=1)
            pos = np.where(inside[:, None], pos, 0)
            vals = [np.zeros(len(pos), bool), np.full(len(pos), -np.inf),
                    np.full(len(pos), np.inf), np.full(len(pos), -np.inf),
                    np.zeros(len(pos), dtype=np.int64)]
            pending = np.ones(len(pos), dtype=bool)
            for up in range(lev, -1, -1):
                p = pos[pending] >> (lev - up)
                if up == 0:
                    where = np.nonzero(pending)[0]
                    for v, a in zip(vals, aggs[0], strict=True):
                        v[where] = a[tuple(p.T)]
                    break
                at = self.find(up, p)
                where = np.nonzero(pending)[0][at >= 0]
                for v, a in zip(vals, aggs[up], strict=True):
                    v[where] = a[at[at >= 0]]
                pending[where] = False
            m = len(part)
            bad = (vals[0] | ~inside).reshape(m, -1).any(axis=1)
            worst = np.stack([vals[1].reshape(m, -1).max(axis=1),
                              vals[2].reshape(m, -1).min(axis=1),
                              vals[3].reshape(m, -1).max(axis=1),
                              vals[4].reshape(m, -1).max(axis=1).astype(float)], axis=1)
            keep_cells.append(part[~bad])
            keep_worst.append(worst[~bad])
        if not keep_cells:
            return np.zeros((0, n), dtype=np.int64), np.zeros((0, 4))
        return np.concatenate(keep_cells), np.concatenate(keep_worst)

    def refinable(self, lev: int, k: int, kind: int) -> np.ndarray:
        """The leaves of level ``lev`` worth halving: tube cells of status ``kind`` (GOOD or
        BAD: not hopeless), not entry cells (as ``(m, n)`` cells)."""
        st = self.status[lev]
        want = st == kind
        entry, _ = self.entries(lev, k)
        if lev == 0:
            want = want & ~self.blocked
            if len(entry):
                want[tuple(entry.T)] = False
            return np.array(np.nonzero(want), dtype=np.int64).T.reshape(-1, self.n)
        cells = self.cells[lev][want & ~self.refined[lev]]
        if len(entry) and len(cells):
            drop = np.isin(self.flat(cells, lev), self.flat(entry, lev))
            cells = cells[~drop]
        return cells


def shift_max(a: np.ndarray, k: int, fill: float) -> np.ndarray:
    """The max over the Chebyshev k-neighbourhood of each cell of the array ``a``
    (``fill`` outside it)."""
    out = a.copy()
    for axis in range(a.ndim):
        padded = np.pad(out, [(k, k) if i == axis else (0, 0) for i in range(a.ndim)],
                        constant_values=fill)
        stacked = [np.take(padded, range(s, s + a.shape[axis]), axis=axis)
                   for s in range(2 * k + 1)]
        out = np.maximum.reduce(stacked)
    return out
