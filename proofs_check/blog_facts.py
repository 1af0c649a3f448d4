"""Exact facts stated in the seeds about smoothness, convexity, symmetry and Taylor's
formula (Tao & Wang's blog; Chen et al., eq. (9)).

All claims here are decided exactly by SymPy on polynomial losses:

* **global smoothness** — a polynomial f is L-smooth on ℝⁿ iff its Hessian is bounded,
  i.e. iff every Hessian entry is a constant (a non-constant polynomial is unbounded on
  ℝⁿ, and |H_ij| <= ‖H‖₂); then the smallest L is ‖H‖₂, from the exact eigenvalues. A
  counterexample to "L-smooth with this L" is an exact point where some |H_ij| > L.
* **convexity** — refuted by an exact point where the Hessian has a negative eigenvalue.
* **rescaling symmetry** — f(T(θ)) − f(θ) expands to 0 for a substitution T.
* **Taylor's formula with integral remainder** (Chen eq. (9)) — both sides expand to the
  same polynomial in θ and α (the integral is computed exactly).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp

from symstab.evidence import Strength
from symstab.inputs import exact_number
from symstab.loss import Loss

from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict
from .support import slug

__all__ = ["flattest_minimum_on_xy", "has_lipschitz_gradient", "is_convex",
           "local_minima_global", "seed_claims", "symmetry_holds", "taylor_remainder_identity"]

BLOG = "Tao & Wang, blog"
CHEN = "Chen et al. 2024"


def _entry_exceeding(hess: sp.Matrix, params: tuple[sp.Symbol, ...], bound: sp.Expr
                     ) -> tuple[sp.Expr, ...] | None:
    """An exact point where some Hessian entry exceeds ``bound`` in absolute value."""
    directions = [tuple(sp.Integer(1) for _ in params),
                  *(tuple(sp.Integer(int(i == k)) for i in range(len(params)))
                    for k in range(len(params)))]
    for v in directions:
        for k in range(0, 64):
            point = tuple(sp.Integer(2) ** k * c for c in v)
            at = dict(zip(params, point, strict=True))
            if any(abs(h.subs(at)) > bound for h in hess):
                return point
    return None


def has_lipschitz_gradient(loss: Loss, constant: object | None, *, id: str | None = None,
                           source: Source | None = None) -> Claim:
    """Claim: ``loss`` (a polynomial) is L-smooth on all of ℝⁿ with L = ``constant`` as
    the smallest constant, or, with ``constant`` None, is not L-smooth for any L."""
    value = None if constant is None else exact_number(constant, "constant")
    word = "not L-smooth for any L" if value is None else f"{sp.sstr(value)}-smooth"

    def run(budget: Budget) -> Outcome:
        hess = sp.hessian(loss.expr, loss.params)
        constant_entries = all(sp.expand(h).free_symbols.isdisjoint(loss.params)
                               for h in hess)
        if constant_entries:
            eig = [sp.Abs(e) for e in hess.eigenvals(multiple=True)]
            smallest = sp.simplify(sp.Max(*eig)) if eig else sp.Integer(0)
            ev = Evidence(Strength.EXACT, f"the Hessian is the constant "
                          f"{sp.sstr(hess.tolist())}, so the smallest L is ‖H‖₂ = "
                          f"{sp.sstr(smallest)}")
            if value is not None and sp.simplify(smallest - value) == 0:
                return Verdict.HOLDS, ev, None
            return Verdict.FAILS, ev, Counterexample(
                f"f is {sp.sstr(smallest)}-smooth" + ("" if value is None else
                                                      f", not {sp.sstr(value)}-smooth"))
        moving = [sp.sstr(h) for h in hess if not sp.expand(h).free_symbols.isdisjoint(
            loss.params)]
        ev = Evidence(Strength.EXACT, f"the Hessian entry {moving[0]} is a non-constant "
                      "polynomial, so the Hessian is unbounded on ℝⁿ and no L works")
        if value is None:
            return Verdict.HOLDS, ev, None
        point = _entry_exceeding(hess, loss.params, value)
        return Verdict.FAILS, ev, Counterexample(
            f"a Hessian entry exceeds {sp.sstr(value)} in absolute value there",
            point=None if point is None else tuple(sp.sstr(x) for x in point))

    return Claim(
        id=id or f"smoothness.{slug(loss.name)}",
        title=f"{loss.name} is {word} on ℝⁿ",
        statement=f"The loss {loss.name} = {sp.sstr(loss.expr)} is {word} on all of ℝⁿ.",
        latex=(r"\nexists L:\ \|\nabla f(a)-\nabla f(b)\|\le L\|a-b\|" if value is None
               else r"L_{\min}=" + sp.latex(value)),
        source=source or Source(BLOG, "'The nice classical regime' (smoothness)"),
        run=run,
        tags=(loss.name, "smoothness", "exact"),
    )


def is_convex(loss: Loss, witness: tuple[object, ...], *, convex: bool = False,
              id: str | None = None, source: Source | None = None) -> Claim:
    """Claim: ``loss`` is (``convex``) or is not convex; refuted/decided by the exact
    Hessian at ``witness`` (a negative eigenvalue there proves non-convexity)."""
    point = tuple(exact_number(x, "witness") for x in witness)
    word = "convex" if convex else "not convex"

    def run(budget: Budget) -> Outcome:
        hess = sp.hessian(loss.expr, loss.params).subs(dict(zip(loss.params, point,
                                                                 strict=True)))
        eig = hess.eigenvals(multiple=True)
        lowest = min(eig, key=lambda e: float(sp.N(e, 30)))
        negative = bool(sp.N(lowest, 50) < 0)
        ev = Evidence(Strength.EXACT, f"at ({', '.join(sp.sstr(x) for x in point)}) the "
                      f"Hessian {sp.sstr(hess.tolist())} has eigenvalues "
                      f"{', '.join(sp.sstr(e) for e in eig)}")
        if negative and not convex:
            return Verdict.HOLDS, ev, None
        if negative and convex:
            return Verdict.FAILS, ev, Counterexample(
                f"the Hessian has the negative eigenvalue {sp.sstr(lowest)}",
                point=tuple(sp.sstr(x) for x in point))
        return Verdict.INCONCLUSIVE, ev, None

    return Claim(
        id=id or f"convexity.{slug(loss.name)}",
        title=f"{loss.name} is {word}",
        statement=f"The loss {loss.name} = {sp.sstr(loss.expr)} is {word}.",
        latex=(r"\nabla^2 f\succeq 0" if convex
               else r"\exists\theta:\ \nabla^2 f(\theta)\not\succeq 0"),
        source=source or Source(BLOG, "'Periodic orbits'"),
        run=run,
        tags=(loss.name, "convexity", "exact"),
    )


def symmetry_holds(loss: Loss,
                   substitution: Callable[[sp.Symbol, Mapping[str, sp.Symbol]],
                                          Mapping[sp.Symbol, sp.Expr]],
                   description: str, *, id: str, source: Source | None = None) -> Claim:
    """Claim: f(T(θ)) = f(θ) exactly, for every c ≠ 0, where
    ``substitution(c, params_by_name)`` gives T as a map parameter → expression."""
    c = sp.Symbol("c", nonzero=True)
    mapping = dict(substitution(c, {str(p): p for p in loss.params}))

    def run(budget: Budget) -> Outcome:
        diff = sp.simplify(sp.expand(loss.expr.xreplace(mapping) - loss.expr))
        ev = Evidence(Strength.EXACT, f"f(T(θ)) − f(θ) = {sp.sstr(diff)} for T: "
                      + ", ".join(f"{k} ↦ {sp.sstr(v)}" for k, v in mapping.items()))
        if diff == 0:
            return Verdict.HOLDS, ev, None
        witness = {p: sp.Integer(1) for p in loss.params}
        at_c = next((k for k in range(2, 10)
                     if diff.subs({**witness, c: k}) != 0), 2)
        return Verdict.FAILS, ev, Counterexample(
            f"at θ = (1, ..., 1), c = {at_c}: f(T(θ)) − f(θ) = "
            f"{sp.sstr(diff.subs({**witness, c: at_c}))}",
            point=tuple("1" for _ in loss.params))

    return Claim(
        id=id,
        title=f"{loss.name} is invariant under {description}",
        statement=(f"For every c ≠ 0, the loss {loss.name} = {sp.sstr(loss.expr)} is "
                   f"unchanged by {description}, so minimisers map to minimisers."),
        latex=r"f(T_c\theta)=f(\theta)\quad\forall c\ne0",
        source=source or Source(BLOG, "'An implicit bias of large LR' (homogeneity)"),
        run=run,
        tags=(loss.name, "symmetry", "exact"),
    )


def local_minima_global(loss: Loss, *, id: str | None = None,
                        source: Source | None = None) -> Claim:
    """Claim: every local minimiser of ``loss`` is a global one. Exact: the critical set
    is complete (:func:`symstab.exact.analysis.analyze`), every local minimum (isolated
    or on a component) has the same value, and that value is the infimum because the
    loss is certified >= it; refuted by an exact point below some local minimum."""

    def run(budget: Budget) -> Outcome:
        from symstab.exact.analysis import analyze

        result = analyze(loss)
        values = [p.loss_value.exact for p in result.points if p.kind == "minimum"]
        values += [c.loss_value for c in result.components if "minima" in c.kind]
        if result.critical_set_status != "complete" or not values or None in values:
            return Verdict.INCONCLUSIVE, Evidence(
                Strength.EXACT, f"critical set {result.critical_set_status}; local minimum "
                f"values {values}"), None
        values = [sp.nsimplify(v) for v in values]
        text = ", ".join(sp.sstr(v) for v in values)
        for v in sorted(values, key=lambda e: float(e), reverse=True):
            for point in _rays(loss.params):
                below = loss.expr.subs(dict(zip(loss.params, point, strict=True)))
                if below < v:
                    return Verdict.FAILS, Evidence(
                        Strength.EXACT, f"local minimum values {text}; f = {sp.sstr(below)} "
                        f"< {sp.sstr(v)} at an exact point"), Counterexample(
                        f"f({', '.join(map(sp.sstr, point))}) = {sp.sstr(below)} is below the "
                        f"local minimum value {sp.sstr(v)}", point=tuple(map(sp.sstr, point)))
        if result.bounded_below and all(v == 0 for v in values):
            return Verdict.HOLDS, Evidence(
                Strength.EXACT, f"complete critical set: every local minimum has value 0; "
                f"{result.bounded_below}, so 0 is the global minimum"), None
        return Verdict.INCONCLUSIVE, Evidence(Strength.EXACT, f"local minimum values {text}; "
                                              "no lower bound certified"), None

    return Claim(
        id=id or f"taowang.local-minima-global.{slug(loss.name)}",
        title=f"every local minimiser of {loss.name} is global",
        statement=f"Every local minimiser of {loss.name} = {sp.sstr(loss.expr)} is a global "
                  "minimiser.",
        latex=r"\nabla f(\theta)=0,\ \theta\ \text{local min}\Rightarrow f(\theta)=\inf f",
        source=source or Source(BLOG, "'An implicit bias of large LR' (no spurious minima)"),
        run=run,
        tags=(loss.name, "landscape", "exact"),
    )


def _rays(params: tuple[sp.Symbol, ...]) -> list[tuple[sp.Expr, ...]]:
    """Exact points ±2^k along each axis and the diagonals, k = 0..6."""
    n = len(params)
    dirs = [tuple(sp.Integer(s * (i == j)) for i in range(n)) for j in range(n)
            for s in (1, -1)]
    dirs += [tuple(sp.Integer(1) for _ in range(n)), tuple(sp.Integer(-1) for _ in range(n))]
    return [tuple(sp.Integer(2) ** k * c for c in d) for k in range(7) for d in dirs]


def flattest_minimum_on_xy(point: tuple[object, object], *, id: str | None = None,
                           source: Source | None = None) -> Claim:
    """Claim: on the minima xy = 1 of ½(1 − xy)², λmax is smallest at ``point``. Exact:
    on y = 1/x the Hessian has eigenvalues 0 and x² + 1/x², and x² + 1/x² − 2 =
    (x − 1/x)² >= 0 with equality iff x = ±1, i.e. at the balanced points x = y."""
    x0, y0 = (exact_number(c, "point") for c in point)
    loss = Loss.from_catalog("xy")

    def run(budget: Budget) -> Outcome:
        x, y = loss.params
        hess = sp.hessian(loss.expr, loss.params).subs(y, 1 / x)
        eig = sorted(hess.eigenvals(multiple=True), key=lambda e: sp.count_ops(e))
        lam = sp.simplify(sum(eig))  # 0 + (x² + 1/x²)
        identity = (any(sp.simplify(e) == 0 for e in eig)  # so λmax is the other one
                    and sp.simplify(lam - 2 - (x - 1 / x) ** 2) == 0)
        on_minima = sp.simplify(x0 * y0 - 1) == 0
        at = sp.simplify(lam.subs(x, x0)) if on_minima else None
        ev = Evidence(Strength.EXACT, f"on xy = 1 the Hessian's eigenvalues are "
                      f"{', '.join(sp.sstr(sp.simplify(e)) for e in eig)}; λmax − 2 = "
                      f"(x − 1/x)² {'(verified)' if identity else '(not verified)'}; at "
                      f"({sp.sstr(x0)}, {sp.sstr(y0)}) λmax = {sp.sstr(at)}")
        if not identity or not on_minima:
            return Verdict.INCONCLUSIVE, ev, None
        if at == 2:
            return Verdict.HOLDS, ev, None
        return Verdict.FAILS, ev, Counterexample(
            f"λmax = {sp.sstr(at)} there, but 2 at the balanced point (1, 1)",
            point=("1", "1"))

    return Claim(
        id=id or "taowang.balanced-flattest.xy",
        title=f"the flattest minimum of ½(1 − xy)² is ({sp.sstr(x0)}, {sp.sstr(y0)})",
        statement=(f"Among the minimisers of ½(1 − xy)², λmax(∇²f) is smallest at "
                   f"({sp.sstr(x0)}, {sp.sstr(y0)}): balanced norms are flat, unbalanced "
                   "ones sharp."),
        latex=r"\arg\min_{xy=1}\lambda_{\max}=(" + sp.latex(x0) + "," + sp.latex(y0) + ")",
        source=source or Source(BLOG, "'An implicit bias of large LR' (Hessian at a "
                                      "minimiser)"),
        run=run,
        tags=("xy", "balancing", "exact"),
    )


def taylor_remainder_identity(loss: Loss, *, id: str | None = None) -> Claim:
    """Claim (Chen eq. (9)): for every θ and α, f(θ − α∇f) = f(θ) − α‖∇f‖² +
    α² ∫₀¹ (1 − x) ∇fᵀ ∇²f(θ − xα∇f) ∇f dx, both sides expanded exactly."""

    def run(budget: Budget) -> Outcome:
        alpha, x = sp.Dummy("alpha", real=True), sp.Dummy("s", real=True)
        grad = sp.Matrix([sp.diff(loss.expr, p) for p in loss.params])
        hess = sp.hessian(loss.expr, loss.params)
        along = {p: p - x * alpha * g for p, g in zip(loss.params, grad, strict=True)}
        inner = sp.expand((grad.T * hess.xreplace(along) * grad)[0, 0] * (1 - x))
        rhs = loss.expr - alpha * (grad.T * grad)[0, 0] + alpha**2 * sp.integrate(inner,
                                                                                  (x, 0, 1))
        lhs = loss.expr.xreplace({p: p - alpha * g
                                  for p, g in zip(loss.params, grad, strict=True)})
        diff = sp.expand(lhs - rhs)
        text = sp.sstr(diff)
        short = text if len(text) <= 120 else text[:117] + "..."
        ev = Evidence(Strength.EXACT, "both sides expanded as polynomials in θ and α: "
                      f"difference {short}")
        if diff == 0:
            return Verdict.HOLDS, ev, None
        return Verdict.FAILS, ev, Counterexample(f"the difference is {short}")

    return Claim(
        id=id or f"chen.taylor-remainder.{slug(loss.name)}",
        title=f"Taylor's formula with integral remainder on {loss.name}",
        statement=(f"For {loss.name}, every θ and every α: f(θ − α∇f) = f(θ) − α‖∇f‖² + "
                   "α²∫₀¹(1 − x)∇fᵀ∇²f(θ − xα∇f)∇f dx."),
        latex=(r"f(\theta-\alpha g)=f-\alpha\|g\|^2+\alpha^2\int_0^1(1-x)\,g^\top"
               r"\nabla^2 f(\theta-x\alpha g)\,g\,dx"),
        source=Source(CHEN, "proof of Lemma 1, eq. (9)"),
        run=run,
        tags=(loss.name, "identity", "exact"),
    )


def seed_claims() -> list[Claim]:
    """The exact facts, with a deliberately false neighbour for each family."""
    x2 = Loss.from_text("x**2", "x")
    x4 = Loss.from_text("x**4", "x")
    xy = Loss.from_catalog("xy")
    wrong = Source("false variant", "deliberately wrong, must fail")

    def rescale(c: sp.Symbol, p: Mapping[str, sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
        return {p["x"]: c * p["x"], p["y"]: p["y"] / c}

    def scale_both(c: sp.Symbol, p: Mapping[str, sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
        return {p["x"]: c * p["x"], p["y"]: c * p["y"]}

    claims = [
        has_lipschitz_gradient(x2, 2, id="taowang.smoothness.x2"),
        has_lipschitz_gradient(x4, None, id="taowang.smoothness.x4"),
        has_lipschitz_gradient(xy, None, id="taowang.smoothness.xy",
                               source=Source(BLOG, "'Periodic orbits' (not L-smooth)")),
        is_convex(xy, (0, 0), id="taowang.nonconvex.xy"),
        symmetry_holds(xy, rescale, "(x, y) ↦ (cx, y/c)", id="taowang.rescaling.xy"),
        *(taylor_remainder_identity(Loss.from_catalog(n)) for n in ("f1", "f4")),
        local_minima_global(xy),
        flattest_minimum_on_xy((1, 1)),
    ]
    false = [
        has_lipschitz_gradient(x4, 12, id="false.smoothness.x4-12", source=wrong),
        is_convex(xy, (0, 0), convex=True, id="false.convex.xy", source=wrong),
        symmetry_holds(xy, scale_both, "(x, y) ↦ (cx, cy)",
                       id="false.rescaling.xy-same-factor", source=wrong),
        local_minima_global(Loss.from_catalog("f1"), id="false.local-minima-global.f1",
                            source=wrong),
        flattest_minimum_on_xy((2, sp.Rational(1, 2)), id="false.flattest.xy-unbalanced",
                               source=wrong),
    ]
    from dataclasses import replace

    return claims + [replace(c, expected=Verdict.FAILS, tags=(*c.tags, "false-variant"))
                     for c in false]
