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
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from sympy.polys.polyfuncs import symmetrize

from symstab.certify.krawczyk import (
    UNIQUE,
    IteratedMapSystem,
    Root,
    SympySystem,
    arb_box,
    ball_fraction,
    box_fractions,
    isolate_roots,
    krawczyk,
    refine,
)
from symstab.codegen import compile_loss
from symstab.errors import InputError
from symstab.evidence import wilson_interval
from symstab.exact.derivatives import ETA, gd_map
from symstab.exact.signs import compare, exact_sign
from symstab.inputs import StepSize
from symstab.loss import Loss

__all__ = [
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

STABLE = "stable"
UNSTABLE = "unstable"
NEUTRAL = "neutral"
UNKNOWN = "unknown"
CERTIFIED = "certified"

#: Feigenbaum's constant δ (for the sanity check of the cascade).
FEIGENBAUM_DELTA = 4.669201609102990


# --------------------------------------------------------------------------------------
# Maps
# --------------------------------------------------------------------------------------


def diagonal_loss(loss: Loss) -> Loss:
    """The GD map of ``loss`` restricted to the diagonal θ = (x, ..., x), as a 1-D loss.

    If every G_i(x, ..., x) is the same function (the diagonal is invariant, e.g. for
    ½(1 − xy)², on which G is x ↦ x − ηx(x² − 1)), then G restricted to it is GD with the
    same η on φ(x) = f(x, ..., x)/n, because dφ/dx = (1/n)Σ ∂_i f(x, ..., x) = ∂_1 f.

    Raises
    ------
    InputError
        If the diagonal is not invariant under the GD map.
    """
    x = sp.Symbol("x", real=True)
    on_diag = {p: x for p in loss.params}
    grads = [sp.expand(sp.diff(loss.expr, p).xreplace(on_diag)) for p in loss.params]
    if any(sp.simplify(g - grads[0]) != 0 for g in grads[1:]):
        raise InputError(f"the diagonal is not invariant under GD on {loss.name}")
    phi = sp.expand(loss.expr.xreplace(on_diag) / loss.n)
    return Loss(phi, (x,), f"diag({loss.name})", f"{loss.source}; restricted to x = y")


def _map_exprs(loss: Loss, eta: sp.Expr) -> tuple[sp.Expr, ...]:
    return tuple(sp.expand(g) if loss.is_polynomial else g for g in gd_map(loss, eta))


# --------------------------------------------------------------------------------------
# Exact period-2 orbits at a given η
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExactOrbit:
    """A period-2 orbit with exact coordinates.

    Attributes
    ----------
    points
        The two points θ, φ = G(θ) (exact SymPy numbers: radicals or ``CRootOf``).
    decimals
        The points as decimal strings (certified digits).
    trace, det
        Trace and determinant of D(G∘G) at θ (decimal strings, exact-derived).
    stability
        ``stable``, ``unstable`` or ``neutral`` (decided exactly).
    """

    points: tuple[tuple[sp.Expr, ...], tuple[sp.Expr, ...]]
    decimals: tuple[tuple[str, ...], tuple[str, ...]]
    trace: str
    det: str
    stability: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (exact values as strings)."""
        return {"period": 2, "status": "exact", "stability": self.stability,
                "points": [list(p) for p in self.decimals],
                "exact": [[sp.sstr(c) for c in p] for p in self.points],
                "trace": self.trace, "det": self.det}


@dataclass(frozen=True)
class ExactPeriodTwo:
    """All real isolated period-2 orbits of a polynomial loss at one η.

    Attributes
    ----------
    loss_name, eta
        Which loss and step size.
    orbits
        The orbits, each once.
    fixed_points
        Isolated fixed points found on the way (decimal strings).
    components
        Positive-dimensional solution sets of G(θ) = φ, G(φ) = θ, as equations in
        (θ, φ); ``on_diagonal`` tells whether each lies in θ = φ (fixed points only).
    n_complex
        Number of non-real isolated solutions.
    """

    loss_name: str
    eta: sp.Expr
    orbits: tuple[ExactOrbit, ...]
    fixed_points: tuple[tuple[str, ...], ...]
    components: tuple[dict[str, Any], ...]
    n_complex: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"loss": self.loss_name, "eta": sp.sstr(self.eta),
                "orbits": [o.to_dict() for o in self.orbits],
                "fixed_points": [list(p) for p in self.fixed_points],
                "components": list(self.components), "n_complex": int(self.n_complex)}


def _jury(sign_of: Any, trace: Any, det: Any, n: int) -> str:
    """Stability from exact signs (``sign_of(expr)``) of expressions in trace/det."""
    if n == 1:
        m = trace
        if sign_of(m - 1) < 0 and sign_of(m + 1) > 0:
            return STABLE
        if sign_of(m - 1) > 0 or sign_of(m + 1) < 0:
            return UNSTABLE
        return NEUTRAL
    if n == 2:
        conds = [sign_of(1 - det), sign_of(1 + det), sign_of(1 + det - trace),
                 sign_of(1 + det + trace)]
        if all(c > 0 for c in conds):
            return STABLE
        if any(c < 0 for c in conds):
            return UNSTABLE
        return NEUTRAL
    return UNKNOWN


def period_two_exact(loss: Loss, eta: Any, *, digits: int = 20,
                     time_limit: float | None = 120.0) -> ExactPeriodTwo:
    """All real isolated period-2 orbits of GD on a polynomial loss at a rational η, exactly.

    Parameters
    ----------
    loss
        A polynomial loss with rational coefficients.
    eta
        The step size (exact rational; text such as ``"1.9"`` is parsed exactly).
    digits
        Digits of the decimal forms.
    time_limit
        Budget in seconds of the exact solve.

    Returns
    -------
    ExactPeriodTwo

    Raises
    ------
    InputError
        If the loss is not polynomial or η is not rational.
    """
    from symstab.exact.critical import critical_set

    eta = StepSize.of(eta).exact
    if not loss.is_polynomial:
        raise InputError("exact period-2 orbits need a polynomial loss")
    if not eta.is_Rational:
        raise InputError("exact period-2 orbits need a rational step size", "eta")
    n = loss.n
    theta = loss.params
    phi = tuple(sp.Symbol(f"_phi{i}", real=True) for i in range(n))
    G = _map_exprs(loss, eta)
    G_phi = [g.xreplace(dict(zip(theta, phi, strict=True))) for g in G]
    polys = [sp.expand(g - f) for g, f in zip(G, phi, strict=True)]
    polys += [sp.expand(g - t) for g, t in zip(G_phi, theta, strict=True)]
    variables = (*theta, *phi)
    cs = critical_set(polys, variables, time_limit=time_limit)
    DG = sp.Matrix(n, n, lambda i, j: sp.diff(G[i], theta[j]))
    DG_phi = DG.xreplace(dict(zip(theta, phi, strict=True)))
    M = DG_phi * DG
    trace = sp.expand(M.trace())
    det = sp.expand(M.det(method="berkowitz"))
    unique: dict[tuple[tuple[str, ...], ...], ExactOrbit] = {}
    fixed: list[tuple[str, ...]] = []
    for pt in cs.points:
        dec = tuple(pt.decimal(v, digits) for v in variables)
        if all(pt.sign(sp.expand(t - f)) == 0 for t, f in zip(theta, phi, strict=True)):
            fixed.append(dec[:n])
            continue
        a, b = dec[:n], dec[n:]
        key = tuple(sorted((a, b)))
        if key in unique:  # each orbit appears as (θ, φ) and as (φ, θ)
            continue
        stability = _jury(lambda e, pt=pt: pt.sign(sp.expand(e)), trace, det, n)
        exprs = pt.coordinate_exprs()
        unique[key] = ExactOrbit(
            points=(tuple(exprs[:n]), tuple(exprs[n:])), decimals=(a, b),
            trace=pt.decimal(trace, digits), det=pt.decimal(det, digits),
            stability=stability)
    components = []
    for comp in cs.components:
        on_diag = all(
            sp.reduced(sp.expand(t - f), list(comp.equations), *variables)[1] == 0
            for t, f in zip(theta, phi, strict=True)
        )
        components.append({"equations": [sp.sstr(e.xreplace(
            {p: sp.Symbol(f"{t}'") for p, t in zip(phi, theta, strict=True)}))
            for e in comp.equations], "dimension": int(comp.dimension),
            "fixed_points_only": bool(on_diag)})
    return ExactPeriodTwo(loss.name, eta, tuple(unique.values()), tuple(fixed),
                          tuple(components), cs.n_complex_points)


# --------------------------------------------------------------------------------------
# Exact η-ranges of period-2 orbits of 1-D maps
# --------------------------------------------------------------------------------------


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


def _positive_real_roots(poly_expr: sp.Expr) -> list[sp.Expr]:
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
        bounds_exist.update(_positive_real_roots(sp.numer(sp.together(lc))))
    bounds_stable = set(bounds_exist)
    for cond, target in ((disc, bounds_exist), (mult - 1, bounds_stable),
                         (mult + 1, bounds_stable)):
        gb = sp.groebner([A, B, cond], s1, s2, ETA, order="lex")
        for g in gb.exprs:
            if not g.has(s1) and not g.has(s2):
                roots = _positive_real_roots(g)
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


# --------------------------------------------------------------------------------------
# Period p: Newton, deduplication, Krawczyk certificates, interval stability
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodicOrbit:
    """A periodic orbit of the GD map found numerically and (if possible) certified.

    Attributes
    ----------
    period
        Minimal period p.
    points
        The p points of the orbit (decimal strings, ``digits`` digits).
    status
        ``certified`` (Krawczyk: exactly one zero of G^p − id in ``box``, and G^k(box) ∩
        box = ∅ for every proper divisor k of p, so the period is exactly p) or
        ``unknown`` (numerical only).
    stability
        ``stable`` / ``unstable`` from interval enclosures of D(G^p) over the box when
        certified, else ``unknown``.
    multipliers
        Eigenvalues of D(G^p) (float, numerical), sorted by modulus.
    box
        The certified box around ``points[0]`` (``(lo, hi)`` decimal strings), if any.
    trace, det
        Enclosures of tr and det of D(G^p) over the box (decimal strings), if certified.
    reason
        Why the status / stability is what it is.
    """

    period: int
    points: tuple[tuple[str, ...], ...]
    status: str
    stability: str
    multipliers: tuple[complex, ...]
    box: tuple[tuple[str, str], ...] | None = None
    trace: tuple[str, str] | None = None
    det: tuple[str, str] | None = None
    reason: str = ""

    def float_points(self) -> np.ndarray:
        """The points as a float array of shape (p, n)."""
        return np.array([[float(c) for c in pt] for pt in self.points])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        return {
            "period": self.period, "status": self.status, "stability": self.stability,
            "points": [list(p) for p in self.points],
            "multipliers": [[float(np.real(m)), float(np.imag(m))] for m in self.multipliers],
            "box": None if self.box is None else [list(s) for s in self.box],
            "trace": None if self.trace is None else list(self.trace),
            "det": None if self.det is None else list(self.det),
            "reason": self.reason,
        }


def _divisors(p: int) -> list[int]:
    return [k for k in range(1, p) if p % k == 0]


def _numpy_map(loss: Loss) -> Any:
    return compile_loss(loss.expr, loss.params).numpy()


def _newton_batch(target: Any, eta: float, starts: np.ndarray, period: int,
                  iterations: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Damped Newton on G^p(θ) − θ for many starts at once (float64)."""
    n = starts.shape[1]
    theta = starts.copy()
    eye = np.eye(n)
    res = np.full(len(theta), np.inf)
    with np.errstate(all="ignore"):
        for _ in range(iterations):
            cur = theta
            jac = np.broadcast_to(eye, (len(theta), n, n)).copy()
            for _ in range(period):
                h = np.asarray(target.hessian(cur)).reshape(len(theta), n, n)
                jac = np.einsum("bij,bjk->bik", eye - eta * h, jac)
                cur = np.asarray(target.step(cur, eta)).reshape(len(theta), n)
            f = cur - theta
            res = np.linalg.norm(f, axis=1)
            a = jac - eye
            ok = np.isfinite(res) & np.all(np.isfinite(a), axis=(1, 2))
            delta = np.zeros_like(theta)
            if ok.any():
                try:
                    delta[ok] = np.linalg.solve(a[ok], -f[ok][..., None])[..., 0]
                except np.linalg.LinAlgError:
                    delta[ok] = np.array([np.linalg.lstsq(ai, -fi, rcond=None)[0]
                                          for ai, fi in zip(a[ok], f[ok], strict=True)])
            norm = np.linalg.norm(delta, axis=1, keepdims=True)
            delta = np.where(norm > 1.0, delta / np.maximum(norm, 1e-300), delta)
            theta = np.where(ok[:, None], theta + delta, np.nan)
            theta[np.abs(theta) > 1e6] = np.nan
    return theta, res


def _mp_refine(mp_target: Any, eta: sp.Expr, theta: Sequence[float], period: int,
               dps: int) -> tuple[list[Any], float] | None:
    """Newton on G^p(θ) − θ in mpmath at ``dps`` digits; returns (θ, residual) or None."""
    with mpmath.workdps(dps + 10):
        eta_mp = mpmath.mpf(sp.Rational(eta).p) / sp.Rational(eta).q if eta.is_Rational \
            else mpmath.mpf(str(sp.N(eta, dps + 10)))
        th = [mpmath.mpf(float(v)) for v in theta]
        n = len(th)
        res = mpmath.inf
        for _ in range(40):
            cur = th
            jac = mpmath.eye(n)
            for _ in range(period):
                h = mp_target.hessian(cur)
                dg = mpmath.eye(n) - eta_mp * mpmath.matrix([[h[i][j] for j in range(n)]
                                                             for i in range(n)])
                jac = dg * jac
                cur = list(mp_target.step(cur, eta_mp))
            f = mpmath.matrix([cur[i] - th[i] for i in range(n)])
            res = mpmath.norm(f)
            if not mpmath.isfinite(res):
                return None
            try:
                delta = mpmath.lu_solve(jac - mpmath.eye(n), -f)
            except ZeroDivisionError:
                return None
            th = [th[i] + delta[i] for i in range(n)]
            if mpmath.norm(delta) < mpmath.mpf(10) ** (-(dps + 5)):
                break
        return th, float(res)


def _orbit_points(step: Any, theta: np.ndarray, eta: float, period: int) -> np.ndarray:
    pts = [theta]
    for _ in range(period - 1):
        pts.append(np.asarray(step(pts[-1][None, :], eta)).reshape(-1))
    return np.array(pts)


def _stability_from_matrix(mat: list[list[Any]]) -> tuple[str, Any, Any]:
    """Certified stability of an interval matrix (1-D, 2-D Jury, else ∞-norm)."""
    import flint

    n = len(mat)
    one = flint.arb(1)
    if n == 1:
        m = mat[0][0]
        if abs(m) < one:
            return STABLE, m, m
        if abs(m) > one:
            return UNSTABLE, m, m
        return UNKNOWN, m, m
    if n == 2:
        tr = mat[0][0] + mat[1][1]
        det = mat[0][0] * mat[1][1] - mat[0][1] * mat[1][0]
        if abs(det) < one and abs(tr) < one + det:
            return STABLE, tr, det
        if abs(det) > one or abs(tr) > one + det:
            return UNSTABLE, tr, det
        return UNKNOWN, tr, det
    norm = max(sum((abs(e) for e in row), flint.arb(0)) for row in mat)
    tr = sum((mat[i][i] for i in range(n)), flint.arb(0))
    if norm < one:
        return STABLE, tr, None
    return UNKNOWN, tr, None


def _arb_text(x: Any, digits: int) -> tuple[str, str]:
    lo, hi = box_fractions([x])[0]
    return (mpmath.nstr(mpmath.mpf(lo.numerator) / lo.denominator, digits),
            mpmath.nstr(mpmath.mpf(hi.numerator) / hi.denominator, digits))


def certify_orbit(loss: Loss, eta: Any, point: Sequence[Any], period: int, *,
                  dps: int = 40, radii: Sequence[float] = (1e-20, 1e-12, 1e-8),
                  system: IteratedMapSystem | None = None) -> tuple[Root, str, Any, Any, str]:
    """Certify a period-``period`` point of the GD map near ``point`` by Krawczyk.

    Parameters
    ----------
    loss, eta
        The loss and the exact step size.
    point
        An approximate periodic point (floats or mpf).
    period
        The period p to certify (minimal: lower divisors are excluded).
    dps
        Working precision of the interval arithmetic.
    radii
        Box half-widths tried, in order.
    system
        A prebuilt :class:`IteratedMapSystem` (to reuse compiled code).

    Returns
    -------
    tuple
        ``(root, stability, trace_or_multiplier, det, reason)``; ``root.status`` is
        ``unique`` when certified.
    """
    eta = StepSize.of(eta).exact
    system = system or IteratedMapSystem(_map_exprs(loss, eta), loss.params, period, dps)
    last: Root | None = None
    for r in radii:
        with mpmath.workdps(dps + 10):
            sides = []
            for c in point:
                cm = mpmath.mpf(c)
                rad = mpmath.mpf(r) * (1 + abs(cm))
                sides.append((_mpf_fraction(cm - rad), _mpf_fraction(cm + rad)))
        root = krawczyk(system, sides)
        last = root
        if root.status != UNIQUE:
            continue
        root = refine(system, root, iterations=8)
        with system.workprec():
            X = arb_box(root.box, dps)
            for k in _divisors(period):
                img = system.image(X, k)
                if all(a.overlaps(b) for a, b in zip(img, X, strict=True)):
                    return (root, UNKNOWN, None, None,
                            f"cannot exclude period {k} (G^{k}(X) meets X)")
            E = arb_box(root.enclosure or root.box, dps)
            mat = system.orbit_jacobian(E)
            stability, tr, det = _stability_from_matrix(mat)
        return root, stability, tr, det, "Krawczyk K(X) ⊂ int X; lower periods excluded"
    assert last is not None
    return last, UNKNOWN, None, None, f"Krawczyk test {last.status}: {last.reason}"


def _mpf_fraction(x: Any) -> Fraction:
    sign, man, exp, _ = mpmath.mpf(x)._mpf_
    if not man:
        return Fraction(0)
    man = -int(man) if sign else int(man)
    exp = int(exp)
    return Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2 ** (-exp))


