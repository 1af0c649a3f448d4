"""The MPFR target: the fused loss-and-GD-step kernel on ``gmpy2.mpfr``.

:meth:`symstab.codegen.mpmath_target.MpmathTarget.value_step_kernel` prints, from the CSE
blocks of a :class:`~symstab.codegen.derivation.CompiledLoss`, one function that
evaluates the loss at a higher precision and the GD step θ − η∇f(θ) at the working
precision on raw ``mpmath.libmp`` tuples. :func:`mpfr_value_step_kernel` prints the
*same operation sequence* (the same blocks, and a printer that mirrors
:class:`~symstab.codegen.mpmath_target.LibmpPrinter` node by node) as Python operators on
``gmpy2.mpfr`` numbers, which cost about a third of a libmp call.

Precision and rounding
----------------------
Each generated kernel runs the loss block in a private ``gmpy2.context`` with the loss
precision and the step block in one with the working precision (both round to nearest,
ties to even, like libmp's ``round_nearest``); it switches with ``gmpy2.set_context`` and
restores the caller's context before returning (also on an exception), so the global
context is never changed. Every operation is rounded once to the precision of its block,
exactly where the libmp kernel rounds:

* ``+ − × ÷ √``, multiplication by an integer and x² are correctly rounded in both
  libraries, negation, ``abs`` and scaling by 2^k are exact in both; integer powers
  xⁿ with n >= 3 are correctly rounded by MPFR always and by libmp when the exact power
  has fewer than 1000 bits (``mpf_pow_int`` rounds the exact ``man**n``; above that it
  uses a wider working precision, which may differ by an ulp). So a polynomial loss gives
  **bit-identical** iterates and losses whenever every power is exact in libmp's sense,
  e.g. powers of a coordinate (<= working precision bits) with n·prec < 1000; this is
  tested bit for bit on random polynomials.
* ``exp, log, tanh, erf, erfc, sin, cos, tan, atan, sinh, cosh`` and non-integer powers
  are correctly rounded by MPFR; libmp's are accurate but not always correctly rounded,
  so single results may differ by one ulp (tested). The orbit is then the one of
  correctly rounded arithmetic, which differs from libmp's at rounding level (amplified
  along chaotic orbits like any rounding difference).
* MPFR exponents are bounded (about ±2^30 bits in the gmpy2 builds seen), libmp's are
  not: a result beyond that range overflows to ±inf or underflows to 0 where libmp stays
  finite. :meth:`MpfrKernel.out_of_range` reports whether this happened (the MPFR
  overflow/underflow flags of the kernel's own contexts), so a caller can recompute with
  libmp.
* Division by zero gives ±inf/NaN in both; the sign of an infinity may differ (MPFR has
  signed zeros, libmp does not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gmpy2
import mpmath
import sympy as sp
from mpmath import libmp

from symstab.codegen.derivation import CompiledLoss
from symstab.codegen.mpmath_target import LibmpPrinter, MpmathTarget, mpf_constant
from symstab.codegen.source import exec_generated, lines
from symstab.codegen.target import check_dps
from symstab.errors import InputError

__all__ = [
    "MpfrKernel",
    "MpfrKernelFactory",
    "context",
    "from_raw",
    "mpfr_value_step_kernel",
    "to_raw",
]

#: SymPy function name -> name of the gmpy2 function in generated code.
_MPFR_FUNCS: dict[str, str] = {
    "exp": "_exp",
    "log": "_log",
    "tanh": "_tanh",
    "erf": "_erf",
    "erfc": "_erfc",
    "sin": "_sin",
    "cos": "_cos",
    "tan": "_tan",
    "atan": "_atan",
    "sinh": "_sinh",
    "cosh": "_cosh",
    "Abs": "abs",
    "sign": "_sign",
    "DiracDelta": "_dirac",
}

_ZERO = gmpy2.mpfr(0)
_ONE = gmpy2.mpfr(1)
_MINUS_ONE = gmpy2.mpfr(-1)
_NAN = gmpy2.mpfr("nan")


def _sign(x: Any) -> Any:
    """``sign`` like the libmp target's: −1, 0, 1, NaN at NaN."""
    if gmpy2.is_nan(x):
        return _NAN
    return _ONE if x > 0 else _MINUS_ONE if x < 0 else _ZERO


def _dirac(x: Any) -> Any:
    """``DiracDelta`` like the libmp target's: NaN at 0 and NaN, else 0."""
    return _NAN if gmpy2.is_nan(x) or gmpy2.is_zero(x) else _ZERO


def context(prec: int) -> Any:
    """A fresh gmpy2 context: ``prec`` bits, round to nearest, widest exponent range,
    no traps (the context every MPFR kernel computes in)."""
    return gmpy2.context(
        precision=prec,
        round=gmpy2.RoundToNearest,
        emax=gmpy2.get_emax_max(),
        emin=gmpy2.get_emin_min(),
        subnormalize=False,
    )


