"""Lyapunov exponents of the GD map along an orbit (QR method, high precision).

The GD map G(θ) = θ − η∇f(θ) has Jacobian DG(θ) = I − ηH(θ), with H the Hessian derived
once by :func:`symstab.codegen.compile_loss` (never written by hand). Along the orbit
θ_{k+1} = G(θ_k), the Lyapunov exponents are the growth rates

    λ_i = lim_{N→∞} (1/N) Σ_k log |R_k[i, i]|,

where DG(θ_k) Q_k = Q_{k+1} R_k is a QR decomposition (Q_0 = I, R_k upper triangular
with non-negative diagonal; the classical "QR method" of Benettin et al. / Eckmann &
Ruelle). Everything, the orbit and the QR steps, runs in mpmath at ``dps`` digits.

Procedure (:func:`lyapunov_spectrum`)
-------------------------------------
1. ``transient`` steps are iterated (orbit and Q both evolve) and not counted.
2. The remaining N = ``steps − transient`` steps are split into ``blocks`` blocks of
   equal length; each block gives its own estimate (mean of log |R_ii| over the block).
3. Error estimate of each exponent: the largest of (a) the standard error of the block
   means, (b) half the difference of the estimates from the first and the second half
   of the counted steps, and (c) the difference from a second run of the whole
   computation at ``dps_check`` digits (default ``dps + max(10, dps // 2)``).
4. The orbit's end is tested for a fixed point or a cycle: ‖θ_{K−j} − θ_{K−j−p}‖_∞ <=
   tol·max(1, ‖θ_K‖_∞) for j = 0..p (one whole period), smallest p <= ``period_max``,
   tol = 10^(−⌊dps/2⌋).

Verdicts (largest exponent λ₁, its error estimate e₁, margin m = 3e₁ + 5/N):

``periodic``
    λ₁ < −m and the orbit was found to be a fixed point (``period`` 1) or a cycle.
``chaotic``
    λ₁ > m (positive beyond three error estimates and beyond the O(1/N) bias of a
    finite-time average) and the orbit is not periodic.
``quasi-periodic``
    |λ₁| <= m, m <= 0.05, and the orbit is neither periodic nor diverged.
``diverged``
    ‖θ‖₂ exceeded ``divergence_bound`` or a value was not finite (no exponent).
``undetermined``
    Anything else (e.g. λ₁ < 0 but no fixed point or cycle within the step budget).

The evidence is always ``numerical`` (finite-precision, finite-time estimates), with the
precision, step counts and error estimate stated.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symstab.dynamics.highprec import mpmath_target, to_mpf
from symstab.errors import InputError
from symstab.evidence import Strength
from symstab.inputs import Point, StepSize, bounded_int
from symstab.loss import Loss, require_loss

__all__ = [
    "VERDICTS",
    "LyapunovResult",
    "LyapunovRun",
    "lyapunov_run",
    "lyapunov_spectrum",
]

VERDICTS = ("periodic", "chaotic", "quasi-periodic", "diverged", "undetermined")

#: Multiple of the error estimate by which λ₁ must clear 0.
ERROR_MULTIPLE = 3.0
#: Allowance for the O(1/N) bias of a finite-time average: BIAS_ALLOWANCE / N.
BIAS_ALLOWANCE = 5.0
#: Widest margin at which "≈ 0" is still called quasi-periodic.
QUASI_PERIODIC_MAX_MARGIN = 0.05


# --------------------------------------------------------------------------------------
# One QR run at one precision
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LyapunovRun:
    """The QR method at one precision.

    Attributes
    ----------
    dps
        Working precision in decimal digits.
    steps, transient
        Steps iterated, and how many of them (the first) were not counted.
    exponents
        Estimates λ_1 >= ... >= λ_n (mean of log |R_ii| over the counted steps, sorted
        in decreasing order; -inf when DG was singular along the orbit).
    block_estimates
        ``block_estimates[b][i]``: the estimate of exponent i from block b alone (columns
        in the order of the QR diagonal, which sorts itself into decreasing order).
    halves
        Estimates from the first and the second half of the counted steps.
    diverged_at
        First step at which the orbit left the divergence bound, else None.
    period
        1 for a numerical fixed point, p >= 2 for a cycle, None otherwise.
    final
        The last iterate (``mpf`` at ``dps``).
    """

    dps: int
    steps: int
    transient: int
    exponents: tuple[float, ...]
    block_estimates: tuple[tuple[float, ...], ...]
    halves: tuple[tuple[float, ...], tuple[float, ...]]
    diverged_at: int | None
    period: int | None
    final: tuple[Any, ...]


def _orthonormal_fill(ctx: Any, cols: list[list[Any]], n: int) -> list[Any]:
    """A unit vector orthogonal to ``cols`` (used when DG Q has a zero column)."""
    for k in range(n):
        v = [ctx.one if i == k else ctx.zero for i in range(n)]
        for q in cols:
            d = ctx.fsum(a * b for a, b in zip(v, q, strict=True))
            v = [a - d * b for a, b in zip(v, q, strict=True)]
        norm = ctx.sqrt(ctx.fsum(a * a for a in v))
        if norm > ctx.mpf(10) ** (-(ctx.dps // 2)):
            return [a / norm for a in v]
    raise RuntimeError("no orthonormal completion found")  # pragma: no cover


def lyapunov_run(
    loss: Loss,
    eta: Any,
    theta0: Sequence[Any],
    *,
    steps: int = 4000,
    transient: int | None = None,
    dps: int = 30,
    blocks: int = 10,
    period_max: int = 16,
    divergence_bound: float = 1e12,
) -> LyapunovRun:
    """Lyapunov exponents of the GD map by the QR method at one precision.

    Parameters
    ----------
    loss
        The loss (its Hessian is derived and compiled by :func:`compile_loss`).
    eta
        Step size, an exact number (``"3/10"``, ``Fraction``, SymPy number; a float is
        read as its shortest decimal).
    theta0
        Start, exact numbers (text through the whitelist parser).
    steps
        Total GD steps, counted and transient.
    transient
        Steps not counted (default ``steps // 5``).
    dps
        Working precision in decimal digits.
    blocks
        Number of blocks the counted steps are split into (>= 2).
    period_max
        Largest period looked for at the end of the orbit.
    divergence_bound
        The orbit diverged when ‖θ‖₂ exceeds this.

    Returns
    -------
    LyapunovRun
    """
    step = StepSize.of(eta)
    th0 = Point.of(theta0, require_loss(loss).n)
    steps = bounded_int(steps, "steps", 2, 10_000_000)
    dps = bounded_int(dps, "dps", 10, 2000)
    transient = steps // 5 if transient is None else bounded_int(transient, "transient", 0)
    if transient >= steps - 1:
        raise InputError("transient must be smaller than steps - 1", "transient")
    blocks = bounded_int(blocks, "blocks", 2)
    counted = steps - transient
    if counted < blocks:
        raise InputError(f"need at least {blocks} counted steps for {blocks} blocks", "steps")
    period_max = bounded_int(period_max, "period_max", 1, 1000)
    return _qr_run(loss, step, th0, steps, transient, dps, blocks, period_max,
                   divergence_bound)


def _qr_run(loss: Loss, step: StepSize, th0: Point, steps: int, transient: int,
            dps: int, blocks: int, period_max: int, divergence_bound: float) -> LyapunovRun:
    target = mpmath_target(loss, dps)
    ctx = target.ctx
    n = loss.n
    eta = to_mpf(ctx, step.exact)
    theta = tuple(to_mpf(ctx, t) for t in th0)
    bound2 = ctx.mpf(divergence_bound) ** 2
    Q = [[ctx.one if i == j else ctx.zero for i in range(n)] for j in range(n)]  # columns
    counted = steps - transient
    edges = [transient + (counted * b) // blocks for b in range(blocks + 1)]
    half = transient + counted // 2
    sums = [[ctx.zero] * n for _ in range(blocks)]
    neg_inf = [[False] * n for _ in range(blocks)]
    halves_sum = [[ctx.zero] * n, [ctx.zero] * n]
    halves_inf = [[False] * n, [False] * n]
    recent: deque[tuple[Any, ...]] = deque(maxlen=2 * period_max + 2)
    recent.append(theta)
    diverged_at = None
    block = 0
    for k in range(steps):
        H = target.hessian(theta)
        # Z = (I − ηH) Q, column by column; then modified Gram–Schmidt.
        new_cols: list[list[Any]] = []
        logs: list[Any] = []
        for j in range(n):
            q = Q[j]
            z = [q[i] - eta * ctx.fsum(H[i][m] * q[m] for m in range(n)) for i in range(n)]
            for prev in new_cols:
                d = ctx.fsum(a * b for a, b in zip(z, prev, strict=True))
                z = [a - d * b for a, b in zip(z, prev, strict=True)]
            r = ctx.sqrt(ctx.fsum(a * a for a in z))
            if r == 0:
                logs.append(None)
                new_cols.append(_orthonormal_fill(ctx, new_cols, n))
            else:
                logs.append(ctx.log(r))
                new_cols.append([a / r for a in z])
        Q = new_cols
        if k >= transient:
            while k >= edges[block + 1]:
                block += 1
            h = 0 if k < half else 1
            for i, lg in enumerate(logs):
                if lg is None:
                    neg_inf[block][i] = True
                    halves_inf[h][i] = True
                else:
                    sums[block][i] += lg
                    halves_sum[h][i] += lg
        theta = target.step(theta, eta)
        norm2 = ctx.fsum(t * t for t in theta)
        if not ctx.isfinite(norm2) or norm2 > bound2:
            diverged_at = k + 1
            break
        recent.append(theta)

    final = theta
    if diverged_at is not None:
        nan = (float("nan"),) * n
        return LyapunovRun(dps, steps, transient, nan, (), (nan, nan), diverged_at, None, final)

    def mean(total: Any, inf: bool, length: int) -> float:
        return float("-inf") if inf else float(total / length)

    block_est = tuple(
        tuple(mean(sums[b][i], neg_inf[b][i], edges[b + 1] - edges[b]) for i in range(n))
        for b in range(blocks)
    )
    lengths = (half - transient, steps - half)
    halves = tuple(
        tuple(mean(halves_sum[h][i], halves_inf[h][i], max(lengths[h], 1)) for i in range(n))
        for h in range(2)
    )
    total = [
        float("-inf") if any(neg_inf[b][i] for b in range(blocks))
        else float(ctx.fsum(sums[b][i] for b in range(blocks)) / counted)
        for i in range(n)
    ]
    exps = tuple(sorted(total, reverse=True))
    period = _end_period(ctx, list(recent), period_max, dps)
    return LyapunovRun(dps, steps, transient, exps, block_est, halves,  # type: ignore[arg-type]
                       None, period, final)


def _end_period(ctx: Any, pts: list[tuple[Any, ...]], period_max: int, dps: int) -> int | None:
    """Smallest p with the last p+1 iterates repeating at lag p (within tolerance)."""
    last = pts[-1]
    scale = max(ctx.one, max(abs(t) for t in last))
    tol = ctx.mpf(10) ** (-(dps // 2)) * scale
    for p in range(1, period_max + 1):
        if len(pts) < 2 * p + 1:
            break
        ok = all(
            max(abs(a - b) for a, b in zip(pts[-1 - j], pts[-1 - j - p], strict=True)) <= tol
            for j in range(p + 1)
        )
        if ok:
            return p
    return None


# --------------------------------------------------------------------------------------
# The spectrum with error estimates and a verdict
# --------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    return f"{x:.6g}"


@dataclass(frozen=True)
class LyapunovResult:
    """Lyapunov exponents of GD along one orbit, with error estimates and a verdict.

    Attributes
    ----------
    loss
        The loss.
    eta
        The step size (exact).
    theta0
        The start (exact).
    exponents
        λ_1 >= ... >= λ_n at ``dps`` digits (floats; -inf if DG was singular on the orbit).
    errors
        Error estimate of each exponent (see the module docstring).
    exponents_check
        The same estimates from the run at ``dps_check`` digits.
    halves
        Estimates from the first and the second half of the counted steps.
    block_estimates
        Per-block estimates (``blocks`` rows).
    verdict
        One of :data:`VERDICTS`.
    period
        1 (fixed point) or p >= 2 (cycle) when the orbit's end repeats, else None.
    diverged_at
        First step outside the divergence bound, else None.
    dps, dps_check
        The two working precisions.
    steps, transient
        Steps iterated and steps discarded before counting.
    margin
        The margin m = 3e₁ + 5/N the verdict compares λ₁ with.
    strength
        Always ``numerical``.
    evidence
        One sentence with the numbers.
    """

    loss: Loss
    eta: sp.Expr
    theta0: tuple[sp.Expr, ...]
    exponents: tuple[float, ...]
    errors: tuple[float, ...]
    exponents_check: tuple[float, ...]
    halves: tuple[tuple[float, ...], tuple[float, ...]]
    block_estimates: tuple[tuple[float, ...], ...]
    verdict: str
    period: int | None
    diverged_at: int | None
    dps: int
    dps_check: int
    steps: int
    transient: int
    margin: float
    strength: Strength
    evidence: str

    @property
    def largest(self) -> float:
        """The largest exponent λ₁."""
        return self.exponents[0]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys (exponents as decimal strings)."""

        def strs(xs: Sequence[float]) -> list[str]:
            return [_fmt(x) for x in xs]

        return {
            "loss": {"name": self.loss.name, "expression": sp.sstr(self.loss.expr),
                     "params": [p.name for p in self.loss.params]},
            "eta": sp.sstr(self.eta),
            "theta0": [sp.sstr(t) for t in self.theta0],
            "verdict": self.verdict,
            "exponents": strs(self.exponents),
            "errors": strs(self.errors),
            "exponents_check": strs(self.exponents_check),
            "halves": [strs(h) for h in self.halves],
            "block_estimates": [strs(b) for b in self.block_estimates],
            "margin": _fmt(self.margin),
            "period": self.period,
            "diverged_at": self.diverged_at,
            "dps": self.dps,
            "dps_check": self.dps_check,
            "steps": self.steps,
            "transient": self.transient,
            "strength": str(self.strength),
            "evidence": self.evidence,
        }


def _error(run: LyapunovRun, check: LyapunovRun, i: int) -> float:
    vals = [b[i] for b in run.block_estimates]
    a, b = run.halves[0][i], run.halves[1][i]
    c, d = run.exponents[i], check.exponents[i]
    if any(math.isinf(v) for v in (*vals, a, b, c, d)):
        same = all(math.isinf(v) and v < 0 for v in (c, d))
        return 0.0 if same else float("inf")
    sem = float(np.std(vals, ddof=1) / math.sqrt(len(vals))) if len(vals) > 1 else 0.0
    return max(sem, abs(a - b) / 2, abs(c - d))


def lyapunov_spectrum(
    loss: Loss,
    eta: Any,
    theta0: Sequence[Any],
    *,
    steps: int = 4000,
    transient: int | None = None,
    dps: int = 30,
    dps_check: int | None = None,
    blocks: int = 10,
    period_max: int = 16,
    divergence_bound: float = 1e12,
) -> LyapunovResult:
    """Lyapunov exponents of GD on ``loss`` from ``theta0``, with errors and a verdict.

    Runs :func:`lyapunov_run` at ``dps`` and at ``dps_check`` digits and combines them
    (see the module docstring for the error estimate and the verdict rules).

    Parameters
    ----------
    loss
        The loss.
    eta
        Step size, exact (``"3/10"``, ``Fraction``, SymPy number).
    theta0
        Start, exact numbers.
    steps
        Total GD steps per run.
    transient
        Steps discarded before counting (default ``steps // 5``).
    dps
        Working precision in decimal digits.
    dps_check
        Precision of the second run (default ``dps + max(10, dps // 2)``).
    blocks
        Number of blocks for the block estimates.
    period_max
        Largest period looked for at the end of the orbit.
    divergence_bound
        The orbit diverged when ‖θ‖₂ exceeds this.

    Returns
    -------
    LyapunovResult

    Examples
    --------
    The GD map of f(x) = 4x³/3 − 3x²/2 at η = 1 is the logistic map 4x(1 − x), whose
    exponent is ln 2 ≈ 0.693:

    >>> import sympy as sp
    >>> from symstab.loss import Loss
    >>> x = sp.Symbol("x", real=True)
    >>> loss = Loss.from_expr(sp.Rational(4, 3) * x**3 - sp.Rational(3, 2) * x**2, (x,))
    >>> r = lyapunov_spectrum(loss, 1, ["0.3"], steps=3000)  # doctest: +SKIP
    >>> r.verdict  # doctest: +SKIP
    'chaotic'
    """
    step = StepSize.of(eta)
    th0 = Point.of(theta0, require_loss(loss).n)
    dps = bounded_int(dps, "dps", 10, 2000)
    dps_check = dps + max(10, dps // 2) if dps_check is None else bounded_int(
        dps_check, "dps_check", 10, 4000)
    if dps_check == dps:
        raise InputError("dps_check must differ from dps", "dps_check")
    kw = dict(steps=steps, transient=transient, blocks=blocks, period_max=period_max,
              divergence_bound=divergence_bound)
    run = lyapunov_run(loss, step, th0, dps=dps, **kw)  # type: ignore[arg-type]
    check = lyapunov_run(loss, step, th0, dps=dps_check, **kw)  # type: ignore[arg-type]
    eta_e = step.exact
    n = loss.n
    counted = run.steps - run.transient
    head = (f"GD on {loss.name} at η = {sp.sstr(eta_e)} from "
            f"({', '.join(sp.sstr(t) for t in th0)}), {run.steps} steps "
            f"({run.transient} discarded), {dps} digits (check at {dps_check})")
    if run.diverged_at is not None or check.diverged_at is not None:
        at = run.diverged_at if run.diverged_at is not None else check.diverged_at
        nan = (float("nan"),) * n
        return LyapunovResult(
            loss, eta_e, th0.coords, nan, nan, nan, (nan, nan), (), "diverged", None, at, dps,
            dps_check, run.steps, run.transient, float("nan"), Strength.NUMERICAL,
            f"{head}: the orbit diverged at step {at}; no exponent.",
        )
    errors = tuple(_error(run, check, i) for i in range(n))
    lam, err = run.exponents[0], errors[0]
    margin = ERROR_MULTIPLE * err + BIAS_ALLOWANCE / counted
    period = run.period if run.period == check.period else None
    if math.isinf(lam) and lam < 0:
        verdict = "periodic" if period is not None else "undetermined"
    elif lam < -margin and period is not None:
        verdict = "periodic"
    elif lam > margin and period is None:
        verdict = "chaotic"
    elif abs(lam) <= margin <= QUASI_PERIODIC_MAX_MARGIN and period is None:
        verdict = "quasi-periodic"
    else:
        verdict = "undetermined"
    orbit = {None: "the orbit's end is not periodic", 1: "the orbit converged to a fixed point"}
    orbit_text = orbit.get(period, f"the orbit's end has period {period}")
    evidence = (
        f"{head}: λ₁ = {_fmt(lam)} ± {_fmt(err)} (block s.e., half-to-half and "
        f"precision differences), margin 3e₁ + 5/N = {_fmt(margin)}; "
        f"exponents {', '.join(_fmt(x) for x in run.exponents)}; {orbit_text}."
    )
    return LyapunovResult(
        loss, eta_e, th0.coords, run.exponents, errors, check.exponents, run.halves,
        run.block_estimates, verdict, period, None, dps, dps_check, run.steps, run.transient,
        margin, Strength.NUMERICAL, evidence,
    )
