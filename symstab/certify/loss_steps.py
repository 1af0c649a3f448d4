"""The loss along one GD orbit, step by step, in interval arithmetic.

:func:`certified_loss_steps` encloses the orbit θ_{k+1} = θ_k − η∇f(θ_k) of one exact
start θ₀ in python-flint ``arb`` balls (outward rounded, so θ_k lies in the k-th box for
every k) and, at every step, compares the enclosures of f(θ_k) and f(θ_{k+1}): the step
is a *proved rise* when inf f(θ_{k+1}) > sup f(θ_k), a *proved fall* when
sup f(θ_{k+1}) < inf f(θ_k), and undecided otherwise. It stops when the box of θ_K lies
in a *monotone* certified region (a Hessian ball: GD maps it into itself and the loss
decreases strictly at every step inside it, :mod:`symstab.certify.region`).

If every step before K is decided, the orbit's loss history is known exactly as a sign
pattern: the rises r₁ < ... < r_m < K are proved, every other step before K is a
proved fall, and from K on the loss decreases forever while θ_k converges to the
minimum of the region. In Chen et al.'s terms (U_η: the starts whose orbit converges
with the loss decreasing at every step) this proves θ₀ ∈ V_η, θ_j ∈ U_η exactly for
j > r_m, and θ_j ∉ U_η for j <= r_m: the first iterate in U_η is θ_{r_m + 1}.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from symstab.codegen import compile_loss
from symstab.inputs import Point, StepSize, StepSizeLike, bounded_int
from symstab.intervals import ArbBackend, ball_fraction
from symstab.loss import Loss

__all__ = ["LossSteps", "certified_loss_steps"]


@dataclass(frozen=True)
class LossSteps:
    """The proved loss history of one orbit.

    Attributes
    ----------
    signs
        One entry per step k = 0, ..., K − 1 (θ_k to θ_{k+1}): ``+1`` proved rise, ``-1``
        proved fall, ``0`` undecided.
    entered
        K: the first k whose box lies in a monotone region, or None.
    label
        That region's label, or None.
    values
        Midpoints of the enclosures of f(θ_0), ..., f(θ_K) (floats, for display).
    widths
        The largest box width along the orbit (float).
    reason
        Why the orbit stopped without entering a region (``"steps"``, ``"far"``,
        ``"wide"``), or None.
    dps
        Working precision in decimal digits.
    """

    signs: tuple[int, ...]
    entered: int | None
    label: int | None
    values: tuple[float, ...]
    widths: float
    reason: str | None
    dps: int

    @property
    def rises(self) -> tuple[int, ...]:
        """The steps k with a proved rise f(θ_{k+1}) > f(θ_k)."""
        return tuple(k for k, s in enumerate(self.signs) if s > 0)

    @property
    def decided(self) -> bool:
        """Whether the orbit entered a monotone region with every earlier step decided."""
        return self.entered is not None and all(self.signs)

    @property
    def first_stable(self) -> int | None:
        """The first j with θ_j in U_η (j = last rise + 1, or 0 with no rise), when
        :attr:`decided`; else None."""
        if not self.decided:
            return None
        return self.rises[-1] + 1 if self.rises else 0


def certified_loss_steps(loss: Loss, eta: StepSizeLike, start: Sequence[Any],
                         regions: Sequence[Any], *, max_steps: int = 1000, dps: int = 50,
                         max_width: float = 1e-6, bound: float = 1e6) -> LossSteps:
    """Enclose the orbit from ``start`` and prove the sign of every loss change.

    Parameters
    ----------
    loss
        The loss (any loss the interval target compiles).
    eta
        The step size, in any spelling of :meth:`~symstab.inputs.StepSize.of`.
    start
        θ₀, rational coordinates in any spelling of :meth:`~symstab.inputs.Point.of`
        (pass ``Fraction(x)`` for the exact value of a float).
    regions
        Certified regions (``label``, ``monotone``, ``contains_box``); only the monotone
        ones stop the orbit.
    max_steps
        Steps before giving up (``reason`` ``"steps"``).
    dps
        Working precision in decimal digits.
    max_width
        A box wider than this stops the orbit (``"wide"``: precision exhausted).
    bound
        A box beyond this in some coordinate stops it (``"far"``).

    Returns
    -------
    LossSteps
    """
    step = StepSize.of(eta)
    max_steps = bounded_int(max_steps, "max_steps", 0, 10**6)
    dps = bounded_int(dps, "dps", 15, 1000)
    point = Point.of(start, loss.n, "start")
    exact = [Fraction(int(x.p), int(x.q)) for x in point if x.is_Rational]
    if len(exact) != loss.n:
        raise ValueError("the start needs rational coordinates")
    stops = [r for r in regions if getattr(r, "monotone", False)]
    target = compile_loss(loss.expr, loss.params).interval(dps)
    backend = ArbBackend(dps)
    with backend.workprec():
        eta_arb = step.arb(dps)
        box = [target.enclose((q, q)) for q in exact]
        f_old = target.value(box)
        signs: list[int] = []
        values = [float(f_old.mid())]
        widest = 0.0
        entered = label = reason = None
        for k in range(max_steps + 1):
            if not all(x.is_finite() for x in box):
                reason = "wide"
                break
            sides = tuple(ball_fraction(x) for x in box)
            hit = next((r for r in stops if r.contains_box(sides)), None)
            if hit is not None:
                entered, label = k, int(hit.label)
                break
            if k == max_steps:
                reason = "steps"
                break
            if any(abs(float(x.mid())) > bound for x in box):
                reason = "far"
                break
            box = list(target.step(box, eta_arb))
            width = max(2 * float(x.rad()) for x in box)
            widest = max(widest, width)
            if width > max_width:
                reason = "wide"
                break
            f_new = target.value(box)
            signs.append(1 if f_new > f_old else -1 if f_new < f_old else 0)
            values.append(float(f_new.mid()))
            f_old = f_new
    return LossSteps(tuple(signs), entered, label, tuple(values), widest, reason, dps)
