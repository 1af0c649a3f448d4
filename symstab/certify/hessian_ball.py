"""Hessian balls: certified trapping regions around minima, with monotone descent.

The stopping rule for trajectories and basins. A Hessian ball is a
:class:`~symstab.certify.region.CertifiedRegion` B = B(center, radius) around a strict
local minimum θ* on which interval evaluation of the Hessian proves that its
spectrum lies in [mu, L] with mu > 0 and L < 2/η. Then the GD map G is a contraction on
B with factor q = max(|1 − η·mu|, |1 − η·L|) < 1 that maps B into itself, and the loss
decreases strictly at every step inside B (descent lemma with C = 1 − η·L/2 > 0). A
trajectory that enters B is therefore *certified* to converge to θ*, stably from then on.

The certificate (:func:`certify_region`)
----------------------------------------
1. θ* is an *exact* critical point (an :class:`~symstab.exact.algebraic.AlgebraicPoint`
   whose gradient reduces to 0 in Q(alpha), or exact coordinates matched to one), so
   G(θ*) = θ*. The centre c is a dyadic rounding of a certified rational enclosure of θ*,
   and δ >= ‖c − θ*‖ is rounded up from the enclosure widths (exact rationals).
2. For a candidate radius r, the box X = [c ± (r + δ)]^n contains B(c, r), θ*, and hence
   every segment [x, θ*] and [x, G(x)] with x, G(x) in B(c, r) (balls are convex). X is
   cut into ``subdivisions``^n sub-boxes; on each, python-flint ``arb`` encloses every
   Hessian entry, giving an interval matrix [M − R, M + R] (M, R exact dyadic).
3. Bounds for every symmetric A in a sub-box's interval matrix: m_lo <= λmin(M) and
   λmax(M) <= m_hi are *proved* by exact rational LDLᵀ (M − m_lo·I and m_hi·I − M positive
   definite; the candidates come from float eigenvalues minus/plus a margin), and Weyl's
   inequality |λ_i(A) − λ_i(M)| <= ‖A − M‖_2 <= ‖R‖_F (upper square root, exact) gives
   mu = min(m_lo − ‖R‖_F) and L = max(m_hi + ‖R‖_F) over all sub-boxes
   (:func:`~symstab.certify.spectral.interval_spectrum_bounds`).
4. Require mu > 0 and η·L < 2 (η enclosed by an exact rational interval); then every
   DG = I − ηH on X is symmetric with spectrum in [1 − ηL, 1 − η·mu] ⊂ (−1, 1), so the
   averaged Jacobian along [x, θ*] has norm <= q, with q rounded up. Hence for x in
   B(c, r): ‖G(x) − c‖ <= ‖G(x) − G(θ*)‖ + δ <= q(r + δ) + δ, and the trap condition
   q(r + δ) + δ <= r (checked in exact rational arithmetic) gives G(B) ⊂ B.
5. The largest such r <= ``max_radius`` is searched by halving from ``max_radius`` and
   then bisection (at most :data:`MAX_EVALUATIONS` interval evaluations of the whole box).

No region exists when θ* is not a strict minimum (degenerate Hessian or not a minimum) or
when η >= η* = 2/λmax(θ*): the spectrum condition then fails already at θ* itself. Both
are decided exactly (:func:`explain_no_region` says which).

Near η* these balls are tiny. :mod:`symstab.certify.lyapunov` certifies much larger balls
around the same centre that lie in the basin of θ* without proof of monotone descent
(``CertifiedRegion.monotone`` False);
:func:`~symstab.certify.minima.certified_regions` with ``lyapunov=True`` returns them. The
default stays the monotone Hessian balls.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from typing import Any

import sympy as sp
from mpmath import libmp

from symstab.certify.region import CertifiedRegion
from symstab.certify.spectral import interval_spectrum_bounds
from symstab.codegen import IntervalTarget, compile_loss
from symstab.codegen.cache import recall_search, remember_search
from symstab.errors import InputError
from symstab.exact import derivatives as d
from symstab.exact.algebraic import AlgebraicPoint
from symstab.exact.critical import critical_set
from symstab.exact.signs import compare, exact_sign
from symstab.exact.spectrum import hessian_spectrum
from symstab.inputs import StepSize, StepSizeLike
from symstab.intervals import arb_mid_rad, dyadic, fraction_mpf, sqrt_up
from symstab.loss import Loss
from symstab.parse import as_exact_number

__all__ = [
    "MAX_EVALUATIONS",
    "MAX_SUB_BOXES",
    "certify_region",
    "explain_no_region",
]

#: Most interval evaluations (of all sub-boxes of one box) in the radius search.
MAX_EVALUATIONS = 30
#: Most sub-boxes per box; ``subdivisions`` is lowered for large n to stay below it.
MAX_SUB_BOXES = 4096


# --------------------------------------------------------------------------------------
# The minimum: exact point, centre, classification
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Minimum:
    coords: tuple[sp.Expr, ...]
    center: tuple[Fraction, ...]  # dyadic
    delta: Fraction  # dyadic, >= ‖center − θ*‖
    kind: str | None  # exact classification, None if not decidable here
    lambda_max: sp.Expr | None  # exact, for minima
    problem: str | None  # why this is not a usable critical point


def _resolve_minimum(
    loss: Loss, minimum: Sequence[sp.Expr] | AlgebraicPoint, target: IntervalTarget, dps: int
) -> _Minimum:
    """Exact coordinates, certified centre and exact classification of the given point."""
    prec = int(dps * 3.33) + 16
    point: AlgebraicPoint | None = None
    problem = None
    if isinstance(minimum, AlgebraicPoint):
        point = minimum
        if tuple(point.params) != tuple(loss.params):
            raise InputError("the point's parameters differ from the loss parameters", "minimum")
        if not loss.is_polynomial:
            raise InputError("an AlgebraicPoint needs a polynomial loss", "minimum")
        coords = point.coordinate_exprs()
        if any(not point.reduce(g).is_zero for g in d.gradient(loss)):
            problem = "the point is not a critical point (the gradient does not vanish there)"
    else:
        if any(isinstance(c, float) for c in minimum):
            raise InputError("coordinates of a minimum must be exact (not float)", "minimum")
        coords = tuple(as_exact_number(c, "coordinate") for c in minimum)
        if len(coords) != loss.n:
            raise InputError(f"the minimum has {len(coords)} coordinates, the loss {loss.n}")
        if any(not (c.is_number and c.is_real) for c in coords):
            raise InputError("minimum coordinates must be exact real numbers", "minimum")
        if any(c.is_Float for c in coords):
            raise InputError("minimum coordinates must be exact (no floats)", "minimum")
        if loss.is_polynomial:
            if all(c.is_Rational for c in coords):
                point = AlgebraicPoint.rational(loss.params, coords)
                if any(not point.reduce(g).is_zero for g in d.gradient(loss)):
                    problem = "the point is not a critical point (the gradient does not vanish)"
            else:
                point = _match_critical_point(loss, coords)
                if point is None:
                    problem = "the point is not an isolated real critical point of the loss"
        else:
            subs = dict(zip(loss.params, coords, strict=True))
            if any(sp.simplify(g.xreplace(subs)) != 0 for g in d.gradient(loss)):
                problem = "the gradient could not be proved to vanish exactly at the point"
    # certified centre: dyadic rounding of the enclosure midpoints, δ rounded up
    digits = dps + 5
    center: list[Fraction] = []
    delta2 = Fraction(0)
    for i, c in enumerate(coords):
        if point is not None:
            lo, hi = point.enclosure(point.reduce(point.params[i]), digits)
        else:
            mr = arb_mid_rad(target.enclose(c))
            if mr is None:
                raise InputError(f"cannot enclose the coordinate {c}", "minimum")
            lo, hi = mr[0] - mr[1], mr[0] + mr[1]
        ci = dyadic((lo + hi) / 2, prec, libmp.round_nearest)
        err = max(abs(ci - lo), abs(hi - ci))
        center.append(ci)
        delta2 += err * err
    delta = dyadic(sqrt_up(delta2), 64, libmp.round_ceiling)
    kind = lam = None
    if problem is None and point is not None:
        spectrum = hessian_spectrum(point, d.hessian(loss))
        kind = spectrum.kind
        lam = spectrum.lambda_max.value
    return _Minimum(coords, tuple(center), delta, kind, lam, problem)


def _match_critical_point(loss: Loss, coords: tuple[sp.Expr, ...]) -> AlgebraicPoint | None:
    """The isolated critical point equal to ``coords`` (proved equal exactly), if any."""
    crit = critical_set(d.gradient(loss), loss.params)
    for p in crit.points:
        exprs = p.coordinate_exprs()
        try:
            if all(exact_sign(sp.radsimp(a - b)) == 0 for a, b in zip(exprs, coords, strict=True)):
                return p
        except ValueError:
            continue
    return None


# --------------------------------------------------------------------------------------
# Interval bounds on a box and the radius search
# --------------------------------------------------------------------------------------


def _spectrum_bounds_on_box(
    target: IntervalTarget, center: Sequence[Fraction], half: Fraction, subdivisions: int
) -> tuple[Fraction, Fraction] | None:
    """Proved (mu, L) with mu <= λmin(H) <= λmax(H) <= L on [center ± half]^n."""
    n = len(center)
    width = 2 * half / subdivisions
    mu: Fraction | None = None
    big: Fraction | None = None
    for index in product(range(subdivisions), repeat=n):
        box = []
        for c, k in zip(center, index, strict=True):
            lo = c - half + k * width
            box.append((lo, lo + width))
        bounds = interval_spectrum_bounds(target.hessian(box))
        if bounds is None:
            return None
        lo_b, hi_b = bounds
        mu = lo_b if mu is None or lo_b < mu else mu
        big = hi_b if big is None or hi_b > big else big
    assert mu is not None and big is not None
    return dyadic(mu, 64, libmp.round_floor), dyadic(big, 64, libmp.round_ceiling)


@dataclass(frozen=True)
class _Check:
    ok: bool
    mu: Fraction | None = None
    L: Fraction | None = None
    q: Fraction | None = None
    reason: str = ""


def _check_radius(
    target: IntervalTarget,
    m: _Minimum,
    eta_lo: Fraction,
    eta_hi: Fraction,
    r: Fraction,
    subdivisions: int,
) -> _Check:
    bounds = _spectrum_bounds_on_box(target, m.center, r + m.delta, subdivisions)
    if bounds is None:
        return _Check(False, reason="the Hessian could not be enclosed on the box")
    mu, big = bounds
    if mu <= 0:
        return _Check(False, mu, big, reason=f"certified lower bound mu = {float(mu):.6g} <= 0")
    if big * eta_hi >= 2:
        return _Check(False, mu, big, reason=f"certified L = {float(big):.6g} is not < 2/η")
    q = max(max(abs(1 - e * mu), abs(1 - e * big)) for e in (eta_lo, eta_hi))
    q = dyadic(q, 64, libmp.round_ceiling)
    if q * (r + m.delta) + m.delta > r:
        return _Check(False, mu, big, q, reason="trap condition q(r+δ)+δ <= r fails")
    return _Check(True, mu, big, q)


def _recheck(recalled: dict[str, Any], target: IntervalTarget, m: _Minimum,
             eta_lo: Fraction, eta_hi: Fraction, subdivisions: int
             ) -> tuple[tuple[Fraction, _Check] | None, Fraction | None, str, int]:
    """A remembered search result, its radius checked again (one evaluation): ``(good,
    bad, last_failure, evaluations)`` as the search would leave them, or an empty start
    when the radius no longer verifies or the record is malformed."""
    try:
        r = Fraction(recalled["radius"])
        bad = None if recalled["bad"] is None else Fraction(recalled["bad"])
        last_failure = str(recalled["last_failure"])
        evaluations = int(recalled["evaluations"])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None, "", 0
    check = _check_radius(target, m, eta_lo, eta_hi, r, subdivisions)
    if not check.ok:
        return None, None, "", 0
    return (r, check), bad, last_failure, evaluations


def _certify(
    loss: Loss,
    minimum: Sequence[sp.Expr] | AlgebraicPoint,
    eta: StepSize,
    *,
    label: int,
    subdivisions: int,
    dps: int,
    max_radius: float,
) -> tuple[CertifiedRegion | None, str]:
    """The region (or ``None``) and a one-paragraph explanation either way."""
    if isinstance(subdivisions, bool) or not isinstance(subdivisions, int) or subdivisions < 1:
        raise InputError(f"subdivisions must be a positive integer, got {subdivisions!r}")
    if not (isinstance(max_radius, int | float) and math.isfinite(max_radius) and max_radius > 0):
        raise InputError(f"max_radius must be a positive number, got {max_radius!r}")
    if isinstance(label, bool) or not isinstance(label, int) or label < 1:
        raise InputError(f"label must be an integer >= 1, got {label!r}")
    n = loss.n
    requested = subdivisions
    while subdivisions > 1 and subdivisions**n > MAX_SUB_BOXES:
        subdivisions -= 1
    target = compile_loss(loss.expr, loss.params).interval(dps)
    m = _resolve_minimum(loss, minimum, target, dps)
    where = "(" + ", ".join(sp.sstr(c) for c in m.coords) + ")"
    if m.problem is not None:
        return None, f"no region around {where}: {m.problem}."
    if m.kind is not None and m.kind != "minimum":
        return None, (
            f"no region around {where}: the point is a {m.kind}, not a strict minimum "
            "(a contracting trapping ball needs a positive definite Hessian)."
        )
    if m.lambda_max is not None:
        eta_star = sp.radsimp(2 / m.lambda_max)
        sign = compare(m.lambda_max * eta.exact, sp.Integer(2))
        if sign >= 0:
            relation = "=" if sign == 0 else ">"
            return None, (
                f"no region around {where}: η = {eta} {relation} η* = 2/λmax = "
                f"{sp.sstr(eta_star)} ≈ {float(eta_star):.10g} (λmax = {sp.sstr(m.lambda_max)}); "
                "GD is not a contraction at the minimum itself "
                + ("(marginal: |1 − η·λmax| = 1)." if sign == 0 else "(it is linearly unstable).")
            )
    eta_lo, eta_hi = eta.bounds(dps)
    radius = dyadic(Fraction(max_radius), 53, libmp.round_floor)
    evaluations = 0
    good: tuple[Fraction, _Check] | None = None
    bad: Fraction | None = None
    last_failure = ""
    # a radius found by an earlier search with the same exact inputs, re-verified here
    key = (sp.srepr(loss.expr), tuple(sp.srepr(p) for p in loss.params),
           tuple(str(c) for c in m.center), str(m.delta), eta_lo, eta_hi, subdivisions,
           dps, radius)
    recalled = recall_search("hessian-ball", key)
    if recalled is not None:
        good, bad, last_failure, evaluations = _recheck(recalled, target, m, eta_lo, eta_hi,
                                                        subdivisions)
    reused = good is not None
    # halving from max_radius until a radius is certified
    while good is None and evaluations < MAX_EVALUATIONS:
        evaluations += 1
        check = _check_radius(target, m, eta_lo, eta_hi, radius, subdivisions)
        if check.ok:
            good = (radius, check)
            break
        last_failure = check.reason
        bad = radius
        radius /= 2 if evaluations < 4 else 16
    if good is None:
        return None, (
            f"no region certified around {where} at η = {eta} after {evaluations} "
            f"interval evaluations down to radius {float(bad or 0):.3g}: {last_failure} "
            "(try a larger dps or more subdivisions)."
        )
    # bisection between the certified and the failed radius
    while bad is not None and evaluations < MAX_EVALUATIONS and bad - good[0] > good[0] / 256:
        evaluations += 1
        mid = dyadic((good[0] + bad) / 2, 53, libmp.round_floor)
        check = _check_radius(target, m, eta_lo, eta_hi, mid, subdivisions)
        if check.ok:
            good = (mid, check)
        else:
            bad = mid
            last_failure = check.reason
    r, check = good
    assert check.mu is not None and check.L is not None and check.q is not None
    if not reused:
        remember_search("hessian-ball", key, {
            "radius": str(r), "bad": None if bad is None else str(bad),
            "last_failure": last_failure, "evaluations": evaluations})
    method = (
        f"arb Hessian (dps={dps}) over {subdivisions}^{n} sub-boxes of [c ± (r+δ)]^{n}; "
        "midpoint eigenvalue bounds proved by exact LDLᵀ, Weyl bound ‖R‖_F; "
        f"trap q(r+δ)+δ <= r; {evaluations} box evaluations"
        + (f" (subdivisions capped from {requested})" if subdivisions != requested else "")
    )
    region = CertifiedRegion(
        label=label,
        center=tuple(fraction_mpf(c) for c in m.center),
        radius=fraction_mpf(r),
        eta=eta.exact,
        mu=fraction_mpf(check.mu),
        L=fraction_mpf(check.L),
        contraction=fraction_mpf(check.q),
        center_error=fraction_mpf(m.delta),
        method=method,
    )
    limited = "max_radius" if bad is None else f"{last_failure} at radius {float(bad):.6g}"
    text = (
        f"region around {where} at η = {eta}: radius {float(r):.6g} "
        f"(limited by {limited}), spectrum in [{float(check.mu):.6g}, {float(check.L):.6g}], "
        f"contraction q = {float(check.q):.6g}."
    )
    return region, text


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def certify_region(
    loss: Loss,
    minimum: Sequence[sp.Expr] | AlgebraicPoint,
    eta: StepSizeLike,
    *,
    label: int = 1,
    subdivisions: int = 4,
    dps: int = 30,
    max_radius: float = 1.0,
) -> CertifiedRegion | None:
    """A certified trapping ball around the minimum ``minimum`` for GD at step ``eta``.

    Parameters
    ----------
    loss
        The loss.
    minimum
        The minimum θ*, exactly: an :class:`~symstab.exact.algebraic.AlgebraicPoint`
        (from :func:`~symstab.exact.critical.critical_set`) or exact SymPy coordinates
        (rationals, or algebraic numbers matched exactly to a critical point of a
        polynomial loss; for a non-polynomial loss the gradient must simplify to 0).
    eta
        The step size, in any spelling :meth:`~symstab.inputs.StepSize.of` accepts (a
        float is the decimal it prints: ``0.1`` is 1/10).
    label
        The label stored in the region.
    subdivisions
        Sub-boxes per coordinate in each Hessian enclosure (``subdivisions**n`` in all).
    dps
        Decimal digits of the arb evaluation and of the centre.
    max_radius
        Largest radius tried.

    Returns
    -------
    CertifiedRegion or None
        ``None`` when no region exists (not a strict minimum, η >= η*) or none could be
        certified; :func:`explain_no_region` says why.

    Raises
    ------
    InputError
        On malformed input (wrong number of coordinates, non-exact values, η <= 0).
    """
    region, _ = _certify(
        loss,
        minimum,
        StepSize.of(eta),
        label=label,
        subdivisions=subdivisions,
        dps=dps,
        max_radius=max_radius,
    )
    return region


def explain_no_region(
    loss: Loss,
    minimum: Sequence[sp.Expr] | AlgebraicPoint,
    eta: StepSizeLike,
    **kw: Any,
) -> str:
    """Why :func:`certify_region` finds no region (or what it found, if it does).

    Parameters
    ----------
    loss, minimum, eta, **kw
        As for :func:`certify_region`.

    Returns
    -------
    str
        One paragraph: e.g. "no region around (...): η = 10/19 = η* = 2/λmax = 10/19 ...".
    """
    options = {"label": 1, "subdivisions": 4, "dps": 30, "max_radius": 1.0, **kw}
    return _certify(loss, minimum, StepSize.of(eta), **options)[1]
