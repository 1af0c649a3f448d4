"""Shared pieces of the claim checks: cached exact analyses and regions, exact
comparisons, high-precision evaluation, and a Hypothesis-driven counterexample search.

Everything here goes through the public API of :mod:`symstab`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from hypothesis import HealthCheck, Phase, currently_in_test_context, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from symstab.certify.minima import certified_regions
from symstab.certify.region import CertifiedRegion
from symstab.codegen import compile_loss
from symstab.evidence import Strength
from symstab.exact.analysis import Analysis, PointAnalysis, analyze
from symstab.exact.signs import compare
from symstab.loss import Loss

from .core import Budget, HypothesisCheck

__all__ = [
    "BallPoints",
    "analysis_of",
    "decimal",
    "find_violation",
    "minimum_label",
    "mp_number",
    "mp_target",
    "point_text",
    "regions_of",
    "slug",
]


@lru_cache(maxsize=64)
def analysis_of(loss: Loss, eta: sp.Expr | None = None, time_limit: float = 60.0) -> Analysis:
    """The exact analysis of ``loss`` (at ``eta``), computed once per process."""
    return analyze(loss, eta, time_limit=time_limit)


@lru_cache(maxsize=64)
def regions_of(loss: Loss, eta: sp.Expr, subdivisions: int = 4) -> tuple[CertifiedRegion, ...]:
    """The certified trapping regions of every strict minimum at ``eta`` (cached)."""
    return certified_regions(loss, eta, subdivisions=subdivisions)


def slug(x: Any) -> str:
    """A claim-id fragment: a loss name or an exact number without ``/``, ``*``, spaces
    (``1/2`` -> ``1_2``; ``x**2/2 + y**2`` -> ``x^2_2+y^2``)."""
    text = x if isinstance(x, str) else sp.sstr(x)
    text = text.replace("**", "^").replace("/", "_").replace("*", "")
    return "".join(ch for ch in text if not ch.isspace())


def decimal(x: Any, digits: int = 12) -> str:
    """A short decimal string of a SymPy number, mpf or float."""
    if isinstance(x, sp.Basic):
        return sp.sstr(sp.N(x, digits), full_prec=False) if not x.is_Integer else str(int(x))
    return mpmath.nstr(mpmath.mpf(x), digits)


def point_text(theta: Sequence[Any], digits: int = 12) -> tuple[str, ...]:
    """A point as decimal strings."""
    return tuple(decimal(t, digits) for t in theta)


def minimum_label(p: PointAnalysis) -> str:
    """A minimum's coordinates, exactly, e.g. ``(sqrt(95)/10, sqrt(95)/10)``."""
    return "(" + ", ".join(c.exact or c.decimal for c in p.coordinates) + ")"


def critical_set_complete(loss: Loss) -> Callable[[Budget], HypothesisCheck]:
    """Hypothesis: the exact critical set of ``loss`` was computed completely."""

    def check(budget: Budget) -> HypothesisCheck:
        a = analysis_of(loss, None, budget.time_limit)
        ok = a.critical_set_status == "complete"
        return HypothesisCheck("exact critical set", ok, Strength.EXACT,
                               f"critical set of {loss.name}: {a.critical_set_status}")

    return check


def has_strict_minimum(loss: Loss) -> Callable[[Budget], HypothesisCheck]:
    """Hypothesis: ``loss`` has an isolated strict local minimum."""

    def check(budget: Budget) -> HypothesisCheck:
        minima = analysis_of(loss, None, budget.time_limit).minima
        text = ", ".join(minimum_label(p) for p in minima) or "none"
        return HypothesisCheck("strict minimum", bool(minima), Strength.EXACT,
                               f"isolated strict minima of {loss.name}: {text}")

    return check


def stable_minima(loss: Loss, eta: sp.Expr, budget: Budget) -> list[tuple[int, PointAnalysis]]:
    """``(label, minimum)`` for the strict minima with η < η* (labels as in the regions)."""
    out = []
    for p in analysis_of(loss, None, budget.time_limit).minima:
        if p.eta_star is not None and compare(eta, p.eta_star.expr) < 0:
            out.append((p.label, p))
    return out


def below_threshold(loss: Loss, eta: sp.Expr) -> Callable[[Budget], HypothesisCheck]:
    """Hypothesis: some strict minimum has η < η* = 2/λmax (decided exactly)."""

    def check(budget: Budget) -> HypothesisCheck:
        stable = stable_minima(loss, eta, budget)
        minima = analysis_of(loss, None, budget.time_limit).minima
        stars = ", ".join(f"{minimum_label(p)}: η* = {p.eta_star.exact}" for p in minima
                          if p.eta_star is not None)
        return HypothesisCheck("η < η*", bool(stable), Strength.EXACT,
                               f"η = {sp.sstr(eta)}; {stars or 'no strict minimum'}")

    return check


