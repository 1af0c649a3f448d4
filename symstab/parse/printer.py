"""The printer back to the grammar: :func:`format_loss` writes text that parses back.

Text written by :func:`format_loss` is accepted by
:func:`~symstab.parse.readers.parse_expression` and parses back to the same expression.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from symstab.errors import InputError
from symstab.parse.builder import expression_problem
from symstab.parse.grammar import LITERAL_BOUND


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
    if abs(n) < LITERAL_BOUND:
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
    problem = expression_problem(expr)
    if problem is not None:
        raise InputError(f"cannot write the expression as loss text: {problem}")
    try:
        return _LossPrinter().doprint(expr)
    except (ArithmeticError, ValueError, TypeError):
        # SymPy's default term order computes constant factors numerically and can fail
        # (e.g. underflow in 1/log(1 + exp(-50))); the stored order needs no numerics.
        return _LossPrinter({"order": "none"}).doprint(expr)
