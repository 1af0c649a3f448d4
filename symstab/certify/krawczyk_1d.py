"""The Krawczyk test and root isolation in one dimension, on ``arb`` balls (fast path).

For f(x) = g^p(x) − x with g a polynomial with rational coefficients
(:class:`IteratedPolynomial1D`), :func:`krawczyk_1d`, :func:`refine_1d` and
:func:`isolate_roots_1d` do what :func:`~symstab.certify.krawczyk.krawczyk`,
:func:`~symstab.certify.krawczyk.refine` and
:func:`~symstab.certify.krawczyk.isolate_roots` do in n dimensions, without Fractions
or matrices:

    K(X) = m − f(m)/c + (1 − f'(X)/c)(X − m),   c = the midpoint of f'(X) (a float),

with the same conclusions (K(X) ⊂ int X: exactly one zero; K(X) ∩ X = ∅ or
0 ∉ f(X): none). Any nonzero c is valid; everything is evaluated with python-flint
``arb`` balls (outward rounded).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

from symstab.certify.krawczyk import (
    EMPTY,
    UNIQUE,
    UNKNOWN,
    IsolationResult,
    Root,
    arb_box,
)
from symstab.errors import InputError
from symstab.evidence import as_sympy_number
from symstab.intervals import arb_exact, ball_fraction

__all__ = ["IteratedPolynomial1D", "isolate_roots_1d", "krawczyk_1d", "refine_1d"]


class IteratedPolynomial1D:
    """f(x) = g^p(x) − x for a polynomial g: R → R with rational coefficients.

    g and g' are turned once into ``arb`` polynomials (coefficients enclosed at the
    working precision) and evaluated on balls directly; g^p(X) and (g^p)'(X) are enclosed
    by composition, (g^p)'(X) ⊂ g'(X_{p−1}) ⋯ g'(X_0) with X_0 = X, X_{i+1} ⊃ g(X_i).
    The :class:`IntervalSystem` methods (and ``image`` / ``step_jacobian`` of
    :class:`IteratedMapSystem`) are provided, so the generic :func:`krawczyk` accepts it
    too; :func:`krawczyk_1d` and :func:`isolate_roots_1d` are the fast routines.

    Parameters
    ----------
    map_expr
        g(x), a polynomial in ``variable`` with rational coefficients.
    variable
        The variable x.
    period
        p >= 1.
    dps
        Working precision in decimal digits.

    Raises
    ------
    InputError
        If g is not a polynomial with rational coefficients or p < 1.
    """

    n = 1

    def __init__(self, map_expr: sp.Expr, variable: sp.Symbol, period: int,
                 dps: int = 30) -> None:
        import flint

        if isinstance(period, bool) or not isinstance(period, int) or period < 1:
            raise InputError("period must be an integer >= 1", "period")
        try:
            expr = map_expr if isinstance(map_expr, sp.Basic) else as_sympy_number(map_expr)
            poly = sp.Poly(expr, variable, domain="QQ")
        except (sp.PolynomialError, sp.PolificationFailed, sp.CoercionFailed):
            raise InputError("the map must be a polynomial with rational "
                             "coefficients") from None
        self.dps = dps
        self.period = period
        self.map_expr = poly.as_expr()
        self.variable = variable
        #: exact coefficients of g, constant term first
        self.coefficients = tuple(Fraction(int(c.p), int(c.q))
                                  for c in reversed(poly.all_coeffs()))
        with flint.ctx.workdps(dps):
            self._g = flint.arb_poly([arb_exact(c) for c in self.coefficients])
            self._dg = self._g.derivative()

    def workprec(self) -> Any:
        """Context manager setting the ``arb`` working precision."""
        import flint

        return flint.ctx.workdps(self.dps)

    def g(self, x: Any) -> Any:
        """Enclosure of g over the ball ``x`` (call inside :meth:`workprec`)."""
        return self._g(x)

    def dg(self, x: Any) -> Any:
        """Enclosure of g' over the ball ``x`` (call inside :meth:`workprec`)."""
        return self._dg(x)

    def iterate(self, x: Any, steps: int | None = None) -> Any:
        """Enclosure of g^steps over the ball ``x`` (``steps`` defaults to p)."""
        g = self._g
        for _ in range(self.period if steps is None else steps):
            x = g(x)
        return x

    def iterate_with_derivative(self, x: Any) -> tuple[Any, Any]:
        """Enclosures of g^p and (g^p)' over the ball ``x`` (one pass along the orbit)."""
        g, dg = self._g, self._dg
        d = dg(x)
        x = g(x)
        for _ in range(self.period - 1):
            d = d * dg(x)
            x = g(x)
        return x, d

    # the IntervalSystem / IteratedMapSystem interface ---------------------------------

    def image(self, box: Sequence[Any], steps: int) -> list[Any]:
        """Enclosure of g^steps over ``box`` (a one-ball list)."""
        return [self.iterate(box[0], steps)]

    def step_jacobian(self, box: Sequence[Any]) -> list[list[Any]]:
        """Enclosure of g' over ``box``, as a 1×1 matrix."""
        return [[self._dg(box[0])]]

    def values(self, box: Sequence[Any]) -> list[Any]:
        """Enclosure of g^p(x) − x over ``box``."""
        return [self.iterate(box[0]) - box[0]]

    def jacobian(self, box: Sequence[Any]) -> list[list[Any]]:
        """Enclosure of (g^p)'(x) − 1 over ``box``, as a 1×1 matrix."""
        return [[self.iterate_with_derivative(box[0])[1] - 1]]


