"""``python -m proofs_check``: the ``proofs-check`` command."""

from proofs_check.cli import entry_point

entry_point()
