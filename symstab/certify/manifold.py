"""Certified convergence to a manifold of minima: PL tubes on a grid of cells.

For a loss in residual form f = f* + Σ_k c_k r_k² (:mod:`symstab.exact.residual`: every
linear-network loss with a squared error) the global minima form the set
M = {r = 0}, usually a manifold (the hyperbola xy = 1, the surface abc = 1). Near a
compact piece of M where λmax(∇²f) < 2/η, GD converges to a point of M with monotone
descent. :func:`certify_manifold_regions` proves this on regions around every such piece
inside a window, by interval arithmetic with outward rounding.

The certificate
---------------
A regular grid of closed cells of width h (dyadic) covers the window padded by k + 1
cells (k = ``neighbourhood``). Fix a tube level ε > 0. A *tube cell* is a cell on which
an arb enclosure of f − f* does not exceed ε somewhere; the other cells hold no point
with f − f* <= ε (found by recursive bisection from large boxes, pruning a box as soon as
its enclosure of f − f* lies above ε). A box on which some diagonal entry of ∇²f is at
least 2/η is not searched further: λmax >= 2/η on all of it, and all its cells count as
not good. On every tube cell j, arb enclosures of ∇²f and of
the Gram matrix J Jᵀ (J = ∂r/∂θ) give, by exact midpoint bounds and Weyl's inequality
(:mod:`symstab.certify.spectral`), certified constants

    λmax(∇²f) <= L_j,    ν_j <= λmin(J Jᵀ),    λmax(J Jᵀ) <= Λ_j    on the cell,

(the cell is bisected once more when they are too loose). The cell is *good* if ν_j > 0
and η L_j < 2. A good cell i is an *entry cell* if every cell within Chebyshev distance k
lies in the grid and every tube cell among them is good. With L, ν, Λ the worst values
over those tube cells, c = 1 − ηL/2 > 0, μ = 2 c_min ν, q = max(0, 1 − 2μηc),

    A = √(η/c) / (1 − √q) + 2η √(c_max Λ),    ε₀ = min(ε/2, ((k − ½) h / A)²),

(all in exact rational arithmetic, each quantity rounded in the safe direction; η by an
exact rational enclosure), every GD orbit from a point θ₀ of cell i with
f(θ₀) − f* <= ε₀ converges to a point of M, and the loss decreases at every step:

1. Write R for the set of points of the tube cells within distance k of i with
   f − f* <= ε. On R, 4 c_min ν (f − f*) <= ‖∇f‖² <= 4 c_max Λ (f − f*) (residual form),
   i.e. the PL inequality ‖∇f‖² >= 2μ(f − f*), and λmax(∇²f) <= L.
2. Suppose θ₀, ..., θ_t lie in R with f − f* <= ε₀. The step from θ_t has length
   η‖∇f(θ_t)‖ <= 2η√(c_max Λ ε₀) =: s. Along the segment θ_t − τη∇f(θ_t), τ ∈ [0, 1],
   Taylor's theorem with H <= L gives f <= f(θ_t) − τη‖∇f‖²(1 − τηL/2) <= f(θ_t) as long
   as the segment stays in R; it cannot leave R first, because it stays at distance at
   most P + s < k h from θ₀ (the grid neighbourhood contains the ball of radius kh about
   θ₀) and f stays at most f(θ_t) <= f* + ε₀ < f* + ε (a continuity argument). So
   f(θ_{t+1}) <= f(θ_t) − ηc‖∇f(θ_t)‖² and, by PL, f(θ_{t+1}) − f* <= q (f(θ_t) − f*).
3. The step lengths then satisfy η‖∇f(θ_t)‖ <= √(η(f(θ_t) − f(θ_{t+1}))/c)
   <= √(η/c) q^{t/2} √ε₀, whose sum over all t is at most P = √(ηε₀/c)/(1 − √q); with
   P + s <= (k − ½) h (the choice of ε₀) every iterate stays in R, by induction.
4. The orbit has finite length, so it converges; f − f* → 0 along it, so the limit θ∞
   has r(θ∞) = 0: it lies on M. The loss decreased strictly at every step (or the orbit
   sat at a point of M).

The limit lies within (k − ½)h of θ₀, so in the cluster (connected set of tube cells) of
cell i: every cluster becomes one :class:`~symstab.certify.tube.TubeRegion`, with its
own attractor label (a cluster without an entry cell certifies nothing; its cells serve
the numerical criterion of the basin kernels). Cells near points of M where λmax >= 2/η are
not good, and the entry cells keep k cells away from them: the regions cover the part of
M where GD at this η is linearly stable (M_WS(η)), up to a margin. Points where the
residuals' Jacobian loses rank (ν = 0) are never certified.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from typing import Any

import numpy as np
import sympy as sp
from mpmath import libmp

from symstab.certify.spectral import interval_spectrum_bounds
from symstab.certify.tube import TubeGrid, TubeRegion
from symstab.codegen import compile_expressions
from symstab.errors import InputError
from symstab.exact import derivatives as d
from symstab.exact.residual import ResidualForm, residual_form
from symstab.inputs import StepSize, StepSizeLike
from symstab.intervals import arb_mid_rad, dyadic, sqrt_up
from symstab.loss import Loss

__all__ = ["DEFAULT_CELLS", "MAX_GRID_CELLS", "ManifoldCertificate", "certify_manifold_regions"]

#: Default cells per axis of the padded window, by dimension (4 and more: 16).
DEFAULT_CELLS = {1: 1024, 2: 256, 3: 96}
#: Most cells of a grid (the float64 lookup table of the basin kernel holds them all).
MAX_GRID_CELLS = 1 << 22


@dataclass(frozen=True)
class ManifoldCertificate:
    """The regions of one certificate and how they were found.

    Attributes
    ----------
    regions
        One :class:`~symstab.certify.tube.TubeRegion` per piece of M with an entry cell.
    grid
        The cell grid.
    tube_level
        ε, the level that decides tube cells.
    tube_cells, good_cells, entry_cells
        Counts of cells.
    evaluations
        Interval evaluations of boxes.
    seconds
        Wall time.
    """

    regions: tuple[TubeRegion, ...]
    grid: TubeGrid | None
    tube_level: Fraction
    tube_cells: int
    good_cells: int
    entry_cells: int
    evaluations: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "regions": [r.to_dict() for r in self.regions],
            "grid": self.grid.to_dict() if self.grid else None,
            "tube_level": float(self.tube_level),
            "tube_cells": self.tube_cells,
            "good_cells": self.good_cells,
            "entry_cells": self.entry_cells,
            "evaluations": self.evaluations,
            "seconds": self.seconds,
        }


def _frac(x: Any) -> Fraction:
    return Fraction(int(x.p), int(x.q)) if isinstance(x, sp.Rational) else Fraction(x)


class _Boxes:
    """The compiled arb functions evaluated on boxes: f − f*, then H and J Jᵀ too."""

    def __init__(self, loss: Loss, form: ResidualForm, dps: int) -> None:
        params = loss.params
        n, m = loss.n, len(form.residuals)
        excess = sp.Add(*(c * r**2 for c, r in zip(form.weights, form.residuals, strict=True)))
        hess = d.hessian(loss)
        self.n, self.m = n, m
        self._screen = compile_expressions([excess, *(hess[i, i] for i in range(n))], params,
                                           "arb", dps=dps, name="screen")
        upper_h = [hess[i, j] for i in range(n) for j in range(i, n)]
        upper_g = [form.gram[i][j] for i in range(m) for j in range(i, m)]
        self._all = compile_expressions([excess, *upper_h, *upper_g], params, "arb",
                                        dps=dps, name="tube")
        self.evaluations = 0

    def _box(self, sides: Sequence[tuple[Fraction, Fraction]]) -> list[Any]:
        return [self._all.enclose(s) for s in sides]

    def screen(self, sides: Sequence[tuple[Fraction, Fraction]], level: Fraction,
               threshold: Fraction) -> str | None:
        """``"outside"`` if f − f* > ``level`` on the box; ``"hopeless"`` if some diagonal
        entry of H exceeds ``threshold`` on all of it (then λmax(H) >= threshold
        everywhere: no cell of the box can be certified); else None."""
        self.evaluations += 1
        with self._screen.workprec():
            values = self._screen([self._screen.enclose(s) for s in sides])
        mr = arb_mid_rad(values[0])
        if mr is not None and mr[0] - mr[1] > level:
            return "outside"
        for diagonal in values[1:]:
            mr = arb_mid_rad(diagonal)
            if mr is not None and mr[0] - mr[1] >= threshold:
                return "hopeless"
        return None

    def constants(self, sides: Sequence[tuple[Fraction, Fraction]], level: Fraction,
                  threshold: Fraction) -> tuple[Fraction, Fraction, Fraction] | str | None:
        """``(L, ν, Λ)`` on the box; ``"outside"`` if f − f* > level on it; ``"bad"`` if
        already the midpoint matrices have λmax(H) >= ``threshold`` or λmin(J Jᵀ) <= 0
        (float estimates: the box cannot be certified, however it is cut); None if the
        enclosures are not finite."""
        self.evaluations += 1
        n, m = self.n, self.m
        with self._all.workprec():
            values = self._all(self._box(sides))
            mr = arb_mid_rad(values[0])
            if mr is not None and mr[0] - mr[1] > level:
                return "outside"
            hess = _symmetric(values[1:1 + n * (n + 1) // 2], n)
            gram = _symmetric(values[1 + n * (n + 1) // 2:], m)
            if _midpoint_extreme(hess, top=True) >= float(threshold) or _midpoint_extreme(
                    gram, top=False) <= 0:
                return "bad"
            h_bounds = interval_spectrum_bounds(hess)
            if m == 1:
                g_bounds = arb_mid_rad(gram[0][0])
                g_bounds = None if g_bounds is None else (
                    g_bounds[0] - g_bounds[1], g_bounds[0] + g_bounds[1])
            else:
                g_bounds = interval_spectrum_bounds(gram)
        if h_bounds is None or g_bounds is None:
            return None
        return h_bounds[1], g_bounds[0], g_bounds[1]


def _midpoint_extreme(matrix: list[list[Any]], top: bool) -> float:
    """The largest (``top``) or smallest eigenvalue of the float midpoint matrix (NaN
    compares false: such a box is left to the rigorous bounds)."""
    mid = np.array([[float(x.mid()) for x in row] for row in matrix])
    if not np.all(np.isfinite(mid)):
        return math.nan
    eig = np.linalg.eigvalsh(mid)
    return float(eig[-1] if top else eig[0])


def _symmetric(upper: Sequence[Any], n: int) -> list[list[Any]]:
    out: list[list[Any]] = [[None] * n for _ in range(n)]
    it = iter(upper)
    for i in range(n):
        for j in range(i, n):
            out[i][j] = out[j][i] = next(it)
    return out


def _halves(sides: Sequence[tuple[Fraction, Fraction]]) -> list[tuple]:
    parts = [((lo, (lo + hi) / 2), ((lo + hi) / 2, hi)) for lo, hi in sides]
    return list(product(*parts))


def _grid(window: Sequence[tuple[Fraction, Fraction]], cells: int, k: int) -> TubeGrid:
    width = max(hi - lo for lo, hi in window)
    usable = cells - 2 * (k + 1)
    if usable < 4:
        raise InputError(f"need more than {2 * k + 6} cells per axis", "cells")
    h = Fraction(1)
    target = width / usable
    while h < target:
        h *= 2
    while h / 2 >= target:
        h /= 2
    lo = tuple(math.floor(a / h) * h - (k + 1) * h for a, _ in window)
    dims = tuple(math.ceil((b - a0) / h) + (k + 1) for (_, b), a0 in zip(window, lo, strict=True))
    return TubeGrid(lo, h, dims)


def _window(window: Sequence[Sequence[Any]], n: int) -> tuple[tuple[Fraction, Fraction], ...]:
    if len(window) != n:
        raise InputError(f"the window needs {n} sides (lo, hi)", "window")
    out = []
    for side in window:
        try:
            lo, hi = (Fraction(str(v)) if isinstance(v, float) else Fraction(v) for v in side)
        except (TypeError, ValueError) as exc:
            raise InputError(f"bad window side {side!r}", "window") from exc
        if not lo < hi:
            raise InputError("window sides need lo < hi", "window")
        out.append((lo, hi))
    return tuple(out)


def _shift_max(a: np.ndarray, k: int, fill: float) -> np.ndarray:
    """max over the Chebyshev k-neighbourhood of each cell (``fill`` outside the grid)."""
    out = a.copy()
    for axis in range(a.ndim):
        padded = np.pad(out, [(k, k) if i == axis else (0, 0) for i in range(a.ndim)],
                        constant_values=fill)
        stacked = [np.take(padded, range(s, s + a.shape[axis]), axis=axis)
                   for s in range(2 * k + 1)]
        out = np.maximum.reduce(stacked)
    return out


def _clusters(tube: np.ndarray) -> tuple[np.ndarray, int]:
    """Connected components (Chebyshev adjacency) of the True cells: ids 1..count."""
    ids = np.zeros(tube.shape, dtype=np.int64)
    count = 0
    offsets = [o for o in product((-1, 0, 1), repeat=tube.ndim) if any(o)]
    for start in zip(*np.nonzero(tube), strict=True):
        if ids[start]:
            continue
        count += 1
        ids[start] = count
        stack = [start]
        while stack:
            cell = stack.pop()
            for o in offsets:
                nb = tuple(c + d for c, d in zip(cell, o, strict=True))
                if all(0 <= c < s for c, s in zip(nb, tube.shape, strict=True)) \
                        and tube[nb] and not ids[nb]:
                    ids[nb] = count
                    stack.append(nb)
    return ids, count


def certify_manifold_regions(
    loss: Loss,
    eta: StepSizeLike,
    window: Sequence[Sequence[Any]],
    *,
    cells: int | None = None,
    neighbourhood: int = 2,
    level: Any = None,
    dps: int = 30,
    first_label: int = 1,
    max_evaluations: int = 2_000_000,
) -> ManifoldCertificate:
    """Certified regions around the pieces of the set of minima inside ``window``.

    Parameters
    ----------
    loss
        A loss in residual form (:func:`symstab.exact.residual.residual_form`).
    eta
        The step size, in any spelling :meth:`~symstab.inputs.StepSize.of` accepts.
    window
        The box ``((lo, hi), ...)`` to cover (exact numbers or floats read as decimals);
        it is padded by ``neighbourhood + 1`` cells.
    cells
        Cells per axis of the padded window (default :data:`DEFAULT_CELLS`).
    neighbourhood
        k >= 1: the margin, in cells, between an entry cell and any cell that is not
        certified.
    level
        The tube level ε (default (k h)²/10).
    dps
        Working precision of the interval arithmetic.
    first_label
        The label of the first region; the others follow.
    max_evaluations
        Budget of box evaluations; boxes left when it runs out count as not certified.

    Returns
    -------
    ManifoldCertificate
        The regions (empty when the loss has no residual form whose residuals vanish in
        the window, or nothing could be certified) and counts.

    Raises
    ------
    InputError
        For a bad step size, window or option, or a loss without a residual form.
    """
    started = time.perf_counter()
    step = StepSize.of(eta)
    form = residual_form(loss)
    if form is None:
        raise InputError("the loss is not a sum of squared residuals", "loss")
    n = loss.n
    box = _window(window, n)
    k = int(neighbourhood)
    if k < 1:
        raise InputError("neighbourhood must be >= 1", "neighbourhood")
    grid = _grid(box, cells or DEFAULT_CELLS.get(n, 16), k)
    if grid.size > MAX_GRID_CELLS:
        raise InputError(f"the grid would have {grid.size} cells (at most {MAX_GRID_CELLS})",
                         "cells")
    eps = Fraction((k * grid.h) ** 2 / 10) if level is None else Fraction(level)
    eta_lo, eta_hi = step.bounds(dps)
    two_over_eta = Fraction(2) / eta_hi
    boxes = _Boxes(loss, form, dps)
    shape = grid.dims
    tube = np.zeros(shape, dtype=bool)
    good = np.zeros(shape, dtype=bool)
    blocked = np.zeros(shape, dtype=bool)  # not certified, whether tube cells or not
    big_l = np.full(shape, -np.inf)
    small_nu = np.full(shape, np.inf)
    big_lam = np.full(shape, -np.inf)

    def mark_leaf(cell: tuple[int, ...]) -> None:
        sides = grid.sides(cell)
        result = boxes.constants(sides, eps, two_over_eta)
        if result == "outside":
            return
        tube[cell] = True
        if result == "bad":
            return
        if result is None or result[0] >= two_over_eta or result[1] <= 0:
            worst = None
            for part in _halves(sides):
                sub = boxes.constants(part, eps, two_over_eta)
                if sub == "outside":
                    continue
                if sub is None or sub == "bad":
                    return
                worst = sub if worst is None else (
                    max(worst[0], sub[0]), min(worst[1], sub[1]), max(worst[2], sub[2]))
            if worst is None:
                tube[cell] = False
                return
            result = worst
        lip, nu, lam = result
        if lip < two_over_eta and nu > 0:
            good[cell] = True
            big_l[cell] = float(dyadic(lip, 53, libmp.round_ceiling))
            small_nu[cell] = float(dyadic(nu, 53, libmp.round_floor))
            big_lam[cell] = float(dyadic(lam, 53, libmp.round_ceiling))

    # recursive bisection from large aligned blocks of cells
    top = 1
    while top * 2 <= max(shape) // 4:
        top *= 2
    stack = [tuple(c) for c in product(*(range(0, s, top) for s in shape))]
    sizes = {c: top for c in stack}
    while stack:
        corner = stack.pop()
        size = sizes.pop(corner)
        if boxes.evaluations >= max_evaluations:
            ends = [min(c + size, s) for c, s in zip(corner, shape, strict=True)]
            blocked[tuple(slice(c, e) for c, e in zip(corner, ends, strict=True))] = True
            continue
        if size == 1:
            mark_leaf(corner)
            continue
        ends = [min(c + size, s) for c, s in zip(corner, shape, strict=True)]
        sides = tuple((a + c * grid.h, a + e * grid.h)
                      for a, c, e in zip(grid.lo, corner, ends, strict=True))
        verdict = boxes.screen(sides, eps, two_over_eta)
        if verdict == "outside":
            continue
        if verdict == "hopeless":
            blocked[tuple(slice(c, e) for c, e in zip(corner, ends, strict=True))] = True
            continue
        half = size // 2
        for child in product(*((c, c + half) for c in corner)):
            if all(c < s for c, s in zip(child, shape, strict=True)):
                stack.append(child)
                sizes[child] = half

    # entry cells: good, with every tube cell within k cells good and inside the grid
    blocked |= tube & ~good
    near_blocked = _shift_max(blocked.astype(np.int8), k, 1) > 0
    entry = good & ~near_blocked
    worst_l = _shift_max(np.where(good, big_l, -np.inf), k, -np.inf)
    worst_nu = -_shift_max(np.where(good, -small_nu, -np.inf), k, -np.inf)
    worst_lam = _shift_max(np.where(good, big_lam, -np.inf), k, -np.inf)
    c_min = min(_frac(c) for c in form.weights)
    c_max = max(_frac(c) for c in form.weights)
    reach = (k - Fraction(1, 2)) * grid.h
    levels: dict[tuple[int, ...], Fraction] = {}
    for cell in zip(*np.nonzero(entry), strict=True):
        level0 = _entry_level(Fraction(worst_l[cell]), Fraction(worst_nu[cell]),
                              Fraction(worst_lam[cell]), eta_lo, eta_hi, c_min, c_max, reach)
        if level0 is not None:
            levels[tuple(int(c) for c in cell)] = min(level0, eps / 2)
    ids, count = _clusters(tube)
    regions = []
    for cluster in range(1, count + 1):
        members = {c: v for c, v in levels.items() if ids[c] == cluster}
        in_cluster = ids == cluster
        cluster_cells = sorted(tuple(int(c) for c in cell)
                               for cell in zip(*np.nonzero(in_cluster), strict=True))
        cells_sorted = sorted(members) or cluster_cells
        mid = cells_sorted[len(cells_sorted) // 2]
        point = tuple(float(lo + hi) / 2 for lo, hi in grid.sides(mid))
        certified = in_cluster & good
        regions.append(TubeRegion(
            label=first_label + len(regions),
            eta=step.exact,
            loss=loss,
            f_star=sp.Rational(form.offset),
            grid=grid,
            levels={grid.flat(c): v for c, v in members.items()},
            cells=frozenset(grid.flat(c) for c in cluster_cells),
            point=point,
            constants={
                "nu_min": f"{float(np.min(small_nu[certified])):.6g}" if certified.any()
                else "none",
                "L_max": f"{float(np.max(big_l[certified])):.6g}" if certified.any()
                else "none",
                "two_over_eta": f"{float(two_over_eta):.6g}",
                "level_min": f"{float(min(members.values())):.3g}" if members else "none",
                "level_max": f"{float(max(members.values())):.3g}" if members else "none",
            },
            method=(f"PL tube on {len(members)} of {len(cluster_cells)} cells of width "
                    f"{float(grid.h):.4g} (arb at {dps} digits; neighbourhood {k} cells)"),
        ))
    return ManifoldCertificate(
        regions=tuple(regions),
        grid=grid,
        tube_level=eps,
        tube_cells=int(tube.sum()),
        good_cells=int(good.sum()),
        entry_cells=len(levels),
        evaluations=boxes.evaluations,
        seconds=time.perf_counter() - started,
    )


def _entry_level(lip: Fraction, nu: Fraction, lam: Fraction, eta_lo: Fraction,
                 eta_hi: Fraction, c_min: Fraction, c_max: Fraction,
                 reach: Fraction) -> Fraction | None:
    """ε₀ = ((k − ½)h / A)² of the module docstring, rounded down; None if c or 1 − √q
    is not positive."""
    c_lo = 1 - eta_hi * lip / 2
    if c_lo <= 0 or nu <= 0:
        return None
    mu = 2 * c_min * nu
    eta_c = min(e * (1 - e * lip / 2) for e in (eta_lo, eta_hi))  # concave in η
    q = max(Fraction(0), 1 - 2 * mu * eta_c)
    root_q = sqrt_up(q)
    if root_q >= 1:
        return None
    a = sqrt_up(eta_hi / c_lo) / (1 - root_q) + 2 * eta_hi * sqrt_up(c_max * max(lam, 0))
    a = dyadic(a, 64, libmp.round_ceiling)
    return dyadic((reach / a) ** 2, 64, libmp.round_floor)
