"""Edge of stability: metrics along a GD orbit, and the balancing effect of large steps.

* :mod:`~symstab.dynamics.eos.pointwise` — sharpness, relative progress and the initial
  sharpness L at one point;
* :mod:`~symstab.dynamics.eos.metrics` — :func:`eos_metrics`: loss, sharpness, relative
  progress and directional smoothness along GD, with a summary (Ahn, Zhang & Sra 2022);
* :mod:`~symstab.dynamics.eos.balancing` — :func:`balancing_scan`: |x∞ − y∞| against
  h = c·L (Wang, Chen, Zhao & Tao 2022; Tao & Wang blog).
"""

from symstab.dynamics.eos.balancing import BalancingPoint, BalancingScan, balancing_scan
from symstab.dynamics.eos.metrics import (
    EosResult,
    EosSeries,
    EosSummary,
    EosThresholds,
    eos_metrics,
)
from symstab.dynamics.eos.pointwise import initial_sharpness, relative_progress, sharpness

__all__ = [
    "BalancingPoint",
    "BalancingScan",
    "EosResult",
    "EosSeries",
    "EosSummary",
    "EosThresholds",
    "balancing_scan",
    "eos_metrics",
    "initial_sharpness",
    "relative_progress",
    "sharpness",
]
