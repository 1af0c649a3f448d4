"""Any SymPy expressions compiled to one function of a numeric target.

:func:`compile_loss` derives f, ∇f and H of a loss; :func:`compile_expressions` is for
everything else that other layers evaluate numerically (a system F(x) = 0 and its
Jacobian for the Krawczyk test, a map G and its Jacobian DG, ...): the expressions are
renamed to generated symbols ``p0, p1, ...``, CSE'd once, and printed by the printer of
the requested target into one generated function.
"""

from __future__ import annotations

import contextlib
import keyword
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symstab.codegen.derivation import SUPPORTED_FUNCTIONS, check_supported
from symstab.codegen.interval_target import enclose_value, interval_function
from symstab.codegen.mpmath_target import libmp_function, raw_mpf
from symstab.codegen.numpy_target import numpy_function
from symstab.codegen.source import cse
from symstab.codegen.target import check_dps
from symstab.errors import InputError
from symstab.evidence import as_sympy_number
from symstab.intervals import ArbBackend, IvBackend

__all__ = ["EXPRESSION_TARGETS", "CompiledExpressions", "compile_expressions"]

#: The targets :func:`compile_expressions` prints to.
EXPRESSION_TARGETS = ("numpy", "mpmath", "arb", "iv")

#: Functions the expressions may contain: those of a loss and those of its derivatives.
_FUNCTIONS = (*SUPPORTED_FUNCTIONS, sp.sign, sp.DiracDelta)


class CompiledExpressions:
    """SymPy expressions compiled to one generated function of a numeric target.

    Build it with :func:`compile_expressions`. Calling it with a point (one value per
    variable) returns the tuple of the expressions' values:

    ``"numpy"``
        float64 values or NumPy arrays (broadcast together); results are floats for
        scalar inputs, else arrays of the broadcast shape.
    ``"mpmath"``
        numbers of any kind (int, float, str, Fraction, SymPy number, ``mpf``), each
        rounded to nearest at ``dps`` digits; results are ``mpf`` of the private
        context :attr:`ctx`, every operation rounded to nearest.
    ``"arb"``, ``"iv"``
        intervals of the library (python-flint ``arb`` balls, ``mpmath.iv`` intervals),
        taken as they are; results are outward-rounded enclosures. Evaluate inside
        ``with compiled.workprec():`` (python-flint's precision is process-global);
        :meth:`enclose` makes intervals from numbers, strings or ``(lo, hi)`` pairs.

    Attributes
    ----------
    exprs
        The expressions, as given (numbers made SymPy numbers).
    variables
        The variables, in the order of the point.
    target
        One of :data:`EXPRESSION_TARGETS`.
    dps
        Working precision in decimal digits (``None`` for ``"numpy"``).
    name
        The generated function's name.
    source
        The generated Python source.
    """

    def __init__(
        self,
        exprs: tuple[sp.Expr, ...],
        variables: tuple[sp.Symbol, ...],
        target: str,
        dps: int | None,
        name: str,
    ) -> None:
        self.exprs = exprs
        self.variables = variables
        self.target = target
        self.dps = dps
        self.name = name
        gen = tuple(sp.Symbol(f"p{i}", real=True) for i in range(len(variables)))
        rename = dict(zip(variables, gen, strict=True))
        block = cse([e.xreplace(rename) for e in exprs])
        args = ", ".join(str(g) for g in gen)
        self._backend: ArbBackend | IvBackend | None = None
        self.ctx: Any = None
        if target == "numpy":
            self.source, self.function = numpy_function(block, args, name)
        elif target == "mpmath":
            assert dps is not None
            self.ctx = mpmath.MPContext()
            self.ctx.dps = dps
            self.source, self.function = libmp_function(block, args, name, self.ctx.prec)
        else:
            assert dps is not None
            self._backend = ArbBackend(dps) if target == "arb" else IvBackend(dps)
            self.source, self.function = interval_function(block, args, name, self._backend)

    def __repr__(self) -> str:
        names = ", ".join(str(v) for v in self.variables)
        return f"CompiledExpressions({len(self.exprs)} expressions in ({names}), {self.target!r})"

    def __call__(self, point: Sequence[Any]) -> tuple[Any, ...]:
        """The values of the expressions at ``point`` (see the class docstring)."""
        if len(point) != len(self.variables):
            raise InputError(
                f"expected {len(self.variables)} coordinates, got {len(point)}", "point"
            )
        if self.target == "numpy":
            cols = [np.asarray(x, dtype=np.float64) for x in point]
            shape = np.broadcast_shapes(*(c.shape for c in cols))
            out = []
            for v in self.function(*cols):
                arr = np.broadcast_to(np.asarray(v, dtype=np.float64), shape)
                out.append(float(arr) if arr.ndim == 0 else arr.copy())
            return tuple(out)
        if self.target == "mpmath":
            prec = self.ctx.prec
            raw = self.function(*(raw_mpf(x, prec) for x in point))
            return tuple(map(self.ctx.make_mpf, raw))
        return self.function(*point)

    def workprec(self) -> contextlib.AbstractContextManager[Any]:
        """Context manager setting the working precision of the interval library (arb);
        a no-op for the other targets."""
        if self._backend is None:
            return contextlib.nullcontext()
        return self._backend.workprec()

    def enclose(self, x: Any) -> Any:
        """An interval of an interval target enclosing ``x``.

        Parameters
        ----------
        x
            An interval of the library (returned as is), an exact number (int, float,
            Fraction, SymPy number, ``mpf``), a decimal string, or a pair ``(lo, hi)``
            of such (the interval ``[lo, hi]``).

        Raises
        ------
        InputError
            For the ``"numpy"`` and ``"mpmath"`` targets, or a value that is not a number.
        """
        be = self._backend
        if be is None:
            raise InputError(f"the {self.target!r} target has no intervals", "target")
        with be.workprec():
            return enclose_value(be, x, "point")


