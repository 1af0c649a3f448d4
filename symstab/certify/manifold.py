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
cells (k = ``neighbourhood``); cells are halved where they fail, up to ``depth`` times,
so the *leaves* are cells of levels ℓ = 0, 1, ... of width h_ℓ = h/2^ℓ that tile the
grid. Fix a tube level ε > 0 and put ε_ℓ = ε/4^ℓ. A leaf of level ℓ is *outside* if an
arb enclosure of f − f* over it exceeds ε_ℓ, else a *tube leaf*. (Level 0 is searched
by recursive bisection from large boxes, pruning a box as soon as its enclosure of
f − f* lies above ε; a box on which some diagonal entry of ∇²f is at least 2/η is not
searched further: λmax >= 2/η on all of it, and it counts as *blocked*, as do the boxes
left when the evaluation budget runs out.) On a tube leaf c of level ℓ, arb enclosures
of the Gram matrix J Jᵀ (J = ∂r/∂θ) and of the Hessians ∇²r_k give, by exact midpoint
bounds and Weyl's inequality (:mod:`symstab.certify.spectral`), certified constants

    ν_c <= λmin(J Jᵀ),   λmax(J Jᵀ) <= Λ_c   on c,
    λmax(∇²f) <= L_c = 2 c_max Λ_c + Σ_k 2 √(c_k ε_ℓ) max_c ‖∇²r_k‖_F
                   at the points of c with f − f* <= ε_ℓ,

because ∇²f = 2 Σ_k c_k (∇r_k ∇r_kᵀ + r_k ∇²r_k), λmax(2 Jᵀ C J) <= 2 c_max λmax(J Jᵀ)
and c_k r_k² <= f − f* <= ε_ℓ there (with several residuals L_c is the interval bound of
λmax(∇²f) over c when that is smaller). A child of a good leaf may keep its parent's
constants instead: they hold on the parent's points with f − f* <= ε_ℓ, a superset of
the child's with f − f* <= ε_{ℓ+1}. The leaf is *good* if ν_c > 0 and η L_c < 2.

A good leaf i of level ℓ is an *entry cell* if the box N_i (cell i grown by k h_ℓ on
every side) lies in the grid, meets no blocked box, and every tube leaf meeting N_i is
good. With L, ν, Λ the worst values over the tube leaves meeting N_i, ε_N the smallest
ε_{ℓ(c)} over all leaves c meeting N_i, c = 1 − ηL/2 > 0, μ = 2 c_min ν,
q = max(0, 1 − 2μηc),

    A = √(η/c) / (1 − √q) + 2η √(c_max Λ),    ε₀ = min(ε_N/2, ((k − ½) h_ℓ / A)²),

(all in exact rational arithmetic, each quantity rounded in the safe direction; η by an
exact rational enclosure), every GD orbit from a point θ₀ of cell i with
f(θ₀) − f* <= ε₀ converges to a point of M, and the loss decreases at every step:

1. Write R = {θ ∈ N_i : f(θ) − f* <= ε_N}. A point of R lies in a leaf c meeting N_i,
   and f − f* <= ε_N <= ε_{ℓ(c)} there, so c is not outside: it is a good tube leaf and
   its constants hold at the point. So on R, 4 c_min ν (f − f*) <= ‖∇f‖² <=
   4 c_max Λ (f − f*) (residual form: ∇f = 2 Jᵀ C r), i.e. the PL inequality
   ‖∇f‖² >= 2μ(f − f*), and λmax(∇²f) <= L.
2. Suppose θ₀, ..., θ_t lie in R with f − f* <= ε₀. The step from θ_t has length
   η‖∇f(θ_t)‖ <= 2η√(c_max Λ ε₀) =: s. Along the segment θ_t − τη∇f(θ_t), τ ∈ [0, 1],
   Taylor's theorem with H <= L gives f <= f(θ_t) − τη‖∇f‖²(1 − τηL/2) <= f(θ_t) as long
   as the segment stays in R; it cannot leave R first, because it stays at distance at
   most P + s < k h_ℓ from θ₀ (N_i contains the ball of radius k h_ℓ about θ₀) and f
   stays at most f(θ_t) <= f* + ε₀ < f* + ε_N (a continuity argument). So
   f(θ_{t+1}) <= f(θ_t) − ηc‖∇f(θ_t)‖² and, by PL, f(θ_{t+1}) − f* <= q (f(θ_t) − f*).
