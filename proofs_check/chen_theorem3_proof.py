"""Claims on the proof of Theorem 3 of Chen et al. (eqs. (36)–(42)).

The proof takes a stable start θ₀ whose orbit enters the forward-invariant set U at step
K, bounds three constants on the unit balls around θ₀, …, θ_K (eq. (36)), and shows that
every start within ε of θ₀ stays within ε(1 + ηM₂)^i of the orbit (eqs. (37)–(39)) and is
stable when ε satisfies eq. (42). Two claims check it on a concrete loss:

* :func:`epsilon_construction`: the constants, certified in arb interval arithmetic
  (M₁ as the proof needs it: a bound on ‖∇f‖), give an ε > 0 by eqs. (37) and (42), and
  that ε works: the perturbation bound (38) holds on a box of starts inside B(θ₀, ε), and
  the box covering B(θ₀, ε) is proved stable (propagated through G in arb with the loss
  proved to fall at every step until it lies in a certified trapping ball).
* :func:`m1_as_printed` (expected to fail): eq. (36) prints M₁ as the maximum of |f|
  near the orbit, which does not bound the directional derivatives of eq. (40): a
  point ξ in the unit ball around θ₀ has ‖∇f(ξ)‖ above a certified upper bound of that
  maximum (exact rational arithmetic).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from itertools import pairwise, product
from typing import Any

import numpy as np
import sympy as sp
from mpmath import libmp

from symstab.certificates import box_orbit_hint
from symstab.certify import certified_measure
from symstab.codegen import compile_loss
from symstab.dynamics.basins import basin_map
from symstab.evidence import Strength
from symstab.exact import derivatives as d
from symstab.inputs import StepSize, StepSizeLike
from symstab.intervals import arb_mid_rad, dyadic, mpf_fraction, sqrt_up
from symstab.loss import Loss

from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict
from .support import point_text, regions_of, slug

__all__ = ["epsilon_construction", "m1_as_printed"]

CHEN = "chen-et-al-2024-unstable-convergence-regime.txt"
#: Sub-boxes per axis of each unit box in the bounds of eq. (36).
_PIECES = 16


def _lo(x: Any) -> Fraction:
    mid, rad = arb_mid_rad(x)  # type: ignore[misc]
    return mid - rad


def _hi(x: Any) -> Fraction:
    mid, rad = arb_mid_rad(x)  # type: ignore[misc]
    return mid + rad


def _abs_hi(x: Any) -> Fraction:
    return max(abs(_lo(x)), abs(_hi(x)))


def _orbit(target: Any, eta: Fraction, start: Sequence[Fraction], steps: int) -> list[list[Any]]:
    """arb enclosures of θ₀, …, θ_steps."""
    theta = [target.enclose(x) for x in start]
    out = [theta]
    for _ in range(steps):
        theta = list(target.step(theta, eta))
        out.append(theta)
    return out


def _unit_box_bounds(target: Any, orbit: Sequence[Sequence[Any]]) -> tuple[Fraction, ...]:
    """Upper bounds of max |f|, max ‖∇f‖ and max ‖∇²f‖₂ (by the Frobenius norm) over the
    unit balls around θ₀, …, θ_K of eq. (36): each ball's box [θ_i ± 1] is cut into
    ``_PIECES``^n sub-boxes, and those at distance > 1 from θ_i are left out."""
    f_max = g_max = h_max = Fraction(0)
    for theta in orbit:
        near = [(_lo(t), _hi(t)) for t in theta]
        sides = [(lo - 1, hi + 1) for lo, hi in near]
        for index in product(range(_PIECES), repeat=len(sides)):
            box = []
            for (lo, hi), k in zip(sides, index, strict=True):
                w = (hi - lo) / _PIECES
                box.append((lo + k * w, lo + (k + 1) * w))
            gap = sum(max(b_lo - t_hi, t_lo - b_hi, 0) ** 2
                      for (b_lo, b_hi), (t_lo, t_hi) in zip(box, near, strict=True))
            if gap > 1:
                continue
            f_max = max(f_max, _abs_hi(target.value(box)))
            g_max = max(g_max, sqrt_up(sum(_abs_hi(g) ** 2 for g in target.gradient(box))))
            hess = target.hessian(box)
            h_max = max(h_max, sqrt_up(sum(_abs_hi(h) ** 2 for row in hess for h in row)))
    return f_max, g_max, h_max


def _stable_starts(loss: Loss, eta: Fraction, box: Sequence[tuple[float, float]],
                   regions: Sequence[Any], budget: Budget, want: int
                   ) -> list[tuple[list[Fraction], int]]:
    """Up to ``want`` stable grid starts outside the trapping balls, spread over the
    number of steps K they take to enter one: ``(θ₀ exact, K)``."""
    per = max(8, round(math.sqrt(budget.samples)))
    grid = tuple((float(lo), float(hi), per) for lo, hi in box)
    bmap = basin_map(loss, eta, grid, regions=regions, max_steps=budget.steps)
    labels = np.asarray(bmap.labels).reshape(-1)
    steps = np.asarray(bmap.steps).reshape(-1)
    ok = np.flatnonzero((labels >= 1) & np.asarray(bmap.stable).reshape(-1) & (steps >= 1))
    if ok.size == 0:
        return []
    ok = ok[np.argsort(steps[ok], kind="stable")]
    picks = ok[np.unique(np.linspace(0, ok.size - 1, want).round().astype(int))]
    return [([Fraction(float(x)) for x in bmap.points[i]], int(steps[i])) for i in picks]


def _epsilon(m: Fraction, g: Fraction, h: Fraction, eps_k: Fraction, eta: Fraction,
             k: int) -> Fraction:
    """ε by eqs. (37) and (42) with a factor 1/2 for the strict inequalities, rounded down
    to 64 bits: ε(1 + ηM₂)^K <= min(1, ε'/2, M/(4M₁))."""
    growth = (1 + eta * h) ** k
    return dyadic(min(Fraction(1), eps_k / 2, m / (4 * g)) / growth, 64, libmp.round_floor)


def _check_start(loss: Loss, eta: Fraction, target: Any, regions: Sequence[Any],
                 theta0: Sequence[Fraction], k: int, dps: int, budget: Budget
                 ) -> tuple[bool, dict[str, Any]]:
    orbit = _orbit(target, eta, theta0, k)
    region = next((r for r in regions if r.contains_box(
        [(_lo(t), _hi(t)) for t in orbit[-1]])), None)
    if region is None:
        return False, {"reason": f"θ_{k} is not proved to lie in a trapping ball"}
    center = [mpf_fraction(c._mpf_) for c in region.center]
    dist2 = sum(max(abs(_lo(t) - c), abs(_hi(t) - c)) ** 2
                for t, c in zip(orbit[-1], center, strict=True))
    eps_k = mpf_fraction(region.radius._mpf_) - sqrt_up(dist2)
    values = [target.value(theta) for theta in orbit]
    m = min(_lo(a - b) for a, b in pairwise(values))
    _, g, h = _unit_box_bounds(target, orbit)
    data = {"start": point_text([float(x) for x in theta0]), "K": k, "M": float(m),
            "M1_gradient": float(g), "M2": float(h), "eps_prime": float(eps_k)}
    if m <= 0 or eps_k <= 0:
        return False, {**data, "reason": "M or ε' is not proved positive"}
    eps = _epsilon(m, g, h, eps_k, eta, k)
    data["eps"] = float(eps)
    # (38) on the box inscribed in B(θ₀, ε/2): every start of it stays within
    # ε(1 + ηM₂)^i of the orbit
    half = dyadic(eps / (2 * sqrt_up(Fraction(len(theta0)))), 64, libmp.round_floor)
    box = [target.enclose((t - half, t + half)) for t in theta0]
    for i, theta in enumerate(orbit):
        if i:
            box = list(target.step(box, eta))
        far = sqrt_up(sum(_abs_hi(b - t) ** 2 for b, t in zip(box, theta, strict=True)))
        if not far < eps * (1 + eta * h) ** i:
            return False, {**data, "reason": f"(38) not proved at step {i}"}
    # the conclusion: the box covering B(θ₀, ε) is stable
    ball = certified_measure(loss, eta, [(t - eps, t + eps) for t in theta0],
                             [r for r in regions if getattr(r, "monotone", False)],
                             cells=1, max_depth=0, max_steps=budget.steps, dps=dps,
                             max_width=1, reuse=False)
    if ball.stable != 1:
        return False, {**data, "reason": "the box of radius ε is not proved stable"}
    hint = box_orbit_hint(loss, sp.Rational(eta),
                          [(t - eps, t + eps) for t in theta0], ball.box_steps,
                          signs=[-1] * ball.box_steps, dps=dps,
                          subdivisions=budget.subdivisions)
    hint["partial"] = "the constants of eq. (36) and the bound (38) are not exported"
    return True, {**data, "hint": hint}


def epsilon_construction(loss: Loss, eta: StepSizeLike, box: Sequence[tuple[float, float]],
                         *, id: str | None = None) -> Claim:
    """Claim: the quantitative proof of Theorem 3 goes through (eqs. (36)–(42)), with M₁
    a bound on ‖∇f‖ (see :func:`m1_as_printed`).

    For a spread of stable grid starts θ₀ outside the trapping balls (entering one at
    step K >= 1): M = min f(θ_i) − f(θ_{i+1}), M₁ = max ‖∇f‖ and M₂ = max ‖∇²f‖ on the
    unit boxes around θ₀, …, θ_K (certified bounds, arb), ε' with B(θ_K, ε') in the ball,
    and ε from eqs. (37) and (42). Then (38) is proved on the box inscribed in
    B(θ₀, ε/2), and the box covering B(θ₀, ε) is proved to be stable.
    """
    eta_q = Fraction(str(StepSize.of(eta).exact))

    def run(budget: Budget) -> Outcome:
        regions = regions_of(loss, sp.Rational(eta_q), budget.subdivisions)
        want = max(2, min(6, budget.examples // 8))
        starts = _stable_starts(loss, eta_q, box, regions, budget, want)
        if not starts:
            return Verdict.INCONCLUSIVE, Evidence(
                Strength.NUMERICAL, "no stable start outside the trapping balls"), None
        dps = max(50, budget.dps)
        target = compile_loss(loss.expr, loss.params).interval(dps)
        rows, failed = [], []
        for theta0, k in starts:
            ok, data = _check_start(loss, eta_q, target, regions, theta0, k, dps, budget)
            (rows if ok else failed).append(data)
        text = (f"{len(rows)} of {len(starts)} stable starts (K = "
                f"{', '.join(str(k) for _, k in starts)} steps to a trapping ball): the "
                "constants of eq. (36) (M₁ bounding ‖∇f‖) give ε > 0 by eqs. (37), (42) "
                "and it works: (38) proved on the box inscribed in B(θ₀, ε/2), the box "
                "covering B(θ₀, ε) proved stable (arb, "
                f"{dps} digits); ε = " + ", ".join(f"{r['eps']:.3g}" for r in rows))
        hints = [row.pop("hint") for row in rows]
        if failed:
            return Verdict.INCONCLUSIVE, Evidence(
                Strength.CERTIFIED, text + f"; not proved: {failed[0].get('reason')}",
                data={"starts": rows + failed}), None
        return Verdict.HOLDS, Evidence(Strength.CERTIFIED, text,
                                       data={"starts": rows, "certificate": hints}), None

    return Claim(
        id=id or f"chen.theorem3-epsilon.{slug(loss.name)}",
        title=f"The ε of Theorem 3's proof works ({loss.name}, η = {eta_q})",
        statement=("For a stable start θ₀ entering U at step K, every start within ε of θ₀ "
                   "stays within ε(1 + ηM₂)^i of the orbit for i <= K and is stable, with "
                   "ε(1 + ηM₂)^K <= 1, ε(1 + ηM₂)^K < ε' and 2εM₁(1 + ηM₂)^K < M "
                   "(M₁ bounding ‖∇f‖ near the orbit)."),
        latex=r"\|\theta'_i-\theta_i\|<\varepsilon(1+\eta M_2)^i,\ "
              r"B(\theta_0,\varepsilon)\subset U_\eta",
        source=Source(CHEN, "proof of Theorem 3, eqs. (36)–(42)",
                      "M₁ read as the bound on ‖∇f‖ that eq. (40) uses"),
        run=run,
        tags=(loss.name, "openness"),
    )


def _text(theta: Sequence[Fraction]) -> str:
    return "(" + ", ".join(point_text([float(x) for x in theta], 6)) + ")"


def _steepest_point(loss: Loss, center: Sequence[Fraction]) -> list[Fraction]:
    """A rational point of the closed unit ball around ``center`` where ‖∇f‖ is largest
    on a float grid of the ball."""
    grad = compile_loss(loss.expr, loss.params).numpy()
    n = len(center)
    axis = np.linspace(-1.0, 1.0, 201)
    mesh = np.stack([m.ravel() for m in np.meshgrid(*([axis] * n))], axis=1)
    mesh = mesh[np.sum(mesh * mesh, axis=1) <= 1.0 - 1e-9]
    pts = mesh + np.array([float(c) for c in center])
    norms = np.sum(np.asarray(grad.gradient(pts)).reshape(-1, n) ** 2, axis=1)
    best = mesh[int(np.nanargmax(norms))]
    return [c + Fraction(float(u)) for c, u in zip(center, best, strict=True)]


def m1_as_printed(loss: Loss, eta: StepSizeLike, box: Sequence[tuple[float, float]], *,
                  id: str | None = None) -> Claim:
    """Claim (expected to fail): M₁ = max |f(θ_i + τ)| over i <= K, ‖τ‖ <= 1, as printed
    in eq. (36), bounds the directional derivatives |vᵗ∇f(ξ)| <= M₁‖v‖ that eq. (40)
    needs for ξ in those unit balls.

    Refuted for a stable start θ₀ of :func:`epsilon_construction`: a certified upper
    bound of M₁ (arb over boxes covering the balls) is below ‖∇f(ξ)‖ at a rational ξ of
    the unit ball around θ₀ (both sides exact rationals; v = ∇f(ξ)).
    """
    eta_q = Fraction(str(StepSize.of(eta).exact))

    def run(budget: Budget) -> Outcome:
        regions = regions_of(loss, sp.Rational(eta_q), budget.subdivisions)
        starts = _stable_starts(loss, eta_q, box, regions, budget, 1)
        if not starts:
            return Verdict.INCONCLUSIVE, Evidence(
                Strength.NUMERICAL, "no stable start outside the trapping balls"), None
        theta0, k = starts[0]
        target = compile_loss(loss.expr, loss.params).interval(max(50, budget.dps))
        f_max, _, _ = _unit_box_bounds(target, _orbit(target, eta_q, theta0, k))
        xi = _steepest_point(loss, theta0)
        subs = {p: sp.Rational(x.numerator, x.denominator)
                for p, x in zip(loss.params, xi, strict=True)}
        grad2 = sum(sp.Rational(g.subs(subs)) ** 2 for g in d.gradient(loss))
        inside = sum((x - t) ** 2 for x, t in zip(xi, theta0, strict=True)) <= 1
        text = (f"stable start θ₀ = {_text(theta0)} enters a "
                f"trapping ball at K = {k}; M₁ as printed (max |f| on the unit balls "
                f"around θ₀, …, θ_K) <= {float(f_max):.6g} (arb), but at ξ = "
                f"{_text(xi)} in the unit ball around θ₀, "
                f"‖∇f(ξ)‖ = {math.sqrt(float(grad2)):.6g} (exact rational ‖∇f(ξ)‖²)")
        if inside and grad2 > f_max ** 2:
            return Verdict.FAILS, Evidence(Strength.CERTIFIED, text), Counterexample(
                "|vᵗ∇f(ξ)| > M₁‖v‖ for v = ∇f(ξ): M₁ as printed does not bound the "
                "directional derivatives of eq. (40)",
                point=point_text([float(x) for x in xi]), eta=str(eta_q),
                data={"M1_upper": float(f_max), "gradient_norm": math.sqrt(float(grad2)),
                      "start": point_text([float(x) for x in theta0]), "K": k})
        return Verdict.INCONCLUSIVE, Evidence(Strength.CERTIFIED, text), None

    return Claim(
        id=id or f"chen.theorem3-m1-printed.{slug(loss.name)}",
        title=f"M₁ of eq. (36) as printed bounds ∇f in eq. (40) ({loss.name})",
        statement=("M₁ = max |f(θ_i + τ)| over i <= K and ‖τ‖ <= 1, as printed in eq. (36), "
                   "bounds |vᵗ∇f(ξ)| <= M₁‖v‖ for ξ in those unit balls, as eq. (40) uses."),
        latex=r"M_1=\max_{i,\|\tau\|\le1}|f(\theta_i+\tau)|\ \Rightarrow\ "
              r"|v^t\nabla f(\xi)|\le M_1\|v\|",
        source=Source(CHEN, "proof of Theorem 3, eqs. (36) and (40) as printed",
                      "an erratum: eq. (40) needs M₁ to bound ‖∇f‖, not |f|"),
        run=run,
        tags=(loss.name, "erratum"),
        expected=Verdict.FAILS,
    )
