"""Claims of Crăciun & Ghoshdastidar (2024) on matrix linear networks
½‖W_L⋯W_1 − W*‖² (``linear-net:d0x...xdL``): Definition 4 (filling or not),
Proposition 1 (the minimum on the rank-r matrices), Proposition 2 (the geometry of the
set of minima), the non-singular GD map, the critical step size and measure-zero
convergence beyond it. The exact facts come from :mod:`symstab.exact.linear_net`, whose
docstring has the proofs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sympy as sp

from symstab.catalog import LinearNetSpec, linear_net
from symstab.codegen import compile_loss
from symstab.dynamics.sweep import run_chunk, uniform_box_sampler
from symstab.evidence import Strength, wilson_interval
from symstab.exact.linear_net import network_facts
from symstab.exact.linear_net_stable import stable_minima_bound
from symstab.exact.signs import compare
from symstab.inputs import StepSize, StepSizeLike, exact_number
from symstab.loss import Loss

from .core import Budget, Claim, Counterexample, Evidence, HypothesisCheck, Outcome, Source, Verdict
from .support import slug

__all__ = [
    "architecture_is",
    "converging_fraction_positive",
    "critical_eta_is",
    "gd_map_nonsingular",
    "measure_zero_convergence",
    "minima_dimension",
    "rank_r_minimum",
    "stable_minima_bounded",
]

CRACIUN = "Crăciun & Ghoshdastidar 2024"


def _slug(name: str) -> str:
    """``linear-net-2x2x2`` for ``linear-net:2x2x2`` (claim ids without a colon)."""
    return slug(name.replace(":", "-"))


def _spec(name: str) -> LinearNetSpec:
    spec = linear_net(name)
    if spec is None:
        raise ValueError(f"not a linear network name: {name}")
    return spec


def architecture_is(name: str, filling: bool, *, id: str | None = None) -> Claim:
    """Claim: the architecture ``name`` is filling (``filling``) or non-filling
    (Definition 4: filling iff the narrowest layer is as wide as min(input, output))."""
    spec = _spec(name)
    word = "filling" if filling else "non-filling"

    def run(budget: Budget) -> Outcome:
        facts = network_facts(spec)
        ev = Evidence(Strength.EXACT, f"widths {spec.widths}: products have rank <= "
                      f"{facts.rank_bound}, min(input, output) = "
                      f"{min(spec.widths[0], spec.widths[-1])}: "
                      f"{'filling' if facts.filling else 'non-filling'}")
        if facts.filling == filling:
            return Verdict.HOLDS, ev, None
        return Verdict.FAILS, ev, Counterexample(f"{name} is not {word}")

    return Claim(
        id=id or f"craciun.architecture.{_slug(name)}",
        title=f"{name} is {word}",
        statement=f"The linear network {name} is a {word} architecture (Definition 4).",
        latex=r"r=\min_k d_k" + ("=" if filling else r"<") + r"\min(d_0,d_L)",
        source=Source(CRACIUN, "Definition 4 (filling and non-filling architectures)"),
        run=run,
        tags=(name, "linear-network"),
    )


def rank_r_minimum(name: str, value: object, *, id: str | None = None) -> Claim:
    """Claim (Proposition 1): l(W) = ½‖W − W*‖² restricted to the matrices of rank at
    most r has a unique global minimum, of value ``value``. Exact (Eckart–Young by the
    eigenprojections of W*ᵀW*); beside it, plain float64 GD on the network from random
    starts reaches the same value (numerical, recorded in the evidence)."""
    spec = _spec(name)
    expected = exact_number(value, "value")

    def run(budget: Budget) -> Outcome:
        facts = network_facts(spec)
        loss = Loss.from_catalog(name)
        target = compile_loss(loss.expr, loss.params).numpy()
        rng = np.random.default_rng(0)
        theta = rng.normal(scale=0.5, size=(max(20, budget.samples // 50), len(loss.params)))
        for _ in range(min(budget.steps, 3000)):
            theta = target.step(theta, 0.05)
        reached = float(np.nanmin(target.value(theta)))
        ev = Evidence(Strength.EXACT, (
            f"min over rank <= {facts.rank_bound} is {sp.sstr(facts.min_on_rank_r)} at "
            f"W̄ = {sp.sstr(facts.minimiser.tolist())} "
            f"({'unique' if facts.unique else 'not unique'}: singular values "
            f"{', '.join(sp.sstr(s) for s in facts.singular_values)}); float64 GD on the "
            f"network from random starts reaches {reached:.12g}"),
            data={"gd_minimum": reached})
        if facts.unique and sp.simplify(facts.min_on_rank_r - expected) == 0:
            return Verdict.HOLDS, ev, None
        return Verdict.FAILS, ev, Counterexample(
            f"the minimum is {sp.sstr(facts.min_on_rank_r)}, not {sp.sstr(expected)}")

    return Claim(
        id=id or f"craciun.prop1.{_slug(name)}",
        title=f"{name}: l on the rank-r matrices has a unique minimum {sp.sstr(expected)}",
        statement=(f"For {name}, ½‖W − W*‖² restricted to the matrices of rank at most r has "
                   f"a unique global minimum, of value {sp.sstr(expected)}."),
        latex=r"\min_{\operatorname{rank}W\le r}\tfrac12\|W-W^*\|^2=" + sp.latex(expected),
        source=Source(CRACIUN, "Proposition 1 (after Trager et al. 2020)"),
        run=run,
        tags=(name, "linear-network"),
    )


def minima_dimension(name: str, dimension: int, *, id: str | None = None) -> Claim:
    """Claim (Proposition 2): the set of global minima is a smooth manifold of dimension
    ``dimension`` (proved exactly near an exact point of it, where the product map has
    the full rank r(m + n − r) of the rank-r matrices)."""
    spec = _spec(name)

    def run(budget: Budget) -> Outcome:
        facts = network_facts(spec)
        full = facts.dimension == facts.generic_dimension
        ev = Evidence(Strength.EXACT, (
            f"at the exact minimum θ̄ = ({', '.join(sp.sstr(x) for x in facts.point)}) the "
            f"product map has rank {facts.jacobian_rank}"
            + (" = r(m + n − r), so the minima form a smooth manifold of dimension "
               f"{facts.dimension} near θ̄ (smoothness elsewhere on M is not checked)"
               if full else ", below r(m + n − r): smoothness at θ̄ is not shown")))
        if full and facts.dimension == dimension:
            return Verdict.HOLDS, ev, None
        if not full:
            return Verdict.INCONCLUSIVE, ev, None
        return Verdict.FAILS, ev, Counterexample(
            f"the dimension is {facts.dimension}, not {dimension}")

    return Claim(
        id=id or f"craciun.prop2.{_slug(name)}",
        title=f"{name}: the minima form a smooth manifold of dimension {dimension}",
        statement=(f"For {name}, the set of global minima is a smooth manifold of dimension "
                   f"{dimension} (checked near an exact point of it)."),
        latex=r"\dim\mathcal M=" + str(dimension),
        source=Source(CRACIUN, "Proposition 2 (geometry of M)"),
        run=run,
        tags=(name, "linear-network", "manifold"),
    )


def gd_map_nonsingular(name: str, *, id: str | None = None) -> Claim:
    """Claim: the GD map is non-singular for every η > 0: det(I − η∇²f(θ)) is not the
    zero polynomial in θ. Exact certificate: at two exact points θ₀, θ₁ the polynomials
    p_i(η) = det(I − η∇²f(θ_i)) have a greatest common divisor without a positive real
    root, so for every η > 0 one of them is non-zero."""
    spec = _spec(name)

    def run(budget: Budget) -> Outcome:
        loss = Loss.from_catalog(name)
        eta = sp.Symbol("eta", positive=True)
        hess = sp.hessian(loss.expr, loss.params)
        facts = network_facts(spec)
        points = [facts.point, tuple(sp.Rational(k % 5 + 1, 7) for k in range(loss.n))]
        polys = []
        lam = sp.Dummy("lam")
        for pt in points:
            h = hess.subs(dict(zip(loss.params, pt, strict=True)))
            # det(λI − H) = Σ_j a_j λ^(n−j) gives det(I − ηH) = Σ_j a_j η^j
            coeffs = h.charpoly(lam).all_coeffs()
            polys.append(sp.Poly(list(reversed(coeffs)), eta))
        common = sp.gcd(polys[0], polys[1])
        positive = [r for r in sp.Poly(common, eta).real_roots() if r > 0] \
            if common.degree() > 0 else []
        ev = Evidence(Strength.EXACT, (
            f"det(I − η∇²f) at two exact points has degrees {polys[0].degree()} and "
            f"{polys[1].degree()} in η; their gcd {sp.sstr(common.as_expr())} has "
            f"{len(positive)} positive roots"))
        if not positive:
            return Verdict.HOLDS, ev, None
        return Verdict.INCONCLUSIVE, ev, None

    return Claim(
        id=id or f"craciun.nonsingular.{_slug(name)}",
        title=f"{name}: the GD map is non-singular for every η > 0",
        statement=(f"For {name} and every η > 0, det(I − η∇²f(θ)) is not identically zero "
                   "in θ (the GD map is non-singular)."),
        latex=r"\forall\eta>0:\ \det(I-\eta\nabla^2 f)\not\equiv 0",
        source=Source(CRACIUN, "the GD map is non-singular (abstract)"),
        run=run,
        tags=(name, "linear-network"),
    )


def critical_eta_is(name: str, expected: object, *, id: str | None = None) -> Claim:
    """Claim: the critical step size 2 / inf_M λmax of the network ``name`` is
    ``expected`` (exact: the bounds of :mod:`symstab.exact.linear_net`; filling networks,
    and non-filling ones of depth 2 with a diagonal target)."""
    spec = _spec(name)
    value = exact_number(expected, "expected")

    def hypothesis(budget: Budget) -> HypothesisCheck:
        facts = network_facts(spec)
        ok = facts.eta_critical is not None
        return HypothesisCheck("inf λmax on M derived", ok, Strength.EXACT,
                               f"{name} is {'filling' if facts.filling else 'non-filling'}; "
                               + (facts.notes[0] if facts.notes else ""))

    def run(budget: Budget) -> Outcome:
        facts = network_facts(spec)
        crit = facts.eta_critical
        ev = Evidence(Strength.EXACT, (
            f"inf over M of λmax = {sp.sstr(facts.lambda_inf)} (L = {spec.depth}, s1 = "
            f"{sp.sstr(facts.singular_values[0])}; {facts.notes[0]}), critical η = "
            f"{sp.sstr(crit)}"))
        if crit is not None and compare(crit, value) == 0:
            return Verdict.HOLDS, ev, None
        return Verdict.FAILS, ev, Counterexample(
            f"the critical η is {sp.sstr(crit)}, not {sp.sstr(value)}")

    return Claim(
        id=id or f"craciun.critical-eta.{_slug(name)}",
        title=f"critical η of {name} is {sp.sstr(value)}",
        statement=(f"For {name}, 2 / inf λmax over the global minima equals "
                   f"{sp.sstr(value)}: past it no global minimum is linearly stable."),
        latex=r"\eta_c=" + sp.latex(value),
        source=Source(CRACIUN, "critical learning rate of linear networks"),
        run=run,
        hypotheses=(hypothesis,),
        tags=(name, "linear-network", "threshold"),
    )


def _converging_count(spec: LinearNetSpec, step: StepSize,
                      box: Sequence[tuple[float, float]], budget: Budget
                      ) -> tuple[int, int, float, float, str]:
    """GD from ``budget.samples`` uniform starts in ``box`` (float64, ``budget.steps``
    steps): (converged, n, Wilson low, Wilson high, a sentence)."""
    facts = network_facts(spec)
    loss = Loss.from_catalog(spec.name)
    pts = uniform_box_sampler(list(box), 0)(budget.samples)
    labels, _ = run_chunk(loss, step, pts, None, budget.steps, 1e8,
                          (float(facts.min_on_rank_r), 1e-12, 1e-10))
    k, n = int((labels >= 1).sum()), int(labels.size)
    low, high = wilson_interval(k, n, budget.confidence)
    return k, n, low, high, (
        f"{k} of {n} uniform starts converged within {budget.steps} steps "
        f"(|∇f| < 1e-10 and f − f* < 1e-12, f* = {sp.sstr(facts.min_on_rank_r)})")


def converging_fraction_positive(name: str, eta: StepSizeLike,
                                 box: Sequence[tuple[float, float]], *,
                                 id: str | None = None) -> Claim:
    """Claim: below the critical step size of the network ``name``, GD converges to a
    global minimum from a set of positive measure: ``budget.samples`` uniform starts in
    ``box`` (float64 GD), holds when the Wilson lower bound of the converging fraction
    is above 0 (statistical; the float64 criterion is numerical, not a proof)."""
    spec = _spec(name)
    step = StepSize.of(eta)

    def below_critical(budget: Budget) -> HypothesisCheck:
        facts = network_facts(spec)
        ok = facts.eta_critical is not None and compare(step.exact, facts.eta_critical) < 0
        return HypothesisCheck("η < critical η", ok, Strength.EXACT,
                               f"η = {sp.sstr(step.exact)}, critical η = "
                               f"{sp.sstr(facts.eta_critical)}")

    def run(budget: Budget) -> Outcome:
        _k, n, low, high, text = _converging_count(spec, step, box, budget)
        ev = Evidence(Strength.STATISTICAL, f"{text}; fraction in [{low:.4g}, {high:.4g}] "
                      f"at {budget.confidence:.0%} confidence (Wilson)",
                      n=n, confidence=budget.confidence, bound=(low, high))
        if low > 0:
            return Verdict.HOLDS, ev, None
        return Verdict.FAILS, ev, Counterexample(
            f"none of {n} uniform starts converged at η = {sp.sstr(step.exact)}",
            eta=sp.sstr(step.exact))

    return Claim(
        id=id or f"craciun.positive-fraction.{_slug(name)}.{slug(step.exact)}",
        title=f"GD converges from a positive fraction for {name} at η = {sp.sstr(step.exact)}",
        statement=(f"GD on {name} with η = {sp.sstr(step.exact)}, below the critical step "
                   "size, converges to a global minimum from a set of positive measure."),
        latex=r"\lambda(\{\theta_0:\theta_k\to\mathcal M\})>0",
        source=Source(CRACIUN, "convergence below the critical learning rate (Figs. 2–4)"),
        run=run,
        hypotheses=(below_critical,),
        tags=(name, "linear-network", "fraction"),
    )


def measure_zero_convergence(name: str, eta: StepSizeLike,
                             box: Sequence[tuple[float, float]], *,
                             id: str | None = None) -> Claim:
    """Claim: past the critical step size of the network ``name`` (and with the
    GD map non-singular, :func:`gd_map_nonsingular`), GD converges to a global minimum
    only from a null set. Checked by sampling (statistical): ``budget.samples`` uniform
    starts in ``box``, float64 GD, converged when |∇f| < 1e-10 and f − f* < 1e-12 at
    some iterate; the fraction with a Wilson upper bound."""
    spec = _spec(name)
    step = StepSize.of(eta)

    def past_critical(budget: Budget) -> HypothesisCheck:
        facts = network_facts(spec)
        ok = facts.eta_critical is not None and compare(step.exact, facts.eta_critical) > 0
        return HypothesisCheck("η > critical η", ok, Strength.EXACT,
                               f"η = {sp.sstr(step.exact)}, critical η = "
                               f"{sp.sstr(facts.eta_critical)}")

    def run(budget: Budget) -> Outcome:
        k, n, low, high, text = _converging_count(spec, step, box, budget)
        ev = Evidence(Strength.STATISTICAL, f"{text}; fraction <= {high:.4g} at "
                      f"{budget.confidence:.0%} confidence (Wilson)",
                      n=n, confidence=budget.confidence, bound=(low, high))
        return (Verdict.HOLDS if k == 0 else Verdict.INCONCLUSIVE), ev, None

    return Claim(
        id=id or f"craciun.measure-zero.{_slug(name)}.{slug(step.exact)}",
        title=f"measure-zero convergence for {name} at η = {sp.sstr(step.exact)}",
        statement=(f"GD on {name} with η = {sp.sstr(step.exact)}, above the critical step "
                   "size, converges to a global minimum only from a set of Lebesgue "
                   "measure zero."),
        latex=r"\lambda(\{\theta_0:\theta_k\to\mathcal M\})=0",
        source=Source(CRACIUN, "main theorem: linear networks with a squared loss"),
        run=run,
        hypotheses=(past_critical,),
        tags=(name, "linear-network", "measure-zero"),
    )


def _random_minima(spec: LinearNetSpec, count: int, seed: int) -> list[np.ndarray]:
    """Random global minima of a depth-2 network: the exact minimum θ̄ = (W_1, W_2) of
    :func:`network_facts` moved along its symmetry, (S W_1, W_2 S⁻¹) with random
    invertible S (float64)."""
    point = np.array([float(x) for x in network_facts(spec).point])
    h, n = spec.widths[1], spec.widths[0]
    w1, w2 = point[: h * n].reshape(h, n), point[h * n:].reshape(-1, h)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        s = rng.normal(size=(h, h)) * np.exp(rng.uniform(-1.5, 1.5))
        if abs(np.linalg.det(s)) > 1e-3:
            out.append(np.concatenate([(s @ w1).ravel(), (w2 @ np.linalg.inv(s)).ravel()]))
    return out


def stable_minima_bounded(name: str, eta: StepSizeLike, *, id: str | None = None) -> Claim:
    """Claim: the global minima of ``name`` with λmax <= 2/η form a bounded set.

    Exact (:mod:`symstab.exact.linear_net_stable`): for depth 2 the trace identity gives
    the radius ‖θ‖² <= c/η; for deeper networks with two consecutive hidden layers wider
    than the rank bound, an exact line of global minima with one Hessian shows the claim
    fails (counterexample) when that Hessian's λmax is <= 2/η. Depth-2 bounds are also
    compared with random minima (float64 eigenvalues, recorded in the evidence)."""
    spec = _spec(name)
    step = StepSize.of(eta)

    def run(budget: Budget) -> Outcome:
        facts = network_facts(spec)
        result = stable_minima_bound(spec, facts.filling)  # eigenvalues: an independent λmax
        if result.bounded:
            c = result.radius_sq_times_eta
            radius_sq = c / step.exact
            loss = Loss.from_catalog(name)
            hess = compile_loss(loss.expr, loss.params).numpy()
            worst, minima = 0.0, 0
            for theta in _random_minima(spec, max(50, budget.samples // 40), 0):
                lam = float(np.linalg.eigvalsh(hess.hessian(theta[None, :])[0])[-1])
                worst = max(worst, 2 * float(theta @ theta) / (float(c) * lam))
                minima += 1
            ev = Evidence(Strength.EXACT, (
                f"{result.reason}: every stable minimum has ‖θ‖² <= {sp.sstr(c)}/η = "
                f"{sp.sstr(radius_sq)}; on {minima} random minima ‖θ‖²/({sp.sstr(c)}·λmax/2) is "
                f"at most {worst:.4g} (<= 1)"), data={"radius_sq": sp.sstr(radius_sq)})
            if worst > 1 + 1e-9:
                return Verdict.FAILS, ev, Counterexample("a random minimum breaks the bound")
            return Verdict.HOLDS, ev, None
        if result.bounded is False and result.witness is not None:
            w = result.witness
            stable = compare(w.lambda_max * step.exact, 2) <= 0
            ev = Evidence(Strength.EXACT, (
                f"{result.reason}: θ(t) = ({', '.join(sp.sstr(x) for x in w.point)}), "
                f"λmax = {sp.sstr(w.lambda_max)} for every t"))
            if stable:
                return Verdict.FAILS, ev, Counterexample(
                    f"θ(t) is a stable global minimum for every real t (λmax = "
                    f"{sp.sstr(w.lambda_max)} <= 2/η = {sp.sstr(2 / step.exact)})",
                    point=tuple(sp.sstr(x.subs(w.t, 1000)) for x in w.point),
                    eta=sp.sstr(step.exact),
                    data={"line": [sp.sstr(x) for x in w.point]})
            return Verdict.INCONCLUSIVE, ev, None
        return Verdict.INCONCLUSIVE, Evidence(Strength.EXACT, result.reason), None

    return Claim(
        id=id or f"craciun.stable-bounded.{_slug(name)}.{slug(step.exact)}",
        title=f"stable minima of {name} at η = {sp.sstr(step.exact)} are bounded",
        statement=(f"The global minima θ of {name} with λmax(∇²f(θ)) <= 2/η, "
                   f"η = {sp.sstr(step.exact)}, form a bounded set."),
        latex=r"\{\theta\in\mathcal M:\lambda_{\max}(\theta)\le 2/\eta\}\text{ is bounded}",
        source=Source(CRACIUN, "the stable minima form a bounded subset (abstract)"),
        run=run,
        tags=(name, "linear-network", "manifold"),
    )