def find_orbits(loss: Loss, eta: Any, period: int, *,
                box: Sequence[tuple[float, float]] | None = None, starts: int = 400,
                seed: int = 0, dps: int = 40, digits: int = 15,
                transient: int = 2000, certify: bool = True) -> list[PeriodicOrbit]:
    """Periodic orbits of minimal period ``period`` of GD on ``loss`` at step size ``eta``.

    Candidates come from damped Newton on G^p(θ) − θ, started at ``starts`` uniform
    points of ``box`` and at the end points of ``starts`` GD trajectories after
    ``transient`` steps (which finds the attracting orbits); they are refined at ``dps``
    digits, deduplicated by orbit, and orbits of a lower period dividing p are dropped.
    Each orbit is then certified (see :func:`certify_orbit`). Points with a multiplier
    equal to 1 (to 1e-6) lie on a continuum of periodic points (e.g. the minima xy = 1
    are fixed points) and are not listed: Krawczyk cannot isolate them.

    Parameters
    ----------
    loss
        Any loss :mod:`symstab.codegen` supports.
    eta
        Step size (exact; text such as ``"1.9"`` means 19/10).
    period
        The minimal period p >= 1.
    box
        Sampling box, ``(lo, hi)`` per parameter; default ``[-3, 3]`` each.
    starts
        Number of random Newton starts (and of trajectory starts).
    seed
        Random seed.
    dps
        Digits of the mpmath refinement and of the interval arithmetic.
    digits
        Digits of the reported decimals.
    transient
        GD steps before a trajectory end point is used as a start.
    certify
        Run the Krawczyk certificate (else every orbit is ``unknown``).

    Returns
    -------
    list of PeriodicOrbit
        Sorted: stable first, then by the first point.

    Raises
    ------
    InputError
        For a bad period, box or number of starts.
    """
    eta = StepSize.of(eta).exact
    if isinstance(period, bool) or not isinstance(period, int) or not 1 <= period <= 64:
        raise InputError("period must be an integer from 1 to 64", "--period")
    if not 1 <= starts <= 100_000:
        raise InputError("starts must be between 1 and 100000", "--starts")
    n = loss.n
    if box is None:
        box = tuple((-3.0, 3.0) for _ in range(n))
    if len(box) != n or any(not lo < hi for lo, hi in box):
        raise InputError(f"box needs {n} sides (lo, hi) with lo < hi", "--box")
    target = _numpy_map(loss)
    eta_f = float(eta)
    rng = np.random.default_rng(seed)
    lo = np.array([b[0] for b in box], float)
    hi = np.array([b[1] for b in box], float)
    random_starts = lo + (hi - lo) * rng.random((starts, n))
    traj = lo + (hi - lo) * rng.random((starts, n))
    with np.errstate(all="ignore"):
        for _ in range(transient):
            traj = np.asarray(target.step(traj, eta_f)).reshape(starts, n)
            traj[~np.all(np.isfinite(traj), axis=1) | np.any(np.abs(traj) > 1e6, axis=1)] = np.nan
    traj = traj[np.all(np.isfinite(traj), axis=1)]
    all_starts = np.vstack([random_starts, traj]) if len(traj) else random_starts
    cand, res = _newton_batch(target, eta_f, all_starts, period)
    good = cand[np.isfinite(res) & (res < 1e-9) & np.all(np.isfinite(cand), axis=1)]
    mp_target = compile_loss(loss.expr, loss.params).mpmath(dps + 10)
    orbits: list[PeriodicOrbit] = []
    keys: list[np.ndarray] = []
    system = IteratedMapSystem(_map_exprs(loss, eta), loss.params, period, dps) if certify \
        else None
    # collapse near-duplicates in float first (cheap)
    if len(good):
        rounded = np.unique(np.round(good, 7), axis=0, return_index=True)[1]
        good = good[np.sort(rounded)]
    for theta in good:
        pts = _orbit_points(target.step, theta, eta_f, period)
        if any(np.allclose(pts, k[np.roll(np.arange(period), -j)], atol=1e-6)
               for k in keys for j in range(period)):
            continue
        scale = 1 + np.abs(theta).max()
        if any(np.linalg.norm(pts[k % period] - theta) < 1e-6 * scale
               for k in _divisors(period)):
            continue  # a lower period
        refined = _mp_refine(mp_target, eta, theta, period, dps)
        if refined is None:
            continue
        th_mp, resid = refined
        with mpmath.workdps(dps + 10):
            mp_pts = [th_mp]
            for _ in range(period - 1):
                mp_pts.append(list(mp_target.step(mp_pts[-1], mpmath.mpf(eta_f)
                                                  if not eta.is_Rational else
                                                  mpmath.mpf(int(eta.p)) / int(eta.q))))
            text = tuple(tuple(mpmath.nstr(c, digits) for c in pt) for pt in mp_pts)
        pts_f = np.array([[float(c) for c in pt] for pt in mp_pts])
        if any(np.allclose(pts_f, k[np.roll(np.arange(period), -j)], atol=1e-8)
               for k in keys for j in range(period)):
            continue
        if any(np.linalg.norm(pts_f[k % period] - pts_f[0]) < 1e-10 * scale
               for k in _divisors(period)):
            continue
        keys.append(pts_f)
        jac = np.eye(n)
        for pt in pts_f:
            h = np.asarray(target.hessian(pt[None, :])).reshape(n, n)
            jac = (np.eye(n) - eta_f * h) @ jac
        mults = tuple(sorted(np.linalg.eigvals(jac), key=lambda z: -abs(z)))
        if any(abs(m - 1) < 1e-6 for m in mults):
            continue  # on a curve of periodic points (e.g. the minima xy = 1): not isolated
        if certify and system is not None:
            root, stability, tr, det, reason = certify_orbit(loss, eta, th_mp, period,
                                                             dps=dps, system=system)
            if root.status == UNIQUE:
                orbits.append(PeriodicOrbit(
                    period, text, CERTIFIED, stability, mults,
                    box=tuple((a, b) for a, b in
                              (_frac_text(lo_, digits + 5, hi_) for lo_, hi_ in root.box)),
                    trace=None if tr is None else _arb_text(tr, digits),
                    det=None if det is None else _arb_text(det, digits),
                    reason=reason))
                continue
            orbits.append(PeriodicOrbit(period, text, UNKNOWN, UNKNOWN, mults, reason=reason))
        else:
            orbits.append(PeriodicOrbit(period, text, UNKNOWN, UNKNOWN, mults,
                                        reason=f"numerical (residual {resid:.1e} at {dps} "
                                               "digits), not certified"))
    order = {STABLE: 0, UNKNOWN: 1, UNSTABLE: 2}
    orbits.sort(key=lambda o: (order.get(o.stability, 1), o.float_points()[0].tolist()))
    return orbits


