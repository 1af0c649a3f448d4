"""The interval target: outward-rounded enclosures with python-flint ``arb`` balls.

``compile_loss(...).interval(dps)`` gives an :class:`IntervalTarget` (rigorous).
``mpmath.iv`` is available as ``backend="iv"`` for comparison only: it has no ``tanh``,
its ``erf`` fails on intervals and its ``sign`` is wrong on intervals containing 0, and
it was slower in ``benchmarks/bench_compile.py``. ``DiracDelta(u)`` is NaN, i.e.
"anything", when the enclosure of ``u`` contains 0, else 0.

Every non-integer number of the generated code is a named constant enclosed once by
:func:`~symstab.intervals.enclose_constant`; :func:`check_exact_source` guarantees that
no float literal or integer quotient reaches interval code.
"""

from __future__ import annotations

import tokenize
from collections.abc import Callable, Sequence
from io import StringIO
from typing import Any

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from symstab.codegen.source import Block, exec_generated, generated_function, lines
from symstab.codegen.target import PRINTER_SETTINGS, Derivation, Target
from symstab.errors import InputError
from symstab.intervals import (
    ArbBackend,
    IvBackend,
    enclose_constant,
    to_fraction,
)

__all__ = [
    "IntervalPrinter",
    "IntervalTarget",
    "check_exact_source",
    "enclose_value",
    "interval_function",
]



class IntervalPrinter(PythonCodePrinter):
    """Printer for interval code: every non-integer number becomes a named constant.

    Functions print as ``math.<name>(...)`` where ``math`` is bound, in the generated
    namespace, to a table of the interval library's functions. Integers stay literals
    (exact in both libraries); a check on the printed source guarantees that no float
    literal or integer quotient survives.
    """

    def __init__(self) -> None:
        super().__init__(PRINTER_SETTINGS)
        self.constants: dict[sp.Expr, str] = {}

    def const(self, e: sp.Expr) -> str:
        """The name of the number ``e`` in generated code (``k0, k1, ...``)."""
        if e not in self.constants:
            self.constants[e] = f"k{len(self.constants)}"
        return self.constants[e]

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if (
            isinstance(expr, sp.Expr)
            and not isinstance(expr, sp.Symbol)
            and expr.is_number
            and not expr.is_Integer
        ):
            return self.const(expr)
        return super()._print(expr, **kwargs)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp.is_Integer and expr.exp >= 2:
            return f"math.powi({self._print(expr.base)}, {int(expr.exp)})"
        return super()._print_Pow(expr, rational=rational)

    def _print_sign(self, expr: sp.Expr) -> str:
        return f"math.sign({self._print(expr.args[0])})"

    def _print_DiracDelta(self, expr: sp.Expr) -> str:
        return f"math.dirac({self._print(expr.args[0])})"

    def output(self, e: sp.Expr) -> str:
        """Print an output; a plain integer output becomes a constant of the library type."""
        return self.const(e) if e.is_number else self.doprint(e)


def check_exact_source(source: str) -> None:
    """Reject generated interval code with float literals or ``int / int``.

    Raises
    ------
    AssertionError
        If ``source`` contains a float literal or a quotient of two integer literals.
    """
    toks = [t for t in tokenize.generate_tokens(StringIO(source).readline) if t.string.strip()]
    for k, tok in enumerate(toks):
        if tok.type != tokenize.NUMBER:
            continue
        if not tok.string.isdigit():
            raise AssertionError(f"float literal {tok.string!r} in interval code")
        if k + 2 < len(toks) and toks[k + 1].string == "/" and toks[k + 2].type == tokenize.NUMBER:
            raise AssertionError("integer quotient in interval code")


def enclose_value(backend: ArbBackend | IvBackend, x: Any, where: str = "theta") -> Any:
    """An interval of ``backend`` enclosing ``x``; call it inside ``backend.workprec()``.

    Parameters
    ----------
    backend
        The interval library.
    x
        An interval of the library (returned as is), an exact number (int, float,
        Fraction, SymPy number, ``mpf``: enclosed exactly or by a tight ball), a decimal
        string (enclosed rigorously), or a pair ``(lo, hi)`` of such (``[lo, hi]``).
    where
        Named in the error message.

    Raises
    ------
    InputError
        If ``x`` is none of these.
    """
    other = backend.convert_other(x)
    if other is not None:
        return other
    if isinstance(x, tuple | list) and len(x) == 2:
        lo, hi = enclose_value(backend, x[0], where), enclose_value(backend, x[1], where)
        return backend.hull(lo, hi)
    q = to_fraction(x)
    if q is not None:
        return backend.rational(q)
    if isinstance(x, sp.Expr) and x.is_number:
        return enclose_constant(x, backend)
    raise InputError(f"cannot convert {x!r} to an interval", where)


def _check_iv(exprs: Sequence[sp.Expr]) -> None:
    """Refuse expressions with a function that ``mpmath.iv`` cannot enclose."""
    used = {type(f).__name__ for e in exprs for f in e.atoms(sp.Function)}
    bad = sorted(used & set(IvBackend.missing))
    if bad:
        raise InputError(f"mpmath.iv cannot enclose {', '.join(bad)}", "backend")