def _krawczyk_ball(system: IteratedPolynomial1D, X: Any) -> tuple[str, Any, str]:
    """The 1-D Krawczyk test on the ball ``X`` (inside ``system.workprec()``).

    Returns ``(status, enclosure, reason)``; the enclosure K(X) ∩ X is a ball for
    ``unique``, else ``None``.
    """
    import flint

    arb = flint.arb
    g, dg = system._g, system._dg
    # first pass: the images only (most boxes are discarded here)
    imgs = [X]
    cur = X
    for _ in range(system.period):
        cur = g(cur)
        imgs.append(cur)
    fx = cur - X
    if not fx.is_finite():
        return UNKNOWN, None, "F or its Jacobian not finite on X"
    if not fx.contains(0):
        return EMPTY, None, "0 ∉ F_1(X)"
    d = dg(imgs[0])
    for y in imgs[1:-1]:
        d = d * dg(y)
    fpx = d - 1
    m = X.mid()
    fm = system.iterate(m) - m
    if not (fpx.is_finite() and fm.is_finite()):
        return UNKNOWN, None, "F or its Jacobian not finite on X"
    c = float(fpx.mid())
    if c == 0.0 or c != c or abs(c) == float("inf"):
        return UNKNOWN, None, "Jacobian at the midpoint is singular"
    cb = arb(c)
    K = m - fm / cb + (1 - fpx / cb) * (X - m)
    if not K.is_finite():
        return UNKNOWN, None, "K(X) not finite"
    if not X.overlaps(K):
        return EMPTY, None, "K(X) ∩ X = ∅"
    if X.contains_interior(K):
        return UNIQUE, K.intersection(X), "K(X) ⊂ int X"
    return UNKNOWN, None, "K(X) ⊄ int X and K(X) ∩ X ≠ ∅"


def _ball(lo: Any, hi: Any) -> Any:
    """The ball [lo, hi] from two exact ``arb`` endpoints (outward if rounding)."""
    import flint

    return flint.arb.union(lo, hi)


def krawczyk_1d(system: IteratedPolynomial1D, box: tuple[Any, Any] | Any) -> Root:
    """The Krawczyk test for g^p(x) − x on one interval (the 1-D fast path).

    Same conclusions as :func:`krawczyk` (``unique`` if K(X) ⊂ int X, ``empty`` if
    0 ∉ f(X) or K(X) ∩ X = ∅, else ``unknown``), computed on ``arb`` balls with
    K(X) = m − f(m)/c + (1 − f'(X)/c)(X − m), c the float midpoint of f'(X).

    Parameters
    ----------
    system
        The map f(x) = g^p(x) − x.
    box
        ``(lo, hi)`` (exact numbers or floats) or one ``arb`` ball.

    Returns
    -------
    Root
        With the tested interval (exact dyadic endpoints) and, for ``unique``, the
        enclosure K(X) ∩ X.
    """
    import flint

    with system.workprec():
        if isinstance(box, flint.arb):
            X = box
        else:
            if len(box) != 2:
                raise InputError("a 1-D box is a pair (lo, hi)", "box")
            X = arb_box([box], system.dps)[0]
        status, enc, reason = _krawczyk_ball(system, X)
        return Root((ball_fraction(X),), status,
                    None if enc is None else (ball_fraction(enc),), reason)


def _refine_ball(system: IteratedPolynomial1D, enc: Any, iterations: int = 40) -> Any:
    """Rerun the 1-D test on K(X) ∩ X while the width halves (same zero; workprec set)."""
    for _ in range(iterations):
        status, nxt, _reason = _krawczyk_ball(system, enc)
        if status != UNIQUE or not nxt.rad() < enc.rad() / 2:
            break
        enc = nxt
    return enc


