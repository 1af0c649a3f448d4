"""Certified eigenvalue bounds of symmetric matrices given by interval entries.

An interval matrix [M − R, M + R] (M, R exact dyadic, from python-flint ``arb`` balls)
contains every symmetric A whose entries lie in the balls. Bounds for all of them:

1. m_lo <= λmin(M) and λmax(M) <= m_hi are *proved* by exact rational LDLᵀ: the
   candidates come from float eigenvalues minus/plus a margin, and are accepted when
   M − m_lo·I and m_hi·I − M are positive definite (all pivots > 0, exact).
2. Weyl's inequality |λ_i(A) − λ_i(M)| <= ‖A − M‖₂ <= ‖R‖_F (an upper square root,
   exact) gives m_lo − ‖R‖_F <= λmin(A) and λmax(A) <= m_hi + ‖R‖_F.

Used by the Hessian balls (:mod:`symstab.certify.hessian_ball`) and by the regions
around manifolds of minima (:mod:`symstab.certify.manifold`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from mpmath import libmp

from symstab.intervals import arb_mid_rad, dyadic, sqrt_up

__all__ = ["interval_lambda_max", "interval_spectrum_bounds", "midpoint_spectrum_bounds",
           "positive_definite"]


def positive_definite(s: list[list[Fraction]]) -> bool:
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


def midpoint_spectrum_bounds(m: list[list[Fraction]]) -> tuple[Fraction, Fraction] | None:
    """Proved bounds lo <= λmin(M) and λmax(M) <= hi for a symmetric rational M.

    Returns ``None`` when M is not finite in float64 or no candidate could be proved.
    """
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
            if positive_definite(shifted):
                lo_ok = lo
        if hi_ok is None:
            hi = dyadic(Fraction(float(eig[-1])) + margin, 60, libmp.round_ceiling)
            shifted = [[(hi if i == j else 0) - m[i][j] for j in range(n)] for i in range(n)]
            if positive_definite(shifted):
                hi_ok = hi
        if lo_ok is not None and hi_ok is not None:
            return lo_ok, hi_ok
    return None


def _certainly_positive_definite(rows: list[list[Any]]) -> bool:
    """Interval LDLᵀ of a symmetric matrix of ``arb`` balls (upper triangle read): True
    only if every pivot is certainly positive, which proves every symmetric matrix in
    the balls positive definite (each one's pivots lie in the interval pivots)."""
    a = [row[:] for row in rows]
    n = len(a)
    for k in range(n):
        pivot = a[k][k]
        if not pivot > 0:
            return False
        for i in range(k + 1, n):
            f = a[k][i] / pivot
            for j in range(i, n):
                a[i][j] = a[i][j] - f * a[k][j]
    return True


def interval_spectrum_bounds(
    matrix: Sequence[Sequence[Any]],
) -> tuple[Fraction, Fraction] | None:
    """Proved ``(lo, hi)`` with lo <= λmin(A) <= λmax(A) <= hi for every symmetric A in
    the interval matrix of ``arb`` balls ``matrix`` (only its upper triangle is read).

    Candidates come from the float eigenvalues of the midpoint matrix widened by the
    Frobenius norm of the radii (Weyl); each is proved by an interval LDLᵀ of
    hi·I − A (resp. A − lo·I) in arb, and, if that fails, by exact rational LDLᵀ of the
    midpoint plus Weyl's bound. Returns ``None`` if an entry is not finite or no
    candidate could be proved.
    """
    return _bounds(matrix, lower=True)


def interval_lambda_max(matrix: Sequence[Sequence[Any]]) -> Fraction | None:
    """A proved upper bound on λmax(A) for every symmetric A in the interval matrix of
    ``arb`` balls ``matrix`` (upper triangle read), as in :func:`interval_spectrum_bounds`
    but without the lower bound (which fails more often, and then costs the exact route,
    for nearly singular matrices); ``None`` if no candidate could be proved."""
    bounds = _bounds(matrix, lower=False)
    return None if bounds is None else bounds[1]


def _bounds(matrix: Sequence[Sequence[Any]], lower: bool) -> tuple[Fraction, Fraction] | None:
    """Both bounds (``lower``) or only the upper one (the lower is then a dummy 0)."""
    n = len(matrix)
    upper = [[matrix[min(i, j)][max(i, j)] for j in range(n)] for i in range(n)]
    if not all(x.is_finite() for row in upper for x in row):
        return None
    mid = np.array([[float(x.mid()) for x in row] for row in upper])
    rad = math.sqrt(sum(float(x.rad()) ** 2 for row in upper for x in row))
    if not (np.all(np.isfinite(mid)) and math.isfinite(rad)):
        return None
    eig = np.linalg.eigvalsh(mid)
    scale = max(1.0, float(np.max(np.abs(mid)))) * n
    import flint

    def ball(q: Fraction) -> Any:  # contains q (exact for these 53-bit dyadics)
        return flint.arb(flint.fmpq(q.numerator, q.denominator))

    lo_ok = None if lower else Fraction(0)
    hi_ok = None
    for tol in (1e-13, 1e-9, 1e-5):
        margin = rad * (1 + 1e-9) + tol * scale
        if lo_ok is None:
            lo = dyadic(Fraction(float(eig[0]) - margin), 53, libmp.round_floor)
            shift = ball(lo)
            if _certainly_positive_definite(
                    [[upper[i][j] - (shift if i == j else 0) for j in range(n)]
                     for i in range(n)]):
                lo_ok = lo
        if hi_ok is None:
            hi = dyadic(Fraction(float(eig[-1]) + margin), 53, libmp.round_ceiling)
            shift = ball(hi)
            if _certainly_positive_definite(
                    [[(shift if i == j else 0) - upper[i][j] for j in range(n)]
                     for i in range(n)]):
                hi_ok = hi
        if lo_ok is not None and hi_ok is not None:
            return lo_ok, hi_ok
    exact = _exact_midpoint_bounds(upper)
    if exact is None or lower:
        return exact
    return Fraction(0), exact[1]


def _exact_midpoint_bounds(upper: list[list[Any]]) -> tuple[Fraction, Fraction] | None:
    """The exact route: rational LDLᵀ bounds of the midpoint, widened by Weyl's bound."""
    n = len(upper)
    mid: list[list[Fraction]] = [[Fraction(0)] * n for _ in range(n)]
    rad2 = Fraction(0)
    for i in range(n):
        for j in range(i, n):
            mr = arb_mid_rad(upper[i][j])
            if mr is None:
                return None
            mid[i][j] = mid[j][i] = mr[0]
            rad2 += mr[1] * mr[1] * (1 if i == j else 2)
    bounds = midpoint_spectrum_bounds(mid)
    if bounds is None:
        return None
    rf = sqrt_up(rad2)
    return bounds[0] - rf, bounds[1] + rf
