"""Crăciun & Ghoshdastidar's Fig. 1 (GD and M_WS at η = 0.4 and 1.1) and Fig. 2
(converging fraction and |M_WS(η)| against η).

η-sweep figures (:func:`craciun_fig2`, alias :func:`sweep_figure`) draw the converging
fraction in black with circles and a grey confidence band, the normalised M_WS length
dash-dotted in dark blue and the critical η as a dashed red vertical line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp
from matplotlib.figure import Figure

from symstab.codegen import compile_loss
from symstab.errors import InputError
from symstab.inputs import StepSize
from symstab.loss import Loss
from symstab.plot.panels import Window, as_loss, axis_labels, eta_text, landscape
from symstab.plot.style import (
    CLASS_COLORS,
    CLASS_STABLE,
    DARK_BLUE,
    FONTSIZE_LARGE,
    FONTSIZE_SMALL,
    FONTSIZE_XSMALL,
    RED,
    PathLike,
    save,
)

__all__ = ["craciun_fig1", "craciun_fig2", "gradient_norm_figure", "sweep_figure"]

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
    "color": DARK_BLUE,
    "linestyle": "-.",
    "linewidth": 2.0,
}
_CRIT_STYLE: dict[str, Any] = {"color": RED, "linestyle": "--", "linewidth": 1.3}
_CERTIFIED_STYLE: dict[str, Any] = {
    "color": CLASS_COLORS[CLASS_STABLE],
    "linestyle": ":",
    "linewidth": 1.6,
    "marker": "s",
    "markersize": 3.0,
}


def _box_text(sampler: str) -> str:
    """``uniform in [-3, 3]²`` from ``"uniform in [-3, 3] x [-3, 3] (numpy ...)"`` (and
    the same for a grid sampler's description), else the text."""
    import re

    text = re.sub(r"\s*\(numpy[^)]*\)\s*$", "", sampler).strip()
    m = re.fullmatch(r"(uniform in|grid of \d+ points per side in) "
                     r"(\[[^\]]+\](?: x \[[^\]]+\])*)", text)
    if m is None:
        return text
    sides = re.findall(r"\[[^\]]+\]", m.group(2))
    if len(set(sides)) == 1 and len(sides) > 1:
        sup = str(len(sides)).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return f"{m.group(1)} {sides[0]}{sup}"
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
    * where the sweep labelled by certified regions (``SweepPoint.n_certified``): the
      fraction whose label a certified region decided (cyan, dotted, squares; gid
      ``"certified"``); the gap to the black curve rests on the numerical criterion;
    * for losses whose minima form curves (``sweep_result.mws_length_normalised`` not
      ``None``): the normalised length of the weakly stable set
      M_WS(η) = {θ on the minima : λmax(θ) <= 2/η} (dash-dotted, gid ``"mws"``). Our
      length is the Euclidean arc length of M_WS(η), summed over all branches (for
      ½(1 − xy)²: of {xy = 1, x² + y² <= 2/η}, both branches), divided by its value at
      the first η. For ½(1 − xy)² at η = 0.1 that length is 14.47, whereas the paper's
      caption gives 37.4 for the same η (no reading of "length" in
      :mod:`symstab.exact.mws_lengths` gives 37.4): only normalised curves are compared.
      Where the length is unknown (``None``) the curve has a gap; where M_WS(η) has no arcs it is 0.
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
    certified = [getattr(p, "n_certified", None) for p in pts]
    if any(c is not None for c in certified):
        cert = np.array([np.nan if c is None else c / p.n for c, p in zip(certified, pts,
                                                                          strict=True)])
        ax.plot(etas, cert, label="... with a certified label", gid="certified",
                **_CERTIFIED_STYLE)

    mws = getattr(sweep_result, "mws_length_normalised", None)
    if mws is not None:
        xs = np.array([float(e) for e, _ in mws])
        ys = np.array([np.nan if v is None else float(v) for _, v in mws])
        raw = getattr(sweep_result, "mws_length", None)
        ref = _value_float(raw[0][1]) if raw else None
        e0 = eta_text(mws[0][0]) if mws else "?"
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
        text = eta_text(exact) if exact is not None else f"{x_crit:.4g}"
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
    crit_short = criterion.split(":", 1)[0].split(" (", 1)[0] if criterion else "?"
    ax.set_title(
        f"{sweep_result.loss_name}: GD from N = {n} starts "
        f"{_box_text(str(getattr(sweep_result, 'sampler', '')))}\n"
        f"convergence criterion: {crit_short}",
        fontsize=FONTSIZE_LARGE,
    )
    fig.legend(loc="outside lower center", ncols=2, fontsize=FONTSIZE_SMALL, frameon=False)
    save(fig, path)
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


def _mws_curves(loss: Loss, eta: StepSize) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Points of the minimum curves (all of them) and of M_WS(η) (red), for a loss whose
    minima form rationally parametrised curves (e.g. ½(1 − xy)²)."""
    from symstab.exact.analysis import analyze

    a = analyze(loss, eta.exact)
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
    loss = as_loss(loss)
    if len(loss.params) != 2:
        raise InputError("craciun_fig1 needs a 2-parameter loss", "loss")
    step_sizes = [StepSize.of(eta) for eta in etas]
    step = compile_loss(loss.expr, loss.params).numpy()
    fig = Figure(figsize=(5.0 * len(etas), 4.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(etas)))
    x0, x1, y0, y1 = window
    for ax, eta in zip(axes, step_sizes, strict=True):
        eta_f = eta.as_float
        landscape(ax, loss, window, light=True)
        whole, stable = _mws_curves(loss, eta)
        for k, pts in enumerate(whole):
            ax.plot(pts[:, 0], pts[:, 1], color="0.45", lw=1.2, ls="--",
                    label="minima (xy = 1)" if k == 0 else None)
        for k, pts in enumerate(stable):
            ax.plot(pts[:, 0], pts[:, 1], color=RED, lw=3.0,
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
        axis_labels(ax, loss)
        empty = "" if stable else r", $M_{WS} = \varnothing$"
        ax.set_title(f"{loss.name}, η = {eta_text(eta.exact)}{empty}", fontsize=FONTSIZE_LARGE)
        ax.legend(fontsize=FONTSIZE_XSMALL, loc="lower left", framealpha=0.85)
    save(fig, path)
    return fig


#: Floor of the log axis of :func:`gradient_norm_figure` (float64 rounding level).
GRADIENT_FLOOR = 1e-17


def gradient_norm_figure(sweeps: Sequence[Any], critical: Sequence[Any | None] = (), *,
                         path: PathLike | None = None) -> Figure:
    """The asymptotic gradient norm against η, one panel per loss (Crăciun's abstract).

    Each panel draws the median over the starts of the mean ‖∇f‖ over the last steps
    (black, circles; gid ``"median"``) with the 10–90% band (grey, gid ``"band"``) on a
    log axis floored at :data:`GRADIENT_FLOOR` (0 is drawn there), the share of starts
    that diverged (dotted, right axis, gid ``"diverged"``) and the critical η (dashed
    red, gid ``"eta_critical"``) when given.

    Parameters
    ----------
    sweeps
        :class:`~symstab.dynamics.gradient_norm.GradientNormSweep` results.
    critical
        The critical η of each loss (exact numbers or None), in the same order.
    path
        Save the figure there as well.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not sweeps:
        raise ValueError("no sweeps to draw")
    crit = list(critical) + [None] * (len(sweeps) - len(critical))
    fig = Figure(figsize=(4.2 * len(sweeps), 3.8), layout="constrained")
    axes = fig.subplots(1, len(sweeps), squeeze=False)[0]
    for ax, sweep_result, eta_c in zip(axes, sweeps, crit, strict=True):
        etas = np.array([float(p.eta) for p in sweep_result.points])

        def floor(values: list[float]) -> np.ndarray:
            return np.maximum(np.nan_to_num(np.array(values), nan=np.nan), GRADIENT_FLOOR)

        med = floor([p.median for p in sweep_result.points])
        lo = floor([p.q10 for p in sweep_result.points])
        hi = floor([p.q90 for p in sweep_result.points])
        ax.fill_between(etas, lo, hi, gid="band", **_BAND_STYLE)
        ax.plot(etas, med, gid="median", label="median of mean ‖∇f‖ (last steps)",
                **_FRACTION_STYLE)
        ax.set_yscale("log")
        ax.set_ylim(GRADIENT_FLOOR / 3, None)
        twin = ax.twinx()
        div = np.array([p.diverged / p.n for p in sweep_result.points])
        twin.plot(etas, div, color="0.45", linestyle=":", linewidth=1.4, gid="diverged",
                  label="share diverged")
        twin.set_ylim(-0.03, 1.05)
        twin.set_ylabel("share of starts that diverged", fontsize=FONTSIZE_SMALL)
        x_crit = _value_float(eta_c)
        if x_crit is not None:
            ax.axvline(x_crit, gid="eta_critical", label=f"$\\eta_{{crit}}$ = {eta_text(eta_c)}",
                       **_CRIT_STYLE)
        ax.set_xlabel("step size η")
        ax.set_ylabel("asymptotic ‖∇f‖")
        ax.set_title(f"{sweep_result.loss_name}: {sweep_result.points[0].n} starts, "
                     f"{sweep_result.steps} steps", fontsize=FONTSIZE_SMALL)
        ax.grid(True, color="0.88", linewidth=0.6)
        handles = ax.get_legend_handles_labels()
        extra = twin.get_legend_handles_labels()
        ax.legend(handles[0] + extra[0], handles[1] + extra[1], fontsize=FONTSIZE_XSMALL,
                  loc="center left")
    fig.suptitle("the asymptotic gradient norm jumps at the critical step size",
                 fontsize=FONTSIZE_LARGE)
    save(fig, path)
    return fig
