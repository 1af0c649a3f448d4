"""Whitelist parser for untrusted loss text, parameter names and step sizes.

Loss text comes from users (CLI arguments, TOML files), so it is never handed to
Python or to SymPy's own string parsers. Instead :func:`parse_expression` reads it
with :func:`ast.parse` (which only builds a syntax tree), checks every node of the
tree against a small whitelist, and builds the SymPy expression node by node.

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
import warnings
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from symstab.errors import InputError

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

# Total digits of the numbers under fractional powers (roots) in one product. SymPy
# merges roots of numbers in products (sqrt(a)*sqrt(b) -> sqrt(a*b)) and then tries to
# factor the merged number, which is very slow for large numbers.
_MAX_ROOT_DIGITS = 2 * MAX_INT_DIGITS

# Largest size of the built expression tree, counting each use of an argument that a
# function repeats (gelu uses its argument twice, so nested gelu calls double the size).
_MAX_TREE_SIZE = 5 * MAX_TEXT_LENGTH

# Largest |argument| of a function (other than log and abs) applied to a constant. SymPy
# computes constants numerically to decide signs, and exp(exp(10**150)) or
# sin(exp(10**150)) cannot be computed in any reasonable time or memory.
_MAX_FUNCTION_ARGUMENT_DIGITS = 9
_MAX_FUNCTION_ARGUMENT = 10**_MAX_FUNCTION_ARGUMENT_DIGITS

# Functions whose constant arguments need no bound (their values grow slowly).
_UNBOUNDED_FUNCTIONS = frozenset({"log", "abs", "Abs"})

_LITERAL_BOUND = 10**MAX_INT_DIGITS
_CONSTANT_BOUND = 10**MAX_CONSTANT_DIGITS
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

_CONSTANTS: Mapping[str, sp.Expr] = MappingProxyType({"pi": sp.pi, "E": sp.E})

# Names that look like special values; rejected rather than read as symbols.
_SPECIAL_VALUES = frozenset({"nan", "inf", "infinity", "oo", "zoo"})

_NAME_PATTERN = r"[A-Za-z][A-Za-z0-9_]*"

# SymPy function classes that format_loss can write (the SymPy results of FUNCTIONS).
_PRINTABLE_FUNCTIONS = frozenset(
    {sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh, sp.erf, sp.Abs}
)

# -- messages for rejected syntax ------------------------------------------------------------

_NODE_MESSAGES: dict[type, str] = {
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

_BINOP_MESSAGES: dict[type, str] = {
    ast.FloorDiv: "floor division (//) is not allowed",
    ast.Mod: "the % operator is not allowed",
    ast.MatMult: "the @ operator is not allowed",
    ast.LShift: "bitwise operators are not allowed",
    ast.RShift: "bitwise operators are not allowed",
    ast.BitOr: "bitwise operators are not allowed",
    ast.BitAnd: "bitwise operators are not allowed",
}

_UNARY_MESSAGES: dict[type, str] = {
    ast.Not: "'not' is not allowed",
    ast.Invert: "the ~ operator is not allowed",
}

_STATEMENT_MESSAGES: dict[type, str] = {
    ast.Assign: "assignments are not allowed",
    ast.AugAssign: "assignments are not allowed",
    ast.AnnAssign: "assignments are not allowed",
    ast.Import: "import statements are not allowed",
    ast.ImportFrom: "import statements are not allowed",
    ast.FunctionDef: "definitions are not allowed",
    ast.AsyncFunctionDef: "definitions are not allowed",
    ast.ClassDef: "definitions are not allowed",
}

_ADD_OPS = (ast.Add, ast.Sub)
_MUL_OPS = (ast.Mult, ast.Div)
_POW_OPS = (ast.Pow, ast.BitXor)

# Decimal literal: integer part, fraction part, exponent (underscores already removed).
_DECIMAL_PATTERN = r"(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[+-]?[0-9]+))?"


# -- small helpers ---------------------------------------------------------------------------


def _digits(n: int) -> int:
    """Number of decimal digits of ``|n|`` (an estimate, exact up to ±1, for huge ``n``)."""
    n = abs(n)
    if n.bit_length() <= 10_000:
        return len(str(n))
    return int(n.bit_length() * _LOG10_2) + 1


def _short(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters for a message."""
    return text if len(text) <= limit else text[:limit] + "..."


