"""Exact facts of matrix linear networks ½‖W_L⋯W_1 − W*‖² (Crăciun & Ghoshdastidar).

For a network with widths d_0 (input), ..., d_L (output) (:class:`~symstab.catalog.
LinearNetSpec`) write μ(θ) = W_L⋯W_1, m = d_L, n = d_0, r = min_k d_k, N = Σ d_k d_(k−1)
and s_1 >= s_2 >= ... >= 0 for the singular values of W*. The products μ(θ) are exactly
the m × n matrices of rank at most r (the determinantal variety M_r).

Filling (Definition 4)
    The architecture is *filling* when r = min(m, n), i.e. M_r is all of R^(m×n);
    otherwise it is *non-filling*.
Proposition 1 (Eckart–Young–Mirsky)
    min over M_r of ½‖W − W*‖² is ½ Σ_(i>r) s_i², attained at W̄ = W* P, where P is the
    orthogonal projection onto the span of the right singular vectors of the r largest
    singular values; the minimiser is unique when s_r > s_(r+1) (in particular when the
    singular values are pairwise distinct and positive). In the filling case the value
    is 0 = min l; in the non-filling case with rank W* > r it is positive. P is computed
    exactly as a sum of the eigenprojections Π_(μ≠λ) (A − μI)/(λ − μ) of A = W*ᵀW*
    (Sylvester's formula; the eigenvalues of A are the s_i², found exactly).
The set of global minima M = μ⁻¹(W̄) (Proposition 2)
    The matrices of rank exactly r form a smooth manifold of dimension r(m + n − r),
    and near a point θ̄ with rank μ(θ̄) = r the map μ takes values in it. If Dμ(θ̄) has
    that rank, μ is a submersion onto it near θ̄ (the rank cannot drop nearby and
    cannot exceed it), so M is a smooth manifold of dimension N − r(m + n − r) near θ̄.
    θ̄ is built exactly from a rank factorisation W̄ = C F: W_1 = [F; 0],
    W_k = [[I_r, 0], [0, 0]] in between, W_L = [C, 0]; the rank of Dμ(θ̄) is computed
    exactly. This proves smoothness near θ̄, not on all of M.
Sharpness along M and the critical step size (filling case)
    On M the residual vanishes, so ∇²f = JᵀJ with J = Dμ, and λmax(∇²f) = λmax(JJᵀ).
    With u, v the top singular vectors of W*, A_k = W_L⋯W_(k+1), B_k = W_(k−1)⋯W_1 and
    Δ = u vᵀ: ⟨Δ, JJᵀΔ⟩ = Σ_k ‖A_kᵀu‖² ‖B_k v‖², and s_1 = (A_kᵀu)ᵀ W_k (B_k v) gives
    ‖A_kᵀu‖ ‖B_k v‖ >= s_1 / σmax(W_k). Hence λmax >= s_1² Σ_k σmax(W_k)⁻² >=
    L s_1² (Π_k σmax(W_k))^(−2/L) >= L s_1^(2 − 2/L) (AM–GM, and Π_k σmax(W_k) >= s_1).
    The bound is attained at the balanced points (W_k = diag(s^(1/L)) for a diagonal
    W*), so inf_M λmax = L s_1^(2(L−1)/L) and the critical step size is
    η_c = 2 / (L s_1^(2(L−1)/L)): for η > η_c every global minimum has λmax > 2/η and
    is linearly unstable. For width-1 chains with W* = 1 this is L and 2/L (xy: 1,
    chain3: 2/3).
Sharpness along M, non-filling networks of depth 2
    On M the residual R = W̄ − W* ≠ 0, and ∇²f = JᵀJ + S with vᵀSv = 2⟨R, Q(v)⟩, Q the
    second-order term of μ along v. Take Δ = u vᵀ (the top singular pair of W*, kept by
    W̄) and v = JᵀΔ = (W_2ᵀΔ, ΔW_1ᵀ): then Q(v) = ΔW_1ᵀW_2ᵀΔ = (uᵀW̄v) u vᵀ = s_1 u vᵀ
    and ⟨R, u vᵀ⟩ = uᵀW̄v − uᵀW*v = 0, so vᵀ∇²f v = ‖Jv‖² = ‖JJᵀΔ‖² >= ‖JᵀΔ‖⁴
    (Cauchy–Schwarz, ‖Δ‖ = 1), and λmax >= ‖JᵀΔ‖² >= 2 s_1 as above. For a diagonal W*
    with non-increasing entries the balanced point W_1 = W_2ᵀ = diag(√s_1, ..., √s_r)
    (padded) lies on M, and 2 s_1 I − ∇²f there is checked positive semidefinite exactly:
    then inf_M λmax = 2 s_1 and η_c = 1/s_1. Deeper non-filling networks: not derived.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symstab.catalog import LinearNetSpec
from symstab.exact.signs import compare

__all__ = ["NetworkFacts", "network_facts"]


@dataclass(frozen=True)
class NetworkFacts:
    """The exact facts of one matrix linear network (see the module docstring).

    Attributes
    ----------
    spec
        The network.
    rank_bound
        r = the smallest width: products have rank at most r.
    filling
        Whether r = min(d_0, d_L) (Definition 4).
    singular_values
        The singular values of W*, largest first (exact).
    min_on_rank_r
        min of l on M_r (Proposition 1), exact (plus the data form's offset
        ½(‖Y‖² − ‖YXᵀ‖²) for ``linear-net:...:data``).
    unique
        Whether that minimiser is unique (s_r > s_(r+1)).
    minimiser
        W̄, the minimiser on M_r (exact).
    minimum_is_global
        Whether min over M_r equals the minimum of l(W) = ½‖W − W*‖² over all matrices,
        which is 0 (filling case, or W* of rank at most r).
    point
        An exact point θ̄ of the set of global minima M.
    jacobian_rank
        The rank of Dμ at θ̄.
    dimension
        N − jacobian_rank: the dimension of M near θ̄.
    generic_dimension
        N − r(m + n − r): equal to ``dimension`` when Dμ(θ̄) has full rank r(m + n − r),
        and then M is a smooth manifold of that dimension near θ̄.
    lambda_inf
        inf over M of λmax(∇²f) (filling case), else None.
    eta_critical
        2 / lambda_inf (filling case), else None.
    notes
        Sentences on what is proved and what is not.
    """

    spec: LinearNetSpec
    rank_bound: int
    filling: bool
    singular_values: tuple[sp.Expr, ...]
    min_on_rank_r: sp.Expr
    unique: bool
    minimiser: sp.Matrix
    minimum_is_global: bool
    point: tuple[sp.Expr, ...]
    jacobian_rank: int
    dimension: int
    generic_dimension: int
    lambda_inf: sp.Expr | None
    eta_critical: sp.Expr | None
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (exact values as SymPy strings)."""
        def text(x: Any) -> str | None:
            return None if x is None else sp.sstr(x)

        return {
            "network": self.spec.name,
            "widths": list(self.spec.widths),
            "target": [[sp.sstr(v) for v in row] for row in self.spec.target.tolist()],
            "data": None if self.spec.data is None else {
                "X": [[sp.sstr(v) for v in row] for row in self.spec.data[0].tolist()],
                "Y": [[sp.sstr(v) for v in row] for row in self.spec.data[1].tolist()],
                "offset": sp.sstr(self.spec.offset)},
            "rank_bound": self.rank_bound,
            "architecture": "filling" if self.filling else "non-filling",
            "singular_values": [sp.sstr(s) for s in self.singular_values],
            "min_on_rank_r": sp.sstr(self.min_on_rank_r),
            "minimiser_unique": self.unique,
            "minimiser": [[sp.sstr(v) for v in row] for row in self.minimiser.tolist()],
            "minimum_is_global": self.minimum_is_global,
            "point_of_minima": [sp.sstr(v) for v in self.point],
            "jacobian_rank": self.jacobian_rank,
            "dimension": self.dimension,
            "generic_dimension": self.generic_dimension,
            "lambda_max_inf": text(self.lambda_inf),
            "eta_critical": text(self.eta_critical),
            "strength": "exact",
            "notes": list(self.notes),
        }


