"""Tests of the network experiment (:mod:`symstab.nn`).

Every expected value is derived independently of the code under test: dense Hessians by
finite differences of gradients and by ``jax.hessian`` of a loss written here, GD on an
affine model from the closed form ``Θ_k = M^k Θ_0 + Σ_{j<k} M^j η c`` (eigendecomposition
of ``M = I − η A``), a two-layer linear network from hand-derived gradient formulas,
and Wilson bounds from :func:`symstab.evidence.wilson_interval`'s definition.
"""

from __future__ import annotations

import numpy as np
import pytest

from symstab.errors import InputError
from symstab.evidence import wilson_interval
from symstab.nn import (
    CONVERGED,
    DIVERGED,
    Criterion,
    MLPSpec,
    constant_loss,
    converging_fraction,
    flatten,
    get_backend,
    init_params,
    lanczos_extreme,
    load_digits_subset,
    loss_numpy,
    run_gd,
    sharpness,
    unflatten,
)


@pytest.fixture(scope="module")
def tiny() -> tuple:
    data = load_digits_subset(24, seed=5)
    spec = MLPSpec(depth=2, width=4)
    return data, spec, init_params(spec, 3, seed=11)


# --------------------------------------------------------------------------------------
# data and model
# --------------------------------------------------------------------------------------


def test_digits_subset_deterministic_and_scaled() -> None:
    a = load_digits_subset(256, seed=0)
    b = load_digits_subset(256, seed=0)
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.X, b.X)
    assert a.X.shape == (256, 64) and a.Y.shape == (256, 10)
    assert a.X.min() >= 0.0 and a.X.max() <= 1.0 and a.X.max() == 1.0
    assert np.all(a.Y.sum(axis=1) == 1.0)
    assert np.array_equal(np.argmax(a.Y, axis=1), a.labels)
    assert not np.array_equal(a.indices, load_digits_subset(256, seed=1).indices)
    # one-hot: (1/n) Σ ||y − ȳ||² = Σ_j p_j (1 − p_j) = 1 − Σ_j p_j²
    p = np.bincount(a.labels, minlength=10) / 256
    assert constant_loss(a.Y) == pytest.approx(1 - np.sum(p * p), rel=1e-12)
    with pytest.raises(InputError):
        load_digits_subset(0)
    with pytest.raises(InputError):
        load_digits_subset(10, targets="bogus")  # type: ignore[arg-type]


def test_digits_read_from_the_file_equal_scikit_learns() -> None:
    # the pixels and classes are read from scikit-learn's CSV without importing it: they
    # must be exactly what sklearn.datasets.load_digits() returns
    from sklearn.datasets import load_digits

    from symstab.nn import data as nn_data

    digits = load_digits()
    pixels, classes = nn_data._digits()
    assert np.array_equal(pixels, digits.data) and np.array_equal(classes, digits.target)
    subset = load_digits_subset(40, seed=3)
    assert np.array_equal(subset.X, digits.data[subset.indices] / 16.0)
    assert np.array_equal(subset.labels, digits.target[subset.indices])


def test_flatten_roundtrip_and_init_scale() -> None:
    spec = MLPSpec(depth=3, width=5, d_in=7, d_out=2)
    params = init_params(spec, 4, seed=2)
    v = flatten(params, 2)
    assert v.shape == (spec.n_params,) == (7 * 5 + 5 + 2 * (5 * 5 + 5) + 5 * 2 + 2,)
    back = unflatten(v, spec)
    for (W, b), (W2, b2) in zip(params, back, strict=True):
        assert np.array_equal(W[2], W2[0]) and np.array_equal(b[2], b2[0])
    # PyTorch nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    for (W, b), fan_in in zip(params, spec.dims[:-1], strict=True):
        assert np.abs(W).max() <= 1 / np.sqrt(fan_in) and np.abs(b).max() <= 1 / np.sqrt(fan_in)


def test_backend_loss_matches_numpy_reference(tiny: tuple) -> None:
    data, _spec, params = tiny
    L, _ = get_backend().loss_grad_norm(params, data.X, data.Y, "gelu")
    assert np.allclose(L, loss_numpy(params, data.X, data.Y), rtol=1e-13)


# --------------------------------------------------------------------------------------
# sharpness: HVP + Lanczos against dense Hessians
# --------------------------------------------------------------------------------------


def test_lanczos_known_spectrum() -> None:
    d = np.linspace(-3.0, 7.5, 60)
    res = lanczos_extreme(lambda v: d * v, 60, iterations=60, seed=1)
    assert res.lambda_max == pytest.approx(7.5, abs=1e-10)
    assert res.lambda_min == pytest.approx(-3.0, abs=1e-10)


