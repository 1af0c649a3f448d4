"""Chen et al. 2024: Lemma 1 for every α ∈ [0, η], and the remark on the axes of f3.

Lemma 1 (eq. 8): there are C > 0 and a ball B around θ* with
f(θ − α∇f(θ)) − f(θ) <= −Cα‖∇f(θ)‖² for all θ ∈ B and all α ∈ [0, η].
:func:`lemma1_all_alpha` proves it on the certified Hessian ball B of
:func:`symstab.certify.minima.certified_regions` (λmax(∇²f) <= M on B, G(B) ⊂ B) with
C = 1 − ηM/2, for all α at once:

1. for θ ∈ B and α ∈ [0, η], the segment {θ − sα g : s ∈ [0, 1]} (g = ∇f(θ)) is part
   of the segment [θ, G(θ)], which lies in B because both ends do and B is convex;
2. Taylor's formula with integral remainder, f(θ − αg) − f(θ) = −α‖g‖² +
   α² ∫₀¹ (1 − s) gᵀ∇²f(θ − sαg) g ds <= −α‖g‖² + (α²M/2)‖g‖² = −α(1 − αM/2)‖g‖²;
3. α ↦ 1 − αM/2 is non-increasing (M >= 0, checked exactly), so for α <= η it is
   >= 1 − ηM/2 = C, and C > 0 because ηM < 2 (exact comparison).

M is the region's certified bound (interval arithmetic), so the result is certified.
Independently, at sampled rational points θ of B, the polynomial
q(α) = (f(θ − αg) − f(θ) + Cα‖g‖²)/α is proved negative on the whole interval
[0, α_max] exactly (q(0) < 0 and no real root there, by SymPy's exact root counting).
With α_max > η (a false variant) that exact check is the one that finds a
counterexample: a rational α where q(α) > 0.

The f3 remark ("each point [on the] x- or y-axis is stationary while not a minimum"):
:func:`f3_axes_printed` checks it as printed (it fails: (0, 2) is a local minimum),
:func:`f3_axes_corrected` the corrected statement, exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import pairwise

import numpy as np
import sympy as sp

from symstab.certificates import balls_hint, identity_hint
from symstab.evidence import Strength
from symstab.exact.signs import compare
from symstab.inputs import StepSize, StepSizeLike
from symstab.intervals import to_fraction
from symstab.loss import Loss

from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict
from .support import (
    analysis_of,
    below_threshold,
    critical_set_complete,
    decimal,
    mp_target,
    regions_of,
    slug,
)

__all__ = ["f3_axes_corrected", "f3_axes_printed", "lemma1_all_alpha"]

CHEN = "Chen et al. 2024"
_A = sp.Symbol("alpha")


def _ball_points(region, loss: Loss, count: int) -> list[tuple[Fraction, ...]]:
    """Rational points of the region's ball: along the top Hessian eigenvector at the
    centre (both signs) and along spread directions, at radii 0.3, 0.6 and 0.95."""
    center = [to_fraction(c) for c in region.center]
    r = float(region.radius)
    target = mp_target(loss, 30)
    H = np.array([[float(h) for h in row] for row in target.hessian(region.center)])
    w, v = np.linalg.eigh(H)
    dirs = [v[:, int(np.argmax(w))], -v[:, int(np.argmax(w))]]
    n = len(center)
    rng = np.random.default_rng(0)
    while len(dirs) < max(2, count // 3):
        d = rng.normal(size=n)
        dirs.append(d / np.linalg.norm(d))
    out = []
    for d in dirs:
        for s in (0.3, 0.6, 0.95):
            p = tuple(c + Fraction(float(s * r * x)).limit_denominator(10**6)
                      for c, x in zip(center, d, strict=True))
            dist2 = sum((a - c) ** 2 for a, c in zip(p, center, strict=True))
            if dist2 < to_fraction(region.radius) ** 2:
                out.append(p)
    return out[:count]


def _alpha_polynomial(loss: Loss, theta: Sequence[Fraction], c: sp.Expr) -> tuple[sp.Poly,
                                                                                   sp.Expr]:
    """q(α) = (f(θ − αg) − f(θ) + Cα‖g‖²)/α, exactly, and ‖g‖²."""
    subs = {s: sp.Rational(t.numerator, t.denominator)
            for s, t in zip(loss.params, theta, strict=True)}
    grad = [sp.diff(loss.expr, s).subs(subs) for s in loss.params]
    moved = {s: subs[s] - _A * g for s, g in zip(loss.params, grad, strict=True)}
    g2 = sum(g * g for g in grad)
    p = sp.expand(loss.expr.subs(moved, simultaneous=True) - loss.expr.subs(subs)
                  + c * _A * g2)
    q, rem = sp.div(sp.Poly(p, _A), sp.Poly(_A, _A))
    assert rem.is_zero
    return q, g2


def _violation_hint(loss: Loss, region, theta: Sequence[Fraction], alpha: sp.Expr,
                    c: sp.Expr) -> dict:
    """Certificate data of a violation: θ lies in the region's ball and the descent
    inequality fails at (θ, α) with the constant C (exact signs at a rational point)."""
    names = [p.name for p in loss.params]
    moved = {n: f"{n} - alpha*D_{n}" for n in names}
    center = [to_fraction(x) for x in region.center]
    point = {n: str(t) for n, t in zip(names, theta, strict=True)}
    inside = " + ".join(f"({n} - ({x}))**2" for n, x in zip(names, center, strict=True))
    grad2 = " + ".join(f"D_{n}**2" for n in names)
    return identity_hint(
        loss, f"identity/{loss.name}/lemma1-violation", [
            {"lhs": inside, "rhs": f"({to_fraction(region.radius)})**2", "is": "negative",
             "point": point},
            {"lhs": "f", "lhs_at": moved, "rhs": f"f - ({sp.sstr(c)})*alpha*({grad2})",
             "is": "positive", "point": {**point, "alpha": sp.sstr(alpha)}}],
        symbols=["alpha"],
        statement=f"θ lies in the certified ball of minimum {region.label} and at α = "
                  f"{sp.sstr(alpha)}: f(θ − α∇f) − f(θ) > −Cα‖∇f‖² with C = {sp.sstr(c)}",
        partial="the items show the inequality failing for the certified ball and its C; "
                "that no other ball works is not shown")


def lemma1_all_alpha(loss: Loss, eta: StepSizeLike, *, alpha_max: sp.Expr | None = None,
                     points: int = 9, id: str | None = None, source: Source | None = None,
                     expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim (Lemma 1, eq. 8, for every α ∈ [0, α_max], default α_max = η): on the
    certified ball B around each minimum, f(θ − α∇f(θ)) − f(θ) <= −Cα‖∇f(θ)‖² with
    C = 1 − ηM/2 > 0 (the proof is in the module docstring)."""
    eta = StepSize.of(eta).exact
    a_max = eta if alpha_max is None else sp.nsimplify(alpha_max)

    def run(budget: Budget) -> Outcome:
        regions = [r for r in regions_of(loss, eta, budget.subdivisions) if r.monotone]
        if not regions:
            return Verdict.INCONCLUSIVE, Evidence(Strength.CERTIFIED,
                                                  "no certified ball around a minimum"), None
        lines, data, certified = [], {}, compare(a_max, eta) <= 0
        for region in regions:
            m = to_fraction(region.L)
            M = sp.Rational(m.numerator, m.denominator)
            C = sp.nsimplify(1 - eta * M / 2)
            certified = certified and M >= 0 and C > 0
            proved = 0
            for theta in _ball_points(region, loss, points):
                q, g2 = _alpha_polynomial(loss, theta, C)
                if g2 == 0:
                    continue
                if q.eval(0) < 0 and q.count_roots(0, a_max) == 0:
                    proved += 1
                    continue
                roots = [x for x in q.real_roots() if 0 <= x <= a_max]
                cuts = sorted({sp.Integer(0), a_max, *roots})
                probes = [sp.nsimplify((a + b) / 2) for a, b in pairwise(cuts)]
                bad = next((a for a in (*probes, a_max) if q.eval(a) > 0), None)
                if bad is None:
                    continue
                excess = q.eval(bad) * bad
                data["certificate"] = [balls_hint(loss, eta, budget.subdivisions),
                                       _violation_hint(loss, region, theta, bad, C)]
                return Verdict.FAILS, Evidence(
                    Strength.EXACT,
                    f"at θ (rational, in the certified ball of minimum {region.label}) and "
                    f"α = {sp.sstr(bad)}: f(θ − α∇f) − f(θ) + Cα‖∇f‖² = {decimal(excess, 8)} "
                    f"> 0 exactly (C = 1 − ηM/2 = {decimal(C, 8)}, M = {decimal(M, 8)})",
                    data=data), Counterexample(
                    f"the descent inequality fails at α = {sp.sstr(bad)} (exact value of the "
                    f"excess {decimal(excess, 12)})", point=tuple(decimal(sp.Rational(
                        t.numerator, t.denominator), 15) for t in theta), eta=sp.sstr(eta),
                    data={"alpha": sp.sstr(bad)})
            data[f"minimum {region.label}"] = {"radius": float(region.radius),
                                               "M": decimal(M, 10), "C": decimal(C, 10),
                                               "points_proved": proved}
            lines.append(f"minimum {region.label}: ball radius {float(region.radius):.3g}, "
                         f"M = {decimal(M, 6)}, C = {decimal(C, 6)}; q < 0 on "
                         f"[0, {sp.sstr(a_max)}] proved exactly at {proved} rational points")
        text = "; ".join(lines)
        if certified:
            data["certificate"] = [balls_hint(loss, eta, budget.subdivisions)]
            return Verdict.HOLDS, Evidence(
                Strength.CERTIFIED,
                "for all α ∈ [0, η] at once: the segment θ − sα∇f(θ) lies in the certified "
                "forward-invariant ball (convexity), λmax <= M there (interval "
                "arithmetic), Taylor's integral remainder gives the factor 1 − αM/2 >= "
                "1 − ηM/2 = C > 0 (exact); " + text, data=data), None
        return Verdict.INCONCLUSIVE, Evidence(
            Strength.EXACT, f"α_max = {sp.sstr(a_max)} > η, so the certificate does not "
            f"apply; no violation at the sampled points: {text}", data=data), None

    rng = f"[0, {sp.sstr(a_max)}]"
    return Claim(
        id=id or f"chen.lemma1-all-alpha.{loss.name}",
        title=f"Lemma 1 for every α ∈ {rng} near the minima of {loss.name} "
              f"(η = {sp.sstr(eta)})",
        statement=(f"Around every strict minimum of {loss.name} with η = {sp.sstr(eta)} there "
                   "is a ball B and C = 1 − ηM/2 > 0 (M = sup λmax(∇²f) on B) with "
                   f"f(θ − α∇f(θ)) − f(θ) <= −Cα‖∇f(θ)‖² for all θ ∈ B and all α ∈ {rng}."),
        latex=(r"f(\theta-\alpha\nabla f(\theta))-f(\theta)\le-C\alpha\|\nabla f(\theta)\|^2"
               r",\ \forall\alpha\in[0," + sp.latex(a_max) + "]"),
        source=source or Source(CHEN, "Lemma 1, eq. (8), for all α ∈ [0, η]"),
        run=run,
        hypotheses=(critical_set_complete(loss), below_threshold(loss, eta)),
        tags=(loss.name, "descent", "lemma1"),
        expected=expected,
    )


