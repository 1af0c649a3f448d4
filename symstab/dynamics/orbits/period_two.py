"""Exact period-2 orbits at a given η.

:func:`period_two_exact` (``exact``) — every real isolated period-2 orbit of a polynomial
loss at a rational η: the square system G(θ) = φ, G(φ) = θ in 2n variables is solved
exactly by :func:`symstab.exact.critical.critical_set`; solutions with θ = φ (fixed
points, including whole curves of them such as xy = 1) are removed exactly; stability
of each orbit is decided exactly from the trace and determinant of
D(G∘G) = DG(φ)DG(θ) (Jury conditions) in Q(α).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symstab.dynamics.orbits.maps import NEUTRAL, STABLE, UNKNOWN, UNSTABLE, map_exprs
from symstab.errors import InputError
from symstab.inputs import StepSize, StepSizeLike
from symstab.loss import Loss

__all__ = ["ExactOrbit", "ExactPeriodTwo", "period_two_exact"]


@dataclass(frozen=True)
class ExactOrbit:
    """A period-2 orbit with exact coordinates.

    Attributes
    ----------
    points
        The two points θ, φ = G(θ) (exact SymPy numbers: radicals or ``CRootOf``).
    decimals
        The points as decimal strings (certified digits).
    trace, det
        Trace and determinant of D(G∘G) at θ (decimal strings, exact-derived).
    stability
        ``stable``, ``unstable`` or ``neutral`` (decided exactly).
    """

    points: tuple[tuple[sp.Expr, ...], tuple[sp.Expr, ...]]
    decimals: tuple[tuple[str, ...], tuple[str, ...]]
    trace: str
    det: str
    stability: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (exact values as strings)."""
        return {"period": 2, "status": "exact", "stability": self.stability,
                "points": [list(p) for p in self.decimals],
                "exact": [[sp.sstr(c) for c in p] for p in self.points],
                "trace": self.trace, "det": self.det}


@dataclass(frozen=True)
class ExactPeriodTwo:
    """All real isolated period-2 orbits of a polynomial loss at one η.

    Attributes
    ----------
    loss_name, eta
        Which loss and step size.
    orbits
        The orbits, each once.
    fixed_points
        Isolated fixed points found on the way (decimal strings).
    components
        Positive-dimensional solution sets of G(θ) = φ, G(φ) = θ, as equations in
        (θ, φ); ``on_diagonal`` tells whether each lies in θ = φ (fixed points only).
    n_complex
        Number of non-real isolated solutions.
    """

    loss_name: str
    eta: sp.Expr
    orbits: tuple[ExactOrbit, ...]
    fixed_points: tuple[tuple[str, ...], ...]
    components: tuple[dict[str, Any], ...]
    n_complex: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"loss": self.loss_name, "eta": sp.sstr(self.eta),
                "orbits": [o.to_dict() for o in self.orbits],
                "fixed_points": [list(p) for p in self.fixed_points],
                "components": list(self.components), "n_complex": int(self.n_complex)}


def _jury(sign_of: Any, trace: Any, det: Any, n: int) -> str:
    """Stability from exact signs (``sign_of(expr)``) of expressions in trace/det."""
    if n == 1:
        m = trace
        if sign_of(m - 1) < 0 and sign_of(m + 1) > 0:
            return STABLE
        if sign_of(m - 1) > 0 or sign_of(m + 1) < 0:
            return UNSTABLE
        return NEUTRAL
    if n == 2:
        conds = [sign_of(1 - det), sign_of(1 + det), sign_of(1 + det - trace),
                 sign_of(1 + det + trace)]
        if all(c > 0 for c in conds):
            return STABLE
        if any(c < 0 for c in conds):
            return UNSTABLE
        return NEUTRAL
    return UNKNOWN


def period_two_exact(loss: Loss, eta: StepSizeLike, *, digits: int = 20,
                     time_limit: float | None = 120.0) -> ExactPeriodTwo:
    """All real isolated period-2 orbits of GD on a polynomial loss at a rational η, exactly.

    Parameters
    ----------
    loss
        A polynomial loss with rational coefficients.
    eta
        The step size (exact rational; text such as ``"1.9"`` is parsed exactly).
    digits
        Digits of the decimal forms.
    time_limit
        Budget in seconds of the exact solve.

    Returns
    -------
    ExactPeriodTwo

    Raises
    ------
    InputError
        If the loss is not polynomial or η is not rational.
    """
    from symstab.exact.critical import critical_set

    step = StepSize.of(eta)
    if not loss.is_polynomial:
        raise InputError("exact period-2 orbits need a polynomial loss")
    if not step.is_rational:
        raise InputError("exact period-2 orbits need a rational step size", "eta")
    eta = step.exact
    n = loss.n
    theta = loss.params
    phi = tuple(sp.Symbol(f"_phi{i}", real=True) for i in range(n))
    G = map_exprs(loss, eta)
    G_phi = [g.xreplace(dict(zip(theta, phi, strict=True))) for g in G]
    polys = [sp.expand(g - f) for g, f in zip(G, phi, strict=True)]
    polys += [sp.expand(g - t) for g, t in zip(G_phi, theta, strict=True)]
    variables = (*theta, *phi)
    cs = critical_set(polys, variables, time_limit=time_limit)
    DG = sp.Matrix(n, n, lambda i, j: sp.diff(G[i], theta[j]))
    DG_phi = DG.xreplace(dict(zip(theta, phi, strict=True)))
    M = DG_phi * DG
    trace = sp.expand(M.trace())
    det = sp.expand(M.det(method="berkowitz"))
    unique: dict[tuple[tuple[str, ...], ...], ExactOrbit] = {}
    fixed: list[tuple[str, ...]] = []
    for pt in cs.points:
        dec = tuple(pt.decimal(v, digits) for v in variables)
        if all(pt.sign(sp.expand(t - f)) == 0 for t, f in zip(theta, phi, strict=True)):
            fixed.append(dec[:n])
            continue
        a, b = dec[:n], dec[n:]
        key = tuple(sorted((a, b)))
        if key in unique:  # each orbit appears as (θ, φ) and as (φ, θ)
            continue
        stability = _jury(lambda e, pt=pt: pt.sign(sp.expand(e)), trace, det, n)
        exprs = pt.coordinate_exprs()
        unique[key] = ExactOrbit(
            points=(tuple(exprs[:n]), tuple(exprs[n:])), decimals=(a, b),
            trace=pt.decimal(trace, digits), det=pt.decimal(det, digits),
            stability=stability)
    components = []
    for comp in cs.components:
        on_diag = all(
            sp.reduced(sp.expand(t - f), list(comp.equations), *variables)[1] == 0
            for t, f in zip(theta, phi, strict=True)
        )
        components.append({"equations": [sp.sstr(e.xreplace(
            {p: sp.Symbol(f"{t}'") for p, t in zip(phi, theta, strict=True)}))
            for e in comp.equations], "dimension": int(comp.dimension),
            "fixed_points_only": bool(on_diag)})
    return ExactPeriodTwo(loss.name, eta, tuple(unique.values()), tuple(fixed),
                          tuple(components), cs.n_complex_points)
