"""The numba target: ``numba.njit`` scalar kernels on float64 rows, and drivers on threads.

``compile_loss(...).numba()`` gives a :class:`NumbaTarget` whose scalar kernels
(``grad_into(theta_row, out_row)``, ``value_scalar(theta_row)``, ...) can be called from
other njit code, plus drivers over many points (``nogil`` kernels over chunks of rows,
run on threads by :mod:`symstab.codegen.threads`). The kernels are
printed with the ``math``-module printer of SymPy and compiled lazily, once per loss,
with ``fastmath=False`` and ``error_model="numpy"`` (division by zero gives inf/NaN
instead of raising).
"""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from symstab.codegen.cache import load_module
from symstab.codegen.source import lines
from symstab.codegen.target import PRINTER_SETTINGS, Derivation, Target, check_steps
from symstab.codegen.threads import run_chunks
from symstab.errors import InputError

__all__ = ["NUMBA_BLOCK", "NumbaTarget"]

_KERNEL_NAMES = frozenset(
    ("value_scalar", "grad_into", "value_grad_into", "hess_into", "step_into", "step_col"))

#: Points per block in the numba GD driver (fits in L1, lets LLVM vectorise).
NUMBA_BLOCK = 64



#: Integers beyond this magnitude are printed as float literals (numba's integers are
#: 64-bit; the kernels compute in float64 anyway).
_INT_LIMIT = 2**62


class _ScalarPrinter(PythonCodePrinter):
    """``math``-module printer for scalar float code (used for numba)."""

    def _print_Integer(self, expr: sp.Integer) -> str:
        if abs(int(expr)) >= _INT_LIMIT:
            return repr(float(expr))
        return super()._print_Integer(expr)

    def _print_Rational(self, expr: sp.Rational) -> str:
        if max(abs(expr.p), expr.q) >= _INT_LIMIT:
            return repr(float(expr))
        return super()._print_Rational(expr)

    def _print_DiracDelta(self, expr: sp.Expr) -> str:
        return f"(math.nan if ({self._print(expr.args[0])}) == 0 else 0.0)"


def _float_out(printer: Any, e: sp.Expr) -> str:
    """Print an output so that it is a float even when the expression is an integer."""
    if e.is_Integer:
        return repr(float(e))
    return printer.doprint(e)


def _numba_source(loss: Derivation) -> str:
    printer = _ScalarPrinter(PRINTER_SETTINGS)
    n = loss.n
    load = [f"    p{i} = theta[{i}]" for i in range(n)]
    hpairs = [(i, j) for i in range(n) for j in range(i, n)]
    src: list[str] = []

    b = loss.block("value")
    src += ["def value_scalar(theta):", *load, *lines(b, printer)]
    src += [f"    return {_float_out(printer, b.outputs[0])}", ""]

    b = loss.block("grad")
    src += ["def grad_into(theta, out):", *load, *lines(b, printer)]
    src += [f"    out[{i}] = {_float_out(printer, g)}" for i, g in enumerate(b.outputs)]
    src += [""]

    b = loss.block("value_grad")
    src += ["def value_grad_into(theta, out):", *load, *lines(b, printer)]
    src += [f"    out[{i}] = {_float_out(printer, g)}" for i, g in enumerate(b.outputs[1:])]
    src += [f"    return {_float_out(printer, b.outputs[0])}", ""]

    b = loss.block("hess")
    src += ["def hess_into(theta, out):", *load, *lines(b, printer)]
    for (i, j), h in zip(hpairs, b.outputs, strict=True):
        src.append(f"    out[{i}, {j}] = {_float_out(printer, h)}")
        if i != j:
            src.append(f"    out[{j}, {i}] = out[{i}, {j}]")
    src += [""]

    b = loss.block("grad")
    src += ["def step_into(theta, eta, out):", *load, *lines(b, printer)]
    src += [f"    g{i} = {_float_out(printer, g)}" for i, g in enumerate(b.outputs)]
    src += [f"    out[{i}] = p{i} - eta*g{i}" for i in range(n)]
    src += [""]

    src += ["def step_col(X, k, eta):"]
    src += [f"    p{i} = X[{i}, k]" for i in range(n)]
    src += lines(b, printer)
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


#: The header of every generated numba module (``_CACHE`` is set by the loader).
_HEADER = """import math

import numba
import numpy as np

_jit = numba.njit(cache=_CACHE, fastmath=False, error_model="numpy", nogil=True)
"""

#: The loss' scalar kernels, jitted (their plain Python versions stay as ``.py_func``).
_JITTED = """
value_scalar = _jit(value_scalar)
grad_into = _jit(grad_into)
value_grad_into = _jit(value_grad_into)
hess_into = _jit(hess_into)
step_into = _jit(step_into)
step_col = _jit(step_col)
"""

