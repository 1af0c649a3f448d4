"""The entry points: loss text, parameter names, step sizes and numbers from untrusted input.

Loss text comes from users (CLI arguments, TOML files), so it is never handed to
Python or to SymPy's own string parsers. Instead :func:`parse_expression` reads it
with :func:`ast.parse` (which only builds a syntax tree), checks every node of the
tree against a small whitelist, and builds the SymPy expression node by node.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Sequence
from fractions import Fraction

import sympy as sp

from symstab.errors import InputError
from symstab.parse.builder import Builder, Source, expression_problem
from symstab.parse.grammar import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_TEXT_LENGTH,
    STATEMENT_MESSAGES,
    describe_char,
    name_problem,
    real_symbol,
    shorten,
)


def parse_expression(text: str, *, allow_symbols: bool = True, what: str = "loss") -> sp.Expr:
    """Parse untrusted text into a SymPy expression through a whitelist.

    The text is read by :func:`ast.parse` only (no Python code runs) and the
    expression is built node by node from the whitelisted grammar: numbers, names,
    ``+ - * / ** ^`` (``^`` is a power), unary ``-``/``+``, parentheses and
    one-argument calls of :data:`FUNCTIONS`.

    Parameters
    ----------
    text
        The untrusted text, e.g. ``"(1 - x*y)^2/2"``.
    allow_symbols
        Whether names other than ``pi`` and ``E`` are allowed (they become real
        symbols). With ``False`` the text must be a constant.
    what
        What the text is, for messages (``"loss"``, ``"step size"``).

    Returns
    -------
    sympy.Expr
        The expression. Symbols are ``Symbol(name, real=True)``; numbers are exact
        (``0.05`` is ``Rational(1, 20)``); there are no floats, infinities or ``nan``.

    Raises
    ------
    symstab.errors.InputError
        For anything outside the grammar or the limits (:data:`MAX_TEXT_LENGTH`,
        :data:`MAX_DEPTH`, :data:`MAX_INT_DIGITS`, :data:`MAX_EXPONENT`,
        :data:`MAX_CONSTANT_DIGITS`), and for division by zero or values that are
        infinite, undefined or not real. The message is one line and names the
        column where it applies.

    Notes
    -----
    A chain ``a * b / c`` is built as the one product ``Mul(a, b, c**-1)`` and a chain
    ``a + b - c`` as the one sum ``Add(a, b, -c)`` (fast for long chains). This can
    differ in form, not in value, from Python's left-to-right arithmetic, which
    distributes a number over a sum in a product of two: ``2*(x + 1)*y`` is
    ``Mul(2, y, x + 1)`` here and ``(2*x + 2)*y`` in Python. A product of exactly two
    factors, ``2*(x + 1)``, is ``2*x + 2`` in both.

    Nesting depth counts levels of parentheses, function calls, powers and unary
    signs; a chain ``a + b - c`` or ``a * b / c`` is one level, however long. SymPy
    may rewrite the result (``tan(x + pi/2)`` is ``-cot(x)``); results outside the
    grammar (here ``cot``) are rejected, so that :func:`format_loss` can write every
    result.
    """
    if not isinstance(text, str):
        raise InputError(f"{what} must be text, not {type(text).__name__}")
    if len(text) > MAX_TEXT_LENGTH:
        raise InputError(f"{what} text too long ({len(text)} characters, limit {MAX_TEXT_LENGTH})")
    source = Source(text)
    body = source.original
    if not body:
        raise InputError(f"empty {what}")
    for index, ch in enumerate(body):
        if not (ch.isascii() and (ch.isprintable() or ch in "\t\n\r\f\v")):
            raise InputError(
                f"character {describe_char(ch)} is not allowed", source.where_index(index)
            )
    depth = 0
    for index, ch in enumerate(body):
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(
                    f"expression nested too deeply (more than {MAX_DEPTH} parentheses)",
                    source.where_index(index),
                )
        elif ch in ")]}":
            depth -= 1
    tree = _parse_syntax(source)
    if not tree.body:
        raise InputError(f"empty {what}")
    builder = Builder(source, allow_symbols=allow_symbols, what=what)
    if len(tree.body) > 1:
        raise builder.error("only one expression is allowed", tree.body[1])
    statement = tree.body[0]
    if not isinstance(statement, ast.Expr):
        message = STATEMENT_MESSAGES.get(type(statement), "statements are not allowed")
        raise builder.error(message, statement)
    builder.check_tree(statement.value)
    builder.check_size_of_tree(statement.value)
    try:
        result = builder.build(statement.value)
        problem = expression_problem(result)
    except InputError:
        raise
    except (ArithmeticError, RecursionError, MemoryError, ValueError, TypeError) as exc:
        # SymPy failed on this input; still answer with one line, never a traceback.
        raise InputError(
            f"{what} could not be built ({type(exc).__name__}: {shorten(str(exc), 80)})"
        ) from None
    if problem is not None:
        raise InputError(f"{what} rejected after simplification: {problem}")
    return result


def _parse_syntax(source: Source) -> ast.Module:
    """``ast.parse`` with every failure turned into a one-line :class:`InputError`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source.body)
    except SyntaxError as exc:
        message = str(exc.msg or "invalid syntax")
        if "integer string conversion" in message:
            raise InputError(f"integer literal too long (limit {MAX_INT_DIGITS} digits)") from None
        raise InputError(f"syntax error: {message}", _syntax_where(source, exc)) from None
    except (RecursionError, MemoryError):
        raise InputError("expression too long or nested too deeply for the parser") from None
    except ValueError as exc:
        raise InputError(f"syntax error: {exc}") from None


