"""Figures of the network experiment (Crăciun & Ghoshdastidar 2024, Figs. 3–4, reduced):
the percentage of converging initialisations against η, one curve per depth (full-batch
GD, and mini-batch SGD beside GD), the sharpness at the initialisations and at converged
end points against the stability bound 2/η, and the sharpness along training
(progressive sharpening up to 2/η, edge of stability).

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
from matplotlib.ticker import FuncFormatter

from symstab.plot.style import (
    FONTSIZE_LARGE,
    FONTSIZE_SMALL,
    RED,
    PathLike,
    save,
    series_style,
)

__all__ = [
    "converging_fraction_figure",
    "optimizer_comparison_figure",
    "sharpness_figure",
    "sharpness_trace_figure",
]


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


def _fraction_axes(ax: Any, sweeps: Sequence[Any]) -> None:
    for i, s in enumerate(sweeps):
        frac = 100 * s.fractions
        lo = 100 * np.array([p.ci_low for p in s.points])
        hi = 100 * np.array([p.ci_high for p in s.points])
        ax.errorbar(s.etas, frac, yerr=[frac - lo, hi - frac], capsize=3,
                    label=f"depth {s.spec.depth}", gid=f"depth{s.spec.depth}",
                    **series_style(i))
    ax.set_xlabel("step size η")
    ax.set_ylim(-3, 103)
    ax.set_xscale("log")
    ax.grid(True, which="both", color="0.9", linewidth=0.6)


def optimizer_comparison_figure(gd_sweeps: Sequence[Any], sgd_sweeps: Sequence[Any], *,
                                threshold: float | None = 1.0,
                                path: PathLike | None = None) -> Figure:
    """Converging fraction against η for full-batch GD (left) and mini-batch SGD (right).

    Parameters
    ----------
    gd_sweeps, sgd_sweeps
        :class:`~symstab.nn.experiment.NetworkSweep` results, one per depth
        (``optimizer = "gd"`` and ``"sgd"``); both panels share their axes.
    threshold
        Vertical dash-dotted line at this η in both panels (``None``: none).
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not gd_sweeps or not sgd_sweeps:
        raise ValueError("need GD and SGD sweeps")
    fig = Figure(figsize=(10.0, 4.4), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True, sharey=True)
    for ax, sweeps, name in ((axes[0], gd_sweeps, "full-batch GD"),
                             (axes[1], sgd_sweeps, "mini-batch SGD")):
        _fraction_axes(ax, sweeps)
        s0 = sweeps[0]
        batch = f", batch {s0.batch_size}" if getattr(s0, "batch_size", None) else ""
        ax.set_title(f"{name}{batch}: N = {s0.n_inits} per η, T = {s0.criterion.steps} steps",
                     fontsize=FONTSIZE_LARGE)
        if threshold is not None:
            ax.axvline(threshold, color="0.3", linestyle="-.", linewidth=1,
                       label=f"η = {threshold:g}", gid="threshold")
        ax.legend(title="hidden layers", loc="lower left", fontsize=FONTSIZE_SMALL)
    conf = gd_sweeps[0].points[0].confidence
    axes[0].set_ylabel(f"converging trajectories (%), {conf:.0%} Wilson interval")
    fig.suptitle("GELU MLPs (width 32), MSE, 8×8 digits: converging initialisations, "
                 "GD vs SGD", fontsize=FONTSIZE_LARGE)
    save(fig, path)
    return fig


def sharpness_trace_figure(trace: Any, *, depth: int | None = None,
                           path: PathLike | None = None) -> Figure:
    """λmax along GD training with the ``2/η`` lines (top) and the loss (bottom).

    Parameters
    ----------
    trace
        A :class:`~symstab.nn.sharpening.SharpnessTrace`; networks with the same η share a
        colour and line style (one thin line per initialisation); diverged ones are
        left out.
    depth
        Network depth, for the title.
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(7.0, 6.4), layout="constrained")
    ax, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    etas = np.unique(trace.etas)
    steps_all = np.arange(trace.losses.shape[0])
    for i, eta in enumerate(etas):
        st = series_style(i)
        cols = np.flatnonzero((trace.etas == eta) & ~trace.diverged)
        ax.axhline(2 / eta, color=RED, linestyle=st["linestyle"], linewidth=1.2, zorder=0,
                   gid=f"bound{i}", label=f"2/η = {2 / eta:.3g}")
        for n, j in enumerate(cols):
            label = f"η = {eta:g}" if n == 0 else None
            ax.plot(trace.steps, trace.lambda_max[:, j], color=st["color"],
                    linestyle=st["linestyle"], linewidth=0.9, label=label, gid=f"lam{i}_{n}")
            ax2.plot(steps_all, trace.losses[:, j], color=st["color"],
                     linestyle=st["linestyle"], linewidth=0.7, label=label)
    n_inits = len(trace.etas) // max(len(etas), 1)
    ax.set_ylabel("sharpness λmax(∇²L) (HVP + Lanczos)")
    ax.set_yscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)
    ax.tick_params(axis="y", which="minor", labelsize=FONTSIZE_SMALL)
    ax.grid(True, which="both", color="0.9", linewidth=0.6)
    ax.legend(fontsize=FONTSIZE_SMALL, loc="lower right", ncol=2)
    where = f"depth {depth}, " if depth is not None else ""
    ax.set_title(f"Progressive sharpening and edge of stability: GELU MLP ({where}width 32), "
                 f"8×8 digits,\nfull-batch GD, {n_inits} initialisations per η; red: 2/η",
                 fontsize=FONTSIZE_LARGE)
    ax2.set_yscale("log")
    ax2.set_xlabel("GD step k")
    ax2.set_ylabel("loss L(θ_k)")
    ax2.grid(True, which="both", color="0.9", linewidth=0.6)
    ax2.legend(fontsize=FONTSIZE_SMALL, loc="upper right")
    save(fig, path)
    return fig
