"""Result datasets as files: netCDF-4 (``.nc``, through h5netcdf) or Zarr (``.zarr``).

:func:`write_dataset` stores a dataset made by :mod:`symstab.dynamics.datasets`
atomically: it is written under a temporary name in the same directory and renamed, so
an interrupted or failing write leaves no partial file and keeps any previous one.
:func:`read_dataset` reads either format back into memory; :func:`check_output` checks a
path and the installed engines before any work is done.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from symstab.dynamics.datasets import EXTRA_HINT, require_xarray, result_kind
from symstab.errors import InputError

__all__ = ["FORMATS", "check_output", "read_dataset", "write_dataset"]

#: File suffix -> storage format.
FORMATS = {".nc": "netcdf", ".nc4": "netcdf", ".zarr": "zarr"}


def _engine(fmt: str, where: str = "--out") -> None:
    """Check that the engine of ``fmt`` can be imported (an :class:`InputError` if not)."""
    modules = ("h5netcdf", "h5py") if fmt == "netcdf" else ("zarr",)
    for name in modules:
        try:
            __import__(name)
        except ImportError:
            raise InputError(f"the {fmt} format needs {name}: {EXTRA_HINT}", where) from None


def _format(path: str | Path, where: str = "--out") -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"a result file must end in .nc (netCDF) or .zarr (Zarr), got "
                         f"{str(path)!r}", where)
    return FORMATS[suffix]


def check_output(path: str | Path, where: str = "--out") -> str:
    """Check, before any work, that a result can be written to ``path``.

    Parameters
    ----------
    path
        The file (``.nc``) or directory (``.zarr``) to write.
    where
        Named in the error.

    Returns
    -------
    str
        The format: ``"netcdf"`` or ``"zarr"``.

    Raises
    ------
    InputError
        A suffix other than ``.nc``/``.nc4``/``.zarr``, a missing directory, or xarray or
        the format's engine not installed (the message names the ``data`` extra).
    """
    fmt = _format(path, where)
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise InputError(f"no directory {str(parent)!r} to write {str(path)!r} in", where)
    if fmt == "netcdf" and Path(path).is_dir():
        raise InputError(f"{str(path)!r} is a directory", where)
    store = Path(path)
    if fmt == "zarr" and store.exists() and not any(
            (store / name).exists() for name in ("zarr.json", ".zgroup")):
        raise InputError(f"{str(path)!r} exists and is not a Zarr store: not replaced", where)
    require_xarray(where)
    _engine(fmt, where)
    return fmt


def write_dataset(ds: Any, path: str | Path) -> Path:
    """Store a dataset at ``path`` atomically: netCDF-4 for ``.nc``, Zarr for ``.zarr``.

    The dataset is written under a temporary name in the same directory and renamed to
    ``path`` only when complete; on any failure the temporary file or directory is
    removed and an existing ``path`` is left as it was.

    Parameters
    ----------
    ds
        The dataset.
    path
        Where to store it.

    Returns
    -------
    pathlib.Path
    """
    fmt = check_output(path)
    target = Path(path)
    if fmt == "netcdf":
        from symstab.storage import write_with

        encoding = {name: {"zlib": True, "complevel": 4} for name, var in ds.data_vars.items()
                    if var.size > 1}
        write_with(target, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf",
                                                    encoding=encoding))
        return target
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".zarr"))
    old: Path | None = None
    try:
        ds.to_zarr(tmp, mode="w", consolidated=False)
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old."))
            os.replace(target, old / target.name)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not target.exists():
            with contextlib.suppress(OSError):
                os.replace(old / target.name, target)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return target


def read_dataset(path: str | Path, where: str = "FILE") -> Any:
    """Read a result stored by :func:`write_dataset` into memory.

    Parameters
    ----------
    path
        A ``.nc`` file or a ``.zarr`` directory.
    where
        Named in errors.

    Returns
    -------
    xarray.Dataset
    """
    fmt = _format(path, where)
    xr = require_xarray(where)
    _engine(fmt, where)
    if not Path(path).exists():
        raise InputError(f"no such file: {str(path)!r}", where)
    try:
        if fmt == "netcdf":
            with xr.open_dataset(path, engine="h5netcdf") as ds:
                out = ds.load()
        else:
            with xr.open_zarr(path, consolidated=False) as ds:
                out = ds.load()
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"cannot read {str(path)!r} as {fmt}: {exc}", where) from None
    result_kind(out)
    return out
