"""Basin maps and sweeps as labelled datasets (:mod:`xarray`), and as files.

:meth:`BasinMap.to_xarray <symstab.dynamics.basins.result.BasinMap.to_xarray>` and
:meth:`Sweep.to_xarray <symstab.dynamics.sweep.Sweep.to_xarray>` build their datasets
here, and their ``from_xarray`` read them back: every field of the result is kept, so a
result read back equals the one saved (the step size comes back as a
:class:`~symstab.inputs.StepSize`, the certified regions as :class:`SavedRegion`
records of their evidence). :mod:`symstab.dynamics.datafiles` stores them as files.

The layout (dimensions, variables, attributes) is described in ``docs/data.md``.
xarray, h5netcdf and zarr are the optional extra ``data`` (``pip install
'symstab[data]'``); they are imported only when a dataset is made or a file is read.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from symstab.dynamics.basins.labels import Attractor
from symstab.dynamics.landing import Landing
from symstab.errors import InputError
from symstab.evidence import Strength, Value
from symstab.inputs import StepSize

__all__ = [
    "EXTRA_HINT",
    "SavedRegion",
    "basin_dataset",
    "basin_fields",
    "basin_stack_dataset",
    "command_line",
    "require_xarray",
    "result_kind",
    "stack_fields",
    "sweep_dataset",
    "sweep_fields",
]

#: The extra that provides xarray and the file engines.
EXTRA_HINT = "install the 'data' extra: pip install 'symstab[data]'"
#: Names of the dataset's own variables and dimensions; a parameter of the same name gets
#: a trailing underscore as its dimension name.
RESERVED = frozenset({
    "labels", "stable", "steps", "stability_open", "numerical", "points", "point", "param",
    "region", "ball", "centers", "radii", "region_label", "region_monotone", "landed", "eta",
    "label", "counts", "n", "n_converged", "fraction", "ci_low", "ci_high", "confidence",
    "n_regions", "n_certified", "certified_fraction", "mws_length_normalised",
    "landing_start", "landing_limit", "landing_landed", "landing_lambda_max",
    "landing_error", "landing_steps",
})
BASIN_KIND = "basin map"
SWEEP_KIND = "sweep"
STACK_KIND = "basin map stack"


# --------------------------------------------------------------------------------------
# Optional dependencies
# --------------------------------------------------------------------------------------


def require_xarray(where: str = "--out") -> Any:
    """The xarray module, or an :class:`InputError` naming the ``data`` extra."""
    try:
        import xarray
    except ImportError:
        raise InputError(f"saving and reading results needs xarray: {EXTRA_HINT}",
                         where) from None
    return xarray


# --------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("symstab")
    except Exception:  # not installed as a distribution
        return "unknown"


def command_line(ctx: Any) -> str:
    """The command line that reproduces a click command: its name, arguments and every
    option with a value, defaults included (for the ``command`` attribute).

    Parameters
    ----------
    ctx
        A :class:`click.Context` (its ``command_path``, ``command.params`` and ``params``).
    """
    words = [*str(ctx.command_path).split()]
    options: list[str] = []
    for p in ctx.command.params:
        value = ctx.params.get(p.name)
        if getattr(p, "param_type_name", "") == "argument":
            words.append(str(value))
            continue
        if value is None or value is False:
            continue
        flag = max(p.opts, key=len)
        options += [flag] if value is True else [flag, str(value)]
    return shlex.join([*words, *options])


def _names(params: Sequence[str]) -> tuple[str, ...]:
    """Dimension names of the parameters (a reserved name gets a trailing underscore)."""
    out = []
    for p in params:
        name = str(p)
        while name in RESERVED or name in out:
            name += "_"
        out.append(name)
    return tuple(out)


def _default_params(n: int) -> tuple[str, ...]:
    return ("x",) if n == 1 else ("x", "y") if n == 2 else tuple(f"x{i + 1}" for i in range(n))


def _mpf_text(x: Any) -> str | None:
    if x is None:
        return None
    import mpmath

    return mpmath.nstr(x, 20) if isinstance(x, mpmath.mpf) else str(x)


def _region_evidence(region: Any) -> dict[str, Any]:
    """The evidence of one certified region as a JSON-ready dict."""
    if hasattr(region, "to_dict"):
        return region.to_dict()
    return {
        "label": int(region.label),
        "kind": "ball",
        "center": [_mpf_text(c) for c in region.center],
        "radius": _mpf_text(region.radius),
        "eta": sp.sstr(region.eta),
        "mu": _mpf_text(region.mu),
        "L": _mpf_text(region.L),
        "contraction": _mpf_text(region.contraction),
        "center_error": _mpf_text(region.center_error),
        "method": str(region.method),
        "monotone": bool(region.monotone),
        "inner_radius": _mpf_text(region.inner_radius),
        "decrease": _mpf_text(region.decrease),
        "decimals": "mpf values rounded to 20 significant digits",
    }


def _attractor(data: Mapping[str, Any]) -> Attractor:
    return Attractor(int(data["label"]), str(data["kind"]),
                     tuple(float(c) for c in data["point"]), bool(data["monotone"]))


@dataclass(frozen=True)
class SavedRegion:
    """A certified region read back from a saved result: its label and evidence.

    It records what was certified (``evidence``, as written by the run) but cannot test
    membership; recompute the regions to run GD against them again.

    Attributes
    ----------
    label
        The attractor label.
    monotone
        Whether descent is certified inside it.
    evidence
        The region's evidence (the dict saved in the ``regions`` attribute).
    attractor
        The attractor this region certifies, for the first region of each label.
    """

    label: int
    monotone: bool
    evidence: dict[str, Any] = field(hash=False)
    attractor: Attractor | None = None

    def to_dict(self) -> dict[str, Any]:
        """The saved evidence."""
        return dict(self.evidence)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, allow_nan=True, default=str)


# --------------------------------------------------------------------------------------
# Basin maps
# --------------------------------------------------------------------------------------


def basin_dataset(bmap: Any, *, loss: Any = None, params: Sequence[str] | None = None,
                  command: str | None = None) -> Any:
    """The :class:`xarray.Dataset` of a basin map (see ``docs/data.md`` for the layout).

    Parameters
    ----------
    bmap
        A :class:`~symstab.dynamics.basins.result.BasinMap`.
    loss
        The loss it was computed for (its expression and parameter names are recorded).
    params
        Parameter names (default: the loss' names, else ``x, y`` or ``x1, ..., xn``).
    command
        The command line that produced it (recorded as the ``command`` attribute).

    Returns
    -------
    xarray.Dataset
    """
    xr = require_xarray("to_xarray")
    n = int(bmap.points.shape[1])
    if params is None and loss is not None:
        params = [str(p) for p in loss.params]
    if params is None and bmap.landing is not None:
        params = [str(p) for p in bmap.landing.params]
    params = tuple(str(p) for p in params) if params is not None else _default_params(n)
    if len(params) != n:
        raise InputError(f"{len(params)} parameter names for a map in {n} dimensions",
                         "params")
    names = _names(params)
    step = StepSize.of(bmap.eta)
    coords: dict[str, Any] = {"eta": ((), step.as_float, {"exact": sp.sstr(step.exact)})}
    if bmap.axes is not None:
        dims = tuple(names[: len(bmap.axes)][::-1])
        for name, axis in zip(names, bmap.axes, strict=False):
            coords[name] = ((name,), np.asarray(axis, dtype=np.float64))
    else:
        dims = ("point",)
        for i, name in enumerate(names):
            coords[name] = (("point",), np.asarray(bmap.points[:, i], dtype=np.float64))
    data: dict[str, Any] = {
        "labels": (dims, np.asarray(bmap.labels), {
            "meaning": "-1 diverged, 0 undetermined, k >= 1 converged to attractor k"}),
        "stable": (dims, np.asarray(bmap.stable, dtype=bool), {
            "meaning": "the loss decreased strictly at every step taken"}),
        "steps": (dims, np.asarray(bmap.steps), {"meaning": "GD steps until the decision"}),
    }
    if bmap.stability_open is not None:
        data["stability_open"] = (dims, np.asarray(bmap.stability_open, dtype=bool), {
            "meaning": "certified label, monotone descent not decided within max_steps"})
    if bmap.numerical is not None:
        data["numerical"] = (dims, np.asarray(bmap.numerical, dtype=bool), {
            "meaning": "the label k >= 1 rests on the numerical criterion"})
    k = int(bmap.centers.shape[0])
    data["centers"] = (("ball", "param"),
                       np.asarray(bmap.centers, dtype=np.float64).reshape(k, n))
    data["radii"] = (("ball",), np.asarray(bmap.radii, dtype=np.float64).reshape(k))
    data["region_label"] = (("region",), np.asarray(bmap.region_labels or (),
                                                    dtype=np.int64).reshape(-1))
    if bmap.region_monotone:
        data["region_monotone"] = (("ball",), np.asarray(bmap.region_monotone, dtype=bool))
    attrs: dict[str, Any] = {
        "symstab_result": BASIN_KIND,
        "symstab_version": _version(),
        "command": command or "",
        "loss": str(bmap.loss_name),
        "loss_expression": "" if loss is None else sp.sstr(loss.expr),
        "params": _dumps(list(params)),
        "eta": sp.sstr(step.exact),
        "eta_given": str(bmap.eta),
        "grid": "axes" if bmap.axes is not None else "points",
        "max_steps": int(bmap.max_steps),
        "divergence_bound": float(bmap.divergence_bound),
        "value_tol": float(bmap.value_tol),
        "seconds": float(bmap.seconds),
        "attractors": _dumps([a.to_dict() for a in bmap.attractors()]),
        "numerical_attractors": _dumps([a.to_dict() for a in bmap.numerical_attractors]),
        "regions": _dumps(None if bmap.regions is None
                          else [_region_evidence(r) for r in bmap.regions]),
        "region_attractors": _dumps(_region_attractors(bmap)),
    }
    if bmap.axes is None:
        data["points"] = (("point", "param"), np.asarray(bmap.points, dtype=np.float64))
    if bmap.landing is not None:
        _landing_variables(bmap.landing, data, attrs)
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _region_attractors(bmap: Any) -> list[Any]:
    """Per region object: the attractor it certifies (first region of a label), or None."""
    out: list[Any] = []
    seen: set[int] = set()
    kinds = {a.label: a for a in bmap.attractors()}
    for r in bmap.regions or ():
        label = int(r.label)
        first = label not in seen and label in kinds
        seen.add(label)
        out.append(kinds[label].to_dict() if first else None)
    return out


def _landing_variables(landed: Landing, data: dict[str, Any], attrs: dict[str, Any]) -> None:
    dims = ("landed", "param")
    data["landing_start"] = (dims, np.asarray(landed.starts, dtype=np.float64))
    data["landing_limit"] = (dims, np.asarray(landed.limits, dtype=np.float64))
    data["landing_landed"] = (("landed",), np.asarray(landed.landed, dtype=bool))
    data["landing_lambda_max"] = (("landed",), np.asarray(landed.lambda_max, dtype=np.float64))
    data["landing_error"] = (("landed",), np.asarray(landed.error, dtype=np.float64))
    data["landing_steps"] = (("landed",), np.asarray(landed.steps))
    attrs["landing_tol"] = float(landed.tol)
    attrs["landing_max_steps"] = int(landed.max_steps)
    attrs["landing_eta"] = sp.sstr(StepSize.of(landed.eta).exact)
    attrs["landing_params"] = _dumps([str(p) for p in landed.params])


def _loads(ds: Any, key: str) -> Any:
    try:
        return json.loads(ds.attrs[key])
    except KeyError:
        raise InputError(f"not a symstab result: no attribute {key!r}", "dataset") from None


def result_kind(ds: Any) -> str:
    """``"basin map"``, ``"sweep"`` or ``"basin map stack"``: what a dataset holds (an
    InputError otherwise)."""
    kind = ds.attrs.get("symstab_result")
    if kind not in (BASIN_KIND, SWEEP_KIND, STACK_KIND):
        raise InputError("not a symstab result (no symstab_result attribute)", "dataset")
    return str(kind)


def _array(ds: Any, name: str) -> np.ndarray:
    return np.array(ds[name].values)


def basin_fields(ds: Any) -> dict[str, Any]:
    """The fields of a :class:`~symstab.dynamics.basins.result.BasinMap` from its dataset.

    Parameters
    ----------
    ds
        A dataset made by :func:`basin_dataset` (in memory or read from a file).

    Returns
    -------
    dict
        Keyword arguments of ``BasinMap``.
    """
    if result_kind(ds) != BASIN_KIND:
        raise InputError("the dataset holds a sweep, not a basin map", "dataset")
    params = _loads(ds, "params")
    names = _names(params)
    labels = _array(ds, "labels")
    if ds.attrs["grid"] == "axes":
        dims = ds["labels"].dims
        axes = tuple(np.array(ds[name].values, dtype=np.float64)
                     for name in names[: len(dims)])
        if len(axes) == 1:
            points = axes[0].reshape(-1, 1).copy()
        else:
            mesh = np.meshgrid(*axes[::-1], indexing="ij")
            points = np.ascontiguousarray(np.stack([m.ravel() for m in mesh[::-1]], axis=1))
    else:
        axes = None
        points = np.ascontiguousarray(_array(ds, "points").astype(np.float64))
    evidence = _loads(ds, "regions")
    owners = _loads(ds, "region_attractors")
    regions = None
    if evidence is not None:
        regions = tuple(
            SavedRegion(int(e["label"]), bool(e.get("monotone", True)), e,
                        _attractor(a) if a is not None else None)
            for e, a in zip(evidence, owners, strict=True))
    numerical_attractors = tuple(_attractor(a) for a in _loads(ds, "numerical_attractors"))
    landing = _landing(ds) if "landing_landed" in ds else None
    return {
        "labels": labels,
        "stable": _array(ds, "stable").astype(bool),
        "steps": _array(ds, "steps"),
        "points": points,
        "axes": axes,
        "eta": StepSize.of(str(ds.attrs["eta"]), "eta attribute"),
        "loss_name": str(ds.attrs["loss"]),
        "centers": np.ascontiguousarray(_array(ds, "centers").astype(np.float64)),
        "radii": np.ascontiguousarray(_array(ds, "radii").astype(np.float64)),
        "regions": regions,
        "region_labels": tuple(int(v) for v in _array(ds, "region_label")),
        "max_steps": int(ds.attrs["max_steps"]),
        "divergence_bound": float(ds.attrs["divergence_bound"]),
        "seconds": float(ds.attrs["seconds"]),
        "stability_open": (_array(ds, "stability_open").astype(bool)
                           if "stability_open" in ds else None),
        "region_monotone": (tuple(bool(v) for v in _array(ds, "region_monotone"))
                            if "region_monotone" in ds else ()),
        "numerical": _array(ds, "numerical").astype(bool) if "numerical" in ds else None,
        "value_tol": float(ds.attrs["value_tol"]),
        "landing": landing,
        "numerical_attractors": numerical_attractors,
    }


#: The per-point variables of a map (stacked over η in a stack of maps).
GRID_VARIABLES = ("labels", "stable", "steps", "stability_open", "numerical")
_PADDED = ("ball", "region", "landed")


def _filled(var: Any, sizes: Mapping[str, int], empty: bool = False) -> Any:
    """``var`` with each of its dimensions in ``sizes`` extended to that size, filled with
    NaN, 0 or False (all fill if ``empty``)."""
    kind = var.dtype.kind
    fill = np.nan if kind == "f" else False if kind == "b" else 0
    shape = tuple(sizes.get(d, var.sizes[d]) for d in var.dims)
    data = np.full(shape, fill, dtype=var.dtype)
    if not empty:
        data[tuple(slice(0, var.sizes[d]) for d in var.dims)] = var.values
    return (var.dims, data, var.attrs)


def basin_stack_dataset(maps: Sequence[Any], *, loss: Any = None,
                        params: Sequence[str] | None = None,
                        command: str | None = None) -> Any:
    """Basin maps of one grid at several step sizes as one dataset (dimensions η × grid).

    The per-point variables get a leading ``eta`` dimension (coordinate: η as float64);
    the regions and landing data, whose lengths differ between step sizes, are padded
    to the longest (NaN, 0 or False) with their lengths in ``n_ball``, ``n_region`` and
    ``n_landed``; each map's own attributes are in the JSON list ``maps``.

    Parameters
    ----------
    maps
        :class:`~symstab.dynamics.basins.result.BasinMap` objects over the same grid axes.
    loss, params, command
        As for :func:`basin_dataset`.

    Returns
    -------
    xarray.Dataset
    """
    xr = require_xarray("to_xarray")
    if not maps:
        raise InputError("no maps to stack", "maps")
    sets = [basin_dataset(m, loss=loss, params=params, command=command) for m in maps]
    first = sets[0]
    dims = first["labels"].dims
    for ds in sets:
        if ds.attrs["grid"] != "axes" or ds["labels"].dims != dims or not all(
                np.array_equal(ds[d].values, first[d].values) for d in dims):
            raise InputError("the maps to stack must be over the same grid axes", "maps")
    names = sorted({v for ds in sets for v in ds.data_vars})
    sizes = {d: max(ds.sizes.get(d, 0) for ds in sets) for d in _PADDED}
    sizes["param"] = first.sizes["param"]
    padded = []
    for ds in sets:
        data = {}
        for name in names:  # a variable absent from this map is all fill here
            var = ds[name] if name in ds else next(d[name] for d in sets if name in d)
            data[name] = _filled(var, sizes, empty=name not in ds)
        for d in _PADDED:
            data[f"n_{d}"] = ((), ds.sizes.get(d, 0))
        coords = {d: ds[d] for d in dims}
        coords["eta"] = ds["eta"]
        padded.append(xr.Dataset(data, coords=coords))
    stack = xr.concat(padded, dim="eta")
    stack.attrs = {key: first.attrs[key] for key in (
        "symstab_version", "command", "loss", "loss_expression", "params", "grid")}
    stack.attrs["symstab_result"] = STACK_KIND
    stack.attrs["maps"] = _dumps([{**ds.attrs, "variables": {
        name: str(var.dtype) for name, var in ds.data_vars.items()}} for ds in sets])
    return stack


def stack_fields(ds: Any) -> list[dict[str, Any]]:
    """The fields of each map of a stack made by :func:`basin_stack_dataset`.

    Returns
    -------
    list of dict
        Keyword arguments of ``BasinMap``, one per η.
    """
    if ds.attrs.get("symstab_result") != STACK_KIND:
        raise InputError("not a stack of basin maps", "dataset")
    out = []
    for j, attrs in enumerate(_loads(ds, "maps")):
        one = ds.isel(eta=j)
        counts = {d: int(one[f"n_{d}"]) for d in _PADDED}
        keep = attrs.pop("variables")  # {name: dtype in the map}
        one = one.drop_vars([v for v in one.data_vars if v not in keep])
        one = one.isel({d: slice(0, counts[d]) for d in _PADDED if d in one.dims})
        one = one.astype(keep)
        one.attrs = attrs
        out.append(basin_fields(one))
    return out


def _landing(ds: Any) -> Landing:
    return Landing(
        eta=StepSize.of(str(ds.attrs["landing_eta"]), "landing_eta attribute"),
        params=tuple(_loads(ds, "landing_params")),
        starts=np.ascontiguousarray(_array(ds, "landing_start").astype(np.float64)),
        limits=np.ascontiguousarray(_array(ds, "landing_limit").astype(np.float64)),
        landed=_array(ds, "landing_landed").astype(bool),
        lambda_max=_array(ds, "landing_lambda_max").astype(np.float64),
        error=_array(ds, "landing_error").astype(np.float64),
        steps=_array(ds, "landing_steps"),
        tol=float(ds.attrs["landing_tol"]),
        max_steps=int(ds.attrs["landing_max_steps"]),
    )


# --------------------------------------------------------------------------------------
# Sweeps
# --------------------------------------------------------------------------------------


def _value_dict(v: Value | None) -> dict[str, Any] | None:
    if v is None:
        return None
    out = v.to_dict()
    out["latex"] = v.latex
    return out


def _value(d: Mapping[str, Any] | None) -> Value | None:
    if d is None:
        return None
    enclosure = d.get("enclosure")
    return Value(decimal=str(d["decimal"]), strength=Strength(d["strength"]),
                 digits=int(d["digits"]), exact=d.get("exact"), latex=d.get("latex"),
                 enclosure=tuple(enclosure) if enclosure is not None else None,
                 note=str(d.get("note", "")))


def _optional_int(values: Sequence[int | None]) -> np.ndarray:
    return np.array([-1 if v is None else int(v) for v in values], dtype=np.int64)


def sweep_dataset(result: Any, *, loss: Any = None, command: str | None = None) -> Any:
    """The :class:`xarray.Dataset` of an η-sweep (see ``docs/data.md`` for the layout).

    Parameters
    ----------
    result
        A :class:`~symstab.dynamics.sweep.Sweep`.
    loss
        The loss it was computed for (its expression and parameter names are recorded).
    command
        The command line that produced it.

    Returns
    -------
    xarray.Dataset
    """
    xr = require_xarray("to_xarray")
    pts = list(result.points)
    labels = sorted({k for p in pts for k in p.counts})
    counts = np.array([[p.counts.get(k, 0) for k in labels] for p in pts],
                      dtype=np.int64).reshape(len(pts), len(labels))
    etas = [p.eta for p in pts]
    coords = {
        "eta": (("eta",), np.array([float(e) for e in etas], dtype=np.float64),
                {"meaning": "step size (the exact values are in the eta_exact attribute)"}),
        "label": (("label",), np.array(labels, dtype=np.int64)),
    }
    normalised = dict(result.mws_length_normalised or ())
    data = {
        "n": (("eta",), np.array([p.n for p in pts], dtype=np.int64)),
        "n_converged": (("eta",), np.array([p.n_converged for p in pts], dtype=np.int64)),
        "fraction": (("eta",), np.array([p.fraction for p in pts], dtype=np.float64)),
        "ci_low": (("eta",), np.array([p.ci_low for p in pts], dtype=np.float64)),
        "ci_high": (("eta",), np.array([p.ci_high for p in pts], dtype=np.float64)),
        "confidence": (("eta",), np.array([p.confidence for p in pts], dtype=np.float64)),
        "counts": (("eta", "label"), counts),
        "n_regions": (("eta",), _optional_int([p.n_regions for p in pts]),
                      {"meaning": "-1: numerical criterion, no certified regions"}),
        "n_certified": (("eta",), _optional_int([p.n_certified for p in pts]),
                        {"meaning": "-1: numerical criterion, no certified regions"}),
        "certified_fraction": (("eta",), np.array(
            [np.nan if p.certified_fraction is None else p.certified_fraction for p in pts],
            dtype=np.float64)),
        "mws_length_normalised": (("eta",), np.array(
            [np.nan if normalised.get(e) is None else normalised[e] for e in etas],
            dtype=np.float64), {"meaning": "|M_WS(eta)| / |M_WS(first eta)|; NaN: none"}),
    }
    attrs = {
        "symstab_result": SWEEP_KIND,
        "symstab_version": _version(),
        "command": command or "",
        "loss": str(result.loss_name),
        "loss_expression": "" if loss is None else sp.sstr(loss.expr),
        "params": _dumps(None if loss is None else [str(p) for p in loss.params]),
        "eta_exact": _dumps([sp.sstr(e) for e in etas]),
        "sampler": str(result.sampler),
        "criterion": str(result.criterion),
        "strength": str(result.strength),
        "max_steps": int(result.max_steps),
        "divergence_bound": float(result.divergence_bound),
        "seconds": float(result.seconds),
        "mws_length": _dumps(None if result.mws_length is None else [
            {"eta": sp.sstr(e), "length": _value_dict(v)} for e, v in result.mws_length]),
        "mws_length_normalised": _dumps(None if result.mws_length_normalised is None else [
            {"eta": sp.sstr(e), "value": v} for e, v in result.mws_length_normalised]),
        "eta_critical": _dumps(_value_dict(result.eta_critical)),
        "landing": _dumps([p.landing for p in pts]),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _exact(text: str) -> sp.Expr:
    return StepSize.of(str(text), "eta attribute").exact


def sweep_fields(ds: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The fields of a :class:`~symstab.dynamics.sweep.Sweep` and of its points.

    Parameters
    ----------
    ds
        A dataset made by :func:`sweep_dataset`.

    Returns
    -------
    (dict, list of dict)
        Keyword arguments of ``Sweep`` (without ``points``) and of each ``SweepPoint``.
    """
    if result_kind(ds) != SWEEP_KIND:
        raise InputError("the dataset holds a basin map, not a sweep", "dataset")
    etas = [_exact(e) for e in _loads(ds, "eta_exact")]
    labels = [int(k) for k in _array(ds, "label")]
    counts = _array(ds, "counts").reshape(len(etas), len(labels))
    landing = _loads(ds, "landing")
    n_regions = _array(ds, "n_regions")
    n_certified = _array(ds, "n_certified")
    points = []
    for j, eta in enumerate(etas):
        points.append({
            "eta": eta,
            "n": int(ds["n"].values[j]),
            "n_converged": int(ds["n_converged"].values[j]),
            "fraction": float(ds["fraction"].values[j]),
            "ci_low": float(ds["ci_low"].values[j]),
            "ci_high": float(ds["ci_high"].values[j]),
            "confidence": float(ds["confidence"].values[j]),
            "counts": {k: int(c) for k, c in zip(labels, counts[j], strict=True) if c},
            "n_regions": None if n_regions[j] < 0 else int(n_regions[j]),
            "n_certified": None if n_certified[j] < 0 else int(n_certified[j]),
            "landing": landing[j],
        })
    mws = _loads(ds, "mws_length")
    norm = _loads(ds, "mws_length_normalised")
    fields = {
        "loss_name": str(ds.attrs["loss"]),
        "sampler": str(ds.attrs["sampler"]),
        "criterion": str(ds.attrs["criterion"]),
        "strength": Strength(str(ds.attrs["strength"])),
        "max_steps": int(ds.attrs["max_steps"]),
        "divergence_bound": float(ds.attrs["divergence_bound"]),
        "mws_length": None if mws is None else tuple(
            (_exact(m["eta"]), _value(m["length"])) for m in mws),
        "mws_length_normalised": None if norm is None else tuple(
            (_exact(m["eta"]), None if m["value"] is None else float(m["value"]))
            for m in norm),
        "eta_critical": _value(_loads(ds, "eta_critical")),
        "seconds": float(ds.attrs["seconds"]),
    }
    return fields, points
