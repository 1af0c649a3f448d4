"""Losses that are sums of squares: f = f0 + Σ_k c_k r_k(θ)² with constants c_k > 0.

Every loss of a linear network with a squared error has this form (½(1 − xy)²,
(1 − xy)², ½(1 − abc)², the deep chains, ½‖W_d⋯W_1 − W*‖²), and so does any loss
written as a weighted sum of squared residuals. Then f >= f0, the set {f = f0} is the
common zero set of the residuals r = (r_1, ..., r_m), and with J = ∂r/∂θ (m × n):

    ∇f = 2 Jᵀ C r,    ‖∇f‖² = 4 rᵀ C J Jᵀ C r,    C = diag(c_k),

so that, wherever ν <= λmin(J Jᵀ) and λmax(J Jᵀ) <= Λ,

    4 c_min ν (f − f0) <= ‖∇f‖² <= 4 c_max Λ (f − f0).

The left inequality is a Polyak–Łojasiewicz inequality; both are what the certificate
of :mod:`symstab.certify.manifold` needs. :func:`residual_form` reads the form off the
expression as it is written (the sum of weighted squares is checked to equal the loss
exactly); it does not search for a sum-of-squares decomposition of an expanded
polynomial.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from symstab.loss import Loss

__all__ = ["ResidualForm", "residual_form"]


@dataclass(frozen=True)
class ResidualForm:
    """f = offset + Σ_k weights[k] · residuals[k]², proved equal to the loss.

    Attributes
    ----------
    offset
        The constant f0 (exact); f >= f0 everywhere.
    weights
        The positive exact constants c_k.
    residuals
        The residuals r_k, expressions in the loss parameters.
    params
        The loss parameters, in order.
    """

    offset: sp.Expr
    weights: tuple[sp.Expr, ...]
    residuals: tuple[sp.Expr, ...]
    params: tuple[sp.Symbol, ...]

    @cached_property
    def jacobian(self) -> tuple[tuple[sp.Expr, ...], ...]:
        """J = ∂r/∂θ, one row per residual."""
        return tuple(tuple(sp.diff(r, p) for p in self.params) for r in self.residuals)

    @cached_property
    def gram(self) -> tuple[tuple[sp.Expr, ...], ...]:
        """J Jᵀ (m × m, symmetric), expanded."""
        j = self.jacobian
        m = len(j)
        return tuple(
            tuple(sp.expand(sum((a * b for a, b in zip(j[i], j[k], strict=True)),
                                sp.Integer(0))) for k in range(m))
            for i in range(m)
        )

    def vanishes_at(self, point: tuple[sp.Expr, ...]) -> bool:
        """Whether every residual is exactly 0 at the exact point."""
        subs = dict(zip(self.params, point, strict=True))
        return all(sp.simplify(r.xreplace(subs)) == 0 for r in self.residuals)


def _even_power(expr: sp.Expr) -> bool:
    return bool(expr.is_Pow and expr.exp.is_Integer and expr.exp > 0 and expr.exp % 2 == 0)


def _squares(expr: sp.Expr, params: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, list] | None:
    """``(constant, [(c, r), ...])`` with expr = constant + Σ c r², or None."""
    if not expr.free_symbols & set(params):
        return expr, []
    if expr.is_Add:
        constant, terms = sp.Integer(0), []
        for arg in expr.args:
            part = _squares(arg, params)
            if part is None:
                return None
            constant += part[0]
            terms += part[1]
        return constant, terms
    if expr.is_Mul:
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_positive and coeff != 1:
            part = _squares(rest, params)
            if part is None or part[0] != 0:
                return None
            return sp.Integer(0), [(coeff * c, r) for c, r in part[1]]
        if coeff == 1 and all(_even_power(f) for f in expr.args):  # x²y² = (xy)²
            return sp.Integer(0), [(sp.Integer(1), sp.Mul(*(
                f.base ** (f.exp // 2) for f in expr.args)))]
        return None
    if _even_power(expr):
        return sp.Integer(0), [(sp.Integer(1), expr.base ** (expr.exp // 2))]
    return None


def residual_form(loss: Loss) -> ResidualForm | None:
    """The sum-of-squares form of ``loss`` as written, or ``None``.

    Parameters
    ----------
    loss
        The loss.

    Returns
    -------
    ResidualForm or None
        None unless the expression is a constant plus a sum of positive constants times
        even powers of expressions in the parameters (each even power q^(2j) is the
        square of q^j), and that sum equals the loss exactly.
    """
    found = _squares(loss.expr, loss.params)
    if found is None or not found[1]:
        return None
    offset, terms = found
    if not (offset.is_number and offset.is_real):
        return None
    if any(not (c.is_number and c.is_positive) for c, _ in terms):
        return None
    rebuilt = offset + sum((c * r**2 for c, r in terms), sp.Integer(0))
    if sp.expand(rebuilt - loss.expr) != 0:
        return None
    return ResidualForm(
        offset=offset,
        weights=tuple(c for c, _ in terms),
        residuals=tuple(r for _, r in terms),
        params=loss.params,
    )
