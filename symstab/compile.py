"""Code generation: derive ∇f and H once in SymPy, emit numeric code for every target.

A loss ``f(θ)`` is given as a SymPy expression and an ordered tuple of parameter
symbols. :func:`compile_loss` substitutes the parameters by generated real symbols
``p0, p1, ...`` (user names never reach generated source), differentiates once to get
the gradient and the Hessian, and returns a :class:`CompiledLoss`. Each numeric target
is printed from that one derivation, after common-subexpression elimination
(``sympy.cse``, once per emitted function), with a SymPy code printer:

``numpy()``
    NumPy, vectorised over points: ``theta`` of shape ``(..., n)``.
``numba()``
    ``numba.njit`` scalar kernels on float64 rows (``grad_into(theta_row, out_row)``,
    ``value_scalar(theta_row)``, ...) usable from other njit code, plus parallel
    drivers over many points. Compiled lazily, once per loss.
``mpmath(dps)``
    Arbitrary precision with ``dps`` decimal digits. The generated code calls
    ``mpmath.libmp`` on raw ``mpf`` tuples (about 2x faster than ``mpf`` objects) and
    never touches the global ``mpmath.mp`` context; results are ``mpf`` of a private
    :class:`mpmath.MPContext`.
``interval(dps)``
    Outward-rounded enclosures with python-flint ``arb`` balls (rigorous). ``mpmath.iv``
    is available as ``backend="iv"`` for comparison only: it has no ``tanh``, its
    ``erf`` fails on intervals and its ``sign`` is wrong on intervals containing 0,
    and it was slower in ``benchmarks/bench_compile.py``.

Every target has ``value(theta)``, ``gradient(theta)``, ``hessian(theta)``,
``step(theta, eta) = theta - eta * gradient(theta)`` and ``descend(theta, eta, steps)``.

Supported loss building blocks: ``+ - * /``, powers, ``exp, log, sqrt, tanh, erf, erfc,
sin, cos, tan, atan, sinh, cosh, Abs`` and the constants ``pi, E, EulerGamma, Catalan``.
``Abs`` differentiates to ``sign`` and ``2*DiracDelta``; every target evaluates
``DiracDelta(u)`` as ``0`` for ``u != 0`` and as NaN at ``u == 0`` (the Hessian is
undefined on the kink; for intervals: NaN, i.e. "anything", if the enclosure of ``u``
contains 0). Outside the real domain (``log`` of a negative number, ``x/0``) the float
and mpmath targets give NaN/±inf like IEEE arithmetic and never raise.

The generated Python source is printed from a SymPy expression tree, never from user
text, and is run with ``compile``/``exec`` in a fresh namespace holding only the
numeric module it needs; it is kept in each target's ``source`` attribute.
"""

from __future__ import annotations

import itertools
import linecache
import math
import threading
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import StringIO
from types import SimpleNamespace
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from mpmath import libmp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import MpmathPrinter, PythonCodePrinter

from symstab.errors import InputError
from symstab.intervals import (
    ArbBackend,
    IvBackend,
    enclose_constant,
    to_fraction,
)

__all__ = [
    "CompiledLoss",
    "IntervalTarget",
    "MpmathTarget",
    "NumbaTarget",
    "NumpyTarget",
    "compile_loss",
]

#: Functions a loss may contain (one argument each).
_SUPPORTED_FUNCTIONS: dict[type, str] = {
    sp.exp: "exp",
    sp.log: "log",
    sp.tanh: "tanh",
    sp.erf: "erf",
    sp.erfc: "erfc",
    sp.sin: "sin",
    sp.cos: "cos",
    sp.tan: "tan",
    sp.atan: "atan",
    sp.sinh: "sinh",
    sp.cosh: "cosh",
    sp.Abs: "Abs",
}
#: Named constants a loss may contain.
_SUPPORTED_CONSTANTS = (sp.pi, sp.E, sp.EulerGamma, sp.Catalan)

#: Printer settings: fail on anything unsupported; keep sums in SymPy's internal order,
#: which prints ``a - b*c`` rather than ``-b*c + a`` (one array pass less in NumPy).
_PRINTER_SETTINGS = {"strict": True, "order": "none"}

#: Points per block in the parallel numba GD driver (fits in L1, lets LLVM vectorise).
_NUMBA_BLOCK = 64


# --------------------------------------------------------------------------------------
# Symbolic side: validation, derivation, CSE
# --------------------------------------------------------------------------------------


class _RealAbs(sp.Function):
    """``Abs`` of a real argument, differentiated as ``sign(u) * u'``.

    SymPy differentiates ``Abs(u)`` with ``re``/``im`` when it cannot prove ``u`` real
    (e.g. ``Abs(log(x))``); every loss here is real-valued, so this stand-in is used
    during differentiation and mapped back to ``Abs`` afterwards.
    """

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return _RealSign(self.args[0])


