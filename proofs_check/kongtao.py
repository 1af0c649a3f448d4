"""Claims of Kong & Tao (NeurIPS 2020), as told in the Tao & Wang blog: on a multiscale
loss f = f0 + f1 (f1 of amplitude and wavelength ε), GD at a small step h < 1/L is
captured by the local minimum of the well it starts in, while at a large step
(ε ≪ h < 2/L0) it escapes the local minima and its iterates follow a law close to the
Gibbs law Z⁻¹exp(−f0/T) with T = hσ²/2 (:mod:`symstab.dynamics.gibbs`).

The losses are the catalog entries ``multiscale-1d`` (x²/2 + ε sin(x/ε)) and
``multiscale-2d`` ((x² + xy + y²)/2 + ε sin(x/ε) sin(y/ε)), ε = 1/1000. Their split
f0 + f1 is read off the expression: f0 is f with every sine and cosine set to 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from itertools import pairwise
from typing import Any

import numpy as np
import sympy as sp

from symstab import catalog
from symstab.codegen import compile_loss
from symstab.dynamics.gibbs import (
    GibbsLaw,
    dkw_radius,
    fit_temperature,
    gd_final_iterates,
    kong_tao_temperature,
    ks_distance,
)
from symstab.evidence import Strength, wilson_interval
from symstab.exact.signs import compare
from symstab.inputs import StepSize, StepSizeLike
from symstab.loss import Loss

from . import taowang
from .core import (
    Budget,
    Claim,
    Counterexample,
    Evidence,
    HypothesisCheck,
    Outcome,
    Source,
    Verdict,
)
from .support import slug

__all__ = [
    "Multiscale",
    "capture",
    "critical_points_1d",
    "escape",
    "gibbs_law",
    "multiscale",
    "seed_claims",
    "uniform_starts",
]

KONG = "Kong & Tao (NeurIPS 2020)"
BLOG_SECTION = "Tao & Wang (blog), 'An alternative mechanism for escapes from local min'"
#: Seed of the random starts (every claim is reproducible).
SEED = 20201206
#: Half-width of the box of starts and of the Gibbs quadrature box.
START_BOX = sp.Rational(1, 2)
GIBBS_BOX = 1.0


@dataclass(frozen=True)
class Multiscale:
    """A multiscale loss f = f0 + f1.

    Attributes
    ----------
    loss
        f.
    f0, f1
        The macroscopic and small-scale parts (exact).
    eps
        The small scale ε.
    sigma2
        Per-coordinate variance of ∇f1 over one period (exact).
    isotropic
        Whether ∇f1 has mean 0 and covariance σ²I over one period (exact).
    """

    loss: Loss
    f0: sp.Expr
    f1: sp.Expr
    eps: sp.Rational
    sigma2: sp.Expr
    isotropic: bool

    @property
    def dim(self) -> int:
        """The number of parameters."""
        return self.loss.n

    @property
    def well_width(self) -> float:
        """2πε, the period of the small scale."""
        return float(2 * sp.pi * self.eps)


@cache
def multiscale(name: str) -> Multiscale:
    """The split of the catalog loss ``name`` (``multiscale-1d``, ``multiscale-2d``)."""
    loss = Loss.from_catalog(name)
    eps = catalog.MULTISCALE_EPS
    f0 = loss.expr.replace(sp.sin, lambda _: sp.Integer(0)).replace(sp.cos,
                                                                    lambda _: sp.Integer(0))
    f1 = sp.expand(loss.expr - f0)
    u = sp.symbols(f"u0:{loss.n}", real=True)
    cell = {p: eps * ui for p, ui in zip(loss.params, u, strict=True)}
    grads = [sp.diff(f1, p).subs(cell) for p in loss.params]

    def period_mean(e: sp.Expr) -> sp.Expr:
        out = e
        for ui in u:
            out = sp.integrate(out, (ui, 0, 2 * sp.pi))
        return sp.simplify(out / (2 * sp.pi) ** loss.n)

    cov = [[period_mean(gi * gj) for gj in grads] for gi in grads]
    means = [period_mean(g) for g in grads]
    sigma2 = cov[0][0]
    isotropic = (all(m == 0 for m in means)
                 and all(cov[i][j] == (sigma2 if i == j else 0)
                         for i in range(loss.n) for j in range(loss.n)))
    return Multiscale(loss, f0, f1, eps, sigma2, isotropic)


@lru_cache(maxsize=8)
def _numpy(expr: sp.Expr, params: tuple[sp.Symbol, ...]) -> Any:
    return compile_loss(expr, params).numpy()


def _trig_bound(expr: sp.Expr) -> sp.Expr | None:
    """An exact bound on |expr| when it is a sum of constants times products of sines and
    cosines (|sin|, |cos| <= 1); None otherwise."""
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        c, rest = term.as_coeff_Mul()
        for factor in sp.Mul.make_args(rest):
            base = factor.base if factor.is_Pow and factor.exp.is_positive else factor
            if factor != 1 and not isinstance(base, sp.sin | sp.cos):
                return None
        total += abs(c)
    return total


def smoothness_bound(ms: Multiscale) -> sp.Expr | None:
    """An exact bound L >= sup λmax(∇²f) for a quadratic f0: λmax(∇²f0) plus the
    row-sum bound of ∇²f1 from :func:`_trig_bound` (None if f1's Hessian is not of
    that form)."""
    params = ms.loss.params
    H0 = sp.hessian(ms.f0, params)
    if not all(e.is_number for e in H0):
        return None
    lam0 = max(H0.eigenvals(), key=lambda v: float(v))
    H1 = sp.hessian(ms.f1, params)
    rows = []
    for i in range(len(params)):
        bounds = [_trig_bound(H1[i, j]) for j in range(len(params))]
        if any(b is None for b in bounds):
            return None
        rows.append(sum(bounds))
    return sp.nsimplify(lam0) + max(rows, key=lambda v: float(v))


# -- wells of a 1-D loss -------------------------------------------------------------------


def critical_points_1d(loss: Loss, lo: float, hi: float, spacing: float,
                       dps: int) -> tuple[list[Any], list[Any]]:
    """The local minima and maxima of a 1-D loss in [lo, hi], at ``dps`` digits.

    Sign changes of f' on a grid of step ``spacing`` (which must be smaller than the
    distance between neighbouring critical points), float bisection, then Newton's
    method at ``dps`` digits; each root is classified by the sign of f''.

    Returns
    -------
    (minima, maxima)
        Sorted lists of mpf.
    """
    num = _numpy(loss.expr, loss.params)
    grid = np.arange(lo, hi + spacing, spacing)
    g = num.gradient(grid[:, None])[:, 0]
    idx = np.nonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)[0]
    a, b = grid[idx], grid[idx + 1]
    ga = g[idx]
    for _ in range(60):
        m = (a + b) / 2
        gm = num.gradient(m[:, None])[:, 0]
        left = np.sign(gm) == np.sign(ga)
        a = np.where(left, m, a)
        ga = np.where(left, gm, ga)
        b = np.where(left, b, m)
    target = compile_loss(loss.expr, loss.params).mpmath(dps)
    ctx = target.ctx
    minima, maxima = [], []
    tol = ctx.mpf(10) ** (-dps + 5)
    for r in (a + b) / 2:
        x = ctx.mpf(float(r))
        for _ in range(40):
            step = target.gradient([x])[0] / target.hessian([x])[0][0]
            x -= step
            if abs(step) < tol:
                break
        (minima if target.hessian([x])[0][0] > 0 else maxima).append(x)
    return minima, maxima


# -- claims --------------------------------------------------------------------------------


def uniform_starts(n: int, dim: int, seed: int = SEED) -> np.ndarray:
    """``n`` starts uniform in [−1/2, 1/2]^dim from a fixed seed (those of every claim)."""
    half = float(START_BOX)
    return np.random.default_rng(seed).uniform(-half, half, size=(n, dim))


def capture(name: str, h: StepSizeLike, *, steps: int = 400, id: str | None = None,
            source: Source | None = None) -> Claim:
    """Claim (small step): from every start in [−1/2, 1/2], GD on the 1-D multiscale loss
    converges to the local minimum of the well it starts in (between the two neighbouring
    local maxima).

    Why: if h·L < 1 with L >= sup f'' (exact, :func:`smoothness_bound`), the GD map
    g(x) = x − hf'(x) is increasing; on (m, M) (a minimum m and the next maximum M) f' > 0,
    so m < g(x) < x, and GD decreases monotonically to m (symmetrically on the left).
    Check: ``budget.samples`` uniform starts, ``steps`` float64 GD steps, the minima and
    maxima at ``budget.dps`` digits (:func:`critical_points_1d`); holds when every
    endpoint is within 1e-12 of its well's minimum.
    """
    h = StepSize.of(h, "h").exact

    def run(budget: Budget) -> Outcome:
        ms = multiscale(name)
        L = smoothness_bound(ms)
        hl = "h·L undetermined" if L is None else (
            f"h·L = {sp.sstr(h * L)} {'<' if compare(h * L, sp.Integer(1)) < 0 else '>='} 1 "
            f"(L = {sp.sstr(L)} >= sup f'', exact)")
        half = float(START_BOX)
        margin = 2 * ms.well_width
        minima, maxima = critical_points_1d(ms.loss, -half - margin, half + margin,
                                            ms.well_width / 16, budget.dps)
        mins = np.array([float(m) for m in minima])
        maxs = np.array([float(m) for m in maxima])
        both = sorted([(float(m), 0) for m in minima] + [(float(m), 1) for m in maxima])
        alternate = all(a[1] != b[1] for a, b in pairwise(both))
        starts = uniform_starts(budget.samples, 1)
        ends = gd_final_iterates(_numpy(ms.loss.expr, ms.loss.params).gradient, starts,
                                 float(h), steps)[:, 0]
        j = np.searchsorted(maxs, starts[:, 0])
        expected = np.array([mins[(mins > maxs[k - 1]) & (mins < maxs[k])][0] for k in j])
        err = np.abs(ends - expected)
        worst = int(np.argmax(np.where(np.isfinite(err), err, np.inf)))
        data = {"n": len(starts), "wells": len(mins), "alternating": alternate,
                "max_error": float(err[worst]), "h": sp.sstr(h), "steps": steps}
        ev = Evidence(Strength.NUMERICAL,
                      f"{len(starts)} uniform starts in [−1/2, 1/2], {steps} GD steps; "
                      f"{len(mins)} minima and {len(maxs)} maxima found at {budget.dps} "
                      f"digits (alternating: {alternate}); largest distance of an endpoint "
                      f"to its well's minimum {err[worst]:.3g}; {hl}",
                      digits=budget.dps, n=len(starts), data=data)
        if not alternate:
            return Verdict.INCONCLUSIVE, ev, None
        if err[worst] <= 1e-12:
            return Verdict.HOLDS, ev, None
        return Verdict.FAILS, ev, Counterexample(
            f"GD ends at {ends[worst]:.9g} after {steps} steps, not at the minimum "
            f"{expected[worst]:.9g} of the well it starts in",
            point=(repr(float(starts[worst, 0])),), eta=sp.sstr(h))

    return Claim(
        id=id or f"kongtao.capture.{slug(name)}.{slug(h)}",
        title=f"small step h = {sp.sstr(h)}: GD on {name} is captured by the local minimum "
              "of its starting well",
        statement=(f"On {name} with h = {sp.sstr(h)}, GD from every start in [−1/2, 1/2] "
                   "converges to the local minimum of the well containing the start."),
        latex=r"hL<1\Rightarrow x_k\to m(x_0)",
        source=source or Source(BLOG_SECTION, "'if the LR were instead small, GD would just "
                                "converge to a local minimum close to its initialization'"),
        run=run,
        tags=(name, "kongtao", "capture"),
    )


def escape(name: str, h: StepSizeLike, *, wells: int = 10, level: float = 0.95,
           burn: int = 200, window: int = 200, id: str | None = None,
           source: Source | None = None) -> Claim:
    """Claim (large step): GD escapes the local minima; over a window of iterates after a
    burn-in, each coordinate's iterates span at least ``wells`` small-scale wells (2πε
    each) for a fraction >= ``level`` of the starts.

    Statistical check: ``budget.samples`` uniform starts in [−1/2, 1/2]^d; holds when the
    Wilson lower bound of the fraction at ``budget.confidence`` is >= ``level``, fails
    when the upper bound is below it.
    """
    h = StepSize.of(h, "h").exact

    def run(budget: Budget) -> Outcome:
        ms = multiscale(name)
        starts = uniform_starts(budget.samples, ms.dim)
        path = gd_final_iterates(_numpy(ms.loss.expr, ms.loss.params).gradient, starts,
                                 float(h), burn + window, record=window)
        span = (path.max(axis=0) - path.min(axis=0)).min(axis=1) / ms.well_width
        span = np.where(np.isfinite(span), span, 0.0)
        ok = span >= wells
        k, n = int(ok.sum()), len(ok)
        low, high = wilson_interval(k, n, budget.confidence)
        ev = Evidence(Strength.STATISTICAL,
                      f"{k}/{n} starts span >= {wells} wells (2πε = {ms.well_width:.4g}) "
                      f"over steps {burn}..{burn + window}; median span "
                      f"{float(np.median(span)):.1f} wells; Wilson interval "
                      f"[{low:.4f}, {high:.4f}] at {budget.confidence}",
                      n=n, confidence=budget.confidence, bound=(low, high),
                      data={"k": k, "n": n, "median_span_wells": float(np.median(span))})
        if low >= level:
            return Verdict.HOLDS, ev, None
        if high < level:
            i = int(np.argmin(span))
            return Verdict.FAILS, ev, Counterexample(
                f"the iterates span {span[i]:.2f} wells over the window",
                point=tuple(repr(float(v)) for v in starts[i]), eta=sp.sstr(h))
        return Verdict.INCONCLUSIVE, ev, None

    return Claim(
        id=id or f"kongtao.escape.{slug(name)}.{slug(h)}",
        title=f"large step h = {sp.sstr(h)}: GD on {name} escapes the local minima",
        statement=(f"On {name} with h = {sp.sstr(h)}, for at least {level:.0%} of the starts "
                   f"in [−1/2, 1/2]^d the iterates of steps {burn}..{burn + window} span at "
                   f"least {wells} small-scale wells in every coordinate."),
        latex=r"h\gg 1/L:\ \max_k x_k-\min_k x_k\ge 2\pi\epsilon\cdot" + str(wells),
        source=source or Source(BLOG_SECTION, "'GD iterations can jump out of these local "
                                "minima ... due to a large LR'"),
        run=run,
        tags=(name, "kongtao", "escape"),
    )


@lru_cache(maxsize=8)
def _final_iterates(name: str, h: sp.Rational, n: int, steps: int) -> np.ndarray:
    ms = multiscale(name)
    return gd_final_iterates(_numpy(ms.loss.expr, ms.loss.params).gradient,
                             uniform_starts(n, ms.dim), float(h), steps)


def gibbs_law(name: str, h: StepSizeLike, *, temperature_factor: int | sp.Rational = 1,
              delta: float = 0.05, steps: int = 300, per_sample: int = 20,
              min_n: int = 12000, id: str | None = None,
              source: Source | None = None) -> Claim:
    """Claim: the long-run law of GD on the multiscale loss is within Kolmogorov–Smirnov
    distance ``delta`` of the Gibbs law Z⁻¹exp(−f0/T), T = c·hσ²/2 (Kong & Tao's
    temperature for c = ``temperature_factor`` = 1; σ² exact).

    Samples: the ``steps``-th iterates of n = max(``per_sample``·``budget.samples``,
    ``min_n``) independent uniform starts in [−1/2, 1/2]^d — i.i.d. draws of the law of
    θ_steps, which has relaxed to the long-run law (the macroscopic contraction
    (1 − h·λmin(∇²f0))^steps is below 1e-3). Statistics: each coordinate (and f0(θ) in
    d >= 2) against the Gibbs law on [−1, 1]^d by quadrature (:class:`GibbsLaw`).
    Bound: by the DKW inequality with Bonferroni over the m statistics, each true distance
    lies within r = √(ln(2m/α)/(2n)) of its empirical one with joint probability >= 1 − α,
    α = 1 − ``budget.confidence``; holds when max D_n + r <= delta, fails when some
    D_n − r > delta.
    """
    h = StepSize.of(h, "h").exact
    c = sp.nsimplify(temperature_factor)

    factor = "" if c == 1 else f"{sp.sstr(c)}·"

    def run(budget: Budget) -> Outcome:
        ms = multiscale(name)
        n = max(per_sample * budget.samples, min_n)
        T = float(c) * kong_tao_temperature(float(h), float(ms.sigma2))
        x = _final_iterates(name, h, n, steps)
        f0 = _numpy(ms.f0, ms.loss.params).value
        box = ((-GIBBS_BOX, GIBBS_BOX),) * ms.dim
        law = GibbsLaw(f0, T, box, points=4001 if ms.dim == 1 else 801)
        stats: dict[str, float] = {}
        for i, p in enumerate(ms.loss.params):
            stats[str(p)] = ks_distance(x[:, i], law.marginal_cdf(i))
        if ms.dim > 1:
            stats["f0"] = ks_distance(f0(x), law.value_cdf())
        m = len(stats)
        r = dkw_radius(n, 1 - (1 - budget.confidence) / m)
        worst = max(stats, key=stats.__getitem__)
        d_n = stats[worst]
        mean_f0 = float(np.mean(f0(x)))
        t_fit = fit_temperature(f0, mean_f0, box, points=801 if ms.dim == 1 else 201)
        fitted = GibbsLaw(f0, t_fit, box, points=4001 if ms.dim == 1 else 801)
        d_fit = ks_distance(x[:, 0], fitted.marginal_cdf(0))
        outside = float(np.mean(np.any(np.abs(x) > GIBBS_BOX, axis=1)))
        lam = [float(v) for v in sp.hessian(ms.f0, ms.loss.params).eigenvals()]
        relax = (1 - float(h) * min(lam)) ** steps
        data = {"n": n, "T": T, "sigma2": sp.sstr(ms.sigma2), "ks": stats, "radius": r,
                "T_mle": t_fit, "ks_first_coordinate_at_T_mle": d_fit,
                "outside_box": outside, "steps": steps, "h_lambda_max_f0": float(h) * max(lam),
                "contraction": relax}
        ev = Evidence(Strength.STATISTICAL,
                      f"n = {n} i.i.d. samples (θ_{steps} from uniform starts), T = "
                      f"{factor}hσ²/2 = {T:.6g} (σ² = {sp.sstr(ms.sigma2)}); KS "
                      + ", ".join(f"{k}: {v:.4f}" for k, v in stats.items())
                      + f"; DKW radius {r:.4f} (Bonferroni over {m}); maximum-likelihood "
                      f"T̂ = {t_fit:.6g} (T̂/T = {t_fit / T:.3f}, KS of {ms.loss.params[0]} at "
                      f"T̂: {d_fit:.4f}); h·λmax(∇²f0) = {float(h) * max(lam):.3g} < 2, "
                      f"macroscopic contraction (1 − h·λmin)^{steps} = {relax:.2g}",
                      n=n, confidence=budget.confidence,
                      bound=(max(0.0, d_n - r), d_n + r), data=data)
        if d_n + r <= delta:
            return Verdict.HOLDS, ev, None
        if d_n - r > delta:
            return Verdict.FAILS, ev, Counterexample(
                f"the KS distance of {worst} to the Gibbs law is at least {d_n - r:.4f} > "
                f"{delta} (confidence {budget.confidence})", eta=sp.sstr(h))
        return Verdict.INCONCLUSIVE, ev, None

    return Claim(
        id=id or f"kongtao.gibbs.{slug(name)}.{slug(h)}",
        title=f"h = {sp.sstr(h)}: the long-run law of GD on {name} is the Gibbs law of f0 at "
              f"T = {factor}hσ²/2",
        statement=(f"On {name} with h = {sp.sstr(h)}, the law of the iterates (after "
                   f"{steps} steps from uniform starts) is within Kolmogorov–Smirnov "
                   f"distance {delta} of Z⁻¹exp(−f0/T), T = {factor}hσ²/2, in every "
                   "coordinate" + (" and in f0" if name.endswith("2d") else "") + "."),
        latex=r"\sup|F_{\theta_k}-G_T|\le" + f"{delta}" + r",\ G_T\propto e^{-f_0/T},\ "
              r"T=h\sigma^2/2",
        hypotheses=(_isotropic_noise(name),),
        source=source or Source(KONG, "the rescaled Gibbs limit; Tao & Wang blog",
                                "T = hσ²/2 from the linear-noise picture (symstab.dynamics."
                                "gibbs)"),
        run=run,
        tags=(name, "kongtao", "gibbs"),
    )


def _isotropic_noise(name: str) -> Callable[[Budget], HypothesisCheck]:
    def check(budget: Budget) -> HypothesisCheck:
        ms = multiscale(name)
        return HypothesisCheck("isotropic small-scale gradient", ms.isotropic, Strength.EXACT,
                               f"over one period, ∇f1 has mean 0 and covariance σ²I with "
                               f"σ² = {sp.sstr(ms.sigma2)}: {ms.isotropic}")

    return check


def _as_false(claim: Claim) -> Claim:
    return replace(claim, source=Source("false variant", "deliberately wrong, must fail"),
                   expected=Verdict.FAILS, tags=(*claim.tags, "false-variant"))


def seed_claims() -> list[Claim]:
    """The multiscale claims (capture at h = 1/2000, escape and Gibbs laws at h = 1/20), the
    modified equation's order against h, and their false neighbours."""
    R = sp.Rational
    small, large = R(1, 2000), R(1, 20)
    xy = Loss.from_catalog("xy")
    start = (R(1, 2), R(3, 2))
    claims = [
        capture("multiscale-1d", small, id="kongtao.capture.1d"),
        escape("multiscale-1d", large, id="kongtao.escape.1d"),
        gibbs_law("multiscale-1d", large, id="kongtao.gibbs.1d"),
        gibbs_law("multiscale-2d", large, per_sample=10, id="kongtao.gibbs.2d"),
        taowang.modified_order_band(xy, start, (R(1, 8), R(1, 10), R(1, 16)), 1.8, 2.2,
                                    id="taowang.modified-order.xy.small-h"),
        taowang.modified_order_band(xy, start, (R(1, 5), R(1, 4), R(1, 3)), 0.0, 1.75,
                                    id="taowang.modified-order.xy.drop"),
    ]
    false = [
        capture("multiscale-1d", large, id="false.kongtao.capture-at-large-h"),
        escape("multiscale-1d", small, id="false.kongtao.escape-at-small-h"),
        gibbs_law("multiscale-1d", large, temperature_factor=4,
                  id="false.kongtao.gibbs-1d-4T"),
        gibbs_law("multiscale-1d", small, id="false.kongtao.gibbs-1d-small-h"),
        taowang.modified_order_band(xy, start, (R(1, 3),), 1.8, 2.2,
                                    id="false.taowang.modified-order.xy-second-order-at-1_3"),
    ]
    return [*claims, *(_as_false(c) for c in false)]
