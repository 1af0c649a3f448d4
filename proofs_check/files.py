"""Claims files: a user's claims in TOML, checked like the seed claims.

A claims file is a TOML document with one ``[[claim]]`` table per claim (the schema is in
``docs/claims.md``)::

    [[claim]]
    id = "quadratic-threshold"
    loss = "x**2/2 + y**2"
    property = "threshold_equals"
    expected = "1"

:func:`load_claims` reads a file, validates every key, and builds the claims with the
builders of :mod:`proofs_check.properties` (or takes a seed claim by id for
``property = "builtin"``). Untrusted text in the file (losses, numbers) goes through the
whitelist parser of :mod:`symstab.parse`; nothing is evaluated.

Every problem raises a :class:`ClaimsFileError` (an :class:`~symstab.errors.InputError`)
whose one-line message names the file, the line and the key, e.g.
``claims.toml:7: key 'eta': bad step size '1/0': division by zero (column 3)``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sympy as sp

from proofs_check.core import Claim, Verdict
from symstab.errors import InputError
from symstab.evidence import Strength

__all__ = [
    "MAX_CLAIMS",
    "MAX_CLAIM_TABLES",
    "MAX_FILE_BYTES",
    "MAX_RANGE_COUNT",
    "PROPERTIES",
    "ClaimsFileError",
    "claim_origin",
    "load_claims",
    "parse_claims",
]

#: Largest accepted claims file, in bytes (checked before it is read).
MAX_FILE_BYTES = 256 * 1024
#: Most ``[[claim]]`` tables in one file.
MAX_CLAIM_TABLES = 100
#: Most claims one file may expand to (after ``eta_range``).
MAX_CLAIMS = 200
#: Most step sizes in one ``eta_range``.
MAX_RANGE_COUNT = 50
#: Longest claim id.
MAX_ID_LENGTH = 100

_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:+=\-]*")
_TAG_PREFIX = "file:"


class ClaimsFileError(InputError):
    """A problem in a claims file, located by file, line and key.

    Parameters
    ----------
    path
        The file, as given.
    line
        1-based line number, or ``None`` when no line applies (unreadable file).
    key
        The TOML key at fault, or ``None``.
    problem
        What is wrong, one line.

    Notes
    -----
    ``str(error)`` is ``"<path>:<line>: key '<key>': <problem>"``.
    """

    def __init__(self, path: str, line: int | None, key: str | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.detail = " ".join(str(problem).split())
        location = f"{path}:{line}" if line is not None else path
        keyed = f"key '{key}': " if key else ""
        super().__init__(f"{location}: {keyed}{self.detail}")


@dataclass(frozen=True)
class PropertySpec:
    """The keys a ``property`` accepts, and how it becomes a claim.

    Attributes
    ----------
    required
        Keys that must be present.
    optional
        Keys that may be present.
    one_of
        Groups of keys of which exactly one must be present (``eta`` / ``eta_range``).
    at_most_one
        Groups of keys of which at most one may be present (``point`` / ``box``).
    """

    required: frozenset[str]
    optional: frozenset[str]
    one_of: tuple[frozenset[str], ...] = ()
    at_most_one: tuple[frozenset[str], ...] = ()

    @property
    def allowed(self) -> frozenset[str]:
        """Every key the property accepts."""
        keys = set(self.required) | set(self.optional)
        for group in self.one_of + self.at_most_one:
            keys |= group
        return frozenset(keys)


_COMMON = frozenset({"id", "loss", "params", "property", "evidence", "title", "expect"})
_REQUIRED = frozenset({"id", "loss", "property"})
_ETA = frozenset({"eta", "eta_range"})

#: The properties a claims file may use, with their keys.
PROPERTIES: dict[str, PropertySpec] = {
    "threshold_equals": PropertySpec(required=_REQUIRED | {"expected"}, optional=_COMMON),
    "converges_from": PropertySpec(
        required=_REQUIRED, optional=_COMMON, one_of=(_ETA, frozenset({"point", "box"}))),
    "forward_invariant": PropertySpec(required=_REQUIRED, optional=_COMMON, one_of=(_ETA,)),
    "descent_inequality": PropertySpec(
        required=_REQUIRED, optional=_COMMON | {"constant", "invariance"}, one_of=(_ETA,)),
    "fraction_below": PropertySpec(
        required=_REQUIRED | {"box", "bound"}, optional=_COMMON, one_of=(_ETA,)),
    "fraction_above": PropertySpec(
        required=_REQUIRED | {"box", "bound"}, optional=_COMMON, one_of=(_ETA,)),
    "builtin": PropertySpec(
        required=frozenset({"property", "builtin"}), optional=frozenset({"evidence"})),
}


# -- locating keys in the text ----------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[\s*(?:\"claim\"|'claim'|claim)\s*\]\]")
_TABLE = re.compile(r"^\s*\[")


class _Locator:
    """Finds the line of a key in the k-th ``[[claim]]`` block (good enough for messages)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers = [i for i, line in enumerate(self.lines) if _HEADER.match(line)]

    def _block(self, index: int | None) -> range:
        if index is None or index >= len(self.headers):
            first_table = next((i for i, line in enumerate(self.lines) if _TABLE.match(line)),
                               len(self.lines))
            return range(0, first_table)
        start = self.headers[index]
        end = next((i for i in range(start + 1, len(self.lines)) if _TABLE.match(self.lines[i])),
                   len(self.lines))
        return range(start, end)

    def line(self, index: int | None, key: str | None = None) -> int:
        """1-based line of ``key`` in claim block ``index`` (the block header if not found)."""
        block = self._block(index)
        if key is not None:
            pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|"
                                 rf"'{re.escape(key)}')\s*=")
            for i in block:
                if pattern.match(self.lines[i]):
                    return i + 1
        if index is not None and index < len(self.headers):
            return self.headers[index] + 1
        return (block.start + 1) if self.lines else 1


