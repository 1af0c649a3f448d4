"""Chen et al. 2024's mechanism of unstable convergence, orbit by orbit, certified.

The paper (after Theorem 3): for θ0 ∈ V_η ∖ U_η "there exists K >= 0 such that
θ_K ∈ U_η ... the GD trajectory will ultimately jump into U_η"; before it "the loss
oscillation occurs for the sub-trajectory (θ_0, ..., θ_{K−1})", after it "the loss
decreases with each step". Fig. 3 shows one unstable start (0.1, 2.5) and one stable
start (1.5, 2) of f4 (the step size is not printed).

Each orbit is enclosed in arb interval arithmetic by
:func:`symstab.certify.loss_steps.certified_loss_steps` until it lies in a certified
Hessian ball, with the sign of every loss change proved; that gives the rises exactly,
the first iterate in U_η (one after the last rise) and the monotone descent after it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from symstab.certificates import box_orbit_hint
from symstab.certify.loss_steps import LossSteps, certified_loss_steps
from symstab.evidence import Strength
from symstab.loss import Loss

from .chen_sample import UNSTABLE, sample_classes, window_of
from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict
from .support import critical_set_complete, has_strict_minimum, regions_of

__all__ = ["FIG3_STARTS", "fig3_labels", "sampled_unstable_starts", "unstable_mechanism"]

CHEN = "Chen et al. 2024"
#: Fig. 3's starts: unstable (0.1, 2.5) and stable (1.5, 2), exactly.
FIG3_STARTS: tuple[tuple[Fraction, Fraction], ...] = ((Fraction(1, 10), Fraction(5, 2)),
                                                      (Fraction(3, 2), Fraction(2)))
DPS = 60
STEPS = 3000


def _coord(x: Any) -> str:
    q = Fraction(x)
    return str(q) if q.denominator < 10**6 else f"{float(q):.10g}"


def _start_text(start: Sequence[Any]) -> str:
    return "(" + ", ".join(_coord(x) for x in start) + ")"


def _orbits(loss: Loss, etas: Sequence[sp.Expr], starts: Sequence[Sequence[Any]],
            budget: Budget) -> list[tuple[sp.Expr, tuple, LossSteps]]:
    out = []
    for eta in etas:
        regions = regions_of(loss, sp.nsimplify(eta))  # stopping sets only: 4 sub-boxes
        for s in starts:
            for dps in (DPS, 3 * DPS, 8 * DPS):  # a chaotic transient may need more digits
                r = certified_loss_steps(loss, eta, s, regions, max_steps=STEPS, dps=dps)
                if r.reason != "wide":
                    break
            out.append((eta, tuple(s), r))
    return out


class sampled_unstable_starts:
    """The starts of a window classified V_η ∖ U_η by the float64 sample of
    :func:`proofs_check.chen_sample.sample_classes`, ``count`` of them spread over the
    sample, as exact binary rationals (called with η)."""

    def __init__(self, loss: Loss, window: Sequence[tuple[Any, Any]], count: int = 4) -> None:
        self.loss = loss
        self.window = window_of(window)
        self.count = count
        self.text = (f"{count} starts of {' × '.join(f'[{a:g}, {b:g}]' for a, b in self.window)}"
                     " classified V_η ∖ U_η by a float64 sample")

    def __call__(self, eta: sp.Expr) -> list[tuple[Fraction, ...]]:
        c = sample_classes(self.loss, eta, self.window)[0]
        idx = np.flatnonzero(c.codes == UNSTABLE)
        if idx.size > self.count:
            idx = idx[np.unique(np.linspace(0, idx.size - 1, self.count).round().astype(int))]
        return [tuple(Fraction(float(x)) for x in c.points[i]) for i in idx]


def _hint(loss: Loss, eta: sp.Expr, start: Sequence[Any], r: LossSteps) -> list[dict]:
    """The certificate data of a decided orbit that entered a ball (else none)."""
    if not r.decided or r.entered is None or len(r.signs) != r.entered:
        return []
    return [box_orbit_hint(loss, sp.nsimplify(eta), [(x, x) for x in start], r.entered,
                           signs=r.signs, dps=r.dps)]


def _describe(r: LossSteps) -> str:
    if r.decided:
        rises = ", ".join(map(str, r.rises)) or "none"
        return (f"rises at steps {rises} ({len(r.rises)}), θ_{r.first_stable} first in U_η, "
                f"certified ball of minimum {r.label} at step {r.entered}")
    if r.entered is None and r.reason == "far":
        return (f"left |θ|∞ <= 10⁶ after {len(r.signs)} steps (not converging; loss rises at "
                f"{', '.join(map(str, r.rises[:6]))}{'...' if len(r.rises) > 6 else ''})")
    return f"undecided ({r.reason or 'a loss change not resolved'})"


def unstable_mechanism(loss: Loss, etas: Sequence[sp.Expr],
                       starts: Sequence[Sequence[Any]] | Callable[[sp.Expr], Sequence[Any]],
                       *, contiguous: bool = False, id: str | None = None,
                       source: Source | None = None,
                       expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim: every converging orbit from ``starts`` at each η of ``etas`` has a finite
    prefix of loss rises, after which it lies in U_η and its loss decreases at every step
    to the minimum; at least one of them is unstable (has a rise).

    ``starts`` may also be a function of η returning the starts (chosen when the claim
    is checked, e.g. by :func:`sampled_unstable_starts`).

    With ``contiguous`` (a false strengthening) the rises must moreover form an initial
    block 0, 1, ..., m − 1: once the loss falls it never rises again.

    Evidence: certified (every loss change's sign proved in arb at 60 digits, 180 or 480
    where the box grows too wide, up to a
    certified Hessian ball, inside which descent and convergence are certified). Orbits
    that leave |θ|∞ <= 10⁶ are not in V_η (the statement is about converging orbits)
    and are listed; an orbit left undecided makes the verdict inconclusive.
    """

    def run(budget: Budget) -> Outcome:
        rows, lines, unstable, hints = [], [], 0, []
        orbits = ([o for eta in etas for o in _orbits(loss, (eta,), starts(eta), budget)]
                  if callable(starts) else _orbits(loss, etas, starts, budget))
        for eta, s, r in orbits:
            lines.append(f"η = {sp.sstr(eta)}, θ0 = {_start_text(s)}: {_describe(r)}")
            rows.append({"eta": sp.sstr(eta), "start": _start_text(s), "rises": list(r.rises),
                         "first_in_U": r.first_stable, "entered_ball": r.entered,
                         "minimum": r.label, "left": r.reason == "far"})
            hints += _hint(loss, eta, s, r)
            if r.entered is None and r.reason != "far":
                return Verdict.INCONCLUSIVE, Evidence(
                    Strength.CERTIFIED, "; ".join(lines), data={"orbits": rows}), None
            if r.entered is None:
                continue
            if not r.decided:
                return Verdict.INCONCLUSIVE, Evidence(
                    Strength.CERTIFIED, "; ".join(lines), data={"orbits": rows}), None
            unstable += bool(r.rises)
            if contiguous and r.rises != tuple(range(len(r.rises))):
                gap = next(k for k in range(len(r.rises)) if r.rises[k] != k)
                return Verdict.FAILS, Evidence(
                    Strength.CERTIFIED, "; ".join(lines),
                    data={"orbits": rows, "certificate": _hint(loss, eta, s, r)}), \
                    Counterexample(
                        f"the loss falls at step {gap} and rises again at step {r.rises[gap]} "
                        f"(proved rises at {list(r.rises)}; θ_{gap} is not in U_η although "
                        "its loss fell)", point=tuple(_coord(x) for x in s),
                        eta=sp.sstr(eta), data={"rises": list(r.rises)})
        summary = (f"{len(rows)} orbits enclosed in arb (at {DPS} digits, more where a "
                   "transient needed it), every loss change's "
                   "sign proved up to a certified Hessian ball: " + "; ".join(lines))
        ev = Evidence(Strength.CERTIFIED, summary, data={"orbits": rows, "certificate": hints})
        if not unstable:
            return Verdict.INCONCLUSIVE, ev, None
        return Verdict.HOLDS, ev, None

    etxt = ", ".join(sp.sstr(e) for e in etas)
    stxt = (getattr(starts, "text", "sampled starts") if callable(starts)
            else "{" + ", ".join(_start_text(s) for s in starts) + "}")
    extra = (" The rises form an initial block: once the loss falls, it never rises again."
             if contiguous else "")
    return Claim(
        id=id or f"chen.mechanism.{loss.name}",
        title=(f"unstable convergence is a finite rising prefix, then U_η ({loss.name}, "
               f"η ∈ {{{etxt}}})" + (", rises contiguous" if contiguous else "")),
        statement=(f"For GD on {loss.name} with η ∈ {{{etxt}}} from θ0 ∈ {stxt}: every "
                   "converging orbit has finitely many loss rises; after the last one "
                   "(at step K − 1) θ_K ∈ U_η and the loss decreases at every step to the "
                   "minimum; some orbit is unstable." + extra),
        latex=(r"\theta_0\in V_\eta\setminus U_\eta\Rightarrow\exists K:\ \theta_K\in U_\eta,\ "
               r"f(\theta_{k+1})<f(\theta_k)\ \forall k\ge K"),
        source=source or Source(CHEN, "after Theorem 3 (the unstable convergence regime) "
                                      "and Fig. 3"),
        run=run,
        hypotheses=(critical_set_complete(loss), has_strict_minimum(loss)),
        tags=(loss.name, "mechanism"),
        expected=expected,
    )


