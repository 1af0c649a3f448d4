"""``symstab sweep``: the fraction of converging initialisations against η."""

from __future__ import annotations

import json
import textwrap

import click

from symstab.cli.options import bounded_option, dask_client, etas_option, grid_option


@click.command(name="sweep")
@click.argument("loss")
@click.option("--params", default=None, help="Parameter names in order, e.g. 'x,y'.")
@click.option("--etas", required=True, help="'start:stop:count' or '0.3,0.6,1.1' (exact).")
@click.option("--box", default=None, help="Sampling box per parameter 'lo,hi;lo,hi' "
              "(default [-3,3] each).")
@click.option("-n", "--samples", default=2000, show_default=True, help="Initialisations.")
@click.option("--max-steps", default=5000, show_default=True, help="Step budget per point.")
@click.option("--seed", default=0, show_default=True, help="Sampling seed.")
@click.option("--scheduler", default=None, help="Dask scheduler address (default: local).")
@click.option("--workers", default=0, show_default=True,
              help="Start a local Dask cluster with this many workers (0: no cluster).")
@click.option("--landing", is_flag=True,
              help="Also report where the converging starts land: the median of "
                   "eta*lambda_max/2 at the limit (numerical; histogram in JSON).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--out", "out_path", default=None, type=click.Path(),
              help="Save the sweep as a labelled dataset: FILE.nc (netCDF) or FILE.zarr "
                   "(Zarr directory); read it back with 'symstab show'. Each finished tile "
                   "(one η x --tile samples) is kept beside FILE until the sweep is "
                   "complete.")
@click.option("--resume", is_flag=True,
              help="With --out: reuse the finished tiles of an interrupted run of the "
                   "same sweep and compute only the rest.")
@click.option("--tile", default=8192, show_default=True,
              help="Samples per tile (per task on a cluster).")
def command(loss: str, params: str | None, etas: str, box: str | None, samples: int,
            max_steps: int, seed: int, scheduler: str | None, workers: int, landing: bool,
            fmt: str, out_path: str | None, resume: bool, tile: int) -> None:
    """Fraction of converging initialisations against η, with 95% Wilson intervals.

    Each start is labelled by the classifier of the basin maps: 'certified' is the
    fraction that entered a certified region (a ball around a minimum, or a tube around
    a manifold of minima); the rest of 'converged' rests on the numerical criterion.
    For manifolds of minima that are curves it also reports the length of M_WS(η),
    normalised to its value at the first η (Crăciun & Ghoshdastidar, Fig. 2).
    """
    from symstab.dynamics.sweep import sweep as run_sweep
    from symstab.dynamics.sweep import uniform_box_sampler
    from symstab.loss import load_loss

    the_loss = load_loss(loss, params)
    step_sizes = etas_option(etas)
    if box is None:
        bounds = tuple((-3.0, 3.0) for _ in range(the_loss.n))
    else:
        bounds = tuple((lo, hi) for lo, hi, _ in grid_option(
            ";".join(f"{g},1" for g in box.split(";")), the_loss.n))
    bounded_option(samples, "samples", 1, 10_000_000)
    bounded_option(max_steps, "max-steps", 1, 10_000_000)
    bounded_option(tile, "tile", 1, 10_000_000)
    store = None
    if out_path:
        from symstab.dynamics.datafiles import check_output
        from symstab.dynamics.resume import TileStore

        check_output(out_path)
        store = TileStore(out_path, resume=resume)
    elif resume:
        from symstab.errors import InputError

        raise InputError("--resume needs --out (the file whose tiles are resumed)", "--resume")
    client = dask_client(scheduler, workers)
    try:
        result = run_sweep(the_loss, list(step_sizes),
                           uniform_box_sampler(bounds, seed), samples,
                           max_steps=max_steps, client=client, show_progress=fmt == "table",
                           landing=landing, chunk=tile, tiles=store)
    finally:
        if client is not None:
            client.close()
    if out_path:
        from symstab.dynamics.datafiles import write_dataset
        from symstab.dynamics.datasets import command_line
        from symstab.dynamics.resume import discard_tiles

        write_dataset(result.to_xarray(loss=the_loss, command=command_line(
            click.get_current_context())), out_path)
        discard_tiles(out_path)
        click.echo(f"saved {out_path}: {store.summary()}", err=True)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
        return
    normalised = dict(result.mws_length_normalised or ())
    sides = [f"[{lo:g}, {hi:g}]" for lo, hi in bounds]
    box_text = (f"{sides[0]}^{len(sides)}" if len(set(sides)) == 1 and len(sides) > 1
                else " x ".join(sides))
    click.echo(textwrap.fill(f"{the_loss.name}: {samples} initialisations in {box_text}", 80))
    click.echo(textwrap.fill(f"criterion: {result.criterion}", 80, subsequent_indent="  "))
    head = (f"{'eta':>10s} {'converged':>9s} {'95% Wilson CI':>17s} {'certified':>9s} "
            f"{'M_WS norm.':>10s}")
    click.echo(head + (f" {'ηλ∞/2 med':>10s}" if landing else ""))
    for p in result.points:
        ws = normalised.get(p.eta)
        cert = p.certified_fraction
        line = (f"{p.eta!s:>10s} {p.fraction:9.4f} {f'[{p.ci_low:.4f}, {p.ci_high:.4f}]':>17s} "
                + (f"{cert:9.4f} " if cert is not None else f"{'—':>9s} ")
                + (f"{ws:10.4f}" if ws is not None else f"{'—':>10s}"))
        if landing:
            q = (p.landing or {}).get("ratio_quantiles")
            line += f" {q['median']:10.4f}" if q else f" {'—':>10s}"
        click.echo(line)
    if normalised:
        click.echo("M_WS norm.: length of the weakly stable minima (λmax <= 2/η) on the "
                   "curve,\n  over its length at the first η")
    if result.eta_critical is not None:
        click.echo(f"exact critical η (no minimum stable beyond it): {result.eta_critical}")
