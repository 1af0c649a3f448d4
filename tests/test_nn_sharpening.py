"""Tests of the sharpness recorded along GD (:mod:`symstab.nn.sharpening`) and of the
progressive-sharpening / unstable-convergence claims.

Expected values: dense Hessians by ``jax.hessian`` of a loss written here, GD iterates
by a loop written here on a flat parameter vector, the relative progress of a quadratic
by its closed form ``−1 + (η/2) gᵀHg / gᵀg``, and sign changes counted by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from symstab.nn import (
    MLPSpec,
    flatten,
    init_params,
    lanczos_extreme,
    load_digits_subset,
    sharpness_trace,
    sign_changes,
)


def test_sign_changes_by_hand() -> None:
    assert sign_changes(np.array([1.0, -1.0, 2.0, 3.0, -0.5])) == 3
    assert sign_changes(np.array([1.0, 0.0, 2.0, np.nan, 3.0])) == 0  # zeros, nan skipped
    cols = np.array([[1.0, 1.0], [-1.0, 2.0], [1.0, 3.0]])
    assert sign_changes(cols).tolist() == [2, 0]


def test_lanczos_warm_start_and_rtol() -> None:
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((40, 40)))
    d = np.linspace(-1.0, 5.0, 40)
    H = Q @ np.diag(d) @ Q.T
    top = Q[:, -1]
    # started at the top eigenvector, the Krylov space is invariant after one step
    r = lanczos_extreme(lambda v: H @ v, 40, iterations=30, start=top)
    assert r.iterations == 1 and r.lambda_max == pytest.approx(5.0, abs=1e-12)
    # with rtol, it stops once the residual bound is small enough, and the bound holds
    r2 = lanczos_extreme(lambda v: H @ v, 40, iterations=40, rtol=1e-3, seed=3)
    assert r2.iterations < 40 and r2.residual <= 1e-3 * abs(r2.lambda_max)
    assert abs(r2.lambda_max - 5.0) <= r2.residual + 1e-12
    assert r2.vector is not None and np.linalg.norm(r2.vector) == pytest.approx(1.0)


def test_lanczos_batch_matches_known_spectra() -> None:
    from symstab.nn.lanczos import lanczos_extreme_batch

    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((30, 30)))
    spectra = [np.linspace(-2.0, 3.0, 30), np.linspace(0.5, 9.0, 30),
               np.linspace(-1.0, 1.0, 30)]
    Hs = [Q @ np.diag(d) @ Q.T for d in spectra]
    starts = np.zeros((3, 30))
    starts[2] = Q[:, -1]  # the third starts at its top eigenvector: one step suffices

    def matvec(V):
        return np.stack([H @ v for H, v in zip(Hs, V, strict=True)])

    res = lanczos_extreme_batch(matvec, 30, 3, iterations=30, starts=starts)
    for r, d in zip(res, spectra, strict=True):
        assert r.lambda_max == pytest.approx(d[-1], abs=1e-10)
    assert res[2].iterations == 1 and res[0].lambda_min == pytest.approx(-2.0, abs=1e-10)
    fast = lanczos_extreme_batch(matvec, 30, 3, iterations=30, rtol=1e-4, seed=2)
    for r, d in zip(fast, spectra, strict=True):
        assert r.residual <= 1e-4 * abs(r.lambda_max) and abs(r.lambda_max - d[-1]) <= r.residual


def test_sharpness_trace_matches_dense_hessian_along_gd() -> None:
    import jax
    jnp = jax.numpy
    jax.config.update("jax_enable_x64", True)
    data = load_digits_subset(24, seed=5)
    spec = MLPSpec(depth=2, width=4)  # 77 parameters
    params = init_params(spec, 2, seed=11)
    etas = np.array([0.3, 1.0])
    steps, every = 8, 4
    tr = sharpness_trace(spec, data, params, etas, steps, every, iterations=77,
                         at=np.array([7]))
    assert tr.steps.tolist() == [0, 4, 7, 8]
    X, Y = jnp.asarray(data.X), jnp.asarray(data.Y)
    sizes = list(zip(spec.dims[:-1], spec.dims[1:], strict=True))

    def loss(v):  # written here, independently of symstab.nn
        h, i = X, 0
        for layer, (a, b) in enumerate(sizes):
            W = v[i:i + a * b].reshape(a, b)
            i += a * b
            h = h @ W + v[i:i + b]
            i += b
            if layer < len(sizes) - 1:
                h = 0.5 * h * (1 + jax.scipy.special.erf(h / jnp.sqrt(2.0)))
        return jnp.sum((h - Y) ** 2) / X.shape[0]

    grad, hess = jax.jit(jax.grad(loss)), jax.jit(jax.hessian(loss))
    for j, eta in enumerate(etas):
        theta = jnp.asarray(flatten(params, j))
        for k in range(steps + 1):
            assert tr.losses[k, j] == pytest.approx(float(loss(theta)), rel=1e-10)
            assert tr.grad_norms[k, j] == pytest.approx(
                float(jnp.linalg.norm(grad(theta))), rel=1e-9)
            if k in tr.steps:
                i = tr.steps.tolist().index(k)
                lam = np.linalg.eigvalsh(np.asarray(hess(theta)))[-1]
                assert tr.lambda_max[i, j] == pytest.approx(lam, rel=1e-8)
            theta = theta - eta * grad(theta)
    assert not tr.diverged.any()
    assert np.allclose(tr.ratio(), tr.lambda_max * etas / 2)


def test_relative_progress_of_a_quadratic() -> None:
    # depth 0, identity: L(Θ) = (1/n)||Z Θ − Y||², Hessian A ⊗ I with A = (2/n) ZᵀZ
    data = load_digits_subset(20, seed=4)
    spec = MLPSpec(depth=0, activation="identity")
    params = init_params(spec, 1, seed=3)
    Z = np.hstack([data.X, np.ones((20, 1))])
    A = 2 / 20 * Z.T @ Z
    eta = 0.5 / np.linalg.eigvalsh(A)[-1]
    tr = sharpness_trace(spec, data, params, np.array([eta]), 3, 3, iterations=40)
    theta = np.vstack([params[0][0][0], params[0][1][0]])
    for k in range(3):
        G = A @ theta - 2 / 20 * Z.T @ data.Y  # ∇L as a (65, 10) matrix
        rp = -1 + eta / 2 * np.sum(G * (A @ G)) / np.sum(G * G)
        assert tr.relative_progress()[k, 0] == pytest.approx(rp, rel=1e-7)
        theta = theta - eta * G
    assert tr.lambda_max[0, 0] == pytest.approx(np.linalg.eigvalsh(A)[-1], rel=1e-9)


def test_sharpness_trace_stops_diverging_runs() -> None:
    data = load_digits_subset(24, seed=5)
    spec = MLPSpec(depth=1, width=4)
    params = init_params(spec, 2, seed=1)
    tr = sharpness_trace(spec, data, params, np.array([0.05, 200.0]), 20, 5, iterations=10)
    assert tr.diverged.tolist() == [False, True]
    assert np.all(np.isfinite(tr.lambda_max[:, 0])) and np.isnan(tr.lambda_max[-1, 1])


def test_sharpness_trace_figure(tmp_path) -> None:
    from symstab.plot.network import sharpness_trace_figure

    data = load_digits_subset(24, seed=5)
    spec = MLPSpec(depth=1, width=4)
    params = init_params(spec, 2, seed=1)
    tr = sharpness_trace(spec, data, params, np.array([0.1, 0.2]), 20, 5, iterations=10)
    fig = sharpness_trace_figure(tr, depth=1, path=tmp_path / "s.png")
    ax = fig.axes[0]
    assert (tmp_path / "s.png").stat().st_size > 0 and ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "2/η = 20" in labels and "2/η = 10" in labels and "η = 0.1" in labels
    bounds = [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("bound")]
    assert sorted(ln.get_ydata()[0] for ln in bounds) == pytest.approx([10.0, 20.0])


def test_eos_claims_reduced_budget() -> None:
    from proofs_check.core import Budget, Verdict
    from proofs_check.networks import eos_claims

    claims = eos_claims()
    assert len(claims) == 4
    for claim in claims:
        result = claim.check(Budget.reduced())
        assert result.verdict == claim.expected, result.explain()
        assert result.evidence.strength == "numerical"
        if claim.expected == Verdict.FAILS:
            assert "false-variant" in claim.tags and result.counterexample is not None
