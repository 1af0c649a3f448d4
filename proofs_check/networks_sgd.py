"""Claims on mini-batch SGD for small GELU networks (Crăciun & Ghoshdastidar 2024, Fig. 4):
as for full-batch GD, past a critical step size SGD converges from (almost) no random
initialisation, and below it from a positive fraction.

Setup: as :mod:`proofs_check.networks` (256 of scikit-learn's 8×8 digits, pixels/16,
one-hot targets, width-32 GELU network, ``L = (1/n) Σ_i ||f(x_i) − y_i||²``), trained by
SGD (:func:`symstab.nn.sgd.run_sgd`) with mini-batches of :data:`BATCH_SIZE` drawn without
replacement in a fresh random order every epoch (one shuffling stream per
initialisation, seed 1, the same stream at every η). A trajectory converges when it never
diverges (no mini-batch loss, nor full-batch loss over the end window, past
``1000 · L(θ_0)``) and the **full-batch** loss averaged over the last 100 iterates is at most
a quarter of the constant-predictor loss. Both claims are **statistical** (a count out
of ``N`` with a Wilson interval at ``Budget.confidence``).

Threshold: the measured SGD converging fractions (``docs/network.md``; N = 20, T = 2000)
fall to 0 for every depth before η = 1, as for GD, so the GD claims' step sizes are kept:
:data:`ETA_ABOVE` and :data:`ETA_BELOW`.

Budget: ``N_above = 40`` initialisations at each η above (99 % Wilson upper bound 0.142
when none converges) and ``N_below = max(12, samples // 200)`` below (12 at the reduced
budget, 20 at the full one), ``T = 500`` SGD steps (62 epochs); the full budget is kept
small because each run is dominated by JAX compilation. Runs are cached, so the false variant
at η = 2 reuses the runs of the claim above.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from symstab.evidence import Strength, wilson_interval
from symstab.inputs import StepSize, StepSizeLike

from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict
from .networks import (
    CRACIUN,
    ETA_ABOVE,
    ETA_BELOW,
    MAX_FRACTION_ABOVE,
    N_SAMPLES,
    WIDTH,
    backend_installed,
    no_convergence_outcome,
)

__all__ = [
    "BATCH_SIZE",
    "DEPTHS",
    "seed_claims",
    "sgd_converges_below",
    "sgd_no_convergence_above",
]

#: Mini-batch size (8 steps per epoch on 256 samples).
BATCH_SIZE = 32
#: Depths checked.
DEPTHS = (1,)
SEED = 1
#: SGD steps (62 epochs).
STEPS = 500


def _sizes(budget: Budget) -> tuple[int, int, int]:
    n_above = 40
    n_below = max(12, budget.samples // 200)
    return n_above, n_below, STEPS


@lru_cache(maxsize=8)
def _run(depth: int, etas: tuple[float, ...], n_inits: int, steps: int, seed: int
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Labels and final losses ``(len(etas), n_inits)`` and the step at which each
    trajectory was stopped (``-1``: never); the same inits and shuffling streams at every η."""
    from symstab.nn import Criterion, MLPSpec, init_params, load_digits_subset, run_sgd

    data = load_digits_subset(N_SAMPLES, seed=0)
    spec = MLPSpec(depth=depth, width=WIDTH)
    base = init_params(spec, n_inits, seed)
    m = len(etas)
    params = tuple((np.concatenate([W] * m), np.concatenate([b] * m)) for W, b in base)
    eta_vec = np.repeat(np.asarray(etas, dtype=np.float64), n_inits)
    streams = np.tile(np.arange(n_inits), m)
    crit = Criterion(steps=steps, window=min(100, steps))
    traj = run_sgd(spec, data, params, eta_vec, BATCH_SIZE, crit, seed=seed, streams=streams)
    B = traj.batch_losses
    assert B is not None
    with np.errstate(invalid="ignore"):
        L0 = traj.losses[0]
        bad = ~np.isfinite(B) | (crit.divergence_factor * L0[None, :] < B)
    first_bad = np.where(bad.any(axis=0), np.argmax(bad, axis=0), -1)
    desc = f"SGD, batch {BATCH_SIZE} (reshuffled every epoch); " + crit.describe()
    return (traj.labels.reshape(m, n_inits), traj.losses[-1].reshape(m, n_inits),
            first_bad.reshape(m, n_inits), desc)


def _setup_text(depth: int) -> str:
    return (f"a width-{WIDTH} GELU network with {depth} hidden layer(s), MSE loss "
            f"(1/n)Σ||f(x)−y||² on {N_SAMPLES} digits (pixels/16, one-hot), mini-batch SGD "
            f"(batch {BATCH_SIZE}, epochs without replacement)")


def _counts(labels: np.ndarray) -> dict[str, int]:
    return {str(int(a)): int(b) for a, b in zip(*np.unique(labels, return_counts=True),
                                                 strict=True)}


