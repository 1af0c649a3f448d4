"""The ``trapping-ball`` kind: G maps a closed ball around a minimum into itself.

θ* as above is a critical point (so a fixed point of G(θ) = θ − η∇f); ‖c − θ*‖ <= δ;
the listed boxes cover X = [c ± (r + δ)]ⁿ; on each box every symmetric matrix in the
arb enclosure [M − R, M + R] of the Hessian has its spectrum in the box's claimed
[mu_k, L_k] (exact LDLᵀ of M − (mu_k + ρ)I and (L_k − ρ)I − M with ρ >= ‖R‖_F, by
Weyl's inequality; a box that is too wide for this is bisected, at most
``MAX_SPLIT_DEPTH`` times and into at most ``SPLIT_BUDGET`` sub-boxes, and the bound
is refuted at once if it fails at a sub-box's exact midpoint); then with
mu = min mu_k, L = max L_k: mu > 0, ηL < 2, q >= max(|1 − η mu|, |1 − ηL|), q < 1
and q(r + δ) + δ <= r. Together: G maps the closed ball B(c, r) into itself as a
contraction (factor q) towards θ*, and on B f(G(θ)) <= f(θ) − η(1 − ηL/2)‖∇f(θ)‖²
(Taylor; the segment [θ, G(θ)] lies in B).
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import flint
import sympy as sp
from flint import arb

from .core import (
    PREC,
    Malformed,
    Point,
    Refuted,
    _arb,
    _box,
    _covered,
    _critical,
    _frac,
    _interval,
    _polynomial,
    _pos_def,
    _q,
    _qs,
    _sqrt_up,
    arb_eval,
)

#: Bisections of a box whose Hessian enclosure is too wide for its claimed bounds.
MAX_SPLIT_DEPTH = 14
#: Sub-boxes (all depths) the Weyl test may use on one box of a trapping ball.
SPLIT_BUDGET = 2000


def _box_bounds_hold(hess: list[list[sp.Expr]], symbols: list[sp.Symbol],
                     box: list[tuple[Fraction, Fraction]], mu: Fraction, big: Fraction,
                     depth: int, budget: list[int]) -> bool:
    """Whether the spectrum of H lies in [mu, big] on the box (Weyl test, bisected where
    it is too coarse; False as soon as it fails at an exact midpoint or ``budget[0]``
    sub-boxes are spent)."""
    n = len(symbols)
    budget[0] -= 1
    env = {s: _interval(lo, hi) for s, (lo, hi) in zip(symbols, box, strict=True)}
    mid = [[Fraction(0)] * n for _ in range(n)]
    rad2 = Fraction(0)
    finite = True
    for i in range(n):
        for j in range(i, n):
            v = arb_eval(hess[i][j], env)
            if not v.is_finite():
                finite = False
                break
            mid[i][j] = mid[j][i] = _frac(v.mid())
            rad2 += _frac(v.rad()) ** 2 * (1 if i == j else 2)
        if not finite:
            break
    if finite:
        rho = _sqrt_up(rad2)
        low = [[mid[i][j] - (mu + rho if i == j else 0) for j in range(n)] for i in range(n)]
        high = [[(big - rho if i == j else 0) - mid[i][j] for j in range(n)] for i in range(n)]
        if _pos_def(low) and _pos_def(high):
            return True
    if depth <= 0 or budget[0] <= 0:
        return False
    at = {s: sp.Rational((lo + hi).numerator, 2 * (lo + hi).denominator)
          for s, (lo, hi) in zip(symbols, box, strict=True)}
    exact = [[Fraction(str(h.xreplace(at))) for h in row] for row in hess]
    if not (_pos_def([[exact[i][j] - (mu if i == j else 0) for j in range(n)] for i in range(n)])
            and _pos_def([[(big if i == j else 0) - exact[i][j] for j in range(n)]
                          for i in range(n)])):
        return False  # the bound fails (or is attained) at the midpoint itself
    halves = [((lo, (lo + hi) / 2), ((lo + hi) / 2, hi)) for lo, hi in box]
    return all(_box_bounds_hold(hess, symbols, list(sub), mu, big, depth - 1, budget)
               for sub in product(*halves))



def check_ball(item: dict, expr: sp.Expr, symbols: list[sp.Symbol]) -> str:
    """The trapping-ball proof of the module docstring."""
    n = len(symbols)
    _polynomial(expr, symbols)
    point = Point(item.get("point"), n)
    eta, r, delta, q = (_q(item.get(k)) for k in ("eta", "radius", "delta", "q"))
    center = _qs(item.get("center"), n)
    raw = item.get("boxes")
    if not isinstance(raw, list) or not raw:
        raise Malformed("a trapping ball needs a list of boxes")
    boxes = []
    for b in raw:
        if not isinstance(b, dict):
            raise Malformed("each box is an object with 'box', 'mu', 'L'")
        boxes.append((_box(b.get("box"), n), _q(b.get("mu")), _q(b.get("L"))))
    if eta <= 0 or r <= 0 or delta < 0:
        raise Refuted("η > 0, r > 0 and δ >= 0 are required")
    _critical(point, expr, symbols)
    with flint.ctx.workprec(PREC):
        theta = point.enclosure()
        dist2 = sum(((_arb(c) - t) ** 2 for c, t in zip(center, theta, strict=True)), arb(0))
        if not dist2 <= _arb(delta * delta):
            raise Refuted(f"‖c − θ*‖ <= δ = {delta} not shown")
    cube = [(c - r - delta, c + r + delta) for c in center]
    if not _covered(cube, [b for b, _, _ in boxes]):
        raise Refuted("the boxes do not cover X = [c ± (r + δ)]^n")
    hess = [[sp.diff(expr, a, b) for b in symbols] for a in symbols]
    with flint.ctx.workprec(PREC):
        for k, (box, mu_k, big_k) in enumerate(boxes):
            if not _box_bounds_hold(hess, symbols, box, mu_k, big_k, MAX_SPLIT_DEPTH,
                                    [SPLIT_BUDGET]):
                raise Refuted(f"box {k}: spectrum ⊂ [{mu_k}, {big_k}] not shown "
                              "(Hessian enclosure, Weyl bound, exact LDLᵀ)")
    mu = min(b[1] for b in boxes)
    big = max(b[2] for b in boxes)
    if not mu > 0:
        raise Refuted(f"mu = min mu_k = {mu} is not > 0")
    if not eta * big < 2:
        raise Refuted(f"η·L = {eta * big} is not < 2")
    need = max(abs(1 - eta * mu), abs(1 - eta * big))
    if not (need <= q < 1):
        raise Refuted(f"q = {q} is not in [max(|1 − η mu|, |1 − η L|), 1) = [{need}, 1)")
    if not q * (r + delta) + delta <= r:
        raise Refuted(f"trap inequality q(r + δ) + δ <= r fails: "
                      f"{float(q * (r + delta) + delta):.17g} > {float(r):.17g}")
    return (f"G maps B(c, {float(r):.6g}) into itself, contraction q = {float(q):.6g}, "
            f"descent f(G(θ)) <= f(θ) − Cη‖∇f(θ)‖² with C = 1 − ηL/2 = "
            f"{float(1 - eta * big / 2):.6g}, {len(boxes)} boxes")
