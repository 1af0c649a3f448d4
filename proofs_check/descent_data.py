"""Exact helpers of the descent claims (:mod:`proofs_check.descent`): the
counterexample search, rational polynomials and quadratics with their smoothness
constants, and the Hypothesis draws of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp
from hypothesis import HealthCheck, Phase, currently_in_test_context, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from symstab.loss import Loss

from .core import Budget
from .strategies import known_quadratics

__all__ = ["FracPoly", "QuadraticData", "det", "draw_count", "fixed_quadratics", "frac",
           "fraction_text", "how_many", "minors_nonnegative", "norm2", "quadratic_draws",
           "search"]


# --------------------------------------------------------------------------------------
# Search and exact helpers
# --------------------------------------------------------------------------------------


def search(strategy: st.SearchStrategy[Any], violated: Callable[[Any], bool], examples: int,
           fallback: Sequence[Any] = ()) -> tuple[Any | None, int, bool]:
    """Search ``strategy`` for a draw with ``violated(draw)`` true.

    Parameters
    ----------
    strategy
        Hypothesis strategy of the draws.
    violated
        The exact (or certified) check of one draw.
    examples
        Hypothesis examples (deterministic: ``derandomize=True``, no database, no shrink).
    fallback
        Fixed draws checked first (and only these inside a running Hypothesis test,
        where a nested search is not allowed).

    Returns
    -------
    tuple
        ``(witness or None, draws checked, whether Hypothesis searched)``; a witness
        among the fixed draws is returned without a search.
    """
    count = [0]

    def counted(x: Any) -> bool:
        count[0] += 1
        return bool(violated(x))

    witness = next((x for x in fallback if counted(x)), None)
    if witness is not None or currently_in_test_context():
        return witness, count[0], False
    try:
        witness = find(strategy, counted, settings=settings(
            max_examples=examples, derandomize=True, database=None, deadline=None,
            phases=[Phase.generate], suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        return None, count[0], True
    return witness, count[0], True


def how_many(n: int, fixed: int, searched: bool) -> str:
    """How many draws a search checked, in words."""
    if searched:
        return f"{n} draws ({fixed} fixed, then Hypothesis)"
    return f"{n} fixed draws"


def draw_count(budget: Budget, share: int) -> int:
    """Hypothesis draws of a claim: a share of ``budget.examples`` (at least 5)."""
    return max(budget.examples // share, 5)


def frac(x: Any) -> Fraction:
    x = sp.Rational(x)
    return Fraction(int(x.p), int(x.q))


def fraction_text(x: Fraction) -> str:
    return str(x) if x.denominator < 10**12 else f"{float(x):.12g}"


class FracPoly:
    """A polynomial with rational coefficients, evaluated exactly on Fractions.

    Parameters
    ----------
    expr, params
        A polynomial SymPy expression and its variables.
    """

    def __init__(self, expr: sp.Expr, params: Sequence[sp.Symbol]) -> None:
        poly = sp.Poly(expr, *params)
        self.n = len(params)
        self.terms = [(m, frac(c)) for m, c in poly.terms()]
        self.grad_terms = []
        for i in range(self.n):
            d = poly.diff(params[i])
            self.grad_terms.append([(m, frac(c)) for m, c in d.terms()])

    @staticmethod
    def _eval(terms: list[tuple[tuple[int, ...], Fraction]], x: Sequence[Fraction]) -> Fraction:
        total = Fraction(0)
        for m, c in terms:
            v = c
            for xi, k in zip(x, m, strict=True):
                if k:
                    v *= xi**k
            total += v
        return total

    def value(self, x: Sequence[Fraction]) -> Fraction:
        """f(x), exactly."""
        return self._eval(self.terms, x)

    def gradient(self, x: Sequence[Fraction]) -> list[Fraction]:
        """∇f(x), exactly."""
        return [self._eval(t, x) for t in self.grad_terms]


def norm2(v: Sequence[Fraction]) -> Fraction:
    return sum((a * a for a in v), Fraction(0))


def det(m: list[list[Fraction]]) -> Fraction:
    """Exact determinant of a small rational matrix (Laplace expansion)."""
    if len(m) == 1:
        return m[0][0]
    return sum(((-1) ** j * m[0][j] * det([row[:j] + row[j + 1:] for row in m[1:]])
                for j in range(len(m))), Fraction(0))


def minors_nonnegative(m: list[list[Fraction]]) -> bool:
    """Exact PSD test of a small symmetric rational matrix: all principal minors >= 0."""
    from itertools import combinations

    n = len(m)
    return all(det([[m[i][j] for j in idx] for i in idx]) >= 0
               for k in range(1, n + 1) for idx in combinations(range(n), k))


@dataclass(frozen=True)
class QuadraticData:
    """A drawn quadratic f = ½(θ − θ*)ᵀA(θ − θ*) in exact rationals.

    Attributes
    ----------
    A, star, eigenvalues, Q
        Hessian, minimiser, eigenvalues (in the order of Q's columns) and the orthogonal
        eigenvector matrix (A = Q diag(eigenvalues) Qᵀ).
    loss
        The drawn loss.
    """

    A: tuple[tuple[Fraction, ...], ...]
    star: tuple[Fraction, ...]
    eigenvalues: tuple[Fraction, ...]
    Q: tuple[tuple[Fraction, ...], ...]
    loss: Loss

    @classmethod
    def of(cls, known: Any) -> QuadraticData:
        """From a :class:`proofs_check.strategies.KnownQuadratic`."""
        n = known.hessian.rows
        A = tuple(tuple(frac(known.hessian[i, j]) for j in range(n)) for i in range(n))
        Qm = tuple(tuple(frac(known.rotation[i, j]) for j in range(n)) for i in range(n))
        # the eigenvalue of column j of Q (A Q = Q diag); sorted ascending by construction
        lams = []
        for j in range(n):
            col = [Qm[i][j] for i in range(n)]
            Av = [sum((A[i][k] * col[k] for k in range(n)), Fraction(0)) for i in range(n)]
            k = next(i for i in range(n) if col[i] != 0)
            lams.append(Av[k] / col[k])
        return cls(A, tuple(frac(s) for s in known.minimizer), tuple(lams), Qm, known.loss)

    @property
    def L(self) -> Fraction:
        """λmax(A)."""
        return max(self.eigenvalues)

    def top(self) -> tuple[Fraction, ...]:
        """A unit eigenvector (exact) of λmax."""
        j = max(range(len(self.eigenvalues)), key=lambda i: self.eigenvalues[i])
        return tuple(row[j] for row in self.Q)

    def grad(self, x: Sequence[Fraction]) -> list[Fraction]:
        """A(x − θ*)."""
        d = [a - b for a, b in zip(x, self.star, strict=True)]
        return [sum((r[k] * d[k] for k in range(len(d))), Fraction(0)) for r in self.A]

    def value(self, x: Sequence[Fraction]) -> Fraction:
        """½(x − θ*)ᵀA(x − θ*)."""
        d = [a - b for a, b in zip(x, self.star, strict=True)]
        return sum((a * b for a, b in zip(d, self.grad(x), strict=True)), Fraction(0)) / 2

    def coords(self, x: Sequence[Fraction]) -> list[Fraction]:
        """Eigen-coordinates Qᵀ(x − θ*) (exact: Q is rational orthogonal)."""
        d = [a - b for a, b in zip(x, self.star, strict=True)]
        n = len(d)
        return [sum((self.Q[i][j] * d[i] for i in range(n)), Fraction(0)) for j in range(n)]

    def verified(self) -> bool:
        """The loss is a polynomial of degree <= 2 whose exact gradient is A(θ − θ*) (an
        affine map, so checking it at θ* and θ* + e_j decides it)."""
        if sp.Poly(self.loss.expr, *self.loss.params).total_degree() > 2:
            return False
        p = FracPoly(self.loss.expr, self.loss.params)
        if any(g != 0 for g in p.gradient(self.star)):
            return False
        n = len(self.star)
        for j in range(n):  # ∇f(θ* + e_j) = A e_j
            e = [self.star[i] + (1 if i == j else 0) for i in range(n)]
            if p.gradient(e) != [self.A[i][j] for i in range(n)]:
                return False
        return True

    def step(self, x: Sequence[Fraction], h: Fraction) -> list[Fraction]:
        """θ − h∇f(θ)."""
        return [a - h * g for a, g in zip(x, self.grad(x), strict=True)]


def quadratic_draws(n: int = 2) -> st.SearchStrategy[QuadraticData]:
    return known_quadratics(n).map(QuadraticData.of)


def fixed_quadratics() -> list[QuadraticData]:
    """Two fixed quadratics (the fixed draws checked before each search)."""
    x, y = sp.symbols("x y", real=True)
    out = []
    for lams, s in (((1, 3), sp.Rational(1, 2)), ((sp.Rational(1, 4), 2), sp.Integer(-1))):
        S = sp.Matrix([[0, s], [-s, 0]])
        Qm = (sp.eye(2) - S) * (sp.eye(2) + S).inv()
        A = Qm * sp.diag(*lams) * Qm.T
        star = (sp.Rational(1, 2), sp.Rational(-1, 3))
        d = sp.Matrix([x - star[0], y - star[1]])
        loss = Loss.from_expr(sp.expand((d.T * A * d)[0] / 2), (x, y), name="fixed quadratic")

        class Known:
            hessian, rotation, minimizer = sp.ImmutableMatrix(A), sp.ImmutableMatrix(Qm), star

        Known.loss = loss  # type: ignore[attr-defined]
        out.append(QuadraticData.of(Known))
    return out


