"""Exact η-ranges of the period-2 orbits of 1-D maps.

:func:`period_two_ranges` (``exact``) — for a 1-D polynomial loss (or a map restricted to
an invariant line, :func:`~symstab.dynamics.orbits.maps.diagonal_loss`) and η symbolic:
writing s = p + q, t = pq for an orbit {p, q}, the orbit equations
(G(p) − G(q))/(p − q) = −1, G(p) + G(q) = p + q are symmetric, hence polynomial in
(s, t, η); each solution branch (s(η), t(η)) gives a real orbit iff s, t are real and
s² − 4t > 0, and it is stable iff its multiplier G'(p)G'(q) (a polynomial in s, t, η)
lies in (−1, 1). The η-intervals are found by exact elimination (Gröbner bases) of the
boundary values and exact sign tests at rational points in between: endpoints are
algebraic numbers.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp
from sympy.polys.polyfuncs import symmetrize

from symstab.errors import InputError
from symstab.exact.derivatives import ETA, gd_map
from symstab.exact.signs import compare, exact_sign
from symstab.loss import Loss

__all__ = [
    "EtaInterval", "PeriodTwoBranch", "PeriodTwoRanges", "period_two_ranges",
    "positive_real_roots",
]


@dataclass(frozen=True)
class EtaInterval:
    """An open interval (lo, hi) of step sizes with exact algebraic endpoints (hi may be oo)."""

    lo: sp.Expr
    hi: sp.Expr

    def contains(self, eta: sp.Expr) -> bool:
        """Exact membership of a number in the open interval."""
        above = compare(eta, self.lo) > 0
        below = self.hi is sp.oo or compare(eta, self.hi) < 0
        return above and below

    def to_dict(self, digits: int = 20) -> dict[str, Any]:
        """JSON-ready dict: exact endpoints and decimals."""
        def dec(e: sp.Expr) -> str:
            return "inf" if e is sp.oo else sp.sstr(sp.N(e, digits))

        return {"lo": sp.sstr(self.lo), "hi": sp.sstr(self.hi),
                "lo_decimal": dec(self.lo), "hi_decimal": dec(self.hi)}

    def __str__(self) -> str:
        return f"({sp.sstr(self.lo)}, {sp.sstr(self.hi)})"


@dataclass(frozen=True)
class PeriodTwoBranch:
    """One branch of period-2 orbits {p, q} of a 1-D map, η symbolic.

    Attributes
    ----------
    s, t
        p + q and pq as functions of η (exact).
    discriminant
        s² − 4t: the orbit is real with p ≠ q iff it is > 0.
    multiplier
        G'(p)G'(q) as a function of η.
    exists, stable
        Open η-intervals (η > 0) where the orbit is real, and where it is also stable.
    """

    s: sp.Expr
    t: sp.Expr
    discriminant: sp.Expr
    multiplier: sp.Expr
    exists: tuple[EtaInterval, ...]
    stable: tuple[EtaInterval, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"s": sp.sstr(self.s), "t": sp.sstr(self.t),
                "discriminant": sp.sstr(self.discriminant),
                "multiplier": sp.sstr(self.multiplier),
                "exists": [i.to_dict() for i in self.exists],
                "stable": [i.to_dict() for i in self.stable]}


@dataclass(frozen=True)
class PeriodTwoRanges:
    """Period-2 orbits of a 1-D GD map against η, exactly.

    Attributes
    ----------
    loss_name
        The (1-D) loss.
    map_expr
        G(x) with η symbolic.
    branches
        The solution branches.
    exists, stable
        Unions over the branches: where some period-2 orbit is real / real and stable.
    """

    loss_name: str
    map_expr: sp.Expr
    branches: tuple[PeriodTwoBranch, ...]
    exists: tuple[EtaInterval, ...]
    stable: tuple[EtaInterval, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"loss": self.loss_name, "map": sp.sstr(self.map_expr),
                "branches": [b.to_dict() for b in self.branches],
                "exists": [i.to_dict() for i in self.exists],
                "stable": [i.to_dict() for i in self.stable]}


def positive_real_roots(poly_expr: sp.Expr) -> list[sp.Expr]:
    """Exact positive real roots in η of a polynomial (radicals up to degree 2)."""
    if poly_expr == 0:
        return []
    poly = sp.Poly(poly_expr, ETA)
    if poly.degree() <= 0:
        return []
    out: list[sp.Expr] = []
    for factor, _ in sp.factor_list(poly.as_expr(), ETA)[1]:
        fpoly = sp.Poly(factor, ETA)
        if fpoly.degree() <= 2:
            roots = [r for r in sp.roots(fpoly, filter="R")]
        else:
            roots = list(fpoly.real_roots())
        out += [sp.radsimp(r) for r in roots if exact_sign(r) > 0]
    return out


def _rational_between(a: sp.Expr, b: sp.Expr) -> sp.Rational:
    """A simple rational strictly between a < b (b may be oo)."""
    if b is sp.oo:
        return sp.Integer(math.ceil(float(a))) + 1
    lo, hi = float(sp.N(a, 30)), float(sp.N(b, 30))
    for den in (1, 2, 4, 10, 20, 100, 1000, 10**6, 10**9):
        r = sp.Rational(Fraction((lo + hi) / 2).limit_denominator(den))
        if compare(r, a) > 0 and compare(r, b) < 0:
            return r
    raise ValueError("no rational found between the boundaries")  # pragma: no cover


def _truth(expr: sp.Expr, value: sp.Expr, test: str) -> bool | None:
    """Exact truth at η = value of 'expr > 0' (test 'pos') or '|expr| < 1' ('unit')."""
    e = sp.radsimp(sp.simplify(expr.subs(ETA, value)))
    if e.is_real is False or e.has(sp.I) or e.has(sp.zoo, sp.nan):
        return None
    try:
        if test == "pos":
            return exact_sign(e) > 0
        return exact_sign(e - 1) < 0 and exact_sign(e + 1) > 0
    except (ValueError, NotImplementedError):
        return None


def _union(intervals: list[EtaInterval]) -> tuple[EtaInterval, ...]:
    ordered = sorted(intervals, key=lambda i: float(sp.N(i.lo, 30)))
    out: list[EtaInterval] = []
    for iv in ordered:
        if out and (out[-1].hi is sp.oo or compare(iv.lo, out[-1].hi) < 0):
            last = out[-1]
            hi = sp.oo if (last.hi is sp.oo or iv.hi is sp.oo) else (
                last.hi if compare(last.hi, iv.hi) >= 0 else iv.hi)
            out[-1] = EtaInterval(last.lo, hi)
        else:
            out.append(iv)
    return tuple(out)


def _cells(boundaries: list[sp.Expr], holds: Any) -> tuple[EtaInterval, ...]:
    """Open intervals of (0, oo) cut at ``boundaries`` where ``holds(sample)``; cells are
    merged across a boundary where ``holds`` is also true at the boundary itself."""
    pts = sorted(set(boundaries), key=lambda r: float(sp.N(r, 40)))
    edges = [sp.Integer(0), *pts, sp.oo]
    result: list[EtaInterval] = []
    for lo, hi in itertools.pairwise(edges):
        if not holds(_rational_between(lo, hi)):
            continue
        if result and result[-1].hi == lo and lo != 0 and holds(lo):
            result[-1] = EtaInterval(result[-1].lo, hi)
        else:
            result.append(EtaInterval(lo, hi))
    return tuple(result)


def period_two_ranges(loss: Loss) -> PeriodTwoRanges:
    """η-intervals where the period-2 orbits of a 1-D polynomial GD map exist and are stable.

    Parameters
    ----------
    loss
        A polynomial loss of one parameter (e.g. :func:`diagonal_loss` of ½(1 − xy)²).

    Returns
    -------
    PeriodTwoRanges
        Branches (s(η), t(η)) with exact η-intervals; unions over the branches.

    Raises
    ------
    InputError
        If the loss is not a 1-D polynomial, or the orbit equations are not solved in
        closed form.
    """
    if loss.n != 1 or not loss.is_polynomial:
        raise InputError("period-2 η-ranges need a polynomial loss of one parameter")
    x = loss.params[0]
    G = sp.expand(gd_map(loss, ETA)[0])
    p, q = sp.symbols("_p _q", real=True)
    s1, s2 = sp.symbols("s1 s2")
    Gp, Gq = G.xreplace({x: p}), G.xreplace({x: q})
    dG = sp.diff(G, x)

    def sym(expr: sp.Expr) -> sp.Expr:
        out, rem, defs = symmetrize(sp.expand(expr), p, q, formal=True)  # type: ignore[misc]
        if rem != 0:  # pragma: no cover - the inputs are symmetric by construction
            raise ValueError("not symmetric")
        names = {d[0]: (s1 if d[1] == p + q else s2) for d in defs}
        return sp.expand(out.xreplace(names))

    A = sym(sp.cancel((Gp - Gq) / (p - q)) + 1)
    B = sym(Gp + Gq - p - q)
    disc = s1**2 - 4 * s2
    mult = sym(dG.xreplace({x: p}) * dG.xreplace({x: q}))
    solutions = sp.solve([A, B], [s1, s2], dict=True)
    if not solutions or any(set(sol) != {s1, s2} for sol in solutions):
        raise InputError("the period-2 equations have no closed-form solution branches")
    # candidate boundaries: eliminants in η of {A, B, condition} and leading coefficients
    base = sp.groebner([A, B], s1, s2, ETA, order="lex")
    bounds_exist: set[sp.Expr] = set()
    for g in base.exprs:
        lc = sp.Poly(g, s1, s2).LC()
        bounds_exist.update(positive_real_roots(sp.numer(sp.together(lc))))
    bounds_stable = set(bounds_exist)
    for cond, target in ((disc, bounds_exist), (mult - 1, bounds_stable),
                         (mult + 1, bounds_stable)):
        gb = sp.groebner([A, B, cond], s1, s2, ETA, order="lex")
        for g in gb.exprs:
            if not g.has(s1) and not g.has(s2):
                roots = positive_real_roots(g)
                target.update(roots)
                bounds_stable.update(roots)
    branches = []
    for sol in solutions:
        s_e, t_e = sp.simplify(sol[s1]), sp.simplify(sol[s2])
        d_e = sp.simplify(disc.xreplace({s1: s_e, s2: t_e}))
        m_e = sp.simplify(mult.xreplace({s1: s_e, s2: t_e}))

        def real_orbit(v: sp.Expr, s_e: sp.Expr = s_e, t_e: sp.Expr = t_e,
                       d_e: sp.Expr = d_e) -> bool:
            sv = sp.radsimp(s_e.subs(ETA, v))
            tv = sp.radsimp(t_e.subs(ETA, v))
            if sv.has(sp.I) or tv.has(sp.I) or sv.is_real is False or tv.is_real is False:
                return False
            return bool(_truth(d_e, v, "pos"))

        def stable_orbit(v: sp.Expr, m_e: sp.Expr = m_e, real_orbit: Any = real_orbit) -> bool:
            return real_orbit(v) and bool(_truth(m_e, v, "unit"))

        branches.append(PeriodTwoBranch(
            s_e, t_e, d_e, m_e,
            exists=_cells(sorted(bounds_exist, key=lambda r: float(sp.N(r))), real_orbit),
            stable=_cells(sorted(bounds_stable, key=lambda r: float(sp.N(r))), stable_orbit)))
    exists = _union([i for b in branches for i in b.exists])
    stable = _union([i for b in branches for i in b.stable])
    return PeriodTwoRanges(loss.name, G, tuple(branches), exists, stable)