3. The step lengths then satisfy η‖∇f(θ_t)‖ <= √(η(f(θ_t) − f(θ_{t+1}))/c)
   <= √(η/c) q^{t/2} √ε₀, whose sum over all t is at most P = √(ηε₀/c)/(1 − √q); with
   P + s <= (k − ½) h_ℓ (the choice of ε₀) every iterate stays in R, by induction.
4. The orbit has finite length, so it converges; f − f* → 0 along it, so the limit θ∞
   has r(θ∞) = 0: it lies on M. The loss decreased strictly at every step (or the orbit
   sat at a point of M).

The orbit and the segments between its iterates lie in R, whose points lie in level-0
tube cells (ε_N <= ε), so the limit lies in the cluster (connected set of level-0 tube
cells) of cell i: every cluster becomes one :class:`~symstab.certify.tube.TubeRegion`,
with its own attractor label (a cluster without an entry cell certifies nothing; its
cells serve the numerical criterion of the basin kernels). Cells near points of M where
λmax >= 2/η are not good, and the entry cells keep k cells of their own level away from
them: the regions cover the part of M where GD at this η is linearly stable (M_WS(η)),
up to a margin that shrinks with the level. Points where the residuals' Jacobian loses
rank (ν = 0) are never certified.

Which leaves are halved is a choice of work, not part of the proof: at each level the
tube leaves that are not good, then the good ones that are still not entry cells, unless
float estimates say that no part of the leaf can be certified (the Weyl lower bound of
2 c_min λmax(J Jᵀ) over it, the Gauss–Newton part of λmax(∇²f) near M, is at least 2/η)
or that the leaf lies past the edge (that lower bound is at least ``edge`` · 2/η: there
GD converges ever more slowly and the cells needed grow without bound).
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

from symstab.certify.spectral import interval_lambda_max, interval_spectrum_bounds
from symstab.certify.tube import BAD, GOOD, HOPELESS, OUTSIDE, CellTree, TubeGrid, TubeRegion
from symstab.codegen import compile_expressions
from symstab.errors import InputError
from symstab.exact import derivatives as d
from symstab.exact.residual import ResidualForm, residual_form
from symstab.inputs import StepSize, StepSizeLike
from symstab.intervals import arb_mid_rad, dyadic, sqrt_up
from symstab.loss import Loss

__all__ = ["DEFAULT_CELLS", "DEFAULT_DEPTH", "DEFAULT_NEIGHBOURHOOD", "MAX_GRID_CELLS",
           "ManifoldCertificate", "certify_manifold_regions"]

