"""Periodic orbits of the GD map G(θ) = θ − η∇f(θ): exact, certified and numerical.

What is computed, and how sure it is
------------------------------------
* :func:`period_two_exact` (``exact``) — every real isolated period-2 orbit of a polynomial
  loss at a rational η: the square system G(θ) = φ, G(φ) = θ in 2n variables is solved
  exactly by :func:`symstab.exact.critical.critical_set`; solutions with θ = φ (fixed
  points, including whole curves of them such as xy = 1) are removed exactly; stability
  of each orbit is decided exactly from the trace and determinant of
  D(G∘G) = DG(φ)DG(θ) (Jury conditions) in Q(α).
* :func:`period_two_ranges` (``exact``) — for a 1-D polynomial loss (or a map restricted to
  an invariant line, :func:`diagonal_loss`) and η symbolic: writing s = p + q, t = pq for
  an orbit {p, q}, the orbit equations (G(p) − G(q))/(p − q) = −1, G(p) + G(q) = p + q
  are symmetric, hence polynomial in (s, t, η); each solution branch (s(η), t(η)) gives
  a real orbit iff s, t are real and s² − 4t > 0, and it is stable iff its multiplier
  G'(p)G'(q) (a polynomial in s, t, η) lies in (−1, 1). The η-intervals are found by
  exact elimination (Gröbner bases) of the boundary values and exact sign tests at
  rational points in between: endpoints are algebraic numbers.
* :func:`find_orbits` (``certified`` / ``numerical``) — period p > 2: Newton on
  G^p(θ) − θ from many starts (float64, vectorised), refined with mpmath, deduplicated by
  orbit, orbits of a lower period dividing p excluded; then each is *certified* by the
  Krawczyk test on G^p(θ) − θ in a small box (:mod:`symstab.certify.krawczyk`), the
  minimal period by G^k(X) ∩ X = ∅ for every proper divisor k of p, and the stability by
  interval enclosures of D(G^p) over the box (1-D: |m| vs 1; 2-D: trace/determinant and
  the Jury conditions; n > 2: ∞-norm < 1 proves stability, otherwise ``unknown``).
* :func:`diagonal_orbits_exhaustive` (``certified``, exhaustive) — *every* periodic orbit
  of period <= N on an invariant diagonal: an exact escape radius R (:func:`escape_radius`;
  |x| > R diverges), then all zeros of g^p(x) − x on a rational interval ⊃ [−R, R]
  isolated by bisection + Krawczyk, minimal periods and orbits certified, and the
  multipliers along the diagonal and across it (anti-diagonal) enclosed in intervals.
* :func:`bifurcation_data`, :func:`period_doubling_etas` — the bifurcation diagram (float64,
  ``numerical``) and the period-doubling cascade of a 1-D map: the first two doublings
  exactly (from :func:`period_two_ranges`), later ones by Newton in (x, η) on
  G^N(x) = x, (G^N)'(x) = −1 at high precision (``numerical``, with the precision used
  and the difference to a second precision).
* :func:`basin_fractions`, :func:`blog_orbit_check` — the Tao & Wang blog's statement that GD
  on (1 − xy)²/2 at h = 1.9 converges to orbits of period 2, 3 and 4.

Modules
-------
:mod:`~symstab.dynamics.orbits.maps` (the maps and the stability words),
:mod:`~symstab.dynamics.orbits.period_two`, :mod:`~symstab.dynamics.orbits.eta_ranges`,
:mod:`~symstab.dynamics.orbits.search`, :mod:`~symstab.dynamics.orbits.cascade`,
:mod:`~symstab.dynamics.orbits.census`, :mod:`~symstab.dynamics.orbits.orbit_basins`,
:mod:`~symstab.dynamics.orbits.blog`, one per item above.
"""

from symstab.dynamics.orbits.blog import BlogCheck, blog_orbit_check
from symstab.dynamics.orbits.cascade import (
    FEIGENBAUM_DELTA,
    PeriodDoubling,
    bifurcation_data,
    feigenbaum_ratios,
    period_doubling_etas,
)
from symstab.dynamics.orbits.census import (
    DiagonalCensus,
    DiagonalOrbit,
    diagonal_orbits_exhaustive,
    escape_radius,
)
from symstab.dynamics.orbits.eta_ranges import (
    EtaInterval,
    PeriodTwoBranch,
    PeriodTwoRanges,
    period_two_ranges,
)
from symstab.dynamics.orbits.maps import (
    CERTIFIED,
    NEUTRAL,
    STABLE,
    UNKNOWN,
    UNSTABLE,
    diagonal_loss,
)
from symstab.dynamics.orbits.orbit_basins import BasinEstimate, basin_fractions
from symstab.dynamics.orbits.period_two import ExactOrbit, ExactPeriodTwo, period_two_exact
from symstab.dynamics.orbits.search import PeriodicOrbit, certify_orbit, find_orbits

__all__ = [
    "CERTIFIED",
    "FEIGENBAUM_DELTA",
    "NEUTRAL",
    "STABLE",
    "UNKNOWN",
    "UNSTABLE",
    "BasinEstimate",
    "BlogCheck",
    "DiagonalCensus",
    "DiagonalOrbit",
    "EtaInterval",
    "ExactOrbit",
    "ExactPeriodTwo",
    "PeriodDoubling",
    "PeriodTwoBranch",
    "PeriodTwoRanges",
    "PeriodicOrbit",
    "basin_fractions",
    "bifurcation_data",
    "blog_orbit_check",
    "certify_orbit",
    "diagonal_loss",
    "diagonal_orbits_exhaustive",
    "escape_radius",
    "feigenbaum_ratios",
    "find_orbits",
    "period_doubling_etas",
    "period_two_exact",
    "period_two_ranges",
]
