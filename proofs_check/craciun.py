"""Claims of Crăciun & Ghoshdastidar (2024) and Ahn, Zhang & Sra (2022, Theorem 1):
linear networks with squared loss have a smooth manifold of minima whose stable part is
bounded; past the critical step size, and when the GD map is non-singular, GD converges
to a minimum only from a set of measure zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from itertools import combinations
from typing import Any

import numpy as np
import sympy as sp

from symstab.certify.measure import (
    certified_labels,
)
from symstab.dynamics.basins import basin_map
from symstab.dynamics.sweep import sweep, uniform_box_sampler
from symstab.dynamics.trajectory import trajectory
from symstab.evidence import Strength, wilson_interval
from symstab.exact import derivatives
from symstab.exact.critical import critical_set
from symstab.exact.signs import compare
from symstab.inputs import StepSize, StepSizeLike, exact_number
from symstab.loss import Loss

from .core import Budget, Claim, Counterexample, Evidence, HypothesisCheck, Outcome, Source, Verdict
from .measure_claims import measure_target, run_measure
from .support import analysis_of, critical_set_complete, point_text, slug

__all__ = [
    "converging_fraction_positive",
    "converging_measure",
    "critical_eta_equals",
    "exceptional_initialisations",
    "measure_zero_convergence",
    "minima_manifold_smooth",
    "stable_minima_bounded",
]

CRACIUN = "Crăciun & Ghoshdastidar 2024"
AHN = "Ahn, Zhang & Sra 2022"


def _minima_components(loss: Loss, budget: Budget) -> list[Any]:
    return [c for c in analysis_of(loss, None, budget.time_limit).components
            if "minim" in c.kind]


def critical_eta_equals(loss: Loss, expected: sp.Expr, *, id: str | None = None) -> Claim:
    """Claim: the critical step size 2 / inf{λmax(θ*) : θ* a minimum} equals ``expected``
    (exact; over isolated minima and manifolds of minima)."""

    def run(budget: Budget) -> Outcome:
        a = analysis_of(loss, None, budget.time_limit)
        crit = a.eta_critical
        if crit is None:
            return Verdict.INCONCLUSIVE, Evidence(Strength.EXACT, a.eta_critical_note), None
        same = crit.exact != "oo" and compare(crit.expr, expected) == 0
        ev = Evidence(Strength.EXACT, f"critical η = {crit.exact} ({a.eta_critical_note})")
        if same:
            return Verdict.HOLDS, ev, None
        return Verdict.FAILS, ev, Counterexample(
            f"the critical η is {crit.exact}, not {sp.sstr(expected)}")

    return Claim(
        id=id or f"craciun.critical-eta.{slug(loss.name)}",
        title=f"critical η of {loss.name} is {sp.sstr(expected)}",
        statement=(f"For {loss.name}, 2 / inf λmax over all minima equals {sp.sstr(expected)}: "
                   "past it no minimum is linearly stable."),
        latex=rf"\eta_c = 2/\inf_{{\theta^*}}\lambda_{{\max}}(\theta^*) = {sp.latex(expected)}",
        source=Source(CRACIUN, "critical learning rate; Fig. 2"),
        run=run,
        hypotheses=(critical_set_complete(loss),),
        tags=(loss.name, "threshold"),
    )


def minima_manifold_smooth(loss: Loss, *, id: str | None = None) -> Claim:
    """Claim: the minima of ``loss`` form smooth manifolds. Checked exactly: for each
    positive-dimensional component of minima with prime ideal I = (g_1, ..., g_m) of
    codimension k, the k×k minors of the Jacobian of (g_i) together with I generate the
    unit ideal (Gröbner basis {1}), so the Jacobian has rank k at every (even complex)
    point of the component: it is a smooth submanifold of dimension n − k."""

    def run(budget: Budget) -> Outcome:
        comps = _minima_components(loss, budget)
        if not comps:
            return Verdict.INCONCLUSIVE, Evidence(Strength.EXACT, "no manifold of minima"), None
        lines = []
        for c in comps:
            eqs = list(c.component.equations)
            params = c.component.params
            k = len(params) - c.component.dimension
            J = sp.Matrix([[sp.diff(g, p) for p in params] for g in eqs])
            minors = [J.extract(list(r), list(cols)).det()
                      for r in combinations(range(J.rows), k)
                      for cols in combinations(range(J.cols), k)]
            basis = sp.groebner([*eqs, *minors], *params, order="grevlex", domain=sp.QQ)
            eq_text = ", ".join(f"{sp.sstr(g)} = 0" for g in eqs)
            if list(basis.exprs) != [1]:
                return Verdict.FAILS, Evidence(
                    Strength.EXACT, f"the component {eq_text} has singular points (the "
                    "Jacobian minors do not generate the unit ideal)"), Counterexample(
                    f"singular points on {eq_text}: {sp.sstr(basis.exprs[:3])}")
            lines.append(f"{eq_text}: dimension {c.component.dimension}, Jacobian of rank {k} "
                         "everywhere")
        return Verdict.HOLDS, Evidence(Strength.EXACT, "; ".join(lines)), None

    return Claim(
        id=id or f"craciun.smooth-manifold.{slug(loss.name)}",
        title=f"the minima of {loss.name} form a smooth manifold",
        statement=f"The set of minima of {loss.name} is a smooth submanifold.",
        latex=r"\{\theta:\nabla f(\theta)=0,\ f(\theta)=\min f\}\text{ is smooth}",
        source=Source(CRACIUN, "minima of linear networks with squared loss"),
        run=run,
        hypotheses=(critical_set_complete(loss),),
        tags=(loss.name, "manifold"),
    )


def _chain_residual(loss: Loss) -> tuple[sp.Expr, sp.Expr] | None:
    """(c, r) with loss = c·r², r = 1 − Π params (a scalar linear chain), or None."""
    r = 1 - sp.Mul(*loss.params)
    c = sp.cancel(loss.expr / r**2)
    return (c, r) if c.is_number and c > 0 else None


def stable_minima_bounded(loss: Loss, eta: StepSizeLike, *, id: str | None = None) -> Claim:
    """Claim: the linearly stable minima {θ* : λmax(θ*) <= 2/η} of a scalar linear
    network f = c·(1 − w_1⋯w_D)² form a bounded set.

    Exact argument, with each step checked by SymPy on the given loss: on the minima
    r = 1 − Πw = 0 the Hessian is 2c∇r∇rᵀ, so λmax = 2c‖∇r‖²; the identity
    w_i ∂r/∂w_i = r − 1 gives |w_i ∂r/∂w_i| = 1 there. Hence λmax <= 2/η implies
    |∂r/∂w_i| <= K^(1/2) with K = 1/(cη), so |w_i| >= K^(−1/2), and
    |w_i| = 1/Π_{j≠i}|w_j| <= K^((D−1)/2): the stable minima lie in the cube
    ‖θ‖_∞ <= (1/(cη))^((D−1)/2). Random minima with λmax <= 2/η are checked against it.

    ``eta``: any spelling of :meth:`symstab.inputs.StepSize.of`.
    """
    eta = StepSize.of(eta).exact

    def hypothesis(budget: Budget) -> HypothesisCheck:
        ok = _chain_residual(loss) is not None
        return HypothesisCheck("scalar linear network", ok, Strength.EXACT,
                               f"{loss.name} is c·(1 − Π params)² with c > 0: {ok}")

    def run(budget: Budget) -> Outcome:
        c, r = _chain_residual(loss)
        params = loss.params
        D = len(params)
        H = sp.hessian(loss.expr, params)
        grad_r = sp.Matrix([sp.diff(r, p) for p in params])
        on_manifold = {params[-1]: 1 / sp.Mul(*params[:-1])}
        rank_one = sp.simplify((H - 2 * c * grad_r * grad_r.T).subs(on_manifold))
        identity = all(sp.expand(p * sp.diff(r, p) - (r - 1)) == 0 for p in params)
        if rank_one != sp.zeros(D, D) or not identity:
            return Verdict.INCONCLUSIVE, Evidence(Strength.EXACT,
                                                  "the identities did not verify"), None
        K = 1 / (c * eta)
        bound = sp.radsimp(K ** sp.Rational(D - 1, 2))
        rng = np.random.default_rng(0)
        w = np.exp(rng.uniform(-2, 2, size=(budget.samples, D - 1)))
        w *= rng.choice([-1.0, 1.0], size=w.shape)
        last = 1 / np.prod(w, axis=1)
        pts = np.column_stack([w, last])
        lam = 2 * float(c) * np.sum(1 / pts**2, axis=1)
        stable = pts[lam <= 2 / float(eta)]
        worst = float(np.abs(stable).max()) if stable.size else 0.0
        ev = Evidence(
            Strength.EXACT,
            f"on r = 0: ∇²f = 2c∇r∇rᵀ and w_i ∂r/∂w_i = r − 1 (both verified by SymPy), so "
            f"every stable minimum has ‖θ‖_∞ <= (1/(cη))^((D−1)/2) = {sp.sstr(bound)} ≈ "
            f"{float(bound):.6g}; {stable.shape[0]} random stable minima reach "
            f"‖θ‖_∞ = {worst:.6g}", data={"bound": sp.sstr(bound)})
        if worst > float(bound) * (1 + 1e-12):
            return Verdict.FAILS, ev, Counterexample("a stable minimum outside the bound")
        return Verdict.HOLDS, ev, None

    return Claim(
        id=id or f"craciun.stable-minima-bounded.{slug(loss.name)}.{slug(eta)}",
        title=f"stable minima of {loss.name} at η = {sp.sstr(eta)} are bounded",
        statement=(f"The minima θ* of {loss.name} with λmax(θ*) <= 2/η, η = {sp.sstr(eta)}, "
                   "form a bounded set."),
        latex=r"\{\theta^*:\lambda_{\max}(\theta^*)\le 2/\eta\}\text{ is bounded}",
        source=Source(CRACIUN, "stable minima are bounded (abstract)"),
        run=run,
        hypotheses=(hypothesis,),
        tags=(loss.name, "manifold"),
    )


# --------------------------------------------------------------------------------------
# Measure-zero convergence past the critical step size
# --------------------------------------------------------------------------------------


def exceptional_initialisations(loss: Loss, eta: StepSizeLike, budget: Budget
                                ) -> tuple[list[dict[str, Any]], list[str]]:
    """The measure-zero exceptions, found exactly where possible.

    1. Exact one-step preimages of rational minima: the real solutions θ ≠ θ* of
       G(θ) = θ* (a polynomial system solved exactly); GD from them lands on θ* and stays
       there, so it converges to a minimum.
    2. Saddles' stable sets: for each saddle, the number of Hessian eigenvalues λ with
       |1 − ηλ| < 1 (exact), the dimension of its local stable manifold.

    Returns
    -------
    (preimages, notes)
        ``preimages``: dicts ``{"minimum": θ*, "preimage": θ}`` with exact SymPy
        coordinates; ``notes``: one line per saddle and per skipped minimum.
    """
    eta = StepSize.of(eta).exact
    a = analysis_of(loss, None, budget.time_limit)
    targets: list[tuple[sp.Expr, ...]] = []
    notes: list[str] = []
    for p in a.minima:
        coords = tuple(c.expr for c in p.coordinates)
        if all(x.is_Rational for x in coords):
            targets.append(coords)
        else:
            notes.append(f"minimum {tuple(c.exact for c in p.coordinates)} is not rational: "
                         "preimages not searched")
    for c in a.components:
        w = c.component.real_witness
        if "minim" in c.kind and w is not None and all(x.is_Rational for x in w):
            targets.append(tuple(w))
    G = derivatives.gd_map(loss, eta)
    found = []
    for theta_star in targets:
        system = [sp.expand(g - t) for g, t in zip(G, theta_star, strict=True)]
        try:
            pre = critical_set(system, loss.params, time_limit=budget.time_limit / 4)
        except Exception as exc:
            notes.append(f"preimages of {theta_star}: not solved ({type(exc).__name__})")
            continue
        for q in pre.points:
            exact = tuple(q.coordinate_exprs())
            if exact == tuple(theta_star):
                continue
            found.append({"minimum": tuple(theta_star), "preimage": exact})
        if pre.components:
            notes.append(f"G(θ) = {theta_star} also has {len(pre.components)} "
                         "positive-dimensional solution sets")
    for p in a.points:
        if p.kind != "saddle":
            continue
        dim = sum(m for v, m in p.eigenvalues
                  if compare(v.expr * eta, 0) > 0 and compare(v.expr * eta, 2) < 0)
        notes.append(f"saddle {tuple(c.exact for c in p.coordinates)}: local stable manifold "
                     f"of dimension {dim} (of {len(loss.params)})")
    return found, notes


def measure_zero_convergence(loss: Loss, eta: StepSizeLike,
                             box: Sequence[tuple[sp.Expr, sp.Expr]], *,
                             id: str | None = None) -> Claim:
    """Claim (Ahn et al. Theorem 1; Crăciun & Ghoshdastidar): if the GD map is
    non-singular (det(I − η∇²f) ≢ 0) and η exceeds the critical step size, GD converges
    to a minimum only from a set of initialisations of measure zero.

    Hypotheses: both checked exactly. Check: (a) the converging fraction of
    ``budget.samples`` uniform starts in ``box``, with a Wilson upper confidence bound
    (statistical); (b) the exceptions themselves, by
    :func:`exceptional_initialisations` (exact preimages of minima; saddles' stable
    manifolds). A sampled start that converges is rerun at high precision; if it still
    converges it is reported (measure zero means such hits have probability 0).

    ``eta``: any spelling of :meth:`symstab.inputs.StepSize.of`.
    """
    eta = StepSize.of(eta).exact

    def nonsingular(budget: Budget) -> HypothesisCheck:
        a = analysis_of(loss, eta, budget.time_limit)
        ok = a.nonsingular_at_eta
        return HypothesisCheck(
            "GD map non-singular", ok, Strength.EXACT,
            f"det(I − ηH) at η = {sp.sstr(eta)}: {'not identically 0' if ok else 'identically 0'}"
            f"; singular η: {[sp.sstr(e) for e in a.singular_etas or ()] or 'none'}")

    def past_critical(budget: Budget) -> HypothesisCheck:
        crit = analysis_of(loss, None, budget.time_limit).eta_critical
        ok = crit is not None and crit.exact != "oo" and compare(eta, crit.expr) > 0
        return HypothesisCheck("η > critical η", ok, Strength.EXACT,
                               f"η = {sp.sstr(eta)}, critical η = "
                               f"{crit.exact if crit is not None else 'none'}")

    def run(budget: Budget) -> Outcome:
        sampler = uniform_box_sampler([(float(lo), float(hi)) for lo, hi in box], seed=0)
        s = sweep(loss, [eta], sampler, budget.samples, max_steps=budget.steps,
                  confidence=budget.confidence, exact=False)
        p = s.points[0]
        found, notes = exceptional_initialisations(loss, eta, budget)
        exceptions = []
        for e in found[:4]:
            t = trajectory(loss, eta, e["preimage"], steps=1, dps=budget.dps, regions=(),
                           record=True)
            exceptions.append({"minimum": [sp.sstr(x) for x in e["minimum"]],
                               "preimage": [sp.sstr(x) for x in e["preimage"]],
                               "decimal": list(point_text(e["preimage"])),
                               "one_step_lands_at": list(point_text(t.final))})
        data = {"exceptions": exceptions, "n_exceptions": len(found), "notes": notes,
                "counts": {str(k): v for k, v in p.counts.items()}}
        summary = (f"{p.n_converged} of {p.n} uniform starts converged ({s.criterion}); "
                   f"fraction <= {p.ci_high:.4g} at {p.confidence:.0%} confidence (Wilson). "
                   f"Exceptions found exactly: {len(found)} one-step preimages of minima"
                   + (f"; {'; '.join(notes)}" if notes else ""))
        ev = Evidence(Strength.STATISTICAL, summary, n=p.n, confidence=p.confidence,
                      bound=(p.ci_low, p.ci_high), data=data)
        if p.n_converged == 0:
            return Verdict.HOLDS, ev, None
        return Verdict.INCONCLUSIVE, ev, None

    return Claim(
        id=id or f"ahn.measure-zero.{slug(loss.name)}.{slug(eta)}",
        title=f"measure-zero convergence for {loss.name} at η = {sp.sstr(eta)}",
        statement=(f"GD on {loss.name} with η = {sp.sstr(eta)} (non-singular GD map, η above "
                   "the critical step size) converges to a minimum only from a set of "
                   "initialisations of Lebesgue measure zero."),
        latex=r"\lambda\left(\{\theta_0:\theta_k\to\theta^*\in\operatorname{argmin}f\}\right)=0",
        source=Source(f"{AHN}; {CRACIUN}", "Theorem 1 (Ahn et al.); main theorem (Crăciun)"),
        run=run,
        hypotheses=(critical_set_complete(loss), nonsingular, past_critical),
        tags=(loss.name, "measure-zero"),
    )


def _past_critical_check(loss: Loss, eta: sp.Expr, below: bool
                         ) -> Callable[[Budget], HypothesisCheck]:
    """Hypothesis η < critical η (``below``) or η > critical η, decided exactly."""

    def check(budget: Budget) -> HypothesisCheck:
        crit = analysis_of(loss, None, budget.time_limit).eta_critical
        if crit is None or crit.exact == "oo":
            ok = False
        else:
            sign = compare(eta, crit.expr)
            ok = sign < 0 if below else sign > 0
        return HypothesisCheck("η < critical η" if below else "η > critical η", ok,
                               Strength.EXACT, f"η = {sp.sstr(eta)}, critical η = "
                               f"{crit.exact if crit is not None else 'none'}")

    return check


def _grid(box: Sequence[tuple[Any, Any]], budget: Budget, n: int) -> tuple:
    """A basin-map grid of about 25 · ``budget.samples`` points over ``box``."""
    per = max(2, round((25 * budget.samples) ** (1 / n)))
    return tuple((float(exact_number(lo)), float(exact_number(hi)), per) for lo, hi in box)


def converging_measure(loss: Loss, eta: StepSizeLike, window: Sequence[tuple[Any, Any]], *,
                       at_least: Any = 0, id: str | None = None) -> Claim:
    """Claim: below the critical step size, GD converges from a set of positive measure;
    checkably, the converging set V_η fills more than ``at_least`` of ``window``:
    Leb(V_η ∩ W) > at_least · vol(W).

    Checked by :func:`symstab.certify.certified_measure` with the certified regions of
    the loss at η, including the PL tubes around the pieces of a manifold of minima in the
    window (16 cells per axis bisected up to 2 times; cells
    carried through the GD map as arb boxes and first-order Taylor models, which enter
    the thin tubes): ``holds`` with certified evidence when the certified lower bound
    exceeds ``at_least``. Beside it, the sampled fraction of a float64 basin map of about
    ``25 · budget.samples`` grid points and its Wilson interval; ``fails`` (statistical)
    when the interval lies below ``at_least``; a certified bound above the sampled
    interval (an error in one of them) is ``inconclusive``.

    ``eta``: any spelling of :meth:`symstab.inputs.StepSize.of`; ``window`` and
    ``at_least``: exact rationals (int, Fraction, text).
    """
    target = measure_target(eta, window, at_least)
    eta, share, bound, where = target.step.exact, target.share, target.bound, target.where
    run = run_measure(loss, target, manifold=True, depth=1, stable=False)

    return Claim(
        id=id or f"craciun.converging-measure.{slug(loss.name)}.{slug(eta)}",
        title=f"V_η fills more than {share} of {where} for {loss.name} at "
              f"η = {sp.sstr(eta)} (certified)",
        statement=(f"For GD on {loss.name} with η = {sp.sstr(eta)}, below the critical step "
                   "size, the set V_η of initialisations from which GD converges to a "
                   f"minimum has Lebesgue measure greater than {share} times that of "
                   f"{where} (in particular, positive measure)."),
        latex=(r"\operatorname{Leb}(V_\eta\cap W)>" + sp.latex(bound)
               + r"\,\operatorname{vol}(W)"),
        source=Source(CRACIUN, "convergence below the critical learning rate from a set of "
                               "positive measure; example L(x, y) = ½(1 − xy)², η = 0.4"),
        run=run,
        hypotheses=(critical_set_complete(loss), _past_critical_check(loss, eta, True)),
        tags=(loss.name, "measure"),
    )


def converging_fraction_positive(loss: Loss, eta: StepSizeLike,
                                 box: Sequence[tuple[sp.Expr, sp.Expr]], *,
                                 id: str | None = None) -> Claim:
    """Claim: below the critical step size GD converges from a set of positive measure
    (e.g. ½(1 − xy)² at η = 0.4, the seed's convergent example), seen on a basin map.

    Check: a float64 basin map of about ``25 · budget.samples`` grid points of ``box``
    (certified regions of the loss at η, tubes around a manifold of minima included).
    A point's label is *certified* when its float64 orbit entered a certified region:
    from the entry point on, convergence is proved, but the float64 orbit up to entry is
    not (rounding could in principle change it). The fraction of such points, with a
    Wilson interval, is the evidence (statistical: grid points stand for the measure).
    Then ``max(3, budget.examples // 5)`` of them, spread over the labels, are rechecked
    rigorously: their orbits from the exact start (the float's binary value) are
    enclosed in arb interval arithmetic into a certified region
    (:func:`symstab.certify.measure.certified_labels`), which proves convergence from
    those points. The positive measure itself is proved by the certified-measure claim
    (:func:`converging_measure`). ``holds`` when the Wilson lower bound is above 0 and no
    recheck contradicts a label; ``inconclusive`` otherwise.

    ``eta``: any spelling of :meth:`symstab.inputs.StepSize.of`.
    """
    step = StepSize.of(eta)
    eta = step.exact
    where = " × ".join(f"[{sp.sstr(exact_number(lo))}, {sp.sstr(exact_number(hi))}]"
                       for lo, hi in box)

    def run(budget: Budget) -> Outcome:
        bmap = basin_map(loss, step, _grid(box, budget, loss.n), max_steps=budget.steps)
        labels = np.asarray(bmap.labels).ravel()
        numerical = (np.zeros(labels.size, dtype=bool) if bmap.numerical is None
                     else np.asarray(bmap.numerical).ravel())
        certified = (labels > 0) & ~numerical
        k, n = int(certified.sum()), int(labels.size)
        low, high = wilson_interval(k, n, budget.confidence)
        picks = _spread(np.flatnonzero(certified), labels, max(3, budget.examples // 5))
        starts = [tuple(Fraction(float(x)) for x in bmap.points[i]) for i in picks]
        proved = certified_labels(loss, step, starts, bmap.regions or None,
                                  max_steps=budget.steps) if starts else []
        agree = sum(1 for i, lab in zip(picks, proved, strict=True) if lab == labels[i])
        wrong = [(point_text(s), int(labels[i]), lab)
                 for i, s, lab in zip(picks, starts, proved, strict=True)
                 if lab is not None and lab != labels[i]]
        summary = (
            f"{k} of {n} grid points of {where} have certified labels (their float64 "
            f"orbit entered a certified region, from which convergence is proved; the "
            f"float64 orbit before entry is not proved), {int(numerical.sum())} more only "
            f"numerical ones; certified-label fraction {k / n:.4f}, Wilson "
            f"{budget.confidence:.0%} interval [{low:.4f}, {high:.4f}]; {agree} of "
            f"{len(picks)} of these points rechecked rigorously (arb enclosures of the orbit "
            f"from the exact start into a certified region): convergence proved with the "
            f"same label. Positive measure itself is proved by the certified-measure claim")
        data = {"certified_counts": {str(a): b for a, b in bmap.certified_counts().items()},
                "numerical": int(numerical.sum()), "points": n,
                "wilson": [low, high], "rechecked": len(picks), "proved": agree,
                "contradicted": [list(w) for w in wrong]}
        ev = Evidence(Strength.STATISTICAL, summary, n=n, confidence=budget.confidence,
                      bound=(low, high), data=data)
        if wrong:
            return Verdict.INCONCLUSIVE, ev, None
        return (Verdict.HOLDS if low > 0 else Verdict.INCONCLUSIVE), ev, None

    return Claim(
        id=id or f"craciun.positive-fraction.{slug(loss.name)}.{slug(eta)}",
        title=f"GD on {loss.name} at η = {sp.sstr(eta)} converges from a positive fraction "
              f"of {where}",
        statement=(f"For GD on {loss.name} with η = {sp.sstr(eta)} (below the critical step "
                   f"size), the fraction of initialisations in {where} from which GD "
                   "converges to a minimum is positive."),
        latex=r"\Pr_{\theta_0\sim U(B)}[\theta_k\to\theta^*]>0",
        source=Source(CRACIUN, "example L(x, y) = ½(1 − xy)², η = 0.4"),
        run=run,
        hypotheses=(critical_set_complete(loss), _past_critical_check(loss, eta, True)),
        tags=(loss.name, "fraction"),
    )


def _spread(candidates: np.ndarray, labels: np.ndarray, count: int) -> list[int]:
    """About ``count`` indices of ``candidates``, evenly spaced (in grid order) within the
    group of each label (deterministic)."""
    groups = [candidates[labels[candidates] == k] for k in np.unique(labels[candidates])]
    if not groups:
        return []
    per = -(-count // len(groups))
    out: set[int] = set()
    for group in groups:
        spots = np.linspace(0, group.size - 1, per + 2)[1:-1]
        out.update(int(group[round(float(t))]) for t in spots)
    return sorted(out)
