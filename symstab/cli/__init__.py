"""The ``symstab`` command line: a thin layer over the library.

One module per command (``analyze``, ``trajectory``, ``basin``, ``sweep``, ``catalog``,
``orbits``, ``lyapunov``, ``eos``, ``cache``), each defining a :class:`click.Command` named
``command``; the option parsers they share live in :mod:`symstab.cli.options`. No
command imports another. This module holds the group, registers the commands, and maps
every error to one line and an exit code in :func:`main`.

Exit codes: 0 success; 2 bad input (one line on stderr, never a traceback);
3 a computation ran past its budget (``--timeout``); 70 an internal error
(one line; set ``SYMSTAB_DEBUG=1`` for the traceback); 141 the reader of the output
went away (a closed pipe, as in ``symstab catalog | head -1``), quietly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from symstab.cli import (
    analyze,
    basin,
    cache,
    catalog,
    eos,
    lyapunov,
    orbits,
    show,
    sweep,
    trajectory,
)
from symstab.errors import BudgetExceeded, InputError

__all__ = ["EXIT_BAD_INPUT", "EXIT_BROKEN_PIPE", "EXIT_BUDGET", "EXIT_INTERNAL", "EXIT_OK",
           "cli", "entry_point", "main", "quiet_broken_pipe"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_BUDGET = 3
EXIT_INTERNAL = 70
#: 128 + SIGPIPE: the conventional status when the output pipe is closed.
EXIT_BROKEN_PIPE = 141


def quiet_broken_pipe() -> int:
    """Silence stdout after its reader went away (so the interpreter's final flush does
    not complain) and return :data:`EXIT_BROKEN_PIPE`."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    return EXIT_BROKEN_PIPE


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="symstab")
@click.option("--no-cache", is_flag=True,
              help="Compile kernels in this process only (no disk cache; also "
                   "SYMSTAB_NO_CACHE=1).")
def cli(no_cache: bool) -> None:
    """symstab: verify claims about gradient descent with large learning rates."""
    from symstab.storage import use_cache_for_hypothesis

    use_cache_for_hypothesis()
    if no_cache:
        from symstab.codegen.cache import set_enabled

        set_enabled(False)


for _module in (analyze, trajectory, basin, sweep, show, catalog, orbits, lyapunov, eos, cache):
    cli.add_command(_module.command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI, turning every error into one line and an exit code.

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 success, 2 bad input, 3 budget exceeded, 70 internal error (130 aborted).
    """
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="symstab",
                 standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `symstab`: help, not an error
            click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
            return EXIT_OK
        hint = ""
        if isinstance(exc, click.NoSuchOption):
            hint = " (a loss that starts with '-' goes after '--': symstab analyze -- '-x**2')"
        click.echo(f"symstab: error: {exc.format_message()}{hint}", err=True)
        return EXIT_BAD_INPUT
    except click.ClickException as exc:
        click.echo(f"symstab: error: {exc.format_message()}", err=True)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return quiet_broken_pipe()
    except SystemExit:
        # click meets a closed stdout (EPIPE) by wrapping it and exiting with 1
        if type(sys.stdout).__name__ == "_PacifyFlushWrapper":
            return quiet_broken_pipe()
        raise
    except click.Abort:
        click.echo("symstab: aborted", err=True)
        return 130
    except InputError as exc:
        click.echo(f"symstab: error: {exc}", err=True)
        return EXIT_BAD_INPUT
    except BudgetExceeded as exc:
        click.echo(f"symstab: incomplete: {exc}", err=True)
        return EXIT_BUDGET
    except RecursionError:
        click.echo("symstab: error: the input is nested too deeply to process", err=True)
        return EXIT_BAD_INPUT
    except Exception as exc:
        if os.environ.get("SYMSTAB_DEBUG"):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        click.echo(f"symstab: internal error: {type(exc).__name__}: {message}", err=True)
        return EXIT_INTERNAL
    return EXIT_OK


def entry_point() -> None:
    """Console-script entry point."""
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = quiet_broken_pipe()
    sys.exit(code)
