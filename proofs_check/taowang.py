"""Claims of the Tao/Wang blog on large learning rates: the descent-lemma regime
h < 2/L and the modified equation f̃ = f + (h/4)‖∇f‖² (backward error analysis: GD
with step h follows the gradient flow of f̃ to O(h²) over a fixed time, against O(h)
for the flow of f).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import mpmath
import sympy as sp

from symstab.dynamics.modified import modified_flow_errors, rk4_flow
from symstab.evidence import Strength
from symstab.exact import derivatives
from symstab.exact.signs import compare
from symstab.inputs import StepSize, StepSizeLike
from symstab.loss import Loss

from .core import Budget, Claim, Counterexample, Evidence, HypothesisCheck, Outcome, Source, Verdict
from .support import mp_number, mp_target, point_text, slug

__all__ = ["descent_regime", "modified_equation_order", "modified_order_band"]

BLOG = "Tao & Wang (blog)"


def _constant_hessian(loss: Loss) -> sp.Matrix | None:
    H = sp.Matrix(derivatives.hessian(loss))
    return H if all(e.is_number for e in H) else None


def descent_regime(loss: Loss, h: StepSizeLike, *, id: str | None = None,
                   source: Source | None = None, expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim (descent lemma): for an L-smooth loss and 0 < h < 2/L, every GD step
    decreases the loss: f(θ − h∇f(θ)) <= f(θ) for all θ.

    Checked exactly for quadratic losses (constant Hessian A, L = λmax(A)): the identity
    f(θ − hg) − f(θ) = −h gᵀ(I − (h/2)A)g with g = ∇f(θ) is verified symbolically, and
    I − (h/2)A is positive semidefinite iff h <= 2/λmax (exact eigenvalues). If not,
    θ = θ* + v for the top eigenvector v (exact) is a counterexample.

    ``h``: any spelling of :meth:`symstab.inputs.StepSize.of`.
    """
    h = StepSize.of(h, "h").exact

    def hypothesis(budget: Budget) -> HypothesisCheck:
        ok = _constant_hessian(loss) is not None
        return HypothesisCheck("quadratic loss (global L)", ok, Strength.EXACT,
                               f"the Hessian of {loss.name} is constant: {ok}")

    def run(budget: Budget) -> Outcome:
        A = _constant_hessian(loss)
        params = loss.params
        g = sp.Matrix(derivatives.gradient(loss))
        new = {p: p - h * gi for p, gi in zip(params, g, strict=True)}
        diff = sp.expand(loss.expr.subs(new, simultaneous=True) - loss.expr)
        form = sp.expand((-h * g.T * (sp.eye(len(params)) - h / 2 * A) * g)[0])
        if sp.expand(diff - form) != 0:
            return Verdict.INCONCLUSIVE, Evidence(Strength.EXACT,
                                                  "the identity did not verify"), None
        eig = A.eigenvects()
        L = max((val for val, _, _ in eig), key=lambda v: float(v))
        ok = compare(h * L, sp.Integer(2)) <= 0
        ev = Evidence(Strength.EXACT, f"f(θ − h∇f) − f(θ) = −h gᵀ(I − (h/2)A)g (verified); "
                      f"L = λmax(A) = {sp.sstr(L)}, h·L = {sp.sstr(sp.radsimp(h * L))} "
                      f"{'<=' if ok else '>'} 2")
        if ok:
            return Verdict.HOLDS, ev, None
        v = next(vecs[0] for val, _, vecs in eig if val == L)
        crit = sp.solve(list(g), params, dict=True)
        base = [crit[0].get(p, 0) for p in params] if crit else [0] * len(params)
        theta = tuple(sp.simplify(b + vi) for b, vi in zip(base, v, strict=True))
        subs = dict(zip(params, theta, strict=True))
        up = sp.simplify(diff.subs(subs))
        return Verdict.FAILS, ev, Counterexample(
            f"the loss rises by {sp.sstr(up)} in one step (exact)", point=point_text(theta),
            eta=sp.sstr(h))

    return Claim(
        id=id or f"taowang.descent-regime.{slug(loss.name)}.{slug(h)}",
        title=f"descent lemma regime: every GD step decreases {loss.name} at h = {sp.sstr(h)}",
        statement=(f"For h = {sp.sstr(h)} <= 2/L (L the global smoothness constant of "
                   f"{loss.name}), f(θ − h∇f(θ)) <= f(θ) for every θ."),
        latex=r"h<2/L\Rightarrow f(\theta-h\nabla f(\theta))\le f(\theta)\ \forall\theta",
        source=source or Source(BLOG, "descent lemma, regime h < 2/L"),
        run=run,
        hypotheses=(hypothesis,),
        tags=(loss.name, "descent"),
        expected=expected,
    )


