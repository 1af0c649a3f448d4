"""Figures for the edge-of-stability metrics and the balancing effect.

* :func:`eos_figure`: the three panels of Ahn, Zhang & Sra's slides: loss (log scale
  when positive), sharpness λmax(H(θ_t)) with the line 2/η (and the directional
  smoothness L(θ_t; η∇f) dotted), and relative progress RP(θ_t) with the line 0.
* :func:`balancing_figure`: |x∞ − y∞| against h·L for one or more starts, with 2/L and
  4/L marked (Tao & Wang blog; Wang et al. 2022), diverged step sizes as crosses on the
  axis, and the stability bound √(2/h − 2) of ½(1 − xy)² when asked for.

Greyscale-safe: curves differ by line style and marker, not only by colour; reference
lines are dashed black (:mod:`symstab.plot.style`). Figures are built without ``pyplot``
and returned; pass ``path=`` to save.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sympy as sp
from matplotlib.figure import Figure

from symstab.dynamics.eos import BalancingScan, EosResult
from symstab.dynamics.lyapunov import LyapunovResult
from symstab.plot.style import (
    DARK_GREY,
    FONTSIZE_LARGE,
    FONTSIZE_SMALL,
    FONTSIZE_XSMALL,
    LINE_STYLES,
    PathLike,
    save,
)

__all__ = ["balancing_figure", "eos_figure", "lyapunov_figure"]


def eos_figure(result: EosResult, *, path: PathLike | None = None,
               title: str | None = None) -> Figure:
    """The slides' three panels for one orbit: loss, sharpness vs 2/η, RP vs 0.

    Parameters
    ----------
    result
        From :func:`symstab.dynamics.eos.eos_metrics`.
    path
        Save the figure there as well (PNG/SVG/PDF).
    title
        Figure title (default: loss, η and start).

    Returns
    -------
    matplotlib.figure.Figure
        Three axes, top to bottom.
    """
    s = result.series
    t = np.asarray(s.step, dtype=float)
    fig = Figure(figsize=(7.5, 8.0), layout="constrained")
    ax_loss, ax_sharp, ax_rp = fig.subplots(3, 1, sharex=True)
    loss = np.asarray(s.loss, dtype=float)
    ax_loss.plot(t, loss, color="black", lw=1.2, label=r"$f(\theta_t)$")
    if loss.size and np.all(loss > 0):
        ax_loss.set_yscale("log")
    ax_loss.set_ylabel("loss")
    ax_loss.legend(loc="upper right", fontsize=FONTSIZE_SMALL)
    ax_loss.grid(True, alpha=0.3)

    two = result.two_over_eta
    ax_sharp.plot(t, s.sharpness, color="black", lw=1.4, label=r"sharpness $\lambda_{\max}$")
    ax_sharp.plot(t, s.smoothness, color=DARK_GREY, ls=":", lw=1.2,
                  label=r"directional smoothness $L(\theta_t;\eta\nabla f)$")
    ax_sharp.axhline(two, color="black", ls="--", lw=1.0, label=rf"$2/\eta = {two:.4g}$")
    band = result.summary.thresholds.sharpness_rel * two
    ax_sharp.axhspan(two - band, two + band, color="0.85", zorder=0,
                     label=f"2/η ± {result.summary.thresholds.sharpness_rel:.0%}")
    ax_sharp.set_ylabel("sharpness")
    ax_sharp.legend(loc="upper right", fontsize=FONTSIZE_SMALL)
    ax_sharp.grid(True, alpha=0.3)

    ax_rp.plot(t, s.rp, color="black", lw=1.2, label=r"relative progress RP$(\theta_t)$")
    ax_rp.axhline(0.0, color="black", ls="--", lw=1.0, label="0")
    r = result.summary.thresholds.rp_abs
    ax_rp.axhspan(-r, r, color="0.85", zorder=0, label=f"|RP| <= {r:g}")
    ax_rp.set_ylabel("RP")
    ax_rp.set_xlabel("step t")
    ax_rp.legend(loc="lower right", fontsize=FONTSIZE_SMALL)
    ax_rp.grid(True, alpha=0.3)

    start = ", ".join(f"{float(v):g}" for v in result.theta0)
    verdict = "present" if result.summary.unstable_convergence else "absent"
    fig.suptitle(title or (f"{result.loss.name}, η = {sp.sstr(result.eta)}, θ₀ = ({start}), "
                           f"{result.dps} digits — unstable-convergence features {verdict}"),
                 fontsize=FONTSIZE_LARGE)
    save(fig, path)
    return fig


def balancing_figure(scans: Sequence[BalancingScan], *, path: PathLike | None = None,
                     bound: bool = True, title: str | None = None) -> Figure:
    """|x∞ − y∞| against h·L, one curve per start, with 2/L and 4/L marked.

    Parameters
    ----------
    scans
        From :func:`symstab.dynamics.eos.balancing_scan` (x axis is h·L, so starts with
        different L share the axis).
    path
        Save the figure there as well.
    bound
        Draw the stability bound √(2/h − 2) (valid for ½(1 − xy)²) of each start.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(10.0, 5.0), layout="constrained")
    ax = fig.add_subplot()
    diverged_labelled = False
    for i, scan in enumerate(scans):
        color, ls, marker = LINE_STYLES[i % len(LINE_STYLES)]
        c = np.array([float(p.ratio) for p in scan.points])
        gap = np.array([p.gap if p.outcome == "converged" else np.nan for p in scan.points])
        start = ", ".join(f"{float(v):g}" for v in scan.theta0)
        L = float(scan.L)
        ax.plot(c, gap, color=color, ls=ls, marker=marker, ms=3.5, lw=1.2,
                label=f"θ₀ = ({start}), L = {L:.4g}")
        div = c[[p.outcome == "diverged" for p in scan.points]]
        if div.size:
            ax.plot(div, np.zeros_like(div), ls="none", marker="x", color=color, ms=6,
                    label="diverged (× on the axis)" if not diverged_labelled else None)
            diverged_labelled = True
        if bound:
            cc = np.linspace(max(c.min(), 1e-3), c.max(), 400)
            h = cc / L
            b = np.sqrt(np.clip(2 / h - 2, 0, None))
            ax.plot(cc, b, color=color, ls=":", lw=0.8, alpha=0.8,
                    label=r"stability bound $\sqrt{2/h-2}$" if i == 0 else None)
    for x, name in ((2.0, "h = 2/L"), (4.0, "h = 4/L")):
        ax.axvline(x, color="black", ls="--", lw=1.0)
        ax.text(x, 1.0, f" {name}", transform=ax.get_xaxis_transform(), va="top",
                ha="left", fontsize=FONTSIZE_SMALL)
    ax.set_xlabel("h · L   (L = spectral radius of the Hessian at the start)")
    ax.set_ylabel(r"$|x_\infty - y_\infty|$")
    ymax = max((p.gap for s in scans for p in s.points if p.outcome == "converged"),
               default=1.0)
    ax.set_ylim(-0.05 * ymax, 1.15 * ymax)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=FONTSIZE_XSMALL, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title or "Balancing of GD on ½(1 − xy)²: limit gap against the step size",
                 fontsize=FONTSIZE_LARGE)
    save(fig, path)
    return fig