def refine_1d(system: IteratedPolynomial1D, root: Root, iterations: int = 40) -> Root:
    """:func:`refine` for the 1-D fast path: the same zero, a tighter enclosure."""
    if root.status != UNIQUE or root.enclosure is None:
        return root
    with system.workprec():
        enc = arb_box(root.enclosure, system.dps)[0]
        best = _refine_ball(system, enc, iterations)
        if best is enc:
            return root
        return Root(root.box, UNIQUE, (ball_fraction(best),), root.reason)


def _duplicates(found: Sequence[tuple[Any, Any, str]]) -> set[int]:
    """Indices of ``unique`` balls whose zero an earlier kept one already holds.

    As in :func:`isolate_roots`: if the enclosure of one ``unique`` ball lies in another
    ``unique`` ball, both hold the same single zero, and the later one is dropped. Only
    overlapping balls can share a zero; they are found by a sweep over the balls sorted
    by their lower ends (float ends, rounded outward, only pre-select).
    """
    if len(found) < 2:
        return set()
    ends = [(float(X.lower().mid()), float(X.upper().mid()), t)
            for t, (X, _e, _r) in enumerate(found)]
    slack = [abs(lo) * 1e-12 + abs(hi) * 1e-12 + 1e-300 for lo, hi, _t in ends]
    ends = [(lo - sl, hi + sl, t) for (lo, hi, t), sl in zip(ends, slack, strict=True)]
    ends.sort()
    pairs = []
    active: list[tuple[float, int]] = []
    for lo, hi, t in ends:
        active = [(h, u) for h, u in active if h >= lo]
        pairs.extend((min(u, t), max(u, t)) for _h, u in active)
        active.append((hi, t))
    dropped: set[int] = set()
    for i, j in sorted(pairs, key=lambda ij: (ij[1], ij[0])):
        (bi, ei, _ri), (bj, ej, _rj) = found[i], found[j]
        if i not in dropped and (bi.contains(ej) or bj.contains(ei)):
            dropped.add(j)
    return dropped


def isolate_roots_1d(system: IteratedPolynomial1D, box: tuple[Any, Any], *,
                     min_width: float = 1e-6, max_boxes: int = 20000) -> IsolationResult:
    """All zeros of g^p(x) − x in an interval: bisection and the 1-D Krawczyk test.

    The 1-D fast path of :func:`isolate_roots`, with the same rules and output: an
    interval is dropped when ``empty``, kept when ``unique`` (and refined), halved
    otherwise, and kept as ``unknown`` once narrower than ``min_width``; at most
    ``max_boxes`` tests. Endpoints are exact dyadic ``arb`` numbers throughout; each
    reported box is the ball actually tested.

    Parameters
    ----------
    system
        The map f(x) = g^p(x) − x.
    box
        The search interval ``(lo, hi)`` (exact numbers or floats).
    min_width
        Intervals narrower than this are not halved further.
    max_boxes
        Budget of Krawczyk tests; when it runs out, the rest is returned as ``unknown``
        and ``complete`` is False.

    Returns
    -------
    IsolationResult
    """
    import flint

    if len(box) != 2:
        raise InputError("a 1-D box is a pair (lo, hi)", "box")
    found: list[tuple[Any, Any, str]] = []  # (tested ball, enclosure, reason)
    unknown: list[Root] = []
    tested = 0
    with system.workprec():
        # exact dyadic ends (outward if the given ends are not dyadic)
        lo0, hi0 = (arb_exact(v) for v in ball_fraction(arb_box([box], system.dps)[0]))
        stack = [(lo0, hi0)]
        half = flint.arb(0.5)
        while stack:
            lo, hi = stack.pop()
            X = _ball(lo, hi)
            if tested >= max_boxes:
                unknown.append(Root((ball_fraction(X),), UNKNOWN, reason="budget exhausted"))
                continue
            tested += 1
            status, enc, reason = _krawczyk_ball(system, X)
            if status == EMPTY:
                continue
            if status == UNIQUE:
                found.append((X, enc, reason))
                continue
            mid = (lo + hi) * half
            if float(hi - lo) < min_width or not mid.is_exact() or not lo < mid < hi:
                unknown.append(Root((ball_fraction(X),), status, reason=reason))
                continue
            stack.append((lo, mid))
            stack.append((mid, hi))
        dropped = _duplicates(found)
        unique = [Root((ball_fraction(X),), UNIQUE, (ball_fraction(_refine_ball(system, e)),),
                       r) for t, (X, e, r) in enumerate(found) if t not in dropped]
    unique.sort(key=lambda r: r.midpoint())
    return IsolationResult(tuple(unique), tuple(unknown), tested,
                           complete=not any(r.reason == "budget exhausted" for r in unknown))