class _RealSign(sp.Function):
    """``sign`` of a real argument, differentiated as ``2 * DiracDelta(u) * u'``."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return 2 * sp.DiracDelta(self.args[0])


def _validate(expr: object, params: object) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    if not isinstance(expr, sp.Expr):
        raise InputError(f"loss must be a SymPy expression, got {type(expr).__name__}")
    if not isinstance(params, Sequence) or isinstance(params, str):
        raise InputError("parameters must be a tuple of SymPy symbols")
    params = tuple(params)
    if not params:
        raise InputError("at least one parameter is needed")
    for p in params:
        if not isinstance(p, sp.Symbol):
            raise InputError(f"parameter {p!r} is not a SymPy symbol")
    if len(set(params)) != len(params):
        raise InputError("parameters are not distinct")
    extra = expr.free_symbols - set(params)
    if extra:
        names = ", ".join(sorted(str(s) for s in extra))
        raise InputError(f"loss depends on symbols that are not parameters: {names}")
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Symbol):
            continue
        if node.is_Number:
            if not node.is_finite:
                raise InputError(f"loss contains the non-finite number {node}")
            continue
        if isinstance(node, sp.NumberSymbol):
            if node not in _SUPPORTED_CONSTANTS:
                raise InputError(f"unsupported constant '{node}' in loss")
            continue
        if node is sp.I:
            raise InputError("loss is complex (contains I)")
        if isinstance(node, (sp.Add, sp.Mul, sp.Pow)):
            continue
        if isinstance(node, sp.Function) and type(node) in _SUPPORTED_FUNCTIONS:
            if len(node.args) != 1:
                raise InputError(f"function '{type(node).__name__}' takes one argument")
            continue
        name = type(node).__name__ if isinstance(node, sp.Basic) else repr(node)
        raise InputError(f"unsupported operation '{name}' in loss")
    return expr, params


@dataclass(frozen=True)
class _Block:
    """CSE of some expressions: ``replacements`` (sym, expr) in order, then ``outputs``."""

    replacements: tuple[tuple[sp.Symbol, sp.Expr], ...]
    outputs: tuple[sp.Expr, ...]


def _cse(exprs: Sequence[sp.Expr]) -> _Block:
    replacements, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("c"))
    return _Block(tuple(replacements), tuple(reduced))


# --------------------------------------------------------------------------------------
# Running generated code
# --------------------------------------------------------------------------------------

_source_counter = itertools.count()


def _exec_generated(source: str, namespace: dict[str, Any], what: str) -> dict[str, Any]:
    """Compile and run generated ``source`` in ``namespace``; return the namespace.

    ``source`` is Python printed by a SymPy code printer from a SymPy expression tree
    (after the user's symbol names were replaced by ``p0, p1, ...``); it is never user
    text. The source is registered with :mod:`linecache` so tracebacks show it.
    """
    filename = f"<symstab.compile:{what}:{next(_source_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(source, filename, "exec")
    # Executes GENERATED code printed from a sympy expression tree (never user text).
    exec(code, namespace)
    return namespace


def _lines(block: _Block, printer: Any, indent: str = "    ") -> list[str]:
    return [f"{indent}{sym} = {printer.doprint(val)}" for sym, val in block.replacements]


# --------------------------------------------------------------------------------------
# The compiled loss
# --------------------------------------------------------------------------------------


class CompiledLoss:
    """A loss with its gradient and Hessian derived once, ready for numeric targets.

    Build it with :func:`compile_loss` (which caches). Targets are created on first
    request and cached on this object.

    Attributes
    ----------
    expr
        The loss as given.
    params
        The parameters as given, in order.
    n
        Number of parameters.
    symbols
        The generated real symbols ``p0, ..., p{n-1}`` standing for ``params``.
    f, grad, hess
        Loss, gradient (tuple) and Hessian (tuple of row tuples) in ``symbols``.
    """

    def __init__(self, expr: sp.Expr, params: tuple[sp.Symbol, ...]) -> None:
        self.expr = expr
        self.params = params
        self.n = len(params)
        self.symbols = tuple(sp.Symbol(f"p{i}", real=True) for i in range(self.n))
        f = expr.xreplace(dict(zip(params, self.symbols, strict=True)))
        f_real = f.replace(sp.Abs, _RealAbs)
        grad_real = [sp.diff(f_real, p) for p in self.symbols]
        hess_real = [[sp.diff(g, p) for p in self.symbols[i:]] for i, g in enumerate(grad_real)]

        def back(e: sp.Expr) -> sp.Expr:
            return e.replace(_RealAbs, sp.Abs).replace(_RealSign, sp.sign)

        self.f: sp.Expr = f
        self.grad: tuple[sp.Expr, ...] = tuple(back(g) for g in grad_real)
        upper = [[back(h) for h in row] for row in hess_real]
        self.hess: tuple[tuple[sp.Expr, ...], ...] = tuple(
            tuple(upper[min(i, j)][abs(j - i)] for j in range(self.n)) for i in range(self.n)
        )
        self._blocks: dict[str, _Block] = {}
        self._targets: dict[Any, Any] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        names = ", ".join(str(p) for p in self.params)
        return f"CompiledLoss({self.expr}, params=({names}))"

    @property
    def hess_upper(self) -> tuple[sp.Expr, ...]:
        """Hessian entries ``(i, j)`` with ``i <= j``, row by row."""
        return tuple(self.hess[i][j] for i in range(self.n) for j in range(i, self.n))

    def gradient_exprs(self) -> tuple[sp.Expr, ...]:
        """The gradient in the user's parameters."""
        inv = dict(zip(self.symbols, self.params, strict=True))
        return tuple(g.xreplace(inv) for g in self.grad)

    def hessian_exprs(self) -> tuple[tuple[sp.Expr, ...], ...]:
        """The Hessian in the user's parameters (rows of a symmetric matrix)."""
        inv = dict(zip(self.symbols, self.params, strict=True))
        return tuple(tuple(h.xreplace(inv) for h in row) for row in self.hess)

    def block(self, kind: str) -> _Block:
        """CSE'd expressions for one emitted function, computed once per kind.

        Parameters
        ----------
        kind
            ``"value"`` (f), ``"grad"`` (∇f), ``"value_grad"`` (f, ∇f) or ``"hess"``
            (upper triangle of H, see :attr:`hess_upper`).
        """
        with self._lock:
            if kind not in self._blocks:
                exprs = {
                    "value": (self.f,),
                    "grad": self.grad,
                    "value_grad": (self.f, *self.grad),
                    "hess": self.hess_upper,
                }[kind]
                self._blocks[kind] = _cse(exprs)
            return self._blocks[kind]

    def _target(self, key: Any, factory: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._targets:
                self._targets[key] = factory()
            return self._targets[key]

    def numpy(self) -> NumpyTarget:
        """The NumPy target (vectorised over points), built once."""
        return self._target("numpy", lambda: NumpyTarget(self))

    def numba(self) -> NumbaTarget:
        """The numba target; kernels compile on first call, once per loss."""
        return self._target("numba", lambda: NumbaTarget(self))

    def mpmath(self, dps: int) -> MpmathTarget:
        """The mpmath target at ``dps`` decimal digits, built once per ``dps``."""
        dps = _check_dps(dps)
        return self._target(("mpmath", dps), lambda: MpmathTarget(self, dps))

    def interval(self, dps: int = 30, *, backend: str = "arb") -> IntervalTarget:
        """The interval target at ``dps`` decimal digits, built once per ``(dps, backend)``.

        Parameters
        ----------
        dps
            Working precision in decimal digits.
        backend
            ``"arb"`` (python-flint, default, all supported functions) or ``"iv"``
            (``mpmath.iv``; polynomials, ``exp, log, sqrt, sin, cos, Abs`` only; kept
            for comparison).
        """
        dps = _check_dps(dps)
        if backend not in ("arb", "iv"):
            raise InputError(f"unknown interval backend {backend!r}", "backend")
        return self._target(("interval", dps, backend), lambda: IntervalTarget(self, dps, backend))


def _check_dps(dps: int) -> int:
    if isinstance(dps, bool) or not isinstance(dps, int | np.integer) or not 1 <= dps <= 100_000:
        raise InputError(f"precision must be an integer number of digits >= 1, got {dps!r}", "dps")
    return int(dps)


_cache: dict[tuple[str, tuple[sp.Symbol, ...]], CompiledLoss] = {}
_cache_lock = threading.Lock()


def compile_loss(expr: sp.Expr, params: tuple[sp.Symbol, ...]) -> CompiledLoss:
    """Derive gradient and Hessian of a loss once; return the (cached) compiled loss.

    Parameters
    ----------
    expr
        The loss, a real-valued SymPy expression in ``params`` (see the module
        docstring for the supported functions).
    params
        The parameter symbols, in the order used for ``theta`` by every target.

    Returns
    -------
    CompiledLoss
        The same object for the same ``(sp.srepr(expr), params)``.

    Raises
    ------
    InputError
        If the loss uses something unsupported or symbols outside ``params``.
    """
    expr, params = _validate(expr, params)
    key = (sp.srepr(expr), params)
    with _cache_lock:
        found = _cache.get(key)
    if found is not None:
        return found
    loss = CompiledLoss(expr, params)
    with _cache_lock:
        return _cache.setdefault(key, loss)


# --------------------------------------------------------------------------------------
# Base class of the targets
# --------------------------------------------------------------------------------------


class _Target:
    """Common interface: ``value``, ``gradient``, ``hessian``, ``step``, ``descend``."""

    n: int
    source: str

    def value(self, theta: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def gradient(self, theta: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def hessian(self, theta: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, theta: Any, eta: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def descend(self, theta: Any, eta: Any, steps: int) -> Any:
        """Apply :meth:`step` ``steps`` times and return the last point.

        Parameters
        ----------
        theta
            Starting point(s), as accepted by :meth:`step`.
        eta
            Learning rate.
        steps
            Number of GD steps, ``>= 0``.
        """
        for _ in range(_check_steps(steps)):
            theta = self.step(theta, eta)
        return theta

    def _check_len(self, theta: Sequence[Any]) -> None:
        if len(theta) != self.n:
            raise InputError(f"expected {self.n} coordinates, got {len(theta)}", "theta")


def _check_steps(steps: int) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise InputError(f"number of steps must be an integer >= 0, got {steps!r}", "steps")
    return int(steps)


# --------------------------------------------------------------------------------------
# NumPy target
# --------------------------------------------------------------------------------------


def _vectorised(fn: Callable[[float], float]) -> Callable[[Any], Any]:
    ufunc = np.frompyfunc(fn, 1, 1)

    def apply(x: Any) -> Any:
        return np.asarray(ufunc(x), dtype=np.float64)[()]

    return apply


def _numpy_special() -> dict[str, Any]:
    try:  # pragma: no cover - depends on the environment
        from scipy import special

        return {"_erf": special.erf, "_erfc": special.erfc}
    except ImportError:
        return {"_erf": _vectorised(math.erf), "_erfc": _vectorised(math.erfc)}


class _NumpyPrinter(NumPyPrinter):
    """NumPy printer with vectorised ``erf``/``erfc`` and ``DiracDelta``."""

    def _print_erf(self, expr: sp.Expr) -> str:
        return f"_erf({self._print(expr.args[0])})"

    def _print_erfc(self, expr: sp.Expr) -> str:
        return f"_erfc({self._print(expr.args[0])})"

    def _print_DiracDelta(self, expr: sp.Expr) -> str:
        return f"numpy.where(({self._print(expr.args[0])}) == 0, numpy.nan, 0.0)"


class NumpyTarget(_Target):
    """Float64 evaluation vectorised over points with NumPy.

    ``theta`` has shape ``(..., n)``; the leading axes index points. For a single
    point of shape ``(n,)`` :meth:`value` returns a float.

    Attributes
    ----------
    source
        The generated Python source.
    """

    def __init__(self, loss: CompiledLoss) -> None:
        self.n = loss.n
        printer = _NumpyPrinter(_PRINTER_SETTINGS)
        args = ", ".join(str(p) for p in loss.symbols)
        out: list[str] = []
        for name, kind in (("value", "value"), ("gradient", "grad"), ("hessian", "hess")):
            block = loss.block(kind)
            out.append(f"def {name}({args}):")
            out.extend(_lines(block, printer))
            vals = ", ".join(printer.doprint(e) for e in block.outputs)
            out.append(f"    return ({vals},)")
            out.append("")
        self.source = "\n".join(out)
        ns = _exec_generated(self.source, {"numpy": np, **_numpy_special()}, "numpy")
        self._value = ns["value"]
        self._gradient = ns["gradient"]
        self._hessian = ns["hessian"]
        self._upper = [(i, j) for i in range(self.n) for j in range(i, self.n)]

    def _columns(self, theta: Any) -> tuple[np.ndarray, list[np.ndarray]]:
        th = np.asarray(theta, dtype=np.float64)
        if th.ndim == 0 or th.shape[-1] != self.n:
            raise InputError(f"theta must have shape (..., {self.n}), got {th.shape}", "theta")
        return th, [th[..., i] for i in range(self.n)]

    def value(self, theta: Any) -> Any:
        """Loss at each point: shape ``theta.shape[:-1]`` (a float for one point)."""
        th, cols = self._columns(theta)
        (v,) = self._value(*cols)
        out = np.broadcast_to(np.asarray(v, dtype=np.float64), th.shape[:-1])
        return float(out) if out.ndim == 0 else out.copy()

    def gradient(self, theta: Any) -> np.ndarray:
        """Gradient at each point: shape ``theta.shape``."""
        th, cols = self._columns(theta)
        out = np.empty(th.shape)
        for i, g in enumerate(self._gradient(*cols)):
            out[..., i] = g
        return out

    def hessian(self, theta: Any) -> np.ndarray:
        """Hessian at each point: shape ``theta.shape[:-1] + (n, n)``."""
        th, cols = self._columns(theta)
        out = np.empty((*th.shape[:-1], self.n, self.n))
        for (i, j), h in zip(self._upper, self._hessian(*cols), strict=True):
            out[..., i, j] = h
            out[..., j, i] = out[..., i, j]
        return out

    def step(self, theta: Any, eta: Any) -> np.ndarray:
        """One GD step ``theta - eta * gradient(theta)`` for each point."""
        th = np.asarray(theta, dtype=np.float64)
        return th - eta * self.gradient(th)


# --------------------------------------------------------------------------------------
# Numba target
# --------------------------------------------------------------------------------------


class _ScalarPrinter(PythonCodePrinter):
    """``math``-module printer for scalar float code (used for numba)."""

    def _print_DiracDelta(self, expr: sp.Expr) -> str:
        return f"(math.nan if ({self._print(expr.args[0])}) == 0 else 0.0)"


def _float_out(printer: Any, e: sp.Expr) -> str:
    """Print an output so that it is a float even when the expression is an integer."""
    if e.is_Integer:
        return repr(float(e))
    return printer.doprint(e)


def _numba_source(loss: CompiledLoss) -> str:
    printer = _ScalarPrinter(_PRINTER_SETTINGS)
    n = loss.n
    load = [f"    p{i} = theta[{i}]" for i in range(n)]
    hpairs = [(i, j) for i in range(n) for j in range(i, n)]
    src: list[str] = []

    b = loss.block("value")
    src += ["def value_scalar(theta):", *load, *_lines(b, printer)]
    src += [f"    return {_float_out(printer, b.outputs[0])}", ""]

    b = loss.block("grad")
    src += ["def grad_into(theta, out):", *load, *_lines(b, printer)]
    src += [f"    out[{i}] = {_float_out(printer, g)}" for i, g in enumerate(b.outputs)]
    src += [""]

    b = loss.block("value_grad")
    src += ["def value_grad_into(theta, out):", *load, *_lines(b, printer)]
    src += [f"    out[{i}] = {_float_out(printer, g)}" for i, g in enumerate(b.outputs[1:])]
    src += [f"    return {_float_out(printer, b.outputs[0])}", ""]

    b = loss.block("hess")
    src += ["def hess_into(theta, out):", *load, *_lines(b, printer)]
    for (i, j), h in zip(hpairs, b.outputs, strict=True):
        src.append(f"    out[{i}, {j}] = {_float_out(printer, h)}")
        if i != j:
            src.append(f"    out[{j}, {i}] = out[{i}, {j}]")
    src += [""]

    b = loss.block("grad")
    src += ["def step_into(theta, eta, out):", *load, *_lines(b, printer)]
    src += [f"    g{i} = {_float_out(printer, g)}" for i, g in enumerate(b.outputs)]
    src += [f"    out[{i}] = p{i} - eta*g{i}" for i in range(n)]
    src += [""]

    src += ["def step_col(X, k, eta):"]
    src += [f"    p{i} = X[{i}, k]" for i in range(n)]
    src += _lines(b, printer)
    src += [f"    g{i} = {_float_out(printer, g)}" for i, g in enumerate(b.outputs)]
    src += [f"    X[{i}, k] = p{i} - eta*g{i}" for i in range(n)]
    src += [""]
    return "\n".join(src)


def _import_numba() -> Any:
    try:
        import numba
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the numba target needs the 'numba' package") from exc
    return numba


def _numba_drivers(kernels: NumbaTarget) -> SimpleNamespace:
    """Parallel (prange) drivers over many points, closing over the scalar kernels."""
    numba = _import_numba()
    prange = numba.prange
    par = numba.njit(cache=False, fastmath=False, error_model="numpy", parallel=True)
    value_scalar = kernels.value_scalar
    grad_into = kernels.grad_into
    hess_into = kernels.hess_into
    step_into = kernels.step_into
    step_col = kernels.step_col
    block = _NUMBA_BLOCK

    def value_batch(thetas, out):  # type: ignore[no-untyped-def]
        for i in prange(thetas.shape[0]):
            out[i] = value_scalar(thetas[i])

    def grad_batch(thetas, out):  # type: ignore[no-untyped-def]
        for i in prange(thetas.shape[0]):
            grad_into(thetas[i], out[i])

    def hess_batch(thetas, out):  # type: ignore[no-untyped-def]
        for i in prange(thetas.shape[0]):
            hess_into(thetas[i], out[i])

    def step_batch(thetas, eta, out):  # type: ignore[no-untyped-def]
        for i in prange(thetas.shape[0]):
            step_into(thetas[i], eta, out[i])

    def descend_batch(thetas, eta, steps, out):  # type: ignore[no-untyped-def]
        npts = thetas.shape[0]
        nblocks = (npts + block - 1) // block
        for b in prange(nblocks):
            lo = b * block
            hi = min(lo + block, npts)
            cols = np.ascontiguousarray(thetas[lo:hi].T)
            for _ in range(steps):
                for k in range(hi - lo):
                    step_col(cols, k, eta)
            out[lo:hi] = cols.T

    return SimpleNamespace(
        value=par(value_batch),
        grad=par(grad_batch),
        hess=par(hess_batch),
        step=par(step_batch),
        descend=par(descend_batch),
    )


class NumbaTarget(_Target):
    """Float64 scalar kernels compiled with ``numba.njit`` (lazily, once per loss).

    The kernels take one point as a 1-D float64 array ``theta`` of length ``n`` and can
    be called from other njit code (e.g. inside a ``prange`` loop):

    ``value_scalar(theta) -> float``
    ``grad_into(theta, out)``: ``out[:] = ∇f(theta)``
    ``value_grad_into(theta, out) -> float``: both at once
    ``hess_into(theta, out)``: ``out[:, :] = H(theta)`` (``out`` of shape ``(n, n)``)
    ``step_into(theta, eta, out)``: ``out[:] = theta - eta * ∇f(theta)``
    ``step_col(X, k, eta)``: in-place GD step on column ``k`` of ``X`` (shape ``(n, M)``)

    All of them read every coordinate before writing, so ``out`` may be ``theta``.
    For throughput, keep the loop over points *inside* the loop over steps on a small
    block of points (e.g. 64 per ``prange`` iteration): independent points then
    overlap in the CPU; ``step_col`` on a column-major block additionally vectorises
    (see :meth:`descend`). Compiled with ``fastmath=False`` and ``error_model="numpy"``
    (division by zero gives inf/NaN instead of raising).

    The methods ``value``/``gradient``/``hessian``/``step`` accept one point ``(n,)``
    or many ``(..., n)``; many points run through parallel ``prange`` drivers.

    Attributes
    ----------
    source
        The generated Python source of the kernels.
    """

    def __init__(self, loss: CompiledLoss) -> None:
        numba = _import_numba()
        self.n = loss.n
        self.source = _numba_source(loss)
        ns = _exec_generated(self.source, {"math": math}, "numba")
        jit = numba.njit(cache=False, fastmath=False, error_model="numpy", nogil=True)
        self.value_scalar = jit(ns["value_scalar"])
        self.grad_into = jit(ns["grad_into"])
        self.value_grad_into = jit(ns["value_grad_into"])
        self.hess_into = jit(ns["hess_into"])
        self.step_into = jit(ns["step_into"])
        self.step_col = jit(ns["step_col"])
        self._drivers: SimpleNamespace | None = None
        self._lock = threading.Lock()

    @property
    def drivers(self) -> SimpleNamespace:
        """Parallel drivers ``value(thetas, out)``, ``grad``, ``hess``, ``step(thetas, eta,
        out)`` and ``descend(thetas, eta, steps, out)`` over the rows of ``thetas``."""
        with self._lock:
            if self._drivers is None:
                self._drivers = _numba_drivers(self)
            return self._drivers

    def _points(self, theta: Any) -> tuple[np.ndarray, tuple[int, ...]]:
        th = np.asarray(theta, dtype=np.float64)
        if th.ndim == 0 or th.shape[-1] != self.n:
            raise InputError(f"theta must have shape (..., {self.n}), got {th.shape}", "theta")
        return np.ascontiguousarray(th), th.shape[:-1]

    def value(self, theta: Any) -> Any:
        """Loss at each point: shape ``theta.shape[:-1]`` (a float for one point)."""
        th, lead = self._points(theta)
        if not lead:
            return float(self.value_scalar(th))
        flat = th.reshape(-1, self.n)
        out = np.empty(flat.shape[0])
        self.drivers.value(flat, out)
        return out.reshape(lead)

    def gradient(self, theta: Any) -> np.ndarray:
        """Gradient at each point: shape ``theta.shape``."""
        th, lead = self._points(theta)
        out = np.empty(th.shape)
        if not lead:
            self.grad_into(th, out)
        else:
            self.drivers.grad(th.reshape(-1, self.n), out.reshape(-1, self.n))
        return out

    def hessian(self, theta: Any) -> np.ndarray:
        """Hessian at each point: shape ``theta.shape[:-1] + (n, n)``."""
        th, lead = self._points(theta)
        out = np.empty((*lead, self.n, self.n))
        if not lead:
            self.hess_into(th, out)
        else:
            self.drivers.hess(th.reshape(-1, self.n), out.reshape(-1, self.n, self.n))
        return out

    def step(self, theta: Any, eta: float) -> np.ndarray:
        """One GD step ``theta - eta * gradient(theta)`` for each point."""
        th, lead = self._points(theta)
        out = np.empty(th.shape)
        if not lead:
            self.step_into(th, float(eta), out)
        else:
            self.drivers.step(th.reshape(-1, self.n), float(eta), out.reshape(-1, self.n))
        return out

    def descend(self, theta: Any, eta: float, steps: int) -> np.ndarray:
        """``steps`` GD steps from each point, in parallel over blocks of points.

        Returns an array of the shape of ``theta``. Bitwise equal to repeated
        :meth:`step` calls.
        """
        steps = _check_steps(steps)
        th, _ = self._points(theta)
        flat = th.reshape(-1, self.n)
        out = np.empty(flat.shape)
        self.drivers.descend(flat, float(eta), steps, out)
        return out.reshape(th.shape)


# --------------------------------------------------------------------------------------
# mpmath target (raw libmp arithmetic)
# --------------------------------------------------------------------------------------

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


class _LibmpPrinter(MpmathPrinter):
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
    def _mul_parts(expr: sp.Mul) -> tuple[sp.Expr, list[sp.Expr], list[sp.Expr]]:
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
        c, num, den = self._mul_parts(expr)
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


def _mpf_constant(e: sp.Expr, prec: int) -> tuple:
    """The number ``e`` rounded to nearest at ``prec`` bits, as a raw mpf tuple."""
    if e.is_Integer:
        return libmp.from_int(int(e), prec, _ROUND)
    if e.is_Rational:
        return libmp.from_rational(int(e.p), int(e.q), prec, _ROUND)
    if e.is_Float:
        return libmp.mpf_pos(e._mpf_, prec, _ROUND)
    digits = int(prec / 3.3219280948873626) + 20
    return libmp.mpf_pos(sp.Float(e.evalf(digits), digits)._mpf_, prec, _ROUND)


def _libmp_namespace() -> dict[str, Any]:
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


class MpmathTarget(_Target):
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

    def __init__(self, loss: CompiledLoss, dps: int) -> None:
        self.n = loss.n
        self.dps = dps
        self.ctx = mpmath.MPContext()
        self.ctx.dps = dps
        self.prec = prec = self.ctx.prec
        self._mpf_type = self.ctx.mpf
        printer = _LibmpPrinter(prec)
        n = loss.n
        args = ", ".join(f"p{i}" for i in range(n))
        src: list[str] = []
        b = loss.block("value")
        src += [f"def value({args}):", *_lines(b, printer)]
        src += [f"    return {printer.doprint(b.outputs[0])}", ""]
        for name, kind in (("gradient", "grad"), ("hessian", "hess")):
            b = loss.block(kind)
            src += [f"def {name}({args}):", *_lines(b, printer)]
            src += [f"    return ({', '.join(printer.doprint(e) for e in b.outputs)},)", ""]
        b = loss.block("grad")
        pr = printer._pr()
        new = ", ".join(f"mpf_add(p{i}, mpf_mul(eta, g{i}, {pr}), {pr}, 1)" for i in range(n))
        grad_lines = [f"    g{i} = {printer.doprint(e)}" for i, e in enumerate(b.outputs)]
        src += [f"def step({args}, eta):", *_lines(b, printer), *grad_lines]
        src += [f"    return ({new},)", ""]
        src += [f"def descend({args}, eta, steps):", "    for _ in range(steps):"]
        src += _lines(b, printer, "        ")
        src += ["    " + line for line in grad_lines]
        src += [f"        {args}, = ({new},)", f"    return ({args},)", ""]
        self.source = "\n".join(src)
        ns = _libmp_namespace()
        for e, name in printer.constants.items():
            ns[name] = _mpf_constant(e, prec)
        ns = _exec_generated(self.source, ns, f"mpmath{dps}")
        self._value = ns["value"]
        self._gradient = ns["gradient"]
        self._hessian = ns["hessian"]
        self._step = ns["step"]
        self._descend = ns["descend"]
        self._upper = [(i, j) for i in range(n) for j in range(i, n)]

    def _raw(self, x: Any) -> tuple:
        if type(x) is self._mpf_type:  # already rounded to this precision
            return x._mpf_
        prec = self.prec
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
            return _mpf_constant(x, prec)
        raise InputError(f"cannot convert {x!r} to a real number", "theta")

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
        steps = _check_steps(steps)
        mk = self.ctx.make_mpf
        return tuple(mk(t) for t in self._descend(*self._point(theta), self._raw(eta), steps))

    def value_step_kernel(self, loss: CompiledLoss, value_dps: int) -> Callable[..., tuple]:
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
        value_dps = _check_dps(value_dps)
        cache: dict[int, tuple[CompiledLoss, Callable[..., tuple]]] = self.__dict__.setdefault(
            "_value_step_kernels", {}
        )
        found = cache.get(value_dps)
        if found is not None and found[0] is loss:
            return found[1]

        class _Printer(_LibmpPrinter):
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
        src = [f"def value_step({args}, eta):", *_lines(bv, hi)]
        src += [f"    f = {hi.doprint(bv.outputs[0])}", *_lines(bg, lo)]
        src += [f"    g{i} = {lo.doprint(e)}" for i, e in enumerate(bg.outputs)]
        src += [f"    return (f, {new},)", ""]
        source = "\n".join(src)
        ns = _libmp_namespace()
        for printer in (hi, lo):
            for e, name in printer.constants.items():
                ns[name] = _mpf_constant(e, printer.prec)
        ns = _exec_generated(source, ns, f"mpmath{self.dps}-value{value_dps}")
        kernel = ns["value_step"]
        kernel.source = source  # type: ignore[attr-defined]
        cache[value_dps] = (loss, kernel)
        return kernel


# --------------------------------------------------------------------------------------
# Interval target
# --------------------------------------------------------------------------------------


class _IntervalPrinter(PythonCodePrinter):
    """Printer for interval code: every non-integer number becomes a named constant.

    Functions print as ``math.<name>(...)`` where ``math`` is bound, in the generated
    namespace, to a table of the interval library's functions. Integers stay literals
    (exact in both libraries); a check on the printed source guarantees that no float
    literal or integer quotient survives.
    """

    def __init__(self) -> None:
        super().__init__(_PRINTER_SETTINGS)
        self.constants: dict[sp.Expr, str] = {}

    def const(self, e: sp.Expr) -> str:
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


def _check_exact_source(source: str) -> None:
    """Reject generated interval code with float literals or ``int / int``."""
    toks = [t for t in tokenize.generate_tokens(StringIO(source).readline) if t.string.strip()]
    for k, tok in enumerate(toks):
        if tok.type != tokenize.NUMBER:
            continue
        if not tok.string.isdigit():
            raise AssertionError(f"float literal {tok.string!r} in interval code")
        if k + 2 < len(toks) and toks[k + 1].string == "/" and toks[k + 2].type == tokenize.NUMBER:
            raise AssertionError("integer quotient in interval code")


class IntervalTarget(_Target):
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

    def __init__(self, loss: CompiledLoss, dps: int, backend: str = "arb") -> None:
        self.n = loss.n
        self.dps = dps
        self.backend = backend
        be: Any = ArbBackend(dps) if backend == "arb" else IvBackend(dps)
        self._be = be
        printer = _IntervalPrinter()
        n = loss.n
        args = ", ".join(f"p{i}" for i in range(n))
        src: list[str] = []
        b = loss.block("value")
        src += [f"def value({args}):", *_lines(b, printer)]
        src += [f"    return {printer.output(b.outputs[0])}", ""]
        for name, kind in (("gradient", "grad"), ("hessian", "hess")):
            b = loss.block(kind)
            src += [f"def {name}({args}):", *_lines(b, printer)]
            src += [f"    return ({', '.join(printer.output(e) for e in b.outputs)},)", ""]
        b = loss.block("grad")
        src += [f"def step({args}, eta):", *_lines(b, printer)]
        src += [f"    g{i} = {printer.output(e)}" for i, e in enumerate(b.outputs)]
        src += [f"    return ({', '.join(f'p{i} - eta*g{i}' for i in range(n))},)", ""]
        self.source = "\n".join(src)
        _check_exact_source(self.source)
        if backend == "iv":
            used = {
                type(f).__name__ for e in (loss.f, *loss.hess_upper) for f in e.atoms(sp.Function)
            }
            bad = sorted(used & set(IvBackend.missing))
            if bad:
                raise InputError(f"mpmath.iv cannot enclose {', '.join(bad)}", "backend")
        with be.workprec():
            ns: dict[str, Any] = {"math": be.functions}
            for e, name in printer.constants.items():
                ns[name] = enclose_constant(e, be)
        ns = _exec_generated(self.source, ns, f"interval-{backend}{dps}")
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
        be = self._be
        other = be.convert_other(x)
        if other is not None:
            return other
        if isinstance(x, tuple | list) and len(x) == 2:
            lo, hi = self._enclose(x[0]), self._enclose(x[1])
            return be.hull(lo, hi)
        q = to_fraction(x)
        if q is not None:
            return be.rational(q)
        if isinstance(x, sp.Expr) and x.is_number:
            return enclose_constant(x, be)
        raise InputError(f"cannot convert {x!r} to an interval", "theta")

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
