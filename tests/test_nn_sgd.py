"""Tests of mini-batch SGD on networks (:mod:`symstab.nn.sgd`) and its claims.

Expected values come from an independent NumPy implementation (hand-derived
back-propagation through an exact GELU network), from the definition of sampling without
replacement, and from full-batch GD (SGD with one batch of all samples is GD).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import erf

from symstab.errors import InputError
from symstab.nn import (
    CONVERGED,
    DIVERGED,
    BatchSchedule,
    Criterion,
    MLPSpec,
    converging_fraction,
    get_backend,
    init_params,
    load_digits_subset,
    loss_numpy,
    run_gd,
    run_sgd,
)

# --------------------------------------------------------------------------------------
# an independent NumPy SGD step (one hidden GELU layer)
# --------------------------------------------------------------------------------------


def _gelu(z: np.ndarray) -> np.ndarray:
    return 0.5 * z * (1 + erf(z / np.sqrt(2)))


def _gelu_prime(z: np.ndarray) -> np.ndarray:  # Φ(z) + z φ(z)
    return 0.5 * (1 + erf(z / np.sqrt(2))) + z * np.exp(-z * z / 2) / np.sqrt(2 * np.pi)


def _numpy_sgd(W1, b1, W2, b2, X, Y, batches, eta):
    """SGD on L_B = (1/|B|) Σ_{i∈B} ||GELU(x W1 + b1) W2 + b2 − y||², by hand."""
    for idx in batches:
        x, y = X[idx], Y[idx]
        z = x @ W1 + b1
        h = _gelu(z)
        r = h @ W2 + b2 - y
        m = len(idx)
        gW2, gb2 = 2 / m * h.T @ r, 2 / m * r.sum(axis=0)
        d = (r @ W2.T) * _gelu_prime(z)
        gW1, gb1 = 2 / m * x.T @ d, 2 / m * d.sum(axis=0)
        W1, b1, W2, b2 = W1 - eta * gW1, b1 - eta * gb1, W2 - eta * gW2, b2 - eta * gb2
    return W1, b1, W2, b2


def test_sgd_step_matches_numpy_backprop() -> None:
    data = load_digits_subset(24, seed=3)
    spec = MLPSpec(depth=1, width=5)
    params = init_params(spec, 2, seed=4)
    rng = np.random.default_rng(9)
    steps, B, eta = 12, 6, 0.3
    batches = np.stack([np.stack([rng.choice(24, B, replace=False) for _ in range(2)])
                        for _ in range(steps)])  # (steps, K, B)
    out = get_backend().sgd(params, data.X, data.Y, batches, np.array([eta, 2 * eta]),
                            np.array([True, True]), 1e30, "gelu", full=True)
    for k, e in enumerate((eta, 2 * eta)):
        want = _numpy_sgd(params[0][0][k], params[0][1][k], params[1][0][k], params[1][1][k],
                          data.X, data.Y, batches[:, k], e)
        got = [out.params[0][0][k], out.params[0][1][k], out.params[1][0][k],
               out.params[1][1][k]]
        for g, w in zip(got, want, strict=True):
            assert np.allclose(g, w, rtol=1e-10, atol=1e-12)
    # the mini-batch loss of step 0 and the full-batch loss at θ_0, by the NumPy reference
    for k in range(2):
        idx = batches[0, k]
        one = tuple((W[k:k + 1], b[k:k + 1]) for W, b in params)
        assert out.batch_losses[0, k] == pytest.approx(
            loss_numpy(one, data.X[idx], data.Y[idx])[0], rel=1e-12)
        assert out.losses[0, k] == pytest.approx(loss_numpy(one, data.X, data.Y)[0], rel=1e-12)


def test_sgd_without_full_records_nan_and_rejects_bad_batches() -> None:
    data = load_digits_subset(16, seed=1)
    spec = MLPSpec(depth=1, width=3)
    params = init_params(spec, 1, seed=0)
    be = get_backend()
    batches = np.zeros((3, 1, 4), dtype=np.int64)
    out = be.sgd(params, data.X, data.Y, batches, np.array([0.1]), np.array([True]), 1e30,
                 "gelu")
    assert np.all(np.isnan(out.losses)) and np.all(np.isfinite(out.batch_losses))
    with pytest.raises(InputError):
        be.sgd(params, data.X, data.Y, batches + 16, np.array([0.1]), np.array([True]), 1e30,
               "gelu")
    with pytest.raises(InputError):
        be.sgd(params, data.X, data.Y, batches[:, :, :, None], np.array([0.1]),
               np.array([True]), 1e30, "gelu")


# --------------------------------------------------------------------------------------
# the batch schedule
# --------------------------------------------------------------------------------------


def test_schedule_epochs_are_permutations() -> None:
    n, B, S = 24, 6, 3
    sch = BatchSchedule(n, B, S, seed=5)
    per = n // B
    idx = sch.batches(0, 5 * per)  # 5 epochs
    assert idx.shape == (5 * per, S, B)
    for s in range(S):
        for e in range(5):
            epoch = idx[e * per:(e + 1) * per, s].ravel()
            assert sorted(epoch.tolist()) == list(range(n))  # without replacement
    # streams and epochs are shuffled differently
    assert not np.array_equal(idx[:per, 0], idx[:per, 1])
    assert not np.array_equal(idx[:per, 0], idx[per:2 * per, 0])


def test_schedule_drop_last_reproducible_and_chunked() -> None:
    n, B = 26, 8  # 3 batches per epoch, 2 samples dropped each epoch
    sch = BatchSchedule(n, B, 2, seed=1)
    assert sch.steps_per_epoch == 3
    idx = sch.batches(0, 9)
    for e in range(3):
        epoch = idx[3 * e:3 * e + 3, 1].ravel()
        assert len(set(epoch.tolist())) == 24 and epoch.max() < n
    # the same seed gives the same schedule; a chunk equals the slice of a longer run
    again = BatchSchedule(n, B, 2, seed=1)
    assert np.array_equal(again.batches(4, 5), idx[4:9])
    assert np.array_equal(again.batches(0, 9, streams=np.array([1])), idx[:, 1:2])
    assert not np.array_equal(BatchSchedule(n, B, 2, seed=2).batches(0, 9), idx)
    with pytest.raises(InputError):
        BatchSchedule(10, 11, 1)
    with pytest.raises(InputError):
        sch.batches(0, 3, streams=np.array([2]))


def test_sgd_with_one_batch_of_all_samples_is_gd() -> None:
    data = load_digits_subset(32, seed=2)
    spec = MLPSpec(depth=2, width=6)
    params = init_params(spec, 2, seed=1)
    crit = Criterion(steps=150, window=20, chunk=40)
    # (GD at some step sizes amplifies rounding differences: these two do not)
    etas = np.array([0.05, 0.4])
    gd = run_gd(spec, data, params, etas, crit)
    sgd = run_sgd(spec, data, params, etas, batch_size=32, criterion=crit)
    for (W, b), (W2, b2) in zip(gd.final, sgd.final, strict=True):
        assert np.allclose(W, W2, rtol=1e-9, atol=1e-10) and np.allclose(b, b2, rtol=1e-9,
                                                                         atol=1e-10)
    assert np.array_equal(gd.labels, sgd.labels)
    # full-batch losses are recorded at θ_0 and over the end window only
    assert sgd.optimizer == "sgd" and sgd.batch_losses is not None
    assert np.all(np.isfinite(sgd.losses[0])) and np.all(np.isfinite(sgd.losses[-21:]))
    assert np.all(np.isnan(sgd.losses[1:100]))
    assert np.allclose(sgd.losses[-21:], gd.losses[-21:], rtol=1e-9)
    # the batch loss of a full batch is the full-batch loss
    assert np.allclose(sgd.batch_losses[:129], gd.losses[:129], rtol=1e-9)


def test_sgd_streams_give_common_random_numbers() -> None:
    data = load_digits_subset(32, seed=2)
    spec = MLPSpec(depth=1, width=6)
    base = init_params(spec, 2, seed=3)
    crit = Criterion(steps=40, window=10)
    two = tuple((np.concatenate([W, W]), np.concatenate([b, b])) for W, b in base)
    out = run_sgd(spec, data, two, np.full(4, 0.1), 8, crit, seed=4,
                  streams=np.array([0, 1, 0, 1]))
    for W, _ in out.final:  # copies with the same stream and η end at the same point
        assert np.array_equal(W[0], W[2]) and np.array_equal(W[1], W[3])
        assert not np.allclose(W[0], W[1])


# --------------------------------------------------------------------------------------
# the converging fraction under SGD
# --------------------------------------------------------------------------------------


def test_sgd_converging_fraction_small_and_huge_eta() -> None:
    data = load_digits_subset(32, seed=2)
    s = converging_fraction(1, [0.1, 50.0], n_inits=6, steps=400, width=8, data=data,
                            sharpness_iterations=0, optimizer="sgd", batch_size=8)
    small, huge = s.points
    assert small.n_converged == 6 and huge.counts == {DIVERGED: 6}
    assert s.optimizer == "sgd" and s.batch_size == 8
    d = s.to_dict()
    assert d["optimizer"] == "sgd" and d["batch_size"] == 8
    back = type(s).from_dict(d)
    assert back.criterion.steps == 400 and back.points[0].counts == {CONVERGED: 6}
    assert np.array_equal(back.fractions, s.fractions)


def test_sgd_converging_fraction_rejects_bad_input() -> None:
    with pytest.raises(InputError):
        converging_fraction(1, [0.1], n_inits=2, steps=10, optimizer="sgd")
    with pytest.raises(InputError):
        converging_fraction(1, [0.1], n_inits=2, steps=10, batch_size=4)
    with pytest.raises(InputError):
        converging_fraction(1, [0.1], n_inits=2, steps=10, optimizer="adam", batch_size=4)
    with pytest.raises(InputError):
        converging_fraction(1, [0.1], n_inits=2, steps=10, optimizer="sgd", batch_size=0)


# --------------------------------------------------------------------------------------
# claims and figure
# --------------------------------------------------------------------------------------


def test_sgd_claims_reduced_budget() -> None:
    from proofs_check.core import Budget, Verdict
    from proofs_check.networks_sgd import seed_claims

    claims = seed_claims()
    assert len(claims) == 3
    for claim in claims:
        result = claim.check(Budget.reduced())
        assert result.verdict == claim.expected, result.explain()
        assert result.evidence.strength == "statistical"
        if claim.expected == Verdict.FAILS:
            assert "false-variant" in claim.tags and result.counterexample is not None


def test_optimizer_comparison_figure(tmp_path) -> None:
    from symstab.plot.network import optimizer_comparison_figure

    data = load_digits_subset(32, seed=2)
    kw = dict(n_inits=3, steps=60, width=6, data=data, sharpness_iterations=0)
    gd = converging_fraction(1, [0.1, 50.0], **kw)
    sgd = converging_fraction(1, [0.1, 50.0], optimizer="sgd", batch_size=8, **kw)
    fig = optimizer_comparison_figure([gd], [sgd], path=tmp_path / "c.png")
    assert len(fig.axes) == 2 and (tmp_path / "c.png").stat().st_size > 0
    assert "batch 8" in fig.axes[1].get_title()
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "depth 1" in labels and "η = 1" in labels
