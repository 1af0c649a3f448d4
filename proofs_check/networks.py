"""Claims on small non-linear networks (Crăciun & Ghoshdastidar 2024, Figs. 3–4):
past a critical step size, full-batch GD on a GELU network with MSE loss converges from
(almost) no initialisation; below it, it converges from a positive fraction.

The paper's experiment (MNIST, several depths) reports that "convergence does not
happen for η > 1". Here it is checked, in reduced size, on the setup of
:mod:`symstab.nn.experiment`: 256 of scikit-learn's 8×8 digits (pixels/16, one-hot
targets), width-32 GELU networks of depth 1, 2, 3 (PyTorch-default initialisation),
loss ``L = (1/n) Σ_i ||f(x_i) − y_i||²``, and its convergence criterion (the mean loss
over the last 100 of ``T`` steps at most a quarter of the constant-predictor loss, never
diverging). Both claims are **statistical**: a count of converging initialisations out
of ``N`` with a Wilson interval at ``Budget.confidence``.

Threshold. With this normalisation the measured converging fraction (N = 20, T = 2000,
``docs/network.md``) falls to 0 between η = 0.6 and 0.7 (depth 1) and between 0.8 and
1.0 (depths 2 and 3), and is 0 for every depth from η = 1 on: we take η_c = 1 and check
"no convergence" at η = 1.1, 1.5, 2 (:data:`ETA_ABOVE`, other initialisations than the
figure's) and convergence at :data:`ETA_BELOW` = 0.5.
That the number is close to the paper's 1 is a coincidence of normalisations: our loss
sums over the 10 outputs (10 × PyTorch's ``MSELoss()``, so our η is a tenth of a
``MSELoss`` step size), and digits have 64 inputs in [0, 1] where MNIST has 784, which
makes the loss here much flatter at initialisation (λmax ≈ 2–10 here).

Budget: ``N_above = max(40, samples // 40)`` initialisations at each η above (40 at the
reduced budget: a Wilson 99 % upper bound 0.142 when none converges; 100 at the full
one: 0.062) and ``N_below = max(20, samples // 80)`` below (20 reduced, 50 full),
``T = max(300, min(1000, steps // 10))`` GD steps (300 reduced, 1000 full). Every
trajectory at η above the threshold diverges (loss past 1000 · L(θ_0)) within the first
few hundred steps, so ``T`` matters only below.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from symstab.errors import InputError
from symstab.evidence import Strength, wilson_interval
from symstab.inputs import StepSize, StepSizeLike

from .core import (
    Budget,
    Claim,
    Counterexample,
    Evidence,
    HypothesisCheck,
    Outcome,
    Source,
    Verdict,
)

__all__ = [
    "DEPTHS",
    "ETA_ABOVE",
    "ETA_BELOW",
    "MAX_FRACTION_ABOVE",
    "converges_below",
    "no_convergence_above",
    "seed_claims",
]

CRACIUN = "Crăciun & Ghoshdastidar 2024"
#: Depths (hidden layers) checked.
DEPTHS = (1, 2, 3)
#: Step sizes above the critical one (η_c = 1 here) for every depth (ours: 0 of 20 converge
#: from η = 1 on, N = 20, T = 2000).
ETA_ABOVE = (1.1, 1.5, 2.0)
#: A step size below it for every depth.
ETA_BELOW = 0.5
#: "No convergence": the Wilson upper bound of the converging fraction is below this.
MAX_FRACTION_ABOVE = 0.15
WIDTH = 32
N_SAMPLES = 256


def _sizes(budget: Budget) -> tuple[int, int, int]:
    n_above = max(40, budget.samples // 40)
    n_below = max(20, budget.samples // 80)
    steps = max(300, min(1000, budget.steps // 10))
    return n_above, n_below, steps


def _backend_installed(budget: Budget) -> HypothesisCheck:
    from symstab.nn.backend import DEFAULT_BACKEND, get_backend

    try:
        get_backend()
    except InputError as exc:
        return HypothesisCheck("autodiff backend installed", False, Strength.EXACT, str(exc))
    return HypothesisCheck("autodiff backend installed", True, Strength.EXACT,
                           f"backend {DEFAULT_BACKEND!r} imports")


def _run(depth: int, etas: Sequence[float], n_inits: int, steps: int, seed: int
         ) -> tuple[np.ndarray, np.ndarray, str]:
    """Labels ``(len(etas), n_inits)`` and final losses, the same inits at every η."""
    from symstab.nn import Criterion, MLPSpec, init_params, load_digits_subset, run_gd

    data = load_digits_subset(N_SAMPLES, seed=0)
    spec = MLPSpec(depth=depth, width=WIDTH)
    base = init_params(spec, n_inits, seed)
    m = len(etas)
    params = tuple((np.concatenate([W] * m), np.concatenate([b] * m)) for W, b in base)
    eta_vec = np.repeat(np.asarray(etas, dtype=np.float64), n_inits)
    crit = Criterion(steps=steps, window=min(100, steps))
    traj = run_gd(spec, data, params, eta_vec, crit)
    return (traj.labels.reshape(m, n_inits), traj.losses[-1].reshape(m, n_inits),
            crit.describe())


def _setup_text(depth: int) -> str:
    return (f"a width-{WIDTH} GELU network with {depth} hidden layer(s), MSE loss "
            f"(1/n)Σ||f(x)−y||² on {N_SAMPLES} digits (pixels/16, one-hot), full-batch GD")


def no_convergence_above(depth: int, etas: Sequence[StepSizeLike] = ETA_ABOVE,
                         max_fraction: float = MAX_FRACTION_ABOVE, seed: int = 1) -> Claim:
    """Claim: at every η in ``etas`` the fraction of random initialisations from which GD
    converges is below ``max_fraction`` (holds when every Wilson upper bound is below it,
    fails when some lower bound is at or above it, else inconclusive). Each of ``etas``
    is any spelling of :meth:`symstab.inputs.StepSize.of`; the runs use its float."""
    etas = tuple(StepSize.of(e, "etas").as_float for e in etas)

    def run(budget: Budget) -> Outcome:
        from symstab.nn import CONVERGED

        n, _, steps = _sizes(budget)
        labels, final, crit = _run(depth, etas, n, steps, seed)
        rows, worst = [], None
        verdict = Verdict.HOLDS
        for i, eta in enumerate(etas):
            k = int(np.sum(labels[i] == CONVERGED))
            lo, hi = wilson_interval(k, n, budget.confidence)
            counts = {int(a): int(b) for a, b in zip(*np.unique(labels[i], return_counts=True),
                                                     strict=True)}
            rows.append({"eta": eta, "converged": k, "n": n, "ci": [lo, hi],
                         "counts": {str(a): b for a, b in counts.items()}})
            if worst is None or hi > worst[2]:
                worst = (eta, lo, hi, k)
            if lo >= max_fraction:
                verdict = Verdict.FAILS
            elif hi >= max_fraction and verdict is Verdict.HOLDS:
                verdict = Verdict.INCONCLUSIVE
        eta_w, lo_w, hi_w, k_w = worst  # type: ignore[misc]
        per_eta = ", ".join(f"{r['converged']}/{n} at η = {r['eta']:g}" for r in rows)
        summary = (f"converged {per_eta} ({crit}); largest Wilson {budget.confidence:.0%} "
                   f"upper bound {hi_w:.4f} (η = {eta_w:g}) vs {max_fraction}")
        ev = Evidence(Strength.STATISTICAL, summary, n=n, confidence=budget.confidence,
                      bound=(lo_w, hi_w), data={"points": rows, "steps": steps, "seed": seed})
        cex = None
        if verdict is Verdict.FAILS:
            i = etas.index(eta_w)
            j = int(np.flatnonzero(labels[i] == CONVERGED)[0])
            cex = Counterexample(
                f"{k_w} of {n} initialisations converge at η = {eta_w:g} (Wilson interval "
                f"[{lo_w:.4f}, {hi_w:.4f}]); e.g. initialisation {j} (seed {seed}) ends at "
                f"loss {final[i, j]:.4g}", eta=f"{eta_w:g}",
                data={"init_index": j, "seed": seed})
        return verdict, ev, cex

    eta_text = ", ".join(f"{e:g}" for e in etas)
    return Claim(
        id=f"craciun.nn.no-convergence.depth{depth}",
        title=f"no convergence past the critical η: GELU MLP, depth {depth}, digits",
        statement=(f"For {_setup_text(depth)}, at η in {{{eta_text}}} the fraction of "
                   f"random initialisations from which GD converges is below {max_fraction}."),
        latex=(r"\Pr_{\theta_0}[\mathrm{GD}_\eta(\theta_0)\ \mathrm{converges}] < "
               f"{max_fraction}" + r"\quad \eta \in \{" + eta_text + r"\}"),
        source=Source(CRACIUN, "Figs. 3–4 (\"convergence does not happen for η > 1\")",
                      note="MNIST in the paper; 256 sklearn digits, reduced size, here; "
                           "the critical η depends on the data and the loss normalisation"),
        run=run,
        hypotheses=(_backend_installed,),
        tags=("network", "fraction", "statistical", f"depth{depth}"),
    )


def converges_below(depth: int, eta: StepSizeLike = ETA_BELOW, seed: int = 1) -> Claim:
    """Claim: at ``eta`` (below the critical step size) GD converges from a positive
    fraction of random initialisations (holds when the Wilson lower bound is above 0,
    i.e. at least one converges; inconclusive otherwise). ``eta`` is any spelling of
    :meth:`symstab.inputs.StepSize.of`; the runs use its float."""
    eta = StepSize.of(eta).as_float

    def run(budget: Budget) -> Outcome:
        from symstab.nn import CONVERGED

        _, n, steps = _sizes(budget)
        labels, _final, crit = _run(depth, [eta], n, steps, seed)
        k = int(np.sum(labels[0] == CONVERGED))
        lo, hi = wilson_interval(k, n, budget.confidence)
        counts = {str(int(a)): int(b)
                  for a, b in zip(*np.unique(labels[0], return_counts=True), strict=True)}
        ev = Evidence(Strength.STATISTICAL,
                      f"{k} of {n} initialisations converged at η = {eta:g} ({crit}); Wilson "
                      f"{budget.confidence:.0%} interval [{lo:.4f}, {hi:.4f}]",
                      n=n, confidence=budget.confidence, bound=(lo, hi),
                      data={"counts": counts, "steps": steps, "seed": seed})
        return (Verdict.HOLDS if lo > 0 else Verdict.INCONCLUSIVE), ev, None

    return Claim(
        id=f"craciun.nn.converges-below.depth{depth}",
        title=f"convergence below the critical η: GELU MLP, depth {depth}, digits",
        statement=(f"For {_setup_text(depth)}, at η = {eta:g} GD converges from a positive "
                   "fraction of random initialisations."),
        latex=(r"\Pr_{\theta_0}[\mathrm{GD}_\eta(\theta_0)\ \mathrm{converges}] > 0"
               + rf"\quad \eta = {eta:g}"),
        source=Source(CRACIUN, "Figs. 3–4 (counterpart: convergence below the threshold)"),
        run=run,
        hypotheses=(_backend_installed,),
        tags=("network", "fraction", "statistical", f"depth{depth}"),
    )


def seed_claims() -> list[Claim]:
    """The network claims: for each depth in :data:`DEPTHS`, no convergence at
    :data:`ETA_ABOVE` and convergence at :data:`ETA_BELOW`.

    Returns
    -------
    list of Claim
    """
    out: list[Claim] = []
    for depth in DEPTHS:
        out.append(no_convergence_above(depth))
        out.append(converges_below(depth))
    return out
