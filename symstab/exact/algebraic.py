"""Real algebraic points: coordinates in Q(alpha) for one real algebraic alpha.

A zero-dimensional prime component of a critical set, put in shape position,
is ``{x_i = q_i(t)} ∪ {p(t) = 0}`` with ``p`` irreducible over Q. Each real
root ``alpha`` of ``p`` gives one real point ``(q_1(alpha), ..., q_n(alpha))``.
Everything about such a point (values of polynomials, signs, spectra of the
Hessian) is decided exactly by arithmetic in Q[t]/(p) and rational isolating
intervals for ``alpha``; no floating point is involved in any decision.

Implementation notes: elements of Q(alpha) are ``sp.Poly`` in :data:`T` over ``QQ``
reduced modulo ``minpoly``; signs and enclosures use ``gmpy2.mpq`` interval Horner
evaluation on an isolating interval of alpha, which is found by an exact Descartes
bisection (:func:`isolate_real_roots`) and refined by bisection on demand. Refined
intervals are cached module-wide, keyed by (monic minpoly, root_index), so every point
and every element over the same field share them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from numbers import Rational as _RationalNumber
from typing import Any

import sympy as sp
from gmpy2 import mpq
from sympy.polys.polyerrors import (
    CoercionFailed,
    GeneratorsNeeded,
    PolificationFailed,
    PolynomialError,
)

from symstab.parse import as_exact_number

#: The generator variable of the field Q(alpha) = Q[t]/(p(t)).
T = sp.Symbol("t")


@dataclass(frozen=True)
class AlgebraicPoint:
    """A real point with coordinates in Q(alpha).

    Attributes
    ----------
    params
        The loss parameters, in order; ``coords[i]`` is the value of ``params[i]``.
    minpoly
        ``sp.Poly`` in :data:`T` over ``QQ``, irreducible, with a real root alpha.
        For a rational point it has degree 1.
    root_index
        Which real root alpha is: index among the *real* roots of ``minpoly`` in
        increasing order (the ``sp.CRootOf(minpoly, root_index)`` convention).
    coords
        One ``sp.Poly`` in :data:`T` over ``QQ`` per parameter, reduced modulo
        ``minpoly`` (degree < deg minpoly).
    """

    params: tuple[sp.Symbol, ...]
    minpoly: sp.Poly
    root_index: int
    coords: tuple[sp.Poly, ...]

    # ------------------------------------------------------------------ construction

    @classmethod
    def rational(cls, params: Iterable[sp.Symbol], values: Iterable[Any]) -> AlgebraicPoint:
        """The rational point ``params = values`` (minimal polynomial ``t``).

        Parameters
        ----------
        params
            The loss parameters, in order.
        values
            One exact rational per parameter (``int``, ``Fraction``, ``sp.Rational``
            or a string such as ``"3/7"``). Floats are rejected.

        Returns
        -------
        AlgebraicPoint
            ``minpoly = t``, ``root_index = 0``, constant coordinates.

        Raises
        ------
        ValueError
            If the lengths differ or a value is not an exact rational.
        """
        params = tuple(params)
        values = tuple(values)
        if len(params) != len(values):
            raise ValueError(f"{len(params)} parameters but {len(values)} values")
        coords = tuple(sp.Poly(_exact_rational(v), T, domain=sp.QQ) for v in values)
        return cls(params, sp.Poly(T, T, domain=sp.QQ), 0, coords)

    # ------------------------------------------------------------------ exact values

    @property
    def degree(self) -> int:
        """Degree of Q(alpha) over Q (the degree of ``minpoly``)."""
        return _minpoly_data(self.minpoly).degree

    @property
    def alpha(self) -> sp.Expr:
        """Alpha exactly.

        A ``sp.Rational`` when ``minpoly`` has degree 1, a radical expression when
        it has degree 2 (the ``root_index``-th real root in increasing order) and
        ``sp.CRootOf(minpoly, root_index)`` otherwise.

        Raises
        ------
        ValueError
            If ``minpoly`` has no real root with index ``root_index``.
        """
        data = _minpoly_data(self.minpoly)
        self._alpha_interval()  # validates root_index against the real roots
        if data.degree == 1:
            return -_mpq_to_rational(data.monic[0])
        if data.degree == 2:
            c, b = (_mpq_to_rational(x) for x in data.monic[:2])
            disc = b * b / 4 - c
            root = sp.sqrt(disc)
            return -b / 2 + (root if self.root_index == 1 else -root)
        return sp.CRootOf(sp.Poly(self.minpoly, T, domain=sp.QQ), self.root_index, radicals=False)

    def coordinate_exprs(self) -> tuple[sp.Expr, ...]:
        """The coordinates ``q_i(alpha)`` as exact sympy expressions.

        Returns
        -------
        tuple of sp.Expr
            Rationals for a rational point, expanded radicals such as
            ``sqrt(95)/10`` for a quadratic field, polynomials in a ``CRootOf``
            otherwise.
        """
        return tuple(self.to_expr(c) for c in self.coords)

    def to_expr(self, elem: Any) -> sp.Expr:
        """The exact value of an element of Q(alpha) as a sympy expression.

        Parameters
        ----------
        elem
            An element (see :meth:`sign` for the accepted forms).

        Returns
        -------
        sp.Expr
            ``elem`` with ``t`` replaced by :attr:`alpha` (expanded for degree <= 2).
        """
        poly = self._element(elem)
        if poly.is_zero:
            return sp.Integer(0)
        alpha = self.alpha
        coeffs = poly.all_coeffs()[::-1]
        value = sp.Add(*(c * alpha**k for k, c in enumerate(coeffs) if c))
        return sp.expand(value) if self.degree <= 2 else value

    def reduce(self, expr: Any) -> sp.Poly:
        """The value at this point of a polynomial with rational coefficients.

        Parameters
        ----------
        expr
            A polynomial in ``params`` with rational coefficients (a sympy
            expression, ``sp.Poly`` or number). If ``t`` is not a parameter it may
            also occur and stands for alpha.

        Returns
        -------
        sp.Poly
            A ``Poly`` in :data:`T` over ``QQ`` of degree ``< deg minpoly``: the
            value as an element of Q(alpha) = Q[t]/(minpoly).

        Raises
        ------
        ValueError
            If ``expr`` is not a polynomial in those variables with exact rational
            coefficients (e.g. ``1/x``, ``sin(x)``, another symbol, a float).
        """
        return self._reduce_with_cache(expr, {})

    # ------------------------------------------------------------------ decisions

    def sign(self, elem: Any) -> int:
        """The exact sign of an element of Q(alpha) at this point.

        Parameters
        ----------
        elem
            An element of Q(alpha): a ``sp.Poly`` in :data:`T` (reduced modulo
            ``minpoly`` here), an exact rational, or a polynomial expression in
            ``params`` (passed through :meth:`reduce`).

        Returns
        -------
        int
            ``-1``, ``0`` or ``1``. Zero exactly when the reduced polynomial is zero
            (``minpoly`` is irreducible); otherwise decided by exact rational
            interval arithmetic on a refined isolating interval of alpha.

        Raises
        ------
        ValueError
            If the element vanishes at alpha without being zero modulo
            ``minpoly`` (which proves ``minpoly`` is not irreducible).
        """
        return self._sign_vec(self._vec(elem))

    def enclosure(self, elem: Any, digits: int) -> tuple[Fraction, Fraction]:
        """A certified rational interval containing the value of ``elem``.

        Parameters
        ----------
        elem
            An element of Q(alpha) (see :meth:`sign`).
        digits
            Required precision: the interval has width ``< 10**-digits``.

        Returns
        -------
        tuple of Fraction
            ``(lo, hi)`` with ``lo <= value <= hi`` and ``hi - lo < 10**-digits``;
            ``lo == hi`` when the value is rational.
        """
        if digits < 0:
            raise ValueError("digits must be >= 0")
        lo, hi = self._enclose_vec(self._vec(elem), mpq(1, 10**digits))
        return _mpq_to_fraction(lo), _mpq_to_fraction(hi)

    def decimal(self, elem: Any, digits: int) -> str:
        """The value of ``elem`` as a decimal string, certified.

        The result is the exact value *correctly rounded* to ``digits`` places
        after the decimal point (ties, possible only for rational values, round
        half away from zero), so all printed digits are guaranteed and the error
        is at most ``0.5 * 10**-digits``. It is read off a certified enclosure
        (:meth:`enclosure`) that is refined until both ends round the same way.

        Parameters
        ----------
        elem
            An element of Q(alpha) (see :meth:`sign`).
        digits
            Number of digits after the decimal point (``>= 0``).

        Returns
        -------
        str
            E.g. ``"1.41421"`` for ``sqrt(2)`` and ``digits=5``.
        """
        if digits < 0:
            raise ValueError("digits must be >= 0")
        vec = self._vec(elem)
        extra = 2
        while True:
            lo, hi = self._enclose_vec(vec, mpq(1, 10 ** (digits + extra)))
            text = rounded_decimal(lo, hi, digits)
            if text is not None:
                return text
            extra *= 2

    # ------------------------------------------------------------------ internals

    def _element(self, elem: Any) -> sp.Poly:
        """``elem`` as a reduced ``Poly`` in T over QQ."""
        if isinstance(elem, sp.Poly) and elem.gens == (T,) and T not in self.params:
            if not elem.domain.is_QQ:
                if not elem.domain.is_ZZ:
                    raise ValueError(f"element over {elem.domain}; rational coefficients required")
                elem = elem.set_domain(sp.QQ)
            return elem.rem(self.minpoly_qq)
        return self.reduce(elem)

    @property
    def minpoly_qq(self) -> sp.Poly:
        """``minpoly`` as a monic ``Poly`` in T over QQ."""
        return _minpoly_data(self.minpoly).poly

    def _vec(self, elem: Any) -> list[mpq]:
        """``elem`` as its ``degree`` rational coordinates, lowest power first."""
        return poly_to_vec(self._element(elem), self.degree)

    def _reduce_with_cache(self, expr: Any, powers: dict[tuple[int, int], sp.Poly]) -> sp.Poly:
        """:meth:`reduce`, sharing ``powers`` (powers of coordinates) across calls."""
        p = self.minpoly_qq
        gens = self.params if T in self.params else (*self.params, T)
        if isinstance(expr, float):
            raise ValueError("floating-point value; exact rationals are required")
        if isinstance(expr, sp.Poly):
            if not (expr.domain.is_ZZ or expr.domain.is_QQ):
                raise ValueError(f"polynomial over {expr.domain}; rational coefficients required")
            expr = expr.as_expr()
        if not isinstance(expr, sp.Basic):
            if isinstance(expr, str):
                raise ValueError("text is not accepted here; parse it with symstab.parse first")
            expr = as_exact_number(expr)
        poly = _polynomial(expr, tuple(gens))
        values = [c if c.domain.is_QQ else c.set_domain(sp.QQ) for c in self.coords]
        if len(values) != len(self.params):
            raise ValueError(f"{len(self.params)} parameters but {len(values)} coordinates")
        if len(gens) > len(values):
            values.append(sp.Poly(T, T, domain=sp.QQ))
        if p.degree() == 1:
            # a rational point: evaluate in exact rational arithmetic
            numbers = [_mpq_of(v.rem(p).nth(0)) for v in values]
            total = mpq(0)
            for monom, coeff in poly.terms():
                term = _mpq_of(coeff)
                for number, e in zip(numbers, monom, strict=True):
                    if e:
                        term *= number**e
                total += term
            return sp.Poly(sp.Rational(int(total.numerator), int(total.denominator)), T,
                           domain=sp.QQ)

        def power(i: int, e: int) -> sp.Poly:
            key = (i, e)
            cached = powers.get(key)
            if cached is None:
                if e == 1:
                    cached = values[i].rem(p)
                else:
                    half = power(i, e // 2)
                    cached = (half * half).rem(p)
                    if e % 2:
                        cached = (cached * power(i, 1)).rem(p)
                powers[key] = cached
            return cached

        acc = sp.Poly(0, T, domain=sp.QQ)
        for monom, coeff in poly.terms():
            term: sp.Poly | None = None
            for i, e in enumerate(monom):
                if e:
                    f = power(i, e)
                    term = f if term is None else (term * f).rem(p)
            acc = acc + (sp.Poly(coeff, T, domain=sp.QQ) if term is None else term * coeff)
        return acc

    def _alpha_interval(self) -> tuple[mpq, mpq, int]:
        """Current isolating interval ``(a, b, sign p(a))`` of alpha (cached)."""
        data = _minpoly_data(self.minpoly)
        key = (data.key, self.root_index)
        cached = _ALPHA_INTERVALS.get(key)
        if cached is not None:
            return cached
        if data.degree == 1:
            if self.root_index != 0:
                raise ValueError(f"root_index {self.root_index} but minpoly has degree 1")
            r = -data.monic[0]
            result = (r, r, 0)
        else:
            intervals = isolate_real_roots(data.poly)
            if not 0 <= self.root_index < len(intervals):
                raise ValueError(
                    f"root_index {self.root_index} but {data.poly.as_expr()} has "
                    f"{len(intervals)} real roots"
                )
            a, b = intervals[self.root_index]
            sa, sb = _sgn(horner(data.monic, a)), _sgn(horner(data.monic, b))
            if a == b or sa * sb >= 0:
                raise ValueError(f"minpoly {data.poly.as_expr()} is not irreducible over Q")
            result = (a, b, sa)
        _store_interval(key, result)
        return result

    def _refine_alpha(self, width: mpq) -> tuple[mpq, mpq]:
        """Refine alpha's isolating interval to width ``< width``; return it."""
        a, b, sa = self._alpha_interval()
        if b - a < width:
            return a, b
        data = _minpoly_data(self.minpoly)
        a, b = bisect_root(data.monic, a, b, sa, width)
        _store_interval((data.key, self.root_index), (a, b, sa))
        return a, b

    def _sign_vec(self, vec: list[mpq]) -> int:
        """Exact sign of the element with coordinates ``vec`` (lowest power first)."""
        if not any(vec[1:]):
            return _sgn(vec[0]) if vec else 0
        a, b, _ = self._alpha_interval()
        checked = False
        while True:
            lo, hi = horner_interval(vec, a, b)
            if lo > 0:
                return 1
            if hi < 0:
                return -1
            if not checked:
                # elem(alpha) = 0 with elem != 0 mod p would make gcd(elem, p) nontrivial.
                elem = vec_to_poly(vec)
                if elem.gcd(self.minpoly_qq).degree() > 0:
                    raise ValueError(
                        f"minpoly {self.minpoly_qq.as_expr()} is not irreducible over Q"
                    )
                checked = True
            a, b = self._refine_alpha((b - a) / 16)

    def _enclose_vec(self, vec: list[mpq], width: mpq) -> tuple[mpq, mpq]:
        """Interval of width ``< width`` containing the element's value."""
        if not any(vec[1:]):
            v = vec[0] if vec else mpq(0)
            return v, v
        a, b, _ = self._alpha_interval()
        while True:
            lo, hi = horner_interval(vec, a, b)
            if hi - lo < width:
                return lo, hi
            shrink = min(mpq(1, 2), width / (2 * (hi - lo)))
            a, b = self._refine_alpha((b - a) * shrink)


