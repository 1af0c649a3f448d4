"""Exact facts of the seeds on smoothness, convexity, symmetry and Taylor's formula."""

from __future__ import annotations

import mpmath as mp
import pytest

from proofs_check import seed_claim
from proofs_check.core import Budget, Verdict

IDS_HOLD = ["taowang.smoothness.x2", "taowang.smoothness.x4", "taowang.smoothness.xy",
            "taowang.nonconvex.xy", "taowang.rescaling.xy", "chen.taylor-remainder.f1",
            "chen.taylor-remainder.f4", "taowang.local-minima-global.xy",
            "taowang.balanced-flattest.xy"]
IDS_FAIL = ["false.smoothness.x4-12", "false.convex.xy", "false.rescaling.xy-same-factor",
            "false.local-minima-global.f1", "false.flattest.xy-unbalanced"]


@pytest.mark.parametrize("claim_id", IDS_HOLD)
def test_facts_hold(claim_id: str) -> None:
    assert seed_claim(claim_id).check(Budget.reduced()).verdict is Verdict.HOLDS


@pytest.mark.parametrize("claim_id", IDS_FAIL)
def test_false_neighbours_fail_with_a_witness(claim_id: str) -> None:
    result = seed_claim(claim_id).check(Budget.reduced())
    assert result.verdict is Verdict.FAILS and not result.unexpected
    assert result.counterexample is not None


def test_x4_witness_by_hand() -> None:
    # (x⁴)'' = 12x²: 48 at x = 2, above the claimed 12
    cex = seed_claim("false.smoothness.x4-12").check(Budget.reduced()).counterexample
    x = int(cex.point[0])
    assert 12 * x * x > 12


def test_taylor_remainder_numerically_on_f4() -> None:
    # f4 = (1 − xy)² + (x² + y²)/20 at θ = (0.3, −1.2), α = 0.7, by mpmath quadrature
    with mp.workdps(30):
        _check_taylor_on_f4()


def _check_taylor_on_f4() -> None:

    def f(x, y):
        return (1 - x * y) ** 2 + (x**2 + y**2) / 20

    def grad(x, y):
        return (-2 * y * (1 - x * y) + x / 10, -2 * x * (1 - x * y) + y / 10)

    def hess(x, y):
        off = 4 * x * y - 2
        return ((2 * y * y + mp.mpf(1) / 10, off), (off, 2 * x * x + mp.mpf(1) / 10))

    x0, y0, a = mp.mpf("0.3"), mp.mpf("-1.2"), mp.mpf("0.7")
    gx, gy = grad(x0, y0)

    def integrand(s):
        h = hess(x0 - s * a * gx, y0 - s * a * gy)
        quad = gx * (h[0][0] * gx + h[0][1] * gy) + gy * (h[1][0] * gx + h[1][1] * gy)
        return (1 - s) * quad

    rhs = f(x0, y0) - a * (gx**2 + gy**2) + a**2 * mp.quad(integrand, [0, 1])
    assert abs(f(x0 - a * gx, y0 - a * gy) - rhs) < mp.mpf(10) ** -25


def test_sharpness_along_the_hyperbola_numerically() -> None:
    # ½(1 − xy)² at (x, 1/x): H = [[1/x², 1], [1, x²]], λmax = x² + 1/x² >= 2, = 2 at x = 1
    import numpy as np

    for x in (0.3, 0.9, 1.0, 2.0, -1.0, -3.5):
        y = 1 / x
        hess = np.array([[y * y, 2 * x * y - 1], [2 * x * y - 1, x * x]])
        lam = np.linalg.eigvalsh(hess)[-1]
        assert abs(lam - (x * x + y * y)) < 1e-12 and lam >= 2 - 1e-12
    # f1 = x² + y² + x²y + x³ + y³ at (−1, −1): 1 + 1 − 1 − 1 − 1 = −1 < f1(0, 0) = 0
    cex = seed_claim("false.local-minima-global.f1").check(Budget.reduced()).counterexample
    assert cex.point == ("-1", "-1")
