"""The accuracy of the modified equation against the step size (Tao & Wang blog).

:func:`modified_order_figure`: left, the errors of GD against the gradient flows of
f̃_h = f + (h/4)‖∇f‖² and of f at a fixed time, against h (log-log, with slopes 1 and 2
for reference); right, the observed orders log₂(e(h)/e(h/2)) against h, with 1/L and
2/L marked. Data from :func:`symstab.dynamics.modified.modified_flow_errors`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from symstab.dynamics.modified import ModifiedFlowErrors
from symstab.plot.style import (
    DARK_GREY,
    FONTSIZE_LARGE,
    FONTSIZE_SMALL,
    FONTSIZE_XSMALL,
    LINE_STYLES,
    PathLike,
    save,
)

__all__ = ["modified_order_figure"]


def modified_order_figure(results: Mapping[str, ModifiedFlowErrors], *,
                          L: Mapping[str, float] | None = None, band: float | None = None,
                          path: PathLike | None = None, title: str | None = None) -> Figure:
    """Errors against h and observed orders against h, one series per loss.

    Parameters
    ----------
    results
        Label -> errors of one loss and start.
    L
        Label -> the smoothness L at the start; 1/L and 2/L are marked on the orders panel.
    band
        Draw the horizontal line at this order (e.g. the claim's threshold).
    path
        Save the figure there as well.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, left to right.
    """
    fig = Figure(figsize=(11.0, 4.2), layout="constrained")
    ax_err, ax_ord = fig.subplots(1, 2)
    for i, (label, res) in enumerate(results.items()):
        colour, _, marker = LINE_STYLES[i % len(LINE_STYLES)]
        hs = np.array([float(h) for h in res.hs])
        ax_err.loglog(hs, res.error_modified, color=colour, ls="-", marker=marker,
                      markersize=3, lw=1.0, label=f"{label}: GD − flow of f̃")
        ax_err.loglog(hs, res.error_plain, color=colour, ls=":", marker=marker,
                      markersize=3, lw=1.0, mfc="white", label=f"{label}: GD − flow of f")
        for which, ls, name in (("modified", "-", "vs f̃"), ("plain", ":", "vs f")):
            pts = np.array(res.orders(which))
            if len(pts):
                ax_ord.plot(pts[:, 0], pts[:, 1], color=colour, ls=ls, marker=marker,
                            markersize=3, lw=1.0,
                            mfc=colour if which == "modified" else "white",
                            label=f"{label} {name}")
        if L and label in L:
            for k, ls in ((1, "--"), (2, "-.")):
                ax_ord.axvline(k / L[label], color=colour, ls=ls, lw=0.8)
                ax_ord.text(k / L[label], 0.02, f" {k}/L", color=colour, fontsize=FONTSIZE_XSMALL,
                            transform=ax_ord.get_xaxis_transform())
    lo = min(float(min(r.hs)) for r in results.values())
    ref = np.array([lo, 1.0])
    ax_err.loglog(ref, 0.5 * ref, color=DARK_GREY, ls="--", lw=0.7, label="slope 1")
    ax_err.loglog(ref, 0.3 * ref**2, color=DARK_GREY, ls="-.", lw=0.7, label="slope 2")
    ax_err.set_xlabel("h")
    ax_err.set_ylabel("error at time T")
    ax_err.set_title("GD against the gradient flows", fontsize=FONTSIZE_SMALL)
    ax_err.legend(fontsize=FONTSIZE_XSMALL)
    ax_ord.set_xscale("log")
    for y in (1, 2):
        ax_ord.axhline(y, color="black", lw=0.5)
    if band is not None:
        ax_ord.axhline(band, color=DARK_GREY, ls="--", lw=0.8)
    ax_ord.set_xlabel("h")
    ax_ord.set_ylabel("observed order log₂(e(h)/e(h/2))")
    ax_ord.set_title("observed order against h (vertical: 1/L dashed, 2/L dash-dotted, "
                     "L = λmax at the start)", fontsize=FONTSIZE_SMALL)
    ax_ord.legend(fontsize=FONTSIZE_XSMALL)
    if title:
        fig.suptitle(title, fontsize=FONTSIZE_LARGE)
    if path is not None:
        save(fig, path)
    return fig
