"""Figures: Chen et al.'s Fig. 2 (basins U_η ⊂ V_η) and Fig. 3 (stable vs unstable GD);
Crăciun & Ghoshdastidar's Fig. 1 (GD and M_WS at η = 0.4 and 1.1) and Fig. 2
(converging fraction and |M_WS(η)| against η).

All functions build a :class:`matplotlib.figure.Figure` directly (no ``pyplot``, no
global state, no ``show``), render with the Agg backend when saved, and return the
figure; pass ``path=`` to also save it.

Colour convention of the basin maps (see :data:`CLASS_COLORS`):

* **cyan** — U_η: GD converged into a certified region of a minimum (label >= 1) *and*
  the loss decreased at every step (``BasinMap.stable``);
* **dark blue** — V_η \\ U_η: converged (label >= 1), but the loss increased at least once;
* **light grey** — the rest: diverged (label -1) or undetermined (label 0). Note that a
  start converging to a minimum for which no trapping region is certified (e.g. at
  η > η* of that minimum, or near a non-isolated critical set) is *undetermined*, hence
  grey: the maps show certified convergence only.

The three colours have well separated luminances (WCAG relative luminance: dark blue
0.03, cyan 0.45, grey 0.83; ITU-R 601 grey levels 39, 141, 235 of 255), so the maps stay
readable in greyscale; see :func:`relative_luminance`.

Trajectory figures (:func:`chen_fig3`, :func:`trajectory_figure`) draw the part of an
orbit up to and including the last step with a loss increase in **red** and the rest
(where the loss decreases monotonically) in **black**, in the plane and on the loss
curve alike (:func:`unstable_prefix`).

η-sweep figures (:func:`craciun_fig2`, alias :func:`sweep_figure`) draw the converging
fraction in black with circles and a grey confidence band, the normalised M_WS length
dash-dotted in dark blue and the critical η as a dashed red vertical line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import sympy as sp
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from symstab.codegen import compile_loss
from symstab.dynamics.basins import BasinMap, basin_map
from symstab.dynamics.trajectory import Trajectory, trajectory
from symstab.errors import InputError
from symstab.loss import Loss
from symstab.parse import as_exact_number

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
    "lyapunov_figure",
    "orbit_figure",
    "relative_luminance",
    "sharpness_figure",
    "sweep_figure",
    "trajectory_figure",
    "unstable_prefix",
]

#: Class codes of :func:`basin_classes` (the values of the basin images).
CLASS_REST = 0
CLASS_UNSTABLE = 1
CLASS_STABLE = 2
#: Colours of the classes, indexed by class code: light grey, dark blue, cyan.
CLASS_COLORS: tuple[str, str, str] = ("#ebebeb", "#0a2580", "#00c3e8")
#: Legend names of the classes, indexed by class code.
CLASS_NAMES: tuple[str, str, str] = (
    "diverged / undetermined",
    r"$V_\eta \setminus U_\eta$: converged, loss rose",
    r"$U_\eta$: converged, loss fell monotonically",
)
#: Default step sizes of :func:`chen_fig2`, as fractions of η*.
DEFAULT_FRACTIONS: tuple[sp.Rational, ...] = tuple(
    sp.Rational(p, 100) for p in (20, 40, 60, 80, 98)
)
_CMAP = ListedColormap(list(CLASS_COLORS), name="symstab_basins")
_UNSTABLE_COLOR = "#d62728"
_STABLE_COLOR = "black"
_MIN_STYLE: dict[str, Any] = {
    "marker": "*",
    "markersize": 9,
    "markerfacecolor": "#ff7f0e",
    "markeredgecolor": "black",
    "markeredgewidth": 0.7,
    "linestyle": "none",
}

Window = tuple[float, float, float, float]
PathLike = str | Path


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def relative_luminance(color: Any) -> float:
    """WCAG relative luminance (0 black .. 1 white) of a Matplotlib colour.

    Parameters
    ----------
    color
        Any Matplotlib colour specification.

    Returns
    -------
    float
    """

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in to_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


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


def _loss(loss: Loss | str) -> Loss:
    return Loss.from_catalog(loss) if isinstance(loss, str) else loss


def _minima(loss: Loss) -> tuple[list[tuple[float, ...]], sp.Expr | None]:
    from symstab.exact.analysis import analyze

    minima = analyze(loss).minima
    pts = [tuple(float(sp.N(c.expr, 17)) for c in m.coordinates) for m in minima]
    stars = [m.eta_star.expr for m in minima if m.eta_star is not None]
    return pts, (min(stars, key=lambda e: float(e)) if stars else None)


def eta_star(loss: Loss | str) -> sp.Expr:
    """The smallest η* = 2/λmax over the strict local minima of ``loss`` (exact).

    Parameters
    ----------
    loss
        A loss or a catalog name.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        If the exact analysis finds no minimum with an η*.
    """
    _, star = _minima(_loss(loss))
    if star is None:
        raise ValueError("the loss has no strict local minimum with a finite eta*")
    return star


def _eta_text(eta: Any) -> str:
    """``3/10``, ``49/95 ≈ 0.5158``, or a decimal for floats and irrational values."""
    if isinstance(eta, float | np.floating):
        return f"{float(eta):.4g}"
    try:
        e = as_exact_number(eta, "eta")
    except InputError:  # pragma: no cover - defensive
        return str(eta)
    if e.is_Integer:
        return str(e)
    if isinstance(e, sp.Rational):
        dec = f"{float(e):.4g}"
        exact = sp.Rational(dec) == e
        return sp.sstr(e) if exact and e.q <= 10 else (dec if exact else f"{sp.sstr(e)} ≈ {dec}")
    return f"{float(e):.4g}"


def _window(points: Sequence[Sequence[float]], minimum_half: float = 1.5) -> Window:
    """A square window centred at 0 containing ``points`` with a margin."""
    m = max([abs(v) for p in points for v in p[:2]] or [0.0])
    half = max(minimum_half, math.ceil(2 * 1.6 * m) / 2)
    return (-half, half, -half, half)


def _grid_spec(grid: Any, window: Window) -> Any:
    if isinstance(grid, int | np.integer):
        x0, x1, y0, y1 = window
        return ((x0, x1, int(grid)), (y0, y1, int(grid)))
    return grid


def _landscape(ax: Axes, loss: Loss, window: Window, n: int = 240, *, light: bool = False) -> Any:
    """Filled contours of f on ``window``.

    The levels are quantiles of f on the window and every band gets its own colour, so
    the whole window shows structure; ``light`` uses a pale grey scale (a background for
    trajectories).
    """
    x0, x1, y0, y1 = window
    xs = np.linspace(x0, x1, n)
    ys = np.linspace(y0, y1, n)
    xx, yy = np.meshgrid(xs, ys)
    target = compile_loss(loss.expr, loss.params).numpy()
    zz = np.asarray(target.value(np.stack([xx, yy], axis=-1)), dtype=float)
    finite = zz[np.isfinite(zz)]
    levels = np.unique(np.quantile(finite, np.linspace(0, 1, 16)))
    if levels.size < 2:  # pragma: no cover - constant on the window
        levels = np.array([finite.min() - 1, finite.max() + 1])
    if light:
        cmap = ListedColormap(mpl.colormaps["Greys"](np.linspace(0.02, 0.35, 256)))
        line_colors, line_alpha = "0.45", 0.5
    else:
        cmap = mpl.colormaps["viridis"]
        line_colors, line_alpha = "white", 0.5
    norm = BoundaryNorm(levels, cmap.N)
    cs = ax.contourf(xx, yy, zz, levels=levels, cmap=cmap, norm=norm)
    ax.contour(xx, yy, zz, levels=levels, colors=line_colors, linewidths=0.4, alpha=line_alpha)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return cs


def _mark_minima(ax: Axes, minima: Sequence[Sequence[float]], label: str | None = None) -> None:
    if minima:
        xs, ys = zip(*[(p[0], p[1]) for p in minima], strict=True)
        ax.plot(xs, ys, label=label, **_MIN_STYLE)


def _labels(ax: Axes, loss: Loss) -> None:
    ax.set_xlabel(f"${sp.latex(loss.params[0])}$")
    ax.set_ylabel(f"${sp.latex(loss.params[1])}$")


def _class_handles() -> list[Any]:
    handles: list[Any] = [
        Patch(facecolor=CLASS_COLORS[k], edgecolor="0.4", label=CLASS_NAMES[k])
        for k in (CLASS_STABLE, CLASS_UNSTABLE, CLASS_REST)
    ]
    handles.append(Line2D([], [], label="minimum", **_MIN_STYLE))
    return handles


def _save(fig: Figure, path: PathLike | None, dpi: int = 120) -> None:
    if path is not None:
        fig.savefig(path, dpi=dpi)


def _draw_basin(ax: Axes, bmap: BasinMap, *, mark: bool = True) -> None:
    classes = basin_classes(bmap)
    common: dict[str, Any] = {"cmap": _CMAP, "vmin": -0.5, "vmax": 2.5}
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
        _mark_minima(ax, [tuple(c[:2]) for c in bmap.centers])


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
    _draw_basin(ax, bmap)
    classes = basin_classes(bmap)
    if title is None:
        u = float(np.mean(classes == CLASS_STABLE)) if classes.size else 0.0
        v = float(np.mean(classes != CLASS_REST)) if classes.size else 0.0
        title = (
            f"{bmap.loss_name}: η = {_eta_text(bmap.eta)}\n"
            f"|U_η| = {u:.1%}, |V_η| = {v:.1%} of the starts"
        )
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("x")
    ax.set_ylabel("y" if bmap.axes is None or len(bmap.axes) != 1 else "")
    if legend:
        ax.legend(
            handles=_class_handles(),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            fontsize=8,
            ncols=2,
            frameon=False,
        )
    _save(fig, path)
    return fig


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
        2/λmax over the minima (:func:`eta_star`).
    grid
        Points per axis (on ``window``), or a full grid spec
        ``((x_min, x_max, nx), (y_min, y_max, ny))`` for :func:`basin_map`.
    window
        ``(x_min, x_max, y_min, y_max)``; default a square around the origin containing
        the minima with a margin (f1: ±1.5, f3, f4: ±2).
    max_steps
        Step cap of :func:`basin_map` (undecided starts count as "rest").

    Returns
    -------
    Fig2Row
    """
    loss = _loss(loss)
    if len(loss.params) != 2:
        raise ValueError(f"chen_fig2 needs a 2-parameter loss, {loss.name} has {loss.n}")
    minima, star = _minima(loss)
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
            window = _window(minima)
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
    losses: Sequence[Loss | str] = ("f1", "f3", "f4"),
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
    the rest; see the module docstring).

    Parameters
    ----------
    losses
        Losses or catalog names (the paper shows f1..f4).
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
        cs = _landscape(ax, row.loss, row.window)
        _mark_minima(ax, row.minima)
        ax.set_title(f"{row.loss.name}: landscape\nη* = {_eta_text(row.eta_star)}", fontsize=9)
        ax.set_aspect("equal")
        _labels(ax, row.loss)
        cb = fig.colorbar(cs, ax=ax, location="left", shrink=0.8, pad=0.02)
        cb.ax.tick_params(labelsize=6)
        cb.set_label("f (quantile bands)", fontsize=7)
        cb.ax.yaxis.set_major_formatter(mpl.ticker.FormatStrFormatter("%.3g"))
        for j, (frac, eta, bm) in enumerate(zip(row.fractions, row.etas, row.maps, strict=True)):
            ax = axs[i, j + 1]
            _draw_basin(ax, bm)
            ax.set_xlim(row.window[0], row.window[1])
            ax.set_ylim(row.window[2], row.window[3])
            ax.set_aspect("equal")
            ftxt = f"{float(frac):.2g}" if isinstance(frac, sp.Float) else sp.sstr(frac)
            if isinstance(frac, sp.Rational) and frac.q in (1, 2, 4, 5, 10, 20, 25, 50, 100):
                ftxt = f"{float(frac):g}"
            ax.set_title(f"η = {ftxt}·η* = {_eta_text(eta)}", fontsize=8)
            _labels(ax, row.loss)
            if j > 0:
                ax.set_ylabel("")
                ax.tick_params(labelleft=False)
        for j in range(len(row.maps) + 1, ncols):  # pragma: no cover - ragged rows
            axs[i, j].set_visible(False)
        if i < len(rows) - 1:
            for ax in axs[i]:
                ax.set_xlabel("")
    fig.legend(
        handles=_class_handles(),
        loc="outside lower center",
        ncols=4,
        fontsize=9,
        frameon=False,
    )
    _save(fig, path)
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


