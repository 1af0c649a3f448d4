"""The proof of Chen et al.'s Theorem 3: the constants of eq. (36), the ε of eq. (42),
and M₁ as printed (an erratum)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from proofs_check import chen_theorem3_proof as t3
from proofs_check.core import Budget, Verdict
from symstab.codegen import compile_loss
from symstab.loss import Loss

F1 = Loss.from_catalog("f1")  # x² + y² + x²y + x³ + y³
BOX = ((-1.5, 1.5), (-1.5, 1.5))


def _f1_numpy(x, y):
    f = x**2 + y**2 + x**2 * y + x**3 + y**3
    gx, gy = 2 * x + 2 * x * y + 3 * x**2, 2 * y + x**2 + 3 * y**2
    return f, np.hypot(gx, gy)


def test_unit_ball_bounds_enclose_the_maxima_around_the_origin():
    target = compile_loss(F1.expr, F1.params).interval(50)
    f_max, g_max, h_max = t3._unit_box_bounds(target, [[target.enclose(0)] * 2])
    # a fine sample of the closed unit disc: the bounds are above every sampled value
    r, phi = np.meshgrid(np.linspace(0, 1, 400), np.linspace(0, 2 * np.pi, 800))
    f, g = _f1_numpy(r * np.cos(phi), r * np.sin(phi))
    assert float(f_max) >= np.abs(f).max() >= 2.0  # f1(1, 0) = 2
    assert float(g_max) >= g.max() >= math.sqrt(26)  # ∇f1(1, 0) = (5, 1)
    # H(1, 0) = [[8, 2], [2, 2]]: λmax = 5 + √13
    assert float(h_max) >= 5 + math.sqrt(13)
    # sub-boxes outside the disc are left out: the |f| bound stays near the true maximum
    # (without that, the corner (1, 1) of the box alone gives |f| = 5)
    assert float(f_max) < 1.5 * np.abs(f).max()


def test_epsilon_by_hand():
    # M = 1, M₁ = 2, M₂ = 3, ε' = 1/2, η = 1/2, K = 2: (1 + 3/2)² = 25/4 and
    # min(1, ε'/2, M/(4M₁)) = 1/8, so ε = (1/8)/(25/4) = 1/50, rounded down to 64 bits
    eps = t3._epsilon(Fraction(1), Fraction(2), Fraction(3), Fraction(1, 2),
                      Fraction(1, 2), 2)
    assert eps <= Fraction(1, 50) and Fraction(1, 50) - eps < Fraction(1, 50) * 2.0**-60


def test_the_epsilon_of_the_proof_works_on_f1():
    outcome = t3.epsilon_construction(F1, "4/5", BOX).check(Budget.reduced())
    assert outcome.verdict is Verdict.HOLDS
    for row in outcome.evidence.data["starts"]:
        growth = (1 + 0.8 * row["M2"]) ** row["K"]
        assert 0 < row["eps"] * growth <= min(1.0, row["eps_prime"] / 2) * (1 + 1e-12)
        assert 2 * row["eps"] * row["M1_gradient"] * growth < row["M"]


def test_m1_as_printed_is_refuted_on_f1():
    outcome = t3.m1_as_printed(F1, "4/5", BOX).check(Budget.reduced())
    assert outcome.verdict is Verdict.FAILS
    cex = outcome.counterexample
    xi = [sp.Rational(Fraction(float(c))) for c in cex.point]
    x, y = (float(c) for c in xi)
    start = [float(c) for c in cex.data["start"]]
    # the point lies in the unit ball around θ₀ (up to the printed digits) and the
    # gradient norm, by the formula of ∇f1, exceeds the printed M₁'s upper bound
    assert math.dist((x, y), start) <= 1 + 1e-9
    _, g = _f1_numpy(x, y)
    assert g == pytest.approx(cex.data["gradient_norm"], rel=1e-9)
    assert g > cex.data["M1_upper"]
