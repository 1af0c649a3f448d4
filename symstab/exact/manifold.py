"""Positive-dimensional critical components: type, λmax along them, M_WS(η).

A component C of the critical set (the hyperbola xy = 1 of ½(1−xy)², the axes
of f3, the hypersurface x1⋯xd = 1 of a depth-d chain) is analysed through a
rational parametrisation φ: U ⊂ R^k → C when its Gröbner basis gives one
(every dependent variable solved as a rational function of k free ones).
Along C the Hessian has k zero eigenvalues (tangent directions) and the
remaining, *transverse*, eigenvalues are the roots of p(λ; θ) where
χ_H(λ) ≡ λ^k p(λ) modulo the ideal of C.

For a curve (k = 1) everything is decided exactly in one variable t: the
breakpoints (real roots of numerators/denominators), the type of each open arc
between them (exact spectrum at a rational sample point), λmax = q(φ(t)) on
arcs of minima, its infimum (critical values and one-sided limits), and the
weakly stable part M_WS(η) = {θ ∈ arcs of minima : λmax(θ) ≤ 2/η} with exact
endpoints. Its length (Euclidean arc length, all branches summed) is numerical
quadrature at a stated precision. For k >= 2 the infimum of λmax is the least
critical value of q∘φ on U, which is exact as a value but assumes the infimum
is attained; that assumption is checked numerically and labelled so.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from symstab.evidence import Value
from symstab.exact.algebraic import AlgebraicPoint
from symstab.exact.critical import Component, grevlex_ring
from symstab.exact.spectrum import hessian_spectrum

LAM = sp.Symbol("lambda")


@dataclass(frozen=True)
class Parametrization:
    """φ: free parameters -> component, each dependent variable a rational function of the free."""

    free: tuple[sp.Symbol, ...]
    mapping: dict[sp.Symbol, sp.Expr] = field(hash=False)

    def point(self, values: dict[sp.Symbol, sp.Expr], params: tuple[sp.Symbol, ...]) -> tuple:
        """The component point φ(values), in parameter order."""
        return tuple(self.mapping[p].xreplace(values) for p in params)

    def compose(self, expr: sp.Expr) -> sp.Expr:
        """expr ∘ φ as a simplified rational function of the free parameters."""
        return sp.cancel(sp.together(expr.xreplace(self.mapping)))


@dataclass(frozen=True)
class Arc:
    """An open arc of a component curve between two breakpoints, of one type.

    ``start``/``end`` are exact values of the curve parameter (``None`` = ∓∞).
    """

    parameter: sp.Symbol
    start: sp.Expr | None
    end: sp.Expr | None
    kind: str
    lambda_max_infimum: sp.Expr | None = None


@dataclass(frozen=True)
class WeaklyStablePart:
    """M_WS(η) on a component curve: parameter intervals and their total arc length."""

    eta: sp.Expr
    intervals: tuple[tuple[sp.Expr, sp.Expr], ...]
    length: Value | None


@dataclass(frozen=True)
class ComponentAnalysis:
    """What is known about one positive-dimensional critical component."""

    component: Component
    loss_value: sp.Expr | None
    transverse_polynomial: sp.Expr
    transverse_eigenvalue: sp.Expr | None
    parametrization: Parametrization | None
    kind: str
    arcs: tuple[Arc, ...]
    lambda_max_infimum: Value | None
    eta_critical: Value | None
    weakly_stable: WeaklyStablePart | None
    notes: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# parametrisation


def rational_parametrization(
    equations: tuple[sp.Expr, ...], params: tuple[sp.Symbol, ...], dimension: int
) -> Parametrization | None:
    """Find free parameters and dependent variables as rational functions of them, if possible."""
    for free in itertools.combinations(params, dimension):
        dependent = [p for p in params if p not in free]
        basis = sp.groebner(equations, *dependent, *free, order="lex", domain=sp.QQ)
        if basis.exprs == [1] or len(basis.exprs) != len(dependent):
            continue
        mapping: dict[sp.Symbol, sp.Expr] = {}
        ok = True
        for poly in reversed(basis.polys):
            present = [v for v in dependent if poly.degree(v) > 0]
            if not present:
                ok = False
                break
            lead = present[0]
            if poly.degree(lead) != 1:
                ok = False
                break
            a = poly.as_expr().coeff(lead, 1)
            b = sp.expand(poly.as_expr() - a * lead)
            if a.free_symbols - set(free):
                ok = False
                break
            mapping[lead] = sp.cancel((-b / a).xreplace(mapping))
        if ok and set(mapping) == set(dependent):
            for f in free:
                mapping[f] = f
            return Parametrization(tuple(free), mapping)
    return None


# --------------------------------------------------------------------------------------------
# Hessian along the component


def transverse_polynomial(
    hessian: sp.Matrix, equations: tuple[sp.Expr, ...], params: tuple[sp.Symbol, ...]
) -> tuple[sp.Expr, int]:
    """χ_H(λ) modulo the component's ideal, divided by the largest power λ^m; returns (p, m)."""
    nf = _NormalForm(equations, params)
    # reduction modulo the ideal is a ring map, so χ_H mod I = χ_(H mod I) mod I: reducing
    # the entries first keeps the determinant small (zero blocks on coordinate subspaces)
    n = hessian.rows
    entries = [[nf.rem(e) for e in row] for row in _ring_matrix(sp.ImmutableMatrix(hessian),
                                                                tuple(params))]
    if n > 2 and _rank_at_most_one(entries, nf):
        # every 2×2 minor vanishes on the component: χ_H = λ^(n−1)(λ − tr H) there (a
        # squared residual's minima: H = 2c∇r∇rᵀ + 2c·r∇²r and r ∈ I)
        trace = nf.as_expr(nf.rem(sum((entries[i][i] for i in range(n)), nf.ring.zero)))
        chi = sp.Poly(LAM**n - trace * LAM ** (n - 1), LAM)
    else:
        reduced = sp.Matrix(n, n, lambda i, j: nf.as_expr(entries[i][j]))
        chi = sp.Poly((LAM * sp.eye(n) - reduced).det(method="berkowitz"), LAM)
    coeffs = [nf.as_expr(nf.reduce(c)) for c in reversed(chi.all_coeffs())]  # low -> high
    m = next(i for i, c in enumerate(coeffs) if c != 0)
    p = sum(c * LAM ** (i - m) for i, c in enumerate(coeffs) if i >= m)
    return sp.expand(p), m