#: Drivers over a range ``[lo, hi)`` of the rows of many points (a fixed template after
#: the kernels); :meth:`NumbaTarget.drivers` runs them on threads, one chunk each.
_DRIVERS = """
_nogil = numba.njit(cache=_CACHE, fastmath=False, error_model="numpy", nogil=True)


@_nogil
def value_rows(thetas, out, lo, hi):
    for i in range(lo, hi):
        out[i] = value_scalar(thetas[i])


@_nogil
def grad_rows(thetas, out, lo, hi):
    for i in range(lo, hi):
        grad_into(thetas[i], out[i])


@_nogil
def hess_rows(thetas, out, lo, hi):
    for i in range(lo, hi):
        hess_into(thetas[i], out[i])


@_nogil
def step_rows(thetas, eta, out, lo, hi):
    for i in range(lo, hi):
        step_into(thetas[i], eta, out[i])


@_nogil
def descend_rows(thetas, eta, steps, out, lo, hi):
    n = thetas.shape[1]
    cols = np.empty((n, block))
    for blo in range(lo, hi, block):
        m = min(block, hi - blo)
        for k in range(m):
            for i in range(n):
                cols[i, k] = thetas[blo + k, i]
        for _ in range(steps):
            for k in range(m):
                step_col(cols, k, eta)
        for k in range(m):
            for i in range(n):
                out[blo + k, i] = cols[i, k]
"""

#: Rows per chunk of a driver call (a multiple of ``NUMBA_BLOCK``).
DRIVER_CHUNK = 8 * NUMBA_BLOCK


def _on_threads(rows: Any) -> Any:
    """``call(thetas, *args)``: ``rows(thetas, *args, lo, hi)`` over all rows of
    ``thetas`` in chunks of :data:`DRIVER_CHUNK`, on threads
    (:func:`~symstab.codegen.threads.run_chunks`)."""

    def call(thetas: np.ndarray, *args: Any) -> None:
        npts = thetas.shape[0]
        run_chunks(lambda _c, lo: rows(thetas, *args, lo, min(lo + DRIVER_CHUNK, npts)),
                   range(0, npts, DRIVER_CHUNK))

    return call


class NumbaTarget(Target):
    """Float64 scalar kernels compiled with ``numba.njit`` (lazily, once per loss).

    The kernels take one point as a 1-D float64 array ``theta`` of length ``n`` and can
    be called from other njit code:

    ``value_scalar(theta) -> float``
    ``grad_into(theta, out)``: ``out[:] = ∇f(theta)``
    ``value_grad_into(theta, out) -> float``: both at once
    ``hess_into(theta, out)``: ``out[:, :] = H(theta)`` (``out`` of shape ``(n, n)``)
    ``step_into(theta, eta, out)``: ``out[:] = theta - eta * ∇f(theta)``
    ``step_col(X, k, eta)``: in-place GD step on column ``k`` of ``X`` (shape ``(n, M)``)

    All of them read every coordinate before writing, so ``out`` may be ``theta``.
    For throughput, keep the loop over points *inside* the loop over steps on a small
    block of points (e.g. 64): independent points then
    overlap in the CPU; ``step_col`` on a column-major block additionally vectorises
    (see :meth:`descend`). Compiled with ``fastmath=False`` and ``error_model="numpy"``
    (division by zero gives inf/NaN instead of raising).

    The methods ``value``/``gradient``/``hessian``/``step`` accept one point ``(n,)``
    or many ``(..., n)``; many points run through :attr:`drivers`, on threads.

    Attributes
    ----------
    source
        The generated Python source of the kernels.
    """

    def __init__(self, loss: Derivation) -> None:
        _import_numba()
        self.n = loss.n
        self.source = _numba_source(loss)
        self._kernels_source = _HEADER + "\n" + self.source + "\n" + _JITTED
        self._module: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def kernel_module(self, template: str, tag: str,
                      constants: dict[str, int | float] | None = None) -> dict[str, Any]:
        """Run a fixed numba ``template`` after this loss' kernels (``value_scalar``,
        ``step_col``, ... at module level) and ``constants`` (``name = value`` lines), as
        one generated module cached on disk (:mod:`symstab.codegen.cache`); returns its
        namespace. Decorate the template's functions with ``cache=_CACHE``."""
        lines_ = [f"{name} = {value!r}" for name, value in (constants or {}).items()]
        source = self._kernels_source + "\n" + "\n".join(lines_) + "\n" + template
        return load_module(source, tag, {})

    def _namespace(self) -> dict[str, Any]:
        with self._lock:
            if self._module is None:
                self._module = self.kernel_module(_DRIVERS, "loss", {"block": NUMBA_BLOCK})
            return self._module

    def __getattr__(self, name: str) -> Any:
        if name in _KERNEL_NAMES:
            return self._namespace()[name]
        raise AttributeError(name)

    @property
    def drivers(self) -> SimpleNamespace:
        """Drivers ``value(thetas, out)``, ``grad``, ``hess``, ``step(thetas, eta, out)``
        and ``descend(thetas, eta, steps, out)`` over the rows of ``thetas`` (chunks of
        rows on threads)."""
        ns = self._namespace()
        return SimpleNamespace(**{name: _on_threads(ns[f"{name}_rows"]) for name in
                                  ("value", "grad", "hess", "step", "descend")})

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
        """``steps`` GD steps from each point, blocks of points on threads.

        Returns an array of the shape of ``theta``. Bitwise equal to repeated
        :meth:`step` calls.
        """
        steps = check_steps(steps)
        th, _ = self._points(theta)
        flat = th.reshape(-1, self.n)
        out = np.empty(flat.shape)
        self.drivers.descend(flat, float(eta), steps, out)
        return out.reshape(th.shape)