def _rational_digits(r: sp.Rational) -> int:
    """Approximate digits of the larger of numerator and denominator of ``r``."""
    return max(_digits(int(r.p)), _digits(int(r.q)))


def _char_description(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    return f"'{ch}' ({code})" if ch.isprintable() else code


def _name_problem(name: str, *, parameter: bool) -> str | None:
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
        return f"name contains the character {_char_description(bad)}; use ASCII letters"
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
    if parameter and name in _CONSTANTS:
        return f"'{name}' is a constant, not a parameter name"
    return None


def _symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


class _Source:
    """The text to parse, and how to report positions in the original text.

    ``original`` is the stripped text; ``body`` is the same with each ``^`` written
    as ``**`` (so that ``^`` binds like a power, not like Python's bitwise xor).
    Positions found in ``body`` are mapped back to the text the user typed.
    """

    def __init__(self, text: str) -> None:
        self.original = text.strip()
        self.body = self.original.replace("^", "**")
        lead = len(text) - len(text.lstrip())
        prefix = text[:lead]
        self.line_shift = prefix.count("\n")
        self.column_shift = lead - (prefix.rfind("\n") + 1)
        self.multiline = "\n" in self.original
        # columns of '^' in each line of the original text
        self.carets = [
            [m.start() for m in re.finditer(r"\^", line)] for line in self.original.split("\n")
        ]

    def where(self, lineno: int | None, col0: int | None) -> str | None:
        """Position (1-based) in the original text of ``body`` line ``lineno``, column ``col0``.

        Returns ``"column C"``, or ``"line L, column C"`` for text of several lines.
        """
        if lineno is None or col0 is None:
            return None
        if 1 <= lineno <= len(self.carets):
            # the k-th caret of the line moved right by k characters in body
            col0 -= sum(1 for k, c in enumerate(self.carets[lineno - 1]) if c + k < col0)
        column = col0 + 1 + (self.column_shift if lineno == 1 else 0)
        if self.multiline:
            return f"line {lineno + self.line_shift}, column {column}"
        return f"column {column}"

    def where_index(self, index: int) -> str | None:
        """Position of character ``index`` of the stripped original text."""
        lineno = self.original.count("\n", 0, index) + 1
        col0 = index - (self.original.rfind("\n", 0, index) + 1)
        column = col0 + 1 + (self.column_shift if lineno == 1 else 0)
        if self.multiline:
            return f"line {lineno + self.line_shift}, column {column}"
        return f"column {column}"


# -- the builder -----------------------------------------------------------------------------


class _Builder:
    """Checks a syntax tree against the whitelist and builds the SymPy expression."""

    def __init__(self, source: _Source, *, allow_symbols: bool, what: str) -> None:
        self.source = source
        self.allow_symbols = allow_symbols
        self.what = what

    # positions and errors

    def where(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Attribute | ast.Subscript):
            # Point at the '.' or '[' rather than at the start of the value.
            value = node.value
            if value.end_lineno == node.lineno and value.end_col_offset is not None:
                line = self.source.body.split("\n")[node.lineno - 1]
                col0 = value.end_col_offset
                while col0 < len(line) and line[col0] in " \t\f\\":
                    col0 += 1
                return self.source.where(node.lineno, col0)
        return self.source.where(getattr(node, "lineno", None), getattr(node, "col_offset", None))

    def error(self, problem: str, node: ast.AST) -> InputError:
        return InputError(problem, self.where(node))

    # pass 1: whitelist of node types and nesting depth (iterative, so any tree is safe)

    def check_tree(self, root: ast.expr) -> None:
        stack: list[tuple[ast.AST, int]] = [(root, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise self.error(f"expression nested too deeply (limit {MAX_DEPTH})", node)
            children = self.check_node(node)
            for child in reversed(children):
                if (
                    isinstance(node, ast.BinOp)
                    and child is node.left
                    and isinstance(child, ast.BinOp)
                    and _same_group(node.op, child.op)
                ):
                    # a + b + c is a flat chain, not nesting
                    stack.append((child, depth))
                elif isinstance(node, ast.UnaryOp) and isinstance(child, ast.Constant):
                    # a negative literal counts as one level
                    stack.append((child, depth))
                else:
                    stack.append((child, depth + 1))

    def check_size_of_tree(self, root: ast.expr) -> None:
        """Reject trees whose built expression would be too large (see ``_MAX_TREE_SIZE``)."""
        sizes: dict[int, int] = {}
        stack: list[tuple[ast.AST, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            children = list(_children(node))
            if not done:
                stack.append((node, True))
                stack.extend((child, False) for child in children)
                continue
            size = 1 + sum(sizes.pop(id(child)) for child in children)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id == "gelu":
                    size = 2 * size + 8
                else:
                    size += 4
            if size > _MAX_TREE_SIZE:
                raise self.error("expression too large (nested gelu calls?)", node)
            sizes[id(node)] = size

    def check_node(self, node: ast.AST) -> list[ast.AST]:
        """Reject ``node`` unless whitelisted; return the children to check."""
        if isinstance(node, ast.Constant):
            self.check_constant(node)
            return []
        if isinstance(node, ast.Name):
            return []
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _ADD_OPS + _MUL_OPS + _POW_OPS):
                message = _BINOP_MESSAGES.get(type(node.op), "this operator is not allowed")
                raise self.error(message, node)
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                message = _UNARY_MESSAGES.get(type(node.op), "this operator is not allowed")
                raise self.error(message, node)
            return [node.operand]
        if isinstance(node, ast.Call):
            return self.check_call(node)
        message = _NODE_MESSAGES.get(type(node), f"{type(node).__name__} is not allowed")
        raise self.error(message, node)

    def check_constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            raise self.error("boolean literals are not allowed", node)
        if isinstance(value, complex):
            raise self.error("complex numbers are not allowed", node)
        if isinstance(value, str):
            raise self.error("strings are not allowed", node)
        if isinstance(value, bytes):
            raise self.error("bytes literals are not allowed", node)
        if value is None:
            raise self.error("None is not allowed", node)
        if value is Ellipsis:
            raise self.error("Ellipsis (...) is not allowed", node)
        if not isinstance(value, int | float):
            raise self.error(f"{type(value).__name__} literals are not allowed", node)

    def check_call(self, node: ast.Call) -> list[ast.AST]:
        func = node.func
        if not isinstance(func, ast.Name):
            if type(func) in _NODE_MESSAGES:
                raise self.error(_NODE_MESSAGES[type(func)], func)
            raise self.error("only the named functions can be called", node)
        name = func.id
        if name not in FUNCTIONS:
            raise self.error(f"unknown function '{name}'", node)
        if node.keywords:
            raise self.error(f"keyword arguments are not allowed in {name}(...)", node)
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise self.error(f"starred arguments are not allowed in {name}(...)", node)
        if len(node.args) != 1:
            raise self.error(
                f"function '{name}' takes exactly one argument ({len(node.args)} given)", node
            )
        return [node.args[0]]

    # pass 2: build (recursion depth is bounded by MAX_DEPTH after pass 1)

    def build(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, _ADD_OPS):
                return self.add_chain(node)
            if isinstance(node.op, _MUL_OPS):
                return self.mul_chain(node)
            return self.power(self.build(node.left), self.build(node.right), node.right)
        if isinstance(node, ast.Call):
            return self.call(node)
        # check_tree has already rejected everything else
        raise self.error(f"{type(node).__name__} is not allowed", node)  # pragma: no cover

    def number(self, node: ast.Constant) -> sp.Rational:
        value = node.value
        if isinstance(value, int):
            if abs(value) >= _LITERAL_BOUND:
                raise self.error(f"integer literal too long (limit {MAX_INT_DIGITS} digits)", node)
            return sp.Integer(value)
        literal = ast.get_source_segment(self.source.body, node)
        if literal is None:  # pragma: no cover - positions are always present from ast.parse
            raise self.error("cannot read the decimal literal", node)
        return self.decimal(literal, node)

    def decimal(self, literal: str, node: ast.AST) -> sp.Rational:
        """The exact value of a decimal literal such as ``0.05`` or ``2.5e-3``."""
        clean = literal.replace("_", "")
        match = re.fullmatch(_DECIMAL_PATTERN, clean)
        if match is None:  # pragma: no cover - Python has already checked the literal
            raise self.error(f"cannot read the decimal literal '{literal}'", node)
        int_part, frac_part = match["int"], match["frac"] or ""
        mantissa = (int_part + frac_part).lstrip("0")
        if not mantissa:
            return sp.Integer(0)
        exp_text = match["exp"] or "0"
        if len(exp_text.lstrip("+-").lstrip("0")) > 6:
            raise self.error(f"decimal literal '{_short(literal)}' is out of range", node)
        shift = int(exp_text) - len(frac_part)
        stripped = mantissa.rstrip("0")
        shift += len(mantissa) - len(stripped)
        limit = 4 * MAX_INT_DIGITS
        too_big = shift >= 0 and len(stripped) + shift > MAX_INT_DIGITS
        if too_big or len(stripped) > limit or -shift > limit:
            raise self.error(
                f"decimal literal '{_short(literal)}' has too many digits "
                f"(limit {MAX_INT_DIGITS} in numerator and denominator)",
                node,
            )
        value = Fraction(int(stripped)) * Fraction(10) ** shift
        if value.numerator >= _LITERAL_BOUND or value.denominator >= _LITERAL_BOUND:
            raise self.error(
                f"decimal literal '{_short(literal)}' has too many digits "
                f"(limit {MAX_INT_DIGITS} in numerator and denominator)",
                node,
            )
        return sp.Rational(value.numerator, value.denominator)

    def name(self, node: ast.Name) -> sp.Expr:
        name = node.id
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        problem = _name_problem(name, parameter=False)
        if problem is not None:
            if not self.allow_symbols and name not in FUNCTIONS:
                raise InputError(f"{self.what} must be a number", self.where(node))
            raise self.error(problem, node)
        if not self.allow_symbols:
            raise InputError(
                f"{self.what} must be a number", f"symbol '{name}', {self.where(node)}"
            )
        return _symbol(name)

    def add_chain(self, node: ast.BinOp) -> sp.Expr:
        terms = []
        for op, operand in _chain(node, _ADD_OPS):
            term = self.build(operand)
            terms.append(-term if isinstance(op, ast.Sub) else term)
        # Bound the coefficients SymPy will create by collecting like terms, before it does.
        sums: dict[sp.Expr, sp.Rational] = {}
        for term in terms:
            for part in sp.Add.make_args(term):
                coeff, rest = part.as_coeff_Mul()
                if coeff.is_Rational:
                    total = sums[rest] + coeff if rest in sums else coeff
                    self.check_size(total, node)
                    sums[rest] = total
        return _settle(sp.Add(*terms), *terms)

    def mul_chain(self, node: ast.BinOp) -> sp.Expr:
        factors = []
        for op, operand in _chain(node, _MUL_OPS):
            factor = self.build(operand)
            if isinstance(op, ast.Div):
                if factor.is_zero:
                    raise self.error("division by zero", operand)
                factor = self.power(factor, sp.Integer(-1), operand)
            factors.append(factor)
        # Bound the coefficient SymPy will create, and the numbers under roots it will
        # merge (sqrt(a)*sqrt(b) -> sqrt(a*b), then factored), before it does.
        coeff: sp.Rational = sp.Integer(1)
        root_digits = 0
        for factor in factors:
            for part in sp.Mul.make_args(factor):
                if part.is_Rational:
                    coeff = coeff * part
                    self.check_size(coeff, node)
                elif part.is_Pow and part.base.is_Rational and not part.exp.is_Integer:
                    root_digits += _digits(int(part.base.p)) + _digits(int(part.base.q))
        if root_digits > _MAX_ROOT_DIGITS:
            raise self.error(
                f"too many roots of numbers in one product (limit {_MAX_ROOT_DIGITS} digits "
                "under the roots in total)",
                node,
            )
        product = _settle(sp.Mul(*factors), *factors)
        if product.is_Mul and len(product.args) == 2:
            # e.g. 2*(x + 1)*y/y: the factors left are a number and a sum, which SymPy
            # keeps apart in a product of many factors but distributes in a product of two.
            first, second = product.args
            if first.is_Rational and second.is_Add:
                product = first * second
        return product

    def power(
        self, base: sp.Expr, exponent: sp.Expr, where: ast.AST, label: str = "power"
    ) -> sp.Expr:
        if exponent.free_symbols:
            raise self.error("exponent must be a constant number", where)
        if not exponent.is_Rational:
            raise self.error(
                f"exponent must be a rational number (got {_short(str(exponent))})", where
            )
        p, q = int(exponent.p), int(exponent.q)
        if abs(p) > MAX_EXPONENT:
            shown = f"{p}, " if _digits(p) <= 20 else ""
            raise self.error(f"exponent too large ({shown}limit {MAX_EXPONENT})", where)
        if q > MAX_EXPONENT:
            raise self.error(f"exponent denominator too large ({q}, limit {MAX_EXPONENT})", where)
        if base.is_zero and p < 0:
            raise self.error("division by zero", where)
        # Estimate the digits of the numbers the power creates, before creating them.
        if base.is_Rational:
            big = max(abs(int(base.p)), int(base.q))
            estimate = abs(p) / q * (math.log10(big) if big > 1 else 0.0)
        else:
            numbers = [a for a in base.atoms(sp.Rational) if a not in (0, 1, -1)]
            biggest = max((_rational_digits(a) for a in numbers), default=0)
            estimate = abs(p) / q * biggest
        if estimate > MAX_CONSTANT_DIGITS:
            raise self.error(
                f"number too large (about {int(estimate)} digits, limit {MAX_CONSTANT_DIGITS})",
                where,
            )
        if q != 1:
            self.check_root(base, where)
        result = _settle(base**exponent, base)
        self.check_value(result, label, where)
        return result

    def check_root(self, base: sp.Expr, where: ast.AST) -> None:
        """Bound the number under a fractional power (SymPy tries to factor it)."""
        if base.is_Rational:
            if base.is_negative:
                raise self.error("fractional power of a negative number is not real", where)
            coeff = base
        elif base.is_Mul:
            coeff = abs(base.as_coeff_Mul()[0])
        else:
            return
        if coeff.is_Rational and _rational_digits(coeff) > MAX_INT_DIGITS:
            raise self.error(
                f"number under a root too large (about {_rational_digits(coeff)} digits, "
                f"limit {MAX_INT_DIGITS})",
                where,
            )

    def call(self, node: ast.Call) -> sp.Expr:
        assert isinstance(node.func, ast.Name)  # checked by check_call
        name = node.func.id
        arg = self.build(node.args[0])
        if name == "sqrt":
            return self.power(arg, sp.Rational(1, 2), node, "sqrt(...)")
        if name not in _UNBOUNDED_FUNCTIONS and not arg.free_symbols:
            self.check_argument(arg, name, node)
        result = _settle(FUNCTIONS[name](arg), arg)
        self.check_value(result, f"{name}(...)", node)
        return result

    def check_argument(self, arg: sp.Expr, name: str, node: ast.AST) -> None:
        """Bound the constant argument of ``name`` (see ``_MAX_FUNCTION_ARGUMENT``).

        Every constant built so far passed this check, so computing ``arg`` here is fast.
        """
        try:
            size = abs(complex(arg))
        except (ArithmeticError, TypeError, ValueError):
            size = math.inf
        if not size <= _MAX_FUNCTION_ARGUMENT:  # also when size is nan
            raise self.error(
                f"argument of {name} too large (limit 1e{_MAX_FUNCTION_ARGUMENT_DIGITS})", node
            )

    def check_size(self, number: sp.Rational, node: ast.AST) -> None:
        if abs(int(number.p)) >= _CONSTANT_BOUND or int(number.q) >= _CONSTANT_BOUND:
            raise self.error(f"number too large (limit {MAX_CONSTANT_DIGITS} digits)", node)

    def check_value(self, value: sp.Expr, label: str, node: ast.AST) -> None:
        """Reject infinite, undefined and non-real constant results."""
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise self.error(f"{label} is infinite or undefined here", node)
        if value.is_Rational:
            self.check_size(value, node)
        elif not value.free_symbols and value.is_extended_real is False:
            raise self.error(f"{label} is not real here", node)


def _settle(expr: sp.Expr, *built: sp.Expr) -> sp.Expr:
    """Build the top two levels of ``expr`` again, until nothing changes.

    SymPy sometimes returns partly unbuilt results, e.g. ``abs(-abs(x))`` gives
    ``Abs(Abs(x))`` and ``sqrt(sqrt(4/3))`` a product nested in a product; they become
    ``Abs(x)`` and a flat product only when built again. Text describing such a result
    would parse to the simpler form, so settle it now. ``built`` are the inputs of the
    operation, already settled, which are not built again.
    """
    keep = {id(b) for b in built}
    for _ in range(3):
        settled = _rebuild(expr, 2, keep)
        if settled == expr:
            return expr
        expr = settled
    return expr


def _rebuild(expr: sp.Basic, levels: int, keep: set[int]) -> sp.Basic:
    if expr.is_Atom or not expr.args or id(expr) in keep:
        return expr
    if levels <= 1:
        return expr.func(*expr.args)
    return expr.func(*(_rebuild(a, levels - 1, keep) for a in expr.args))


def _children(node: ast.AST) -> list[ast.expr]:
    """The operand children of a node that passed ``check_tree``."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _same_group(a: ast.operator, b: ast.operator) -> bool:
    return (isinstance(a, _ADD_OPS) and isinstance(b, _ADD_OPS)) or (
        isinstance(a, _MUL_OPS) and isinstance(b, _MUL_OPS)
    )


def _chain(node: ast.BinOp, ops: tuple[type, ...]) -> list[tuple[ast.operator | None, ast.expr]]:
    """The operands of a left-associated chain ``a op b op c ...``, left to right."""
    pairs: list[tuple[ast.operator | None, ast.expr]] = []
    current: ast.expr = node
    while isinstance(current, ast.BinOp) and isinstance(current.op, ops):
        pairs.append((current.op, current.right))
        current = current.left
    pairs.append((None, current))
    pairs.reverse()
    return pairs


def _expression_problem(expr: sp.Basic) -> str | None:
    """Why ``expr`` is outside what the grammar can express, or ``None``.

    Checks every node: symbols with valid names, rational numbers within
    :data:`MAX_CONSTANT_DIGITS`, ``pi`` and ``E``, sums, products, powers with a rational
    exponent within :data:`MAX_EXPONENT`, and the functions of :data:`FUNCTIONS`.
    """
    stack = [expr]
    while stack:
        node = stack.pop()
        if node.is_Symbol:
            problem = _name_problem(node.name, parameter=True)
            if problem is not None:
                return f"symbol name '{node.name}' cannot be used ({problem})"
        elif node.is_Rational:
            if abs(int(node.p)) >= _CONSTANT_BOUND or int(node.q) >= _CONSTANT_BOUND:
                return f"it contains a number with more than {MAX_CONSTANT_DIGITS} digits"
        elif node is sp.pi or node is sp.E:
            pass
        elif node is sp.zoo or node is sp.nan or node is sp.oo or node is -sp.oo:
            return f"it is infinite or undefined (contains {node})"
        elif node is sp.I:
            return "it is not real (contains I)"
        elif node.is_Float:
            return f"it contains the floating-point number {node}; use exact numbers"
        elif node.is_Add or node.is_Mul:
            stack.extend(node.args)
        elif node.is_Pow:
            exponent = node.exp
            if not exponent.is_Rational:
                return f"the exponent of {node} is not a constant rational number"
            if abs(int(exponent.p)) > MAX_EXPONENT or int(exponent.q) > MAX_EXPONENT:
                return f"exponent {exponent} too large (limit {MAX_EXPONENT})"
            if exponent.q != 1 and not node.base.free_symbols and node.base.is_extended_negative:
                return f"it is not real ({_short(str(node))} is a root of a negative number)"
            stack.append(node.base)
        elif node.func in _PRINTABLE_FUNCTIONS and len(node.args) == 1:
            stack.append(node.args[0])
        else:
            return f"'{type(node).__name__}' is not a supported function or value"
    return None


# -- public API ------------------------------------------------------------------------------


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
    source = _Source(text)
    body = source.original
    if not body:
        raise InputError(f"empty {what}")
    for index, ch in enumerate(body):
        if not (ch.isascii() and (ch.isprintable() or ch in "\t\n\r\f\v")):
            raise InputError(
                f"character {_char_description(ch)} is not allowed", source.where_index(index)
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
    builder = _Builder(source, allow_symbols=allow_symbols, what=what)
    if len(tree.body) > 1:
        raise builder.error("only one expression is allowed", tree.body[1])
    statement = tree.body[0]
    if not isinstance(statement, ast.Expr):
        message = _STATEMENT_MESSAGES.get(type(statement), "statements are not allowed")
        raise builder.error(message, statement)
    builder.check_tree(statement.value)
    builder.check_size_of_tree(statement.value)
    try:
        result = builder.build(statement.value)
        problem = _expression_problem(result)
    except InputError:
        raise
    except (ArithmeticError, RecursionError, MemoryError, ValueError, TypeError) as exc:
        # SymPy failed on this input; still answer with one line, never a traceback.
        raise InputError(
            f"{what} could not be built ({type(exc).__name__}: {_short(str(exc), 80)})"
        ) from None
    if problem is not None:
        raise InputError(f"{what} rejected after simplification: {problem}")
    return result


def _parse_syntax(source: _Source) -> ast.Module:
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


def _syntax_where(source: _Source, exc: SyntaxError) -> str | None:
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
        problem = _name_problem(name, parameter=True)
        if problem is not None:
            raise InputError(f"invalid parameter name: {problem}")
        if name in seen:
            raise InputError(f"parameter '{name}' is given twice")
        seen.add(name)
        symbols.append(_symbol(name))
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
            raise InputError(f"{what} must be a number", f"symbols in {_short(str(text))}")
        value = text
    else:
        raise InputError(f"{what} must be text or a number, not {type(text).__name__}")
    problem = _expression_problem(value)
    if problem is not None:
        raise InputError(f"{what} must be a number: {problem}")
    if value.is_extended_real is not True:
        raise InputError(f"{what} must be a real number")
    if value.is_positive is False:
        raise InputError(f"{what} must be positive")
    if value.is_positive is not True:
        raise InputError(f"{what} must be positive (could not decide its sign)")
    return value


class _LossPrinter(StrPrinter):
    """A StrPrinter whose output is in the loss grammar of :func:`parse_expression`."""

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Integer(self, expr: sp.Integer) -> str:
        return _integer_text(int(expr.p))

    def _print_Rational(self, expr: sp.Rational) -> str:
        if expr.q == 1:
            return _integer_text(int(expr.p))
        return f"{_integer_text(int(expr.p))}/{_integer_text(int(expr.q))}"

    def _print_Mul(self, expr: sp.Mul) -> str:
        # Written as one flat chain n1*n2*.../d1/d2/..., which the parser builds as the
        # single product Mul(n1, n2, ..., d1**-1, d2**-1): the same product again. (A
        # grouped denominator such as 1/(2*(x + y)) would come back as 1/(2*x + 2*y),
        # because SymPy distributes a number over a sum in a product of two factors.)
        coeff, rest = expr.as_coeff_Mul()
        sign = ""
        if coeff.is_negative:
            sign, coeff = "-", -coeff
        if not rest.is_Mul:
            factors = [rest]
        elif self.order == "none":
            factors = list(rest.args)
        else:
            factors = rest.as_ordered_factors()
        numerator: list[sp.Expr] = []
        denominator: list[sp.Expr] = []
        if coeff.is_Rational and coeff.p != 1:
            numerator.append(sp.Integer(coeff.p))
        if coeff.is_Rational and coeff.q != 1:
            denominator.append(sp.Integer(coeff.q))
        for factor in factors:
            if factor == 1:
                continue
            if factor.is_Pow and factor.exp.is_Rational and factor.exp.is_negative:
                denominator.append(sp.Pow(factor.base, -factor.exp))
            else:
                numerator.append(factor)
        level = PRECEDENCE["Mul"]
        top = "*".join(self.parenthesize(f, level, strict=False) for f in numerator) or "1"
        bottom = "".join("/" + self.parenthesize(f, level, strict=False) for f in denominator)
        if sign and top.startswith("("):
            # "-(a + b)*c" would parse as (-(a + b))*c, and SymPy distributes the sign
            # into the sum; "-1*(a + b)*c" keeps the product's structure.
            return f"-1*{top}{bottom}"
        return f"{sign}{top}{bottom}"


_CHUNK = 50  # digits per term when writing integers longer than MAX_INT_DIGITS


def _integer_text(n: int) -> str:
    """``n`` as text; integers too long for one literal become a sum of chunks.

    ``c2*(10**50)**2 + c1*10**50 + c0`` keeps every literal, exponent and power within
    the parser's limits for any ``|n| < 10**MAX_CONSTANT_DIGITS``.
    """
    if abs(n) < _LITERAL_BOUND:
        return str(n)
    sign, n = ("-", -n) if n < 0 else ("", n)
    base = 10**_CHUNK
    terms = []
    power = 0
    while n:
        n, chunk = divmod(n, base)
        if chunk:
            scale = f"10**{_CHUNK}" if power == 1 else f"(10**{_CHUNK})**{power}"
            if power == 0:
                terms.append(str(chunk))
            elif chunk == 1:
                terms.append(scale)
            else:
                terms.append(f"{chunk}*{scale}")
        power += 1
    return f"{sign}({' + '.join(reversed(terms))})"


def format_loss(expr: sp.Expr) -> str:
    """Write an expression as text in the loss grammar.

    Parameters
    ----------
    expr
        A SymPy expression made of symbols, rational numbers, ``pi``, ``E``, sums,
        products, powers with rational exponents and the functions of
        :data:`FUNCTIONS` (every expression :func:`parse_expression` returns is one).

    Returns
    -------
    str
        Text that :func:`parse_expression` accepts; it parses back to an expression
        equal to ``expr`` when the symbols of ``expr`` are real (the parser makes every
        symbol real) and ``expr`` is not at the parser's nesting or length limits.

    Raises
    ------
    symstab.errors.InputError
        When ``expr`` contains something the grammar cannot express (floats,
        infinities, ``I``, other functions, symbolic exponents, invalid names).
    """
    if not isinstance(expr, sp.Expr):
        raise InputError(f"cannot write {type(expr).__name__} as loss text")
    problem = _expression_problem(expr)
    if problem is not None:
        raise InputError(f"cannot write the expression as loss text: {problem}")
    try:
        return _LossPrinter().doprint(expr)
    except (ArithmeticError, ValueError, TypeError):
        # SymPy's default term order computes constant factors numerically and can fail
        # (e.g. underflow in 1/log(1 + exp(-50))); the stored order needs no numerics.
        return _LossPrinter({"order": "none"}).doprint(expr)


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
