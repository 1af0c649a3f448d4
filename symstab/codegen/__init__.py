"""Code generation: derive ∇f and H once in SymPy, emit numeric code for every target.

:func:`compile_loss` derives the gradient and the Hessian of a loss once
(:mod:`~symstab.codegen.derivation`) and returns a :class:`CompiledLoss`; each numeric
target is printed from that one derivation, after common-subexpression elimination,
by one module per target:

``numpy()``
    NumPy, vectorised over points: ``theta`` of shape ``(..., n)``
    (:mod:`~symstab.codegen.numpy_target`).
``numba()``
    ``numba.njit`` scalar kernels on float64 rows usable from other njit code, plus
    parallel drivers over many points; compiled lazily, once per loss
    (:mod:`~symstab.codegen.numba_target`).
``mpmath(dps)``
    Arbitrary precision with ``dps`` decimal digits on raw ``mpmath.libmp`` tuples, in
    a private context (:mod:`~symstab.codegen.mpmath_target`); its fused loss-and-step
    kernel also prints to ``gmpy2.mpfr`` (:mod:`~symstab.codegen.mpfr_target`).
``interval(dps)``
    Outward-rounded enclosures with python-flint ``arb`` balls, rigorous
    (:mod:`~symstab.codegen.interval_target`).

Every target has ``value(theta)``, ``gradient(theta)``, ``hessian(theta)``,
``step(theta, eta) = theta - eta * gradient(theta)`` and ``descend(theta, eta, steps)``
(:mod:`~symstab.codegen.target`). Outside the real domain (``log`` of a negative number,
``x/0``) the float and mpmath targets give NaN/±inf like IEEE arithmetic and never raise.

:func:`compile_expressions` compiles any other SymPy expressions (a system and its
Jacobian, a map) to one function of a target (:mod:`~symstab.codegen.expressions`).

The generated Python source is printed from a SymPy expression tree, never from user
text, and is run with ``compile``/``exec`` in a fresh namespace holding only the
numeric module it needs (:mod:`~symstab.codegen.source`); it is kept in each target's
``source`` attribute.
"""

from symstab.codegen.derivation import CompiledLoss, compile_loss
from symstab.codegen.expressions import CompiledExpressions, compile_expressions
from symstab.codegen.interval_target import IntervalTarget
from symstab.codegen.mpmath_target import MpmathTarget
from symstab.codegen.numba_target import NumbaTarget
from symstab.codegen.numpy_target import NumpyTarget

__all__ = [
    "CompiledExpressions",
    "CompiledLoss",
    "IntervalTarget",
    "MpmathTarget",
    "NumbaTarget",
    "NumpyTarget",
    "compile_expressions",
    "compile_loss",
]
