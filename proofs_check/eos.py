"""Claims about unstable convergence (Ahn, Zhang & Sra 2022 slides), balancing (Tao & Wang
blog, after Wang, Chen, Zhao & Tao 2022) and chaos of GD (Tao & Wang blog), each on a
concrete loss, step size and start.

:func:`seed_claims` returns them, the ones known to fail with ``expected = fails``:

``ahn.unstable-convergence.xy``
    On ½(1 − xy)² at η = 2/25 from (5.05, 0.19) (sharpness 25.56 > 2/η = 25 at the
    start): the loss decreases overall while the sharpness stays within 10% of 2/η and
    |RP| <= 0.1 at every step used. Numerical, at two precisions.
``false.ahn.sharpness-near-2-over-eta.f4`` (expected to fail)
    "Whenever GD converges unstably, the sharpness hovers near 2/η": Chen et al.'s
    Fig. 3 orbit (f4, η = 3/10, from (0.1, 2.5)) converges with loss increases, but its
    sharpness ends at λmax = 19/5, 57% of 2/η, and |RP| <= 0.1 at few steps.
``taowang.balancing.xy``
    For ½(1 − xy)² from unbalanced starts (x0 ≫ y0) and h·L on a grid of (0, 5/2]
    (L = spectral radius of the Hessian at the start), GD converges and |x∞ − y∞| is
    non-increasing in h.
``taowang.balancing-bound.xy``
    Wherever GD converges on the grid h·L in (0, 4), |x∞ − y∞| <= √(2/h − 2) (a bound
    that decreases with h; a linearly stable limit on xy = 1 has x² + y² <= 2/h).
``false.taowang.balancing-monotone-to-4_L.xy`` (expected to fail)
    "On all of (2/L, 4/L), larger h gives a more balanced limit": fails at h·L near 3
    (the gap rises again) and GD diverges before h·L = 4.
``taowang.chaos.xy``
    GD on ½(1 − xy)² at h = 19/10 from (0.7, 0.6) has a positive largest Lyapunov
    exponent beyond its error estimate (a chaotic attractor; the blog's "strange
    attractor" paragraph).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symstab.dynamics.eos import balancing_scan, eos_metrics
from symstab.dynamics.lyapunov import lyapunov_spectrum
from symstab.evidence import Strength
from symstab.inputs import StepSize, StepSizeLike
from symstab.loss import Loss

from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict

__all__ = [
    "BALANCING_RANGE",
    "BALANCING_STARTS",
    "balancing_bound",
    "balancing_monotone",
    "chaotic_orbit",
    "seed_claims",
    "unstable_convergence",
]

R = sp.Rational
AHN = "Ahn, Zhang & Sra 2022 (ICML slides)"
BLOG = "Tao & Wang (blog), after Wang, Chen, Zhao & Tao, ICLR 2022"

#: Unbalanced starts of the balancing claim (x0 ≫ y0).
BALANCING_STARTS: tuple[tuple[sp.Rational, sp.Rational], ...] = (
    (R(2), R(1, 10)), (R(5, 2), R(1, 10)), (R(3), R(1, 10)), (R(3), R(1, 5)),
    (R(4), R(1, 20)), (R(5), R(1, 10)),
)
#: h·L ranges over (0, BALANCING_RANGE] in the claim that holds.
BALANCING_RANGE = R(5, 2)


def _grid(upper: sp.Rational, step: sp.Rational) -> list[sp.Rational]:
    n = int(upper / step)
    return [step * k for k in range(1, n + 1)]


def _pt(theta: Any) -> str:
    return "(" + ", ".join(sp.sstr(t) for t in theta) + ")"


# --------------------------------------------------------------------------------------
# Unstable convergence (Ahn et al.)
# --------------------------------------------------------------------------------------


def unstable_convergence(loss: Loss, eta: StepSizeLike, theta0: tuple[sp.Expr, ...], *,
                         steps: int = 600, id: str, expected: Verdict = Verdict.HOLDS,
                         source: Source | None = None) -> Claim:
    """Claim: along GD from ``theta0`` the loss decreases overall, λmax > 2/η somewhere,
    and at least half of the steps have λmax within 10% of 2/η and |RP| <= 0.1.

    Numerical: :func:`symstab.dynamics.eos.eos_metrics` at ``budget.dps`` digits and
    again at ``budget.dps + 20``; the verdict needs both runs to agree. ``eta``: any
    spelling of :meth:`symstab.inputs.StepSize.of`.
    """
    eta = StepSize.of(eta).exact

    def run(budget: Budget) -> Outcome:
        dps = max(budget.dps, 30)
        a = eos_metrics(loss, eta, theta0, steps=steps, dps=dps)
        b = eos_metrics(loss, eta, theta0, steps=steps, dps=dps + 20)
        sa, sb = a.summary, b.summary
        data = {"summary": sa.to_dict(), "check_dps": dps + 20,
                "check_summary": sb.to_dict()}
        ev = Evidence(Strength.NUMERICAL, sa.evidence + f" (at {dps} digits; the run at "
                      f"{dps + 20} digits gives {sb.frac_sharpness_near:.1%} / "
                      f"{sb.frac_rp_near:.1%})", digits=dps, data=data)
        if sa.unstable_convergence != sb.unstable_convergence:
            return Verdict.INCONCLUSIVE, ev, None
        if sa.unstable_convergence:
            return Verdict.HOLDS, ev, None
        return Verdict.FAILS, ev, Counterexample(
            f"sharpness near 2/η at {sa.frac_sharpness_near:.1%} and |RP| <= 0.1 at "
            f"{sa.frac_rp_near:.1%} of {sa.used_steps} steps (loss {sa.loss_initial:.4g} -> "
            f"{sa.loss_final:.4g}, {sa.n_loss_increases} increases)",
            point=tuple(sp.sstr(t) for t in theta0), eta=sp.sstr(eta),
            data={"max_sharpness_ratio": sa.max_sharpness_ratio})

    return Claim(
        id=id,
        title=(f"unstable convergence on {loss.name} at η = {sp.sstr(eta)}: sharpness near "
               "2/η, RP near 0, loss decreasing"),
        statement=(f"GD on {loss.name} at η = {sp.sstr(eta)} from {_pt(theta0)}, {steps} "
                   "steps: the loss decreases overall (last value and last-tenth mean below "
                   "the first), λmax(∇²f(θ_t)) > 2/η at some step, and at >= 50% of the "
                   "steps |λmax − 2/η| <= 0.1·(2/η) and |RP(θ_t)| <= 0.1."),
        latex=(r"|\lambda_{\max}(\nabla^2 f(\theta_t))-2/\eta|\le 0.1\cdot 2/\eta,\ "
               r"|\mathrm{RP}(\theta_t)|\le 0.1,\ f(\theta_T)<f(\theta_0)"),
        source=source or Source(AHN, "'Illustration of our main results' (RP and sharpness "
                                "oscillate near 0 and 2/η)"),
        run=run,
        tags=(loss.name, "eos", "unstable-convergence"),
        expected=expected,
    )


# --------------------------------------------------------------------------------------
# Balancing (Wang et al. 2022, Tao & Wang blog)
# --------------------------------------------------------------------------------------


def _scans(loss: Loss, starts: Any, ratios: list[sp.Rational], dps: int) -> list[Any]:
    return [balancing_scan(loss, s, ratios, dps=dps) for s in starts]


def balancing_monotone(loss: Loss, starts: Any, upper: sp.Rational, *, lower: sp.Rational
                       | None = None, id: str, expected: Verdict = Verdict.HOLDS,
                       source: Source | None = None) -> Claim:
    """Claim: for each start and h·L on a grid of (lower, upper], GD converges and
    |x∞ − y∞| is non-increasing in h (L = spectral radius of the Hessian at the start).

    Grid step 1/4 (reduced budget) or 1/20 (``budget.steps >= 10000``); numerical at
    ``budget.dps`` digits with a second run at ``dps + 10`` (the two must agree).
    """
    starts = tuple(tuple(s) for s in starts)

    def run(budget: Budget) -> Outcome:
        step = R(1, 20) if budget.steps >= 10_000 else R(1, 4)
        ratios = [c for c in _grid(upper, step) if lower is None or c > lower]
        dps = max(budget.dps // 2, 20)
        scans = _scans(loss, starts, ratios, dps)
        rows = []
        for s in scans:
            gaps = [p.gap for p in s.points]
            rows.append({"theta0": [sp.sstr(t) for t in s.theta0], "L": str(sp.N(s.L, 10)),
                         "ratios": [sp.sstr(p.ratio) for p in s.points],
                         "gaps": [round(g, 10) for g in gaps],
                         "outcomes": [p.outcome for p in s.points]})
        summary = "; ".join(
            f"{_pt(s.theta0)} (L = {float(s.L):.4g}): |x∞−y∞| {s.points[0].gap:.4g} at "
            f"h·L = {sp.sstr(s.points[0].ratio)} -> {s.points[-1].gap:.4g} at "
            f"{sp.sstr(s.points[-1].ratio)}"
            for s in scans)
        ev = Evidence(Strength.NUMERICAL, f"{len(ratios)} step sizes h·L in "
                      f"({sp.sstr(lower or 0)}, {sp.sstr(upper)}] per start: {summary}",
                      digits=dps, data={"scans": rows})
        for s in scans:  # a rise of the gap first: it is the statement's point
            if s.violations:
                a, b, ga, gb = s.violations[0]
                return Verdict.FAILS, ev, Counterexample(
                    f"|x∞ − y∞| rises from {ga:.6g} at h·L = {sp.sstr(a)} to {gb:.6g} at "
                    f"h·L = {sp.sstr(b)}", point=tuple(sp.sstr(t) for t in s.theta0),
                    eta=str(sp.N(b / s.L, 12)),
                    data={"L": str(sp.N(s.L, 15))})
        for s in scans:
            bad = next((p for p in s.points if p.outcome != "converged" or not p.agree), None)
            if bad is not None:
                if bad.outcome == "converged":  # the two precisions disagree
                    return Verdict.INCONCLUSIVE, ev, None
                return Verdict.FAILS, ev, Counterexample(
                    f"GD {bad.outcome} at h·L = {sp.sstr(bad.ratio)} (h = {bad.h})",
                    point=tuple(sp.sstr(t) for t in s.theta0), eta=bad.h)
        return Verdict.HOLDS, ev, None

    lo = sp.sstr(lower) if lower is not None else "0"
    return Claim(
        id=id,
        title=(f"balancing: larger h gives a more balanced limit on {loss.name} for "
               f"h·L in ({lo}, {sp.sstr(upper)}]"),
        statement=(f"GD on {loss.name} from each of {', '.join(_pt(s) for s in starts)} "
                   f"converges for every step size h with h·L in ({lo}, {sp.sstr(upper)}] "
                   "(grid), L the spectral radius of the Hessian at the start, and the limit "
                   "gap |x∞ − y∞| is non-increasing in h."),
        latex=(r"h_1<h_2\Rightarrow |x_\infty(h_2)-y_\infty(h_2)|\le"
               r"|x_\infty(h_1)-y_\infty(h_1)|,\ hL\in(" + lo + "," + sp.latex(upper) + "]"),
        source=source or Source(BLOG, "'An implicit bias of large LR' (balancing, "
                                "h in (2/L, 4/L))"),
        run=run,
        tags=(loss.name, "balancing"),
        expected=expected,
    )


def balancing_bound(loss: Loss, starts: Any, upper: sp.Rational, *, id: str) -> Claim:
    """Claim: wherever GD from the starts converges for h·L on a grid of (0, upper),
    |x∞ − y∞| <= √(2/h − 2) (for ½(1 − xy)²: stability of the limit on xy = 1)."""
    starts = tuple(tuple(s) for s in starts)

    def run(budget: Budget) -> Outcome:
        step = R(1, 20) if budget.steps >= 10_000 else R(1, 8)
        ratios = [c for c in _grid(upper, step) if c < upper]
        dps = max(budget.dps // 2, 20)
        scans = _scans(loss, starts, ratios, dps)
        worst = (float("-inf"), None, None)
        converged = 0
        for s in scans:
            for p in s.points:
                if p.outcome != "converged":
                    continue
                converged += 1
                h = float(p.ratio / s.L)
                slack = (max(2 / h - 2, 0.0)) ** 0.5 - p.gap
                if -slack > worst[0]:
                    worst = (-slack, s, p)
        ev = Evidence(Strength.NUMERICAL, f"{converged} converged runs over {len(scans)} "
                      f"starts and {len(ratios)} step sizes; smallest slack √(2/h − 2) − "
                      f"|x∞ − y∞| = {-worst[0]:.6g}", digits=dps)
        if converged == 0:
            return Verdict.INCONCLUSIVE, ev, None
        if worst[0] > 1e-9:
            _, s, p = worst
            return Verdict.FAILS, ev, Counterexample(
                f"|x∞ − y∞| = {p.gap:.6g} exceeds √(2/h − 2)", point=tuple(
                    sp.sstr(t) for t in s.theta0), eta=p.h)
        return Verdict.HOLDS, ev, None

    return Claim(
        id=id,
        title=f"balancing bound |x∞ − y∞| <= √(2/h − 2) on {loss.name}",
        statement=(f"Whenever GD on {loss.name} from {', '.join(_pt(s) for s in starts)} "
                   f"converges (h·L on a grid of (0, {sp.sstr(upper)})), the limit satisfies "
                   "|x∞ − y∞| <= √(2/h − 2), a bound that decreases with h."),
        latex=r"|x_\infty-y_\infty|\le\sqrt{2/h-2}",
        source=Source(BLOG, "'|X∞ − Y∞| satisfies a bound that decreases with h'",
                      note="bound derived here from linear stability of the limit on xy = 1 "
                      "(sharpness x² + y² = |x − y|² + 2 <= 2/h); Wang et al.'s own bound "
                      "is not reproduced"),
        run=run,
        tags=(loss.name, "balancing"),
    )


# --------------------------------------------------------------------------------------
# Chaos (Tao & Wang blog)
# --------------------------------------------------------------------------------------


def chaotic_orbit(loss: Loss, eta: StepSizeLike, theta0: tuple[sp.Expr, ...], *, id: str) -> Claim:
    """Claim: the largest Lyapunov exponent of GD from ``theta0`` is positive beyond
    three error estimates (verdict ``chaotic`` of
    :func:`symstab.dynamics.lyapunov.lyapunov_spectrum`). ``eta``: any spelling of
    :meth:`symstab.inputs.StepSize.of`."""
    eta = StepSize.of(eta).exact

    def run(budget: Budget) -> Outcome:
        steps = 8000 if budget.steps >= 10_000 else 3000
        r = lyapunov_spectrum(loss, eta, theta0, steps=steps, dps=max(budget.dps // 2, 20))
        ev = Evidence(Strength.NUMERICAL, r.evidence, digits=r.dps, data=r.to_dict())
        if r.verdict == "chaotic":
            return Verdict.HOLDS, ev, None
        if r.verdict in ("periodic", "diverged"):
            return Verdict.FAILS, ev, Counterexample(
                f"verdict {r.verdict}, λ₁ = {r.largest:.6g}",
                point=tuple(sp.sstr(t) for t in theta0), eta=sp.sstr(eta))
        return Verdict.INCONCLUSIVE, ev, None

    return Claim(
        id=id,
        title=f"GD on {loss.name} at h = {sp.sstr(eta)} is chaotic (λ₁ > 0)",
        statement=(f"GD on {loss.name} at h = {sp.sstr(eta)} from {_pt(theta0)} stays bounded "
                   "and its largest Lyapunov exponent is positive (beyond three error "
                   "estimates)."),
        latex=r"\lambda_1=\lim_N \tfrac1N\sum_k\log|R_k[1,1]|>0",
        source=Source(BLOG, "'Strange attractor' (GD can converge to a chaotic attractor)"),
        run=run,
        tags=(loss.name, "chaos"),
    )


# --------------------------------------------------------------------------------------
# The seed claims of this module
# --------------------------------------------------------------------------------------


def seed_claims() -> list[Claim]:
    """The claims of this module, in a stable order (see the module docstring)."""
    xy, f4 = Loss.from_catalog("xy"), Loss.from_catalog("f4")
    wrong = Source("false variant", "deliberately over-general, must fail")
    return [
        unstable_convergence(xy, R(2, 25), (R(101, 20), R(19, 100)),
                             id="ahn.unstable-convergence.xy"),
        unstable_convergence(
            f4, R(3, 10), (R(1, 10), R(5, 2)), steps=200,
            id="false.ahn.sharpness-near-2-over-eta.f4", expected=Verdict.FAILS,
            source=Source("false variant", "Ahn slides read as 'every unstably converging "
                          "orbit has sharpness near 2/η', on Chen et al. Fig. 3")),
        balancing_monotone(xy, BALANCING_STARTS, BALANCING_RANGE, id="taowang.balancing.xy"),
        balancing_bound(xy, BALANCING_STARTS, R(4), id="taowang.balancing-bound.xy"),
        balancing_monotone(xy, ((R(3), R(1, 10)),), R(4), lower=R(2),
                           id="false.taowang.balancing-monotone-to-4_L.xy",
                           expected=Verdict.FAILS, source=wrong),
        chaotic_orbit(xy, R(19, 10), (R(7, 10), R(3, 5)), id="taowang.chaos.xy"),
    ]