def test_lanczos_sharpness_matches_finite_difference_hessian(tiny: tuple) -> None:
    data, spec, params = tiny
    be = get_backend()
    theta = flatten(params, 1)
    n, eps = spec.n_params, 1e-5
    H = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = eps
        gp = be.gradient(unflatten(theta + e, spec), data.X, data.Y, "gelu")
        gm = be.gradient(unflatten(theta - e, spec), data.X, data.Y, "gelu")
        H[:, j] = (gp - gm) / (2 * eps)
    lam_dense = np.linalg.eigvalsh((H + H.T) / 2)[-1]
    res = sharpness(spec, data, params, k=1, iterations=n)
    assert res.lambda_max == pytest.approx(lam_dense, rel=1e-6)
    # a short Lanczos run (20 of 77 dimensions) already has the top eigenvalue
    short = sharpness(spec, data, params, k=1, iterations=20)
    assert abs(short.lambda_max - lam_dense) <= max(1e-6 * lam_dense, 2 * short.residual)


def test_lanczos_sharpness_matches_jax_dense_hessian(tiny: tuple) -> None:
    import jax
    jnp = jax.numpy
    jax.config.update("jax_enable_x64", True)
    data, spec, params = tiny
    X, Y = jnp.asarray(data.X), jnp.asarray(data.Y)
    sizes = [(a, b) for a, b in zip(spec.dims[:-1], spec.dims[1:], strict=True)]

    def loss(v):  # written here, independently of symstab.nn._jax
        h, i = X, 0
        for layer, (a, b) in enumerate(sizes):
            W = v[i:i + a * b].reshape(a, b)
            i += a * b
            h = h @ W + v[i:i + b]
            i += b
            if layer < len(sizes) - 1:
                h = 0.5 * h * (1 + jax.scipy.special.erf(h / jnp.sqrt(2.0)))
        return jnp.sum((h - Y) ** 2) / X.shape[0]

    H = np.asarray(jax.jit(jax.hessian(loss))(jnp.asarray(flatten(params, 0))))
    lam_dense = np.linalg.eigvalsh(H)[-1]
    assert sharpness(spec, data, params, k=0, iterations=30).lambda_max == pytest.approx(
        lam_dense, rel=1e-9)


# --------------------------------------------------------------------------------------
# GD on linear networks against closed forms
# --------------------------------------------------------------------------------------


def _affine_setup(n: int = 20) -> tuple:
    data = load_digits_subset(n, seed=4)
    Z = np.hstack([data.X, np.ones((n, 1))])
    A = 2.0 / n * Z.T @ Z  # Hessian of L per output column
    c = 2.0 / n * Z.T @ data.Y
    return data, Z, A, c


def test_gd_depth0_linear_matches_closed_form() -> None:
    data, _Z, A, c = _affine_setup()
    spec = MLPSpec(depth=0, activation="identity")
    params = init_params(spec, 1, seed=3)
    lam_max = np.linalg.eigvalsh(A)[-1]
    eta, k = 0.9 / lam_max, 60
    out = get_backend().gd(params, data.X, data.Y, np.array([eta]), np.array([True]), k,
                           1e30, "identity")
    # closed form: Θ_k = V diag(m^k) Vᵀ Θ_0 + V diag(Σ_{j<k} m^j) Vᵀ η c, m = 1 − η a
    a, V = np.linalg.eigh(A)
    m = 1.0 - eta * a
    s = np.where(np.abs(eta * a) > 1e-14, (1 - m**k) / np.where(eta * a == 0, 1, eta * a), k)
    theta0 = np.vstack([params[0][0][0], params[0][1][0]])
    theta_k = V @ (m[:, None] ** k * (V.T @ theta0)) + V @ (s[:, None] * (V.T @ (eta * c)))
    W, b = out.params[0]
    assert np.allclose(np.vstack([W[0], b[0]]), theta_k, rtol=1e-9, atol=1e-11)
    # the Hessian of L is A ⊗ I_10: Lanczos λmax equals the largest eigenvalue of A
    assert sharpness(spec, data, params, iterations=40).lambda_max == pytest.approx(
        lam_max, rel=1e-9)


def test_gd_depth0_linear_diverges_exactly_past_2_over_lambda_max() -> None:
    data, _, A, _ = _affine_setup()
    spec = MLPSpec(depth=0, activation="identity")
    params = init_params(spec, 2, seed=3)
    eta_star = 2.0 / np.linalg.eigvalsh(A)[-1]
    crit = Criterion(steps=400, window=50)
    traj = run_gd(spec, data, params, np.array([0.95 * eta_star, 1.05 * eta_star]), crit)
    assert traj.labels[0] != DIVERGED and np.all(np.isfinite(traj.losses[:, 0]))
    assert traj.labels[1] == DIVERGED


