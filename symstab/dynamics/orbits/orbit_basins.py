"""Basins of orbits: where float64 GD ends from uniform starts in a box (statistical).

:func:`basin_fractions` classifies the end points (diverged, period p, matched to known
orbits, aperiodic) with 99% Wilson intervals of the fractions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from symstab.dynamics.orbits.maps import numpy_map
from symstab.dynamics.orbits.search import PeriodicOrbit
from symstab.evidence import wilson_interval
from symstab.inputs import StepSize, StepSizeLike
from symstab.loss import Loss

__all__ = ["BasinEstimate", "basin_fractions"]


@dataclass(frozen=True)
class BasinEstimate:
    """Where GD ends from uniform starts in a box (float64 map, statistical).

    Attributes
    ----------
    n
        Number of starts.
    box
        The sampling box.
    fractions
        ``{class: fraction}``; classes ``"diverged"``, ``"period p"`` (a bounded orbit of
        minimal period p <= ``max_period``, matched to ``orbits`` where possible as
        ``"period p #i"``), ``"aperiodic"`` (bounded, no period <= ``max_period``).
    intervals
        99% Wilson intervals of the fractions.
    transient, max_period
        Steps before classifying; largest period looked for.
    lyapunov
        Largest Lyapunov exponent (float64, numerical) of an aperiodic end point, if any.
    on_diagonal
        Fraction of the bounded end points with θ_1 = ... = θ_n (to 1e-9).
    """

    n: int
    box: tuple[tuple[float, float], ...]
    fractions: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    transient: int
    max_period: int
    lyapunov: float | None = None
    on_diagonal: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"n": self.n, "box": [list(b) for b in self.box], "fractions": self.fractions,
                "intervals_99": {k: list(v) for k, v in self.intervals.items()},
                "transient": self.transient, "max_period": self.max_period,
                "lyapunov": self.lyapunov, "on_diagonal": self.on_diagonal}


def basin_fractions(loss: Loss, eta: StepSizeLike, *,
                    box: Sequence[tuple[float, float]] | None = None, n: int = 20000,
                    transient: int = 5000, max_period: int = 32, seed: int = 0,
                    orbits: Sequence[PeriodicOrbit] = (), tol: float = 1e-6) -> BasinEstimate:
    """Estimate the basin fraction of each attractor on a box (float64, statistical).

    Parameters
    ----------
    loss, eta
        Loss and step size.
    box
        Sampling box (default ``[-3, 3]`` per parameter).
    n
        Number of uniform starts.
    transient
        Steps before the end point is classified.
    max_period
        Largest period detected (to ``tol``).
    seed
        Random seed.
    orbits
        Known orbits: end points within ``tol`` of one are labelled with its index.
    tol
        Tolerance of the periodicity and matching tests.

    Returns
    -------
    BasinEstimate
    """
    step = StepSize.of(eta)
    d = loss.n
    box = tuple(box) if box is not None else tuple((-3.0, 3.0) for _ in range(d))
    target = numpy_map(loss)
    eta_f = step.as_float
    rng = np.random.default_rng(seed)
    lo = np.array([b[0] for b in box])
    hi = np.array([b[1] for b in box])
    theta = lo + (hi - lo) * rng.random((n, d))
    with np.errstate(all="ignore"):
        # a diverged row is NaN and stays NaN: only the live rows are stepped, the set
        # shrunk every few steps (the same end points as stepping all of them)
        live = np.arange(n)
        state = theta
        for k in range(transient):
            state = np.asarray(target.step(state, eta_f)).reshape(-1, d)
            state[np.any(np.abs(state) > 1e8, axis=1)] = np.nan
            if k % 16 == 15 or k == transient - 1:
                theta[live] = state
                keep = np.all(np.isfinite(state), axis=1)
                live, state = live[keep], state[keep]
        hist = [theta]
        for _ in range(max_period):
            hist.append(np.asarray(target.step(hist[-1], eta_f)).reshape(n, d))
    H = np.array(hist)
    diverged = ~np.all(np.isfinite(H[0]), axis=1)
    period = np.zeros(n, int)
    for p in range(1, max_period + 1):
        close = np.all(np.abs(H[p] - H[0]) < tol * (1 + np.abs(H[0])), axis=1)
        period[(period == 0) & ~diverged & close] = p
    labels = np.where(diverged, "diverged",
                      np.where(period > 0, np.char.add("period ", period.astype(str)),
                               "aperiodic")).astype(object)
    for i, orb in enumerate(orbits):
        pts = orb.float_points()
        for pt in pts:
            near = np.all(np.abs(H[0] - pt) < 1e3 * tol, axis=1) & (period == orb.period)
            labels[near] = f"period {orb.period} #{i + 1}"
    names, counts = np.unique(labels.astype(str), return_counts=True)
    fractions = {str(k): int(c) / n for k, c in zip(names, counts, strict=True)}
    intervals = {
        str(k): wilson_interval(int(c), n, 0.99) for k, c in zip(names, counts, strict=True)
    }
    bounded = ~diverged
    on_diag = None
    if bounded.any() and d > 1:
        ends = H[0][bounded]
        on_diag = float(np.mean(np.all(np.abs(ends - ends[:, :1]) < 1e-9, axis=1)))
    lyap = None
    aper = np.where(labels.astype(str) == "aperiodic")[0]
    if len(aper):
        lyap = _lyapunov(target, eta_f, H[0][aper[0]], d)
    return BasinEstimate(n, tuple(tuple(map(float, b)) for b in box), fractions, intervals,
                         transient, max_period, lyap, on_diag)


def _lyapunov(target: Any, eta: float, theta: np.ndarray, d: int, steps: int = 20000) -> float:
    v = np.ones(d) / math.sqrt(d)
    total = 0.0
    th = theta.copy()
    for _ in range(steps):
        h = np.asarray(target.hessian(th[None, :])).reshape(d, d)
        v = (np.eye(d) - eta * h) @ v
        norm = float(np.linalg.norm(v))
        total += math.log(norm)
        v /= norm
        th = np.asarray(target.step(th[None, :], eta)).reshape(d)
    return total / steps

