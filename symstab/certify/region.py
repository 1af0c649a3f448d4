"""Certified trapping regions around minima: the stopping rule for trajectories and basins.

A :class:`CertifiedRegion` is a closed Euclidean ball B = B(center, radius) around a
strict local minimum θ* on which interval evaluation of the Hessian proves that its
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
   mu = min(m_lo − ‖R‖_F) and L = max(m_hi + ‖R‖_F) over all sub-boxes.
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
(``CertifiedRegion.monotone`` False); ``certified_regions(..., lyapunov=True)`` returns
them. The default stays the monotone Hessian balls.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from itertools import product
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from mpmath import libmp

from symstab.compile import IntervalTarget, compile_loss
from symstab.errors import InputError
from symstab.exact import derivatives as d
from symstab.exact.algebraic import AlgebraicPoint
from symstab.exact.critical import critical_set
from symstab.exact.signs import compare, exact_sign
from symstab.exact.spectrum import hessian_spectrum
from symstab.intervals import arb_mid_rad, dyadic, fraction_mpf, mpf_fraction, sqrt_up
from symstab.loss import Loss
from symstab.parse import as_exact_number

__all__ = [
    "MAX_EVALUATIONS",
    "MAX_SUB_BOXES",
    "CertifiedRegion",
    "certified_regions",
    "certify_region",
    "explain_no_region",
    "region_arrays",
]

#: Most interval evaluations (of all sub-boxes of one box) in the radius search.
MAX_EVALUATIONS = 30
#: Most sub-boxes per box; ``subdivisions`` is lowered for large n to stay below it.
MAX_SUB_BOXES = 4096
#: Relative margin of :meth:`CertifiedRegion.contains` on the squared radius.
CONTAINS_MARGIN = Fraction(1, 10**12)
#: Relative and absolute shrink of the float64 radii of :func:`region_arrays`.
ARRAY_REL_MARGIN = 1e-9
ARRAY_ABS_MARGIN = 1e-150


@dataclass(frozen=True)
class CertifiedRegion:
    """A ball around a minimum that GD at step ``eta`` provably maps into itself, contracting.

    Attributes
    ----------
    label
        The minimum's label (k >= 1, the k-th minimum in the analysis' order).
    center
        Ball centre (mpmath ``mpf`` coordinates; within ``center_error`` of θ*).
    radius
        Ball radius (``mpf``), certified.
    eta
        The step size (exact SymPy number) the certificate is for.
    mu, L
        Certified bounds mu <= λmin(H) and λmax(H) <= L over the ball (``mpf``).
    contraction
        q = max(|1 − η mu|, |1 − η L|) < 1 (``mpf``, rounded up).
    center_error
        Certified bound on ‖center − θ*‖ (``mpf``).
    method
        How it was certified (e.g. "arb Hessian over 4x4 sub-boxes, Weyl bound").
    monotone
        True for a Hessian ball: the loss provably decreases at every step inside it.
        False for a region certified only to lie in the basin of θ*
        (:mod:`symstab.certify.lyapunov`): orbits from it converge to θ*, but the loss
        may rise on the way; ``mu``, ``L`` and ``contraction`` then describe its inner
        Hessian ball of radius ``inner_radius``.
    inner_radius
        For a non-monotone region: the radius of the certified Hessian ball around the
        same centre that its certificate ends in (``mpf``); ``None`` otherwise.
    decrease
        For a Lyapunov region: a certified m > 0 with ‖G²(θ) − c‖² <= ‖θ − c‖² − m on
        the annulus inner_radius <= ‖θ − c‖ <= radius (``mpf``); ``None`` otherwise.
    """

    label: int
    center: tuple[mpmath.mpf, ...]
    radius: mpmath.mpf
    eta: object
    mu: mpmath.mpf
    L: mpmath.mpf
    contraction: mpmath.mpf
    center_error: mpmath.mpf
    method: str
    monotone: bool = True
    inner_radius: mpmath.mpf | None = None
    decrease: mpmath.mpf | None = None

    @cached_property
    def _contains_data(self) -> tuple[tuple[tuple, ...], tuple]:
        """Raw centre coordinates and the squared radius shrunk by the margin (rounded down)."""
        center = tuple(c._mpf_ for c in self.center)
        r2 = libmp.mpf_mul(self.radius._mpf_, self.radius._mpf_)  # exact
        shrink = libmp.from_rational(
            CONTAINS_MARGIN.denominator - CONTAINS_MARGIN.numerator,
            CONTAINS_MARGIN.denominator,
            120,
            libmp.round_floor,
        )
        return center, libmp.mpf_mul(r2, shrink, 120, libmp.round_floor)

    def contains(self, theta: tuple) -> bool:
        """Whether ``theta`` lies in the ball (computed so that a True is never wrong:
        the squared distance is compared with a margin for rounding).

        Parameters
        ----------
        theta
            Coordinates (floats, ints, mpmath ``mpf`` of any context, ``Fraction``).

        Returns
        -------
        bool
            True only if ‖theta − center‖² <= radius²·(1 − 1e-12); the squared distance
            is computed *exactly* (binary inputs, ``mpmath.libmp`` with unlimited
            precision), so no rounding can turn an outside point into a True. NaN, inf
            or a wrong length give False.
        """
        center, bound = self._contains_data
        if len(theta) != len(center):
            return False
        total = libmp.fzero
        for x, c in zip(theta, center, strict=True):
            raw = _raw_exact(x)
            if raw is None:
                return self._contains_rational(theta)
            if raw in (libmp.finf, libmp.fninf, libmp.fnan):
                return False
            diff = libmp.mpf_sub(raw, c)  # prec=0: exact
            total = libmp.mpf_add(total, libmp.mpf_mul(diff, diff))
        return libmp.mpf_cmp(total, bound) <= 0

    def _contains_rational(self, theta: tuple) -> bool:
        """:meth:`contains` for exact rationals (``Fraction``, SymPy ``Rational``)."""
        center, bound = self._contains_data
        total = Fraction(0)
        for x, c in zip(theta, center, strict=True):
            raw = _raw_exact(x)
            if raw is not None:
                if raw in (libmp.finf, libmp.fninf, libmp.fnan):
                    return False
                q = mpf_fraction(raw)
            elif isinstance(x, Fraction):
                q = x
            elif isinstance(x, sp.Rational):
                q = Fraction(int(x.p), int(x.q))
            else:
                return False
            total += (q - mpf_fraction(c)) ** 2
        return total <= mpf_fraction(bound)


def _raw_exact(x: Any) -> tuple | None:
    """An exact raw mpf for a binary number; ``None`` if it has no exact binary form."""
    raw = getattr(x, "_mpf_", None)
    if raw is not None:
        return raw
    if isinstance(x, bool):
        return None
    if isinstance(x, int | np.integer):
        return libmp.from_int(int(x))
    if isinstance(x, float | np.floating):
        return libmp.from_float(float(x))
    if isinstance(x, Fraction) and x.denominator & (x.denominator - 1) == 0:
        return libmp.from_man_exp(x.numerator, -(x.denominator.bit_length() - 1))
    return None


# --------------------------------------------------------------------------------------
# Exact rational helpers
# --------------------------------------------------------------------------------------


def _positive_definite(s: list[list[Fraction]]) -> bool:
    """Exact test that a symmetric rational matrix is positive definite (LDLᵀ pivots > 0)."""
    a = [row[:] for row in s]
    n = len(a)
    for k in range(n):
        pivot = a[k][k]
        if pivot <= 0:
            return False
        for i in range(k + 1, n):
            f = a[i][k] / pivot
            if f:
                for j in range(k + 1, n):
                    a[i][j] -= f * a[k][j]
    return True


def _midpoint_spectrum_bounds(m: list[list[Fraction]]) -> tuple[Fraction, Fraction] | None:
    """Proved bounds lo <= λmin(M) and λmax(M) <= hi for a symmetric rational M."""
    n = len(m)
    floats = np.array([[float(x) for x in row] for row in m])
    if not np.all(np.isfinite(floats)):
        return None
    eig = np.linalg.eigvalsh(floats)
    scale = max(1.0, float(np.max(np.abs(floats)))) * n
    lo_ok = hi_ok = None
    for tol in (1e-30, 1e-13, 1e-9, 1e-5, 1e-1):
        margin = Fraction(tol * scale)
        if lo_ok is None:
            lo = dyadic(Fraction(float(eig[0])) - margin, 60, libmp.round_floor)
            shifted = [[m[i][j] - (lo if i == j else 0) for j in range(n)] for i in range(n)]
            if _positive_definite(shifted):
                lo_ok = lo
        if hi_ok is None:
            hi = dyadic(Fraction(float(eig[-1])) + margin, 60, libmp.round_ceiling)
            shifted = [[(hi if i == j else 0) - m[i][j] for j in range(n)] for i in range(n)]
            if _positive_definite(shifted):
                hi_ok = hi
        if lo_ok is not None and hi_ok is not None:
            return lo_ok, hi_ok
    return None


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


def _coerce_eta(eta: Any) -> sp.Expr:
    value = as_exact_number(eta, "step size")
    if not (isinstance(value, sp.Expr) and value.is_number and value.is_real):
        raise InputError(f"step size must be an exact real number, got {eta!r}", "eta")
    if value.is_Float:
        value = sp.Rational(value)  # the exact binary value of the float
    if not value.is_positive:
        raise InputError(f"step size must be positive, got {eta}", "eta")
    return value


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
        hess = target.hessian(box)
        mid: list[list[Fraction]] = []
        rad2 = Fraction(0)
        for row in hess:
            mrow = []
            for entry in row:
                mr = arb_mid_rad(entry)
                if mr is None:
                    return None
                mrow.append(mr[0])
                rad2 += mr[1] * mr[1]
            mid.append(mrow)
        bounds = _midpoint_spectrum_bounds(mid)
        if bounds is None:
            return None
        rf = sqrt_up(rad2)
        lo_b, hi_b = bounds[0] - rf, bounds[1] + rf
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


def _eta_enclosure(target: IntervalTarget, eta: sp.Expr) -> tuple[Fraction, Fraction]:
    if eta.is_Rational:
        return Fraction(int(eta.p), int(eta.q)), Fraction(int(eta.p), int(eta.q))
    mr = arb_mid_rad(target.enclose(eta))
    if mr is None:
        raise InputError(f"cannot enclose the step size {eta}", "eta")
    return mr[0] - mr[1], mr[0] + mr[1]


def _certify(
    loss: Loss,
    minimum: Sequence[sp.Expr] | AlgebraicPoint,
    eta: Any,
    *,
    label: int,
    subdivisions: int,
    dps: int,
    max_radius: float,
) -> tuple[CertifiedRegion | None, str]:
    """The region (or ``None``) and a one-paragraph explanation either way."""
    eta = _coerce_eta(eta)
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
        sign = compare(m.lambda_max * eta, sp.Integer(2))
        if sign >= 0:
            relation = "=" if sign == 0 else ">"
            return None, (
                f"no region around {where}: η = {sp.sstr(eta)} {relation} η* = 2/λmax = "
                f"{sp.sstr(eta_star)} ≈ {float(eta_star):.10g} (λmax = {sp.sstr(m.lambda_max)}); "
                "GD is not a contraction at the minimum itself "
                + ("(marginal: |1 − η·λmax| = 1)." if sign == 0 else "(it is linearly unstable).")
            )
    eta_lo, eta_hi = _eta_enclosure(target, eta)
    radius = dyadic(Fraction(max_radius), 53, libmp.round_floor)
    evaluations = 0
    good: tuple[Fraction, _Check] | None = None
    bad: Fraction | None = None
    last_failure = ""
    # halving from max_radius until a radius is certified
    while evaluations < MAX_EVALUATIONS:
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
            f"no region certified around {where} at η = {sp.sstr(eta)} after {evaluations} "
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
        eta=eta,
        mu=fraction_mpf(check.mu),
        L=fraction_mpf(check.L),
        contraction=fraction_mpf(check.q),
        center_error=fraction_mpf(m.delta),
        method=method,
    )
    limited = "max_radius" if bad is None else f"{last_failure} at radius {float(bad):.6g}"
    text = (
        f"region around {where} at η = {sp.sstr(eta)}: radius {float(r):.6g} "
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
    eta: sp.Expr,
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
        The step size, an exact positive number (floats are taken at their exact value).
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
        eta,
        label=label,
        subdivisions=subdivisions,
        dps=dps,
        max_radius=max_radius,
    )
    return region


def explain_no_region(
    loss: Loss,
    minimum: Sequence[sp.Expr] | AlgebraicPoint,
    eta: sp.Expr,
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
    return _certify(loss, minimum, eta, **options)[1]


def certified_regions(
    loss: Loss,
    eta: sp.Expr,
    *,
    lyapunov: bool = False,
    lyapunov_options: dict[str, Any] | None = None,
    **kw: Any,
) -> tuple[CertifiedRegion, ...]:
    """Certified regions around every strict minimum with λmax < 2/η.

    Parameters
    ----------
    loss
        A polynomial loss with rational coefficients.
    eta
        The step size (exact).
    lyapunov
        False (default): the monotone Hessian balls of :func:`certify_region`. True:
        for each minimum the enlarged, non-monotone region of
        :func:`symstab.certify.lyapunov.certify_lyapunov_region` (a ball in the basin,
        without proof of descent) where one is certified, else its Hessian ball.
    lyapunov_options
        Keyword arguments for :func:`~symstab.certify.lyapunov.certify_lyapunov_region`
        (``max_radius``, ``max_boxes``, ``rel_bits``, ``dps``).
    **kw
        ``subdivisions``, ``dps``, ``max_radius`` as for :func:`certify_region`.

    Returns
    -------
    tuple of CertifiedRegion
        In the order of the exact analysis' minima (``analyze(loss).minima``); a region's
        ``label`` is its minimum's position (1-based) in that order, so labels are
        1..k when every minimum is stable. Minima with λmax >= 2/η (or that could not be
        certified) have no region.

    Raises
    ------
    InputError
        If the loss is not a polynomial with rational coefficients.
    """
    if not loss.is_polynomial:
        raise InputError("certified_regions needs a polynomial loss; use certify_region")
    eta = _coerce_eta(eta)
    kw.pop("label", None)  # labels come from the order of the minima
    crit = critical_set(d.gradient(loss), loss.params)
    H = d.hessian(loss)
    regions: list[CertifiedRegion] = []
    label = 0
    for point in crit.points:
        spectrum = hessian_spectrum(point, H)
        if spectrum.kind != "minimum":
            continue
        label += 1
        if compare(spectrum.lambda_max.value * eta, sp.Integer(2)) >= 0:
            continue
        region = certify_region(loss, point, eta, label=label, **kw)
        if region is not None:
            regions.append(region)
    if lyapunov:
        from symstab.certify.lyapunov import certify_lyapunov_region

        options = dict(lyapunov_options or {})
        enlarged = []
        for region in regions:
            big = certify_lyapunov_region(loss, region, **options)
            enlarged.append(region if big is None else big)
        return tuple(enlarged)
    return tuple(regions)


def region_arrays(regions: Sequence[CertifiedRegion]) -> tuple[np.ndarray, np.ndarray]:
    """Centres and radii as float64 arrays for the float64 basin kernel.

    Parameters
    ----------
    regions
        Certified regions (all of the same dimension n).

    Returns
    -------
    centers : np.ndarray
        Shape ``(k, n)``: the centres rounded to nearest float64.
    radii : np.ndarray
        Shape ``(k,)``: ``(radius − ‖center − float64(center)‖)·(1 − 1e-9) − 1e-150``,
        rounded down (0 if negative). A float64 point whose float64 squared distance to
        the float centre is <= radius² (any summation order, n << 1e6) is truly in the ball.
    """
    if not regions:
        return np.zeros((0, 0)), np.zeros(0)
    n = len(regions[0].center)
    centers = np.empty((len(regions), n), dtype=np.float64)
    radii = np.empty(len(regions), dtype=np.float64)
    shrink = 1 - Fraction(ARRAY_REL_MARGIN)
    for k, region in enumerate(regions):
        if len(region.center) != n:
            raise ValueError("regions of different dimensions")
        err2 = Fraction(0)
        for i, c in enumerate(region.center):
            exact = mpf_fraction(c._mpf_)
            centers[k, i] = float(exact)
            err2 += (exact - Fraction(centers[k, i])) ** 2
        rho = (mpf_fraction(region.radius._mpf_) - sqrt_up(err2)) * shrink
        rho -= Fraction(ARRAY_ABS_MARGIN)
        radii[k] = float(dyadic(rho, 53, libmp.round_floor)) if rho > 0 else 0.0
    return centers, radii
