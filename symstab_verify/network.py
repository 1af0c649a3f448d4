"""The ``linear-net`` kind: facts of a matrix linear network f = ½‖W_L⋯W_1 − W*‖² + c.

The item lists the widths d_0 (input), ..., d_L (output), the target W* (m × n, m = d_L,
n = d_0) and the offset c; the loss parameters must be the entries w{k}_{ij} of W_k (row
by row, layer by layer), and the loss text must expand to ½‖W_L⋯W_1 − W*‖² + c. With
r = min d_k, N the number of parameters, s_1² >= s_2² >= ... the eigenvalues of W*ᵀW*
(exact), each fact present is checked:

``filling``
    Definition 4: filling iff r = min(m, n).
``minimum`` (value, point)
    value = c + ½ Σ_(i>r) s_i² (the products are the matrices of rank <= r, and this is
    their Eckart–Young–Mirsky minimum, a theorem taken as known), unique when
    s_r > s_(r+1); f(point) = value exactly (the network attains it).
``dimension``
    At the minimum's point the product has rank r and its Jacobian (exact) has rank
    r(m + n − r), the dimension of the rank-r matrices: the minima form a smooth
    manifold of dimension N − r(m + n − r) near the point (submersion theorem).
``nonsingular`` (two rational points)
    p_i(η) = det(I − η∇²f(θ_i)); gcd(p_0, p_1) has no root η > 0, so for every η > 0
    det(I − η∇²f) is not the zero polynomial: the GD map is non-singular.
``critical_eta`` (value η_c, an algebraic point)
    The point is a global minimum (f = the minimum's value, exactly in Q(α)) whose
    Hessian has largest eigenvalue λ* = 2/η_c (as for ``threshold``): inf over the
    minima of λmax <= λ*. Depth 2, the reverse bound: with w = ∇μ_11 (Jᵀ of Δ = e_1e_1ᵀ)
    the identities wᵀ∇²f w = ‖Jw‖² + 2μ_11(μ_11 − W*_11) and ‖w‖² − 2μ_11 =
    Σ_k ((W_2)_1k − (W_1)_k1)² are checked exactly; on the minima μ = μ(point of
    ``minimum``) (unique), whose (1, 1) entry must be W*_11 = λ*/2. There wᵀ∇²f w =
    ‖Jw‖² >= ⟨Δ, Jw⟩² = ‖w‖⁴ (Cauchy–Schwarz, ⟨Δ, Jw⟩ = ‖w‖²), so λmax >= ‖w‖² >=
    2μ_11 = λ*. Deeper networks: the reverse bound is the argument recorded in the
    item's ``lower_bound``, not checked here, and the result says so.
``stable_radius`` (c')
    Depth 2: tr ∇²f = n‖W_2‖² + m‖W_1‖² (exact identity). At a global minimum ∇²f is
    positive semidefinite, so λmax >= tr/rank ∇²f, with rank <= mn when the residual
    vanishes there (the minimum's value is c) and <= N otherwise. So a minimum with
    λmax <= 2/η has ‖θ‖² <= c'/η for c' = 2 max(m, n) (or 2N/min(m, n)); the claimed c'
    must be at least that.
``stable_line`` (a line θ(t), a step size η)
    f(θ(t)) = the minimum's value and ∇²f(θ(t)) = ∇²f(θ(0)) identically in t, some
    coordinate is non-constant, and no eigenvalue of ∇²f(θ(0)) exceeds 2/η: an unbounded
    line of global minima, all stable at η.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp

from .core import Malformed, Point, Refuted, _polynomial, _q, _qs, largest_eigenvalue, parse_loss


def _rational(x: Fraction) -> sp.Rational:
    return sp.Rational(x.numerator, x.denominator)


def _at(exprs: Any, symbols: list[sp.Symbol], values: list[Fraction]) -> Any:
    env = {s: _rational(v) for s, v in zip(symbols, values, strict=True)}
    return exprs.xreplace(env) if hasattr(exprs, "xreplace") else [
        [e.xreplace(env) for e in row] for row in exprs]


def rational_point(values: list[Fraction]) -> Point:
    """A rational point as an algebraic one (α = 0, minimal polynomial α)."""
    return Point({"field": {"minpoly": ["1", "0"], "interval": ["0", "0"]},
                  "coordinates": [[str(v)] for v in values]}, len(values))


def check_network(item: dict, expr: sp.Expr, symbols: list[sp.Symbol]) -> str:
    """The facts of a matrix linear network (see the module docstring)."""
    widths = item.get("widths")
    if not isinstance(widths, list) or len(widths) < 2 or not all(
            isinstance(d, int) and 1 <= d <= 9 for d in widths):
        raise Malformed("widths must list at least two integers in 1..9")
    names = [f"w{k}_{i}{j}" for k in range(1, len(widths)) for i in range(1, widths[k] + 1)
             for j in range(1, widths[k - 1] + 1)]
    if [str(s) for s in symbols] != names:
        raise Malformed(f"the parameters must be {', '.join(names)}")
    _polynomial(expr, symbols)
    m, n, r, big_n = widths[-1], widths[0], min(widths), len(names)
    rows = item.get("target")
    if not isinstance(rows, list) or len(rows) != m:
        raise Malformed(f"target must have {m} rows")
    target = sp.Matrix([[_rational(v) for v in _qs(row, n)] for row in rows])
    offset = _rational(_q(item.get("offset", "0")))
    product, at = sp.eye(n), 0
    for k in range(1, len(widths)):
        size = widths[k] * widths[k - 1]
        product = sp.Matrix(widths[k], widths[k - 1], symbols[at:at + size]) * product
        at += size
    if sp.expand(expr - sum((product - target).applyfunc(lambda e: e**2)) / 2 - offset) != 0:
        raise Refuted("the loss text is not ½‖W_L⋯W_1 − W*‖² + offset")
    shown = []
    if "filling" in item:
        if item["filling"] is not (r == min(m, n)):
            raise Refuted(f"r = {r}, min(m, n) = {min(m, n)}: filling is {r == min(m, n)}")
        shown.append("filling" if item["filling"] else "non-filling")
    squares = sorted((e for e, k in (target.T * target).eigenvals().items() for _ in range(k)),
                     key=lambda e: sp.N(e, 60), reverse=True)
    value = offset + sum(squares[r:], sp.Integer(0)) / 2
    hess = sp.hessian(expr, symbols)
    minimum = None
    if "minimum" in item:
        block = item["minimum"]
        if not isinstance(block, dict) or sp.simplify(_rational(_q(block.get("value")))
                                                        - value) != 0:
            raise Refuted(f"the minimum is {value} (Eckart–Young–Mirsky), not as claimed")
        point = _qs(block.get("point"), big_n)
        if sp.simplify(_at(expr, symbols, point) - value) != 0:
            raise Refuted("f at the listed point is not the minimum")
        if r < n and not sp.simplify(squares[r - 1] - squares[r]).is_positive:
            raise Refuted("s_r = s_(r+1): the minimiser on the rank-r matrices is not unique")
        shown.append(f"unique minimum {value}")
        minimum = point
        if "dimension" in item:
            jac = _at(product.reshape(m * n, 1).jacobian(symbols), symbols, point)
            want = r * (m + n - r)
            if _at(product, symbols, point).rank() != r or jac.rank() != want:
                raise Refuted(f"the product map does not have rank {want} at the minimum")
            if item["dimension"] != big_n - want:
                raise Refuted(f"the dimension is {big_n - want}, not {item['dimension']}")
            shown.append(f"a manifold of dimension {big_n - want} near the minimum")
    if "nonsingular" in item:
        raw = item["nonsingular"]
        if not isinstance(raw, list) or len(raw) != 2:
            raise Malformed("nonsingular needs two rational points")
        eta = sp.Symbol("eta_", real=True)  # det(I − ηH) = Σ a_k η^k, det(xI − H) = Σ a_k x^(n−k)
        polys = [sp.Poly(sp.Matrix(_at(hess.tolist(), symbols, _qs(p, big_n))).charpoly(eta)
                         .all_coeffs()[::-1], eta) for p in raw]
        common = sp.gcd(*polys)
        if common.degree() > 0 and common.count_roots(0) > 0:
            raise Refuted(f"gcd {common.as_expr()} of the two determinants has a root η >= 0")
        shown.append("GD map non-singular for every η > 0")
    if "critical_eta" in item:
        block = item["critical_eta"]
        eta_c = _q(block.get("value")) if isinstance(block, dict) else Fraction(0)
        if eta_c <= 0 or (len(widths) != 3 and not isinstance(block.get("lower_bound"), str)):
            raise Malformed("critical_eta needs a value > 0, a point (and, deeper than 2, "
                            "a lower_bound)")
        point = Point(block.get("point"), big_n)
        point.check_root()
        if not point.element(point.reduce(expr, symbols).as_expr() - value).is_zero:
            raise Refuted("the point of critical_eta is not a global minimum")
        h = [[point.reduce(e, symbols).as_expr() for e in row] for row in hess.tolist()]
        largest_eigenvalue(point, h, 2 / eta_c, "∇²f at the minimum")
        if len(widths) == 3:
            _lower_bound(expr, symbols, widths, product, target, hess, minimum, 2 / eta_c)
            shown.append(f"inf of λmax over the minima is {2 / eta_c}, attained")
        else:
            shown.append(f"a minimum with λmax = {2 / eta_c} (inf over the minima <= it; the "
                         "lower bound on all minima is the cited argument, not checked)")
    if "stable_radius" in item:
        need = (2 * max(m, n) if value == offset else Fraction(2 * big_n, min(m, n)))
        trace = n * sum(e**2 for e in symbols[-m * widths[1]:]) \
            + m * sum(e**2 for e in symbols[:widths[1] * n])
        if len(widths) != 3 or sp.expand(hess.trace() - trace) != 0:
            raise Refuted("the trace identity tr ∇²f = n‖W_2‖² + m‖W_1‖² fails (depth 2)")
        if _q(item["stable_radius"]) < need:
            raise Refuted(f"stable minima have ‖θ‖² <= {need}/η, not {item['stable_radius']}/η")
        shown.append(f"stable minima have ‖θ‖² <= {item['stable_radius']}/η")
    if "stable_line" in item:
        shown.append(_stable_line(item["stable_line"], expr, symbols, hess, value))
    if not shown:
        raise Malformed("a linear-net item needs at least one fact")
    return "; ".join(shown)


def _lower_bound(expr: sp.Expr, symbols: list[sp.Symbol], widths: list[int],
                 product: sp.Matrix, target: sp.Matrix, hess: sp.Matrix,
                 minimum: list[Fraction] | None, lam: Fraction) -> None:
    """Depth 2: every global minimum has λmax >= lam = 2W*_11 (see the module docstring)."""
    n, hidden = widths[0], widths[1]
    w1 = sp.Matrix(hidden, n, symbols[:hidden * n])
    w2 = sp.Matrix(widths[2], hidden, symbols[hidden * n:])
    mu = product[0, 0]
    w = sp.Matrix([sp.diff(mu, s) for s in symbols])
    jw = product.reshape(product.rows * product.cols, 1).jacobian(symbols) * w
    if sp.expand((w.T * hess * w)[0] - (jw.T * jw)[0] - 2 * mu * (mu - target[0, 0])) != 0:
        raise Refuted("wᵀ∇²f w = ‖Jw‖² + 2μ_11(μ_11 − W*_11) fails for w = ∇μ_11")
    if sp.expand((w.T * w)[0] - 2 * mu - sum((w2[0, k] - w1[k, 0]) ** 2
                                             for k in range(hidden))) != 0:
        raise Refuted("‖∇μ_11‖² − 2μ_11 is not the listed sum of squares")
    if minimum is None or _at(mu, symbols, minimum) != target[0, 0] \
            or 2 * target[0, 0] != _rational(lam):
        raise Refuted(f"λ* = {lam} is not 2W*_11 with μ_11 = W*_11 on the (unique) minima")


def _stable_line(block: Any, expr: sp.Expr, symbols: list[sp.Symbol], hess: sp.Matrix,
                 value: sp.Expr) -> str:
    """An unbounded line of global minima with one Hessian, stable at η."""
    if not isinstance(block, dict) or not isinstance(block.get("line"), list) \
            or len(block["line"]) != len(symbols):
        raise Malformed("stable_line needs 'line' (one expression in t per parameter), 'eta'")
    t = sp.Symbol("t", real=True)  # the symbol parse_loss makes of the name t
    line = [parse_loss({"text": e, "params": ["t"]})[0] for e in block["line"]]
    eta = _q(block.get("eta"))
    on = dict(zip(symbols, line, strict=True))
    if sp.expand(expr.xreplace(on) - value) != 0:
        raise Refuted("f(θ(t)) is not the minimum for every t")
    if not all(sp.expand(e) == 0 for e in (hess.xreplace(on) - hess.xreplace(on).subs(t, 0))):
        raise Refuted("∇²f(θ(t)) depends on t")
    if all(sp.diff(e, t) == 0 for e in line):
        raise Refuted("θ(t) is constant: not an unbounded line")
    start = [Fraction(str(e.subs(t, 0))) for e in line]
    largest_eigenvalue(rational_point(start), _at(hess.tolist(), symbols, start), 2 / eta,
                       "∇²f(θ(0))", attained=False)
    return f"an unbounded line of global minima, all with λmax <= 2/η at η = {eta}"
