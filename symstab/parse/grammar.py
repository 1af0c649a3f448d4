"""The grammar of loss text: its functions, constants, reserved names and size limits.

The grammar is: numbers, names, ``+ - * / **``, ``^`` (also a power), unary ``-``
and ``+``, parentheses, and calls ``f(arg)`` of the functions in :data:`FUNCTIONS`
with exactly one positional argument. Everything else is rejected with a one-line
:class:`~symstab.errors.InputError` that names the construct and its column.

Every size that could make parsing slow is bounded *before* the work is done: the
text length, the nesting depth, the digits of literals, exponents, and the digits of
numbers created by powers, sums and products.

All symbols are real: ``Symbol(name, real=True)``. ``pi`` and ``E`` are the
constants π and e; a lower-case ``e`` is an ordinary symbol.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

import sympy as sp

#: Longest accepted text, in characters; checked before anything is parsed.
MAX_TEXT_LENGTH = 10_000
#: Deepest accepted nesting of the expression (see :func:`parse_expression`).
MAX_DEPTH = 64
#: Most digits of an integer literal, and of the numerator and denominator of a decimal literal.
MAX_INT_DIGITS = 100
#: Largest ``|p|`` and ``q`` of a constant exponent ``p/q``.
MAX_EXPONENT = 64
#: Most digits of any number the expression creates (powers, sums, products of constants).
MAX_CONSTANT_DIGITS = 2000
#: Longest accepted symbol or parameter name.
MAX_NAME_LENGTH = 32

#: Total digits of the numbers under fractional powers (roots) in one product. SymPy
#: merges roots of numbers in products (sqrt(a)*sqrt(b) -> sqrt(a*b)) and then tries to
#: factor the merged number, which is very slow for large numbers.
MAX_ROOT_DIGITS = 2 * MAX_INT_DIGITS

#: Largest size of the built expression tree, counting each use of an argument that a
#: function repeats (gelu uses its argument twice, so nested gelu calls double the size).
MAX_TREE_SIZE = 5 * MAX_TEXT_LENGTH

#: Digits of the largest |argument| of a function (other than log and abs) applied to a
#: constant. SymPy computes constants numerically to decide signs, and exp(exp(10**150))
#: or sin(exp(10**150)) cannot be computed in any reasonable time or memory.
MAX_FUNCTION_ARGUMENT_DIGITS = 9
#: The largest |argument| itself (see :data:`MAX_FUNCTION_ARGUMENT_DIGITS`).
MAX_FUNCTION_ARGUMENT = 10**MAX_FUNCTION_ARGUMENT_DIGITS

#: Functions whose constant arguments need no bound (their values grow slowly).
UNBOUNDED_FUNCTIONS = frozenset({"log", "abs", "Abs"})

#: Integer literals must be smaller than this in absolute value.
LITERAL_BOUND = 10**MAX_INT_DIGITS
#: Numerators and denominators of every number built must be smaller than this.
CONSTANT_BOUND = 10**MAX_CONSTANT_DIGITS
_LOG10_2 = math.log10(2)


def _gelu(x: sp.Expr) -> sp.Expr:
    """GELU, x·Φ(x) = x(1 + erf(x/√2))/2."""
    return x * (1 + sp.erf(x / sp.sqrt(2))) / 2


def _sigmoid(x: sp.Expr) -> sp.Expr:
    """Logistic sigmoid 1/(1 + exp(-x))."""
    return 1 / (1 + sp.exp(-x))


def _softplus(x: sp.Expr) -> sp.Expr:
    """Softplus log(1 + exp(x))."""
    return sp.log(1 + sp.exp(x))


#: The functions loss text may call, each with exactly one argument.
FUNCTIONS: Mapping[str, Callable[[sp.Expr], sp.Expr]] = MappingProxyType(
    {
        "exp": sp.exp,
        "log": sp.log,
        "sqrt": sp.sqrt,
        "sin": sp.sin,
        "cos": sp.cos,
        "tan": sp.tan,
        "sinh": sp.sinh,
        "cosh": sp.cosh,
        "tanh": sp.tanh,
        "erf": sp.erf,
        "abs": sp.Abs,
        "Abs": sp.Abs,
        "gelu": _gelu,
        "sigmoid": _sigmoid,
        "softplus": _softplus,
    }
)

#: The named constants of loss text.
CONSTANTS: Mapping[str, sp.Expr] = MappingProxyType({"pi": sp.pi, "E": sp.E})

# Names that look like special values; rejected rather than read as symbols.
_SPECIAL_VALUES = frozenset({"nan", "inf", "infinity", "oo", "zoo"})

_NAME_PATTERN = r"[A-Za-z][A-Za-z0-9_]*"

#: SymPy function classes that format_loss can write (the SymPy results of FUNCTIONS).
PRINTABLE_FUNCTIONS = frozenset(
    {sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh, sp.erf, sp.Abs}
)

# -- messages for rejected syntax ------------------------------------------------------------

#: Message for each rejected kind of expression node.
NODE_MESSAGES: dict[type, str] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Slice: "slices are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "boolean operators (and, or) are not allowed",
    ast.IfExp: "conditional expressions are not allowed",
    ast.NamedExpr: "assignment expressions are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.Starred: "starred expressions are not allowed",
}

#: Message for each rejected binary operator.
BINOP_MESSAGES: dict[type, str] = {
    ast.FloorDiv: "floor division (//) is not allowed",
    ast.Mod: "the % operator is not allowed",
    ast.MatMult: "the @ operator is not allowed",
    ast.LShift: "bitwise operators are not allowed",
    ast.RShift: "bitwise operators are not allowed",
    ast.BitOr: "bitwise operators are not allowed",
    ast.BitAnd: "bitwise operators are not allowed",
}

#: Message for each rejected unary operator.
UNARY_MESSAGES: dict[type, str] = {
    ast.Not: "'not' is not allowed",
    ast.Invert: "the ~ operator is not allowed",
}

#: Message for each rejected kind of statement.
STATEMENT_MESSAGES: dict[type, str] = {
    ast.Assign: "assignments are not allowed",
    ast.AugAssign: "assignments are not allowed",
    ast.AnnAssign: "assignments are not allowed",
    ast.Import: "import statements are not allowed",
    ast.ImportFrom: "import statements are not allowed",
    ast.FunctionDef: "definitions are not allowed",
    ast.AsyncFunctionDef: "definitions are not allowed",
    ast.ClassDef: "definitions are not allowed",
}


# -- small helpers ---------------------------------------------------------------------------


def count_digits(n: int) -> int:
    """Number of decimal digits of ``|n|`` (an estimate, exact up to ±1, for huge ``n``)."""
    n = abs(n)
    if n.bit_length() <= 10_000:
        return len(str(n))
    return int(n.bit_length() * _LOG10_2) + 1


def shorten(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters for a message."""
    return text if len(text) <= limit else text[:limit] + "..."