#: Default cells per axis of the padded window, by dimension (4 and more: 16).
DEFAULT_CELLS = {1: 1024, 2: 256, 3: 96}
#: Default refinement levels, by dimension (4 and more: 0). In 3-D, GD often comes to
#: rest at the edge of stability (λmax(θ∞) within 1 % of 2/η, e.g. chain3 at η = 2/5):
#: certifying it there takes cells of width h/2⁶ (about 1/1000).
DEFAULT_DEPTH = {1: 2, 2: 2, 3: 6}
#: Default neighbourhood k, by dimension (3 and more: 1).
DEFAULT_NEIGHBOURHOOD = {1: 2, 2: 2}
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
        Counts of cells (leaves of every level).
    refined_cells
        Cells that were halved.
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
    refined_cells: int = 0

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
            "refined_cells": self.refined_cells,
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
        self._c_min = float(min(_frac(c) for c in form.weights))
        self.edge = 1.0  # see certify_manifold_regions
        self._screen = compile_expressions([excess, *(hess[i, i] for i in range(n))], params,
                                           "arb", dps=dps, name="screen")
        upper_h = [hess[i, j] for i in range(n) for j in range(i, n)] if m > 1 else []
        upper_g = [form.gram[i][j] for i in range(m) for j in range(i, m)]
        # the Hessians of the residuals, every entry (for Frobenius norms)
        second = [sp.diff(r, a, b) for r in form.residuals for a in params for b in params]
        self._all = compile_expressions([excess, *upper_g, *second, *upper_h], params, "arb",
                                        dps=dps, name="tube")
        self._weights = [_frac(c) for c in form.weights]
        self._excess = compile_expressions([excess], params, "arb", dps=dps, name="excess")
        self.evaluations = 0

    def _box(self, sides: Sequence[tuple[Any, Any]], target: Any = None) -> list[Any]:
        """arb balls holding the sides (exact dyadics or floats): a ball with the float
        midpoint and radius when both ends are floats (exact then), else enclosed."""
        import flint

        out = []
        for lo, hi in sides:
            a, b = float(lo), float(hi)
            if a == lo and b == hi and math.isfinite(b - a):
                out.append(flint.arb((a + b) / 2, (b - a) / 2))  # exact: dyadic ends
            else:
                out.append((target or self._all).enclose((lo, hi)))
        return out

    def outside(self, sides: Sequence[tuple[Fraction, Fraction]], level: Fraction) -> bool:
        """Whether f − f* > ``level`` on the whole box (enclosure)."""
        self.evaluations += 1
        with self._excess.workprec():
            value = self._excess(self._box(sides, self._excess))[0]
            return bool(value > _ball(level))

    def screen(self, sides: Sequence[tuple[Fraction, Fraction]], level: Fraction,
               threshold: Fraction) -> str | None:
        """``"outside"`` if f − f* > ``level`` on the box; ``"hopeless"`` if some diagonal
        entry of H exceeds ``threshold`` on all of it (then λmax(H) >= threshold
        everywhere: no cell of the box can be certified); else None."""
        self.evaluations += 1
        with self._screen.workprec():
            values = self._screen(self._box(sides, self._screen))
        mr = arb_mid_rad(values[0])
        if mr is not None and mr[0] - mr[1] > level:
            return "outside"
        for diagonal in values[1:]:
            mr = arb_mid_rad(diagonal)
            if mr is not None and mr[0] - mr[1] >= threshold:
                return "hopeless"
        return None

    def constants(self, sides: Sequence[tuple[Any, Any]], level: Fraction,
                  threshold: Fraction) -> tuple[int, tuple[Fraction, Fraction, Fraction] | None]:
        """``(GOOD, (L, ν, Λ))`` with L < ``threshold`` and ν > 0: λmax(∇²f) <= L at the
        points of the box where f − f* <= ``level``, ν <= λmin(J Jᵀ) and λmax(J Jᵀ) <= Λ
        on the box; ``(OUTSIDE, None)`` if f − f* > ``level`` on it; ``(BAD, None)`` if no
        such constants were proved; ``(HOPELESS, None)`` if moreover float estimates say
        that refining the box will not pay (see :func:`certify_manifold_regions`).

        L is 2 c_max Λ + Σ_k 2 √(c_k ε) ‖∇²r_k‖_F (ε = ``level``: there c_k r_k² <= ε,
        and ∇²f = 2 Σ_k c_k (∇r_k ∇r_kᵀ + r_k ∇²r_k) with λmax(2 Jᵀ C J) <= 2 c_max
        λmax(J Jᵀ)), or, with several residuals, the interval bound of λmax(∇²f) on the
        box if smaller."""
        self.evaluations += 1
        n, m = self.n, self.m
        thr = float(threshold)
        with self._all.workprec():
            values = self._all(self._box(sides))
            if values[0] > _ball(level):  # certainly (arb comparisons are rigorous)
                return OUTSIDE, None
            gram = _symmetric(values[1:1 + m * (m + 1) // 2], m)
            rest = values[1 + m * (m + 1) // 2:]
            low, g_rad = _midpoint_extreme(gram, top=False)
            g_top, _ = _midpoint_extreme(gram, top=True)
            # λmax(∇²f) ≈ 2 c λmax(J Jᵀ) near M (the Gauss–Newton part)
            gn_low = 2 * self._c_min * (g_top - g_rad)
            if gn_low >= thr or low + g_rad <= 0:
                return HOPELESS, None
            fail = HOPELESS if gn_low >= self.edge * thr else BAD  # past the edge
            if 2 * self._c_min * g_top >= thr or low <= 0:  # NaN compares false: go on
                return fail, None
            if m == 1:
                g_bounds = arb_mid_rad(gram[0][0])
                g_bounds = None if g_bounds is None else (
                    g_bounds[0] - g_bounds[1], g_bounds[0] + g_bounds[1])
            else:
                g_bounds = interval_spectrum_bounds(gram)
            if g_bounds is None or g_bounds[0] <= 0:
                return fail, None
            term = _ball(2 * max(self._weights) * g_bounds[1])
            for k, c in enumerate(self._weights):
                entries = rest[k * n * n:(k + 1) * n * n]
                # Σ (upper bound of |e|)²: a ball of e² around 0 would have no square root
                frob = sum(abs(e).upper() ** 2 for e in entries)
                term += 2 * (_ball(c * level)).sqrt() * frob.sqrt()
            bound = arb_mid_rad(term)
            lip = None if bound is None else bound[0] + bound[1]
            if m > 1:
                direct = interval_lambda_max(_symmetric(rest[m * n * n:], n))
                lip = direct if lip is None or (direct is not None and direct < lip) else lip
        if lip is None or lip >= threshold:
            return fail, None
        return GOOD, (lip, g_bounds[0], g_bounds[1])


def _ball(q: Fraction) -> Any:
    """An arb ball holding the rational ``q``."""
    import flint

    return flint.arb(flint.fmpq(q.numerator, q.denominator))


def _midpoint_extreme(matrix: list[list[Any]], top: bool) -> tuple[float, float]:
    """The largest (``top``) or smallest eigenvalue of the float midpoint matrix and the
    Frobenius norm of the radii (NaN compares false: such a box is left to the rigorous
    bounds)."""
    if len(matrix) == 1:
        mid1, rad1 = float(matrix[0][0].mid()), float(matrix[0][0].rad())
        return (mid1, rad1) if math.isfinite(mid1) else (math.nan, math.nan)
    mid = np.array([[float(x.mid()) for x in row] for row in matrix])
    rad = math.sqrt(sum(float(x.rad()) ** 2 for row in matrix for x in row))
    if not np.all(np.isfinite(mid)):
        return math.nan, math.nan
    eig = np.linalg.eigvalsh(mid)
    return float(eig[-1] if top else eig[0]), rad


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


def _grid(window: Sequence[tuple[Fraction, Fraction]], cells: int, k: int,
          depth: int = 0) -> TubeGrid:
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
    return TubeGrid(lo, h, dims, depth)


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
    neighbourhood: int | None = None,
    level: Any = None,
    depth: int | None = None,
    edge: float = 0.997,
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
        k >= 1: the margin, in cells of its own level, between an entry cell and any cell
        that is not certified (default :data:`DEFAULT_NEIGHBOURHOOD`).
    level
        The tube level ε of level-0 cells (default (k h)²/10); a cell of level ℓ has
        ε/4^ℓ.
    depth
        Refinement levels (default :data:`DEFAULT_DEPTH`): a tube cell that is not an
        entry cell is halved, up to ``depth`` times, unless its enclosures say that no part
        of it can be certified, or a float lower estimate over it of λmax on M
        (2 c_min λmax(J Jᵀ), the Gauss–Newton part) is at least ``edge`` · 2/η: there GD
        converges too slowly for the refinement to pay (a choice of work, not part of
        the proof).
    edge
        See ``depth``.
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
    k = DEFAULT_NEIGHBOURHOOD.get(n, 1) if neighbourhood is None else int(neighbourhood)
    if k < 1:
        raise InputError("neighbourhood must be >= 1", "neighbourhood")
    depth = DEFAULT_DEPTH.get(n, 0) if depth is None else int(depth)
    if not 0 <= depth <= 12:
        raise InputError("depth must be in 0..12", "depth")
    grid = _grid(box, cells or DEFAULT_CELLS.get(n, 16), k, depth)
    if grid.size > MAX_GRID_CELLS:
        raise InputError(f"the grid would have {grid.size} cells (at most {MAX_GRID_CELLS})",
                         "cells")
    eps = Fraction((k * grid.h) ** 2 / 10) if level is None else Fraction(level)
    eta_lo, eta_hi = step.bounds(dps)
    two_over_eta = Fraction(2) / eta_hi
    boxes = _Boxes(loss, form, dps)
    if not 0 < float(edge) <= 1:
        raise InputError("edge must be in (0, 1]", "edge")
    boxes.edge = float(edge)
    tree = CellTree(grid, eps)
    _search(tree, boxes, two_over_eta, max_evaluations)
    for lev in range(depth):  # halve the level's cells that are not entry cells: the
        if lev >= tree.levels:  # nothing was halved at the level above
            break
        for kind in (BAD, GOOD):  # bad ones first, then the good ones still not entry
            _refine(tree, lev, tree.refinable(lev, k, kind), boxes, two_over_eta,
                    max_evaluations)
    entries = [tree.entries(lev, k) for lev in range(tree.levels)]
    c_min = min(_frac(c) for c in form.weights)
    c_max = max(_frac(c) for c in form.weights)
    tube = tree.status[0] != OUTSIDE
    good = tree.status[0] == GOOD
    ids, count = _clusters(tube)
    levels: dict[int, Fraction] = {}
    by_cluster: dict[int, dict[int, Fraction]] = {c: {} for c in range(1, count + 1)}
    memo: dict[tuple[float, ...], Fraction | None] = {}
    for lev, (cells_e, worst) in enumerate(entries):
        reach = (k - Fraction(1, 2)) * grid.h / (1 << lev)
        clusters = ids[tuple((cells_e >> lev).T)] if len(cells_e) else []
        for cell, (lip, nu, lam, deep), cluster in zip(cells_e, worst, clusters, strict=True):
            key = (lip, nu, lam, float(lev))
            if key not in memo:
                memo[key] = _entry_level(Fraction(lip), Fraction(nu), Fraction(lam), eta_lo,
                                         eta_hi, c_min, c_max, reach)
            if memo[key] is not None:
                name = grid.key(lev, tuple(int(c) for c in cell))
                levels[name] = by_cluster[int(cluster)][name] = min(
                    memo[key], tree.eps[int(deep)] / 2)
    regions = []
    for cluster in range(1, count + 1):
        members = by_cluster[cluster]
        in_cluster = ids == cluster
        cluster_cells = sorted(tuple(int(c) for c in cell)
                               for cell in zip(*np.nonzero(in_cluster), strict=True))
        keys_sorted = sorted(members)
        mid = grid.key_sides(keys_sorted[len(keys_sorted) // 2]) if keys_sorted else \
            grid.sides(cluster_cells[len(cluster_cells) // 2])
        point = tuple(float(lo + hi) / 2 for lo, hi in mid)
        certified = in_cluster & good
        regions.append(TubeRegion(
            label=first_label + len(regions),
            eta=step.exact,
            loss=loss,
            f_star=sp.Rational(form.offset),
            grid=grid,
            levels=members,
            cells=frozenset(grid.flat(c) for c in cluster_cells),
            point=point,
            constants={
                "nu_min": f"{float(np.min(tree.nu[0][certified])):.6g}" if certified.any()
                else "none",
                "L_max": f"{float(np.max(tree.lip[0][certified])):.6g}" if certified.any()
                else "none",
                "two_over_eta": f"{float(two_over_eta):.6g}",
                "level_min": f"{float(min(members.values())):.3g}" if members else "none",
                "level_max": f"{float(max(members.values())):.3g}" if members else "none",
            },
            method=(f"PL tube on {len(members)} entry cells (of widths h/2^l, l <= {depth}) "
                    f"over {len(cluster_cells)} cells of width {float(grid.h):.4g} (arb at "
                    f"{dps} digits; neighbourhood {k} cells)"),
        ))
    return ManifoldCertificate(
        regions=tuple(regions),
        grid=grid,
        tube_level=eps,
        tube_cells=sum(int(np.sum((st != OUTSIDE) & ~rf))
                       for st, rf in zip(tree.status, tree.refined, strict=True)),
        good_cells=sum(int(np.sum((st == GOOD) & ~rf))
                       for st, rf in zip(tree.status, tree.refined, strict=True)),
        entry_cells=len(levels),
        evaluations=boxes.evaluations,
        seconds=time.perf_counter() - started,
        refined_cells=sum(int(np.sum(rf)) for rf in tree.refined),
    )


def _search(tree: CellTree, boxes: _Boxes, threshold: Fraction, max_evaluations: int) -> None:
    """Level 0: recursive bisection from large aligned blocks of cells, pruning blocks
    outside the tube level and blocks where a diagonal entry of H is >= ``threshold``."""
    grid = tree.grid
    shape = grid.dims
    blocked = tree.blocked
    top = 1
    while top * 2 <= max(shape) // 4:
        top *= 2
    stack = [tuple(c) for c in product(*(range(0, s, top) for s in shape))]
    sizes = {c: top for c in stack}
    while stack:
        corner = stack.pop()
        size = sizes.pop(corner)
        ends = [min(c + size, s) for c, s in zip(corner, shape, strict=True)]
        block = tuple(slice(c, e) for c, e in zip(corner, ends, strict=True))
        if boxes.evaluations >= max_evaluations:
            blocked[block] = True
            continue
        if size == 1:
            status, consts = boxes.constants(grid.sides(corner), tree.eps[0], threshold)
            tree.set(0, corner, status, _outward(consts))
            continue
        sides = tuple((a + c * grid.h, a + e * grid.h)
                      for a, c, e in zip(grid.lo, corner, ends, strict=True))
        verdict = boxes.screen(sides, tree.eps[0], threshold)
        if verdict == "outside":
            continue
        if verdict == "hopeless":
            blocked[block] = True
            continue
        half = size // 2
        for child in product(*((c, c + half) for c in corner)):
            if all(c < s for c, s in zip(child, shape, strict=True)):
                stack.append(child)
                sizes[child] = half


def _refine(tree: CellTree, lev: int, parents: np.ndarray, boxes: _Boxes, threshold: Fraction,
            max_evaluations: int) -> bool:
    """Halve the level-``lev`` cells ``parents``: a child is a tube cell unless f − f*
    exceeds the level's tube level on it; a tube child of a good cell keeps its parent's
    constants (valid on it), one of a bad cell is evaluated. False when nothing was
    refined."""
    grid, n = tree.grid, tree.n
    bits = np.array(list(product((0, 1), repeat=n)), dtype=np.int64)
    width: Any = grid.h / (1 << (lev + 1))
    lo: list[Any] = list(grid.lo)
    if Fraction(float(width)) == width and all(
            Fraction(float(a)) == a and (a / width).denominator == 1 for a in lo) and max(
            abs(a) / width for a in lo) + (max(grid.dims) << (lev + 1)) < 2**52:
        width, lo = float(width), [float(a) for a in lo]  # then the sides are exact floats
    done: list[np.ndarray] = []
    out_cells, out_status, out_consts = [], [], []
    for parent in parents:
        if boxes.evaluations + len(bits) > max_evaluations:
            break
        if lev == 0:
            p_status = tree.status[0][tuple(parent)]
            p_consts = (tree.lip[0][tuple(parent)], tree.nu[0][tuple(parent)],
                        tree.lam[0][tuple(parent)])
        else:
            at = tree.find(lev, parent[None, :])[0]
            p_status = tree.status[lev][at]
            p_consts = (tree.lip[lev][at], tree.nu[lev][at], tree.lam[lev][at])
        for b in bits:
            cell = parent * 2 + b
            sides = tuple((a + int(c) * width, a + int(c + 1) * width)
                          for a, c in zip(lo, cell, strict=True))
            if p_status == GOOD:  # the parent's constants hold on the child
                status, values = (OUTSIDE, None) if boxes.outside(sides, tree.eps[lev + 1]) \
                    else (GOOD, p_consts)
            else:
                status, consts = boxes.constants(sides, tree.eps[lev + 1], threshold)
                values = _outward(consts)
            out_cells.append(cell)
            out_status.append(status)
            out_consts.append(values or (-np.inf, np.inf, -np.inf))
        done.append(parent)
    if not done:
        return False
    marked = np.array(done, dtype=np.int64)
    if lev == 0:
        tree.refined[0][tuple(marked.T)] = True
    else:
        tree.refined[lev][tree.find(lev, marked)] = True
    tree.add_level(lev + 1, np.array(out_cells, dtype=np.int64).reshape(-1, n),
                   np.array(out_status, dtype=np.int8), np.array(out_consts, dtype=float))
    return True


def _outward(consts: tuple[Fraction, Fraction, Fraction] | None
             ) -> tuple[float, float, float] | None:
    """Constants as floats rounded outward (L and Λ up, ν down)."""
    if consts is None:
        return None
    lip, nu, lam = consts
    return (float(dyadic(lip, 53, libmp.round_ceiling)), float(dyadic(nu, 53, libmp.round_floor)),
            float(dyadic(lam, 53, libmp.round_ceiling)))


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
