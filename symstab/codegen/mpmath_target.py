"""The mpmath target: arbitrary precision with raw ``mpmath.libmp`` arithmetic.

``compile_loss(...).mpmath(dps)`` gives a :class:`MpmathTarget` at ``dps`` decimal
digits. The generated code calls ``mpmath.libmp`` on raw ``mpf`` tuples (about 2x faster
than ``mpf`` objects) and never touches the global ``mpmath.mp`` context; results are
``mpf`` of a private :class:`mpmath.MPContext`. Every operation rounds to nearest at the
target precision, like ``mpf`` arithmetic in a context of that precision
(:class:`LibmpPrinter`). Outside the real domain (``log`` of a negative number, ``x/0``)
the results are NaN/±inf like IEEE arithmetic, never an exception.

:meth:`MpmathTarget.value_step_kernel` fuses the loss (at a higher precision) and the GD
step into one generated function; :mod:`symstab.codegen.mpfr_target` prints the same
operation sequence on ``gmpy2.mpfr``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from mpmath import libmp
from sympy.printing.pycode import MpmathPrinter

from symstab.codegen.source import Block, exec_generated, generated_function, lines
from symstab.codegen.target import Derivation, Target, check_dps, check_steps
from symstab.errors import InputError
from symstab.intervals import to_fraction

__all__ = [
    "LibmpPrinter",
    "MpmathTarget",
    "libmp_function",
    "libmp_namespace",
    "mpf_constant",
    "raw_mpf",
]

_ROUND = libmp.round_nearest


def _mp_div(a: tuple, b: tuple, prec: int) -> tuple:
    try:
        return libmp.mpf_div(a, b, prec, _ROUND)
    except ZeroDivisionError:
        if a in (libmp.fzero, libmp.fnan):
            return libmp.fnan
        return libmp.finf if libmp.mpf_sign(a) > 0 else libmp.fninf


def _mp_log(a: tuple, prec: int) -> tuple:
    try:
        return libmp.mpf_log(a, prec, _ROUND)
    except libmp.ComplexResult:
        return libmp.fnan


def _mp_sqrt(a: tuple, prec: int) -> tuple:
    try:
        return libmp.mpf_sqrt(a, prec, _ROUND)
    except libmp.ComplexResult:
        return libmp.fnan


def _mp_pow(a: tuple, b: tuple, prec: int) -> tuple:
    try:
        return libmp.mpf_pow(a, b, prec, _ROUND)
    except libmp.ComplexResult:
        return libmp.fnan
    except ZeroDivisionError:
        return libmp.finf


def _mp_sign(a: tuple) -> tuple:
    if a == libmp.fnan:
        return libmp.fnan
    return libmp.from_int(libmp.mpf_sign(a))


def _mp_dirac(a: tuple) -> tuple:
    return libmp.fnan if a in (libmp.fzero, libmp.fnan) else libmp.fzero


#: Function name -> (callee in generated code, needs prec and rounding arguments).
_LIBMP_FUNCS: dict[str, tuple[str, str]] = {
    "exp": ("mpf_exp", "pr"),
    "log": ("_mp_log", "p"),
    "tanh": ("mpf_tanh", "pr"),
    "erf": ("mpf_erf", "pr"),
    "erfc": ("mpf_erfc", "pr"),
    "sin": ("mpf_sin", "pr"),
    "cos": ("mpf_cos", "pr"),
    "tan": ("mpf_tan", "pr"),
    "atan": ("mpf_atan", "pr"),
    "sinh": ("mpf_sinh", "pr"),
    "cosh": ("mpf_cosh", "pr"),
    "Abs": ("mpf_abs", ""),
    "sign": ("_mp_sign", ""),
    "DiracDelta": ("_mp_dirac", ""),
}


class LibmpPrinter(MpmathPrinter):
    """Prints expressions as nested ``mpmath.libmp`` calls on raw ``mpf`` tuples.

    Every operation rounds to nearest at ``prec`` bits, like ``mpf`` arithmetic in a
    context of that precision. Numbers become named constants (``k0, k1, ...``),
    collected in :attr:`constants` and evaluated once per target.
    """

    def __init__(self, prec: int) -> None:
        super().__init__({"strict": True})
        self.prec = prec
        self.constants: dict[sp.Expr, str] = {}

    def const(self, e: sp.Expr) -> str:
        """The name of the number ``e`` in generated code (``k0, k1, ...``)."""
        if e not in self.constants:
            self.constants[e] = f"k{len(self.constants)}"
        return self.constants[e]

    def _pr(self) -> str:
        return f"{self.prec}, 'n'"

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Expr) and not isinstance(expr, sp.Symbol) and expr.is_number:
            return self.const(expr)
        if isinstance(expr, sp.Function):
            name = type(expr).__name__
            if name not in _LIBMP_FUNCS:  # pragma: no cover - excluded by validation
                raise NotImplementedError(f"no libmp printer for {name}")
            callee, extra = _LIBMP_FUNCS[name]
            arg = self._print(expr.args[0])
            if extra == "pr":
                return f"{callee}({arg}, {self._pr()})"
            if extra == "p":
                return f"{callee}({arg}, {self.prec})"
            return f"{callee}({arg})"
        return super()._print(expr, **kwargs)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return expr.name

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        pos: list[sp.Expr] = []
        neg: list[sp.Expr] = []
        for term in expr.args:
            c, rest = term.as_coeff_Mul()
            if c.is_negative:
                neg.append(sp.Mul(-c, rest))
            else:
                pos.append(term)
        acc = self._print(pos[0]) if pos else f"mpf_neg({self._print(neg.pop(0))})"
        for term in pos[1:]:
            acc = f"mpf_add({acc}, {self._print(term)}, {self._pr()})"
        for term in neg:
            acc = f"mpf_add({acc}, {self._print(term)}, {self._pr()}, 1)"  # 1: subtract
        return acc

    def _product(self, factors: list[sp.Expr]) -> str:
        acc = self._print(factors[0])
        for fac in factors[1:]:
            acc = f"mpf_mul({acc}, {self._print(fac)}, {self._pr()})"
        return acc

    @staticmethod
    def mul_parts(expr: sp.Mul) -> tuple[sp.Expr, list[sp.Expr], list[sp.Expr]]:
        """``(c, numerator factors, denominator factors)`` of a product (c a number)."""
        c, rest = expr.as_coeff_Mul()
        num: list[sp.Expr] = []
        den: list[sp.Expr] = []
        for fac in sp.Mul.make_args(rest):
            if fac.is_Pow and fac.exp.is_number and fac.exp.is_negative:
                den.append(sp.Pow(fac.base, -fac.exp))
            else:
                num.append(fac)
        return c, num or [sp.Integer(1)], den

    def _print_Mul(self, expr: sp.Mul) -> str:
        c, num, den = self.mul_parts(expr)
        body = self._product(num)
        if den:
            body = f"_mp_div({body}, {self._product(den)}, {self.prec})"
        if c == 1:
            return body
        if c == -1:
            return f"mpf_neg({body})"
        if c.is_Integer:
            k = abs(int(c))
            if k & (k - 1) == 0:  # a power of two: exact shift
                body = f"mpf_shift({body}, {k.bit_length() - 1})"
                return body if c > 0 else f"mpf_neg({body})"
            return f"mpf_mul_int({body}, {int(c)}, {self._pr()})"
        return f"mpf_mul({self.const(c)}, {body}, {self._pr()})"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, ex = expr.base, expr.exp
        b = self._print(base)
        if ex.is_Integer:
            e = int(ex)
            if e == 1:
                return b
            if e > 1:
                return f"mpf_pow_int({b}, {e}, {self._pr()})"
            inner = b if e == -1 else f"mpf_pow_int({b}, {-e}, {self._pr()})"
            return f"_mp_div(fone, {inner}, {self.prec})"
        if ex == sp.S.Half:
            return f"_mp_sqrt({b}, {self.prec})"
        if ex == -sp.S.Half:
            return f"_mp_div(fone, _mp_sqrt({b}, {self.prec}), {self.prec})"
        return f"_mp_pow({b}, {self._print(ex)}, {self.prec})"


def mpf_constant(e: sp.Expr, prec: int) -> tuple:
    """The number ``e`` rounded to nearest at ``prec`` bits, as a raw mpf tuple."""
    if e.is_Integer:
        return libmp.from_int(int(e), prec, _ROUND)
    if e.is_Rational:
        return libmp.from_rational(int(e.p), int(e.q), prec, _ROUND)
    if e.is_Float:
        return libmp.mpf_pos(e._mpf_, prec, _ROUND)
    digits = int(prec / 3.3219280948873626) + 20
    return libmp.mpf_pos(sp.Float(e.evalf(digits), digits)._mpf_, prec, _ROUND)


def raw_mpf(x: Any, prec: int) -> tuple:
    """``x`` rounded to nearest at ``prec`` bits, as a raw mpf tuple.

    Parameters
    ----------
    x
        An int, float, string, :class:`fractions.Fraction`, SymPy number or mpmath
        ``mpf`` (any context).

    Raises
    ------
    InputError
        If ``x`` is not a real number of one of these types.
    """
    raw = getattr(x, "_mpf_", None)  # mpmath mpf (any context) or SymPy Float
    if raw is not None:
        return libmp.mpf_pos(raw, prec, _ROUND)
    if isinstance(x, float | np.floating):
        return libmp.from_float(float(x), prec, _ROUND)
    q = to_fraction(x)
    if q is not None:
        return libmp.from_rational(q.numerator, q.denominator, prec, _ROUND)
    if isinstance(x, str):
        return libmp.from_str(x, prec, _ROUND)
    if isinstance(x, sp.Expr) and x.is_number:
        return mpf_constant(x, prec)
    raise InputError(f"cannot convert {x!r} to a real number", "theta")


def libmp_namespace() -> dict[str, Any]:
    """The names the generated libmp code calls."""
    ns: dict[str, Any] = {
        name: getattr(libmp, name)
        for name in (
            "mpf_add", "mpf_shift", "mpf_mul", "mpf_neg", "mpf_mul_int", "mpf_pow_int",
            "mpf_exp", "mpf_tanh", "mpf_erf", "mpf_erfc", "mpf_sin", "mpf_cos",
            "mpf_tan", "mpf_atan", "mpf_sinh", "mpf_cosh", "mpf_abs", "fone",
        )
    }  # fmt: skip
    ns.update(
        _mp_div=_mp_div, _mp_log=_mp_log, _mp_sqrt=_mp_sqrt, _mp_pow=_mp_pow,
        _mp_sign=_mp_sign, _mp_dirac=_mp_dirac,
    )  # fmt: skip
    return ns


def libmp_function(
    block: Block, args: str, name: str, prec: int
) -> tuple[str, Callable[..., tuple]]:
    """One libmp function ``name(args) -> (outputs...)`` printed from ``block``.

    Parameters
    ----------
    block
        The CSE'd expressions.
    args
        The argument list of the generated function (``"p0, p1"``).
    name
        The function's name.
    prec
        Working precision in bits (every operation rounds to nearest).

    Returns
    -------
    source : str
        The generated source.
    function : callable
        The function, on raw libmp ``mpf`` tuples (arguments and results).
    """
    printer = LibmpPrinter(prec)
    src = [f"def {name}({args}):", *lines(block, printer)]
    src += [f"    return ({', '.join(printer.doprint(e) for e in block.outputs)},)", ""]
    source = "\n".join(src)
    ns = libmp_namespace()
    for e, cname in printer.constants.items():
        ns[cname] = mpf_constant(e, prec)
    return source, generated_function(source, ns, name, f"libmp-{name}{prec}")


class MpmathTarget(Target):
    """Arbitrary-precision evaluation at ``dps`` digits with ``mpmath.libmp``.

    Inputs may be ints, floats, strings, :class:`fractions.Fraction`, SymPy numbers or
    mpmath ``mpf`` (any context); each is rounded to nearest at the target precision.
    Results are ``mpf`` of the private context :attr:`ctx` (``ctx.dps == dps``); the
    global ``mpmath.mp`` is never read or changed.

    Attributes
    ----------
    dps, prec
        Precision in decimal digits and in bits.
    ctx
        The private :class:`mpmath.MPContext` of the results.
    source
        The generated Python source.
    """

    def __init__(self, loss: Derivation, dps: int) -> None:
        self.n = loss.n
        self.dps = dps
        self.ctx = mpmath.MPContext()
        self.ctx.dps = dps
        self.prec = prec = self.ctx.prec
        self._mpf_type = self.ctx.mpf
        printer = LibmpPrinter(prec)
        n = loss.n
        args = ", ".join(f"p{i}" for i in range(n))
        src: list[str] = []
        b = loss.block("value")
        src += [f"def value({args}):", *lines(b, printer)]
        src += [f"    return {printer.doprint(b.outputs[0])}", ""]
        for name, kind in (("gradient", "grad"), ("hessian", "hess")):
            b = loss.block(kind)
            src += [f"def {name}({args}):", *lines(b, printer)]
            src += [f"    return ({', '.join(printer.doprint(e) for e in b.outputs)},)", ""]
        b = loss.block("grad")
        pr = printer._pr()
        new = ", ".join(f"mpf_add(p{i}, mpf_mul(eta, g{i}, {pr}), {pr}, 1)" for i in range(n))
        grad_lines = [f"    g{i} = {printer.doprint(e)}" for i, e in enumerate(b.outputs)]
        src += [f"def step({args}, eta):", *lines(b, printer), *grad_lines]
        src += [f"    return ({new},)", ""]
        src += [f"def descend({args}, eta, steps):", "    for _ in range(steps):"]
        src += lines(b, printer, "        ")
        src += ["    " + line for line in grad_lines]
        src += [f"        {args}, = ({new},)", f"    return ({args},)", ""]
        self.source = "\n".join(src)
        ns = libmp_namespace()
        for e, name in printer.constants.items():
            ns[name] = mpf_constant(e, prec)
        ns = exec_generated(self.source, ns, f"mpmath{dps}")
        self._value = ns["value"]
        self._gradient = ns["gradient"]
        self._hessian = ns["hessian"]
        self._step = ns["step"]
        self._descend = ns["descend"]
        self._upper = [(i, j) for i in range(n) for j in range(i, n)]

    def _raw(self, x: Any) -> tuple:
        if type(x) is self._mpf_type:  # already rounded to this precision
            return x._mpf_
        return raw_mpf(x, self.prec)

    def _point(self, theta: Sequence[Any]) -> list[tuple]:
        if len(theta) != self.n:
            self._check_len(theta)
        return list(map(self._raw, theta))

    def value(self, theta: Sequence[Any]) -> Any:
        """Loss at ``theta`` (an ``mpf``)."""
        return self.ctx.make_mpf(self._value(*self._point(theta)))

    def gradient(self, theta: Sequence[Any]) -> tuple[Any, ...]:
        """Gradient at ``theta`` (tuple of ``mpf``)."""
        mk = self.ctx.make_mpf
        return tuple(mk(g) for g in self._gradient(*self._point(theta)))

    def hessian(self, theta: Sequence[Any]) -> tuple[tuple[Any, ...], ...]:
        """Hessian at ``theta`` (tuple of rows, each a tuple of ``mpf``)."""
        mk = self.ctx.make_mpf
        out = [[self.ctx.zero] * self.n for _ in range(self.n)]
        for (i, j), h in zip(self._upper, self._hessian(*self._point(theta)), strict=True):
            out[i][j] = out[j][i] = mk(h)
        return tuple(tuple(row) for row in out)

    def step(self, theta: Sequence[Any], eta: Any) -> tuple[Any, ...]:
        """One GD step ``theta - eta * gradient(theta)`` (tuple of ``mpf``)."""
        return tuple(map(self.ctx.make_mpf, self._step(*self._point(theta), self._raw(eta))))

    def descend(self, theta: Sequence[Any], eta: Any, steps: int) -> tuple[Any, ...]:
        """``steps`` GD steps in one generated loop; equal to repeated :meth:`step`."""
        steps = check_steps(steps)
        mk = self.ctx.make_mpf
        return tuple(mk(t) for t in self._descend(*self._point(theta), self._raw(eta), steps))

    def value_step_kernel(self, loss: Derivation, value_dps: int) -> Callable[..., tuple]:
        """Generated raw kernel ``(p0, ..., p{n-1}, eta) -> (f, q0, ..., q{n-1})``.

        One call evaluates the loss ``f`` at ``value_dps`` digits and the GD step
        ``q = p - eta * gradient(p)`` at this target's precision, on raw libmp ``mpf``
        tuples (arguments and results). ``f`` is bit-identical to
        ``loss.mpmath(value_dps).value`` and ``q`` to :meth:`step` (the same CSE blocks
        and printer; ``x**2`` of a symbol is printed as ``x*x``, which libmp rounds
        identically). Built once per ``value_dps`` and cached on this target.

        Parameters
        ----------
        loss
            The compiled loss this target was built from.
        value_dps
            Precision of the loss value in decimal digits.
        """
        if loss.n != self.n:
            raise InputError(f"loss has {loss.n} parameters, the target {self.n}")
        value_dps = check_dps(value_dps)
        cache: dict[int, tuple[Derivation, Callable[..., tuple]]] = self.__dict__.setdefault(
            "_value_step_kernels", {}
        )
        found = cache.get(value_dps)
        if found is not None and found[0] is loss:
            return found[1]

        class _Printer(LibmpPrinter):
            def __init__(self, prec: int, prefix: str) -> None:
                super().__init__(prec)
                self.prefix = prefix

            def const(self, e: sp.Expr) -> str:
                if e not in self.constants:
                    self.constants[e] = f"{self.prefix}{len(self.constants)}"
                return self.constants[e]

            def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
                if expr.exp == 2 and isinstance(expr.base, sp.Symbol):
                    b = self._print(expr.base)
                    return f"mpf_mul({b}, {b}, {self._pr()})"
                return super()._print_Pow(expr, rational=rational)

        value_prec = mpmath.MPContext()
        value_prec.dps = value_dps
        hi = _Printer(value_prec.prec, "h")
        lo = _Printer(self.prec, "k")
        n = self.n
        args = ", ".join(f"p{i}" for i in range(n))
        bv = loss.block("value")
        bg = loss.block("grad")
        pr = lo._pr()
        new = ", ".join(f"mpf_add(p{i}, mpf_mul(eta, g{i}, {pr}), {pr}, 1)" for i in range(n))
        src = [f"def value_step({args}, eta):", *lines(bv, hi)]
        src += [f"    f = {hi.doprint(bv.outputs[0])}", *lines(bg, lo)]
        src += [f"    g{i} = {lo.doprint(e)}" for i, e in enumerate(bg.outputs)]
        src += [f"    return (f, {new},)", ""]
        source = "\n".join(src)
        ns = libmp_namespace()
        for printer in (hi, lo):
            for e, name in printer.constants.items():
                ns[name] = mpf_constant(e, printer.prec)
        ns = exec_generated(source, ns, f"mpmath{self.dps}-value{value_dps}")
        kernel = ns["value_step"]
        kernel.source = source  # type: ignore[attr-defined]
        cache[value_dps] = (loss, kernel)
        return kernel