def sgd_no_convergence_above(depth: int, etas: Sequence[StepSizeLike] = ETA_ABOVE,
                             max_fraction: float = MAX_FRACTION_ABOVE, *,
                             id: str | None = None, source: Source | None = None) -> Claim:
    """Claim: at every η in ``etas`` SGD converges from a fraction of random
    initialisations below ``max_fraction`` (holds when every Wilson upper bound is below
    it, fails when some lower bound is at or above it, else inconclusive)."""
    etas_f = tuple(StepSize.of(e, "etas").as_float for e in etas)

    def run(budget: Budget) -> Outcome:
        n, _, steps = _sizes(budget)
        labels, final, _, crit = _run(depth, etas_f, n, steps, SEED)
        return no_convergence_outcome(labels, final, etas_f, budget, max_fraction, crit,
                                      {"steps": steps, "seed": SEED,
                                       "batch_size": BATCH_SIZE}, " under SGD")

    eta_text = ", ".join(f"{e:g}" for e in etas_f)
    return Claim(
        id=id or f"craciun.nn.sgd.no-convergence.depth{depth}",
        title=f"SGD: no convergence past the critical η, GELU MLP depth {depth}, digits",
        statement=(f"For {_setup_text(depth)}, at η in {{{eta_text}}} the fraction of random "
                   f"initialisations from which SGD converges is below {max_fraction}."),
        latex=(r"\Pr_{\theta_0,\,\mathrm{batches}}[\mathrm{SGD}_\eta(\theta_0)\ "
               r"\mathrm{converges}] < " + f"{max_fraction}"
               + r"\quad \eta \in \{" + eta_text + r"\}"),
        source=source or Source(CRACIUN, "Fig. 4 (SGD on MNIST: the trapping region "
                                "vanishes past a critical step size)",
                                note="MNIST and 100 initialisations in the paper; 256 sklearn "
                                     "digits, batch 32, reduced size, here"),
        run=run,
        hypotheses=(backend_installed,),
        tags=("network", "sgd", "fraction", "statistical", f"depth{depth}"),
    )


def sgd_converges_below(depth: int, eta: StepSizeLike = ETA_BELOW, min_fraction: float = 0.0,
                        *, etas_run: Sequence[StepSizeLike] | None = None,
                        id: str | None = None, source: Source | None = None) -> Claim:
    """Claim: at ``eta`` SGD converges from a fraction of random initialisations above
    ``min_fraction`` (holds when the Wilson lower bound is above it, fails when the upper
    bound is at or below it, else inconclusive). ``etas_run``: run ``eta`` together with
    these step sizes (to share the cached runs of another claim)."""
    eta_f = StepSize.of(eta).as_float
    group = tuple(StepSize.of(e).as_float for e in etas_run) if etas_run else (eta_f,)
    if eta_f not in group:
        group = (*group, eta_f)

    def run(budget: Budget) -> Outcome:
        from symstab.nn import CONVERGED

        n_above, n_below, steps = _sizes(budget)
        n = n_above if etas_run else n_below
        labels_all, final_all, first_bad, crit = _run(depth, group, n, steps, SEED)
        i = group.index(eta_f)
        labels = labels_all[i]
        k = int(np.sum(labels == CONVERGED))
        lo, hi = wilson_interval(k, n, budget.confidence)
        ev = Evidence(Strength.STATISTICAL,
                      f"{k} of {n} initialisations converged under SGD at η = {eta_f:g} "
                      f"({crit}); Wilson {budget.confidence:.0%} interval [{lo:.4f}, {hi:.4f}] "
                      f"vs {min_fraction}",
                      n=n, confidence=budget.confidence, bound=(lo, hi),
                      data={"counts": _counts(labels), "steps": steps, "seed": SEED,
                            "batch_size": BATCH_SIZE})
        if lo > min_fraction:
            return Verdict.HOLDS, ev, None
        if hi > min_fraction:
            return Verdict.INCONCLUSIVE, ev, None
        j = int(np.flatnonzero(labels != CONVERGED)[0])
        how = (f"diverges at SGD step {first_bad[i, j]}" if first_bad[i, j] >= 0
               else f"ends at loss {final_all[i, j]:.4g}")
        return Verdict.FAILS, ev, Counterexample(
            f"only {k} of {n} initialisations converge under SGD at η = {eta_f:g} (Wilson "
            f"upper bound {hi:.4f} <= {min_fraction}); e.g. initialisation {j} (seed {SEED}) "
            f"{how}", eta=f"{eta_f:g}", data={"init_index": j, "seed": SEED})

    most = "most" if min_fraction >= 0.5 else f"more than {min_fraction:g} of the"
    return Claim(
        id=id or f"craciun.nn.sgd.converges-below.depth{depth}",
        title=f"SGD: convergence at η = {eta_f:g}, GELU MLP depth {depth}, digits",
        statement=(f"For {_setup_text(depth)}, at η = {eta_f:g} SGD converges from "
                   + ("a positive fraction of" if min_fraction == 0 else most)
                   + " random initialisations."),
        latex=(r"\Pr_{\theta_0,\,\mathrm{batches}}[\mathrm{SGD}_\eta(\theta_0)\ "
               r"\mathrm{converges}] > " + f"{min_fraction:g}" + rf"\quad \eta = {eta_f:g}"),
        source=source or Source(CRACIUN, "Fig. 4 (counterpart: SGD converges below the "
                                "threshold)"),
        run=run,
        hypotheses=(backend_installed,),
        tags=("network", "sgd", "fraction", "statistical", f"depth{depth}"),
    )


def seed_claims() -> list[Claim]:
    """The SGD network claims: for each depth in :data:`DEPTHS`, no convergence at
    :data:`~proofs_check.networks.ETA_ABOVE`, convergence at
    :data:`~proofs_check.networks.ETA_BELOW`, and the false variant "SGD converges from
    most initialisations at η = 2" (expected to fail).

    Returns
    -------
    list of Claim
    """
    from dataclasses import replace

    wrong = Source("false variant", "deliberately wrong, must fail")
    out: list[Claim] = []
    for depth in DEPTHS:
        out.append(sgd_no_convergence_above(depth))
        out.append(sgd_converges_below(depth))
        false = sgd_converges_below(depth, 2.0, 0.5, etas_run=ETA_ABOVE, source=wrong,
                                    id=f"false.nn.sgd-converges-mostly.depth{depth}-eta2")
        out.append(replace(false, expected=Verdict.FAILS,
                           tags=(*false.tags, "false-variant")))
    return out