def lyapunov_figure(result: LyapunovResult, *, path: PathLike | None = None) -> Figure:
    """Lyapunov exponents of a GD orbit: the estimate of each block of steps (markers),
    the final exponents (lines) with their error bands, and 0 (dashed).

    Parameters
    ----------
    result
        From :func:`symstab.dynamics.lyapunov.lyapunov_spectrum`.
    path
        Save the figure there as well (PNG/SVG/PDF).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(7.0, 4.2), layout="constrained")
    ax = fig.subplots()
    blocks = np.asarray(result.block_estimates, dtype=float)
    x = np.arange(1, blocks.shape[0] + 1) if blocks.size else np.array([])
    for i, lam in enumerate(result.exponents):
        color, ls, marker = LINE_STYLES[i % len(LINE_STYLES)]
        if blocks.size:
            ax.plot(x, blocks[:, i], ls="none", marker=marker, color=color,
                    label=f"λ{i + 1}, per block")
        ax.axhline(lam, color=color, ls=ls, lw=1.2, label=f"λ{i + 1} = {lam:.4g}")
        err = result.errors[i]
        ax.axhspan(lam - err, lam + err, color=color, alpha=0.12)
    ax.axhline(0.0, color="0.4", ls="--", lw=0.8)
    ax.set_xlabel(f"block of {max(1, (result.steps - result.transient) // max(1, len(x)))}"
                  " steps (after the transient)")
    ax.set_ylabel("Lyapunov exponent")
    ax.set_title(f"{result.loss.name}, η = {sp.sstr(result.eta)}: {result.verdict} "
                 f"({result.dps} digits)", fontsize=FONTSIZE_LARGE)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=FONTSIZE_SMALL, loc="best")
    save(fig, path)
    return fig
