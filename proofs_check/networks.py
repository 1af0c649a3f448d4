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

Sharpness along GD (:func:`eos_claims`, **numerical**, per run): on the depth-2 network
at η ∈ :data:`EOS_ETAS`, from initialisations ``0, ..., N − 1`` (seed 1; ``N = 1`` at the
reduced budget, 2 at the full one), T = :data:`EOS_STEPS` GD steps, λmax by
HVP-Lanczos every :data:`EOS_EVERY` steps and at each of the last :data:`EOS_WINDOW`
iterates (residual bound <= 10⁻³ λmax): progressive sharpening (λmax starts below 2/η,
rises by a factor >= :data:`RISE` and its median over the last fifth lies in
:data:`BAND` × 2/η), Ahn et al.'s unstable convergence over the last iterates (λmax >
2/η somewhere, at >= half of them |λmax·η/2 − 1| <= :data:`NEAR_SHARPNESS` and |RP| <=
:data:`NEAR_RP`, the loss still decreasing), and two false variants ("λmax stays below
1/η", "λmax <= 2/η over the last iterates"). These are statements about the listed runs,
not about a fraction of initialisations; a diverging run is reported and not counted.

Budget: ``N_above = max(40, samples // 64)`` initialisations at each η above (40 at the
reduced budget: a Wilson 99 % upper bound 0.142 when none converges; 62 at the full
one: 0.097, and 0.123 if one converges) and ``N_below = max(20, samples // 160)`` below
(20 reduced, 25 full), ``T = max(300, min(600, steps // 30))`` GD steps (300 reduced,
600 full). Every
trajectory at η above the threshold diverges (loss past 1000 · L(θ_0)) within the first
few hundred steps, so ``T`` matters only below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

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
    "EOS_ETAS",
    "ETA_ABOVE",
    "ETA_BELOW",
    "MAX_FRACTION_ABOVE",
    "backend_installed",
    "converges_below",
    "eos_claims",
    "no_convergence_above",
    "no_convergence_outcome",
    "seed_claims",
]

CRACIUN = "Crăciun & Ghoshdastidar 2024"
AHN = "Ahn, Zhang & Sra 2022 (ICML slides)"
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
    n_above = max(40, budget.samples // 64)
    n_below = max(20, budget.samples // 160)
    steps = max(300, min(600, budget.steps // 30))
    return n_above, n_below, steps


def backend_installed(budget: Budget) -> HypothesisCheck:
    """Hypothesis: the autodiff backend of :mod:`symstab.nn` imports."""
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
    # chunks of 25 steps: above the threshold every run diverges within the first few
    # dozen steps, and the driver stops a chunk after its last running trajectory
    crit = Criterion(steps=steps, window=min(100, steps), chunk=25)
    traj = run_gd(spec, data, params, eta_vec, crit)
    return (traj.labels.reshape(m, n_inits), traj.losses[-1].reshape(m, n_inits),
            crit.describe())


def _setup_text(depth: int) -> str:
    return (f"a width-{WIDTH} GELU network with {depth} hidden layer(s), MSE loss "
            f"(1/n)Σ||f(x)−y||² on {N_SAMPLES} digits (pixels/16, one-hot), full-batch GD")


def no_convergence_outcome(labels: np.ndarray, final: np.ndarray, etas: Sequence[float],
                           budget: Budget, max_fraction: float, criterion: str,
                           data: dict, optimizer: str = "") -> Outcome:
    """The verdict of "the converging fraction is below ``max_fraction`` at every η":
    ``labels`` and ``final`` losses of shape ``(len(etas), n)``; holds when every Wilson
    upper bound is below it, fails (with a converging initialisation) when some lower
    bound is at or above it, else inconclusive. ``data`` (steps, seed, ...) goes into the
    evidence; ``optimizer`` (e.g. " under SGD") into the counterexample."""
    from symstab.nn import CONVERGED

    n = labels.shape[1]
    rows, worst, verdict = [], None, Verdict.HOLDS
    for i, eta in enumerate(etas):
        k = int(np.sum(labels[i] == CONVERGED))
        lo, hi = wilson_interval(k, n, budget.confidence)
        counts = {str(int(a)): int(b)
                  for a, b in zip(*np.unique(labels[i], return_counts=True), strict=True)}
        rows.append({"eta": eta, "converged": k, "n": n, "ci": [lo, hi], "counts": counts})
        if worst is None or hi > worst[2]:
            worst = (i, lo, hi, k)
        if lo >= max_fraction:
            verdict = Verdict.FAILS
        elif hi >= max_fraction and verdict is Verdict.HOLDS:
            verdict = Verdict.INCONCLUSIVE
    i_w, lo_w, hi_w, k_w = worst  # type: ignore[misc]
    per_eta = ", ".join(f"{r['converged']}/{n} at η = {r['eta']:g}" for r in rows)
    ev = Evidence(Strength.STATISTICAL,
                  f"converged {per_eta} ({criterion}); largest Wilson "
                  f"{budget.confidence:.0%} upper bound {hi_w:.4f} (η = {etas[i_w]:g}) vs "
                  f"{max_fraction}", n=n, confidence=budget.confidence, bound=(lo_w, hi_w),
                  data={"points": rows, **data})
    cex = None
    if verdict is Verdict.FAILS:
        j = int(np.flatnonzero(labels[i_w] == CONVERGED)[0])
        seed = data.get("seed")
        cex = Counterexample(
            f"{k_w} of {n} initialisations converge{optimizer} at η = {etas[i_w]:g} (Wilson "
            f"interval [{lo_w:.4f}, {hi_w:.4f}]); e.g. initialisation {j} (seed {seed}) ends "
            f"at loss {final[i_w, j]:.4g}", eta=f"{etas[i_w]:g}",
            data={"init_index": j, "seed": seed})
    return verdict, ev, cex


def no_convergence_above(depth: int, etas: Sequence[StepSizeLike] = ETA_ABOVE,
                         max_fraction: float = MAX_FRACTION_ABOVE, seed: int = 1) -> Claim:
    """Claim: at every η in ``etas`` the fraction of random initialisations from which GD
    converges is below ``max_fraction`` (holds when every Wilson upper bound is below it,
    fails when some lower bound is at or above it, else inconclusive). Each of ``etas``
    is any spelling of :meth:`symstab.inputs.StepSize.of`; the runs use its float."""
    etas = tuple(StepSize.of(e, "etas").as_float for e in etas)

    def run(budget: Budget) -> Outcome:
        n, _, steps = _sizes(budget)
        labels, final, crit = _run(depth, etas, n, steps, seed)
        return no_convergence_outcome(labels, final, etas, budget, max_fraction, crit,
                                      {"steps": steps, "seed": seed})

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
        hypotheses=(backend_installed,),
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
        hypotheses=(backend_installed,),
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


# --------------------------------------------------------------------------------------
# Progressive sharpening and the edge of stability along GD (depth 2)
# --------------------------------------------------------------------------------------

#: Depth of the sharpening runs.
EOS_DEPTH = 2
#: Step sizes below the critical one (depth 2: η_c ∈ (0.8, 1]) at which λmax(θ_0) < 2/η.
EOS_ETAS = (0.2, 0.3)
#: GD steps of the sharpening runs, λmax every EOS_EVERY steps and at every one of the
#: last EOS_WINDOW iterates.
EOS_STEPS = 600
EOS_EVERY = 25
EOS_WINDOW = 25
#: At most EOS_LANCZOS Lanczos steps per λmax (warm-started from the previous top Ritz
#: vector), fewer once the residual bound is at most EOS_RTOL · λmax.
EOS_LANCZOS = 30
EOS_RTOL = 1e-3
#: Progressive sharpening: max λmax >= RISE · λmax(θ_0), and the median of λmax·η/2 over
#: the last fifth of training lies in BAND.
RISE = 1.5
BAND = (0.9, 1.2)
#: Ahn et al.: at >= half of the late-window iterates |λmax·η/2 − 1| <= NEAR_SHARPNESS and
#: |RP| <= NEAR_RP.
NEAR_SHARPNESS = 0.15
NEAR_RP = 0.1


def _eos_inits(budget: Budget) -> int:
    return 1 if budget.samples < 4000 else 2


@lru_cache(maxsize=4)
def _eos_runs(depth: int, etas: tuple[float, ...], n_inits: int, steps: int, every: int,
              window: int, seed: int) -> Any:
    """Sharpness traces of ``n_inits`` initialisations (seed ``seed``) at every η; network
    ``i·n_inits + j`` is initialisation ``j`` at ``etas[i]``."""
    from symstab.nn import MLPSpec, init_params, load_digits_subset, sharpness_trace

    data = load_digits_subset(N_SAMPLES, seed=0)
    spec = MLPSpec(depth=depth, width=WIDTH)
    base = init_params(spec, n_inits, seed)
    m = len(etas)
    params = tuple((np.concatenate([W] * m), np.concatenate([b] * m)) for W, b in base)
    eta_vec = np.repeat(np.asarray(etas, dtype=np.float64), n_inits)
    return sharpness_trace(spec, data, params, eta_vec, steps, every,
                           iterations=EOS_LANCZOS, at=np.arange(steps - window, steps + 1),
                           rtol=EOS_RTOL)


def _eos_setup(depth: int, etas: tuple[float, ...]) -> str:
    eta_text = ", ".join(f"{e:g}" for e in etas)
    return (f"a width-{WIDTH} GELU network with {depth} hidden layers on {N_SAMPLES} digits "
            f"(MSE, full-batch GD), at η ∈ {{{eta_text}}}, {EOS_STEPS} steps, "
            f"λmax(∇²L) by HVP-Lanczos every {EOS_EVERY} steps and at each of the last "
            f"{EOS_WINDOW} iterates")


def _eos_claim(kind: str, depth: int = EOS_DEPTH, etas: Sequence[float] = EOS_ETAS, *,
               factor: float = 1.0, id: str, source: Source,
               expected: Verdict = Verdict.HOLDS) -> Claim:
    """One claim on the sharpness traces of :func:`_eos_runs` (``kind``: ``"sharpening"``,
    ``"ahn"``, ``"below"`` (λmax < factor/η at every recorded step) or ``"stable"``
    (λmax <= 2/η at every late-window iterate)). Numerical per run; diverged trajectories
    are reported and not counted."""
    etas_t = tuple(float(e) for e in etas)

    def run(budget: Budget) -> Outcome:
        from symstab.nn import sign_changes

        n = _eos_inits(budget)
        tr = _eos_runs(depth, etas_t, n, EOS_STEPS, EOS_EVERY, EOS_WINDOW, 1)
        ratio = tr.ratio()
        late = tr.steps >= EOS_STEPS - EOS_WINDOW
        last_fifth = tr.steps >= 0.8 * EOS_STEPS
        rp = tr.relative_progress()[EOS_STEPS - EOS_WINDOW:]
        rows, bad = [], []
        for j in range(ratio.shape[1]):
            eta, init = float(tr.etas[j]), j % n
            if tr.diverged[j]:
                rows.append({"eta": eta, "init": init, "diverged": True})
                continue
            lam = tr.lambda_max[:, j]
            r = ratio[:, j]
            row = {"eta": eta, "init": init, "diverged": False,
                   "lambda0": float(lam[0]), "lambda_max": float(np.max(lam)),
                   "rise": float(np.max(lam) / lam[0]),
                   "median_ratio_last_fifth": float(np.median(r[last_fifth])),
                   "late_ratio_range": [float(r[late].min()), float(r[late].max())],
                   "late_sign_changes_lambda_minus_2_over_eta": int(sign_changes(r[late] - 1)),
                   "late_sign_changes_rp": int(sign_changes(rp[:, j])),
                   "loss_half": float(tr.losses[EOS_STEPS // 2, j]),
                   "loss_end": float(tr.losses[-1, j])}
            near = (np.abs(r[late][:-1] - 1) <= NEAR_SHARPNESS) & (np.abs(rp[:, j]) <= NEAR_RP)
            row["late_fraction_near"] = float(near.mean())
            rows.append(row)
            if kind == "sharpening":
                lo, hi = BAND
                ok = (r[0] < 1 and row["rise"] >= RISE
                      and lo <= row["median_ratio_last_fifth"] <= hi)
                if not ok:
                    bad.append((j, f"λmax(θ0)·η/2 = {r[0]:.3f}, rise ×{row['rise']:.2f}, "
                                   f"median λmax·η/2 over the last fifth "
                                   f"{row['median_ratio_last_fifth']:.3f}"))
            elif kind == "ahn":
                ok = (r[late].max() > 1 and row["late_fraction_near"] >= 0.5
                      and row["loss_end"] < row["loss_half"])
                if not ok:
                    bad.append((j, f"max λmax·η/2 over the window {r[late].max():.3f}, near "
                                   f"2/η with |RP| <= {NEAR_RP} at "
                                   f"{row['late_fraction_near']:.0%}, loss "
                                   f"{row['loss_half']:.4g} -> {row['loss_end']:.4g}"))
            elif kind == "below":
                k = int(np.argmax(lam * eta >= factor))
                if lam[k] * eta >= factor:
                    bad.append((j, f"λmax = {lam[k]:.4g} >= {factor:g}/η = {factor / eta:.4g} "
                                   f"at step {int(tr.steps[k])}"))
            elif kind == "stable":
                k = int(np.argmax(r[late] > 1))
                if r[late][k] > 1:
                    bad.append((j, f"λmax = {lam[late][k]:.4g} > 2/η = {2 / eta:.4g} at step "
                                   f"{int(tr.steps[late][k])}"))
        used = [row for row in rows if not row["diverged"]]
        resid = float(np.nanmax(tr.residual[:, ~tr.diverged] / tr.lambda_max[:, ~tr.diverged]))
        n_div = len(rows) - len(used)
        summary = (f"{len(used)} trajectories ({n} initialisation(s) × {len(etas_t)} step "
                   f"sizes; {n_div} diverged, not counted); largest Lanczos residual "
                   f"{resid:.1e}·λmax; ")
        if used:
            summary += (f"rise ×{min(u['rise'] for u in used):.2f}–"
                        f"×{max(u['rise'] for u in used):.2f}, median λmax·η/2 over the last "
                        f"fifth {min(u['median_ratio_last_fifth'] for u in used):.3f}–"
                        f"{max(u['median_ratio_last_fifth'] for u in used):.3f}, sign changes "
                        f"of λmax − 2/η over the last {EOS_WINDOW} iterates "
                        f"{[u['late_sign_changes_lambda_minus_2_over_eta'] for u in used]}, "
                        f"of RP {[u['late_sign_changes_rp'] for u in used]}")
        ev = Evidence(Strength.NUMERICAL, summary,
                      data={"runs": rows, "steps": EOS_STEPS, "seed": 1,
                            "lanczos_steps": EOS_LANCZOS, "max_relative_residual": resid})
        if not used:
            return Verdict.INCONCLUSIVE, ev, None
        if not bad:
            return Verdict.HOLDS, ev, None
        j, why = bad[0]
        return Verdict.FAILS, ev, Counterexample(
            f"initialisation {j % n} (seed 1) at η = {tr.etas[j]:g}: {why}",
            eta=f"{tr.etas[j]:g}", data={"init_index": j % n, "seed": 1})

    setup = _eos_setup(depth, etas_t)
    texts = {
        "sharpening": (
            f"progressive sharpening to 2/η: GELU MLP depth {depth}, digits",
            f"For {setup}: along every non-diverged trajectory λmax starts below 2/η, rises "
            f"by a factor >= {RISE:g} from λmax(θ0), and its median over the last fifth of "
            f"training lies within [{BAND[0]:g}, {BAND[1]:g}] × 2/η.",
            r"\max_k \lambda_{\max}(\theta_k) \ge " + f"{RISE:g}" + r"\,\lambda_{\max}(\theta_0),"
            r"\ \mathrm{med}_{k \ge 0.8T}\, \tfrac{\eta}{2}\lambda_{\max}(\theta_k) \in ["
            + f"{BAND[0]:g}, {BAND[1]:g}]"),
        "ahn": (
            f"unstable convergence at the edge of stability: GELU MLP depth {depth}, digits",
            f"For {setup}: along every non-diverged trajectory, over the last {EOS_WINDOW} "
            f"iterates λmax exceeds 2/η somewhere, and at >= 50 % of them "
            f"|λmax·η/2 − 1| <= {NEAR_SHARPNESS:g} and |RP| <= {NEAR_RP:g}, while the loss "
            "still decreases (L(θ_T) < L(θ_{T/2})).",
            r"\lambda_{\max}(\theta_k) > 2/\eta\ \text{somewhere},\ |\tfrac{\eta}{2}"
            r"\lambda_{\max} - 1| \le " + f"{NEAR_SHARPNESS:g}"
            + r",\ |\mathrm{RP}| \le " + f"{NEAR_RP:g}" + r"\ \text{on} \ge 50\%"),
        "below": (
            f"sharpness stays below {factor:g}/η along GD: GELU MLP depth {depth}, digits",
            f"For {setup}: λmax(θ_k) < {factor:g}/η at every recorded step of every "
            "non-diverged trajectory.",
            r"\lambda_{\max}(\nabla^2 L(\theta_k)) < " + f"{factor:g}" + r"/\eta\ \forall k"),
        "stable": (
            f"GD stays in the stable regime λmax <= 2/η: GELU MLP depth {depth}, digits",
            f"For {setup}: λmax(θ_k) <= 2/η at each of the last {EOS_WINDOW} iterates of every "
            "non-diverged trajectory (the descent-lemma regime).",
            r"\lambda_{\max}(\nabla^2 L(\theta_k)) \le 2/\eta,\ k \ge T - "
            + f"{EOS_WINDOW}"),
    }
    title, statement, latex = texts[kind]
    return Claim(id=id, title=title, statement=statement, latex=latex, source=source,
                 run=run, hypotheses=(backend_installed,),
                 tags=("network", "eos", "sharpness", "numerical", f"depth{depth}"),
                 expected=expected)


def eos_claims() -> list[Claim]:
    """Progressive sharpening and unstable convergence on the depth-2 digits network, with
    their false variants (expected to fail): "the sharpness stays below 1/η" and "GD
    stays in the stable regime λmax <= 2/η".

    Returns
    -------
    list of Claim
    """
    wrong = Source("false variant", "deliberately wrong, must fail")
    tags = ("false-variant",)
    out = [
        _eos_claim("sharpening", id=f"craciun.nn.progressive-sharpening.depth{EOS_DEPTH}",
                   source=Source(CRACIUN, "abstract (v1): the sharpness progressively "
                                 "approaches and stabilises around 2/η (edge of stability)")),
        _eos_claim("ahn", id=f"ahn.nn.unstable-convergence.depth{EOS_DEPTH}",
                   source=Source(AHN, "'Illustration of our main results' (sharpness and RP "
                                 "oscillate near 2/η and 0), on a GELU network",
                                 note="ReLU network on CIFAR-10 in the slides")),
        _eos_claim("below", factor=1.0, expected=Verdict.FAILS, source=wrong,
                   id=f"false.nn.sharpness-below-1-over-eta.depth{EOS_DEPTH}"),
        _eos_claim("stable", expected=Verdict.FAILS, source=wrong,
                   id=f"false.nn.stable-regime.depth{EOS_DEPTH}"),
    ]
    return [c if c.expected is Verdict.HOLDS else replace(c, tags=(*c.tags, *tags))
            for c in out]
