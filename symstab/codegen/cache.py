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
Searches
    :func:`remember_search` / :func:`recall_search` keep the results of searches that
    are expensive to run and cheap to check (e.g. the largest certified radius of a
    trapping ball) as JSON in a ``searches`` subdirectory. They are hints: the caller
    re-verifies a recalled result before it uses it, and searches again if it fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import linecache
import os
import platform
import shutil
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from symstab.storage import cache_root, write_atomic

__all__ = [
    "cache_dir",
    "cache_info",
    "clear",
    "enabled",
    "load_module",
    "recall_search",
    "remember_search",
    "searches_dir",
    "set_enabled",
]

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


def searches_dir() -> Path:
    """The directory of the remembered search results (it may not exist yet)."""
    return cache_root() / "searches"


_searches: dict[str, dict[str, Any]] = {}


def _search_path(kind: str, key: Sequence[Any]) -> tuple[str, Path]:
    digest = hashlib.sha256((_versions() + "\n" + repr(tuple(key))).encode()).hexdigest()
    name = f"{kind}_{digest[:32]}"
    return name, searches_dir() / f"{name}.json"


def recall_search(kind: str, key: Sequence[Any]) -> dict[str, Any] | None:
    """What :func:`remember_search` kept for ``(kind, key)`` in this process or on disk,
    or None. A *hint* only: the caller re-verifies it before using it (a search result
    that is cheap to check, such as a certified radius); a file that cannot be read or
    parsed is ignored. ``key`` is a tuple of exact inputs (text, integers, Fractions)."""
    name, path = _search_path(kind, key)
    if name in _searches:
        return _searches[name]
    if not enabled():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("key") != repr(tuple(key)):
        return None
    _searches[name] = data
    return data


def remember_search(kind: str, key: Sequence[Any], result: dict[str, Any]) -> None:
    """Keep the JSON-able ``result`` of a search for ``(kind, key)``, in this process and
    (when the cache is on) on disk, written atomically; failures to write are silent."""
    name, path = _search_path(kind, key)
    data = {**result, "key": repr(tuple(key))}
    _searches[name] = data
    if not enabled():
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data, sort_keys=True))


def cache_info() -> dict[str, Any]:
    """Where the cache is, whether it is on, how many kernel files and bytes it holds, and
    how many search results are remembered."""
    root = cache_dir()
    files = sorted(root.glob("*.py")) if root.is_dir() else []
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.is_dir() else 0
    searches = searches_dir()
    found = list(searches.glob("*.json")) if searches.is_dir() else []
    return {"directory": str(root), "enabled": enabled(), "kernels": len(files),
            "bytes": size, "searches": len(found), "searches_directory": str(searches)}


def clear() -> int:
    """Delete the kernel files and the remembered search results; returns the number of
    kernel files there were."""
    root = cache_dir()
    count = len(list(root.glob("*.py"))) if root.is_dir() else 0
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(searches_dir(), ignore_errors=True)
    _searches.clear()
    return count