class _NormalForm:
    """Normal forms modulo a reduced grevlex Gröbner basis, in SymPy's sparse polynomial
    ring (the division :meth:`sympy.GroebnerBasis.reduce` performs, without converting
    each polynomial from and to an expression)."""

    def __init__(self, equations: tuple[sp.Expr, ...], params: tuple[sp.Symbol, ...]) -> None:
        basis = sp.groebner(equations, *params, order="grevlex", domain=sp.QQ)
        self.ring = grevlex_ring(tuple(params))
        self.basis = [self.ring.from_dict(dict(p.terms())) for p in basis.polys]

    def rem(self, element: object) -> object:
        """The normal form of a ring element."""
        return element.rem(self.basis)  # type: ignore[attr-defined]

    def reduce(self, expr: sp.Expr) -> object:
        """The normal form of a polynomial expression, as a ring element."""
        return self.rem(self.ring.from_expr(sp.expand(expr)))

    def as_expr(self, element: object) -> sp.Expr:
        """A ring element as an expression."""
        return element.as_expr()  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=16)
def _ring_matrix(hessian: sp.ImmutableMatrix,
                 params: tuple[sp.Symbol, ...]) -> tuple[tuple[object, ...], ...]:
    """The entries of the Hessian as elements of the grevlex ring (converted once per
    Hessian: every component of a loss reduces the same entries)."""
    ring = grevlex_ring(params)
    return tuple(tuple(ring.from_expr(sp.expand(e)) for e in row) for row in hessian.tolist())


