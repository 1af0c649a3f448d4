"""The ``box-orbit`` kind: a box carried through G in arb, into a verified trapping ball.

The box X_0 is carried through G for ``steps`` steps in arb: X_{k+1} = (X_k − η∇f(X_k))
∩ (G(m) + (I − ηH(X_k))(X_k − m)), m the midpoint, so G^k(X_0) ⊆ X_k. With ``signs``,
each step's loss change h = f∘G − f is enclosed by h(m) + ∇h(X_k)(X_k − m), ∇h =
(I − ηH)∇f(G) − ∇f, and must have the listed sign on all of X_k. Finally X_K lies in
one of the listed ``trapping-ball`` items (farthest corner, exact), which must be in
the file, verified, for the same loss text and η.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import sympy as sp
from flint import arb

from .core import (
    PREC,
    VERIFIED,
    Malformed,
    Refuted,
    _arb,
    _box,
    _frac,
    _interval,
    _q,
    _qs,
    arb_eval,
)


def _meet(a: arb, b: arb) -> arb:
    """The intersection of two enclosures of the same set (one of them if they miss)."""
    return a.intersection(b) if a.overlaps(b) else a


def _inside_ball(box: list[tuple[Fraction, Fraction]], ball: dict) -> bool:
    """Whether the closed box lies in the closed ball B(c, r) of a trapping-ball item
    (exact: the farthest corner, coordinate by coordinate)."""
    center, r = _qs(ball.get("center"), len(box)), _q(ball.get("radius"))
    far = sum(max((lo - c) ** 2, (hi - c) ** 2) for (lo, hi), c in zip(box, center, strict=True))
    return far <= r * r


def check_box_orbit(item: dict, expr: sp.Expr, symbols: list[sp.Symbol],
                    done: dict[str, tuple[dict, str]]) -> str:
    """A box carried through G in arb (see the module docstring, ``box-orbit``)."""
    n = len(symbols)
    eta = _q(item.get("eta"))
    box = _box(item.get("box"), n)
    steps, signs, prec = item.get("steps"), item.get("signs", ""), item.get("prec", PREC)
    if not isinstance(steps, int) or not 0 <= steps <= 100000:
        raise Malformed("steps must be an integer in 0..100000")
    if not isinstance(signs, str) or not set(signs) <= {"+", "-", "?"} \
            or len(signs) not in (0, steps):
        raise Malformed("signs must be '' or one '+', '-' or '?' (no claim) per step")
    if not isinstance(prec, int) or not PREC <= prec <= 8192:
        raise Malformed(f"prec must be an integer in {PREC}..8192")
    balls = item.get("balls")
    if not isinstance(balls, list) or not all(isinstance(b, str) for b in balls) \
            or not (balls or set(signs) - {"?"}):
        raise Malformed("balls must list trapping-ball ids (or be [] for an orbit that "
                        "only claims signs)")
    targets = []
    for bid in balls:
        ball, status = done.get(bid, (None, None))
        if ball is None or ball.get("kind") != "trapping-ball":
            raise Malformed(f"{bid!r} is not a trapping-ball item of this file")
        if status != VERIFIED:
            raise Refuted(f"the ball {bid} is not verified")
        if ball.get("loss", {}).get("text") != item["loss"]["text"] \
                or ball["loss"].get("params") != item["loss"]["params"] \
                or _q(ball.get("eta")) != eta:
            raise Refuted(f"the ball {bid} is for another loss or step size")
        targets.append(ball)
    grad = [sp.diff(expr, s) for s in symbols]
    hess = [[sp.diff(g, s) for s in symbols] for g in grad]

    def at(exprs: list[sp.Expr], x: list[arb]) -> list[arb]:
        env = dict(zip(symbols, x, strict=True))
        return [arb_eval(e, env) for e in exprs]

    with flint.ctx.workprec(prec):
        h = _arb(eta)
        X = [_interval(lo, hi) for lo, hi in box]
        for k in range(steps):
            m = [x.mid() for x in X]
            gm, gx = at(grad, m), at(grad, X)
            hx = [at(row, X) for row in hess]
            dg = [[int(i == j) - h * hx[i][j] for j in range(n)] for i in range(n)]
            gmap_m = [mi - h * g for mi, g in zip(m, gm, strict=True)]
            d = [x - mi for x, mi in zip(X, m, strict=True)]
            new = [_meet(X[i] - h * gx[i],
                         gmap_m[i] + sum((dg[i][j] * d[j] for j in range(n)), arb(0)))
                   for i in range(n)]
            if not all(v.is_finite() and v.rad() < 2**32 for v in new):
                raise Refuted(f"step {k}: the enclosure of G(X_{k}) is too wide")
            if signs and signs[k] != "?":  # h = f∘G − f ⊆ h(m) + ∇h(X)(X − m), ∇h = DGᵀ∇f(G) − ∇f
                gnew = at(grad, new)
                change = at([expr], gmap_m)[0] - at([expr], m)[0]
                for j in range(n):
                    dh = sum((dg[i][j] * gnew[i] for i in range(n)), arb(0)) - gx[j]
                    change += dh * d[j]
                if not (change > 0 if signs[k] == "+" else change < 0):
                    raise Refuted(f"step {k}: f(θ_{k + 1}) − f(θ_{k}) "
                                  f"{'> 0' if signs[k] == '+' else '< 0'} not shown")
            X = new
        final = [(_frac(x.lower()), _frac(x.upper())) for x in X]
    proved = (f"{signs.count('+')} proved rises and {signs.count('-')} proved falls of the "
              "loss" + (f" ({signs.count('?')} steps without a claim)" if "?" in signs else ""))
    if not targets:
        return f"every start in the box: {proved} in {steps} steps"
    inside = [b["id"] for b in targets if _inside_ball(final, b)]
    if not inside:
        raise Refuted(f"after {steps} steps the box is in none of the listed balls")
    return (f"every start in the box enters {inside[0]} at step {steps}"
            + (f" with {proved}" if signs else ""))