# ---------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _MinpolyData:
    poly: sp.Poly  # monic, over QQ
    monic: list[mpq]  # coefficients lowest first, leading 1 included
    degree: int
    key: tuple[mpq, ...]


def _mpq_of(value: Any) -> mpq:
    """An exact rational (SymPy or domain element) as ``mpq``."""
    q = sp.Rational(value)
    return mpq(int(q.p), int(q.q))


@lru_cache(maxsize=4096)
def _polynomial(expr: sp.Expr, gens: tuple[sp.Symbol, ...]) -> sp.Poly:
    """``expr`` as a ``Poly`` in ``gens`` over QQ (cached: the same Hessian entries are
    reduced at many points)."""
    if expr.atoms(sp.Float):
        raise ValueError(f"floating-point coefficient in {expr}; exact rationals required")
    try:
        return sp.Poly(expr, *gens, domain=sp.QQ)
    except (PolynomialError, CoercionFailed, PolificationFailed, GeneratorsNeeded) as exc:
        raise ValueError(
            f"not a polynomial in {', '.join(map(str, gens))} with rational "
            f"coefficients: {expr}"
        ) from exc


@lru_cache(maxsize=4096)
def _minpoly_data(minpoly: sp.Poly) -> _MinpolyData:
    if not isinstance(minpoly, sp.Poly) or len(minpoly.gens) != 1:
        raise ValueError(f"minpoly must be a univariate sp.Poly, got {minpoly!r}")
    poly = minpoly if minpoly.domain.is_QQ else minpoly.set_domain(sp.QQ)
    if poly.degree() < 1:
        raise ValueError(f"minpoly must have degree >= 1, got {minpoly.as_expr()}")
    poly = poly.monic()
    if poly.gens != (T,):
        poly = sp.Poly(poly.as_expr().subs(poly.gen, T), T, domain=sp.QQ)
    monic = poly_to_vec(poly, poly.degree() + 1)
    return _MinpolyData(poly, monic, poly.degree(), tuple(monic))


