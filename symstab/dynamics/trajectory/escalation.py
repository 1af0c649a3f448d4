"""Precision escalation: rerun a trajectory at doubled precision until two runs agree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath

from symstab.dynamics.trajectory.iterate import resolve_regions, run_trajectory
from symstab.dynamics.trajectory.results import Trajectory, num_str
from symstab.errors import InputError
from symstab.inputs import Point, StepSize, bounded_int
from symstab.loss import Loss, require_loss

__all__ = ["EscalationReport", "EscalationRun", "trajectory_escalated"]


@dataclass(frozen=True)
class EscalationRun:
    """Summary of one run of :func:`trajectory_escalated`.

    Attributes
    ----------
    dps
        Working precision.
    outcome, label, stable, period, diverged_at, entered_region_at
        As in :class:`Classification`.
    steps_taken
        Index of the last computed iterate.
    final
        The compared point(s), as decimal strings: the final iterate, or for a periodic
        orbit the orbit points (flattened).
    """

    dps: int
    outcome: str
    label: int
    stable: bool | None
    period: int | None
    diverged_at: int | None
    entered_region_at: int | None
    steps_taken: int
    final: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        return {
            "dps": self.dps,
            "outcome": self.outcome,
            "label": self.label,
            "stable": self.stable,
            "period": self.period,
            "diverged_at": self.diverged_at,
            "entered_region_at": self.entered_region_at,
            "steps_taken": self.steps_taken,
            "final": list(self.final),
        }


@dataclass(frozen=True)
class EscalationReport:
    """How much precision a trajectory needed.

    Attributes
    ----------
    agreed
        Whether two consecutive runs agreed before ``dps_max``.
    dps_needed
        The lower precision of the first agreeing pair (its result was confirmed by the
        run at twice the precision), or None if no pair agreed.
    agree_digits
        The number of digits compared.
    runs
        The runs, in order of increasing precision.
    evidence
        One sentence.
    """

    agreed: bool
    dps_needed: int | None
    agree_digits: int
    runs: tuple[EscalationRun, ...]
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        return {
            "agreed": self.agreed,
            "dps_needed": self.dps_needed,
            "agree_digits": self.agree_digits,
            "runs": [r.to_dict() for r in self.runs],
            "evidence": self.evidence,
        }


def _compared_points(t: Trajectory) -> tuple[tuple[Any, ...], ...]:
    c = t.classification
    if c.outcome == "periodic" and c.orbit is not None:
        return c.orbit
    return (t.final,)


def _points_agree(a: tuple[Any, ...], b: tuple[Any, ...], digits: int, dps_hi: int) -> bool:
    """‖a − b‖∞ <= 10^(−digits)·max(‖a‖∞, ‖b‖∞), evaluated at ``dps_hi`` digits."""
    ctx = mpmath.MPContext()
    ctx.dps = dps_hi + 10
    xa = [ctx.mpf(x) for x in a]
    xb = [ctx.mpf(x) for x in b]
    if not all(ctx.isfinite(x) for x in (*xa, *xb)):
        return False
    scale = max([abs(x) for x in (*xa, *xb)], default=ctx.zero)
    diff = max([abs(x - y) for x, y in zip(xa, xb, strict=True)], default=ctx.zero)
    return diff <= ctx.mpf(10) ** (-digits) * scale


def _runs_agree(a: Trajectory, b: Trajectory, digits: int) -> bool:
    ca, cb = a.classification, b.classification
    if (ca.outcome, ca.label, ca.stable, ca.period) != (cb.outcome, cb.label, cb.stable, cb.period):
        return False
    if ca.outcome == "diverged":
        return ca.diverged_at == cb.diverged_at
    pa, pb = _compared_points(a), _compared_points(b)
    hi = max(a.dps, b.dps)
    return len(pa) == len(pb) and all(
        _points_agree(x, y, digits, hi) for x, y in zip(pa, pb, strict=True)
    )


def _summary(t: Trajectory, digits: int) -> EscalationRun:
    c = t.classification
    pts = _compared_points(t)
    return EscalationRun(
        dps=t.dps,
        outcome=c.outcome,
        label=c.label,
        stable=c.stable,
        period=c.period,
        diverged_at=c.diverged_at,
        entered_region_at=c.entered_region_at,
        steps_taken=t.steps_taken,
        final=tuple(num_str(x, digits + 5) for pt in pts for x in pt),
    )


def trajectory_escalated(
    loss: Loss,
    eta: Any,
    theta0: Sequence[Any],
    *,
    dps_start: int = 30,
    dps_max: int = 400,
    agree_digits: int = 10,
    **kw: Any,
) -> tuple[Trajectory, EscalationReport]:
    """Rerun :func:`trajectory` at doubled precision until two consecutive runs agree.

    Two runs agree when outcome, label, stability and period are equal and the compared
    points agree to ``agree_digits`` digits in the sense
    ‖a − b‖∞ <= 10^(−agree_digits)·max(‖a‖∞, ‖b‖∞). The compared points are the final
    iterate, or for a periodic orbit the orbit points (aligned by k mod p); for diverged
    runs the step ``diverged_at`` must be equal instead.

    Parameters
    ----------
    loss, eta, theta0
        As for :func:`trajectory`.
    dps_start
        Precision of the first run.
    dps_max
        No run uses more digits than this (the last run may be capped at it).
    agree_digits
        Digits of the compared points that must agree.
    **kw
        Further keywords for :func:`trajectory` (not ``dps``). Regions are resolved once
        and reused by every run.

    Returns
    -------
    (Trajectory, EscalationReport)
        The highest-precision run and the report.
    """
    if "dps" in kw:
        raise InputError("pass dps_start/dps_max, not dps", "dps")
    dps_start = bounded_int(dps_start, "dps_start", 5)
    dps_max = bounded_int(dps_max, "dps_max", dps_start)
    agree_digits = bounded_int(agree_digits, "agree_digits", 1)
    step = StepSize.of(eta)
    th0 = Point.of(theta0, require_loss(loss).n)
    regions, note = resolve_regions(loss, step, kw.pop("regions", None))
    unknown = set(kw) - {
        "steps", "divergence_bound", "period_max", "period_tol", "record", "stop_at_region",
    }  # fmt: skip
    if unknown:
        raise InputError(f"unknown keyword(s) {', '.join(sorted(unknown))}")
    opts: dict[str, Any] = {
        "steps": 10_000, "divergence_bound": 10**12, "period_max": 16, "period_tol": None,
        "record": True, "stop_at_region": True,
    }  # fmt: skip
    opts.update(kw)
    opts["steps"] = bounded_int(opts["steps"], "steps", 0)
    opts["period_max"] = bounded_int(opts["period_max"], "period_max", 1)

    done: list[Trajectory] = []
    dps = dps_start
    needed: int | None = None
    while True:
        t = run_trajectory(loss, step, th0, dps=dps, regions=regions, region_note=note, **opts)
        done.append(t)
        if len(done) >= 2 and _runs_agree(done[-2], done[-1], agree_digits):
            needed = done[-2].dps
            break
        if dps >= dps_max:
            break
        dps = min(2 * dps, dps_max)
    summaries = tuple(_summary(t, agree_digits) for t in done)
    if needed is not None:
        evidence = (
            f"runs at {needed} and {done[-1].dps} digits agree (outcome, label, stability, "
            f"{agree_digits} digits of the compared point)"
        )
    else:
        evidence = (
            f"no two consecutive runs between {dps_start} and {done[-1].dps} digits agreed; "
            "the result depends on the precision"
        )
    report = EscalationReport(
        agreed=needed is not None,
        dps_needed=needed,
        agree_digits=agree_digits,
        runs=summaries,
        evidence=evidence,
    )
    return done[-1], report
