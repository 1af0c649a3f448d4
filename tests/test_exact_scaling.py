"""The exact analysis at more parameters: non-singularity by exact evaluation, the
rank-one shortcut on squared-residual minima, deep chains."""

from __future__ import annotations

import itertools

import sympy as sp

from symstab.exact import derivatives as d
from symstab.exact.analysis import analyze
from symstab.exact.manifold import transverse_polynomial
from symstab.loss import Loss


def test_singular_step_sizes_of_a_five_parameter_quadratic() -> None:
    # f = Σ k·x_k²/2, H = diag(1..5): det(I − ηH) = Π(1 − kη) is constant in θ, so it
    # vanishes identically exactly at η = 1/k
    loss = Loss.from_text("x1**2/2 + x2**2 + 3*x3**2/2 + 2*x4**2 + 5*x5**2/2")
    ns = d.nonsingularity(loss)
    assert ns.determinant is None and ns.decided
    assert ns.singular_etas == tuple(sp.Rational(1, k) for k in (5, 4, 3, 2, 1))


def test_deep_chain_five_by_hand() -> None:
    # ½(1 − x1⋯x5)²: ∂f/∂x_i = −(1 − P)Π_(j≠i) x_j, so the critical set is P = 1 and the
    # planes x_i = x_j = 0 (i < j): 1 + C(5, 2) = 11 components, no isolated points
    r = analyze(Loss.from_catalog("deep-chain-5"), sp.Rational(1, 2))
    assert r.critical_set_status == "complete" and not r.points
    eqs = {tuple(sp.sstr(e) for e in c.component.equations) for c in r.components}
    names = [f"x{i}" for i in range(1, 6)]
    planes = {(a, b) for a, b in itertools.combinations(names, 2)}
    assert eqs == {("x1*x2*x3*x4*x5 - 1",)} | planes
    assert r.singular_etas == ()  # det(I − ηH) ≢ 0 for every η > 0


def test_rank_one_shortcut_agrees_with_the_determinant() -> None:
    loss = Loss.from_catalog("chain3")
    a, b, c = loss.params
    hess = sp.hessian(loss.expr, loss.params)
    p, m = transverse_polynomial(hess, (a * b * c - 1,), loss.params)
    # direct: χ_H(λ) with c = 1/(ab) substituted, as a rational function
    lam = sp.Symbol("lambda")
    direct = sp.factor((lam * sp.eye(3) - hess).det().subs(c, 1 / (a * b)))
    shortcut = sp.factor((lam**m * p).subs(c, 1 / (a * b)))
    assert m == 2 and sp.simplify(direct - shortcut) == 0


def test_reduction_at_a_rational_point_is_substitution() -> None:
    # at a rational point, the value in Q(alpha) = Q is the polynomial evaluated there;
    # t (not a parameter) stands for alpha, the root of t + 3/2
    from symstab.exact.algebraic import AlgebraicPoint, T

    x, y = sp.symbols("x y")
    point = AlgebraicPoint((x, y), sp.Poly(T + sp.Rational(3, 2), T, domain=sp.QQ), 0,
                           (sp.Poly(sp.Rational(2, 3), T, domain=sp.QQ),
                            sp.Poly(-5, T, domain=sp.QQ)))
    for expr in (x**3 * y - 7 * y**2 / 5 + 1, sp.Integer(4), x * T**2 - y):
        direct = expr.xreplace({x: sp.Rational(2, 3), y: -5, T: sp.Rational(-3, 2)})
        assert point.reduce(expr) == sp.Poly(direct, T, domain=sp.QQ)
    # the Hessian of deep-chain-4 at (1, 2, 1/2, 1), where P = x1x2x3x4 = 1: the entry
    # ∂²/∂x1∂x2 of ½(1 − P)² is P_1 P_2 − (1 − P) P_12 = (P/x1)(P/x2) = 1 · 1/2
    loss = Loss.from_catalog("deep-chain-4")
    h = d.hessian(loss)
    at = AlgebraicPoint(loss.params, sp.Poly(T - 1, T, domain=sp.QQ), 0,
                        tuple(sp.Poly(v, T, domain=sp.QQ) for v in (1, 2, sp.Rational(1, 2), 1)))
    assert at.reduce(h[0, 1]) == sp.Poly(sp.Rational(1, 2), T, domain=sp.QQ)
