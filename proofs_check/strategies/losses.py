"""Loss strategies: polynomial, quadratic and linear-network losses.

:func:`polynomial_losses` (random polynomials of bounded degree with rational
coefficients, optionally coercive), :func:`known_quadratics` / :func:`quadratic_losses`
(positive-definite quadratics with exactly known eigenvalues and minimiser),
:func:`known_linear_networks` / :func:`linear_network_losses` (scalar-output linear
networks with squared loss).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from proofs_check.strategies.numbers import exact_value, rationals
from symstab.catalog import MAX_CHAIN_DEPTH
from symstab.loss import Loss

_SOURCE = "proofs_check.strategies"


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
    return st.just(exact_value(value, what))


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
