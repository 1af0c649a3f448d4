"""Real solutions of binomial systems on the torus, from the exponent matrix alone.

An equation ``c·x^a + d·x^b = 0`` with ``c, d ≠ 0`` is, on the torus (every
``x_i ≠ 0``), the monomial equation ``x^(a − b) = −d/c``. A system of them is
``x^(A) = γ``: row ``j`` of the integer matrix ``A`` is an exponent vector,
``γ_j`` a nonzero rational. Its complex solutions on the torus form a coset of
a subgroup of dimension ``k − rank A`` (``k`` unknowns), so they are isolated
exactly when ``rank A = k``; then the real ones split into

* magnitudes: ``A·log|x| = log|γ|``, one solution ``|x_i| = ∏_j |γ_j|^(M_ij)``
  with ``M`` the inverse of ``k`` independent rows of ``A`` (the other rows are
  checked exactly: they must hold for that solution, else there is none), and
* signs: ``x_i = (−1)^(σ_i)|x_i|`` with ``A σ ≡ s (mod 2)``, ``s_j = 1`` iff
  ``γ_j < 0``: a linear system over GF(2), solved by elimination.

No Gröbner basis, no floating point: rational arithmetic and rational powers of
rationals. This is how the critical points of λmax on the minima of a deep
chain ½(1 − x1⋯xD)² are found (each ``u_i ∂λ/∂u_i`` is a binomial there).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from math import lcm

import sympy as sp

__all__ = ["BinomialSystem", "binomial_system", "real_torus_points"]


@dataclass(frozen=True)
class BinomialSystem:
    """``x^(rows[j]) = rhs[j]`` for every ``j``, on the torus in ``gens``.

    Attributes
    ----------
    gens
        The unknowns.
    rows
        Integer exponent vectors, one per equation (``len(gens)`` entries each).
    rhs
        Nonzero rationals, one per equation.
    inconsistent
        ``True`` when some equation has no solution on the torus (a nonzero monomial
        or constant), so the system has none.
    """

    gens: tuple[sp.Symbol, ...]
    rows: tuple[tuple[int, ...], ...]
    rhs: tuple[sp.Rational, ...]
    inconsistent: bool = False


def binomial_system(polys: Sequence[sp.Expr | sp.Poly],
                    gens: Sequence[sp.Symbol]) -> BinomialSystem | None:
    """Read polynomials with rational coefficients as a binomial system on the torus.

    Parameters
    ----------
    polys
        Polynomials in ``gens`` with rational coefficients.
    gens
        The unknowns.

    Returns
    -------
    BinomialSystem or None
        ``None`` if some polynomial has three or more terms (not binomial); zero
        polynomials are dropped; a polynomial with one term makes the system
        ``inconsistent`` (no solution with every coordinate nonzero).
    """
    gens = tuple(gens)
    rows: list[tuple[int, ...]] = []
    rhs: list[sp.Rational] = []
    for p in polys:
        poly = p if isinstance(p, sp.Poly) else sp.Poly(p, *gens, domain=sp.QQ)
        terms = poly.terms()
        if poly.is_zero:
            continue
        if len(terms) == 1:
            return BinomialSystem(gens, (), (), inconsistent=True)
        if len(terms) > 2:
            return None
        (a, c), (b, d) = terms
        rows.append(tuple(i - j for i, j in zip(a, b, strict=True)))
        rhs.append(sp.Rational(-d) / sp.Rational(c))
    return BinomialSystem(gens, tuple(rows), tuple(rhs))


def _independent_rows(rows: Sequence[tuple[int, ...]], k: int) -> list[int] | None:
    """Indices of ``k`` linearly independent rows (greedy, first ones first), or ``None``
    if the rank is less than ``k``."""
    chosen: list[int] = []
    for j in range(len(rows)):
        trial = sp.Matrix([rows[i] for i in [*chosen, j]])
        if trial.rank() == len(chosen) + 1:
            chosen.append(j)
            if len(chosen) == k:
                return chosen
    return None


def _power_product(bases: Sequence[sp.Rational], exponents: Sequence[sp.Rational]) -> sp.Expr:
    """∏ bases[j] ** exponents[j] for positive rational bases (SymPy's canonical form)."""
    return sp.Mul(*(b**e for b, e in zip(bases, exponents, strict=True) if e != 0))


def _holds_exactly(bases: Sequence[sp.Rational], exponents: Sequence[sp.Rational],
                   target: sp.Rational) -> bool:
    """Whether ∏ bases[j] ** exponents[j] = target, by integer powers: raise both sides
    to the common denominator L of the exponents (all numbers positive)."""
    big = lcm(*(int(sp.Rational(e).q) for e in exponents)) if exponents else 1
    left = sp.Integer(1)
    for b, e in zip(bases, exponents, strict=True):
        left *= b ** int(e * big)
    return bool(left == target**big)


def _gf2_solutions(rows: Sequence[tuple[int, ...]], rhs: Sequence[int],
                   k: int) -> list[tuple[int, ...]]:
    """Every σ ∈ {0, 1}^k with rows·σ ≡ rhs (mod 2), by Gaussian elimination over GF(2)."""
    matrix = [[v % 2 for v in row] + [b % 2] for row, b in zip(rows, rhs, strict=True)]
    pivots: list[int] = []
    r = 0
    for col in range(k):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][col]), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        for i in range(len(matrix)):
            if i != r and matrix[i][col]:
                matrix[i] = [x ^ y for x, y in zip(matrix[i], matrix[r], strict=True)]
        pivots.append(col)
        r += 1
    if any(not any(row[:k]) and row[k] for row in matrix):
        return []
    free = [c for c in range(k) if c not in pivots]
    out = []
    for values in itertools.product((0, 1), repeat=len(free)):
        sigma = [0] * k
        for c, v in zip(free, values, strict=True):
            sigma[c] = v
        for i, col in enumerate(pivots):
            row = matrix[i]
            sigma[col] = (row[k] + sum(row[c] * sigma[c] for c in free)) % 2
        out.append(tuple(sigma))
    return out


def real_torus_points(system: BinomialSystem) -> list[tuple[sp.Expr, ...]]:
    """The real isolated solutions of a binomial system with every coordinate nonzero.

    Parameters
    ----------
    system
        From :func:`binomial_system`.

    Returns
    -------
    list of tuple of sp.Expr
        Exact points (rationals, or products of rational powers of rationals), in
        ``system.gens`` order, sorted by their sign patterns. Empty when the system has
        no solution on the torus or when its solutions there are not isolated (rank of
        the exponent matrix below the number of unknowns: every complex solution then
        lies on a coset of a positive-dimensional subtorus, whose real points are not
        isolated either).
    """
    k = len(system.gens)
    if system.inconsistent:
        return []
    basis = _independent_rows(system.rows, k) if system.rows else None
    if basis is None:
        return []
    sizes = [abs(system.rhs[j]) for j in basis]
    inverse = sp.Matrix([system.rows[j] for j in basis]).inv()
    for j, row in enumerate(system.rows):
        if j in basis:
            continue
        weights = list(sp.Matrix([row]) * inverse)
        if not _holds_exactly(sizes, weights, abs(system.rhs[j])):
            return []
    magnitudes = [_power_product(sizes, list(inverse.row(i))) for i in range(k)]
    signs = _gf2_solutions(system.rows, [1 if c.is_negative else 0 for c in system.rhs], k)
    return [tuple(-m if s else m for m, s in zip(magnitudes, sigma, strict=True))
            for sigma in sorted(signs)]
