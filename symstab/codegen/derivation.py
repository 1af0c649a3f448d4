"""The one derivation: f, ∇f and H of a loss, derived once in SymPy, CSE'd per function.

A loss ``f(θ)`` is given as a SymPy expression and an ordered tuple of parameter
symbols. :func:`compile_loss` substitutes the parameters by generated real symbols
``p0, p1, ...`` (user names never reach generated source), differentiates once to get
the gradient and the Hessian, and returns a :class:`CompiledLoss`. Each numeric target
is printed from that one derivation, after common-subexpression elimination
(``sympy.cse``, once per emitted function, :meth:`CompiledLoss.block`), with a SymPy code
printer; the targets are built on first request and cached on the compiled loss.

Supported loss building blocks: ``+ - * /``, powers, ``exp, log, sqrt, tanh, erf, erfc,
sin, cos, tan, atan, sinh, cosh, Abs`` and the constants ``pi, E, EulerGamma, Catalan``
(:func:`check_supported`). ``Abs`` differentiates to ``sign`` and ``2*DiracDelta``; every
target evaluates ``DiracDelta(u)`` as ``0`` for ``u != 0`` and as NaN at ``u == 0`` (the
Hessian is undefined on the kink).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from symstab.codegen.interval_target import IntervalTarget
from symstab.codegen.mpmath_target import MpmathTarget
from symstab.codegen.numba_target import NumbaTarget
from symstab.codegen.numpy_target import NumpyTarget
from symstab.codegen.source import Block, cse
from symstab.codegen.target import check_dps
from symstab.errors import InputError

__all__ = [
    "SUPPORTED_CONSTANTS",
    "SUPPORTED_FUNCTIONS",
    "CompiledLoss",
    "check_supported",
    "compile_loss",
]

#: Functions a loss may contain (one argument each).
SUPPORTED_FUNCTIONS: dict[type, str] = {
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
SUPPORTED_CONSTANTS = (sp.pi, sp.E, sp.EulerGamma, sp.Catalan)

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


def check_supported(
    expr: sp.Expr, what: str = "loss", functions: Sequence[type] = tuple(SUPPORTED_FUNCTIONS)
) -> None:
    """Refuse an expression that a target cannot print.

    Parameters
    ----------
    expr
        The expression.
    what
        Named in error messages (``"loss"``, ``"expression"``).
    functions
        The SymPy function classes allowed (one argument each).

    Raises
    ------
    InputError
        For non-finite numbers, unsupported constants, ``I``, functions not in
        ``functions`` and any other operation than ``+``, ``*`` and ``**``.
    """
    allowed = set(functions)
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Symbol):
            continue
        if node.is_Number:
            if not node.is_finite:
                raise InputError(f"{what} contains the non-finite number {node}")
            continue
        if isinstance(node, sp.NumberSymbol):
            if node not in SUPPORTED_CONSTANTS:
                raise InputError(f"unsupported constant '{node}' in {what}")
            continue
        if node is sp.I:
            raise InputError(f"{what} is complex (contains I)")
        if isinstance(node, (sp.Add, sp.Mul, sp.Pow)):
            continue
        if isinstance(node, sp.Function) and type(node) in allowed:
            if len(node.args) != 1:
                raise InputError(f"function '{type(node).__name__}' takes one argument")
            continue
        name = type(node).__name__ if isinstance(node, sp.Basic) else repr(node)
        raise InputError(f"unsupported operation '{name}' in {what}")


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
    check_supported(expr)
    return expr, params


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
        self._blocks: dict[str, Block] = {}
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

    def block(self, kind: str) -> Block:
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
                self._blocks[kind] = cse(exprs)
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
        dps = check_dps(dps)
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
        dps = check_dps(dps)
        if backend not in ("arb", "iv"):
            raise InputError(f"unknown interval backend {backend!r}", "backend")
        return self._target(("interval", dps, backend), lambda: IntervalTarget(self, dps, backend))


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