# --------------------------------------------------------------------------------------
# f3: the points of the axes
# --------------------------------------------------------------------------------------


def _box_range(poly: sp.Poly, box: Sequence[tuple[Fraction, Fraction]]) -> tuple[Fraction,
                                                                                Fraction]:
    """An exact enclosure [lo, hi] of a polynomial over a box (natural interval
    extension in rational arithmetic: each monomial's range is exact, their sum
    encloses the polynomial's)."""
    lo = hi = Fraction(0)
    for powers, coeff in poly.terms():
        mlo = mhi = Fraction(1)
        for (a, b), k in zip(box, powers, strict=True):
            if k == 0:
                continue
            ends = (a ** k, b ** k)
            plo = Fraction(0) if k % 2 == 0 and a <= 0 <= b else min(ends)
            phi = max(ends)
            cands = (mlo * plo, mlo * phi, mhi * plo, mhi * phi)
            mlo, mhi = min(cands), max(cands)
        c = Fraction(int(coeff.p), int(coeff.q))
        lo, hi = (lo + c * mlo, hi + c * mhi) if c >= 0 else (lo + c * mhi, hi + c * mlo)
    return lo, hi


def _axes_structure(loss: Loss) -> tuple[sp.Expr, sp.Expr, list[sp.Expr]] | None:
    """(f on the axes, the factor q with f − that = x²y²·q, the gradient on the axes)
    if f has that structure, else None."""
    x, y = loss.params
    f = loss.expr
    on_x, on_y = sp.simplify(f.subs(y, 0)), sp.simplify(f.subs(x, 0))
    if on_x.free_symbols or on_y.free_symbols or on_x != on_y:
        return None
    q, rem = sp.div(sp.expand(f - on_x), x ** 2 * y ** 2, x, y)
    if rem != 0:
        return None
    grad = [sp.expand(sp.diff(f, s).subs(t, 0)) for s in (x, y) for t in (x, y)]
    return on_x, sp.expand(q), grad


