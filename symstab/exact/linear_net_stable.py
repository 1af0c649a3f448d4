"""Are the linearly stable global minima of a matrix linear network bounded?

Notation as in :mod:`symstab.exact.linear_net`: f(θ) = ½‖μ(θ) − W*‖², μ = W_L⋯W_1,
widths d_0 = n (input), ..., d_L = m (output), N parameters. A global minimum θ is
*stable* at step size η when λmax(∇²f(θ)) <= 2/η.

The trace identity (every depth, every point)
    μ is affine in each single parameter, so ∂²f/∂θ_i² = ‖∂μ/∂θ_i‖² and
    tr ∇²f = ‖Dμ‖_F² = Σ_k ‖W_L⋯W_(k+1)‖_F² ‖W_(k−1)⋯W_1‖_F² (empty products are
    identities). For depth 2 this is n‖W_2‖_F² + m‖W_1‖_F².
Depth 2: bounded, with an explicit radius
    At a global minimum ∇²f is positive semidefinite, so λmax >= tr ∇²f / rank ∇²f.
    Filling networks: the residual vanishes on M, ∇²f = JᵀJ with J = Dμ of mn rows, so
    rank <= mn and λmax >= (n‖W_2‖² + m‖W_1‖²)/(mn) >= ‖θ‖²/max(m, n). Non-filling
    networks: rank <= N and λmax >= min(m, n)‖θ‖²/N. Hence every stable minimum has
    ‖θ‖² <= 2 max(m, n)/η (filling) or 2N/(min(m, n) η) (non-filling).
Depth >= 3: unbounded when two consecutive hidden layers are wider than r
    If 2 <= k <= L − 1 and d_k, d_(k−1) > r, take a global minimum θ̄ whose layers are
    zero outside their top-left r × r blocks (the balanced point of a diagonal target)
    and put t at entry (r + 1, r + 1) of W_k. The product W_(k−1)⋯W_1 has range in the
    first r coordinates and W_L⋯W_(k+1) vanishes on coordinate r + 1, so μ and Dμ do not
    depend on t: every θ(t) is a global minimum with the same Hessian as θ̄. When θ̄ is
    stable, so is the whole unbounded line θ(t). Both facts are checked exactly with t
    as a symbol. The abstract of Crăciun & Ghoshdastidar states boundedness for linear
    networks without a width condition; this family (e.g. 1→2→2→1) shows that such a
    condition is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symstab.catalog import LinearNetSpec

__all__ = ["StableMinimaBound", "UnboundedWitness", "stable_minima_bound", "trace_identity_holds"]


@dataclass(frozen=True)
class UnboundedWitness:
    """An unbounded line θ(t) of global minima with a Hessian independent of t.

    Attributes
    ----------
    layer
        k: the layer whose entry (r + 1, r + 1) is t (1-based).
    point
        θ(t) as exact expressions in the symbol ``t``.
    t
        The curve parameter.
    lambda_max
        λmax of the (constant) Hessian along the line, exact.
    """

    layer: int
    point: tuple[sp.Expr, ...]
    t: sp.Symbol
    lambda_max: sp.Expr


@dataclass(frozen=True)
class StableMinimaBound:
    """Boundedness of the stable minima of a network (see the module docstring).

    Attributes
    ----------
    bounded
        True (proved, with ``radius_sq_times_eta``), False (``witness`` proves an
        unbounded stable set for η <= 2/``witness.lambda_max``) or None (not derived).
    radius_sq_times_eta
        c with ‖θ‖² <= c/η for every stable minimum (depth 2), else None.
    witness
        The unbounded line of minima (depth >= 3), else None.
    reason
        One sentence: the argument used.
    """

    bounded: bool | None
    radius_sq_times_eta: sp.Expr | None
    witness: UnboundedWitness | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (exact values as SymPy strings)."""
        out: dict[str, Any] = {"bounded": self.bounded, "reason": self.reason}
        if self.radius_sq_times_eta is not None:
            out["radius_sq_times_eta"] = sp.sstr(self.radius_sq_times_eta)
        if self.witness is not None:
            out["unbounded_line"] = {
                "t": str(self.witness.t),
                "point": [sp.sstr(x) for x in self.witness.point],
                "lambda_max": sp.sstr(self.witness.lambda_max),
            }
        return out


def _symbols(spec: LinearNetSpec) -> tuple[sp.Symbol, ...]:
    return tuple(sp.Symbol(name, real=True) for name in spec.param_names())


