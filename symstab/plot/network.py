"""Figures of the network experiment (Crăciun & Ghoshdastidar 2024, Figs. 3–4, reduced):
the percentage of converging initialisations against η, one curve per depth, and the
sharpness at the initialisations and at converged end points against the stability
bound 2/η.

Functions build a :class:`matplotlib.figure.Figure` directly (no ``pyplot``) and return
it; ``path=`` also saves it. Depths are told apart by marker *and* line style
(circle/solid, square/dashed, triangle/dotted, ...) in shades of grey to black
(:func:`symstab.plot.style.series_style`), so the figures read in greyscale; Wilson
intervals are error bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from symstab.plot.style import FONTSIZE_LARGE, FONTSIZE_SMALL, PathLike, save, series_style

__all__ = ["converging_fraction_figure", "sharpness_figure"]


def converging_fraction_figure(sweeps: Sequence[Any], *, title: str | None = None,
                               threshold: float | None = None,
                               threshold_label: str | None = None,
                               path: PathLike | None = None) -> Figure:
    """Percentage of converging initialisations against η, one curve per depth.

    Parameters
    ----------
    sweeps
        :class:`~symstab.nn.experiment.NetworkSweep` results (one per depth).
    title
        Figure title (default: data, width, N, T).
    threshold
        Draw a vertical dash-dotted line at this η (e.g. the claimed critical step size).
    threshold_label
        Its legend entry (default ``"η = <threshold>"``).
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not sweeps:
        raise ValueError("no sweeps to plot")
    fig = Figure(figsize=(6.4, 4.6), layout="constrained")
    ax = fig.add_subplot()
    for i, s in enumerate(sweeps):
        etas = s.etas
        frac = 100 * s.fractions
        lo = 100 * np.array([p.ci_low for p in s.points])
        hi = 100 * np.array([p.ci_high for p in s.points])
        conf = s.points[0].confidence
        ax.errorbar(etas, frac, yerr=[frac - lo, hi - frac], capsize=3,
                    label=f"depth {s.spec.depth}", gid=f"depth{s.spec.depth}", **series_style(i))
    if threshold is not None:
        ax.axvline(threshold, color="0.3", linestyle="-.", linewidth=1,
                   label=threshold_label or f"η = {threshold:g}", gid="threshold")
    s0 = sweeps[0]
    ax.set_xlabel("step size η")
    ax.set_ylabel(f"converging trajectories (%), {conf:.0%} Wilson interval")
    ax.set_ylim(-3, 103)
    ax.set_xscale("log")
    ax.grid(True, which="both", color="0.9", linewidth=0.6)
    ax.legend(title="hidden layers", loc="best")
    ax.set_title(title or (f"GELU MLPs (width {s0.spec.width}), MSE, full-batch GD on 8×8 "
                           f"digits\nN = {s0.n_inits} initialisations per η, "
                           f"T = {s0.criterion.steps} steps"), fontsize=FONTSIZE_LARGE)
    save(fig, path)
    return fig


def sharpness_figure(sweeps: Sequence[Any], *, path: PathLike | None = None) -> Figure:
    """Sharpness λmax (HVP + Lanczos) at converged end points against η, with 2/η.

    Draws, per depth, the median λmax at the end points of converged trajectories (with
    the range as error bars) and the median λmax at the initialisations (horizontal
    line), against the linear-stability bound ``2/η`` (wide light-grey line, drawn underneath).

    Parameters
    ----------
    sweeps
        :class:`~symstab.nn.experiment.NetworkSweep` results with sharpness computed.
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not sweeps:
        raise ValueError("no sweeps to plot")
    fig = Figure(figsize=(6.4, 4.6), layout="constrained")
    ax = fig.add_subplot()
    all_etas = np.unique(np.concatenate([s.etas for s in sweeps]))
    grid = np.geomspace(all_etas.min(), all_etas.max(), 100)
    ax.plot(grid, 2 / grid, color="0.75", linewidth=4, zorder=0, gid="bound",
            label="2/η (linear stability bound)")
    for i, s in enumerate(sweeps):
        xs, med, lo, hi = [], [], [], []
        for p in s.points:
            if p.sharpness_final:
                v = np.array(p.sharpness_final)
                xs.append(p.eta)
                med.append(np.median(v))
                lo.append(np.median(v) - v.min())
                hi.append(v.max() - np.median(v))
        st = series_style(i)
        if xs:
            ax.errorbar(xs, med, yerr=[lo, hi], capsize=3, gid=f"end{s.spec.depth}",
                        label=f"depth {s.spec.depth}: λmax at converged end points", **st)
        if s.sharpness_init:
            ax.axhline(float(np.median(s.sharpness_init)), color=st["color"], linewidth=0.8,
                       linestyle=st["linestyle"], gid=f"init{s.spec.depth}",
                       label=f"depth {s.spec.depth}: median λmax at initialisation")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step size η")
    ax.set_ylabel("sharpness λmax of the Hessian (Lanczos)")
    ax.grid(True, which="both", color="0.9", linewidth=0.6)
    ax.legend(fontsize=FONTSIZE_SMALL, loc="best")
    ax.set_title("Sharpness at the end of converged GD runs (edge of stability: λmax ≈ 2/η)",
                 fontsize=FONTSIZE_LARGE)
    save(fig, path)
    return fig
