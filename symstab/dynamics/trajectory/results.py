"""The result of one GD trajectory: what the orbit does, and the computed orbit.

:class:`Classification` says what the orbit does (the outcomes and their rules are in
:mod:`symstab.dynamics.trajectory`); :class:`Trajectory` holds the iterates and losses
with their classification.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp
from mpmath import libmp

from symstab.evidence import Strength
from symstab.loss import Loss

__all__ = ["MAX_LISTED_INCREASES", "OUTCOMES", "Classification", "Trajectory", "num_str"]

#: At most this many loss-increase steps are listed (all are counted).
MAX_LISTED_INCREASES = 100

OUTCOMES = ("converged", "diverged", "periodic", "undetermined")


def num_str(x: Any, digits: int) -> str:
    """Decimal string of an mpf (any context) or a float."""
    raw = getattr(x, "_mpf_", None)
    if raw is not None:
        return libmp.to_str(raw, max(1, digits))
    return repr(float(x))


@dataclass(frozen=True)
class Classification:
    """What a GD orbit does, and how sure that is.

    Attributes
    ----------
    outcome
        ``"converged"``, ``"diverged"``, ``"periodic"`` or ``"undetermined"``.
    label
        Attractors.jl convention: k >= 1 the certified region's label (the k-th minimum),
        -1 diverged, 0 otherwise (including a fixed point not proved by a region).
    stable
        Converged orbits only: True if the loss strictly decreased at every step before
        the orbit settled (see the module docstring), False if it did not decrease at
        least once; None for the other outcomes.
    loss_increases
        Steps k with f(θ_{k+1}) >= f(θ_k) (the first :data:`MAX_LISTED_INCREASES`).
    n_loss_increases
        How many such steps there were.
    entered_region_at
        First k with θ_k inside a certified region (the stopping rule), else None.
    period
        Periodic orbits: the period p >= 2; None otherwise.
    orbit
        Periodic orbits: ``orbit[i]`` is the last computed θ_k with k ≡ i (mod p).
    diverged_at
        Diverged orbits: the first k at which ‖θ_k‖₂ exceeded the bound or f(θ_k) was not
        finite.
    strength
        ``certified`` for convergence proved by a region, ``numerical`` otherwise.
    evidence
        One sentence saying why.
    """

    outcome: str
    label: int
    stable: bool | None
    loss_increases: tuple[int, ...]
    n_loss_increases: int
    entered_region_at: int | None
    period: int | None
    orbit: tuple[tuple[Any, ...], ...] | None
    diverged_at: int | None
    strength: Strength
    evidence: str

    def to_dict(self, digits: int = 30) -> dict[str, Any]:
        """JSON-ready dict with stable keys (orbit coordinates as decimal strings)."""
        return {
            "outcome": self.outcome,
            "label": self.label,
            "stable": self.stable,
            "loss_increases": list(self.loss_increases),
            "n_loss_increases": self.n_loss_increases,
            "entered_region_at": self.entered_region_at,
            "period": self.period,
            "orbit": (
                None
                if self.orbit is None
                else [[num_str(x, digits) for x in pt] for pt in self.orbit]
            ),
            "diverged_at": self.diverged_at,
            "strength": str(self.strength),
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Trajectory:
    """A computed GD orbit and its classification.

    Attributes
    ----------
    loss
        The loss.
    eta
        The step size, an exact SymPy number.
    theta0
        The start, as exact SymPy numbers (the coordinates of
        :meth:`symstab.inputs.Point.of`: a float input is the decimal it spells).
    dps
        Working precision in decimal digits.
    iterates
        θ_0, …, θ_K as tuples of ``mpf`` (with ``record=False`` only θ_K).
    losses
        f(θ_0), …, f(θ_K) (with ``record=False`` only f(θ_K)), ``mpf`` evaluated at
        ``dps + dps//2 + 10`` digits at the computed iterates.
    classification
        What the orbit does.
    steps_taken
        K, the index of the last computed iterate.
    """

    loss: Loss
    eta: sp.Expr
    theta0: tuple[sp.Expr, ...]
    dps: int
    iterates: list[tuple[Any, ...]]
    losses: list[Any]
    classification: Classification
    steps_taken: int = 0

    @property
    def final(self) -> tuple[Any, ...]:
        """The last computed iterate θ_K."""
        return self.iterates[-1]

    def to_dict(self, *, iterates: bool = True) -> dict[str, Any]:
        """JSON-ready dict with stable keys; numbers as decimal strings at ``dps`` digits.

        Parameters
        ----------
        iterates
            Include the lists ``iterates`` and ``losses`` (may be long).
        """
        d = self.dps
        out: dict[str, Any] = {
            "loss": {
                "name": self.loss.name,
                "expression": sp.sstr(self.loss.expr),
                "params": [p.name for p in self.loss.params],
            },
            "eta": sp.sstr(self.eta),
            "theta0": [sp.sstr(t) for t in self.theta0],
            "dps": d,
            "steps_taken": self.steps_taken,
            "final": [num_str(x, d) for x in self.final],
            "final_loss": num_str(self.losses[-1], d),
            "classification": self.classification.to_dict(d),
        }
        if iterates:
            out["iterates"] = [[num_str(x, d) for x in pt] for pt in self.iterates]
            out["losses"] = [num_str(v, d) for v in self.losses]
        return out
