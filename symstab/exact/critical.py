"""Exact critical sets of polynomial losses.

The critical set of a polynomial loss is the variety ``V(grad f)``. It is
decomposed with a *factorizing Gröbner basis* over Q:

1. The input polynomials are factored; a reducible input ``f = g h ...`` splits
   the system into one branch per irreducible factor (``V(F) = ∪ V(F - f + g)``).
   When every input is irreducible the reduced Gröbner basis (grevlex) is
   computed, and if one of its elements factors the splitting starts again.
2. A system whose reduced basis has only irreducible elements is a *leaf*. A
   positive-dimensional leaf that is not a complete intersection is made
   equidimensional by saturation (Gianni–Trager–Zacharias): with ``U`` a maximal
   independent set and ``h`` the product of the leading coefficients of a
   lex basis over ``Q[U]``, ``V(I) = V(I : h^∞) ∪ V(I + (h))`` and ``I : h^∞`` is
   pure-dimensional. So no isolated point can hide inside a positive-dimensional
   leaf. Leaves whose variety lies in another leaf's variety are dropped
   (exact radical-membership test by the Rabinowitsch trick).
3. Zero-dimensional leaves are split into prime ideals in shape position
   ``{x_i - q_i(t)} ∪ {p(t)}`` with ``p`` irreducible (``t`` a variable or a
   separating linear form). Every real root of ``p`` is one exact
   :class:`~symstab.exact.algebraic.AlgebraicPoint`.
4. A point lying on a positive-dimensional component is not isolated and is
   dropped; the test composes the component's equations with the point's
   coordinates and reduces modulo ``p`` (exact because ``p`` is irreducible,
   so conjugate points are on or off a Q-defined component together).

No floating-point number is used in any decision; floats only order the output.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp
from sympy.polys.orderings import grevlex
from sympy.polys.polyerrors import CoercionFailed, GeneratorsError, NotAlgebraic, PolynomialError
from sympy.polys.rings import PolyElement, PolyRing
from sympy.polys.rings import ring as sparse_ring

from symstab.budget import time_limit as _time_limit
from symstab.exact.algebraic import AlgebraicPoint, T
from symstab.parse import as_exact_number

__all__ = ["Component", "CriticalSet", "critical_set"]

QQ = sp.QQ

#: Small rationals tried, in this order, for the independent variables of a
#: component when looking for a real witness point.
_WITNESS_VALUES: tuple[sp.Rational, ...] = tuple(
    sp.Rational(v) for v in ("1", "-1", "2", "1/2", "-2", "0", "3", "-1/2", "-3", "1/3")
)
#: At most this many value tuples are tried per component.
_WITNESS_TRIES = 40
#: At most this many separating linear forms are tried per zero-dimensional ideal.
_LINEAR_FORM_TRIES = 200


# ---------------------------------------------------------------------------
# Public result types
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """A positive-dimensional piece of the complex critical set.

    Attributes
    ----------
    params
        The loss parameters (the variables of ``equations``), in order.
    equations
        Reduced Gröbner basis over Q (grevlex in ``params`` order) of the piece,
        each element with primitive integer coefficients and a positive leading
        coefficient. Every element is irreducible over Q.
    dimension
        Dimension of the piece (over C), at least 1.
    real_witness
        An exact real point on the piece (one expression per parameter), or
        ``None`` if none was found by specialising the independent variables to
        a few small rationals (e.g. the piece has no real points at all).
    """

    params: tuple[sp.Symbol, ...]
    equations: tuple[sp.Expr, ...]
    dimension: int
    real_witness: tuple[sp.Expr, ...] | None

    def contains(self, point_exprs: AlgebraicPoint | Sequence[sp.Expr]) -> bool:
        """Decide exactly whether a point lies on this component.

        Parameters
        ----------
        point_exprs
            Either an :class:`AlgebraicPoint` (its ``params`` must contain this
            component's parameters) or one exact expression per parameter, in
            ``params`` order (rationals, radicals, ``CRootOf`` ...).

        Returns
        -------
        bool
            ``True`` iff every equation vanishes at the point.

        Raises
        ------
        ValueError
            If the point has the wrong length, contains floats, or is not an
            algebraic number.
        """
        if isinstance(point_exprs, AlgebraicPoint):
            pt = point_exprs
            index = {p: i for i, p in enumerate(pt.params)}
            missing = [p for p in self.params if p not in index]
            if missing:
                raise ValueError(f"point has no coordinate for parameter(s) {missing}")
            coords = tuple(_as_t_poly(pt.coords[index[p]]) for p in self.params)
            minpoly = _as_t_poly(pt.minpoly)
            gens = self.params
            return all(
                _eval_mod(sp.Poly(eq, *gens, domain=QQ), coords, minpoly).is_zero
                for eq in self.equations
            )
        if any(isinstance(v, float | sp.Float) for v in point_exprs):
            raise ValueError("point coordinates must be exact, not floats")
        values = tuple(as_exact_number(v, "coordinate") for v in point_exprs)
        if len(values) != len(self.params):
            raise ValueError(f"point has {len(values)} coordinates, expected {len(self.params)}")
        if any(v.atoms(sp.Float) for v in values):
            raise ValueError("point coordinates must be exact (no floats)")
        subs = dict(zip(self.params, values, strict=True))
        return all(_is_exact_zero(eq.xreplace(subs)) for eq in self.equations)


@dataclass(frozen=True)
class CriticalSet:
    """The critical set of a polynomial loss, decomposed exactly.

    Attributes
    ----------
    params
        The loss parameters, in order.
    points
        All real isolated critical points; none of them lies on a component.
    components
        The positive-dimensional pieces (irreducible leaves of the factorizing
        Gröbner basis), including those with no real point found.
    n_complex_points
        Number of non-real isolated critical points (over C).
    """

    params: tuple[sp.Symbol, ...]
    points: tuple[AlgebraicPoint, ...]
    components: tuple[Component, ...]
    n_complex_points: int


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def critical_set(
    gradient: Sequence[sp.Expr],
    params: tuple[sp.Symbol, ...],
    *,
    time_limit: float | None = None,
) -> CriticalSet:
    """Compute the exact critical set ``{grad f = 0}`` of a polynomial loss.

    Parameters
    ----------
    gradient
        The partial derivatives of the loss, one per parameter: polynomials in
        ``params`` with rational coefficients.
    params
        Distinct parameter symbols.
    time_limit
        Wall-clock budget in seconds for the whole computation; ``None`` for
        no limit.

    Returns
    -------
    CriticalSet
        Real isolated points (exact), positive-dimensional components, and the
        number of non-real isolated points.

    Raises
    ------
    ValueError
        If an entry is not a polynomial in ``params`` with rational
        coefficients, or the parameters are not distinct symbols, or the
        number of entries differs from the number of parameters.
    symstab.errors.BudgetExceeded
        If ``time_limit`` is exceeded.
    """
    params = tuple(params)
    gradient = list(gradient)
    if len(gradient) != len(params):
        raise ValueError(
            f"gradient has {len(gradient)} entries but there are {len(params)} parameters"
        )
    polys = _validate(gradient, params)
    with _time_limit(time_limit, "critical set computation"):
        return _solve_system(polys, params)


def _validate(exprs: Sequence[sp.Expr], params: tuple[sp.Symbol, ...]) -> list[sp.Poly]:
    """Turn the gradient entries into ``sp.Poly`` over QQ, rejecting anything else."""
    if not params:
        raise ValueError("at least one parameter is required")
    if not all(isinstance(p, sp.Symbol) for p in params):
        raise ValueError(f"parameters must be sympy Symbols, got {params!r}")
    if len(set(params)) != len(params):
        raise ValueError(f"parameters must be distinct, got {params!r}")
    polys = []
    for i, raw in enumerate(exprs):
        if isinstance(raw, int | Fraction) and not isinstance(raw, bool):
            raw = as_exact_number(raw)
        if not isinstance(raw, sp.Basic):
            raise ValueError(f"gradient entry {i} is not a sympy expression: {raw!r}")
        expr = raw
        if not isinstance(expr, sp.Expr):
            raise ValueError(f"gradient entry {i} is not an expression: {expr!r}")
        if expr.atoms(sp.Float):
            raise ValueError(
                f"gradient entry {i} has floating-point coefficients (need rationals): {expr}"
            )
        extra = expr.free_symbols - set(params)
        if extra:
            names = ", ".join(sorted(str(s) for s in extra))
            raise ValueError(f"gradient entry {i} involves unknown symbol(s) {names}: {expr}")
        try:
            poly = sp.Poly(expr, *params, domain=QQ)
        except (PolynomialError, CoercionFailed, GeneratorsError) as exc:
            raise ValueError(
                f"gradient entry {i} is not a polynomial with rational coefficients: {expr}"
            ) from exc
        polys.append(poly)
    return polys


def _solve_system(polys: Sequence[sp.Poly], params: tuple[sp.Symbol, ...]) -> CriticalSet:
    """Decompose ``V(polys)`` into real isolated points and components."""
    gens = tuple(params)
    leaves = _decompose(polys, gens)
    positive = [leaf for leaf in leaves if leaf.dim > 0]
    zero = [leaf for leaf in leaves if leaf.dim == 0]
    positive = _drop_contained(positive, gens)

    primes: dict[tuple[sp.Poly, ...], _Prime] = {}
    for leaf in zero:
        if any(all(_reduces_to_zero(g, leaf.gb, gens) for g in comp.gb) for comp in positive):
            continue  # cheap sufficient test: (comp) ⊆ (leaf), so V(leaf) ⊆ V(comp)
        for prime in _zero_dim_primes(leaf.gb, gens):
            primes.setdefault(prime.key, prime)

    points: list[AlgebraicPoint] = []
    n_complex = 0
    for prime in primes.values():
        if any(_prime_on_leaf(prime, leaf, gens) for leaf in positive):
            continue
        n_real = prime.minpoly.count_roots()
        n_complex += prime.minpoly.degree() - n_real
        for k in range(n_real):
            points.append(AlgebraicPoint(gens, prime.minpoly, k, prime.coords))
    points.sort(key=_point_sort_key)

    components = tuple(
        Component(
            params=gens,
            equations=tuple(_primitive_expr(g) for g in leaf.gb),
            dimension=leaf.dim,
            real_witness=_real_witness(leaf, gens),
        )
        for leaf in sorted(positive, key=lambda lf: (-lf.dim, len(lf.gb), _gb_sort_key(lf.gb)))
    )
    return CriticalSet(gens, tuple(points), components, n_complex)


# ---------------------------------------------------------------------------
# Polynomial helpers
# ---------------------------------------------------------------------------


def _leading_coeff(p: sp.Poly) -> sp.Rational:
    """Leading coefficient w.r.t. grevlex (the usual one for univariate polynomials)."""
    return p.LC() if len(p.gens) == 1 else p.coeffs(order="grevlex")[0]


def _leading_monom(p: sp.Poly) -> tuple[int, ...]:
    """Leading exponent vector w.r.t. grevlex."""
    return p.monoms()[0] if len(p.gens) == 1 else p.monoms(order="grevlex")[0]


def _monic(p: sp.Poly) -> sp.Poly:
    """Monic (w.r.t. grevlex) copy of a nonzero polynomial over QQ."""
    lc = _leading_coeff(p)
    return p.quo_ground(lc) if lc != 1 else p


def _primitive_expr(p: sp.Poly) -> sp.Expr:
    """Expression with primitive integer coefficients and positive grevlex leading coeff."""
    _, q = p.clear_denoms(convert=True)
    _, q = q.primitive()
    if _leading_coeff(q) < 0:
        q = -q
    return q.as_expr()


def _gb_sort_key(gb: Iterable[sp.Poly]) -> tuple[str, ...]:
    return tuple(sorted(str(p.as_expr()) for p in gb))


def _irreducible_factors(p: sp.Poly) -> list[sp.Poly]:
    """Distinct monic irreducible nonconstant factors of ``p`` over QQ."""
    _, factors = p.factor_list()
    return [_monic(f.set_domain(QQ)) for f, _ in factors if not f.is_ground]


def _groebner(polys: Iterable[sp.Poly], gens: Sequence[sp.Symbol], order: str) -> list[sp.Poly]:
    """Reduced Gröbner basis over QQ as a list of ``sp.Poly`` in ``gens``."""
    exprs = [p.as_expr() if isinstance(p, sp.Poly) else p for p in polys]
    basis = sp.groebner(exprs, *gens, order=order, domain=QQ)
    return [sp.Poly(e, *gens, domain=QQ) for e in basis.exprs]


def _lex_basis_zero_dim(
    polys: Iterable[sp.Poly | sp.Expr], gens: Sequence[sp.Symbol]
) -> list[sp.Poly]:
    """Reduced lex basis of a zero-dimensional ideal, via grevlex and FGLM."""
    exprs = [p.as_expr() if isinstance(p, sp.Poly) else p for p in polys]
    basis = sp.groebner(exprs, *gens, order="grevlex", domain=QQ)
    if basis.is_zero_dimensional:
        basis = basis.fglm("lex")
    else:  # pragma: no cover - callers only pass zero-dimensional ideals
        basis = sp.groebner(exprs, *gens, order="lex", domain=QQ)
    return [sp.Poly(e, *gens, domain=QQ) for e in basis.exprs]


def _is_unit(basis: Sequence[sp.Poly]) -> bool:
    return any(p.is_ground and not p.is_zero for p in basis)


def _as_t_poly(p: sp.Poly | sp.Expr) -> sp.Poly:
    expr = p.as_expr() if isinstance(p, sp.Poly) else p
    return sp.Poly(expr, T, domain=QQ)


def _eval_mod(g: sp.Poly, coords: Sequence[sp.Poly], minpoly: sp.Poly) -> sp.Poly:
    """``g(coords) mod minpoly`` as a polynomial in :data:`T`."""
    zero = sp.Poly(0, T, domain=QQ)
    powers: list[list[sp.Poly]] = [[sp.Poly(1, T, domain=QQ)] for _ in coords]

    def power(i: int, k: int) -> sp.Poly:
        cache = powers[i]
        while len(cache) <= k:
            cache.append(cache[-1].mul(coords[i]).rem(minpoly))
        return cache[k]

    total = zero
    for monom, coeff in g.terms():
        term = sp.Poly(coeff, T, domain=QQ)
        for i, k in enumerate(monom):
            if k:
                term = term.mul(power(i, k)).rem(minpoly)
        total = total.add(term)
    return total.rem(minpoly)


def _is_exact_zero(value: sp.Expr) -> bool:
    """Exact zero test for an algebraic number given as an expression."""
    value = sp.expand(value)
    if value.is_Rational:
        return bool(value == 0)
    if value.free_symbols:
        raise ValueError(f"point value is not a number: {value}")
    x = sp.Dummy("x")
    try:
        mp = sp.minimal_polynomial(value, x)
    except (NotImplementedError, NotAlgebraic) as exc:
        raise ValueError(f"cannot decide exactly whether {value} is zero") from exc
    return bool(sp.expand(mp - x) == 0)


# ---------------------------------------------------------------------------
# Factorizing Gröbner basis
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Leaf:
    """A reduced grevlex Gröbner basis with irreducible elements."""

    gb: tuple[sp.Poly, ...]
    dim: int
    indep: tuple[int, ...]  # indices of a maximal independent set of variables


def _dimension(basis: Sequence[sp.Poly], n: int) -> tuple[int, tuple[int, ...]]:
    """Dimension and a maximal independent set from the leading monomials.

    A set ``U`` of variables is independent modulo the leading-term ideal when
    no leading monomial involves only variables of ``U``; the dimension is the
    largest size of such a set.
    """
    supports = [frozenset(i for i, e in enumerate(_leading_monom(p)) if e) for p in basis]
    for size in range(n, -1, -1):
        for subset in itertools.combinations(range(n - 1, -1, -1), size):
            chosen = frozenset(subset)
            if all(not s <= chosen for s in supports):
                return size, tuple(sorted(chosen))
    raise AssertionError("unreachable: the empty set is always independent unless 1 ∈ I")


def _decompose(polys: Sequence[sp.Poly], gens: tuple[sp.Symbol, ...]) -> list[_Leaf]:
    """Leaves of the factorizing Gröbner basis of ``polys`` (deduplicated).

    The union of the leaves' varieties is ``V(polys)``; every positive-dimensional
    leaf is pure-dimensional.
    """
    n = len(gens)
    seen: set[frozenset[sp.Poly]] = set()
    leaves: dict[tuple[sp.Poly, ...], _Leaf] = {}
    factor_cache: dict[sp.Poly, list[sp.Poly]] = {}
    key_cache: dict[sp.Poly, tuple[int, str]] = {}

    def order_key(p: sp.Poly) -> tuple[int, str]:
        """Deterministic order in which inputs are tried for factoring (low degree first)."""
        if p not in key_cache:
            key_cache[p] = (p.total_degree(), str(p.rep.to_list()))
        return key_cache[p]

    def factors(p: sp.Poly) -> list[sp.Poly]:
        if p not in factor_cache:
            factor_cache[p] = _irreducible_factors(p)
        return factor_cache[p]

    def normalise(items: Iterable[sp.Poly]) -> frozenset[sp.Poly] | None:
        out = set()
        for p in items:
            if p.is_zero:
                continue
            if p.is_ground:
                return None  # a nonzero constant: empty variety
            out.add(_monic(p))
        return frozenset(out)

    def visit(system: frozenset[sp.Poly] | None) -> None:
        if system is None or system in seen:
            return
        seen.add(system)
        # an equation with a factor that is itself an equation of the system is
        # redundant (it lies in the ideal of that factor): drop it before splitting
        redundant = {f for f in system
                     if any(g != f and g in system for g in factors(f))}
        if redundant:
            visit(system - redundant)
            return
        for f in sorted(system, key=order_key):
            fs = factors(f)
            if len(fs) != 1 or fs[0] != f:
                rest = system - {f}
                for g in fs:
                    visit(normalise(rest | {g}))
                return
        if not system:
            # No equations at all: the whole space.
            leaves.setdefault((), _Leaf((), n, tuple(range(n))))
            return
        basis = _groebner(system, gens, "grevlex")
        if _is_unit(basis):
            return
        key = normalise(basis)
        if key != system:
            visit(key)
            return
        gb = tuple(sorted(key, key=lambda p: grevlex(_leading_monom(p)), reverse=True))
        if gb in leaves:
            return
        dim, indep = _dimension(gb, n)
        if dim > 0 and len(gb) > n - dim:
            # Not a complete intersection: maybe mixed-dimensional. Split off
            # everything outside the generic part over Q(U).
            h, saturated = _equidimensional_part(gb, gens, indep)
            if saturated is not None:
                visit(normalise(saturated))
                visit(normalise([*gb, h]))
                return
        leaves[gb] = _Leaf(gb, dim, indep)

    visit(normalise(polys))
    return list(leaves.values())


def _equidimensional_part(
    gb: Sequence[sp.Poly], gens: tuple[sp.Symbol, ...], indep: tuple[int, ...]
) -> tuple[sp.Poly, list[sp.Poly] | None]:
    """Return ``(h, I : h^∞)``, or ``(h, None)`` when ``I : h^∞ = I``.

    ``U = gens[indep]`` is a maximal independent set of ``I = (gb)``; ``h`` is the
    least common multiple of the leading coefficients (in ``Q[U]``) of a lex
    basis with the other variables first. ``I : h^∞`` is pure-dimensional and
    ``V(I) = V(I : h^∞) ∪ V(I + (h))``.
    """
    u_vars = [gens[i] for i in indep]
    rest = [g for g in gens if g not in u_vars]
    lex = _groebner(gb, [*rest, *u_vars], "lex")
    h = sp.Integer(1)
    for p in lex:
        lc = sp.Poly(p.as_expr(), *rest).LC(order="lex")
        h = sp.lcm(h, lc)
    h_poly = sp.Poly(h, *gens, domain=QQ)
    if h_poly.is_ground:
        return h_poly, None
    s = sp.Dummy("s")
    sat = _groebner([*(p.as_expr() for p in gb), 1 - s * h], [s, *gens], "lex")
    contracted = [sp.Poly(p.as_expr(), *gens, domain=QQ) for p in sat if s not in p.free_symbols]
    sat_gb = _groebner(contracted, gens, "grevlex")
    if {_monic(p) for p in sat_gb} == set(gb):
        return h_poly, None
    return h_poly, sat_gb


def _reduces_to_zero(g: sp.Poly, basis: Sequence[sp.Poly], gens: tuple[sp.Symbol, ...]) -> bool:
    """Whether ``g`` lies in the ideal of ``basis`` (a grevlex Gröbner basis): the remainder
    of the division in SymPy's sparse polynomial ring (what ``sympy.reduced`` computes)."""
    ring = grevlex_ring(tuple(gens))
    divisors = _ring_elements(tuple(basis), tuple(gens))
    return not _ring_element(g, ring).rem(list(divisors))


@functools.lru_cache(maxsize=64)
def grevlex_ring(gens: tuple[sp.Symbol, ...]) -> PolyRing:
    """Q[gens] with the grevlex order, as a sparse polynomial ring."""
    ring, *_ = sparse_ring(gens, QQ, grevlex)
    return ring


def _ring_element(p: sp.Poly, ring: PolyRing) -> PolyElement:
    return ring.from_dict({m: QQ.convert(c) for m, c in p.terms()})


@functools.lru_cache(maxsize=4096)
def _ring_elements(basis: tuple[sp.Poly, ...],
                   gens: tuple[sp.Symbol, ...]) -> tuple[PolyElement, ...]:
    ring = grevlex_ring(gens)
    return tuple(_ring_element(p, ring) for p in basis)


def _in_radical(g: sp.Poly, basis: Sequence[sp.Poly], gens: tuple[sp.Symbol, ...]) -> bool:
    """Whether ``g`` vanishes on ``V(basis)`` (``basis`` a grevlex Gröbner basis)."""
    if _reduces_to_zero(g, basis, gens):
        return True
    s = sp.Dummy("s")
    test = _groebner([*(p.as_expr() for p in basis), 1 - s * g.as_expr()], [*gens, s], "grevlex")
    return _is_unit(test)


def _variety_contained(a: _Leaf, b: _Leaf, gens: tuple[sp.Symbol, ...]) -> bool:
    """Whether ``V(a) ⊆ V(b)``."""
    if a.dim > b.dim:
        return False
    if _evidently_prime(a.gb):
        # the ideal of a is its own radical: membership is reduction to zero
        return all(_reduces_to_zero(g, a.gb, gens) for g in b.gb)
    return all(_in_radical(g, a.gb, gens) for g in b.gb)


def _evidently_prime(basis: Sequence[sp.Poly]) -> bool:
    """A sufficient test for a prime ideal: generated by linear forms (a linear space),
    or by one irreducible polynomial (Q[x] is a unique factorisation domain). Leaf bases
    have irreducible elements, so the second case is one element of any degree."""
    return len(basis) == 1 or all(p.total_degree() == 1 for p in basis)


def _drop_contained(leaves: list[_Leaf], gens: tuple[sp.Symbol, ...]) -> list[_Leaf]:
    """Remove leaves whose variety lies in another (kept) leaf's variety."""
    ordered = sorted(leaves, key=lambda lf: (-lf.dim, len(lf.gb), _gb_sort_key(lf.gb)))
    kept: list[_Leaf] = []
    for leaf in ordered:
        if any(_variety_contained(leaf, other, gens) for other in kept):
            continue
        # A later leaf of the same dimension may strictly contain an earlier one
        # only when the earlier one is a union of pieces; remove those too.
        kept = [
            other
            for other in kept
            if other.dim != leaf.dim or not _variety_contained(other, leaf, gens)
        ]
        kept.append(leaf)
    return kept


# ---------------------------------------------------------------------------
# Zero-dimensional ideals
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prime:
    """A zero-dimensional prime ideal in shape position.

    ``key`` is its reduced grevlex basis (monic, sorted); the points are
    ``(coords[0](alpha), ...)`` for the roots ``alpha`` of ``minpoly``.
    """

    key: tuple[sp.Poly, ...]
    minpoly: sp.Poly  # monic, irreducible, in T
    coords: tuple[sp.Poly, ...]  # in T, reduced mod minpoly


def _linear_forms(n: int) -> Iterable[tuple[int, ...]]:
    """Coefficient vectors ``c`` for ``t = x_last + sum c_i x_i`` (small integers first)."""
    count = 0
    for bound in itertools.count(1):
        for c in itertools.product(range(-bound, bound + 1), repeat=n - 1):
            if max((abs(v) for v in c), default=0) != bound and n > 1:
                continue
            if all(v == 0 for v in c) and n > 1:
                continue
            yield c
            count += 1
            if count >= _LINEAR_FORM_TRIES:
                return
        if n == 1:
            return


def _zero_dim_primes(basis: Sequence[sp.Poly], gens: tuple[sp.Symbol, ...]) -> list[_Prime]:
    """Prime components (in shape position) of a zero-dimensional ideal."""
    out: dict[tuple[sp.Poly, ...], _Prime] = {}
    seen: set[frozenset[sp.Poly]] = set()

    def split(current: list[sp.Poly], factor_exprs: list[sp.Expr]) -> None:
        for fe in factor_exprs:
            extended = _groebner([*current, sp.Poly(fe, *gens, domain=QQ)], gens, "grevlex")
            if not _is_unit(extended):
                visit(extended)

    def visit(gb: list[sp.Poly]) -> None:
        key_set = frozenset(_monic(p) for p in gb)
        if key_set in seen:
            return
        seen.add(key_set)
        key = tuple(sorted(key_set, key=lambda p: grevlex(_leading_monom(p)), reverse=True))
        exprs = [p.as_expr() for p in gb]
        n = len(gens)
        # Try each variable as the last one of a lex order.
        for j in range(n - 1, -1, -1):
            v = gens[j]
            order = [*gens[:j], *gens[j + 1 :], v]
            lex = _lex_basis_zero_dim(exprs, order)
            p = sp.Poly(lex[-1].as_expr(), v, domain=QQ)
            fs = _irreducible_factors(p)
            if len(fs) != 1 or fs[0].degree() != p.degree():
                split(gb, [f.as_expr() for f in fs])
                return
            shape = _shape(lex, order, v)
            if shape is not None:
                minpoly, qs = shape
                coords = [qs[g] if g != v else sp.Poly(T, T, domain=QQ) for g in gens]
                coords = [c.rem(minpoly) for c in coords]
                out.setdefault(key, _Prime(key, minpoly, tuple(coords)))
                return
        # No variable separates the points: use a linear form t.
        t = sp.Dummy("t")
        for c in _linear_forms(n):
            form = gens[-1] + sum(ci * g for ci, g in zip(c, gens[:-1], strict=False))
            lex = _lex_basis_zero_dim([*exprs, t - form], [*gens, t])
            p = sp.Poly(lex[-1].as_expr(), t, domain=QQ)
            fs = _irreducible_factors(p)
            if len(fs) != 1 or fs[0].degree() != p.degree():
                split(gb, [f.as_expr().subs(t, form) for f in fs])
                return
            shape = _shape(lex, [*gens, t], t)
            if shape is not None:
                minpoly, qs = shape
                coords = tuple(qs[g].rem(minpoly) for g in gens)
                out.setdefault(key, _Prime(key, minpoly, coords))
                return
        raise RuntimeError(f"no separating linear form found for the ideal {exprs}")

    visit(list(basis))
    return list(out.values())


def _shape(
    lex: Sequence[sp.Poly], order: Sequence[sp.Symbol], v: sp.Symbol
) -> tuple[sp.Poly, dict[sp.Symbol, sp.Poly]] | None:
    """If ``lex`` is ``{x_i - q_i(v)} ∪ {p(v)}``, return ``(p(T), {x_i: q_i(T)})``."""
    others = [g for g in order if g != v]
    if len(lex) != len(others) + 1:
        return None
    qs: dict[sp.Symbol, sp.Poly] = {}
    for g, p in zip(others, lex[:-1], strict=True):
        expr = sp.expand(p.as_expr())
        coeff = expr.coeff(g, 1)
        rest = sp.expand(expr - coeff * g)
        if coeff.free_symbols or coeff == 0 or rest.free_symbols - {v}:
            return None
        qs[g] = sp.Poly((-rest / coeff).subs(v, T), T, domain=QQ)
    minpoly = sp.Poly(lex[-1].as_expr().subs(v, T), T, domain=QQ).monic()
    return minpoly, qs


def _prime_on_leaf(prime: _Prime, leaf: _Leaf, gens: tuple[sp.Symbol, ...]) -> bool:
    """Whether the (conjugate) points of ``prime`` lie on ``V(leaf)``."""
    return all(_eval_mod(g, prime.coords, prime.minpoly).is_zero for g in leaf.gb)


def _point_sort_key(point: AlgebraicPoint) -> tuple[float, ...]:
    """Numeric key used only to order the output deterministically."""
    alpha = sp.CRootOf(point.minpoly, point.root_index).evalf(30)
    return tuple(float(c.as_expr().subs(T, alpha)) for c in point.coords)


# ---------------------------------------------------------------------------
# Real witnesses
# ---------------------------------------------------------------------------


def _value_tuples(k: int) -> Iterable[tuple[sp.Rational, ...]]:
    """Tuples of ``_WITNESS_VALUES`` of length ``k``, simplest first."""
    count = 0
    for top in range(len(_WITNESS_VALUES)):
        for idx in itertools.product(range(top + 1), repeat=k):
            if k and max(idx) != top:
                continue
            yield tuple(_WITNESS_VALUES[i] for i in idx)
            count += 1
            if count >= _WITNESS_TRIES or k == 0:
                return


def _real_witness(leaf: _Leaf, gens: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, ...] | None:
    """An exact real point of ``V(leaf)``, preferring rational ones; ``None`` if not found."""
    u_vars = [gens[i] for i in leaf.indep]
    rest = tuple(g for g in gens if g not in u_vars)
    fallback: tuple[sp.Expr, ...] | None = None
    for values in _value_tuples(len(u_vars)):
        subs = dict(zip(u_vars, values, strict=True))
        eqs = [sp.expand(p.as_expr().xreplace(subs)) for p in leaf.gb]
        eqs = [e for e in eqs if e != 0]
        if not rest:
            if not eqs:
                return tuple(subs[g] for g in gens)
            continue
        if not eqs:
            continue  # the fibre is all of the remaining space: not zero-dimensional
        basis = _groebner(eqs, rest, "grevlex")
        if _is_unit(basis) or _dimension(basis, len(rest))[0] != 0:
            continue
        for prime in _zero_dim_primes(basis, rest):
            n_real = prime.minpoly.count_roots()
            if n_real == 0:
                continue
            if prime.minpoly.degree() == 1:
                alpha = -prime.minpoly.TC()
                sol = {
                    g: c.as_expr().subs(T, alpha) for g, c in zip(rest, prime.coords, strict=True)
                }
                return tuple(subs[g] if g in subs else sol[g] for g in gens)
            if fallback is None:
                alpha = sp.CRootOf(prime.minpoly.as_expr(), 0)
                sol = {
                    g: c.as_expr().subs(T, alpha) for g, c in zip(rest, prime.coords, strict=True)
                }
                fallback = tuple(subs.get(g, sol.get(g)) for g in gens)
    return fallback
