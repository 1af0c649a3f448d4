"""Figures, one module per subject, all in the one style of :mod:`symstab.plot.style`.

* :mod:`~symstab.plot.basins`: basin maps in the U_η / V_η colours (``basin --plot``);
* :mod:`~symstab.plot.trajectories`: one GD orbit and its loss (``trajectory --plot``);
* :mod:`~symstab.plot.chen`: Chen et al.'s Fig. 2 (basins U_η ⊂ V_η) and Fig. 3
  (stable vs unstable GD);
* :mod:`~symstab.plot.craciun`: Crăciun & Ghoshdastidar's Fig. 1 (GD and M_WS at
  η = 0.4 and 1.1) and Fig. 2 (converging fraction and |M_WS(η)| against η);
* :mod:`~symstab.plot.orbits`: periodic orbits and bifurcation diagrams (Tao & Wang);
* :mod:`~symstab.plot.eos`: edge-of-stability metrics, balancing, Lyapunov exponents;
* :mod:`~symstab.plot.landing`: where GD lands on a set of minima (ηλmax/2 at the limit);
* :mod:`~symstab.plot.network`: the network experiment (Crăciun & Ghoshdastidar 2024);
* :mod:`~symstab.plot.panels`: what several figures draw alike (landscape, minima).

All functions build a :class:`matplotlib.figure.Figure` directly (no ``pyplot``, no
global state, no ``show``), render with the Agg backend when saved, and return the
figure; pass ``path=`` to also save it. Every public figure function is importable from
here: ``from symstab.plot import chen_fig2, basin_figure, orbit_figure``.
"""

from symstab.plot.basins import basin_classes, basin_figure
from symstab.plot.chen import (
    DEFAULT_FRACTIONS,
    Fig2Row,
    ScanRow,
    chen_fig2,
    chen_fig2_data,
    chen_fig2_rows,
    chen_fig3,
    chen_fig3_eta_scan,
)
from symstab.plot.craciun import craciun_fig1, craciun_fig2, gradient_norm_figure, sweep_figure
from symstab.plot.eos import balancing_figure, eos_figure, lyapunov_figure
from symstab.plot.landing import landing_figure
from symstab.plot.network import converging_fraction_figure, sharpness_figure
from symstab.plot.orbits import bifurcation_figure, orbit_figure
from symstab.plot.panels import eta_star
from symstab.plot.style import (
    CLASS_COLORS,
    CLASS_NAMES,
    CLASS_REST,
    CLASS_STABLE,
    CLASS_UNSTABLE,
    relative_luminance,
)
from symstab.plot.trajectories import trajectory_figure, unstable_prefix

__all__ = [
    "CLASS_COLORS",
    "CLASS_NAMES",
    "CLASS_REST",
    "CLASS_STABLE",
    "CLASS_UNSTABLE",
    "DEFAULT_FRACTIONS",
    "Fig2Row",
    "ScanRow",
    "balancing_figure",
    "basin_classes",
    "basin_figure",
    "bifurcation_figure",
    "chen_fig2",
    "chen_fig2_data",
    "chen_fig2_rows",
    "chen_fig3",
    "chen_fig3_eta_scan",
    "converging_fraction_figure",
    "craciun_fig1",
    "craciun_fig2",
    "eos_figure",
    "eta_star",
    "gradient_norm_figure",
    "landing_figure",
    "lyapunov_figure",
    "orbit_figure",
    "relative_luminance",
    "sharpness_figure",
    "sweep_figure",
    "trajectory_figure",
    "unstable_prefix",
]
