"""Strategies for initialisations: points in boxes, near points and near manifolds.

:func:`points_in_box`, :func:`points_near` (near a minimum) and
:func:`points_near_manifold` (near a component of minima).

Points are floats unless exact points are asked for (``exact=True``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import sympy as sp
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from proofs_check.strategies.numbers import exact_value, rationals
from symstab.errors import InputError
from symstab.exact.manifold import ComponentAnalysis, Parametrization
from symstab.parse import as_exact_number


def _float_inside(x: sp.Expr, upward: bool) -> float:
    """The float nearest x on the inner side (>= x if upward, else <= x)."""
    f = float(x)
    exact = sp.Rational(Fraction(f))
    if upward and bool(exact < x):
        f = math.nextafter(f, math.inf)
    elif not upward and bool(exact > x):
        f = math.nextafter(f, -math.inf)
    return f


def points_in_box(
    box: Sequence[tuple[Any, Any]],
    *,
    exact: bool = False,
    max_denominator: int = 1000,
) -> SearchStrategy[tuple[Any, ...]]:
    """Points in a box [a₁, b₁] × ... × [aₙ, bₙ] (closed).

    Parameters
    ----------
    box
        One ``(lo, hi)`` pair of exact numbers per parameter, ``lo < hi``.
    exact
        Exact SymPy rationals (denominators <= ``max_denominator``) instead of floats.
    max_denominator
        Largest denominator of exact coordinates.

    Returns
    -------
    SearchStrategy[tuple]
        Tuples of ``float`` (every float inside the box, ends rounded inwards) or of
        ``sympy.Rational``.
    """
    sides = [(exact_value(a, "box lower end"), exact_value(b, "box upper end")) for a, b in box]
    if not sides:
        raise InvalidArgument("box has no sides")
    for a, b in sides:
        if not bool(a < b):
            raise InvalidArgument(f"box side ({a}, {b}) must have lo < hi")
    if exact:
        coords = [rationals(a, b, max_denominator=max_denominator) for a, b in sides]
    else:
        coords = [
            st.floats(_float_inside(a, True), _float_inside(b, False), allow_nan=False,
                      allow_infinity=False)
            for a, b in sides
        ]
    return st.tuples(*coords)


def _upper_sqrt(s: Fraction, scale: int = 10**6) -> Fraction:
    """A rational >= sqrt(s) (within 1/scale)."""
    m = math.floor(s * scale * scale)
    return Fraction(math.isqrt(m) + 1, scale)


def _unit_ball_offsets(n: int, max_denominator: int) -> SearchStrategy[tuple[Fraction, ...]]:
    """Exact rational vectors u with ‖u‖₂ <= 1 (a box draw scaled into the ball)."""
    side = rationals(-1, 1, max_denominator=max_denominator)

    def into_ball(u: tuple[sp.Rational, ...]) -> tuple[Fraction, ...]:
        v = tuple(Fraction(int(c.p), int(c.q)) for c in u)
        norm_up = _upper_sqrt(sum(c * c for c in v))
        if norm_up > 1:
            v = tuple(c / norm_up for c in v)
        return v

    return st.tuples(*([side] * n)).map(into_ball)


def _center(center: Sequence[Any]) -> tuple[sp.Expr, ...]:
    return tuple(exact_value(c, "center coordinate") for c in center)


def points_near(
    center: Sequence[Any],
    radius: Any,
    *,
    exact: bool = False,
    max_denominator: int = 1000,
) -> SearchStrategy[tuple[Any, ...]]:
    """Points in the closed Euclidean ball of ``radius`` around ``center`` (e.g. a minimum).

    Parameters
    ----------
    center
        Exact coordinates (ints, ``Fraction``, SymPy numbers such as ``sp.sqrt(95)/10``,
        exact :class:`symstab.evidence.Value` s from an analysis) or ``mpmath.mpf``
        (taken as the exact binary rational it is).
    radius
        Exact positive radius.
    exact
        Exact SymPy coordinates c + r·u (u a rational vector with ‖u‖ <= 1) instead of
        floats.
    max_denominator
        Largest denominator of the coordinates of u.

    Returns
    -------
    SearchStrategy[tuple]
        Exact points are within ``radius`` exactly; float points are the exact ones
        rounded to nearest, so within ``radius`` up to one rounding per coordinate.
        The centre itself is drawn when shrinking.

    Examples
    --------
    Near the minimum (√95/10, √95/10) of Chen et al.'s f4:

    >>> near = points_near((sp.sqrt(95) / 10, sp.sqrt(95) / 10), sp.Rational(1, 10))
    """
    c = _center(center)
    r = exact_value(radius, "radius")
    if not bool(r > 0):
        raise InvalidArgument(f"radius must be positive, got {r}")

    def place(u: tuple[Fraction, ...]) -> tuple[Any, ...]:
        point = tuple(ci + r * sp.Rational(ui.numerator, ui.denominator)
                      for ci, ui in zip(c, u, strict=True))
        return point if exact else tuple(float(p) for p in point)

    return _unit_ball_offsets(len(c), max_denominator).map(place)


def points_near_manifold(
    manifold: ComponentAnalysis | Parametrization | Callable[..., Sequence[Any]],
    radius: Any,
    *,
    params: Sequence[sp.Symbol] | None = None,
    dimension: int = 1,
    parameter_range: tuple[Any, Any] = (-2, 2),
    exact: bool = False,
    with_base: bool = False,
    max_denominator: int = 100,
) -> SearchStrategy[Any]:
    """Points within ``radius`` of a manifold (e.g. a component of minima), via a parametrisation.

    A base point φ(t) is drawn on the manifold (t a vector of exact rationals in
    ``parameter_range``; values where φ has a pole are skipped), then a point in the
    ball of ``radius`` around it (as :func:`points_near`).

    Parameters
    ----------
    manifold
        One of: a :class:`symstab.exact.manifold.ComponentAnalysis` with a rational
        parametrisation (from ``analyze(loss).components``); a
        :class:`symstab.exact.manifold.Parametrization` (then ``params`` is required);
        or a callable ``φ(t₁, ..., t_k) -> point`` returning exact coordinates (then
        ``dimension`` = k).
    radius
        Exact positive radius.
    params
        Parameter order for a bare ``Parametrization``.
    dimension
        Number of arguments of a callable φ.
    parameter_range
        Exact (lo, hi) range of each free parameter.
    exact
        Exact SymPy coordinates instead of floats.
    with_base
        Yield ``(point, base)`` pairs, ``base`` the exact point φ(t) on the manifold
        (so ``dist(point, manifold) <= ‖point − base‖ <= radius``).
    max_denominator
        Largest denominator of the drawn free parameters and offsets.

    Returns
    -------
    SearchStrategy
        Points (tuples), or ``(point, base)`` pairs.

    Examples
    --------
    Near the hyperbola xy = 1 of ½(1 − xy)²:

    >>> component = analyze(Loss.from_catalog("xy")).components[0]
    >>> near = points_near_manifold(component, sp.Rational(1, 10), parameter_range=("1/2", 2))
    """
    phi, k = _parametrisation(manifold, params, dimension)
    lo, hi = (exact_value(v, "parameter_range end") for v in parameter_range)
    r = exact_value(radius, "radius")
    if not bool(r > 0):
        raise InvalidArgument(f"radius must be positive, got {r}")
    free = st.tuples(*([rationals(lo, hi, max_denominator=max_denominator)] * k))

    def base_point(t: tuple[sp.Rational, ...]) -> tuple[sp.Expr, ...] | None:
        try:
            point = tuple(phi(*t))
        except ZeroDivisionError:
            return None
        try:  # never sympify: text would be parsed by symstab's whitelist parser
            values = tuple(as_exact_number(v, "manifold point coordinate") for v in point)
        except InputError:
            return None
        if any(v.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or v.is_real is not True for v in values):
            return None
        return values

    bases = free.map(base_point).filter(lambda b: b is not None)

    @st.composite
    def draw_point(draw: st.DrawFn) -> Any:
        base = draw(bases)
        point = draw(points_near(base, r, exact=exact, max_denominator=max_denominator))
        return (point, base) if with_base else point

    return draw_point()


def _parametrisation(
    manifold: Any, params: Sequence[sp.Symbol] | None, dimension: int
) -> tuple[Callable[..., Sequence[Any]], int]:
    """φ and the number of its free parameters, from the accepted manifold descriptions."""
    if isinstance(manifold, ComponentAnalysis):
        if manifold.parametrization is None:
            raise InvalidArgument(
                "this component has no rational parametrisation; pass a callable φ instead"
            )
        order = manifold.component.params
        manifold = manifold.parametrization
        params = order
    if isinstance(manifold, Parametrization):
        if params is None:
            raise InvalidArgument("a Parametrization needs params (the loss parameters, in order)")
        par, order = manifold, tuple(params)

        def phi(*t: sp.Rational) -> tuple[sp.Expr, ...]:
            return par.point(dict(zip(par.free, t, strict=True)), order)

        return phi, len(par.free)
    if callable(manifold):
        if not isinstance(dimension, int) or dimension < 1:
            raise InvalidArgument(f"dimension must be a positive int, got {dimension!r}")
        return manifold, dimension
    raise InvalidArgument(
        "manifold must be a ComponentAnalysis, a Parametrization or a callable, "
        f"got {type(manifold).__name__}"
    )