#: Refined isolating intervals of alpha, keyed by (monic minpoly coefficients, root_index).
_ALPHA_INTERVALS: dict[tuple[tuple[mpq, ...], int], tuple[mpq, mpq, int]] = {}
_MAX_CACHED_INTERVALS = 65536


def _store_interval(key: tuple[tuple[mpq, ...], int], value: tuple[mpq, mpq, int]) -> None:
    old = _ALPHA_INTERVALS.get(key)
    if old is not None and old[1] - old[0] <= value[1] - value[0]:
        return
    if len(_ALPHA_INTERVALS) >= _MAX_CACHED_INTERVALS:
        _ALPHA_INTERVALS.clear()
    _ALPHA_INTERVALS[key] = value


def _sgn(x: Any) -> int:
    return (x > 0) - (x < 0)


def _exact_rational(value: Any) -> sp.Rational:
    if isinstance(value, float | sp.Float):
        raise ValueError(f"floating-point value {value!r}; exact rationals are required")
    if isinstance(value, _RationalNumber) and not isinstance(value, sp.Basic):
        return sp.Rational(value.numerator, value.denominator)
    result = value if isinstance(value, sp.Basic) else as_exact_number(value)
    if not result.is_Rational:
        raise ValueError(f"{value!r} is not an exact rational")
    return result


