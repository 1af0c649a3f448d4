"""Trajectory figures: the orbit over contours of f and the loss against the step.

The part of an orbit up to and including the last step with a loss increase is drawn in
**red** and the rest (where the loss decreases monotonically) in **black**, in the plane
and on the loss curve alike (:func:`unstable_prefix`). Used by the CLI's
``trajectory --plot`` and by Chen et al.'s Fig. 3 (:mod:`symstab.plot.chen`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from symstab.dynamics.trajectory import Trajectory
from symstab.plot.panels import (
    Window,
    axis_labels,
    eta_text,
    landscape,
    mark_minima,
    minima_and_eta_star,
    square_window,
)
from symstab.plot.style import (
    FONTSIZE_MEDIUM,
    FONTSIZE_XSMALL,
    STABLE_COLOR,
    UNSTABLE_COLOR,
    PathLike,
    save,
)

__all__ = ["draw_trajectory", "trajectory_figure", "unstable_prefix"]


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


def draw_trajectory(
    ax_plane: Axes,
    ax_loss: Axes,
    traj: Trajectory,
    window: Window,
    minima: Sequence[Sequence[float]],
) -> None:
    """Draw ``traj`` over the landscape on ``ax_plane`` and its loss on ``ax_loss``, red up
    to and including the last loss increase and black after it (:func:`unstable_prefix`).
    """
    loss = traj.loss
    landscape(ax_plane, loss, window, light=True)
    k = unstable_prefix(traj)
    xy = _finite_xy(traj.iterates)
    red, black = xy[:k], xy[max(k - 1, 0) :]
    if k:
        ax_plane.plot(
            red[:, 0],
            red[:, 1],
            "-o",
            color=UNSTABLE_COLOR,
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
            color=STABLE_COLOR,
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
    mark_minima(ax_plane, minima, "minimum")
    x0, x1, y0, y1 = window
    ax_plane.set_xlim(x0, x1)
    ax_plane.set_ylim(y0, y1)
    ax_plane.set_aspect("equal")
    axis_labels(ax_plane, loss)
    start = ", ".join(f"{float(t):g}" for t in traj.theta0)
    ax_plane.set_title(
        f"{loss.name}, η = {eta_text(traj.eta)}, θ₀ = ({start})\n{_describe(traj)}",
        fontsize=FONTSIZE_MEDIUM,
    )
    ax_plane.legend(fontsize=FONTSIZE_XSMALL, loc="lower left", framealpha=0.85)

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
            color=UNSTABLE_COLOR,
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
            color=STABLE_COLOR,
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
    ax_loss.set_title(f"loss, η = {eta_text(traj.eta)}", fontsize=FONTSIZE_MEDIUM)
    ax_loss.grid(True, alpha=0.3)
    ax_loss.legend(fontsize=FONTSIZE_XSMALL, loc="upper right")


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
            minima = minima_and_eta_star(traj.loss)[0]
        except Exception:  # the analysis may be out of budget; marking is optional
            minima = []
    if window is None:
        pts = [tuple(float(t) for t in traj.theta0), *minima]
        if traj.classification.outcome != "diverged":
            pts += [tuple(r) for r in _finite_xy(traj.iterates)]
        window = square_window(pts, minimum_half=1.0)
    fig = Figure(figsize=(10, 4.6), layout="constrained")
    ax_plane, ax_loss = fig.subplots(1, 2)
    draw_trajectory(ax_plane, ax_loss, traj, window, minima)
    save(fig, path)
    return fig