def _syntax_where(source: Source, exc: SyntaxError) -> str | None:
    if exc.lineno is None or exc.offset is None:
        return None
    return source.where(exc.lineno, max(exc.offset - 1, 0))


def parse_param_names(names: str | Sequence[str]) -> tuple[sp.Symbol, ...]:
    """Validate parameter names and return them as real symbols, in order.

    Parameters
    ----------
    names
        ``"x,y"`` (commas and/or whitespace separate names) or a sequence of names
        such as ``["x", "y"]``.

    Returns
    -------
    tuple of sympy.Symbol
        ``Symbol(name, real=True)`` for each name, in the given order.

    Raises
    ------
    symstab.errors.InputError
        For no names, invalid names (same rules as names in loss text; ``pi`` and
        ``E`` are constants, not parameters) and repeated names.
    """
    if isinstance(names, str):
        if len(names) > MAX_TEXT_LENGTH:
            raise InputError(
                f"parameter list too long ({len(names)} characters, limit {MAX_TEXT_LENGTH})"
            )
        stripped = names.strip()
        items = re.split(r"[\s,]+", stripped) if stripped else []
    elif isinstance(names, Sequence):
        items = list(names)
        if len(items) > MAX_TEXT_LENGTH:
            raise InputError(f"too many parameters ({len(items)})")
    else:
        raise InputError(f"parameters must be text or a list of names, not {type(names).__name__}")
    if not items:
        raise InputError("no parameters given")
    symbols: list[sp.Symbol] = []
    seen: set[str] = set()
    for position, item in enumerate(items, start=1):
        if not isinstance(item, str):
            raise InputError(
                f"parameter name must be text, not {type(item).__name__}", f"parameter {position}"
            )
        name = item.strip()
        if not name:
            raise InputError("empty parameter name", f"parameter {position}")
        problem = name_problem(name, parameter=True)
        if problem is not None:
            raise InputError(f"invalid parameter name: {problem}")
        if name in seen:
            raise InputError(f"parameter '{name}' is given twice")
        seen.add(name)
        symbols.append(real_symbol(name))
    return tuple(symbols)


