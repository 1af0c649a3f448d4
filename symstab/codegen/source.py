"""Generated source: CSE blocks, printing them as assignments, running the result.

Every target prints its functions from :class:`Block` objects: the output of
``sympy.cse`` on some expressions, ``replacements`` (``c0 = ...``, ``c1 = ...``) in order
and then the reduced ``outputs``. :func:`lines` prints the replacements with a target's
code printer; :func:`exec_generated` compiles and runs the printed source.

The generated Python source is printed from a SymPy expression tree, never from user
text, and is run with ``compile``/``exec`` in a fresh namespace holding only the
numeric module it needs.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symstab.errors import InputError

__all__ = ["Block", "cse", "exec_generated", "generated_function", "lines"]


@dataclass(frozen=True)
class Block:
    """CSE of some expressions: ``replacements`` (sym, expr) in order, then ``outputs``."""

    replacements: tuple[tuple[sp.Symbol, sp.Expr], ...]
    outputs: tuple[sp.Expr, ...]


def cse(exprs: Sequence[sp.Expr]) -> Block:
    """Common-subexpression elimination of ``exprs`` (symbols ``c0, c1, ...``)."""
    replacements, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("c"))
    return Block(tuple(replacements), tuple(reduced))


_source_counter = itertools.count()


def exec_generated(source: str, namespace: dict[str, Any], what: str) -> dict[str, Any]:
    """Compile and run generated ``source`` in ``namespace``; return the namespace.

    ``source`` is Python printed by a SymPy code printer from a SymPy expression tree
    (after the user's symbol names were replaced by ``p0, p1, ...``); it is never user
    text. The source is registered with :mod:`linecache` so tracebacks show it.

    Parameters
    ----------
    source
        The generated Python source.
    namespace
        The names the source calls (the numeric module of its target, constants).
    what
        A short tag for the file name shown in tracebacks.
    """
    filename = f"<symstab.codegen:{what}:{next(_source_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(source, filename, "exec")
    # Executes GENERATED code printed from a sympy expression tree (never user text).
    exec(code, namespace)
    return namespace


def lines(block: Block, printer: Any, indent: str = "    ") -> list[str]:
    """The replacements of ``block`` as assignment lines ``c0 = ...``, printed by ``printer``."""
    return [f"{indent}{sym} = {printer.doprint(val)}" for sym, val in block.replacements]


def generated_function(
    source: str, namespace: dict[str, Any], name: str, what: str
) -> Callable[..., Any]:
    """Run generated ``source`` (see :func:`exec_generated`) and return its function ``name``.

    Raises
    ------
    InputError
        If ``name`` is already a name of ``namespace`` (the generated code calls it).
    """
    if name in namespace:
        raise InputError(f"the name {name!r} is taken in generated code", "name")
    return exec_generated(source, namespace, what)[name]
