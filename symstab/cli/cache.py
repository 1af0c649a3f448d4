"""``symstab cache``: where the compiled kernels are kept, and emptying it."""

from __future__ import annotations

import click

__all__ = ["command"]


@click.group("cache")
def command() -> None:
    """The disk cache of compiled kernels (SYMSTAB_CACHE_DIR, SYMSTAB_NO_CACHE=1)."""


@command.command("info")
def info() -> None:
    """Print the cache directory, whether it is used, and what it holds."""
    from symstab.codegen.cache import cache_info

    data = cache_info()
    click.echo(f"directory  {data['directory']}")
    click.echo(f"enabled    {'yes' if data['enabled'] else 'no (SYMSTAB_NO_CACHE)'}")
    click.echo(f"kernels    {data['kernels']} ({data['bytes'] / 2**20:.1f} MiB with "
               "numba's compiled code)")
    click.echo(f"searches   {data['searches']} remembered results, re-verified before "
               "use")


@command.command("clear")
def clear() -> None:
    """Delete every cached kernel and remembered search (rebuilt when next needed)."""
    from symstab.codegen.cache import clear as clear_cache

    click.echo(f"removed {clear_cache()} cached kernels")
