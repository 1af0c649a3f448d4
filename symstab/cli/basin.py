"""``symstab basin``: a basin map of GD over a grid, with a high-precision recheck and,
on request, a certified lower bound on the converging measure of the grid's window."""

from __future__ import annotations

import json
from typing import Any

import click

from symstab.cli.options import (
    bounded_option,
    dask_client,
    eta_option,
    grid_option,
    plot_path_option,
)

#: Default bisections of a failing cell for ``--certified-measure``.
MEASURE_DEPTH = 3

#: The grid used without ``--grid``, by the number of parameters (beyond 3: ``--grid``
#: is required).
DEFAULT_GRIDS = {1: "-3,3,400", 2: "-3,3,200;-3,3,200", 3: "-3,3,40;-3,3,40;-3,3,40"}


def default_grid(grid_text: str | None, n: int) -> str:
    """``grid_text``, or the default grid for ``n`` parameters (an input error beyond 3)."""
    from symstab.errors import InputError

    if grid_text is not None:
        return grid_text
    if n not in DEFAULT_GRIDS:
        raise InputError(f"the loss has {n} parameters: give --grid with {n} ';'-separated "
                         "'min,max,count' (no default grid beyond 3 parameters)", "--grid")
    return DEFAULT_GRIDS[n]


def grid_text_of(grid: Any) -> str:
    """The grid in words, e.g. ``[-3, 3]² with 200 points per axis``."""
    sides = {(lo, hi) for lo, hi, _ in grid}
    counts = {count for _, _, count in grid}
    if len(sides) == 1 and len(counts) == 1 and len(grid) > 1:
        lo, hi = sides.pop()
        return f"[{lo:g}, {hi:g}]^{len(grid)}, {counts.pop()} points per axis"
    return " x ".join(f"[{lo:g}, {hi:g}] ({count})" for lo, hi, count in grid)


#: The rows of the basin table, in plain words.
STABLE_TEXT = "converged stably (U_η)"
UNSTABLE_TEXT = "converged unstably (V_η \\ U_η)"
LEGEND = "  (stably: the loss fell at every step; unstably: it rose at some step)"


@click.command(name="basin")
@click.argument("loss")
@click.option("--params", default=None, help="Parameter names in order, e.g. 'x,y'.")
@click.option("--eta", required=True, help="Step size, exact: 0.5, 1/2, 10/19.")
@click.option("--grid", "grid_text", default=None,
              help="Per parameter 'min,max,count', separated by ';'. Default: [-3, 3] with "
                   "400 points (1 parameter), 200 per axis (2), 40 per axis (3); required "
                   "beyond 3 parameters.")
@click.option("--max-steps", default=10_000, show_default=True, help="Step budget per point.")
@click.option("--certified-measure", "measure", is_flag=True,
              help="Also prove lower bounds on the converging and stably converging "
                   "fractions of the grid's window (cells propagated through GD in interval "
                   "arithmetic into certified regions).")
@click.option("--measure-depth", default=MEASURE_DEPTH, show_default=True,
              help="With --certified-measure: bisections of a cell that fails (each one "
                   "quarters the cells' area in 2-D; more is tighter and slower).")
@click.option("--landing", is_flag=True,
              help="Also run the converging starts until they settle and report where "
                   "they land: the distribution of eta*lambda_max/2 at the limit "
                   "(numerical).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
              help="Save the basin map figure (PNG/SVG/PDF) here.")
@click.option("--scheduler", default=None, help="Dask scheduler address (default: local).")
@click.option("--workers", default=0, show_default=True,
              help="Start a local Dask cluster with this many workers (0: no cluster).")
@click.option("--out", "out_path", default=None, type=click.Path(),
              help="Save the map as a labelled dataset: FILE.nc (netCDF) or FILE.zarr "
                   "(Zarr directory); read it back with 'symstab show'. The map runs in "
                   "tiles of grid rows (on the cluster with --scheduler/--workers), each "
                   "kept beside FILE as it finishes until the map is complete.")
@click.option("--resume", is_flag=True,
              help="With --out: reuse the finished tiles of an interrupted run of the "
                   "same map and compute only the rest.")
@click.option("--tile", default=262_144, show_default=True,
              help="With --out: grid points per tile (rounded to whole rows; per task on "
                   "a cluster).")
@click.option("--certificate", default=None, metavar="FILE",
              help="Write the certified regions (trapping balls) the map stopped in as a "
                   "certificate (check it with symstab-verify FILE).")
