"""Tests for symstab.parse: the whitelist parser for untrusted loss text.

Expected values are SymPy objects written by hand, never the parser's own output.
"""

from __future__ import annotations

import builtins
from fractions import Fraction

import pytest
import sympy as sp
import sympy.parsing.sympy_parser
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symstab.errors import InputError
from symstab.parse import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_TEXT_LENGTH,
    format_loss,
    parse_eta,
    parse_expression,
    parse_loss_text,
    parse_param_names,
)

x, y, z = (sp.Symbol(n, real=True) for n in "xyz")
half = sp.Rational(1, 2)


def rejects(text: str, fragment: str = "", **kwargs: object) -> str:
    """Assert parse_expression rejects ``text`` with a one-line message containing ``fragment``."""
    with pytest.raises(InputError) as info:
        parse_expression(text, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert fragment in message, message
    return message


# -- good input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x**2/2", x**2 / 2),
        ("(1 - x*y)^2/2", (1 - x * y) ** 2 / 2),
        ("(1 - x*y)**2/2", (1 - x * y) ** 2 / 2),
        ("0.05*x**2", sp.Rational(1, 20) * x**2),
        ("1e-3*x", sp.Rational(1, 1000) * x),
        ("2.5e2*x", 250 * x),
        ("1_000.5*x", sp.Rational(2001, 2) * x),
        (".5*x + 5.*y", half * x + 5 * y),
        ("x^2 + y^2", x**2 + y**2),
        ("x ^ 2 ^ 2", x**4),
        ("-x", -x),
        ("-(x - y)", y - x),
        ("+x - -y", x + y),
        ("x**-2", 1 / x**2),
        ("x**(1/3)", sp.root(x, 3)),
        ("x**0.5", sp.sqrt(x)),
        ("sqrt(x)", sp.sqrt(x)),
        ("gelu(x)", x * (1 + sp.erf(x / sp.sqrt(2))) / 2),
        ("sigmoid(x)", 1 / (1 + sp.exp(-x))),
        ("softplus(x)", sp.log(1 + sp.exp(x))),
        ("abs(x) + Abs(y)", sp.Abs(x) + sp.Abs(y)),
        ("exp(x)*log(y)", sp.exp(x) * sp.log(y)),
        ("sin(x) + cos(y) + tan(z)", sp.sin(x) + sp.cos(y) + sp.tan(z)),
        ("sinh(x) + cosh(y) + tanh(z) + erf(x)", sp.sinh(x) + sp.cosh(y) + sp.tanh(z) + sp.erf(x)),
        ("pi*x + E*y", sp.pi * x + sp.E * y),
        ("e*x", sp.Symbol("e", real=True) * x),
        ("w_1 + Inx", sp.Symbol("w_1", real=True) + sp.Symbol("Inx", real=True)),
        ("(x\n + y)", x + y),
        ("x  # a comment", x),
        # a chain is one product (Python would give (2*x + 2)/y, equal in value)
        ("2*(x + 1)/y", sp.Mul(2, x + 1, 1 / y)),
        ("2*(x + 1)", 2 * x + 2),
        ("2*(x + 1)*y/y", 2 * x + 2),
    ],
)
def test_good_input(text: str, expected: sp.Expr) -> None:
    result = parse_expression(text)
    assert result == expected
    assert not result.atoms(sp.Float)


def test_newline_outside_parentheses_ends_the_expression() -> None:
    rejects("x\n+ y", "only one expression is allowed (line 2, column 1)")


def test_all_symbols_are_real() -> None:
    expr = parse_expression("a*b + exp(c) + abs(d)")
    assert {s.name for s in expr.free_symbols} == {"a", "b", "c", "d"}
    assert all(s.is_real for s in expr.free_symbols)


def test_function_whitelist() -> None:
    assert set(FUNCTIONS) == {
        "exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "erf",
        "abs", "Abs", "gelu", "sigmoid", "softplus",
    }  # fmt: skip
    with pytest.raises(TypeError):
        FUNCTIONS["eval"] = sp.exp  # type: ignore[index]


def test_allow_symbols_false() -> None:
    assert parse_expression("sqrt(2)/3 + pi", allow_symbols=False) == sp.sqrt(2) / 3 + sp.pi
    rejects("2*x", "step size must be a number (symbol 'x', column 3)", allow_symbols=False,
            what="step size")  # fmt: skip


# -- hostile input ---------------------------------------------------------------------------

