"""The AST-to-SymPy builder: whitelist checks of a syntax tree, then the expression.

:class:`Builder` checks every node of the tree that :func:`ast.parse` made against the
grammar of :mod:`symstab.parse.grammar`, bounds every size before SymPy does the work,
and builds the SymPy expression node by node. :class:`Source` maps positions back to
the text the user typed; :func:`expression_problem` says why a built expression is
outside the grammar.
"""

from __future__ import annotations

import ast
import math
import re
from fractions import Fraction

import sympy as sp

from symstab.errors import InputError
from symstab.parse.grammar import (
    BINOP_MESSAGES,
    CONSTANT_BOUND,
    CONSTANTS,
    FUNCTIONS,
    LITERAL_BOUND,
    MAX_CONSTANT_DIGITS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_FUNCTION_ARGUMENT,
    MAX_FUNCTION_ARGUMENT_DIGITS,
    MAX_INT_DIGITS,
    MAX_ROOT_DIGITS,
    MAX_TREE_SIZE,
    NODE_MESSAGES,
    PRINTABLE_FUNCTIONS,
    UNARY_MESSAGES,
    UNBOUNDED_FUNCTIONS,
    count_digits,
    name_problem,
    rational_digits,
    real_symbol,
    shorten,
)

_ADD_OPS = (ast.Add, ast.Sub)
_MUL_OPS = (ast.Mult, ast.Div)
_POW_OPS = (ast.Pow, ast.BitXor)

# Decimal literal: integer part, fraction part, exponent (underscores already removed).
_DECIMAL_PATTERN = r"(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[+-]?[0-9]+))?"


class Source:
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


class Builder:
    """Checks a syntax tree against the whitelist and builds the SymPy expression."""

    def __init__(self, source: Source, *, allow_symbols: bool, what: str) -> None:
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
        """Reject trees whose built expression would be too large (see ``MAX_TREE_SIZE``)."""
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
            if size > MAX_TREE_SIZE:
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
                message = BINOP_MESSAGES.get(type(node.op), "this operator is not allowed")
                raise self.error(message, node)
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                message = UNARY_MESSAGES.get(type(node.op), "this operator is not allowed")
                raise self.error(message, node)
            return [node.operand]
        if isinstance(node, ast.Call):
            return self.check_call(node)
        message = NODE_MESSAGES.get(type(node), f"{type(node).__name__} is not allowed")
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
            if type(func) in NODE_MESSAGES:
                raise self.error(NODE_MESSAGES[type(func)], func)
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
            if abs(value) >= LITERAL_BOUND:
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
            raise self.error(f"decimal literal '{shorten(literal)}' is out of range", node)
        shift = int(exp_text) - len(frac_part)
        stripped = mantissa.rstrip("0")
        shift += len(mantissa) - len(stripped)
        limit = 4 * MAX_INT_DIGITS
        too_big = shift >= 0 and len(stripped) + shift > MAX_INT_DIGITS
        if too_big or len(stripped) > limit or -shift > limit:
            raise self.error(
                f"decimal literal '{shorten(literal)}' has too many digits "
                f"(limit {MAX_INT_DIGITS} in numerator and denominator)",
                node,
            )
        value = Fraction(int(stripped)) * Fraction(10) ** shift
        if value.numerator >= LITERAL_BOUND or value.denominator >= LITERAL_BOUND:
            raise self.error(
                f"decimal literal '{shorten(literal)}' has too many digits "
                f"(limit {MAX_INT_DIGITS} in numerator and denominator)",
                node,
            )
        return sp.Rational(value.numerator, value.denominator)

    def name(self, node: ast.Name) -> sp.Expr:
        name = node.id
        if name in CONSTANTS:
            return CONSTANTS[name]
        problem = name_problem(name, parameter=False)
        if problem is not None:
            if not self.allow_symbols and name not in FUNCTIONS:
                raise InputError(f"{self.what} must be a number", self.where(node))
            raise self.error(problem, node)
        if not self.allow_symbols:
            raise InputError(
                f"{self.what} must be a number", f"symbol '{name}', {self.where(node)}"
            )
        return real_symbol(name)

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
                    root_digits += count_digits(int(part.base.p)) + count_digits(int(part.base.q))
        if root_digits > MAX_ROOT_DIGITS:
            raise self.error(
                f"too many roots of numbers in one product (limit {MAX_ROOT_DIGITS} digits "
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
                f"exponent must be a rational number (got {shorten(str(exponent))})", where
            )
        p, q = int(exponent.p), int(exponent.q)
        if abs(p) > MAX_EXPONENT:
            shown = f"{p}, " if count_digits(p) <= 20 else ""
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
            biggest = max((rational_digits(a) for a in numbers), default=0)
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
        if coeff.is_Rational and rational_digits(coeff) > MAX_INT_DIGITS:
            raise self.error(
                f"number under a root too large (about {rational_digits(coeff)} digits, "
                f"limit {MAX_INT_DIGITS})",
                where,
            )

    def call(self, node: ast.Call) -> sp.Expr:
        assert isinstance(node.func, ast.Name)  # checked by check_call
        name = node.func.id
        arg = self.build(node.args[0])
        if name == "sqrt":
            return self.power(arg, sp.Rational(1, 2), node, "sqrt(...)")
        if name not in UNBOUNDED_FUNCTIONS and not arg.free_symbols:
            self.check_argument(arg, name, node)
        result = _settle(FUNCTIONS[name](arg), arg)
        self.check_value(result, f"{name}(...)", node)
        return result

    def check_argument(self, arg: sp.Expr, name: str, node: ast.AST) -> None:
        """Bound the constant argument of ``name`` (see ``MAX_FUNCTION_ARGUMENT``).

        Every constant built so far passed this check, so computing ``arg`` here is fast.
        """
        try:
            size = abs(complex(arg))
        except (ArithmeticError, TypeError, ValueError):
            size = math.inf
        if not size <= MAX_FUNCTION_ARGUMENT:  # also when size is nan
            raise self.error(
                f"argument of {name} too large (limit 1e{MAX_FUNCTION_ARGUMENT_DIGITS})", node
            )

    def check_size(self, number: sp.Rational, node: ast.AST) -> None:
        if abs(int(number.p)) >= CONSTANT_BOUND or int(number.q) >= CONSTANT_BOUND:
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


def expression_problem(expr: sp.Basic) -> str | None:
    """Why ``expr`` is outside what the grammar can express, or ``None``.

    Checks every node: symbols with valid names, rational numbers within
    :data:`MAX_CONSTANT_DIGITS`, ``pi`` and ``E``, sums, products, powers with a rational
    exponent within :data:`MAX_EXPONENT`, and the functions of :data:`FUNCTIONS`.
    """
    stack = [expr]
    while stack:
        node = stack.pop()
        if node.is_Symbol:
            problem = name_problem(node.name, parameter=True)
            if problem is not None:
                return f"symbol name '{node.name}' cannot be used ({problem})"
        elif node.is_Rational:
            if abs(int(node.p)) >= CONSTANT_BOUND or int(node.q) >= CONSTANT_BOUND:
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
                return f"it is not real ({shorten(str(node))} is a root of a negative number)"
            stack.append(node.base)
        elif node.func in PRINTABLE_FUNCTIONS and len(node.args) == 1:
            stack.append(node.args[0])
        else:
            return f"'{type(node).__name__}' is not a supported function or value"
    return None
