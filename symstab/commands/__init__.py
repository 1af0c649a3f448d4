"""Further ``symstab`` subcommands, one module each.

Every module in this package that defines a :class:`click.Command` named ``command``
is added to the ``symstab`` group by :func:`register` (modules are found with
:mod:`pkgutil`, in name order), so a new subcommand needs no edit elsewhere. Errors
follow the CLI's conventions: raise :class:`symstab.errors.InputError` for bad input
(one line, exit 2).
"""

from __future__ import annotations

import importlib
import pkgutil

import click


def register(group: click.Group) -> None:
    """Add the ``command`` of every module of this package to ``group``."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            group.add_command(command)
