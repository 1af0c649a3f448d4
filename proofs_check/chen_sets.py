"""Chen et al. 2024 on the sets U_η ⊂ V_η: Theorem 3 and the remark after it (both
open) on a grid of step sizes, and the prose on Fig. 2 (V_η ∖ U_η grows with η, its
patterns are disconnected).

* :func:`open_on_grid`: for each η of a small grid, stable starts (U_η) and unstably
  converging starts (V_η ∖ U_η) are found by a float64 classification
  (:mod:`proofs_check.chen_sample`), and a box around each is proved, in arb interval
  arithmetic, to lie in U_η (every point converges with the loss proved to fall at
  every step) or in V_η (every point enters a certified ball). ``radius`` > 0 asks
  instead for one radius that works at every stable start (uniform openness, false).
* :func:`unstable_measure_trend`: the fraction of V_η ∖ U_η in a window, from uniform
  random starts, with Wilson intervals, along a grid of η.
* :func:`unstable_components`: connected components of U_η and V_η ∖ U_η on a grid of
  starts, at two resolutions.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import pairwise
from typing import Any

import numpy as np
import sympy as sp

from symstab.certificates import box_orbit_hint, identity_hint
from symstab.certify.loss_steps import certified_loss_steps
from symstab.certify.propagate import BoxPropagator
from symstab.codegen import compile_loss
from symstab.evidence import Strength, wilson_interval
from symstab.inputs import StepSize
from symstab.loss import Loss

from .chen_sample import STABLE, UNSTABLE, components, grid_classes, sample_classes, window_of
from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict
from .support import analysis_of, critical_set_complete, has_strict_minimum, point_text, regions_of

__all__ = ["eta_grid", "open_on_grid", "unstable_components", "unstable_measure_trend"]

CHEN = "Chen et al. 2024"
#: Fig. 2's step sizes as fractions of η*.
FIG2_FRACTIONS = tuple(sp.Rational(p, 100) for p in (20, 40, 60, 80, 98))


def eta_grid(loss: Loss, fractions: Sequence[sp.Expr]) -> tuple[sp.Expr, ...]:
    """η*·fractions, η* = min 2/λmax over the strict minima (exact)."""
    stars = [p.eta_star.expr for p in analysis_of(loss).minima if p.eta_star is not None]
    star = min(stars, key=float)
    return tuple(sp.nsimplify(f * star) for f in fractions)


def _fraction(x: float) -> Fraction:
    return Fraction(float(x))


def _spread(idx: np.ndarray, k: int) -> np.ndarray:
    if idx.size <= k:
        return idx
    return idx[np.unique(np.linspace(0, idx.size - 1, k).round().astype(int))]


# --------------------------------------------------------------------------------------
# Theorem 3 and the remark after it: U_η and V_η are open
# --------------------------------------------------------------------------------------


def open_on_grid(loss: Loss, fractions: Sequence[sp.Expr], box: Sequence[tuple[Any, Any]], *,
                 which: str = "U", radius: sp.Expr | None = None, picks: int = 2,
                 id: str | None = None, source: Source | None = None,
                 expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim: U_η (``which="U"``, Theorem 3) or V_η (``"V"``, the remark after it) is
    open, for every η = η*·fraction.

    For each η, a 40 × 40 grid of ``box`` is classified in float64; ``picks`` stable
    starts (and for V also ``picks`` unstably converging ones) spread over the grid are
    taken, and the box θ0 ± ε (ε = 10⁻⁸) is propagated through G in arb interval
    arithmetic (60 digits, mean-value enclosures) until it lies in a certified Hessian
    ball: for U with the loss proved to fall on the whole box at every step before
    (so the box lies in U_η), for V without (so it lies in V_η). Each such box is a
    certified neighbourhood of a point of the set: evidence for openness at sampled
    points, not a proof for every point of the set.

    With ``radius`` (a false strengthening: one radius for all stable starts), the check
    looks for a certified stable start and a certified unstable start (loss rise proved
    on its orbit) closer than ``radius``: the ball of that radius around the first is
    then not in U_η.
    """
    if which not in ("U", "V"):
        raise ValueError("which must be 'U' or 'V'")
    set_name = "U_η" if which == "U" else "V_η"

    def run(budget: Budget) -> Outcome:
        etas = eta_grid(loss, fractions)
        window = window_of(box)
        if radius is not None:
            return _uniform_radius(loss, etas, window, radius)
        dps = 60
        target = compile_loss(loss.expr, loss.params).interval(dps)
        rows, failed, hints = [], [], []
        eps = Fraction(1, 10**8)
        for eta in etas:
            regions = [r for r in regions_of(loss, eta) if r.monotone]
            prop = BoxPropagator(target, StepSize.of(eta), regions, 2000, Fraction(1),
                                 Fraction(10**6), dps, shapes=False)
            g = sample_classes(loss, eta, window)[1]
            codes = g.codes.ravel()
            chosen = [(i, STABLE) for i in _spread(np.flatnonzero(codes == STABLE), picks)]
            if which == "V":
                chosen += [(i, UNSTABLE)
                           for i in _spread(np.flatnonzero(codes == UNSTABLE), picks)]
            for i, kind in chosen:
                theta0 = [_fraction(x) for x in g.points[i]]
                sides = [(t - eps, t + eps) for t in theta0]
                out = prop.run(sides, which == "V", which == "U")
                ok = out.stable if which == "U" else out.label is not None
                entry = {"eta": sp.sstr(eta), "start": point_text(g.points[i], 8),
                         "class": "U" if kind == STABLE else "V∖U", "steps": out.steps,
                         "proved": bool(ok)}
                (rows if ok else failed).append(entry)
                if ok:
                    hints.append(box_orbit_hint(loss, eta, sides, out.steps, dps=dps,
                                                signs=[-1] * out.steps if which == "U" else None))
        kinds = "stable starts" if which == "U" else "stable and unstably converging starts"
        summary = (f"{len(rows)} of {len(rows) + len(failed)} boxes θ0 ± 1e-8 around sampled "
                   f"{kinds} (η = η*·"
                   f"{', '.join(sp.sstr(f) for f in fractions)}) proved to lie in {set_name} "
                   "(arb boxes at 60 digits into certified Hessian balls"
                   + (", the loss proved to fall on each box at every step" if which == "U"
                      else "") + "); openness at sampled points, not at every point")
        data = {"boxes": rows, "not_proved": failed, "certificate": hints}
        if failed or not rows:
            return Verdict.INCONCLUSIVE, Evidence(Strength.CERTIFIED, summary, data=data), None
        return Verdict.HOLDS, Evidence(Strength.CERTIFIED, summary, data=data), None

    what = "U_η (stable starts)" if which == "U" else "V_η (converging starts)"
    where = "Theorem 3" if which == "U" else "remark after Theorem 3 ('V_η is also open')"
    fr = ", ".join(sp.sstr(f) for f in fractions)
    if radius is None:
        title = f"{what} is open for {loss.name} at η = η*·({fr})"
        statement = (f"For GD on {loss.name} with η = η*·f, f ∈ {{{fr}}}, the set {what} is "
                     "open: each of its points has a ball around it inside the set.")
        latex = (r"\forall\theta_0\in " + ("U_\\eta" if which == "U" else "V_\\eta")
                 + r"\ \exists\varepsilon>0:\ B(\theta_0,\varepsilon)\subset "
                 + ("U_\\eta" if which == "U" else "V_\\eta"))
    else:
        title = (f"U_η contains the ball of radius {sp.sstr(radius)} around each stable "
                 f"start ({loss.name}, η = η*·({fr}))")
        statement = (f"For GD on {loss.name} with η = η*·f, f ∈ {{{fr}}}, every stable start "
                     f"θ0 ∈ U_η has B(θ0, {sp.sstr(radius)}) ⊂ U_η (openness with one radius "
                     "for all points).")
        latex = (r"\forall\theta_0\in U_\eta:\ B(\theta_0," + sp.latex(radius)
                 + r")\subset U_\eta")
    return Claim(
        id=id or f"chen.{which.lower()}-open-grid.{loss.name}",
        title=title, statement=statement, latex=latex,
        source=source or Source(CHEN, where),
        run=run,
        hypotheses=(critical_set_complete(loss), has_strict_minimum(loss)),
        tags=(loss.name, "openness"),
        expected=expected,
    )