def fig3_labels(loss: Loss, etas: Sequence[sp.Expr], *,
                starts: Sequence[Sequence[Any]] = FIG3_STARTS, id: str | None = None,
                source: Source | None = None) -> Claim:
    """Claim (Fig. 3's labels): at some η of ``etas`` (the figure's η is not printed),
    the first start converges unstably (some loss rise) and the second stably (no rise),
    both certified. The evidence lists the label pair at every η of the grid."""
    unstable_start, stable_start = starts

    def run(budget: Budget) -> Outcome:
        found, lines, hints = [], [], []
        orbits = _orbits(loss, etas, (unstable_start, stable_start), budget)
        for i in range(0, len(orbits), 2):
            (eta, _, a), (_, _, b) = orbits[i], orbits[i + 1]

            def label(r: LossSteps) -> str:
                if r.decided:
                    return f"{'unstable' if r.rises else 'stable'} ({len(r.rises)} rises)"
                return "not converging" if r.reason == "far" else "undecided"

            lines.append(f"η = {sp.sstr(eta)}: {_start_text(unstable_start)} {label(a)}, "
                         f"{_start_text(stable_start)} {label(b)}")
            if a.decided and a.rises and b.decided and not b.rises:
                found.append(sp.sstr(eta))
                hints += _hint(loss, eta, unstable_start, a) + _hint(loss, eta, stable_start, b)
        summary = ("certified orbits (arb, 60 digits or more, every loss change's sign "
                   "proved up to a certified Hessian ball): " + "; ".join(lines)
                   + (f". The labels of Fig. 3 hold at η ∈ {{{', '.join(found)}}}"
                      if found else ""))
        ev = Evidence(Strength.CERTIFIED, summary, data={"etas_with_fig3_labels": found,
                                                         "certificate": hints})
        if found:
            return Verdict.HOLDS, ev, None
        return Verdict.INCONCLUSIVE, ev, None

    etxt = ", ".join(sp.sstr(e) for e in etas)
    return Claim(
        id=id or f"chen.fig3.labels.{loss.name}",
        title=f"Fig. 3's labels: {_start_text(unstable_start)} unstable, "
              f"{_start_text(stable_start)} stable ({loss.name})",
        statement=(f"For GD on {loss.name} at some η ∈ {{{etxt}}} (Fig. 3 does not print its "
                   f"η), the orbit from {_start_text(unstable_start)} converges with a loss "
                   f"rise (V_η ∖ U_η) and the orbit from {_start_text(stable_start)} converges "
                   "with the loss falling at every step (U_η)."),
        latex=r"\theta_0^{(1)}\in V_\eta\setminus U_\eta,\quad \theta_0^{(2)}\in U_\eta",
        source=source or Source(CHEN, "Fig. 3 (caption: unstable and stable initialization)",
                                "the step size of Fig. 3 is not given in the paper"),
        run=run,
        hypotheses=(critical_set_complete(loss), has_strict_minimum(loss)),
        tags=(loss.name, "mechanism", "fig3"),
    )
