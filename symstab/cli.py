"""The ``symstab`` command line: a thin layer over the library.

Exit codes: 0 success; 2 bad input (one line on stderr, never a traceback);
3 a computation ran past its budget (``--timeout``); 70 an internal error
(one line; set ``SYMSTAB_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from symstab.errors import BudgetExceeded, InputError

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_BUDGET = 3
EXIT_INTERNAL = 70

MAX_DIGITS = 1000


def _digits(value: int) -> int:
    if not 1 <= value <= MAX_DIGITS:
        raise InputError(f"digits must be between 1 and {MAX_DIGITS}", "--digits")
    return value


def _eta_option(parse_eta, text: str | None):
    if text is None:
        return None
    try:
        return parse_eta(text)
    except InputError as exc:
        raise InputError(exc.problem, f"--eta {text!r}" if len(text) < 40 else "--eta") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="symstab")
def cli() -> None:
    """symstab: verify claims about gradient descent with large learning rates."""


@cli.command()
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
def analyze(loss: str, params: str | None, eta: str | None, fmt: str, digits: int,
            timeout: float) -> None:
    """Exact analysis of LOSS: a catalog name (f1..f4, xy, xy2, chain3, deep-chain-D) or text.

    Gradient, Hessian, GD map and det(I - ηH), critical points classified by exact
    inertia with η* = 2/λmax, manifolds of minima with their critical η and M_WS(η),
    and the modified loss f + (η/4)|∇f|².
    """
    from symstab.exact.analysis import analyze as run_analysis
    from symstab.loss import load_loss
    from symstab.parse import parse_eta
    from symstab.report import render

    the_loss = load_loss(loss, params)
    step = _eta_option(parse_eta, eta)
    result = run_analysis(the_loss, step, digits=_digits(digits), time_limit=timeout)
    click.echo(render(result, fmt), nl=False)
    if result.critical_set_status.startswith("incomplete"):
        raise BudgetExceeded(result.critical_set_status)


@cli.command(name="catalog")
def catalog_command() -> None:
    """List the catalog losses with their sources."""
    from symstab import catalog
    from symstab.loss import Loss

    for entry in catalog.entries():
        loss = Loss.from_catalog(entry.name)
        click.echo(f"{entry.name:8s} {loss.to_text()}")
        click.echo(f"{'':8s} {entry.description}")
        click.echo(f"{'':8s} source: {entry.source}")
    click.echo("deep-chain-D  ½(1 − x1⋯xD)² for any depth D = 2..12")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the CLI, turning every error into one line and an exit code."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="symstab",
                 standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `symstab`: help, not an error
            click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
            return EXIT_OK
        click.echo(f"symstab: error: {exc.format_message()}", err=True)
        return EXIT_BAD_INPUT
    except click.ClickException as exc:
        click.echo(f"symstab: error: {exc.format_message()}", err=True)
        return EXIT_BAD_INPUT
    except click.Abort:
        click.echo("symstab: aborted", err=True)
        return 130
    except InputError as exc:
        click.echo(f"symstab: error: {exc}", err=True)
        return EXIT_BAD_INPUT
    except BudgetExceeded as exc:
        click.echo(f"symstab: incomplete: {exc}", err=True)
        return EXIT_BUDGET
    except Exception as exc:
        if os.environ.get("SYMSTAB_DEBUG"):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        click.echo(f"symstab: internal error: {type(exc).__name__}: {message}", err=True)
        return EXIT_INTERNAL
    return EXIT_OK


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())
