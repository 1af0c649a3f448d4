"""The loss type: a SymPy expression with ordered real parameters, safely built.

A :class:`Loss` is built from a SymPy expression (:meth:`Loss.from_expr`), a
catalog name (:meth:`Loss.from_catalog`) or untrusted text
(:meth:`Loss.from_text`, parsed by the whitelist parser in
:mod:`symstab.parse`). :func:`load_loss` picks catalog-or-text the way the CLI
does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from symstab import catalog
from symstab.errors import InputError


@dataclass(frozen=True)
class Loss:
    """A loss function f(θ) of ordered real parameters θ.

    Attributes
    ----------
    expr
        The SymPy expression of f.
    params
        The parameters θ, in order (real SymPy symbols).
    name
        Short name (catalog name, or the text it was parsed from).
    source
        Where it comes from (paper and equation, or "user input").
    """

    expr: sp.Expr
    params: tuple[sp.Symbol, ...]
    name: str
    source: str = "user input"

    def __post_init__(self) -> None:
        if not self.params:
            raise InputError("loss has no parameters")
        if len(set(self.params)) != len(self.params):
            raise InputError("parameters must be distinct", ", ".join(map(str, self.params)))
        extra = self.expr.free_symbols - set(self.params)
        if extra:
            names = ", ".join(sorted(map(str, extra)))
            raise InputError(f"symbol(s) {names} not among the parameters")
        if not self.expr.free_symbols:
            raise InputError("loss is constant")

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_expr(
        cls,
        expr: sp.Expr,
        params: Sequence[sp.Symbol] | None = None,
        name: str | None = None,
        source: str = "user expression",
    ) -> Loss:
        """A loss from a SymPy expression; parameters default to its free symbols sorted by name.

        Symbols that are not declared real are replaced by real symbols of the same name.
        """
        if not isinstance(expr, sp.Expr):
            raise InputError("loss must be a SymPy expression")
        realify = {s: sp.Symbol(s.name, real=True) for s in expr.free_symbols if not s.is_real}
        expr = expr.xreplace(realify) if realify else expr
        if params is None:
            params = sorted(expr.free_symbols, key=lambda s: s.name)
        params = tuple(realify.get(p, p) if not p.is_real else p for p in params)
        return cls(expr, params, name or sp.sstr(expr), source)

    @classmethod
    def from_text(cls, text: str, params: str | Sequence[str] | None = None) -> Loss:
        """A loss parsed from untrusted text by the whitelist parser (never ``eval``)."""
        from symstab.parse import parse_loss_text

        expr, symbols = parse_loss_text(text, params)
        return cls(expr, symbols, text.strip(), "user input")

    @classmethod
    def from_catalog(cls, name: str, params: str | Sequence[str] | None = None) -> Loss:
        """A catalog loss (``f1``..``f4``, ``xy``, ``xy2``, ``chain3``, ``deep-chain-D``)."""
        entry = catalog.lookup(name)
        if entry is None:
            known = ", ".join(catalog.catalog_names())
            raise InputError(f"unknown catalog loss '{name}' (known: {known})")
        if params is not None:
            from symstab.parse import parse_param_names

            symbols = parse_param_names(params)
            if len(symbols) != len(entry.param_names):
                raise InputError(
                    f"catalog loss '{entry.name}' has {len(entry.param_names)} parameters, "
                    f"got {len(symbols)}",
                    "--params",
                )
        else:
            symbols = tuple(sp.Symbol(n, real=True) for n in entry.param_names)
        return cls(entry.build(symbols), symbols, entry.name, entry.source)

    # -- derived ------------------------------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of parameters."""
        return len(self.params)

    @cached_property
    def is_polynomial(self) -> bool:
        """Whether f is a polynomial in the parameters with rational coefficients."""
        if not self.expr.is_polynomial(*self.params):
            return False
        poly = sp.Poly(self.expr, *self.params)
        return poly.domain.is_QQ or poly.domain.is_ZZ

    def to_text(self) -> str:
        """Text that :meth:`from_text` parses back to the same expression."""
        from symstab.parse import format_loss

        return format_loss(self.expr)

    def __str__(self) -> str:
        return f"{self.name}: {sp.sstr(self.expr)}"


def load_loss(spec: str, params: str | Sequence[str] | None = None) -> Loss:
    """A catalog loss if ``spec`` names one, else a loss parsed from ``spec`` as text."""
    if not isinstance(spec, str) or not spec.strip():
        raise InputError("empty loss")
    if catalog.lookup(spec) is not None:
        return Loss.from_catalog(spec, params)
    _refuse_bare_name(spec.strip())
    return Loss.from_text(spec, params)


def _refuse_bare_name(text: str) -> None:
    """A loss that is a single name is a mistyped catalog name (``F4``, ``f9``), never
    meant as the linear loss of one variable: :class:`InputError` with suggestions."""
    import difflib
    import re

    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) is None:
        return
    names = [n for n in catalog.catalog_names() if ":" not in n and "-D" not in n]
    close = difflib.get_close_matches(text.lower(), names, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else \
        "; see `symstab catalog` (a one-variable linear loss is written e.g. 1*x)"
    raise InputError(f"{text!r} is not a catalog name{hint}", "loss")


def require_loss(value: object) -> Loss:
    """``value`` if it is a :class:`Loss`; else a one-line :class:`InputError`."""
    if not isinstance(value, Loss):
        raise InputError(f"loss must be a symstab Loss, not {type(value).__name__}")
    return value