def _frac_text(lo: Fraction, digits: int, hi: Fraction) -> tuple[str, str]:
    with mpmath.workdps(digits + 5):
        return (mpmath.nstr(mpmath.mpf(lo.numerator) / lo.denominator, digits),
                mpmath.nstr(mpmath.mpf(hi.numerator) / hi.denominator, digits))


# --------------------------------------------------------------------------------------
# Bifurcation diagram and the period-doubling cascade
# --------------------------------------------------------------------------------------


def bifurcation_data(loss: Loss, etas: Sequence[float], *, starts: Sequence[Sequence[float]]
                     | None = None, transient: int = 2000, keep: int = 64,
                     coordinate: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Attractor points against η (float64, numerical): the bifurcation diagram.

    Parameters
    ----------
    loss
        The loss (any dimension).
    etas
        Step sizes (floats).
    starts
        Initial points (default: one start, 0.3 in every coordinate).
    transient
        Steps discarded.
    keep
        Steps recorded after the transient.
    coordinate
        Which coordinate to record.

    Returns
    -------
    (eta_values, points)
        Flat arrays of equal length (one entry per recorded bounded iterate).
    """
    target = _numpy_map(loss)
    n = loss.n
    etas_a = np.asarray(etas, float)
    x0 = np.asarray(starts if starts is not None else [[0.3] * n], float).reshape(-1, n)
    theta = np.repeat(x0, len(etas_a), axis=0)
    eta_col = np.tile(etas_a, len(x0))[:, None]
    out_eta, out_x = [], []
    with np.errstate(all="ignore"):
        for k in range(transient + keep):
            theta = np.asarray(target.step(theta, eta_col)).reshape(-1, n)
            theta[np.any(np.abs(theta) > 1e6, axis=1)] = np.nan
            if k >= transient:
                ok = np.all(np.isfinite(theta), axis=1)
                out_eta.append(eta_col[ok, 0])
                out_x.append(theta[ok, coordinate])
    return np.concatenate(out_eta), np.concatenate(out_x)


@dataclass(frozen=True)
class PeriodDoubling:
    """One period doubling of a 1-D map: the orbit of period ``period`` loses stability.

    Attributes
    ----------
    period
        Period of the orbit that loses stability (1, 2, 4, ...).
    eta
        The exact value (``exact``) or ``None``.
    decimal
        Decimal value.
    strength
        ``exact`` or ``numerical``.
    digits
        Working precision (numerical) in digits.
    agreement
        |difference| between the values at ``digits`` and at ``digits``/2 (numerical).
    """

    period: int
    eta: sp.Expr | None
    decimal: str
    strength: str
    digits: int
    agreement: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"period": self.period, "eta": None if self.eta is None else sp.sstr(self.eta),
                "decimal": self.decimal, "strength": self.strength, "digits": self.digits,
                "agreement": self.agreement}


def _doubling_newton(G: Any, dG: Any, N: int, x0: float, eta0: float, dps: int) -> tuple[
        Any, Any]:
    """Solve G^N(x) = x, (G^N)'(x) = −1 for (x, η) at ``dps`` digits (Newton, mpmath)."""
    with mpmath.workdps(dps):
        def F(x: Any, e: Any) -> list[Any]:
            cur, der = x, mpmath.mpf(1)
            for _ in range(N):
                der *= dG(cur, e)
                cur = G(cur, e)
            return [cur - x, der + 1]

        sol = mpmath.findroot(F, (mpmath.mpf(x0), mpmath.mpf(eta0)), tol=mpmath.mpf(10)
                              ** (-(dps - 5)), maxsteps=200)
        return sol[0], sol[1]


def period_doubling_etas(loss: Loss, count: int = 6, *, dps: int = 50) -> list[PeriodDoubling]:
    """The first ``count`` period doublings of a 1-D polynomial GD map against η.

    The fixed point x* and the period-2 orbit lose stability at exact η (from
    :func:`period_two_ranges` and the fixed points' multipliers); the doublings of the
    orbits of period 4, 8, ... are computed by Newton in (x, η) at ``dps`` digits,
    started from the Feigenbaum extrapolation and from a point of the attractor.

    Parameters
    ----------
    loss
        A 1-D polynomial loss with a fixed point that loses stability by a flip.
    count
        How many doublings (>= 2).
    dps
        Working precision of the numerical ones.

    Returns
    -------
    list of PeriodDoubling
    """
    if loss.n != 1:
        raise InputError("period doublings are computed for 1-D maps")
    x = loss.params[0]
    G = sp.expand(gd_map(loss, ETA)[0])
    dG = sp.diff(G, x)
    out: list[PeriodDoubling] = []
    # fixed points: G(x) = x; first flip: G'(x*) = -1 with x* a fixed point (exact, smallest)
    flips = []
    for g in sp.groebner([G - x, dG + 1], x, ETA, order="lex").exprs:
        if not g.has(x):
            flips += _positive_real_roots(g)
    ranges = period_two_ranges(loss)
    if not flips or not ranges.stable:
        raise InputError("no period-doubling cascade found for this map")
    eta1 = min(flips, key=lambda r: float(sp.N(r)))
    first_stable = ranges.stable[0]
    eta2 = first_stable.hi
    out.append(PeriodDoubling(1, eta1, sp.sstr(sp.N(eta1, 20)), "exact", 20))
    out.append(PeriodDoubling(2, eta2, sp.sstr(sp.N(eta2, 20)), "exact", 20))
    Gf = sp.lambdify((x, ETA), G, "mpmath")
    dGf = sp.lambdify((x, ETA), dG, "mpmath")
    Gn = sp.lambdify((x, ETA), G, "math")
    crit = [c for c in sp.solve(dG, x) if c.is_real is not False]
    values = [float(sp.N(eta1)), float(sp.N(eta2))]
    for k in range(2, count):
        N = 2**k
        guess = values[-1] + (values[-1] - values[-2]) / FEIGENBAUM_DELTA
        e_probe = values[-1] + 0.5 * (guess - values[-1])  # the 2^k orbit is stable here
        results = []
        for digits in (dps // 2, dps):
            xs = None
            for c in crit or [sp.Rational(3, 10)]:
                cv = float(sp.N(c.subs(ETA, e_probe))) if c.has(ETA) else float(c)
                if not math.isfinite(cv):
                    continue
                xv = cv
                for _ in range(20000):
                    xv = Gn(xv, e_probe)
                if math.isfinite(xv):
                    xs = xv
                    break
            if xs is None:
                break
            try:
                _, e_sol = _doubling_newton(Gf, dGf, N, xs, guess, digits)
            except (ValueError, ZeroDivisionError):
                break
            results.append(e_sol)
        if len(results) < 2:
            break
        values.append(float(results[1]))
        with mpmath.workdps(dps):
            out.append(PeriodDoubling(N, None, mpmath.nstr(results[1], dps // 2), "numerical",
                                      dps, float(abs(results[1] - results[0]))))
    return out


def feigenbaum_ratios(doublings: Sequence[PeriodDoubling]) -> list[float]:
    """(η_k − η_{k−1}) / (η_{k+1} − η_k): should tend to Feigenbaum's δ ≈ 4.6692."""
    v = [float(sp.N(d.eta, 30)) if d.eta is not None else float(mpmath.mpf(d.decimal))
         for d in doublings]
    return [(v[i] - v[i - 1]) / (v[i + 1] - v[i]) for i in range(1, len(v) - 1)]


# --------------------------------------------------------------------------------------
# Every periodic orbit of period <= N on an invariant diagonal (certified, exhaustive)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiagonalOrbit:
    """A periodic orbit of the GD map lying on the invariant diagonal x_1 = ... = x_n.

    Attributes
    ----------
    period
        Minimal period p (certified, see :func:`diagonal_orbits_exhaustive`).
    points
        The p diagonal coordinates in orbit order x, g(x), ..., g^{p−1}(x), starting
        from the smallest (decimal strings).
    enclosures
        Certified enclosures ``(lo, hi)`` of the points (decimal strings, outward).
    multiplier
        Enclosure of the multiplier along the diagonal, (g^p)'(x) = Π g'(x_i).
    transverse
        Enclosure of the product Π μ(x_i) of the anti-diagonal multipliers (``None``
        for a 1-D loss).
    diagonal_stability
        ``stable`` / ``unstable`` / ``unknown`` for the 1-D map g: |multiplier| vs 1.
    stability
        For the full map G: ``stable`` (attracting) iff both |multiplier| < 1 and
        |transverse| < 1; ``unstable`` if either is > 1; else ``unknown``.
    """

    period: int
    points: tuple[str, ...]
    enclosures: tuple[tuple[str, str], ...]
    multiplier: tuple[str, str]
    transverse: tuple[str, str] | None
    diagonal_stability: str
    stability: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"period": self.period, "points": list(self.points),
                "enclosures": [list(e) for e in self.enclosures],
                "multiplier": list(self.multiplier),
                "transverse": None if self.transverse is None else list(self.transverse),
                "diagonal_stability": self.diagonal_stability, "stability": self.stability}


@dataclass(frozen=True)
class DiagonalCensus:
    """All periodic orbits of period <= ``max_period`` of GD on an invariant diagonal.

    Attributes
    ----------
    loss_name, eta, max_period
        The loss, the exact step size and the largest period p searched.
    map_expr
        The diagonal map g(x) (exact).
    transverse_expr
        The anti-diagonal multiplier μ(x) of DG at (x, ..., x) (``None`` for 1-D).
    escape_radius
        R (exact): every orbit with |x| > R diverges, so bounded orbits lie in [−R, R].
    search_box
        The rational interval ⊃ [−R, R] on which the roots of g^p(x) − x were isolated
        (the last one used, if the isolation was retried on a shifted box).
    roots
        ``{p: number of zeros of g^p(x) − x}`` (each in a Krawczyk ``unique`` box).
    unknown
        ``{p: boxes left undecided}`` (empty when ``complete``).
    orbits
        Every orbit found, by period, then by first point.
    complete
        True iff, for every p, the search box was covered with every zero of
        g^p(x) − x in a ``unique`` box, and every minimal period, orbit and stability
        was decided: then ``orbits`` is *all* periodic orbits of period <= max_period
        on the diagonal.
    notes
        What was left undecided, if anything.
    """

    loss_name: str
    eta: sp.Expr
    max_period: int
    map_expr: sp.Expr
    transverse_expr: sp.Expr | None
    escape_radius: sp.Expr
    search_box: tuple[Fraction, Fraction]
    roots: dict[int, int]
    unknown: dict[int, tuple[Root, ...]]
    orbits: tuple[DiagonalOrbit, ...]
    complete: bool
    notes: tuple[str, ...] = ()

    def attracting(self) -> tuple[DiagonalOrbit, ...]:
        """The orbits certified attracting for the full map G."""
        return tuple(o for o in self.orbits if o.stability == STABLE)

    def attracting_periods(self) -> tuple[int, ...]:
        """Periods with an attracting orbit (sorted, each once)."""
        return tuple(sorted({o.period for o in self.attracting()}))

    def counts(self) -> dict[int, int]:
        """``{p: number of orbits of minimal period p}`` for p = 1..max_period."""
        return {p: sum(o.period == p for o in self.orbits)
                for p in range(1, self.max_period + 1)}

    def summary(self) -> str:
        """One sentence."""
        counts = ", ".join(f"{c} of period {p}" for p, c in self.counts().items())
        att = self.attracting()
        att_text = ("none attracting" if not att else
                    f"{len(att)} attracting (periods {list(self.attracting_periods())})")
        diag_stable = sum(o.diagonal_stability == STABLE for o in self.orbits)
        scope = ("all" if self.complete else "NOT all (incomplete: "
                 + "; ".join(self.notes) + ")")
        return (f"diagonal map g(x) = {sp.sstr(self.map_expr)} at η = {sp.sstr(self.eta)}: "
                f"bounded orbits lie in |x| <= {sp.sstr(self.escape_radius)} "
                f"≈ {float(sp.N(self.escape_radius, 20)):.6f}; {scope} periodic orbits of "
                f"period <= {self.max_period} isolated by Krawczyk: {counts}; "
                f"{diag_stable} stable along the diagonal, {att_text} in the full map")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"loss": self.loss_name, "eta": sp.sstr(self.eta),
                "max_period": self.max_period, "map": sp.sstr(self.map_expr),
                "transverse_multiplier": None if self.transverse_expr is None
                else sp.sstr(self.transverse_expr),
                "escape_radius": sp.sstr(self.escape_radius),
                "escape_radius_decimal": sp.sstr(sp.N(self.escape_radius, 20)),
                "search_box": [str(self.search_box[0]), str(self.search_box[1])],
                "roots": {str(p): c for p, c in self.roots.items()},
                "unknown": {str(p): [r.to_dict() for r in rs]
                            for p, rs in self.unknown.items() if rs},
                "counts": {str(p): c for p, c in self.counts().items()},
                "orbits": [o.to_dict() for o in self.orbits],
                "attracting_periods": list(self.attracting_periods()),
                "complete": self.complete, "notes": list(self.notes),
                "summary": self.summary()}


def escape_radius(map_expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """The exact R such that every orbit of the polynomial map g with |x| > R diverges.

    Let P(x) = g(x)² − x². R is the largest modulus of a real zero of P (0 if P has
    none); this requires P to have even degree and a positive leading coefficient, so
    that P > 0 on |x| > R. Proof that |x_0| > R ⇒ |x_k| → ∞: P(x_0) > 0 gives
    |x_1| > |x_0| > R, so by induction |x_k| is strictly increasing. If it were bounded,
    |x_k| → L > R and some subsequence x_k → s ∈ {L, −L}; by continuity
    |g(s)| = lim |x_{k+1}| = L = |s|, i.e. P(s) = 0 with |s| > R — impossible.
    Hence every periodic (indeed every bounded) orbit lies in [−R, R].

    For g(x) = x − ηx(x² − 1): P = η²x²(x² − 1)(x² − 1 − 2/η), so R = √(1 + 2/η)
    (and g(±R) = ∓R: the symmetric 2-cycle sits on the boundary).

    Raises
    ------
    InputError
        If g is not a polynomial with rational coefficients or P is not positive at
        ±∞ (e.g. g linear with |slope| <= 1).
    """
    try:
        poly = sp.Poly(sp.expand(map_expr**2 - x**2), x, domain="QQ")
    except (sp.PolificationFailed, sp.CoercionFailed):
        raise InputError("the diagonal map must be a polynomial with rational "
                         "coefficients") from None
    if poly.degree() <= 0 or poly.degree() % 2 or poly.LC() <= 0:
        raise InputError("g(x)² − x² is not positive for large |x|: no escape bound")
    roots = poly.real_roots()  # exact, sorted increasingly
    if not roots:
        return sp.Integer(0)
    lo, hi = -roots[0], roots[-1]
    return lo if compare(lo, hi) > 0 else hi


def _dyadic_above(value: sp.Expr, bits: int = 6) -> Fraction:
    """A dyadic rational k/2^bits strictly above ``value`` (checked exactly)."""
    k = math.ceil(float(sp.N(value, 30)) * 2**bits) + 1
    while compare(sp.Rational(k, 2**bits), value) <= 0:  # pragma: no cover
        k += 1
    return Fraction(k, 2**bits)


def _transverse_multiplier(loss: Loss, eta: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """μ(x) with DG(x, ..., x)(e_1 − e_j) = μ(x)(e_1 − e_j) for all j (checked exactly)."""
    G = gd_map(loss, eta)
    on_diag = {p: x for p in loss.params}
    DG = sp.Matrix(loss.n, loss.n,
                   lambda i, j: sp.expand(sp.diff(G[i], loss.params[j]).xreplace(on_diag)))
    mu = None
    for j in range(1, loss.n):
        v = sp.Matrix([1 if i == 0 else (-1 if i == j else 0) for i in range(loss.n)])
        w = (DG * v).applyfunc(sp.expand)
        mu_j = w[0]
        if any(sp.expand(w[i] - mu_j * v[i]) != 0 for i in range(loss.n)) or (
                mu is not None and sp.expand(mu_j - mu) != 0):
            raise InputError("the directions transverse to the diagonal do not share one "
                             "multiplier: the transverse stability is not a scalar")
        mu = mu_j
    assert mu is not None
    return mu


def _outward_text(lo: Fraction, hi: Fraction, digits: int) -> tuple[str, str]:
    """Decimal strings of ``digits`` significant digits, lo rounded down, hi up."""
    import decimal

    def dec(q: Fraction, rounding: str) -> str:
        with decimal.localcontext() as ctx:
            ctx.prec, ctx.rounding = digits, rounding
            return str(decimal.Decimal(q.numerator) / decimal.Decimal(q.denominator))

    return dec(lo, decimal.ROUND_FLOOR), dec(hi, decimal.ROUND_CEILING)


def _arb_outward(x: Any, digits: int) -> tuple[str, str]:
    return _outward_text(*ball_fraction(x), digits)


def _inside(inner: tuple[Fraction, Fraction], outer: tuple[Fraction, Fraction]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _classify(m: Any) -> str:
    import flint

    one = flint.arb(1)
    if abs(m) < one:
        return STABLE
    if abs(m) > one:
        return UNSTABLE
    return UNKNOWN


def _point_text(lo: Fraction, hi: Fraction, digits: int) -> str:
    """Decimal of the midpoint of [lo, hi] ("0.0" if the interval holds 0 and is tiny)."""
    mid = (lo + hi) / 2
    if lo <= 0 <= hi and abs(mid) < Fraction(1, 10 ** (digits + 5)):
        return "0.0"
    return _frac_text(mid, digits, mid)[0]


def _clusters(sides: Sequence[tuple[Fraction, Fraction]]) -> list[tuple[Fraction, Fraction]]:
    """Union of 1-D boxes as disjoint closed intervals (touching boxes merged)."""
    out: list[tuple[Fraction, Fraction]] = []
    for lo, hi in sorted(sides):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _tighten(system: IteratedMapSystem, root: Root, dps: int) -> Root:
    """A ``unique`` 1-D root with a tight enclosure (same zero, same ``box``).

    :func:`refine` stops when K(K(X)) ⊄ int K(X); then Newton from the midpoint (in
    ``arb`` midpoint arithmetic) and the Krawczyk test on a tiny box Z around it: if Z
    lies in the root's ``unique`` box and is ``unique`` itself, its zero is the root's
    zero (the box holds only one), and its enclosure replaces the wide one.
    """
    import flint

    lo, hi = (root.enclosure or root.box)[0]
    if hi - lo <= Fraction(1, 10 ** (dps - 8)) * (1 + abs(lo)):
        return root
    box = root.box[0]
    with system.workprec():
        c = flint.arb(float((lo + hi) / 2))
        for _ in range(60):
            f = system.values([c])[0]
            d = system.jacobian([c])[0][0]
            if not (f.is_finite() and d.is_finite()) or d.contains(0):
                return root
            c_new = flint.arb((c - f / d).mid())
            if c_new == c or abs(c_new - c) < flint.arb(10) ** (-(dps - 2)):
                c = c_new
                break
            c = c_new
        cf = ball_fraction(c)[0]
    for r in (Fraction(1, 10 ** (dps - 6)), Fraction(1, 10 ** (dps // 2)), Fraction(1, 10**8)):
        rad = r * (1 + abs(cf))
        z = (cf - rad, cf + rad)
        if not _inside(z, box):
            continue
        new = refine(system, krawczyk(system, [z]))
        if new.status == UNIQUE and new.enclosure is not None and _inside(new.box[0], box):
            return Root(root.box, UNIQUE, new.enclosure, root.reason)
    return root


#: Shifts (lo, hi) added to the search box [−R', R'] (dyadic, so that the bisection
#: grid of each try differs; a zero on a grid point cannot be isolated on that grid).
_SEARCH_SHIFTS = (
    (Fraction(3, 256), Fraction(7, 512)),
    (Fraction(5, 128), Fraction(1, 1024)),
    (Fraction(1, 2048), Fraction(13, 256)),
)


def diagonal_orbits_exhaustive(loss: Loss, eta: Any, max_period: int = 4, *,
                               dps: int = 30, min_width: float = 1e-12,
                               max_boxes: int = 200_000,
                               digits: int = 15) -> DiagonalCensus:
    """Every periodic orbit of period <= ``max_period`` on the invariant diagonal, certified.

    On an invariant diagonal (see :func:`diagonal_loss`) GD is a 1-D polynomial map g;
    for ½(1 − xy)² it is g(x) = x − ηx(x² − 1). The census is exhaustive:

    1. **Escape bound** (:func:`escape_radius`, exact): orbits with |x| > R diverge, so
       every periodic point lies in [−R, R]; for ½(1 − xy)², R = √(1 + 2/η).
    2. **Isolation**: for each p = 1..max_period the zeros of g^p(x) − x on a rational
       interval ⊃ [−R, R] are isolated by bisection and the Krawczyk test
       (:func:`symstab.certify.krawczyk.isolate_roots`, ``arb`` arithmetic, g^p composed
       in intervals; g and g' derived in SymPy). If any box stays ``unknown`` the search
       is retried on a shifted interval (a zero on a bisection point cannot be isolated);
       what remains is reported in ``unknown`` and ``complete`` is False.
    3. **Minimal period**: a zero of g^p − x is the zero of g^k − x (k | p, k < p)
       whose enclosure lies in its ``unique`` box (one zero per box), or has minimal
       period p if g^k(E) ∩ E = ∅ for its enclosure E and every such k.
    4. **Orbits**: x_j = g(x_i) when the interval image g(E_i) lies in the ``unique``
       box of x_j; each cycle must have length p.
    5. **Stability**: enclosures of (g^p)'(x_0) = Π g'(E_i) (along the diagonal) and of
       Π μ(E_i), μ the multiplier of DG(x, ..., x) on the directions e_1 − e_j
       (derived in SymPy; checked exactly to be a common eigenvalue). DG^p at a diagonal
       orbit has exactly these two multipliers (the eigenvectors do not depend on the
       point), so the orbit attracts in the full space iff both have modulus < 1.

    Parameters
    ----------
    loss
        A polynomial loss with rational coefficients whose diagonal is GD-invariant
        (or a 1-D loss: then g is its GD map and there is no transverse multiplier).
    eta
        The step size (exact rational; text such as ``"1.9"`` means 19/10).
    max_period
        Largest period searched (1..8; g^p has degree 3^p for a cubic g).
    dps
        Working precision (decimal digits) of the interval arithmetic.
    min_width
        Boxes narrower than this are not bisected further (left ``unknown``).
    max_boxes
        Krawczyk tests allowed per period and try.
    digits
        Digits of the reported decimals.

    Returns
    -------
    DiagonalCensus

    Raises
    ------
    InputError
        If the diagonal is not invariant, the map is not a rational polynomial, η is not
        rational, max_period is out of range, or the transverse multiplier is not a
        scalar.
    """
    import flint

    eta = StepSize.of(eta).exact
    if not eta.is_Rational:
        raise InputError("the diagonal census needs a rational step size", "eta")
    if isinstance(max_period, bool) or not isinstance(max_period, int) or \
            not 1 <= max_period <= 8:
        raise InputError("max_period must be an integer from 1 to 8", "max_period")
    if not loss.is_polynomial:
        raise InputError("the diagonal census needs a polynomial loss")
    diag = loss if loss.n == 1 else diagonal_loss(loss)
    x = diag.params[0]
    g = _map_exprs(diag, eta)[0]
    mu = None if loss.n == 1 else _transverse_multiplier(loss, eta, x)
    R = escape_radius(g, x)
    bound = _dyadic_above(R)
    notes: list[str] = []
    roots: dict[int, tuple[Root, ...]] = {}
    unknown: dict[int, tuple[Root, ...]] = {}
    search = (-bound, bound)
    for p in range(1, max_period + 1):
        system = IteratedMapSystem([g], [x], p, dps)
        result = None
        for lo_shift, hi_shift in _SEARCH_SHIFTS:
            search = (-bound - lo_shift, bound + hi_shift)
            result = isolate_roots(system, [search], min_width=min_width,
                                   max_boxes=max_boxes)
            if not result.unknown or not result.complete:
                break  # a shifted grid cannot help a degenerate zero or a spent budget
        assert result is not None
        roots[p] = tuple(_tighten(system, r, dps) for r in result.unique)
        unknown[p] = result.unknown
        if result.unknown:
            clusters = _clusters([r.box[0] for r in result.unknown])
            where = ", ".join(f"[{float(a):.6g}, {float(b):.6g}]" for a, b in clusters[:6])
            notes.append(f"period {p}: {len(result.unknown)} box(es) undecided in "
                         f"{len(clusters)} interval(s) {where}"
                         + ("" if result.complete else " (budget exhausted)"))
        encl = sorted((r.enclosure or r.box)[0] for r in result.unique)
        if any(a[1] >= b[0] for a, b in itertools.pairwise(encl)):
            notes.append(f"period {p}: enclosures of distinct zeros overlap")

    step = IteratedMapSystem([g], [x], 1, dps)
    mu_sys = None if mu is None else SympySystem([mu], [x], dps)
    min_period: dict[tuple[int, int], int | None] = {}
    orbits: list[DiagonalOrbit] = []
    with step.workprec():
        for p in range(1, max_period + 1):
            own: list[int] = []
            for i, r in enumerate(roots[p]):
                box = r.box[0]
                E = (r.enclosure or r.box)[0]
                found: int | None = None
                for k in _divisors(p):
                    for j, u in enumerate(roots[k]):
                        if _inside((u.enclosure or u.box)[0], box):
                            found = min_period.get((k, j))
                            break
                    if found is not None:
                        break
                if found is None:
                    X = arb_box([E], dps)
                    if all(not step.image(X, k)[0].overlaps(X[0]) for k in _divisors(p)):
                        found = p
                min_period[(p, i)] = found
                if found is None:
                    notes.append(f"period {p}: minimal period of the zero near "
                                 f"{r.midpoint()[0]:.6g} undecided")
                elif found == p:
                    own.append(i)
            # orbits: the successor of x_i is the zero whose unique box holds g(E_i)
            succ: dict[int, int] = {}
            for i in own:
                r = roots[p][i]
                img = ball_fraction(step.image(arb_box([(r.enclosure or r.box)[0]], dps),
                                               1)[0])
                hits = [j for j in own if _inside(img, roots[p][j].box[0])]
                if len(hits) == 1:
                    succ[i] = hits[0]
            if len(succ) < len(own):
                notes.append(f"period {p}: {len(own) - len(succ)} successor(s) undecided")
                continue
            seen: set[int] = set()
            for start in own:
                if start in seen:
                    continue
                cycle = [start]
                while succ[cycle[-1]] != start and len(cycle) <= p:
                    cycle.append(succ[cycle[-1]])
                seen.update(cycle)
                if len(cycle) != p:
                    notes.append(f"period {p}: a cycle of length {len(cycle)} ≠ {p}")
                    continue
                first = min(range(p), key=lambda t: roots[p][cycle[t]].midpoint()[0])
                cycle = cycle[first:] + cycle[:first]
                encs = [(roots[p][c].enclosure or roots[p][c].box)[0] for c in cycle]
                balls = [arb_box([e], dps)[0] for e in encs]
                mult = flint.arb(1)
                for b in balls:
                    mult *= step.step_jacobian([b])[0][0]
                diag_stab = _classify(mult)
                trans = None
                stab = diag_stab
                if mu_sys is not None:
                    trans = flint.arb(1)
                    for b in balls:
                        trans *= mu_sys.values([b])[0]
                    t_stab = _classify(trans)
                    stab = (STABLE if diag_stab == STABLE and t_stab == STABLE else
                            UNSTABLE if UNSTABLE in (diag_stab, t_stab) else UNKNOWN)
                if stab == UNKNOWN:
                    notes.append(f"period {p}: stability of an orbit undecided")
                orbits.append(DiagonalOrbit(
                    period=p,
                    points=tuple(_point_text(lo, hi, digits) for lo, hi in encs),
                    enclosures=tuple(_outward_text(lo, hi, digits + 5) for lo, hi in encs),
                    multiplier=_arb_outward(mult, digits),
                    transverse=None if trans is None else _arb_outward(trans, digits),
                    diagonal_stability=diag_stab, stability=stab))
    complete = not notes
    return DiagonalCensus(
        loss.name, eta, max_period, g, mu, R, search,
        {p: len(rs) for p, rs in roots.items()}, unknown, tuple(orbits), complete,
        tuple(notes))


# --------------------------------------------------------------------------------------
# Basins of orbits and the blog's h = 1.9 statement
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BasinEstimate:
    """Where GD ends from uniform starts in a box (float64 map, statistical).

    Attributes
    ----------
    n
        Number of starts.
    box
        The sampling box.
    fractions
        ``{class: fraction}``; classes ``"diverged"``, ``"period p"`` (a bounded orbit of
        minimal period p <= ``max_period``, matched to ``orbits`` where possible as
        ``"period p #i"``), ``"aperiodic"`` (bounded, no period <= ``max_period``).
    intervals
        99% Wilson intervals of the fractions.
    transient, max_period
        Steps before classifying; largest period looked for.
    lyapunov
        Largest Lyapunov exponent (float64, numerical) of an aperiodic end point, if any.
    on_diagonal
        Fraction of the bounded end points with θ_1 = ... = θ_n (to 1e-9).
    """

    n: int
    box: tuple[tuple[float, float], ...]
    fractions: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    transient: int
    max_period: int
    lyapunov: float | None = None
    on_diagonal: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"n": self.n, "box": [list(b) for b in self.box], "fractions": self.fractions,
                "intervals_99": {k: list(v) for k, v in self.intervals.items()},
                "transient": self.transient, "max_period": self.max_period,
                "lyapunov": self.lyapunov, "on_diagonal": self.on_diagonal}


def basin_fractions(loss: Loss, eta: Any, *, box: Sequence[tuple[float, float]] | None = None,
                    n: int = 20000, transient: int = 5000, max_period: int = 32,
                    seed: int = 0, orbits: Sequence[PeriodicOrbit] = (),
                    tol: float = 1e-6) -> BasinEstimate:
    """Estimate the basin fraction of each attractor on a box (float64, statistical).

    Parameters
    ----------
    loss, eta
        Loss and step size.
    box
        Sampling box (default ``[-3, 3]`` per parameter).
    n
        Number of uniform starts.
    transient
        Steps before the end point is classified.
    max_period
        Largest period detected (to ``tol``).
    seed
        Random seed.
    orbits
        Known orbits: end points within ``tol`` of one are labelled with its index.
    tol
        Tolerance of the periodicity and matching tests.

    Returns
    -------
    BasinEstimate
    """
    eta = StepSize.of(eta).exact
    d = loss.n
    box = tuple(box) if box is not None else tuple((-3.0, 3.0) for _ in range(d))
    target = _numpy_map(loss)
    eta_f = float(eta)
    rng = np.random.default_rng(seed)
    lo = np.array([b[0] for b in box])
    hi = np.array([b[1] for b in box])
    theta = lo + (hi - lo) * rng.random((n, d))
    with np.errstate(all="ignore"):
        for _ in range(transient):
            theta = np.asarray(target.step(theta, eta_f)).reshape(n, d)
            theta[np.any(np.abs(theta) > 1e8, axis=1)] = np.nan
        hist = [theta]
        for _ in range(max_period):
            hist.append(np.asarray(target.step(hist[-1], eta_f)).reshape(n, d))
    H = np.array(hist)
    diverged = ~np.all(np.isfinite(H[0]), axis=1)
    period = np.zeros(n, int)
    for p in range(1, max_period + 1):
        close = np.all(np.abs(H[p] - H[0]) < tol * (1 + np.abs(H[0])), axis=1)
        period[(period == 0) & ~diverged & close] = p
    labels = np.where(diverged, "diverged",
                      np.where(period > 0, np.char.add("period ", period.astype(str)),
                               "aperiodic")).astype(object)
    for i, orb in enumerate(orbits):
        pts = orb.float_points()
        for pt in pts:
            near = np.all(np.abs(H[0] - pt) < 1e3 * tol, axis=1) & (period == orb.period)
            labels[near] = f"period {orb.period} #{i + 1}"
    names, counts = np.unique(labels.astype(str), return_counts=True)
    fractions = {str(k): int(c) / n for k, c in zip(names, counts, strict=True)}
    intervals = {
        str(k): wilson_interval(int(c), n, 0.99) for k, c in zip(names, counts, strict=True)
    }
    bounded = ~diverged
    on_diag = None
    if bounded.any() and d > 1:
        ends = H[0][bounded]
        on_diag = float(np.mean(np.all(np.abs(ends - ends[:, :1]) < 1e-9, axis=1)))
    lyap = None
    aper = np.where(labels.astype(str) == "aperiodic")[0]
    if len(aper):
        lyap = _lyapunov(target, eta_f, H[0][aper[0]], d)
    return BasinEstimate(n, tuple(tuple(map(float, b)) for b in box), fractions, intervals,
                         transient, max_period, lyap, on_diag)


def _lyapunov(target: Any, eta: float, theta: np.ndarray, d: int, steps: int = 20000) -> float:
    v = np.ones(d) / math.sqrt(d)
    total = 0.0
    th = theta.copy()
    for _ in range(steps):
        h = np.asarray(target.hessian(th[None, :])).reshape(d, d)
        v = (np.eye(d) - eta * h) @ v
        norm = float(np.linalg.norm(v))
        total += math.log(norm)
        v /= norm
        th = np.asarray(target.step(th[None, :], eta)).reshape(d)
    return total / steps


@dataclass(frozen=True)
class BlogCheck:
    """The blog's h = 1.9 statement checked on one normalisation of the loss.

    Attributes
    ----------
    loss_name, eta
        Which loss (``xy`` = ½(1 − xy)², ``xy2`` = (1 − xy)²) and step size.
    orbits
        ``{period: orbits found}`` for the periods the blog names.
    basins
        Basin estimate on the box.
    attracting_periods
        Periods p (of those looked for) with a certified stable orbit.
    holds
        Whether GD converges to (attracting) orbits of period 2, 3 and 4 from a
        positive fraction of the box (certified stable orbits *and* basin fraction > 0).
    summary
        One paragraph.
    """

    loss_name: str
    eta: sp.Expr
    orbits: dict[int, tuple[PeriodicOrbit, ...]]
    basins: BasinEstimate
    attracting_periods: tuple[int, ...]
    holds: bool
    summary: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"loss": self.loss_name, "eta": sp.sstr(self.eta), "holds": self.holds,
                "attracting_periods": list(self.attracting_periods),
                "orbits": {str(p): [o.to_dict() for o in os_]
                           for p, os_ in self.orbits.items()},
                "basins": self.basins.to_dict(), "summary": self.summary}


def blog_orbit_check(loss: Loss, eta: Any = "1.9", *, periods: Sequence[int] = (2, 3, 4),
                     starts: int = 200, n: int = 20000, transient: int = 5000,
                     box: Sequence[tuple[float, float]] = ((-3.0, 3.0), (-3.0, 3.0)),
                     seed: int = 0, dps: int = 40) -> BlogCheck:
    """Check "GD with h = 1.9 converges to three orbits with period 2, 3 and 4".

    Orbits of each period are searched (:func:`find_orbits`) and certified; the
    statement holds if every named period has a certified *stable* orbit whose basin
    has positive estimated fraction on ``box``.

    Parameters
    ----------
    loss
        The loss (the blog: ½(1 − xy)², catalog ``xy``; also ``xy2``).
    eta
        Step size (default 19/10).
    periods
        Periods named by the statement.
    starts
        Newton starts per period.
    n, transient, box, seed
        Basin sampling.
    dps
        Precision of refinement and certification.

    Returns
    -------
    BlogCheck
    """
    eta = StepSize.of(eta).exact
    found = {p: tuple(find_orbits(loss, eta, p, box=box, starts=starts, seed=seed, dps=dps))
             for p in periods}
    stable_orbits = [o for p in periods for o in found[p] if o.stability == STABLE]
    basins = basin_fractions(loss, eta, box=box, n=n, transient=transient, seed=seed,
                             orbits=stable_orbits)
    attracting = tuple(p for p in periods if any(o.stability == STABLE and
                                                 o.status == CERTIFIED for o in found[p]))
    hit = {p: sum(v for k, v in basins.fractions.items() if k.startswith(f"period {p} #"))
           for p in periods}
    holds = all(p in attracting and hit[p] > 0 for p in periods)
    counts = ", ".join(
        f"period {p}: {len(found[p])} orbit(s), "
        f"{sum(o.status == CERTIFIED for o in found[p])} certified, "
        f"{sum(o.stability == STABLE for o in found[p])} stable" for p in periods)
    fr = ", ".join(f"{k} {v:.4f}" for k, v in sorted(basins.fractions.items()))
    extra = ""
    if basins.lyapunov is not None:
        extra = (f"; bounded non-periodic end points have largest Lyapunov exponent "
                 f"≈ {basins.lyapunov:.3f} (float64, numerical)")
    if basins.on_diagonal is not None:
        extra += f"; {basins.on_diagonal:.3f} of the bounded end points lie on x = y"
    summary = (f"{loss.name} at η = {sp.sstr(eta)}: {counts}. Basins on {list(box)} "
               f"({basins.n} starts, {basins.transient} steps): {fr}{extra}.")
    return BlogCheck(loss.name, eta, found, basins, attracting, holds, summary)
