"""What several figures draw alike: the loss landscape, minima, axis labels, η as text.

Also the small lookups they share: a loss from a catalog name, the minima of a loss and
its smallest η* (from the exact analysis), a square window around given points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import sympy as sp
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap

from symstab.codegen import compile_loss
from symstab.errors import InputError
from symstab.loss import Loss
from symstab.parse import as_exact_number
from symstab.plot.style import MINIMUM_STYLE

__all__ = [
    "Window",
    "as_loss",
    "axis_labels",
    "eta_star",
    "eta_text",
    "landscape",
    "mark_minima",
    "minima_and_eta_star",
    "square_window",
]

#: ``(x_min, x_max, y_min, y_max)`` of a plane panel.
Window = tuple[float, float, float, float]


def as_loss(loss: Loss | str) -> Loss:
    """``loss`` itself, or the catalog loss of that name."""
    return Loss.from_catalog(loss) if isinstance(loss, str) else loss


def minima_and_eta_star(loss: Loss) -> tuple[list[tuple[float, ...]], sp.Expr | None]:
    """The isolated minima of ``loss`` (float coordinates) and their smallest η* (exact).

    Parameters
    ----------
    loss
        The loss (analysed by :func:`symstab.exact.analysis.analyze`).

    Returns
    -------
    (list of tuple of float, sympy.Expr or None)
        The minima, and min η* = 2/λmax over them (None if no minimum has one).
    """
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
    _, star = minima_and_eta_star(as_loss(loss))
    if star is None:
        raise ValueError("the loss has no strict local minimum with a finite eta*")
    return star


def eta_text(eta: Any) -> str:
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


def square_window(points: Sequence[Sequence[float]], minimum_half: float = 1.5) -> Window:
    """A square window centred at 0 containing ``points`` with a margin."""
    m = max([abs(v) for p in points for v in p[:2]] or [0.0])
    half = max(minimum_half, math.ceil(2 * 1.6 * m) / 2)
    return (-half, half, -half, half)


def landscape(ax: Axes, loss: Loss, window: Window, n: int = 240, *, light: bool = False) -> Any:
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


def mark_minima(ax: Axes, minima: Sequence[Sequence[float]], label: str | None = None) -> None:
    """Star the minima (their first two coordinates) on ``ax``."""
    if minima:
        xs, ys = zip(*[(p[0], p[1]) for p in minima], strict=True)
        ax.plot(xs, ys, label=label, **MINIMUM_STYLE)


def axis_labels(ax: Axes, loss: Loss) -> None:
    """Name the axes of a plane panel after the loss's first two parameters."""
    ax.set_xlabel(f"${sp.latex(loss.params[0])}$")
    ax.set_ylabel(f"${sp.latex(loss.params[1])}$")
