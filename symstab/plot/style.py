"""The one style of every symstab figure: colours, line styles, font sizes and saving.

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

The other figures use the same palette: **red** (:data:`RED`) for what is unstable or
critical (the unstable part of a trajectory, the critical η, the weakly stable minima,
exact period doublings, the curve of minima under orbits), **black** for what is stable,
:data:`DARK_BLUE` for secondary curves, :data:`ORBIT_BLUE` for periodic orbits, and the
series cycles :data:`LINE_STYLES` and :func:`series_style`, which tell curves apart by
line style and marker as well as by colour, so that every figure reads in greyscale.

Figures are built as :class:`matplotlib.figure.Figure` directly (no ``pyplot``, no
global state, no ``show``) and saved by :func:`save`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

__all__ = [
    "CLASS_CMAP",
    "CLASS_COLORS",
    "CLASS_NAMES",
    "CLASS_REST",
    "CLASS_STABLE",
    "CLASS_TINTS",
    "CLASS_UNSTABLE",
    "DARK_BLUE",
    "DARK_GREY",
    "DPI",
    "FONTSIZE_LARGE",
    "FONTSIZE_MEDIUM",
    "FONTSIZE_SMALL",
    "FONTSIZE_XSMALL",
    "FONTSIZE_XXSMALL",
    "LINE_STYLES",
    "MINIMUM_STYLE",
    "ORBIT_BLUE",
    "RED",
    "STABLE_COLOR",
    "UNSTABLE_COLOR",
    "PathLike",
    "class_handles",
    "relative_luminance",
    "save",
    "series_style",
]

PathLike = str | Path

# -- colours ---------------------------------------------------------------------------

#: Red: the unstable part of trajectories, critical step sizes, weakly stable minima.
RED = "#d62728"
#: Dark blue: V_η \ U_η in basin maps and secondary curves.
DARK_BLUE = "#0a2580"
#: Dark grey: the second series and secondary curves in black-and-white figures.
DARK_GREY = "#555555"
#: Blue of periodic orbits.
ORBIT_BLUE = "#1f4fbf"
#: Colour of the part of a trajectory up to its last loss increase.
UNSTABLE_COLOR = RED
#: Colour of the monotone (loss decreasing) part of a trajectory.
STABLE_COLOR = "black"

#: Class codes of :func:`symstab.plot.basins.basin_classes` (the values of basin images).
CLASS_REST = 0
CLASS_UNSTABLE = 1
CLASS_STABLE = 2
#: Colours of the classes, indexed by class code: light grey, dark blue, cyan.
CLASS_COLORS: tuple[str, str, str] = ("#ebebeb", DARK_BLUE, "#00c3e8")
#: Legend names of the classes, indexed by class code.
CLASS_NAMES: tuple[str, str, str] = (
    "diverged / undetermined",
    r"$V_\eta \setminus U_\eta$: converged, loss rose",
    r"$U_\eta$: converged, loss fell monotonically",
)
#: Pale versions of :data:`CLASS_COLORS` (backgrounds of table cells), by class code.
CLASS_TINTS: tuple[str, str, str] = ("#f0f0f0", "#9fb0e0", "#bfefff")
#: Colour map of the class codes.
CLASS_CMAP = ListedColormap(list(CLASS_COLORS), name="symstab_basins")

#: Marker of a minimum (an orange star).
MINIMUM_STYLE: dict[str, Any] = {
    "marker": "*",
    "markersize": 9,
    "markerfacecolor": "#ff7f0e",
    "markeredgecolor": "black",
    "markeredgewidth": 0.7,
    "linestyle": "none",
}

#: ``(colour, line style, marker)`` of the i-th curve of a figure with a few series.
LINE_STYLES: tuple[tuple[str, str, str], ...] = (
    ("black", "-", "o"),
    (DARK_GREY, "--", "s"),
    (DARK_BLUE, "-.", "^"),
    ("#999999", ":", "D"),
    (RED, "-", "v"),
)

_SERIES_MARKERS = ("o", "s", "^", "D", "v", "P")
_SERIES_LINES: tuple[Any, ...] = ("-", "--", ":", "-.", (0, (5, 1)), (0, (1, 1)))
_SERIES_GREYS = ("0.0", "0.35", "0.55", "0.15", "0.45", "0.25")

# -- fonts and resolution ----------------------------------------------------------------

#: Font sizes in points: titles, panel titles, legends, crowded legends, colour-bar ticks.
FONTSIZE_LARGE = 10
FONTSIZE_MEDIUM = 9
FONTSIZE_SMALL = 8
FONTSIZE_XSMALL = 7
FONTSIZE_XXSMALL = 6
#: Resolution of saved raster images.
DPI = 120


def series_style(i: int) -> dict[str, Any]:
    """Keyword arguments of ``plot``/``errorbar`` for the i-th of several series in grey.

    Series differ by marker *and* line style (circle/solid, square/dashed,
    triangle/dotted, ...) in shades of grey to black; every other marker is open.

    Parameters
    ----------
    i
        Index of the series (cycles after 6).

    Returns
    -------
    dict
    """
    grey = _SERIES_GREYS[i % 6]
    return {"marker": _SERIES_MARKERS[i % 6], "linestyle": _SERIES_LINES[i % 6],
            "color": grey, "markerfacecolor": "white" if i % 2 else grey,
            "markersize": 6, "linewidth": 1.4}


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


def class_handles() -> list[Any]:
    """Legend handles of the three basin classes (U_η first) and of a minimum."""
    handles: list[Any] = [
        Patch(facecolor=CLASS_COLORS[k], edgecolor="0.4", label=CLASS_NAMES[k])
        for k in (CLASS_STABLE, CLASS_UNSTABLE, CLASS_REST)
    ]
    handles.append(Line2D([], [], label="minimum", **MINIMUM_STYLE))
    return handles


def save(fig: Figure, path: PathLike | None) -> None:
    """Save ``fig`` at ``path`` (PNG, SVG or PDF by its suffix) at :data:`DPI`, creating
    the parent directory, atomically (a temporary file renamed); nothing if ``path`` is
    None."""
    if path is not None:
        from symstab.storage import write_with

        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_with(target, lambda tmp: fig.savefig(tmp, dpi=DPI, format=target.suffix[1:]
                                                   or None))
