"""Exact derivatives of a loss and of its gradient-descent map.

For a loss f and a step size η (an exact number, or the symbol :data:`ETA`):
the gradient ∇f, the Hessian H, the GD map G(θ) = θ − η∇f(θ), its Jacobian
DG = I − ηH, det DG, and Tao & Wang's first-order modified loss
f + (η/4)‖∇f‖². All SymPy, all exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from symstab.loss import Loss

#: The step size as a symbol, for results that hold for every η.
ETA = sp.Symbol("eta", positive=True)


@lru_cache(maxsize=256)
def gradient(loss: Loss) -> tuple[sp.Expr, ...]:
    """∇f as a tuple of expressions (expanded when f is a polynomial)."""
    grad = tuple(sp.diff(loss.expr, p) for p in loss.params)
    if loss.is_polynomial:
        grad = tuple(sp.expand(g) for g in grad)
    return grad


@lru_cache(maxsize=256)
def hessian(loss: Loss) -> sp.ImmutableMatrix:
    """The Hessian matrix H(θ) (symmetric, exact)."""
    grad = gradient(loss)
    n = loss.n
    rows = [[sp.diff(grad[i], loss.params[j]) for j in range(n)] for i in range(n)]
    if loss.is_polynomial:
        rows = [[sp.expand(e) for e in row] for row in rows]
    return sp.ImmutableMatrix(rows)


def gd_map(loss: Loss, eta: sp.Expr = ETA) -> tuple[sp.Expr, ...]:
    """The GD map G(θ) = θ − η∇f(θ)."""
    return tuple(p - eta * g for p, g in zip(loss.params, gradient(loss), strict=True))


def gd_jacobian(loss: Loss, eta: sp.Expr = ETA) -> sp.ImmutableMatrix:
    """DG(θ) = I − ηH(θ)."""
    return sp.ImmutableMatrix(sp.eye(loss.n) - eta * hessian(loss))


def gd_jacobian_det(loss: Loss, eta: sp.Expr = ETA) -> sp.Expr:
    """det(I − ηH(θ)), expanded (a polynomial in θ and η when f is a polynomial)."""
    det = gd_jacobian(loss, eta).det(method="berkowitz")
    return sp.expand(det)


def modified_loss(loss: Loss, eta: sp.Expr = ETA) -> sp.Expr:
    """Tao & Wang's first-order modified loss f + (η/4)‖∇f‖² (backward error analysis)."""
    return loss.expr + eta / 4 * sum(g**2 for g in gradient(loss))


#: Above this many parameters det(I − ηH) is not expanded symbolically (it is decided by
#: exact evaluation instead, see :func:`nonsingularity`).
EXPAND_DET_MAX_PARAMS = 4


@dataclass(frozen=True)
class NonSingularity:
    """Whether the GD map's Jacobian determinant vanishes identically in θ.

    Attributes
    ----------
    determinant
        det(I − ηH(θ)) with η symbolic, or None when it was not expanded (more than
        :data:`EXPAND_DET_MAX_PARAMS` parameters: the expansion is large and slow).
    singular_etas
        The step sizes η > 0 for which det(I − ηH) ≡ 0 as a function of θ (exact);
        for those η the GD map collapses volume everywhere.
    decided
        False when the determinant is not a polynomial and the question was not settled.
    """

    determinant: sp.Expr | None
    singular_etas: tuple[sp.Expr, ...]
    decided: bool

    def is_nonsingular(self, eta: sp.Expr) -> bool | None:
        """True iff det(I − ηH) is not identically zero at this η (None if undecided)."""
        if not self.decided:
            return None
        return all(sp.simplify(eta - e) != 0 for e in self.singular_etas)


def _sample_points(n: int, count: int) -> list[tuple[sp.Rational, ...]]:
    """Deterministic rational points with distinct, non-special coordinates."""
    return [tuple(sp.Rational((7 * k + 3 * i) % 11 + 1, 5 + (i + k) % 4) * (-1) ** (i + k)
                  for i in range(n)) for k in range(count)]


def _det_at(loss: Loss, point: tuple[sp.Expr, ...]) -> sp.Poly:
    """det(I − ηH(point)) as an exact polynomial in η: η^n χ_H(1/η), from the
    characteristic polynomial χ_H of the rational matrix H(point)."""
    at = dict(zip(loss.params, point, strict=True))
    h = sp.Matrix(hessian(loss)).xreplace(at)
    coeffs = h.charpoly().all_coeffs()  # χ_H(λ) = Σ c_k λ^(n−k), c_0 = 1
    return sp.Poly(sum((c * ETA**k for k, c in enumerate(coeffs)), sp.Integer(0)), ETA)


@lru_cache(maxsize=64)
def nonsingularity(loss: Loss) -> NonSingularity:
    """Decide for which η > 0 the GD map has det DG ≡ 0 in θ.

    For a polynomial loss det(I − ηH) is a polynomial in θ whose coefficients are
    polynomials in η; it vanishes identically exactly at the common positive real
    roots of those coefficients. With at most :data:`EXPAND_DET_MAX_PARAMS` parameters
    the determinant is expanded and the roots of the gcd of its coefficients are the
    answer. With more, the same is decided by exact evaluation: the polynomials
    p_k(η) = det(I − ηH(θ_k)) at rational points θ_k have a gcd whose positive roots
    contain every singular η (a singular η is a root of every p_k); a root r is singular
    only if det(I − rH(θ)) expands to 0, which is then checked. This is the
    non-singularity hypothesis of Ahn, Zhang & Sra (Theorem 1) and Crăciun &
    Ghoshdastidar.
    """
    if not loss.is_polynomial:
        return NonSingularity(gd_jacobian_det(loss, ETA), (), False)
    if loss.n <= EXPAND_DET_MAX_PARAMS:
        det = gd_jacobian_det(loss, ETA)
        coefficients = sp.Poly(det, *loss.params).coeffs()
        common = sp.Poly(coefficients[0], ETA)
        for c in coefficients[1:]:
            common = sp.gcd(common, sp.Poly(c, ETA))
        candidates = (sorted({r for r in common.real_roots() if r.is_positive},
                             key=lambda r: sp.N(r)) if common.degree() > 0 else [])
        return NonSingularity(det, tuple(candidates), True)
    common = None
    for point in _sample_points(loss.n, 4):
        p = _det_at(loss, point)
        common = p if common is None else sp.gcd(common, p)
        if common.degree() == 0:
            return NonSingularity(None, (), True)
    roots = sorted({r for r in common.real_roots() if r.is_positive}, key=lambda r: sp.N(r))
    singular = tuple(r for r in roots
                     if sp.expand(gd_jacobian(loss, ETA).subs(ETA, r).det(method="berkowitz"))
                     == 0)
    return NonSingularity(None, singular, True)
