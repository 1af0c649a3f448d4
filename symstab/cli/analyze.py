"""``symstab analyze``: the exact analysis of a loss, rendered as a table, JSON,
Markdown or LaTeX."""

from __future__ import annotations

import click

from symstab.cli.options import digits_option, eta_option
from symstab.errors import BudgetExceeded


@click.command(name="analyze")
@click.argument("loss")
@click.option("--params", default=None, help="Parameter names in order, e.g. 'x,y'.")
@click.option("--eta", default=None, help="Step size, exact: 0.05, 1/20, 10/19, sqrt(2)/3.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "markdown", "latex"]),
    default="table", show_default=True, help="Output format.",
)
@click.option("--digits", default=20, show_default=True, help="Digits of decimals.")
@click.option("--timeout", default=120.0, show_default=True,
              help="Budget in seconds for the critical-set computation.")
def command(loss: str, params: str | None, eta: str | None, fmt: str, digits: int,
            timeout: float) -> None:
    """Exact analysis of LOSS: a catalog name (f1..f4, xy, xy2, chain3, deep-chain-D) or text.

    Gradient, Hessian, GD map and det(I - ηH), critical points classified by exact
    inertia (by higher-order terms where the Hessian is singular) with η* = 2/λmax,
    manifolds of minima with their critical η and M_WS(η), the critical η of each set
    of minima, and the modified loss f + (η/4)|∇f|².
    """
    from symstab.exact.analysis import analyze as run_analysis
    from symstab.loss import load_loss
    from symstab.report import render

    the_loss = load_loss(loss, params)
    step = eta_option(eta)
    result = run_analysis(the_loss, step,
                          digits=digits_option(digits), time_limit=timeout)
    click.echo(render(result, fmt), nl=False)
    if result.critical_set_status.startswith("incomplete"):
        raise BudgetExceeded(result.critical_set_status)