def _rank_at_most_one(entries: list[list[object]], nf: _NormalForm) -> bool:
    """Whether every 2×2 minor of the matrix ``entries`` (reduced ring elements) lies in
    the ideal."""
    n = len(entries)
    for i, j in itertools.combinations(range(n), 2):
        for k, m in itertools.combinations(range(n), 2):
            minor = entries[i][k] * entries[j][m] - entries[i][m] * entries[j][k]
            if minor and nf.rem(minor):
                return False
    return True


def _real_roots(expr: sp.Expr, t: sp.Symbol) -> list[sp.Expr]:
    """Distinct real roots, exact: radicals for factors of degree <= 2 and even quartics,
    ``CRootOf`` otherwise."""
    if not expr.has(t):
        return []
    roots: list[sp.Expr] = []
    for factor, _ in sp.Poly(expr, t).factor_list()[1]:
        roots += _real_roots_of_irreducible(factor, t)
    return list(dict.fromkeys(roots))


def _real_roots_of_irreducible(factor: sp.Poly, t: sp.Symbol) -> list[sp.Expr]:
    if factor.degree() <= 2:
        return [r for r in sp.roots(factor, t) if r.is_real]
    coeffs = factor.all_coeffs()
    if factor.degree() == 4 and all(c == 0 for c in coeffs[1::2]):  # q(t²), q quadratic
        u = sp.Symbol("u")
        squares = [r for r in sp.roots(sp.Poly(coeffs[0] * u**2 + coeffs[2] * u + coeffs[4], u))
                   if r.is_real and r.is_positive]
        root = [sp.sqrtdenest(sp.sqrt(r)) for r in squares]
        return [*root, *(-r for r in root)]
    return list(factor.real_roots())


def _sorted_numbers(values: list[sp.Expr]) -> list[sp.Expr]:
    unique: dict[str, sp.Expr] = {}
    for v in values:
        unique.setdefault(str(sp.N(v, 40)), v)
    return sorted(unique.values(), key=lambda v: sp.N(v, 40))


def _rational_between(a: sp.Expr | None, b: sp.Expr | None) -> sp.Rational:
    if a is None and b is None:
        return sp.Integer(0)
    if a is None:
        return sp.floor(sp.N(b, 30)) - 1
    if b is None:
        return sp.ceiling(sp.N(a, 30)) + 1
    lo, hi = sp.N(a, 50), sp.N(b, 50)
    # the rational with the smallest power-of-ten denominator strictly inside (lo, hi)
    for denom_digits in range(0, 45):
        denom = sp.Integer(10) ** denom_digits
        candidate = sp.Rational(sp.floor(lo * denom) + 1, denom)
        if candidate < hi:
            return candidate
    raise ValueError(f"breakpoints {a} and {b} too close to separate")


def _classify_sample(
    hessian: sp.Matrix, params: tuple[sp.Symbol, ...], coords: tuple[sp.Expr, ...]
) -> tuple[str, sp.Expr]:
    point = AlgebraicPoint.rational(params, coords)
    spectrum = hessian_spectrum(point, hessian)
    return spectrum.kind, spectrum.lambda_max.value


_KIND_OF_ARC = {
    "degenerate (positive semidefinite)": "minima (non-strict, Morse-Bott)",
    "degenerate (negative semidefinite)": "maxima (non-strict, Morse-Bott)",
    "degenerate saddle": "saddles",
    "degenerate (zero Hessian)": "degenerate",
}


def _arc_kind(point_kind: str) -> str:
    return _KIND_OF_ARC.get(point_kind, point_kind)


# --------------------------------------------------------------------------------------------
# the analysis


