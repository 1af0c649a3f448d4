"""The exact analysis of deep chains ½(1 − x1⋯xD)² at depths 7 and 8, against values
derived by hand.

With P = x1⋯xD and r = 1 − P, ∇f = −r∇P and H = ∇P∇Pᵀ − r∇²P. On the minima P = 1 the
Hessian is ∇P∇Pᵀ: rank one, its one nonzero eigenvalue |∇P|² = Σ_i (P/x_i)² = Σ_i 1/x_i².
At the balanced point x_i = 1, H is the all-ones matrix: eigenvalues D (once) and 0. By
AM-GM, Σ 1/x_i² >= D·(∏ 1/x_i²)^(1/D) = D on P = 1, with equality exactly where every
x_i² = 1, i.e. at the 2^(D−1) sign patterns with an even number of minus signs: so
inf λmax = D and the critical step size is η = 2/D. The other critical points are the
codimension-2 planes x_i = x_j = 0 (all partials vanish when two factors are zero):
C(D, 2) of them, saddles: f = ½ there, and moving x_i = t, x_j = ±t off the plane makes
P = ±t²·(product of the others) positive one way and negative the other, so f = ½(1 − P)²
drops below ½ one way and rises above it the other. A NumPy computation of the Hessian's
eigenvalues at random points of P = 1 is the second method.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import sympy as sp

from symstab.exact import derivatives as d
from symstab.exact.analysis import analyze
from symstab.exact.critical import Component
from symstab.exact.manifold import (
    analyze_component,
    critical_points_in_chart,
    rational_parametrization,
)
from symstab.loss import Loss


@pytest.fixture(scope="module", params=[7, 8])
def chain(request: pytest.FixtureRequest) -> tuple[int, object]:
    depth = request.param
    return depth, analyze(Loss.from_catalog(f"deep-chain-{depth}"), sp.Rational(1, 2))


def test_the_critical_set_by_hand(chain: tuple[int, object]) -> None:
    depth, r = chain
    assert r.critical_set_status == "complete" and not r.points
    names = [f"x{i}" for i in range(1, depth + 1)]
    planes = {tuple(pair) for pair in itertools.combinations(names, 2)}
    product = "*".join(names) + " - 1"
    eqs = {tuple(sp.sstr(e) for e in c.component.equations) for c in r.components}
    assert eqs == {(product,)} | planes
    assert len(r.components) == 1 + math.comb(depth, 2)
    kinds = {c.kind for c in r.components[1:]}
    assert kinds == {"saddles"}


def test_sharpness_and_threshold_on_the_minima(chain: tuple[int, object]) -> None:
    depth, r = chain
    minima = r.components[0]
    assert minima.component.dimension == depth - 1
    assert minima.kind == "global minima (non-strict, Morse-Bott)"
    assert minima.loss_value == 0
    # λmax on P = 1 is Σ_i ∏_(j≠i) x_j², and its infimum D is attained at x_i = 1
    x = minima.component.params
    expected_q = sum(sp.Mul(*(xj**2 for xj in x if xj != xi)) for xi in x)
    assert sp.expand(minima.transverse_eigenvalue - expected_q) == 0
    assert minima.lambda_max_infimum.expr == depth
    assert minima.eta_critical.expr == sp.Rational(2, depth)
    assert r.eta_critical.expr == sp.Rational(2, depth)


def test_balanced_point_hessian_by_numpy(chain: tuple[int, object]) -> None:
    depth, r = chain
    hess = sp.lambdify(r.loss.params, r.hessian, "numpy")
    # balanced point: the all-ones matrix, eigenvalues D and 0 (D − 1 times)
    eig = np.linalg.eigvalsh(np.array(hess(*([1.0] * depth)), dtype=float))
    assert eig[-1] == pytest.approx(depth, abs=1e-9)
    assert np.allclose(eig[:-1], 0.0, atol=1e-9)
    # elsewhere on P = 1 the largest eigenvalue is Σ 1/x_i² >= D
    rng = np.random.default_rng(depth)
    for _ in range(50):
        point = rng.uniform(0.4, 2.5, depth) * rng.choice([-1.0, 1.0], depth)
        point[-1] = 1.0 / np.prod(point[:-1])
        lam = np.linalg.eigvalsh(np.array(hess(*point), dtype=float))[-1]
        assert lam == pytest.approx(np.sum(1.0 / point**2), rel=1e-9)
        assert lam >= depth - 1e-9


def test_critical_points_of_lambda_max_in_the_chart() -> None:
    # chart x1..x6 free, x7 = 1/(x1⋯x6): the critical points are x_i = ±1 with any signs
    # (x7 then fixes the parity), 2^6 of them, each with λmax = 7
    depth = 7
    loss = Loss.from_catalog(f"deep-chain-{depth}")
    x = loss.params
    phi = rational_parametrization((sp.Mul(*x) - 1,), x, depth - 1)
    assert phi is not None and phi.free == x[:-1]
    q = sum(sp.Mul(*(xj**2 for xj in x if xj != xi)) for xi in x)
    q_u = phi.compose(q)
    points = critical_points_in_chart(q_u, phi.free)
    assert sorted(points) == sorted(itertools.product((1, -1), repeat=depth - 1))
    assert {q_u.xreplace(dict(zip(phi.free, p, strict=True))) for p in points} == {depth}


def test_component_analysis_of_the_minima_alone() -> None:
    loss = Loss.from_catalog("deep-chain-8")
    x = loss.params
    component = Component(x, (sp.Mul(*x) - 1,), 7, tuple([sp.Integer(1)] * 8))
    c = analyze_component(component, loss.expr, d.hessian(loss), sp.Rational(1, 5))
    assert c.kind.startswith("minima")
    assert c.lambda_max_infimum.expr == 8 and c.eta_critical.expr == sp.Rational(1, 4)
