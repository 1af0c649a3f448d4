"""``python -m symstab_verify FILE``."""

from symstab_verify import entry_point

entry_point()
