"""Basin maps: where gradient descent from each starting point ends up, and how.

:func:`basin_map` runs float64 GD from every point of a grid (or any set of points)
until the iterate enters a certified region (label ``k >= 1``), diverges (``-1``) or
runs out of steps (``0``). The labels follow the Attractors.jl convention (``-1``
diverged, ``0`` undetermined, ``k`` attractor ``k``). Along the way the kernel records
whether the loss decreased *strictly* at every step taken (``stable``: Chen et al.'s
set U_η of starting points whose trajectories converge stably); inside a certified
Hessian ball descent is certified, so tracking stops there. :func:`recheck` reruns
sampled points at high precision.

Modules
-------
:mod:`~symstab.dynamics.basins.result`
    :class:`BasinMap`.
:mod:`~symstab.dynamics.basins.kernel`
    The generated parallel numba kernel (:func:`basin_kernel`, :func:`cached_kernel`).
:mod:`~symstab.dynamics.basins.inputs`
    Grids of starting points and region arrays.
:mod:`~symstab.dynamics.basins.driver`
    :func:`basin_map`: the kernel over a grid, locally or tiled over Dask.
:mod:`~symstab.dynamics.basins.confirm`
    :func:`recheck`: the high-precision rerun of sampled points.
"""

from symstab.dynamics.basins.confirm import recheck
from symstab.dynamics.basins.driver import basin_map, run_tile
from symstab.dynamics.basins.inputs import LYAPUNOV_AUTO_DISTANCE, near_eta_star
from symstab.dynamics.basins.kernel import basin_kernel, cached_kernel
from symstab.dynamics.basins.result import BasinMap

__all__ = [
    "LYAPUNOV_AUTO_DISTANCE",
    "BasinMap",
    "basin_kernel",
    "basin_map",
    "cached_kernel",
    "near_eta_star",
    "recheck",
    "run_tile",
]