def _rational_to_mpq(x: Any) -> mpq:
    r = sp.Rational(x)
    return mpq(int(r.p), int(r.q))


def _mpq_to_rational(x: mpq) -> sp.Rational:
    return sp.Rational(int(x.numerator), int(x.denominator))


def _mpq_to_fraction(x: mpq) -> Fraction:
    return Fraction(int(x.numerator), int(x.denominator))


def poly_to_vec(poly: sp.Poly, length: int) -> list[mpq]:
    """Coefficients of a univariate ``Poly`` over QQ as ``mpq``, lowest power first.

    Parameters
    ----------
    poly
        A univariate polynomial over ``QQ`` (or ``ZZ``) of degree ``< length``.
    length
        Length of the result (padded with zeros).

    Returns
    -------
    list of mpq
    """
    dom = poly.domain
    out = [mpq(int(dom.numer(c)), int(dom.denom(c))) for c in reversed(poly.rep.to_list())]
    if len(out) > length:
        raise ValueError(f"degree {len(out) - 1} does not fit in length {length}")
    out.extend([mpq(0)] * (length - len(out)))
    return out


def vec_to_poly(vec: list[mpq]) -> sp.Poly:
    """Inverse of :func:`poly_to_vec`: a ``Poly`` in :data:`T` over QQ."""
    return sp.Poly.from_list(
        [sp.Rational(int(c.numerator), int(c.denominator)) for c in reversed(vec)],
        T,
        domain=sp.QQ,
    )


