"""The certified-measure claim shared by Chen et al. (V_η of f4) and Crăciun &
Ghoshdastidar (the converging set of ½(1 − xy)²): V_η fills more than a given share of a
window, proved by :func:`symstab.certify.certified_measure`, beside the sampled fraction
of a float64 basin map."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from symstab.certify.measure import certified_measure, default_regions, floor_decimal
from symstab.dynamics.basins import basin_map
from symstab.errors import InputError
from symstab.evidence import Strength, wilson_interval
from symstab.inputs import StepSize, exact_number
from symstab.loss import Loss

from .core import Budget, Counterexample, Evidence, Outcome, Verdict

__all__ = ["MeasureTarget", "measure_target", "run_measure"]


@dataclass(frozen=True)
class MeasureTarget:
    """What a certified-measure claim asks: V_η ∩ W fills more than ``share`` of W."""

    step: StepSize
    window: Sequence[tuple[Any, Any]]
    bound: sp.Expr
    share: Fraction
    where: str


def measure_target(eta: Any, window: Sequence[tuple[Any, Any]], at_least: Any
                   ) -> MeasureTarget:
    """The target of a claim, every value read once (``at_least`` exact rational)."""
    bound = exact_number(at_least, "at_least")
    if not bound.is_Rational:
        raise InputError(f"at_least must be rational, got {bound}", "at_least")
    where = " × ".join(f"[{sp.sstr(exact_number(lo))}, {sp.sstr(exact_number(hi))}]"
                       for lo, hi in window)
    return MeasureTarget(StepSize.of(eta), window, bound,
                         Fraction(int(bound.p), int(bound.q)), where)


def run_measure(loss: Loss, target: MeasureTarget, *, manifold: bool, depth: int,
                stable: bool) -> Callable[[Budget], Outcome]:
    """The check: ``holds`` (certified) when the certified lower bound exceeds the share,
    ``fails`` (statistical) when the sampled Wilson interval lies below it, and
    ``inconclusive`` otherwise or when the certified bound exceeds the sampled upper
    bound (an error in one of them).

    ``manifold``: include the tubes around a manifold of minima over the window in the
    regions; ``depth``: bisections of a failing cell are ``depth + 1`` at either budget
    (one more level costs about three times the time and the bound at ``depth + 1``
    already decides the seed claims); ``stable``: also prove the stably converging
    measure.
    """
    step, share = target.step, target.share

    def run(budget: Budget) -> Outcome:
        window = target.window if manifold else None
        regions = default_regions(loss, step, window=window)
        m = certified_measure(loss, step, target.window, regions,
                              max_depth=depth + 1,
                              max_boxes=5000 * budget.subdivisions, stable=stable)
        per = max(2, round((25 * budget.samples) ** (1 / loss.n)))
        grid = tuple((float(lo), float(hi), per) for lo, hi in m.window)
        bmap = basin_map(loss, step, grid, regions=None if manifold else regions,
                         max_steps=budget.steps)
        labels = np.asarray(bmap.labels)
        k, n = int((labels > 0).sum()), int(labels.size)
        low, high = wilson_interval(k, n, budget.confidence)
        certified = (f"certified: V_η fills at least {floor_decimal(m.converging)} of "
                     f"{target.where} (the exact fraction {m.converging})")
        sampled = (f"sampled: {k} of {n} grid points converge ({k / n:.4f}, Wilson "
                   f"{budget.confidence:.0%} interval [{low:.4f}, {high:.4f}])")
        data = {"certified": {key: v for key, v in m.to_dict().items() if key != "evidence"},
                "sampled": {"converged": k, "points": n, "fraction": k / n,
                            "wilson": [low, high], "confidence": budget.confidence}}
        text = f"{certified}; {sampled}; {m.evidence}"
        if m.converging > Fraction(high):
            return Verdict.INCONCLUSIVE, Evidence(
                Strength.CERTIFIED, f"the certified bound exceeds the sampled upper bound: "
                f"{text}", data=data), None
        if m.converging > share:
            return Verdict.HOLDS, Evidence(Strength.CERTIFIED, text, data=data), None
        if high < share:
            return Verdict.FAILS, Evidence(
                Strength.STATISTICAL, text, n=n, confidence=budget.confidence,
                bound=(low, high), data=data), Counterexample(
                f"the converging fraction is below {share} with {budget.confidence:.0%} "
                f"confidence (Wilson interval [{low:.4f}, {high:.4f}])",
                eta=sp.sstr(step.exact))
        return Verdict.INCONCLUSIVE, Evidence(
            Strength.CERTIFIED, f"the certified bound does not exceed {share}: {text}",
            data=data), None

    return run
