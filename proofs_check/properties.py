"""Claims about a loss and a step size that users state themselves (and the seeds use).

Each function returns a :class:`~proofs_check.core.Claim`; nothing is computed until
:meth:`~proofs_check.core.Claim.check` is called.

========================  ==================================================  ===========
builder                   statement                                           evidence
========================  ==================================================  ===========
``threshold_equals``      every strict minimum has η* = 2/λmax = expected     exact
``descent_inequality``    f(G θ) − f(θ) <= −Cη‖∇f(θ)‖² near each minimum      certified
``forward_invariant``     a neighbourhood of each minimum is mapped into      certified
                          itself with descent (Chen Theorem 2)
``converges_from``        GD from a point (or every point of a box) converges  certified /
                                                                              numerical
``fraction_below/above``  fraction of converging initialisations in a box     statistical
========================  ==================================================  ===========
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symstab.certificates import point_orbit_hint
from symstab.dynamics.basins import basin_map
from symstab.dynamics.sweep import sweep, uniform_box_sampler
from symstab.dynamics.trajectory import trajectory
from symstab.errors import InputError
from symstab.evidence import Strength, as_sympy_number
from symstab.exact.signs import compare
from symstab.inputs import StepSize, StepSizeLike
from symstab.intervals import to_fraction
from symstab.loss import Loss
from symstab.parse import parse_expression

from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict
from .support import (
    BallPoints,
    analysis_of,
    below_threshold,
    critical_set_complete,
    decimal,
    find_violation,
    has_strict_minimum,
    minimum_label,
    mp_number,
    mp_target,
    point_text,
    regions_of,
    slug,
    stable_minima,
)

__all__ = [
    "converges_from",
    "descent_inequality",
    "forward_invariant",
    "fraction_above",
    "fraction_below",
    "threshold_equals",
]

USER = Source("user claim", "claims file or API")
CHEN = "Chen et al. 2024"


def _sstr(x: Any) -> str:
    return sp.sstr(x)


# --------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------


def threshold_equals(loss: Loss, expected: sp.Expr, *, id: str | None = None,
                     source: Source = USER) -> Claim:
    """Claim: every isolated strict minimum of ``loss`` has η* = 2/λmax = ``expected``.

    Decided exactly (λmax is an exact algebraic number; the comparison is exact).
    """
    expected = as_sympy_number(expected)

    def run(budget: Budget) -> Outcome:
        minima = analysis_of(loss, None, budget.time_limit).minima
        table = {minimum_label(p): p.eta_star for p in minima if p.eta_star is not None}
        data = {k: v.exact for k, v in table.items()}
        for p in minima:
            if p.eta_star is not None and compare(p.eta_star.expr, expected) != 0:
                lam = p.lambda_max.exact
                return Verdict.FAILS, Evidence(
                    Strength.EXACT,
                    f"at {minimum_label(p)}, λmax = {lam} so η* = 2/λmax = {p.eta_star.exact}, "
                    f"not {_sstr(expected)}", data=data,
                ), Counterexample(
                    f"minimum with η* = {p.eta_star.exact} ≠ {_sstr(expected)}",
                    point=tuple(c.decimal for c in p.coordinates),
                )
        summary = "; ".join(f"{k}: λmax = {p.lambda_max.exact}, η* = {p.eta_star.exact}"
                            for k, p in zip(table, minima, strict=False))
        return Verdict.HOLDS, Evidence(Strength.EXACT, summary, data=data), None

    return Claim(
        id=id or f"threshold.{slug(loss.name)}",
        title=f"η* = {_sstr(expected)} for every strict minimum of {loss.name}",
        statement=(f"Every isolated strict local minimum θ* of {loss.name} has maximal "
                   f"learning rate η* = 2/λmax(∇²f(θ*)) = {_sstr(expected)}."),
        latex=rf"\eta^* = 2/\lambda_{{\max}}(\nabla^2 f(\theta^*)) = {sp.latex(expected)}",
        source=source,
        run=run,
        hypotheses=(critical_set_complete(loss), has_strict_minimum(loss)),
        tags=(loss.name, "threshold"),
    )


# --------------------------------------------------------------------------------------
# Descent and forward invariance near a minimum (Chen Lemma 1, Theorem 2)
# --------------------------------------------------------------------------------------

_ETA, _M = sp.Symbol("eta"), sp.Symbol("M")


def _constant(constant: str | sp.Expr | None) -> sp.Expr:
    """C as an expression in ``eta`` and ``M`` (text through the whitelist parser)."""
    if constant is None:
        return 1 - _ETA * _M / 2
    if isinstance(constant, str):
        expr = parse_expression(constant, what="constant C")
        names = {s.name: s for s in expr.free_symbols}
        unknown = sorted(set(names) - {"eta", "M"})
        if unknown:
            raise InputError(f"constant C may use only eta and M, not {', '.join(unknown)}",
                             "constant")
        return expr.subs({names[k]: v for k, v in (("eta", _ETA), ("M", _M)) if k in names})
    return as_sympy_number(constant)


def descent_inequality(loss: Loss, eta: StepSizeLike, *, constant: str | sp.Expr | None = None,
                       invariance: bool = True, id: str | None = None,
                       source: Source | None = None,
                       expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim (Chen Lemma 1 / Theorem 2): around each strict minimum θ* with η < η* there
    is a neighbourhood U that GD maps into itself (if ``invariance``) and on which
    f(θ − η∇f(θ)) − f(θ) <= −C η ‖∇f(θ)‖², with C given in terms of η and M, the
    supremum of λmax(∇²f) over U (default C = 1 − ηM/2, eq. 8).

    Check: U is built constructively as the certified trapping ball of
    :func:`symstab.certify.minima.certified_regions` (M = its certified bound L). The
    inequality with C <= 1 − ηM/2 is then *certified*: by Taylor's theorem with the
    Lagrange remainder, f(Gθ) − f(θ) = −η‖g‖² + (η²/2) gᵀ∇²f(ξ)g with ξ on the segment
    [θ, Gθ] ⊂ U, and λmax(∇²f(ξ)) <= M is proved by interval arithmetic. Independently,
    Hypothesis draws points in U (half of them on the top-eigenvector line, where the
    inequality is tightest) and checks both properties at ``budget.dps`` digits; a
    violation is a counterexample, confirmed at twice the precision.

    ``eta`` is any spelling :meth:`symstab.inputs.StepSize.of` accepts (text, int,
    ``Fraction``, float as the decimal it spells, SymPy number, ``StepSize``); a bad one
    raises its :class:`~symstab.errors.InputError`.
    """
    eta = StepSize.of(eta).exact
    c_expr = _constant(constant)
    c_text = constant if isinstance(constant, str) else (
        "1 - eta*M/2" if constant is None else _sstr(c_expr))

    def run(budget: Budget) -> Outcome:
        regions = regions_of(loss, eta, budget.subdivisions)
        labels = {r.label for r in regions}
        missing = [k for k, _ in stable_minima(loss, eta, budget) if k not in labels]
        target = mp_target(loss, budget.dps)
        ctx = target.ctx
        eta_mp = mp_number(ctx, eta, budget.dps)
        checked, certified_all, data = 0, True, {}
        for region in regions:
            M = region.L
            m_q = to_fraction(M)  # the certified bound, exactly (a dyadic rational)
            m_exact = sp.Rational(m_q.numerator, m_q.denominator)
            C = c_expr.subs({_ETA: eta, _M: m_exact})
            chen_c = 1 - eta * m_exact / 2
            certified = bool(compare(C, chen_c) <= 0)
            certified_all &= certified
            H = np.array([[float(h) for h in row] for row in target.hessian(region.center)])
            w, v = np.linalg.eigh(H)
            top = v[:, int(np.argmax(w))]
            c_mp = mp_number(ctx, C, budget.dps)

            def violated(theta: tuple, region: Any = region, c_mp: Any = c_mp) -> bool:
                return bool(_violation(target, theta, eta_mp, c_mp, region, invariance))

            witness = find_violation(BallPoints(region.center, region.radius, top), violated,
                                     budget.examples)
            checked += budget.examples
            data[f"minimum {region.label}"] = {
                "radius": mpmath.nstr(region.radius, 6), "M": mpmath.nstr(M, 10),
                "C": decimal(C), "C_chen": decimal(chen_c), "certified": certified,
            }
            if witness is not None:
                hi = mp_target(loss, 2 * budget.dps)
                confirmed = _violation(hi, witness, mp_number(hi.ctx, eta, 2 * budget.dps),
                                       mp_number(hi.ctx, C, 2 * budget.dps), region, invariance)
                if confirmed:
                    g = target.gradient(witness)
                    return Verdict.FAILS, Evidence(
                        Strength.NUMERICAL,
                        f"{confirmed} at a point of the certified ball around minimum "
                        f"{region.label} (radius {mpmath.nstr(region.radius, 4)}, M = "
                        f"{mpmath.nstr(M, 8)}), confirmed at {2 * budget.dps} digits",
                        digits=2 * budget.dps, data=data,
                    ), Counterexample(
                        confirmed, point=point_text(witness), eta=_sstr(eta),
                        data={"grad_norm": mpmath.nstr(mpmath.norm(g), 6),
                              "minimum": region.label, "M": mpmath.nstr(M, 30)},
                    )
        if missing:
            return Verdict.INCONCLUSIVE, Evidence(
                Strength.NUMERICAL, f"no region could be certified around minima {missing}",
                data=data), None
        if certified_all:
            return Verdict.HOLDS, Evidence(
                Strength.CERTIFIED,
                f"for each of {len(regions)} minima: a ball U mapped into itself by G "
                f"(certified contraction) with λmax(∇²f) <= M on U (interval arithmetic), so "
                f"C = {c_text} <= 1 − ηM/2 gives the inequality; {checked} Hypothesis points "
                f"at {budget.dps} digits agree", data=data), None
        return Verdict.INCONCLUSIVE, Evidence(
            Strength.NUMERICAL,
            f"C = {c_text} exceeds 1 − ηM/2 for the certified M, so no certificate; no "
            f"violation among {checked} Hypothesis points at {budget.dps} digits",
            digits=budget.dps, data=data), None

    what = "forward invariance and descent" if invariance else "descent inequality"
    return Claim(
        id=id or f"descent.{slug(loss.name)}.{slug(eta)}",
        title=f"{what} with C = {c_text} near the minima of {loss.name} at η = {_sstr(eta)}",
        statement=(f"Around every strict minimum θ* of {loss.name} with η = {_sstr(eta)} < η* "
                   f"there is a neighbourhood U with sup λmax(∇²f) <= M on U"
                   + (" that GD maps into itself" if invariance else "")
                   + f", and f(θ − η∇f(θ)) − f(θ) <= −Cη‖∇f(θ)‖² on U with C = {c_text}."),
        latex=(r"f(\theta-\eta\nabla f(\theta))-f(\theta)\le -C\eta\|\nabla f(\theta)\|^2,"
               rf"\ C={sp.latex(c_expr)}"),
        source=source or Source(CHEN, "Lemma 1, eq. (8); Theorem 2, eq. (7)"),
        run=run,
        hypotheses=(critical_set_complete(loss), below_threshold(loss, eta)),
        tags=(loss.name, "descent"),
        expected=expected,
    )


