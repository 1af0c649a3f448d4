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


def eta_option(parse_eta, text: str | None):
    """The exact step size of an ``--eta`` option (None if absent), or a one-line error
    naming the option. Shared by the subcommands in :mod:`symstab.commands`."""
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
    step = eta_option(parse_eta, eta)
    result = run_analysis(the_loss, step, digits=_digits(digits), time_limit=timeout)
    click.echo(render(result, fmt), nl=False)
    if result.critical_set_status.startswith("incomplete"):
        raise BudgetExceeded(result.critical_set_status)


def point_option(text: str, n: int, option: str) -> tuple:
    """Parse 'a,b,...' into n exact real numbers (each by the whitelist parser)."""
    from symstab.parse import parse_expression

    parts = text.split(",")
    if len(parts) != n:
        raise InputError(f"expected {n} comma-separated coordinates, got {len(parts)}", option)
    values = []
    for part in parts:
        try:
            value = parse_expression(part, allow_symbols=False, what="coordinate")
        except InputError as exc:
            raise InputError(exc.problem, f"{option} coordinate {len(values) + 1}") from None
        if not (value.is_real and value.is_finite):
            raise InputError(f"coordinate {part.strip()!r} is not a finite real number", option)
        values.append(value)
    return tuple(values)


@cli.command()
@click.argument("loss")
@click.option("--params", default=None, help="Parameter names in order, e.g. 'x,y'.")
@click.option("--eta", required=True, help="Step size, exact: 0.5, 1/2, 10/19.")
@click.option("--from", "start", required=True, help="Initial point, e.g. '0.1,2.5'.")
@click.option("--steps", default=10_000, show_default=True, help="Step budget.")
@click.option("--dps", default=50, show_default=True, help="Working precision in digits.")
@click.option("--escalate", is_flag=True, help="Rerun at doubled precision until it agrees.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
              help="Save the trajectory and loss figure (PNG/SVG/PDF) here.")
def trajectory(loss: str, params: str | None, eta: str, start: str, steps: int, dps: int,
               escalate: bool, fmt: str, plot_path: str | None) -> None:
    """Run GD on LOSS in high precision and classify the trajectory.

    Outcomes: converged (into a certified trapping region around minimum k: label k;
    stable if the loss fell at every step), diverged (label -1), periodic, undetermined.
    """
    import json

    from symstab.dynamics.trajectory import trajectory as run
    from symstab.dynamics.trajectory import trajectory_escalated
    from symstab.loss import load_loss
    from symstab.parse import parse_eta

    the_loss = load_loss(loss, params)
    step = eta_option(parse_eta, eta)
    theta0 = point_option(start, the_loss.n, "--from")
    if not 1 <= steps <= 10_000_000:
        raise InputError("steps must be between 1 and 10000000", "--steps")
    if not 16 <= dps <= MAX_DIGITS:
        raise InputError(f"dps must be between 16 and {MAX_DIGITS}", "--dps")
    report = None
    if escalate:
        result, report = trajectory_escalated(the_loss, step, theta0, dps_start=dps,
                                              steps=steps)
    else:
        result = run(the_loss, step, theta0, steps=steps, dps=dps)
    if plot_path:
        from symstab.plot import trajectory_figure

        trajectory_figure(result, path=plot_path_option(plot_path))
    if fmt == "json":
        data = result.to_dict(iterates=False)
        if report is not None:
            data["escalation"] = report.to_dict()
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    c = result.classification
    click.echo(f"{the_loss.name} at η = {step} from ({', '.join(map(str, theta0))}):")
    click.echo(f"  outcome: {c.outcome} (label {c.label}), strength: {c.strength}")
    if c.stable is not None:
        click.echo(f"  stable convergence (loss fell at every step): {c.stable}")
    click.echo(f"  loss increases: {c.n_loss_increases}"
               + (f" at steps {', '.join(map(str, c.loss_increases[:10]))}"
                  if c.loss_increases else ""))
    if c.period:
        click.echo(f"  period {c.period}")
    click.echo(f"  steps taken: {result.steps_taken}; evidence: {c.evidence}")
    if report is not None:
        click.echo(f"  precision escalation: {report.evidence}")