# --------------------------------------------------------------------------------------
# Trajectories (Chen Fig. 3)
# --------------------------------------------------------------------------------------


def unstable_prefix(traj: Trajectory) -> int:
    """Number of iterates in the unstable (red) part of a trajectory.

    The unstable part is θ_0, …, θ_{k+1} with k the last loss increase (a step with
    f(θ_{k+1}) >= f(θ_k), as counted by the trajectory's classification); the stable
    (black) part is θ_{k+1}, …, θ_K. Without loss increases the unstable part is empty
    (0 is returned).

    Parameters
    ----------
    traj
        A recorded trajectory (``record=True``).

    Returns
    -------
    int
    """
    c = traj.classification
    incs = list(c.loss_increases)
    if c.n_loss_increases > len(incs):  # the listed increases are truncated
        vals = [float(v) for v in traj.losses]
        stop = c.entered_region_at if c.entered_region_at is not None else len(vals) - 1
        incs = [k for k in range(min(stop, len(vals) - 1)) if vals[k + 1] >= vals[k]]
        incs = incs or list(c.loss_increases)
    if not incs:
        return 0
    return min(max(incs) + 2, len(traj.iterates))


def _finite_xy(points: Sequence[Sequence[Any]]) -> np.ndarray:
    arr = np.array([[float(p[0]), float(p[1])] for p in points], dtype=float).reshape(-1, 2)
    ok = np.all(np.isfinite(arr), axis=1)
    return arr[: int(np.argmin(ok)) if not ok.all() else len(arr)]


