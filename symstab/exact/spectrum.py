"""Exact spectrum of a symmetric Hessian at a real algebraic point.

The Hessian ``H`` of a loss, evaluated at an :class:`~symstab.exact.algebraic.AlgebraicPoint`
with coordinates in ``K = Q(alpha)``, is a symmetric matrix over ``K``. Everything below is
decided exactly, without floating point:

* ``chi(lam) = det(lam*I - H(alpha))`` is computed with coefficients in ``K``
  (Faddeev–LeVerrier, reducing modulo the minimal polynomial ``p`` of alpha).
* ``H`` is real symmetric, so every root of ``chi`` is real and Descartes' rule of signs is
  exact: the number of eigenvalues ``> c`` (with multiplicity) is the number of sign
  variations of the coefficients of ``chi(mu + c)``; the signs of those coefficients
  (elements of ``K``) are decided by :meth:`AlgebraicPoint.sign`.
* ``R(lam) = N_{K/Q}(chi)``, the characteristic polynomial over Q of ``v -> H(alpha) v`` on
  ``K^n`` viewed as a Q-vector space of dimension ``n * deg p`` (equal, up to a constant
  factor, to ``resultant_t(p(t), chi(lam, t))``), has rational coefficients and every
  eigenvalue among its roots. It is factored over Q; the real roots of its irreducible
  factors are isolated in pairwise disjoint rational intervals, and the multiplicity of the
  root in ``(a, b)`` as an eigenvalue is ``N(g) - N(g')`` for rational gap points
  ``g < a <= b < g'`` that separate it from the other roots (``N(c)`` = number of
  eigenvalues ``> c``). A divide and conquer over the gaps evaluates ``N`` only where the
  count changes.
* An eigenvalue is given exactly by its irreducible factor and its index among that
  factor's real roots.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp
from gmpy2 import mpq

from symstab.exact.algebraic import (
    AlgebraicPoint,
    T,
    bisect_root,
    horner,
    isolate_real_roots,
    poly_to_vec,
    rounded_decimal,
)
from symstab.parse import as_exact_number

#: The eigenvalue variable of characteristic and minimal polynomials.
LAM = sp.Symbol("lam")

__all__ = [
    "LAM",
    "Eigenvalue",
    "Spectrum",
    "classify",
    "count_eigenvalues_above",
    "hessian_spectrum",
]


@dataclass(frozen=True)
class Eigenvalue:
    """One distinct eigenvalue, exactly.

    Attributes
    ----------
    value
        Exact value: a ``sp.Rational``; a radical expression when ``minpoly`` has degree 2;
        otherwise ``sp.CRootOf(minpoly, k)`` with ``k`` the index among the real roots of
        ``minpoly`` in increasing order.
    minpoly
        Monic irreducible polynomial over ``QQ`` in :data:`LAM` with ``value`` as a root.
    multiplicity
        Multiplicity as an eigenvalue of the Hessian (``>= 1``).
    enclosure
        ``(lo, hi)``, rationals with ``lo <= value <= hi``. ``lo == hi`` exactly when the
        value is rational; otherwise ``value`` is the only root of ``minpoly`` in the
        closed interval, the interval contains no other eigenvalue, and ``0`` is not in
        the open interval, so the sign of a nonzero eigenvalue can be read off it.
    """

    value: sp.Expr
    minpoly: sp.Poly
    multiplicity: int
    enclosure: tuple[Fraction, Fraction]

    @property
    def sign(self) -> int:
        """The exact sign of the eigenvalue (``-1``, ``0`` or ``1``)."""
        lo, hi = self.enclosure
        if lo == hi:
            return (lo > 0) - (lo < 0)
        if lo >= 0:
            return 1
        if hi <= 0:
            return -1
        raise RuntimeError("eigenvalue enclosure straddles 0")  # excluded by construction

    def decimal(self, digits: int) -> str:
        """The eigenvalue correctly rounded to ``digits`` decimal places.

        All printed digits are certified (ties, possible only for rational values, round
        half away from zero); the interval is refined by exact bisection on ``minpoly``.

        Parameters
        ----------
        digits
            Places after the decimal point (``>= 0``).

        Returns
        -------
        str
        """
        if digits < 0:
            raise ValueError("digits must be >= 0")
        lo, hi = (mpq(x.numerator, x.denominator) for x in self.enclosure)
        if lo == hi:
            text = rounded_decimal(lo, hi, digits)
            assert text is not None
            return text
        vec = poly_to_vec(self.minpoly, self.minpoly.degree() + 1)
        s_lo = _sgn(horner(vec, lo))
        extra = 2
        while True:
            lo, hi = bisect_root(vec, lo, hi, s_lo, mpq(1, 10 ** (digits + extra)))
            text = rounded_decimal(lo, hi, digits)
            if text is not None:
                return text
            extra *= 2


_KINDS = {
    # (has positive, has zero, has negative) -> kind
    (True, False, False): "minimum",
    (False, False, True): "maximum",
    (True, False, True): "saddle",
    (True, True, True): "degenerate saddle",
    (True, True, False): "degenerate (positive semidefinite)",
    (False, True, True): "degenerate (negative semidefinite)",
    (False, True, False): "degenerate (zero Hessian)",
}


def classify(n_positive: int, n_zero: int, n_negative: int) -> str:
    """Classify a critical point by the inertia of its Hessian.

    Parameters
    ----------
    n_positive, n_zero, n_negative
        Numbers of positive, zero and negative eigenvalues (with multiplicity).

    Returns
    -------
    str
        ``"minimum"`` (all positive), ``"maximum"`` (all negative), ``"saddle"`` (positive
        and negative, none zero), ``"degenerate saddle"`` (positive, negative and zero),
        ``"degenerate (positive semidefinite)"`` (positive and zero),
        ``"degenerate (negative semidefinite)"`` (negative and zero) or
        ``"degenerate (zero Hessian)"`` (all zero).

    Raises
    ------
    ValueError
        If a count is negative or all are zero.
    """
    counts = (n_positive, n_zero, n_negative)
    if any(int(c) != c or c < 0 for c in counts):
        raise ValueError(f"inertia counts must be non-negative integers, got {counts}")
    if not any(counts):
        raise ValueError("empty spectrum (0 x 0 Hessian)")
    return _KINDS[(n_positive > 0, n_zero > 0, n_negative > 0)]


@dataclass(frozen=True)
class Spectrum:
    """The exact spectrum of a symmetric Hessian at a point.

    Attributes
    ----------
    eigenvalues
        The distinct eigenvalues, sorted decreasing; multiplicities sum to the size.
    n_positive, n_zero, n_negative
        The inertia, counted with multiplicity.
    """

    eigenvalues: tuple[Eigenvalue, ...]
    n_positive: int
    n_zero: int
    n_negative: int

    @property
    def lambda_max(self) -> Eigenvalue:
        """The largest eigenvalue."""
        if not self.eigenvalues:
            raise ValueError("empty spectrum")
        return self.eigenvalues[0]

    @property
    def lambda_min(self) -> Eigenvalue:
        """The smallest eigenvalue."""
        if not self.eigenvalues:
            raise ValueError("empty spectrum")
        return self.eigenvalues[-1]

    @property
    def kind(self) -> str:
        """The classification of the critical point; see :func:`classify`."""
        return classify(self.n_positive, self.n_zero, self.n_negative)


# ---------------------------------------------------------------------- characteristic polynomial


class _CharPoly:
    """``chi(lam) = det(lam*I - H(alpha))`` with coefficients in Q(alpha)."""

    def __init__(self, point: AlgebraicPoint, hessian: Any) -> None:
        matrix = sp.Matrix(hessian)
        n = matrix.rows
        if n == 0 or matrix.cols != n:
            raise ValueError(f"Hessian must be a non-empty square matrix, got {matrix.shape}")
        powers: dict[tuple[int, int], sp.Poly] = {}
        reduced: dict[tuple[int, int], sp.Poly] = {}
        for i in range(n):
            for j in range(i, n):
                hij = point._reduce_with_cache(matrix[i, j], powers)
                if (
                    j > i
                    and matrix[j, i] != matrix[i, j]
                    and point._reduce_with_cache(matrix[j, i], powers) != hij
                ):
                    raise ValueError(f"Hessian is not symmetric at the point (entry {i},{j})")
                reduced[i, j] = reduced[j, i] = hij
        self.point = point
        self.n = n
        self.d = point.degree
        self.entries = [[reduced[i, j] for j in range(n)] for i in range(n)]
        coeffs = _faddeev_leverrier(self.entries, point.minpoly_qq)
        #: coefficient vectors of chi, lowest power of lam first; each vector lists the
        #: rational coordinates of the coefficient in the basis 1, alpha, alpha^2, ...
        self.vecs = [poly_to_vec(c, self.d) for c in coeffs]

    def shifted(self, c: mpq) -> list[list[mpq]]:
        """Coefficient vectors of ``chi(mu + c)`` (Taylor shift), lowest power first."""
        vecs = [list(v) for v in self.vecs]
        if c == 0:
            return vecs
        n = self.n
        for i in range(n):
            for j in range(n - 1, i - 1, -1):
                upper, cur = vecs[j + 1], vecs[j]
                for k in range(self.d):
                    if upper[k]:
                        cur[k] += c * upper[k]
        return vecs

    def count_above(self, c: mpq) -> int:
        """Number of eigenvalues ``> c`` with multiplicity (Descartes, exact here)."""
        return _sign_variations(self.point, self.shifted(c))

    def multiplicity_at(self, c: mpq) -> int:
        """Multiplicity of ``c`` as an eigenvalue (order of vanishing of chi at c)."""
        for k, v in enumerate(self.shifted(c)):
            if any(v):
                return k
        raise AssertionError("chi is monic, hence nonzero")

    def norm(self) -> sp.Poly:
        """``N_{K/Q}(chi)``: the characteristic polynomial over Q of ``H(alpha)`` on ``K^n``."""
        n, d = self.n, self.d
        if d == 1:
            rows = [[poly_to_vec(h, 1)[0] for h in row] for row in self.entries]
        else:
            p = self.point.minpoly_qq
            t_pows = [sp.Poly(T**k, T, domain=sp.QQ) for k in range(d)]
            blocks: dict[tuple[int, int], list[list[mpq]]] = {}
            for i in range(n):
                for j in range(i, n):
                    h = self.entries[i][j]
                    # column k: coordinates of h * t^k mod p
                    cols = [poly_to_vec((h * tk).rem(p), d) for tk in t_pows]
                    blocks[i, j] = blocks[j, i] = cols
            rows = [
                [blocks[i, j][k][m] for j in range(n) for k in range(d)]
                for i in range(n)
                for m in range(d)
            ]
        # exact characteristic polynomial over Q by FLINT (fmpq_mat); SymPy's
        # DomainMatrix.charpoly gives the same polynomial, orders of magnitude slower at
        # n·d of a few dozen
        import flint

        size = n * d
        mat = flint.fmpq_mat(size, size, [flint.fmpq(int(x.numerator), int(x.denominator))
                                          for row in rows for x in row])
        coeffs = [sp.Rational(int(c.p), int(c.q)) for c in reversed(mat.charpoly().coeffs())]
        return sp.Poly(coeffs, LAM, domain=sp.QQ)


def _faddeev_leverrier(a: list[list[sp.Poly]], p: sp.Poly) -> list[sp.Poly]:
    """Coefficients ``c_0..c_n`` (lowest first) of ``det(lam*I - A)`` over Q[t]/(p)."""
    n = len(a)
    zero = sp.Poly(0, T, domain=sp.QQ)
    coeffs = [zero] * (n + 1)
    coeffs[n] = sp.Poly(1, T, domain=sp.QQ)
    m = [[zero] * n for _ in range(n)]
    for k in range(1, n + 1):
        if k == 1:
            m = [[coeffs[n] if i == j else zero for j in range(n)] for i in range(n)]
        else:
            m = _matmul(a, m, p)
            for i in range(n):
                m[i][i] = m[i][i] + coeffs[n - k + 1]
        trace = zero
        for i in range(n):
            for j in range(n):
                if not a[i][j].is_zero and not m[j][i].is_zero:
                    trace = trace + a[i][j] * m[j][i]
        coeffs[n - k] = (trace.rem(p) * sp.Rational(-1, k)).rem(p)
    return coeffs


def _matmul(a: list[list[sp.Poly]], b: list[list[sp.Poly]], p: sp.Poly) -> list[list[sp.Poly]]:
    n = len(a)
    zero = sp.Poly(0, T, domain=sp.QQ)
    out = []
    for i in range(n):
        row = []
        for j in range(n):
            acc = zero
            for k in range(n):
                if not a[i][k].is_zero and not b[k][j].is_zero:
                    acc = acc + a[i][k] * b[k][j]
            row.append(acc.rem(p))
        out.append(row)
    return out


def _sign_variations(point: AlgebraicPoint, vecs: Sequence[list[mpq]]) -> int:
    variations = 0
    previous = 0
    for v in vecs:
        if not any(v):
            continue
        s = point._sign_vec(v)
        if previous and s != previous:
            variations += 1
        previous = s
    return variations


# ---------------------------------------------------------------------- real roots of R


class _Root:
    """A real root of an irreducible factor, in a rational interval ``[a, b]``."""

    __slots__ = ("a", "b", "factor", "index", "sa", "vec")

    def __init__(self, factor: int, index: int, vec: list[mpq], a: mpq, b: mpq) -> None:
        self.factor = factor
        self.index = index
        self.vec = vec
        self.a = a
        self.b = b
        self.sa = _sgn(horner(vec, a)) if a != b else 0

    def halve(self) -> None:
        if self.a != self.b:
            self.a, self.b = bisect_root(self.vec, self.a, self.b, self.sa, (self.b - self.a) / 2)


def _isolate(factors: list[sp.Poly]) -> list[_Root]:
    """Real roots of pairwise coprime irreducible factors, in disjoint intervals, sorted."""
    roots = []
    for f_idx, f in enumerate(factors):
        vec = poly_to_vec(f, f.degree() + 1)
        if f.degree() == 1:
            r = -vec[0] / vec[1]
            roots.append(_Root(f_idx, 0, vec, r, r))
            continue
        for r_idx, (a, b) in enumerate(isolate_real_roots(f)):
            roots.append(_Root(f_idx, r_idx, vec, a, b))
    while True:
        roots.sort(key=lambda r: (r.a, r.b))
        clashes = [(x, y) for x, y in itertools.pairwise(roots) if x.b >= y.a]
        if not clashes:
            return roots
        for x, y in clashes:
            x.halve()
            y.halve()


def _simplest_between(lo: mpq, hi: mpq) -> mpq:
    """The rational with the smallest denominator (then numerator) in the open ``(lo, hi)``."""
    if lo < 0 < hi:
        return mpq(0)
    if hi <= 0:
        return -_simplest_between(-hi, -lo)
    # 0 <= lo < hi: continued fraction expansion of the simplest rational
    fl = int(lo.numerator) // int(lo.denominator)
    if fl + 1 < hi:
        return mpq(fl + 1)
    if lo == fl:
        # (fl, hi) with hi <= fl + 1: fl + 1/s with s > 1/(hi - fl)
        s = 1 / (hi - fl)
        return fl + 1 / mpq(int(s.numerator) // int(s.denominator) + 1)
    return fl + 1 / _simplest_between(1 / (hi - fl), 1 / (lo - fl))


# ---------------------------------------------------------------------- public API


def hessian_spectrum(point: AlgebraicPoint, hessian: Any) -> Spectrum:
    """The exact spectrum of a symmetric Hessian at an algebraic point.

    Parameters
    ----------
    point
        The point; coordinates in Q(alpha).
    hessian
        Square symmetric ``sp.Matrix`` of polynomials in ``point.params`` with rational
        coefficients (typically ``sp.hessian(loss, params)``).

    Returns
    -------
    Spectrum
        Distinct eigenvalues (exact values, minimal polynomials, multiplicities,
        isolating intervals), sorted decreasing, and the inertia.

    Raises
    ------
    ValueError
        If the matrix is not square, has non-polynomial entries, or is not symmetric at
        the point.
    """
    chi = _CharPoly(point, hessian)
    n = chi.n

    norm = chi.norm()
    factors = [f.monic() for f, _e in norm.factor_list()[1] if f.degree() > 0]
    roots = _isolate(factors)

    # gaps[g] lies strictly between roots[g - 1] and roots[g]; N(gaps[0]) = n, N(top) = 0.
    m = len(roots)
    gap_points = [None] + [_simplest_between(roots[g - 1].b, roots[g].a) for g in range(1, m)]
    above: dict[int, int] = {0: n, m: 0}
    multiplicities = [0] * m

    def solve(lo: int, hi: int) -> None:
        if above[lo] == above[hi]:
            return
        if hi == lo + 1:
            multiplicities[lo] = above[lo] - above[hi]
            return
        mid = (lo + hi) // 2
        above[mid] = chi.count_above(gap_points[mid])
        solve(lo, mid)
        solve(mid, hi)

    solve(0, m)

    eigenvalues = []
    for root, mult in zip(roots, multiplicities, strict=True):
        if mult:
            eigenvalues.append(_make_eigenvalue(factors[root.factor], root, mult))
    eigenvalues.reverse()

    n_zero = chi.multiplicity_at(mpq(0))
    n_positive = chi.count_above(mpq(0))
    n_negative = n - n_positive - n_zero
    by_sign = {s: sum(e.multiplicity for e in eigenvalues if e.sign == s) for s in (-1, 0, 1)}
    if (by_sign[1], by_sign[0], by_sign[-1]) != (n_positive, n_zero, n_negative) or sum(
        multiplicities
    ) != n:
        raise RuntimeError(  # pragma: no cover - would be a bug in this module
            f"inconsistent spectrum: eigenvalue signs {by_sign}, Descartes "
            f"({n_positive}, {n_zero}, {n_negative})"
        )
    return Spectrum(tuple(eigenvalues), n_positive, n_zero, n_negative)


def count_eigenvalues_above(point: AlgebraicPoint, hessian: Any, c: Any) -> int:
    """The exact number of eigenvalues ``> c`` of a symmetric Hessian at a point.

    Parameters
    ----------
    point
        The point; coordinates in Q(alpha).
    hessian
        Square symmetric matrix of polynomials in ``point.params``.
    c
        An exact rational threshold (``int``, ``Fraction``, ``sp.Rational`` or string);
        floats are rejected.

    Returns
    -------
    int
        Count with multiplicity, from Descartes' rule of signs on ``chi(mu + c)`` (exact
        because all eigenvalues are real).
    """
    return _CharPoly(point, hessian).count_above(_to_mpq(_exact(c)))


# ---------------------------------------------------------------------- helpers


def _make_eigenvalue(factor: sp.Poly, root: _Root, multiplicity: int) -> Eigenvalue:
    degree = factor.degree()
    if degree == 1:
        value = sp.Rational(int(root.a.numerator), int(root.a.denominator))
    elif degree == 2:
        _one, b, c = factor.all_coeffs()
        disc = sp.sqrt(b * b / 4 - c)
        value = -b / 2 + (disc if root.index == 1 else -disc)
    else:
        value = sp.CRootOf(factor, root.index, radicals=False)
    if root.a != root.b:
        while root.a < 0 < root.b:  # make the sign readable from the enclosure
            root.halve()
    enclosure = (
        Fraction(int(root.a.numerator), int(root.a.denominator)),
        Fraction(int(root.b.numerator), int(root.b.denominator)),
    )
    return Eigenvalue(value, factor, multiplicity, enclosure)


def _sgn(x: Any) -> int:
    return (x > 0) - (x < 0)


def _exact(value: Any) -> sp.Rational:
    if isinstance(value, float | sp.Float):
        raise ValueError(f"floating-point value {value!r}; exact rationals are required")
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    result = value if isinstance(value, sp.Basic) else as_exact_number(value)
    if not result.is_Rational:
        raise ValueError(f"{value!r} is not an exact rational")
    return result


def _to_mpq(x: Any) -> mpq:
    r = sp.Rational(x)
    return mpq(int(r.p), int(r.q))
