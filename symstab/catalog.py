"""The catalog of named losses from the seed papers.

Each entry is data: a name, its parameters, how to build its expression, and
where it comes from. A new loss is added by adding an entry here, nothing else.
``deep-chain-D`` (any depth D >= 2) is the depth-D scalar linear network
½(1 - x1 x2 ... xD)².
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

MAX_CHAIN_DEPTH = 12


@dataclass(frozen=True)
class CatalogEntry:
    """A named loss.

    Attributes
    ----------
    name
        Catalog name (what the CLI accepts).
    param_names
        Parameter names, in order.
    build
        Builds the expression from the parameter symbols.
    source
        Paper, equation or figure the loss comes from.
    description
        One line for listings.
    """

    name: str
    param_names: tuple[str, ...]
    build: Callable[[tuple[sp.Symbol, ...]], sp.Expr]
    source: str
    description: str


_CHEN = "Chen, Peng, Li, Zhao, 'On the Unstable Convergence Regime of Gradient Descent', AAAI 2024"
_CRACIUN = (
    "Crăciun & Ghoshdastidar, 'On the Convergence of Gradient Descent for Large Learning Rates', "
    "2024"
)
_TAO = (
    "Tao & Wang, expository blog on large learning rates (after Wang, Chen, Zhao, Tao, ICLR 2022)"
)

_half = sp.Rational(1, 2)


def _chain(symbols: tuple[sp.Symbol, ...]) -> sp.Expr:
    return _half * (1 - sp.Mul(*symbols)) ** 2


_ENTRIES: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        "f1",
        ("x", "y"),
        lambda s: s[0] ** 2 + s[1] ** 2 + s[0] ** 2 * s[1] + s[0] ** 3 + s[1] ** 3,
        f"{_CHEN}, eq. (43)",
        "x² + y² + x²y + x³ + y³; strict local minimum (0, 0), λmax = 2",
    ),
    CatalogEntry(
        "f2",
        ("x", "y"),
        lambda s: s[0] ** 2 + s[1] ** 2 + s[0] ** 2 * s[1] + s[0] ** 4 + s[1] ** 4,
        f"{_CHEN}, eq. (44)",
        "x² + y² + x²y + x⁴ + y⁴; unique global minimum (0, 0), λmax = 2",
    ),
    CatalogEntry(
        "f3",
        ("x", "y"),
        lambda s: s[0] ** 4 * s[1] ** 2 + s[0] ** 2 * s[1] ** 4 - 3 * s[0] ** 2 * s[1] ** 2 + 1,
        f"{_CHEN}, eq. (45)",
        "x⁴y² + x²y⁴ − 3x²y² + 1; minima (±1, ±1), λmax = 12; axes critical",
    ),
    CatalogEntry(
        "f4",
        ("x", "y"),
        lambda s: (1 - s[0] * s[1]) ** 2 + sp.Rational(1, 20) * (s[0] ** 2 + s[1] ** 2),
        f"{_CHEN}, eq. (46)",
        "(1 − xy)² + (x² + y²)/20; minima ±(√19/(2√5))(1, 1), λmax = 19/5",
    ),
    CatalogEntry(
        "xy",
        ("x", "y"),
        _chain,
        f"{_CRACIUN}, Example 1 and Figs. 1-2; {_TAO} (periodic orbits at h = 1.9)",
        "½(1 − xy)²; minima form the hyperbola xy = 1",
    ),
    CatalogEntry(
        "xy2",
        ("x", "y"),
        lambda s: (1 - s[0] * s[1]) ** 2,
        f"{_CHEN}, Conclusion (f = (1 − xy)², non-compact minima)",
        "(1 − xy)² without the ½; minima form the hyperbola xy = 1",
    ),
    CatalogEntry(
        "chain3",
        ("a", "b", "c"),
        _chain,
        f"{_CRACIUN}, depth-3 scalar linear network (Fig. 2)",
        "½(1 − abc)²; minima form the surface abc = 1",
    ),
)

#: Other spellings accepted for catalog names.
ALIASES: dict[str, str] = {"(1-xy)^2": "xy2", "(1-x*y)^2": "xy2", "deep-chain-3": "chain3"}

_CHAIN_PATTERN = re.compile(r"deep-chain-(\d{1,3})")


def _deep_chain(depth: int) -> CatalogEntry:
    names = tuple(f"x{i}" for i in range(1, depth + 1))
    return CatalogEntry(
        f"deep-chain-{depth}",
        names,
        _chain,
        f"{_CRACIUN}, depth-{depth} scalar linear network with squared loss",
        f"½(1 − x1⋯x{depth})²; minima form the hypersurface x1⋯x{depth} = 1",
    )


def catalog_names() -> tuple[str, ...]:
    """The fixed catalog names (``deep-chain-D`` is accepted for any D >= 2 besides these)."""
    return (*(e.name for e in _ENTRIES), "deep-chain-D")


def entries() -> tuple[CatalogEntry, ...]:
    """The fixed catalog entries."""
    return _ENTRIES


def lookup(name: str) -> CatalogEntry | None:
    """The catalog entry called ``name`` (or an alias of it), or ``None``.

    Raises
    ------
    symstab.errors.InputError
        For ``deep-chain-D`` with D outside ``2..MAX_CHAIN_DEPTH``.
    """
    key = ALIASES.get(name.replace(" ", ""), name.strip())
    for entry in _ENTRIES:
        if entry.name == key:
            return entry
    match = _CHAIN_PATTERN.fullmatch(key)
    if match:
        depth = int(match.group(1))
        if not 2 <= depth <= MAX_CHAIN_DEPTH:
            from symstab.errors import InputError

            raise InputError(f"chain depth must be between 2 and {MAX_CHAIN_DEPTH}", name)
        return _deep_chain(depth)
    return None
