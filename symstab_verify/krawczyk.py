"""The ``krawczyk`` and ``krawczyk-cover`` kinds: boxes with exactly one zero or none.

F = ∇f, or F = G^p(θ) − θ for the GD map; with X the box, m its midpoint, J(X) the
arb Jacobian enclosure and Y ≈ J(m)⁻¹: ``unique`` needs K(X) = m − Y F(m) + (I −
Y J(X))(X − m) inside the open box; ``empty`` needs 0 ∉ F_i(X) for some i or
K(X) ∩ X = ∅.

A ``krawczyk-cover`` is a census: the listed boxes cover the domain (exactly, as for
trapping balls); each is checked as a ``krawczyk`` item (a ``unique`` box of a 1-D map
may also claim ``unstable``: |(G^p)'(X)| > 1); the ``unique`` boxes are pairwise
disjoint and their number is ``count``. So F has exactly ``count`` zeros in the domain.
"""

from __future__ import annotations

from itertools import combinations

import flint
import sympy as sp
from flint import arb

from .core import PREC, Malformed, Refuted, _arb, _box, _covered, _interval, _q, arb_eval


def _solve_float(a: list[list[float]]) -> list[list[float]] | None:
    """A float inverse by Gauss-Jordan (only a preconditioner: any matrix is sound)."""
    n = len(a)
    m = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(a)]
    for k in range(n):
        p = max(range(k, n), key=lambda i: abs(m[i][k]))
        if m[p][k] == 0:
            return None
        m[k], m[p] = m[p], m[k]
        piv = m[k][k]
        m[k] = [v / piv for v in m[k]]
        for i in range(n):
            if i != k:
                f = m[i][k]
                m[i] = [vi - f * vk for vi, vk in zip(m[i], m[k], strict=True)]
    return [row[n:] for row in m]


def check_krawczyk(item: dict, expr: sp.Expr, symbols: list[sp.Symbol]) -> str:
    """The Krawczyk test of the module docstring."""
    n = len(symbols)
    system = item.get("system")
    if not isinstance(system, dict) or system.get("map") not in ("gradient", "gd"):
        raise Malformed("system must be {'map': 'gradient'} or {'map': 'gd', ...}")
    grad = [sp.diff(expr, s) for s in symbols]
    if system["map"] == "gradient":
        fmap, period = grad, 1
    else:
        eta = _q(system.get("eta"))
        period = system.get("period", 1)
        if not isinstance(period, int) or not 1 <= period <= 64:
            raise Malformed("period must be an integer in 1..64")
        fmap = [s - sp.Rational(eta.numerator, eta.denominator) * g
                for s, g in zip(symbols, grad, strict=True)]
    jac = [[sp.diff(f, s) for s in symbols] for f in fmap]
    box = _box(item.get("box"), n)
    claim = item.get("claim")
    if claim not in ("unique", "empty"):
        raise Malformed("claim must be 'unique' or 'empty'")

    def f_and_j(x: list[arb]) -> tuple[list[arb], list[list[arb]]]:
        if system["map"] == "gradient":
            env = dict(zip(symbols, x, strict=True))
            return ([arb_eval(f, env) for f in fmap],
                    [[arb_eval(e, env) for e in row] for row in jac])
        cur = list(x)
        prod = [[arb(int(i == j)) for j in range(n)] for i in range(n)]
        for _ in range(period):
            env = dict(zip(symbols, cur, strict=True))
            dg = [[arb_eval(e, env) for e in row] for row in jac]
            prod = [[sum((dg[i][t] * prod[t][j] for t in range(n)), arb(0)) for j in range(n)]
                    for i in range(n)]
            cur = [arb_eval(f, env) for f in fmap]
        return ([c - xi for c, xi in zip(cur, x, strict=True)],
                [[prod[i][j] - int(i == j) for j in range(n)] for i in range(n)])

    with flint.ctx.workprec(PREC):
        X = [_interval(lo, hi) for lo, hi in box]
        fx, jx = f_and_j(X)
        if claim == "empty":
            for i, v in enumerate(fx):
                if v.is_finite() and not v.contains(0):
                    return f"no zero: 0 ∉ F_{i + 1}(X)"
        mids = [_arb((lo + hi) / 2) for lo, hi in box]
        fm, jm = f_and_j(mids)
        y = _solve_float([[float(e.mid()) for e in row] for row in jm])
        finite = all(e.is_finite() for row in jx for e in row) and all(v.is_finite()
                                                                         for v in fm)
        if y is None or not finite:
            raise Refuted("the Krawczyk operator is not defined on X")
        Y = [[arb(v) for v in row] for row in y]
        K = []
        for i in range(n):
            k = mids[i] - sum((Y[i][j] * fm[j] for j in range(n)), arb(0))
            for j in range(n):
                c = int(i == j) - sum((Y[i][t] * jx[t][j] for t in range(n)), arb(0))
                k += c * (X[j] - mids[j])
            K.append(k)
        if claim == "empty":
            if any(k.is_finite() and (k > X[i] or k < X[i]) for i, k in enumerate(K)):
                return "no zero: K(X) ∩ X = ∅"
            raise Refuted("neither 0 ∉ F(X) nor K(X) ∩ X = ∅")
        for i, (lo, hi) in enumerate(box):
            if not (K[i].is_finite() and K[i] > _arb(lo) and K[i] < _arb(hi)):
                raise Refuted(f"K(X)_{i + 1} ⊄ ({lo}, {hi}): K(X) ⊂ int X not shown")
        if item.get("unstable") is True:  # 1-D map: |(G^p)'| > 1 on X, so at its zero
            if n != 1 or system["map"] != "gd":
                raise Malformed("'unstable' is for a 1-D GD map")
            if not abs(jx[0][0] + 1) > 1:
                raise Refuted("|(G^p)'(X)| > 1 not shown: the orbit may not be unstable")
            return "exactly one zero in the box, unstable: K(X) ⊂ int X, |(G^p)'(X)| > 1"
    return "exactly one zero in the box: K(X) ⊂ int X"


def check_cover(item: dict, expr: sp.Expr, symbols: list[sp.Symbol]) -> str:
    """A census: boxes covering a domain, each ``unique`` or ``empty`` (module docstring)."""
    n = len(symbols)
    domain = _box(item.get("domain"), n)
    raw = item.get("boxes")
    if not isinstance(raw, list) or not raw or not all(isinstance(b, dict) for b in raw):
        raise Malformed("a cover needs a list of boxes")
    boxes = [_box(b.get("box"), n) for b in raw]
    if not _covered(domain, boxes):
        raise Refuted("the boxes do not cover the domain")
    for k, b in enumerate(raw):
        try:
            check_krawczyk({**b, "system": item.get("system")}, expr, symbols)
        except Refuted as exc:
            raise Refuted(f"box {k}: {exc}") from None
    unique = [box for box, b in zip(boxes, raw, strict=True) if b.get("claim") == "unique"]
    for a, b in combinations(unique, 2):
        if all(alo <= bhi and blo <= ahi for (alo, ahi), (blo, bhi) in zip(a, b, strict=True)):
            raise Refuted("two unique boxes meet: their zeros may coincide")
    count = item.get("count")
    if count != len(unique):
        raise Refuted(f"count {count!r} ≠ {len(unique)} unique boxes")
    unstable = sum(b.get("unstable") is True for b in raw if b.get("claim") == "unique")
    return (f"F has exactly {count} zeros in the domain ({len(raw)} boxes)"
            + (f", {unstable} of them unstable" if unstable else ""))