def _describe(traj: Trajectory) -> str:
    c = traj.classification
    if c.outcome == "converged":
        how = "stably" if c.stable else "unstably"
        return f"converged {how} (label {c.label}), {c.n_loss_increases} loss increases"
    if c.outcome == "diverged":
        return f"diverged at step {c.diverged_at}"
    if c.outcome == "periodic":
        return f"period-{c.period} orbit"
    return c.outcome


def _draw_trajectory(
    ax_plane: Axes,
    ax_loss: Axes,
    traj: Trajectory,
    window: Window,
    minima: Sequence[Sequence[float]],
) -> None:
    loss = traj.loss
    _landscape(ax_plane, loss, window, light=True)
    k = unstable_prefix(traj)
    xy = _finite_xy(traj.iterates)
    red, black = xy[:k], xy[max(k - 1, 0) :]
    if k:
        ax_plane.plot(
            red[:, 0],
            red[:, 1],
            "-o",
            color=_UNSTABLE_COLOR,
            lw=1.2,
            ms=2.5,
            label="unstable part (to last loss increase)",
            gid="unstable",
        )
    if len(black) > (1 if k else 0):
        ax_plane.plot(
            black[:, 0],
            black[:, 1],
            "-o",
            color=_STABLE_COLOR,
            lw=1.2,
            ms=2.5,
            label="stable part (loss decreasing)",
            gid="stable",
        )
    ax_plane.plot(
        [xy[0, 0]],
        [xy[0, 1]],
        marker="s",
        ms=7,
        mfc="white",
        mec="black",
        ls="none",
        label="start",
        zorder=5,
    )
    _mark_minima(ax_plane, minima, "minimum")
    x0, x1, y0, y1 = window
    ax_plane.set_xlim(x0, x1)
    ax_plane.set_ylim(y0, y1)
    ax_plane.set_aspect("equal")
    _labels(ax_plane, loss)
    start = ", ".join(f"{float(t):g}" for t in traj.theta0)
    ax_plane.set_title(
        f"{loss.name}, η = {_eta_text(traj.eta)}, θ₀ = ({start})\n{_describe(traj)}",
        fontsize=9,
    )
    ax_plane.legend(fontsize=7, loc="lower left", framealpha=0.85)

    vals = np.array([float(v) for v in traj.losses], dtype=float)
    steps = np.arange(vals.size)
    ok = np.isfinite(vals)
    positive = bool(np.all(vals[ok] > 0))
    kk = min(k, vals.size)
    if kk:
        ax_loss.plot(
            steps[:kk][ok[:kk]],
            vals[:kk][ok[:kk]],
            "-o",
            color=_UNSTABLE_COLOR,
            lw=1.2,
            ms=2.5,
            label="unstable part",
            gid="unstable",
        )
    lo = max(kk - 1, 0)
    if vals.size - lo > (1 if kk else 0):
        ax_loss.plot(
            steps[lo:][ok[lo:]],
            vals[lo:][ok[lo:]],
            "-",
            color=_STABLE_COLOR,
            lw=1.2,
            label="stable part",
            gid="stable",
        )
    if positive:
        ax_loss.set_yscale("log")
    c = traj.classification
    settle = max(k, c.entered_region_at or 0, c.diverged_at or 0)
    shown = min(vals.size - 1, max(30, 3 * settle))
    ax_loss.set_xlim(-0.5, shown + 0.5)
    ax_loss.set_xlabel(
        "step k" + (f" (first {shown} of {vals.size - 1})" if shown < vals.size - 1 else "")
    )
    ax_loss.set_ylabel(f"$f(\\theta_k)${' (log scale)' if positive else ''}")
    ax_loss.set_title(f"loss, η = {_eta_text(traj.eta)}", fontsize=9)
    ax_loss.grid(True, alpha=0.3)
    ax_loss.legend(fontsize=7, loc="upper right")