def f3_axes_printed(loss: Loss, *, id: str | None = None) -> Claim:
    """Claim, as printed about f3: every point of the x- and y-axis is stationary and
    not a (local) minimum. Expected to fail, exactly: with f − 1 = x²y²·q, q = x² + y² − 3,
    q > 0 on the box (0, 2) ± 1/4 (exact rational enclosure), so f >= 1 = f(0, 2) there:
    (0, 2) is a (non-strict) local minimum."""

    def run(budget: Budget) -> Outcome:
        s = _axes_structure(loss)
        if s is None:
            return Verdict.INCONCLUSIVE, Evidence(Strength.EXACT, "f is not of the form "
                                                  "c + x²y²·q"), None
        c, q, grad = s
        stationary = all(g == 0 for g in grad)
        x, y = loss.params
        for t in (2, 3, 5, 10):
            rho = Fraction(1, 4)
            box = [(-rho, rho), (t - rho, t + rho)]
            lo, _ = _box_range(sp.Poly(q, x, y), box)
            if lo > 0:
                return Verdict.FAILS, Evidence(
                    Strength.EXACT,
                    f"∇f vanishes identically on both axes ({'yes' if stationary else 'no'}), "
                    f"f = {sp.sstr(c)} there and f − {sp.sstr(c)} = x²y²·({sp.sstr(q)}) "
                    f"(exact division); on the box (0, {t}) ± 1/4 the factor is >= "
                    f"{lo} > 0 (exact rational enclosure), so f >= {sp.sstr(c)} = "
                    f"f(0, {t}) there: a local minimum (non-strict: f = {sp.sstr(c)} "
                    "along the axis)"), Counterexample(
                    f"(0, {t}) is a stationary point and a local minimum: f >= f(0, {t}) on "
                    f"the box (0, {t}) ± 1/4", point=("0", str(t)),
                    data={"factor": sp.sstr(q), "factor_lower_bound": str(lo)})
        return Verdict.INCONCLUSIVE, Evidence(Strength.EXACT, "no minimum found on the axis "
                                              "points tried"), None

    return Claim(
        id=id or f"chen.{slug(loss.name)}-axes.printed",
        title=f"{loss.name}: every point of the axes is stationary and not a minimum",
        statement=(f"Every point of the x- and y-axis is a stationary point of {loss.name} "
                   "and none of them is a local minimum (as printed)."),
        latex=r"\nabla f(t,0)=\nabla f(0,t)=0\ \text{and}\ (t,0),(0,t)\ \text{not a local "
              r"minimum}\ \forall t",
        source=Source(CHEN, "after eq. (46): 'each point lies in x- or y-coordinate is "
                            "stationary while not a minimum'",
                      "as printed; points with |t| > √3 are non-strict local minima"),
        run=run,
        hypotheses=(critical_set_complete(loss),),
        tags=(loss.name, "erratum", "critical set"),
        expected=Verdict.FAILS,
    )


