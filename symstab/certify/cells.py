"""Dyadic cells of a window, and the union of the cells already proved as a region.

:class:`CellGrid` cuts a window W = [a₁, b₁] × ... × [aₙ, bₙ] (exact rationals) into
``counts`` cells per axis; a cell ``(depth, index)`` of depth d is one of the 2ⁿᵈ pieces
of a top-level cell after d bisections in every coordinate. Its sides are exact
rationals, and its volume is vol(W)/(Π counts · 2ⁿᵈ).

:class:`ProvedCells` is the union of the cells of one label that
:func:`~symstab.certify.measure.certified_measure` has already proved to converge (or to
converge stably). It is a region in the sense of that function: ``label``,
``monotone`` and ``contains_box(sides)``, exact. A box lies in the union if every cell
that meets it (at the depth where it was proved, or through the cells it was split into)
has been proved; so an orbit that enters the box enters a proved cell, and converges.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from fractions import Fraction
from itertools import product
from typing import Any

from symstab.intervals import to_fraction

__all__ = ["MAX_TOP_CELLS", "CellGrid", "ProvedCells"]

#: A box meeting more top-level cells than this is not looked up (the answer is False).
MAX_TOP_CELLS = 64

Key = tuple[int, tuple[int, ...]]


class CellGrid:
    """The dyadic cells of a window.

    Parameters
    ----------
    window
        One exact ``(lo, hi)`` pair of ``Fraction`` per coordinate, lo < hi.
    counts
        Top-level cells per coordinate.

    Attributes
    ----------
    split
        The keys ``(depth, index)`` of the cells that were bisected (their children may
        be proved one by one).
    """

    def __init__(self, window: Sequence[tuple[Fraction, Fraction]],
                 counts: Sequence[int]) -> None:
        self.window = tuple(window)
        self.counts = tuple(counts)
        self.n = len(self.window)
        self.sizes = tuple((hi - lo) / c for (lo, hi), c in zip(self.window, self.counts,
                                                                 strict=True))
        self.split: set[Key] = set()
        self._width_cache: list[tuple[Fraction, ...]] = []
        #: Per coordinate the origin a and the top-level size as integer pairs
        #: (a_num, a_den, size_num, size_den).
        self.units = tuple((lo.numerator, lo.denominator, s.numerator, s.denominator)
                           for (lo, _), s in zip(self.window, self.sizes, strict=True))

    def top(self) -> Iterator[Key]:
        """The top-level cells, in a fixed (lexicographic) order."""
        for index in product(*(range(c) for c in self.counts)):
            yield 0, index

    def sides(self, key: Key) -> tuple[tuple[Fraction, Fraction], ...]:
        """The exact sides of a cell."""
        depth, index = key
        out = []
        for (lo, _), width, i in zip(self.window, self._widths(depth), index, strict=True):
            start = lo + i * width
            out.append((start, start + width))
        return tuple(out)

    def _widths(self, depth: int) -> tuple[Fraction, ...]:
        while len(self._width_cache) <= depth:
            scale = 2 ** len(self._width_cache)
            self._width_cache.append(tuple(size / scale for size in self.sizes))
        return self._width_cache[depth]

    def share(self, depth: int) -> Fraction:
        """The volume of a cell of this depth as a fraction of the window's (exact)."""
        return Fraction(1, math.prod(self.counts) * 2 ** (self.n * depth))

    def children(self, key: Key) -> list[Key]:
        """The 2ⁿ halves of a cell, in a fixed order."""
        depth, index = key
        return [(depth + 1, tuple(2 * i + b for i, b in zip(index, bits, strict=True)))
                for bits in product((0, 1), repeat=self.n)]

    def center(self, key: Key) -> tuple[float, ...]:
        """The midpoint of a cell, in floats (rounded)."""
        depth, index = key
        return tuple(float(lo) + (i + 0.5) * float(width) for (lo, _), width, i
                     in zip(self.window, self._widths(depth), index, strict=True))

    def top_ranges(self, box: Sequence[tuple[Fraction, Fraction]]) -> list[range] | None:
        """Per coordinate, the top-level cells that meet the closed box; None if the box
        is not inside the window."""
        ranges = []
        for (lo, hi), (a, b), size, count in zip(box, self.window, self.sizes, self.counts,
                                                 strict=True):
            if lo < a or hi > b:
                return None
            first = min(max(math.floor((lo - a) / size), 0), count - 1)
            last = min(max(math.ceil((hi - a) / size) - 1, first), count - 1)
            ranges.append(range(first, last + 1))
        return ranges