def parse_loss_text(
    text: str, params: str | Sequence[str] | None = None
) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    """Parse a loss and its ordered parameters from untrusted text.

    Parameters
    ----------
    text
        The loss, e.g. ``"(1 - x*y)^2/2"``; see :func:`parse_expression`.
    params
        Parameter names in order (``"x,y"`` or ``["x", "y"]``). By default the free
        symbols of the loss, sorted by name. Given names must include every symbol
        of the loss; extra names are allowed.

    Returns
    -------
    tuple
        ``(expr, params)``: the expression and the parameters as real symbols.

    Raises
    ------
    symstab.errors.InputError
        For bad text (see :func:`parse_expression`), bad parameter names, a loss
        without symbols (``"loss is constant"``) or a symbol that is not a parameter.
    """
    expr = parse_expression(text, what="loss")
    free = expr.free_symbols
    if not free:
        raise InputError("loss is constant")
    if params is None:
        return expr, tuple(sorted(free, key=lambda s: s.name))
    symbols = parse_param_names(params)
    missing = sorted(s.name for s in free - set(symbols))
    if missing:
        listed = ", ".join(s.name for s in symbols)
        if len(missing) == 1:
            raise InputError(f"symbol '{missing[0]}' is not among the parameters {listed}")
        quoted = ", ".join(f"'{m}'" for m in missing)
        raise InputError(f"symbols {quoted} are not among the parameters {listed}")
    return expr, symbols


def parse_eta(text: str | int | Fraction | sp.Expr) -> sp.Expr:
    """Parse a step size: an exact, real, finite, positive constant.

    Parameters
    ----------
    text
        Text in the loss grammar without symbols (``"0.05"``, ``"1/20"``,
        ``"2e-1"``, ``"sqrt(2)/3"``), an ``int``, a :class:`~fractions.Fraction` or a
        SymPy number. A ``float`` (as read from TOML or JSON) is taken as its
        shortest decimal form, so ``0.05`` means exactly 1/20.

    Returns
    -------
    sympy.Expr
        The exact step size (a ``Rational`` or an exact constant such as
        ``sqrt(2)/3``); never a ``Float``.

    Raises
    ------
    symstab.errors.InputError
        ``"step size must be a number"`` for symbols, ``nan``, ``inf`` or other
        types; ``"step size must be positive"`` for zero or negative values; and
        any error of :func:`parse_expression`.
    """
    what = "step size"
    if isinstance(text, bool):
        raise InputError(f"{what} must be a number, not a boolean")
    if isinstance(text, str):
        value = parse_expression(text, allow_symbols=False, what=what)
    elif isinstance(text, int):
        value = sp.Integer(text)
    elif isinstance(text, Fraction):
        value = sp.Rational(text.numerator, text.denominator)
    elif isinstance(text, float):
        if not math.isfinite(text):
            raise InputError(f"{what} must be a number", repr(text))
        value = parse_expression(repr(text), allow_symbols=False, what=what)
    elif isinstance(text, sp.Float):
        if not text.is_finite:
            raise InputError(f"{what} must be a number", str(text))
        value = parse_expression(repr(float(text)), allow_symbols=False, what=what)
    elif isinstance(text, sp.Expr):
        if text.free_symbols:
            raise InputError(f"{what} must be a number", f"symbols in {shorten(str(text))}")
        value = text
    else:
        raise InputError(f"{what} must be text or a number, not {type(text).__name__}")
    problem = expression_problem(value)
    if problem is not None:
        raise InputError(f"{what} must be a number: {problem}")
    if value.is_extended_real is not True:
        raise InputError(f"{what} must be a real number")
    if value.is_positive is False:
        raise InputError(f"{what} must be positive")
    if value.is_positive is not True:
        raise InputError(f"{what} must be positive (could not decide its sign)")
    return value


def as_exact_number(value: object, what: str = "number") -> sp.Expr:
    """An exact SymPy number from a SymPy number, int, Fraction, float or text.

    Text goes through :func:`parse_expression` (no symbols allowed); a float is taken as its
    shortest decimal (0.05 -> 1/20), the same rule as :func:`parse_eta`. Used wherever a
    public function accepts "a number", so that no string ever reaches SymPy's own string
    conversion.
    """
    if isinstance(value, bool):
        raise InputError(f"{what} must be a number, not a bool")
    if isinstance(value, str):
        return parse_expression(value, allow_symbols=False, what=what)
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InputError(f"{what} must be finite")
        shortest = Fraction(repr(value))  # 0.05 -> 1/20, as parse_eta and the CLI read it
        return sp.Rational(shortest.numerator, shortest.denominator)
    if isinstance(value, sp.Basic) and getattr(value, "is_number", False):
        return value
    raise InputError(f"{what} must be a number, got {type(value).__name__}")