# -- value checks -------------------------------------------------------------------------------


def _short(text: object, limit: int = 40) -> str:
    s = str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _type_name(value: object) -> str:
    return {str: "a string", int: "an integer", float: "a float", bool: "a boolean",
            list: "an array", dict: "a table"}.get(type(value), type(value).__name__)


class _Claim:
    """One ``[[claim]]`` table being validated."""

    def __init__(self, path: str, locator: _Locator, index: int, table: dict[str, Any]) -> None:
        self.path = path
        self.locator = locator
        self.index = index
        self.table = table

    def error(self, key: str | None, problem: str) -> ClaimsFileError:
        return ClaimsFileError(self.path, self.locator.line(self.index, key), key, problem)

    def text(self, key: str) -> str:
        value = self.table[key]
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, not {_type_name(value)}")
        if not value.strip():
            raise self.error(key, "must not be empty")
        return value

    def number(self, key: str, value: object, *, what: str = "number") -> sp.Expr:
        """An exact real number from TOML text, an integer or a float (no eval)."""
        from symstab.parse import as_exact_number

        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(key, f"{what} must be a number or a string, not "
                                  f"{_type_name(value)}")
        try:
            number = as_exact_number(value, what)
        except InputError as exc:
            raise self.error(key, f"not a number: {_short(value)!r} ({exc})") from None
        if number.is_extended_real is not True or number.is_finite is not True:
            raise self.error(key, f"not a finite real number: {_short(value)!r}")
        return number

    def eta(self, key: str, value: object) -> sp.Expr:
        """The exact step size spelled by a TOML string, integer or float
        (:meth:`symstab.inputs.StepSize.of`, with its error under this file's prefix)."""
        from symstab.inputs import StepSize

        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(key, f"step size must be a number or a string, not "
                                  f"{_type_name(value)}")
        try:
            return StepSize.of(value, key).exact
        except InputError as exc:
            position = (exc.where or "").removeprefix(key).lstrip(", ")
            detail = f"{exc.problem} ({position})" if position else exc.problem
            raise self.error(key, f"bad step size {_short(value)!r}: {detail}") from None

    def etas(self) -> list[sp.Expr] | None:
        """The step sizes: ``[eta]``, the expanded ``eta_range``, or None (no η key)."""
        if "eta" in self.table:
            return [self.eta("eta", self.table["eta"])]
        if "eta_range" not in self.table:
            return None
        value = self.table["eta_range"]
        shape = "must be [start, stop, count], e.g. [\"0.1\", \"0.9\", 5]"
        if not isinstance(value, list) or len(value) != 3:
            raise self.error("eta_range", shape)
        count = value[2]
        if isinstance(count, bool) or not isinstance(count, int):
            raise self.error("eta_range", f"count must be an integer, not {_type_name(count)}")
        if not 2 <= count <= MAX_RANGE_COUNT:
            raise self.error("eta_range", f"count must be between 2 and {MAX_RANGE_COUNT}, "
                                          f"got {count}")
        start = self.eta("eta_range", value[0])
        stop = self.eta("eta_range", value[1])
        if (stop - start).is_positive is not True:
            raise self.error("eta_range", f"need start < stop, got {start} and {stop}")
        return [start + (stop - start) * sp.Rational(k, count - 1) for k in range(count)]

    def point(self, n: int) -> tuple[sp.Expr, ...]:
        value = self.table["point"]
        if not isinstance(value, list):
            raise self.error("point", f"must be an array of {n} numbers, not {_type_name(value)}")
        if len(value) != n:
            raise self.error("point", f"must have {n} coordinate(s), one per parameter, "
                                      f"got {len(value)}")
        return tuple(self.number("point", v, what="coordinate") for v in value)

    def box(self, n: int) -> tuple[tuple[sp.Expr, sp.Expr], ...]:
        value = self.table["box"]
        shape = f"must be an array of {n} [lo, hi] pairs, one per parameter"
        if not isinstance(value, list):
            raise self.error("box", f"{shape}, not {_type_name(value)}")
        if len(value) != n:
            raise self.error("box", f"{shape}, got {len(value)}")
        sides = []
        for i, pair in enumerate(value, start=1):
            if not isinstance(pair, list) or len(pair) != 2:
                raise self.error("box", f"side {i} must be a pair [lo, hi]")
            lo, hi = (self.number("box", v, what="box bound") for v in pair)
            if (hi - lo).is_positive is not True:
                raise self.error("box", f"side {i}: need lo < hi, got [{lo}, {hi}]")
            sides.append((lo, hi))
        return tuple(sides)

    def bound(self, *, below: bool) -> float:
        value = self.table["bound"]
        number = self.number("bound", value, what="bound")
        if below and not (number.is_positive and (1 - number).is_nonnegative):
            raise self.error("bound", f"must be in (0, 1], got {_short(value)!r}")
        if not below and not (number.is_nonnegative and (1 - number).is_positive):
            raise self.error("bound", f"must be in [0, 1), got {_short(value)!r}")
        return float(number)

    def expect(self) -> Verdict | None:
        if "expect" not in self.table:
            return None
        value = self.table["expect"]
        if value not in ("holds", "fails"):
            raise self.error("expect", f"must be \"holds\" or \"fails\", got {_short(value)!r}")
        return Verdict(value)

    def flag(self, key: str) -> bool:
        value = self.table[key]
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, not {_type_name(value)}")
        return value

    def evidence(self) -> Strength | None:
        if "evidence" not in self.table:
            return None
        value = self.table["evidence"]
        levels = ", ".join(s.value for s in Strength)
        if not isinstance(value, str) or value not in {s.value for s in Strength}:
            raise self.error("evidence", f"must be one of {levels}, got {_short(value)!r}")
        return Strength(value)