def command(loss: str, params: str | None, eta: str, grid_text: str | None, max_steps: int,
            measure: bool, measure_depth: int, landing: bool, fmt: str,
            plot_path: str | None,
            scheduler: str | None, workers: int, out_path: str | None,
            resume: bool, tile: int, certificate: str | None = None) -> None:
    """Basin map of GD on LOSS over a grid (float64 kernel, certified early stop).

    Labels: k >= 1 entered the certified trapping region of minimum k (or of piece k
    of a manifold of minima; 'numerical' where only the numerical criterion decided),
    -1 diverged, 0 undetermined; 'stable' = the loss fell at every step (Chen's U_η). With
    --certified-measure, certified lower bounds on the fractions of the window
    [min, max] x ... that converge (and converge stably) are printed beside the sampled
    ones.
    """
    from symstab.dynamics.basins import basin_map, recheck
    from symstab.loss import load_loss

    the_loss = load_loss(loss, params)
    step = eta_option(eta)
    grid = grid_option(default_grid(grid_text, the_loss.n), the_loss.n)
    bounded_option(max_steps, "max-steps", 1, 10_000_000)
    bounded_option(measure_depth, "measure-depth", 0, 12)
    plot_target = plot_path_option(plot_path) if plot_path else None  # before any work
    if certificate is not None:
        from symstab.certificates import certificate_path

        certificate_path(certificate)
    if out_path:
        from symstab.dynamics.datafiles import check_output

        check_output(out_path)
    bounded_option(tile, "tile", 1, 100_000_000)
    if resume and not out_path:
        from symstab.errors import InputError

        raise InputError("--resume needs --out (the file whose tiles are resumed)", "--resume")
    client = dask_client(scheduler, workers)
    store = None
    try:
        if out_path:
            from symstab.dynamics.resume import TileStore, tiled_basin_map

            store = TileStore(out_path, resume=resume)
            bmap, _ = tiled_basin_map(the_loss, step, grid, store, max_steps=max_steps,
                                      landing=landing, client=client, tile=tile)
        else:
            bmap = basin_map(the_loss, step, grid, max_steps=max_steps, client=client,
                             landing=landing)
    finally:
        if client is not None:
            client.close()
    if out_path:
        from symstab.dynamics.datafiles import write_dataset
        from symstab.dynamics.datasets import command_line
        from symstab.dynamics.resume import discard_tiles

        write_dataset(bmap.to_xarray(loss=the_loss, command=command_line(
            click.get_current_context())), out_path)
        discard_tiles(out_path)
        click.echo(f"saved {out_path}: {store.summary()}", err=True)
    disagreements = recheck(bmap, the_loss, n=10, dps=50)
    bound = None
    if measure:
        from symstab.certify import certified_measure
        from symstab.errors import InputError

        try:
            bound = certified_measure(the_loss, step, [(lo, hi) for lo, hi, _ in grid],
                                      max_depth=measure_depth)
        except InputError as exc:
            raise InputError(exc.problem, "--certified-measure") from None
    if plot_path:
        from symstab.plot import basin_figure

        basin_figure(bmap, path=plot_target)
    if certificate is not None:
        _write_certificate(the_loss, step, bmap, certificate)
    if fmt == "json":
        data = bmap.to_dict()
        data["recheck"] = {"n": 10, "dps": 50, "disagreements": disagreements}
        if bound is not None:
            data["certified_measure"] = {**bound.to_dict(), "sampled": _sampled(bmap)}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    import textwrap

    # a no-break space keeps the time and its unit on one line; plain again once wrapped
    header = textwrap.fill(f"{the_loss.name} at η = {step}: {bmap.labels.size} starting "
                           f"points on {grid_text_of(grid)}, {bmap.seconds:.3f}\u00a0s", 80,
                           subsequent_indent="    ", break_long_words=False)
    click.echo(header.replace("\u00a0", " "))
    kinds = {a.label: a.kind for a in bmap.attractors()}
    where = {a.label: "(" + ", ".join(f"{c:.4g}" for c in a.point) + ")"
             for a in bmap.attractors()}
    names = {"piece of minima": "piece {} of the minima", "degenerate minimum":
             "degenerate min. {}"}
    certified = bmap.certified_counts()
    size = bmap.labels.size
    rows = []
    for label, fraction in sorted(bmap.fractions().items()):
        name = {-1: "diverged", 0: "undetermined"}.get(
            label, names.get(kinds.get(label, ""), "minimum {}").format(label))
        if label > 0 and label in where and kinds.get(label) != "piece of minima":
            name += f" at {where[label]}"
        rows.append((label, fraction, name))
    width = max([len(UNSTABLE_TEXT)] + [len(name) for _, _, name in rows])
    for label, fraction, name in rows:
        line = f"  {name:{width}s} {fraction:.4f}"
        if label > 0 and certified.get(label, 0) < round(fraction * size):
            line += (f"   (certified {certified.get(label, 0) / size:.4f}, numerical "
                     f"{fraction - certified.get(label, 0) / size:.4f})")
        click.echo(line)
    bare = [str(r.label) for r in bmap.regions or () if hasattr(r, "levels") and not r.levels]
    if bare:
        click.echo(f"  no certified tube around piece {', '.join(bare)} of M at this η: no cell "
                   "has η·λmax < 2\n  and a positive PL constant (λmax >= 2/η on the piece, "
                   "or too close to it\n  for the grid); labels there are numerical")
    converged = bmap.labels > 0
    u_eta = float((converged & bmap.stable).mean())
    click.echo(f"  {STABLE_TEXT:{width}s} {u_eta:.4f}")
    click.echo(f"  {UNSTABLE_TEXT:{width}s} {float(converged.mean()) - u_eta:.4f}")
    click.echo(LEGEND)
    click.echo(f"  high-precision recheck of 10 points at 50 digits: "
               f"{len(disagreements)} disagreement(s)")
    if bmap.landing is not None:
        _echo_landing(bmap.landing)
    if bound is not None:
        from symstab.certify.measure import floor_decimal

        sampled = _sampled(bmap)
        click.echo(f"certified lower bounds on {bound.window_text()} (interval arithmetic, "
                   f"{bound.tried} cells, {bound.seconds:.1f} s"
                   + ("" if bound.complete else ", budget exhausted") + "):")
        for key, name, value in (("converging", "V_η (converging)", bound.converging),
                                 ("stable", "U_η (stable)", bound.stable)):
            s = sampled[key]
            click.echo(f"  {name:17s} >= {floor_decimal(value)}   sampled {s['fraction']:.4f}"
                       f" (Wilson 95% [{s['wilson'][0]:.4f}, {s['wilson'][1]:.4f}])")
        if not bound.regions:
            click.echo("  no certified region at this step size: nothing can be proved")