class BallPoints:
    """Points of the closed ball B(center, radius) as mpf tuples.

    Half of the draws lie on the segment through the centre along ``direction`` (where
    counterexamples to descent inequalities live: the top eigenvector of the Hessian);
    the rest are spread over the ball with their radius drawn uniformly. All lie at
    distance >= radius/100 from the centre, where the compared quantities are well above
    the rounding level (the inner ball is covered by the region's certificate anyway).
    :meth:`strategy` draws them with Hypothesis; :meth:`draw` maps plain
    uniform numbers to the same distribution (used inside a running Hypothesis test,
    where a nested search is not allowed).
    """

    def __init__(self, center: Sequence[Any], radius: Any,
                 direction: Sequence[float] | None = None) -> None:
        self.center = tuple(center)
        self.radius = radius
        self.direction = None if direction is None else [float(v) for v in direction]

    def _spread(self, vec: Sequence[float], s: float) -> tuple[mpmath.mpf, ...]:
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            return tuple(mpmath.mpf(c) for c in self.center)
        return tuple(mpmath.mpf(c) + mpmath.mpf(self.radius) * s * v / norm
                     for c, v in zip(self.center, vec, strict=True))

    def draw(self, along: bool, u: Sequence[float], s: float) -> tuple[mpmath.mpf, ...]:
        """The point for uniform numbers ``u`` in [-1, 1]^n and ``s`` in [0, 1] (at
        distance >= radius/100 from the centre)."""
        if along and self.direction is not None:
            sign = 1.0 if u[0] >= 0 else -1.0
            return self._spread(self.direction, sign * (0.01 + 0.99 * s))
        if not any(u):
            u = [1.0] + [0.0] * (len(u) - 1)
        return self._spread(u, 0.01 + 0.99 * s)

    def strategy(self) -> st.SearchStrategy[tuple[mpmath.mpf, ...]]:
        """The Hypothesis strategy of these points."""
        n = len(self.center)
        unit = st.floats(-1.0, 1.0, allow_nan=False)
        return st.builds(self.draw, st.booleans(), st.lists(unit, min_size=n, max_size=n),
                         st.floats(0.0, 1.0, allow_nan=False))


def find_violation(points: BallPoints, violated: Callable[[Any], bool],
                   examples: int) -> Any | None:
    """A point for which ``violated`` holds, or None.

    Hypothesis' :func:`hypothesis.find` (deterministic, no example database, no
    shrinking: shrinking would pull a witness to the centre of a ball, where the
    quantities are at rounding level). Inside a running Hypothesis test (a user's
    property test that checks claims) a nested search is not allowed, so the same
    distribution is sampled from a seeded NumPy generator instead.
    """
    if currently_in_test_context():
        rng = np.random.default_rng(0)
        n = len(points.center)
        for _ in range(examples):
            theta = points.draw(bool(rng.integers(2)), rng.uniform(-1, 1, n),
                                float(rng.uniform()))
            if violated(theta):
                return theta
        return None
    try:
        return find(
            points.strategy(),
            violated,
            settings=settings(max_examples=examples, derandomize=True, database=None,
                              deadline=None, phases=[Phase.generate],
                              suppress_health_check=list(HealthCheck)),
        )
    except NoSuchExample:
        return None


def mp_target(loss: Loss, dps: int) -> Any:
    """The compiled mpmath target of ``loss`` at ``dps`` digits (``value``, ``gradient``,
    ``hessian``, ``step``; results in its private context of that precision)."""
    return compile_loss(loss.expr, loss.params).mpmath(dps)


def mp_number(ctx: Any, x: Any, dps: int) -> Any:
    """An exact SymPy number as an mpf of ``ctx`` (correctly rounded via SymPy's evalf);
    any other number through ``ctx.mpf``."""
    if isinstance(x, sp.Basic):
        return ctx.mpf(sp.N(x, dps + 10)._mpf_) if not x.is_Integer else ctx.mpf(int(x))
    return ctx.mpf(x)


def exact_point(point: PointAnalysis) -> tuple[sp.Expr, ...]:
    """A minimum's exact coordinates as SymPy numbers."""
    return tuple(c.expr for c in point.coordinates)