def trajectory_figure(
    traj: Trajectory,
    *,
    window: Window | None = None,
    minima: Sequence[Sequence[float]] | None = None,
    path: PathLike | None = None,
) -> Figure:
    """One trajectory: the orbit over contours of f, and the loss against the step.

    Red: up to and including the last loss increase; black: the monotone rest.

    Parameters
    ----------
    traj
        A recorded 2-parameter trajectory (:func:`symstab.dynamics.trajectory.trajectory`).
    window
        ``(x_min, x_max, y_min, y_max)`` of the plane; default: around the start, the
        minima and the (finite, not diverged) iterates.
    minima
        Minima to mark; default from :func:`symstab.exact.analysis.analyze`.
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes.
    """
    if len(traj.loss.params) != 2:
        raise ValueError("trajectory_figure needs a 2-parameter loss")
    if minima is None:
        try:
            minima = _minima(traj.loss)[0]
        except Exception:  # the analysis may be out of budget; marking is optional
            minima = []
    if window is None:
        pts = [tuple(float(t) for t in traj.theta0), *minima]
        if traj.classification.outcome != "diverged":
            pts += [tuple(r) for r in _finite_xy(traj.iterates)]
        window = _window(pts, minimum_half=1.0)
    fig = Figure(figsize=(10, 4.6), layout="constrained")
    ax_plane, ax_loss = fig.subplots(1, 2)
    _draw_trajectory(ax_plane, ax_loss, traj, window, minima)
    _save(fig, path)
    return fig


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
    loss = _loss(loss)
    minima, _ = _minima(loss)
    if window is None:
        pts = [*[tuple(float(v) for v in s) for s in starts], *minima]
        half = math.ceil(2 * 1.2 * max(abs(v) for p in pts for v in p)) / 2
        window = (-half, half, -half, half)
    trajs = [trajectory(loss, eta, s, steps=steps, dps=dps, stop_at_region=False) for s in starts]
    fig = Figure(figsize=(10, 4.6 * len(trajs)), layout="constrained")
    axs = fig.subplots(len(trajs), 2, squeeze=False)
    for (ax_plane, ax_loss), tr in zip(axs, trajs, strict=True):
        _draw_trajectory(ax_plane, ax_loss, tr, window, minima)
    _save(fig, path)
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
    loss = _loss(loss)
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
            "#bfefff"
            if rows[i * ns + j].stable
            else ("#9fb0e0" if rows[i * ns + j].outcome == "converged" else "#f0f0f0")
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
        rowLabels=[f"η = {_eta_text(rows[i * ns].eta)}" for i in range(len(etas))],
        colLabels=[f"θ₀ = ({', '.join(str(v) for v in s)})" for s in starts],
        loc="center",
        cellLoc="center",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.scale(1, 1.3)
    ax.set_title(f"{loss.name}: GD outcome against η ({steps} steps)", fontsize=10)
    _save(fig, path)
    return fig, rows