def horner(vec: list[mpq], x: mpq) -> mpq:
    """Exact value at ``x`` of the polynomial with coefficients ``vec`` (lowest first)."""
    acc = mpq(0)
    for c in reversed(vec):
        acc = acc * x + c
    return acc


def horner_interval(vec: list[mpq], a: mpq, b: mpq) -> tuple[mpq, mpq]:
    """Rational interval enclosing ``{poly(x) : a <= x <= b}`` (interval Horner).

    Parameters
    ----------
    vec
        Coefficients, lowest power first.
    a, b
        The argument interval, ``a <= b``.

    Returns
    -------
    tuple of mpq
        ``(lo, hi)``; exact (``lo == hi``) when ``a == b``.
    """
    if a == b:
        v = horner(vec, a)
        return v, v
    lo = hi = mpq(0)
    for c in reversed(vec):
        if a >= 0:
            lo, hi = (lo * a if lo >= 0 else lo * b), (hi * b if hi >= 0 else hi * a)
        elif b <= 0:
            lo, hi = (hi * a if hi >= 0 else hi * b), (lo * b if lo >= 0 else lo * a)
        else:
            products = (lo * a, lo * b, hi * a, hi * b)
            lo, hi = min(products), max(products)
        lo += c
        hi += c
    return lo, hi


