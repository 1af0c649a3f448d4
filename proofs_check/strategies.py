"""Public Hypothesis strategies for property tests about gradient descent.

Small composable strategies, in the style of Hypothesis itself, that draw the objects
a statement about GD with a large step size is made of:

* **losses** -- :func:`polynomial_losses` (random polynomials of bounded degree with
  rational coefficients, optionally coercive), :func:`known_quadratics` /
  :func:`quadratic_losses` (positive-definite quadratics with exactly known eigenvalues
  and minimiser), :func:`known_linear_networks` / :func:`linear_network_losses`
  (scalar-output linear networks with squared loss);
* **step sizes** -- :func:`rationals`, :func:`step_sizes` (exact rationals in an
  interval) and :func:`step_sizes_relative` (η = factor · threshold, exact);
* **initialisations** -- :func:`points_in_box`, :func:`points_near` (near a minimum)
  and :func:`points_near_manifold` (near a component of minima);
* **a helper to state a property** -- :func:`for_all`, a thin wrapper of
  :func:`hypothesis.given`;
* **settings profiles** -- :func:`register_profiles` registers ``symstab-ci``
  (deterministic) and ``symstab-deep`` (many examples); nothing is loaded on import.

Every value that is exact is returned exact (SymPy ``Rational`` or exact expression),
never as a binary float, unless floats are asked for (``exact=False`` for points).
Only the public API of :mod:`symstab` is used. See ``docs/strategies.md``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import hypothesis
import mpmath
import sympy as sp
from hypothesis import HealthCheck
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from symstab.catalog import MAX_CHAIN_DEPTH
from symstab.errors import InputError
from symstab.evidence import Value
from symstab.exact.manifold import ComponentAnalysis, Parametrization
from symstab.loss import Loss
from symstab.parse import as_exact_number

__all__ = [
    "CI_PROFILE",
    "DEEP_PROFILE",
    "DEV_PROFILE",
    "KnownLinearNetwork",
    "KnownQuadratic",
    "for_all",
    "known_linear_networks",
    "known_quadratics",
    "linear_network_losses",
    "points_in_box",
    "points_near",
    "points_near_manifold",
    "polynomial_losses",
    "quadratic_losses",
    "rationals",
    "register_profiles",
    "step_sizes",
    "step_sizes_relative",
]

#: Deterministic profile for CI (derandomised, no deadline, failing examples printed as blobs).
CI_PROFILE = "symstab-ci"
#: Random exploration with the CI budget (local development).
DEV_PROFILE = "symstab-dev"
#: Deep local runs: many examples per property.
DEEP_PROFILE = "symstab-deep"

#: Examples per property under :data:`CI_PROFILE` (the same as ``tests/conftest.py``'s ``ci``).
CI_MAX_EXAMPLES = 25
#: Examples per property under :data:`DEEP_PROFILE`.
DEEP_MAX_EXAMPLES = 1000

_SOURCE = "proofs_check.strategies"


# --------------------------------------------------------------------------------------------
# settings profiles and the property helper


def register_profiles() -> tuple[str, ...]:
    """Register the symstab Hypothesis settings profiles (does not load any of them).

    ``symstab-ci``
        ``derandomize=True`` (the same examples on every run and machine), no example
        database, ``deadline=None`` (exact arithmetic has no stable timing),
        ``max_examples=25``, ``print_blob=True`` (a failure prints a reproduction blob),
        ``HealthCheck.too_slow`` suppressed (drawing SymPy objects is slow by Hypothesis'
        standards).
    ``symstab-dev``
        Random exploration with the CI budget (``deadline=None``, 25 examples).
    ``symstab-deep``
        Deep local runs: ``max_examples=1000``, ``deadline=None``, ``print_blob=True``.

    The budgets match the ``ci``, ``dev`` and ``deep`` profiles of the project's own
    ``tests/conftest.py``.

    Returns
    -------
    tuple of str
        The registered profile names; load one with ``hypothesis.settings.load_profile``
        or pytest's ``--hypothesis-profile``.

    Examples
    --------
    In a ``conftest.py``::

        from hypothesis import settings
        from proofs_check.strategies import register_profiles

        register_profiles()
        settings.load_profile("symstab-ci")
    """
    slow = [HealthCheck.too_slow]
    hypothesis.settings.register_profile(
        CI_PROFILE,
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=CI_MAX_EXAMPLES,
        print_blob=True,
        suppress_health_check=slow,
    )
    hypothesis.settings.register_profile(
        DEV_PROFILE, deadline=None, max_examples=CI_MAX_EXAMPLES, suppress_health_check=slow
    )
    hypothesis.settings.register_profile(
        DEEP_PROFILE,
        deadline=None,
        max_examples=DEEP_MAX_EXAMPLES,
        print_blob=True,
        suppress_health_check=slow,
    )
    return (CI_PROFILE, DEV_PROFILE, DEEP_PROFILE)


def for_all(
    *strategies: SearchStrategy[Any],
    settings: hypothesis.settings | str | None = None,
    **named: SearchStrategy[Any],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """State a property over strategies: :func:`hypothesis.given` plus optional settings.

    Parameters
    ----------
    *strategies, **named
        Passed to :func:`hypothesis.given` unchanged (positional or keyword, as there).
    settings
        ``None`` (default): the settings currently loaded (your profile, e.g.
        ``symstab-ci`` loaded in ``conftest.py``, or ``--hypothesis-profile``).
        A profile name (e.g. ``"symstab-deep"``; :func:`register_profiles` is called
        first when it is one of ours) or a :class:`hypothesis.settings` object:
        applied to this property only.

    Returns
    -------
    callable
        A decorator; the decorated function is a Hypothesis test (runs under pytest, or
        call it with no arguments).

    Examples
    --------
    >>> @for_all(loss=quadratic_losses(), eta=step_sizes(0, 1))
    ... def test_descent(loss, eta):
    ...     ...
    """
    if isinstance(settings, str):
        if settings in (CI_PROFILE, DEV_PROFILE, DEEP_PROFILE):
            register_profiles()
        resolved: hypothesis.settings | None = hypothesis.settings.get_profile(settings)
    else:
        resolved = settings

    def decorate(test: Callable[..., Any]) -> Callable[..., Any]:
        wrapped = hypothesis.given(*strategies, **named)(test)
        if resolved is not None:
            wrapped = resolved(wrapped)
        return wrapped

    return decorate


# --------------------------------------------------------------------------------------------
# exact numbers


def _exact(value: Any, what: str) -> sp.Expr:
    """An exact real SymPy number from an int, Fraction, SymPy number, mpf, Value or text."""
    if isinstance(value, Value):
        if value.expr is None:
            raise InvalidArgument(f"{what} must be an exact value, got a {value.strength} one")
        value = value.expr
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise InvalidArgument(f"{what} must be finite")
        sign, man, exp, _ = value._mpf_  # a binary rational: (-1)^sign · man · 2^exp
        return (-1) ** sign * sp.Integer(int(man)) * sp.Integer(2) ** int(exp)
    try:
        number = as_exact_number(value, what)
    except InputError as exc:  # one line, re-raised as Hypothesis' error type
        raise InvalidArgument(str(exc)) from exc
    if number.is_real is not True or number.has(sp.Float):
        raise InvalidArgument(f"{what} must be an exact real number, got {value!r}")
    return number


def _floor(x: sp.Expr) -> int:
    if isinstance(x, sp.Rational):
        return int(x.p) // int(x.q)
    return int(sp.floor(x))


def _ceiling(x: sp.Expr) -> int:
    if isinstance(x, sp.Rational):
        return -(-int(x.p) // int(x.q))
    return int(sp.ceiling(x))


def rationals(
    lo: Any,
    hi: Any,
    *,
    max_denominator: int = 100,
    include_lo: bool = True,
    include_hi: bool = True,
    nonzero: bool = False,
) -> SearchStrategy[sp.Rational]:
    """Exact rationals p/q in an interval with q <= ``max_denominator``.

    Parameters
    ----------
    lo, hi
        Interval ends: exact numbers (int, ``Fraction``, SymPy number such as
        ``sp.Rational(10, 19)`` or ``2/sp.sqrt(5)``, or text like ``"1/20"``; a float is
        read as the decimal it prints as). ``lo < hi``.
    max_denominator
        Largest denominator q (>= 1).
    include_lo, include_hi
        Whether the ends may be drawn (closed or open ends).
    nonzero
        Never draw 0.

    Returns
    -------
    SearchStrategy[sympy.Rational]
        Shrinks towards small denominators and small numerators.

    Raises
    ------
    hypothesis.errors.InvalidArgument
        If the interval is empty, or holds no rational with denominator <=
        ``max_denominator`` strictly inside.
    """
    a, b = _exact(lo, "lo"), _exact(hi, "hi")
    if not isinstance(max_denominator, int) or max_denominator < 1:
        raise InvalidArgument(f"max_denominator must be a positive int, got {max_denominator!r}")
    if not bool(a < b):
        raise InvalidArgument(f"empty interval: lo = {a} is not below hi = {b}")
    # A denominator q with q(b - a) >= 3 has an integer p with a < p/q < b and p != 0, so
    # every q >= q_wide has room; a draw whose q has none moves to q_wide (or to the first
    # denominator with room) instead of being rejected.
    q_wide = _ceiling(3 / (b - a))
    fallback = next(
        (q for q in range(1, min(q_wide, max_denominator) + 1)
         if _numerators(a, b, q, include_lo, include_hi, nonzero)),
        None,
    )
    if fallback is None:
        raise InvalidArgument(
            f"no rational with denominator <= {max_denominator} in the interval "
            f"({a}, {b}); raise max_denominator"
        )

    @st.composite
    def draw_rational(draw: st.DrawFn) -> sp.Rational:
        q = draw(st.integers(1, max_denominator))
        p_range = _numerators(a, b, q, include_lo, include_hi, nonzero)
        if p_range is None:
            q = q_wide if q_wide <= max_denominator and q < q_wide else fallback
            p_range = _numerators(a, b, q, include_lo, include_hi, nonzero)
            assert p_range is not None
        lo_p, hi_p = p_range
        # Shrink towards the numerator nearest 0.
        anchor = min(max(0, lo_p), hi_p)
        p = anchor + draw(st.integers(lo_p - anchor, hi_p - anchor))
        if nonzero and p == 0:
            p = 1 if hi_p >= 1 else -1
        return sp.Rational(p, q)

    return draw_rational()


def _numerators(
    a: sp.Expr, b: sp.Expr, q: int, include_lo: bool, include_hi: bool, nonzero: bool
) -> tuple[int, int] | None:
    """The range of integers p with p/q in the interval (None if empty)."""
    lo_p, hi_p = _ceiling(a * q), _floor(b * q)
    if not include_lo and lo_p == a * q:
        lo_p += 1
    if not include_hi and hi_p == b * q:
        hi_p -= 1
    if lo_p > hi_p or (nonzero and lo_p == hi_p == 0):
        return None
    return lo_p, hi_p


def step_sizes(
    lo: Any = 0,
    hi: Any = 1,
    *,
    max_denominator: int = 1000,
    include_lo: bool = False,
    include_hi: bool = True,
) -> SearchStrategy[sp.Rational]:
    """Exact rational step sizes η in an interval (by default (0, 1]).

    Parameters
    ----------
    lo, hi
        Interval ends, exact (see :func:`rationals`); ``lo >= 0``.
    max_denominator
        Largest denominator of η.
    include_lo, include_hi
        Closed or open ends; the lower end is open by default (η > 0).

    Returns
    -------
    SearchStrategy[sympy.Rational]
        η with ``lo <= η <= hi`` (strict where the end is open), exact.

    Examples
    --------
    Step sizes below the critical value 10/19 of Chen et al.'s f4:

    >>> eta = step_sizes(0, sp.Rational(10, 19), include_hi=False)
    """
    if bool(_exact(lo, "lo") < 0):
        raise InvalidArgument(f"step sizes are positive; lo = {lo} < 0")
    return rationals(
        lo, hi, max_denominator=max_denominator, include_lo=include_lo, include_hi=include_hi,
        nonzero=True,
    )


def step_sizes_relative(
    threshold: Any,
    lo_factor: Any = 0,
    hi_factor: Any = 1,
    *,
    max_denominator: int = 1000,
    include_lo: bool = False,
    include_hi: bool = False,
) -> SearchStrategy[sp.Expr]:
    """Step sizes η = c · threshold with c an exact rational in a factor interval.

    Parameters
    ----------
    threshold
        An exact positive number, e.g. η* = 2/λmax = ``sp.Rational(10, 19)``,
        ``KnownQuadratic.eta_star``, ``2/sp.sqrt(5)``, or an exact
        :class:`symstab.evidence.Value` (e.g. ``analyze(loss).eta_critical``).
    lo_factor, hi_factor
        The factor interval (exact); the default (0, 1) gives η strictly below the threshold.
    max_denominator
        Largest denominator of the factor c.
    include_lo, include_hi
        Closed or open ends of the factor interval (both open by default).

    Returns
    -------
    SearchStrategy[sympy.Expr]
        η = c · threshold, exact (a ``Rational`` when the threshold is rational).

    Examples
    --------
    Step sizes in the unstable regime 1 < η/η* <= 3/2 of a drawn quadratic:

    >>> pairs = known_quadratics().flatmap(
    ...     lambda q: st.tuples(st.just(q), step_sizes_relative(q.eta_star, 1, "3/2",
    ...                                                         include_hi=True)))
    """
    t = _exact(threshold, "threshold")
    if not bool(t > 0):
        raise InvalidArgument(f"threshold must be positive, got {t}")
    if bool(_exact(lo_factor, "lo_factor") < 0):
        raise InvalidArgument(f"lo_factor must be >= 0, got {lo_factor}")
    factors = rationals(
        lo_factor, hi_factor, max_denominator=max_denominator, include_lo=include_lo,
        include_hi=include_hi, nonzero=True,
    )
    return factors.map(lambda c: c * t)


# --------------------------------------------------------------------------------------------
# losses


def _param_symbols(n: int, names: Sequence[str] | None) -> tuple[sp.Symbol, ...]:
    if not isinstance(n, int) or n < 1:
        raise InvalidArgument(f"n_params must be a positive int, got {n!r}")
    if names is None:
        names = ("x", "y", "z")[:n] if n <= 3 else tuple(f"x{i}" for i in range(1, n + 1))
    names = tuple(names)
    if len(names) != n or len(set(names)) != n:
        raise InvalidArgument(f"need {n} distinct parameter names, got {names!r}")
    return tuple(sp.Symbol(name, real=True) for name in names)


def _monomials(n: int, lo_degree: int, hi_degree: int) -> list[tuple[int, ...]]:
    """Exponent tuples of total degree in [lo_degree, hi_degree], lowest degree first."""
    out = []
    for degree in range(lo_degree, hi_degree + 1):
        for combo in itertools.combinations_with_replacement(range(n), degree):
            exps = [0] * n
            for i in combo:
                exps[i] += 1
            out.append(tuple(exps))
    return sorted(set(out), key=lambda e: (sum(e), tuple(-k for k in e)))


def _monomial(params: tuple[sp.Symbol, ...], exps: tuple[int, ...]) -> sp.Expr:
    return sp.Mul(*(p**k for p, k in zip(params, exps, strict=True)))


def polynomial_losses(
    n_params: int = 2,
    max_degree: int = 4,
    *,
    coefficients: SearchStrategy[sp.Rational] | None = None,
    names: Sequence[str] | None = None,
    max_terms: int = 4,
    bounded_below: bool = False,
) -> SearchStrategy[Loss]:
    """Random polynomial losses of bounded total degree with exact rational coefficients.

    A loss is a sum of 1..``max_terms`` distinct monomials of total degree 1..``max_degree``
    (no constant term) with nonzero coefficients; every parameter occurs (a missing one
    gets a term c·θᵢ²). With ``bounded_below=True`` the loss is

        c·(θ₁^{2k} + ... + θₙ^{2k}) + (terms of degree < 2k),   c > 0,

    with 2k the largest even number <= ``max_degree``; such a polynomial is coercive
    (f → ∞ as ‖θ‖ → ∞), so it is bounded below and attains its minimum, and GD has minima.

    Parameters
    ----------
    n_params
        Number of parameters.
    max_degree
        Bound on the total degree (>= 2 when ``bounded_below``).
    coefficients
        Strategy of exact rationals for the coefficients (zeros are skipped); default
        ``rationals(-3, 3, max_denominator=4)``. The leading coefficient c of a
        bounded-below loss is drawn from ``rationals(1/4, 2, max_denominator=4)``.
    names
        Parameter names; default ``x, y, z`` (n <= 3) or ``x1, ..., xn``.
    max_terms
        Most random terms (besides the leading term of a bounded-below loss); small
        values keep the exact analysis (Gröbner bases, exact spectra) fast.
    bounded_below
        Add the coercive leading term.

    Returns
    -------
    SearchStrategy[symstab.loss.Loss]
        Polynomial losses with ``loss.is_polynomial`` true.
    """
    params = _param_symbols(n_params, names)
    if not isinstance(max_degree, int) or max_degree < (2 if bounded_below else 1):
        raise InvalidArgument(
            f"max_degree must be an int >= {2 if bounded_below else 1}, got {max_degree!r}"
        )
    if not isinstance(max_terms, int) or max_terms < 1:
        raise InvalidArgument(f"max_terms must be a positive int, got {max_terms!r}")
    coefficients = coefficients if coefficients is not None else rationals(
        -3, 3, max_denominator=4, nonzero=True
    )
    lead_degree = 2 * (max_degree // 2) if bounded_below else 0
    top = lead_degree - 1 if bounded_below else max_degree
    monomials = _monomials(n_params, 1, top)
    leading = rationals(sp.Rational(1, 4), 2, max_denominator=4)

    @st.composite
    def draw_loss(draw: st.DrawFn) -> Loss:
        chosen = draw(st.lists(st.sampled_from(monomials), min_size=1, max_size=max_terms,
                               unique=True))
        terms = {}
        for exps in chosen:
            c = sp.Rational(draw(coefficients))
            if c != 0:
                terms[exps] = c
        if bounded_below:
            c = draw(leading)
            lead = tuple(c * p**lead_degree for p in params)
        else:
            lead = ()
        for i in range(n_params):
            if not any(exps[i] for exps in terms) and not lead:
                c = sp.Rational(draw(coefficients.filter(lambda v: v != 0)))
                exps = tuple(2 if j == i else 0 for j in range(n_params))
                if sum(exps) > top:  # max_degree 1: a linear term instead
                    exps = tuple(1 if j == i else 0 for j in range(n_params))
                terms[exps] = terms.get(exps, 0) + c
        expr = sp.Add(*lead, *(c * _monomial(params, e) for e, c in terms.items()))
        if not expr.free_symbols:  # all random terms cancelled (cannot happen with lead)
            expr = expr + params[0] ** 2
        kind = "coercive polynomial" if bounded_below else "polynomial"
        return Loss.from_expr(expr, params, name=f"random {kind} of degree <= {max_degree}",
                              source=f"{_SOURCE}.polynomial_losses")

    return draw_loss()


@dataclass(frozen=True)
class KnownQuadratic:
    """A positive-definite quadratic loss f(θ) = ½(θ − θ*)ᵀ A (θ − θ*) with known answers.

    Attributes
    ----------
    loss
        The loss (an expanded polynomial, ½θᵀAθ − bᵀθ + const with b = Aθ*).
    hessian
        A = Q diag(eigenvalues) Qᵀ, symmetric positive definite, exact rational.
    eigenvalues
        The eigenvalues of A, ascending, with multiplicity (exact positive rationals).
    minimizer
        θ* = A⁻¹b, the unique (global) minimiser, exact rational; f(θ*) = 0.
    rotation
        The exact rational orthogonal matrix Q (a Cayley transform).
    """

    loss: Loss
    hessian: sp.ImmutableMatrix
    eigenvalues: tuple[sp.Rational, ...]
    minimizer: tuple[sp.Rational, ...]
    rotation: sp.ImmutableMatrix

    @property
    def lambda_max(self) -> sp.Rational:
        """The largest eigenvalue of the Hessian."""
        return self.eigenvalues[-1]

    @property
    def lambda_min(self) -> sp.Rational:
        """The smallest eigenvalue of the Hessian."""
        return self.eigenvalues[0]

    @property
    def eta_star(self) -> sp.Rational:
        """η* = 2/λmax: GD converges from every start iff 0 < η < η*."""
        return 2 / self.lambda_max


def _cayley(s: sp.Matrix) -> sp.ImmutableMatrix:
    """Q = (I − S)(I + S)⁻¹, orthogonal for skew-symmetric S (exact, rational)."""
    eye = sp.eye(s.rows)
    return sp.ImmutableMatrix((eye - s) * (eye + s).inv())


def known_quadratics(
    n: int = 2,
    *,
    eigenvalues: SearchStrategy[sp.Rational] | None = None,
    rotation: bool = True,
    shift: bool = True,
    names: Sequence[str] | None = None,
) -> SearchStrategy[KnownQuadratic]:
    """Positive-definite quadratics with exactly known eigenvalues and minimiser.

    A = Q diag(λ₁, ..., λₙ) Qᵀ with Q = (I − S)(I + S)⁻¹ the Cayley transform of a random
    skew-symmetric rational S (an exact rational rotation); the loss is
    ½(θ − θ*)ᵀA(θ − θ*), expanded.

    Parameters
    ----------
    n
        Number of parameters.
    eigenvalues
        Strategy of positive exact rationals for each λᵢ; default
        ``rationals(1/4, 4, max_denominator=4)``.
    rotation
        Rotate (otherwise A is diagonal).
    shift
        Draw θ* (rationals in [-2, 2], denominators <= 4); otherwise θ* = 0.
    names
        Parameter names (default as in :func:`polynomial_losses`).

    Returns
    -------
    SearchStrategy[KnownQuadratic]
        The loss with its Hessian, eigenvalues, minimiser and η* = 2/λmax.
    """
    params = _param_symbols(n, names)
    eigenvalues = eigenvalues if eigenvalues is not None else rationals(
        sp.Rational(1, 4), 4, max_denominator=4
    )
    skew_entries = rationals(-2, 2, max_denominator=3)
    shifts = rationals(-2, 2, max_denominator=4)

    @st.composite
    def draw_quadratic(draw: st.DrawFn) -> KnownQuadratic:
        lams = [sp.Rational(draw(eigenvalues)) for _ in range(n)]
        if any(lam <= 0 for lam in lams):
            raise InvalidArgument(f"eigenvalues must be positive, got {lams}")
        s = sp.zeros(n, n)
        if rotation:
            for i in range(n):
                for j in range(i + 1, n):
                    s[i, j] = draw(skew_entries)
                    s[j, i] = -s[i, j]
        q = _cayley(s)
        a = sp.ImmutableMatrix(q * sp.diag(*lams) * q.T)
        theta_star = tuple(draw(shifts) if shift else sp.Integer(0) for _ in range(n))
        d = sp.Matrix(params) - sp.Matrix(theta_star)
        expr = sp.expand((d.T * a * d)[0, 0] / 2)
        loss = Loss.from_expr(expr, params, name=f"PD quadratic, eigenvalues {lams}",
                              source=f"{_SOURCE}.known_quadratics")
        return KnownQuadratic(loss, a, tuple(sorted(lams)), theta_star, q)

    return draw_quadratic()


def quadratic_losses(n: int = 2, **kwargs: Any) -> SearchStrategy[Loss]:
    """The losses of :func:`known_quadratics` (same arguments), without the known answers."""
    return known_quadratics(n, **kwargs).map(lambda q: q.loss)


@dataclass(frozen=True)
class KnownLinearNetwork:
    """A scalar-output linear network with squared loss, and its data.

    f(W) = ½ · (1/m) · Σₛ (W_D ⋯ W_1 xₛ − yₛ)², with W_1 of shape width × input_dim,
    W_l of shape width × width (1 < l < D) and W_D of shape 1 × width.

    Attributes
    ----------
    loss
        The loss; for depth D, width 1, one sample x = y = 1 it is the catalog loss
        ``deep-chain-D`` = ½(1 − x1⋯xD)² (``xy`` for D = 2 up to parameter names).
    depth, width, input_dim
        The architecture.
    weights
        The weight matrices W_1, ..., W_D, with the loss parameters as entries.
    inputs
        The samples xₛ (exact rationals, one tuple of ``input_dim`` per sample).
    targets
        The targets yₛ (exact rationals).
    """

    loss: Loss
    depth: int
    width: int
    input_dim: int
    weights: tuple[sp.ImmutableMatrix, ...]
    inputs: tuple[tuple[sp.Rational, ...], ...]
    targets: tuple[sp.Rational, ...]


def _as_strategy(value: Any, what: str) -> SearchStrategy[Any]:
    if isinstance(value, SearchStrategy):
        return value
    return st.just(_exact(value, what))


def known_linear_networks(
    depth: int = 2,
    *,
    width: int = 1,
    input_dim: int = 1,
    n_samples: int = 1,
    inputs: SearchStrategy[sp.Rational] | Any | None = None,
    targets: SearchStrategy[sp.Rational] | Any | None = None,
) -> SearchStrategy[KnownLinearNetwork]:
    """Linear-network losses of a given depth, with their weights and data.

    Parameters
    ----------
    depth
        Number of layers D >= 1 (D = 1 is linear least squares).
    width
        Width of the hidden layers.
    input_dim
        Dimension of the inputs.
    n_samples
        Number of data points m.
    inputs, targets
        A strategy of exact rationals for each input coordinate / target, or a fixed
        exact number (e.g. ``inputs=1, targets=1``). Defaults: nonzero rationals in
        [-2, 2] with denominators <= 2.

    Returns
    -------
    SearchStrategy[KnownLinearNetwork]
        Parameters are ``x1, ..., xD`` for width 1 and scalar inputs (the catalog's
        convention for ``deep-chain-D``), otherwise ``w{l}_{i}_{j}`` (layer l, row i,
        column j, from 1).
    """
    for what, v, least in (("depth", depth, 1), ("width", width, 1),
                           ("input_dim", input_dim, 1), ("n_samples", n_samples, 1)):
        if not isinstance(v, int) or v < least:
            raise InvalidArgument(f"{what} must be an int >= {least}, got {v!r}")
    default = rationals(-2, 2, max_denominator=2, nonzero=True)
    x_values = _as_strategy(inputs, "inputs") if inputs is not None else default
    y_values = _as_strategy(targets, "targets") if targets is not None else default
    dims = [input_dim] + [width] * (depth - 1) + [1]
    scalar_chain = width == 1 and input_dim == 1
    weights: list[sp.ImmutableMatrix] = []
    params: list[sp.Symbol] = []
    for layer in range(1, depth + 1):
        rows, cols = dims[layer], dims[layer - 1]
        entries = []
        for i in range(rows):
            row = []
            for j in range(cols):
                name = f"x{layer}" if scalar_chain else f"w{layer}_{i + 1}_{j + 1}"
                sym = sp.Symbol(name, real=True)
                params.append(sym)
                row.append(sym)
            entries.append(row)
        weights.append(sp.ImmutableMatrix(entries))
    product = weights[-1]
    for w in reversed(weights[:-1]):
        product = product * w
    half = sp.Rational(1, 2)

    @st.composite
    def draw_network(draw: st.DrawFn) -> KnownLinearNetwork:
        xs = tuple(tuple(sp.Rational(draw(x_values)) for _ in range(input_dim))
                   for _ in range(n_samples))
        ys = tuple(sp.Rational(draw(y_values)) for _ in range(n_samples))
        if (scalar_chain and n_samples == 1 and xs[0][0] == 1 and ys[0] == 1
                and 2 <= depth <= MAX_CHAIN_DEPTH):
            loss = Loss.from_catalog(f"deep-chain-{depth}", [p.name for p in params])
        else:
            residuals = [(product * sp.Matrix(x))[0, 0] - y for x, y in zip(xs, ys, strict=True)]
            expr = half * sp.Rational(1, n_samples) * sp.Add(*(r**2 for r in residuals))
            loss = Loss.from_expr(
                expr, tuple(params),
                name=f"depth-{depth} width-{width} linear network, {n_samples} sample(s)",
                source=f"{_SOURCE}.known_linear_networks",
            )
        return KnownLinearNetwork(loss, depth, width, input_dim, tuple(weights), xs, ys)

    return draw_network()


def linear_network_losses(depth: int = 2, **kwargs: Any) -> SearchStrategy[Loss]:
    """The losses of :func:`known_linear_networks` (same arguments), without the data."""
    return known_linear_networks(depth, **kwargs).map(lambda net: net.loss)


# --------------------------------------------------------------------------------------------
# initialisations


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
    sides = [(_exact(a, "box lower end"), _exact(b, "box upper end")) for a, b in box]
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
    return tuple(_exact(c, "center coordinate") for c in center)


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
    r = _exact(radius, "radius")
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
    lo, hi = (_exact(v, "parameter_range end") for v in parameter_range)
    r = _exact(radius, "radius")
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