def analyze_component(
    component: Component,
    loss_expr: sp.Expr,
    hessian: sp.Matrix,
    eta: sp.Expr | None = None,
    *,
    digits: int = 20,
) -> ComponentAnalysis:
    """Analyse one positive-dimensional critical component exactly where possible.

    Parameters
    ----------
    component
        From :func:`symstab.exact.critical.critical_set`.
    loss_expr, hessian
        The loss and its Hessian in the component's parameters.
    eta
        Step size for M_WS(η); ``None`` to skip it.
    digits
        Digits of reported decimals and working precision of the arc-length quadrature.
    """
    base = _analyze_eta_free(component, loss_expr, sp.ImmutableMatrix(hessian), digits)
    phi, q = base.parametrization, base.transverse_eigenvalue
    minima_arcs = [arc for arc in base.arcs if arc.kind.startswith("minima")]
    if eta is None or component.dimension != 1 or phi is None or q is None \
            or not minima_arcs:
        return base
    (t,) = phi.free
    weakly = _weakly_stable_curve(phi, component.params, phi.compose(q), t, minima_arcs,
                                  eta, digits)
    return _replace(base, weakly_stable=weakly)


@functools.lru_cache(maxsize=64)
def _analyze_eta_free(component: Component, loss_expr: sp.Expr, hessian: sp.ImmutableMatrix,
                      digits: int) -> ComponentAnalysis:
    """Everything of :func:`analyze_component` that does not depend on η (computed once
    per component in a process: a sweep analyses the same component at every η)."""
    params = component.params
    equations = component.equations
    notes: list[str] = []
    basis = sp.groebner(equations, *params, order="grevlex", domain=sp.QQ)
    remainder = basis.reduce(sp.expand(loss_expr))[1]
    loss_value = remainder if not remainder.free_symbols else None
    p, m = transverse_polynomial(hessian, equations, params)
    if m != component.dimension:
        notes.append(
            f"the Hessian has {m} zero eigenvalues along the component of dimension "
            f"{component.dimension}: not Morse-Bott non-degenerate"
        )
    poly = sp.Poly(p, LAM)
    q = sp.factor(-poly.nth(0) / poly.nth(1)) if poly.degree() == 1 else None
    phi = rational_parametrization(equations, params, component.dimension)
    empty = ComponentAnalysis(component, loss_value, p, q, phi, "", (), None, None, None, ())
    if component.real_witness is None:
        return _replace(empty, kind="no real points found", notes=tuple(notes))
    if phi is None:
        kind, _ = _witness_kind(component, hessian)
        notes.append("no rational parametrisation: type given at the real witness point only")
        return _replace(empty, kind=f"{kind} (at witness)", notes=tuple(notes))
    if component.dimension == 1:
        return _analyze_curve(empty, phi, hessian, q, digits, notes)
    return _analyze_higher(empty, phi, hessian, q, notes)




def _replace(analysis: ComponentAnalysis, **changes: object) -> ComponentAnalysis:
    from dataclasses import replace

    return replace(analysis, **changes)


def _witness_kind(component: Component, hessian: sp.Matrix) -> tuple[str, sp.Expr | None]:
    witness = component.real_witness
    if witness is None or not all(c.is_Rational for c in witness):
        return "unknown", None
    kind, lam = _classify_sample(hessian, component.params, witness)
    return _arc_kind(kind), lam


def _eta_from_lambda(lam: sp.Expr, digits: int, note: str = "") -> Value:
    if lam == 0:
        return Value.infinite(note or "λmax infimum is 0")
    return Value.of_exact(2 / lam, digits, note)


