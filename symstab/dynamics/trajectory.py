"""Single GD trajectories in arbitrary precision, classified, with precision checks.

:func:`trajectory` iterates the GD map G(θ) = θ − η∇f(θ) with the mpmath target of
:func:`symstab.compile.compile_loss` at ``dps`` decimal digits and classifies the orbit:

``converged``
    Either the orbit entered a :class:`~symstab.certify.region.CertifiedRegion` (a ball
    around a strict minimum that GD at this η provably maps into itself, contracting),
    or it reached a *numerical fixed point* (consecutive iterates within the tolerance
    for a number of consecutive steps, see below). Only the first gives the minimum's
    label (k >= 1) and strength ``certified``; a fixed point that no region proves is
    ``converged`` with label 0 and strength ``numerical``. This covers a saddle reached
    exactly (e.g. f4 from a point of the anti-diagonal x = −y, whose orbit stays on it and
    tends to the saddle at the origin) and a minimum that attracts although no region was
    certified for it (e.g. when η is close to η* = 2/λmax, or regions are unavailable).
``periodic``
    θ_k matched θ_{k−p} (max-norm, within the tolerance) for ``max(8, 4p)`` consecutive
    steps, for some 2 <= p <= ``period_max`` (the smallest such p is reported, with the
    orbit). Example: f = x²/2 at η = 2 is x ↦ −x, period 2 from every x0 ≠ 0.
``diverged``
    ‖θ_k‖₂ > ``divergence_bound`` or f(θ_k) (or a coordinate) is not finite.
``undetermined``
    None of these within ``steps`` steps.

What "certified" means here
---------------------------
The region is an interval-arithmetic certificate: *every* point of the ball converges to
the minimum under exact GD, with strictly decreasing loss. The iterates θ_0, …, θ_k that
lead into the ball are **not** enclosures: they are mpmath numbers rounded to nearest at
``dps`` digits each step. So what is certified is the statement "the exact GD orbit from
the *computed* θ_k converges to minimum ``label``" (``contains`` is rigorous for the
computed point). That the exact orbit from θ_0 does the same rests on the computed orbit
shadowing the exact one, which :func:`trajectory_escalated` (agreement across precisions)
and :func:`shadowing` (float64 against mpmath) check numerically, not rigorously.

Loss increases and stability
----------------------------
Step k (θ_k → θ_{k+1}) is a *loss increase* if f(θ_{k+1}) >= f(θ_k). For a converged orbit,
``stable`` is True iff no step before the orbit settled was a loss increase (Chen et al.'s
set U_η of starts with monotone loss). "Settled" means: after entering a certified region
(inside it the decrease is certified, so later steps are not examined) or, for a
numerical fixed point, within the final window in which consecutive iterates were already
within the tolerance (their loss differences are at rounding level and are not counted).

The losses are evaluated at ``dps + dps//2 + 10`` digits at the computed iterates (which
are exact binary numbers), so a comparison f(θ_{k+1}) >= f(θ_k) is reliable for the
computed orbit whenever the step is larger than the period tolerance (then the loss change
is about ‖θ_{k+1} − θ_k‖² >= 10^(−dps), well above the evaluation error).

Tolerances
----------
The period/fixed-point tolerance is ``period_tol`` (default 10^(−⌊dps/2⌋)), applied to
the max-norm of θ_k − θ_{k−p}.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from mpmath import libmp

from symstab.compile import compile_loss
from symstab.errors import BudgetExceeded, InputError
from symstab.evidence import Strength
from symstab.loss import Loss

__all__ = [
    "Classification",
    "EscalationReport",
    "EscalationRun",
    "ShadowingReport",
    "Trajectory",
    "shadowing",
    "trajectory",
    "trajectory_escalated",
]

#: At most this many loss-increase steps are listed (all are counted).
MAX_LISTED_INCREASES = 100
#: A period-p match must persist for max(_PERSIST_MIN, _PERSIST_PERIODS * p) steps.
_PERSIST_MIN = 8
_PERSIST_PERIODS = 4

OUTCOMES = ("converged", "diverged", "periodic", "undetermined")


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


def _num_str(x: Any, digits: int) -> str:
    """Decimal string of an mpf (any context) or a float."""
    raw = getattr(x, "_mpf_", None)
    if raw is not None:
        return libmp.to_str(raw, max(1, digits))
    return repr(float(x))


@dataclass(frozen=True)
class Classification:
    """What a GD orbit does, and how sure that is.

    Attributes
    ----------
    outcome
        ``"converged"``, ``"diverged"``, ``"periodic"`` or ``"undetermined"``.
    label
        Attractors.jl convention: k >= 1 the certified region's label (the k-th minimum),
        -1 diverged, 0 otherwise (including a fixed point not proved by a region).
    stable
        Converged orbits only: True if the loss strictly decreased at every step before
        the orbit settled (see the module docstring), False if it did not decrease at
        least once; None for the other outcomes.
    loss_increases
        Steps k with f(θ_{k+1}) >= f(θ_k) (the first :data:`MAX_LISTED_INCREASES`).
    n_loss_increases
        How many such steps there were.
    entered_region_at
        First k with θ_k inside a certified region (the stopping rule), else None.
    period
        Periodic orbits: the period p >= 2; None otherwise.
    orbit
        Periodic orbits: ``orbit[i]`` is the last computed θ_k with k ≡ i (mod p).
    diverged_at
        Diverged orbits: the first k at which ‖θ_k‖₂ exceeded the bound or f(θ_k) was not
        finite.
    strength
        ``certified`` for convergence proved by a region, ``numerical`` otherwise.
    evidence
        One sentence saying why.
    """

    outcome: str
    label: int
    stable: bool | None
    loss_increases: tuple[int, ...]
    n_loss_increases: int
    entered_region_at: int | None
    period: int | None
    orbit: tuple[tuple[Any, ...], ...] | None
    diverged_at: int | None
    strength: Strength
    evidence: str

    def to_dict(self, digits: int = 30) -> dict[str, Any]:
        """JSON-ready dict with stable keys (orbit coordinates as decimal strings)."""
        return {
            "outcome": self.outcome,
            "label": self.label,
            "stable": self.stable,
            "loss_increases": list(self.loss_increases),
            "n_loss_increases": self.n_loss_increases,
            "entered_region_at": self.entered_region_at,
            "period": self.period,
            "orbit": (
                None
                if self.orbit is None
                else [[_num_str(x, digits) for x in pt] for pt in self.orbit]
            ),
            "diverged_at": self.diverged_at,
            "strength": str(self.strength),
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Trajectory:
    """A computed GD orbit and its classification.

    Attributes
    ----------
    loss
        The loss.
    eta
        The step size, an exact SymPy number.
    theta0
        The start, as exact SymPy numbers (a float input is kept as its exact binary
        value).
    dps
        Working precision in decimal digits.
    iterates
        θ_0, …, θ_K as tuples of ``mpf`` (with ``record=False`` only θ_K).
    losses
        f(θ_0), …, f(θ_K) (with ``record=False`` only f(θ_K)), ``mpf`` evaluated at
        ``dps + dps//2 + 10`` digits at the computed iterates.
    classification
        What the orbit does.
    steps_taken
        K, the index of the last computed iterate.
    """

    loss: Loss
    eta: sp.Expr
    theta0: tuple[sp.Expr, ...]
    dps: int
    iterates: list[tuple[Any, ...]]
    losses: list[Any]
    classification: Classification
    steps_taken: int = 0

    @property
    def final(self) -> tuple[Any, ...]:
        """The last computed iterate θ_K."""
        return self.iterates[-1]

    def to_dict(self, *, iterates: bool = True) -> dict[str, Any]:
        """JSON-ready dict with stable keys; numbers as decimal strings at ``dps`` digits.

        Parameters
        ----------
        iterates
            Include the lists ``iterates`` and ``losses`` (may be long).
        """
        d = self.dps
        out: dict[str, Any] = {
            "loss": {
                "name": self.loss.name,
                "expression": sp.sstr(self.loss.expr),
                "params": [p.name for p in self.loss.params],
            },
            "eta": sp.sstr(self.eta),
            "theta0": [sp.sstr(t) for t in self.theta0],
            "dps": d,
            "steps_taken": self.steps_taken,
            "final": [_num_str(x, d) for x in self.final],
            "final_loss": _num_str(self.losses[-1], d),
            "classification": self.classification.to_dict(d),
        }
        if iterates:
            out["iterates"] = [[_num_str(x, d) for x in pt] for pt in self.iterates]
            out["losses"] = [_num_str(v, d) for v in self.losses]
        return out


# --------------------------------------------------------------------------------------
# Input conversion
# --------------------------------------------------------------------------------------


def _exact_number(x: Any, what: str) -> sp.Expr:
    """An exact real SymPy number from an int, Fraction, decimal/fraction string, float
    (its exact binary value), mpf (exact value) or SymPy number. Strings are parsed with
    :class:`fractions.Fraction` (never ``sympify``)."""
    if isinstance(x, bool):
        raise InputError(f"{what}: a bool is not a number")
    if isinstance(x, sp.Basic):
        if not (isinstance(x, sp.Expr) and x.is_number):
            raise InputError(f"{what}: {x} is not a number")
        if x.is_real is False or x.is_finite is False:
            raise InputError(f"{what}: {x} is not a finite real number")
        if isinstance(x, sp.Float):
            p, q = libmp.to_rational(x._mpf_)
            return sp.Rational(int(p), int(q))
        return x
    if isinstance(x, int | np.integer):
        return sp.Integer(int(x))
    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    if isinstance(x, str):
        try:
            q = Fraction(x.strip())
        except (ValueError, ZeroDivisionError):
            raise InputError(f"{what}: cannot read {x!r} as a number") from None
        return sp.Rational(q.numerator, q.denominator)
    if isinstance(x, float | np.floating):
        if not math.isfinite(float(x)):
            raise InputError(f"{what}: {x} is not finite")
        q = Fraction(float(x))
        return sp.Rational(q.numerator, q.denominator)
    raw = getattr(x, "_mpf_", None)
    if raw is not None:
        if raw in (libmp.finf, libmp.fninf, libmp.fnan):
            raise InputError(f"{what}: {x} is not finite")
        p, q = libmp.to_rational(raw)
        return sp.Rational(int(p), int(q))
    raise InputError(f"{what}: cannot convert {x!r} to a number")


def _to_mpf(ctx: Any, e: sp.Expr) -> Any:
    """``e`` rounded to nearest at the precision of ``ctx`` (rationals: one rounding)."""
    prec = ctx.prec
    if e.is_Rational:
        return ctx.make_mpf(libmp.from_rational(int(e.p), int(e.q), prec, libmp.round_nearest))
    digits = int(prec / 3.3219280948873626) + 20
    val = sp.Float(e.evalf(digits), digits)
    return ctx.make_mpf(libmp.mpf_pos(val._mpf_, prec, libmp.round_nearest))


def _check_int(x: Any, name: str, lo: int) -> int:
    if isinstance(x, bool) or not isinstance(x, int | np.integer) or int(x) < lo:
        raise InputError(f"{name} must be an integer >= {lo}, got {x!r}", name)
    return int(x)


def _check_inputs(loss: Loss, eta: Any, theta0: Any) -> tuple[sp.Expr, tuple[sp.Expr, ...]]:
    if not isinstance(loss, Loss):
        raise InputError("loss must be a symstab Loss")
    eta_e = _exact_number(eta, "eta")
    if not bool(eta_e > 0):
        raise InputError(f"eta must be > 0, got {eta_e}", "eta")
    if isinstance(theta0, str) or not isinstance(theta0, Sequence | np.ndarray):
        raise InputError("theta0 must be a sequence of numbers", "theta0")
    th = tuple(_exact_number(t, "theta0") for t in theta0)
    if len(th) != loss.n:
        raise InputError(f"theta0 has {len(th)} coordinates, the loss has {loss.n}", "theta0")
    return eta_e, th


def _resolve_regions(loss: Loss, eta: sp.Expr, regions: Any) -> tuple[tuple[Any, ...], str]:
    """The regions to test, and a note when none could be obtained."""
    if regions is None:
        try:
            from symstab.certify.region import certified_regions

            found = tuple(certified_regions(loss, eta))
        except (ImportError, NotImplementedError, InputError, BudgetExceeded) as exc:
            reason = str(exc) or type(exc).__name__
            return (), f"no certified regions available ({reason})"
        return found, "" if found else "no certified region exists for this loss and step"
    regions = tuple(regions)
    for r in regions:
        r_eta = getattr(r, "eta", None)
        if r_eta is None:
            continue
        try:
            same = sp.simplify(_exact_number(r_eta, "region eta") - eta) == 0
        except InputError:
            same = False
        if not same:
            raise InputError(
                f"region {getattr(r, 'label', '?')} is certified for eta = {r_eta}, not {eta}",
                "regions",
            )
    return regions, "" if regions else "no certified regions given"


# --------------------------------------------------------------------------------------
# The engine (generic over mpf and float arithmetic)
# --------------------------------------------------------------------------------------


@dataclass
class _Arith:
    """Arithmetic of one run: the GD step, the loss, finiteness and constants."""

    step: Callable[[tuple[Any, ...]], tuple[Any, ...]]
    value: Callable[[tuple[Any, ...]], Any]
    finite: Callable[[Any], bool]
    tol: Any
    bound2: Any
    tol_text: str
    to_region: Callable[[tuple[Any, ...]], tuple[Any, ...]] = field(default=lambda t: t)
    screen: float = 1e-14  # float64 pre-screen for period detection, >= 4 tol


@dataclass
class _Run:
    iterates: list[tuple[Any, ...]]
    losses: list[Any]
    classification: Classification
    steps_taken: int


def _close(a: tuple[Any, ...], b: tuple[Any, ...], tol: Any) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


_SCREEN = 1e-14


def _near_float(a: tuple[float, ...], b: tuple[float, ...], screen: float) -> bool:
    """Necessary condition for _close, whose tolerance 10^-(dps/2) is <= 1e-8 only for
    dps >= 16 and is far below 1e-14 for the usual dps: if |x - y| <= tol in mpf, the
    correctly rounded float64 values differ by at most tol + 2 ulp. False means certainly
    not close; True means compare exactly."""
    return all(abs(x - y) <= screen * (1.0 + abs(x)) for x, y in zip(a, b, strict=True))


def _persist(p: int) -> int:
    return max(_PERSIST_MIN, _PERSIST_PERIODS * p)


def _run(
    ar: _Arith,
    theta: tuple[Any, ...],
    *,
    steps: int,
    regions: tuple[Any, ...],
    region_note: str,
    period_max: int,
    record: bool,
    stop_at_region: bool,
    bound_text: str,
) -> _Run:
    """Iterate and classify (see the module docstring for the rules)."""
    iterates: list[tuple[Any, ...]] = []
    losses: list[Any] = []
    recent: deque[tuple[Any, ...]] = deque(maxlen=period_max + 1)
    recent_float: deque[tuple[float, ...]] = deque(maxlen=period_max + 1)
    runs = [0] * (period_max + 1)  # runs[p]: consecutive k with θ_k ≈ θ_{k-p}
    increases: list[int] = []
    entered: int | None = None
    entered_region: Any = None
    f_prev: Any = None
    regions_ok = True
    k = 0
    outcome = "undetermined"
    period: int | None = None
    orbit: tuple[tuple[Any, ...], ...] | None = None
    diverged_at: int | None = None
    settle_from: int | None = None  # first step index not counted for stability
    persist_text = ""
    why = ""
    while True:
        f = ar.value(theta)
        if record or not iterates:
            iterates.append(theta)
            losses.append(f)
        else:
            iterates[0] = theta
            losses[0] = f
        # divergence
        if not (all(ar.finite(t) for t in theta) and ar.finite(f)):
            outcome, diverged_at, why = "diverged", k, f"f(θ_{k}) or θ_{k} is not finite"
            break
        if not sum(t * t for t in theta) <= ar.bound2:
            outcome, diverged_at, why = "diverged", k, f"‖θ_{k}‖₂ exceeded {bound_text}"
            break
        # loss increase on step k-1
        if f_prev is not None and f >= f_prev and entered is None:
            increases.append(k - 1)
        f_prev = f
        # region entry
        if entered is None and regions and regions_ok:
            try:
                pt = ar.to_region(theta)
                for r in regions:
                    if r.contains(pt):
                        entered, entered_region = k, r
                        break
            except NotImplementedError:
                regions_ok = False
                region_note = "certified regions could not be tested (contains not implemented)"
            if entered is not None and stop_at_region:
                outcome = "converged"
                break
        # fixed points and cycles; a float64 screen (far looser than ar.tol) skips the exact
        # comparison for candidate periods that are visibly apart
        recent.append(theta)
        screen = tuple(float(t) for t in theta)
        recent_float.append(screen)
        hit = 0
        for p in range(1, min(period_max, k) + 1):
            if _near_float(screen, recent_float[-1 - p], ar.screen) and _close(
                theta, recent[-1 - p], ar.tol
            ):
                runs[p] += 1
                if not hit and runs[p] >= _persist(p) and (entered is None or p == 1):
                    hit = p
            else:
                runs[p] = 0
        if hit:
            persist_text = f"{runs[hit]} consecutive steps"
            if hit == 1:
                outcome = "converged"
                settle_from = k - runs[1]
            else:
                outcome, period = "periodic", hit
                # orbit[i] = the last θ_m with m ≡ i (mod p), i.e. m in (k - p, k]
                pts = list(recent)[-hit:]  # θ_{k-p+1} .. θ_k
                first = k - hit + 1
                orbit = tuple(pts[(i - first) % hit] for i in range(hit))
            break
        if k >= steps:
            break
        theta = ar.step(theta)
        k += 1

    if entered is not None:
        outcome = "converged"
        settle_from = entered
    if settle_from is not None:
        increases = [i for i in increases if i < settle_from]
    n_inc = len(increases)
    stable = (n_inc == 0) if outcome == "converged" else None
    label = 0
    strength = Strength.NUMERICAL
    note = f" ({region_note})" if region_note else ""
    if outcome == "converged" and entered_region is not None:
        r = entered_region
        label = int(r.label)
        strength = Strength.CERTIFIED
        evidence = (
            f"θ_{entered} lies in the certified region of minimum {label} "
            f"(ball of radius {_num_str(r.radius, 6)}, contraction {_num_str(r.contraction, 6)}"
            f", {r.method}), which GD at this step size maps into itself, converging"
        )
    elif outcome == "converged":
        evidence = (
            f"numerical fixed point: consecutive iterates within {ar.tol_text} (max-norm) for "
            f"{persist_text} up to step {k}; not inside a certified region, so label 0{note}"
        )
    elif outcome == "periodic":
        evidence = (
            f"period-{period} cycle: θ_k within {ar.tol_text} of θ_(k-{period}) (max-norm) for "
            f"{persist_text} up to step {k}"
        )
    elif outcome == "diverged":
        label = -1
        evidence = why
    else:
        evidence = (
            f"no region entry, fixed point, cycle of period <= {period_max} or divergence "
            f"within {steps} steps{note}"
        )
    cls = Classification(
        outcome=outcome,
        label=label,
        stable=stable,
        loss_increases=tuple(increases[:MAX_LISTED_INCREASES]),
        n_loss_increases=n_inc,
        entered_region_at=entered,
        period=period,
        orbit=orbit,
        diverged_at=diverged_at,
        strength=strength,
        evidence=evidence,
    )
    return _Run(iterates, losses, cls, k)


def _loss_dps(dps: int) -> int:
    """Precision of the loss values of a run at ``dps`` digits."""
    return dps + dps // 2 + 10


def _mp_arith(
    loss: Loss, eta: sp.Expr, dps: int, divergence_bound: Any, period_tol: Any
) -> tuple[_Arith, Any]:
    compiled = compile_loss(loss.expr, loss.params)
    target = compiled.mpmath(dps)
    # losses at higher precision, so that f(θ_{k+1}) >= f(θ_k) is decided reliably for the
    # computed (binary, exact) iterates whenever ‖θ_{k+1} − θ_k‖ > 10^(−dps/2)
    value_target = compiled.mpmath(_loss_dps(dps))
    ctx = target.ctx
    eta_mp = _to_mpf(ctx, eta)
    if period_tol is None:
        tol = ctx.mpf(10) ** (-(dps // 2))
        tol_text = f"1e-{dps // 2}"
    else:
        tol = _to_mpf(ctx, _exact_number(period_tol, "period_tol"))
        if not tol > 0:
            raise InputError("period_tol must be > 0", "period_tol")
        tol_text = _num_str(tol, 6)
    bound = _to_mpf(ctx, _exact_number(divergence_bound, "divergence_bound"))
    if not bound > 0:
        raise InputError("divergence_bound must be > 0", "divergence_bound")
    ar = _Arith(
        step=lambda th: target.step(th, eta_mp),
        value=value_target.value,
        finite=ctx.isfinite,
        tol=tol,
        bound2=bound * bound,
        tol_text=tol_text,
        screen=max(_SCREEN, 4 * float(tol)),
    )
    return ar, ctx


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def trajectory(
    loss: Loss,
    eta: Any,
    theta0: Sequence[Any],
    *,
    steps: int = 10_000,
    dps: int = 50,
    regions: Sequence[Any] | None = None,
    divergence_bound: Any = 10**12,
    period_max: int = 16,
    period_tol: Any = None,
    record: bool = True,
    stop_at_region: bool = True,
) -> Trajectory:
    """Run GD from ``theta0`` at ``dps`` digits and classify the orbit.

    Parameters
    ----------
    loss
        The loss.
    eta
        Step size, an exact number (SymPy number, int, Fraction, or a string such as
        ``"1/2"``; a float is taken as its exact binary value); converted once to an
        ``mpf`` at the working precision.
    theta0
        Start; each coordinate a SymPy number, int, Fraction, string (``"1/10"``,
        ``"2.5"``), float (its exact binary value) or mpf. Each is rounded once to the
        working precision.
    steps
        Maximal number of GD steps.
    dps
        Working precision in decimal digits.
    regions
        Certified regions for this ``eta`` (each must have ``.label`` and
        ``.contains(theta)``). None: :func:`symstab.certify.region.certified_regions` is
        called; if it is unavailable or fails on this loss, no regions are used (and the
        evidence says so).
    divergence_bound
        The orbit diverged when ‖θ‖₂ exceeds this.
    period_max
        Largest period searched for (1 = fixed points only).
    period_tol
        Tolerance of the period test (max-norm); default 10^(−⌊dps/2⌋).
    record
        Keep all iterates and losses (otherwise only the last).
    stop_at_region
        Stop at the first iterate inside a certified region (the default). If False,
        continue until a numerical fixed point or ``steps`` (to approximate the limit);
        the classification is the same.

    Returns
    -------
    Trajectory
        The iterates and their :class:`Classification`.
    """
    eta_e, th0 = _check_inputs(loss, eta, theta0)
    steps = _check_int(steps, "steps", 0)
    dps = _check_int(dps, "dps", 5)
    period_max = _check_int(period_max, "period_max", 1)
    regs, note = _resolve_regions(loss, eta_e, regions)
    return _trajectory(
        loss, eta_e, th0, steps=steps, dps=dps, regions=regs, region_note=note,
        divergence_bound=divergence_bound, period_max=period_max, period_tol=period_tol,
        record=record, stop_at_region=stop_at_region,
    )  # fmt: skip


def _trajectory(
    loss: Loss,
    eta: sp.Expr,
    th0: tuple[sp.Expr, ...],
    *,
    steps: int,
    dps: int,
    regions: tuple[Any, ...],
    region_note: str,
    divergence_bound: Any,
    period_max: int,
    period_tol: Any,
    record: bool,
    stop_at_region: bool,
) -> Trajectory:
    ar, ctx = _mp_arith(loss, eta, dps, divergence_bound, period_tol)
    theta = tuple(_to_mpf(ctx, t) for t in th0)
    run = _run(
        ar, theta, steps=steps, regions=regions, region_note=region_note,
        period_max=period_max, record=record, stop_at_region=stop_at_region,
        bound_text=str(divergence_bound),
    )  # fmt: skip
    return Trajectory(
        loss=loss,
        eta=eta,
        theta0=th0,
        dps=dps,
        iterates=run.iterates,
        losses=run.losses,
        classification=run.classification,
        steps_taken=run.steps_taken,
    )


# -- escalation ------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationRun:
    """Summary of one run of :func:`trajectory_escalated`.

    Attributes
    ----------
    dps
        Working precision.
    outcome, label, stable, period, diverged_at, entered_region_at
        As in :class:`Classification`.
    steps_taken
        Index of the last computed iterate.
    final
        The compared point(s), as decimal strings: the final iterate, or for a periodic
        orbit the orbit points (flattened).
    """

    dps: int
    outcome: str
    label: int
    stable: bool | None
    period: int | None
    diverged_at: int | None
    entered_region_at: int | None
    steps_taken: int
    final: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        return {
            "dps": self.dps,
            "outcome": self.outcome,
            "label": self.label,
            "stable": self.stable,
            "period": self.period,
            "diverged_at": self.diverged_at,
            "entered_region_at": self.entered_region_at,
            "steps_taken": self.steps_taken,
            "final": list(self.final),
        }


@dataclass(frozen=True)
class EscalationReport:
    """How much precision a trajectory needed.

    Attributes
    ----------
    agreed
        Whether two consecutive runs agreed before ``dps_max``.
    dps_needed
        The lower precision of the first agreeing pair (its result was confirmed by the
        run at twice the precision), or None if no pair agreed.
    agree_digits
        The number of digits compared.
    runs
        The runs, in order of increasing precision.
    evidence
        One sentence.
    """

    agreed: bool
    dps_needed: int | None
    agree_digits: int
    runs: tuple[EscalationRun, ...]
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        return {
            "agreed": self.agreed,
            "dps_needed": self.dps_needed,
            "agree_digits": self.agree_digits,
            "runs": [r.to_dict() for r in self.runs],
            "evidence": self.evidence,
        }


def _compared_points(t: Trajectory) -> tuple[tuple[Any, ...], ...]:
    c = t.classification
    if c.outcome == "periodic" and c.orbit is not None:
        return c.orbit
    return (t.final,)


def _points_agree(a: tuple[Any, ...], b: tuple[Any, ...], digits: int, dps_hi: int) -> bool:
    """‖a − b‖∞ <= 10^(−digits)·max(‖a‖∞, ‖b‖∞), evaluated at ``dps_hi`` digits."""
    ctx = mpmath.MPContext()
    ctx.dps = dps_hi + 10
    xa = [ctx.mpf(x) for x in a]
    xb = [ctx.mpf(x) for x in b]
    if not all(ctx.isfinite(x) for x in (*xa, *xb)):
        return False
    scale = max([abs(x) for x in (*xa, *xb)], default=ctx.zero)
    diff = max([abs(x - y) for x, y in zip(xa, xb, strict=True)], default=ctx.zero)
    return diff <= ctx.mpf(10) ** (-digits) * scale


def _runs_agree(a: Trajectory, b: Trajectory, digits: int) -> bool:
    ca, cb = a.classification, b.classification
    if (ca.outcome, ca.label, ca.stable, ca.period) != (cb.outcome, cb.label, cb.stable, cb.period):
        return False
    if ca.outcome == "diverged":
        return ca.diverged_at == cb.diverged_at
    pa, pb = _compared_points(a), _compared_points(b)
    hi = max(a.dps, b.dps)
    return len(pa) == len(pb) and all(
        _points_agree(x, y, digits, hi) for x, y in zip(pa, pb, strict=True)
    )


def _summary(t: Trajectory, digits: int) -> EscalationRun:
    c = t.classification
    pts = _compared_points(t)
    return EscalationRun(
        dps=t.dps,
        outcome=c.outcome,
        label=c.label,
        stable=c.stable,
        period=c.period,
        diverged_at=c.diverged_at,
        entered_region_at=c.entered_region_at,
        steps_taken=t.steps_taken,
        final=tuple(_num_str(x, digits + 5) for pt in pts for x in pt),
    )


def trajectory_escalated(
    loss: Loss,
    eta: Any,
    theta0: Sequence[Any],
    *,
    dps_start: int = 30,
    dps_max: int = 400,
    agree_digits: int = 10,
    **kw: Any,
) -> tuple[Trajectory, EscalationReport]:
    """Rerun :func:`trajectory` at doubled precision until two consecutive runs agree.

    Two runs agree when outcome, label, stability and period are equal and the compared
    points agree to ``agree_digits`` digits in the sense
    ‖a − b‖∞ <= 10^(−agree_digits)·max(‖a‖∞, ‖b‖∞). The compared points are the final
    iterate, or for a periodic orbit the orbit points (aligned by k mod p); for diverged
    runs the step ``diverged_at`` must be equal instead.

    Parameters
    ----------
    loss, eta, theta0
        As for :func:`trajectory`.
    dps_start
        Precision of the first run.
    dps_max
        No run uses more digits than this (the last run may be capped at it).
    agree_digits
        Digits of the compared points that must agree.
    **kw
        Further keywords for :func:`trajectory` (not ``dps``). Regions are resolved once
        and reused by every run.

    Returns
    -------
    (Trajectory, EscalationReport)
        The highest-precision run and the report.
    """
    if "dps" in kw:
        raise InputError("pass dps_start/dps_max, not dps", "dps")
    dps_start = _check_int(dps_start, "dps_start", 5)
    dps_max = _check_int(dps_max, "dps_max", dps_start)
    agree_digits = _check_int(agree_digits, "agree_digits", 1)
    eta_e, th0 = _check_inputs(loss, eta, theta0)
    regions, note = _resolve_regions(loss, eta_e, kw.pop("regions", None))
    unknown = set(kw) - {
        "steps", "divergence_bound", "period_max", "period_tol", "record", "stop_at_region",
    }  # fmt: skip
    if unknown:
        raise InputError(f"unknown keyword(s) {', '.join(sorted(unknown))}")
    opts: dict[str, Any] = {
        "steps": 10_000, "divergence_bound": 10**12, "period_max": 16, "period_tol": None,
        "record": True, "stop_at_region": True,
    }  # fmt: skip
    opts.update(kw)
    opts["steps"] = _check_int(opts["steps"], "steps", 0)
    opts["period_max"] = _check_int(opts["period_max"], "period_max", 1)

    done: list[Trajectory] = []
    dps = dps_start
    needed: int | None = None
    while True:
        t = _trajectory(loss, eta_e, th0, dps=dps, regions=regions, region_note=note, **opts)
        done.append(t)
        if len(done) >= 2 and _runs_agree(done[-2], done[-1], agree_digits):
            needed = done[-2].dps
            break
        if dps >= dps_max:
            break
        dps = min(2 * dps, dps_max)
    summaries = tuple(_summary(t, agree_digits) for t in done)
    if needed is not None:
        evidence = (
            f"runs at {needed} and {done[-1].dps} digits agree (outcome, label, stability, "
            f"{agree_digits} digits of the compared point)"
        )
    else:
        evidence = (
            f"no two consecutive runs between {dps_start} and {done[-1].dps} digits agreed; "
            "the result depends on the precision"
        )
    report = EscalationReport(
        agreed=needed is not None,
        dps_needed=needed,
        agree_digits=agree_digits,
        runs=summaries,
        evidence=evidence,
    )
    return done[-1], report


# -- shadowing -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShadowingReport:
    """Float64 GD beside mpmath GD from the same (float64-rounded) start.

    The deviation at step k is ‖θ_k^f64 − θ_k^mp‖∞ / max(1, ‖θ_k^mp‖∞): absolute where
    the iterate is at most 1 in size, relative above.

    Attributes
    ----------
    steps
        Number of steps compared (fewer than asked if an orbit left the finite range).
    dps
        Precision of the mpmath run.
    tol
        Deviation above which the runs have parted.
    parting_step
        First k with deviation > ``tol``, or None.
    max_deviation
        Largest deviation seen (a float; ``inf`` if one run stopped being finite).
    max_deviation_step
        Where it was seen.
    classification_mp, classification_f64
        The classification of each run (by the same rules, float64 tolerance 1e-8).
    classification_differs
        Whether outcome or label differ.
    evidence
        One sentence.
    """

    steps: int
    dps: int
    tol: float
    parting_step: int | None
    max_deviation: float
    max_deviation_step: int
    classification_mp: Classification
    classification_f64: Classification
    classification_differs: bool
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        return {
            "steps": self.steps,
            "dps": self.dps,
            "tol": repr(self.tol),
            "parting_step": self.parting_step,
            "max_deviation": repr(self.max_deviation),
            "max_deviation_step": self.max_deviation_step,
            "classification_mp": self.classification_mp.to_dict(self.dps),
            "classification_f64": self.classification_f64.to_dict(17),
            "classification_differs": self.classification_differs,
            "evidence": self.evidence,
        }


def _f64_arith(loss: Loss, eta: sp.Expr, divergence_bound: Any, tol: float) -> _Arith:
    target = compile_loss(loss.expr, loss.params).numpy()
    eta_f = float(eta)
    bound = float(divergence_bound)

    def step(th: tuple[float, ...]) -> tuple[float, ...]:
        with np.errstate(all="ignore"):
            return tuple(float(v) for v in target.step(np.asarray(th), eta_f))

    def value(th: tuple[float, ...]) -> float:
        with np.errstate(all="ignore"):
            return float(target.value(np.asarray(th)))

    return _Arith(
        step=step,
        value=value,
        finite=math.isfinite,
        tol=tol,
        bound2=bound * bound,
        tol_text=repr(tol),
        to_region=lambda th: tuple(mpmath.mpf(v) for v in th),
    )


def shadowing(
    loss: Loss,
    eta: Any,
    theta0: Sequence[Any],
    *,
    steps: int,
    dps: int = 50,
    tol: float = 1e-6,
    regions: Sequence[Any] | None = None,
    divergence_bound: Any = 10**12,
    period_max: int = 16,
) -> ShadowingReport:
    """Compare float64 GD (NumPy target) with mpmath GD at ``dps`` digits, step by step.

    Both runs start from ``theta0`` rounded to float64 (so they start at the same point)
    and take ``steps`` steps, or fewer if one leaves the finite range or exceeds
    ``divergence_bound``. Each is also classified (with early stopping) by the rules of
    :func:`trajectory`; the float64 run uses the period tolerance 1e-8.

    Parameters
    ----------
    loss, eta, theta0
        As for :func:`trajectory`.
    steps
        Steps to compare.
    dps
        Precision of the mpmath run.
    tol
        Deviation (see :class:`ShadowingReport`) above which the runs have parted.
    regions, divergence_bound, period_max
        As for :func:`trajectory`.

    Returns
    -------
    ShadowingReport
    """
    eta_e, th0 = _check_inputs(loss, eta, theta0)
    steps = _check_int(steps, "steps", 0)
    dps = _check_int(dps, "dps", 16)
    tol = float(tol)
    if not tol > 0:
        raise InputError("tol must be > 0", "tol")
    regs, note = _resolve_regions(loss, eta_e, regions)
    start_f = tuple(float(t) for t in th0)
    start_e = tuple(_exact_number(x, "theta0") for x in start_f)

    mp_ar, ctx = _mp_arith(loss, eta_e, dps, divergence_bound, None)
    f_ar = _f64_arith(loss, eta_e, divergence_bound, 1e-8)
    a = tuple(_to_mpf(ctx, t) for t in start_e)
    b = start_f
    one = ctx.one
    parting: int | None = None
    max_dev, max_k = 0.0, 0
    k = 0
    while True:
        finite = all(ctx.isfinite(x) for x in a) and all(math.isfinite(x) for x in b)
        if finite:
            scale = max(one, max(abs(x) for x in a))
            dev = float(max(abs(ctx.mpf(y) - x) for x, y in zip(a, b, strict=True)) / scale)
        else:
            dev = math.inf
        if dev > max_dev:
            max_dev, max_k = dev, k
        if parting is None and dev > tol:
            parting = k
        if not finite or k >= steps:
            break
        if sum(x * x for x in a) > mp_ar.bound2 or sum(x * x for x in b) > f_ar.bound2:
            break
        a, b = mp_ar.step(a), f_ar.step(b)
        k += 1

    common = {
        "steps": steps, "regions": regs, "region_note": note, "period_max": period_max,
        "record": False, "stop_at_region": True, "bound_text": str(divergence_bound),
    }  # fmt: skip
    c_mp = _run(mp_ar, tuple(_to_mpf(ctx, t) for t in start_e), **common).classification
    c_f = _run(f_ar, start_f, **common).classification
    differs = (c_mp.outcome, c_mp.label) != (c_f.outcome, c_f.label)
    if parting is None:
        evidence = f"float64 stayed within {tol:g} of {dps}-digit GD for {k} steps"
    else:
        evidence = (
            f"float64 and {dps}-digit GD parted (deviation > {tol:g}) at step {parting}; "
            f"largest deviation {max_dev:.3g} at step {max_k}"
        )
    if differs:
        evidence += (
            f"; the classifications differ ({c_f.outcome}/{c_f.label} in float64, "
            f"{c_mp.outcome}/{c_mp.label} at {dps} digits)"
        )
    return ShadowingReport(
        steps=k,
        dps=dps,
        tol=tol,
        parting_step=parting,
        max_deviation=max_dev,
        max_deviation_step=max_k,
        classification_mp=c_mp,
        classification_f64=c_f,
        classification_differs=differs,
        evidence=evidence,
    )
