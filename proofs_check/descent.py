"""The descent lemma and what it gives, on Hypothesis-drawn L-smooth losses.

Statements (Chen et al. 2024 eqs. (3)-(4); Tao & Wang blog, "The nice classical regime";
Ahn, Zhang & Sra 2022 slides, eq. (1)):

* **descent lemma**: if ∇²f ⪯ L on a convex set containing θ and θ − h∇f(θ), then
  f(θ − h∇f(θ)) <= f(θ) − h(1 − Lh/2)‖∇f(θ)‖² (for every h > 0);
* **convergence** (blog, Thm.): f L-smooth, bounded below, h < 2/L: the telescoped sum
  Σ_{k<N} ‖∇f(θ_k)‖² <= (f(θ_0) − f(θ_N)) / (h(1 − Lh/2)) <= (f(θ_0) − inf f) / (h(1 − Lh/2)),
  so ‖∇f(θ_k)‖ → 0;
* **the three regimes of a quadratic** (blog, animations of x²/2): h < 1/L moves
  monotonically in θ and in f; 1/L < h < 2/L oscillates in θ but not in f; h > 2/L
  diverges.

Each claim draws its losses with Hypothesis (the strategies of
:mod:`proofs_check.strategies`) and checks every draw exactly (rational arithmetic)
or certified (python-flint ``arb`` balls); the verdict's strength is that of the
per-draw certificate. A violation found by the search is the counterexample. A few
fixed draws are checked first; inside a running Hypothesis test (where a nested search
is not allowed) only those are, and the evidence says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from symstab.certify.spectral import interval_spectrum_bounds
from symstab.codegen import compile_loss
from symstab.evidence import Strength
from symstab.loss import Loss

from .certificate_data import descent_witness_hint
from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict
from .descent_data import (
    FracPoly,
    QuadraticData,
    draw_count,
    fixed_quadratics,
    frac,
    fraction_text,
    how_many,
    minors_nonnegative,
    norm2,
    quadratic_draws,
    search,
)
from .strategies import polynomial_losses, rationals

__all__ = [
    "convergence_log_perturbed",
    "convergence_quadratics",
    "false_variants",
    "lemma_polynomials",
    "lemma_quadratics",
    "quadratic_regime",
    "seed_claims",
]

CHEN = "Chen et al. 2024"
BLOG = "Tao & Wang (blog)"
AHN = "Ahn, Zhang & Sra 2022 (ICML slides)"
WRONG = Source("false variant", "deliberately wrong, must fail")
LEMMA_SOURCE = Source(CHEN, "eqs. (3)-(4)",
                      note="the same inequality is the blog's proof step and the slides' eq. (1)")


# --------------------------------------------------------------------------------------
# 1. The descent lemma
# --------------------------------------------------------------------------------------


def _lemma_gap(f0: Fraction, f1: Fraction, g2: Fraction, h: Fraction, c: Fraction) -> Fraction:
    """f(θ − hg) − (f(θ) − h·c·‖g‖²): > 0 is a violation."""
    return f1 - (f0 - h * c * g2)


def lemma_quadratics(*, quarter: bool = False, id: str | None = None,
                     source: Source | None = None,
                     expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim: the descent lemma on Hypothesis-drawn rational quadratics (L = λmax exactly).

    Each draw is a quadratic ½(θ − θ*)ᵀA(θ − θ*) with exact eigenvalues, a point θ
    (half the time θ* + s·v_top, the tightest direction) and h = c·2/L with c in
    (0, 3/2] (the lemma holds for every h > 0). Per draw, exactly: A and θ* are those of
    the loss's own gradient; LI − A is positive semidefinite (principal minors), which with
    the exact expansion f(θ − hg) = f(θ) − h‖g‖² + (h²/2)gᵀAg proves the inequality for
    all θ and h; and the inequality is evaluated in rational arithmetic at the drawn point.
    ``quarter=True`` checks the constant 1 − Lh/4 instead (a false neighbour).
    """
    const = "1 - L*h/4" if quarter else "1 - L*h/2"

    def c_of(L: Fraction, h: Fraction) -> Fraction:
        return 1 - L * h / (4 if quarter else 2)

    strategy = st.tuples(quadratic_draws(2), st.booleans(),
                         rationals(-2, 2, max_denominator=6),
                         rationals(-2, 2, max_denominator=6),
                         rationals(0, sp.Rational(3, 2), max_denominator=12, include_lo=False))
    proved: dict[str, bool] = {}

    def point(q: QuadraticData, along: bool, a: Any, b: Any) -> list[Fraction]:
        if along:
            v = q.top()
            s = frac(a) if a != 0 else Fraction(1)
            return [t + s * vi for t, vi in zip(q.star, v, strict=True)]
        return [q.star[0] + frac(a), q.star[1] + frac(b)]

    def violated(draw: Any) -> bool:
        q, along, a, b, c = draw
        key = sp.srepr(q.loss.expr)
        if key not in proved:
            L = q.L
            ok = q.verified() and minors_nonnegative(
                [[(L if i == j else 0) - q.A[i][j] for j in range(2)] for i in range(2)])
            proved[key] = ok
        if not proved[key]:
            return True
        x = point(q, along, a, b)
        h = frac(c) * 2 / q.L
        g = q.grad(x)
        return _lemma_gap(q.value(x), q.value(q.step(x, h)), norm2(g), h, c_of(q.L, h)) > 0

    def run(budget: Budget) -> Outcome:
        fixed = [(q, True, sp.Integer(1), sp.Integer(0), sp.Rational(1, 2))
                 for q in fixed_quadratics()]
        witness, n, searched = search(strategy, violated, draw_count(budget, 4), fixed)
        how = how_many(n, len(fixed), searched)
        if witness is not None:
            q, along, a, b, c = witness
            x = point(q, along, a, b)
            h = frac(c) * 2 / q.L
            g = q.grad(x)
            gap = _lemma_gap(q.value(x), q.value(q.step(x, h)), norm2(g), h, c_of(q.L, h))
            ev = Evidence(Strength.EXACT, f"{how}: at the witness f(θ − h∇f) exceeds "
                          f"f(θ) − h({const})‖∇f‖² by {fraction_text(gap)} (exact)",
                          data={"certificate": [descent_witness_hint("quarter", q, h, x)]}
                          if quarter else {})
            return Verdict.FAILS, ev, Counterexample(
                f"on {q.loss.expr} (L = {q.L}): f(θ − h∇f) − f(θ) + h({const})‖∇f‖² = "
                f"{fraction_text(gap)} > 0", point=tuple(fraction_text(t) for t in x),
                eta=fraction_text(h))
        ev = Evidence(Strength.EXACT, f"{how} of (quadratic, θ, h = c·2/L, c in (0, 3/2]) "
                      f"over {len(proved) or 2} distinct quadratics: for each, LI − A ⪰ 0 "
                      "(exact principal minors) and the exact expansion prove the inequality "
                      "for all θ and h; it also holds exactly at every drawn point",
                      data={"draws": n, "quadratics": len(proved)})
        return Verdict.HOLDS, ev, None

    return Claim(
        id=id or "descent.lemma.quadratics",
        title=f"descent lemma f(θ − h∇f) <= f(θ) − h({const})‖∇f‖² on drawn quadratics",
        statement=("For every positive-definite rational quadratic f with L = λmax(∇²f), every "
                   f"θ and every h > 0: f(θ − h∇f(θ)) <= f(θ) − h({const})‖∇f(θ)‖²."),
        latex=(r"f(\theta-h\nabla f)\le f(\theta)-h\left(" +
               (r"1-\tfrac{Lh}{4}" if quarter else r"1-\tfrac{Lh}{2}") +
               r"\right)\|\nabla f(\theta)\|^2"),
        source=source or LEMMA_SOURCE,
        run=run,
        tags=("quadratic", "descent-lemma", "hypothesis"),
        expected=expected,
    )


