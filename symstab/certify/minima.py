"""Certified regions around every stable minimum of a loss at one step size.

:func:`certified_regions` finds the strict minima of a polynomial loss exactly
(:func:`~symstab.exact.critical.critical_set`), skips those with λmax >= 2/η (decided
exactly), and certifies a Hessian ball around each of the others
(:func:`~symstab.certify.hessian_ball.certify_region`); with ``lyapunov=True`` each ball
is replaced by its Lyapunov enlargement
(:func:`~symstab.certify.lyapunov.certify_lyapunov_region`) where one is certified.
Given a window, it adds the regions around the pieces of a manifold of global minima
(:func:`~symstab.certify.manifold.certify_manifold_regions`) when the loss is a sum of
squared residuals that vanish on a component of its critical set.
:func:`lyapunov_regions` gives only the enlargements. These are the regions that
trajectories, basin maps and sweeps stop in.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy as sp
from mpmath import libmp

from symstab.certify.hessian_ball import certify_region
from symstab.certify.lyapunov import certify_lyapunov_region
from symstab.certify.manifold import certify_manifold_regions
from symstab.certify.region import CertifiedRegion
from symstab.certify.tube import TubeRegion
from symstab.errors import InputError
from symstab.exact import derivatives as d
from symstab.exact.critical import critical_set
from symstab.exact.points import isolated_minima
from symstab.exact.residual import residual_form
from symstab.exact.signs import compare
from symstab.inputs import StepSize, StepSizeLike
from symstab.intervals import dyadic, to_fraction
from symstab.loss import Loss

__all__ = ["certified_regions", "degenerate_minima", "lyapunov_regions", "minima_of"]


def certified_regions(
    loss: Loss,
    eta: StepSizeLike,
    *,
    lyapunov: bool = False,
    lyapunov_options: dict[str, Any] | None = None,
    window: Sequence[Sequence[Any]] | None = None,
    manifold_options: dict[str, Any] | None = None,
    **kw: Any,
) -> tuple[CertifiedRegion | TubeRegion, ...]:
    """Certified regions around every strict minimum with λmax < 2/η, and around the
    pieces of a manifold of minima inside ``window``.

    Parameters
    ----------
    loss
        A polynomial loss with rational coefficients.
    eta
        The step size, in any spelling :meth:`~symstab.inputs.StepSize.of` accepts.
    lyapunov
        False (default): the monotone Hessian balls of
        :func:`~symstab.certify.hessian_ball.certify_region`. True: for each minimum the
        enlarged, non-monotone region of
        :func:`~symstab.certify.lyapunov.certify_lyapunov_region` (a ball in the basin,
        without proof of descent) where one is certified, else its Hessian ball.
    lyapunov_options
        Keyword arguments for :func:`~symstab.certify.lyapunov.certify_lyapunov_region`
        (``max_radius``, ``max_boxes``, ``rel_bits``, ``dps``).
    window
        A box ``((lo, hi), ...)``. When given and the global minima of the loss form a
        positive-dimensional set on which its residuals vanish (a sum of squared
        residuals, :func:`~symstab.exact.residual.residual_form`), the regions of
        :func:`~symstab.certify.manifold.certify_manifold_regions` over the box padded
        by a tenth of its width on each side are added, one per piece of the set, with
        the labels after those of the isolated minima.
    manifold_options
        Keyword arguments for :func:`~symstab.certify.manifold.certify_manifold_regions`
        (``cells``, ``neighbourhood``, ``level``, ``dps``, ``max_evaluations``).
    **kw
        ``subdivisions``, ``dps``, ``max_radius`` as for
        :func:`~symstab.certify.hessian_ball.certify_region`.

    Returns
    -------
    tuple of CertifiedRegion and TubeRegion
        The balls in the order of the exact analysis' isolated minima
        (``analyze(loss).isolated_minima``, :func:`~symstab.exact.points.isolated_minima`);
        a ball's ``label`` is its minimum's label there, so labels are 1..k when every
        minimum is stable. Degenerate minima, minima with λmax >= 2/η, and minima that
        could not be certified have no region (their labels are skipped). Then the
        regions around pieces of a manifold of minima (with ``window``), labelled k+1,
        k+2, ...

    Raises
    ------
    InputError
        If the loss is not a polynomial with rational coefficients, or for a bad step
        size.
    """
    if not loss.is_polynomial:
        raise InputError("certified trapping regions need a polynomial loss (for another "
                         "loss, certify a ball around a given minimum with "
                         "symstab.certify.certify_region)")
    eta = StepSize.of(eta)
    kw.pop("label", None)  # labels come from the order of the minima
    crit, minima = _minima(loss.expr, tuple(loss.params))
    regions: list[CertifiedRegion] = []
    for minimum in minima:
        if minimum.degenerate:  # counted (its label), never certified by a Hessian ball
            continue
        if compare(minimum.spectrum.lambda_max.value * eta.exact, sp.Integer(2)) >= 0:
            continue
        region = certify_region(loss, minimum.point, eta, label=minimum.label, **kw)
        if region is not None:
            regions.append(region)
    label = len(minima)
    if lyapunov:
        options = dict(lyapunov_options or {})
        regions = [big if (big := certify_lyapunov_region(loss, r, **options)) else r
                   for r in regions]
    pieces: tuple[TubeRegion, ...] = ()
    if window is not None and _minima_on_residual_zeros(loss, crit.components):
        options = tuple(sorted((manifold_options or {}).items()))
        try:
            hash(options)
        except TypeError:  # unhashable options: not cached
            pieces = _pieces.__wrapped__(loss, eta.exact, _padded(window), label + 1, options)
        else:
            pieces = _pieces(loss, eta.exact, _padded(window), label + 1, options)
    return (*regions, *pieces)


@functools.lru_cache(maxsize=32)
def _pieces(loss: Loss, eta: sp.Expr, window: tuple[tuple[Fraction, Fraction], ...],
            first_label: int, options: tuple[tuple[str, Any], ...]
            ) -> tuple[TubeRegion, ...]:
    """The tube regions of one certificate (cached: the regions are immutable data)."""
    cert = certify_manifold_regions(loss, eta, window, first_label=first_label,
                                    **dict(options))
    return cert.regions


def minima_of(loss: Loss) -> tuple[Any, tuple[Any, ...]]:
    """The exact critical set and isolated minima of a polynomial loss, computed once per
    loss in a process (the exact part of :func:`certified_regions`)."""
    return _minima(loss.expr, tuple(loss.params))


@functools.lru_cache(maxsize=32)
def _minima(expr: sp.Expr, params: tuple[sp.Symbol, ...]) -> tuple[Any, tuple[Any, ...]]:
    """The critical set and the isolated minima of a polynomial loss (cached per loss)."""
    loss = Loss.from_expr(expr, params)
    crit = critical_set(d.gradient(loss), loss.params)
    return crit, isolated_minima(loss, crit)


def degenerate_minima(loss: Loss) -> tuple[tuple[int, tuple[float, ...]], ...]:
    """``(label, point)`` of every degenerate isolated minimum of a polynomial loss.

    These minima get no certified region (:func:`certified_regions` skips them but keeps
    their labels); the engines reach them with a numerical criterion only. The points
    are float approximations of the exact algebraic points.
    """
    if not loss.is_polynomial:
        return ()
    _, minima = _minima(loss.expr, tuple(loss.params))
    return tuple((int(m.label), tuple(float(sp.N(c, 20)) for c in m.point.coordinate_exprs()))
                 for m in minima if m.degenerate)


def _minima_on_residual_zeros(loss: Loss, components: Sequence[Any]) -> bool:
    """Whether some real component of the critical set lies where the residuals vanish."""
    form = residual_form(loss)
    if form is None:
        return False
    return any(c.real_witness is not None and form.vanishes_at(tuple(c.real_witness))
               for c in components)


def _padded(window: Sequence[Sequence[Any]]) -> tuple[tuple[Fraction, Fraction], ...]:
    """The window grown by a tenth of its largest width on every side (at least 1/4)."""
    sides = []
    for side in window:
        if len(side) != 2:
            raise InputError("each window side must be a pair (lo, hi)", "window")
        lo, hi = (to_fraction(v) if isinstance(v, float) else Fraction(str(v)) for v in side)
        sides.append((lo, hi))
    pad = max(Fraction(1, 4), max(hi - lo for lo, hi in sides) / 10)
    return tuple((dyadic(lo - pad, 20, libmp.round_floor), dyadic(hi + pad, 20,
                  libmp.round_ceiling)) for lo, hi in sides)


def lyapunov_regions(
    loss: Loss,
    eta: StepSizeLike,
    regions: Sequence[CertifiedRegion] | None = None,
    **kw: Any,
) -> tuple[CertifiedRegion, ...]:
    """The Lyapunov enlargement of every certified Hessian ball (where one is certified).

    Parameters
    ----------
    loss
        The loss (polynomial with rational coefficients when ``regions`` is None).
    eta
        The step size, in any spelling :meth:`~symstab.inputs.StepSize.of` accepts.
    regions
        The Hessian balls; default :func:`certified_regions`.
    **kw
        ``max_radius``, ``max_boxes``, ``rel_bits``, ``dps`` for
        :func:`~symstab.certify.lyapunov.certify_lyapunov_region`.

    Returns
    -------
    tuple of CertifiedRegion
        Only the enlarged (non-monotone) regions, in the order of ``regions``; a minimum
        whose annulus certifies nothing beyond its Hessian ball has none.

    Raises
    ------
    InputError
        For a bad step size, or a region for a different step size.
    """
    eta = StepSize.of(eta)
    if regions is None:
        regions = certified_regions(loss, eta)
    out = []
    for region in regions:
        if not region.monotone:
            continue
        if sp.simplify(StepSize.of(region.eta).exact - eta.exact) != 0:
            raise InputError("a region is for a different step size", "regions")
        big = certify_lyapunov_region(loss, region, **kw)
        if big is not None:
            out.append(big)
    return tuple(out)