def trace_identity_holds(spec: LinearNetSpec) -> bool:
    """Whether tr ∇²f = Σ_k ‖W_L⋯W_(k+1)‖_F² ‖W_(k−1)⋯W_1‖_F² holds as a polynomial
    identity (checked exactly by expansion)."""
    symbols = _symbols(spec)
    layers = spec.weights(symbols)
    f = spec.build(symbols)
    trace = sum((sp.diff(f, s, 2) for s in symbols), sp.Integer(0))

    def frob(mats: list[sp.Matrix], size: int) -> sp.Expr:
        if not mats:
            return sp.Integer(size)
        prod = mats[0]
        for w in mats[1:]:
            prod = w * prod
        return sum((e**2 for e in prod), sp.Integer(0))

    depth = spec.depth
    rhs = sum((frob(layers[k + 1:], spec.widths[-1]) * frob(layers[:k], spec.widths[0])
               for k in range(depth)), sp.Integer(0))
    return sp.expand(trace - rhs) == 0


def _balanced_layers(spec: LinearNetSpec) -> list[sp.Matrix] | None:
    """The balanced global minimum of a filling network with a diagonal target
    (diag(s_i^(1/L)) in every layer, padded with zeros), or None."""
    target = spec.target
    if any(target[i, j] != 0 for i in range(target.rows) for j in range(target.cols)
           if i != j):
        return None
    r = min(spec.widths)
    if r != min(target.shape):
        return None
    roots = [sp.root(target[i, i], spec.depth) for i in range(r)]
    layers = []
    for k in range(1, spec.depth + 1):
        w = sp.zeros(spec.widths[k], spec.widths[k - 1])
        for i in range(r):
            w[i, i] = roots[i]
        layers.append(w)
    return layers


def _witness(spec: LinearNetSpec, lambda_max: sp.Expr | None) -> UnboundedWitness | None:
    r = min(spec.widths)
    layer = next((k for k in range(2, spec.depth)
                  if spec.widths[k] > r and spec.widths[k - 1] > r), None)
    layers = _balanced_layers(spec)
    if layer is None or layers is None:
        return None
    t = sp.Symbol("t", real=True)
    layers[layer - 1] = layers[layer - 1].copy()
    layers[layer - 1][r, r] = t
    point = tuple(e for w in layers for e in w)
    symbols = _symbols(spec)
    at = dict(zip(symbols, point, strict=True))
    f = spec.build(symbols)
    hess = sp.hessian(f, symbols).subs(at).applyfunc(sp.expand)
    if sp.simplify(f.subs(at) - spec.offset) != 0 or hess.diff(t) != sp.zeros(*hess.shape):
        return None
    if lambda_max is None:
        values = hess.subs(t, 0).eigenvals()
        lambda_max = max(values, key=lambda v: float(sp.re(sp.N(v, 30))))
    return UnboundedWitness(layer, point, t, sp.simplify(lambda_max))


def stable_minima_bound(spec: LinearNetSpec, filling: bool,
                        lambda_balanced: sp.Expr | None = None) -> StableMinimaBound:
    """Whether the stable global minima of ``spec`` are bounded (see the module docstring).

    Parameters
    ----------
    spec
        The network.
    filling
        Its Definition 4 verdict (:func:`symstab.exact.linear_net.network_facts`).
    lambda_balanced
        λmax at the balanced point when already known (``NetworkFacts.lambda_inf``);
        otherwise it is computed from the exact eigenvalues of the Hessian there.
    """
    m, n = spec.widths[-1], spec.widths[0]
    total = len(spec.param_names())
    if spec.depth == 2:
        if not trace_identity_holds(spec):
            return StableMinimaBound(None, None, None, "the trace identity did not verify")
        if filling:
            c = sp.Integer(2 * max(m, n))
            why = ("tr ∇²f = n‖W2‖² + m‖W1‖² (exact) and ∇²f = JᵀJ of rank <= mn on M, so "
                   "λmax >= ‖θ‖²/max(m, n)")
        else:
            c = sp.Rational(2 * total, min(m, n))
            why = ("tr ∇²f = n‖W2‖² + m‖W1‖² (exact) and ∇²f >= 0 of rank <= N at a minimum, "
                   "so λmax >= min(m, n)‖θ‖²/N")
        return StableMinimaBound(True, c, None, why)
    witness = _witness(spec, lambda_balanced) if filling else None
    if witness is not None:
        return StableMinimaBound(
            False, None, witness,
            f"the line t ↦ θ(t) (t at entry ({min(spec.widths) + 1}, "
            f"{min(spec.widths) + 1}) of W{witness.layer}) consists of global minima with "
            "one Hessian (exact)")
    return StableMinimaBound(None, None, None,
                             "depth >= 3 without an unbounded line: not derived")
