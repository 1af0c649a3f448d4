"""Edge-of-stability metrics along a GD orbit, with a summary.

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
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symstab.dynamics.eos.pointwise import lambda_max
from symstab.dynamics.highprec import mpmath_target, to_mpf
from symstab.evidence import Strength
from symstab.inputs import Point, StepSize, bounded_int
from symstab.loss import Loss, require_loss

__all__ = ["EosResult", "EosSeries", "EosSummary", "EosThresholds", "eos_metrics"]


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
        lam = lambda_max(ctx, target.hessian(theta))
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