HOSTILE: list[tuple[str, str]] = [
    ("x.__class__", "attribute access is not allowed (column 2)"),
    ("x.real", "attribute access is not allowed"),
    ("__import__", "underscore"),
    ("__builtins__", "underscore"),
    ("_x", "underscore"),
    ("__import__('os').system('ls')", "attribute access is not allowed"),
    ("__import__('os')", "unknown function '__import__' (column 1)"),
    ("lambda: 1", "lambda is not allowed (column 1)"),
    ("'a'", "strings are not allowed"),
    ("b'a'", "bytes literals are not allowed"),
    ("f'{x}'", "f-strings are not allowed"),
    ("x[0]", "subscripts are not allowed (column 2)"),
    ("[x for x in y]", "comprehensions are not allowed"),
    ("(x for x in y)", "comprehensions are not allowed"),
    ("[x, y]", "lists are not allowed"),
    ("(x, y)", "tuples are not allowed"),
    ("{x: y}", "dicts are not allowed"),
    ("foo(x)", "unknown function 'foo' (column 1)"),
    ("x + foo(x)", "unknown function 'foo' (column 5)"),
    ("eval('1')", "unknown function 'eval'"),
    ("exp(x, y)", "exactly one argument"),
    ("exp()", "exactly one argument"),
    ("exp(x=1)", "keyword arguments are not allowed"),
    ("exp(*x)", "starred arguments are not allowed"),
    ("sin(x)(y)", "only the named functions can be called"),
    ("exp", "'exp' is a function"),
    ("x < y", "comparisons are not allowed"),
    ("x and y", "boolean operators"),
    ("not x", "'not' is not allowed"),
    ("~x", "the ~ operator is not allowed"),
    ("x // 2", "floor division"),
    ("x % 2", "% operator"),
    ("x @ y", "@ operator"),
    ("x | y", "bitwise operators"),
    ("x if y else z", "conditional expressions are not allowed"),
    ("(y := 2)", "assignment expressions are not allowed"),
    ("x = 1", "assignments are not allowed"),
    ("import os", "import statements are not allowed"),
    ("x; y", "only one expression is allowed"),
    ("True*x", "boolean literals are not allowed"),
    ("None", "None is not allowed"),
    ("...", "Ellipsis"),
    ("1j*x", "complex numbers are not allowed"),
    ("9**9**9**9", "exponent too large"),
    ("x**y", "exponent must be a constant number"),
    ("x**pi", "exponent must be a rational number"),
    ("x**65", "exponent too large"),
    ("x**(1/65)", "exponent denominator too large"),
    ("x**64*x**64", "exponent 128 too large"),
    ("1/0", "division by zero"),
    ("x/(1-1)", "division by zero"),
    ("x/(y - y)", "division by zero"),
    ("0**-1", "division by zero"),
    ("log(0)*x", "infinite or undefined"),
    ("tan(pi/2)*x", "infinite or undefined"),
    ("sqrt(-1)*x", "not real"),
    ("log(-2)*x", "not real"),
    ("(-8)**(1/3)*x", "not real"),
    ("nan", "'nan' is not allowed as a name"),
    ("oo", "'oo' is not allowed as a name"),
    ("zoo*x", "'zoo' is not allowed as a name"),
    ("inf*x", "'inf' is not allowed as a name"),
    ("I*x", "'I' is not allowed as a name"),
    ("NaN + x", "looks like a special value"),
    ("a" * 33, "too long (33 characters, limit 32)"),
    ("θ*x", "character 'θ' (U+03B8) is not allowed (column 1)"),
    ("x\x1b[2J", "U+001B is not allowed"),
    ("x\x00", "U+0000 is not allowed"),
    ("", "empty loss"),
    ("   \n\t ", "empty loss"),
    ("# only a comment", "empty loss"),
    ("x +* y", "syntax error"),
    ("(x + y", "syntax error"),
    ("1" * 5000, "integer literal too long"),
    ("1" * 101 + "*x", "integer literal too long"),
    ("1e999999999*x", "out of range"),
    ("1e200*x", "too many digits"),
    ("0.1e-5000*x", "too many digits"),
    ("(10**64)**32*x", "number too large"),
    ("-" * 9000 + "x", "expression"),
    ("gelu(" * 40 + "x" + ")" * 40, "expression too large"),
    ("(" * 4000 + "x" + ")" * 4000, "expression nested too deeply"),
    ("exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "expression nested too deeply"),
    ("x" + "**1" * (MAX_DEPTH + 1), "expression nested too deeply"),
]


@pytest.mark.parametrize(("text", "fragment"), HOSTILE)
def test_hostile_input(text: str, fragment: str) -> None:
    rejects(text, fragment)


def test_columns_refer_to_the_original_text() -> None:
    rejects("   x.y", "(column 5)")  # leading blanks are counted
    rejects("x^2 + y^z", "exponent must be a constant number (column 9)")  # '^' is one column
    rejects("(x +\n foo(y))", "unknown function 'foo' (line 2, column 2)")


def test_deeply_nested_parentheses_5000_levels() -> None:
    # 5000 levels is over the length limit; either way the answer is one line, not a crash
    rejects("(" * 5000 + "x" + ")" * 5000)


def test_one_megabyte_text_is_refused_before_parsing() -> None:
    message = rejects("x" * 1_000_000, "loss text too long (1000000 characters, limit 10000)")
    assert message.startswith("loss text too long")
    rejects("x" * (MAX_TEXT_LENGTH + 1), "too long")


def test_text_at_the_length_limit_is_parsed() -> None:
    text = "+".join(["x"] * 2000)
    text += " " * (MAX_TEXT_LENGTH - len(text))
    assert parse_expression(text) == 2000 * x


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("(10**50)**40*x", "number too large"),
        ("x*(10**64)**31*(10**64)**31", "number too large"),
        ("x/(10**64 + 1)**31 + x/(10**64 + 2)**31", "number too large"),
        ("sqrt(" + "9" * 100 + "*" + "9" * 100 + ")*x", "number under a root too large"),
        ("*".join(f"sqrt({p})" for p in range(10**5, 10**5 + 60)) + "*x", "too many roots"),
        # SymPy would try to evaluate these towers numerically, and never finish
        ("x/(exp(exp(exp((10**50)**3))) - 1)", "argument of exp too large"),
        ("sin(exp(10**10))*x", "argument of exp too large"),
        ("x/sinh(sinh(10**20))", "argument of sinh too large"),
    ],
)
def test_number_size_limits(text: str, fragment: str) -> None:
    rejects(text, fragment)


