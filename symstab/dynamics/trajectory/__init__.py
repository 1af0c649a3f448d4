"""Single GD trajectories in arbitrary precision, classified, with precision checks.

:func:`trajectory` iterates the GD map G(θ) = θ − η∇f(θ) with the mpmath target of
:func:`symstab.codegen.compile_loss` at ``dps`` decimal digits and classifies the orbit:

``converged``
    Either the orbit entered a :class:`~symstab.certify.region.CertifiedRegion` (a ball
    around a strict minimum that GD at this η provably maps into itself, contracting),
    or it reached a *numerical fixed point* (consecutive iterates within the tolerance
    for a number of consecutive steps, see below). Only the first gives the minimum's
    label (k >= 1) and strength ``certified``; a fixed point that no region proves is
    ``converged`` with label 0 and strength ``numerical``. This covers a saddle reached
    exactly (e.g. f4 from a point of the anti-diagonal x = −y, whose orbit stays on it and
    tends to the saddle at the origin) and a minimum that attracts although no region was
    certified for it (e.g. when η is close to η* = 2/λmax, or regions are unavailable).
``periodic``
    θ_k matched θ_{k−p} (max-norm, within the tolerance) for ``max(8, 4p)`` consecutive
    steps, for some 2 <= p <= ``period_max`` (the smallest such p is reported, with the
    orbit), and the p orbit points are genuinely distinct: pairwise at least 1000
    tolerances apart, with the drift ‖θ_k − θ_{k−p}‖∞ at most 10^(−⌊dps/2⌋) times their
    smallest distance (10⁻⁸ in float64). The second condition separates a cycle (its
    points stay apart while the drift dies out) from a slow convergence with a
    multiplier λ ≈ −1, where θ_k ≈ θ_{k−2} long before θ_k ≈ θ_{k−1} but the drift stays
    a fixed fraction 1 − |λ| of the distance of the two "points" (e.g. f4 at η = 13/25,
    λ = −0.976, which is a convergence). Example: f = x²/2 at η = 2 is x ↦ −x, period 2
    from every x0 with 2|x0| >= 1000·tol.
``diverged``
    ‖θ_k‖₂ > ``divergence_bound`` or f(θ_k) (or a coordinate) is not finite.
``undetermined``
    None of these within ``steps`` steps.

Modules
-------
:mod:`~symstab.dynamics.trajectory.results`
    :class:`Classification` and :class:`Trajectory`.
:mod:`~symstab.dynamics.trajectory.engine`
    The generic engine: iteration, fixed points and cycles, classification.
:mod:`~symstab.dynamics.trajectory.kernels`
    The high-precision engine on generated mpfr or libmp kernels.
:mod:`~symstab.dynamics.trajectory.iterate`
    :func:`trajectory` itself (what "certified" means is stated there).
:mod:`~symstab.dynamics.trajectory.escalation`
    :func:`trajectory_escalated`: rerun at doubled precision until two runs agree.
:mod:`~symstab.dynamics.trajectory.shadow`
    :func:`shadowing`: float64 against mpmath, step by step.
"""

from symstab.dynamics.trajectory.escalation import (
    EscalationReport,
    EscalationRun,
    trajectory_escalated,
)
from symstab.dynamics.trajectory.iterate import trajectory
from symstab.dynamics.trajectory.results import (
    MAX_LISTED_INCREASES,
    OUTCOMES,
    Classification,
    Trajectory,
)
from symstab.dynamics.trajectory.shadow import ShadowingReport, shadowing

__all__ = [
    "MAX_LISTED_INCREASES",
    "OUTCOMES",
    "Classification",
    "EscalationReport",
    "EscalationRun",
    "ShadowingReport",
    "Trajectory",
    "shadowing",
    "trajectory",
    "trajectory_escalated",
]
