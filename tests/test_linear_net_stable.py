"""Stable minima of matrix linear networks: bounded at depth 2, an unbounded line deeper.

Hessians here come from a hand-written NumPy gradient of ½‖W2 W1 − W*‖² (or of the
depth-3 chain) differentiated by central differences, not from the toolkit's code
generation.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from proofs_check import seed_claim
from proofs_check.core import Budget, Verdict
from symstab.catalog import linear_net
from symstab.exact.linear_net_stable import stable_minima_bound, trace_identity_holds


def _grad_depth2(theta: np.ndarray, m: int, h: int, n: int, target: np.ndarray) -> np.ndarray:
    w1, w2 = theta[: h * n].reshape(h, n), theta[h * n:].reshape(m, h)
    r = w2 @ w1 - target
    return np.concatenate([(w2.T @ r).ravel(), (r @ w1.T).ravel()])


def _fd_hessian(grad, theta: np.ndarray, step: float = 1e-6) -> np.ndarray:
    cols = []
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = step
        cols.append((grad(theta + e) - grad(theta - e)) / (2 * step))
    h = np.array(cols)
    return (h + h.T) / 2


def test_trace_identity_is_exact_for_several_architectures() -> None:
    for name in ("linear-net:2x2x2", "linear-net:2x1x2", "linear-net:1x2x2x1",
                 "linear-net:2x3x2"):
        assert trace_identity_holds(linear_net(name))


def test_depth_two_trace_formula_by_finite_differences() -> None:
    # tr ∇²f = n‖W2‖² + m‖W1‖² at arbitrary (non-minimal) points: m = n = 2, h = 3
    rng = np.random.default_rng(3)
    target = np.diag([2.0, 1.0])
    for _ in range(5):
        theta = rng.normal(size=12)
        hess = _fd_hessian(lambda t: _grad_depth2(t, 2, 3, 2, target), theta)
        w1, w2 = theta[:6].reshape(3, 2), theta[6:].reshape(2, 3)
        assert abs(np.trace(hess) - (2 * np.sum(w2**2) + 2 * np.sum(w1**2))) < 1e-5


def test_depth_two_radius_against_random_minima() -> None:
    # filling 2x2x2 with W* = diag(2, 1): minima (S W1, W2 S^-1); the proved bound is
    # ‖θ‖² <= max(m, n) λmax = 2 λmax, and the claimed radius constant is 2·max(m, n) = 4
    bound = stable_minima_bound(linear_net("linear-net:2x2x2"), True)
    assert bound.bounded is True and bound.radius_sq_times_eta == 4
    target = np.diag([2.0, 1.0])
    rng = np.random.default_rng(0)
    ratios = []
    for _ in range(40):
        s = rng.normal(size=(2, 2))
        w1, w2 = s, target @ np.linalg.inv(s)
        theta = np.concatenate([w1.ravel(), w2.ravel()])
        hess = _fd_hessian(lambda t: _grad_depth2(t, 2, 2, 2, target), theta)
        lam = np.linalg.eigvalsh(hess)[-1]
        ratios.append(theta @ theta / (2 * lam))
    assert max(ratios) <= 1 + 1e-6
    # the bound is not vacuous: random minima come within a factor 2 of it
    assert max(ratios) > 0.5


def test_non_filling_constant_by_hand() -> None:
    bound = stable_minima_bound(linear_net("linear-net:2x1x2"), False)
    # N = 4 parameters, min(m, n) = 2: c = 2N/min(m, n) = 4
    assert bound.bounded is True and bound.radius_sq_times_eta == 4


def test_unbounded_line_for_one_two_two_one() -> None:
    bound = stable_minima_bound(linear_net("linear-net:1x2x2x1"), True)
    assert bound.bounded is False and bound.witness is not None
    w = bound.witness
    # θ(t): W1 = [1; 0], W2 = [[1, 0], [0, t]], W3 = [1, 0]; product 1 = W* for every t
    assert w.layer == 2
    assert w.point == (1, 0, 1, 0, 0, w.t, 1, 0)
    # on the chain a·b·c = 1 at (1, 1, 1) the Hessian is ∇r∇rᵀ with ∇r = (1, 1, 1): λ = 3
    assert w.lambda_max == 3

    def grad(theta: np.ndarray) -> np.ndarray:
        w1, w2, w3 = theta[:2].reshape(2, 1), theta[2:6].reshape(2, 2), theta[6:].reshape(1, 2)
        r = w3 @ w2 @ w1 - 1.0
        return np.concatenate([((w3 @ w2).T @ r).ravel(), (w3.T @ r @ w1.T).ravel(),
                               (r @ (w2 @ w1).T).ravel()])

    spectra = []
    for t in (0.0, 7.0, -300.0):
        theta = np.array([1, 0, 1, 0, 0, t, 1, 0], dtype=float)
        assert np.allclose(grad(theta), 0)
        spectra.append(np.linalg.eigvalsh(_fd_hessian(grad, theta, 1e-5)))
    assert np.allclose(spectra[0], spectra[1], atol=1e-6)
    assert np.allclose(spectra[0], spectra[2], atol=1e-4)
    assert abs(spectra[0][-1] - 3) < 1e-6


def test_claims_verdicts() -> None:
    budget = Budget.reduced()
    assert seed_claim("craciun.stable-bounded.linear-net-2x2x2.2_5").check(budget).verdict \
        is Verdict.HOLDS
    assert seed_claim("craciun.stable-bounded.linear-net-2x1x2.2_5").check(budget).verdict \
        is Verdict.HOLDS
    erratum = seed_claim("craciun.stable-bounded.linear-net-1x2x2x1.1_2")
    result = erratum.check(budget)
    assert result.verdict is Verdict.FAILS and not result.unexpected
    assert result.counterexample is not None
    # past the line's sharpness (2/η < 3) the same line is not stable: no counterexample
    from proofs_check.linear_nets import stable_minima_bounded

    above = stable_minima_bounded("linear-net:1x2x2x1", sp.Rational(3, 4)).check(budget)
    assert above.verdict is Verdict.INCONCLUSIVE
