"""``symstab trajectory``: one GD orbit in high precision, classified."""

from __future__ import annotations

import json
from typing import Any

import click

from symstab.cli.options import (
    MAX_DIGITS,
    bounded_option,
    eta_option,
    plot_path_option,
    point_option,
    timeout_option,
)


@click.command(name="trajectory")
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
@click.option("--timeout", default=300.0, show_default=True,
              help="Wall-clock budget in seconds (exit 3 past it); the exact analysis "
                   "behind the certified regions gets at most 20 s of it.")
@click.option("--certificate", default=None, metavar="FILE",
              help="Write a certificate of a convergence: the orbit enclosed in arb until "
                   "it enters a trapping ball (check it with symstab-verify FILE).")
def command(loss: str, params: str | None, eta: str, start: str, steps: int, dps: int,
            escalate: bool, fmt: str, plot_path: str | None, timeout: float,
            certificate: str | None = None) -> None:
    """Run GD on LOSS in high precision and classify the trajectory.

    Outcomes: converged (into a certified trapping region around minimum k: label k;
    stable if the loss fell at every step), diverged (label -1), periodic, undetermined.
    """
    from symstab.budget import time_limit
    from symstab.dynamics.trajectory import trajectory as run
    from symstab.dynamics.trajectory import trajectory_escalated
    from symstab.loss import load_loss

    seconds = timeout_option(timeout)
    the_loss = load_loss(loss, params)
    step = eta_option(eta)
    theta0 = point_option(start, the_loss.n, "--from")
    bounded_option(steps, "steps", 1, 10_000_000)
    bounded_option(dps, "dps", 16, MAX_DIGITS)
    plot_target = plot_path_option(plot_path) if plot_path else None  # before any work
    if certificate is not None:
        from symstab.certificates import certificate_path

        certificate_path(certificate)
    report = None
    with time_limit(seconds, "symstab trajectory"):
        if escalate:
            result, report = trajectory_escalated(the_loss, step, theta0, dps_start=dps,
                                                  steps=steps)
        else:
            result = run(the_loss, step, theta0, steps=steps, dps=dps)
    if plot_path:
        from symstab.plot import trajectory_figure

        trajectory_figure(result, path=plot_target)
    if certificate is not None:
        _write_certificate(the_loss, step, theta0, result, certificate)
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


def _write_certificate(loss: Any, step: Any, theta0: Any, result: Any, path: str) -> None:
    """A converged orbit's ``box-orbit`` item and its balls; otherwise the classification
    as an ``evidence`` item (not a proof)."""
    from symstab.certificates import (
        bundle,
        evidence_item,
        point_orbit_hint,
        point_orbit_items,
        write_certificate,
    )
    from symstab.errors import InputError

    c = result.classification
    items, notes = [], []
    if c.outcome == "converged" and str(c.strength) == "certified":
        try:
            items = point_orbit_items(point_orbit_hint(loss, step.exact, theta0))
        except (InputError, TypeError, ValueError) as exc:
            notes.append(f"the convergence is not exported: {exc}")
    if not items:
        items = [evidence_item(f"trajectory/{loss.name}", "numerical",
                               f"{c.outcome}: {c.evidence}", digits=result.dps)]
    write_certificate(path, bundle(items, notes=notes))
    click.echo(f"certificate: {len(items)} item(s) written to {path}", err=True)
