"""One GD trajectory at a chosen precision, classified: :func:`trajectory`.

What "certified" means here
---------------------------
The region is an interval-arithmetic certificate: *every* point of the ball converges to
the minimum under exact GD, with strictly decreasing loss. The iterates θ_0, …, θ_k that
lead into the ball are **not** enclosures: they are mpmath numbers rounded to nearest at
``dps`` digits each step. So what is certified is the statement "the exact GD orbit from
the *computed* θ_k converges to minimum ``label``" (``contains`` is rigorous for the
computed point). That the exact orbit from θ_0 does the same rests on the computed orbit
shadowing the exact one, which
:func:`~symstab.dynamics.trajectory.escalation.trajectory_escalated` (agreement across
precisions) and :func:`~symstab.dynamics.trajectory.shadow.shadowing` (float64 against
mpmath) check numerically, not rigorously.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import sympy as sp

from symstab.budget import EXACT_PHASE_BUDGET, time_limit
from symstab.dynamics.basins.labels import DEGENERATE_TOL
from symstab.dynamics.highprec import to_mpf
from symstab.dynamics.trajectory.kernels import mp_arith, run_fast
from symstab.dynamics.trajectory.results import Trajectory
from symstab.errors import BudgetExceeded, InputError
from symstab.evidence import Strength
from symstab.inputs import Point, StepSize, bounded_int, exact_number
from symstab.loss import Loss, require_loss

__all__ = [
    "default_window",
    "near_degenerate_minimum",
    "resolve_regions",
    "run_trajectory",
    "trajectory",
]


#: Up to this many parameters a trajectory certifies the tubes around a manifold of
#: minima over :func:`default_window` on its own.
AUTO_WINDOW_DIM = 2


def default_window(theta0: Sequence[Any]) -> tuple[tuple[float, float], ...]:
    """The box over which a trajectory from ``theta0`` certifies the tubes around a
    manifold of minima: [−w, w]ⁿ, w the least power of 2 with w >= 2 and w >= 2‖θ₀‖∞."""
    top = max((abs(float(x)) for x in theta0), default=0.0)
    w = 2.0
    while w < 2.0 * top and w < 2.0**40:
        w *= 2.0
    return tuple((-w, w) for _ in theta0)


def resolve_regions(
    loss: Loss, step: StepSize, regions: Sequence[Any] | None,
    window: Sequence[Sequence[float]] | None = None,
) -> tuple[tuple[Any, ...], str]:
    """The regions a trajectory tests, and a note when none could be obtained.

    Parameters
    ----------
    loss
        The loss.
    step
        The step size.
    regions
        Certified regions for this step size, or None to ask
        :func:`symstab.certify.minima.certified_regions`.
    window
        With ``regions`` None: the box over which the regions around pieces of a
        manifold of minima are certified (None: none).

    Returns
    -------
    (regions, note)
        The regions with certified monotone descent (the stopping rule), and a note
        (empty if nothing needs saying).

    Raises
    ------
    InputError
        If a given region is certified for another step size.
    """
    eta = step.exact
    if regions is None:
        try:
            from symstab.certify.minima import certified_regions

            with time_limit(EXACT_PHASE_BUDGET, "the exact analysis behind the regions"):
                found = tuple(certified_regions(loss, eta, window=window))
        except (ImportError, NotImplementedError, InputError, BudgetExceeded) as exc:
            reason = str(exc) or type(exc).__name__
            return (), f"no certified regions available ({reason})"
        return found, "" if found else "no certified region exists for this loss and step"
    regions = tuple(regions)
    for r in regions:
        r_eta = getattr(r, "eta", None)
        if r_eta is None:
            continue
        try:
            same = sp.simplify(exact_number(r_eta, "region eta") - eta) == 0
        except InputError:
            same = False
        if not same:
            raise InputError(
                f"region {getattr(r, 'label', '?')} is certified for eta = {r_eta}, not {eta}",
                "regions",
            )
    # A region whose certificate does not include monotone descent (a Lyapunov region
    # near η*) proves convergence but not stability; the trajectory's stopping rule
    # needs both, so such regions are not used here (the orbit runs on into a
    # monotone ball, or to its step budget).
    monotone = tuple(r for r in regions if getattr(r, "monotone", True))
    if len(monotone) < len(regions):
        dropped = len(regions) - len(monotone)
        note = (f"{dropped} region(s) without certified monotone descent not used as a "
                "stopping rule")
        return monotone, note if monotone else note + "; no certified regions left"
    return regions, "" if regions else "no certified regions given"


def trajectory(
    loss: Loss,
    eta: Any,
    theta0: Sequence[Any],
    *,
    steps: int = 10_000,
    dps: int = 50,
    regions: Sequence[Any] | None = None,
    divergence_bound: Any = 10**12,
    period_max: int = 16,
    period_tol: Any = None,
    record: bool = True,
    stop_at_region: bool = True,
    window: Sequence[Sequence[float]] | None = None,
) -> Trajectory:
    """Run GD from ``theta0`` at ``dps`` digits and classify the orbit.

    Parameters
    ----------
    loss
        The loss.
    eta
        Step size: any spelling of :meth:`symstab.inputs.StepSize.of` (SymPy number,
        int, Fraction, text such as ``"1/2"``, a float as the decimal it spells);
        converted once to an ``mpf`` at the working precision.
    theta0
        Start: any spelling of :meth:`symstab.inputs.Point.of`; each coordinate a SymPy
        number, int, Fraction, text (``"1/10"``, ``"2.5"``), float (the decimal it
        spells) or mpf (its exact value). Each is rounded once to the working precision.
    steps
        Maximal number of GD steps.
    dps
        Working precision in decimal digits.
    regions
        Certified regions for this ``eta`` (each must have ``.label`` and
        ``.contains(theta)``), e.g. ``AttractorMapper.regions``
        (:mod:`symstab.dynamics.attractors`). None:
        :func:`symstab.certify.minima.certified_regions` is called, over ``window`` for
        a manifold of minima; if it is unavailable or fails on this loss, no regions are
        used (and the evidence says so).
    divergence_bound
        The orbit diverged when ‖θ‖₂ exceeds this.
    period_max
        Largest period searched for (1 = fixed points only).
    period_tol
        Tolerance of the period test (max-norm); default 10^(−⌊dps/2⌋).
    record
        Keep all iterates and losses (otherwise only the last).
    stop_at_region
        Stop at the first iterate inside a certified region (the default). If False,
        continue until a numerical fixed point or ``steps`` (to approximate the limit);
        the classification is the same.
    window
        The box over which the tubes around a manifold of minima are certified when
        ``regions`` is None (default: :func:`default_window` of the start for at most
        :data:`AUTO_WINDOW_DIM` parameters, else none: certifying tubes in three or more
        dimensions takes seconds, so it is asked for explicitly).

    Returns
    -------
    Trajectory
        The iterates and their :class:`Classification`.
    """
    step = StepSize.of(eta)
    th0 = Point.of(theta0, require_loss(loss).n)
    steps = bounded_int(steps, "steps", 0)
    dps = bounded_int(dps, "dps", 5)
    period_max = bounded_int(period_max, "period_max", 1)
    box = window
    if window is None and len(th0.coords) <= AUTO_WINDOW_DIM:
        box = default_window(th0.coords)
    regs, note = resolve_regions(loss, step, regions, box)
    run = run_trajectory(
        loss, step, th0, steps=steps, dps=dps, regions=regs, region_note=note,
        divergence_bound=divergence_bound, period_max=period_max, period_tol=period_tol,
        record=record, stop_at_region=stop_at_region,
    )  # fmt: skip
    return near_degenerate_minimum(loss, run)


def near_degenerate_minimum(loss: Loss, run: Trajectory) -> Trajectory:
    """``run``, relabelled by the numerical criterion of the basin maps when it ended
    undetermined within :data:`~symstab.dynamics.basins.labels.DEGENERATE_TOL` of a
    degenerate minimum (which has no certified region; GD approaches it sublinearly)."""
    c = run.classification
    if c.outcome != "undetermined" or not getattr(loss, "is_polynomial", False):
        return run
    from symstab.certify.minima import degenerate_minima

    try:
        with time_limit(EXACT_PHASE_BUDGET, "the exact analysis of degenerate minima"):
            minima = degenerate_minima(loss)
    except (InputError, ValueError, NotImplementedError, BudgetExceeded):
        return run
    last = [float(x) for x in run.final]
    for label, point in minima:
        dist = max(abs(a - b) for a, b in zip(last, point, strict=True))
        radius = DEGENERATE_TOL * max(1.0, *(abs(b) for b in point))
        if dist <= radius:
            evidence = (
                f"after {run.steps_taken} steps θ lies within {dist:.2g} of the degenerate "
                f"minimum {label} (numerical criterion: at most {radius:g}); it has no "
                "certified region, and GD approaches it sublinearly")
            new = replace(c, outcome="converged", label=int(label),
                          stable=c.n_loss_increases == 0, strength=Strength.NUMERICAL,
                          evidence=evidence)
            return replace(run, classification=new)
    return run


def run_trajectory(
    loss: Loss,
    step: StepSize,
    th0: Point,
    *,
    steps: int,
    dps: int,
    regions: tuple[Any, ...],
    region_note: str,
    divergence_bound: Any,
    period_max: int,
    period_tol: Any,
    record: bool,
    stop_at_region: bool,
) -> Trajectory:
    """:func:`trajectory` on checked inputs and resolved regions (see its parameters)."""
    eta = step.exact
    ar, ctx = mp_arith(loss, eta, dps, divergence_bound, period_tol)
    theta = tuple(to_mpf(ctx, t)._mpf_ for t in th0)
    run = run_fast(
        loss, eta, dps, ar, theta, steps=steps, regions=regions, region_note=region_note,
        period_max=period_max, record=record, stop_at_region=stop_at_region,
        bound_text=str(divergence_bound),
    )  # fmt: skip
    return Trajectory(
        loss=loss,
        eta=eta,
        theta0=th0.coords,
        dps=dps,
        iterates=run.iterates,
        losses=run.losses,
        classification=run.classification,
        steps_taken=run.steps_taken,
    )
