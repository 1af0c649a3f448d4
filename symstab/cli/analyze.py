"""``symstab analyze``: the exact analysis of a loss, rendered as a table, JSON,
Markdown or LaTeX."""

from __future__ import annotations

from typing import Any

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
@click.option("--certificate", "certificate", default=None, metavar="FILE",
              help="Write a certificate of the threshold of every strict minimum "
                   "(check it with symstab-verify FILE; docs/certificates.md).")
def command(loss: str, params: str | None, eta: str | None, fmt: str, digits: int,
            timeout: float, certificate: str | None) -> None:
    """Exact analysis of LOSS: a catalog name (f1..f4, xy, xy2, chain3, deep-chain-D) or text.

    Gradient, Hessian, GD map and det(I - ηH), critical points classified by exact
    inertia (by higher-order terms where the Hessian is singular) with η* = 2/λmax,
    manifolds of minima with their critical η and M_WS(η), the critical η of each set
    of minima, and the modified loss f + (η/4)|∇f|². For a matrix linear network
    (linear-net:d0x...xdL): filling or not, the minimum on the rank-r matrices
    (Eckart-Young), the manifold of minima, inf λmax along it and the critical η.
    """
    from symstab.catalog import linear_net
    from symstab.cli.options import timeout_option
    from symstab.exact.analysis import analyze as run_analysis
    from symstab.loss import load_loss
    from symstab.report import render

    timeout = timeout_option(timeout)
    the_loss = load_loss(loss, params)
    spec = linear_net(loss)
    if certificate is not None:
        _check_output(certificate, spec, the_loss)
    if spec is not None:
        _network(spec, fmt)
        return
    step = eta_option(eta)
    result = run_analysis(the_loss, step,
                          digits=digits_option(digits), time_limit=timeout)
    click.echo(render(result, fmt), nl=False)
    if certificate is not None:
        _write_certificate(the_loss, step, certificate)
    if result.critical_set_status.startswith("incomplete"):
        raise BudgetExceeded(result.critical_set_status.removeprefix("incomplete: "))


def _check_output(path: str, spec: object, loss: Any) -> None:
    """Before any work: a certificate can be written there, for a loss that has one."""
    from pathlib import Path

    from symstab.errors import InputError

    if spec is not None:
        raise InputError("no certificate is exported for a linear network", "--certificate")
    if not loss.is_polynomial:
        raise InputError("certificates need a polynomial loss with rational coefficients",
                         "--certificate")
    target = Path(path)
    if target.is_dir() or not target.parent.resolve().is_dir():
        raise InputError(f"cannot write {path!r} (a directory, or no such directory)",
                         "--certificate")


def _write_certificate(loss: Any, step: Any, path: str) -> None:
    """The thresholds of the strict minima as a certificate file (written atomically)."""
    import sympy as sp

    from symstab.certificates import bundle, threshold_items, write_certificate

    eta = [] if step is None or not sp.S(step.exact).is_Rational else [step.exact]
    items, skipped = threshold_items(loss, stable_at=eta, unstable_at=eta)
    write_certificate(path, bundle(items, notes=skipped))
    click.echo(f"certificate: {len(items)} threshold item(s) written to {path}", err=True)


def _network(spec: object, fmt: str) -> None:
    """The exact facts of a matrix linear network, as a table or JSON."""
    import json
    import textwrap

    import sympy as sp

    from symstab.exact.linear_net import network_facts
    from symstab.exact.linear_net_stable import stable_minima_bound

    facts = network_facts(spec)  # type: ignore[arg-type]
    data = facts.to_dict()
    stable = stable_minima_bound(facts.spec, facts.filling, facts.lambda_inf)
    data["stable_minima"] = stable.to_dict()
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    widths = " → ".join(map(str, data["widths"]))
    rows = [
        ("network", f"{data['network']}: ½‖W_L⋯W_1 "
                    + ("− W*" if data["data"] is None else "X − Y") + f"‖², widths {widths}"),
        ("target W*", sp.sstr(facts.spec.target.tolist())  # type: ignore[attr-defined]
         + ("" if data["data"] is None else
            f" = Y Xᵀ; on the data ½‖W_L⋯W_1 X − Y‖² = ½‖W_L⋯W_1 − W*‖² + "
            f"{data['data']['offset']} (X Xᵀ = I)")),
        ("architecture", f"{data['architecture']} (products have rank <= "
                         f"{data['rank_bound']})"),
        ("singular values", ", ".join(data["singular_values"])),
        ("min on rank r", f"{data['min_on_rank_r']} at W̄ = {sp.sstr(facts.minimiser.tolist())}"
                          + (" (unique)" if data["minimiser_unique"] else " (not unique)")),
        ("= min over W", "yes (Prop. 1: filling)" if data["minimum_is_global"] and
         data["architecture"] == "filling" else ("yes" if data["minimum_is_global"]
                                                  else "no: the bottleneck costs it")),
        ("minima M", f"smooth of dimension {data['dimension']} near the point below "
                     f"(Dμ there of full rank {data['jacobian_rank']})"
         if data["dimension"] == data["generic_dimension"] else
         f"Dμ has rank {data['jacobian_rank']} < the generic rank at the point below: "
         "smoothness there is not shown"),
        ("a point of M", ", ".join(data["point_of_minima"])),
        ("inf λmax on M", data["lambda_max_inf"] or "—"),
        ("critical η", (data["eta_critical"] or "—")
         + (" (no minimum stable beyond it)" if data["eta_critical"] else "")),
        ("stable minima", _stable_text(stable)),
    ]
    rows += [("note", note) for note in data["notes"]]
    for key, value in rows:
        click.echo(textwrap.fill(value, 80, initial_indent=f"{key:16s} ",
                                 subsequent_indent=" " * 17))


def _stable_text(stable: Any) -> str:
    """One line on the boundedness of the stable minima."""
    import sympy as sp

    if stable.bounded:
        return (f"bounded: ‖θ‖² <= {sp.sstr(stable.radius_sq_times_eta)}/η at every "
                f"minimum with λmax <= 2/η ({stable.reason})")
    if stable.witness is not None:
        w = stable.witness
        return (f"unbounded for η <= {sp.sstr(sp.simplify(2 / w.lambda_max))}: θ(t) = "
                f"({', '.join(sp.sstr(x) for x in w.point)}) is a global minimum with "
                f"λmax = {sp.sstr(w.lambda_max)} for every real t")
    return f"not derived ({stable.reason})"
