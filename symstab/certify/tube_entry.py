"""The entry set of a :class:`~symstab.certify.tube.TubeRegion`, tested on parallelepipeds.

A tube region's *entry points* are the points θ of its entry cells with
f(θ) − f* <= the cell's level ε₀ (the proof that GD converges from them is in
:mod:`symstab.certify.manifold`). Near a curve of minima the entry set is a thin band,
and an axis-aligned box around the image of a cell rarely fits in it. :class:`TubeEntry`
wraps a tube region (same ``label``, ``monotone``, ``eta``, ``contains_box``) and adds
``contains_shape``: whether every point of a :class:`~symstab.certify.shape.Shape`
S = {c + A u + Q r} is an entry point. A True is never wrong:

1. Box. B is an arb box containing S and the centre ball 𝐜 (:meth:`Shape.hull` met with
   nothing else, joined with 𝐜); it must lie inside the tube grid.
2. Level. The loss is in residual form, f = f₀ + Σₖ wₖ rₖ² (f₀ <= f*, wₖ > 0 rational,
   :func:`~symstab.exact.residual.residual_form`). For θ = c + A u + Q r ∈ S (c ∈ 𝐜) the
   mean value theorem on the segment from c to θ (inside the convex box B) gives
   rₖ(θ) = rₖ(c) + ∇rₖ(ξ)·(A u + Q r), ξ ∈ B, so rₖ(S) lies in
   rₖ(𝐜) + (∇rₖ(B)A)[−1, 1]ⁿ + (∇rₖ(B)Q)𝐫 (the row products formed first, so the part
   along the curve, where ∇rₖ ⟂ A's long column, nearly cancels), met with the natural
   enclosure rₖ(B). Then F = sup(f₀ − f* + Σₖ wₖ rₖ(S)²) bounds f − f* on S.
3. Cells. Every grid cell that meets B is either an entry cell of the region (its level
   is collected) or provably disjoint from S: in the frame Q, Q⁻¹(θ − c) lies in
   (𝐐A)[−1, 1]ⁿ + 𝐫 for θ ∈ S (𝐐 ∋ Q⁻¹), so a cell C with 𝐐(C − 𝐜) disjoint from that
   box in some coordinate misses S; so does a cell on which f − f* > F (every point of S
   has f − f* <= F).
4. S is in the entry set if F <= the smallest collected level: each θ ∈ S lies in some
   grid cell meeting B, which by 3 is an entry cell with level >= F >= f(θ) − f*.

When 2-4 fail, S is cut in two along the longest column of A (:meth:`Shape.halves`, the
union of the halves contains S) and each half is tested, at most ``max_splits`` times in
depth; S is in the entry set if every piece is (each piece by 1-4). Cutting shortens A,
which shrinks the curvature term ∇rₖ(B)A and the cells a piece meets. A float estimate of
the thickness across the curve (which no cut reduces) decides when not to cut; it only
saves work.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

from symstab.certify.shape import Shape
from symstab.certify.tube import TubeRegion
from symstab.codegen import compile_expressions
from symstab.exact.residual import residual_form
from symstab.intervals import arb_mid_rad

__all__ = ["DEFAULT_MAX_SPLITS", "TubeEntry"]

#: How often a shape may be cut in two (in depth) in :meth:`TubeEntry.contains_shape`.
DEFAULT_MAX_SPLITS = 4
#: Most grid cells one piece may meet (more: the piece is cut).
MAX_PIECE_CELLS = 256


class TubeEntry:
    """A tube region whose entry set is also tested on shapes (module docstring).

    Parameters
    ----------
    region
        The tube region.
    dps
        Working precision of the residual enclosures.
    max_splits
        How often a shape may be cut in two, in depth.

    Attributes
    ----------
    region, label, monotone, eta
        The region and its attributes.
    """

    def __init__(self, region: TubeRegion, dps: int = 30,
                 max_splits: int = DEFAULT_MAX_SPLITS) -> None:
        self.region = region
        self.label = region.label
        self.monotone = region.monotone
        self.eta = region.eta
        self.max_splits = max_splits
        grid = region.grid
        self._grid = grid
        self._extent = tuple((a, a + d * grid.h) for a, d in zip(grid.lo, grid.dims,
                                                                 strict=True))
        self._level_max = max(region.levels.values(), default=Fraction(0))
        self._level_float = float(self._level_max)
        self._lo_float = tuple(float(a) for a in grid.lo)
        self._h_float = float(grid.h)
        form = residual_form(region.loss)
        self._compiled = None
        if form is None or not all(w.is_Rational for w in form.weights) or \
                not sp.Add(form.offset, -region.f_star).is_Rational:
            return
        n = grid.n
        self._m = len(form.residuals)
        exprs = [*form.residuals, *(g for row in form.jacobian for g in row)]
        self._compiled = compile_expressions(exprs, form.params, "arb", dps=dps,
                                             name="tube_entry")
        self._weights_q = [Fraction(int(w.p), int(w.q)) for w in form.weights]
        gap = sp.Rational(form.offset - region.f_star)
        self._gap_q = Fraction(int(gap.p), int(gap.q))
        self._n = n

    def __repr__(self) -> str:
        return f"TubeEntry({self.region.method or 'tube'}, label {self.label})"

    def contains_box(self, sides: Sequence[tuple[Fraction, Fraction]]) -> bool:
        """:meth:`TubeRegion.contains_box` of the wrapped region."""
        return self.region.contains_box(sides)

    def contains_shape(self, shape: Shape) -> bool:
        """Whether every point of ``shape`` is an entry point (a True is never wrong).

        Parameters
        ----------
        shape
            The set S (arb balls at any precision; evaluated at this object's).

        Returns
        -------
        bool
            True if S, or every piece of it after at most ``max_splits`` cuts in depth,
            passes the tests of the module docstring.
        """
        if self._compiled is None or not self.region.levels:
            return False
        with self._compiled.workprec():
            stack = [(shape, 0)]
            while stack:
                piece, depth = stack.pop()
                verdict = self._piece(piece)
                if verdict is True:
                    continue
                if verdict is False or depth >= self.max_splits:
                    return False
                stack += [(half, depth + 1) for half in piece.halves()]
        return True

    def _arb_q(self, q: Fraction) -> Any:
        arb = self._arb
        return arb(q.numerator) / q.denominator

    def _piece(self, piece: Shape) -> bool | str:
        """True (in the entry set), False (give up) or ``"split"`` (try the halves)."""
        self._arb = arb = type(piece.c[0])
        n, m = self._n, self._m
        if not self._near(piece):
            return False
        at_c = self._compiled(piece.c)
        if self._thick(piece, at_c):
            return False
        hull = [arb.union(h, c) for h, c in zip(piece.hull(), piece.c, strict=True)]
        sides = []
        for x, (lo, hi) in zip(hull, self._extent, strict=True):
            mr = arb_mid_rad(x)
            if mr is None:
                return False
            a, b = mr[0] - mr[1], mr[0] + mr[1]
            if a < lo or b > hi:
                return "split"
            sides.append((a, b))
        at_b = self._compiled(hull)
        unit = arb(0, 1)
        excess = self._arb_q(self._gap_q)
        residuals = []
        for k in range(m):
            grad = at_b[m + k * n: m + (k + 1) * n]
            acc = at_c[k]
            for j in range(n):
                ga = sum((grad[i] * piece.a[i][j] for i in range(1, n)), grad[0] * piece.a[0][j])
                gq = sum((grad[i] * piece.q[i][j] for i in range(1, n)), grad[0] * piece.q[0][j])
                acc = acc + ga * unit + gq * piece.r[j]
            rk = _meet(at_b[k], acc)
            residuals.append(rk)
            excess = excess + self._arb_q(self._weights_q[k]) * _square(rk)
        mr = arb_mid_rad(excess)
        if mr is None:
            return False
        bound = mr[0] + mr[1]
        if bound > self._level_max:
            return "split"
        frame = piece.frame_box()
        levels = self.region.levels
        grid = self._grid
        lowest = None
        for count, cell in enumerate(grid.cells_meeting(sides)):
            if count >= MAX_PIECE_CELLS:
                return "split"
            level = levels.get(grid.flat(cell))
            if level is None:
                if not self._misses(cell, piece, frame, bound):
                    return "split"
                continue
            lowest = level if lowest is None else min(lowest, level)
        if lowest is None:
            return False
        return True if bound <= lowest else "split"

    def _near(self, piece: Shape) -> bool:
        """Float test: is the grid cell of the centre an entry cell of this region? (If
        not, that cell meets the piece's box and would have to be proved disjoint from
        the piece; this only saves work.)"""
        grid = self._grid
        cell = []
        for x, a, d in zip(piece.c, self._lo_float, grid.dims, strict=True):
            i = math.floor((float(x.mid()) - a) / self._h_float)
            if not 0 <= i < d:
                return False
            cell.append(i)
        return grid.flat(cell) in self.region.levels

    def _thick(self, piece: Shape, at_c: Sequence[Any]) -> bool:
        """Float estimate: is f − f* across the shape (centre and remainder, which no cut
        reduces) already above the largest level? Only saves work."""
        n, m = self._n, self._m
        total = 0.0
        for k in range(m):
            grad = [float(at_c[m + k * n + i].mid()) for i in range(n)]
            across = abs(float(at_c[k].mid()))
            for j in range(n):
                gq = sum(grad[i] * float(piece.q[i][j].mid()) for i in range(n))
                across += abs(gq) * (abs(float(piece.r[j].mid())) + float(piece.r[j].rad()))
            total += float(self._weights_q[k]) * across * across
        return total > self._level_float

    def _misses(self, cell: tuple[int, ...], piece: Shape, frame: Sequence[Any],
                bound: Fraction) -> bool:
        """Whether the grid cell is proved disjoint from the piece (test 3)."""
        n = self._n
        box = [self._compiled.enclose(side) for side in self._grid.sides(cell)]
        dev = [x - c for x, c in zip(box, piece.c, strict=True)]
        for i in range(n):
            y = sum((piece.qinv[i][k] * dev[k] for k in range(1, n)), piece.qinv[i][0] * dev[0])
            if y.upper() < frame[i].lower() or y.lower() > frame[i].upper():
                return True
        values = self._compiled(box)
        excess = self._arb_q(self._gap_q)
        for k in range(self._m):
            excess = excess + self._arb_q(self._weights_q[k]) * _square(values[k])
        mr = arb_mid_rad(excess)
        return mr is not None and mr[0] - mr[1] > bound


def _meet(a: Any, b: Any) -> Any:
    """The intersection of two enclosures of the same set (either if the other is NaN)."""
    if not b.is_finite():
        return a
    if not a.is_finite():
        return b
    return a.intersection(b) if a.overlaps(b) else a


def _square(x: Any) -> Any:
    """x² as an interval from the endpoints of |x| (never below 0)."""
    return type(x).union(x.abs_lower() ** 2, x.abs_upper() ** 2)