def test_number_size_limits_allow_large_exact_constants() -> None:
    assert parse_expression("(10**50)**39*x") == sp.Integer(10) ** 1950 * x
    assert parse_expression("sqrt(2)*sqrt(3)*x") == sp.sqrt(6) * x
    assert parse_expression("x/(exp(exp(20)) - 1)") == x / (sp.exp(sp.exp(20)) - 1)
    assert parse_expression("log((10**50)**39)*x") == sp.log(sp.Integer(10) ** 1950) * x


def test_what_names_the_input_in_messages() -> None:
    rejects("", "empty step size", what="step size")
    rejects("x" * (MAX_TEXT_LENGTH + 1), "coordinate text too long", what="coordinate")


def test_non_text_is_rejected() -> None:
    with pytest.raises(InputError, match="must be text"):
        parse_expression(42)  # type: ignore[arg-type]


def test_nothing_is_executed(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("user text reached an evaluator")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(sp, "sympify", forbidden)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", forbidden)
    good = ["(1 - x*y)^2/2", "0.05*x**2 + gelu(y)", "sigmoid(x) + softplus(y)*abs(z)"]
    for text in good:
        expr = parse_expression(text)
        assert parse_expression(format_loss(expr)) == expr
    assert parse_eta("10/19") == sp.Rational(10, 19)
    assert parse_loss_text("x*y", "y,x")[1] == (y, x)
    for text, _ in HOSTILE:
        with pytest.raises(InputError):
            parse_expression(text)


# -- parameters ------------------------------------------------------------------------------


def test_default_params_sorted_by_name() -> None:
    expr, params = parse_loss_text("y*x + z")
    assert expr == x * y + z
    assert params == (x, y, z)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("x,y", (x, y)), ("y,x", (y, x)), (" y , x ", (y, x)), ("y x", (y, x)), (["y", "x"], (y, x))],
)
def test_explicit_params(given: str | list[str], expected: tuple[sp.Symbol, ...]) -> None:
    expr, params = parse_loss_text("(1 - x*y)^2/2", given)
    assert expr == (1 - x * y) ** 2 / 2
    assert params == expected
    assert all(p.is_real for p in params)


def test_extra_params_are_allowed() -> None:
    expr, params = parse_loss_text("x**2", "x,y,z")
    assert expr == x**2
    assert params == (x, y, z)