def test_gd_depth1_linear_network_matches_hand_derived_gradients() -> None:
    data = load_digits_subset(30, seed=6)
    spec = MLPSpec(depth=1, width=6, activation="identity")
    params = init_params(spec, 1, seed=8)
    eta, k = 0.05, 25
    out = get_backend().gd(params, data.X, data.Y, np.array([eta]), np.array([True]), k,
                           1e30, "identity")
    (W1, b1), (W2, b2) = [(W[0].copy(), b[0].copy()) for W, b in params]
    X, Y, n = data.X, data.Y, data.n
    for _ in range(k):  # L = (1/n)||(X W1 + b1) W2 + b2 − Y||²
        H = X @ W1 + b1
        R = H @ W2 + b2 - Y
        gW2, gb2 = 2 / n * H.T @ R, 2 / n * R.sum(axis=0)
        D = R @ W2.T
        gW1, gb1 = 2 / n * X.T @ D, 2 / n * D.sum(axis=0)
        W1, b1, W2, b2 = W1 - eta * gW1, b1 - eta * gb1, W2 - eta * gW2, b2 - eta * gb2
    for got, want in zip([a[0] for pair in out.params for a in pair], [W1, b1, W2, b2],
                         strict=True):
        assert np.allclose(got, want, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------------------
# converging fraction and its Wilson bounds
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_sweep():
    data = load_digits_subset(32, seed=2)
    return converging_fraction(depth=1, etas=[0.1, 50.0], n_inits=8, steps=400, seed=0,
                               width=8, data=data, sharpness_iterations=10)


def test_converging_fraction_one_at_small_eta_zero_at_huge_eta(tiny_sweep) -> None:
    small, huge = tiny_sweep.points
    assert small.n_converged == 8 and small.fraction == 1.0
    assert huge.n_converged == 0 and huge.counts == {DIVERGED: 8}
    # sharpness is computed at every converged end point (finite, positive)
    assert len(small.sharpness_final) == 8
    assert all(0 < lam < np.inf for lam in small.sharpness_final)


def test_wilson_bounds_consistent(tiny_sweep) -> None:
    for p in tiny_sweep.points:
        assert sum(p.counts.values()) == p.n == 8
        assert p.counts.get(CONVERGED, 0) == p.n_converged
        assert p.fraction == p.n_converged / p.n
        assert (p.ci_low, p.ci_high) == wilson_interval(p.n_converged, p.n, p.confidence)
        assert 0.0 <= p.ci_low <= p.fraction <= p.ci_high <= 1.0
    small, huge = tiny_sweep.points
    assert small.ci_high == 1.0 and huge.ci_low == 0.0
    # k = 0 of n: upper bound z²/(n + z²) (hand: z = 1.959964, n = 8)
    z2 = 1.959964**2
    assert huge.ci_high == pytest.approx(z2 / (8 + z2), rel=1e-5)
    d = tiny_sweep.to_dict()
    assert d["strength"] == "statistical" and len(d["points"]) == 2


def test_network_figures_build(tiny_sweep, tmp_path) -> None:
    from symstab.plot import converging_fraction_figure, sharpness_figure

    fig = converging_fraction_figure([tiny_sweep], threshold=1.0, path=tmp_path / "f.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel() and (tmp_path / "f.png").stat().st_size > 0
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "depth 1" in labels and "η = 1" in labels
    ax2 = sharpness_figure([tiny_sweep]).axes[0]
    assert ax2.get_legend() is not None and ax2.get_ylabel()


def test_converging_fraction_rejects_bad_input() -> None:
    with pytest.raises(InputError):
        converging_fraction(depth=1, etas=[-0.1], n_inits=2, steps=10)
    with pytest.raises(InputError):
        converging_fraction(depth=-1, etas=[0.1], n_inits=2, steps=10)
    with pytest.raises(InputError):
        get_backend("tensorflow")


def test_network_claims_reduced_budget() -> None:
    from proofs_check.core import Budget, Verdict
    from proofs_check.networks import seed_claims

    claims = seed_claims()
    assert len(claims) == 6
    for claim in claims:
        result = claim.check(Budget.reduced())
        assert result.verdict == Verdict.HOLDS, result.explain()
        assert result.evidence.strength == "statistical" and result.evidence.n >= 20


@pytest.mark.slow
def test_network_claims_full_budget() -> None:
    from proofs_check.core import Budget, Verdict
    from proofs_check.networks import seed_claims

    for claim in seed_claims():
        result = claim.check(Budget.full())
        assert result.verdict == Verdict.HOLDS, result.explain()