def _sorted_desc(values: list[sp.Expr]) -> list[sp.Expr]:
    """Exact real algebraic numbers, largest first (compared exactly)."""
    out: list[sp.Expr] = []
    for v in values:
        at = len(out)
        for i, w in enumerate(out):
            if compare(v, w) > 0:
                at = i
                break
        out.insert(at, v)
    return out


def _eigen(a: sp.Matrix) -> list[sp.Expr]:
    """The eigenvalues of a symmetric matrix with multiplicity, largest first."""
    values: list[sp.Expr] = []
    for value, mult in a.eigenvals(multiple=False).items():
        values += [sp.radsimp(sp.simplify(value))] * int(mult)
    return _sorted_desc(values)


def _projection(a: sp.Matrix, top: list[sp.Expr], distinct: list[sp.Expr]) -> sp.Matrix:
    """The orthogonal projection onto the eigenspaces of ``a`` for the values ``top``."""
    n = a.shape[0]
    total = sp.zeros(n, n)
    for lam in dict.fromkeys(top):
        proj = sp.eye(n)
        for mu in distinct:
            if sp.simplify(mu - lam) != 0:
                proj = proj * (a - mu * sp.eye(n)) / (lam - mu)
        total += proj
    return total.applyfunc(sp.simplify)


def _point(spec: LinearNetSpec, wbar: sp.Matrix, r: int) -> list[sp.Matrix]:
    """Layers of an exact point of μ⁻¹(W̄), from a rank factorisation W̄ = C F."""
    widths = spec.widths
    c, f = wbar.rank_decomposition()
    q = c.shape[1]
    if q < r:  # W̄ of rank below r: pad the factors with zero columns and rows
        c = c.row_join(sp.zeros(c.shape[0], r - q))
        f = f.col_join(sp.zeros(r - q, f.shape[1]))
    layers = [f.col_join(sp.zeros(widths[1] - r, widths[0]))]
    for k in range(2, spec.depth):
        block = sp.zeros(widths[k], widths[k - 1])
        block[:r, :r] = sp.eye(r)
        layers.append(block)
    layers.append(c.row_join(sp.zeros(widths[-1], widths[-2] - r)))
    return layers


