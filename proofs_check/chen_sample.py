"""Float64 classification of many starts into U_η, V_η ∖ U_η and the rest, for the Chen
claims on Fig. 2 (vectorised NumPy, no compilation step).

A start is *converging* when its float64 orbit enters one of the certified Hessian balls
(:func:`symstab.certify.minima.certified_regions`, tested with the shrunken float64
radii of :func:`symstab.certify.region.region_arrays`), *stable* when moreover the loss
fell at every float64 step before that (inside a ball the descent is certified); a
change within a few ulps (:data:`TIE`) is not counted as a rise. The rule is that of
:func:`symstab.dynamics.basins.basin_map` with Hessian balls only. The orbits are
float64, so a class is a numerical label, and fractions of random starts are statistical
estimates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from symstab.certify.region import region_arrays
from symstab.codegen import compile_loss
from symstab.loss import Loss

from .support import regions_of

__all__ = ["REST", "STABLE", "UNSTABLE", "Classes", "classify", "components", "grid_classes",
           "grid_points", "sample_classes", "window_of"]

REST, UNSTABLE, STABLE = 0, 1, 2
#: Relative tolerance of a float64 loss comparison: a change within it (a tie at the
#: rounding level, e.g. near a saddle) is not counted as a rise.
TIE = 1e-13
#: Steps without any orbit entering a ball or leaving the bound after which the
#: remaining orbits are left undetermined (class ``REST``).
STALL = 300


@dataclass(frozen=True, eq=False)
class Classes:
    """Class codes of starts (``STABLE`` U_η, ``UNSTABLE`` V_η ∖ U_η, ``REST``), with the
    starts (``(N, n)`` float64) and the step size."""

    codes: np.ndarray
    points: np.ndarray
    eta: sp.Expr


def classify(loss: Loss, eta: sp.Expr, points: np.ndarray, *, max_steps: int = 1500,
             bound: float = 1e8, subdivisions: int = 4) -> np.ndarray:
    """Class codes of the float64 orbits from ``points`` (see the module docstring)."""
    regions = [r for r in regions_of(loss, eta, subdivisions) if r.monotone]
    theta = np.array(points, dtype=np.float64)
    codes = np.full(len(theta), REST, dtype=np.int8)
    if not regions:
        return codes
    centers, radii = region_arrays(regions)
    target = compile_loss(loss.expr, loss.params).numpy()
    step = float(eta)
    active = np.arange(len(theta))
    rose = np.zeros(len(theta), dtype=bool)
    with np.errstate(all="ignore"):
        f_old = np.asarray(target.value(theta), dtype=np.float64)
        quiet = 0
        for _ in range(max_steps + 1):
            th = theta[active]
            d2 = ((th[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
            inside = (d2 <= radii[None, :] ** 2).any(axis=1)
            done = active[inside]
            codes[done] = np.where(rose[done], UNSTABLE, STABLE)
            gone = ~np.isfinite(th).all(axis=1) | (np.abs(th).max(axis=1) > bound)
            keep = ~inside & ~gone
            quiet = 0 if not keep.all() else quiet + 1
            active = active[keep]
            if active.size == 0 or quiet > STALL:
                break
            new = target.step(theta[active], step)
            f_new = np.asarray(target.value(new), dtype=np.float64)
            old = f_old[active]
            rose[active] |= ~(f_new <= old + TIE * (1.0 + np.abs(old)))
            theta[active] = new
            f_old[active] = f_new
    return codes


def sample_classes(loss: Loss, eta: sp.Expr, window: tuple[tuple[float, float], ...], *,
                   n: int = 20000, per_axis: int = 100, seed: int = 0,
                   max_steps: int = 600) -> tuple[Classes, Classes]:
    """Classes of ``n`` starts drawn uniformly from ``window`` (seeded) and of the
    ``per_axis × per_axis`` grid of cell centres of a 2-D ``window`` (``codes`` reshaped
    to ``(ny, nx)``), computed in one pass and cached."""
    return _sample(loss, eta, window, n, per_axis, seed, max_steps)


@lru_cache(maxsize=128)
def _sample(loss: Loss, eta: sp.Expr, window: tuple[tuple[float, float], ...], n: int,
            per_axis: int, seed: int, max_steps: int) -> tuple[Classes, Classes]:
    rng = np.random.default_rng(seed)
    lo = np.array([a for a, _ in window], dtype=np.float64)
    hi = np.array([b for _, b in window], dtype=np.float64)
    uniform = lo + (hi - lo) * rng.random((n, len(window)))
    grid = grid_points(window, per_axis) if per_axis else np.zeros((0, len(window)))
    codes = classify(loss, eta, np.vstack([uniform, grid]), max_steps=max_steps)
    shape = (per_axis, per_axis) if per_axis else (0,)
    return (Classes(codes[:n], uniform, eta),
            Classes(codes[n:].reshape(shape), grid, eta))


def grid_points(window: tuple[tuple[float, float], ...], per_axis: int) -> np.ndarray:
    """The cell centres of a ``per_axis × per_axis`` grid of a 2-D window, x fastest."""
    (x0, x1), (y0, y1) = window
    xs = x0 + (np.arange(per_axis) + 0.5) * (x1 - x0) / per_axis
    ys = y0 + (np.arange(per_axis) + 0.5) * (y1 - y0) / per_axis
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def grid_classes(loss: Loss, eta: sp.Expr, window: tuple[tuple[float, float], ...],
                 per_axis: int, max_steps: int = 600) -> Classes:
    """Classes on the grid of cell centres alone (see :func:`sample_classes`)."""
    return sample_classes(loss, eta, window, n=0, per_axis=per_axis,
                          max_steps=max_steps)[1]


def components(mask: np.ndarray, min_cells: int = 1) -> list[np.ndarray]:
    """The 4-connected components of a 2-D boolean grid with at least ``min_cells``
    cells, largest first; each is the array of its flat indices (row-major).

    Every cell of the mask starts with its own index as label; each round replaces a
    label by the smallest label of its 4 neighbours in the mask, until nothing changes:
    then two cells share a label exactly when a 4-path in the mask joins them."""
    mask = np.asarray(mask, dtype=bool)
    big = mask.size
    labels = np.where(mask, np.arange(big).reshape(mask.shape), big)
    while True:
        new = labels.copy()
        new[1:, :] = np.minimum(new[1:, :], np.where(mask[1:, :], labels[:-1, :], big))
        new[:-1, :] = np.minimum(new[:-1, :], np.where(mask[:-1, :], labels[1:, :], big))
        new[:, 1:] = np.minimum(new[:, 1:], np.where(mask[:, 1:], labels[:, :-1], big))
        new[:, :-1] = np.minimum(new[:, :-1], np.where(mask[:, :-1], labels[:, 1:], big))
        new[~mask] = big
        if np.array_equal(new, labels):
            break
        labels = new
    flat = labels.ravel()
    out = [np.flatnonzero(flat == k) for k in np.unique(flat[mask.ravel()])]
    out = [c for c in out if len(c) >= min_cells]
    out.sort(key=len, reverse=True)
    return out


def window_of(box: Sequence[tuple[Any, Any]]) -> tuple[tuple[float, float], ...]:
    """A window as a hashable tuple of float pairs."""
    return tuple((float(lo), float(hi)) for lo, hi in box)
