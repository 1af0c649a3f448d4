"""Figures for GD on multiscale losses (Kong & Tao, NeurIPS 2020; the Tao & Wang blog).

* :func:`multiscale_landscape_figure`: the 1-D loss f = f0 + f1 and its macroscopic part
  f0, a zoom on the small-scale wells, and GD iterates against the step number at a small
  and a large step (captured by one well / jumping over many).
* :func:`gibbs_histogram_figure`: the histogram of GD iterates against Gibbs densities
  Z⁻¹exp(−f0/T) (one panel per sample set).
* :func:`gibbs_scatter_figure`: 2-D iterates over the level sets of the Gibbs density.

Greyscale-safe (:mod:`symstab.plot.style`); built without ``pyplot``; pass ``path=`` to
save.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from symstab.plot.style import (
    DARK_GREY,
    FONTSIZE_LARGE,
    FONTSIZE_SMALL,
    FONTSIZE_XSMALL,
    LINE_STYLES,
    RED,
    PathLike,
    save,
)

__all__ = ["gibbs_histogram_figure", "gibbs_scatter_figure", "multiscale_landscape_figure"]

#: (colour, line style) of the density curves of :func:`gibbs_histogram_figure`.
_CURVES = (("black", "-"), (RED, "--"), (DARK_GREY, ":"))


def multiscale_landscape_figure(x: np.ndarray, f: np.ndarray, f0: np.ndarray,
                                zoom: tuple[np.ndarray, np.ndarray, np.ndarray],
                                paths: Mapping[str, np.ndarray], *,
                                path: PathLike | None = None,
                                title: str | None = None) -> Figure:
    """The 1-D multiscale loss, a zoom on its wells, and GD iterates against k.

    Parameters
    ----------
    x, f, f0
        A grid and the values of f and f0 on it.
    zoom
        ``(x, f, f0)`` on a short interval (a few wells).
    paths
        Label -> iterates x_0, x_1, ... (e.g. one per step size).
    path
        Save the figure there as well.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Three axes, left to right.
    """
    fig = Figure(figsize=(11.0, 3.6), layout="constrained")
    ax_f, ax_zoom, ax_path = fig.subplots(1, 3)
    ax_f.plot(x, f, color="black", lw=0.4, label="f = f0 + f1")
    ax_f.plot(x, f0, color=RED, lw=1.2, ls="--", label="f0")
    ax_f.set_xlabel("x")
    ax_f.set_title("the loss", fontsize=FONTSIZE_SMALL)
    ax_f.legend(fontsize=FONTSIZE_XSMALL)
    zx, zf, zf0 = zoom
    ax_zoom.plot(zx, zf, color="black", lw=1.0, label="f")
    ax_zoom.plot(zx, zf0, color=RED, lw=1.2, ls="--", label="f0")
    ax_zoom.set_xlabel("x")
    ax_zoom.set_title("zoom: the small-scale wells", fontsize=FONTSIZE_SMALL)
    ax_zoom.legend(fontsize=FONTSIZE_XSMALL)
    for i, (label, xs) in enumerate(paths.items()):
        colour, ls, marker = LINE_STYLES[i % len(LINE_STYLES)]
        ax_path.plot(np.arange(len(xs)), xs, color=colour, ls=ls, marker=marker,
                     markersize=2.5, lw=0.8, label=label)
    ax_path.set_xlabel("step k")
    ax_path.set_ylabel("$x_k$")
    ax_path.set_title("GD iterates", fontsize=FONTSIZE_SMALL)
    ax_path.legend(fontsize=FONTSIZE_XSMALL)
    if title:
        fig.suptitle(title, fontsize=FONTSIZE_LARGE)
    if path is not None:
        save(fig, path)
    return fig


def gibbs_histogram_figure(panels: Sequence[tuple[str, np.ndarray]], grid: np.ndarray,
                           densities: Sequence[Mapping[str, np.ndarray]], *,
                           bins: int = 80, xlabel: str = "x",
                           path: PathLike | None = None, title: str | None = None) -> Figure:
    """Histograms of GD iterates against Gibbs densities, one panel per sample set.

    Parameters
    ----------
    panels
        ``(panel title, samples)`` per panel.
    grid
        Where the densities are given.
    densities
        Per panel: label -> density on ``grid``.
    bins
        Histogram bins (over the range of ``grid``).
    xlabel
        Label of the horizontal axis.
    path, title
        As in :func:`multiscale_landscape_figure`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(5.0 * len(panels), 3.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    edges = np.linspace(grid[0], grid[-1], bins + 1)
    for ax, (name, samples), curves in zip(axes, panels, densities, strict=True):
        ax.hist(np.ravel(samples), bins=edges, density=True, color="#bbbbbb",
                edgecolor=DARK_GREY, lw=0.3, label=f"GD iterates (n = {np.size(samples)})")
        for i, (label, dens) in enumerate(curves.items()):
            colour, ls = _CURVES[i % len(_CURVES)]
            ax.plot(grid, dens, color=colour, ls=ls, lw=1.4, label=label)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("density")
        ax.set_title(name, fontsize=FONTSIZE_SMALL)
        ax.legend(fontsize=FONTSIZE_XSMALL)
    if title:
        fig.suptitle(title, fontsize=FONTSIZE_LARGE)
    if path is not None:
        save(fig, path)
    return fig


def gibbs_scatter_figure(samples: np.ndarray, grid: tuple[np.ndarray, np.ndarray],
                         density: np.ndarray, *, path: PathLike | None = None,
                         title: str | None = None) -> Figure:
    """2-D GD iterates over the level sets of a Gibbs density.

    Parameters
    ----------
    samples
        Shape ``(n, 2)``.
    grid
        ``(xs, ys)``, the axes of ``density`` (shape ``(len(xs), len(ys))``).
    density
        The Gibbs density on the grid.
    path, title
        As in :func:`multiscale_landscape_figure`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(5.0, 4.6), layout="constrained")
    ax = fig.subplots()
    ax.plot(samples[:, 0], samples[:, 1], ".", color=DARK_GREY, markersize=1.0, alpha=0.5,
            label=f"GD iterates (n = {len(samples)})")
    xs, ys = grid
    peak = float(density.max())
    levels = peak * np.exp(-np.array([4.5, 2.0, 0.5]))
    ax.contour(xs, ys, density.T, levels=levels, colors=RED, linewidths=1.2)
    ax.plot([], [], color=RED, lw=1.2,
            label="Gibbs density = e^(−k²/2)·max, k = 1, 2, 3")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_aspect("equal")
    ax.legend(fontsize=FONTSIZE_XSMALL, loc="upper right")
    if title:
        ax.set_title(title, fontsize=FONTSIZE_SMALL)
    if path is not None:
        save(fig, path)
    return fig