def test_symbol_not_among_params() -> None:
    with pytest.raises(InputError, match="symbol 'z' is not among the parameters x, y"):
        parse_loss_text("x*y*z", "x,y")
    with pytest.raises(InputError, match="symbols 'w', 'z' are not among the parameters x"):
        parse_loss_text("x*w*z", ["x"])


def test_constant_loss() -> None:
    with pytest.raises(InputError, match="loss is constant"):
        parse_loss_text("2+3")
    with pytest.raises(InputError, match="loss is constant"):
        parse_loss_text("x - x", "x")


@pytest.mark.parametrize(
    ("names", "fragment"),
    [
        ("", "no parameters"),
        ([], "no parameters"),
        ("x,x", "given twice"),
        ("1x", "invalid name"),
        ("x-y", "invalid name"),
        ("_x", "underscore"),
        ("__class__", "underscore"),
        ("lambda", "Python keyword"),
        ("None", "Python keyword"),
        ("exp", "is the name of a function"),
        ("pi", "is a constant"),
        ("E", "is a constant"),
        ("nan", "special value"),
        ("oo", "special value"),
        ("a" * 33, "too long"),
        ("θ", "ASCII"),
        (["x", 1], "must be text"),
        (["x", ""], "empty parameter name"),
        (42, "parameters must be text"),
    ],
)
def test_bad_param_names(names: object, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_param_names(names)  # type: ignore[arg-type]
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_param_names_good() -> None:
    assert parse_param_names("x,y") == (x, y)
    assert parse_param_names(["x1", "x2"]) == tuple(sp.Symbol(n, real=True) for n in ("x1", "x2"))
    assert parse_param_names("a" * 32)[0].name == "a" * 32


# -- step size -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.05", sp.Rational(1, 20)),
        ("1/20", sp.Rational(1, 20)),
        ("10/19", sp.Rational(10, 19)),
        ("2e-1", sp.Rational(1, 5)),
        (" 1.9 ", sp.Rational(19, 10)),
        ("sqrt(2)/3", sp.sqrt(2) / 3),
        (2, sp.Integer(2)),
        (Fraction(1, 3), sp.Rational(1, 3)),
        (sp.Rational(2, 7), sp.Rational(2, 7)),
        (sp.pi / 4, sp.pi / 4),
        (0.05, sp.Rational(1, 20)),  # a float is read as its shortest decimal form
        (sp.Float("0.25"), sp.Rational(1, 4)),
    ],
)
def test_parse_eta_good(value: object, expected: sp.Expr) -> None:
    eta = parse_eta(value)  # type: ignore[arg-type]
    assert eta == expected
    assert not eta.atoms(sp.Float)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("0", "step size must be positive"),
        ("-1", "step size must be positive"),
        ("1 - sqrt(2)", "step size must be positive"),
        ("nan", "step size must be a number"),
        ("inf", "step size must be a number"),
        ("abc", "step size must be a number"),
        ("x", "step size must be a number"),
        ("", "empty step size"),
        ("1/0", "division by zero"),
        ("sqrt(-1)", "not real"),
        (0, "step size must be positive"),
        (Fraction(-1, 2), "step size must be positive"),
        (True, "boolean"),
        (float("nan"), "step size must be a number"),
        (float("inf"), "step size must be a number"),
        (sp.Symbol("h"), "step size must be a number"),
        (sp.I, "real"),
        ([0.1], "must be text or a number"),
    ],
)
def test_parse_eta_bad(value: object, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_eta(value)  # type: ignore[arg-type]
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


# -- formatting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (sp.Abs(x), "abs(x)"),
        (sp.Rational(1, 20) * x**2, "x**2/20"),
        (x ** sp.Rational(1, 3), "x**(1/3)"),
        (sp.pi * x + sp.E, "pi*x + E"),
    ],
)
def test_format_loss_text(expr: sp.Expr, text: str) -> None:
    assert format_loss(expr) == text


@pytest.mark.parametrize(
    "text",
    [
        "(1 - x*y)^2/2",
        "(x + 1)*(x + 2)*(-1)",
        "-(x + 1)/(y + 2)*(-3)",
        "tan(pi/24)*x",
        "gelu(x) + sigmoid(y) + softplus(z)",
        "abs(x - y)**(3/2)",
        "(10**50)**39*x + 7",
        "x/(10**40)**30 - 3/7",
        "x**(-1/3) + 2**(1/3)*y",
        "exp(y*log(x))",
        # SymPy results that are only settled when built again
        "abs(-abs(x))*y",
        "sqrt(sqrt(4/3))*x",
        "x*abs(x)*abs(x)*abs(x)",
        "(1/2)/(x + y)",
        # numeric underflow in SymPy's default term order
        "(x + x/softplus(-50))*x",
    ],
)
def test_format_loss_round_trip_examples(text: str) -> None:
    expr = parse_expression(text)
    formatted = format_loss(expr)
    assert parse_expression(formatted) == expr