def rational_digits(r: sp.Rational) -> int:
    """Approximate digits of the larger of numerator and denominator of ``r``."""
    return max(count_digits(int(r.p)), count_digits(int(r.q)))


def describe_char(ch: str) -> str:
    """``ch`` for a message: the character and its code point, or the code point alone."""
    code = f"U+{ord(ch):04X}"
    return f"'{ch}' ({code})" if ch.isprintable() else code


def name_problem(name: str, *, parameter: bool) -> str | None:
    """Why ``name`` is not a valid symbol name, or ``None`` when it is."""
    if not name:
        return "empty name"
    if len(name) > MAX_NAME_LENGTH:
        return (
            f"name '{name[:MAX_NAME_LENGTH]}...' is too long "
            f"({len(name)} characters, limit {MAX_NAME_LENGTH})"
        )
    if not name.isascii() or not name.isprintable():
        bad = next(ch for ch in name if not ch.isascii() or not ch.isprintable())
        return f"name contains the character {describe_char(bad)}; use ASCII letters"
    if name.startswith("_"):
        return f"names may not start with an underscore: '{name}'"
    if not re.fullmatch(_NAME_PATTERN, name):
        return f"invalid name '{name}' (use letters, digits and _, starting with a letter)"
    if keyword.iskeyword(name):
        return f"'{name}' is a Python keyword, not a name"
    if name == "I" or name.lower() in _SPECIAL_VALUES:
        return f"'{name}' is not allowed as a name (it looks like a special value)"
    if name in FUNCTIONS:
        if parameter:
            return f"'{name}' is the name of a function"
        return f"'{name}' is a function; call it as {name}(...)"
    if parameter and name in CONSTANTS:
        return f"'{name}' is a constant, not a parameter name"
    return None


def real_symbol(name: str) -> sp.Symbol:
    """The real SymPy symbol named ``name``; every symbol of loss text is one."""
    return sp.Symbol(name, real=True)
