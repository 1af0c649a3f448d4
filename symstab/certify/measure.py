"""Certified measure: a lower bound on the volume of the starts from which GD converges.

A basin map labels grid *points*; the seeds' statements are about *sets* of positive
measure (U_η is open, the converging set has positive measure). This module proves
convergence for whole cells of a window W = [a₁, b₁] × ... × [aₙ, bₙ] and adds up their
volumes, exactly.

The certificate (:func:`certified_measure`)
-------------------------------------------
Let G(θ) = θ − η∇f(θ). A *region* is an object with a ``label`` k >= 1, a flag
``monotone`` and a method ``contains_box(sides)`` (exact rational sides; a True is never
wrong) such that every GD orbit from a point of the region converges (to the minimum, or
the set of minima, of label k), and, if ``monotone``, with the loss decreasing strictly at
every step. Certified Hessian balls are monotone regions (forward invariant, with
certified descent inside); their Lyapunov enlargements are regions. Nothing else about a
region is used, so any region type plugs in.

1. Cells. W is cut into ``cells``ⁿ congruent closed cells
   (:class:`~symstab.certify.cells.CellGrid`); a cell that fails is bisected in every
   coordinate (2ⁿ children) up to ``max_depth`` times. A cell of depth d has volume
   vol(W)/(cellsⁿ·2ⁿᵈ), and distinct cells meet only in their boundaries (measure zero),
   so the volumes of any set of them add up to the measure of their union.
2. Enclosures. X₀ is an arb box containing the cell (python-flint balls, outward
   rounded). Given Xₖ ⊇ Gᵏ(cell), Yₖ is the intersection of two enclosures of G(Xₖ):
   the natural interval extension of G, and the mean-value form
   G(m) + (I − ηH(Xₖ))(Xₖ − m), m the midpoint of Xₖ. The second is valid because Xₖ
   is convex: G(θ) − G(m) = ∫₀¹ DG(m + t(θ − m)) dt · (θ − m), and every entry of
   DG = I − ηH on Xₖ lies in the interval matrix I − ηH(Xₖ). (Where H cannot be bounded,
   e.g. at a kink of ``Abs``, that enclosure is NaN and only the natural one is used.)
   With shapes off, Xₖ₊₁ = Yₖ. With shapes on (the default when a region is a
   :class:`~symstab.certify.tube.TubeRegion`), a parallelepiped travels beside the box:
   S₀ = {m + diag(ρ)u : u ∈ [−1, 1]ⁿ} ⊇ X₀, and Sₖ₊₁ is the first-order Taylor model of
   :mod:`symstab.certify.shape` (Lohner's method: G(c̃) + 𝐉A u + 𝐉Q r with
   𝐉 = I − ηH(Bₖ), the remainder kept in an orthonormal frame that follows the image).
   Its step is valid for every θ ∈ Sₖ ∩ Xₖ, because it only needs the segment from the
   centre c̃ to θ inside the box Bₖ = (Xₖ ∪ {c̃}) hull, on which H is evaluated. Then
   Xₖ₊₁ = Yₖ ∩ hull(Sₖ₊₁), and Xₖ is met with hull(Sₖ) before it is used. By induction
   Gᵏ(cell) ⊆ Xₖ ∩ Sₖ for every k (each enclosure holds for the points of Gᵏ(cell)).
   The shape keeps the image thin along a curve of minima, where a box would be as wide
   as the image is long.
3. Convergence. If a region contains the box Xₖ (its sides are the ball endpoints,
   rounded outward to exact dyadic rationals), every start θ₀ in the cell has θₖ in the
   region, so its orbit converges: the cell lies in the converging set V_η. A tube
   region is instead tested on the shape Sₖ ⊇ Gᵏ(cell) by
   :class:`~symstab.certify.tube_entry.TubeEntry` (every point of Sₖ, or of each of a
   few pieces of it, lies in an entry cell with f − f* at most the cell's level, by the
   mean-value form of the residuals on the parallelepiped; the proof is in that
   module). The volumes of such cells add up to a lower bound on the Lebesgue measure
   of V_η ∩ W; divided by vol(W) it is the certified fraction.
4. Stable convergence (Chen et al.'s U_η: convergence with f(θₖ₊₁) < f(θₖ) for every
   k). If moreover the region is monotone and the loss is proved to decrease on each
   earlier box, f(G(θ)) < f(θ) for all θ ∈ Xᵢ, i < k, every start in the cell is in
   U_η. The decrease on Xᵢ (write X = Xᵢ, g = ∇f(θ)) is proved by any of three tests,
   each an enclosure of f(G(θ)) − f(θ) over X whose upper end is < 0:

   (a) sup f(Yᵢ) − inf f(X), Yᵢ ⊇ G(X) the enclosure of step 2, with f enclosed by its
       natural extension intersected with the mean-value form f(m) + ∇f(X)·(X − m);
   (b) Taylor's formula with integral remainder along the segment from θ to
       G(θ) = θ − ηg: f(G(θ)) − f(θ) = −η‖g‖² + η² gᵀ(∫₀¹(1 − t) H(θ − tηg) dt) g.
       The segment lies in the box Y = hull(X ∪ Yᵢ) (both ends do, Y is convex) and
       ∫₀¹(1 − t) dt = 1/2, so each entry of the averaged matrix lies in H(Y)/2; hence
       −η Σ gᵢ² + (η²/2) Σᵢⱼ H(Y)ᵢⱼ gᵢ gⱼ, with g over the enclosure of ∇f(X), encloses
       the difference;
   (c) the mean-value form of d(θ) = f(G(θ)) − f(θ) itself: ∇d = DGᵀ∇f(G(θ)) − ∇f(θ)
       = (I − ηH(θ))∇f(G(θ)) − ∇f(θ), which over X lies in
       (I − ηH(X))∇f(Yᵢ) − ∇f(X), so d(X) ⊆ d(m) + ∇d(X)·(X − m). Near a minimum,
       where d vanishes to second order, this is the test that succeeds.
5. Proved cells are regions too. The cells of one label already proved to converge form
   a region (:class:`~symstab.certify.cells.ProvedCells`), and those proved to converge
   stably a monotone one: an orbit that enters the union enters a proved cell, and from
   there it converges (stably). A cell is only ever counted after the cells it relies on,
   so the argument is an induction over the order in which cells are proved. Far from
   the regions of the minima, where the orbits' transients expand boxes, this lets a
   cell stop as soon as its image lies in cells proved before.
6. Refinement and budget. A cell whose enclosure stops being finite or grows wider than
   ``max_width``, whose descent cannot be proved, or that is undecided after
   ``max_steps`` steps is bisected (until ``max_depth``); a cell whose enclosure lies
   entirely beyond ``divergence_bound`` is dropped. Before a child is propagated, a
   float64 orbit from its centre decides whether it is worth it (a centre that diverges
   is not refined for convergence, one whose loss rises not for stable convergence):
   this chooses where the budget goes and is never counted. Cells are processed depth by
   depth in a fixed order, at most ``max_boxes`` of them, so the result is deterministic;
   an optional wall-clock ``time_limit`` stops between cells (the bound is then smaller,
   never wrong, and ``complete`` is False). Only successes are counted, so every budget
   gives a valid lower bound, and none ever gives an upper bound.

The bound is exact rational bookkeeping on top of outward-rounded interval arithmetic:
its strength is ``certified``. It is meant to be read next to the *sampled* fractions of a
basin map, which it can never exceed beyond their statistical uncertainty.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from symstab.certify.cells import CellGrid, Key, ProvedCells
from symstab.certify.minima import certified_regions, lyapunov_regions
from symstab.certify.propagate import BoxPropagator
from symstab.certify.region import CertifiedRegion
from symstab.certify.tube import TubeRegion
from symstab.certify.tube_entry import TubeEntry
from symstab.codegen import compile_loss
from symstab.errors import InputError
from symstab.evidence import Strength
from symstab.inputs import Point, StepSize, StepSizeLike, bounded_int, exact_number
from symstab.loss import Loss

__all__ = [
    "DEFAULT_CELLS",
    "DEFAULT_MAX_BOXES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_STEPS",
    "DEFAULT_PASSES",
    "CertifiedMeasure",
    "certified_labels",
    "certified_measure",
    "default_regions",
    "floor_decimal",
]

#: Cells per axis of the initial grid.
DEFAULT_CELLS = 16
#: Bisections of a failing cell (each halves every side).
DEFAULT_MAX_DEPTH = 3
#: GD steps per cell before it counts as undecided.
DEFAULT_MAX_STEPS = 200
#: Cells propagated in all (initial cells and their children).
DEFAULT_MAX_BOXES = 50_000

#: Sweeps over the failed cells of one depth (another sweep only if the last proved a
#: new cell, which the failed ones may now reach).
DEFAULT_PASSES = 1

#: Why a cell failed; the first three lead to bisection.
FAILURES = ("wide", "steps", "descent", "far")


def floor_decimal(q: Fraction, digits: int = 6) -> str:
    """``q`` rounded *down* to ``digits`` decimals (a lower bound stays a lower bound)."""
    scaled = math.floor(q * 10**digits)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}"


@dataclass(frozen=True)
class CertifiedMeasure:
    """A certified lower bound on the converging (and stably converging) part of a window.

    Attributes
    ----------
    loss_name
        Name of the loss.
    eta
        The step size (exact SymPy number).
    window
        The window W: one exact ``(lo, hi)`` pair of ``Fraction`` per parameter.
    converging
        Certified lower bound on Leb(V_η ∩ W)/vol(W), V_η the set of starts whose GD
        orbit converges (exact ``Fraction``).
    stable
        Certified lower bound on Leb(U_η ∩ W)/vol(W), U_η the starts that converge with
        the loss decreasing strictly at every step (exact; <= ``converging``).
    converging_by_label, stable_by_label
        The same per label of the region the cells entered (``{label: Fraction}``).
    cells
        Cells per axis of the initial grid.
    max_depth, max_steps, max_boxes, max_width, divergence_bound, dps, time_limit
        The budget and the stopping rules used (see :func:`certified_measure`).
    tried
        Cells propagated (initial cells and children).
    succeeded
        Cells proved to converge (counted in ``converging``).
    stable_succeeded
        Cells proved to converge stably (counted in ``stable``).
    subdivided
        Cells bisected after a failure.
    failures
        ``{reason: cells}`` for the cells that failed and were not bisected further
        (``wide``, ``steps``, ``descent``, ``far``) or were left when the budget ran out
        (``budget``).
    box_steps
        GD steps taken over all boxes.
    seconds
        Wall time.
    complete
        False if ``max_boxes`` or ``time_limit`` stopped the refinement before every
        failing cell reached ``max_depth``.
    regions
        One ``(label, monotone, description)`` per region given (the proved cells, which
        also serve as regions, are not listed).
    passes
        Sweeps over the failed cells of each depth.
    shapes
        Whether parallelepipeds travelled beside the boxes (first-order Taylor models).
    stable_checked
        Whether stable convergence was tried (False: ``stable`` is 0 by choice).
    """

    loss_name: str
    eta: sp.Expr
    window: tuple[tuple[Fraction, Fraction], ...]
    converging: Fraction
    stable: Fraction
    converging_by_label: dict[int, Fraction]
    stable_by_label: dict[int, Fraction]
    cells: tuple[int, ...]
    max_depth: int
    max_steps: int
    max_boxes: int
    max_width: Fraction
    divergence_bound: Fraction
    dps: int
    time_limit: float | None
    tried: int
    succeeded: int
    stable_succeeded: int
    subdivided: int
    failures: dict[str, int]
    box_steps: int
    seconds: float = field(compare=False)
    complete: bool
    regions: tuple[tuple[int, bool, str], ...]
    passes: int = DEFAULT_PASSES
    shapes: bool = False
    stable_checked: bool = True

    strength = Strength.CERTIFIED

    @property
    def volume(self) -> Fraction:
        """vol(W), exact."""
        v = Fraction(1)
        for lo, hi in self.window:
            v *= hi - lo
        return v

    @property
    def converging_volume(self) -> Fraction:
        """Certified lower bound on Leb(V_η ∩ W), exact."""
        return self.converging * self.volume

    @property
    def stable_volume(self) -> Fraction:
        """Certified lower bound on Leb(U_η ∩ W), exact."""
        return self.stable * self.volume

    def window_text(self) -> str:
        """The window as text, e.g. ``[-2, 2] × [-2, 2]``."""
        return " × ".join(f"[{lo}, {hi}]" for lo, hi in self.window)

    @property
    def evidence(self) -> str:
        """One paragraph saying what was proved and how."""
        if not self.regions:
            return (f"no certified region for {self.loss_name} at η = {sp.sstr(self.eta)}: "
                    f"nothing on {self.window_text()} is proved to converge (bounds 0)")
        tubes = {k for k, _, kind in self.regions if kind == "TubeRegion"}
        labels = ", ".join(f"{'piece' if k in tubes else 'minimum'} {k}: {floor_decimal(v)}"
                           for k, v in sorted(self.converging_by_label.items()))
        stable = (f", stable (U_η) fraction >= {floor_decimal(self.stable)}"
                  if self.stable_checked else " (stable convergence not checked)")
        descent = (f" ({self.stable_succeeded} with the loss decreasing at every step)"
                   if self.stable_checked else "")
        text = (f"certified lower bounds on {self.window_text()} ({self.loss_name}, "
                f"η = {sp.sstr(self.eta)}): converging fraction >= "
                f"{floor_decimal(self.converging)}{stable}"
                + (f" ({labels})" if labels else "")
                + f"; {self.succeeded} of {self.tried} cells proved to enter a certified "
                  f"region{descent}, {self.subdivided} bisected; arb boxes at {self.dps} "
                  f"digits, "
                  f"mean-value enclosures of G"
                + (", first-order Taylor models (parallelepipeds) entering the tubes"
                   if self.shapes else "")
                + ", exact rational volumes")
        if not self.complete:
            text += "; the budget ran out before every cell was refined"
        return text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with stable keys (exact fractions as strings)."""

        def bound(q: Fraction) -> dict[str, str]:
            return {"exact": str(q), "decimal": floor_decimal(q), "strength": "certified",
                    "kind": "lower bound"}

        return {
            "loss": self.loss_name,
            "eta": sp.sstr(self.eta),
            "window": [[str(lo), str(hi)] for lo, hi in self.window],
            "strength": str(self.strength),
            "converging_fraction": bound(self.converging),
            "stable_fraction": bound(self.stable),
            "converging_by_label": {str(k): bound(v)
                                    for k, v in sorted(self.converging_by_label.items())},
            "stable_by_label": {str(k): bound(v)
                                for k, v in sorted(self.stable_by_label.items())},
            "cells": {"tried": self.tried, "succeeded": self.succeeded,
                      "stable_succeeded": self.stable_succeeded,
                      "subdivided": self.subdivided, "failures": dict(self.failures)},
            "budget": {"initial_cells": list(self.cells), "max_depth": self.max_depth,
                       "max_steps": self.max_steps, "max_boxes": self.max_boxes,
                       "passes": self.passes, "max_width": str(self.max_width),
                       "divergence_bound": str(self.divergence_bound), "dps": self.dps,
                       "time_limit": self.time_limit, "box_steps": self.box_steps,
                       "seconds": round(self.seconds, 3), "complete": self.complete,
                       "shapes": self.shapes, "stable_checked": self.stable_checked},
            "regions": [{"label": k, "monotone": m, "kind": d} for k, m, d in self.regions],
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class _Cell:
    """A cell of the grid and what is still to be proved on it."""

    key: Key
    need_conv: bool
    need_stable: bool


class _Probe:
    """Float64 GD from the centres of cells about to be bisected: where the centre's orbit
    diverges, a cell is not refined for convergence; where its loss rises, not for stable
    convergence. This only chooses where to spend the budget; nothing is counted from it."""

    def __init__(self, loss: Loss, eta: float, max_steps: int, bound: float) -> None:
        self.loss = loss
        self.eta = eta
        self.max_steps = max_steps
        self.bound = bound

    def keep(self, cells: list[_Cell], grid: CellGrid) -> list[_Cell]:
        """The cells whose centre looks worth it, with what to prove on them."""
        if not cells:
            return []
        target = compile_loss(self.loss.expr, self.loss.params).numpy()
        theta = np.array([grid.center(c.key) for c in cells], dtype=np.float64)
        diverged = np.zeros(len(cells), dtype=bool)
        rose = np.zeros(len(cells), dtype=bool)
        with np.errstate(all="ignore"):
            f_old = np.asarray(target.value(theta), dtype=np.float64)
            for _ in range(self.max_steps):
                theta = np.asarray(target.step(theta, self.eta), dtype=np.float64)
                f_new = np.asarray(target.value(theta), dtype=np.float64)
                diverged |= ~np.isfinite(theta).all(axis=1) | (np.abs(theta).max(axis=1)
                                                               > self.bound)
                rose |= ~(f_new <= f_old + 1e-12 * (1.0 + np.abs(f_old)))
                if diverged.all():
                    break
                theta[diverged] = 0.0
                f_old = np.where(diverged, 0.0, f_new)
        out = []
        for cell, gone, up in zip(cells, diverged, rose, strict=True):
            conv = cell.need_conv and not gone
            stable = cell.need_stable and not gone and not up
            if conv or stable:
                out.append(_Cell(cell.key, conv, stable))
        return out


def _window(window: Any, n: int) -> tuple[tuple[Fraction, Fraction], ...]:
    """Exact rational sides from ``((lo, hi), ...)`` (a ``(lo, hi, count)`` grid axis too)."""
    try:
        axes = list(window)
    except TypeError:
        raise InputError("window must be a sequence of (lo, hi) pairs", "window") from None
    if len(axes) != n:
        raise InputError(f"window must have {n} sides (lo, hi), got {len(axes)}", "window")
    out = []
    for i, axis in enumerate(axes, 1):
        try:
            parts = list(axis)
        except TypeError:
            raise InputError(f"side {i} must be a pair (lo, hi)", "window") from None
        if len(parts) not in (2, 3):
            raise InputError(f"side {i} must be a pair (lo, hi)", "window")
        lo, hi = (exact_number(p, "window bound") for p in parts[:2])
        if not (lo.is_Rational and hi.is_Rational):
            raise InputError(f"side {i}: window bounds must be rational", "window")
        qlo = Fraction(int(lo.p), int(lo.q))
        qhi = Fraction(int(hi.p), int(hi.q))
        if not qlo < qhi:
            raise InputError(f"side {i}: need lo < hi", "window")
        out.append((qlo, qhi))
    return tuple(out)


def _cells(cells: Any, n: int) -> tuple[int, ...]:
    if isinstance(cells, int | bool) or not isinstance(cells, Sequence):
        return (bounded_int(cells, "cells", 1, 4096),) * n
    if len(cells) != n:
        raise InputError(f"cells must be one count or {n} counts", "cells")
    return tuple(bounded_int(c, "cells", 1, 4096) for c in cells)


def default_regions(loss: Loss, eta: StepSizeLike, lyapunov: bool = True,
                    window: Sequence[tuple[Any, Any]] | None = None) -> tuple[Any, ...]:
    """The certified regions of ``loss`` at ``eta`` and, for each certified ball, its
    Lyapunov enlargement where one is certified; with ``window``, also the regions around
    the pieces of a manifold of minima there.

    Parameters
    ----------
    loss
        A polynomial loss with rational coefficients.
    eta
        The step size, in any spelling of :meth:`~symstab.inputs.StepSize.of`.
    lyapunov
        Whether to add the enlargements (which prove convergence, not descent).
    window
        Passed to :func:`~symstab.certify.minima.certified_regions`.

    Returns
    -------
    tuple
        :func:`~symstab.certify.minima.certified_regions` followed by the enlargements
        of its Hessian balls (monotone :class:`~symstab.certify.region.CertifiedRegion`
        objects); regions of other types are passed on as they are.

    Raises
    ------
    InputError
        If the loss is not a polynomial.
    """
    eta = StepSize.of(eta)
    if not loss.is_polynomial:
        raise InputError("certified regions are found for polynomial losses only; pass "
                         "regions for others", "regions")
    regions = tuple(certified_regions(loss, eta, window=window))
    if not lyapunov:
        return regions
    # Lyapunov enlargements are for the Hessian balls of isolated minima.
    balls = tuple(r for r in regions if type(r) is CertifiedRegion and r.monotone)
    return regions + tuple(lyapunov_regions(loss, eta, balls)) if balls else regions


def _check_regions(regions: Sequence[Any], eta: StepSize) -> tuple[Any, ...]:
    out = []
    for region in regions:
        if not callable(getattr(region, "contains_box", None)):
            raise InputError(f"{type(region).__name__} has no contains_box(sides)",
                             "regions")
        label = getattr(region, "label", None)
        if isinstance(label, bool) or not isinstance(label, int) or label < 1:
            raise InputError("every region needs an integer label >= 1", "regions")
        r_eta = getattr(region, "eta", None)
        if r_eta is not None and sp.simplify(StepSize.of(r_eta).exact - eta.exact) != 0:
            raise InputError("a region is for a different step size", "regions")
        out.append(region)
    return tuple(out)


def _describe(region: Any) -> tuple[int, bool, str]:
    monotone = bool(getattr(region, "monotone", False))
    radius = getattr(region, "radius", None)
    kind = type(region).__name__
    if type(region) is CertifiedRegion:
        kind = ("Hessian ball" if monotone else "Lyapunov ball") + f", radius {float(radius):.4g}"
    return int(region.label), monotone, kind


def certified_measure(
    loss: Loss,
    eta: StepSizeLike,
    window: Sequence[Sequence[Any]],
    regions: Sequence[Any] | None = None,
    *,
    cells: int | Sequence[int] = DEFAULT_CELLS,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_boxes: int = DEFAULT_MAX_BOXES,
    max_width: Any = None,
    divergence_bound: Any = None,
    dps: int = 30,
    time_limit: float | None = None,
    lyapunov: bool = True,
    passes: int = DEFAULT_PASSES,
    reuse: bool = True,
    shapes: bool | None = None,
    stable: bool = True,
) -> CertifiedMeasure:
    """Certified lower bounds on the fraction of ``window`` from which GD converges.

    Cells of the window are propagated through G(θ) = θ − η∇f(θ) in arb interval
    arithmetic, bisected where the enclosure fails, until their image lies inside a
    certified region (the proof is in the module docstring).

    Parameters
    ----------
    loss
        The loss (any loss the interval target compiles; polynomial with rational
        coefficients when ``regions`` is None).
    eta
        The step size, in any spelling of :meth:`~symstab.inputs.StepSize.of`.
    window
        One ``(lo, hi)`` pair per parameter, exact rationals (int, Fraction, text such
        as ``"-2"`` or ``"1/3"``, a float as the decimal it prints); a basin-map grid
        ``((lo, hi, count), ...)`` is accepted too (the count is ignored).
    regions
        Regions as in the module docstring: objects with ``label`` (int >= 1),
        ``contains_box(sides)`` and ``monotone`` (True only if every orbit from the
        region converges with the loss decreasing strictly at every step; missing means
        False), and, if they have one, ``eta`` equal to the step size. None:
        :func:`default_regions`. With no region nothing is proved (both bounds 0).
    cells
        Cells per axis of the initial grid (one int, or one per axis).
    max_depth
        How often a failing cell may be bisected.
    max_steps
        GD steps per cell before it counts as undecided.
    max_boxes
        Total number of cells propagated (the deterministic budget).
    max_width
        A box wider than this (in any coordinate) fails and is bisected; default the
        quarter of the longest side of the window.
    divergence_bound
        A box lying entirely beyond this in some coordinate is dropped (not bisected);
        default 10⁶ times the largest |bound| of the window, at least 10⁶.
    dps
        Working precision of the interval arithmetic, in decimal digits.
    time_limit
        Optional wall-clock limit in seconds, checked between cells.
    lyapunov
        With ``regions`` None: whether to add the Lyapunov enlargements.
    passes
        Sweeps over the failed cells of one depth before bisecting them (another sweep
        happens only if the previous one proved a new cell).
    reuse
        Whether the cells already proved serve as regions for the others (step 5 of the
        module docstring); False: only ``regions`` do.
    shapes
        Whether each box is accompanied by a parallelepiped (step 2 of the module
        docstring) and tube regions are entered by it (step 3); None (default): exactly
        when some region is a :class:`~symstab.certify.tube.TubeRegion`.
    stable
        Whether to prove stable convergence too (step 4); False: the stable bound is 0
        and only convergence is proved (faster).

    Returns
    -------
    CertifiedMeasure
        The lower bounds (exact fractions of the window's volume), per label, the
        counts of cells and the budget used.

    Raises
    ------
    InputError
        For a bad step size, window, budget or region.
    """
    step = StepSize.of(eta)
    n = loss.n
    sides = _window(window, n)
    counts = _cells(cells, n)
    max_depth = bounded_int(max_depth, "max_depth", 0, 30)
    max_steps = bounded_int(max_steps, "max_steps", 0, 10**6)
    max_boxes = bounded_int(max_boxes, "max_boxes", 1, 10**8)
    dps = bounded_int(dps, "dps", 15, 1000)
    passes = bounded_int(passes, "passes", 1, 100)
    if time_limit is not None and not (isinstance(time_limit, int | float)
                                       and math.isfinite(time_limit) and time_limit > 0):
        raise InputError(f"time_limit must be a positive number, got {time_limit!r}",
                         "time_limit")
    longest = max(hi - lo for lo, hi in sides)
    width = longest / 4 if max_width is None else _positive(max_width, "max_width")
    far = (max(Fraction(10**6), 10**6 * max(max(abs(lo), abs(hi)) for lo, hi in sides))
           if divergence_bound is None else _positive(divergence_bound, "divergence_bound"))
    started = time.monotonic()
    if regions is None:
        regions = default_regions(loss, step, lyapunov, window=sides)
    regions = _check_regions(regions, step)
    if shapes is None:
        shapes = any(isinstance(r, TubeRegion) for r in regions)
    target = compile_loss(loss.expr, loss.params).interval(dps)
    tested = tuple(TubeEntry(r, dps) if shapes and isinstance(r, TubeRegion) else r
                   for r in regions)
    prop = BoxPropagator(target, step, tested, max_steps, width, far, dps, shapes=shapes)

    probe = _Probe(loss, step.as_float, max_steps, float(far))
    grid = CellGrid(sides, counts)
    proved: dict[tuple[int, bool], ProvedCells] = {}

    def prove(key: Key, label: int, stable: bool) -> None:
        if not reuse:
            return
        union = proved.get((label, stable))
        if union is None:
            union = proved[label, stable] = ProvedCells(grid, label, stable)
            prop.add_region(union)
        union.add(key)

    conv_by: dict[int, Fraction] = {}
    stable_by: dict[int, Fraction] = {}
    failures = dict.fromkeys((*FAILURES, "pruned", "budget"), 0)
    tally = dict.fromkeys(("tried", "succeeded", "stable", "subdivided", "steps"), 0)
    complete = True
    level = [_Cell(key, True, stable) for key in grid.top()] if regions else []
    depth = 0
    while level and complete:
        share = grid.share(depth)
        pending, final = level, []
        for attempt in range(passes):
            retry, new = [], 0
            for position, cell in enumerate(pending):
                if tally["tried"] >= max_boxes or (
                        time_limit is not None and time.monotonic() - started > time_limit):
                    complete = False
                    failures["budget"] += len(pending) - position
                    break
                tally["tried"] += 1
                outcome = prop.run(grid.sides(cell.key), cell.need_conv, cell.need_stable)
                tally["steps"] += outcome.steps
                if cell.need_conv and outcome.label is not None:
                    tally["succeeded"] += 1
                    new += 1
                    conv_by[outcome.label] = conv_by.get(outcome.label, Fraction(0)) + share
                    prove(cell.key, outcome.label, False)
                if cell.need_stable and outcome.stable:
                    assert outcome.label is not None
                    tally["stable"] += 1
                    new += 1
                    stable_by[outcome.label] = stable_by.get(outcome.label, Fraction(0)) + share
                    prove(cell.key, outcome.label, True)
                if outcome.reason is None:
                    continue
                rest = _Cell(cell.key, cell.need_conv and outcome.label is None,
                             cell.need_stable and not outcome.stable)
                (final if outcome.reason == "far" else retry).append((rest, outcome.reason))
            if not complete or not new or attempt == passes - 1:
                final += retry
                break
            pending = [c for c, _ in retry]
        children: list[_Cell] = []
        for cell, reason in final:
            if reason == "far" or depth >= max_depth or not complete:
                failures[reason] += 1
                continue
            tally["subdivided"] += 1
            grid.split.add(cell.key)
            children += [_Cell(k, cell.need_conv, cell.need_stable)
                         for k in grid.children(cell.key)]
        level = probe.keep(children, grid) if complete else []
        failures["pruned"] += len(children) - len(level)
        depth += 1
    return CertifiedMeasure(
        loss_name=loss.name, eta=step.exact, window=sides,
        converging=sum(conv_by.values(), Fraction(0)),
        stable=sum(stable_by.values(), Fraction(0)),
        converging_by_label=dict(sorted(conv_by.items())),
        stable_by_label=dict(sorted(stable_by.items())),
        cells=counts, max_depth=max_depth, max_steps=max_steps, max_boxes=max_boxes,
        max_width=width, divergence_bound=far, dps=dps, time_limit=time_limit,
        tried=tally["tried"], succeeded=tally["succeeded"], stable_succeeded=tally["stable"],
        subdivided=tally["subdivided"], failures={k: v for k, v in failures.items() if v},
        box_steps=tally["steps"], seconds=time.monotonic() - started, complete=complete,
        regions=tuple(_describe(r) for r in regions), passes=passes, shapes=shapes,
        stable_checked=stable,
    )


def certified_labels(
    loss: Loss,
    eta: StepSizeLike,
    points: Sequence[Sequence[Any]],
    regions: Sequence[Any] | None = None,
    *,
    window: Sequence[Sequence[Any]] | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    dps: int = 30,
) -> list[int | None]:
    """Per start point, the label of the region its orbit is *proved* to enter.

    The orbit of each exact start point is enclosed in arb interval arithmetic (a cell of
    width 0 propagated as in :func:`certified_measure`, with the parallelepiped when a
    region is a tube) until the enclosure lies in a certified region. A label is a proof
    that GD from exactly that point converges (to the minimum or the piece of the set of
    minima of that label); None means nothing was proved within ``max_steps``.

    Parameters
    ----------
    loss
        The loss.
    eta
        The step size, in any spelling of :meth:`~symstab.inputs.StepSize.of`.
    points
        Start points with rational coordinates, in any spelling of
        :meth:`~symstab.inputs.Point.of` (pass ``Fraction(x)`` for the exact binary
        value of a float ``x``, e.g. a basin-map grid point).
    regions
        Regions as in :func:`certified_measure`; None: :func:`default_regions` (with
        ``window``, also the tubes around a manifold of minima there).
    window
        Passed to :func:`default_regions` when ``regions`` is None.
    max_steps
        GD steps per point.
    dps
        Working precision in decimal digits.

    Returns
    -------
    list
        One ``int`` label or ``None`` per point, in order.

    Raises
    ------
    InputError
        For a bad step size, point or region, or an irrational coordinate.
    """
    step = StepSize.of(eta)
    max_steps = bounded_int(max_steps, "max_steps", 0, 10**6)
    dps = bounded_int(dps, "dps", 15, 1000)
    starts = []
    for p in points:
        point = Point.of(p, loss.n, "points")
        if not all(x.is_Rational for x in point):
            raise InputError("start points need rational coordinates", "points")
        starts.append(tuple((Fraction(int(x.p), int(x.q)),) * 2 for x in point))
    if regions is None:
        regions = default_regions(loss, step, window=window)
    regions = _check_regions(regions, step)
    shapes = any(isinstance(r, TubeRegion) for r in regions)
    tested = tuple(TubeEntry(r, dps) if isinstance(r, TubeRegion) else r for r in regions)
    target = compile_loss(loss.expr, loss.params).interval(dps)
    far = Fraction(10**12)
    prop = BoxPropagator(target, step, tested, max_steps, far, far, dps, shapes=shapes)
    return [prop.run(sides, True, False).label for sides in starts]


def _positive(x: Any, name: str) -> Fraction:
    value = exact_number(x, name)
    if not value.is_Rational or value <= 0:
        raise InputError(f"{name} must be a positive rational number", name)
    return Fraction(int(value.p), int(value.q))