def interval_function(
    block: Block, args: str, name: str, backend: ArbBackend | IvBackend
) -> tuple[str, Callable[..., tuple]]:
    """One interval function ``name(args) -> (outputs...)`` printed from ``block``.

    Parameters
    ----------
    block
        The CSE'd expressions.
    args
        The argument list of the generated function (``"p0, p1"``).
    name
        The function's name.
    backend
        The interval library and its precision; the constants are enclosed at it.

    Returns
    -------
    source : str
        The generated source.
    function : callable
        The function, on intervals of ``backend``; call it inside
        ``backend.workprec()``.

    Raises
    ------
    InputError
        If ``backend`` is ``mpmath.iv`` and the expressions use a function it cannot
        enclose.
    """
    if isinstance(backend, IvBackend):
        _check_iv([*(e for _, e in block.replacements), *block.outputs])
    printer = IntervalPrinter()
    src = [f"def {name}({args}):", *lines(block, printer)]
    src += [f"    return ({', '.join(printer.output(e) for e in block.outputs)},)", ""]
    source = "\n".join(src)
    check_exact_source(source)
    with backend.workprec():
        ns: dict[str, Any] = {"math": backend.functions}
        for e, cname in printer.constants.items():
            ns[cname] = enclose_constant(e, backend)
    return source, generated_function(source, ns, name, f"{backend.name}-{name}")


class IntervalTarget(Target):
    """Outward-rounded interval enclosures (python-flint ``arb`` by default).

    Each coordinate of ``theta`` may be an exact number (int, float, Fraction, SymPy
    number, mpmath ``mpf``: enclosed exactly or by a tight ball), a decimal string
    (enclosed rigorously), a pair ``(lo, hi)`` of such (the box side ``[lo, hi]``), or an
    interval of the backend. Results enclose the exact values for every point of the
    box: ``value`` returns one interval, ``gradient``/``step`` tuples, ``hessian`` a
    tuple of row tuples. With ``arb``, an entry that cannot be bounded (e.g. the
    ``DiracDelta`` of ``Abs`` on a box touching the kink, ``log`` of a box reaching
    below 0) is NaN, which ``contains`` everything.

    With ``arb``, integer powers are evaluated from the endpoints (so ``x**2 >= 0`` on
    any box); everything else is midpoint-radius ball arithmetic, which overestimates
    more than endpoint intervals on wide boxes (on ``[0, 1] x [1, 2]`` the f4 entry
    ``4xy - 2`` gets width 10 against 8 with ``mpmath.iv``): subdivide wide boxes.

    The working precision is set with ``flint.ctx.workdps`` around each call and
    restored afterwards (python-flint's context is process-global, so do not evaluate
    interval targets of different precisions from several threads at once).

    Attributes
    ----------
    dps
        Working precision in decimal digits.
    backend
        ``"arb"`` or ``"iv"``.
    source
        The generated Python source.
    """

    def __init__(self, loss: Derivation, dps: int, backend: str = "arb") -> None:
        self.n = loss.n
        self.dps = dps
        self.backend = backend
        be: Any = ArbBackend(dps) if backend == "arb" else IvBackend(dps)
        self._be = be
        printer = IntervalPrinter()
        n = loss.n
        args = ", ".join(f"p{i}" for i in range(n))
        src: list[str] = []
        b = loss.block("value")
        src += [f"def value({args}):", *lines(b, printer)]
        src += [f"    return {printer.output(b.outputs[0])}", ""]
        for name, kind in (("gradient", "grad"), ("hessian", "hess")):
            b = loss.block(kind)
            src += [f"def {name}({args}):", *lines(b, printer)]
            src += [f"    return ({', '.join(printer.output(e) for e in b.outputs)},)", ""]
        b = loss.block("grad")
        src += [f"def step({args}, eta):", *lines(b, printer)]
        src += [f"    g{i} = {printer.output(e)}" for i, e in enumerate(b.outputs)]
        src += [f"    return ({', '.join(f'p{i} - eta*g{i}' for i in range(n))},)", ""]
        self.source = "\n".join(src)
        check_exact_source(self.source)
        if backend == "iv":
            _check_iv((loss.f, *loss.hess_upper))
        with be.workprec():
            ns: dict[str, Any] = {"math": be.functions}
            for e, name in printer.constants.items():
                ns[name] = enclose_constant(e, be)
        ns = exec_generated(self.source, ns, f"interval-{backend}{dps}")
        self._value = ns["value"]
        self._gradient = ns["gradient"]
        self._hessian = ns["hessian"]
        self._step = ns["step"]
        self._upper = [(i, j) for i in range(n) for j in range(i, n)]

    def enclose(self, x: Any) -> Any:
        """An interval of the backend enclosing ``x`` (number, string, pair or interval)."""
        be = self._be
        with be.workprec():
            return self._enclose(x)

    def _enclose(self, x: Any) -> Any:
        return enclose_value(self._be, x)

    def _point(self, theta: Sequence[Any]) -> list[Any]:
        self._check_len(theta)
        return [self._enclose(x) for x in theta]

    def value(self, theta: Sequence[Any]) -> Any:
        """Enclosure of the loss over ``theta``."""
        with self._be.workprec():
            return self._value(*self._point(theta))

    def gradient(self, theta: Sequence[Any]) -> tuple[Any, ...]:
        """Enclosures of the gradient components over ``theta``."""
        with self._be.workprec():
            return tuple(self._gradient(*self._point(theta)))

    def hessian(self, theta: Sequence[Any]) -> tuple[tuple[Any, ...], ...]:
        """Enclosures of the Hessian entries over ``theta`` (tuple of row tuples)."""
        with self._be.workprec():
            upper = self._hessian(*self._point(theta))
        out: list[list[Any]] = [[None] * self.n for _ in range(self.n)]
        for (i, j), h in zip(self._upper, upper, strict=True):
            out[i][j] = out[j][i] = h
        return tuple(tuple(row) for row in out)

    def step(self, theta: Sequence[Any], eta: Any) -> tuple[Any, ...]:
        """Enclosure of ``theta - eta * gradient(theta)`` (``eta`` may be an interval)."""
        with self._be.workprec():
            return tuple(self._step(*self._point(theta), self._enclose(eta)))
