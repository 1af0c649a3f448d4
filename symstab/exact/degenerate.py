"""Degenerate critical points: minimum, maximum or saddle from higher-order terms.

An isolated critical point ``p`` of a polynomial loss whose Hessian ``H = H(p)`` is
singular is classified exactly, with coordinates and every coefficient in the number
field ``Q(alpha)`` of the point and every sign decided by
:meth:`~symstab.exact.algebraic.AlgebraicPoint.sign`. The steps, first decisive one wins:

1. *Inertia.* Eigenvalues of both signs: a saddle.
2. *Global certificate.* When ``f(p)`` is rational and ``f − f(p)`` (or ``f(p) − f``) is
   a sum of positive multiples of even powers as written
   (:func:`~symstab.exact.positivity.nonnegativity_certificate`), then ``f ≥ f(p)``
   everywhere (or ``≤``): a minimum (maximum).
3. *Splitting lemma.* In coordinates ``θ = p + K x + C y`` with the columns of ``K``
   spanning ``ker H`` (``k`` of them) and those of ``C`` spanning its range, the
   quadratic part of ``F(x, y) = f(θ) − f(p)`` is ``½ yᵀ A y`` with ``A = Cᵀ H C``
   definite (``H`` is semidefinite once step 1 has not decided). The equation
   ``∂F/∂y = 0`` has a unique analytic solution ``y = Y(x)``, ``Y(0) = 0`` (implicit
   function theorem), computed here exactly as a power series through degree ``D`` by
   the iteration ``Y ← −A⁻¹ R(x, Y)``, ``R = ∂(F − ½ yᵀAy)/∂y`` (each pass fixes one
   more degree). Taylor's formula in ``y`` about ``Y(x)`` gives

       F(x, y) = g(x) + (y − Y(x))ᵀ M(x, y) (y − Y(x)),   g(x) = F(x, Y(x)),

   with ``M(0, 0) = A/2``. If ``A`` is positive definite, ``F ≥ g(x)`` near 0 with
   equality on ``y = Y(x)``, so ``p`` is a (strict) local minimum of ``f`` exactly when
   0 is one of the *reduced function* ``g``, and otherwise it is a saddle (``F > 0`` on
   ``x = 0, y ≠ 0``). If ``A`` is negative definite, the same with maximum. If ``H = 0``,
   ``g = F``.
4. *The reduced function* ``g`` (order ≥ 3) is read off its terms through degree ``D``:
   with ``k = 1``, ``g(t) = c t^m + O(t^{m+1})`` is a minimum for ``m`` even and
   ``c > 0``, a maximum for ``m`` even and ``c < 0``, neither for ``m`` odd; with
   ``k = 2``, the Newton polygon (:mod:`symstab.exact.newton`); in any dimension, the
   lines ``t ↦ g(t e)`` for the kernel basis vectors ``e_i`` and ``e_i ± e_j`` give
   witnesses that ``g`` takes negative or positive values.

A local minimum that is an isolated critical point is strict (every point of a
neighbourhood where ``f = f(p)`` would be a local minimum, hence critical). "Saddle"
means neither a local minimum nor a local maximum. Anything not decided by these steps
is reported as undecided, with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.polys.matrices import DomainMatrix
from sympy.polys.rings import PolyElement, ring

from symstab.exact.algebraic import AlgebraicPoint, T
from symstab.exact.newton import newton_verdict
from symstab.exact.positivity import nonnegativity_certificate
from symstab.exact.spectrum import Spectrum

__all__ = [
    "DegenerateVerdict",
    "ReducedFunction",
    "classify_degenerate",
    "reduced_function",
]

QQ = sp.QQ

#: Largest degree through which the reduced function is expanded, by kernel dimension.
MAX_ORDER = {1: 64, 2: 24}
_MAX_ORDER_HIGHER = 12


@dataclass(frozen=True)
class DegenerateVerdict:
    """The type of a critical point with a singular Hessian.

    Attributes
    ----------
    kind
        ``"minimum"``, ``"maximum"``, ``"saddle"`` (neither) or ``"undecided"``.
    method
        Which argument decided it (see the module docstring).
    reason
        One sentence a reader can check: the evidence, or why it is undecided.
    """

    kind: str
    method: str
    reason: str


# ---------------------------------------------------------------------- the number field


class _Field:
    """Q(alpha) of a point as a SymPy domain, with exact signs of its elements."""

    def __init__(self, point: AlgebraicPoint) -> None:
        self.point = point
        if point.degree == 1:
            self.domain: Any = QQ
            return
        minpoly = point.minpoly_qq
        root = sp.CRootOf(sp.Poly(minpoly.as_expr(), T), point.root_index, radicals=False)
        self.domain = QQ.algebraic_field(root)
        mod = [QQ.convert(c) for c in self.domain.mod.to_list()]
        if [c / mod[0] for c in mod] != minpoly.monic().all_coeffs():
            raise RuntimeError("the number field does not have the point's minimal polynomial")

    def element(self, value: sp.Poly) -> Any:
        """The element of the domain for an element of Q(alpha) given as a Poly in T."""
        coeffs = [QQ.convert(c) for c in value.all_coeffs()]
        if self.domain is QQ:
            return coeffs[-1] if value.degree() <= 0 else _not_reduced(value)
        return self.domain.new(coeffs)

    def sign(self, c: Any) -> int:
        """The exact sign of an element of the domain."""
        if self.domain is QQ:
            return (c > 0) - (c < 0)
        if not c:
            return 0
        return self.point.sign(sp.Poly(c.to_list(), T, domain=QQ))

    def face_text(self, terms: Mapping[tuple[int, ...], Any]) -> str:
        """A polynomial in the kernel coordinates ``s, t``, factored, as text."""
        s, t = sp.symbols("s t")
        return sp.sstr(sp.factor(sp.Add(*(self.show(c) * s**i * t**j
                                          for (i, j), c in terms.items()))))

    def show(self, c: Any) -> sp.Expr:
        """An element as an exact SymPy number (radicals for a quadratic field)."""
        if self.domain is QQ:
            return sp.Rational(int(c.numerator), int(c.denominator))
        return self.point.to_expr(sp.Poly(c.to_list(), T, domain=QQ))


def _not_reduced(value: sp.Poly) -> Any:
    raise ValueError(f"{value} is not a rational number")


# ---------------------------------------------------------------------- the reduced function


@dataclass(frozen=True)
class ReducedFunction:
    """``g(x) = f(p + K x + C Y(x)) − f(p)`` on the kernel of the Hessian, through degree ``order``.

    Attributes
    ----------
    kernel
        A basis of ``ker H(p)``, one exact vector per kernel coordinate.
    complement_sign
        ``1`` if ``H`` is positive semidefinite and nonzero, ``-1`` if negative
        semidefinite and nonzero, ``0`` if ``H(p) = 0``.
    order
        Every coefficient of ``g`` of total degree ``<= order`` is exact and present.
    coefficients
        ``{exponents: coefficient}`` of ``g`` (exact SymPy numbers), nonzero only.
    """

    kernel: tuple[tuple[sp.Expr, ...], ...]
    complement_sign: int
    order: int
    coefficients: dict[tuple[int, ...], sp.Expr]


class _LocalForm:
    """``F(x, y) = f(p + K x + C y) − f(p)`` and the elimination of ``y``."""

    def __init__(self, point: AlgebraicPoint, loss_expr: sp.Expr, hessian: Any,
                 spectrum: Spectrum) -> None:
        field = _Field(point)
        domain = field.domain
        params = point.params
        n = len(params)
        h = DomainMatrix(
            [[field.element(point.reduce(hessian[i, j])) for j in range(n)] for i in range(n)],
            (n, n), domain,
        )
        kernel = [_normalised(list(row)) for row in h.nullspace().to_list()]
        reduced, pivots = h.rref()
        range_rows = [list(reduced.to_list()[r]) for r in range(len(pivots))]
        self.field = field
        self.k = len(kernel)
        self.m = n - self.k
        self.kernel = kernel
        self.complement_sign = (
            0 if self.m == 0 else (1 if spectrum.n_negative == 0 else -1)
        )
        basis = kernel + range_rows  # columns of the change of coordinates
        names = [f"x{i}" for i in range(self.k)] + [f"y{i}" for i in range(self.m)]
        self.ring, *gens = ring(",".join(names), domain)
        coords = [field.element(c) for c in point.coords]
        linear = [
            self.ring(coords[i]) + sum((basis[j][i] * gens[j] for j in range(n)), self.ring.zero)
            for i in range(n)
        ]
        poly = sp.Poly(loss_expr, *params, domain=QQ)
        F = _compose(poly, linear, self.ring)
        F = F - F.get(self.ring.zero_monom, domain.zero)
        if any(sum(mon) == 1 for mon in F):
            raise ValueError("the point is not a critical point of the loss")
        quadratic = {mon: c for mon, c in F.items() if sum(mon) == 2}
        if any(sum(mon[: self.k]) for mon in quadratic):
            raise RuntimeError("the kernel directions carry a quadratic term")  # pragma: no cover
        a = [[domain.zero] * self.m for _ in range(self.m)]
        for mon, c in quadratic.items():
            idx = [i - self.k for i in range(n) for _ in range(mon[i])]
            if idx[0] == idx[1]:
                a[idx[0]][idx[0]] = c * 2
            else:
                a[idx[0]][idx[1]] = a[idx[1]][idx[0]] = c
        self.F = F
        self.higher = F - self.ring.from_dict(quadratic) if quadratic else F
        self.a_inv = (DomainMatrix(a, (self.m, self.m), domain).inv().to_list()
                      if self.m else [])
        self.xring, *self.xgens = ring(",".join(names[: self.k]), domain)

    def reduced(self, order: int) -> dict[tuple[int, ...], Any]:
        """Coefficients of ``g(x) = F(x, Y(x))`` through degree ``order``."""
        grads = [self.higher.diff(g) for g in self.ring.gens[self.k:]]
        Y = [self.xring.zero] * self.m
        for _ in range(order + 1):
            r = [self._substitute(gr, Y, order) for gr in grads]
            new = [
                -sum((self.a_inv[i][j] * r[j] for j in range(self.m)), self.xring.zero)
                for i in range(self.m)
            ]
            new = [_truncate(p, order) for p in new]
            if new == Y:
                break
            Y = new
        g = self._substitute(self.F, Y, order)
        return {mon: c for mon, c in g.items() if c}

    def _substitute(self, poly: PolyElement, Y: list[PolyElement], order: int) -> PolyElement:
        """``poly(x, Y(x))`` truncated at total degree ``order``."""
        powers: dict[tuple[int, int], PolyElement] = {}

        def power(i: int, e: int) -> PolyElement:
            if e == 0:
                return self.xring.one
            if (i, e) not in powers:
                powers[i, e] = _truncate(power(i, e - 1) * Y[i], order)
            return powers[i, e]

        total = self.xring.zero
        for mon, c in poly.items():
            xdeg = sum(mon[: self.k])
            if xdeg > order:
                continue
            term = self.xring.from_dict({mon[: self.k]: c})
            for i, e in enumerate(mon[self.k:]):
                if e:
                    term = _truncate(term * power(i, e), order)
                    if not term:
                        break
            total += term
        return total


def _normalised(vector: list[Any]) -> list[Any]:
    """The vector scaled so that its first nonzero entry is 1."""
    lead = next(c for c in vector if c)
    return [c / lead for c in vector]


def _compose(poly: sp.Poly, linear: list[PolyElement], target: Any) -> PolyElement:
    """``poly(linear_1, ..., linear_n)`` in the ring ``target``."""
    cache: dict[tuple[int, int], PolyElement] = {}

    def power(i: int, e: int) -> PolyElement:
        if e == 0:
            return target.one
        if (i, e) not in cache:
            cache[i, e] = power(i, e - 1) * linear[i]
        return cache[i, e]

    total = target.zero
    for mon, c in poly.terms():
        term = target(target.domain.convert(c, QQ))
        for i, e in enumerate(mon):
            term = term * power(i, e)
        total += term
    return total


def _truncate(p: PolyElement, order: int) -> PolyElement:
    if all(sum(mon) <= order for mon in p):
        return p
    return p.ring.from_dict({mon: c for mon, c in p.items() if sum(mon) <= order})


def reduced_function(
    point: AlgebraicPoint, loss_expr: sp.Expr, hessian: Any, spectrum: Spectrum, order: int
) -> ReducedFunction:
    """The reduced function of a degenerate critical point on the kernel of its Hessian.

    Parameters
    ----------
    point
        A critical point of ``loss_expr`` with a singular, semidefinite Hessian.
    loss_expr
        The loss: a polynomial in ``point.params`` with rational coefficients.
    hessian
        Its Hessian matrix.
    spectrum
        ``hessian_spectrum(point, hessian)``.
    order
        Total degree through which ``g`` is computed.

    Returns
    -------
    ReducedFunction
        The kernel basis and the exact coefficients of ``g`` (module docstring, step 3).

    Raises
    ------
    ValueError
        If the point is not critical, or the Hessian is not semidefinite.
    """
    if spectrum.n_positive and spectrum.n_negative:
        raise ValueError("the Hessian is indefinite: no reduction to its kernel")
    form = _LocalForm(point, loss_expr, hessian, spectrum)
    field = form.field
    return ReducedFunction(
        kernel=tuple(tuple(field.show(c) for c in v) for v in form.kernel),
        complement_sign=form.complement_sign,
        order=order,
        coefficients={mon: field.show(c) for mon, c in form.reduced(order).items()},
    )


# ---------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class _Facts:
    """What is proved about the reduced function g near 0."""

    minimum: bool = False
    maximum: bool = False
    negative: bool = False
    positive: bool = False
    reason: str = ""
    method: str = ""


def _one_variable(coeffs: Mapping[tuple[int, ...], Any], sign: Callable[[Any], int],
                  show: Callable[[Any], sp.Expr], what: str) -> _Facts | None:
    if not coeffs:
        return None
    (m,), c = min(coeffs.items(), key=lambda item: item[0][0])
    s = sign(c)
    t = sp.Symbol("t")
    leading = f"{sp.sstr(show(c) * t**m)} + O(t**{m + 1})"
    if m % 2:
        return _Facts(negative=True, positive=True,
                      reason=f"{what} is {leading}: odd order, both signs near the point")
    word = "positive" if s > 0 else "negative"
    return _Facts(minimum=s > 0, maximum=s < 0, negative=s < 0, positive=s > 0,
                  reason=f"{what} is {leading}: even order, {word} leading coefficient")


def _lines(coeffs: Mapping[tuple[int, ...], Any], k: int, sign: Callable[[Any], int],
           show: Callable[[Any], sp.Expr], domain: Any) -> _Facts:
    """Witnesses along the lines t ↦ g(t e), e = e_i or e_i ± e_j of the kernel basis."""
    directions: list[tuple[int, ...]] = [tuple(int(i == a) for i in range(k)) for a in range(k)]
    for a, b in itertools.combinations(range(k), 2):
        for sb in (1, -1):
            directions.append(tuple(1 if i == a else (sb if i == b else 0) for i in range(k)))
    negative = positive = False
    found: list[str] = []
    for e in directions:
        series: dict[tuple[int], Any] = {}
        for mon, c in coeffs.items():
            factor = 1
            for ei, mi in zip(e, mon, strict=True):
                factor *= ei**mi
            if factor:
                key = (sum(mon),)
                series[key] = series.get(key, domain.zero) + (c if factor > 0 else -c)
        series = {m: c for m, c in series.items() if c}
        what = f"the reduced function along the kernel direction {e}"
        facts = _one_variable(series, sign, show, what)
        if facts is None:
            continue
        if (facts.negative and not negative) or (facts.positive and not positive):
            found.append(facts.reason)
        negative |= facts.negative
        positive |= facts.positive
    return _Facts(negative=negative, positive=positive, reason="; ".join(found),
                  method="lines through the point in the kernel")


def _decide_reduced(form: _LocalForm, start: int) -> _Facts:
    field = form.field
    k = form.k
    limit = MAX_ORDER.get(k, _MAX_ORDER_HIGHER)
    order = min(start, limit)
    while True:
        coeffs = form.reduced(order)
        if k == 1:
            facts = _one_variable(coeffs, field.sign, field.show,
                                  "the reduced function on the kernel")
            if facts is not None:
                return _Facts(facts.minimum, facts.maximum, facts.negative, facts.positive,
                              facts.reason, "reduced function on the kernel (splitting lemma)")
        elif k == 2:
            verdict = newton_verdict(coeffs, order, field.domain, field.sign, field.face_text)
            if verdict.strict_minimum or verdict.strict_maximum or (
                verdict.takes_negative and verdict.takes_positive
            ):
                return _Facts(verdict.strict_minimum, verdict.strict_maximum,
                              verdict.takes_negative, verdict.takes_positive,
                              verdict.reason, "Newton polygon of the reduced function")
            convenient = bool(verdict.vertices) and verdict.vertices[0][0] == 0 and (
                verdict.vertices[-1][1] == 0)
            if convenient or order >= limit:
                lines = _lines(coeffs, k, field.sign, field.show, field.domain)
                if lines.negative and lines.positive:
                    return lines
                new = (lines.negative and not verdict.takes_negative) or (
                    lines.positive and not verdict.takes_positive)
                return _Facts(
                    False, False,
                    verdict.takes_negative or lines.negative,
                    verdict.takes_positive or lines.positive,
                    "; ".join([verdict.reason, lines.reason] if new else [verdict.reason]),
                    "Newton polygon of the reduced function"
                    + (" and lines through the point" if new else ""),
                )
        else:
            lines = _lines(coeffs, k, field.sign, field.show, field.domain)
            if (lines.negative and lines.positive) or order >= limit:
                why = "" if lines.negative and lines.positive else (
                    f"with a kernel of dimension {k} only lines through the point are "
                    "tested, and they show no change of sign")
                return _Facts(negative=lines.negative, positive=lines.positive,
                              reason="; ".join(r for r in (why, lines.reason) if r),
                              method=lines.method)
        if order >= limit:
            return _Facts(reason=f"the reduced function on the kernel vanishes through degree "
                                 f"{order}", method="reduced function on the kernel")
        order = min(2 * order, limit)


def _certificate(point: AlgebraicPoint, loss_expr: sp.Expr) -> DegenerateVerdict | None:
    value = point.reduce(loss_expr)
    if value.degree() > 0:
        return None
    f_p = sp.Rational(value.as_expr())
    if nonnegativity_certificate(loss_expr - f_p):
        return DegenerateVerdict(
            "minimum", "global certificate",
            f"f − f(p) = {sp.sstr(loss_expr - f_p)} is a sum of positive multiples of even "
            "powers, so f ≥ f(p) everywhere",
        )
    if nonnegativity_certificate(f_p - loss_expr):
        return DegenerateVerdict(
            "maximum", "global certificate",
            f"f(p) − f = {sp.sstr(f_p - loss_expr)} is a sum of positive multiples of even "
            "powers, so f ≤ f(p) everywhere",
        )
    return None


def classify_degenerate(
    point: AlgebraicPoint,
    loss_expr: sp.Expr,
    hessian: Any,
    spectrum: Spectrum,
) -> DegenerateVerdict:
    """Classify an isolated critical point with a singular Hessian, exactly.

    Parameters
    ----------
    point
        An isolated critical point of ``loss_expr`` (from
        :func:`~symstab.exact.critical.critical_set`).
    loss_expr
        The loss: a polynomial in ``point.params`` with rational coefficients.
    hessian
        Its Hessian matrix (polynomial entries).
    spectrum
        ``hessian_spectrum(point, hessian)``; it must have a zero eigenvalue.

    Returns
    -------
    DegenerateVerdict
        ``minimum``, ``maximum``, ``saddle`` or ``undecided``, the method and the reason
        (see the module docstring).

    Raises
    ------
    ValueError
        If the Hessian is not singular at the point, or the point is not critical.
    """
    if spectrum.n_zero == 0:
        raise ValueError("the Hessian is not singular at this point")
    if spectrum.n_positive and spectrum.n_negative:
        return DegenerateVerdict("saddle", "Hessian inertia",
                                 "the Hessian has eigenvalues of both signs")
    certified = _certificate(point, loss_expr)
    if certified is not None:
        return certified
    form = _LocalForm(point, loss_expr, hessian, spectrum)
    degree = sp.Poly(loss_expr, *point.params).total_degree()
    facts = _decide_reduced(form, max(degree, 4))
    kernel = ", ".join("(" + ", ".join(sp.sstr(form.field.show(c)) for c in v) + ")"
                       for v in form.kernel)
    names = {1: " (coordinate t)", 2: " (coordinates s, t)"}.get(form.k, "")
    where = f"kernel spanned by {kernel}{names}; " if len(point.params) > 1 else ""
    reason = where + facts.reason
    sign = form.complement_sign
    if sign >= 0 and facts.minimum and not facts.negative:
        return DegenerateVerdict("minimum", facts.method, reason)
    if sign <= 0 and facts.maximum and not facts.positive:
        return DegenerateVerdict("maximum", facts.method, reason)
    if (sign > 0 and facts.negative) or (sign < 0 and facts.positive) or (
        facts.negative and facts.positive
    ):
        return DegenerateVerdict("saddle", facts.method, reason)
    return DegenerateVerdict("undecided", facts.method, reason)