def _pair_hints(loss: Loss, eta: sp.Expr, p: Any, q: Any, sp_: Any, sq: Any,
                radius: sp.Expr) -> list[dict]:
    """Certificate data of a stable start p and a start q with a loss rise, |p − q| < r."""
    a, b = [_fraction(x) for x in p], [_fraction(x) for x in q]
    k = sq.rises[0] + 1
    dist = " + ".join(f"({x} - ({y}))**2" for x, y in zip(a, b, strict=True))
    return [box_orbit_hint(loss, eta, [(x, x) for x in a], sp_.entered, signs=sp_.signs,
                           dps=sp_.dps),
            box_orbit_hint(loss, eta, [(x, x) for x in b], k, signs=sq.signs[:k],
                           dps=sq.dps, into_ball=False),
            identity_hint(loss, f"identity/{loss.name}/pair-distance",
                          [{"lhs": dist, "rhs": f"({sp.sstr(radius)})**2", "is": "negative",
                            "point": {}}],
                          statement="the two starts are closer than the radius")]


def _uniform_radius(loss: Loss, etas: Sequence[sp.Expr], window: Any,
                    radius: sp.Expr) -> Outcome:
    """A certified stable start and a certified unstable one closer than ``radius``."""
    r = float(radius)
    for eta in etas:
        regions = regions_of(loss, eta)
        g = sample_classes(loss, eta, window)[1]
        codes = g.codes
        nx = codes.shape[1]
        pairs = ((codes[:, :-1], codes[:, 1:]), (codes[:-1, :], codes[1:, :]))
        for axis, (left, right) in enumerate(pairs):
            hits = np.argwhere((left == STABLE) & (right == UNSTABLE)
                               | (left == UNSTABLE) & (right == STABLE))
            for iy, ix in hits[:10]:
                i = iy * nx + ix
                j = i + (1 if axis == 0 else nx)
                p, q = g.points[i], g.points[j]
                if np.linalg.norm(p - q) >= r:
                    continue
                if codes.ravel()[i] == UNSTABLE:
                    p, q = q, p
                sp_ = certified_loss_steps(loss, eta, [_fraction(x) for x in p], regions,
                                           max_steps=2000, dps=60)
                sq = certified_loss_steps(loss, eta, [_fraction(x) for x in q], regions,
                                          max_steps=2000, dps=60)
                if sp_.decided and not sp_.rises and sq.rises:
                    hints = _pair_hints(loss, eta, p, q, sp_, sq, radius)
                    return Verdict.FAILS, Evidence(
                        Strength.CERTIFIED,
                        f"at η = {sp.sstr(eta)}: the start {point_text(p, 8)} is in U_η (orbit "
                        f"enclosed in arb at 60 digits into a certified Hessian ball in "
                        f"{sp_.entered} steps, every loss change proved negative), while "
                        f"{point_text(q, 8)}, at distance {np.linalg.norm(p - q):.4g} < "
                        f"{sp.sstr(radius)}, has a proved loss rise at step {sq.rises[0]}, "
                        "so it is not in U_η", data={"certificate": hints}), Counterexample(
                        f"B(θ0, {sp.sstr(radius)}) contains a start whose loss rises",
                        point=point_text(p, 12), eta=sp.sstr(eta),
                        data={"unstable_start": point_text(q, 12), "rises": list(sq.rises)})
    return Verdict.INCONCLUSIVE, Evidence(
        Strength.NUMERICAL, "no certified stable/unstable pair closer than the radius was "
        "found on the grids"), None