def plot_path_option(path: str) -> str:
    """Validate a figure path: a known image suffix in an existing directory."""
    from pathlib import Path

    target = Path(path)
    if target.suffix.lower() not in {".png", ".svg", ".pdf"}:
        raise InputError("figure file must end in .png, .svg or .pdf", "--plot")
    if not target.parent.resolve().is_dir():
        raise InputError(f"directory {str(target.parent)!r} does not exist", "--plot")
    return str(target)


def _grid_option(text: str, n: int) -> tuple:
    """Parse 'xmin,xmax,nx;ymin,ymax,ny' (one group per parameter) into a grid spec."""
    from symstab.parse import parse_expression

    groups = text.split(";")
    if len(groups) != n:
        raise InputError(f"expected {n} ';'-separated axis specs 'min,max,count'", "--grid")
    axes = []
    for i, group in enumerate(groups, 1):
        parts = group.split(",")
        if len(parts) != 3:
            raise InputError(f"axis {i} must be 'min,max,count'", "--grid")
        try:
            lo, hi = (float(parse_expression(p, allow_symbols=False, what="grid bound"))
                      for p in parts[:2])
        except (InputError, TypeError) as exc:
            raise InputError(f"axis {i}: {getattr(exc, 'problem', exc)}", "--grid") from None
        count = parts[2].strip()
        if not count.isdigit() or not 1 <= int(count) <= 10_000:
            raise InputError(f"axis {i}: count must be an integer from 1 to 10000", "--grid")
        if not (lo < hi) or not all(map(lambda v: abs(v) < 1e300, (lo, hi))):
            raise InputError(f"axis {i}: need finite min < max", "--grid")
        axes.append((lo, hi, int(count)))
    return tuple(axes)


@cli.command()
@click.argument("loss")
@click.option("--params", default=None, help="Parameter names in order, e.g. 'x,y'.")
@click.option("--eta", required=True, help="Step size, exact: 0.5, 1/2, 10/19.")
@click.option("--grid", "grid_text", default="-3,3,200;-3,3,200", show_default=True,
              help="Per parameter 'min,max,count', separated by ';'.")
@click.option("--max-steps", default=10_000, show_default=True, help="Step budget per point.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
              help="Save the basin map figure (PNG/SVG/PDF) here.")
@click.option("--scheduler", default=None, help="Dask scheduler address (default: local).")
@click.option("--workers", default=0, show_default=True,
              help="Start a local Dask cluster with this many workers (0: no cluster).")
def basin(loss: str, params: str | None, eta: str, grid_text: str, max_steps: int,
          fmt: str, plot_path: str | None, scheduler: str | None, workers: int) -> None:
    """Basin map of GD on LOSS over a grid (float64 kernel, certified early stop).

    Labels: k >= 1 entered the certified trapping region of minimum k, -1 diverged,
    0 undetermined; 'stable' = the loss fell at every step (Chen's U_η).
    """
    import json

    from symstab.dynamics.basins import basin_map, recheck
    from symstab.loss import load_loss
    from symstab.parse import parse_eta

    the_loss = load_loss(loss, params)
    step = eta_option(parse_eta, eta)
    grid = _grid_option(grid_text, the_loss.n)
    if not 1 <= max_steps <= 10_000_000:
        raise InputError("max-steps must be between 1 and 10000000", "--max-steps")
    client = _dask_client(scheduler, workers)
    try:
        bmap = basin_map(the_loss, step, grid, max_steps=max_steps, client=client)
    finally:
        if client is not None:
            client.close()
    disagreements = recheck(bmap, the_loss, n=10, dps=50)
    if plot_path:
        from symstab.plot import basin_figure

        basin_figure(bmap, path=plot_path_option(plot_path))
    if fmt == "json":
        data = bmap.to_dict()
        data["recheck"] = {"n": 10, "dps": 50, "disagreements": disagreements}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    click.echo(f"{the_loss.name} at η = {step}: {bmap.labels.size} points, "
               f"{bmap.seconds:.3f} s")
    for label, fraction in sorted(bmap.fractions().items()):
        name = {-1: "diverged", 0: "undetermined"}.get(label, f"minimum {label}")
        click.echo(f"  {name:14s} {fraction:.4f}")
    converged = bmap.labels > 0
    u_eta = float((converged & bmap.stable).mean())
    click.echo(f"  U_η (stable convergence)           {u_eta:.4f}")
    click.echo(f"  V_η minus U_η (unstable convergence) {float(converged.mean()) - u_eta:.4f}")
    click.echo(f"  high-precision recheck of 10 points at 50 digits: "
               f"{len(disagreements)} disagreement(s)")