# --------------------------------------------------------------------------------------
# η-sweeps (Crăciun & Ghoshdastidar Fig. 2)
# --------------------------------------------------------------------------------------

#: Styles of :func:`craciun_fig2` (distinct in greyscale by line style and marker alone).
_FRACTION_STYLE: dict[str, Any] = {
    "color": "black",
    "linestyle": "-",
    "linewidth": 1.2,
    "marker": "o",
    "markersize": 3.5,
}
_BAND_STYLE: dict[str, Any] = {"color": "0.6", "alpha": 0.45, "linewidth": 0}
_MWS_STYLE: dict[str, Any] = {
    "color": CLASS_COLORS[CLASS_UNSTABLE],
    "linestyle": "-.",
    "linewidth": 2.0,
}
_CRIT_STYLE: dict[str, Any] = {"color": _UNSTABLE_COLOR, "linestyle": "--", "linewidth": 1.3}


def _box_text(sampler: str) -> str:
    """``[-3, 3]²`` from ``"uniform in [-3, 3] x [-3, 3] (numpy ...)"``, else the text."""
    import re

    text = re.sub(r"\s*\(numpy[^)]*\)\s*$", "", sampler).strip()
    m = re.fullmatch(r"uniform in (\[[^\]]+\](?: x \[[^\]]+\])*)", text)
    if m is None:
        return text
    sides = re.findall(r"\[[^\]]+\]", m.group(1))
    if len(set(sides)) == 1 and len(sides) > 1:
        sup = str(len(sides)).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return f"uniform in {sides[0]}{sup}"
    return text


