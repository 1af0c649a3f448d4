"""Where GD lands on a set of minima: the sharpness ratio ηλmax(θ∞)/2 of the limits.

One panel per step size: the histogram of ηλmax(θ∞)/2 over the converging starts of a
basin map or sweep (:class:`~symstab.dynamics.landing.Landing`), with the edge of
stability ηλmax/2 = 1 as a dashed red line (GD converges only to minima at or left of
it, Crăciun & Ghoshdastidar) and the share of limits within 5% of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from symstab.plot.panels import eta_text
from symstab.plot.style import (
    DARK_BLUE,
    FONTSIZE_LARGE,
    FONTSIZE_SMALL,
    RED,
    PathLike,
    save,
)

__all__ = ["landing_figure"]

#: Limits within this distance of the edge (ratio >= 1 - EDGE_BAND) are counted apart.
EDGE_BAND = 0.05


def landing_figure(landings: Sequence[Any], *, loss_name: str = "",
                   bins: int = 40, path: PathLike | None = None) -> Figure:
    """Histograms of ηλmax(θ∞)/2, one panel per :class:`~symstab.dynamics.landing.Landing`.

    Parameters
    ----------
    landings
        Landings (each with its ``eta``), drawn left to right.
    loss_name
        Shown in the title.
    bins
        Bins on [0, 1] (limits above 1 are counted in the panel's note).
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not landings:
        raise ValueError("no landings to draw")
    fig = Figure(figsize=(3.4 * len(landings), 3.4), layout="constrained")
    axes = fig.subplots(1, len(landings), sharey=False, squeeze=False)[0]
    edges = np.linspace(0.0, 1.0, int(bins) + 1)
    for ax, landed in zip(axes, landings, strict=True):
        ratio = landed.sharpness_ratio[landed.landed]
        total = max(int(ratio.size), 1)
        counts, _ = np.histogram(ratio[ratio <= 1.0], bins=edges)
        ax.bar(edges[:-1], counts / total, width=np.diff(edges), align="edge",
               color=DARK_BLUE, edgecolor="white", linewidth=0.4, gid="histogram")
        ax.axvline(1.0, color=RED, linestyle="--", linewidth=1.3, gid="edge")
        near = float(np.mean(ratio >= 1.0 - EDGE_BAND)) if ratio.size else 0.0
        above = int(np.count_nonzero(ratio > 1.0))
        ax.set_title(f"η = {eta_text(landed.eta.exact)}: {ratio.size} limits\n"
                     f"{near:.0%} within {EDGE_BAND:g} of the edge"
                     + (f", {above} above it" if above else ""), fontsize=FONTSIZE_SMALL)
        ax.set_xlim(0.0, 1.05)
        ax.set_xlabel("η λmax(θ∞) / 2")
        ax.grid(True, color="0.88", linewidth=0.6)
    axes[0].set_ylabel("fraction of converging starts")
    name = f"{loss_name}: " if loss_name else ""
    fig.suptitle(f"{name}sharpness at the limit of GD (edge of stability dashed)",
                 fontsize=FONTSIZE_LARGE)
    save(fig, path)
    return fig
