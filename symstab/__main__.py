"""``python -m symstab`` runs the CLI."""

from symstab.cli import entry_point

entry_point()
