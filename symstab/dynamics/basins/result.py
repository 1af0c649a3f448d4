"""The result of a basin map: labels, stability flags and step counts per starting point."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symstab.dynamics.basins.labels import Attractor, attractors_of, label_evidence

__all__ = ["BasinMap"]


@dataclass(frozen=True, eq=False)
class BasinMap:
    """Outcome of GD from every point of a grid (or a list of points).

    Attributes
    ----------
    labels
        ``int8`` (``int16`` for more than 126 regions): ``-1`` diverged, ``0``
        undetermined after ``max_steps``, ``k >= 1`` entered the certified region of
        minimum ``k``. Shape ``(ny, nx)`` for a 2-D grid (``labels[iy, ix]``), ``(nx,)``
        for a 1-D grid, ``(N,)`` for a list of points.
    stable
        ``bool``, same shape: the loss decreased strictly at every step taken; for a
        point with label ``k >= 1`` this is a proof of monotone descent all the way to
        the minimum (the trajectory reached a Hessian ball, inside which descent is
        certified). False where the loss rose, and where ``stability_open``.
    steps
        ``int32``, same shape: GD steps taken until the decision (of the label and, after
        a non-monotone region, of stability).
    points
        ``(N, n)`` float64 starting points, in the order of ``labels.ravel()``.
    axes
        The grid axes (``(xs,)`` or ``(xs, ys)``), or ``None`` for a list of points.
    eta
        The step size as given.
    loss_name
        Name of the loss.
    centers, radii
        The float64 region balls used by the kernel.
    regions
        The :class:`~symstab.certify.region.CertifiedRegion` objects, if known.
    region_labels
        The label of each row of ``centers`` (``region.label`` of the certified
        regions, else ``1..k``).
    max_steps, divergence_bound
        The stopping rule.
    seconds
        Wall time of the kernel (excluding compilation if it was already compiled).
    stability_open
        ``bool``, same shape (``None`` if not recorded): the label is certified (the
        trajectory entered a non-monotone region) and the loss fell at every step taken,
        but ``max_steps`` ran out before a Hessian ball was reached: monotone descent
        is open (``stable`` is False there). All False when every region is monotone.
    region_monotone
        For each row of ``centers``: True for a Hessian ball (descent certified inside),
        False for a region certifying only the limit (empty: all True).
    numerical
        ``bool``, same shape (``None`` if not recorded): the label ``k >= 1`` was given by
        the numerical criterion (the trajectory ended near piece ``k`` of a manifold of
        minima with f − f* below a tolerance), not by a certified region.
    value_tol
        That tolerance (0: no numerical criterion).
    numerical_attractors
        Attractors reached by a numerical criterion only (degenerate minima).
    landing
        Where the converging orbits land (:class:`~symstab.dynamics.landing.Landing` of
        the points with label k >= 1, in the order of ``labels.ravel()``), if asked for.
    """

    labels: np.ndarray
    stable: np.ndarray
    steps: np.ndarray
    points: np.ndarray
    axes: tuple[np.ndarray, ...] | None
    eta: Any
    loss_name: str
    centers: np.ndarray
    radii: np.ndarray
    regions: tuple[Any, ...] | None = None
    region_labels: tuple[int, ...] = ()
    max_steps: int = 10_000
    divergence_bound: float = 1e8
    seconds: float = field(default=0.0, compare=False)
    stability_open: np.ndarray | None = None
    region_monotone: tuple[bool, ...] = ()
    numerical: np.ndarray | None = None
    value_tol: float = 0.0
    landing: Any = None
    numerical_attractors: tuple[Attractor, ...] = ()

    @property
    def xs(self) -> np.ndarray | None:
        """First grid axis (``None`` for a list of points)."""
        return None if self.axes is None else self.axes[0]

    @property
    def ys(self) -> np.ndarray | None:
        """Second grid axis (``None`` unless a 2-D grid)."""
        return None if self.axes is None or len(self.axes) < 2 else self.axes[1]

    @property
    def size(self) -> int:
        """Number of starting points."""
        return int(self.labels.size)

    @property
    def point_iterations(self) -> int:
        """Total GD steps taken over all points."""
        return int(self.steps.sum(dtype=np.int64))

    def counts(self) -> dict[int, int]:
        """``{label: number of points}`` for every label that occurs."""
        values, counts = np.unique(self.labels, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts, strict=True)}

    def fractions(self) -> dict[int, float]:
        """``{label: fraction of points}`` for every label that occurs (sums to 1)."""
        total = self.size
        return {k: c / total for k, c in self.counts().items()} if total else {}

    def stable_fraction(self) -> float:
        """Fraction of points whose loss decreased strictly at every step."""
        return float(np.mean(self.stable)) if self.size else 0.0

    def certified_counts(self) -> dict[int, int]:
        """``{label: points whose label k >= 1 a certified region decided}``."""
        decided = self.labels >= 1
        if self.numerical is not None:
            decided &= ~self.numerical
        values, counts = np.unique(self.labels[decided], return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts, strict=True)}

    def certified_fraction(self) -> float:
        """Fraction of points labelled k >= 1 by a certified region."""
        return sum(self.certified_counts().values()) / self.size if self.size else 0.0

    def numerical_fraction(self) -> float:
        """Fraction of points labelled k >= 1 by the numerical criterion only."""
        if not self.size or self.numerical is None:
            return 0.0
        return float(np.mean(self.numerical))

    def open_fraction(self) -> float:
        """Fraction of points with a certified label whose stability is still open."""
        if not self.size or self.stability_open is None:
            return 0.0
        return float(np.mean(self.stability_open))

    def attractors(self) -> tuple[Attractor, ...]:
        """The attractors: those of the certified regions used (none if given as arrays)
        and those reached by a numerical criterion only, in label order."""
        regions = self.regions or ()
        if regions and all(hasattr(r, "attractor") for r in regions):  # read from a file
            found = tuple(r.attractor for r in regions if r.attractor is not None)
        else:
            found = attractors_of(regions)
        found += self.numerical_attractors
        return tuple(sorted(found, key=lambda a: a.label))

    def _repr_png_(self) -> bytes | None:
        """Jupyter display of a 2-D grid: the map as an image (cyan: converged with the loss
        falling at every step, dark blue: converged with the loss rising at some step,
        light grey: diverged or undetermined); ``None`` for other shapes."""
        if self.axes is None or len(self.axes) != 2:
            return None
        import io

        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import ListedColormap
        from matplotlib.figure import Figure

        labels = np.asarray(self.labels)
        classes = np.zeros(labels.shape, dtype=np.int8)
        classes[(labels >= 1) & ~np.asarray(self.stable, dtype=bool)] = 1
        classes[(labels >= 1) & np.asarray(self.stable, dtype=bool)] = 2
        xs, ys = self.axes
        fig = Figure(figsize=(4.2, 3.6), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.imshow(classes, origin="lower", interpolation="nearest", vmin=-0.5, vmax=2.5,
                  cmap=ListedColormap(["#ebebeb", "#0a2580", "#00c3e8"]), aspect="auto",
                  extent=(float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1])))
        ax.set_title(f"{self.loss_name}, η = {self.eta}: cyan stable, blue unstable "
                     "convergence", fontsize=8)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()

    def _repr_html_(self) -> str:
        """Jupyter display: the fraction of each label, with the map as an image (2-D)."""
        import base64
        import html

        names = {-1: "diverged", 0: "undetermined"}
        names.update({a.label: f"{a.kind} {a.label} at ("
                      + ", ".join(f"{c:.4g}" for c in a.point) + ")"
                      for a in self.attractors()})
        rows = "".join(
            f"<tr><td style='text-align:left'>{html.escape(names.get(k, f'label {k}'))}"
            f"</td><td style='text-align:right'>{f:.4f}</td></tr>"
            for k, f in sorted(self.fractions().items()))
        converged = self.labels >= 1
        stable = float(np.mean(converged & self.stable)) if self.size else 0.0
        rows += (f"<tr><td style='text-align:left'>converged stably (U_η)</td>"
                 f"<td style='text-align:right'>{stable:.4f}</td></tr>"
                 f"<tr><td style='text-align:left'>converged unstably (V_η \\ U_η)</td>"
                 f"<td style='text-align:right'>"
                 f"{float(np.mean(converged)) - stable if self.size else 0.0:.4f}</td></tr>")
        png = self._repr_png_()
        image = "" if png is None else (
            "<img src='data:image/png;base64," + base64.b64encode(png).decode() + "'>")
        return (f"<div><p><b>{html.escape(self.loss_name)}</b>, η = "
                f"{html.escape(str(self.eta))}: {self.size} starts</p>"
                f"<table>{rows}</table>{image}</div>")

    def to_xarray(self, *, loss: Any = None, params: Any = None,
                  command: str | None = None) -> Any:
        """The map as a labelled :class:`xarray.Dataset` (needs the ``data`` extra).

        Dimensions are the parameters' names (coordinates: the grid axes) or ``point``
        for a list of points; η is a scalar coordinate; the regions, attractors, exact η
        and the provenance are attributes. See :mod:`symstab.dynamics.datasets`.

        Parameters
        ----------
        loss
            The loss (records its expression and parameter names).
        params
            Parameter names, if no loss is given.
        command
            The command line that produced the map.
        """
        from symstab.dynamics.datasets import basin_dataset

        return basin_dataset(self, loss=loss, params=params, command=command)

    @classmethod
    def from_xarray(cls, ds: Any) -> BasinMap:
        """The map stored in a dataset made by :meth:`to_xarray` (η comes back as a
        :class:`~symstab.inputs.StepSize`, regions as saved evidence records)."""
        from symstab.dynamics.datasets import basin_fields

        return cls(**basin_fields(ds))

    @staticmethod
    def stack_to_xarray(maps: Any, *, loss: Any = None, params: Any = None,
                        command: str | None = None) -> Any:
        """Maps of one grid at several step sizes as one :class:`xarray.Dataset` with
        dimensions η × grid (see :func:`symstab.dynamics.datasets.basin_stack_dataset`)."""
        from symstab.dynamics.datasets import basin_stack_dataset

        return basin_stack_dataset(maps, loss=loss, params=params, command=command)

    @classmethod
    def stack_from_xarray(cls, ds: Any) -> list[BasinMap]:
        """The maps of a dataset made by :meth:`stack_to_xarray`, one per η."""
        from symstab.dynamics.datasets import stack_fields

        return [cls(**fields) for fields in stack_fields(ds)]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no per-point arrays)."""
        grid: dict[str, Any]
        if self.axes is None:
            grid = {"kind": "points", "count": self.size, "dim": int(self.points.shape[1])}
        else:
            grid = {
                "kind": "grid",
                "axes": [
                    {"min": float(a[0]), "max": float(a[-1]), "count": int(a.size)}
                    for a in self.axes
                ],
                "shape": list(self.labels.shape),
            }
        stable_by_label = {
            str(k): float(np.mean(self.stable[self.labels == k])) for k in self.counts()
        }
        return {
            "loss": self.loss_name,
            "eta": str(self.eta),
            "grid": grid,
            "max_steps": int(self.max_steps),
            "divergence_bound": float(self.divergence_bound),
            "regions": [
                {
                    "label": self.region_labels[k],
                    "center": [float(c) for c in self.centers[k]],
                    "radius": float(self.radii[k]),
                    "monotone": bool(self.region_monotone[k]) if self.region_monotone else True,
                }
                for k in range(self.centers.shape[0])
            ] + [r.to_dict() for r in (self.regions or ())[self.centers.shape[0]:]],
            "counts": {str(k): v for k, v in self.counts().items()},
            "labels": label_evidence(self.labels, self.numerical, self.attractors()),
            "fractions": {str(k): v for k, v in self.fractions().items()},
            "certified_counts": {str(k): v for k, v in self.certified_counts().items()},
            "certified_fraction": self.certified_fraction(),
            "numerical_fraction": self.numerical_fraction(),
            "stable_fraction": self.stable_fraction(),
            "stability_open_fraction": self.open_fraction(),
            "stable_fraction_by_label": stable_by_label,
            "point_iterations": self.point_iterations,
            "seconds": float(self.seconds),
            "landing": None if self.landing is None else self.landing.to_dict(),
        }
