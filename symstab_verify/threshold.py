"""The ``threshold`` kind: a strict minimum θ* with its exact λmax and η* = 2/λmax.

α lies in its interval (sign change, one root there); ∇f(θ*) ≡ 0 mod minpoly(α)
(exact); the leading principal minors of H(θ*) are > 0 (H positive definite, so θ*
is a strict minimum); with λ* = 2/η*, λ* is the largest eigenvalue of H(θ*) by the
signs of a characteristic polynomial (:func:`.core.largest_eigenvalue`). Signs of
nonzero elements of Q(α) are read off arb enclosures. Step sizes listed as
``stable_at`` / ``unstable_at`` are compared with η* exactly.
"""

from __future__ import annotations

import sympy as sp

from .core import Point, Refuted, _critical, _det, _polynomial, _q, _qs, largest_eigenvalue


def check_threshold(item: dict, expr: sp.Expr, symbols: list[sp.Symbol]) -> str:
    """θ* is a strict minimum with 2/λmax = η* (see the module docstring)."""
    n = len(symbols)
    _polynomial(expr, symbols)
    point = Point(item.get("point"), n)
    eta_star = _q(item.get("eta_star"))
    if eta_star <= 0:
        raise Refuted("η* <= 0")
    lam = 2 / eta_star
    if "lambda_max" in item and _q(item["lambda_max"]) != lam:
        raise Refuted(f"λmax = {item['lambda_max']} ≠ 2/η* = {lam}")
    _critical(point, expr, symbols)
    hess = [[point.reduce(sp.diff(expr, a, b), symbols).as_expr() for b in symbols]
            for a in symbols]
    for k in range(1, n + 1):
        minor = point.element(_det([row[:k] for row in hess[:k]]))
        if point.sign(minor) <= 0:
            raise Refuted(f"leading principal minor {k} of H(θ*) is not > 0")
    largest_eigenvalue(point, hess, lam, 'H(θ*)')
    for key, want in (("stable_at", -1), ("unstable_at", 1)):
        for eta in _qs(item.get(key, [])):
            if (eta > eta_star) - (eta < eta_star) != want:
                raise Refuted(f"η = {eta} is not {'<' if want < 0 else '>'} η* = {eta_star}")
    return f"strict minimum, λmax = {lam}, η* = {eta_star}"