def _value_float(v: Any) -> float | None:
    """A finite float from a :class:`~symstab.evidence.Value`, SymPy number or float."""
    if v is None:
        return None
    expr = getattr(v, "expr", None)
    try:
        x = float(expr) if expr is not None else float(getattr(v, "decimal", v))
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def craciun_fig2(sweep_result: Any, *, path: PathLike | None = None) -> Figure:
    """Crăciun & Ghoshdastidar's Fig. 2: convergence fraction and |M_WS(η)| against η.

    Draws, against the step size η,

    * the fraction of starting points from which GD converges (black, circles; gid
      ``"fraction"``) with its Wilson confidence band (grey, gid ``"band"``);
    * for losses whose minima form curves (``sweep_result.mws_length_normalised`` not
      ``None``): the normalised length of the weakly stable set
      M_WS(η) = {θ on the minima : λmax(θ) <= 2/η} (dash-dotted, gid ``"mws"``). Our
      length is the Euclidean arc length of M_WS(η), summed over all branches (for
      ½(1 − xy)²: of {xy = 1, x² + y² <= 2/η}, both branches), divided by its value at
      the first η. For ½(1 − xy)² at η = 0.1 that length is 14.47, whereas the paper's
      caption gives 37.4 for the same η: the unnormalised lengths are not comparable,
      only the shape of the normalised curve is. Where the length is unknown (``None``)
      the curve has a gap; where M_WS(η) has no arcs it is 0.
    * a vertical dashed line at the exact critical step size ``sweep_result.eta_critical``
      (gid ``"eta_critical"``; past it no minimum is even weakly stable), if known.

    The title gives the loss, N (starting points per η), the sampling box and the
    convergence criterion. Colours and line styles stay distinguishable in greyscale.

    Parameters
    ----------
    sweep_result
        A :class:`symstab.dynamics.sweep.Sweep` (or anything with its ``points``,
        ``loss_name``, ``sampler``, ``criterion``, ``mws_length``,
        ``mws_length_normalised`` and ``eta_critical`` attributes).
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
    """
    pts = list(sweep_result.points)
    if not pts:
        raise ValueError("the sweep has no points")
    etas = np.array([float(p.eta) for p in pts])
    frac = np.array([p.fraction for p in pts], dtype=float)
    low = np.array([p.ci_low for p in pts], dtype=float)
    high = np.array([p.ci_high for p in pts], dtype=float)
    conf = getattr(pts[0], "confidence", None)
    n = pts[0].n

    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = fig.add_subplot()
    conf_text = f"{conf:.0%} " if conf is not None else ""
    ax.fill_between(etas, low, high, label=f"{conf_text}Wilson interval", gid="band", **_BAND_STYLE)
    ax.plot(etas, frac, label="fraction of converging starts", gid="fraction", **_FRACTION_STYLE)

    mws = getattr(sweep_result, "mws_length_normalised", None)
    if mws is not None:
        xs = np.array([float(e) for e, _ in mws])
        ys = np.array([np.nan if v is None else float(v) for _, v in mws])
        raw = getattr(sweep_result, "mws_length", None)
        ref = _value_float(raw[0][1]) if raw else None
        e0 = _eta_text(mws[0][0]) if mws else "?"
        ref_text = f" ({ref:.4g})" if ref is not None else ""
        ax.plot(
            xs,
            ys,
            gid="mws",
            label=f"length of $M_{{WS}}(\\eta)$ / length at η = {e0}{ref_text}",
            **_MWS_STYLE,
        )

    crit = getattr(sweep_result, "eta_critical", None)
    x_crit = _value_float(crit)
    if x_crit is not None:
        exact = getattr(crit, "expr", None)
        how = "exact" if getattr(crit, "exact", None) is not None else "numerical"
        text = _eta_text(exact) if exact is not None else f"{x_crit:.4g}"
        ax.axvline(
            x_crit, label=f"$\\eta_{{crit}}$ = {text} ({how})", gid="eta_critical", **_CRIT_STYLE
        )

    span = max(float(etas.max() - etas.min()), 1e-3)
    lo_x, hi_x = float(etas.min()), float(etas.max())
    if x_crit is not None:
        lo_x, hi_x = min(lo_x, x_crit), max(hi_x, x_crit)
    ax.set_xlim(lo_x - 0.03 * span, hi_x + 0.03 * span)
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("step size η")
    ax.set_ylabel(
        "fraction  /  normalised length" if mws is not None else "fraction of converging starts"
    )
    ax.grid(True, color="0.88", linewidth=0.6)
    criterion = str(getattr(sweep_result, "criterion", ""))
    crit_short = criterion.split(":", 1)[0] if criterion else "?"
    ax.set_title(
        f"{sweep_result.loss_name}: GD from N = {n} starts "
        f"{_box_text(str(getattr(sweep_result, 'sampler', '')))}\n"
        f"convergence criterion: {crit_short}",
        fontsize=10,
    )
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    _save(fig, path)
    return fig