def _etas_option(text: str) -> list:
    """'0.1:1.2:12' (start:stop:count, inclusive) or a comma list '0.3,0.6,1.1' of exact etas."""
    from symstab.parse import parse_eta

    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3 or not parts[2].strip().isdigit():
            raise InputError("expected start:stop:count", "--etas")
        start, stop = (eta_option(parse_eta, p) for p in parts[:2])
        count = int(parts[2])
        if not 2 <= count <= 1000 or not start < stop:
            raise InputError("need start < stop and 2 <= count <= 1000", "--etas")
        return [start + (stop - start) * k / (count - 1) for k in range(count)]
    etas = [eta_option(parse_eta, p) for p in text.split(",")]
    if not 1 <= len(etas) <= 1000:
        raise InputError("give 1 to 1000 step sizes", "--etas")
    return etas


@cli.command()
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
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def sweep(loss: str, params: str | None, etas: str, box: str | None, samples: int,
          max_steps: int, seed: int, scheduler: str | None, workers: int, fmt: str) -> None:
    """Fraction of converging initialisations against η, with 95% Wilson intervals.

    For manifolds of minima that are curves it also reports the length of M_WS(η),
    normalised to its value at the first η (Crăciun & Ghoshdastidar, Fig. 2).
    """
    import json

    from symstab.dynamics.sweep import sweep as run_sweep
    from symstab.dynamics.sweep import uniform_box_sampler
    from symstab.loss import load_loss

    the_loss = load_loss(loss, params)
    step_sizes = _etas_option(etas)
    if box is None:
        bounds = tuple((-3.0, 3.0) for _ in range(the_loss.n))
    else:
        bounds = tuple((lo, hi) for lo, hi, _ in _grid_option(
            ";".join(f"{g},1" for g in box.split(";")), the_loss.n))
    if not 1 <= samples <= 10_000_000:
        raise InputError("samples must be between 1 and 10000000", "--samples")
    if not 1 <= max_steps <= 10_000_000:
        raise InputError("max-steps must be between 1 and 10000000", "--max-steps")
    client = _dask_client(scheduler, workers)
    try:
        result = run_sweep(the_loss, step_sizes, uniform_box_sampler(bounds, seed), samples,
                           max_steps=max_steps, client=client, show_progress=fmt == "table")
    finally:
        if client is not None:
            client.close()
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
        return
    normalised = dict(result.mws_length_normalised or ())
    click.echo(f"{the_loss.name}: {samples} initialisations in {bounds}, criterion: "
               f"{result.criterion}")
    click.echo(f"{'eta':>12s} {'converged':>10s} {'95% Wilson CI':>22s} {'M_WS (norm.)':>13s}")
    for p in result.points:
        ws = normalised.get(p.eta)
        ws_text = f"{ws:13.4f}" if ws is not None else f"{'—':>13s}"
        click.echo(f"{p.eta!s:>12s} {p.fraction:10.4f} "
                   f"[{p.ci_low:.4f}, {p.ci_high:.4f}]".rjust(22) + f" {ws_text}")
    if result.eta_critical is not None:
        click.echo(f"exact critical η (no minimum stable beyond it): {result.eta_critical}")


def _dask_client(scheduler: str | None, workers: int):
    if scheduler and workers:
        raise InputError("give --scheduler or --workers, not both")
    if not scheduler and workers <= 0:
        return None
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}",
                             "--scheduler") from None
    if workers > 64:
        raise InputError("at most 64 local workers", "--workers")
    return Client(LocalCluster(n_workers=workers, threads_per_worker=1))


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


def _register_commands() -> None:
    from symstab.commands import register

    register(cli)


_register_commands()


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
