"""The result type of every region certificate: a ball in the basin of a minimum.

A :class:`CertifiedRegion` is a closed Euclidean ball B = B(center, radius) around a
strict local minimum θ* such that every GD orbit at step ``eta`` that enters B is
*certified* to converge to θ*. Two certificates produce it:

* a Hessian ball (:mod:`symstab.certify.hessian_ball`, ``monotone`` True): GD is a
  contraction on B that maps B into itself, and the loss decreases strictly at every
  step inside B;
* a Lyapunov annulus (:mod:`symstab.certify.lyapunov`, ``monotone`` False): a much
  larger ball around the same centre whose orbits converge to θ*, the loss possibly
  rising on the way.

:meth:`CertifiedRegion.contains` is the stopping rule of trajectories (a True is never
wrong); :meth:`CertifiedRegion.contains_box` says whether a whole box lies in the region
(the test of :mod:`symstab.certify.measure`, which every region type implements);
:func:`region_arrays` gives the float64 centres and shrunken radii that the
float64 basin kernels test against.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from mpmath import libmp

from symstab.intervals import dyadic, mpf_fraction, sqrt_up, to_fraction

__all__ = [
    "ARRAY_ABS_MARGIN",
    "ARRAY_REL_MARGIN",
    "CONTAINS_MARGIN",
    "CertifiedRegion",
    "region_arrays",
]

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
    eta: sp.Expr
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

    @cached_property
    def _box_data(self) -> tuple[tuple[Fraction, ...], Fraction, tuple[float, ...], float]:
        """Exact centre and bound of :meth:`contains`; float centre and a reject threshold.

        The threshold exceeds the bound by a relative 1e-6 plus far more than the
        rounding error of a float squared distance (about 1e-15 times the squared
        coordinates), so a quick reject never turns a True into a False.
        """
        center, bound = self._contains_data
        exact = tuple(mpf_fraction(c) for c in center)
        center_f = tuple(float(c) for c in exact)
        bound_q = mpf_fraction(bound)
        slack = 1e-9 * (1.0 + sum(c * c for c in center_f))
        try:
            reject = float(bound_q) * (1 + 1e-6) + slack
        except OverflowError:
            reject = math.inf
        return exact, bound_q, center_f, reject

    def contains_box(self, sides: Sequence[tuple[Any, Any]]) -> bool:
        """Whether the whole closed box lies in the ball (exact: a True is never wrong).

        Parameters
        ----------
        sides
            One ``(lo, hi)`` pair per coordinate, exact rationals (``Fraction``, int,
            SymPy ``Rational``, or a binary ``float``/``mpf`` taken at its exact value).

        Returns
        -------
        bool
            True only if sup over the box of ‖θ − center‖² <= radius²·(1 − 1e-12), the
            bound of :meth:`contains`, so that a one-point box ``((t, t), ...)`` gives
            the same answer as ``contains(t)``. The supremum is attained at a corner:
            per coordinate max((lo − c)², (hi − c)²), summed in exact rational
            arithmetic. A wrong length, ``lo > hi`` or a side that is not an exact
            finite number give False.
        """
        center, bound, center_f, reject = self._box_data
        if len(sides) != len(center):
            return False
        exact = []
        far: float | None = 0.0
        for side, c in zip(sides, center_f, strict=True):
            if len(side) != 2:
                return False
            lo, hi = side
            lo = lo if type(lo) is Fraction else to_fraction(lo)
            hi = hi if type(hi) is Fraction else to_fraction(hi)
            if lo is None or hi is None:
                return False
            try:
                lo_f, hi_f = lo.numerator / lo.denominator, hi.numerator / hi.denominator
            except OverflowError:  # beyond the float range: everything decided exactly
                far, lo_f, hi_f = None, 0.0, 0.0
            # Rounding to float is monotone, so lo_f < hi_f already proves lo < hi.
            if not lo_f < hi_f and lo > hi:
                return False
            exact.append((lo, hi))
            if far is not None:
                gap = max(c - lo_f, hi_f - c)
                far += gap * gap
        # Quick reject: the farthest corner is outside the ball by far more than the
        # rounding error of the float computation.
        if far is not None and far > reject:
            return False
        total = Fraction(0)
        for (lo, hi), c in zip(exact, center, strict=True):
            total += max((lo - c) ** 2, (hi - c) ** 2)
            if total > bound:
                return False
        return True

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