def sweep_figure(sweep_result: Any, path: PathLike | None = None) -> Figure:
    """The figure of an η-sweep (used by the CLI): :func:`craciun_fig2`.

    Parameters
    ----------
    sweep_result
        A :class:`symstab.dynamics.sweep.Sweep`.
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return craciun_fig2(sweep_result, path=path)


def _mws_curves(loss: Loss, eta: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Points of the minimum curves (all of them) and of M_WS(η) (red), for a loss whose
    minima form rationally parametrised curves (e.g. ½(1 − xy)²)."""
    from symstab.exact.analysis import analyze

    eta_e = as_exact_number(eta, "step size")
    a = analyze(loss, eta_e)
    whole, stable = [], []
    for c in a.components:
        if "minim" not in c.kind or c.parametrization is None:
            continue
        par = c.parametrization
        (t,) = par.free
        fx = [sp.lambdify(t, par.mapping[p], "numpy") for p in loss.params]

        def curve(lo: float, hi: float, fx: list[Any] = fx) -> np.ndarray:
            ts = np.linspace(lo, hi, 400)
            ts = ts[np.abs(ts) > 1e-3]
            return np.column_stack([np.broadcast_to(f(ts), ts.shape) for f in fx])

        whole += [curve(-8.0, -1e-3), curve(1e-3, 8.0)]
        if c.weakly_stable is not None:
            stable += [curve(float(lo), float(hi)) for lo, hi in c.weakly_stable.intervals]
    return whole, stable


