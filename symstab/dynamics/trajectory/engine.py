"""The generic engine of a trajectory: iterate, detect fixed points and cycles, classify.

:func:`run` iterates any arithmetic (:class:`Arith`: mpf at a working precision, or
float64) and :func:`classify` turns the finished loop into a
:class:`~symstab.dynamics.trajectory.results.Classification`; the fast high-precision
engine of :mod:`symstab.dynamics.trajectory.kernels` applies the same rules through the
helpers here (:func:`settled`, :func:`persist`, :func:`cycle_ok`).

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

import itertools
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from mpmath import libmp

from symstab.dynamics.trajectory.results import MAX_LISTED_INCREASES, Classification, num_str
from symstab.evidence import Strength

__all__ = [
    "SCREEN", "Arith", "Run", "as_fraction", "classify", "cycle_ok", "persist", "run",
    "settled",
]

#: A period-p match must persist for max(_PERSIST_MIN, _PERSIST_PERIODS * p) steps.
_PERSIST_MIN = 8
_PERSIST_PERIODS = 4
#: The points of a reported cycle are pairwise at least this many tolerances apart.
_CYCLE_SEPARATION = 1000


@dataclass
class Arith:
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
class Run:
    """What a run computed: iterates and losses (all, or the last), classification, K."""

    iterates: list[tuple[Any, ...]]
    losses: list[Any]
    classification: Classification
    steps_taken: int


def _close(a: tuple[Any, ...], b: tuple[Any, ...], tol: Any) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


#: Relative float64 tolerance of the pre-screen of the period test (far looser than the
#: mpf tolerance 10^(−⌊dps/2⌋) for the usual dps).
SCREEN = 1e-14


def _near_float(a: tuple[float, ...], b: tuple[float, ...], screen: float) -> bool:
    """Necessary condition for _close, whose tolerance 10^-(dps/2) is <= 1e-8 only for
    dps >= 16 and is far below 1e-14 for the usual dps: if |x - y| <= tol in mpf, the
    correctly rounded float64 values differ by at most tol + 2 ulp. False means certainly
    not close; True means compare exactly."""
    return all(abs(x - y) <= screen * (1.0 + abs(x)) for x, y in zip(a, b, strict=True))


def settled(hit: int, runs: Sequence[int], recent: Sequence[Any], k: int,
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


def persist(p: int) -> int:
    """Steps a period-p match must persist: max(8, 4p)."""
    return max(_PERSIST_MIN, _PERSIST_PERIODS * p)


def as_fraction(x: Any) -> Fraction:
    """Exact value of a finite mpf (any context) or float."""
    raw = getattr(x, "_mpf_", None)
    if raw is None:
        return Fraction(float(x))
    p, q = libmp.to_rational(raw)
    return Fraction(int(p), int(q))


def cycle_ok(
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


def run(
    ar: Arith,
    theta: tuple[Any, ...],
    *,
    steps: int,
    regions: tuple[Any, ...],
    region_note: str,
    period_max: int,
    record: bool,
    stop_at_region: bool,
    bound_text: str,
) -> Run:
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
    tol_q = as_fraction(ar.tol)

    def dist(a: tuple[Any, ...], b: tuple[Any, ...]) -> Fraction:
        return max(as_fraction(abs(x - y)) for x, y in zip(a, b, strict=True))

    def is_cycle(p: int) -> bool:
        pts = list(recent)[-p:]
        return cycle_ok(pts, dist(theta, recent[-1 - p]), dist, tol_q, ar.cycle_eps)

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
                    and runs[p] >= persist(p)
                    and (p == 1 or (entered is None and not matched and is_cycle(p)))
                ):
                    hit = p
                matched = True
            else:
                runs[p] = 0
        if hit:
            outcome, period, settle_from, orbit, persist_text = settled(
                hit, runs, recent, k, lambda x: x)
            break
        if k >= steps:
            break
        theta = ar.step(theta)
        k += 1

    cls = classify(
        outcome, k=k, steps=steps, period_max=period_max, increases=increases,
        entered=entered, entered_region=entered_region, settle_from=settle_from,
        region_note=region_note, tol_text=ar.tol_text, persist_text=persist_text,
        period=period, orbit=orbit, diverged_at=diverged_at, why=why,
    )  # fmt: skip
    return Run(iterates, losses, cls, k)


def classify(
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
        if hasattr(r, "radius"):
            evidence = (
                f"θ_{entered} lies in the certified region of minimum {label} "
                f"(ball of radius {num_str(r.radius, 6)}, contraction "
                f"{num_str(r.contraction, 6)}, {r.method}), which GD at this step size maps "
                "into itself, converging"
            )
        else:  # a tube around a piece of a manifold of minima
            evidence = (
                f"θ_{entered} lies in the certified region of piece {label} of the minima "
                f"({r.method}), from which GD at this step size converges to a point of that "
                "piece, the loss falling at every step"
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
