"""``symstab catalog``: the catalog losses with their sources."""

from __future__ import annotations

import click


@click.command(name="catalog")
def command() -> None:
    """List the catalog losses with their sources."""
    from symstab import catalog
    from symstab.loss import Loss

    for entry in catalog.entries():
        loss = Loss.from_catalog(entry.name)
        click.echo(f"{entry.name:8s} {loss.to_text()}")
        click.echo(f"{'':8s} {entry.description}")
        click.echo(f"{'':8s} source: {entry.source}")
    click.echo("deep-chain-D  ½(1 − x1⋯xD)² for any depth D = 2..12")
