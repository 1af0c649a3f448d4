"""Unstable convergence (Ahn, Zhang & Sra 2022, ICML slides): sharpness oscillating around
2/η and relative progress oscillating around 0, on the toy losses of the toolkit.

The slides' table ("Illustration of our main results"): along GD in unstable convergence,
RP(θ_t) "oscillates near 0", the directional smoothness L(θ_t; η∇f(θ_t)) "oscillates near
2/η" and the sharpness λmax(∇²f(θ_t)) "oscillates near 2/η". The claims here make this
precise for a few starts near a manifold of minima with λmax slightly above 2/η:

``ahn.oscillation.xy`` / ``ahn.oscillation.chain3``
    for each start, along the used steps of GD (‖∇f‖ above the working-precision floor):
    the loss decreases overall; λmax − 2/η changes sign at least 4 times and
    |λmax/(2/η) − 1| <= 0.1 at every step; RP changes sign at least twice and |RP| <= 0.1
    at every step; |L(θ_t; η∇f)/(2/η) − 1| <= 0.1 at every step, and RP > 0 exactly when
    L(θ_t; η∇f) > 2/η at >= 95% of the steps (the slides' link between the two rows:
    on a quadratic RP = −1 + ηL/2 exactly). Numerical, at ``dps`` and ``dps + 20``
    digits; the verdict needs both runs to give the same counts.
``false.ahn.monotone-loss.xy`` (expected to fail)
    "in unstable convergence the loss still decreases at every step (RP < 0)".

:func:`symstab.dynamics.eos.eos_metrics` computes the series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import sympy as sp

from symstab.dynamics.eos import EosResult, eos_metrics
from symstab.evidence import Strength
from symstab.loss import Loss

from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict

__all__ = ["CHAIN3_RUNS", "XY_RUNS", "Features", "features", "monotone_loss", "oscillation",
           "seed_claims"]

R = sp.Rational
AHN = "Ahn, Zhang & Sra 2022 (ICML slides)"

#: (η, start) pairs for ½(1 − xy)²: λmax at the start 2–5% above 2/η, xy slightly below 1.
XY_RUNS: tuple[tuple[sp.Rational, tuple[sp.Rational, ...]], ...] = (
    (R(2, 25), (R(101, 20), R(19, 100))),
    (R(1, 10), (R(9, 2), R(1, 5))),
    (R(1271, 10000), (R(4), R(6, 25))),
    (R(283, 5000), (R(6), R(4, 25))),
)
#: (η, start) pairs for ½(1 − abc)².
CHAIN3_RUNS: tuple[tuple[sp.Rational, tuple[sp.Rational, ...]], ...] = (
    (R(621, 5000), (R(2), R(2), R(6, 25))),
    (R(1279, 10000), (R(2), R(2), R(6, 25))),
)

SHARP_CROSSINGS = 4
RP_CROSSINGS = 2
AMPLITUDE = 0.1
RP_BAND = 0.1
AGREEMENT = 0.95


def _crossings(values: Sequence[float], level: float) -> int:
    return sum(1 for a, b in pairwise(values) if (a > level) != (b > level))


@dataclass(frozen=True)
class Features:
    """The oscillation features of one orbit (see the module docstring).

    Attributes
    ----------
    used
        Steps with metrics.
    sharp_crossings, rp_crossings, smooth_crossings
        Sign changes of λmax − 2/η, RP and L(θ; η∇f) − 2/η.
    sharp_amplitude, smooth_amplitude
        max |value/(2/η) − 1|.
    rp_amplitude
        max |RP|.
    agreement
        Fraction of steps with (RP > 0) == (L(θ; η∇f) > 2/η).
    loss_decreased
        The summary's overall-decrease test.
    first_rise
        First step with RP > 0 (the loss rises), else None.
    """

    used: int
    sharp_crossings: int
    rp_crossings: int
    smooth_crossings: int
    sharp_amplitude: float
    smooth_amplitude: float
    rp_amplitude: float
    agreement: float
    loss_decreased: bool
    first_rise: int | None

    def failures(self) -> list[str]:
        """The criteria of ``ahn.oscillation`` that fail (empty: all hold)."""
        out = []
        if self.used == 0:
            return ["no usable step"]
        if not self.loss_decreased:
            out.append("the loss does not decrease overall")
        if self.sharp_crossings < SHARP_CROSSINGS:
            out.append(f"λmax − 2/η changes sign {self.sharp_crossings} times "
                       f"(< {SHARP_CROSSINGS})")
        if self.sharp_amplitude > AMPLITUDE:
            out.append(f"max |λmax/(2/η) − 1| = {self.sharp_amplitude:.4g} > {AMPLITUDE}")
        if self.rp_crossings < RP_CROSSINGS:
            out.append(f"RP changes sign {self.rp_crossings} times (< {RP_CROSSINGS})")
        if self.rp_amplitude > RP_BAND:
            out.append(f"max |RP| = {self.rp_amplitude:.4g} > {RP_BAND}")
        if self.smooth_amplitude > AMPLITUDE:
            out.append(f"max |L(θ; η∇f)/(2/η) − 1| = {self.smooth_amplitude:.4g} > {AMPLITUDE}")
        if self.agreement < AGREEMENT:
            out.append(f"sign(RP) = sign(L − 2/η) at {self.agreement:.1%} of steps "
                       f"(< {AGREEMENT:.0%})")
        return out

    def counts(self) -> tuple[int, ...]:
        """The integer features compared across precisions (not ``used``: the
        working-precision floor of ‖∇f‖ ends the higher-precision run later)."""
        return (self.sharp_crossings, self.rp_crossings, self.smooth_crossings,
                -1 if self.first_rise is None else self.first_rise)

    def text(self) -> str:
        """One line with the numbers."""
        return (f"{self.used} steps: λmax − 2/η changes sign {self.sharp_crossings}× (max "
                f"|λ/(2/η) − 1| = {self.sharp_amplitude:.3g}), RP {self.rp_crossings}× (max "
                f"|RP| = {self.rp_amplitude:.3g}), L(θ; η∇f) − 2/η {self.smooth_crossings}× "
                f"(max rel. {self.smooth_amplitude:.3g}), sign(RP) = sign(L − 2/η) at "
                f"{self.agreement:.1%}")


def features(result: EosResult) -> Features:
    """The :class:`Features` of an :func:`~symstab.dynamics.eos.eos_metrics` result."""
    s = result.series
    two = result.two_over_eta
    n = len(s.step)
    if n == 0:
        return Features(0, 0, 0, 0, float("nan"), float("nan"), float("nan"), 0.0, False, None)
    agree = sum(1 for a, b in zip(s.rp, s.smoothness, strict=True) if (a > 0) == (b > two))
    first_rise = next((t for t, v in zip(s.step, s.rp, strict=True) if v > 0), None)
    return Features(
        n, _crossings(s.sharpness, two), _crossings(s.rp, 0.0), _crossings(s.smoothness, two),
        max(abs(v / two - 1) for v in s.sharpness), max(abs(v / two - 1) for v in s.smoothness),
        max(abs(v) for v in s.rp), agree / n, result.summary.loss_decreased, first_rise)


def _pt(t: Sequence[Any]) -> str:
    return "(" + ", ".join(sp.sstr(x) for x in t) + ")"


def _both(loss: Loss, eta: Any, start: Any, steps: int, dps: int) -> tuple[Features, Features]:
    a = features(eos_metrics(loss, eta, start, steps=steps, dps=dps))
    b = features(eos_metrics(loss, eta, start, steps=steps, dps=dps + 20))
    return a, b


def oscillation(loss: Loss, runs: Sequence[tuple[Any, Sequence[Any]]], *, id: str,
                steps: int = 1000) -> Claim:
    """Claim: sharpness oscillates around 2/η and RP around 0 along each of ``runs``
    (criteria in the module docstring), numerically at two precisions."""
    runs = tuple((sp.Rational(e), tuple(s)) for e, s in runs)

    def run(budget: Budget) -> Outcome:
        dps = max(budget.dps // 2, 30)
        rows, lines = [], []
        for eta, start in runs:
            a, b = _both(loss, eta, start, steps, dps)
            rows.append({"eta": sp.sstr(eta), "start": [sp.sstr(t) for t in start],
                         "features": a.__dict__, "check_counts": list(b.counts())})
            if a.counts() != b.counts() or bool(a.failures()) != bool(b.failures()):
                return Verdict.INCONCLUSIVE, Evidence(
                    Strength.NUMERICAL, f"η = {sp.sstr(eta)} from {_pt(start)}: the runs at "
                    f"{dps} and {dps + 20} digits differ ({a.text()} / {b.text()})",
                    digits=dps, data={"runs": rows}), None
            bad = a.failures()
            if bad:
                return Verdict.FAILS, Evidence(
                    Strength.NUMERICAL, f"η = {sp.sstr(eta)} from {_pt(start)}: {a.text()}",
                    digits=dps, data={"runs": rows}), Counterexample(
                    "; ".join(bad), point=tuple(sp.sstr(t) for t in start), eta=sp.sstr(eta))
            lines.append(f"η = {sp.sstr(eta)} from {_pt(start)}: {a.text()}")
        return Verdict.HOLDS, Evidence(
            Strength.NUMERICAL, "; ".join(lines) + f" (the same counts at {dps} and "
            f"{dps + 20} digits)", digits=dps, data={"runs": rows}), None

    return Claim(
        id=id,
        title=f"unstable convergence on {loss.name}: sharpness oscillates around 2/η, RP "
              "around 0",
        statement=(f"Along GD on {loss.name} for (η, θ0) in "
                   f"{', '.join(f'({sp.sstr(e)}, {_pt(s)})' for e, s in runs)} "
                   f"({steps} steps at most): the loss decreases overall; λmax − 2/η changes "
                   f"sign >= {SHARP_CROSSINGS} times with |λmax/(2/η) − 1| <= {AMPLITUDE}; RP "
                   f"changes sign >= {RP_CROSSINGS} times with |RP| <= {RP_BAND}; the "
                   f"directional smoothness L(θ_t; η∇f) stays within {AMPLITUDE:.0%} of 2/η "
                   f"and is above 2/η exactly when RP > 0 at >= {AGREEMENT:.0%} of the steps."),
        latex=(r"\mathrm{RP}(\theta_t)\gtrless0,\ \lambda_{\max}(\nabla^2f(\theta_t))"
               r"\gtrless 2/\eta,\ L(\theta_t;\eta\nabla f(\theta_t))\approx 2/\eta"),
        source=Source(AHN, "'Illustration of our main results' (RP oscillates near 0; "
                      "L(θ; η∇f) and λmax oscillate near 2/η)",
                      note="the slides show a ReLU network on CIFAR-10; here toy losses with "
                      "stated thresholds"),
        run=run,
        tags=(loss.name, "eos", "unstable-convergence"),
    )


def monotone_loss(loss: Loss, runs: Sequence[tuple[Any, Sequence[Any]]], *, id: str,
                  steps: int = 1000) -> Claim:
    """False neighbour: along unstable convergence the loss decreases at every step."""
    runs = tuple((sp.Rational(e), tuple(s)) for e, s in runs)

    def run(budget: Budget) -> Outcome:
        dps = max(budget.dps // 2, 30)
        for eta, start in runs:
            a, b = _both(loss, eta, start, steps, dps)
            if a.first_rise is not None and a.first_rise == b.first_rise:
                return Verdict.FAILS, Evidence(
                    Strength.NUMERICAL, f"η = {sp.sstr(eta)} from {_pt(start)}: RP > 0 first "
                    f"at step {a.first_rise} (at {dps} and {dps + 20} digits alike)",
                    digits=dps), Counterexample(
                    f"the loss rises at step {a.first_rise} (RP > 0)",
                    point=tuple(sp.sstr(t) for t in start), eta=sp.sstr(eta))
        return Verdict.HOLDS, Evidence(Strength.NUMERICAL, "RP < 0 at every used step",
                                       digits=dps), None

    return Claim(
        id=id,
        title=f"along unstable convergence on {loss.name} the loss decreases at every step",
        statement=(f"Along GD on {loss.name} for (η, θ0) in "
                   f"{', '.join(f'({sp.sstr(e)}, {_pt(s)})' for e, s in runs)}, "
                   "f(θ_(t+1)) < f(θ_t) at every step (RP < 0)."),
        latex=r"\mathrm{RP}(\theta_t)<0\ \forall t",
        source=Source("false variant", "deliberately wrong, must fail"),
        run=run,
        tags=(loss.name, "eos", "false-variant"),
        expected=Verdict.FAILS,
    )


def seed_claims() -> list[Claim]:
    """The oscillation claims and their false neighbour."""
    xy, chain3 = Loss.from_catalog("xy"), Loss.from_catalog("chain3")
    return [
        oscillation(xy, XY_RUNS, id="ahn.oscillation.xy"),
        oscillation(chain3, CHAIN3_RUNS, id="ahn.oscillation.chain3"),
        monotone_loss(xy, XY_RUNS[:1], id="false.ahn.monotone-loss.xy"),
    ]
