"""The long-run law of GD on a multiscale loss against a Gibbs law Z⁻¹exp(−f0/T).

Kong & Tao (NeurIPS 2020): on f = f0 + f1 with a small-scale f1 (amplitude and
wavelength ε), GD with ε ≪ h < 2/L0 does not resolve f1; −h∇f1(θ_k) acts like bounded
noise of mean 0 and per-coordinate variance σ² (the mean of (∂_i f1)² over one period),
and the iterates settle into a law close to the Gibbs law of f0 at temperature

    T = h σ² / 2                                        (:func:`kong_tao_temperature`).

Derivation (the linear-noise picture): θ_{k+1} = θ_k − h∇f0(θ_k) + h ξ_k with
independent ξ_k of covariance σ²I is the Euler–Maruyama step of
dθ = −∇f0 dt + √(2T) dW when 2T·h = h²σ², whose invariant law is Z⁻¹exp(−f0/T). On a
quadratic f0 = aθ²/2 the step's own stationary variance is hσ²/(a(2 − ha)), i.e.
T = hσ²/(2 − ha): the O(h) correction to the formula above.

This module holds the pieces of the comparison: the Gibbs law on a box by quadrature on a
grid (:class:`GibbsLaw`: normaliser, density, CDF in 1-D, marginal CDFs and the CDF of
f0(θ) in any dimension), the maximum-likelihood temperature
(:func:`fit_temperature`), the Kolmogorov–Smirnov distance (:func:`ks_distance`), the
Dvoretzky–Kiefer–Wolfowitz radius (:func:`dkw_radius`) and the GD samples
(:func:`gd_final_iterates`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "GibbsLaw",
    "dkw_radius",
    "fit_temperature",
    "gd_final_iterates",
    "kong_tao_temperature",
    "ks_distance",
]

F0 = Callable[[np.ndarray], np.ndarray]


def kong_tao_temperature(h: float, sigma2: float) -> float:
    """Kong & Tao's temperature T = hσ²/2.

    Parameters
    ----------
    h
        Learning rate.
    sigma2
        Per-coordinate variance of ∇f1 over one period of the small scale.
    """
    return h * sigma2 / 2


def dkw_radius(n: int, confidence: float) -> float:
    """The Dvoretzky–Kiefer–Wolfowitz radius √(ln(2/α)/(2n)), α = 1 − confidence: for n
    i.i.d. samples, sup|F_n − F| exceeds it with probability at most α (Massart's constant).
    """
    if n < 1 or not 0 < confidence < 1:
        raise ValueError("need n >= 1 and 0 < confidence < 1")
    return math.sqrt(math.log(2 / (1 - confidence)) / (2 * n))


def ks_distance(samples: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray]) -> float:
    """The Kolmogorov–Smirnov distance sup|F_n − F| of the empirical CDF of ``samples`` to
    the continuous CDF ``cdf`` (vectorised)."""
    x = np.sort(np.asarray(samples, dtype=float).ravel())
    n = x.size
    F = np.asarray(cdf(x), dtype=float)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - F), np.max(F - (i - 1) / n)))


@dataclass
class GibbsLaw:
    """The Gibbs law Z⁻¹exp(−f0(θ)/T) restricted to a box, by quadrature on a grid.

    The midpoint rule on ``points`` cells per coordinate; for a smooth f0 whose Gibbs mass
    lies well inside the box, the normaliser is accurate to many digits (the rule is
    spectrally accurate for rapidly decaying smooth integrands) and the CDFs to O(cell).

    Attributes
    ----------
    f0
        Vectorised f0: an array of shape ``(..., d)`` to values of shape ``(...)``.
    T
        Temperature, > 0.
    box
        ``((lo_1, hi_1), ..., (lo_d, hi_d))``.
    points
        Grid cells per coordinate.
    """

    f0: F0
    T: float
    box: tuple[tuple[float, float], ...]
    points: int = 4001
    _grid: list[np.ndarray] = field(init=False, repr=False)
    _values: np.ndarray = field(init=False, repr=False)
    _weights: np.ndarray = field(init=False, repr=False)
    _log_z: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.T <= 0:
            raise ValueError("T must be positive")
        self._grid = [lo + (np.arange(self.points) + 0.5) * (hi - lo) / self.points
                      for lo, hi in self.box]
        mesh = np.stack(np.meshgrid(*self._grid, indexing="ij"), axis=-1)
        self._values = np.asarray(self.f0(mesh), dtype=float)
        fmin = float(self._values.min())
        cell = math.prod((hi - lo) / self.points for lo, hi in self.box)
        w = np.exp(-(self._values - fmin) / self.T)
        total = float(w.sum())
        self._log_z = math.log(total * cell) - fmin / self.T
        self._weights = w / total

    @property
    def dim(self) -> int:
        """The dimension d."""
        return len(self.box)

    @property
    def normaliser(self) -> float:
        """Z = ∫_box exp(−f0/T)."""
        return math.exp(self._log_z)

    def density(self, theta: np.ndarray) -> np.ndarray:
        """Z⁻¹exp(−f0(θ)/T) at points of shape ``(..., d)``."""
        return np.exp(-np.asarray(self.f0(np.asarray(theta, dtype=float)), float) / self.T
                      - self._log_z)

    def mean_f0(self) -> float:
        """E[f0(θ)] under the law."""
        return float(np.sum(self._weights * self._values))

    def marginal_cdf(self, axis: int = 0) -> Callable[[np.ndarray], np.ndarray]:
        """The CDF of coordinate ``axis`` (piecewise linear through the cell edges)."""
        others = tuple(i for i in range(self.dim) if i != axis)
        mass = self._weights.sum(axis=others) if others else self._weights
        lo, hi = self.box[axis]
        edges = np.linspace(lo, hi, self.points + 1)
        cum = np.concatenate([[0.0], np.cumsum(mass)])

        def cdf(x: np.ndarray) -> np.ndarray:
            return np.interp(x, edges, cum)

        return cdf

    def value_cdf(self) -> Callable[[np.ndarray], np.ndarray]:
        """The CDF of f0(θ) for θ under the law (piecewise linear through the grid's
        sorted values)."""
        order = np.argsort(self._values, axis=None)
        vals = self._values.ravel()[order]
        cum = np.cumsum(self._weights.ravel()[order])

        def cdf(u: np.ndarray) -> np.ndarray:
            return np.interp(u, vals, cum, left=0.0, right=1.0)

        return cdf


def fit_temperature(f0: F0, mean_value: float, box: tuple[tuple[float, float], ...], *,
                    points: int = 801, bracket: tuple[float, float] = (1e-6, 10.0)) -> float:
    """The maximum-likelihood temperature of the Gibbs family on ``box`` given samples
    whose mean f0 value is ``mean_value``.

    The family is exponential in 1/T with sufficient statistic f0, so the likelihood
    equation is E_T[f0] = mean_value; E_T[f0] increases with T and the root is found by
    bisection on log T.
    """
    from scipy.optimize import brentq

    def gap(log_t: float) -> float:
        return GibbsLaw(f0, math.exp(log_t), box, points).mean_f0() - mean_value

    return math.exp(brentq(gap, math.log(bracket[0]), math.log(bracket[1]), xtol=1e-10))


def gd_final_iterates(gradient: F0, starts: np.ndarray, h: float, steps: int,
                      record: int = 0) -> np.ndarray:
    """GD θ ← θ − h∇f(θ) from every start (float64, vectorised).

    Parameters
    ----------
    gradient
        Vectorised ∇f: shape ``(n, d)`` to ``(n, d)``.
    starts
        Shape ``(n, d)``.
    h
        Learning rate.
    steps
        Number of steps.
    record
        If positive, also keep the last ``record`` iterates.

    Returns
    -------
    numpy.ndarray
        The final iterates, shape ``(n, d)``; with ``record`` > 0 the last ``record``
        iterates, shape ``(record, n, d)``.
    """
    x = np.array(starts, dtype=float)
    kept = []
    for k in range(steps):
        x = x - h * gradient(x)
        if record and k >= steps - record:
            kept.append(x)
    return np.stack(kept) if record else x
