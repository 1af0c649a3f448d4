"""The sharp transition of the asymptotic gradient norm (Crăciun & Ghoshdastidar 2024,
abstract): below the critical step size GD's gradient norm tends to 0 from almost every
start, above it it stays away from 0 (or the orbit diverges).

Checked with :func:`symstab.dynamics.gradient_norm.asymptotic_gradient_norm` (float64
GD, the mean ‖∇f‖ over the last steps, its median over uniform starts): numerical
evidence, not a proof.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from symstab.dynamics.gradient_norm import asymptotic_gradient_norm
from symstab.evidence import Strength
from symstab.inputs import StepSize, StepSizeLike
from symstab.loss import Loss

from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict
from .support import slug

__all__ = ["gradient_norm_transition"]

CRACIUN = "Crăciun & Ghoshdastidar 2024"
#: "Converged": median asymptotic gradient norm below this.
SMALL = 1e-8
#: "Not converged": median above this, or most orbits diverged.
LARGE = 1e-2


def gradient_norm_transition(loss: Loss, below: StepSizeLike, above: StepSizeLike,
                             box: Sequence[tuple[float, float]], *,
                             id: str | None = None) -> Claim:
    """Claim: the asymptotic gradient norm of GD on ``loss`` jumps between ``below`` and
    ``above`` (the critical step size lies between them): at ``below`` its median over
    uniform starts in ``box`` is under :data:`SMALL`, at ``above`` it is over
    :data:`LARGE` or most orbits diverge. Starts: ``max(200, budget.samples // 20)``;
    ``min(5000, budget.steps // 4)`` steps, the last 200 averaged."""
    lo, hi = StepSize.of(below), StepSize.of(above)

    def run(budget: Budget) -> Outcome:
        n = max(200, budget.samples // 20)
        steps = max(1000, min(5000, budget.steps // 4))
        res = asymptotic_gradient_norm(loss, [lo.exact, hi.exact], list(box), n,
                                       steps=steps, tail=200)
        p_lo, p_hi = res.points
        converged = p_lo.diverged < n / 2 and p_lo.median < SMALL
        stuck = p_hi.diverged > n / 2 or p_hi.median > LARGE
        text = "; ".join(
            f"η = {sp.sstr(p.eta)}: median {p.median:.3g} (10–90 %: {p.q10:.3g}–{p.q90:.3g}), "
            f"{p.diverged} of {n} diverged" for p in (p_lo, p_hi))
        ev = Evidence(Strength.NUMERICAL, f"mean ‖∇f‖ over the last 200 of {steps} float64 "
                      f"GD steps from {n} uniform starts: {text}",
                      data={"points": [p.to_dict() for p in res.points]})
        if converged and stuck:
            return Verdict.HOLDS, ev, None
        which = p_lo if not converged else p_hi
        return Verdict.FAILS, ev, Counterexample(
            f"at η = {sp.sstr(which.eta)} the median asymptotic gradient norm is "
            f"{which.median:.3g} with {which.diverged} of {n} diverged",
            eta=sp.sstr(which.eta))

    return Claim(
        id=id or f"craciun.gradient-norm.{slug(loss.name.replace(':', '-'))}",
        title=f"{loss.name}: the asymptotic gradient norm jumps between η = "
              f"{sp.sstr(lo.exact)} and {sp.sstr(hi.exact)}",
        statement=(f"For GD on {loss.name}, the asymptotic gradient norm is (numerically) 0 "
                   f"from almost every start at η = {sp.sstr(lo.exact)} and stays away from "
                   f"0 (or diverges) at η = {sp.sstr(hi.exact)}."),
        latex=(r"\lim_k\|\nabla f(\theta_k)\|=0\ (\eta=" + sp.latex(lo.exact)
               + r"),\quad \liminf_k\|\nabla f(\theta_k)\|>0\ (\eta=" + sp.latex(hi.exact)
               + ")"),
        source=Source(CRACIUN, "abstract: a sharp transition of the asymptotic gradient norm"),
        run=run,
        tags=(loss.name, "gradient-norm", "numerical"),
    )
