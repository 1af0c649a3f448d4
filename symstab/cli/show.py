"""``symstab show``: the summary of a saved basin map or sweep, and its figure, read from
the file written by ``--out`` (nothing is recomputed)."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import click

from symstab.cli.options import plot_path_option


@click.command(name="show")
@click.argument("path", metavar="FILE", type=click.Path())
@click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
              help="Draw the saved result (PNG/SVG/PDF) here.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def command(path: str, plot_path: str | None, fmt: str) -> None:
    """Summary of a result saved with 'symstab basin --out FILE' or 'symstab sweep --out
    FILE' (FILE.nc or FILE.zarr), without recomputing it.
    """
    from symstab.dynamics.basins.result import BasinMap
    from symstab.dynamics.datafiles import read_dataset
    from symstab.dynamics.datasets import BASIN_KIND, STACK_KIND, result_kind
    from symstab.dynamics.sweep import Sweep

    if plot_path:
        plot_path = plot_path_option(plot_path)
    ds = read_dataset(path)
    kind = result_kind(ds)
    if kind == STACK_KIND:
        _show_stack(BasinMap.stack_from_xarray(ds), plot_path, fmt)
        return
    result: Any = BasinMap.from_xarray(ds) if kind == BASIN_KIND else Sweep.from_xarray(ds)
    if plot_path:
        from symstab.plot import basin_figure, sweep_figure

        draw = basin_figure if kind == BASIN_KIND else sweep_figure
        draw(result, path=plot_path)
    if fmt == "json":
        data = {"file": str(path), "symstab_version": ds.attrs.get("symstab_version", ""),
                "command": ds.attrs.get("command", ""), "result": kind,
                **result.to_dict()}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    click.echo(textwrap.fill(f"{kind} saved by symstab {ds.attrs.get('symstab_version', '?')}"
                             + (f": {ds.attrs['command']}" if ds.attrs.get("command") else ""),
                             80, subsequent_indent="  "))
    if kind == BASIN_KIND:
        _echo_map(result)
    else:
        _echo_sweep(result)


def _show_stack(maps: list[Any], plot_path: str | None, fmt: str) -> None:
    """The summary of each map of a stack over η."""
    if plot_path:
        from symstab.errors import InputError

        raise InputError("a stack of maps has one figure per η: load it in Python and "
                         "draw the maps with symstab.plot.basin_figure", "--plot")
    if fmt == "json":
        click.echo(json.dumps([m.to_dict() for m in maps], indent=2, ensure_ascii=False,
                              default=str))
        return
    click.echo(f"stack of {len(maps)} basin maps over η")
    for bmap in maps:
        _echo_map(bmap)


def _echo_map(bmap: Any) -> None:
    """The fractions per label, U_η and V_η − U_η of a basin map."""
    shape = " x ".join(str(s) for s in bmap.labels.shape[::-1])
    grid = f"grid {shape}, " if bmap.axes is not None else ""
    click.echo(f"{bmap.loss_name} at η = {bmap.eta}: {grid}{bmap.size} points, "
               f"max {bmap.max_steps} steps")
    kinds = {a.label: a.kind for a in bmap.attractors()}
    names = {"piece of minima": "piece {} of M", "degenerate minimum": "degenerate min. {}"}
    certified = bmap.certified_counts()
    size = bmap.size
    for label, fraction in sorted(bmap.fractions().items()):
        name = {-1: "diverged", 0: "undetermined"}.get(
            label, names.get(kinds.get(label, ""), "minimum {}").format(label))
        line = f"  {name:17s} {fraction:.4f}"
        if label > 0 and certified.get(label, 0) < round(fraction * size):
            line += (f"   (certified {certified.get(label, 0) / size:.4f}, numerical "
                     f"{fraction - certified.get(label, 0) / size:.4f})")
        click.echo(line)
    converged = bmap.labels > 0
    u_eta = float((converged & bmap.stable).mean()) if size else 0.0
    v_eta = float(converged.mean()) if size else 0.0
    click.echo(f"  U_η (stable convergence)           {u_eta:.4f}")
    click.echo(f"  V_η minus U_η (unstable convergence) {v_eta - u_eta:.4f}")
    if bmap.landing is not None:
        hist = bmap.landing.histogram()
        click.echo(f"  landing data: {hist['landed']} landed, {hist['not_landed']} not")


def _echo_sweep(result: Any) -> None:
    """The converging fraction per η with its Wilson interval."""
    click.echo(textwrap.fill(f"{result.loss_name}: {result.points[0].n if result.points else 0}"
                             f" initialisations, {result.sampler}", 80,
                             subsequent_indent="  "))
    click.echo(textwrap.fill(f"criterion: {result.criterion}", 80, subsequent_indent="  "))
    normalised = dict(result.mws_length_normalised or ())
    conf = result.points[0].confidence if result.points else 0.95
    ci = f"{round(100 * conf)}% Wilson CI"
    click.echo(f"{'eta':>10s} {'converged':>9s} {ci:>17s} {'certified':>9s} {'M_WS norm.':>10s}")
    for p in result.points:
        ws = normalised.get(p.eta)
        cert = p.certified_fraction
        click.echo(f"{p.eta!s:>10s} {p.fraction:9.4f} "
                   f"{f'[{p.ci_low:.4f}, {p.ci_high:.4f}]':>17s} "
                   + (f"{cert:9.4f} " if cert is not None else f"{'—':>9s} ")
                   + (f"{ws:10.4f}" if ws is not None else f"{'—':>10s}"))
    if result.eta_critical is not None:
        click.echo(f"exact critical η (no minimum stable beyond it): {result.eta_critical}")
