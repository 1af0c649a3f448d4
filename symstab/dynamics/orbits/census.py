"""Every periodic orbit of period <= N on an invariant diagonal (certified, exhaustive).

:func:`diagonal_orbits_exhaustive` (``certified``, exhaustive) — *every* periodic orbit
of period <= N on an invariant diagonal: an exact escape radius R (:func:`escape_radius`;
|x| > R diverges), then all zeros of g^p(x) − x on a rational interval ⊃ [−R, R]
isolated by bisection + the 1-D Krawczyk test, minimal periods and orbits certified, and the
multipliers along the diagonal and across it (anti-diagonal) enclosed in intervals.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from symstab.certify.krawczyk import (
    UNIQUE,
    IteratedMapSystem,
    Root,
    SympySystem,
    arb_box,
    ball_fraction,
)
from symstab.certify.krawczyk_1d import (
    IteratedPolynomial1D,
    isolate_roots_1d,
    krawczyk_1d,
    refine_1d,
)
from symstab.dynamics.orbits.maps import (
    STABLE,
    UNKNOWN,
    UNSTABLE,
    diagonal_loss,
    divisors,
    map_exprs,
)
from symstab.dynamics.orbits.search import frac_text
from symstab.errors import InputError
from symstab.exact.derivatives import gd_map
from symstab.exact.signs import compare
from symstab.inputs import StepSize, StepSizeLike
from symstab.loss import Loss

__all__ = ["DiagonalCensus", "DiagonalOrbit", "diagonal_orbits_exhaustive", "escape_radius"]


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


def _side_index(sides: Sequence[tuple[Fraction, Fraction]]) -> tuple[np.ndarray, np.ndarray]:
    """Float ends of 1-D boxes, to pre-select candidates for :func:`_holders`."""
    return (np.array([float(lo) for lo, _ in sides], dtype=float),
            np.array([float(hi) for _, hi in sides], dtype=float))


def _holders(inner: tuple[Fraction, Fraction], sides: Sequence[tuple[Fraction, Fraction]],
             index: tuple[np.ndarray, np.ndarray]) -> list[int]:
    """The indices j (increasing) with ``inner`` ⊂ ``sides[j]``, decided exactly.

    ``float`` of a Fraction is correctly rounded, hence monotone, so a ⊂ b implies the
    same for the float ends: the floats only pre-select, the test itself is exact.
    """
    los, his = index
    cand = np.flatnonzero((los <= float(inner[0])) & (his >= float(inner[1])))
    return [int(j) for j in cand if _inside(inner, sides[j])]


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
    return frac_text(mid, digits, mid)[0]


def _clusters(sides: Sequence[tuple[Fraction, Fraction]]) -> list[tuple[Fraction, Fraction]]:
    """Union of 1-D boxes as disjoint closed intervals (touching boxes merged)."""
    out: list[tuple[Fraction, Fraction]] = []
    for lo, hi in sorted(sides):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _tighten(system: IteratedPolynomial1D, root: Root, dps: int) -> Root:
    """A ``unique`` 1-D root with a tight enclosure (same zero, same ``box``).

    :func:`refine_1d` stops when K(K(X)) ⊄ int K(X); then Newton from the midpoint (in
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
        new = refine_1d(system, krawczyk_1d(system, z))
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


def diagonal_orbits_exhaustive(loss: Loss, eta: StepSizeLike, max_period: int = 4, *,
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
       (:func:`symstab.certify.krawczyk_1d.isolate_roots_1d`, ``arb`` arithmetic: g and g'
       as ``arb`` polynomials with the exact coefficients enclosed, g^p and (g^p)'
       composed on balls). If any box stays ``unknown`` the search
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

    step = StepSize.of(eta)
    if not step.is_rational:
        raise InputError("the diagonal census needs a rational step size", "eta")
    eta = step.exact
    if isinstance(max_period, bool) or not isinstance(max_period, int) or \
            not 1 <= max_period <= 8:
        raise InputError("max_period must be an integer from 1 to 8", "max_period")
    if not loss.is_polynomial:
        raise InputError("the diagonal census needs a polynomial loss")
    diag = loss if loss.n == 1 else diagonal_loss(loss)
    x = diag.params[0]
    g = map_exprs(diag, eta)[0]
    mu = None if loss.n == 1 else _transverse_multiplier(loss, eta, x)
    R = escape_radius(g, x)
    bound = _dyadic_above(R)
    notes: list[str] = []
    roots: dict[int, tuple[Root, ...]] = {}
    unknown: dict[int, tuple[Root, ...]] = {}
    search = (-bound, bound)
    for p in range(1, max_period + 1):
        system = IteratedPolynomial1D(g, x, p, dps)
        result = None
        for lo_shift, hi_shift in _SEARCH_SHIFTS:
            search = (-bound - lo_shift, bound + hi_shift)
            result = isolate_roots_1d(system, search, min_width=min_width,
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
    encls = {p: [(r.enclosure or r.box)[0] for r in rs] for p, rs in roots.items()}
    encl_index = {p: _side_index(e) for p, e in encls.items()}
    with step.workprec():
        for p in range(1, max_period + 1):
            own: list[int] = []
            for i, r in enumerate(roots[p]):
                box = r.box[0]
                E = encls[p][i]
                found: int | None = None
                for k in divisors(p):
                    # the first zero of period k whose enclosure lies in this box, i.e.
                    # every j with box ⊃ E_j (exact test; floats pre-select)
                    los, his = encl_index[k]
                    cand = np.flatnonzero((los >= float(box[0])) & (his <= float(box[1])))
                    hit = next((int(j) for j in cand if _inside(encls[k][j], box)), None)
                    if hit is not None:
                        found = min_period.get((k, hit))
                    if found is not None:
                        break
                if found is None:
                    X = arb_box([E], dps)
                    if all(not step.image(X, k)[0].overlaps(X[0]) for k in divisors(p)):
                        found = p
                min_period[(p, i)] = found
                if found is None:
                    notes.append(f"period {p}: minimal period of the zero near "
                                 f"{r.midpoint()[0]:.6g} undecided")
                elif found == p:
                    own.append(i)
            # orbits: the successor of x_i is the zero whose unique box holds g(E_i)
            succ: dict[int, int] = {}
            own_boxes = [roots[p][j].box[0] for j in own]
            own_index = _side_index(own_boxes)
            for i in own:
                r = roots[p][i]
                img = ball_fraction(step.image(arb_box([(r.enclosure or r.box)[0]], dps),
                                               1)[0])
                hits = [own[t] for t in _holders(img, own_boxes, own_index)]
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
