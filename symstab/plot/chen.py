"""Chen et al.'s Fig. 2 (basins U_η ⊂ V_η at step sizes up to η*) and Fig. 3 (stable vs
unstable GD from two starts), with the data behind them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
import sympy as sp
from matplotlib.figure import Figure

from symstab.dynamics.basins import BasinMap, basin_map
from symstab.dynamics.trajectory import trajectory
from symstab.loss import Loss
from symstab.plot.basins import basin_classes, draw_basin
from symstab.plot.panels import (
    Window,
    as_loss,
    axis_labels,
    eta_text,
    landscape,
    mark_minima,
    minima_and_eta_star,
    square_window,
)
from symstab.plot.style import (
    CLASS_REST,
    CLASS_STABLE,
    CLASS_TINTS,
    CLASS_UNSTABLE,
    FONTSIZE_LARGE,
    FONTSIZE_MEDIUM,
    FONTSIZE_SMALL,
    FONTSIZE_XSMALL,
    FONTSIZE_XXSMALL,
    PathLike,
    class_handles,
    save,
)
from symstab.plot.trajectories import draw_trajectory

__all__ = [
    "CHEN_FIG2_LOSSES",
    "DEFAULT_FRACTIONS",
    "Fig2Row",
    "ScanRow",
    "chen_fig2",
    "chen_fig2_data",
    "chen_fig2_rows",
    "chen_fig3",
    "chen_fig3_eta_scan",
]

#: The losses of Chen et al.'s Fig. 2, one row each (eqs. 43-46).
CHEN_FIG2_LOSSES: tuple[str, ...] = ("f1", "f2", "f3", "f4")

#: Default step sizes of :func:`chen_fig2`, as fractions of η*.
DEFAULT_FRACTIONS: tuple[sp.Rational, ...] = tuple(
    sp.Rational(p, 100) for p in (20, 40, 60, 80, 98)
)


def _grid_spec(grid: Any, window: Window) -> Any:
    if isinstance(grid, int | np.integer):
        x0, x1, y0, y1 = window
        return ((x0, x1, int(grid)), (y0, y1, int(grid)))
    return grid


@dataclass(frozen=True)
class Fig2Row:
    """Data of one row of :func:`chen_fig2_rows`.

    Attributes
    ----------
    loss
        The loss.
    eta_star
        The smallest η* = 2/λmax over its minima (exact).
    fractions
        The step sizes as fractions of η*.
    etas
        The step sizes (exact).
    minima
        The minima (float coordinates).
    window
        ``(x_min, x_max, y_min, y_max)`` of the panels.
    maps
        One :class:`~symstab.dynamics.basins.BasinMap` per η.
    """

    loss: Loss
    eta_star: sp.Expr
    fractions: tuple[sp.Expr, ...]
    etas: tuple[sp.Expr, ...]
    minima: tuple[tuple[float, ...], ...]
    window: Window
    maps: tuple[BasinMap, ...]

    def summary(self) -> list[dict[str, Any]]:
        """Per η: the fractions of starts in U_η, V_η \\ U_η, diverged, undetermined."""
        out = []
        for eta, bm in zip(self.etas, self.maps, strict=True):
            c = basin_classes(bm)
            out.append(
                {
                    "loss": self.loss.name,
                    "eta": sp.sstr(eta),
                    "eta_over_eta_star": float(eta / self.eta_star),
                    "U": float(np.mean(c == CLASS_STABLE)),
                    "V_minus_U": float(np.mean(c == CLASS_UNSTABLE)),
                    "diverged": float(np.mean(bm.labels == -1)),
                    "undetermined": float(np.mean(bm.labels == 0)),
                }
            )
        return out


def chen_fig2_data(
    loss: Loss | str,
    etas: Sequence[Any] | None = None,
    grid: Any = 200,
    *,
    window: Window | None = None,
    max_steps: int = 2000,
) -> Fig2Row:
    """Compute the basin maps of one row of Chen et al.'s Fig. 2.

    Parameters
    ----------
    loss
        A 2-parameter loss or a catalog name.
    etas
        Step sizes; default η*·(0.2, 0.4, 0.6, 0.8, 0.98) with η* the smallest
        2/λmax over the minima (:func:`symstab.plot.panels.eta_star`).
    grid
        Points per axis (on ``window``), or a full grid spec
        ``((x_min, x_max, nx), (y_min, y_max, ny))`` for :func:`basin_map`.
    window
        ``(x_min, x_max, y_min, y_max)``; default a square around the origin containing
        the minima with a margin (f1, f2: ±1.5, f3, f4: ±2).
    max_steps
        Step cap of :func:`basin_map` (undecided starts count as "rest").

    Returns
    -------
    Fig2Row
    """
    loss = as_loss(loss)
    if len(loss.params) != 2:
        raise ValueError(f"chen_fig2 needs a 2-parameter loss, {loss.name} has {loss.n}")
    minima, star = minima_and_eta_star(loss)
    if star is None:
        raise ValueError(f"{loss.name}: no strict local minimum with a finite eta*")
    if etas is None:
        fractions: tuple[sp.Expr, ...] = DEFAULT_FRACTIONS
        eta_list = tuple(sp.nsimplify(f * star) for f in fractions)
    else:
        eta_list = tuple(e if isinstance(e, sp.Basic) else sp.nsimplify(e) for e in etas)
        fractions = tuple(sp.nsimplify(e / star) for e in eta_list)
    if window is None:
        if isinstance(grid, int | np.integer):
            window = square_window(minima)
        else:
            (x0, x1, _), (y0, y1, _) = grid
            window = (float(x0), float(x1), float(y0), float(y1))
    spec = _grid_spec(grid, window)
    maps = tuple(basin_map(loss, eta, spec, max_steps=max_steps) for eta in eta_list)
    return Fig2Row(
        loss=loss,
        eta_star=star,
        fractions=fractions,
        etas=eta_list,
        minima=tuple(minima),
        window=window,
        maps=maps,
    )


def chen_fig2_rows(
    losses: Sequence[Loss | str] = CHEN_FIG2_LOSSES,
    etas: Sequence[Any] | None = None,
    grid: Any = 200,
    *,
    max_steps: int = 2000,
    ax_size: float = 2.3,
    data: Sequence[Fig2Row] | None = None,
    path: PathLike | None = None,
) -> Figure:
    """Chen et al.'s Fig. 2 for several losses, one row each.

    Each row: the landscape (filled contours of f, minima starred) and five basin maps
    at step sizes increasing up to just below η* (cyan U_η, dark blue V_η \\ U_η, grey
    the rest; see :mod:`symstab.plot.style`).

    Parameters
    ----------
    losses
        Losses or catalog names (default f1, f2, f3, f4, the rows of the paper).
    etas
        Step sizes for every row (default per row η*·(0.2, 0.4, 0.6, 0.8, 0.98)).
    grid
        Points per axis or a full grid spec (see :func:`chen_fig2_data`).
    max_steps
        Step cap of the basin maps.
    ax_size
        Width and height of one panel in inches.
    data
        Precomputed rows (:func:`chen_fig2_data`); then ``losses``, ``etas``, ``grid``
        and ``max_steps`` are ignored.
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
        ``rows × (1 + number of η)`` axes (plus one colour bar per row).
    """
    rows = (
        list(data)
        if data is not None
        else [chen_fig2_data(loss, etas, grid, max_steps=max_steps) for loss in losses]
    )
    ncols = 1 + max(len(r.maps) for r in rows)
    fig = Figure(figsize=(ax_size * ncols + 0.6, ax_size * len(rows) + 1.0), layout="constrained")
    axs = fig.subplots(len(rows), ncols, squeeze=False)
    for i, row in enumerate(rows):
        ax = axs[i, 0]
        cs = landscape(ax, row.loss, row.window)
        mark_minima(ax, row.minima)
        ax.set_title(f"{row.loss.name}: landscape\nη* = {eta_text(row.eta_star)}",
                     fontsize=FONTSIZE_MEDIUM)
        ax.set_aspect("equal")
        axis_labels(ax, row.loss)
        cb = fig.colorbar(cs, ax=ax, location="left", shrink=0.8, pad=0.02)
        cb.ax.tick_params(labelsize=FONTSIZE_XXSMALL)
        cb.set_label("f (quantile bands)", fontsize=FONTSIZE_XSMALL)
        cb.ax.yaxis.set_major_formatter(mpl.ticker.FormatStrFormatter("%.3g"))
        for j, (frac, eta, bm) in enumerate(zip(row.fractions, row.etas, row.maps, strict=True)):
            ax = axs[i, j + 1]
            draw_basin(ax, bm)
            ax.set_xlim(row.window[0], row.window[1])
            ax.set_ylim(row.window[2], row.window[3])
            ax.set_aspect("equal")
            ftxt = f"{float(frac):.2g}" if isinstance(frac, sp.Float) else sp.sstr(frac)
            if isinstance(frac, sp.Rational) and frac.q in (1, 2, 4, 5, 10, 20, 25, 50, 100):
                ftxt = f"{float(frac):g}"
            ax.set_title(f"η = {ftxt}·η* = {eta_text(eta)}", fontsize=FONTSIZE_SMALL)
            axis_labels(ax, row.loss)
            if j > 0:
                ax.set_ylabel("")
                ax.tick_params(labelleft=False)
        for j in range(len(row.maps) + 1, ncols):  # pragma: no cover - ragged rows
            axs[i, j].set_visible(False)
        if i < len(rows) - 1:
            for ax in axs[i]:
                ax.set_xlabel("")
    fig.legend(
        handles=class_handles(),
        loc="outside lower center",
        ncols=4,
        fontsize=FONTSIZE_MEDIUM,
        frameon=False,
    )
    save(fig, path)
    return fig


def chen_fig2(
    loss: Loss | str,
    etas: Sequence[Any] | None = None,
    grid: Any = 200,
    *,
    max_steps: int = 2000,
    ax_size: float = 2.3,
    path: PathLike | None = None,
) -> Figure:
    """One row of Chen et al.'s Fig. 2: landscape and five basin maps.

    Parameters
    ----------
    loss
        A 2-parameter loss or a catalog name.
    etas
        Step sizes; default η*·(0.2, 0.4, 0.6, 0.8, 0.98), η* the smallest 2/λmax over
        the minima (from :func:`symstab.exact.analysis.analyze`).
    grid
        Points per axis or a full grid spec (see :func:`chen_fig2_data`).
    max_steps
        Step cap of :func:`symstab.dynamics.basins.basin_map`.
    ax_size
        Width and height of one panel in inches.
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
        ``1 + len(etas)`` panels (plus the landscape's colour bar).
    """
    return chen_fig2_rows((loss,), etas, grid, max_steps=max_steps, ax_size=ax_size, path=path)


def chen_fig3(
    loss: Loss | str = "f4",
    eta: Any = "3/10",
    starts: Sequence[Sequence[Any]] = ((0.1, 2.5), (1.5, 2.0)),
    steps: int = 200,
    *,
    dps: int = 30,
    window: Window | None = None,
    path: PathLike | None = None,
) -> Figure:
    """Chen et al.'s Fig. 3: stable and unstable convergence of GD from two starts.

    One row per start: the orbit over contours of f (red up to and including the last
    loss increase, black after it; minima starred) and the loss against the step
    (log scale when positive), same colours.

    The default η is 3/10, not the paper's value: on the catalog f4 at η = 1/2 both
    default starts diverge, while at η = 3/10 the start (1.5, 2) converges stably (no loss
    increase) and (0.1, 2.5) converges unstably (loss increases at steps 0, 1, 3, 4),
    which is the contrast the figure is about.

    Parameters
    ----------
    loss
        A 2-parameter loss or catalog name (default f4).
    eta
        Step size (exact number or string such as ``"3/10"``).
    starts
        Starting points.
    steps
        GD steps per trajectory (:func:`~symstab.dynamics.trajectory.trajectory` with
        ``stop_at_region=False``).
    dps
        Working precision in digits.
    window
        ``(x_min, x_max, y_min, y_max)`` of the planes; default a square around the
        origin containing the starts and minima.
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
        ``2 × len(starts)`` axes.
    """
    loss = as_loss(loss)
    minima, _ = minima_and_eta_star(loss)
    if window is None:
        pts = [*[tuple(float(v) for v in s) for s in starts], *minima]
        half = math.ceil(2 * 1.2 * max(abs(v) for p in pts for v in p)) / 2
        window = (-half, half, -half, half)
    trajs = [trajectory(loss, eta, s, steps=steps, dps=dps, stop_at_region=False) for s in starts]
    fig = Figure(figsize=(10, 4.6 * len(trajs)), layout="constrained")
    axs = fig.subplots(len(trajs), 2, squeeze=False)
    for (ax_plane, ax_loss), tr in zip(axs, trajs, strict=True):
        draw_trajectory(ax_plane, ax_loss, tr, window, minima)
    save(fig, path)
    return fig


@dataclass(frozen=True)
class ScanRow:
    """One (η, start) entry of :func:`chen_fig3_eta_scan`."""

    eta: sp.Expr
    start: tuple[Any, ...]
    outcome: str
    label: int
    stable: bool | None
    n_loss_increases: int
    steps_taken: int


def chen_fig3_eta_scan(
    loss: Loss | str = "f4",
    etas: Sequence[Any] = ("1/10", "1/5", "3/10", "2/5", "1/2"),
    starts: Sequence[Sequence[Any]] = ((0.1, 2.5), (1.5, 2.0)),
    steps: int = 200,
    *,
    dps: int = 30,
    path: PathLike | None = None,
) -> tuple[Figure, list[ScanRow]]:
    """Classify GD from each start at each η, as data and as a table figure.

    Parameters
    ----------
    loss
        A loss or catalog name (default f4).
    etas
        Step sizes (exact numbers or strings).
    starts
        Starting points.
    steps
        GD steps per trajectory.
    dps
        Working precision in digits.
    path
        Save the table figure there as well.

    Returns
    -------
    (matplotlib.figure.Figure, list[ScanRow])
        A one-axes table (rows η, columns starts; cells "outcome, stable/unstable,
        number of loss increases") and the rows, η-major.
    """
    loss = as_loss(loss)
    rows: list[ScanRow] = []
    for eta in etas:
        for s in starts:
            tr = trajectory(loss, eta, s, steps=steps, dps=dps, stop_at_region=False, record=False)
            c = tr.classification
            rows.append(
                ScanRow(
                    eta=tr.eta,
                    start=tuple(s),
                    outcome=c.outcome,
                    label=c.label,
                    stable=c.stable,
                    n_loss_increases=c.n_loss_increases,
                    steps_taken=tr.steps_taken,
                )
            )

    def cell(r: ScanRow) -> str:
        if r.outcome == "converged":
            st = "stable" if r.stable else "unstable"
            return f"converged ({st}), {r.n_loss_increases} incr."
        return f"{r.outcome}, {r.n_loss_increases} incr."

    ns = len(starts)
    text = [[cell(rows[i * ns + j]) for j in range(ns)] for i in range(len(etas))]
    colours = [
        [
            CLASS_TINTS[CLASS_STABLE]
            if rows[i * ns + j].stable
            else CLASS_TINTS[
                CLASS_UNSTABLE if rows[i * ns + j].outcome == "converged" else CLASS_REST
            ]
            for j in range(ns)
        ]
        for i in range(len(etas))
    ]
    fig = Figure(figsize=(2.2 + 2.6 * ns, 0.9 + 0.35 * len(etas)), layout="constrained")
    ax = fig.add_subplot()
    ax.axis("off")
    table = ax.table(
        cellText=text,
        cellColours=colours,
        rowLabels=[f"η = {eta_text(rows[i * ns].eta)}" for i in range(len(etas))],
        colLabels=[f"θ₀ = ({', '.join(str(v) for v in s)})" for s in starts],
        loc="center",
        cellLoc="center",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(FONTSIZE_SMALL)
    table.scale(1, 1.3)
    ax.set_title(f"{loss.name}: GD outcome against η ({steps} steps)", fontsize=FONTSIZE_LARGE)
    save(fig, path)
    return fig, rows