def f3_axes_corrected(loss: Loss, *, strict_minima: bool = False, id: str | None = None,
                      source: Source | None = None,
                      expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim (corrected remark on f3): every point (0, t), (t, 0) of the axes is
    stationary; it is a non-strict local minimum for |t| > √3, a non-strict local maximum
    for |t| < √3 and neither for |t| = √3; none is a strict minimum.

    Exact: ∇f vanishes on the axes identically; f − 1 = x²y²·q with q = x² + y² − 3
    (exact division), so the sign of f − 1 near an axis point is that of q there, and
    q(0, t) = t² − 3 (by continuity q keeps that sign near (0, t) when t² ≠ 3; at
    t² = 3, q takes both signs at points with xy ≠ 0 arbitrarily close); f = 1 along the
    axis, so no extremum there is strict. The break points ±√3 and the kinds are compared
    with the arcs of :func:`symstab.exact.analysis.analyze`. With ``strict_minima``
    (a false variant) the claim says the points with |t| > √3 are *strict* minima; it
    fails with f(0, t + 1/n) = f(0, t).
    """

    def run(budget: Budget) -> Outcome:
        s = _axes_structure(loss)
        if s is None:
            return Verdict.INCONCLUSIVE, Evidence(Strength.EXACT, "f is not of the form "
                                                  "c + x²y²·q"), None
        c, q, grad = s
        x, y = loss.params
        t = sp.Symbol("t", real=True)
        if any(g != 0 for g in grad):
            return Verdict.FAILS, Evidence(Strength.EXACT, "∇f does not vanish on an axis"), \
                Counterexample("an axis point is not stationary")
        on_y, on_x = sp.expand(q.subs({x: 0, y: t})), sp.expand(q.subs({x: t, y: 0}))
        breaks = sorted(set(sp.solve(on_y, t)) | set(sp.solve(on_x, t)), key=float)
        if strict_minima:
            return Verdict.FAILS, Evidence(
                Strength.EXACT, f"f(0, t) = {sp.sstr(c)} for every t (exact), so no axis point "
                "is a strict minimum"), Counterexample(
                f"f(0, 2 + 1/n) = f(0, 2) = {sp.sstr(c)} for every n: (0, 2) is a minimum but "
                "not a strict one", point=("0", "2"))
        # the library's analysis of the critical set, for comparison
        arcs = [(a.start, a.end, a.kind) for comp in analysis_of(loss).components
                for a in comp.arcs]
        lib_breaks = sorted({e for a, b, _ in arcs for e in (a, b) if e is not None
                             and e != 0}, key=float)
        agree = [sp.simplify(a - b) == 0 for a, b in zip(breaks, lib_breaks, strict=False)]
        outer = [k for a, b, k in arcs if a is None or b is None]
        inner = [k for a, b, k in arcs if a is not None and b is not None]
        kinds_ok = (all(k.startswith("minima") for k in outer)
                    and all(k.startswith("maxima") for k in inner))
        if len(breaks) != len(lib_breaks) or not all(agree) or not kinds_ok:
            return Verdict.INCONCLUSIVE, Evidence(
                Strength.EXACT, f"break points {breaks} against the analysis' arcs {arcs}"), None
        return Verdict.HOLDS, Evidence(
            Strength.EXACT,
            f"∇f = 0 on both axes identically; f = {sp.sstr(c)} on the axes and "
            f"f − {sp.sstr(c)} = x²y²·({sp.sstr(q)}) (exact division); on the axes the factor "
            f"is {sp.sstr(on_y)}, which vanishes at t = {', '.join(map(sp.sstr, breaks))}: "
            "non-strict minima for |t| > √3, non-strict maxima for |t| < √3, neither at "
            "|t| = √3. The exact analysis of the critical set finds the same break points "
            f"and kinds ({len(arcs)} arcs)",
            data={"factor": sp.sstr(q), "breaks": [sp.sstr(b) for b in breaks],
                  "arcs": [(sp.sstr(a), sp.sstr(b), k) for a, b, k in arcs]}), None

    what = ("strict local minima" if strict_minima else
            "non-strict local minima for |t| > √3, non-strict maxima for |t| < √3")
    return Claim(
        id=id or f"chen.{slug(loss.name)}-axes.corrected",
        title=f"{loss.name}: the axis points are stationary; {what}",
        statement=(f"Every point (0, t), (t, 0) of the axes is a stationary point of "
                   f"{loss.name}; " + ("those with |t| > √3 are strict local minima."
                                       if strict_minima else
                                       "it is a non-strict local minimum for |t| > √3, a "
                                       "non-strict local maximum for |t| < √3, neither for "
                                       "|t| = √3; none is a strict minimum.")),
        latex=(r"(0,t):\ |t|>\sqrt3\Rightarrow\text{" + ("strict" if strict_minima
                                                          else "non-strict")
               + r" local min}"),
        source=source or Source(CHEN, "after eq. (46), corrected"),
        run=run,
        hypotheses=(critical_set_complete(loss),),
        tags=(loss.name, "critical set"),
        expected=expected,
    )
