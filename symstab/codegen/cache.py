"""A disk cache for generated numba kernels.

Every numba kernel of symstab is generated source (printed from SymPy expressions, never
from user text). :func:`load_module` writes that source as a file named by a hash of
its content and of the versions it was built with, runs it from there, and lets numba
keep the compiled machine code next to it (``cache=True``, numba's own on-disk cache in
``__pycache__``). A second process that needs the same kernel finds the file and
numba's cached code, and skips the compilation.

Where
    ``SYMSTAB_CACHE_DIR`` if set, else the platform's user cache directory
    (``platformdirs.user_cache_dir("symstab")``), in a ``kernels`` subdirectory.
Off
    ``SYMSTAB_NO_CACHE=1`` (or :func:`set_enabled`, the CLI's ``--no-cache``): the
    source runs from memory and numba compiles in every process.
Safety
    Files are written to a temporary name and renamed (atomic on POSIX), so processes
    filling the cache at once both succeed. A file whose text is not exactly the
    generated source (truncated, edited, corrupt) is rewritten, never run. numba checks
    its own entries against the file's time stamp and size, the CPU and its version.
    A directory that cannot be written is reported once on stderr and the kernels run
    uncached.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import linecache
import os
import platform
import shutil
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from symstab.storage import cache_root, write_atomic

__all__ = ["cache_dir", "cache_info", "clear", "enabled", "load_module", "set_enabled"]

_state = {"enabled": None, "warned": False}
_lock = threading.Lock()
_counter = itertools.count(1)


def enabled() -> bool:
    """Whether kernels are cached on disk (``SYMSTAB_NO_CACHE`` unset and not turned off)."""
    if _state["enabled"] is None:
        return os.environ.get("SYMSTAB_NO_CACHE", "").strip() in ("", "0")
    return bool(_state["enabled"])


def set_enabled(value: bool | None) -> None:
    """Turn the disk cache on or off for this process (None: back to the environment)."""
    _state["enabled"] = value


def cache_dir() -> Path:
    """The directory of the kernel files (it may not exist yet)."""
    return cache_root() / "kernels"


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    import numba
    import numpy

    try:
        ours = version("symstab")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        ours = "source"
    return (f"symstab {ours}; numba {numba.__version__}; numpy {numpy.__version__}; "
            f"python {sys.version_info[:3]}; {platform.machine()} {platform.processor()}")


def _key(source: str) -> str:
    text = _versions() + "\n" + source
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _warn_once(message: str) -> None:
    with _lock:
        if _state["warned"]:
            return
        _state["warned"] = True
    print(f"symstab: {message}; compiled kernels are not cached", file=sys.stderr)


def _numba_entries_readable(path: Path) -> bool:
    """Whether every numba cache entry of the kernel file ``path`` is a complete pickle
    stream (walked opcode by opcode, nothing is loaded): numba fails on a truncated
    entry instead of recompiling."""
    import pickletools

    try:
        for entry in path.parent.glob(f"__pycache__/{path.stem}.*"):
            if entry.suffix not in (".nbi", ".nbc"):
                continue
            with open(entry, "rb") as fh:
                for _ in range(2 if entry.suffix == ".nbi" else 1):  # .nbi: version, index
                    for _op in pickletools.genops(fh):
                        pass
                if fh.read(1):
                    return False
    except (ValueError, OSError, EOFError):
        return False
    return True


def _discard_numba_entries(path: Path) -> None:
    for entry in path.parent.glob(f"__pycache__/{path.stem}.*"):
        with contextlib.suppress(OSError):
            entry.unlink()


def _cached_file(source: str, tag: str) -> Path | None:
    """The cache file holding exactly ``source`` (written if needed), or None."""
    path = cache_dir() / f"{tag}_{_key(source)}.py"
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == source:
            if not _numba_entries_readable(path):
                _discard_numba_entries(path)
            return path
        _discard_numba_entries(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, source)
        probe = path.parent / "__pycache__"
        probe.mkdir(exist_ok=True)
        if not os.access(probe, os.W_OK):
            raise PermissionError(f"{probe} is not writable")
        return path
    except (OSError, UnicodeDecodeError) as exc:
        _warn_once(f"the kernel cache {cache_dir()} cannot be used ({exc.__class__.__name__})")
        return None


def load_module(source: str, tag: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """Run generated ``source`` and return its namespace.

    ``source`` must use ``_CACHE`` as the ``cache=`` argument of its numba decorators; it
    is set here: True when the source runs from its cache file, False otherwise.

    Parameters
    ----------
    source
        Generated Python (printed from SymPy expressions and fixed templates).
    tag
        A short name for the file (e.g. ``"loss"``, ``"basin"``).
    namespace
        The names the source needs besides its own imports.
    """
    path = _cached_file(source, tag) if enabled() else None
    if path is None:
        name = f"symstab_kernel_{tag}_{next(_counter)}"
        filename = f"<symstab.codegen:{name}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    else:
        name, filename = f"symstab_kernel_{path.stem}", str(path)
    with _lock:
        module = sys.modules.get(name)
        if module is None or module.__dict__.get("__file__") != filename:
            # a real module in sys.modules: numba finds the functions' module by name
            # when it compiles and when it loads its cached code
            module = ModuleType(name)
            module.__dict__.update(namespace)
            module.__dict__.update(_CACHE=path is not None, __file__=filename)
            # Executes GENERATED code printed from a SymPy expression tree and fixed
            # templates (never user text).
            exec(compile(source, filename, "exec"), module.__dict__)
            sys.modules[name] = module
    return module.__dict__


def cache_info() -> dict[str, Any]:
    """Where the cache is, whether it is on, and how many kernel files and bytes it holds."""
    root = cache_dir()
    files = sorted(root.glob("*.py")) if root.is_dir() else []
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.is_dir() else 0
    return {"directory": str(root), "enabled": enabled(), "kernels": len(files),
            "bytes": size}


def clear() -> int:
    """Delete the cache directory; returns the number of kernel files it held."""
    root = cache_dir()
    count = len(list(root.glob("*.py"))) if root.is_dir() else 0
    shutil.rmtree(root, ignore_errors=True)
    return count
