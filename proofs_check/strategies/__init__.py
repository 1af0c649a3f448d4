"""Public Hypothesis strategies for property tests about gradient descent.

Small composable strategies, in the style of Hypothesis itself, that draw the objects
a statement about GD with a large step size is made of:

* **losses** -- :func:`polynomial_losses` (random polynomials of bounded degree with
  rational coefficients, optionally coercive), :func:`known_quadratics` /
  :func:`quadratic_losses` (positive-definite quadratics with exactly known eigenvalues
  and minimiser), :func:`known_linear_networks` / :func:`linear_network_losses`
  (scalar-output linear networks with squared loss);
* **step sizes** -- :func:`rationals`, :func:`step_sizes` (exact rationals in an
  interval) and :func:`step_sizes_relative` (η = factor · threshold, exact);
* **initialisations** -- :func:`points_in_box`, :func:`points_near` (near a minimum)
  and :func:`points_near_manifold` (near a component of minima);
* **a helper to state a property** -- :func:`for_all`, a thin wrapper of
  :func:`hypothesis.given`;
* **settings profiles** -- :func:`register_profiles` registers ``symstab-ci``
  (deterministic) and ``symstab-deep`` (many examples); nothing is loaded on import.

Every value that is exact is returned exact (SymPy ``Rational`` or exact expression),
never as a binary float, unless floats are asked for (``exact=False`` for points).
Only the public API of :mod:`symstab` is used. See ``docs/strategies.md``.
"""

from proofs_check.strategies.losses import (
    KnownLinearNetwork,
    KnownQuadratic,
    known_linear_networks,
    known_quadratics,
    linear_network_losses,
    polynomial_losses,
    quadratic_losses,
)
from proofs_check.strategies.numbers import rationals, step_sizes, step_sizes_relative
from proofs_check.strategies.points import points_in_box, points_near, points_near_manifold
from proofs_check.strategies.profiles import (
    CI_MAX_EXAMPLES,
    CI_PROFILE,
    DEEP_MAX_EXAMPLES,
    DEEP_PROFILE,
    DEV_PROFILE,
    for_all,
    register_profiles,
)

__all__ = [
    "CI_MAX_EXAMPLES",
    "CI_PROFILE",
    "DEEP_MAX_EXAMPLES",
    "DEEP_PROFILE",
    "DEV_PROFILE",
    "KnownLinearNetwork",
    "KnownQuadratic",
    "for_all",
    "known_linear_networks",
    "known_quadratics",
    "linear_network_losses",
    "points_in_box",
    "points_near",
    "points_near_manifold",
    "polynomial_losses",
    "quadratic_losses",
    "rationals",
    "register_profiles",
    "step_sizes",
    "step_sizes_relative",
]
