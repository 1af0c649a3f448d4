"""The option parsers every ``symstab`` command shares.

Each parser turns the text of one option into the value the library takes (a
:class:`~symstab.inputs.StepSize`, a :class:`~symstab.inputs.Point`, a grid spec, ...)
or raises :class:`~symstab.errors.InputError` naming the option, which
:func:`symstab.cli.main` prints as one line with exit code 2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from symstab.errors import InputError

if TYPE_CHECKING:  # imported where used: ``symstab --help`` stays fast
    from symstab.inputs import Point, StepSize

__all__ = [
    "MAX_DIGITS",
    "bounded_option",
    "box_option",
    "dask_client",
    "digits_option",
    "eta_option",
    "etas_option",
    "grid_option",
    "periods_option",
    "plot_path_option",
    "point_option",
    "timeout_option",
]

#: The largest ``--digits`` and ``--dps`` any command accepts.
MAX_DIGITS = 1000
#: The largest ``--timeout`` (seconds) any command accepts: one week.
MAX_TIMEOUT = 7 * 24 * 3600.0


def timeout_option(value: Any, name: str = "--timeout") -> float:
    """A wall-clock budget in seconds: a finite number in (0, :data:`MAX_TIMEOUT`]."""
    import math

    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise InputError(f"not a number of seconds: {value!r}", name) from None
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_TIMEOUT:
        raise InputError(f"must be a number of seconds in (0, {MAX_TIMEOUT:g}]", name)
    return seconds


def bounded_option(value: int, name: str, lo: int, hi: int) -> int:
    """``value`` if ``lo <= value <= hi``, else an error naming the option ``--<name>``.

    Parameters
    ----------
    value
        The option's value (already an int, by click).
    name
        The option's name without dashes (``"steps"``, ``"max-steps"``, ``"dps"``).
    lo, hi
        The allowed range, inclusive.

    Returns
    -------
    int
    """
    if not lo <= value <= hi:
        raise InputError(f"{name} must be between {lo} and {hi}", f"--{name}")
    return value


def digits_option(value: int) -> int:
    """The ``--digits`` value, between 1 and :data:`MAX_DIGITS`."""
    return bounded_option(value, "digits", 1, MAX_DIGITS)


def eta_option(text: str | None, option: str = "--eta") -> StepSize | None:
    """The step size of an ``--eta`` option (None if absent).

    Parameters
    ----------
    text
        The option's text, e.g. ``"0.05"``, ``"1/20"``, ``"sqrt(2)/3"``.
    option
        The option named in the error.

    Returns
    -------
    StepSize or None

    Raises
    ------
    InputError
        One line naming the option and its text (``--eta '0'``).
    """
    from symstab.inputs import StepSize

    if text is None:
        return None
    return StepSize.of(text, where=f"{option} {text!r}" if len(text) < 40 else option)


def etas_option(text: str) -> list[StepSize]:
    """'0.1:1.2:12' (start:stop:count, inclusive) or a comma list '0.3,0.6,1.1' of exact etas.

    Returns
    -------
    list of StepSize
    """
    from symstab.inputs import StepSize

    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3 or not parts[2].strip().isdigit():
            raise InputError("expected start:stop:count", "--etas")
        start, stop = (eta_option(p, "--etas").exact for p in parts[:2])
        count = int(parts[2])
        if not 2 <= count <= 1000 or not start < stop:
            raise InputError("need start < stop and 2 <= count <= 1000", "--etas")
        return [StepSize.of(start + (stop - start) * k / (count - 1), where="--etas")
                for k in range(count)]
    etas = [eta_option(p, "--etas") for p in text.split(",")]
    if not 1 <= len(etas) <= 1000:
        raise InputError("give 1 to 1000 step sizes", "--etas")
    return etas


def point_option(text: str, n: int, option: str) -> Point:
    """Parse 'a,b,...' into a point of n exact real coordinates (each by the whitelist
    parser).

    Parameters
    ----------
    text
        The option's text.
    n
        The number of coordinates (the loss's).
    option
        The option named in errors (``"--from"``).

    Returns
    -------
    Point
    """
    from symstab.inputs import Point
    from symstab.parse import parse_expression

    parts = text.split(",")
    if len(parts) != n:
        raise InputError(f"expected {n} comma-separated coordinates, got {len(parts)}", option)
    values = []
    for part in parts:
        try:
            value = parse_expression(part, allow_symbols=False, what="coordinate")
        except InputError as exc:
            raise InputError(exc.problem, f"{option} coordinate {len(values) + 1}") from None
        if not (value.is_real and value.is_finite):
            raise InputError(f"coordinate {part.strip()!r} is not a finite real number", option)
        values.append(value)
    return Point.of(values, n, where=option)


def plot_path_option(path: str) -> str:
    """Validate a figure path: a known image suffix in an existing directory."""
    from pathlib import Path

    target = Path(path)
    if target.suffix.lower() not in {".png", ".svg", ".pdf"}:
        raise InputError("figure file must end in .png, .svg or .pdf", "--plot")
    if not target.parent.resolve().is_dir():
        raise InputError(f"directory {str(target.parent)!r} does not exist", "--plot")
    return str(target)


def grid_option(text: str, n: int) -> tuple[tuple[float, float, int], ...]:
    """Parse 'xmin,xmax,nx;ymin,ymax,ny' (one group per parameter) into a grid spec."""
    from symstab.parse import parse_expression

    groups = text.split(";")
    if len(groups) != n:
        raise InputError(f"expected {n} ';'-separated axis specs 'min,max,count'", "--grid")
    axes = []
    for i, group in enumerate(groups, 1):
        parts = group.split(",")
        if len(parts) != 3:
            raise InputError(f"axis {i} must be 'min,max,count'", "--grid")
        try:
            lo, hi = (float(parse_expression(p, allow_symbols=False, what="grid bound"))
                      for p in parts[:2])
        except (InputError, TypeError) as exc:
            raise InputError(f"axis {i}: {getattr(exc, 'problem', exc)}", "--grid") from None
        count = parts[2].strip()
        if not (count.isascii() and count.isdigit()) or not 1 <= int(count) <= 10_000:
            raise InputError(f"axis {i}: count must be an integer from 1 to 10000", "--grid")
        if not (lo < hi) or not all(map(lambda v: abs(v) < 1e300, (lo, hi))):
            raise InputError(f"axis {i}: need finite min < max", "--grid")
        axes.append((lo, hi, int(count)))
    return tuple(axes)


def box_option(text: str | None, n: int) -> tuple[tuple[float, float], ...]:
    """Parse a search box 'lo,hi;lo,hi' (one side per parameter; default [-3, 3] each)."""
    from symstab.parse import parse_expression

    if text is None:
        return tuple((-3.0, 3.0) for _ in range(n))
    groups = text.split(";")
    if len(groups) != n:
        raise InputError(f"expected {n} ';'-separated sides 'lo,hi'", "--box")
    out = []
    for i, group in enumerate(groups, 1):
        parts = group.split(",")
        if len(parts) != 2:
            raise InputError(f"side {i} must be 'lo,hi'", "--box")
        try:
            lo, hi = (float(parse_expression(p, allow_symbols=False, what="box bound"))
                      for p in parts)
        except (InputError, TypeError) as exc:
            raise InputError(f"side {i}: {getattr(exc, 'problem', exc)}", "--box") from None
        if not (lo < hi) or not all(abs(v) < 1e6 for v in (lo, hi)):
            raise InputError(f"side {i}: need finite lo < hi, |bounds| < 1e6", "--box")
        out.append((lo, hi))
    return tuple(out)


def periods_option(text: str) -> tuple[int, ...]:
    """A period or a comma list of periods, each between 1 and 16 (at most 8 of them)."""
    parts = [p.strip() for p in text.split(",")]
    if not parts or not all(p.isdigit() for p in parts):
        raise InputError("period must be a positive integer or a comma list of them",
                         "--period")
    values = tuple(int(p) for p in parts)
    if not all(1 <= v <= 16 for v in values) or len(values) > 8:
        raise InputError("periods must be between 1 and 16 (at most 8 of them)", "--period")
    return values


def dask_client(scheduler: str | None, workers: int) -> Any:
    """The Dask client of ``--scheduler`` / ``--workers`` (None: no cluster).

    Returns
    -------
    dask.distributed.Client or None
        The caller closes it.
    """
    if workers < 0:
        raise InputError("must be 0 (no cluster) or a positive number of workers", "--workers")
    if scheduler and workers:
        raise InputError("give --scheduler or --workers, not both")
    if not scheduler and workers == 0:
        return None
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}",
                             "--scheduler") from None
    if workers > 64:
        raise InputError("at most 64 local workers", "--workers")
    return Client(LocalCluster(n_workers=workers, threads_per_worker=1))