def modified_equation_order(loss: Loss, theta0: Sequence[sp.Expr], *,
                            hs: Sequence[StepSizeLike] | None = None, time: sp.Expr | int = 1,
                            id: str | None = None) -> Claim:
    """Claim (modified equation): GD with step h tracks the gradient flow of
    f̃_h = f + (h/4)‖∇f‖² to O(h²) over a fixed time T, while it tracks the flow of f only
    to O(h).

    Numerical check at ``budget.dps`` digits: for h, h/2, h/4 (default 1/10, 1/20, 1/40)
    run T/h GD steps from θ0 and integrate both flows to time T by RK4 with h/64
    substeps (RK4 error ~1e-13 ≪ the errors measured); the observed orders
    log2(e(h)/e(h/2)) must be within 0.3 of 2 for f̃ and of 1 for f (the control).
    Each of ``hs`` is any spelling of :meth:`symstab.inputs.StepSize.of`.
    """
    hs = (tuple(StepSize.of(h, "hs").exact for h in hs) if hs is not None
          else (sp.Rational(1, 10), sp.Rational(1, 20), sp.Rational(1, 40)))
    h_sym = sp.Symbol("h_step", positive=True)
    time = sp.Integer(time) if isinstance(time, int) else time

    def run(budget: Budget) -> Outcome:
        dps = max(budget.dps, 30)
        gd = mp_target(loss, dps)
        ctx = gd.ctx
        errs_mod, errs_plain = [], []
        for h in hs:
            mod_loss = Loss.from_expr(derivatives.modified_loss(loss, h_sym).subs(h_sym, h),
                                      loss.params, name=f"{loss.name}~")
            steps = int(time / h)
            theta = gd.descend(theta0, h, steps)
            start = [mp_number(ctx, x, dps) for x in theta0]
            mod = rk4_flow(mp_target(mod_loss, dps), start, time, 64 * steps)
            plain = rk4_flow(gd, start, time, 64 * steps)
            errs_mod.append(ctx.norm([a - b for a, b in zip(theta, mod, strict=True)]))
            errs_plain.append(ctx.norm([a - b for a, b in zip(theta, plain, strict=True)]))
        orders_mod = [float(mpmath.log(a / b, 2)) for a, b in pairwise(errs_mod)]
        orders_plain = [float(mpmath.log(a / b, 2))
                        for a, b in pairwise(errs_plain)]
        data = {"h": [sp.sstr(h) for h in hs],
                "error_modified": [mpmath.nstr(e, 6) for e in errs_mod],
                "error_plain": [mpmath.nstr(e, 6) for e in errs_plain],
                "order_modified": [round(o, 3) for o in orders_mod],
                "order_plain": [round(o, 3) for o in orders_plain]}
        ev = Evidence(Strength.NUMERICAL,
                      f"‖GD − flow of f̃‖ at T = {sp.sstr(time)}: {data['error_modified']} for "
                      f"h = {data['h']} (observed orders {data['order_modified']}); against "
                      f"the flow of f: {data['error_plain']} (orders {data['order_plain']})",
                      digits=dps, data=data)
        ok = all(abs(o - 2) < 0.3 for o in orders_mod) and all(
            abs(o - 1) < 0.3 for o in orders_plain)
        if ok:
            return Verdict.HOLDS, ev, None
        return Verdict.FAILS, ev, Counterexample(
            f"observed orders {data['order_modified']} (expected about 2)",
            point=point_text(theta0))

    return Claim(
        id=id or f"taowang.modified-equation.{slug(loss.name)}",
        title=f"GD tracks the modified flow f + (h/4)‖∇f‖² to O(h²) on {loss.name}",
        statement=(f"On {loss.name} from θ0 = {tuple(sp.sstr(x) for x in theta0)}, GD with "
                   f"step h after T/h steps (T = {sp.sstr(time)}) differs from the gradient "
                   "flow of f + (h/4)‖∇f‖² at time T by O(h²) (and from the flow of f by "
                   "O(h))."),
        latex=r"\|\theta_{T/h}-\tilde\theta(T)\|=O(h^2),\ \tilde f=f+\tfrac h4\|\nabla f\|^2",
        source=Source(BLOG, "modified equation (backward error analysis)"),
        run=run,
        tags=(loss.name, "modified-equation"),
    )


