"""Single GD trajectories in arbitrary precision, classified, with precision checks.

:func:`trajectory` iterates the GD map G(θ) = θ − η∇f(θ) with the mpmath target of
:func:`symstab.codegen.compile_loss` at ``dps`` decimal digits and classifies the orbit:

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
    orbit), and the p orbit points are genuinely distinct: pairwise at least 1000
    tolerances apart, with the drift ‖θ_k − θ_{k−p}‖∞ at most 10^(−⌊dps/2⌋) times their
    smallest distance (10⁻⁸ in float64). The second condition separates a cycle (its
    points stay apart while the drift dies out) from a slow convergence with a
    multiplier λ ≈ −1, where θ_k ≈ θ_{k−2} long before θ_k ≈ θ_{k−1} but the drift stays
    a fixed fraction 1 − |λ| of the distance of the two "points" (e.g. f4 at η = 13/25,
    λ = −0.976, which is a convergence). Example: f = x²/2 at η = 2 is x ↦ −x, period 2
    from every x0 with 2|x0| >= 1000·tol.
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

Engine
------
:func:`trajectory` calls one generated kernel per step on ``gmpy2.mpfr`` numbers
(:func:`symstab.codegen.mpfr_target.mpfr_value_step_kernel`: the loss at the loss precision and
the GD step at ``dps``, printed from the same CSE blocks as the libmp code of
:meth:`symstab.codegen.MpmathTarget.value_step_kernel`, with one correctly rounded MPFR
operation where libmp rounds once). For polynomial losses (integer powers with fewer
than 1000 exact bits) this is bit-identical to the mpmath target's ``value``/``step``,
so it computes the same orbit, losses and classification as the generic engine ``_run``
(used for float64 in :func:`shadowing`); with ``exp``, ``tanh``, ``erf``, … single
operations may differ from libmp by one ulp (MPFR rounds correctly, libmp nearly
always), see :mod:`symstab.codegen.mpfr_target`. If an MPFR result leaves MPFR's exponent range
(libmp's is unbounded) the run is redone on raw libmp tuples, which is also the engine
for a function without an MPFR printer. Numbers become ``mpf`` only where they are
returned or tested against a region.

Tolerances
----------
The period/fixed-point tolerance is ``period_tol`` (default 10^(−⌊dps/2⌋)), applied to
the max-norm of θ_k − θ_{k−p}.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from mpmath import libmp

from symstab.codegen import compile_loss
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
#: The points of a reported cycle are pairwise at least this many tolerances apart.
_CYCLE_SEPARATION = 1000

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
            from symstab.certify.minima import certified_regions

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
    # A region whose certificate does not include monotone descent (a Lyapunov region
    # near η*) proves convergence but not stability; the trajectory's stopping rule
    # needs both, so such regions are not used here (the orbit runs on into a
    # monotone ball, or to its step budget).
    monotone = tuple(r for r in regions if getattr(r, "monotone", True))
    if len(monotone) < len(regions):
        dropped = len(regions) - len(monotone)
        note = (f"{dropped} region(s) without certified monotone descent not used as a "
                "stopping rule")
        return monotone, note if monotone else note + "; no certified regions left"
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
    cycle_eps: Fraction = Fraction(1, 10**8)  # drift <= cycle_eps · separation (cycles)


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


def _settled(hit: int, runs: Sequence[int], recent: Sequence[Any], k: int,
             point: Any) -> tuple[str, int | None, int | None, Any, str]:
    """``(outcome, period, settle_from, orbit, persist_text)`` once the period test hit
    ``hit`` at step ``k``: converged (hit 1) or periodic, with ``orbit[i]`` the last
    θ_m with m ≡ i (mod p), i.e. m in (k − p, k] (each converted by ``point``)."""
    persist_text = f"{runs[hit]} consecutive steps"
    if hit == 1:
        return "converged", None, k - runs[1], None, persist_text
    pts = list(recent)[-hit:]  # θ_{k-p+1} .. θ_k
    first = k - hit + 1
    orbit = tuple(point(pts[(i - first) % hit]) for i in range(hit))
    return "periodic", hit, None, orbit, persist_text


def _persist(p: int) -> int:
    return max(_PERSIST_MIN, _PERSIST_PERIODS * p)


def _as_fraction(x: Any) -> Fraction:
    """Exact value of a finite mpf (any context) or float."""
    raw = getattr(x, "_mpf_", None)
    if raw is None:
        return Fraction(float(x))
    p, q = libmp.to_rational(raw)
    return Fraction(int(p), int(q))


def _cycle_ok(
    pts: Sequence[tuple[Any, ...]],
    drift: Fraction,
    dist: Callable[[tuple[Any, ...], tuple[Any, ...]], Fraction],
    tol: Fraction,
    eps: Fraction,
) -> bool:
    """Whether a period-p candidate is a genuine cycle, not a slow convergence.

    ``pts`` are θ_{k−p+1}, …, θ_k and ``drift`` = ‖θ_k − θ_{k−p}‖∞. A cycle's points stay
    apart while the drift dies out (to rounding level); an orbit converging with a
    multiplier λ ≈ −1 (a flip oscillation) also has θ_k ≈ θ_{k−2}, but its points
    approach each other as fast as the drift shrinks (drift/separation ≈ 1 − |λ| stays
    fixed). So: every two points at least :data:`_CYCLE_SEPARATION`·tol apart, and the
    drift at most ``eps`` times the smallest of these distances.
    """
    floor = _CYCLE_SEPARATION * tol
    smallest: Fraction | None = None
    for a, b in itertools.combinations(pts, 2):
        d = dist(a, b)
        if d < floor:
            return False
        if smallest is None or d < smallest:
            smallest = d
    return smallest is not None and drift <= eps * smallest


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
    tol_q = _as_fraction(ar.tol)

    def dist(a: tuple[Any, ...], b: tuple[Any, ...]) -> Fraction:
        return max(_as_fraction(abs(x - y)) for x, y in zip(a, b, strict=True))

    def cycle_ok(p: int) -> bool:
        pts = list(recent)[-p:]
        return _cycle_ok(pts, dist(theta, recent[-1 - p]), dist, tol_q, ar.cycle_eps)

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
        matched = False  # θ_k ≈ θ_{k−q} for some q < p: the p points are not distinct
        for p in range(1, min(period_max, k) + 1):
            if _near_float(screen, recent_float[-1 - p], ar.screen) and _close(
                theta, recent[-1 - p], ar.tol
            ):
                runs[p] += 1
                if (
                    not hit
                    and runs[p] >= _persist(p)
                    and (p == 1 or (entered is None and not matched and cycle_ok(p)))
                ):
                    hit = p
                matched = True
            else:
                runs[p] = 0
        if hit:
            outcome, period, settle_from, orbit, persist_text = _settled(
                hit, runs, recent, k, lambda x: x)
            break
        if k >= steps:
            break
        theta = ar.step(theta)
        k += 1

    cls = _classify(
        outcome, k=k, steps=steps, period_max=period_max, increases=increases,
        entered=entered, entered_region=entered_region, settle_from=settle_from,
        region_note=region_note, tol_text=ar.tol_text, persist_text=persist_text,
        period=period, orbit=orbit, diverged_at=diverged_at, why=why,
    )  # fmt: skip
    return _Run(iterates, losses, cls, k)


def _classify(
    outcome: str,
    *,
    k: int,
    steps: int,
    period_max: int,
    increases: list[int],
    entered: int | None,
    entered_region: Any,
    settle_from: int | None,
    region_note: str,
    tol_text: str,
    persist_text: str,
    period: int | None,
    orbit: tuple[tuple[Any, ...], ...] | None,
    diverged_at: int | None,
    why: str,
) -> Classification:
    """The :class:`Classification` of a finished loop (shared by both engines)."""
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
            f"numerical fixed point: consecutive iterates within {tol_text} (max-norm) for "
            f"{persist_text} up to step {k}; not inside a certified region, so label 0{note}"
        )
    elif outcome == "periodic":
        evidence = (
            f"period-{period} cycle: θ_k within {tol_text} of θ_(k-{period}) (max-norm) for "
            f"{persist_text} up to step {k}, its points pairwise >= 1000 tolerances apart"
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
    return cls


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
        cycle_eps=Fraction(1, 10 ** (dps // 2)),
    )
    return ar, ctx


# -- the fast mpmath engine (mpfr, or raw libmp tuples) -----------------------------------


@dataclass
class _MpFast:
    """What :func:`_run_mp` needs for one run: a generated kernel on a native number type
    (``gmpy2.mpfr`` or raw libmp tuples) and the few operations of the bookkeeping.

    ``kernel(*θ, eta)`` returns ``(f(θ), *G(θ))``: the loss at :func:`_loss_dps` digits
    and the GD step at the working precision, rounded where the separate
    ``value``/``step`` of :func:`_mp_arith` round (see :mod:`symstab.codegen.mpfr_target` for when
    mpfr and libmp agree bit for bit). Every test below decides exactly what the mpf
    engine :func:`_run` decides on the same numbers.
    """

    backend: str  # "mpfr" or "libmp"
    kernel: Callable[..., tuple]
    recover: Callable[[tuple], tuple]  # (f, None) when the kernel raised (libmp only)
    step: Callable[[tuple, Any], tuple]  # the GD step alone (after ``recover``)
    eta: Any
    from_raw: Callable[[tuple], Any]  # raw working-precision mpf -> native
    point: Callable[[tuple], tuple[Any, ...]]  # native θ -> mpf of the working context
    loss_mpf: Callable[[Any], Any]  # native f -> mpf of the loss context
    check: Callable[[tuple, Any], int]  # 0 fine, 1 not finite, 2 beyond the bound
    cell: Callable[[Any], Any]  # integer cell of θ_0 at the scale 2^e >= 2·tol
    close: Callable[[tuple, tuple], bool]  # _close: ‖a − b‖∞ (rounded) <= tol
    ge: Callable[[Any, Any], bool]  # exact a >= b of two losses
    dist: Callable[[tuple, tuple], Fraction]  # exact value of the rounded ‖a − b‖∞
    tol_q: Fraction
    cycle_eps: Fraction
    tol_text: str
    out_of_range: Callable[[], bool] = field(default=lambda: False)


def _mp_fast(loss: Loss, eta: sp.Expr, dps: int, ar: _Arith, backend: str = "auto") -> _MpFast:
    """The fast engine of one run: mpfr (``"mpfr"``, the default ``"auto"``) unless the
    loss has a function without an MPFR printer, else raw libmp (``"libmp"``)."""
    compiled = compile_loss(loss.expr, loss.params)
    target = compiled.mpmath(dps)
    value_target = compiled.mpmath(_loss_dps(dps))
    tol, bound2 = ar.tol._mpf_, ar.bound2._mpf_
    p, q = libmp.to_rational(bound2)
    b2 = Fraction(int(p), int(q))
    n = loss.n
    # n·4^norm_exp <= bound², so max_i |θ_i| < 2^norm_exp is within the bound
    norm_exp = (b2.numerator.bit_length() - b2.denominator.bit_length()) // 2 + 2
    while n * Fraction(4) ** norm_exp > b2:
        norm_exp -= 1
    common = {
        "tol_q": _as_fraction(ar.tol), "cycle_eps": ar.cycle_eps, "tol_text": ar.tol_text,
    }  # fmt: skip
    eta_raw = _to_mpf(target.ctx, eta)._mpf_
    cell_exp = tol[2] + tol[3] + 1  # tol < 2^(exp + bc) <= 2^cell_exp / 2
    mk, mk_value = target.ctx.make_mpf, value_target.ctx.make_mpf
    if backend in ("auto", "mpfr"):
        try:
            from symstab.codegen.mpfr_target import mpfr_value_step_kernel
        except ImportError:  # pragma: no cover - gmpy2 is a dependency
            if backend == "mpfr":
                raise
        else:
            try:
                factory = mpfr_value_step_kernel(target, compiled, value_target.dps)
            except NotImplementedError:
                if backend == "mpfr":
                    raise
            else:
                return _mpfr_fast(factory, eta_raw, tol, bound2, b2, n, cell_exp, mk, mk_value,
                                  common)  # fmt: skip
    if backend not in ("auto", "mpfr", "libmp"):
        raise ValueError(f"unknown backend {backend!r}")
    return _libmp_fast(target, value_target, compiled, eta_raw, tol, bound2, norm_exp, cell_exp,
                       mk, mk_value, common)  # fmt: skip


def _libmp_fast(
    target: Any,
    value_target: Any,
    compiled: Any,
    eta: tuple,
    tol: tuple,
    bound2: tuple,
    norm_exp: int,
    cell_exp: int,
    mk: Callable[[tuple], Any],
    mk_value: Callable[[tuple], Any],
    common: dict[str, Any],
) -> _MpFast:
    """The raw libmp engine: finiteness from the mantissa bit count, the norm bound
    screened by the binary exponents (the rounded sum of squares is computed only when
    max |θ_i| may reach the bound)."""
    prec = target.prec
    mpf_add, mpf_mul, mpf_le = libmp.mpf_add, libmp.mpf_mul, libmp.mpf_le
    mpf_sub, mpf_abs, mpf_cmp = libmp.mpf_sub, libmp.mpf_abs, libmp.mpf_cmp
    value, step = value_target._value, target._step

    def check(theta: tuple, f: tuple) -> int:
        # a raw mpf is inf or nan iff its bit count is negative
        finite = f[3] >= 0
        top = -(1 << 62)  # max_i (exp + bc) of θ_i, and |θ_i| < 2^(exp + bc)
        for t in theta:
            if t[3] < 0:
                finite = False
            elif t[2] + t[3] > top:
                top = t[2] + t[3]
        if not finite:
            return 1
        if top > norm_exp:
            s = libmp.fzero
            for t in theta:
                s = mpf_add(s, mpf_mul(t, t, prec, "n"), prec, "n")
            if not mpf_le(s, bound2):
                return 2
        return 0

    def cell(x: tuple) -> int:
        sign, man, exp, _ = x
        shift = exp - cell_exp
        m = -man if sign else man
        return m << shift if shift >= 0 else m >> -shift

    def close(a: tuple, b: tuple) -> bool:
        # exactly _close on mpf: |x − y| rounded at the working precision, then <= tol
        return all(
            mpf_le(mpf_abs(mpf_sub(x, y, prec, "n")), tol) for x, y in zip(a, b, strict=True)
        )

    def dist(a: tuple, b: tuple) -> Fraction:
        return max(
            _as_fraction(mk(mpf_abs(mpf_sub(x, y, prec, "n")))) for x, y in zip(a, b, strict=True)
        )

    return _MpFast(
        backend="libmp",
        kernel=target.value_step_kernel(compiled, value_target.dps),
        recover=lambda th: (value(*th), None),
        step=lambda th, e: step(*th, e),
        eta=eta,
        from_raw=lambda raw: raw,
        point=lambda th: tuple(map(mk, th)),
        loss_mpf=mk_value,
        check=check,
        cell=cell,
        close=close,
        ge=lambda a, b: mpf_cmp(a, b) >= 0,
        dist=dist,
        **common,
    )


def _mpfr_fast(
    factory: Any,
    eta: tuple,
    tol: tuple,
    bound2: tuple,
    b2: Fraction,
    n: int,
    cell_exp: int,
    mk: Callable[[tuple], Any],
    mk_value: Callable[[tuple], Any],
    common: dict[str, Any],
) -> _MpFast:
    """The mpfr engine: the kernel of :func:`symstab.codegen.mpfr_target.mpfr_value_step_kernel`
    with fresh contexts. The norm bound is screened in float64 (a float sum of squares
    below bound²·(1 − 10⁻⁹ − n·10⁻¹⁵) is within the bound exactly; otherwise, or for a
    non-finite value, the exact test runs, rounded at the working precision as in
    libmp); the other tests run in a private context at the working precision."""
    import gmpy2

    from symstab.codegen.mpfr_target import context, from_raw, to_raw

    bound = factory.bind()
    prec = factory.prec
    w = context(prec)  # bookkeeping; the kernel's own contexts keep only its flags
    sub, add, mul, absolute = w.sub, w.add, w.mul, w.abs
    is_finite = gmpy2.is_finite
    tol_n, bound2_n = from_raw(tol, prec), from_raw(bound2, prec)
    neg_tol_n = from_raw(libmp.mpf_neg(tol), prec)
    b2f = float(b2)
    screen = b2f * (1 - 1e-9 - n * 1e-15) if b2f > 1e-280 and n < 10**5 else 0.0
    zero = gmpy2.mpfr(0)
    eta_n = from_raw(eta, prec)

    def check(theta: tuple, f: Any) -> int:
        s = 0.0
        for t in theta:
            x = float(t)
            s += x * x
        if s < screen and is_finite(f):
            return 0
        if not (is_finite(f) and all(map(is_finite, theta))):
            return 1
        acc = zero
        for t in theta:
            acc = add(acc, mul(t, t))
        return 0 if acc <= bound2_n else 2

    def cell(x: Any) -> Any:
        man, exp = x.as_mantissa_exp()
        shift = exp - cell_exp
        return man << shift if shift >= 0 else man >> -shift

    def close(a: tuple, b: tuple) -> bool:
        return all(neg_tol_n <= sub(x, y) <= tol_n for x, y in zip(a, b, strict=True))

    def dist(a: tuple, b: tuple) -> Fraction:
        return max(
            Fraction(*map(int, absolute(sub(x, y)).as_integer_ratio()))
            for x, y in zip(a, b, strict=True)
        )

    return _MpFast(
        backend="mpfr",
        kernel=bound.kernel,
        recover=lambda th: bound.kernel(*th, eta_n),
        step=lambda th, e: bound.kernel(*th, e)[1:],
        eta=eta_n,
        from_raw=bound.from_raw,
        point=lambda th: tuple(mk(to_raw(t)) for t in th),
        loss_mpf=lambda f: mk_value(to_raw(f)),
        check=check,
        cell=cell,
        close=close,
        ge=operator.ge,
        dist=dist,
        out_of_range=bound.out_of_range,
        **common,
    )


def _run_mp(
    fx: _MpFast,
    theta_raw: tuple[tuple, ...],
    *,
    steps: int,
    regions: tuple[Any, ...],
    region_note: str,
    period_max: int,
    record: bool,
    stop_at_region: bool,
    bound_text: str,
) -> _Run:
    """:func:`_run` with the fused kernel on native numbers: the same rules and results.

    The per-step work is the kernel call plus cheap tests (``fx.check``, ``fx.ge``) and
    the period test screened by the cell ⌊θ_0 / 2^e⌋ with 2^e >= 2·tol (|x − y| <= tol
    implies cells at most 1 apart), so the exact comparisons run only for candidate
    periods. Iterates and losses become mpf only where they are returned or tested
    against a region.
    """
    kernel, eta, check, cell_of, close, ge = fx.kernel, fx.eta, fx.check, fx.cell, fx.close, fx.ge
    point, dist = fx.point, fx.dist

    def is_cycle(p: int) -> bool:
        pts = list(recent)[-p:]  # θ_{k-p+1} .. θ_k
        return _cycle_ok(pts, dist(pts[-1], recent[-1 - p]), dist, fx.tol_q, fx.cycle_eps)

    iterates: list[tuple[Any, ...]] = []
    losses: list[Any] = []
    recent: deque[tuple[Any, ...]] = deque(maxlen=period_max + 1)
    cells: deque[Any] = deque()  # cells of θ_{k-1}, ..., θ_{k-min(period_max, k)}
    in_window: dict[Any, int] = {}  # cell -> how often it occurs in ``cells``
    runs = [0] * (period_max + 1)
    any_runs = False
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
    settle_from: int | None = None
    persist_text = ""
    why = ""
    theta = tuple(map(fx.from_raw, theta_raw))
    try:
        out = kernel(*theta, eta)
    except (ArithmeticError, ValueError):  # e.g. at a diverged point: step lazily
        out = fx.recover(theta)
    while True:
        f = out[0]
        if record:
            iterates.append(point(theta))
            losses.append(fx.loss_mpf(f))
        status = check(theta, f)
        if status:
            diverged_at = k
            if status == 1:
                outcome, why = "diverged", f"f(θ_{k}) or θ_{k} is not finite"
            else:
                outcome, why = "diverged", f"‖θ_{k}‖₂ exceeded {bound_text}"
            break
        # loss increase on step k-1
        if f_prev is not None and entered is None and ge(f, f_prev):
            increases.append(k - 1)
        f_prev = f
        # region entry
        if entered is None and regions and regions_ok:
            try:
                pt = point(theta)
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
        # fixed points and cycles
        cell = cell_of(theta[0])
        recent.append(theta)
        hit = 0
        if any_runs or cell in in_window or cell - 1 in in_window or cell + 1 in in_window:
            any_runs = False
            matched = False  # θ_k ≈ θ_{k−q} for some q < p: the p points are not distinct
            for p in range(1, min(period_max, k) + 1):
                if -1 <= cell - cells[-p] <= 1 and close(theta, recent[-1 - p]):
                    runs[p] += 1
                    any_runs = True
                    if (
                        not hit
                        and runs[p] >= _persist(p)
                        and (p == 1 or (entered is None and not matched and is_cycle(p)))
                    ):
                        hit = p
                    matched = True
                else:
                    runs[p] = 0
        if hit:
            outcome, period, settle_from, orbit, persist_text = _settled(
                hit, runs, recent, k, point)
            break
        cells.append(cell)
        in_window[cell] = in_window.get(cell, 0) + 1
        if len(cells) > period_max:
            old = cells.popleft()
            if in_window[old] == 1:
                del in_window[old]
            else:
                in_window[old] -= 1
        if k >= steps:
            break
        theta = out[1:] if out[1] is not None else fx.step(theta, eta)
        try:
            out = kernel(*theta, eta)
        except (ArithmeticError, ValueError):
            out = fx.recover(theta)
        k += 1

    if not record:
        iterates.append(point(theta))
        losses.append(fx.loss_mpf(f))
    cls = _classify(
        outcome, k=k, steps=steps, period_max=period_max, increases=increases,
        entered=entered, entered_region=entered_region, settle_from=settle_from,
        region_note=region_note, tol_text=fx.tol_text, persist_text=persist_text,
        period=period, orbit=orbit, diverged_at=diverged_at, why=why,
    )  # fmt: skip
    return _Run(iterates, losses, cls, k)


def _run_fast(
    loss: Loss, eta: sp.Expr, dps: int, ar: _Arith, theta_raw: tuple[tuple, ...], **kw: Any
) -> _Run:
    """:func:`_run_mp` on mpfr, rerun on libmp if an MPFR result left MPFR's exponent
    range (where libmp, with unbounded exponents, stays finite and nonzero)."""
    fx = _mp_fast(loss, eta, dps, ar)
    run = _run_mp(fx, theta_raw, **kw)
    if fx.out_of_range():
        run = _run_mp(_mp_fast(loss, eta, dps, ar, backend="libmp"), theta_raw, **kw)
    return run


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
        ``.contains(theta)``). None: :func:`symstab.certify.minima.certified_regions` is
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
    theta = tuple(_to_mpf(ctx, t)._mpf_ for t in th0)
    run = _run_fast(
        loss, eta, dps, ar, theta, steps=steps, regions=regions, region_note=region_note,
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
    start_raw = tuple(_to_mpf(ctx, t)._mpf_ for t in start_e)
    c_mp = _run_fast(loss, eta_e, dps, mp_ar, start_raw, **common).classification
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
