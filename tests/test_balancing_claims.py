"""The balancing claims of :mod:`proofs_check.balancing` and
:mod:`symstab.dynamics.imbalance`.

Expected values are derived independently:

* ½(1 − xy)² at (2, 1/10), h = 1/5: r = 1 − xy = 4/5, x' = x + hry = 2.016,
  y' = y + hrx = 0.42, x'² − y'² = 3.887856 = (1 − h²r²)(x² − y²) = 0.9744 · 3.99.
* ½‖Y − uvᵀ‖² with Y = ½[[1, 1], [1, 1]]: σ = ‖Y‖₂ = 1 (NumPy SVD); at u = (1, 1),
  v = (1/2, 1/2) (uvᵀ = Y) the Hessian's largest eigenvalue is ‖u‖² + ‖v‖² = 5/2 and
  ‖u‖‖v‖ = σ, so the stability bound reads |D| <= √(4/h² − 4σ²).
* limits and imbalances are compared with plain float64 GD loops.
"""

import math

import numpy as np
import pytest
import sympy as sp

from proofs_check import balancing
from proofs_check.core import Budget
from symstab.dynamics.imbalance import imbalance_run, spectral_radius
from symstab.errors import InputError
from symstab.loss import Loss

R = sp.Rational


@pytest.fixture(scope="module")
def results():
    return {c.id: c.check(Budget.reduced()) for c in balancing.seed_claims()}


def test_every_claim_has_its_expected_verdict(results):
    for r in results.values():
        assert r.verdict == r.expected, r.explain()
    assert str(results["balancing.identity"].evidence.strength) == "exact"
    assert all(r.counterexample is not None for k, r in results.items() if k.startswith("false."))


def test_scalar_step_by_hand():
    x, y, h = 2.0, 0.1, 0.2
    r = 1 - x * y
    x1, y1 = x + h * r * y, y + h * r * x
    assert (x1, y1) == pytest.approx((2.016, 0.42))
    assert x1**2 - y1**2 == pytest.approx(3.887856)
    assert (1 - h**2 * r**2) * (x**2 - y**2) == pytest.approx(3.887856)


def _gd_xy(x: float, y: float, h: float, steps: int = 20000) -> tuple[float, float]:
    for _ in range(steps):
        r = 1 - x * y
        x, y = x + h * r * y, y + h * r * x
    return x, y


def test_imbalance_run_matches_a_float_loop():
    run = imbalance_run(Loss.from_catalog("xy"), ((0,), (1,)), (R(2), R(1, 10)), R(3, 10),
                        dps=30)
    x, y = _gd_xy(2.0, 0.1, 0.3)
    assert run.outcome == "converged"
    assert run.imbalance0 == pytest.approx(3.99)
    assert run.imbalance == pytest.approx(x * x - y * y, rel=1e-9)
    assert run.sharpness == pytest.approx(x * x + y * y, rel=1e-9)  # at xy = 1


def test_imbalance_run_flags_divergence_and_bad_blocks():
    xy = Loss.from_catalog("xy")
    assert imbalance_run(xy, ((0,), (1,)), (R(2), R(1, 10)), 1, dps=20).outcome == "diverged"
    with pytest.raises(InputError):
        imbalance_run(xy, ((0,), (0,)), (R(2), R(1, 10)), R(1, 10))


def test_spectral_radius_matches_numpy():
    xy = Loss.from_catalog("xy")
    x, y = 3.0, 0.1
    H = np.array([[y * y, 2 * x * y - 1], [2 * x * y - 1, x * x]])
    got = float(spectral_radius(xy, (R(3), R(1, 10))))
    assert got == pytest.approx(max(abs(np.linalg.eigvalsh(H))), rel=1e-12)


def test_matrix_factorisation_loss_and_its_sharpness_at_a_minimum():
    loss, sigma = balancing.matrix_factorisation()
    Y = np.array([[1, 1], [1, 1]]) / 2
    assert float(sigma) == pytest.approx(np.linalg.svd(Y, compute_uv=False)[0])
    f = sp.lambdify(loss.params, loss.expr)
    assert f(1, 0, 1, 0) == pytest.approx(0.5)  # Y − e1e1ᵀ has entries ±1/2
    H = np.array(sp.hessian(loss.expr, loss.params).subs(
        dict(zip(loss.params, (1, 1, R(1, 2), R(1, 2)), strict=True))), dtype=float)
    assert np.linalg.eigvalsh(H)[-1] == pytest.approx(2.5)


def _gd_mf(u: np.ndarray, v: np.ndarray, h: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    Y = np.array([[1, 1], [1, 1]]) / 2
    for _ in range(steps):
        Rm = np.outer(u, v) - Y
        u, v = u - h * Rm @ v, v - h * Rm.T @ u
    return u, v


def test_matrix_limit_within_bound_by_a_float_loop():
    loss, _ = balancing.matrix_factorisation()
    start = (R(3), R(2), R(1, 10), R(1, 10))
    L = float(spectral_radius(loss, start))
    h = 3 / L
    u, v = _gd_mf(np.array([3.0, 2.0]), np.array([0.1, 0.1]), h, 5000)
    D = u @ u - v @ v
    assert np.linalg.norm(np.outer(u, v) - np.array([[1, 1], [1, 1]]) / 2) < 1e-10
    assert abs(D) <= math.sqrt(4 / h**2 - 4)
    assert abs(D) < 13 - 0.02  # |D0| = 9 + 4 − 0.02
    run = imbalance_run(loss, ((0, 1), (2, 3)), start, sp.nsimplify(h), dps=30)
    assert run.imbalance == pytest.approx(D, rel=1e-8)


def test_small_steps_nearly_conserve_the_imbalance():
    # gradient flow conserves x² − y²; h·L = 1/4 keeps almost all of it
    L = float(spectral_radius(Loss.from_catalog("xy"), (R(2), R(1, 10))))
    x, y = _gd_xy(2.0, 0.1, 0.25 / L, 50000)
    assert x * x - y * y > 0.9 * 3.99


def test_two_column_factorisation_loss_by_hand():
    loss, _ = balancing.matrix_factorisation(2)
    assert loss.n == 8
    f = sp.lambdify(loss.params, loss.expr)
    # U = V = [[1, 0], [0, 0]]: UVᵀ = e1e1ᵀ, the residual has entries ±1/2, f = 1/2
    assert f(1, 0, 0, 0, 1, 0, 0, 0) == pytest.approx(0.5)
    # U = [[1, 0], [1, 0]], V = [[1/2, 0], [1/2, 0]]: UVᵀ = Y, f = 0
    assert f(1, 0, 1, 0, 0.5, 0, 0.5, 0) == pytest.approx(0.0)
