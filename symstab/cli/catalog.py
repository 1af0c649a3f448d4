"""``symstab catalog``: the catalog losses with their sources."""

from __future__ import annotations

import textwrap

import click


@click.command(name="catalog")
def command() -> None:
    """List the catalog losses with their sources."""
    from symstab import catalog
    from symstab.loss import Loss

    for entry in catalog.entries():
        loss = Loss.from_catalog(entry.name)
        click.echo(f"{entry.name:8s} {loss.to_text()}")
        click.echo(textwrap.fill(entry.description, 80, initial_indent=" " * 9,
                                 subsequent_indent=" " * 11, break_long_words=False))
        click.echo(textwrap.fill(f"source: {entry.source}", 80, initial_indent=" " * 9,
                                 subsequent_indent=" " * 11))
    click.echo("deep-chain-D  ½(1 − x1⋯xD)² for any depth D = 2..12")
    click.echo("linear-net:d0x...xdL  ½‖W_L⋯W1 − W*‖², layer widths d0 (input) .. dL")
    click.echo(f"{'':8s} (output) in 1..{catalog.MAX_NET_WIDTH}, W* = diag(k, ..., 1) padded with "
               "zeros;")
    click.echo(f"{'':8s} e.g. linear-net:2x2x2 (filling) or linear-net:2x1x2 (non-filling)")
