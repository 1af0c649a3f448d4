"""The interval Krawczyk test for F(x) = 0 on a box, and a small root-isolation driver.

For a C¹ map F: Rⁿ → Rⁿ, a box X, its midpoint m, an interval enclosure J(X) of the
Jacobian of F over X and any real matrix Y (here Y ≈ J(m)⁻¹ in float64), the Krawczyk
operator is

    K(X) = m − Y F(m) + (I − Y J(X)) (X − m).

Every zero of F in X lies in K(X). Hence (Krawczyk 1969, Moore 1977, Rump 1983):

* K(X) ⊂ int X  ⇒  F has **exactly one** zero in X (status ``unique``);
* K(X) ∩ X = ∅   ⇒  F has **no** zero in X (status ``empty``); the cheaper test
  0 ∉ F(X) gives the same conclusion;
* otherwise nothing is concluded (status ``unknown``).

This is the convention of IntervalRootFinding.jl and CAPD: a :class:`Root` is a box
with a status. Everything is evaluated with python-flint ``arb`` balls (outward
rounded). A box given by rational endpoints is enclosed in an ``arb`` ball whose
radius may be rounded *up*; the box that is actually tested (slightly larger) is the
one reported, with exact dyadic endpoints, so a ``unique`` verdict is always about the
reported box.

Systems
-------
:class:`SympySystem`
    F given as SymPy expressions; the Jacobian is derived in SymPy, both are compiled
    (after common-subexpression elimination) to ``arb`` code by
    :func:`symstab.codegen.compile_expressions` (no user text ever reaches generated
    code).
:class:`IteratedMapSystem`
    F(θ) = G^p(θ) − θ for a map G given as SymPy expressions: G and DG are compiled once
    and composed in interval arithmetic (D(G^p)(X) ⊂ DG(G^{p−1}(X)) ⋯ DG(X)), which
    avoids expanding G^p symbolically (degree 3^p for a cubic map).

:func:`krawczyk` runs the test on one box, :func:`isolate_roots` bisects a search box.
The 1-D case f(x) = g^p(x) − x for a rational polynomial g has a fast path in
:mod:`symstab.certify.krawczyk_1d`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

import numpy as np
import sympy as sp

from symstab.codegen import compile_expressions
from symstab.errors import InputError
from symstab.evidence import as_sympy_number
from symstab.intervals import arb_exact, ball_fraction

__all__ = [
    "EMPTY",
    "UNIQUE",
    "UNKNOWN",
    "IntervalSystem",
    "IsolationResult",
    "IteratedMapSystem",
    "Root",
    "SympySystem",
    "arb_box",
    "box_fractions",
    "isolate_roots",
    "krawczyk",
    "refine",
]

UNIQUE = "unique"
EMPTY = "empty"
UNKNOWN = "unknown"

BoxLike = Sequence[tuple[Any, Any]]


class IntervalSystem(Protocol):
    """What :func:`krawczyk` needs: interval values and an interval Jacobian of F.

    Attributes
    ----------
    n
        Dimension (F: Rⁿ → Rⁿ).
    dps
        Working precision in decimal digits.
    """

    n: int
    dps: int

    def values(self, box: Sequence[Any]) -> list[Any]:
        """Enclosures of F_i over a box of ``arb`` balls."""
        ...  # pragma: no cover

    def jacobian(self, box: Sequence[Any]) -> list[list[Any]]:
        """Enclosure of the Jacobian matrix of F over a box of ``arb`` balls."""
        ...  # pragma: no cover

    def workprec(self) -> Any:
        """Context manager setting the ``arb`` working precision."""
        ...  # pragma: no cover


# --------------------------------------------------------------------------------------
# Exact conversions between Fractions and arb balls
# --------------------------------------------------------------------------------------



def _expr(e: Any) -> sp.Expr:
    """A SymPy expression, or a number made one; never text (no ``sympify`` of strings)."""
    if isinstance(e, sp.Basic):
        return e
    return as_sympy_number(e)

def arb_box(box: BoxLike, dps: int = 30) -> list[Any]:
    """``arb`` balls enclosing the box ``[lo_i, hi_i]`` (numbers, Fractions, SymPy rationals).

    Raises
    ------
    InputError
        If a side is not a pair with ``lo <= hi``.
    """
    import flint

    out = []
    with flint.ctx.workdps(dps):
        for side in box:
            if len(side) != 2:
                raise InputError("each box side must be a pair (lo, hi)", "box")
            lo, hi = (arb_exact(v) for v in side)
            if not lo <= hi:
                raise InputError("box side needs lo <= hi", "box")
            out.append(flint.arb.union(lo, hi))
    return out


def box_fractions(box: Sequence[Any]) -> tuple[tuple[Fraction, Fraction], ...]:
    """Exact dyadic endpoints of a box of ``arb`` balls."""
    return tuple(ball_fraction(x) for x in box)


# --------------------------------------------------------------------------------------
# Systems
# --------------------------------------------------------------------------------------


class SympySystem:
    """F: Rⁿ → Rⁿ from SymPy expressions, evaluated with ``arb`` balls.

    Parameters
    ----------
    exprs
        The components F_1, ..., F_n (any expressions
        :func:`~symstab.codegen.compile_expressions` supports).
    variables
        The n variables, in order.
    dps
        Working precision in decimal digits.

    Raises
    ------
    InputError
        If the system is not square or depends on other symbols.
    """

    def __init__(self, exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol],
                 dps: int = 30) -> None:
        exprs, variables = list(exprs), list(variables)
        if len(exprs) != len(variables) or not exprs:
            raise InputError(f"system must be square: {len(exprs)} equations, "
                             f"{len(variables)} variables")
        self.n = len(variables)
        self.dps = dps
        self.exprs = tuple(_expr(e) for e in exprs)
        self.variables = tuple(variables)
        jac = [sp.diff(e, v) for e in self.exprs for v in self.variables]
        self._f = compile_expressions(self.exprs, self.variables, "arb", dps=dps, name="values")
        self._j = compile_expressions(jac, self.variables, "arb", dps=dps, name="jacobian")

    def workprec(self) -> Any:
        """Context manager setting the ``arb`` working precision."""
        return self._f.workprec()

    def values(self, box: Sequence[Any]) -> list[Any]:
        """Enclosures of F over ``box``."""
        return list(self._f(box))

    def jacobian(self, box: Sequence[Any]) -> list[list[Any]]:
        """Enclosure of DF over ``box``."""
        flat = self._j(box)
        n = self.n
        return [list(flat[i * n:(i + 1) * n]) for i in range(n)]


def _matmul(a: list[list[Any]], b: list[list[Any]]) -> list[list[Any]]:
    n, k, m = len(a), len(b), len(b[0])
    return [[sum((a[i][t] * b[t][j] for t in range(1, k)), a[i][0] * b[0][j])
             for j in range(m)] for i in range(n)]


class IteratedMapSystem:
    """F(θ) = G^p(θ) − θ for a map G: Rⁿ → Rⁿ given by SymPy expressions.

    G and its Jacobian DG are compiled to ``arb`` once; G^p and D(G^p) are enclosed by
    composing interval evaluations (chain rule over the interval images).

    Parameters
    ----------
    map_exprs
        The components of G.
    variables
        The variables, in order.
    period
        p >= 1.
    dps
        Working precision in decimal digits.
    """

    def __init__(self, map_exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol],
                 period: int, dps: int = 30) -> None:
        if not isinstance(period, int) or period < 1:
            raise InputError("period must be an integer >= 1", "period")
        map_exprs, variables = list(map_exprs), list(variables)
        if len(map_exprs) != len(variables) or not map_exprs:
            raise InputError("the map must have one component per variable")
        self.n = len(variables)
        self.dps = dps
        self.period = period
        self.map_exprs = tuple(_expr(e) for e in map_exprs)
        self.variables = tuple(variables)
        jac = [sp.diff(e, v) for e in self.map_exprs for v in self.variables]
        self._g = compile_expressions(self.map_exprs, self.variables, "arb", dps=dps, name="gmap")
        self._dg = compile_expressions(jac, self.variables, "arb", dps=dps, name="dgmap")

    def workprec(self) -> Any:
        """Context manager setting the ``arb`` working precision."""
        return self._g.workprec()

    def image(self, box: Sequence[Any], steps: int) -> list[Any]:
        """Enclosure of G^steps over ``box``."""
        cur = list(box)
        for _ in range(steps):
            cur = list(self._g(cur))
        return cur

    def step_jacobian(self, box: Sequence[Any]) -> list[list[Any]]:
        """Enclosure of DG over ``box``."""
        flat = self._dg(box)
        n = self.n
        return [list(flat[i * n:(i + 1) * n]) for i in range(n)]

    def orbit_jacobian(self, box: Sequence[Any]) -> list[list[Any]]:
        """Enclosure of D(G^p) over ``box`` (product of DG along the interval orbit)."""
        cur = list(box)
        prod = self.step_jacobian(cur)
        for _ in range(self.period - 1):
            cur = list(self._g(cur))
            prod = _matmul(self.step_jacobian(cur), prod)
        return prod

    def values(self, box: Sequence[Any]) -> list[Any]:
        """Enclosures of G^p(θ) − θ over ``box``."""
        img = self.image(box, self.period)
        return [a - b for a, b in zip(img, box, strict=True)]

    def jacobian(self, box: Sequence[Any]) -> list[list[Any]]:
        """Enclosure of D(G^p) − I over ``box``."""
        m = self.orbit_jacobian(box)
        return [[m[i][j] - (1 if i == j else 0) for j in range(self.n)] for i in range(self.n)]


# --------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Root:
    """A box with a Krawczyk status (IntervalRootFinding.jl's ``Root``).

    Attributes
    ----------
    box
        The box actually tested: exact dyadic ``(lo, hi)`` per coordinate.
    status
        ``"unique"`` (exactly one zero in ``box``), ``"empty"`` (no zero) or
        ``"unknown"``.
    enclosure
        For ``unique``: K(X) ∩ X, exact dyadic endpoints, a tight box around the zero.
    reason
        One line: which test decided (or why nothing was decided).
    """

    box: tuple[tuple[Fraction, Fraction], ...]
    status: str
    enclosure: tuple[tuple[Fraction, Fraction], ...] | None = None
    reason: str = ""

    def midpoint(self) -> tuple[float, ...]:
        """Float midpoint of the enclosure (or of the box)."""
        sides = self.enclosure or self.box
        return tuple(float((lo + hi) / 2) for lo, hi in sides)

    def width(self) -> float:
        """Largest side width of the enclosure (or of the box), as a float."""
        sides = self.enclosure or self.box
        return max(float(hi - lo) for lo, hi in sides)

    def to_dict(self, digits: int = 20) -> dict[str, Any]:
        """JSON-ready dict (endpoints as decimal strings rounded outward to ``digits``)."""
        out: dict[str, Any] = {"status": self.status, "box": _sides_text(self.box, digits),
                               "reason": self.reason}
        if self.enclosure is not None:
            out["enclosure"] = _sides_text(self.enclosure, digits)
        return out


def _sides_text(sides: Sequence[tuple[Fraction, Fraction]], digits: int) -> list[list[str]]:
    import mpmath

    out = []
    with mpmath.workdps(digits + 5):
        for lo, hi in sides:
            lo_t = mpmath.nstr(mpmath.mpf(lo.numerator) / lo.denominator, digits)
            hi_t = mpmath.nstr(mpmath.mpf(hi.numerator) / hi.denominator, digits)
            out.append([lo_t, hi_t])
    return out


def _midpoint_matrix(mat: list[list[Any]]) -> np.ndarray:
    return np.array([[float(x.mid()) for x in row] for row in mat], dtype=float)


def krawczyk(system: IntervalSystem, box: BoxLike | Sequence[Any]) -> Root:
    """Run the Krawczyk test of ``system`` on one box.

    Parameters
    ----------
    system
        A :class:`SympySystem`, :class:`IteratedMapSystem` or anything with the
        :class:`IntervalSystem` methods.
    box
        ``(lo, hi)`` per coordinate (exact numbers or floats), or a list of ``arb``
        balls.

    Returns
    -------
    Root
        ``unique`` if K(X) ⊂ int X, ``empty`` if 0 ∉ F(X) or K(X) ∩ X = ∅, else
        ``unknown``.
    """
    import flint

    arb = flint.arb
    with system.workprec():
        is_arb = bool(box) and isinstance(box[0], arb)
        X = list(box) if is_arb else arb_box(box, system.dps)  # type: ignore[arg-type]
        if len(X) != system.n:
            raise InputError(f"box has {len(X)} sides, the system {system.n} variables", "box")
        tested = box_fractions(X)
        n = system.n
        fx = system.values(X)
        for i, v in enumerate(fx):
            if v.is_finite() and not v.contains(0):
                return Root(tested, EMPTY, reason=f"0 ∉ F_{i + 1}(X)")
        m = [arb(x.mid()) for x in X]
        fm = system.values(m)
        jx = system.jacobian(X)
        if not all(e.is_finite() for row in jx for e in row) or not all(
            v.is_finite() for v in fm
        ):
            return Root(tested, UNKNOWN, reason="F or its Jacobian not finite on X")
        jm = _midpoint_matrix(system.jacobian(m))
        try:
            y = np.linalg.inv(jm)
        except np.linalg.LinAlgError:
            return Root(tested, UNKNOWN, reason="Jacobian at the midpoint is singular")
        if not np.all(np.isfinite(y)):
            return Root(tested, UNKNOWN, reason="Jacobian at the midpoint is singular")
        Y = [[arb(float(y[i, j])) for j in range(n)] for i in range(n)]
        yj = _matmul(Y, jx)
        c = [[(1 if i == j else 0) - yj[i][j] for j in range(n)] for i in range(n)]
        d = [X[i] - m[i] for i in range(n)]
        K = []
        for i in range(n):
            yf = sum((Y[i][j] * fm[j] for j in range(1, n)), Y[i][0] * fm[0])
            cd = sum((c[i][j] * d[j] for j in range(1, n)), c[i][0] * d[0])
            K.append(m[i] - yf + cd)
        if not all(k.is_finite() for k in K):
            return Root(tested, UNKNOWN, reason="K(X) not finite")
        if any(not X[i].overlaps(K[i]) for i in range(n)):
            return Root(tested, EMPTY, reason="K(X) ∩ X = ∅")
        if all(X[i].contains_interior(K[i]) for i in range(n)):
            enclosure = tuple(
                (max(klo, xlo), min(khi, xhi))
                for (klo, khi), (xlo, xhi) in zip(box_fractions(K), tested, strict=True)
            )
            return Root(tested, UNIQUE, enclosure, reason="K(X) ⊂ int X")
        return Root(tested, UNKNOWN, reason="K(X) ⊄ int X and K(X) ∩ X ≠ ∅")


def refine(system: IntervalSystem, root: Root, iterations: int = 40) -> Root:
    """Tighten a ``unique`` root: rerun the test on its enclosure K(X) ∩ X.

    The zero of X lies in K(X) ∩ X, so a ``unique`` verdict on the enclosure is about the
    same zero. Stops when the width no longer shrinks by half or after ``iterations``.
    The returned root keeps the original (larger) ``box`` and the tightest enclosure.
    """
    if root.status != UNIQUE or root.enclosure is None:
        return root
    best = root
    for _ in range(iterations):
        assert best.enclosure is not None
        nxt = krawczyk(system, best.enclosure)
        if nxt.status != UNIQUE or nxt.enclosure is None or not nxt.width() < best.width() / 2:
            break
        best = nxt
    return Root(root.box, UNIQUE, best.enclosure, root.reason)


@dataclass(frozen=True)
class IsolationResult:
    """Output of :func:`isolate_roots`.

    Attributes
    ----------
    unique
        Boxes each containing exactly one zero (distinct zeros, see ``duplicates``).
    unknown
        Boxes (at the size limit) where nothing was decided.
    boxes_tested
        Number of Krawczyk tests run.
    complete
        True if the whole search box was covered (no box left when the budget ran out):
        then every zero in the search box lies in a ``unique`` or an ``unknown`` box.
    """

    unique: tuple[Root, ...]
    unknown: tuple[Root, ...]
    boxes_tested: int
    complete: bool


def _contains_box(outer: Sequence[tuple[Fraction, Fraction]],
                  inner: Sequence[tuple[Fraction, Fraction]]) -> bool:
    return all(olo <= ilo and ihi <= ohi for (olo, ohi), (ilo, ihi) in zip(outer, inner,
                                                                             strict=True))


def isolate_roots(system: IntervalSystem, box: BoxLike, *, min_width: float = 1e-6,
                  max_boxes: int = 20000) -> IsolationResult:
    """Find all zeros of ``system`` in a search box by bisection and the Krawczyk test.

    A box is dropped when it is ``empty``, kept when it is ``unique``, bisected along its
    widest side otherwise, and kept as ``unknown`` once narrower than ``min_width``.
    A zero found in two overlapping ``unique`` boxes is reported once (if the tight
    enclosure of one lies in the other box, both boxes hold the same single zero).

    Parameters
    ----------
    system
        The map F.
    box
        The search box, ``(lo, hi)`` per coordinate (exact numbers or floats).
    min_width
        Boxes narrower than this are not bisected further.
    max_boxes
        Budget of Krawczyk tests; when it runs out, the rest is returned as ``unknown``
        and ``complete`` is False.

    Returns
    -------
    IsolationResult
    """
    stack = [box_fractions(arb_box(box, system.dps))]
    unique: list[Root] = []
    unknown: list[Root] = []
    tested = 0
    while stack:
        sides = stack.pop()
        if tested >= max_boxes:
            unknown.append(Root(sides, UNKNOWN, reason="budget exhausted"))
            continue
        tested += 1
        root = krawczyk(system, sides)
        if root.status == EMPTY:
            continue
        if root.status == UNIQUE:
            if not any(_contains_box(u.box, root.enclosure or ()) or
                       _contains_box(root.box, u.enclosure or ()) for u in unique):
                unique.append(refine(system, root))
            continue
        widths = [hi - lo for lo, hi in sides]
        k = int(np.argmax([float(w) for w in widths]))
        if float(widths[k]) < min_width:
            unknown.append(root)
            continue
        lo, hi = sides[k]
        mid = (lo + hi) / 2
        for half in ((lo, mid), (mid, hi)):
            stack.append(tuple(half if i == k else s for i, s in enumerate(sides)))
    unique.sort(key=lambda r: r.midpoint())
    return IsolationResult(tuple(unique), tuple(unknown), tested,
                           complete=not any(r.reason == "budget exhausted" for r in unknown))