def from_raw(raw: tuple, prec: int) -> Any:
    """The raw libmp ``mpf`` tuple ``raw`` as an ``mpfr`` of ``prec`` bits (exact when
    the mantissa has at most ``prec`` bits, else rounded to nearest)."""
    sign, man, exp, bc = raw
    if not man:
        if raw == libmp.fzero:
            return gmpy2.mpfr(0, prec)
        if raw == libmp.finf:
            return gmpy2.mpfr("inf", prec)
        if raw == libmp.fninf:
            return gmpy2.mpfr("-inf", prec)
        return gmpy2.mpfr("nan", prec)
    ctx = context(max(prec, int(bc), 2))
    x = ctx.mul_2exp(gmpy2.mpfr(-man if sign else man, max(int(bc), 2)), int(exp))
    return gmpy2.mpfr(x, prec) if bc > prec else x


def to_raw(x: Any) -> tuple:
    """The exact value of the ``mpfr`` ``x`` as a normalized raw libmp ``mpf`` tuple."""
    if gmpy2.is_nan(x):
        return libmp.fnan
    if gmpy2.is_infinite(x):
        return libmp.finf if x > 0 else libmp.fninf
    if gmpy2.is_zero(x):
        return libmp.fzero
    man, exp = x.as_mantissa_exp()
    return libmp.from_man_exp(int(man), int(exp))


class _MpfrPrinter(LibmpPrinter):
    """Prints expressions as Python operators on ``mpfr``, mirroring ``LibmpPrinter``.

    Each emitted operator corresponds to one libmp call of ``LibmpPrinter`` on the same
    expression (same operands, same order), so both round at the same places. The code
    runs in a gmpy2 context of ``prec`` bits. Numbers become named constants
    ``{prefix}0, {prefix}1, ...`` rounded to ``prec`` bits.
    """

    def __init__(self, prec: int, prefix: str) -> None:
        super().__init__(prec)
        self.prefix = prefix

    def const(self, e: sp.Expr) -> str:
        if e not in self.constants:
            self.constants[e] = f"{self.prefix}{len(self.constants)}"
        return self.constants[e]

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Expr) and not isinstance(expr, sp.Symbol) and expr.is_number:
            return self.const(expr)
        if isinstance(expr, sp.Function):
            name = type(expr).__name__
            if name not in _MPFR_FUNCS:
                raise NotImplementedError(f"no mpfr printer for {name}")
            return f"{_MPFR_FUNCS[name]}({self._print(expr.args[0])})"
        return super()._print(expr, **kwargs)

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        pos: list[sp.Expr] = []
        neg: list[sp.Expr] = []
        for term in expr.args:
            c, rest = term.as_coeff_Mul()
            if c.is_negative:
                neg.append(sp.Mul(-c, rest))
            else:
                pos.append(term)
        acc = self._print(pos[0]) if pos else f"(-{self._print(neg.pop(0))})"
        for term in pos[1:]:
            acc = f"({acc} + {self._print(term)})"
        for term in neg:
            acc = f"({acc} - {self._print(term)})"
        return acc

    def _product(self, factors: list[sp.Expr]) -> str:
        acc = self._print(factors[0])
        for fac in factors[1:]:
            acc = f"({acc} * {self._print(fac)})"
        return acc

    def _print_Mul(self, expr: sp.Mul) -> str:
        c, num, den = self.mul_parts(expr)
        body = self._product(num)
        if den:
            body = f"({body} / {self._product(den)})"
        if c == 1:
            return body
        if c == -1:
            return f"(-{body})"
        if c.is_Integer:
            # libmp: an exact shift for ±2^k, else mpf_mul_int (one rounding); a Python
            # int operand is exact in gmpy2 (mpfr_mul_si / mpfr_mul_z), so x*c is both
            k = abs(int(c))
            if k & (k - 1) == 0:
                return f"({body} * {k})" if c > 0 else f"(-({body} * {k}))"
            return f"({body} * ({int(c)}))"
        return f"({self.const(c)} * {body})"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, ex = expr.base, expr.exp
        b = self._print(base)
        if ex.is_Integer:
            e = int(ex)
            if e == 1:
                return b
            if e == 2 and isinstance(base, sp.Symbol):
                return f"({b} * {b})"  # as the libmp kernel; x*x and x**2 round alike
            if e > 1:
                return f"({b} ** {e})"
            inner = b if e == -1 else f"({b} ** {-e})"
            return f"(1 / {inner})"
        if ex == sp.S.Half:
            return f"_sqrt({b})"
        if ex == -sp.S.Half:
            return f"(1 / _sqrt({b}))"
        return f"({b} ** {self._print(ex)})"