def _violation(target: Any, theta: tuple, eta: Any, c: Any, region: Any,
               invariance: bool) -> str:
    """What fails at θ (empty string if nothing): descent with constant c, or staying in
    the ball. Strict margins of a few ulps of the working precision."""
    ctx = target.ctx
    tol = ctx.mpf(10) ** (-(target.dps - 8))
    f0 = target.value(theta)
    g = target.gradient(theta)
    new = target.step(theta, eta)
    f1 = target.value(new)
    g2 = ctx.fsum(x * x for x in g)
    excess = f1 - f0 + c * eta * g2
    if excess > tol * (abs(f0) + g2 + 1):
        return (f"f(Gθ) − f(θ) = {ctx.nstr(f1 - f0, 8)} > −Cη‖∇f‖² = "
                f"{ctx.nstr(-c * eta * g2, 8)}")
    if invariance:
        dist = ctx.sqrt(ctx.fsum((a - ctx.mpf(b)) ** 2
                                 for a, b in zip(new, region.center, strict=True)))
        if dist > ctx.mpf(region.radius) * (1 + tol):
            return f"G(θ) leaves the ball: ‖G(θ) − c‖ = {ctx.nstr(dist, 8)} > r"
    return ""


def forward_invariant(loss: Loss, eta: StepSizeLike, *, id: str | None = None,
                      source: Source | None = None) -> Claim:
    """Claim (Chen Theorem 2): around every strict minimum with η < η* there is an open
    neighbourhood U that GD maps into itself, with the descent property (7) for
    C = 1 − ηM/2 (see :func:`descent_inequality`, also for the spellings of ``eta``)."""
    step = StepSize.of(eta)
    return descent_inequality(
        loss, step, invariance=True,
        id=id or f"forward-invariant.{slug(loss.name)}.{slug(step.exact)}",
        source=source or Source(CHEN, "Theorem 2, eq. (7)"),
    )