# --------------------------------------------------------------------------------------
# Fig. 2's prose: the measure of V_η ∖ U_η grows with η
# --------------------------------------------------------------------------------------


def unstable_measure_trend(loss: Loss, box: Sequence[tuple[Any, Any]], *,
                           fractions: Sequence[sp.Expr] = FIG2_FRACTIONS,
                           grows: bool = True, n: int = 20000, id: str | None = None,
                           source: Source | None = None,
                           expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim: Leb((V_η ∖ U_η) ∩ W) grows (``grows``) or shrinks with η along
    η = η*·fractions.

    Estimated from ``n`` uniform random starts in W per η (fixed seed; float64 classes of
    :mod:`proofs_check.chen_sample`), each fraction with a Wilson interval at the
    budget's confidence. ``fails`` (statistical) when two consecutive step sizes differ
    significantly (disjoint intervals) the wrong way; ``holds`` when no consecutive pair
    does and the last differs significantly from the first the right way (a trend, not
    a proof of monotonicity between the grid points); else ``inconclusive``.
    """
    word = "grows" if grows else "shrinks"

    def run(budget: Budget) -> Outcome:
        etas = eta_grid(loss, fractions)
        window = window_of(box)
        rows = []
        for frac, eta in zip(fractions, etas, strict=True):
            c = sample_classes(loss, eta, window, n=n)[0]
            k = int(np.count_nonzero(c.codes == UNSTABLE))
            lo, hi = wilson_interval(k, n, budget.confidence)
            rows.append({"eta": sp.sstr(eta), "fraction_of_eta_star": sp.sstr(frac),
                         "unstable": k, "stable": int(np.count_nonzero(c.codes == STABLE)),
                         "n": n, "wilson": [round(lo, 6), round(hi, 6)]})
        table = "; ".join(f"η = {r['eta']}: {r['unstable']}/{n} [{r['wilson'][0]:.4f}, "
                          f"{r['wilson'][1]:.4f}]" for r in rows)
        ev = Evidence(Strength.STATISTICAL,
                      f"fraction of V_η ∖ U_η in {_window_text(box)} from {n} uniform starts per "
                      f"η, Wilson {budget.confidence:.0%} intervals: {table}",
                      n=n, confidence=budget.confidence, data={"rows": rows})
        sign = 1 if grows else -1
        for a, b in pairwise(rows):
            wrong = (a["wilson"][0] > b["wilson"][1]) if grows else (a["wilson"][1]
                                                                    < b["wilson"][0])
            if wrong:
                return Verdict.FAILS, ev, Counterexample(
                    f"the fraction of V_η ∖ U_η {'falls' if grows else 'rises'} significantly "
                    f"from η = {a['eta']} ({a['unstable']}/{n}) to η = {b['eta']} "
                    f"({b['unstable']}/{n})", eta=b["eta"],
                    data={"from": a, "to": b})
        first, last = rows[0]["wilson"], rows[-1]["wilson"]
        trend = last[0] > first[1] if sign > 0 else last[1] < first[0]
        return (Verdict.HOLDS if trend else Verdict.INCONCLUSIVE), ev, None

    fr = ", ".join(sp.sstr(f) for f in fractions)
    return Claim(
        id=id or f"chen.fig2-unstable-{word}.{loss.name}",
        title=f"the measure of V_η ∖ U_η in {_window_text(box)} {word} with η ({loss.name})",
        statement=(f"For GD on {loss.name}, the Lebesgue measure of the unstable "
                   f"initialisations V_η ∖ U_η in {_window_text(box)} {word} along "
                   f"η = η*·({fr})."),
        latex=(r"\eta\mapsto\operatorname{Leb}((V_\eta\setminus U_\eta)\cap W)\ "
               + (r"\nearrow" if grows else r"\searrow")),
        source=source or Source(CHEN, "Numerical Experiments, on Fig. 2: 'as LR increases "
                                      "... the set of initializations leading to unstable "
                                      "convergence expands'"),
        run=run,
        hypotheses=(critical_set_complete(loss), has_strict_minimum(loss)),
        tags=(loss.name, "fig2", "measure"),
        expected=expected,
    )


def _window_text(box: Sequence[tuple[Any, Any]]) -> str:
    return " × ".join(f"[{sp.sstr(sp.nsimplify(lo))}, {sp.sstr(sp.nsimplify(hi))}]"
                      for lo, hi in box)


# --------------------------------------------------------------------------------------
# Fig. 2's prose: disconnected patterns
# --------------------------------------------------------------------------------------


def unstable_components(losses: Sequence[tuple[Loss, Sequence[tuple[Any, Any]]]], *,
                        fractions: Sequence[sp.Expr] = FIG2_FRACTIONS,
                        disconnected: bool = True, resolutions: tuple[int, int] = (100, 140),
                        min_share: float = 2e-4, id: str | None = None,
                        source: Source | None = None,
                        expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim: V_η ∖ U_η (restricted to each loss's window) is disconnected for some loss
    and η of the grid (``disconnected``), or connected for all of them (the negation).

    Counted on grids of cell centres at two resolutions (float64 classes,
    :mod:`proofs_check.chen_sample`): 4-connected components of U_η and of V_η ∖ U_η
    with at least ``min_share`` of the grid's cells (and at least 4 cells), which drops
    single-cell specks. A (loss, η) counts as disconnected when both resolutions show
    two or more components (the finer grid is classified only when the coarser one
    shows two, until the first such (loss, η); after it, counts are on the coarser
    grid). Numerical evidence on a grid: a grid cannot prove that two
    pieces are not joined by a thread finer than its spacing, nor see pieces joined
    outside the window.
    """

    def run(budget: Budget) -> Outcome:
        rows, witness = [], None
        for loss, box in losses:
            window = window_of(box)
            for frac, eta in zip(fractions, eta_grid(loss, fractions), strict=True):
                counts = {}
                for res in resolutions if witness is None else resolutions[:1]:
                    g = (sample_classes(loss, eta, window, per_axis=res)[1]
                         if res == resolutions[0] else grid_classes(loss, eta, window, res))
                    least = max(4, int(min_share * res * res))
                    cu = components(g.codes == STABLE, least)
                    cv = components(g.codes == UNSTABLE, least)
                    counts[res] = (len(cu), len(cv))
                    if len(cv) < 2:
                        break
                else:
                    if witness is None and len(counts) == len(resolutions):
                        witness = (loss.name, eta, g.points[cv[0][0]], g.points[cv[1][0]])
                rows.append({"loss": loss.name, "eta": sp.sstr(eta),
                             "fraction_of_eta_star": sp.sstr(frac),
                             "components": {str(r): {"U": u, "V_minus_U": v}
                                            for r, (u, v) in counts.items()}})
        table = "; ".join(f"{r['loss']} η = {r['eta']}: " + ", ".join(
            f"{res}²: U {c['U']}, V∖U {c['V_minus_U']}" for res, c in r["components"].items())
            for r in rows)
        ev = Evidence(Strength.NUMERICAL,
                      f"4-connected components (at least {min_share:.2%} of the cells) on "
                      f"{' and '.join(f'{r}×{r}' for r in resolutions)} grids of starts, "
                      f"float64 classes, union over the minima: {table}", digits=16,
                      data={"rows": rows})
        if witness is None:
            verdict = Verdict.FAILS if disconnected else Verdict.HOLDS
            cex = Counterexample("no (loss, η) of the grid shows two pieces of V_η ∖ U_η "
                                 "at both resolutions") if disconnected else None
            return verdict, ev, cex
        name, eta, p, q = witness
        if disconnected:
            return Verdict.HOLDS, ev, None
        return Verdict.FAILS, ev, Counterexample(
            f"{name} at η = {sp.sstr(eta)}: V_η ∖ U_η has two or more components on both "
            "grids; the starts given lie in different ones", point=point_text(p, 8),
            eta=sp.sstr(eta), data={"other_component": point_text(q, 8)})

    names = ", ".join(loss.name for loss, _ in losses)
    word = "disconnected for some" if disconnected else "connected for every"
    return Claim(
        id=id or f"chen.fig2-components.{'-'.join(loss.name for loss, _ in losses)}",
        title=f"V_η ∖ U_η is {word} η of Fig. 2 ({names})",
        statement=(f"On the windows of Fig. 2, the set V_η ∖ U_η of unstable initialisations "
                   f"is {word} loss ({names}) and η = η*·"
                   f"({', '.join(sp.sstr(f) for f in fractions)})."),
        latex=(r"\exists\,(f,\eta):\ (V_\eta\setminus U_\eta)\cap W\ \text{disconnected}"
               if disconnected else
               r"\forall\,(f,\eta):\ (V_\eta\setminus U_\eta)\cap W\ \text{connected}"),
        source=source or Source(CHEN, "Numerical Experiments, on Fig. 2: 'irregular and even "
                                      "disconnected patterns'"),
        run=run,
        tags=(names, "fig2", "components"),
        expected=expected,
    )
