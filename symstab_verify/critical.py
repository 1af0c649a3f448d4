"""The ``critical-set`` kind: every real critical point, with completeness data.

SymPy's lex Gröbner basis of ∇f (in the item's variable ``order``) equals the listed
one (as monic polynomials) and is in shape position, x_i − q_i(x_n) and u(x_n); each
listed point (last coordinate α) is a critical point as for ``threshold``; the
isolating intervals are pairwise disjoint, and the number of points equals the
number of distinct real roots of u (Sturm, ``count_roots``). So the real critical
points are exactly the listed ones.
"""

from __future__ import annotations

from itertools import combinations

import sympy as sp

from .core import Malformed, Point, Refuted, T, _critical, _polynomial, parse_loss


def check_critical_set(item: dict, expr: sp.Expr, symbols: list[sp.Symbol]) -> str:
    """The real critical points are exactly the listed ones (module docstring)."""
    n = len(symbols)
    _polynomial(expr, symbols)
    listed = item.get("groebner")
    if not isinstance(listed, list) or not listed:
        raise Malformed("a critical set needs its lex Gröbner basis")
    params = [str(s) for s in symbols]
    order = item.get("order", params)
    if not isinstance(order, list) or sorted(order) != sorted(params):
        raise Malformed("order must list the parameters")
    grad = [sp.diff(expr, s) for s in symbols]
    symbols = [symbols[params.index(name)] for name in order]  # x_1 > ... > x_n in lex
    mine = sp.groebner(grad, *symbols, order="lex")
    basis = [sp.Poly(e, *symbols, domain=sp.QQ).monic() for e in mine.exprs]
    theirs = [sp.Poly(parse_loss({"text": t, "params": params})[0], *symbols,
                      domain=sp.QQ).monic() for t in listed]
    if basis != theirs:
        raise Refuted("the listed basis is not the lex Gröbner basis of ∇f")
    # shape position: x_i − q_i(x_n) for i < n, then u(x_n)
    last = symbols[-1]
    *lin, u = basis
    if len(lin) != n - 1 or not u.as_expr().free_symbols <= {last} or not all(
            (b.as_expr() - s).free_symbols <= {last} for s, b in zip(symbols, lin, strict=False)):
        raise Refuted("the basis is not in shape position (x_i − q_i(x_n), u(x_n))")
    roots = sp.Poly(u.as_expr(), last).sqf_part().count_roots()
    points = item.get("points")
    if not isinstance(points, list):
        raise Malformed("a critical set needs a list of points")
    alphas = []
    for block in points:
        point = Point(block, n)  # coordinates in the lex order
        if point.coords[-1] != sp.Poly([1, 0], T, domain=sp.QQ):
            raise Malformed(f"the last coordinate of a point must be α (= {last})")
        _critical(point, expr, symbols)
        alphas.append((point.lo, point.hi))
    for (a, b), (c, d) in combinations(alphas, 2):
        if not (b < c or d < a):
            raise Refuted("two points' isolating intervals meet: they may coincide")
    if len(points) != roots:
        raise Refuted(f"{len(points)} points listed, but ∇f has {roots} real zeros")
    return f"∇f has exactly {roots} real zeros, all listed (shape-position lex basis)"