# --------------------------------------------------------------------------------------
# Convergence from a point or a box; converging fractions
# --------------------------------------------------------------------------------------


def _grid(box: Sequence[tuple[Any, Any]], samples: int) -> tuple[tuple[float, float, int], ...]:
    per = max(2, round(samples ** (1 / len(box))))
    return tuple((float(lo), float(hi), per) for lo, hi in box)


def _confirm(loss: Loss, eta: sp.Expr, theta: Sequence[Any], budget: Budget) -> Any:
    """The high-precision trajectory from θ (certified stop at a region)."""
    return trajectory(loss, eta, tuple(theta), steps=budget.steps, dps=budget.dps,
                      record=False)


def converges_from(loss: Loss, eta: StepSizeLike, *, point: Sequence[sp.Expr] | None = None,
                   box: Sequence[tuple[sp.Expr, sp.Expr]] | None = None,
                   id: str | None = None, source: Source = USER,
                   expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim: GD at ``eta`` converges to a minimum from ``point`` (or from every point of
    ``box``).

    A point: one high-precision trajectory; ``holds`` is certified when it enters a
    certified region, ``fails`` when it diverges or is periodic (numerical, with the
    precision). A box: a grid of about ``budget.samples`` float64 starts with certified
    early stop; the first start that does not converge is rerun in high precision and,
    if that confirms it, is the counterexample. All grid points converging is evidence
    (statistical: a grid is a sample), not a proof for the whole box.

    ``eta``: any spelling of :meth:`symstab.inputs.StepSize.of`.
    """
    eta = StepSize.of(eta).exact
    if (point is None) == (box is None):
        raise ValueError("give exactly one of point or box")

    def run_point(budget: Budget) -> Outcome:
        t = _confirm(loss, eta, point, budget)
        c = t.classification
        digits = budget.dps
        if c.outcome == "converged":
            strength = c.strength
            data = {}
            if strength is Strength.CERTIFIED and all(sp.S(x).is_Rational for x in point):
                data["certificate"] = [point_orbit_hint(loss, eta, point)]
            return Verdict.HOLDS, Evidence(strength, c.evidence, digits=digits, data=data), None
        if c.outcome in ("diverged", "periodic"):
            return Verdict.FAILS, Evidence(Strength.NUMERICAL, c.evidence, digits=digits), \
                Counterexample(f"GD {c.outcome}: {c.evidence}", point=point_text(point),
                               eta=_sstr(eta))
        return Verdict.INCONCLUSIVE, Evidence(Strength.NUMERICAL, c.evidence,
                                              digits=digits), None

    def run_box(budget: Budget) -> Outcome:
        grid = _grid(box, budget.samples)
        bmap = basin_map(loss, eta, grid, max_steps=budget.steps)
        labels = np.asarray(bmap.labels).reshape(-1)
        starts = np.asarray(bmap.points).reshape(-1, len(box))
        bad = np.flatnonzero(labels < 1)
        n = labels.size
        if bad.size == 0:
            return Verdict.HOLDS, Evidence(
                Strength.STATISTICAL,
                f"all {n} grid starts converged (certified regions as stopping rule); a grid "
                "is a sample, not a proof for every point", n=n), None
        for k in bad[:5]:
            theta = tuple(sp.Rational(Fraction(x)) for x in starts[k])
            t = _confirm(loss, eta, theta, budget)
            c = t.classification
            if c.outcome in ("diverged", "periodic"):
                return Verdict.FAILS, Evidence(
                    Strength.NUMERICAL, f"{bad.size} of {n} grid starts did not converge; the "
                    f"first rerun at {budget.dps} digits: {c.evidence}", digits=budget.dps,
                    n=n), Counterexample(f"GD {c.outcome}: {c.evidence}",
                                         point=point_text(theta), eta=_sstr(eta))
        return Verdict.INCONCLUSIVE, Evidence(
            Strength.NUMERICAL, f"{bad.size} of {n} grid starts undetermined after "
            f"{budget.steps} steps", n=n), None

    where = (f"({', '.join(_sstr(p) for p in point)})" if point is not None
             else " × ".join(f"[{_sstr(lo)}, {_sstr(hi)}]" for lo, hi in box))
    return Claim(
        id=id or f"converges.{slug(loss.name)}.{slug(eta)}",
        title=f"GD on {loss.name} at η = {_sstr(eta)} converges from "
              + ("θ0 = " if point is not None else "every θ0 in ") + where,
        statement=(f"Gradient descent on {loss.name} with step η = {_sstr(eta)} converges to "
                   f"a minimum from " + ("θ0 = " if point is not None else "every θ0 in ")
                   + where + "."),
        latex=r"\lim_{k\to\infty}\theta_k \in \operatorname{argmin}_{\mathrm{loc}} f",
        source=source,
        run=run_point if point is not None else run_box,
        tags=(loss.name, "convergence"),
        expected=expected,
    )


def _fraction_claim(loss: Loss, eta: sp.Expr, box: Sequence[tuple[sp.Expr, sp.Expr]],
                    bound: float, below: bool, id: str | None, source: Source) -> Claim:
    def run(budget: Budget) -> Outcome:
        sampler = uniform_box_sampler([(float(lo), float(hi)) for lo, hi in box], seed=0)
        s = sweep(loss, [eta], sampler, budget.samples, max_steps=budget.steps,
                  confidence=budget.confidence, exact=False)
        p = s.points[0]
        ev = Evidence(
            Strength.STATISTICAL,
            f"{p.n_converged} of {p.n} uniform starts converged ({s.criterion}); Wilson "
            f"{p.confidence:.0%} interval [{p.ci_low:.4f}, {p.ci_high:.4f}]",
            n=p.n, confidence=p.confidence, bound=(p.ci_low, p.ci_high),
            data={"counts": {str(k): v for k, v in p.counts.items()}})
        holds = p.ci_high < bound if below else p.ci_low > bound
        fails = p.ci_low >= bound if below else p.ci_high <= bound
        if holds:
            return Verdict.HOLDS, ev, None
        if fails:
            return Verdict.FAILS, ev, Counterexample(
                f"the converging fraction is {'>=' if below else '<='} {bound} with "
                f"{p.confidence:.0%} confidence (Wilson interval [{p.ci_low:.4f}, "
                f"{p.ci_high:.4f}])", eta=_sstr(eta))
        return Verdict.INCONCLUSIVE, ev, None

    word = "below" if below else "above"
    where = " × ".join(f"[{_sstr(lo)}, {_sstr(hi)}]" for lo, hi in box)
    return Claim(
        id=id or f"fraction-{word}.{slug(loss.name)}.{slug(eta)}",
        title=f"converging fraction {word} {bound} on {where} for {loss.name} at "
              f"η = {_sstr(eta)}",
        statement=(f"For GD on {loss.name} with η = {_sstr(eta)}, the fraction of "
                   f"initialisations uniform on {where} from which GD converges to a "
                   f"minimum is {'<' if below else '>'} {bound}."),
        latex=(r"\Pr_{\theta_0\sim U(B)}[\theta_k\to\theta^*]" + ("<" if below else ">")
               + f"{bound}"),
        source=source,
        run=run,
        tags=(loss.name, "fraction"),
    )


def fraction_below(loss: Loss, eta: StepSizeLike, *, box: Sequence[tuple[sp.Expr, sp.Expr]],
                   bound: float, id: str | None = None, source: Source = USER) -> Claim:
    """Claim: the fraction of converging initialisations (uniform in ``box``) is below
    ``bound``: ``holds`` if the Wilson upper confidence bound is below it, ``fails`` if
    the lower bound is at or above it, else ``inconclusive`` (statistical evidence).
    ``eta``: any spelling of :meth:`symstab.inputs.StepSize.of`."""
    return _fraction_claim(loss, StepSize.of(eta).exact, box, bound, True, id, source)


def fraction_above(loss: Loss, eta: StepSizeLike, *, box: Sequence[tuple[sp.Expr, sp.Expr]],
                   bound: float, id: str | None = None, source: Source = USER) -> Claim:
    """Claim: the fraction of converging initialisations (uniform in ``box``) exceeds
    ``bound`` (the mirror image of :func:`fraction_below`)."""
    return _fraction_claim(loss, StepSize.of(eta).exact, box, bound, False, id, source)