def modified_order_band(loss: Loss, theta0: Sequence[sp.Expr], hs: Sequence[StepSizeLike],
                        low: float, high: float, *, time: int = 1, dps: int = 30,
                        id: str | None = None, source: Source | None = None) -> Claim:
    """Claim: at every h of ``hs`` the observed order log₂(e(h)/e(h/2)) of GD against the
    gradient flow of the modified loss f + (h/4)‖∇f‖² lies in [``low``, ``high``].

    With a band around 2 and small h this is the backward error analysis; with a band
    below 2 at larger h it says where the modified equation stops being second order
    (Tao & Wang: "if h becomes too large, it will lose all its approximation power").
    Numerical check at ``dps`` digits by :func:`symstab.dynamics.modified.modified_flow_errors`
    (T/h GD steps and the flows by RK4 with steps <= 1/512); fails at the first h whose
    order leaves the band.
    """
    hs = tuple(StepSize.of(h, "hs").exact for h in hs)
    band = f"[{low}, {high}]"

    def run(budget: Budget) -> Outcome:
        every = sorted({*hs, *(h / 2 for h in hs)}, reverse=True)
        res = modified_flow_errors(loss, theta0, every, time=time, dps=dps)
        orders = dict(res.orders())
        plain = dict(res.orders("plain"))
        got = [(h, orders[float(h)]) for h in hs]
        data = {"h": [sp.sstr(h) for h in hs], "order_modified": [round(o, 4) for _, o in got],
                "order_plain": [round(plain[float(h)], 4) for h in hs],
                "error_modified": {sp.sstr(h): e for h, e in zip(res.hs, res.error_modified,
                                                                  strict=True)}}
        ev = Evidence(Strength.NUMERICAL,
                      f"observed orders against the flow of f̃ at h = {data['h']}: "
                      f"{data['order_modified']} (against the flow of f: "
                      f"{data['order_plain']}); band {band}", digits=dps, data=data)
        bad = [(h, o) for h, o in got if not low <= o <= high]
        if not bad:
            return Verdict.HOLDS, ev, None
        h, o = bad[0]
        return Verdict.FAILS, ev, Counterexample(
            f"observed order {o:.4f} outside {band}", point=point_text(theta0), eta=sp.sstr(h))

    hs_text = ", ".join(sp.sstr(h) for h in hs)
    return Claim(
        id=id or f"taowang.modified-order.{slug(loss.name)}.{slug(hs_text)}",
        title=f"observed order of GD against the modified flow on {loss.name} lies in {band} "
              f"at h = {hs_text}",
        statement=(f"On {loss.name} from θ0 = {tuple(sp.sstr(x) for x in theta0)}, at time "
                   f"T = {time}, log₂(‖θ_{{T/h}} − θ̃_h(T)‖/‖θ_{{2T/h}} − θ̃_{{h/2}}(T)‖) lies in "
                   f"{band} for h = {hs_text} (θ̃_h the gradient flow of f + (h/4)‖∇f‖²)."),
        latex=r"\log_2\frac{e(h)}{e(h/2)}\in" + f"[{low},{high}]",
        source=source or Source(BLOG, "modified equation: accuracy against h"),
        run=run,
        tags=(loss.name, "modified-equation"),
    )
