"""``symstab orbits``: periodic orbits of GD on a loss at one step size.

Lists the orbits of each requested period with their status (``exact`` for period 2 of a
polynomial loss at a rational η, ``certified`` by the Krawczyk test, or ``unknown``),
their stability and their points; ``--plot`` draws them in the plane (2-D losses).
"""

from __future__ import annotations

import json
from typing import Any

import click

from symstab.cli.options import (
    bounded_option,
    box_option,
    eta_option,
    periods_option,
    plot_path_option,
    timeout_option,
)
from symstab.errors import BudgetExceeded, InputError


@click.command(name="orbits")
@click.argument("loss")
@click.option("--params", default=None, help="Parameter names in order, e.g. 'x,y'.")
@click.option("--eta", required=True, help="Step size, exact: 1.9, 19/10.")
@click.option("--period", "period_text", default="2", show_default=True,
              help="Period, or a comma list such as '2,3,4'.")
@click.option("--box", default=None, help="Search box 'lo,hi;lo,hi' (default [-3,3] each).")
@click.option("--starts", default=200, show_default=True, help="Newton starts per period.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("--dps", default=40, show_default=True, help="Digits of refinement/intervals.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
              help="Save the orbit figure (PNG/SVG/PDF, 2-D losses) here.")
@click.option("--timeout", default=120.0, show_default=True,
              help="Wall-clock budget in seconds; past it the finished periods are "
                   "printed and the exit code is 3.")
@click.option("--certificate", default=None, metavar="FILE",
              help="Write the Krawczyk box of every certified orbit as a certificate "
                   "(check it with symstab-verify FILE).")
def command(loss: str, params: str | None, eta: str, period_text: str, box: str | None,
            starts: int, seed: int, dps: int, fmt: str, plot_path: str | None,
            timeout: float, certificate: str | None = None) -> None:
    """Periodic orbits of GD on LOSS at step size --eta, certified by Krawczyk.

    Period 2 of a polynomial loss at a rational η is also solved exactly (all real
    isolated orbits). Stability comes from interval enclosures of D(G^p).
    """
    from symstab.budget import time_limit
    from symstab.dynamics.orbits import find_orbits, period_two_exact
    from symstab.loss import load_loss

    seconds = timeout_option(timeout)
    the_loss = load_loss(loss, params)
    step = eta_option(eta)
    periods = periods_option(period_text)
    bounds = box_option(box, the_loss.n)
    bounded_option(starts, "starts", 1, 100_000)
    bounded_option(dps, "dps", 20, 500)
    plot_target = plot_path_option(plot_path) if plot_path else None
    if plot_target and the_loss.n != 2:
        raise InputError("--plot needs a loss of two parameters", "--plot")
    if certificate is not None:
        from symstab.certificates import certificate_path

        certificate_path(certificate)
        if not step.is_rational:
            raise InputError("certificates need a rational step size", "--certificate")
    results: dict[str, Any] = {"loss": the_loss.name, "eta": str(step), "periods": {}}
    found_all: list[Any] = []
    missing: list[str] = []
    try:
        with time_limit(seconds, "symstab orbits"):
            for p in periods:
                orbits = find_orbits(the_loss, step, p, box=bounds, starts=starts,
                                     seed=seed, dps=dps)
                found_all += orbits
                entry: dict[str, Any] = {"orbits": [o.to_dict() for o in orbits]}
                results["periods"][str(p)] = entry
                if p == 2 and the_loss.is_polynomial and step.is_rational:
                    try:
                        exact = period_two_exact(the_loss, step, time_limit=seconds / 2)
                        entry["exact"] = exact.to_dict()
                    except BudgetExceeded as exc:
                        entry["exact"] = {"status": f"incomplete: {exc}"}
                        missing.append("the exact period-2 solve")
    except BudgetExceeded:
        missing += [f"period {p}" for p in periods if str(p) not in results["periods"]]
    periods = [p for p in periods if str(p) in results["periods"]]
    if plot_target:
        from symstab.plot import orbit_figure

        orbit_figure(the_loss, step, found_all, path=plot_target)
    if certificate is not None:
        _write_certificate(the_loss, step, found_all, dps, certificate)
    if missing:
        results["incomplete"] = missing
    if fmt == "json":
        click.echo(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        _print_table(the_loss.name, step, periods, results, starts, bounds)
    if missing:
        raise BudgetExceeded(f"not finished within --timeout {seconds:g} s: "
                             + ", ".join(missing))


def _write_certificate(loss: Any, step: Any, orbits: list[Any], dps: int, path: str) -> None:
    """One ``krawczyk`` item (claim ``unique``, F = G^p − id) per certified orbit."""
    from symstab.certificates import bundle, orbit_items, write_certificate

    items, notes = orbit_items(loss, step.exact, orbits, dps=dps)
    write_certificate(path, bundle(items, notes=notes))
    click.echo(f"certificate: {len(items)} item(s) written to {path}", err=True)


def _print_table(name: str, step: Any, periods: list[int], results: dict[str, Any],
                 starts: int, bounds: Any) -> None:
    click.echo(f"{name} at η = {step}: GD map G(θ) = θ − η∇f(θ)")
    for p in periods:
        entry = results["periods"][str(p)]
        orbits = entry["orbits"]
        click.echo(f"period {p}: {len(orbits)} orbit(s) found from {starts} starts "
                   f"in {list(bounds)}")
        for k, o in enumerate(orbits, 1):
            mult = ", ".join(f"{complex(a, b):.4g}" if b else f"{a:.6g}"
                             for a, b in o["multipliers"])
            click.echo(f"  #{k} {o['status']:9s} {o['stability']:8s} multipliers [{mult}]")
            for pt in o["points"]:
                click.echo(f"       ({', '.join(pt)})")
        if "exact" in entry and "status" in entry["exact"]:
            click.echo(f"  exact: {entry['exact']['status']}")
        elif "exact" in entry:
            ex = entry["exact"]
            click.echo(f"  exact: {len(ex['orbits'])} real isolated period-2 orbit(s)")
            for o in ex["orbits"]:
                click.echo(f"    {o['stability']:8s} " + "  ".join(
                    "(" + ", ".join(pt) + ")" for pt in o["exact"]))
