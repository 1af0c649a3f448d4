"""Matrix linear networks: catalog entries and exact facts, checked by hand and by a
second method (the generic exact analysis, numerical Hessians, numerical minimisation)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symstab.catalog import linear_net
from symstab.codegen import compile_loss
from symstab.errors import InputError
from symstab.exact.analysis import analyze
from symstab.exact.linear_net import network_facts
from symstab.loss import Loss


def test_catalog_builds_the_frobenius_loss() -> None:
    loss = Loss.from_catalog("linear-net:2x1x2")
    assert [str(p) for p in loss.params] == ["w1_11", "w1_12", "w2_11", "w2_21"]
    a, b, e, g = loss.params
    # W2 W1 = [[e a, e b], [g a, g b]] against diag(2, 1)
    by_hand = ((e * a - 2) ** 2 + (e * b) ** 2 + (g * a) ** 2 + (g * b - 1) ** 2) / 2
    assert sp.expand(loss.expr - by_hand) == 0
    # width-1 chains are the scalar chains of the catalog
    assert sp.expand(Loss.from_catalog("linear-net:1x1x1").expr
                     - Loss.from_catalog("xy").expr.subs(
                         dict(zip(Loss.from_catalog("xy").params,
                                  Loss.from_catalog("linear-net:1x1x1").params,
                                  strict=True)))) == 0


@pytest.mark.parametrize("name", ["linear-net:0x1x1", "linear-net:5x1x1", "linear-net:2x2",
                                  "linear-net:4x4x4x4x4"])
def test_bad_networks_are_refused_or_not_networks(name: str) -> None:
    if name == "linear-net:2x2":  # one layer is not a network name: unknown loss
        with pytest.raises(InputError, match="unknown catalog loss"):
            Loss.from_catalog(name)
        return
    with pytest.raises(InputError):
        linear_net(name)


@pytest.mark.parametrize(("name", "filling"), [
    ("linear-net:2x2x2", True), ("linear-net:2x1x2", False), ("linear-net:3x2x2", True),
    ("linear-net:2x3x2", True), ("linear-net:3x1x3", False), ("linear-net:3x2x3", False),
])
def test_filling_verdicts_by_hand(name: str, filling: bool) -> None:
    # filling iff the narrowest layer is as wide as min(input, output)
    assert network_facts(linear_net(name)).filling is filling


def test_non_filling_minimum_is_eckart_young() -> None:
    # 2 -> 1 -> 2 against diag(2, 1): the best rank-1 matrix is diag(2, 0), l = 1/2 there;
    # W2 W1 = diag(2, 0) forces b = g = 0 and e a = 2: M = {(a, 0, 2/a, 0)}, a curve
    facts = network_facts(linear_net("linear-net:2x1x2"))
    assert facts.min_on_rank_r == sp.Rational(1, 2) and facts.unique
    assert facts.minimiser == sp.Matrix([[2, 0], [0, 0]])
    assert not facts.minimum_is_global
    assert facts.dimension == facts.generic_dimension == 1
    loss = Loss.from_catalog("linear-net:2x1x2")
    assert loss.expr.subs(dict(zip(loss.params, facts.point, strict=True))) == sp.Rational(1, 2)
    # a second method: plain GD from random starts reaches the same value
    target = compile_loss(loss.expr, loss.params).numpy()
    rng = np.random.default_rng(0)
    theta = rng.normal(size=(200, 4))
    for _ in range(4000):
        theta = target.step(theta, 0.05)
    assert np.min(target.value(theta)) == pytest.approx(0.5, abs=1e-9)


def test_filling_minimum_and_dimension() -> None:
    facts = network_facts(linear_net("linear-net:2x2x2"))
    assert facts.min_on_rank_r == 0 and facts.minimum_is_global
    # M = {(W1, W* W1^-1)}: one copy of GL(2), dimension 4
    assert facts.dimension == facts.generic_dimension == 4
    assert facts.singular_values == (2, 1)


@pytest.mark.parametrize(("name", "catalog"), [("linear-net:1x1x1", "xy"),
                                               ("linear-net:1x1x1x1", "chain3")])
def test_critical_eta_agrees_with_the_generic_analysis(name: str, catalog: str) -> None:
    facts = network_facts(linear_net(name))
    generic = analyze(Loss.from_catalog(catalog)).eta_critical.expr
    assert sp.simplify(facts.eta_critical - generic) == 0


def test_lambda_max_bound_along_the_minima_numerically() -> None:
    # inf over M of λmax = L s1^(2(L-1)/L) = 4 for 2x2x2 against diag(2, 1): sample points
    # (W1, W* W1^-1) of M, and the balanced point W1 = W2 = diag(√2, 1)
    facts = network_facts(linear_net("linear-net:2x2x2"))
    assert facts.lambda_inf == 4 and facts.eta_critical == sp.Rational(1, 2)
    loss = Loss.from_catalog("linear-net:2x2x2")
    hess = compile_loss(loss.expr, loss.params).numpy()
    target = np.diag([2.0, 1.0])
    rng = np.random.default_rng(3)
    lams = []
    for _ in range(300):
        w1 = rng.normal(size=(2, 2))
        if abs(np.linalg.det(w1)) < 1e-2:
            continue
        w2 = target @ np.linalg.inv(w1)
        theta = np.concatenate([w1.ravel(), w2.ravel()])
        lams.append(np.linalg.eigvalsh(hess.hessian(theta))[-1])
    assert min(lams) >= 4.0 - 1e-9
    balanced = np.concatenate([np.diag([np.sqrt(2), 1.0]).ravel()] * 2)
    assert np.linalg.eigvalsh(hess.hessian(balanced))[-1] == pytest.approx(4.0, rel=1e-12)


def test_asymptotic_gradient_norm_jumps_at_the_critical_eta() -> None:
    # below the exact critical η (1 for xy, 1/2 for 2x2x2 against diag(2, 1)) almost every
    # start converges: the gradient norm falls to rounding level; above it no minimum is
    # stable, and the orbits that stay bounded keep a gradient of order 1
    from symstab.dynamics.gradient_norm import asymptotic_gradient_norm

    for name, box, below, above in (("xy", [(-2, 2)] * 2, "0.6", "1.2"),
                                    ("linear-net:2x2x2", [(-1.5, 1.5)] * 8, "0.4", "0.55")):
        s = asymptotic_gradient_norm(Loss.from_catalog(name), [below, above], box, 300,
                                     steps=3000, tail=100)
        low, high = s.points
        assert low.median < 1e-10 and low.diverged < 300
        assert high.diverged < 300 and high.q10 > 1e-3


def test_asymptotic_gradient_norm_of_a_quadratic() -> None:
    # x²/2 + y²: λmax = 2, so at η = 1.1 the y-component is multiplied by 1 - 2.2 = -1.2
    # at each step and every start with y != 0 diverges; at η = 1/2 y is 0 after a step
    from symstab.dynamics.gradient_norm import asymptotic_gradient_norm

    loss = Loss.from_text("x^2/2 + y^2", "x,y")
    s = asymptotic_gradient_norm(loss, ["1/2", "1.1"], [(0.5, 1), (0.5, 1)], 50, steps=400,
                                 tail=10)
    assert s.points[0].diverged == 0 and s.points[0].median < 1e-30
    assert s.points[1].diverged == 50
    with pytest.raises(InputError):
        asymptotic_gradient_norm(loss, ["1/2"], [(0, 1), (0, 1)], 10, steps=5, tail=10)


def test_non_filling_sharpness_along_the_minima_by_hand() -> None:
    # 2 -> 1 -> 2: on M = {(a, 0, 2/a, 0)} the Hessian is, in (a, b, e, g) order with
    # e = 2/a, [[e², 0, ae, 0], [0, e², 0, -1], [ae, 0, a², 0], [0, -1, 0, a²]]: its
    # largest eigenvalue is a² + e² = a² + 4/a² >= 4, with equality at a² = 2
    facts = network_facts(linear_net("linear-net:2x1x2"))
    assert facts.lambda_inf == 4 and facts.eta_critical == sp.Rational(1, 2)
    loss = Loss.from_catalog("linear-net:2x1x2")
    hess = compile_loss(loss.expr, loss.params).numpy()
    for a in (0.3, 0.8, 1.0, np.sqrt(2.0), 2.5, -1.7):
        lam = np.linalg.eigvalsh(hess.hessian(np.array([a, 0.0, 2.0 / a, 0.0])))[-1]
        assert lam == pytest.approx(a * a + 4.0 / (a * a), rel=1e-12)


def test_data_form_is_the_target_form_plus_the_noise() -> None:
    spec = linear_net("linear-net:2x2x2:data")
    x, y = (np.array(m.tolist(), dtype=float) for m in spec.data)
    assert np.allclose(x @ x.T, np.eye(2))
    rng = np.random.default_rng(5)
    loss = Loss.from_catalog("linear-net:2x2x2:data")
    value = compile_loss(loss.expr, loss.params).numpy().value
    for _ in range(5):
        w1, w2 = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
        by_hand = 0.5 * np.sum((w2 @ w1 @ x - y) ** 2)
        # Y = diag(2, 1) X + e1 hᵀ with h ⟂ rows of X and ‖h‖ = 1: the noise adds ½
        target_form = 0.5 * np.sum((w2 @ w1 - np.diag([2.0, 1.0])) ** 2) + 0.5
        theta = np.concatenate([w1.ravel(), w2.ravel()])
        assert value(theta) == pytest.approx(by_hand, rel=1e-12)
        assert by_hand == pytest.approx(target_form, rel=1e-12)


def test_data_form_facts_by_hand() -> None:
    filling = network_facts(linear_net("linear-net:2x2x2:data"))
    assert filling.min_on_rank_r == sp.Rational(1, 2)
    assert filling.eta_critical == sp.Rational(1, 2)  # the Hessian is the target form's
    # bottleneck: Eckart–Young drops s2 = 1 (½·1²) and the noise adds ½
    assert network_facts(linear_net("linear-net:2x1x2:data")).min_on_rank_r == 1


def test_unwhitened_data_is_refused() -> None:
    from symstab.catalog import LinearNetSpec

    with pytest.raises(ValueError, match="whitened"):
        LinearNetSpec.on_data((2, 2, 2), sp.Matrix([[1, 1], [0, 1]]), sp.eye(2))


def test_positive_fraction_below_the_critical_eta() -> None:
    from proofs_check import seed_claim
    from proofs_check.core import Budget, Verdict

    result = seed_claim("craciun.positive-fraction.linear-net-2x1x2.2_5").check(Budget.reduced())
    assert result.verdict is Verdict.HOLDS and result.evidence.bound[0] > 0
    # a plain NumPy GD loop on ½‖W2 W1 − diag(2, 1)‖² (2→1→2) at η = 2/5 reaches the
    # Eckart–Young value ½ from most starts in [−1.5, 1.5]⁴
    rng = np.random.default_rng(1)
    target, reached = np.diag([2.0, 1.0]), 0
    for _ in range(20):
        w1, w2 = rng.uniform(-1.5, 1.5, (1, 2)), rng.uniform(-1.5, 1.5, (2, 1))
        for _ in range(3000):
            r = w2 @ w1 - target
            w1, w2 = w1 - 0.4 * w2.T @ r, w2 - 0.4 * r @ w1.T
            if not np.isfinite(r).all() or np.abs(r).max() > 1e6:
                break
        reached += abs(0.5 * np.sum((w2 @ w1 - target) ** 2) - 0.5) < 1e-10
    assert reached >= 15
