"""Figures of periodic orbits: a bifurcation diagram and an orbit plot in the blog's style.

Both functions build a :class:`matplotlib.figure.Figure` directly (no ``pyplot``), and
save it when ``path`` is given. The orbit figure follows the Tao & Wang blog: orbits in
**blue** (solid lines joining the points in orbit order), the curve of minima xy = 1 in
**red**. Stability is told by the marker, not only by colour, so the figure survives
greyscale printing: filled circles for stable orbits, open squares for unstable ones,
crosses for uncertified ones. The bifurcation diagram draws attractor points in black,
exact period-doubling values as dashed vertical lines (red) and numerical ones dotted
(grey), labelled in the legend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from symstab.dynamics.orbits import PeriodDoubling, PeriodicOrbit, bifurcation_data
from symstab.inputs import StepSize
from symstab.loss import Loss
from symstab.plot.style import FONTSIZE_SMALL, ORBIT_BLUE, RED, PathLike, save

__all__ = ["bifurcation_figure", "orbit_figure"]

_MARKERS = {"stable": ("o", ORBIT_BLUE), "unstable": ("s", "none"), "unknown": ("x", None)}


def orbit_figure(loss: Loss, eta: Any, orbits: Sequence[PeriodicOrbit], *,
                 window: tuple[float, float, float, float] | None = None,
                 path: PathLike | None = None, title: str | None = None) -> Figure:
    """Periodic orbits of a 2-D loss in the plane, with the curve of minima xy = 1.

    Parameters
    ----------
    loss
        A loss of two parameters (the red curve xy = 1 is drawn when f vanishes on it,
        as for ½(1 − xy)² and (1 − xy)²).
    eta
        The step size (for the title): text, a number or a
        :class:`~symstab.inputs.StepSize`.
    orbits
        Orbits to draw (e.g. from :func:`symstab.dynamics.orbits.find_orbits`).
    window
        ``(xmin, xmax, ymin, ymax)``; default: around the orbits.
    path
        Save the figure there as well.
    title
        Title (default: loss and η).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if loss.n != 2:
        raise ValueError("orbit figures need a loss of two parameters")
    eta = StepSize.of(eta).exact
    fig = Figure(figsize=(5.6, 5.2), layout="constrained")
    ax = fig.add_subplot()
    pts_all = [o.float_points() for o in orbits]
    if window is None:
        if pts_all:
            stacked = np.vstack(pts_all)
            span = max(float(np.abs(stacked).max()) * 1.15, 1.5)
        else:
            span = 2.0
        window = (-span, span, -span, span)
    x0, x1, y0, y1 = window
    xs = np.linspace(x0, x1, 400)
    a, b = loss.params
    if sp.simplify(loss.expr.subs(b, 1 / a)) == 0:  # minima on the hyperbola xy = 1
        with np.errstate(divide="ignore"):
            for sign in (1, -1):
                xx = xs[sign * xs > 0]
                yy = 1 / xx
                keep = (yy >= y0) & (yy <= y1)
                ax.plot(xx[keep], yy[keep], color=RED, lw=1.6,
                        label="minima $xy = 1$" if sign == 1 else None)
    seen: set[str] = set()
    for orb, pts in zip(orbits, pts_all, strict=True):
        closed = np.vstack([pts, pts[:1]])
        marker, face = _MARKERS.get(orb.stability if orb.status == "certified" else "unknown",
                                    _MARKERS["unknown"])
        label = f"period {orb.period}, {orb.stability}" + (
            "" if orb.status == "certified" else " (uncertified)")
        ax.plot(closed[:, 0], closed[:, 1], color=ORBIT_BLUE, lw=1.0, alpha=0.8,
                marker=marker, markerfacecolor=face, markeredgecolor=ORBIT_BLUE,
                markersize=6, label=None if label in seen else label)
        seen.add(label)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.axhline(0, color="0.85", lw=0.6, zorder=0)
    ax.axvline(0, color="0.85", lw=0.6, zorder=0)
    ax.set_xlabel(f"${sp.latex(loss.params[0])}$")
    ax.set_ylabel(f"${sp.latex(loss.params[1])}$")
    ax.set_title(title or f"GD orbits of {loss.name} at $\\eta = {sp.latex(sp.nsimplify(eta))}$")
    if seen or pts_all or ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right", fontsize=FONTSIZE_SMALL, framealpha=0.9)
    save(fig, path)
    return fig


def bifurcation_figure(loss: Loss, etas: Sequence[float], *,
                       doublings: Sequence[PeriodDoubling] = (),
                       starts: Sequence[Sequence[float]] | None = None,
                       transient: int = 1500, keep: int = 120,
                       path: PathLike | None = None, title: str | None = None) -> Figure:
    """Bifurcation diagram: attractor points (coordinate 1) against η.

    Parameters
    ----------
    loss
        The loss (1-D maps such as :func:`symstab.dynamics.orbits.diagonal_loss` give the
        classical diagram).
    etas
        Step sizes (floats).
    doublings
        Period doublings to mark (exact ones dashed red, numerical ones dotted grey).
    starts
        Initial points (default 0.3 in every coordinate; for odd maps pass ± starts to
        see both mirror attractors).
    transient, keep
        Steps discarded and recorded per η.
    path
        Save the figure there as well.
    title
        Title (default: the loss).

    Returns
    -------
    matplotlib.figure.Figure
    """
    e, x = bifurcation_data(loss, etas, starts=starts, transient=transient, keep=keep)
    fig = Figure(figsize=(7.2, 4.6), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(e, x, ",", color="black", alpha=0.6, rasterized=True)
    handles: list[Any] = [Line2D([], [], marker=".", ls="none", color="black",
                                 label="attractor (after transient)")]
    exact_done = numeric_done = False
    for d in doublings:
        value = float(sp.N(d.eta)) if d.eta is not None else float(d.decimal)
        if d.strength == "exact":
            ax.axvline(value, color=RED, ls="--", lw=1.0)
            if not exact_done:
                handles.append(Line2D([], [], color=RED, ls="--",
                                      label="period doubling (exact)"))
                exact_done = True
        else:
            ax.axvline(value, color="0.45", ls=":", lw=1.0)
            if not numeric_done:
                handles.append(Line2D([], [], color="0.45", ls=":",
                                      label="period doubling (numerical)"))
                numeric_done = True
    ax.set_xlabel(r"step size $\eta$")
    ax.set_ylabel(f"${sp.latex(loss.params[0])}$ on the attractor")
    ax.set_xlim(float(min(etas)), float(max(etas)))
    ax.set_title(title or f"Bifurcation diagram of GD on {loss.name}")
    ax.legend(handles=handles, loc="lower left", fontsize=FONTSIZE_SMALL, framealpha=0.9)
    save(fig, path)
    return fig