def bisect_root(vec: list[mpq], a: mpq, b: mpq, sa: int, width: mpq) -> tuple[mpq, mpq]:
    """Bisect an isolating interval of a simple root until its width is ``< width``.

    Parameters
    ----------
    vec
        Polynomial coefficients, lowest power first; no rational root in ``(a, b)``
        may be hit (guaranteed for an irreducible polynomial of degree >= 2).
    a, b
        Interval with exactly one root, ``sign(poly(a)) == sa != 0`` and
        ``sign(poly(b)) == -sa``.
    sa
        Sign of the polynomial at ``a``.
    width
        Target width.

    Returns
    -------
    tuple of mpq
        The refined interval.
    """
    while b - a >= width:
        m = (a + b) / 2
        sm = _sgn(horner(vec, m))
        if sm == 0:
            raise ValueError("rational root hit while refining: polynomial is reducible")
        if sm == sa:
            a = m
        else:
            b = m
    return a, b


def _round_half_away(x: mpq) -> int:
    y = abs(x) + mpq(1, 2)
    n = int(y.numerator) // int(y.denominator)
    return n if x >= 0 else -n


def rounded_decimal(lo: Any, hi: Any, digits: int) -> str | None:
    """The common rounding of every number in ``[lo, hi]`` to ``digits`` places.

    Parameters
    ----------
    lo, hi
        Rational bounds (``mpq`` or ``Fraction``), ``lo <= hi``.
    digits
        Places after the decimal point.

    Returns
    -------
    str or None
        The decimal string if ``lo`` and ``hi`` round (half away from zero) to the
        same value, else ``None`` (the enclosure must be refined).
    """
    scale = 10**digits
    n_lo = _round_half_away(mpq(lo) * scale)
    n_hi = _round_half_away(mpq(hi) * scale)
    if n_lo != n_hi:
        return None
    sign = "-" if n_lo < 0 else ""
    text = str(abs(n_lo)).rjust(digits + 1, "0")
    if digits == 0:
        return sign + text
    return f"{sign}{text[:-digits]}.{text[-digits:]}"


# ---------------------------------------------------------------------- real root isolation


