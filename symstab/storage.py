"""Where symstab keeps its files, and how it writes every file.

:func:`cache_root` is the directory of everything symstab caches (compiled kernels,
Hypothesis' example database when a claim searches for a counterexample):
``SYMSTAB_CACHE_DIR`` if set, else the platform's user cache directory. :func:`write_atomic`
writes a file through a temporary file in the same directory and a rename, so a crash or
a full disk never leaves a truncated file or destroys the previous one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["cache_root", "use_cache_for_hypothesis", "write_atomic", "write_with"]


def cache_root() -> Path:
    """``SYMSTAB_CACHE_DIR``, else ``platformdirs.user_cache_dir("symstab")``."""
    root = os.environ.get("SYMSTAB_CACHE_DIR", "").strip()
    if root:
        return Path(root)
    import platformdirs

    return Path(platformdirs.user_cache_dir("symstab"))


def use_cache_for_hypothesis() -> None:
    """Keep Hypothesis' files under :func:`cache_root` instead of ``./.hypothesis`` (unless
    ``HYPOTHESIS_STORAGE_DIRECTORY`` is set); for the command-line tools."""
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(cache_root() / "hypothesis"))


def write_with(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` to write a temporary file next to ``path``, then rename it to
    ``path`` (atomic on POSIX); the temporary file is removed on any failure. A ``path``
    that exists and is not a regular file (a device such as ``/dev/stdout``, a pipe) is
    written in place: it cannot be replaced, and must not be."""
    target = Path(path)
    if target.exists() and not target.is_file():
        write(target)
        return
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                               suffix=target.suffix or ".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically, flushed to disk first."""
    payload = data.encode("utf-8") if isinstance(data, str) else data

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            if tmp.is_file():  # a device or pipe written in place has nothing to sync
                os.fsync(fh.fileno())

    write_with(path, write)