class ProvedCells:
    """The union of the proved cells of one label, as a region.

    Parameters
    ----------
    grid
        The cells' grid.
    label
        The label of every cell in the union.
    monotone
        True for cells proved to converge *stably*: every orbit from a point of the union
        converges with the loss decreasing strictly at every step.
    """

    def __init__(self, grid: CellGrid, label: int, monotone: bool) -> None:
        self.grid = grid
        self.label = label
        self.monotone = monotone
        self.cells: set[Key] = set()
        # a float bounding box of the union, widened by a margin far above the rounding
        # of its corners: a box reaching outside it cannot be covered (a quick "no")
        self._hull = [[math.inf, -math.inf] for _ in range(grid.n)]
        self._margin = [1e-9 * float(hi - lo) for lo, hi in grid.window]

    def add(self, key: Key) -> None:
        """Add a proved cell (and every ancestor all of whose children are now covered)."""
        self.cells.add(key)
        for hull, (lo, hi), margin in zip(self._hull, self.grid.sides(key), self._margin,
                                          strict=True):
            hull[0] = min(hull[0], float(lo) - margin)
            hull[1] = max(hull[1], float(hi) + margin)
        while key[0] > 0:
            depth, index = key
            parent = (depth - 1, tuple(i // 2 for i in index))
            if parent in self.cells or not all(
                    child in self.cells for child in self.grid.children(parent)):
                return
            self.cells.add(parent)
            key = parent

    def contains_box(self, sides: Sequence[tuple[Any, Any]]) -> bool:
        """Whether the closed box lies in the union of the proved cells (exact).

        Parameters
        ----------
        sides
            One ``(lo, hi)`` pair per coordinate, exact rationals.

        Returns
        -------
        bool
            True only if every top-level cell meeting the box (touching counts) was
            proved, or was split and every child meeting the box is, recursively. False
            for a box outside the window, one meeting more than :data:`MAX_TOP_CELLS`
            top-level cells, or sides that are not exact numbers.
        """
        grid = self.grid
        if not self.cells or len(sides) != grid.n:
            return False
        try:
            if any(float(lo) < hull[0] or float(hi) > hull[1]
                   for (lo, hi), hull in zip(sides, self._hull, strict=True)):
                return False
        except (TypeError, ValueError, OverflowError):
            return False
        scaled = []
        for side, (a_num, a_den, s_num, s_den), count in zip(sides, grid.units, grid.counts,
                                                             strict=True):
            lo, hi = side
            lo = lo if type(lo) is Fraction else to_fraction(lo)
            hi = hi if type(hi) is Fraction else to_fraction(hi)
            if lo is None or hi is None or lo > hi:
                return False
            # u = (lo − a)/size and v = (hi − a)/size, in units of top-level cells, as
            # integer quotients p/q (q > 0).
            p = (lo.numerator * a_den - a_num * lo.denominator) * s_den
            q = lo.denominator * a_den * s_num
            r = (hi.numerator * a_den - a_num * hi.denominator) * s_den
            t = hi.denominator * a_den * s_num
            if p < 0 or r > count * t:
                return False
            scaled.append((p, q, r, t, count))
        ranges: dict[int, list[tuple[int, int]]] = {}

        def meeting(depth: int) -> list[tuple[int, int]]:
            # Cell i of this depth meets [u, v] iff i <= v·2^d and i + 1 >= u·2^d.
            if depth not in ranges:
                ranges[depth] = [(max(-((-(p << depth)) // q) - 1, 0),
                                  min(((r << depth) // t), (c << depth) - 1))
                                 for p, q, r, t, c in scaled]
            return ranges[depth]

        top = meeting(0)
        if math.prod(hi - lo + 1 for lo, hi in top) > MAX_TOP_CELLS:
            return False
        return all(self._covered((0, index), meeting)
                   for index in product(*(range(lo, hi + 1) for lo, hi in top)))

    def _covered(self, key: Key, meeting: Any) -> bool:
        if key in self.cells:
            return True
        if key not in self.grid.split:
            return False
        depth = key[0] + 1
        choices = [[j for j in (2 * i, 2 * i + 1) if lo <= j <= hi]
                   for i, (lo, hi) in zip(key[1], meeting(depth), strict=True)]
        return all(self._covered((depth, index), meeting) for index in product(*choices))