def isolate_real_roots(poly: sp.Poly) -> list[tuple[mpq, mpq]]:
    """Isolating intervals of the real roots of a polynomial without rational roots.

    Descartes' rule of signs with bisection (Vincent–Collins–Akritas) on exact integers;
    meant for irreducible polynomials of degree >= 2 (as produced by factoring), for
    which no rational point is a root.

    Parameters
    ----------
    poly
        Univariate, square-free, with rational coefficients and no rational root.

    Returns
    -------
    list of (mpq, mpq)
        One open interval ``(a, b)`` per real root, sorted increasingly and pairwise
        disjoint as closed intervals; the polynomial has opposite nonzero signs at ``a``
        and ``b`` and exactly one root in between.

    Raises
    ------
    ValueError
        If a rational root is met (the polynomial was not irreducible of degree >= 2).
    """
    coeffs = _primitive_integer_coeffs(poly)
    if coeffs[0] == 0:
        raise ValueError(f"{poly.as_expr()} has the rational root 0")
    negative = [c if i % 2 == 0 else -c for i, c in enumerate(coeffs)]
    roots = [(-b, -a) for a, b in _isolate_positive(negative)]
    roots.reverse()
    roots.extend(_isolate_positive(coeffs))
    # Neighbours may share an endpoint (not a root): shrink them apart.
    vec = [mpq(c) for c in coeffs]
    for i in range(len(roots) - 1):
        while roots[i][1] >= roots[i + 1][0]:
            for j in (i, i + 1):
                a, b = roots[j]
                roots[j] = bisect_root(vec, a, b, _sgn(horner(vec, a)), (b - a) / 2)
    return roots


def _primitive_integer_coeffs(poly: sp.Poly) -> list[int]:
    """Integer coefficients (lowest power first) of a positive multiple of ``poly``."""
    dom = poly.domain
    if not (dom.is_QQ or dom.is_ZZ):
        poly = poly.set_domain(sp.QQ)
        dom = poly.domain
    rats = [Fraction(int(dom.numer(c)), int(dom.denom(c))) for c in poly.rep.to_list()]
    if not rats or len(rats) < 2:
        raise ValueError(f"{poly.as_expr()} has degree < 1")
    denom = 1
    for r in rats:
        denom = denom * r.denominator // math.gcd(denom, r.denominator)
    ints = [int(r * denom) for r in rats]
    g = 0
    for c in ints:
        g = math.gcd(g, c)
    return [c // g for c in reversed(ints)]


def _sign_variations(coeffs: list[int]) -> int:
    count = 0
    previous = 0
    for c in coeffs:
        if c:
            s = 1 if c > 0 else -1
            if previous and s != previous:
                count += 1
                if count >= 2:  # only 0, 1 or "more" matter
                    return count
            previous = s
    return count


def _taylor_shift_one(coeffs: list[int]) -> list[int]:
    """Coefficients of ``q(x + 1)`` (lowest first)."""
    c = list(coeffs)
    n = len(c) - 1
    for i in range(n):
        for j in range(n - 1, i - 1, -1):
            c[j] += c[j + 1]
    return c


def _isolate_positive(coeffs: list[int]) -> list[tuple[mpq, mpq]]:
    """Isolating intervals, increasing, of the positive roots (no rational roots)."""
    d = len(coeffs) - 1
    while d > 0 and coeffs[d] == 0:  # pragma: no cover - primitive polys have lc != 0
        d -= 1
    lead_bits = abs(coeffs[d]).bit_length()
    # Fujiwara-type bound: every root z has |z| < 2^k.
    k = 0
    for i in range(1, d + 1):
        c = coeffs[d - i]
        if c:
            e = -(-(abs(c).bit_length() - lead_bits + 1) // i)  # ceil division
            k = max(k, e + 1)
    if _sign_variations(coeffs) == 0:
        return []
    # q(x) = coeffs(2^k x): positive roots now in (0, 1)
    q = [c << (k * i) for i, c in enumerate(coeffs)]
    out: list[tuple[mpq, mpq]] = []
    scale = mpq(2) ** k
    stack = [(q, 0, 0)]  # polynomial, numerator c, level j: interval 2^k (c, c+1) / 2^j
    while stack:
        q, c, j = stack.pop()
        v = _sign_variations(_taylor_shift_one(q[::-1]))
        if v == 0:
            continue
        if v == 1:
            out.append((scale * mpq(c, 2**j), scale * mpq(c + 1, 2**j)))
            continue
        half = [x << (d - i) for i, x in enumerate(q)]  # 2^d q(x/2): left half
        if sum(half) == 0:  # value at x = 1 of the left half = 2^d q(1/2)
            raise ValueError("rational root met while isolating real roots")
        right = _taylor_shift_one(half)
        stack.append((right, 2 * c + 1, j + 1))
        stack.append((half, 2 * c, j + 1))
    out.sort()
    return out
