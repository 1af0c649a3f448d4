"""Whitelist parser for untrusted loss text, parameter names and step sizes.

Loss text comes from users (CLI arguments, TOML files), so it is never handed to
Python or to SymPy's own string parsers. Instead :func:`parse_expression` reads it
with :func:`ast.parse` (which only builds a syntax tree), checks every node of the
tree against a small whitelist, and builds the SymPy expression node by node.

The package, one concern per module:

* :mod:`~symstab.parse.grammar`: the grammar's tables and limits (the functions, the
  constants ``pi`` and ``E``, reserved names, size limits, messages for rejected
  syntax);
* :mod:`~symstab.parse.builder`: the checks of a syntax tree and the AST-to-SymPy
  builder;
* :mod:`~symstab.parse.readers`: the entry points :func:`parse_expression`,
  :func:`parse_param_names`, :func:`parse_loss_text`, :func:`parse_eta` and
  :func:`as_exact_number`;
* :mod:`~symstab.parse.printer`: :func:`format_loss`, the printer back to the grammar.
"""

from symstab.parse.grammar import (
    FUNCTIONS,
    MAX_CONSTANT_DIGITS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_INT_DIGITS,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
)
from symstab.parse.printer import format_loss
from symstab.parse.readers import (
    as_exact_number,
    parse_eta,
    parse_expression,
    parse_loss_text,
    parse_param_names,
)

__all__ = [
    "FUNCTIONS",
    "MAX_CONSTANT_DIGITS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_INT_DIGITS",
    "MAX_NAME_LENGTH",
    "MAX_TEXT_LENGTH",
    "as_exact_number",
    "format_loss",
    "parse_eta",
    "parse_expression",
    "parse_loss_text",
    "parse_param_names",
]
