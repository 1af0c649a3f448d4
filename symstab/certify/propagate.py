"""Boxes through the GD map in interval arithmetic: enclosures of G and proofs of descent.

:class:`BoxPropagator` carries a box X₀ through G(θ) = θ − η∇f(θ) with python-flint
``arb`` balls (outward rounded) and stops when the box lies in a region (``contains_box``)
or the enclosure fails. Each step encloses G(Xₖ) by the natural interval extension met
with the mean-value form G(m) + (I − ηH(Xₖ))(Xₖ − m), so Gᵏ(X₀) ⊆ Xₖ for every k; and,
while stable convergence is wanted, it proves f(G(θ)) < f(θ) on Xₖ by one of three
enclosures of the difference (the tests (a)-(c) of :mod:`symstab.certify.measure`, whose
docstring states the whole proof). With ``shapes``, a first-order Taylor model
(:class:`~symstab.certify.shape.Shape`) travels beside the box: the box is met with its
hull at every step, and a region with ``contains_shape`` (a tube's entry set,
:class:`~symstab.certify.tube_entry.TubeEntry`) is tested on the shape itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from symstab.certify.shape import Shape, shape_step
from symstab.codegen import IntervalTarget
from symstab.inputs import StepSize
from symstab.intervals import ArbBackend

__all__ = ["BoxPropagator", "Outcome"]


@dataclass
class Outcome:
    """What one box's propagation proved.

    Attributes
    ----------
    label
        The label of the first region the box entered, or None.
    stable
        Whether it entered a monotone region with the loss proved to decrease on every
        box before it.
    reason
        Why the propagation stopped short of what was asked (``"wide"``, ``"steps"``,
        ``"descent"``, ``"far"``), or None.
    steps
        GD steps taken.
    """

    label: int | None = None
    stable: bool = False
    reason: str | None = None
    steps: int = 0


@dataclass
class _Step:
    """One step of a box: G(X), ∇f(X) (mean-value form), H(X), the midpoint m, X − m and
    G(m) (tight)."""

    image: list[Any]
    grad: list[Any]
    hess: tuple[tuple[Any, ...], ...]
    mid: list[Any]
    dev: list[Any]
    g_point: list[Any]


class BoxPropagator:
    """Propagates boxes through G in arb interval arithmetic.

    Parameters
    ----------
    target
        The loss's interval target (``compile_loss(...).interval(dps)``).
    eta
        The step size.
    regions
        The regions to stop in (``label``, ``monotone``, ``contains_box``).
    max_steps
        Steps before a box counts as undecided.
    max_width
        A box wider than this fails (``"wide"``).
    bound
        A box entirely beyond this in some coordinate fails (``"far"``).
    dps
        Working precision in decimal digits.
    shapes
        Whether to carry a :class:`~symstab.certify.shape.Shape` beside the box (its hull
        tightens the box; regions with ``contains_shape`` are tested on it).
    """

    def __init__(self, target: IntervalTarget, eta: StepSize, regions: Sequence[Any],
                 max_steps: int, max_width: Fraction, bound: Fraction, dps: int,
                 shapes: bool = True) -> None:
        self.t = target
        self.backend = ArbBackend(dps)
        self.arb = self.backend.arb
        with self.backend.workprec():
            self.eta = eta.arb(dps)
            self.half_eta2 = self.eta * self.eta / 2
        self.regions = [(r, bool(getattr(r, "monotone", False))) for r in regions]
        self.max_steps = max_steps
        self.max_width = float(max_width)
        self.bound = float(bound)
        self.n = target.n
        self.shapes = shapes

    def add_region(self, region: Any) -> None:
        """Also stop in ``region`` from now on."""
        self.regions.append((region, bool(getattr(region, "monotone", False))))

    def run(self, sides: Sequence[tuple[Fraction, Fraction]], need_conv: bool,
            need_stable: bool) -> Outcome:
        """Propagate the box ``sides`` (exact rational pairs) until what is asked is
        proved or fails: convergence (``need_conv``: entering any region) and/or stable
        convergence (``need_stable``: entering a monotone region with the descent proved
        at every step before)."""
        with self.backend.workprec():
            return self._run(sides, need_conv, need_stable)

    def _run(self, sides: Sequence[tuple[Fraction, Fraction]], need_conv: bool,
             need_stable: bool) -> Outcome:
        out = Outcome()
        box = [self.t.enclose(side) for side in sides]
        shape = Shape.of_box(box) if self.shapes else None
        descending = need_stable
        conv_reason = stable_reason = None
        for k in range(self.max_steps + 1):
            out.steps = k
            if shape is not None:
                box = [_meet(b, h) for b, h in zip(box, shape.hull(), strict=True)]
            exact = self._exact_sides(box)
            if exact is None:
                conv_reason = stable_reason = "wide"
                break
            want_stable = descending and not out.stable
            if out.label is None or want_stable:
                for region, monotone in self.regions:
                    if (out.label is None or (want_stable and monotone)) and \
                            self._inside(region, exact, shape):
                        if out.label is None:
                            out.label = int(region.label)
                        if want_stable and monotone:
                            out.stable = True
                            break
            conv_open = need_conv and out.label is None
            stable_open = descending and not out.stable
            if not conv_open and not stable_open:
                break
            if k == self.max_steps:
                conv_reason = stable_reason = "steps"
                break
            if any(abs(float(x.mid())) - float(x.rad()) > self.bound for x in box):
                conv_reason = stable_reason = "far"
                break
            step = self._image(box)
            if step is None:
                conv_reason = stable_reason = "wide"
                break
            new = step.image
            if shape is not None:
                shape = self._shape_step(shape, box, step)
                if shape is not None:
                    new = [_meet(b, h) for b, h in zip(new, shape.hull(), strict=True)]
            if any(2 * float(x.rad()) > self.max_width for x in new):
                conv_reason = stable_reason = "wide"
                break
            if stable_open and not self._descends(box, step):
                descending = False
                stable_reason = "descent"
                if not conv_open:
                    break
            box = new
        if need_conv and out.label is None:
            out.reason = conv_reason or "steps"
        elif need_stable and not out.stable:
            out.reason = stable_reason or "descent"
        return out

    @staticmethod
    def _inside(region: Any, exact: tuple[tuple[Fraction, Fraction], ...],
                shape: Shape | None) -> bool:
        """Whether the region contains the current enclosure: the shape if the region
        tests shapes (``contains_shape``), else the box."""
        if shape is not None:
            test = getattr(region, "contains_shape", None)
            if test is not None:
                return bool(test(shape))
        return bool(region.contains_box(exact))

    def _shape_step(self, shape: Shape, box: list[Any], step: _Step) -> Shape | None:
        """The next shape (:func:`~symstab.certify.shape.shape_step`), with H over the box
        joined with the centre (the box already holds the orbit's points of the shape)."""
        if all(b.contains(c) for b, c in zip(box, shape.c, strict=True)):
            hess = step.hess
        else:
            hess = self.t.hessian([self.arb.union(b, c)
                                   for b, c in zip(box, shape.c, strict=True)])
        g_center = self.t.step(shape.c, self.eta)
        return shape_step(shape, hess, g_center, self.eta)

    @staticmethod
    def _exact_sides(box: Sequence[Any]) -> tuple[tuple[Fraction, Fraction], ...] | None:
        """Exact rational sides containing the balls (their endpoints rounded outward to
        the working precision), None if a ball is not finite."""
        if not all(x.is_finite() for x in box):
            return None
        return tuple((_arf_fraction(x.lower()), _arf_fraction(x.upper())) for x in box)

    def _image(self, box: list[Any]) -> _Step | None:
        """An enclosure of G(box), with what the descent tests reuse (None if the
        enclosure is not finite)."""
        t, eta, n, arb = self.t, self.eta, self.n, self.arb
        mid = [arb(x.mid()) for x in box]
        dev = [x - m for x, m in zip(box, mid, strict=True)]
        g_mid = t.gradient(mid)
        hess = t.hessian(box)
        natural = t.step(box, eta)
        image, grad = [], []
        for i in range(n):
            gi = g_mid[i]
            acc = mid[i] - eta * gi
            for j in range(n):
                h = hess[i][j]
                gi = gi + h * dev[j]
                acc = acc + ((1 if i == j else 0) - eta * h) * dev[j]
            image.append(_meet(natural[i], acc))
            grad.append(gi)
        if not all(x.is_finite() for x in image):
            return None
        return _Step(image, grad, hess, mid, dev, [m - eta * g for m, g in zip(mid, g_mid,
                                                                               strict=True)])

    def _descends(self, box: list[Any], step: _Step) -> bool:
        """Whether f(G(θ)) < f(θ) is proved for every θ in ``box`` (tests (a)-(c))."""
        t, arb, eta, n = self.t, self.arb, self.eta, self.n
        new = step.image
        grad = [_meet(a, b) for a, b in zip(t.gradient(box), step.grad, strict=True)]
        if not all(g.is_finite() for g in grad):
            return False
        # (c) mean-value form of d(θ) = f(G(θ)) − f(θ), ∇d = (I − ηH(θ))∇f(G(θ)) − ∇f(θ)
        g_new = t.gradient(new)
        d = t.value(step.g_point) - t.value(step.mid)
        for i in range(n):
            slope = -grad[i]
            for j in range(n):
                slope = slope + ((1 if i == j else 0) - eta * step.hess[i][j]) * g_new[j]
            d = d + slope * step.dev[i]
        if d.is_finite() and d.upper() < 0:
            return True
        # (a) sup f(G(X)) < inf f(X)
        f_old = self._value(box, grad)
        f_new = self._value(new, g_new)
        if f_old.is_finite() and f_new.is_finite() and f_new.upper() < f_old.lower():
            return True
        # (b) Taylor with the Hessian over the hull of X and G(X)
        hull = [arb.union(a, b) for a, b in zip(box, new, strict=True)]
        h = t.hessian(hull)
        # Σᵢ (−η + η²/2·Hᵢᵢ(Y)) gᵢ² + η² Σ_{i<j} Hᵢⱼ(Y) gᵢgⱼ: each gᵢ² enters once, so
        # its two terms cannot cancel apart.
        q = arb(0)
        for i in range(n):
            q += (self.half_eta2 * h[i][i] - eta) * _square(grad[i])
            for j in range(i + 1, n):
                q += 2 * self.half_eta2 * h[i][j] * grad[i] * grad[j]
        return bool(q.is_finite() and q.upper() < 0)

    def _value(self, box: list[Any], grad: Sequence[Any]) -> Any:
        """An enclosure of f(box): natural, met with the mean-value form f(m) + grad·(X − m)."""
        t, arb = self.t, self.arb
        natural = t.value(box)
        mid = [arb(x.mid()) for x in box]
        acc = t.value(mid)
        for x, m, g in zip(box, mid, grad, strict=True):
            acc = acc + g * (x - m)
        return _meet(natural, acc)



def _arf_fraction(x: Any) -> Fraction:
    """The exact value of a finite arf (an endpoint of a ball)."""
    man, exp = x.man_exp()
    man, exp = int(man), int(exp)
    return Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)


def _meet(a: Any, b: Any) -> Any:
    """The intersection of two enclosures of the same set (either if the other is NaN)."""
    if not b.is_finite():
        return a
    if not a.is_finite():
        return b
    if not a.overlaps(b):  # both contain the true set: impossible unless a bug
        raise ArithmeticError("two enclosures of the same set are disjoint")
    return a.intersection(b)


def _square(x: Any) -> Any:
    """x² as an interval from the endpoints of |x| (never below 0)."""
    return type(x).union(x.abs_lower() ** 2, x.abs_upper() ** 2)
