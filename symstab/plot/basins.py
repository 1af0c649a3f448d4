"""Basin maps: the class of every start (U_η, V_η \\ U_η, the rest) and the basin-map
figure of the CLI's ``basin --plot``. Colours: :mod:`symstab.plot.style`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from symstab.dynamics.basins import BasinMap
from symstab.plot.panels import eta_text, mark_minima
from symstab.plot.style import (
    CLASS_CMAP,
    CLASS_REST,
    CLASS_STABLE,
    CLASS_UNSTABLE,
    FONTSIZE_LARGE,
    FONTSIZE_SMALL,
    PathLike,
    class_handles,
    save,
)

__all__ = ["basin_classes", "basin_figure", "draw_basin"]


def basin_classes(bmap: BasinMap) -> np.ndarray:
    """Class code of every start: :data:`CLASS_STABLE` (U_η), :data:`CLASS_UNSTABLE`
    (V_η \\ U_η) or :data:`CLASS_REST` (diverged / undetermined).

    Parameters
    ----------
    bmap
        A basin map (anything with ``labels`` and ``stable`` arrays of equal shape).

    Returns
    -------
    numpy.ndarray
        ``int8`` array of the shape of ``bmap.labels``.
    """
    labels = np.asarray(bmap.labels)
    stable = np.asarray(bmap.stable, dtype=bool)
    out = np.full(labels.shape, CLASS_REST, dtype=np.int8)
    conv = labels >= 1
    out[conv & stable] = CLASS_STABLE
    out[conv & ~stable] = CLASS_UNSTABLE
    return out


def draw_basin(ax: Axes, bmap: BasinMap, *, mark: bool = True) -> None:
    """Draw the classes of ``bmap`` on ``ax``: an image for 1-D and 2-D grids, a scatter
    plot for point lists; ``mark`` stars the centres of the certified regions."""
    classes = basin_classes(bmap)
    common: dict[str, Any] = {"cmap": CLASS_CMAP, "vmin": -0.5, "vmax": 2.5}
    if bmap.axes is not None and len(bmap.axes) == 2:
        xs, ys = bmap.axes
        dx = (xs[-1] - xs[0]) / max(xs.size - 1, 1) / 2 or 0.5
        dy = (ys[-1] - ys[0]) / max(ys.size - 1, 1) / 2 or 0.5
        extent = (xs[0] - dx, xs[-1] + dx, ys[0] - dy, ys[-1] + dy)
        ax.imshow(
            classes,
            origin="lower",
            extent=extent,
            interpolation="nearest",
            aspect="auto",
            **common,
        )
    elif bmap.axes is not None:  # 1-D grid: a strip
        xs = bmap.axes[0]
        dx = (xs[-1] - xs[0]) / max(xs.size - 1, 1) / 2 or 0.5
        ax.imshow(
            classes[None, :],
            origin="lower",
            extent=(xs[0] - dx, xs[-1] + dx, 0, 1),
            interpolation="nearest",
            aspect="auto",
            **common,
        )
        ax.set_yticks([])
    else:
        pts = np.asarray(bmap.points)
        if pts.shape[1] < 2:
            ax.scatter(pts[:, 0], np.zeros(len(pts)), c=classes, s=8, **common)
        else:
            ax.scatter(pts[:, 0], pts[:, 1], c=classes, s=8, **common)
    if mark and bmap.centers.size and bmap.centers.shape[1] >= 2:
        mark_minima(ax, [tuple(c[:2]) for c in bmap.centers])


# --------------------------------------------------------------------------------------
# Basin maps (Chen Fig. 2)
# --------------------------------------------------------------------------------------


def basin_figure(
    bmap: BasinMap,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    legend: bool = True,
    path: PathLike | None = None,
) -> Figure:
    """One basin map in the U_η / V_η colours (used by the CLI ``--plot``).

    Parameters
    ----------
    bmap
        The result of :func:`symstab.dynamics.basins.basin_map` (2-D grid, 1-D grid or
        point list).
    ax
        Draw into this axes (its figure is returned); else a new figure.
    title
        Axes title; default: loss name, η and the U_η / V_η fractions.
    legend
        Add a legend (below the axes).
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if ax is None:
        fig = Figure(figsize=(5.2, 5.8), layout="constrained")
        ax = fig.add_subplot()
    else:
        parent: Any = ax.figure
        while not isinstance(parent, Figure):  # a SubFigure: up to the root figure
            parent = parent.figure
        fig = parent
    draw_basin(ax, bmap)
    classes = basin_classes(bmap)
    if title is None:
        u = float(np.mean(classes == CLASS_STABLE)) if classes.size else 0.0
        v = float(np.mean(classes != CLASS_REST)) if classes.size else 0.0
        title = (
            f"{bmap.loss_name}: η = {eta_text(bmap.eta)}\n"
            f"|U_η| = {u:.1%}, |V_η| = {v:.1%} of the starts"
        )
    ax.set_title(title, fontsize=FONTSIZE_LARGE)
    ax.set_xlabel("x")
    ax.set_ylabel("y" if bmap.axes is None or len(bmap.axes) != 1 else "")
    if legend:
        ax.legend(
            handles=class_handles(),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            fontsize=FONTSIZE_SMALL,
            ncols=2,
            frameon=False,
        )
    save(fig, path)
    return fig