@dataclass
class MpfrKernel:
    """One bound kernel with its own two gmpy2 contexts (not shared between threads).

    Attributes
    ----------
    kernel
        ``kernel(p0, ..., p{n-1}, eta) -> (f, q0, ..., q{n-1})`` on ``mpfr``: the loss
        at ``value_prec`` bits and the GD step at ``prec`` bits.
    lo, hi
        The contexts of the step (``prec`` bits) and of the loss (``value_prec``).
    prec, value_prec
        Precisions in bits.
    """

    kernel: Callable[..., tuple]
    lo: Any
    hi: Any
    prec: int
    value_prec: int

    def out_of_range(self) -> bool:
        """Whether some result of this kernel overflowed or underflowed MPFR's exponent
        range since it was bound (libmp would have given a finite nonzero number)."""
        return bool(self.lo.overflow or self.lo.underflow or self.hi.overflow or self.hi.underflow)

    def from_raw(self, raw: tuple) -> Any:
        """A raw libmp tuple as an ``mpfr`` at the working precision."""
        return from_raw(raw, self.prec)


@dataclass(frozen=True)
class MpfrKernelFactory:
    """The generated source of one mpfr kernel; :meth:`bind` makes a callable kernel.

    Attributes
    ----------
    prec, value_prec
        Working and loss precision in bits.
    source
        The generated Python source (a function ``make(_H, _L)`` returning the kernel).
    """

    prec: int
    value_prec: int
    source: str
    make: Callable[[Any, Any], Callable[..., tuple]]

    def bind(self) -> MpfrKernel:
        """A kernel with fresh contexts (cheap; use one per run or thread)."""
        lo, hi = context(self.prec), context(self.value_prec)
        return MpfrKernel(self.make(hi, lo), lo, hi, self.prec, self.value_prec)


def mpfr_value_step_kernel(
    target: MpmathTarget, loss: CompiledLoss, value_dps: int
) -> MpfrKernelFactory:
    """The mpfr counterpart of ``target.value_step_kernel(loss, value_dps)``.

    Generated from the same CSE blocks (``loss.block("value")`` at ``value_dps`` digits,
    ``loss.block("grad")`` and the step at ``target.prec`` bits); see the module
    docstring for when the results are bit-identical to the libmp kernel. Built once per
    ``value_dps`` and cached on ``target``.

    Parameters
    ----------
    target
        The mpmath target of ``loss`` at the working precision.
    loss
        The compiled loss ``target`` was built from.
    value_dps
        Precision of the loss value in decimal digits.

    Raises
    ------
    NotImplementedError
        If the loss contains a function with no mpfr counterpart (the caller then uses
        the libmp kernel).
    """
    if loss.n != target.n:
        raise InputError(f"loss has {loss.n} parameters, the target {target.n}")
    value_dps = check_dps(value_dps)
    cache: dict[int, tuple[CompiledLoss, MpfrKernelFactory]] = target.__dict__.setdefault(
        "_mpfr_kernels", {}
    )
    found = cache.get(value_dps)
    if found is not None and found[0] is loss:
        return found[1]
    value_ctx = mpmath.MPContext()
    value_ctx.dps = value_dps
    hi = _MpfrPrinter(value_ctx.prec, "h")
    lo = _MpfrPrinter(target.prec, "k")
    n = target.n
    args = ", ".join(f"p{i}" for i in range(n))
    bv = loss.block("value")
    bg = loss.block("grad")
    ind = " " * 12
    body = [*lines(bv, hi, ind), f"{ind}f = {hi.doprint(bv.outputs[0])}", f"{ind}_set(_L)"]
    body += [*lines(bg, lo, ind)]
    body += [f"{ind}g{i} = {lo.doprint(e)}" for i, e in enumerate(bg.outputs)]
    new = ", ".join(f"(p{i} - (eta * g{i}))" for i in range(n))
    body += [f"{ind}return (f, {new},)"]
    src = [
        "def make(_H, _L):",
        f"    def value_step({args}, eta):",
        "        _c = _get()",
        "        _set(_H)",
        "        try:",
        *body,
        "        finally:",
        "            _set(_c)",
        "    return value_step",
        "",
    ]
    source = "\n".join(src)
    ns: dict[str, Any] = {
        "_get": gmpy2.get_context,
        "_set": gmpy2.set_context,
        "_sqrt": gmpy2.sqrt,
        "_sign": _sign,
        "_dirac": _dirac,
    }
    for name in ("exp", "log", "tanh", "erf", "erfc", "sin", "cos", "tan", "atan", "sinh", "cosh"):
        ns[f"_{name}"] = getattr(gmpy2, name)
    for printer in (hi, lo):
        for e, name in printer.constants.items():
            ns[name] = from_raw(mpf_constant(e, printer.prec), printer.prec)
    ns = exec_generated(source, ns, f"mpfr{target.dps}-value{value_dps}")
    factory = MpfrKernelFactory(target.prec, value_ctx.prec, source, ns["make"])
    cache[value_dps] = (loss, factory)
    return factory
