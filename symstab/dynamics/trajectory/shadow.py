"""Shadowing: float64 GD (NumPy target) beside mpmath GD from the same start, step by step.

The float64 run uses the generic engine :func:`symstab.dynamics.trajectory.engine.run`
on the arithmetic of :func:`f64_arith`; both runs are classified by the same rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symstab.codegen import compile_loss
from symstab.dynamics.highprec import to_mpf
from symstab.dynamics.trajectory.engine import Arith, run
from symstab.dynamics.trajectory.iterate import resolve_regions
from symstab.dynamics.trajectory.kernels import mp_arith, run_fast
from symstab.dynamics.trajectory.results import Classification
from symstab.errors import InputError
from symstab.inputs import Point, StepSize, bounded_int
from symstab.loss import Loss, require_loss

__all__ = ["ShadowingReport", "f64_arith", "shadowing"]


@dataclass(frozen=True)
class ShadowingReport:
    """Float64 GD beside mpmath GD from the same (float64-rounded) start.

    The deviation at step k is ‖θ_k^f64 − θ_k^mp‖∞ / max(1, ‖θ_k^mp‖∞): absolute where
    the iterate is at most 1 in size, relative above.

    Attributes
    ----------
    steps
        Number of steps compared (fewer than asked if an orbit left the finite range).
    dps
        Precision of the mpmath run.
    tol
        Deviation above which the runs have parted.
    parting_step
        First k with deviation > ``tol``, or None.
    max_deviation
        Largest deviation seen (a float; ``inf`` if one run stopped being finite).
    max_deviation_step
        Where it was seen.
    classification_mp, classification_f64
        The classification of each run (by the same rules, float64 tolerance 1e-8).
    classification_differs
        Whether outcome or label differ.
    evidence
        One sentence.
    """

    steps: int
    dps: int
    tol: float
    parting_step: int | None
    max_deviation: float
    max_deviation_step: int
    classification_mp: Classification
    classification_f64: Classification
    classification_differs: bool
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        return {
            "steps": self.steps,
            "dps": self.dps,
            "tol": repr(self.tol),
            "parting_step": self.parting_step,
            "max_deviation": repr(self.max_deviation),
            "max_deviation_step": self.max_deviation_step,
            "classification_mp": self.classification_mp.to_dict(self.dps),
            "classification_f64": self.classification_f64.to_dict(17),
            "classification_differs": self.classification_differs,
            "evidence": self.evidence,
        }


def f64_arith(loss: Loss, eta: float, divergence_bound: Any, tol: float) -> Arith:
    """The float64 arithmetic of a run (the NumPy target), period tolerance ``tol``."""
    target = compile_loss(loss.expr, loss.params).numpy()
    eta_f = float(eta)
    bound = float(divergence_bound)

    def step(th: tuple[float, ...]) -> tuple[float, ...]:
        with np.errstate(all="ignore"):
            return tuple(float(v) for v in target.step(np.asarray(th), eta_f))

    def value(th: tuple[float, ...]) -> float:
        with np.errstate(all="ignore"):
            return float(target.value(np.asarray(th)))

    return Arith(
        step=step,
        value=value,
        finite=math.isfinite,
        tol=tol,
        bound2=bound * bound,
        tol_text=repr(tol),
        to_region=lambda th: tuple(mpmath.mpf(v) for v in th),
    )


def shadowing(
    loss: Loss,
    eta: Any,
    theta0: Sequence[Any],
    *,
    steps: int,
    dps: int = 50,
    tol: float = 1e-6,
    regions: Sequence[Any] | None = None,
    divergence_bound: Any = 10**12,
    period_max: int = 16,
) -> ShadowingReport:
    """Compare float64 GD (NumPy target) with mpmath GD at ``dps`` digits, step by step.

    Both runs start from ``theta0`` rounded to float64 (so they start at the same point)
    and take ``steps`` steps, or fewer if one leaves the finite range or exceeds
    ``divergence_bound``. Each is also classified (with early stopping) by the rules of
    :func:`trajectory`; the float64 run uses the period tolerance 1e-8.

    Parameters
    ----------
    loss, eta, theta0
        As for :func:`trajectory`.
    steps
        Steps to compare.
    dps
        Precision of the mpmath run.
    tol
        Deviation (see :class:`ShadowingReport`) above which the runs have parted.
    regions, divergence_bound, period_max
        As for :func:`trajectory`.

    Returns
    -------
    ShadowingReport
    """
    step = StepSize.of(eta)
    th0 = Point.of(theta0, require_loss(loss).n)
    steps = bounded_int(steps, "steps", 0)
    dps = bounded_int(dps, "dps", 16)
    tol = float(tol)
    if not tol > 0:
        raise InputError("tol must be > 0", "tol")
    regs, note = resolve_regions(loss, step, regions)
    eta_e = step.exact
    start_f = th0.floats
    start_e = tuple(sp.Rational(x) for x in start_f)  # the exact binary values

    mp_ar, ctx = mp_arith(loss, eta_e, dps, divergence_bound, None)
    f_ar = f64_arith(loss, step.as_float, divergence_bound, 1e-8)
    a = tuple(to_mpf(ctx, t) for t in start_e)
    b = start_f
    one = ctx.one
    parting: int | None = None
    max_dev, max_k = 0.0, 0
    k = 0
    while True:
        finite = all(ctx.isfinite(x) for x in a) and all(math.isfinite(x) for x in b)
        if finite:
            scale = max(one, max(abs(x) for x in a))
            dev = float(max(abs(ctx.mpf(y) - x) for x, y in zip(a, b, strict=True)) / scale)
        else:
            dev = math.inf
        if dev > max_dev:
            max_dev, max_k = dev, k
        if parting is None and dev > tol:
            parting = k
        if not finite or k >= steps:
            break
        if sum(x * x for x in a) > mp_ar.bound2 or sum(x * x for x in b) > f_ar.bound2:
            break
        a, b = mp_ar.step(a), f_ar.step(b)
        k += 1

    common = {
        "steps": steps, "regions": regs, "region_note": note, "period_max": period_max,
        "record": False, "stop_at_region": True, "bound_text": str(divergence_bound),
    }  # fmt: skip
    start_raw = tuple(to_mpf(ctx, t)._mpf_ for t in start_e)
    c_mp = run_fast(loss, eta_e, dps, mp_ar, start_raw, **common).classification
    c_f = run(f_ar, start_f, **common).classification
    differs = (c_mp.outcome, c_mp.label) != (c_f.outcome, c_f.label)
    if parting is None:
        evidence = f"float64 stayed within {tol:g} of {dps}-digit GD for {k} steps"
    else:
        evidence = (
            f"float64 and {dps}-digit GD parted (deviation > {tol:g}) at step {parting}; "
            f"largest deviation {max_dev:.3g} at step {max_k}"
        )
    if differs:
        evidence += (
            f"; the classifications differ ({c_f.outcome}/{c_f.label} in float64, "
            f"{c_mp.outcome}/{c_mp.label} at {dps} digits)"
        )
    return ShadowingReport(
        steps=k,
        dps=dps,
        tol=tol,
        parting_step=parting,
        max_deviation=max_dev,
        max_deviation_step=max_k,
        classification_mp=c_mp,
        classification_f64=c_f,
        classification_differs=differs,
        evidence=evidence,
    )
