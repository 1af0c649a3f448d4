"""Balancing by large step sizes (Tao & Wang blog, after Wang, Chen, Zhao & Tao, ICLR 2022).

The blog states the result only in words: for the matrix factorisation
½‖A − XYᵀ‖², "if convergent to a point, GD with large enough h has an implicit
regularization effect of balancing, and the limiting point (X∞, Y∞) will satisfy a bound
of |X∞ − Y∞| that decreases with h", the regime being "very roughly" h ∈ (2/L, 4/L),
with L "the spectral radius of Hess f at initialization". The paper's own constant is
not in the seed, so the claims here check these precise forms (D = ‖U‖²_F − ‖V‖²_F, the
imbalance; scalar: D = x² − y²):

``balancing.identity``
    exact: one GD step maps D to D + h²(‖RV‖² − ‖RᵀU‖²) (R = UVᵀ − Y) for 2×2 factors
    and a symbolic 2×2 target, and to (1 − h²(1 − xy)²)·D on ½(1 − xy)²; gradient flow
    conserves D, so balancing is a finite-h effect.
``balancing.limit-bound.xy`` / ``balancing.limit-bound.mf2x1``
    for unbalanced starts and h·L on a grid of (2, 4), wherever GD converges:
    |D∞| <= √(4/h² − 4σ²) (σ = ‖Y‖₂, rank-one target, one column) and |D∞| < |D0|.
    The bound is the linear-stability form: at a minimum uvᵀ = Y, λmax(∇²f) =
    ‖u‖² + ‖v‖² <= 2/h and ‖u‖‖v‖ = σ; for xy it reads |x∞ − y∞| <= √(2/h − 2). It
    decreases with h, as the blog says of the paper's bound.
``balancing.limit-bound.mf2x2``
    the same check for U, V ∈ R^{2×2} (rank-one target): an empirical check, the
    stability form being derived for one column only.
``balancing.monotone-imbalance.xy``
    for h·L on a grid of (2, 3], GD converges and |D_k| never rises along the orbit
    (by the identity: h²(1 − x_k y_k)² <= 2 at every step).

False neighbours: ``false.balancing.small-h-balances.xy`` (h·L <= 1/2 halves the
imbalance: it does not, D is nearly conserved) and
``false.balancing.monotone-imbalance.mf2x1`` (the scalar monotonicity carried over to
u, v ∈ R²: |D_k| rises at some steps).

Numerical: :func:`symstab.dynamics.imbalance.imbalance_run` at ``dps`` and ``dps + 10``
digits; a verdict needs both precisions to agree on every outcome used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import sympy as sp

from symstab.dynamics.imbalance import ImbalanceRun, imbalance_run, spectral_radius
from symstab.evidence import Strength
from symstab.exact import derivatives
from symstab.loss import Loss

from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict

__all__ = ["FACTOR2_STARTS", "FACTOR_STARTS", "GRID", "MONOTONE_UPPER", "STABILITY_NOTE",
           "UPPER", "XY_STARTS", "imbalance_identity", "limit_bound", "matrix_factorisation",
           "monotone_imbalance", "seed_claims", "small_h_balances"]

R = sp.Rational
BLOG = "Tao & Wang (blog), after Wang, Chen, Zhao & Tao, ICLR 2022"
WRONG = Source("false variant", "deliberately wrong, must fail")

#: Unbalanced starts (U row-major, then V) for ½‖Y − UVᵀ‖², U, V ∈ R^{2×2}.
FACTOR2_STARTS: tuple[tuple[sp.Rational, ...], ...] = (
    (R(2), R(1, 2), R(1), R(-1, 2), R(1, 10), R(1, 20), R(1, 20), R(1, 10)),
    (R(3), R(0), R(1), R(1), R(1, 10), R(0), R(1, 10), R(1, 10)))
#: h·L ranges over a grid of (2, UPPER) in the limit-bound claims ("h ∈ (2/L, 4/L)").
UPPER = R(4)
#: h·L ranges over a grid of (2, MONOTONE_UPPER] in the monotone-imbalance claims.
MONOTONE_UPPER = R(3)
#: Grid step of h·L at the full budget.
GRID = R(1, 5)
#: Where the bound of the limit-bound claims comes from (one column, rank-one target).
STABILITY_NOTE = ("checked in the linear-stability form λmax = ‖u‖² + ‖v‖² <= 2/h at the "
                  "limit (for xy: |x∞ − y∞| <= √(2/h − 2)); Wang et al.'s own constant is not "
                  "in the seed")
#: Unbalanced starts for ½(1 − xy)².
XY_STARTS: tuple[tuple[sp.Rational, ...], ...] = (
    (R(2), R(1, 10)), (R(3), R(1, 10)), (R(4), R(1, 20)), (R(5), R(1, 10)))
#: Unbalanced starts (u1, u2, v1, v2) for ½‖Y − uvᵀ‖², Y = ½[[1, 1], [1, 1]].
FACTOR_STARTS: tuple[tuple[sp.Rational, ...], ...] = (
    (R(2), R(1), R(1, 10), R(1, 20)), (R(3), R(2), R(1, 10), R(1, 10)),
    (R(2), R(-1), R(1, 5), R(1, 10)))


def matrix_factorisation(d: int = 1) -> tuple[Loss, sp.Expr]:
    """½‖Y − UVᵀ‖²_F with U, V ∈ R^{2×d} and the rank-one Y = ½[[1, 1], [1, 1]]
    (σ = ‖Y‖₂ = 1), built from SymPy; returns the loss and σ. Parameters: ``u1, u2,
    v1, v2`` for d = 1, else ``u11, u12, ..., v11, ...`` (row-major, U first)."""
    if d == 1:
        U = sp.Matrix(sp.symbols("u1 u2", real=True))
        V = sp.Matrix(sp.symbols("v1 v2", real=True))
    else:
        U = sp.Matrix(2, d, lambda i, j: sp.Symbol(f"u{i + 1}{j + 1}", real=True))
        V = sp.Matrix(2, d, lambda i, j: sp.Symbol(f"v{i + 1}{j + 1}", real=True))
    Y = sp.Matrix([[1, 1], [1, 1]]) / 2
    res = Y - U * V.T
    loss = Loss.from_expr(sp.expand(sum(e**2 for e in res) / 2), (*U, *V),
                          name=f"mf2x{d}: ½‖Y − UVᵀ‖², Y = ½[[1,1],[1,1]]")
    return loss, sp.Integer(1)


def _pt(t: Sequence[Any]) -> str:
    return "(" + ", ".join(sp.sstr(x) for x in t) + ")"


# --------------------------------------------------------------------------------------
# The exact one-step identity
# --------------------------------------------------------------------------------------


def imbalance_identity(*, id: str = "balancing.identity") -> Claim:
    """Claim: the one-step identities of the imbalance (exact, SymPy)."""

    def run(budget: Budget) -> Outcome:
        h = sp.Symbol("h", positive=True)
        fro = lambda M: sum(e**2 for e in M)  # noqa: E731
        U = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"u{i}{j}", real=True))
        V = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"v{i}{j}", real=True))
        Y = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"y{i}{j}", real=True))
        Rm = U * V.T - Y
        f = fro(Y - U * V.T) / 2
        gU = U.applyfunc(lambda s: sp.diff(f, s))
        gV = V.applyfunc(lambda s: sp.diff(f, s))
        U1, V1 = U - h * gU, V - h * gV
        matrix_ok = sp.expand(fro(U1) - fro(V1) - (fro(U) - fro(V))
                              - h**2 * (fro(Rm * V) - fro(Rm.T * U))) == 0
        xy = Loss.from_catalog("xy")
        x, y = xy.params
        g = derivatives.gradient(xy)
        x1, y1 = x - h * g[0], y - h * g[1]
        scalar_ok = sp.expand(x1**2 - y1**2 - (1 - h**2 * (1 - x * y)**2) * (x**2 - y**2)) == 0
        ev = Evidence(Strength.EXACT, "expanded symbolically: for 2×2 factors and a symbolic "
                      f"2×2 target, D' − D − h²(‖RV‖² − ‖RᵀU‖²) = 0 ({matrix_ok}); on "
                      f"{xy.expr}, x'² − y'² − (1 − h²(1 − xy)²)(x² − y²) = 0 ({scalar_ok})")
        if matrix_ok and scalar_ok:
            return Verdict.HOLDS, ev, None
        return Verdict.FAILS, ev, Counterexample("an identity does not expand to 0")

    return Claim(
        id=id,
        title="one GD step changes the imbalance ‖U‖² − ‖V‖² by h²(‖RV‖² − ‖RᵀU‖²)",
        statement=("For f = ½‖Y − UVᵀ‖²_F (U, V ∈ R^{2×2}), one GD step maps D = ‖U‖² − ‖V‖² "
                   "to D + h²(‖RV‖² − ‖RᵀU‖²) with R = UVᵀ − Y; for ½(1 − xy)² it maps "
                   "x² − y² to (1 − h²(1 − xy)²)(x² − y²)."),
        latex=r"D'=D+h^2(\|RV\|_F^2-\|R^\top U\|_F^2),\quad x'^2-y'^2=(1-h^2(1-xy)^2)(x^2-y^2)",
        source=Source(BLOG, "'GD with large enough h has an implicit regularization effect "
                      "of balancing'", note="the identity is the mechanism, derived here; "
                      "the blog does not print it"),
        run=run,
        tags=("balancing", "exact"),
    )


# --------------------------------------------------------------------------------------
# Numerical claims along GD
# --------------------------------------------------------------------------------------


def _grid(lo: sp.Rational, hi: sp.Rational, step: sp.Rational, closed: bool) -> list[Any]:
    out, c = [], lo + step
    while c < hi or (closed and c == hi):
        out.append(c)
        c += step
    return out


def _runs(loss: Loss, blocks: Any, start: Sequence[Any], ratios: Sequence[Any], dps: int,
          max_steps: int) -> tuple[Any, list[tuple[Any, ImbalanceRun, ImbalanceRun]]]:
    L = spectral_radius(loss, start, dps=dps)
    L_exact = sp.Rational(str(sp.Float(str(L), 25)))  # L to 25 digits, as an exact number
    out = []
    for c in ratios:
        h = c / L_exact
        a = imbalance_run(loss, blocks, start, h, dps=dps, max_steps=max_steps)
        b = imbalance_run(loss, blocks, start, h, dps=dps + 10, max_steps=max_steps)
        out.append((c, a, b))
    return L_exact, out


def _agree(a: ImbalanceRun, b: ImbalanceRun) -> bool:
    if a.outcome != b.outcome or (a.first_rise is None) != (b.first_rise is None):
        return False
    return a.outcome != "converged" or abs(a.imbalance - b.imbalance) <= 1e-8 * max(
        1.0, abs(a.imbalance))


def limit_bound(loss: Loss, blocks: Any, starts: Sequence[Sequence[Any]], sigma: sp.Expr, *,
                id: str, upper: sp.Rational = UPPER, grid: sp.Rational = GRID,
                note: str = STABILITY_NOTE) -> Claim:
    """Claim: wherever GD converges for h·L on a grid of (2, ``upper``), the limit has
    |D∞| <= √(4/h² − 4σ²) and |D∞| < |D0| (numerical, two precisions).

    The grid step is ``grid`` (``budget.steps >= 10000``) or 1/2; ``note`` says where
    the bound comes from."""
    starts = tuple(tuple(s) for s in starts)
    s2 = float(sigma) ** 2

    def run(budget: Budget) -> Outcome:
        step = grid if budget.steps >= 10_000 else R(1, 2)
        dps = max(budget.dps // 2, 20)
        ratios = _grid(R(2), upper, step, closed=False)
        converged, rows, worst = 0, [], math.inf
        for s in starts:
            _, runs = _runs(loss, blocks, s, ratios, dps, 50_000)
            for c, a, b in runs:
                rows.append({"start": [sp.sstr(t) for t in s], "hL": sp.sstr(c),
                             "outcome": a.outcome, "D0": a.imbalance0, "D": a.imbalance,
                             "sharpness": a.sharpness, "two_over_h": float(2 / a.h)})
                if not _agree(a, b):
                    return Verdict.INCONCLUSIVE, Evidence(
                        Strength.NUMERICAL, f"the runs at {dps} and {dps + 10} digits disagree "
                        f"from {_pt(s)} at h·L = {sp.sstr(c)}", digits=dps), None
                if a.outcome != "converged":
                    continue
                converged += 1
                h = float(a.h)
                bound = math.sqrt(max(4 / h**2 - 4 * s2, 0.0))
                slack = min(bound - abs(a.imbalance), abs(a.imbalance0) - abs(a.imbalance))
                worst = min(worst, slack)
                if abs(a.imbalance) > bound * (1 + 1e-12) or abs(a.imbalance) >= abs(
                        a.imbalance0):
                    return Verdict.FAILS, Evidence(
                        Strength.NUMERICAL, f"|D∞| = {abs(a.imbalance):.8g} against the bound "
                        f"{bound:.8g} and |D0| = {abs(a.imbalance0):.8g}", digits=dps,
                        data={"runs": rows}), Counterexample(
                        f"GD converges with |D∞| = {abs(a.imbalance):.8g} > "
                        f"min(√(4/h² − 4σ²) = {bound:.8g}, |D0| = {abs(a.imbalance0):.8g})",
                        point=tuple(sp.sstr(t) for t in s), eta=str(sp.N(a.h, 15)))
        ev = Evidence(Strength.NUMERICAL,
                      f"{converged} of {len(rows)} runs (starts {', '.join(map(_pt, starts))}; "
                      f"h·L = {', '.join(sp.sstr(c) for c in ratios)}) converge, at {dps} and "
                      f"{dps + 10} digits alike; each ends with |D∞| <= √(4/h² − 4σ²) and "
                      f"|D∞| < |D0| (smallest slack {worst:.4g})", digits=dps,
                      data={"runs": rows})
        if converged == 0:
            return Verdict.INCONCLUSIVE, ev, None
        return Verdict.HOLDS, ev, None

    return Claim(
        id=id,
        title=f"balancing bound |D∞| <= √(4/h² − 4σ²) < |D0| on {loss.name}, h·L in (2, "
              f"{sp.sstr(upper)})",
        statement=(f"For GD on {loss.name} from each of {', '.join(map(_pt, starts))} with "
                   f"h·L on a grid of (2, {sp.sstr(upper)}) (L the spectral radius of the "
                   "Hessian at the start), whenever GD converges its limit has imbalance "
                   f"|D∞| <= √(4/h² − 4σ²) (σ = {sp.sstr(sigma)}) and |D∞| < |D0|."),
        latex=r"|D_\infty|\le\sqrt{4/h^2-4\sigma^2},\ |D_\infty|<|D_0|,\ hL\in(2,4)",
        source=Source(BLOG, "'the limiting point will satisfy a bound of |X∞ − Y∞| that "
                      "decreases with h', regime h ∈ (2/L, 4/L)",
                      note=note),
        run=run,
        tags=(loss.name, "balancing"),
    )


def monotone_imbalance(loss: Loss, blocks: Any, starts: Sequence[Sequence[Any]], *, id: str,
                       upper: sp.Rational = MONOTONE_UPPER, source: Source | None = None,
                       expected: Verdict = Verdict.HOLDS) -> Claim:
    """Claim: for h·L on a grid of (2, ``upper``], GD converges and |D_k| never rises."""
    starts = tuple(tuple(s) for s in starts)

    def run(budget: Budget) -> Outcome:
        step = R(1, 5) if budget.steps >= 10_000 else R(1, 2)
        dps = max(budget.dps // 2, 20)
        ratios = _grid(R(2), upper, step, closed=True)
        n = 0
        for s in starts:
            _, runs = _runs(loss, blocks, s, ratios, dps, 50_000)
            for c, a, b in runs:
                n += 1
                if not _agree(a, b):
                    return Verdict.INCONCLUSIVE, Evidence(
                        Strength.NUMERICAL, f"the runs at {dps} and {dps + 10} digits disagree "
                        f"from {_pt(s)} at h·L = {sp.sstr(c)}", digits=dps), None
                if a.first_rise is not None or a.outcome != "converged":
                    what = (f"|D| rises at step {a.first_rise} ({a.rises} rises in "
                            f"{a.steps} steps)" if a.first_rise is not None
                            else f"GD {a.outcome}")
                    return Verdict.FAILS, Evidence(
                        Strength.NUMERICAL, f"from {_pt(s)} at h·L = {sp.sstr(c)}: {what}, at "
                        f"{dps} and {dps + 10} digits alike", digits=dps), Counterexample(
                        what, point=tuple(sp.sstr(t) for t in s), eta=str(sp.N(a.h, 15)))
        return Verdict.HOLDS, Evidence(
            Strength.NUMERICAL, f"{n} runs (starts {', '.join(map(_pt, starts))}; h·L = "
            f"{', '.join(sp.sstr(c) for c in ratios)}) converge with |D_k| non-increasing at "
            f"every step, at {dps} and {dps + 10} digits alike", digits=dps), None

    return Claim(
        id=id,
        title=f"the imbalance |D_k| never rises along GD on {loss.name} for h·L in (2, "
              f"{sp.sstr(upper)}]",
        statement=(f"For GD on {loss.name} from each of {', '.join(map(_pt, starts))} with "
                   f"h·L on a grid of (2, {sp.sstr(upper)}], GD converges and |D_(k+1)| <= "
                   "|D_k| at every step (D = ‖U‖² − ‖V‖²)."),
        latex=r"|D_{k+1}|\le|D_k|\ \forall k",
        source=source or Source(BLOG, "'balancing ... h ∈ (2/L, 4/L)'", note="by the exact "
                                "identity, monotone iff h²(1 − x_k y_k)² <= 2 at every step"),
        run=run,
        tags=(loss.name, "balancing"),
        expected=expected,
    )


def small_h_balances(loss: Loss, blocks: Any, starts: Sequence[Sequence[Any]], *,
                     id: str) -> Claim:
    """False neighbour: for h·L <= 1/2 (small steps) the limit has |D∞| <= |D0|/2."""
    starts = tuple(tuple(s) for s in starts)

    def run(budget: Budget) -> Outcome:
        dps = max(budget.dps // 2, 20)
        for s in starts:
            _, runs = _runs(loss, blocks, s, [R(1, 4), R(1, 2)], dps, 50_000)
            for c, a, b in runs:
                if not _agree(a, b) or a.outcome != "converged":
                    continue
                if abs(a.imbalance) > abs(a.imbalance0) / 2:
                    return Verdict.FAILS, Evidence(
                        Strength.NUMERICAL, f"from {_pt(s)} at h·L = {sp.sstr(c)}: D goes "
                        f"{a.imbalance0:.8g} -> {a.imbalance:.8g} (gradient flow conserves D)",
                        digits=dps), Counterexample(
                        f"|D∞| = {abs(a.imbalance):.8g} > |D0|/2 = {abs(a.imbalance0) / 2:.8g}",
                        point=tuple(sp.sstr(t) for t in s), eta=str(sp.N(a.h, 15)))
        return Verdict.HOLDS, Evidence(Strength.NUMERICAL, "every converged run halves |D|",
                                       digits=dps), None

    return Claim(
        id=id,
        title=f"small steps (h·L <= 1/2) halve the imbalance on {loss.name}",
        statement=(f"For GD on {loss.name} from {', '.join(map(_pt, starts))} with h·L in "
                   "{1/4, 1/2}, the limit has |D∞| <= |D0|/2."),
        latex=r"hL\le\tfrac12\Rightarrow|D_\infty|\le|D_0|/2",
        source=WRONG,
        run=run,
        tags=(loss.name, "balancing"),
    )


def _false(c: Claim) -> Claim:
    return replace(c, expected=Verdict.FAILS, tags=(*c.tags, "false-variant"))


def seed_claims() -> list[Claim]:
    """The balancing claims of this module, then their false neighbours."""
    xy = Loss.from_catalog("xy")
    mf, sigma = matrix_factorisation()
    mf2, _ = matrix_factorisation(2)
    xy_blocks, mf_blocks = ((0,), (1,)), ((0, 1), (2, 3))
    return [
        imbalance_identity(),
        limit_bound(xy, xy_blocks, XY_STARTS, sp.Integer(1), id="balancing.limit-bound.xy"),
        limit_bound(mf, mf_blocks, FACTOR_STARTS, sigma, id="balancing.limit-bound.mf2x1"),
        limit_bound(mf2, ((0, 1, 2, 3), (4, 5, 6, 7)), FACTOR2_STARTS, sigma, grid=R(1, 2),
                    id="balancing.limit-bound.mf2x2", note=(
                        "an empirical check for 2×2 factors: the stability form is derived "
                        "for one column only; Wang et al.'s own constant is not in the seed")),
        monotone_imbalance(xy, xy_blocks, XY_STARTS, id="balancing.monotone-imbalance.xy"),
        _false(small_h_balances(xy, xy_blocks, XY_STARTS[:1],
                                id="false.balancing.small-h-balances.xy")),
        _false(monotone_imbalance(mf, mf_blocks, FACTOR_STARTS[:1],
                                  id="false.balancing.monotone-imbalance.mf2x1",
                                  source=WRONG)),
    ]
