"""One classifier for every engine: from a starting point to a label, with its evidence.

An :class:`AttractorMapper` fixes a loss, a step size and the certified regions of its
attractors over a window once; the basin map, the sweep and the claims then label
starting points through it, so "converged to what" is decided by one rule everywhere.
The labels follow Attractors.jl: ``-1`` diverged, ``0`` undetermined, ``k >= 1``
attractor ``k``, where an attractor is an isolated minimum (a certified ball around it,
:mod:`symstab.certify.hessian_ball` or :mod:`symstab.certify.lyapunov`), a degenerate
isolated minimum (no certified region: reached by the numerical criterion only) or a
piece of a manifold of minima (a certified tube, :mod:`symstab.certify.manifold`).
Stable periodic orbits are not attractors here: an orbit that settles on one is labelled
0 by the basin maps and reported as periodic by the trajectories. Every label carries
its evidence (:data:`EVIDENCE`):

``certified region``
    The float64 orbit entered the certified region of attractor k, inside which every
    orbit is proved to converge to it (a proof for the iterate that entered, the orbit
    before it computed in float64; :func:`~symstab.dynamics.basins.recheck` reruns it in
    high precision).
``numerical criterion``
    After ``max_steps`` the orbit sits in a tube cell of piece k with f − f* at most
    ``value_tol``, or within :data:`~symstab.dynamics.basins.labels.DEGENERATE_TOL` of
    the degenerate minimum k, but entered no certified region: a floating-point
    observation.
``diverged`` / ``undetermined``
    Labels -1 and 0.

The high-precision :func:`~symstab.dynamics.trajectory.trajectory` takes the same
regions (``regions=mapper.regions``) as its stopping rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symstab.budget import EXACT_PHASE_BUDGET
from symstab.budget import time_limit as budget
from symstab.certify.tube import TubeRegion
from symstab.dynamics.basins.driver import basin_map
from symstab.dynamics.basins.inputs import VALUE_TOL, grid_points
from symstab.dynamics.basins.labels import EVIDENCE, Attractor, attractors_of, label_evidence
from symstab.dynamics.basins.result import BasinMap
from symstab.errors import BudgetExceeded
from symstab.inputs import StepSize

__all__ = [
    "EVIDENCE",
    "EXACT_BUDGET",
    "Attractor",
    "AttractorMapper",
    "attractors_of",
    "label_evidence",
]

#: Seconds allowed to the exact analysis behind the certified regions of a mapper.
EXACT_BUDGET = EXACT_PHASE_BUDGET


@dataclass(frozen=True, eq=False)
class AttractorMapper:
    """A mapper from starting points to attractor labels (see the module docstring).

    Build it with :meth:`for_window`; call :meth:`map` on a grid or an array of points,
    or the mapper itself on one point.

    Attributes
    ----------
    loss
        The loss.
    step
        The step size.
    regions
        The certified regions of the attractors (balls, then tubes).
    window
        The box the tubes were certified over (``None``: balls only).
    max_steps, divergence_bound, value_tol
        The stopping rule and the numerical criterion (as for
        :func:`~symstab.dynamics.basins.basin_map`).
    attractors
        The attractors of the regions.
    exact_failed
        Why no regions could be computed (empty when they were).
    """

    loss: Any
    step: StepSize
    regions: tuple[Any, ...]
    window: tuple[tuple[float, float], ...] | None = None
    max_steps: int = 10_000
    divergence_bound: float = 1e8
    value_tol: float = VALUE_TOL
    attractors: tuple[Attractor, ...] = field(default=())
    exact_failed: str = ""

    @classmethod
    def for_window(
        cls,
        loss: Any,
        eta: Any,
        window: Sequence[Sequence[float]] | None,
        *,
        max_steps: int = 10_000,
        divergence_bound: float = 1e8,
        value_tol: float = VALUE_TOL,
        regions: Sequence[Any] | None = None,
        time_limit: float | None = EXACT_BUDGET,
        manifold_options: dict[str, Any] | None = None,
    ) -> AttractorMapper:
        """The mapper of ``loss`` at ``eta`` with the certified regions over ``window``.

        ``regions`` (default: :func:`~symstab.certify.minima.certified_regions` over the
        window; its exact analysis within ``time_limit`` seconds) are used as given when
        passed. A loss that is not a polynomial, or whose exact analysis does not finish
        in time, gets no regions (:attr:`exact_failed` says which): every label is then
        0 or -1.
        ``manifold_options`` go to :func:`~symstab.certify.manifold.certify_manifold_regions`
        (e.g. ``{"depth": 4}``: coarser, faster tubes).
        """
        step = StepSize.of(eta)
        box = None if window is None else tuple((float(a), float(b)) for a, b in window)
        failed = ""
        if regions is None:
            regions = ()
            if getattr(loss, "is_polynomial", False):
                from symstab.certify.minima import certified_regions, minima_of

                try:
                    with budget(time_limit, "the exact analysis behind the regions"):
                        minima_of(loss)  # the exact part, kept for certified_regions
                except BudgetExceeded as exc:
                    failed = str(exc)
                else:
                    regions = certified_regions(loss, step, window=box,
                                                manifold_options=manifold_options)
            else:
                failed = "no certified regions for a loss that is not a polynomial"
        regs = tuple(regions)
        return cls(loss, step, regs, box, int(max_steps), float(divergence_bound),
                   float(value_tol), attractors_of(regs), failed)

    @property
    def pieces(self) -> tuple[TubeRegion, ...]:
        """The tube regions (pieces of a manifold of minima)."""
        return tuple(r for r in self.regions if isinstance(r, TubeRegion))

    def map(self, grid: Any, **kw: Any) -> BasinMap:
        """Label every starting point of ``grid`` (as for
        :func:`~symstab.dynamics.basins.basin_map`; keyword arguments passed on)."""
        return basin_map(self.loss, self.step, grid, regions=self.regions,
                         max_steps=self.max_steps, divergence_bound=self.divergence_bound,
                         value_tol=self.value_tol, **kw)

    def __call__(self, point: Sequence[float]) -> tuple[int, str]:
        """``(label, evidence)`` of one starting point."""
        pts, _, _ = grid_points(np.asarray([point], dtype=np.float64), len(self.loss.params))
        bm = self.map(pts)
        label = int(bm.labels.ravel()[0])
        if label >= 1:
            numeric = bm.numerical is not None and bool(bm.numerical.ravel()[0])
            return label, EVIDENCE[1] if numeric else EVIDENCE[0]
        return label, EVIDENCE[2] if label < 0 else EVIDENCE[3]
