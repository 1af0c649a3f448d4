"""Claims of Chen, Peng, Li, Zhao, "On the Unstable Convergence Regime of Gradient
Descent" (AAAI 2024) that are not generic properties: the sharpness of the maximal
learning rate, Theorem 3 (U_η is open), the printed form of eq. (30), and the measure of
the converging set V_η in a window of Fig. 2, certified.

Eq. (30) as printed defines U_η with ``f(θ_k) < f(θ_{k+1})`` (the loss *increases*),
while the sentence after it says the loss "will monotonically decrease in each GD
iteration" and Lemma 2 / eq. (32) prove a decrease. The intended set is therefore
``f(θ_{k+1}) < f(θ_k)``; :func:`u_eta_printed_open` checks Theorem 3 for the printed
set, and it fails (the printed set is {θ*} near a strict minimum, which is not open).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from symstab.certificates import box_orbit_hint
from symstab.certify import certified_measure
from symstab.dynamics.basins import basin_map
from symstab.evidence import Strength
from symstab.exact.signs import compare
from symstab.inputs import StepSize, StepSizeLike
from symstab.loss import Loss

from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict
from .measure_claims import measure_target, run_measure
from .support import (
    analysis_of,
    below_threshold,
    critical_set_complete,
    has_strict_minimum,
    minimum_label,
    point_text,
    regions_of,
    slug,
)

__all__ = ["converging_measure", "threshold_is_sharp", "u_eta_open", "u_eta_printed_open"]

CHEN = "Chen et al. 2024"
EQ30_NOTE = (
    "eq. (30) is printed with f(θ_k) < f(θ_{k+1}) (loss increasing), contradicting the "
    "text ('the loss function will monotonically decrease') and Lemma 2 (eq. 32); the "
    "intended condition is f(θ_{k+1}) < f(θ_k)"
)


def threshold_is_sharp(loss: Loss, *, margin: sp.Expr | None = None,
                       id: str | None = None) -> Claim:
    """Claim: for every strict minimum θ*, GD at η = (1 − margin)·η* is stable near θ*
    (a certified trapping ball exists) and at η = (1 + margin)·η* it is not: DG(θ*) then
    has the eigenvalue 1 − ηλmax < −1, so θ* is an unstable fixed point of G (a fixed
    point of a C¹ map with a Jacobian eigenvalue of modulus > 1 is unstable), and GD
    converges to θ* only from the stable set of θ*, a set of lower dimension.
    ``margin`` defaults to 1/100."""
    margin = sp.Rational(1, 100) if margin is None else margin

    def run(budget: Budget) -> Outcome:
        minima = analysis_of(loss, None, budget.time_limit).minima
        lines, data = [], {}
        for p in minima:
            k = p.label
            star = p.eta_star.expr
            lam = p.lambda_max.expr
            below, above = (1 - margin) * star, (1 + margin) * star
            region = next((r for r in regions_of(loss, below, budget.subdivisions)
                           if r.label == k), None)
            multiplier = sp.radsimp(1 - above * lam)
            unstable = compare(multiplier, sp.Integer(-1)) < 0
            data[minimum_label(p)] = {"eta_star": sp.sstr(star),
                                      "region_radius_below": None if region is None
                                      else float(region.radius),
                                      "multiplier_above": sp.sstr(multiplier)}
            if region is None:
                return Verdict.INCONCLUSIVE, Evidence(
                    Strength.CERTIFIED, f"no trapping ball certified at η = {sp.sstr(below)} "
                    f"around {minimum_label(p)}", data=data), None
            if not unstable:
                return Verdict.FAILS, Evidence(
                    Strength.EXACT, f"at η = {sp.sstr(above)}, 1 − ηλmax = "
                    f"{sp.sstr(multiplier)} >= −1", data=data), Counterexample(
                    "minimum still linearly stable past the claimed threshold",
                    point=tuple(c.decimal for c in p.coordinates), eta=sp.sstr(above))
            lines.append(f"{minimum_label(p)}: ball of radius {float(region.radius):.3g} "
                         f"certified at η = {sp.sstr(below)}; at η = {sp.sstr(above)}, "
                         f"1 − ηλmax = {sp.sstr(multiplier)} < −1")
        return Verdict.HOLDS, Evidence(Strength.CERTIFIED, "; ".join(lines), data=data), None

    return Claim(
        id=id or f"chen.threshold-sharp.{slug(loss.name)}",
        title=f"η* = 2/λmax is sharp for the minima of {loss.name}",
        statement=(f"For each strict minimum θ* of {loss.name}: GD with η slightly below "
                   "η* = 2/λmax has a forward-invariant contracting neighbourhood of θ*, and "
                   "with η slightly above η*, θ* is an unstable fixed point of GD."),
        latex=r"\eta<\eta^*\Rightarrow\text{stable},\quad \eta>\eta^*\Rightarrow"
              r"|1-\eta\lambda_{\max}|>1",
        source=Source(CHEN, "maximal learning rates of f1–f4 (Numerical Experiments)"),
        run=run,
        hypotheses=(critical_set_complete(loss), has_strict_minimum(loss)),
        tags=(loss.name, "threshold"),
    )


# --------------------------------------------------------------------------------------
# Theorem 3: U_η is open, checked constructively
# --------------------------------------------------------------------------------------


def u_eta_open(loss: Loss, eta: StepSizeLike, box: Sequence[tuple[sp.Expr, sp.Expr]], *,
               id: str | None = None) -> Claim:
    """Claim (Chen Theorem 3, with Lemma 2): U_η, the set of stable initialisations
    (GD converges to θ* and the loss decreases at every step), is open.

    Checkable form: every sampled stable initialisation θ0 has a certified ball of stable
    initialisations around it. Stable starts are found by a float64 basin map of ``box``
    (about ``budget.samples`` points); for a spread of ``max(3, budget.examples // 5)``
    of them, the box θ0 ± ε is proved to lie in U_η by
    :func:`symstab.certify.certified_measure` (one cell, propagated through the GD map in
    arb interval arithmetic at ``budget.dps`` digits, at least 50, until it lies inside a
    certified trapping region, with the loss proved to decrease on the whole box at every
    step); ε is tried at two sizes.

    ``eta``: any spelling of :meth:`symstab.inputs.StepSize.of`.
    """
    eta = StepSize.of(eta).exact

    def run(budget: Budget) -> Outcome:
        regions = regions_of(loss, eta, budget.subdivisions)
        per = max(2, round(budget.samples ** (1 / len(box))))
        grid = tuple((float(lo), float(hi), per) for lo, hi in box)
        bmap = basin_map(loss, eta, grid, regions=regions, max_steps=budget.steps)
        starts = np.asarray(bmap.points).reshape(-1, len(box))
        stable = np.flatnonzero((np.asarray(bmap.labels).reshape(-1) >= 1)
                                & np.asarray(bmap.stable).reshape(-1))
        if stable.size == 0:
            return Verdict.INCONCLUSIVE, Evidence(
                Strength.NUMERICAL, f"no stable initialisation among {starts.shape[0]} grid "
                "points"), None
        want = max(3, budget.examples // 5)
        picks = stable[np.unique(np.linspace(0, stable.size - 1, want).round().astype(int))]
        dps = max(budget.dps, 50)
        monotone = [r for r in regions if getattr(r, "monotone", False)]
        certified, failed, data, hints = 0, [], [], []
        for i in picks:
            theta0 = [Fraction(float(x)) for x in starts[i]]
            for digits in (dps // 2, dps - 10):
                eps = Fraction(1, 10**digits)
                ball = certified_measure(
                    loss, eta, [(t - eps, t + eps) for t in theta0], monotone, cells=1,
                    max_depth=0, max_steps=budget.steps, dps=dps, max_width=1, reuse=False)
                if ball.stable == 1:
                    data.append({"start": point_text(starts[i]), "eps": f"1e-{digits}",
                                 "steps_to_region": ball.box_steps,
                                 "minimum": next(iter(ball.stable_by_label))})
                    hints.append(box_orbit_hint(
                        loss, eta, [(t - eps, t + eps) for t in theta0], ball.box_steps,
                        signs=[-1] * ball.box_steps, dps=dps,
                        subdivisions=budget.subdivisions))
                    certified += 1
                    break
            else:
                failed.append(point_text(starts[i]))
        summary = (f"{certified} of {len(picks)} sampled stable initialisations (of "
                   f"{stable.size} stable grid points) have a certified ball of stable "
                   f"initialisations (arb boxes at {dps} digits, the loss proved to "
                   "decrease on the whole box until it lies inside a certified trapping "
                   "region)")
        if failed:
            return Verdict.INCONCLUSIVE, Evidence(
                Strength.CERTIFIED, summary + f"; not certified: {failed[:3]}",
                data={"balls": data}), None
        return Verdict.HOLDS, Evidence(Strength.CERTIFIED, summary,
                                       data={"balls": data, "certificate": hints}), None

    return Claim(
        id=id or f"chen.theorem3.{slug(loss.name)}.{slug(eta)}",
        title=f"U_η is open for {loss.name} at η = {sp.sstr(eta)}",
        statement=("The set U_η of stable initialisations (GD converges to θ* with "
                   "f(θ_{k+1}) < f(θ_k) for all k) is open: every stable initialisation has "
                   f"a ball of stable initialisations around it ({loss.name}, "
                   f"η = {sp.sstr(eta)})."),
        latex=r"\forall\theta_0\in U_\eta\ \exists\varepsilon>0:\ B(\theta_0,\varepsilon)"
              r"\subset U_\eta",
        source=Source(CHEN, "Theorem 3, Lemma 2, eq. (30) (as intended)", EQ30_NOTE),
        run=run,
        hypotheses=(critical_set_complete(loss), below_threshold(loss, eta)),
        tags=(loss.name, "openness"),
    )


def u_eta_printed_open(loss: Loss, eta: StepSizeLike, *, id: str | None = None) -> Claim:
    """Claim: Theorem 3 with U_η exactly as printed in eq. (30) (loss *increasing* along
    the trajectory). Expected to fail: near a strict minimum θ* the printed set is {θ*}
    (θ* is in it vacuously, and a trajectory that converges to θ* with increasing loss
    would have f(θ_k) < f(θ*) for all k), so it is not open. The counterexample: θ* is in
    the printed set, yet every point of the certified trapping ball around θ* other than
    θ* has a strictly decreasing loss, so it is not.

    ``eta``: any spelling of :meth:`symstab.inputs.StepSize.of`.
    """
    eta = StepSize.of(eta).exact

    def run(budget: Budget) -> Outcome:
        regions = regions_of(loss, eta, budget.subdivisions)
        monotone = [r for r in regions if getattr(r, "monotone", True)]
        if not monotone:
            return Verdict.INCONCLUSIVE, Evidence(
                Strength.CERTIFIED, "no certified region around a minimum"), None
        r = monotone[0]
        return Verdict.FAILS, Evidence(
            Strength.CERTIFIED,
            f"θ* (minimum {r.label}) belongs to the printed U_η (the condition is vacuous "
            f"when θ_k = θ*), but on the certified ball of radius {float(r.radius):.3g} "
            "around it the loss decreases strictly at every GD step (certified descent), so "
            "no other point of the ball is in the printed U_η: it contains no ball around "
            "θ*. With the intended inequality f(θ_{k+1}) < f(θ_k) the whole ball is in U_η.",
        ), Counterexample(
            "θ* is in the printed U_η but no ball around it is",
            point=point_text(r.center), eta=sp.sstr(eta),
            data={"radius": float(r.radius)})

    return Claim(
        id=id or f"chen.eq30-printed.{slug(loss.name)}.{slug(eta)}",
        title=f"Theorem 3 with eq. (30) as printed ({loss.name}, η = {sp.sstr(eta)})",
        statement=("U_η = {θ0 : θ_k → θ*, f(θ_k) < f(θ_{k+1}) for all k with θ_k ≠ θ*}, "
                   "exactly as printed in eq. (30), is an open set."),
        latex=r"U_\eta=\{\theta_0:\theta_k\to\theta^*,\ f(\theta_k)<f(\theta_{k+1})\}"
              r"\text{ is open}",
        source=Source(CHEN, "Theorem 3 with eq. (30) as printed", EQ30_NOTE),
        run=run,
        hypotheses=(critical_set_complete(loss), below_threshold(loss, eta)),
        tags=(loss.name, "erratum"),
        expected=Verdict.FAILS,
    )


# --------------------------------------------------------------------------------------
# The converging set V_η has positive measure: a certified lower bound
# --------------------------------------------------------------------------------------


def converging_measure(loss: Loss, eta: StepSizeLike, window: Sequence[tuple[Any, Any]], *,
                       at_least: Any = 0, id: str | None = None) -> Claim:
    """Claim: V_η, the set of initialisations from which GD converges to a minimum (open,
    by the remark after Chen's Theorem 3), fills more than ``at_least`` of ``window``:
    Leb(V_η ∩ W) > at_least · vol(W).

    Checked by :func:`symstab.certify.certified_measure` (cells of the window propagated
    through the GD map in arb interval arithmetic into certified regions; ``16`` cells per
    axis bisected up to 3 times): ``holds`` with
    certified evidence when the certified lower bound exceeds ``at_least``. Beside it, a
    float64 basin map of about ``25 · budget.samples`` grid points gives the sampled
    fraction and its Wilson interval; ``fails`` (statistical) when the interval lies
    below ``at_least``; a certified bound above the sampled interval (which would mean an
    error in one of them) is reported as ``inconclusive``.

    ``eta``: any spelling of :meth:`symstab.inputs.StepSize.of`; ``window`` and
    ``at_least``: exact rationals (int, Fraction, text).
    """
    target = measure_target(eta, window, at_least)
    eta, share, bound, where = target.step.exact, target.share, target.bound, target.where
    run = run_measure(loss, target, manifold=False, depth=2, stable=True)

    return Claim(
        id=id or f"chen.converging-measure.{slug(loss.name)}.{slug(eta)}",
        title=f"V_η fills more than {share} of {where} for {loss.name} at "
              f"η = {sp.sstr(eta)} (certified)",
        statement=(f"For GD on {loss.name} with η = {sp.sstr(eta)}, the set V_η of "
                   "initialisations from which GD converges to a minimum has Lebesgue "
                   f"measure greater than {share} times that of {where}."),
        latex=(r"\operatorname{Leb}(V_\eta\cap W)>" + sp.latex(bound)
               + r"\,\operatorname{vol}(W)"),
        source=Source(CHEN, "Fig. 2 (V_η of f4) and the remark after Theorem 3 (V_η is "
                            "open)"),
        run=run,
        hypotheses=(critical_set_complete(loss), below_threshold(loss, eta)),
        tags=(loss.name, "measure"),
    )