def craciun_fig1(
    loss: Loss | str = "xy",
    etas: Sequence[Any] = ("0.4", "1.1"),
    starts: Sequence[Sequence[float]] = ((0.3, 2.6), (2.2, 0.2), (-1.8, -0.4), (0.6, -1.2)),
    steps: int = 60,
    *,
    window: Window = (-3.0, 3.0, -3.0, 3.0),
    path: PathLike | None = None,
) -> Figure:
    """Crăciun & Ghoshdastidar's Fig. 1: GD on ½(1 − xy)² in two regimes.

    One panel per η: the curve of minima xy = 1 (grey), its weakly stable part
    M_WS(η) = {θ* : λmax(θ*) <= 2/η} in red (exact endpoints from
    :func:`symstab.exact.analysis.analyze`; empty for η > 1), and float64 GD
    trajectories from ``starts`` (black, start square, end dot). At η = 0.4 they converge
    to points of M_WS; at η = 1.1, M_WS is empty and they do not converge.

    Parameters
    ----------
    loss
        A loss whose minima form rationally parametrised curves (default ``"xy"``).
    etas
        Step sizes, one panel each (exact numbers or their text).
    starts
        Starting points.
    steps
        GD steps drawn per trajectory.
    window
        ``(x_min, x_max, y_min, y_max)``.
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
    """
    loss = _loss(loss)
    if len(loss.params) != 2:
        raise InputError("craciun_fig1 needs a 2-parameter loss", "loss")
    step = compile_loss(loss.expr, loss.params).numpy()
    fig = Figure(figsize=(5.0 * len(etas), 4.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(etas)))
    x0, x1, y0, y1 = window
    for ax, eta in zip(axes, etas, strict=True):
        eta_f = float(as_exact_number(eta, "step size"))
        _landscape(ax, loss, window, light=True)
        whole, stable = _mws_curves(loss, eta)
        for k, pts in enumerate(whole):
            ax.plot(pts[:, 0], pts[:, 1], color="0.45", lw=1.2, ls="--",
                    label="minima (xy = 1)" if k == 0 else None)
        for k, pts in enumerate(stable):
            ax.plot(pts[:, 0], pts[:, 1], color=_UNSTABLE_COLOR, lw=3.0,
                    label=r"$M_{WS}(\eta)$ (weakly stable minima)" if k == 0 else None)
        for k, start in enumerate(starts):
            path_pts = [np.asarray(start, dtype=float)]
            for _ in range(steps):
                nxt = np.asarray(step.step(path_pts[-1], eta_f), dtype=float)
                if not np.all(np.isfinite(nxt)) or np.abs(nxt).max() > 1e3:
                    break
                path_pts.append(nxt)
            pts = np.array(path_pts)
            ax.plot(pts[:, 0], pts[:, 1], "-", color="black", lw=0.8, alpha=0.8,
                    label="GD trajectories" if k == 0 else None)
            ax.plot(*pts[0], marker="s", ms=6, mfc="white", mec="black", ls="none",
                    label="start" if k == 0 else None)
            ax.plot(*pts[-1], marker="o", ms=5, color="black", ls="none",
                    label=f"end (after <= {steps} steps, or last with |θ| < 1000)"
                    if k == 0 else None)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        _labels(ax, loss)
        empty = "" if stable else r", $M_{WS} = \varnothing$"
        ax.set_title(f"{loss.name}, η = {_eta_text(eta)}{empty}", fontsize=10)
        ax.legend(fontsize=7, loc="lower left", framealpha=0.85)
    _save(fig, path)
    return fig


# The figures of the other seeds live in their own modules; re-exported here so that
# ``symstab.plot`` is the one place for figure code.
from symstab.plot_eos import balancing_figure, eos_figure, lyapunov_figure  # noqa: E402
from symstab.plot_network import converging_fraction_figure, sharpness_figure  # noqa: E402
from symstab.plot_orbits import bifurcation_figure, orbit_figure  # noqa: E402