def _balanced_attains(spec: LinearNetSpec, r: int, s1: sp.Expr) -> bool:
    """For depth 2 and a diagonal target with non-increasing entries: whether
    2 s_1 I − ∇²f is positive semidefinite (exactly) at the balanced point of M."""
    target = spec.target
    diagonal = [target[i, i] for i in range(min(target.shape))]
    if any(target[i, j] != 0 for i in range(target.rows) for j in range(target.cols)
           if i != j):
        return False
    if any(compare(a, b) < 0 for a, b in itertools.pairwise(diagonal)):
        return False
    n, hidden, m = spec.widths
    w1, w2 = sp.zeros(hidden, n), sp.zeros(m, hidden)
    for i in range(r):
        w1[i, i] = w2[i, i] = sp.sqrt(diagonal[i])
    symbols = tuple(sp.Symbol(name, real=True) for name in spec.param_names())
    point = dict(zip(symbols, [*w1, *w2], strict=True))
    hess = sp.hessian(spec.build(symbols), symbols).subs(point)
    return (2 * s1 * sp.eye(len(symbols)) - hess).is_positive_semidefinite is True


def network_facts(spec: LinearNetSpec) -> NetworkFacts:
    """The exact facts of ``spec`` (filling verdict, Props. 1–2, λmax inf, critical η)."""
    m, n = spec.widths[-1], spec.widths[0]
    r = min(spec.widths)
    filling = r == min(m, n)
    target = spec.target
    gram = target.T * target
    eig = _eigen(gram)
    singular = tuple(sp.sqrt(e) for e in eig[: min(m, n)])
    distinct = list(dict.fromkeys(eig))
    tail = eig[r:]
    min_value = sp.simplify(sum(tail, sp.Integer(0)) / 2 + spec.offset)
    unique = r >= len(eig) or compare(eig[r - 1], eig[r]) > 0
    wbar = (target * _projection(gram, eig[:r], distinct)).applyfunc(sp.simplify)
    rank_target = target.rank(simplify=True)
    layers = _point(spec, wbar, r)
    point = tuple(itertools.chain.from_iterable(w for w in (list(x) for x in layers)))
    symbols = tuple(sp.Symbol(name, real=True) for name in spec.param_names())
    residual = list(spec.product(symbols) - wbar)
    jac = sp.Matrix(residual).jacobian(symbols).subs(dict(zip(symbols, point, strict=True)))
    rho = jac.rank(simplify=True)
    total = len(symbols)
    notes = []
    lam_inf = eta_c = None
    if filling and unique:
        depth = spec.depth
        lam_inf = sp.simplify(depth * singular[0] ** sp.Rational(2 * (depth - 1), depth))
        eta_c = sp.simplify(2 / lam_inf)
        notes.append("λmax inf and critical η: exact lower bound on M by the argument of "
                     "the module docstring, attained at the balanced points")
    elif unique and spec.depth == 2 and _balanced_attains(spec, r, singular[0]):
        lam_inf = sp.simplify(2 * singular[0])
        eta_c = sp.simplify(1 / singular[0])
        notes.append("non-filling, depth 2: λmax >= 2 s_1 on M (the residual's term "
                     "vanishes along the witness direction), attained at the balanced point "
                     "(exact positive-semidefinite check)")
    else:
        notes.append("non-filling: the residual does not vanish on M, so ∇²f ≠ JᵀJ there; "
                     "λmax along M is derived only for depth 2 and a diagonal target")
    if not unique:
        notes.append("s_r = s_(r+1): the minimiser on M_r is not unique (Prop. 1 needs "
                     "distinct singular values); M is the union of the fibres")
    return NetworkFacts(
        spec=spec,
        rank_bound=r,
        filling=filling,
        singular_values=singular,
        min_on_rank_r=min_value,
        unique=bool(unique),
        minimiser=wbar,
        minimum_is_global=filling or rank_target <= r,
        point=point,
        jacobian_rank=int(rho),
        dimension=total - int(rho),
        generic_dimension=total - r * (m + n - r),
        lambda_inf=lam_inf,
        eta_critical=eta_c,
        notes=tuple(notes),
    )