def _analyze_curve(
    base: ComponentAnalysis,
    phi: Parametrization,
    hessian: sp.Matrix,
    q: sp.Expr | None,
    digits: int,
    notes: list[str],
) -> ComponentAnalysis:
    params = base.component.params
    (t,) = phi.free
    # breakpoints: poles of φ, and zeros/poles of the transverse data
    critical_exprs = [phi.mapping[v] for v in params]
    critical_exprs += [base.transverse_polynomial.subs(LAM, 0)]
    breakpoints: list[sp.Expr] = []
    for expr in critical_exprs:
        num, den = sp.fraction(phi.compose(expr))
        breakpoints += _real_roots(num, t) + _real_roots(den, t)
    breakpoints = _sorted_numbers(breakpoints)
    edges: list[sp.Expr | None] = [None, *breakpoints, None]
    q_t = phi.compose(q) if q is not None else None
    arcs: list[Arc] = []
    infima: list[sp.Expr] = []
    for a, b in itertools.pairwise(edges):
        sample = _rational_between(a, b)
        kind, _ = _classify_sample(hessian, params, phi.point({t: sample}, params))
        kind = _arc_kind(kind)
        inf = None
        if kind.startswith("minima") and q_t is not None:
            inf = _infimum_on_interval(q_t, t, a, b)
            infima.append(inf)
        arcs.append(Arc(t, a, b, kind, inf))
    # merge neighbouring arcs of the same kind separated only by a pole-free breakpoint is not
    # done: every breakpoint is reported, which is what a reader checking by hand expects.
    kinds = sorted({arc.kind for arc in arcs})
    kind = kinds[0] if len(kinds) == 1 else "mixed: " + ", ".join(kinds)
    lam_inf = eta_crit = None
    if infima:
        lowest = min(infima, key=lambda v: sp.N(v, 40))
        lam_inf = Value.of_exact(lowest, digits, "infimum of λmax over the arcs of minima")
        eta_crit = _eta_from_lambda(lowest, digits)
    return _replace(
        base,
        kind=kind,
        arcs=tuple(arcs),
        lambda_max_infimum=lam_inf,
        eta_critical=eta_crit,
        notes=tuple(notes),
    )


def _limit(expr: sp.Expr, t: sp.Symbol, at: sp.Expr | None, side: str) -> sp.Expr:
    point = (sp.oo if side == "-" else -sp.oo) if at is None else at
    return sp.limit(expr, t, point, side)


def _infimum_on_interval(
    q_t: sp.Expr, t: sp.Symbol, a: sp.Expr | None, b: sp.Expr | None
) -> sp.Expr:
    """Exact infimum of the rational function q_t over the open interval (a, b)."""
    candidates = [_limit(q_t, t, a, "+"), _limit(q_t, t, b, "-")]
    num, _ = sp.fraction(sp.cancel(sp.diff(q_t, t)))
    for r in _real_roots(num, t):
        if (a is None or sp.N(r - a, 40) > 0) and (b is None or sp.N(b - r, 40) > 0):
            candidates.append(sp.radsimp(q_t.subs(t, r)))
    finite = [c for c in candidates if c.is_finite]
    if not finite:
        return sp.oo
    return min(finite, key=lambda v: sp.N(v, 40))


def _weakly_stable_curve(
    phi: Parametrization,
    params: tuple[sp.Symbol, ...],
    q_t: sp.Expr,
    t: sp.Symbol,
    minima_arcs: list[Arc],
    eta: sp.Expr,
    digits: int,
) -> WeaklyStablePart:
    bound = 2 / eta
    num, _ = sp.fraction(sp.together(q_t - bound))
    crossings = _real_roots(num, t)
    intervals: list[tuple[sp.Expr, sp.Expr]] = []
    for arc in minima_arcs:
        inside = [
            r for r in crossings
            if (arc.start is None or sp.N(r - arc.start, 40) > 0)
            and (arc.end is None or sp.N(arc.end - r, 40) > 0)
        ]
        edges = [arc.start, *_sorted_numbers(inside), arc.end]
        for a, b in itertools.pairwise(edges):
            sample = _rational_between(a, b)
            if q_t.subs(t, sample) <= bound:
                if a is None or b is None:
                    raise ValueError("λmax stays below 2/η out to infinity: M_WS is unbounded")
                intervals.append((a, b))
    speed = sp.sqrt(sum(sp.diff(phi.compose(phi.mapping[v]), t) ** 2 for v in params))
    length = None
    if intervals:
        dps = max(digits + 5, 20)
        with mpmath.workdps(dps):
            f = sp.lambdify(t, speed, modules="mpmath")
            total = mpmath.mpf(0)
            error = mpmath.mpf(0)
            for a, b in intervals:
                value, err = mpmath.quad(f, [sp.N(a, dps), sp.N(b, dps)], error=True)
                total += value
                error += err
            note = (
                f"Euclidean arc length of M_WS(η) summed over all branches; mpmath.quad "
                f"(tanh-sinh) at {dps} digits, estimated error {mpmath.nstr(error, 3)}"
            )
            length = Value.of_numerical(total, dps, note)
    return WeaklyStablePart(eta, tuple(intervals), length)


