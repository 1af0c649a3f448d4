"""``symstab lyapunov``: Lyapunov exponents of GD along an orbit (QR method, mpmath)."""

from __future__ import annotations

import json

import click

from symstab.cli.options import (
    MAX_DIGITS,
    bounded_option,
    eta_option,
    plot_path_option,
    point_option,
    timeout_option,
)


@click.command(name="lyapunov")
@click.argument("loss")
@click.option("--params", default=None, help="Parameter names in order, e.g. 'x,y'.")
@click.option("--eta", required=True, help="Step size, exact: 1.9, 19/10, 3/10.")
@click.option("--from", "start", required=True, help="Initial point, e.g. '0.7,0.6'.")
@click.option("--steps", default=4000, show_default=True, help="GD steps (1/5 discarded).")
@click.option("--dps", default=30, show_default=True, help="Working precision in digits.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--plot", "plot_path", default=None, metavar="FILE",
              help="Save the exponents per block of steps (PNG/SVG/PDF) here.")
@click.option("--timeout", default=300.0, show_default=True,
              help="Wall-clock budget in seconds (exit 3 past it).")
def command(loss: str, params: str | None, eta: str, start: str, steps: int, dps: int,
            fmt: str, plot_path: str | None, timeout: float) -> None:
    """Lyapunov exponents of the GD map on LOSS along the orbit from --from.

    QR method on DG = I - ηH in mpmath at --dps digits (and again at a higher precision
    as a check), first fifth of the steps discarded. Verdict: periodic, chaotic,
    quasi-periodic, diverged or undetermined; the evidence is numerical.
    """
    from symstab.budget import time_limit
    from symstab.dynamics.lyapunov import lyapunov_spectrum
    from symstab.loss import load_loss

    seconds = timeout_option(timeout)
    the_loss = load_loss(loss, params)
    step = eta_option(eta)
    theta0 = point_option(start, the_loss.n, "--from")
    bounded_option(steps, "steps", 10, 1_000_000)
    bounded_option(dps, "dps", 16, MAX_DIGITS)
    path = None
    if plot_path is not None:
        path = plot_path_option(plot_path)
    with time_limit(seconds, "symstab lyapunov"):
        result = lyapunov_spectrum(the_loss, step, theta0, steps=steps, dps=dps)
    if path is not None:
        from symstab.plot import lyapunov_figure

        lyapunov_figure(result, path=path)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    d = result.to_dict()
    click.echo(f"{the_loss.name} at η = {d['eta']} from ({', '.join(d['theta0'])}):")
    click.echo(f"  verdict: {result.verdict} (strength: {result.strength}, "
               f"{result.dps} digits, check at {result.dps_check})")
    for i, (lam, err, chk) in enumerate(zip(d["exponents"], d["errors"],
                                            d["exponents_check"], strict=True), 1):
        click.echo(f"  λ{i} = {lam} ± {err}   (at {result.dps_check} digits: {chk})")
    click.echo(f"  margin (3·error + 5/N): {d['margin']}; period at the end: {result.period}")
    click.echo(f"  steps: {result.steps} ({result.transient} discarded)")
    click.echo(f"  evidence: {result.evidence}")
