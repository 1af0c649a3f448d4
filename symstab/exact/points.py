"""Isolated critical points classified, and the minima numbered 1..k (their labels).

Every isolated real critical point of a polynomial loss gets an exact type: by the
inertia of its Hessian when the Hessian is non-singular (``minimum``, ``maximum``,
``saddle``), else by higher-order terms (:mod:`symstab.exact.degenerate`:
``degenerate minimum``, ``degenerate maximum``, ``degenerate saddle`` or
``degenerate, undecided``).

The minima, degenerate or not, are numbered 1, 2, ... in the order of
:func:`~symstab.exact.critical.critical_set`'s points. These numbers are the labels of
the minima: in ``analyze(loss).isolated_minima`` and the ``label`` of every analysed
point, and they are meant to be the labels of certified regions, basin maps and sweeps
(an engine that handles only non-degenerate minima skips the degenerate ones but counts
them). :func:`classify_critical_points` is the one place that makes them;
:func:`isolated_minima` gives them for a loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symstab.exact import derivatives as d
from symstab.exact.algebraic import AlgebraicPoint
from symstab.exact.critical import CriticalSet, critical_set
from symstab.exact.degenerate import classify_degenerate
from symstab.exact.spectrum import Spectrum, hessian_spectrum
from symstab.loss import Loss, require_loss

__all__ = ["MINIMUM_KINDS", "ClassifiedPoint", "classify_critical_points", "isolated_minima"]

#: The kinds that make a point a minimum (and give it a label).
MINIMUM_KINDS = ("minimum", "degenerate minimum")

_DEGENERATE_KIND = {
    "minimum": "degenerate minimum",
    "maximum": "degenerate maximum",
    "saddle": "degenerate saddle",
    "undecided": "degenerate, undecided",
}


@dataclass(frozen=True)
class ClassifiedPoint:
    """An isolated real critical point with its exact type.

    Attributes
    ----------
    point
        The point, coordinates in Q(alpha).
    spectrum
        The exact spectrum of the Hessian there.
    kind
        ``minimum``, ``maximum``, ``saddle`` (non-singular Hessian) or ``degenerate
        minimum``, ``degenerate maximum``, ``degenerate saddle``, ``degenerate,
        undecided`` (singular Hessian).
    method
        The argument that decided the kind (``Hessian inertia``, ``global
        certificate``, ``reduced function on the kernel (splitting lemma)``, ``Newton
        polygon of the reduced function``, ...).
    reason
        The evidence in one sentence, or why the kind is undecided.
    label
        For a minimum, its number 1..k among the minima in point order; else ``None``.
    """

    point: AlgebraicPoint
    spectrum: Spectrum
    kind: str
    method: str
    reason: str
    label: int | None = None

    @property
    def degenerate(self) -> bool:
        """Whether the Hessian is singular at the point."""
        return self.spectrum.n_zero > 0

    @property
    def is_minimum(self) -> bool:
        """Whether the point is a (strict) local minimum, degenerate or not."""
        return self.kind in MINIMUM_KINDS


def _classify(point: AlgebraicPoint, loss_expr: sp.Expr, hessian: Any) -> ClassifiedPoint:
    spectrum = hessian_spectrum(point, hessian)
    if spectrum.n_zero == 0:
        kind = spectrum.kind
        reason = {
            "minimum": "every eigenvalue of the Hessian is positive",
            "maximum": "every eigenvalue of the Hessian is negative",
            "saddle": "the Hessian has eigenvalues of both signs",
        }[kind]
        return ClassifiedPoint(point, spectrum, kind, "Hessian inertia", reason)
    verdict = classify_degenerate(point, loss_expr, hessian, spectrum)
    return ClassifiedPoint(point, spectrum, _DEGENERATE_KIND[verdict.kind], verdict.method,
                           verdict.reason)


def classify_critical_points(
    points: Sequence[AlgebraicPoint], loss_expr: sp.Expr, hessian: Any
) -> tuple[ClassifiedPoint, ...]:
    """Classify isolated critical points exactly and number the minima.

    Parameters
    ----------
    points
        Isolated real critical points of the loss, in the order of
        :attr:`~symstab.exact.critical.CriticalSet.points`.
    loss_expr
        The loss, a polynomial with rational coefficients in the points' parameters.
    hessian
        Its Hessian matrix.

    Returns
    -------
    tuple of ClassifiedPoint
        One per point, in the given order; the minima (degenerate or not) carry the
        labels 1..k in that order.
    """
    out = []
    label = 0
    for point in points:
        c = _classify(point, loss_expr, hessian)
        if c.is_minimum:
            label += 1
            c = ClassifiedPoint(c.point, c.spectrum, c.kind, c.method, c.reason, label)
        out.append(c)
    return tuple(out)


def isolated_minima(
    loss: Loss, critical: CriticalSet | None = None
) -> tuple[ClassifiedPoint, ...]:
    """The isolated minima of a polynomial loss in label order, each with its type.

    Parameters
    ----------
    loss
        A polynomial loss with rational coefficients.
    critical
        Its critical set, if already computed (default: computed here).

    Returns
    -------
    tuple of ClassifiedPoint
        The minima, non-degenerate (``kind == "minimum"``) and degenerate (``kind ==
        "degenerate minimum"``), with ``label`` 1..k in order. A consumer that handles
        only non-degenerate minima skips the others but keeps their labels, so that the
        numbers agree with ``analyze(loss).isolated_minima`` and with every other engine.

    Raises
    ------
    ValueError
        If the loss is not a polynomial with rational coefficients.
    """
    loss = require_loss(loss)
    if not loss.is_polynomial:
        raise ValueError("isolated minima are computed exactly for polynomial losses only")
    if critical is None:
        critical = critical_set(d.gradient(loss), loss.params)
    points = classify_critical_points(critical.points, loss.expr, d.hessian(loss))
    return tuple(p for p in points if p.is_minimum)