def test_format_loss_writes_huge_integers_with_short_literals() -> None:
    n = 10**1500 + 12345
    formatted = format_loss(n * x)
    assert all(len(part) <= 100 for part in formatted.replace("*", " ").split())
    assert parse_expression(formatted) == n * x


@pytest.mark.parametrize(
    "expr",
    [
        sp.Float("0.1") * x,
        sp.I * x,
        sp.gamma(x),
        sp.cot(x),
        x**y,
        x**100,
        sp.oo * x,
        sp.nan,
        sp.Symbol("θ") * x,
        sp.Symbol("lambda") * x,
        sp.Symbol("pi") * x,
    ],
)
def test_format_loss_rejects_what_the_grammar_cannot_express(expr: sp.Expr) -> None:
    with pytest.raises(InputError, match="cannot write"):
        format_loss(expr)
    with pytest.raises(InputError, match="cannot write"):
        format_loss("x")  # type: ignore[arg-type]


_NAMES = st.sampled_from(["x", "y", "z"])
_NUMBERS = st.one_of(
    st.integers(0, 12).map(str),
    st.tuples(st.integers(1, 12), st.integers(1, 12)).map(lambda t: f"({t[0]}/{t[1]})"),
    st.sampled_from(["0.5", "1.25", "2e-1", "pi", "E"]),
)
_FUNCTION_NAMES = st.sampled_from(sorted(FUNCTIONS))
_EXPONENTS = st.sampled_from(["2", "3", "-1", "-2", "(1/2)", "(-1/2)", "(3/2)", "(1/3)", "0"])


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    operator = st.sampled_from(["+", "-", "*", "/", "*", "/"])
    return st.one_of(
        # chains such as (a - b*c / d), with Python's precedence
        st.tuples(children, st.lists(st.tuples(operator, children), min_size=1, max_size=3)).map(
            lambda t: "(" + t[0] + "".join(f" {op} {c}" for op, c in t[1]) + ")"
        ),
        st.tuples(children, st.sampled_from(["**", "^"]), _EXPONENTS).map(
            lambda t: f"{t[0]}{t[1]}{t[2]}"
        ),
        st.tuples(_FUNCTION_NAMES, children).map(lambda t: f"{t[0]}({t[1]})"),
        children.map(lambda c: f"-{c}"),
    )


_TEXTS = st.recursive(st.one_of(_NAMES, _NAMES, _NUMBERS), _extend, max_leaves=12)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(_TEXTS)
def test_round_trip(text: str) -> None:
    try:
        expr = parse_expression(text)
    except InputError as exc:
        assert "could not be built" not in str(exc)  # SymPy itself failed: a bug to look at
        assume(False)  # division by zero, log(0), roots of negative numbers, ...
        raise
    formatted = format_loss(expr)
    assert "\n" not in formatted
    # Structural equality, not just mathematical equality.
    assert parse_expression(formatted) == expr


_TOKEN_LIST = [
    "x", "y", "1", "0", "9", ".", "e", "E", "pi", "+", "-", "*", "/", "**", "^", "(", ")",
    "exp(", "log(", "sqrt(", "tan(", "abs(", "gelu(", "1e-3", "10**50", "nan", ",", " ",
    "__", "lambda", ":", "[", "]", "'", "j", "not ", "=", ";", "\n", "(1/3)", "(-1)", "65",
]  # fmt: skip
_TOKENS = st.sampled_from(_TOKEN_LIST)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=30), st.lists(_TOKENS, max_size=25).map("".join)))
def test_any_text_gives_an_expression_or_one_line_error(text: str) -> None:
    try:
        expr = parse_expression(text)
    except InputError as exc:
        assert "\n" not in str(exc)
        assert "could not be built" not in str(exc)
    else:
        assert isinstance(expr, sp.Expr)
        assert parse_expression(format_loss(expr)) == expr
    for parse in (parse_eta, parse_param_names):
        try:
            parse(text)
        except InputError as exc:
            assert "\n" not in str(exc)