# -- building -----------------------------------------------------------------------------------


def _properties_module() -> Any:
    import proofs_check.properties as properties

    return properties


def _seed_claim(claim_id: str) -> Claim:
    from proofs_check.seeds import seed_claim

    return seed_claim(claim_id)


def _seed_ids() -> list[str]:
    from proofs_check.seeds import seed_claims

    return [c.id for c in seed_claims()]


class _Builder:
    """Builds the claims of one parsed TOML document."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.locator = _Locator(text)
        self.losses: dict[tuple[str, Any], Any] = {}

    def loss(self, c: _Claim) -> Any:
        from symstab.loss import load_loss
        from symstab.parse import parse_param_names

        text = c.text("loss")
        params = c.table.get("params")
        if params is not None:
            if isinstance(params, list):
                if not all(isinstance(p, str) for p in params):
                    raise c.error("params", "must be a string \"x,y\" or an array of names")
                params = tuple(params)
            elif not isinstance(params, str):
                raise c.error("params", f"must be a string \"x,y\" or an array of names, "
                                        f"not {_type_name(params)}")
            try:
                parse_param_names(params)
            except InputError as exc:
                raise c.error("params", str(exc)) from None
        cache_key = (text, params)
        if cache_key not in self.losses:
            try:
                self.losses[cache_key] = load_loss(text, params)
            except InputError as exc:
                raise c.error("loss", str(exc)) from None
        return self.losses[cache_key]

    def claims(self, c: _Claim) -> list[Claim]:
        table = c.table
        if "property" not in table:
            raise c.error("property", "missing required key")
        prop = table["property"]
        if not isinstance(prop, str) or prop not in PROPERTIES:
            known = ", ".join(PROPERTIES)
            raise c.error("property", f"unknown property {_short(prop)!r} (known: {known})")
        spec = PROPERTIES[prop]
        for key in table:
            if key not in spec.allowed:
                allowed = ", ".join(sorted(spec.allowed))
                hint = difflib.get_close_matches(key, sorted(spec.allowed), n=1)
                did = f" (did you mean '{hint[0]}'?)" if hint else ""
                raise c.error(key, f"unknown key for property '{prop}'{did}; "
                                   f"allowed: {allowed}")
        for key in sorted(spec.required):
            if key not in table:
                raise c.error(key, f"missing required key for property '{prop}'")
        for group in spec.one_of:
            present = sorted(k for k in group if k in table)
            names = " or ".join(f"'{k}'" for k in sorted(group))
            if not present:
                raise c.error(sorted(group)[0], f"missing: give {names}")
            if len(present) > 1:
                raise c.error(present[1], f"give {names}, not both")
        for group in spec.at_most_one:
            present = sorted(k for k in group if k in table)
            if len(present) > 1:
                names = " or ".join(f"'{k}'" for k in sorted(group))
                raise c.error(present[1], f"give {names}, not both")
        strength = c.evidence()
        line = self.locator.line(c.index)
        built = [self.builtin(c)] if prop == "builtin" else self.property_claims(c, prop)
        out = []
        for claim in built:
            if strength is not None:
                claim = claim.requiring(strength)
            tags = (*claim.tags, f"{_TAG_PREFIX}{self.path}:{line}")
            out.append(replace(claim, tags=tags))
        return out

    def builtin(self, c: _Claim) -> Claim:
        name = c.text("builtin")
        try:
            return _seed_claim(name)
        except KeyError:
            hint = difflib.get_close_matches(name, _seed_ids(), n=3)
            did = f" (did you mean {', '.join(hint)}?)" if hint else ""
            raise c.error("builtin", f"unknown builtin claim id {_short(name)!r}{did}; "
                                     f"`proofs-check --list` lists them") from None

    def property_claims(self, c: _Claim, prop: str) -> list[Claim]:
        claim_id = c.text("id")
        if len(claim_id) > MAX_ID_LENGTH or not _ID_PATTERN.fullmatch(claim_id):
            raise c.error("id", f"bad id {_short(claim_id)!r}: use letters, digits and "
                                f"_ . : + = -, at most {MAX_ID_LENGTH} characters")
        title = c.text("title") if "title" in c.table else None
        loss = self.loss(c)
        kwargs: dict[str, Any] = {}
        if prop == "threshold_equals":
            kwargs["expected"] = c.number("expected", c.table["expected"], what="expected value")
        if "point" in c.table:
            kwargs["point"] = c.point(loss.n)
        if "box" in c.table:
            kwargs["box"] = c.box(loss.n)
        if "bound" in c.table:
            kwargs["bound"] = c.bound(below=prop == "fraction_below")
        if "constant" in c.table:
            kwargs["constant"] = c.text("constant")
        if "invariance" in c.table:
            kwargs["invariance"] = c.flag("invariance")
        expect = c.expect()
        etas = c.etas()
        builder: Callable[..., Claim] = getattr(_properties_module(), prop)
        claims = []
        for eta in etas if etas is not None else [None]:
            this_id = claim_id
            args = dict(kwargs)
            if eta is not None:
                args["eta"] = eta
                if "eta_range" in c.table:
                    this_id = f"{claim_id}[eta={eta}]"
            try:
                claim = builder(loss, id=this_id, **args)
            except InputError as exc:
                key = exc.where if exc.where in c.table else "property"
                raise c.error(key, f"cannot build '{prop}': {exc.problem}") from None
            except (ValueError, TypeError) as exc:
                raise c.error("property", f"cannot build '{prop}': {exc}") from None
            if title is not None:
                claim = replace(claim, title=title)
            if expect is not None:
                claim = replace(claim, expected=expect)
            claims.append(claim)
        return claims


def parse_claims(text: str, path: str = "<claims>") -> list[Claim]:
    """Build the claims of a claims file given as text.

    Parameters
    ----------
    text
        The TOML document.
    path
        The name used in error messages (and in each claim's ``file:`` tag).

    Returns
    -------
    list of Claim
        The claims, in file order (an ``eta_range`` expands to one claim per η, with ids
        suffixed ``[eta=...]``).

    Raises
    ------
    ClaimsFileError
        For every problem, with the file, line and key in its one-line message.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ClaimsFileError(path, None, None, f"file too large (limit {MAX_FILE_BYTES} bytes)")
    try:
        document = tomllib.loads(text)
    except RecursionError:
        raise ClaimsFileError(path, None, None, "values nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if match:
            line = int(match.group(1))
            message = message[: match.start()].strip() + f" (column {match.group(2)})"
        else:
            line = max(1, len(text.splitlines()))
            message = re.sub(r"\s*\(at end of document\)", " (at end of file)", message)
        raise ClaimsFileError(path, line, None, f"not valid TOML: {message}") from None
    builder = _Builder(path, text)
    locator = builder.locator
    for key in document:
        if key != "claim":
            raise ClaimsFileError(path, locator.line(None, key), key,
                                  "unknown top-level key; claims go in [[claim]] tables")
    tables = document.get("claim")
    if tables is None:
        raise ClaimsFileError(path, 1, None, "no [[claim]] table")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ClaimsFileError(path, locator.line(None, "claim"), "claim",
                              "must be an array of tables: write [[claim]]")
    if not tables:
        raise ClaimsFileError(path, 1, None, "no [[claim]] table")
    if len(tables) > MAX_CLAIM_TABLES:
        raise ClaimsFileError(path, locator.line(MAX_CLAIM_TABLES), None,
                              f"too many [[claim]] tables ({len(tables)}, limit "
                              f"{MAX_CLAIM_TABLES})")
    claims: list[Claim] = []
    seen: dict[str, int] = {}
    base_ids: dict[str, int] = {}
    for index, table in enumerate(tables):
        c = _Claim(path, locator, index, table)
        base = table.get("id")
        if isinstance(base, str) and table.get("property") != "builtin":
            if base in base_ids:
                raise c.error("id", f"duplicate claim id {base!r} (first in the claim at line "
                                    f"{base_ids[base]})")
            base_ids[base] = locator.line(index)
        for claim in builder.claims(c):
            if claim.id in seen:
                key = "builtin" if table.get("property") == "builtin" else "id"
                raise c.error(key, f"duplicate claim id {claim.id!r} (first in the claim at "
                                   f"line {seen[claim.id]})")
            seen[claim.id] = locator.line(index)
            claims.append(claim)
            if len(claims) > MAX_CLAIMS:
                raise c.error(None, f"too many claims (more than {MAX_CLAIMS} after expanding "
                                    f"eta_range)")
    return claims


def load_claims(path: str | Path) -> list[Claim]:
    """Read a claims file and build its claims.

    Parameters
    ----------
    path
        A TOML claims file (schema: ``docs/claims.md``).

    Returns
    -------
    list of Claim
        The claims, in file order; each carries a tag ``file:<path>:<line>``.

    Raises
    ------
    ClaimsFileError
        For an unreadable, oversized or invalid file; the one-line message names the
        file, the line and the key, e.g. ``claims.toml:7: key 'eta': ...``.
    """
    name = str(path)
    target = Path(path)
    try:
        size = target.stat().st_size
        if not target.is_file():
            raise ClaimsFileError(name, None, None, "not a file")
        if size > MAX_FILE_BYTES:
            raise ClaimsFileError(name, None, None,
                                  f"file too large ({size} bytes, limit {MAX_FILE_BYTES})")
        data = target.read_bytes()
    except OSError as exc:
        raise ClaimsFileError(name, None, None,
                              f"cannot read: {exc.strerror or type(exc).__name__}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ClaimsFileError(name, line, None, "not UTF-8 text") from None
    return parse_claims(text, name)


def claim_origin(claim: Claim) -> str:
    """Where a claim comes from: ``"<file>:<line>"`` for a claims-file claim, else ``"seed"``.

    Parameters
    ----------
    claim
        A claim from :func:`load_claims` or from the seeds.

    Returns
    -------
    str
        The ``file:`` tag without its prefix, or ``"seed"``.
    """
    for tag in claim.tags:
        if tag.startswith(_TAG_PREFIX):
            return tag[len(_TAG_PREFIX):]
    return "seed"
