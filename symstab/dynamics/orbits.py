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
    arb_box,
    box_fractions,
    krawczyk,
    refine,
)
from symstab.compile import compile_loss
from symstab.dynamics.inputs import exact_eta
from symstab.errors import InputError
from symstab.exact.derivatives import ETA, gd_map
from symstab.exact.signs import compare, exact_sign
from symstab.loss import Loss

__all__ = [
    "BasinEstimate",
    "BlogCheck",
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
    "feigenbaum_ratios",
    "find_orbits",
    "period_doubling_etas",
    "period_two_exact",
    "period_two_ranges",
    "wilson_interval",
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

    eta = exact_eta(eta)
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
    eta = exact_eta(eta)
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
        Any loss :mod:`symstab.compile` supports.
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
    eta = exact_eta(eta)
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
# Basins of orbits and the blog's h = 1.9 statement
# --------------------------------------------------------------------------------------


def wilson_interval(k: int, n: int, z: float = 2.576) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (default z: 99%)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


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
    eta = exact_eta(eta)
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
    intervals = {str(k): wilson_interval(int(c), n) for k, c in zip(names, counts, strict=True)}
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
    eta = exact_eta(eta)
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