def _as_expr(e: Any) -> sp.Expr:
    """A SymPy expression, or a number made one; never text (no ``sympify`` of strings)."""
    if isinstance(e, sp.Basic):
        return e
    return as_sympy_number(e)


def compile_expressions(
    exprs: Sequence[Any],
    variables: Sequence[sp.Symbol],
    target: str = "arb",
    *,
    dps: int = 30,
    name: str = "f",
) -> CompiledExpressions:
    """Compile SymPy expressions in ``variables`` to one function of a numeric target.

    Parameters
    ----------
    exprs
        The expressions (SymPy expressions or numbers), built from the operations a
        loss may use (see :mod:`symstab.codegen.derivation`) and ``sign``,
        ``DiracDelta`` (which appear in derivatives of ``Abs``).
    variables
        The distinct SymPy symbols the expressions depend on, in the order of the point
        the compiled function takes.
    target
        ``"arb"`` (python-flint balls, outward rounded; default), ``"iv"``
        (``mpmath.iv``; polynomials, ``exp, log, sqrt, sin, cos, Abs``), ``"mpmath"``
        (raw libmp arithmetic at ``dps`` digits) or ``"numpy"`` (float64, vectorised).
    dps
        Working precision in decimal digits (ignored by ``"numpy"``).
    name
        The name of the generated function (a Python identifier; shown in tracebacks).

    Returns
    -------
    CompiledExpressions
        Callable on a point, with the generated ``source`` and, for ``"arb"``, the
        ``workprec()`` to evaluate in. Not cached: keep the object to reuse it.

    Raises
    ------
    InputError
        For an unknown target, symbols that are not variables, repeated variables,
        unsupported operations, a ``name`` that is not an identifier or is taken by the
        generated code (``k0``, ``math``, ...), or (``"iv"``) functions ``mpmath.iv``
        cannot enclose.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> f = compile_expressions([x * y - 1, x - y], (x, y), "mpmath", dps=20)
    >>> f((2, "0.5"))
    (mpf('0.0'), mpf('1.5'))
    """
    if target not in EXPRESSION_TARGETS:
        raise InputError(f"unknown target {target!r} (one of {', '.join(EXPRESSION_TARGETS)})",
                         "target")
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise InputError(f"the function name must be a Python identifier, got {name!r}", "name")
    variables = tuple(variables)
    for v in variables:
        if not isinstance(v, sp.Symbol):
            raise InputError(f"variable {v!r} is not a SymPy symbol", "variables")
    if len(set(variables)) != len(variables):
        raise InputError("variables are not distinct", "variables")
    body = tuple(_as_expr(e) for e in exprs)
    extra = set().union(*(e.free_symbols for e in body)) - set(variables)
    if extra:
        names = ", ".join(sorted(map(str, extra)))
        raise InputError(f"expressions depend on symbols that are not variables: {names}")
    for e in body:
        check_supported(e, "expression", _FUNCTIONS)
    return CompiledExpressions(
        body, variables, target, None if target == "numpy" else check_dps(dps), name
    )