@lru_cache(maxsize=512)
def _box_L(expr: sp.Expr, params: tuple[sp.Symbol, ...], lo: Fraction, hi: Fraction,
           pieces: int) -> Fraction | None:
    """A certified bound L >= |λ(∇²f)| on [lo, hi]^n (arb enclosures on pieces^n boxes)."""
    target = compile_loss(expr, params).interval(30)
    width = (hi - lo) / pieces
    n = len(params)
    best = Fraction(0)
    from itertools import product

    for idx in product(range(pieces), repeat=n):
        box = [(lo + k * width, lo + (k + 1) * width) for k in idx]
        b = interval_spectrum_bounds(target.hessian(box))
        if b is None:
            return None
        best = max(best, b[1], -b[0])
    return best


def lemma_polynomials(*, local: bool = False, id: str | None = None,
                      source: Source | None = None,
                      expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim: the descent lemma on the box B = [-1, 1]² for Hypothesis-drawn polynomials,
    with L a certified bound of the spectral radius of ∇²f on B.

    Per drawn polynomial (degree <= 4, rational coefficients), L is proved by arb
    enclosures of the Hessian on a grid of sub-boxes with a certified eigenvalue bound;
    Taylor's theorem with the mean-value Hessian on the segment [θ, θ − h∇f] ⊂ B then
    proves f(θ − h∇f) <= f(θ) − h(1 − Lh/2)‖∇f‖². The drawn points θ ∈ B with h = c·2/L,
    c in (0, 3/2], are also checked in exact rational arithmetic (draws whose step leaves
    B are not covered by the statement and are counted as skipped).
    ``local=True`` uses the sharpness λmax(∇²f(θ)) at θ instead of L (a false neighbour:
    curvature along the step is what counts).
    """
    strategy = st.tuples(polynomial_losses(2, 4, max_terms=4),
                         rationals(-1, 1, max_denominator=8), rationals(-1, 1, max_denominator=8),
                         rationals(0, sp.Rational(3, 2), max_denominator=12, include_lo=False))
    lo, hi = Fraction(-1), Fraction(1)
    stats = {"losses": set(), "skipped": 0, "checked": 0, "uncertified": 0}

    def local_L(loss: Loss, x: list[Fraction]) -> Fraction:
        """A rational upper bound (margin 1e-9, far above float64 error) of λmax(∇²f(x))."""
        H = sp.hessian(loss.expr, loss.params).subs(
            dict(zip(loss.params, [sp.Rational(v.numerator, v.denominator) for v in x],
                     strict=True)))
        lam = float(np.linalg.eigvalsh(np.array(H.tolist(), dtype=float))[-1])
        return Fraction(lam) + Fraction(1, 10**9) * (1 + abs(Fraction(lam)))

    def evaluate(draw: Any, pieces: int) -> tuple[Fraction, Fraction, list[Fraction]] | None:
        loss, a, b, c = draw
        p = FracPoly(loss.expr, loss.params)
        x = [frac(a), frac(b)]
        if local:
            L = local_L(loss, x)
            if L <= 0:
                return None
        else:
            L = _box_L(loss.expr, loss.params, lo, hi, pieces)
            if L is None or L == 0:
                stats["uncertified"] += 1
                return None
        stats["losses"].add(sp.srepr(loss.expr))
        h = frac(c) * 2 / L
        g = p.gradient(x)
        new = [xi - h * gi for xi, gi in zip(x, g, strict=True)]
        if not all(lo <= v <= hi for v in new):
            stats["skipped"] += 1
            return None
        stats["checked"] += 1
        gap = _lemma_gap(p.value(x), p.value(new), norm2(g), h, 1 - L * h / 2)
        return gap, h, x

    def run(budget: Budget) -> Outcome:
        for k in stats:
            stats[k] = set() if k == "losses" else 0
        pieces = 4
        x_, y_ = sp.symbols("x y", real=True)
        quartic = Loss.from_expr(x_**4 - x_ + y_**2 / 4, (x_, y_), name="x^4 - x + y^2/4")
        fixed = [(quartic, sp.Rational(1, 10), sp.Integer(0), sp.Rational(1, 8))]

        def violated(draw: Any) -> bool:
            out = evaluate(draw, pieces)
            return out is not None and out[0] > 0

        witness, n, searched = search(strategy, violated, draw_count(budget, 4), fixed)
        how = how_many(n, len(fixed), searched)
        data = {"draws": n, "losses": len(stats["losses"]), "checked": stats["checked"],
                "skipped_step_leaves_box": stats["skipped"],
                "uncertified": stats["uncertified"], "sub_boxes": pieces**2}
        if witness is not None:
            gap, h, x = evaluate(witness, pieces)  # type: ignore[misc]
            loss = witness[0]
            what = "λmax(∇²f(θ))" if local else "L"
            return Verdict.FAILS, Evidence(
                Strength.EXACT,
                f"{how}: at the witness the inequality with {what} fails by {fraction_text(gap)} "
                "(exact rational evaluation)", data={**data, "certificate": [descent_witness_hint(
                    "local", None, h, x, loss=loss, L=frac(witness[3]) * 2 / h)]} if local
                else data), Counterexample(
                f"on {loss.expr}: f(θ − h∇f) − f(θ) + h(1 − {what}·h/2)‖∇f‖² = "
                f"{fraction_text(gap)} > 0", point=tuple(fraction_text(t) for t in x),
                eta=fraction_text(h))
        if local:
            return Verdict.INCONCLUSIVE, Evidence(
                Strength.NUMERICAL, f"{how}: no violation at {stats['checked']} points "
                "(a sample, not a proof)", data=data), None
        if stats["checked"] == 0:
            return Verdict.INCONCLUSIVE, Evidence(Strength.CERTIFIED, f"{how}: no draw was "
                                                  "covered by the statement", data=data), None
        return Verdict.HOLDS, Evidence(
            Strength.CERTIFIED,
            f"{how} over {len(stats['losses'])} polynomials: each L certified on B by arb "
            f"Hessian enclosures on {pieces}² sub-boxes (so the inequality holds on B by "
            f"Taylor's theorem); {stats['checked']} drawn points checked exactly, "
            f"{stats['skipped']} skipped (step leaves B), {stats['uncertified']} draws "
            "without a certified L", data=data), None

    what = "λmax(∇²f(θ))" if local else "L (certified on B)"
    return Claim(
        id=id or "descent.lemma.polynomials-box",
        title=f"descent lemma on [-1, 1]² for drawn polynomials with {what}",
        statement=("For every polynomial f of degree <= 4 with rational coefficients, L >= "
                   f"the spectral radius of ∇²f on B = [-1, 1]² (here: {what}), θ ∈ B and "
                   "h > 0 with θ − h∇f(θ) ∈ B: f(θ − h∇f(θ)) <= f(θ) − h(1 − Lh/2)‖∇f(θ)‖²."),
        latex=r"\nabla^2f\preceq L\text{ on }B\Rightarrow f(\theta-h\nabla f)\le f(\theta)-"
              r"h(1-\tfrac{Lh}{2})\|\nabla f\|^2",
        source=source or LEMMA_SOURCE,
        run=run,
        tags=("polynomial", "descent-lemma", "hypothesis"),
        expected=expected,
    )


# --------------------------------------------------------------------------------------
# 2. Convergence to a stationary point for h < 2/L
# --------------------------------------------------------------------------------------


def _trajectory(q: QuadraticData, x0: Sequence[Fraction], h: Fraction, steps: int
                ) -> list[list[Fraction]]:
    xs = [list(x0)]
    for _ in range(steps):
        xs.append(q.step(xs[-1], h))
    return xs


def convergence_quadratics(*, factor_range: tuple[Any, Any] = (0, 1), steps: int = 20,
                           id: str | None = None, source: Source | None = None,
                           expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim (blog, Thm.): GD with h < 2/L converges to a stationary point, on drawn
    rational quadratics (inf f = 0 = f(θ*) exactly).

    Per draw (quadratic, θ0 = θ* + offset, h = c·2/L with c in ``factor_range``), exactly:
    the contraction factor ρ = max|1 − hλᵢ| < 1 (so ‖∇f(θ_k)‖ <= ρ^k‖∇f(θ_0)‖ → 0), and
    along the first ``steps`` iterates (rationals): Σ_{k<N}‖∇f(θ_k)‖² <=
    (f(θ_0) − f(θ_N)) / (h(1 − Lh/2)) <= f(θ_0)/(h(1 − Lh/2)) for every N, and
    ‖∇f(θ_N)‖ <= ‖∇f(θ_0)‖. ``factor_range=(1, 3/2)`` is the false neighbour h > 2/L.
    """
    lo, hi = factor_range
    strategy = st.tuples(quadratic_draws(2), rationals(-2, 2, max_denominator=4),
                         rationals(-2, 2, max_denominator=4),
                         rationals(lo, hi, max_denominator=10, include_lo=False,
                                   include_hi=False))

    used = [steps]

    def failure(draw: Any) -> str:
        q, a, b, c = draw
        if a == 0 and b == 0:
            return ""
        if not q.verified():
            return "the drawn loss does not match its data"
        h = frac(c) * 2 / q.L
        rho = max(abs(1 - h * lam) for lam in q.eigenvalues)
        if rho >= 1:
            return f"ρ = max|1 − hλ| = {fraction_text(rho)} >= 1: the gradient does not tend to 0"
        xs = _trajectory(q, [q.star[0] + frac(a), q.star[1] + frac(b)], h, used[0])
        denom = h * (1 - q.L * h / 2)
        f0 = q.value(xs[0])
        total = Fraction(0)
        g0 = norm2(q.grad(xs[0]))
        for N in range(1, used[0] + 1):
            total += norm2(q.grad(xs[N - 1]))
            fN = q.value(xs[N])
            if denom <= 0 or total > (f0 - fN) / denom or (f0 - fN) / denom > f0 / denom:
                return (f"Σ_(k<{N})‖∇f‖² = {fraction_text(total)} exceeds (f(θ0) − f(θ_{N}))/"
                        f"(h(1 − Lh/2)) with h(1 − Lh/2) = {fraction_text(denom)}")
        if norm2(q.grad(xs[-1])) > g0:
            return "‖∇f(θ_N)‖ > ‖∇f(θ_0)‖"
        return ""

    def run(budget: Budget) -> Outcome:
        n_steps = steps if budget.steps >= 10_000 else steps // 2
        used[0] = n_steps
        fixed = [(q, sp.Integer(1), sp.Integer(1), (sp.Rational(lo) + sp.Rational(hi)) / 2)
                 for q in fixed_quadratics()]
        witness, n, searched = search(strategy, lambda d: bool(failure(d)),
                                      draw_count(budget, 8), fixed)
        how = how_many(n, len(fixed), searched)
        if witness is not None:
            q, a, b, c = witness
            h = frac(c) * 2 / q.L
            return Verdict.FAILS, Evidence(Strength.EXACT, f"{how}: {failure(witness)}", data={
                "certificate": [descent_witness_hint("diverge", q, h)]} if h * q.L > 2 else {}), \
                Counterexample(f"on {q.loss.expr} (L = {q.L}): {failure(witness)}",
                               point=(fraction_text(q.star[0] + frac(a)),
                                      fraction_text(q.star[1] + frac(b))),
                               eta=fraction_text(h))
        return Verdict.HOLDS, Evidence(
            Strength.EXACT,
            f"{how} of (quadratic, θ0, h = c·2/L, c in ({lo}, {hi})): ρ = max|1 − hλᵢ| < 1 "
            f"exactly, and the telescoped bound Σ_(k<N)‖∇f(θ_k)‖² <= (f(θ0) − f(θ_N))/"
            f"(h(1 − Lh/2)) <= (f(θ0) − inf f)/(h(1 − Lh/2)) holds exactly for N = 1..{n_steps}",
            data={"draws": n, "steps": n_steps}), None

    return Claim(
        id=id or "descent.convergence.quadratics",
        title=f"GD with h = c·2/L, c in ({lo}, {hi}), converges to a stationary point on drawn "
              "quadratics",
        statement=(f"For every positive-definite rational quadratic f (L = λmax, inf f = 0) and "
                   f"h = c·2/L with c in ({lo}, {hi}): Σ_(k<N)‖∇f(θ_k)‖² <= (f(θ0) − inf f)/"
                   "(h(1 − Lh/2)) for all N and ‖∇f(θ_k)‖ → 0."),
        latex=r"\sum_{k<N}\|\nabla f(\theta_k)\|^2\le\frac{f(\theta_0)-f^*}{h(1-Lh/2)},\ "
              r"\|\nabla f(\theta_k)\|\to0",
        source=source or Source(BLOG, "Thm. (h < 2/L: GD converges to a stationary point) "
                                "and its proof"),
        run=run,
        tags=("quadratic", "convergence", "hypothesis"),
        expected=expected,
    )


@dataclass(frozen=True)
class LogPerturbed:
    """f(θ) = ½(θ − θ*)ᵀA(θ − θ*) + b·log(1 + (wᵀθ)²), ‖w‖ = 1, b > 0.

    Non-convex for b large, bounded below by 0, and L-smooth with L = λmax(A) + 2b:
    ∇²f = A + b·φ''(wᵀθ)wwᵀ with φ(u) = log(1 + u²), φ'' = 2(1 − u²)/(1 + u²)² ∈ [−1/4, 2].
    """

    q: QuadraticData
    b: Fraction
    w: tuple[Fraction, Fraction]

    @property
    def L(self) -> Fraction:
        """λmax(A) + 2b (a valid smoothness constant)."""
        return self.q.L + 2 * self.b

    def expr(self) -> sp.Expr:
        """The loss as a SymPy expression."""
        x, y = self.q.loss.params
        u = sp.Rational(self.w[0]) * x + sp.Rational(self.w[1]) * y
        return self.q.loss.expr + sp.Rational(self.b) * sp.log(1 + u**2)


def _log_draws() -> st.SearchStrategy[LogPerturbed]:
    def build(q: QuadraticData, b: Any, t: Any) -> LogPerturbed:
        t = frac(t)
        w = ((1 - t * t) / (1 + t * t), 2 * t / (1 + t * t))
        return LogPerturbed(q, frac(b), w)

    return st.builds(build, quadratic_draws(2), rationals(sp.Rational(1, 4), 2,
                                                           max_denominator=4),
                     rationals(-2, 2, max_denominator=4))


def _arb_run(fam: LogPerturbed, x0: Sequence[Fraction], h: Fraction, steps: int,
             dps: int) -> tuple[list[Any], list[Any]]:
    """Certified enclosures (arb balls) of f(θ_k) and ‖∇f(θ_k)‖², k = 0..steps."""
    import flint

    def ball(q: Fraction) -> Any:
        return flint.arb(flint.fmpq(q.numerator, q.denominator))

    with flint.ctx.workdps(dps):
        A = [[ball(v) for v in row] for row in fam.q.A]
        star = [ball(v) for v in fam.q.star]
        w = [ball(v) for v in fam.w]
        b, hh = ball(fam.b), ball(h)
        x = [ball(v) for v in x0]
        fs, gs = [], []
        for k in range(steps + 1):
            d = [x[0] - star[0], x[1] - star[1]]
            Ad = [A[0][0] * d[0] + A[0][1] * d[1], A[1][0] * d[0] + A[1][1] * d[1]]
            u = w[0] * x[0] + w[1] * x[1]
            fs.append((d[0] * Ad[0] + d[1] * Ad[1]) / 2 + b * (1 + u * u).log())
            s = 2 * b * u / (1 + u * u)
            g = [Ad[0] + s * w[0], Ad[1] + s * w[1]]
            gs.append(g[0] * g[0] + g[1] * g[1])
            if k < steps:
                x = [x[0] - hh * g[0], x[1] - hh * g[1]]
    return fs, gs


def convergence_log_perturbed(*, id: str | None = None, source: Source | None = None,
                              expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim (blog, Thm.) on drawn non-quadratic L-smooth losses bounded below:
    f = ½(θ − θ*)ᵀA(θ − θ*) + b·log(1 + (wᵀθ)²) (see :class:`LogPerturbed`), L = λmax(A) + 2b,
    inf f >= 0, h = c·2/L with c in (0, 1).

    Certified: the trajectory is enclosed in arb balls (``budget.dps`` digits) and, for
    every N, the upper end of Σ_(k<N)‖∇f(θ_k)‖² is below the lower end of
    (f(θ0) − f(θ_N))/(h(1 − Lh/2)), which is below f(θ0)/(h(1 − Lh/2)) (f >= 0); hence
    min_(k<N)‖∇f(θ_k)‖² <= f(θ0)/(N h(1 − Lh/2)) → 0.
    """
    strategy = st.tuples(_log_draws(), rationals(-2, 2, max_denominator=4),
                         rationals(-2, 2, max_denominator=4),
                         rationals(0, 1, max_denominator=10, include_lo=False, include_hi=False))
    steps_used = [0]
    last_ratio: list[float] = []

    def failure(draw: Any, dps: int) -> str:
        import flint

        fam, a, b, c = draw
        h = frac(c) * 2 / fam.L
        denom = h * (1 - fam.L * h / 2)
        fs, gs = _arb_run(fam, [frac(a), frac(b)], h, steps_used[0], dps)
        with flint.ctx.workdps(dps):
            d = flint.arb(flint.fmpq(denom.numerator, denom.denominator))
            total = flint.arb(0)
            for N in range(1, len(fs)):
                total = total + gs[N - 1]
                rhs = (fs[0] - fs[N]) / d
                if not total <= rhs:
                    return (f"Σ_(k<{N})‖∇f‖² ⊂ {total.str(5)} is not certified below "
                            f"(f(θ0) − f(θ_N))/(h(1 − Lh/2)) ⊂ {rhs.str(5)}")
            if gs[0] > 0:
                last_ratio.append(float((gs[-1] / gs[0]).upper()))
        return ""

    def run(budget: Budget) -> Outcome:
        steps_used[0] = 60 if budget.steps >= 10_000 else 30
        last_ratio.clear()
        dps = max(budget.dps, 30)
        q = fixed_quadratics()[0]
        fixed = [(LogPerturbed(q, Fraction(2), (Fraction(3, 5), Fraction(4, 5))),
                  sp.Integer(2), sp.Integer(-1), sp.Rational(9, 10))]
        witness, n, searched = search(strategy, lambda d: bool(failure(d, dps)),
                                      draw_count(budget, 8), fixed)
        how = how_many(n, len(fixed), searched)
        if witness is not None:
            fam, a, b, c = witness
            return Verdict.FAILS, Evidence(Strength.CERTIFIED, f"{how}: "
                                           f"{failure(witness, dps)}", digits=dps), \
                Counterexample(f"on {fam.expr()}: {failure(witness, dps)}",
                               point=(str(a), str(b)), eta=fraction_text(frac(c) * 2 / fam.L))
        worst = max(last_ratio) if last_ratio else float("nan")
        return Verdict.HOLDS, Evidence(
            Strength.CERTIFIED,
            f"{how} of (b·log(1 + (wᵀθ)²)-perturbed quadratic, θ0, h = c·2/L, c in (0, 1)), "
            f"L = λmax(A) + 2b: along {steps_used[0]} steps enclosed in arb balls at {dps} "
            "digits, Σ_(k<N)‖∇f‖² < (f(θ0) − f(θ_N))/(h(1 − Lh/2)) <= f(θ0)/(h(1 − Lh/2)) "
            f"is certified for every N; largest ‖∇f(θ_N)‖²/‖∇f(θ0)‖² = {worst:.3g}",
            digits=dps, data={"draws": n, "steps": steps_used[0]}), None

    return Claim(
        id=id or "descent.convergence.log-perturbed",
        title="GD with h < 2/L converges to a stationary point on drawn non-convex "
              "L-smooth losses (quadratic + b·log(1 + (wᵀθ)²))",
        statement=("For f = ½(θ − θ*)ᵀA(θ − θ*) + b·log(1 + (wᵀθ)²) (A ≻ 0, b > 0, ‖w‖ = 1; "
                   "L = λmax(A) + 2b, f >= 0) and h < 2/L: Σ_(k<N)‖∇f(θ_k)‖² <= "
                   "(f(θ0) − f(θ_N))/(h(1 − Lh/2)) <= (f(θ0) − inf f)/(h(1 − Lh/2)) for all N."),
        latex=r"\sum_{k<N}\|\nabla f(\theta_k)\|^2\le\frac{f(\theta_0)-f(\theta_N)}{h(1-Lh/2)}",
        source=source or Source(BLOG, "Thm. (h < 2/L: GD converges to a stationary point) "
                                "and its proof"),
        run=run,
        tags=("non-convex", "convergence", "hypothesis"),
        expected=expected,
    )


# --------------------------------------------------------------------------------------
# 3. The three regimes of a quadratic
# --------------------------------------------------------------------------------------

REGIMES = {
    "small": ((0, 1), "h < 1/L: every eigen-coordinate of θ_k − θ* keeps its sign and "
              "shrinks, and f(θ_k) decreases (no oscillation)"),
    "medium": ((1, 2), "1/L < h < 2/L: the top eigen-coordinate alternates in sign "
               "(θ oscillates) while f(θ_k) still decreases strictly"),
    "large": ((2, 3), "h > 2/L: |top eigen-coordinate| grows by |1 − hL| > 1 each step and "
              "f(θ_k) >= (L/2)·(top coordinate)² → ∞ (GD diverges)"),
}


def _regime_failure(regime: str, q: QuadraticData, x0: list[Fraction], h: Fraction,
                    steps: int) -> str:
    L = q.L
    j = max(range(len(q.eigenvalues)), key=lambda i: q.eigenvalues[i])
    xs = _trajectory(q, x0, h, steps)
    cs = [q.coords(x) for x in xs]
    fs = [q.value(x) for x in xs]
    if cs[0][j] == 0:
        return ""  # the statement is about starts with a top component
    for k in range(steps):
        a, b = cs[k], cs[k + 1]
        if regime == "small":
            for i in range(len(a)):
                if a[i] != 0 and not (b[i] * a[i] > 0 and abs(b[i]) < abs(a[i])):
                    return (f"eigen-coordinate {i} goes {fraction_text(a[i])} -> "
                            f"{fraction_text(b[i])} at step {k} (sign change or no "
                            "decrease)")
            if not fs[k + 1] < fs[k]:
                return f"f rises at step {k}: {fraction_text(fs[k])} -> {fraction_text(fs[k + 1])}"
        elif regime == "medium":
            if not b[j] * a[j] < 0:
                return (f"top eigen-coordinate keeps its sign at step {k}: "
                        f"{fraction_text(a[j])} -> {fraction_text(b[j])} (no oscillation)")
            if not fs[k + 1] < fs[k]:
                return f"f rises at step {k}: {fraction_text(fs[k])} -> {fraction_text(fs[k + 1])}"
        else:
            if not (abs(b[j]) == abs(1 - h * L) * abs(a[j]) and abs(1 - h * L) > 1):
                return f"top coordinate does not grow at step {k}"
            if not fs[k + 1] >= L * b[j] ** 2 / 2:
                return f"f(θ_{k + 1}) is below (L/2)·(top coordinate)²"
    return ""


def quadratic_regime(regime: str, *, factor_range: tuple[Any, Any] | None = None,
                     steps: int = 12, id: str | None = None, source: Source | None = None,
                     expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim: one of the three regimes of GD on a quadratic (:data:`REGIMES`), on drawn
    rational quadratics, exactly.

    The iteration is linear: θ_k − θ* = Q diag((1 − hλᵢ)^k) Qᵀ(θ0 − θ*), with Q rational
    orthogonal, so the eigen-coordinates are exact rationals multiplied by 1 − hλᵢ each
    step. Per draw (h = c/L with c in the regime's range, θ0 with a nonzero top
    component), the regime's signs and monotonicity follow from the exact signs of
    1 − hλᵢ (checked) and are also verified on ``steps`` exact iterates.
    ``factor_range`` overrides the range of c = hL (for the false neighbour: "medium"
    statement on the "small" range).
    """
    rng, words = REGIMES[regime]
    lo, hi = factor_range or rng
    strategy = st.tuples(quadratic_draws(2), rationals(-2, 2, max_denominator=4),
                         rationals(-2, 2, max_denominator=4),
                         rationals(lo, hi, max_denominator=12, include_lo=False,
                                   include_hi=False))

    def failure(draw: Any) -> str:
        q, a, b, c = draw
        if not q.verified():
            return "the drawn loss does not match its data"
        h = frac(c) / q.L
        return _regime_failure(regime, q, [q.star[0] + frac(a), q.star[1] + frac(b)], h,
                               steps)

    def run(budget: Budget) -> Outcome:
        mid = (sp.Rational(lo) + sp.Rational(hi)) / 2
        fixed = [(q, sp.Integer(1), sp.Rational(1, 2), mid) for q in fixed_quadratics()]
        witness, n, searched = search(strategy, lambda d: bool(failure(d)),
                                      draw_count(budget, 8), fixed)
        how = how_many(n, len(fixed), searched)
        if witness is not None:
            q, a, b, c = witness
            why = failure(witness)
            h = frac(c) / q.L
            return Verdict.FAILS, Evidence(Strength.EXACT, f"{how}: {why} (exact)", data={
                "certificate": [descent_witness_hint("monotone", q, h)]}
                if regime == "medium" and h * q.L < 1 else {}), \
                Counterexample(f"on {q.loss.expr} (L = {q.L}): {why}",
                               point=(fraction_text(q.star[0] + frac(a)),
                                      fraction_text(q.star[1] + frac(b))),
                               eta=fraction_text(frac(c) / q.L))
        return Verdict.HOLDS, Evidence(
            Strength.EXACT, f"{how} of (quadratic, θ0, h = c/L, c in ({lo}, {hi})): {words}; "
            f"verified on {steps} exact rational iterates in eigen-coordinates",
            data={"draws": n, "steps": steps}), None

    return Claim(
        id=id or f"descent.regime.{regime}-h",
        title=f"quadratic regime h·L in ({lo}, {hi}): {words.split(': ')[1]}",
        statement=f"For every positive-definite rational quadratic (L = λmax) and {words}"
                  + (f" (here h·L in ({lo}, {hi}))" if factor_range else "") + ".",
        latex=r"\theta_k-\theta^*=Q\,\mathrm{diag}\big((1-h\lambda_i)^k\big)Q^\top"
              r"(\theta_0-\theta^*)",
        source=source or Source(BLOG, "'this regime can be further divided' (animations of "
                                "x²/2) and 'whenever h > 2/L for quadratic objectives'"),
        run=run,
        tags=("quadratic", "regimes", "hypothesis"),
        expected=expected,
    )


# --------------------------------------------------------------------------------------
# The claims of this module
# --------------------------------------------------------------------------------------


def _false(c: Claim) -> Claim:
    from dataclasses import replace

    return replace(c, expected=Verdict.FAILS, tags=(*c.tags, "false-variant"))


def false_variants() -> list[Claim]:
    """The false neighbours (expected verdict ``fails``)."""
    return [_false(c) for c in (
        lemma_quadratics(quarter=True, id="false.descent.lemma.quarter-constant", source=WRONG),
        lemma_polynomials(local=True, id="false.descent.lemma.local-sharpness", source=WRONG),
        convergence_quadratics(factor_range=(1, sp.Rational(3, 2)),
                               id="false.descent.convergence.h-above-2_L", source=WRONG),
        quadratic_regime("medium", factor_range=(0, 1),
                         id="false.descent.regime.oscillates-below-1_L", source=WRONG),
    )]


def seed_claims() -> list[Claim]:
    """The descent-lemma, convergence and regime claims, then their false neighbours."""
    return [
        lemma_quadratics(),
        lemma_polynomials(),
        convergence_quadratics(),
        convergence_log_perturbed(),
        quadratic_regime("small"),
        quadratic_regime("medium"),
        quadratic_regime("large"),
        *false_variants(),
    ]

