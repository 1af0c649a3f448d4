"""The NumPy target: float64 evaluation vectorised over points.

``compile_loss(...).numpy()`` gives a :class:`NumpyTarget`: ``theta`` of shape
``(..., n)``, the leading axes index points. ``erf``/``erfc`` come from SciPy when it is
installed (else ``math`` vectorised with ``numpy.frompyfunc``); ``DiracDelta(u)`` is
``0`` for ``u != 0`` and NaN at ``u == 0``; outside the real domain (``log`` of a negative
number, ``x/0``) the results are NaN/±inf like IEEE arithmetic, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from symstab.codegen.source import Block, exec_generated, generated_function, lines
from symstab.codegen.target import PRINTER_SETTINGS, Derivation, Target
from symstab.errors import InputError

__all__ = ["NumpyTarget", "numpy_function"]


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


def numpy_function(block: Block, args: str, name: str) -> tuple[str, Callable[..., tuple]]:
    """One NumPy function ``name(args) -> (outputs...)`` printed from ``block``.

    Returns
    -------
    source : str
        The generated source.
    function : callable
        The function; its arguments and results are NumPy arrays or floats.
    """
    printer = _NumpyPrinter(PRINTER_SETTINGS)
    src = [f"def {name}({args}):", *lines(block, printer)]
    src += [f"    return ({', '.join(printer.doprint(e) for e in block.outputs)},)", ""]
    source = "\n".join(src)
    ns = {"numpy": np, **_numpy_special()}
    return source, generated_function(source, ns, name, f"numpy-{name}")


class NumpyTarget(Target):
    """Float64 evaluation vectorised over points with NumPy.

    ``theta`` has shape ``(..., n)``; the leading axes index points. For a single
    point of shape ``(n,)`` :meth:`value` returns a float.

    Attributes
    ----------
    source
        The generated Python source.
    """

    def __init__(self, loss: Derivation) -> None:
        self.n = loss.n
        printer = _NumpyPrinter(PRINTER_SETTINGS)
        args = ", ".join(str(p) for p in loss.symbols)
        out: list[str] = []
        for name, kind in (("value", "value"), ("gradient", "grad"), ("hessian", "hess")):
            block = loss.block(kind)
            out.append(f"def {name}({args}):")
            out.extend(lines(block, printer))
            vals = ", ".join(printer.doprint(e) for e in block.outputs)
            out.append(f"    return ({vals},)")
            out.append("")
        self.source = "\n".join(out)
        ns = exec_generated(self.source, {"numpy": np, **_numpy_special()}, "numpy")
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


