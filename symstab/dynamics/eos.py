"""Edge-of-stability metrics along a GD orbit, and the balancing effect of large steps.

Metrics (Ahn, Zhang & Sra 2022, "Understanding the unstable convergence of GD")
-------------------------------------------------------------------------------
Along θ_{t+1} = θ_t − η∇f(θ_t), computed in mpmath at ``dps`` digits
(:func:`eos_metrics`), with g_t = ∇f(θ_t):

* loss f(θ_t), evaluated at ``2·dps`` digits at the computed iterates;
* sharpness λmax(H(θ_t)) (closed form for n <= 2, ``eigsy`` otherwise, at ``dps``
  digits, from the compiled Hessian) and the line 2/η;
* relative progress RP(θ_t) = (f(θ_t − ηg_t) − f(θ_t)) / (η‖g_t‖²)
  = (f(θ_{t+1}) − f(θ_t)) / (η‖g_t‖²);
* directional smoothness along the step, L(θ_t; ηg_t) = ⟨ηg_t, g_t − ∇f(θ_t − ηg_t)⟩ /
  ‖ηg_t‖² = ⟨g_t, g_t − g_{t+1}⟩ / (η‖g_t‖²).

On a quadratic f = ½θᵀAθ (g_{t+1} = (I − ηA)g_t): L = gᵀAg/‖g‖² and
RP = −1 + (η/2)·gᵀAg/‖g‖² = −1 + ηL/2, so RP ≈ 0 exactly when L ≈ 2/η.

Metrics are recorded while ‖g_t‖ >= 10^(−⌊dps/2⌋) (below that RP and L are rounding
noise); the remaining steps are "converged at working precision" and are not used.

Summary (:class:`EosSummary`), with the thresholds in :class:`EosThresholds`:

* ``frac_sharpness_near``: fraction of used steps with |λmax − 2/η| <= s·(2/η)
  (default s = 0.10);
* ``frac_rp_near``: fraction with |RP| <= r (default r = 0.10);
* ``frac_smoothness_near``: fraction with |L(θ_t; ηg_t) − 2/η| <= s·(2/η);
* ``loss_decreased``: f at the last used step < f(θ_0), and the mean loss over the last
  tenth of the used steps < the mean over the first tenth;
* ``stable_condition_violated``: λmax(θ_t) > 2/η at some used step (the descent-lemma
  condition L < 2/η fails somewhere);
* ``unstable_convergence``: all of loss_decreased, stable_condition_violated,
  frac_sharpness_near >= p and frac_rp_near >= p (default p = 0.5).

Everything is ``numerical`` (precision stated); sharpness values are high-precision
floating point, not certified enclosures.

Balancing (Wang, Chen, Zhao & Tao 2022; Tao & Wang blog)
--------------------------------------------------------
:func:`balancing_scan` runs GD on a 2-parameter loss (meant for ½(1 − xy)², catalog
``xy``) from one start for step sizes h = c·L, with L the spectral radius of the Hessian
at the start (the blog: "the L in (2/L, 4/L) is simply the spectral radius of Hess f at
initialization"), until ‖∇f‖ < 10^(−⌊dps/2⌋), and reports the limit gap |x∞ − y∞|,
at two precisions. For ½(1 − xy)² each step multiplies x² − y² by exactly
(1 − h²(1 − xy)²), and a limit on xy = 1 has sharpness x² + y² = |x − y|² + 2, so a
linearly stable limit has |x∞ − y∞| <= √(2/h − 2).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symstab.dynamics.highprec import mpmath_target, to_mpf
from symstab.errors import InputError
from symstab.evidence import Strength
from symstab.exact import derivatives
from symstab.inputs import Point, StepSize, bounded_int, exact_number
from symstab.loss import Loss, require_loss

__all__ = [
    "BalancingPoint",
    "BalancingScan",
    "EosResult",
    "EosSeries",
    "EosSummary",
    "EosThresholds",
    "balancing_scan",
    "eos_metrics",
    "initial_sharpness",
    "relative_progress",
    "sharpness",
]


# --------------------------------------------------------------------------------------
# Pointwise metrics
# --------------------------------------------------------------------------------------


def _lambda_max(ctx: Any, H: Sequence[Sequence[Any]]) -> Any:
    n = len(H)
    if n == 1:
        return H[0][0]
    if n == 2:
        a, b, c = H[0][0], H[0][1], H[1][1]
        return (a + c) / 2 + ctx.sqrt(((a - c) / 2) ** 2 + b * b)
    vals = ctx.eigsy(ctx.matrix([list(r) for r in H]), eigvals_only=True)
    return max(vals[i] for i in range(n))


def sharpness(loss: Loss, theta: Sequence[Any], *, dps: int = 30) -> Any:
    """λmax of the Hessian at ``theta`` (mpf at ``dps`` digits, numerical).

    Parameters
    ----------
    loss
        The loss (Hessian from :func:`symstab.compile.compile_loss`).
    theta
        The point, exact numbers or mpf.
    dps
        Working precision in decimal digits.

    Returns
    -------
    mpmath.mpf
    """
    target = mpmath_target(loss, bounded_int(dps, "dps", 10, 2000))
    ctx = target.ctx
    point = [to_mpf(ctx, t) for t in Point.of(theta, require_loss(loss).n, "theta")]
    return _lambda_max(ctx, target.hessian(point))


def relative_progress(loss: Loss, eta: Any, theta: Sequence[Any], *, dps: int = 30) -> Any:
    """RP(θ) = (f(θ − η∇f(θ)) − f(θ)) / (η‖∇f(θ)‖²), at ``dps`` digits (numerical).

    The loss values are evaluated at ``2·dps`` digits at the computed points.

    Parameters
    ----------
    loss
        The loss.
    eta
        Step size (exact).
    theta
        The point (exact numbers).
    dps
        Working precision in decimal digits.

    Returns
    -------
    mpmath.mpf
        NaN when ∇f(θ) = 0.
    """
    dps = bounded_int(dps, "dps", 10, 2000)
    step = StepSize.of(eta)
    point = Point.of(theta, require_loss(loss).n, "theta")
    target = mpmath_target(loss, dps)
    hi = mpmath_target(loss, 2 * dps)
    ctx = target.ctx
    th = tuple(to_mpf(ctx, t) for t in point)
    eta_m = to_mpf(ctx, step.exact)
    g = target.gradient(th)
    n2 = ctx.fsum(x * x for x in g)
    if n2 == 0:
        return ctx.nan
    nxt = target.step(th, eta_m)
    return ctx.mpf(hi.value(nxt) - hi.value(th)) / (eta_m * n2)


def initial_sharpness(loss: Loss, theta0: Sequence[Any]) -> sp.Expr:
    """Spectral radius of the Hessian at ``theta0``, exactly (SymPy).

    Parameters
    ----------
    loss
        The loss.
    theta0
        The point (exact numbers).

    Returns
    -------
    sympy.Expr
        max |eigenvalue| of H(θ0), an exact algebraic number.
    """
    point = Point.of(theta0, require_loss(loss).n).coords
    H = derivatives.hessian(loss).subs(dict(zip(loss.params, point, strict=True)))
    eig = list(sp.Matrix(H).eigenvals())
    return sp.radsimp(max((sp.Abs(e) for e in eig), key=lambda v: float(sp.N(v, 30))))


# --------------------------------------------------------------------------------------
# Metrics along an orbit
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EosThresholds:
    """Thresholds of the unstable-convergence summary.

    Attributes
    ----------
    sharpness_rel
        "Near 2/η" means |λmax − 2/η| <= sharpness_rel · 2/η (also used for the
        directional smoothness).
    rp_abs
        "RP near 0" means |RP| <= rp_abs.
    fraction
        The fractions of steps near 2/η and with RP near 0 must both reach this.
    """

    sharpness_rel: float = 0.10
    rp_abs: float = 0.10
    fraction: float = 0.5

    def to_dict(self) -> dict[str, float]:
        """JSON-ready dict."""
        return {"sharpness_rel": self.sharpness_rel, "rp_abs": self.rp_abs,
                "fraction": self.fraction}


@dataclass(frozen=True)
class EosSeries:
    """The per-step metrics (floats rounded from the ``dps``-digit values).

    Attributes
    ----------
    step
        Step indices t of the used steps (0, 1, ...).
    loss
        f(θ_t).
    sharpness
        λmax(H(θ_t)).
    rp
        RP(θ_t).
    smoothness
        L(θ_t; η∇f(θ_t)).
    grad_norm
        ‖∇f(θ_t)‖.
    """

    step: tuple[int, ...]
    loss: tuple[float, ...]
    sharpness: tuple[float, ...]
    rp: tuple[float, ...]
    smoothness: tuple[float, ...]
    grad_norm: tuple[float, ...]

    def to_dict(self) -> dict[str, list[Any]]:
        """JSON-ready dict of lists."""
        return {k: [float(v) if not isinstance(v, int) else v for v in getattr(self, k)]
                for k in ("step", "loss", "sharpness", "rp", "smoothness", "grad_norm")}


@dataclass(frozen=True)
class EosSummary:
    """The unstable-convergence features of one orbit (see the module docstring).

    Attributes
    ----------
    used_steps
        Steps with metrics (‖∇f‖ above the working-precision floor, orbit not diverged).
    frac_sharpness_near, frac_rp_near, frac_smoothness_near
        Fractions of used steps near 2/η / near 0 / near 2/η.
    frac_sharpness_above
        Fraction of used steps with λmax > 2/η.
    max_sharpness_ratio
        max_t λmax(θ_t) / (2/η).
    loss_initial, loss_final
        f(θ_0) and f at the last used step.
    loss_decreased
        See the module docstring.
    n_loss_increases
        Used steps t with f(θ_{t+1}) >= f(θ_t).
    stable_condition_violated
        λmax > 2/η at some used step.
    unstable_convergence
        All features present.
    diverged_at
        First step at which the orbit left the bound, else None.
    thresholds
        The thresholds used.
    evidence
        One sentence with the numbers.
    """

    used_steps: int
    frac_sharpness_near: float
    frac_rp_near: float
    frac_smoothness_near: float
    frac_sharpness_above: float
    max_sharpness_ratio: float
    loss_initial: float
    loss_final: float
    loss_decreased: bool
    n_loss_increases: int
    stable_condition_violated: bool
    unstable_convergence: bool
    diverged_at: int | None
    thresholds: EosThresholds
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        out: dict[str, Any] = {
            k: getattr(self, k)
            for k in ("used_steps", "frac_sharpness_near", "frac_rp_near",
                      "frac_smoothness_near", "frac_sharpness_above", "max_sharpness_ratio",
                      "loss_initial", "loss_final", "loss_decreased", "n_loss_increases",
                      "stable_condition_violated", "unstable_convergence", "diverged_at",
                      "evidence")
        }
        out["thresholds"] = self.thresholds.to_dict()
        return out


@dataclass(frozen=True)
class EosResult:
    """Edge-of-stability metrics of one GD orbit.

    Attributes
    ----------
    loss, eta, theta0
        The loss, the exact step size and the exact start.
    dps
        Working precision in decimal digits (losses at ``2·dps``).
    steps
        Steps requested.
    two_over_eta
        2/η as a float (exact: ``2/eta``).
    series
        The per-step metrics.
    summary
        The features and the decision.
    final
        The last computed iterate (decimal strings).
    strength
        Always ``numerical``.
    """

    loss: Loss
    eta: sp.Expr
    theta0: tuple[sp.Expr, ...]
    dps: int
    steps: int
    two_over_eta: float
    series: EosSeries
    summary: EosSummary
    final: tuple[str, ...]
    strength: Strength = Strength.NUMERICAL

    def to_dict(self, *, series: bool = True) -> dict[str, Any]:
        """JSON-ready dict with stable keys.

        Parameters
        ----------
        series
            Include the per-step lists.
        """
        out: dict[str, Any] = {
            "loss": {"name": self.loss.name, "expression": sp.sstr(self.loss.expr),
                     "params": [p.name for p in self.loss.params]},
            "eta": sp.sstr(self.eta),
            "two_over_eta": {"exact": sp.sstr(2 / self.eta), "decimal": repr(self.two_over_eta)},
            "theta0": [sp.sstr(t) for t in self.theta0],
            "dps": self.dps,
            "steps": self.steps,
            "final": list(self.final),
            "strength": str(self.strength),
            "summary": self.summary.to_dict(),
        }
        if series:
            out["series"] = self.series.to_dict()
        return out


def eos_metrics(
    loss: Loss,
    eta: Any,
    theta0: Sequence[Any],
    *,
    steps: int = 500,
    dps: int = 40,
    thresholds: EosThresholds | None = None,
    divergence_bound: float = 1e12,
) -> EosResult:
    """Loss, sharpness, RP and directional smoothness along GD, with a summary.

    Parameters
    ----------
    loss
        The loss (gradient and Hessian compiled by :func:`compile_loss`).
    eta
        Step size, exact (``"3/10"``, Fraction, SymPy number).
    theta0
        Start, exact numbers.
    steps
        GD steps.
    dps
        Working precision in decimal digits (losses at ``2·dps``).
    thresholds
        Thresholds of the summary (default :class:`EosThresholds`).
    divergence_bound
        The orbit diverged when ‖θ‖₂ exceeds this.

    Returns
    -------
    EosResult
    """
    step = StepSize.of(eta)
    th0 = Point.of(theta0, require_loss(loss).n)
    steps = bounded_int(steps, "steps", 1, 1_000_000)
    dps = bounded_int(dps, "dps", 10, 2000)
    thr = thresholds or EosThresholds()
    target = mpmath_target(loss, dps)
    hi = mpmath_target(loss, 2 * dps)
    ctx = target.ctx
    eta_m = to_mpf(ctx, step.exact)
    two = 2 / eta_m
    floor2 = (ctx.mpf(10) ** (-(dps // 2))) ** 2
    bound2 = ctx.mpf(divergence_bound) ** 2
    theta = tuple(to_mpf(ctx, t) for t in th0)
    f_cur = hi.value(theta)
    g = target.gradient(theta)
    cols: dict[str, list[Any]] = {k: [] for k in ("step", "loss", "sharpness", "rp",
                                                  "smoothness", "grad_norm")}
    diverged_at = None
    loss_next: Any = None
    for t in range(steps):
        n2 = ctx.fsum(x * x for x in g)
        if n2 < floor2:
            break
        nxt = target.step(theta, eta_m)
        if not all(ctx.isfinite(x) for x in nxt) or ctx.fsum(x * x for x in nxt) > bound2:
            diverged_at = t + 1
            break
        f_next = hi.value(nxt)
        g_next = target.gradient(nxt)
        rp = ctx.mpf(f_next - f_cur) / (eta_m * n2)
        ds = ctx.fsum(a * (a - b) for a, b in zip(g, g_next, strict=True)) / (eta_m * n2)
        lam = _lambda_max(ctx, target.hessian(theta))
        cols["step"].append(t)
        cols["loss"].append(float(f_cur))
        cols["sharpness"].append(float(lam))
        cols["rp"].append(float(rp))
        cols["smoothness"].append(float(ds))
        cols["grad_norm"].append(float(ctx.sqrt(n2)))
        loss_next = f_next
        theta, f_cur, g = nxt, f_next, g_next
    series = EosSeries(**{k: tuple(v) for k, v in cols.items()})  # type: ignore[arg-type]
    summary = _summarise(series, float(two), thr, diverged_at,
                         None if loss_next is None else float(loss_next))
    final = tuple(ctx.nstr(x, 20) for x in theta)
    return EosResult(loss, step.exact, th0.coords, dps, steps, float(two), series, summary, final)


def _summarise(s: EosSeries, two: float, thr: EosThresholds, diverged_at: int | None,
               loss_after: float | None) -> EosSummary:
    n = len(s.step)
    if n == 0:
        ev = "no usable step (the start is a critical point at working precision" + (
            ")" if diverged_at is None else f", or the orbit diverged at step {diverged_at})")
        return EosSummary(0, 0.0, 0.0, 0.0, 0.0, float("nan"), float("nan"), float("nan"),
                          False, 0, False, False, diverged_at, thr, ev)
    near = [abs(v - two) <= thr.sharpness_rel * two for v in s.sharpness]
    rp_near = [abs(v) <= thr.rp_abs for v in s.rp]
    ds_near = [abs(v - two) <= thr.sharpness_rel * two for v in s.smoothness]
    above = [v > two for v in s.sharpness]
    losses = [*s.loss, loss_after if loss_after is not None else s.loss[-1]]
    incs = sum(1 for a, b in itertools.pairwise(losses) if b >= a)
    tenth = max(1, len(losses) // 10)
    first = sum(losses[:tenth]) / tenth
    last = sum(losses[-tenth:]) / tenth
    decreased = diverged_at is None and losses[-1] < losses[0] and last < first
    fs, fr, fd = sum(near) / n, sum(rp_near) / n, sum(ds_near) / n
    violated = any(above)
    unstable = decreased and violated and fs >= thr.fraction and fr >= thr.fraction
    ratio = max(s.sharpness) / two
    ev = (f"{n} steps used: sharpness within {thr.sharpness_rel:.0%} of 2/η = {two:.6g} at "
          f"{fs:.1%} of them (above 2/η at {sum(above) / n:.1%}, max ratio {ratio:.4g}); "
          f"|RP| <= {thr.rp_abs:g} at {fr:.1%}; directional smoothness within "
          f"{thr.sharpness_rel:.0%} of 2/η at {fd:.1%}; loss {losses[0]:.6g} -> "
          f"{losses[-1]:.6g} with {incs} increase(s); unstable-convergence features "
          f"{'present' if unstable else 'absent'} (need loss decreasing overall, "
          f"λmax > 2/η somewhere, both fractions >= {thr.fraction:.0%})")
    if diverged_at is not None:
        ev += f"; the orbit diverged at step {diverged_at}"
    return EosSummary(n, fs, fr, fd, sum(above) / n, ratio, losses[0], losses[-1], decreased,
                      incs, violated, unstable, diverged_at, thr, ev)


# --------------------------------------------------------------------------------------
# Balancing
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BalancingPoint:
    """GD from one start at one step size h = ratio·L, run to convergence.

    Attributes
    ----------
    ratio
        h·L (exact).
    h
        The step size as a decimal string.
    outcome
        ``"converged"`` (‖∇f‖ < 10^(−⌊dps/2⌋)), ``"diverged"`` or ``"undetermined"``.
    limit
        The last iterate (decimal strings).
    gap
        |x∞ − y∞| at ``dps`` digits (NaN unless converged).
    gap_check
        The same at ``dps_check`` digits.
    sharpness
        λmax at the limit.
    steps_taken
        GD steps until the stopping rule.
    agree
        Whether the two precisions agree on the outcome and on ``gap`` to 1e-8.
    """

    ratio: sp.Expr
    h: str
    outcome: str
    limit: tuple[str, ...]
    gap: float
    gap_check: float
    sharpness: float
    steps_taken: int
    agree: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"ratio": sp.sstr(self.ratio), "h": self.h, "outcome": self.outcome,
                "limit": list(self.limit), "gap": _num(self.gap),
                "gap_check": _num(self.gap_check), "sharpness": _num(self.sharpness),
                "steps_taken": self.steps_taken, "agree": self.agree}


def _num(x: float) -> str | float:
    return x if math.isfinite(x) else str(x)


@dataclass(frozen=True)
class BalancingScan:
    """|x∞ − y∞| against h = c·L from one start.

    Attributes
    ----------
    loss, theta0
        The loss and the exact start.
    L
        Spectral radius of the Hessian at the start (exact).
    L_definition
        How L is defined, in words.
    points
        One :class:`BalancingPoint` per ratio, in increasing order of h.
    monotone_up_to
        Largest ratio c such that every point up to it converged (at both precisions)
        and the gaps are non-increasing in h up to it; None if the first point already
        fails.
    violations
        Consecutive converged pairs (c_i, c_j, gap_i, gap_j) with gap_j > gap_i.
    first_divergence
        Smallest ratio at which GD diverged, else None.
    dps, dps_check
        The two working precisions.
    strength
        ``numerical``.
    """

    loss: Loss
    theta0: tuple[sp.Expr, ...]
    L: sp.Expr
    L_definition: str
    points: tuple[BalancingPoint, ...]
    monotone_up_to: sp.Expr | None
    violations: tuple[tuple[sp.Expr, sp.Expr, float, float], ...]
    first_divergence: sp.Expr | None
    dps: int
    dps_check: int
    strength: Strength = field(default=Strength.NUMERICAL)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        return {
            "loss": self.loss.name,
            "theta0": [sp.sstr(t) for t in self.theta0],
            "L": {"exact": sp.sstr(self.L), "decimal": str(sp.N(self.L, 15))},
            "L_definition": self.L_definition,
            "points": [p.to_dict() for p in self.points],
            "monotone_up_to": None if self.monotone_up_to is None
            else sp.sstr(self.monotone_up_to),
            "violations": [[sp.sstr(a), sp.sstr(b), x, y] for a, b, x, y in self.violations],
            "first_divergence": None if self.first_divergence is None
            else sp.sstr(self.first_divergence),
            "dps": self.dps,
            "dps_check": self.dps_check,
            "strength": str(self.strength),
        }


def _to_limit(loss: Loss, h: sp.Expr, th0: Point, dps: int, max_steps: int,
              chunk: int, bound: float) -> tuple[str, tuple[Any, ...], int, Any]:
    target = mpmath_target(loss, dps)
    ctx = target.ctx
    eta = to_mpf(ctx, h)
    theta = tuple(to_mpf(ctx, t) for t in th0)
    floor2 = (ctx.mpf(10) ** (-(dps // 2))) ** 2
    bound2 = ctx.mpf(bound) ** 2
    done = 0
    while done < max_steps:
        theta = target.descend(theta, eta, chunk)
        done += chunk
        n2 = ctx.fsum(x * x for x in theta)
        if not ctx.isfinite(n2) or n2 > bound2:
            return "diverged", theta, done, ctx
        g = target.gradient(theta)
        if ctx.fsum(x * x for x in g) < floor2:
            return "converged", theta, done, ctx
    return "undetermined", theta, done, ctx


def balancing_scan(
    loss: Loss,
    theta0: Sequence[Any],
    ratios: Sequence[Any],
    *,
    dps: int = 30,
    dps_check: int | None = None,
    max_steps: int = 200_000,
    chunk: int = 50,
    divergence_bound: float = 1e8,
) -> BalancingScan:
    """|x∞ − y∞| of GD on a 2-parameter loss against h = c·L, c in ``ratios``.

    Parameters
    ----------
    loss
        A loss of two parameters (x, y), e.g. catalog ``xy`` = ½(1 − xy)².
    theta0
        The start (exact numbers), e.g. an unbalanced one (3, 1/10).
    ratios
        The values c = h·L (exact numbers; sorted increasingly here).
    dps
        Working precision in decimal digits.
    dps_check
        Second precision (default ``dps + 10``).
    max_steps
        Step budget per run.
    chunk
        Steps between two convergence checks.
    divergence_bound
        The orbit diverged when ‖θ‖₂ exceeds this.

    Returns
    -------
    BalancingScan
    """
    if loss.n != 2:
        raise InputError("balancing needs a loss of two parameters", "loss")
    th0 = Point.of(theta0, require_loss(loss).n)
    dps = bounded_int(dps, "dps", 10, 1000)
    dps_check = dps + 10 if dps_check is None else bounded_int(dps_check, "dps_check", 10, 2000)
    max_steps = bounded_int(max_steps, "max_steps", 1, 10_000_000)
    chunk = bounded_int(chunk, "chunk", 1, 100_000)
    cs = sorted({exact_number(c, "ratio") for c in ratios}, key=lambda v: float(v))
    if not cs or any(not bool(c > 0) for c in cs):
        raise InputError("ratios must be positive numbers", "ratios")
    L = initial_sharpness(loss, th0)
    if not bool(L > 0):
        raise InputError("the Hessian at the start is zero; L is undefined", "theta0")
    points = []
    for c in cs:
        h = c / L
        runs = [_to_limit(loss, h, th0, d, max_steps, chunk, divergence_bound)
                for d in (dps, dps_check)]
        (out, th, k, ctx), (out2, th2, _, _) = runs
        gap = float(abs(th[0] - th[1])) if out == "converged" else float("nan")
        gap2 = float(abs(th2[0] - th2[1])) if out2 == "converged" else float("nan")
        lam = float(_lambda_max(ctx, mpmath_target(loss, dps).hessian(th))) if out == "converged" \
            else float("nan")
        agree = out == out2 and (out != "converged" or abs(gap - gap2) <= 1e-8 * max(1, gap))
        points.append(BalancingPoint(c, str(sp.N(h, 12)), out,
                                     tuple(ctx.nstr(x, 20) for x in th), gap, gap2, lam, k,
                                     agree))
    monotone_up_to = None
    for i, p in enumerate(points):
        ok = p.outcome == "converged" and p.agree
        if ok and i > 0:
            ok = monotone_up_to is not None and p.gap <= points[i - 1].gap
        if not ok:
            break
        monotone_up_to = p.ratio
    violations = tuple(
        (a.ratio, b.ratio, a.gap, b.gap)
        for a, b in itertools.pairwise(points)
        if a.outcome == b.outcome == "converged" and b.gap > a.gap
    )
    first_div = next((p.ratio for p in points if p.outcome == "diverged"), None)
    return BalancingScan(
        loss, th0.coords, L, "L = spectral radius of the Hessian at the start (Tao & Wang blog)",
        tuple(points), monotone_up_to, violations, first_div, dps, dps_check,
    )
