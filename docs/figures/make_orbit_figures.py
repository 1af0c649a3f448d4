"""Write the periodic-orbit figures to docs/figures/.

* ``orbits_bifurcation_diag_xy.png`` — bifurcation diagram of GD on ½(1 − xy)² restricted
  to the diagonal x = y (the map x ↦ x − ηx(x² − 1)), with the exact doublings at η = 1,
  √5 − 1 and the numerical ones after them.
* ``orbits_xy_eta_1.1.png`` — the certified stable period-2 orbits of ½(1 − xy)² at η = 1.1.
* ``orbits_xy_eta_1.9.png`` — the certified (all unstable) orbits of period 2, 3, 4 at
  η = 1.9, the step size of the Tao & Wang blog.

Run: ``python docs/figures/make_orbit_figures.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from symstab.dynamics.orbits import diagonal_loss, find_orbits, period_doubling_etas
from symstab.loss import Loss
from symstab.plot import bifurcation_figure, orbit_figure

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Write the figures."""
    xy = Loss.from_catalog("xy")
    diag = diagonal_loss(xy)
    doublings = period_doubling_etas(diag, 6, dps=40)
    bifurcation_figure(diag, np.linspace(0.8, 2.0, 1200), doublings=doublings,
                       starts=[[0.3], [-0.3]],
                       path=HERE / "orbits_bifurcation_diag_xy.png",
                       title="GD on ½(1 − xy)² restricted to x = y")
    orbits = find_orbits(xy, "11/10", 2, starts=100)
    orbit_figure(xy, "11/10", orbits, window=(-2, 2, -2, 2),
                 path=HERE / "orbits_xy_eta_1.1.png")
    many = [o for p in (2, 3, 4) for o in find_orbits(xy, "1.9", p, starts=100)]
    orbit_figure(xy, "1.9", many, window=(-2, 2, -2, 2), path=HERE / "orbits_xy_eta_1.9.png",
                 title="½(1 − xy)², η = 1.9: certified orbits,\nperiods 2, 3, 4, all unstable")


if __name__ == "__main__":
    main()