def critical_points_in_chart(q_u: sp.Expr, free: tuple[sp.Symbol, ...]) -> list[tuple]:
    """The real isolated critical points of a rational function where it is defined.

    ``q_u = A/B`` (in lowest terms) in the chart coordinates ``free``; the points are those
    isolated in ``{∇q_u = 0, B ≠ 0}``, as exact coordinate tuples (plus, from the general
    path, isolated points of the cleared numerators on ``B = 0``, where ``q_u`` is not
    finite: callers drop them).

    The system is first freed of what lies on ``B = 0``: each numerator of ``∂q_u/∂u``
    is taken after cancelling its common factors with the denominator (which changes no
    point with ``B ≠ 0``). When ``B`` is a monomial in every chart coordinate, the domain
    is the torus and each ``u ∂q_u/∂u`` is a Laurent polynomial; if every one of them has
    two terms the system is binomial and is solved from its exponent matrix
    (:mod:`symstab.exact.binomial`). Points with an irrational coordinate, and every
    other system, go to the exact decomposition :func:`symstab.exact.critical.critical_set`
    (so each value keeps the one exact form that decomposition gives it).
    """
    from symstab.exact.binomial import binomial_system, real_torus_points
    from symstab.exact.critical import critical_set

    num, den = sp.fraction(q_u)
    den_poly = sp.Poly(den, *free, domain=sp.QQ)
    if den_poly.is_monomial and all(e > 0 for e in den_poly.monoms()[0]):
        # q_u = N/m with m a monomial: u ∂q_u/∂u = (u ∂N/∂u − e_u N)/m, e_u the degree
        # of m in u, so the numerators are polynomials and m ≠ 0 on the torus
        num_poly = sp.Poly(num, *free, domain=sp.QQ)
        degrees = den_poly.monoms()[0]
        euler = [sp.Poly(u, *free, domain=sp.QQ) * num_poly.diff(u) - e * num_poly
                 for u, e in zip(free, degrees, strict=True)]
        system = binomial_system(euler, free)
        if system is not None:
            points = real_torus_points(system)
            if all(c.is_Rational for point in points for c in point):
                return points
    numerators = [sp.fraction(sp.cancel(sp.diff(q_u, u)))[0] for u in free]
    return [point.coordinate_exprs() for point in critical_set(numerators, free).points]


def _analyze_higher(
    base: ComponentAnalysis,
    phi: Parametrization,
    hessian: sp.Matrix,
    q: sp.Expr | None,
    notes: list[str],
) -> ComponentAnalysis:
    """Components of dimension >= 2: type at the witness, infimum from critical values."""
    kind, _ = _witness_kind(base.component, hessian)
    notes.append("type determined at the real witness point")
    lam_inf = eta_crit = None
    if kind.startswith("minima") and q is not None:
        q_u = phi.compose(q)
        values = []
        for coords in critical_points_in_chart(q_u, phi.free):
            value = sp.radsimp(q_u.xreplace(dict(zip(phi.free, coords, strict=True))))
            if value.is_finite and value.is_positive:
                values.append(value)
        if values:
            lowest = min(values, key=lambda v: sp.N(v, 40))
            note = (
                "least critical value of λmax along the component (exact value); that it is "
                "the infimum assumes λmax is proper on the component"
            )
            lam_inf = Value.of_exact(lowest, 20, note)
            eta_crit = _eta_from_lambda(lowest, 20, note)
            notes.append(note)
    return _replace(
        base, kind=kind, lambda_max_infimum=lam_inf, eta_critical=eta_crit, notes=tuple(notes)
    )
