"""``symstab eos``: edge-of-stability metrics along a GD orbit (Ahn, Zhang & Sra 2022)."""

from __future__ import annotations

import json

import click

from symstab.cli.options import (
    MAX_DIGITS,
    bounded_option,
    eta_option,
    plot_path_option,
    point_option,
)


@click.command(name="eos")
@click.argument("loss")
@click.option("--params", default=None, help="Parameter names in order, e.g. 'x,y'.")
@click.option("--eta", required=True, help="Step size, exact: 0.08, 2/25, 3/10.")
@click.option("--from", "start", required=True, help="Initial point, e.g. '5.05,0.19'.")
@click.option("--steps", default=500, show_default=True, help="GD steps.")
@click.option("--dps", default=40, show_default=True, help="Working precision in digits.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--series/--no-series", default=False, show_default=True,
              help="Include the per-step metrics in the JSON output.")
@click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
              help="Save the three panels (loss, sharpness vs 2/η, RP vs 0) here.")
def command(loss: str, params: str | None, eta: str, start: str, steps: int, dps: int,
            fmt: str, series: bool, plot_path: str | None) -> None:
    """Loss, sharpness λmax vs 2/η, relative progress and directional smoothness along GD.

    Decides whether the orbit shows the features of unstable convergence: loss
    decreasing overall, λmax > 2/η somewhere, sharpness within 10% of 2/η and
    |RP| <= 0.1 at half of the steps or more. Evidence: numerical, at --dps digits.
    """
    from symstab.dynamics.eos import eos_metrics
    from symstab.loss import load_loss

    the_loss = load_loss(loss, params)
    step = eta_option(eta)
    theta0 = point_option(start, the_loss.n, "--from")
    bounded_option(max(steps, 10), "steps", 10, 1_000_000)
    bounded_option(dps, "dps", 16, MAX_DIGITS)
    path = None
    if plot_path:
        path = plot_path_option(plot_path)
    result = eos_metrics(the_loss, step, theta0, steps=steps, dps=dps)
    if path:
        from symstab.plot import eos_figure

        eos_figure(result, path=path)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(series=series), indent=2, ensure_ascii=False))
        return
    s = result.summary
    thr = s.thresholds
    import textwrap

    def say(text: str) -> None:
        click.echo(textwrap.fill(text, 80, initial_indent="  ", subsequent_indent="      ",
                                 break_long_words=False))

    click.echo(textwrap.fill(
        f"{the_loss.name} at η = {result.eta} (2/η = {result.two_over_eta:.10g}) from "
        f"({', '.join(map(str, result.theta0))}), {result.dps} digits:", 80,
        subsequent_indent="    ", break_long_words=False))
    say(f"steps used: {s.used_steps} of {result.steps}")
    say(f"loss: {s.loss_initial:.6g} -> {s.loss_final:.6g}, "
        f"{s.n_loss_increases} increase(s), decreased overall: {s.loss_decreased}")
    say(f"sharpness λmax within {thr.sharpness_rel:.0%} of 2/η: "
        f"{s.frac_sharpness_near:.1%} of steps; above 2/η: {s.frac_sharpness_above:.1%}; "
        f"max λmax/(2/η) = {s.max_sharpness_ratio:.6g}")
    say(f"relative progress |RP| <= {thr.rp_abs:g}: {s.frac_rp_near:.1%} of steps "
        "(RP: a step's change of the loss over η‖∇f‖²)")
    say(f"directional smoothness within {thr.sharpness_rel:.0%} of 2/η: "
        f"{s.frac_smoothness_near:.1%} of steps")
    say(f"unstable convergence features: "
        f"{'present' if s.unstable_convergence else 'absent'} (strength: numerical)")