def _echo_landing(landed: Any) -> None:
    """Where the converging orbits land, in a few lines of at most 80 columns."""
    data = landed.to_dict()
    hist = data["histogram"]
    click.echo(f"where they land (numerical: GD until the step < {landed.tol:g}, "
               f"{hist['landed']} landed, {hist['not_landed']} not):")
    q = data["ratio_quantiles"]
    if q is None:
        return
    click.echo(f"  eta*lambda_max/2 at the limit: min {q['min']:.4f}  median "
               f"{q['median']:.4f}  max {q['max']:.4f}  (above 1: {hist['above_one']})")
    balance = data.get("balance")
    if balance is not None and balance["quantiles"] is not None:
        b = balance["quantiles"]
        click.echo(f"  balance {balance['quantity']}: median {b['median']:.4f}, "
                   f"max {b['max']:.4f}")


def _sampled(bmap: Any) -> dict[str, Any]:
    """The sampled converging and stable fractions of a basin map, with Wilson intervals."""
    import numpy as np

    from symstab.evidence import wilson_interval

    labels = np.asarray(bmap.labels) > 0
    n = int(labels.size)
    out = {}
    for key, mask in (("converging", labels), ("stable", labels & np.asarray(bmap.stable))):
        k = int(mask.sum())
        low, high = wilson_interval(k, n, 0.95)
        out[key] = {"count": k, "points": n, "fraction": k / n, "wilson": [low, high],
                    "confidence": 0.95}
    return out


def _write_certificate(loss: Any, step: Any, bmap: Any, path: str) -> None:
    """The map's trapping balls as ``trapping-ball`` items, and the sampled label
    fractions as an ``evidence`` item (a grid is a sample: not a proof)."""
    from symstab.certificates import (
        bundle,
        evidence_item,
        trapping_ball_items,
        write_certificate,
    )
    from symstab.errors import InputError

    notes = []
    try:
        items = trapping_ball_items(loss, step.exact, regions=bmap.regions or ())
    except (InputError, TypeError, ValueError) as exc:
        items, notes = [], [f"the regions are not exported: {exc}"]
    items.append(evidence_item(f"basin/{loss.name}", "statistical",
                               "labels of the grid starts (float64, certified early stop)",
                               n=int(bmap.labels.size), fractions=_sampled(bmap)))
    write_certificate(path, bundle(items, notes=notes))
    click.echo(f"certificate: {len(items)} item(s) written to {path}", err=True)
