"""``analyze(loss, eta)``: the whole exact analysis of a loss, as one result.

Gradient, Hessian, GD map and its Jacobian determinant (with the
non-singularity verdict), the modified loss, the critical set (isolated points
classified exactly: by inertia, or by higher-order terms where the Hessian is
singular, with exact eigenvalues and η* = 2/λmax for minima; positive-dimensional
components with the type along them, λmax, its infimum and M_WS(η)), and the
critical step sizes, each with the set of minima it is about. Every number is a
:class:`symstab.evidence.Value` that says how sure it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from symstab.budget import time_limit as budget
from symstab.errors import BudgetExceeded
from symstab.evidence import DEFAULT_DIGITS, Value
from symstab.exact import derivatives as d
from symstab.exact.critical import critical_set
from symstab.exact.manifold import ComponentAnalysis, analyze_component
from symstab.exact.points import ClassifiedPoint, classify_critical_points
from symstab.exact.positivity import nonnegativity_certificate
from symstab.exact.thresholds import (
    CriticalEta,
    component_entry,
    critical_etas,
    degenerate_minimum_notes,
    eta_star,
    largest_eta,
    stability_at_eta,
)
from symstab.exact.values import exact_value
from symstab.inputs import StepSize, StepSizeLike
from symstab.loss import Loss, require_loss

#: JSON schema version of :meth:`Analysis.to_dict`; bumped on any incompatible change.
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class PointAnalysis:
    """An isolated real critical point, classified exactly.

    Attributes
    ----------
    coordinates, loss_value
        The point and f there, exact.
    kind
        ``minimum``, ``maximum``, ``saddle`` (non-singular Hessian), or ``degenerate
        minimum``, ``degenerate maximum``, ``degenerate saddle``, ``degenerate,
        undecided`` (singular Hessian; see :mod:`symstab.exact.degenerate`).
    eigenvalues, lambda_max
        The Hessian's distinct eigenvalues with multiplicities (largest first), and λmax.
    eta_star
        2/λmax for minima (``oo`` if λmax = 0), else ``None``.
    stability
        Linear stability of GD at the given η, for minima.
    global_minimum
        The loss is certified ≥ 0 and is 0 here.
    hessian_kind
        The type read off the Hessian's inertia alone (:attr:`Spectrum.kind`).
    method, reason
        How the kind was decided, and the evidence (or why it is undecided).
    label
        For a minimum, its number 1..k (the label used by every engine); else ``None``.
    eta_star_about
        What ``eta_star`` says, about which minimum.
    notes
        Further remarks (e.g. what η* decides at a degenerate minimum).
    """

    coordinates: tuple[Value, ...]
    loss_value: Value
    kind: str
    eigenvalues: tuple[tuple[Value, int], ...]
    lambda_max: Value
    eta_star: Value | None
    stability: str | None
    global_minimum: bool
    hessian_kind: str = ""
    method: str = ""
    reason: str = ""
    label: int | None = None
    eta_star_about: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def degenerate(self) -> bool:
        """Whether the Hessian is singular at the point."""
        return self.kind.startswith("degenerate")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (stable keys)."""
        return {
            "coordinates": [c.to_dict() for c in self.coordinates],
            "loss_value": self.loss_value.to_dict(),
            "kind": self.kind,
            "hessian_kind": self.hessian_kind,
            "degenerate": self.degenerate,
            "classification": {"method": self.method, "reason": self.reason},
            "label": self.label,
            "global_minimum": self.global_minimum,
            "eigenvalues": [
                {"value": v.to_dict(), "multiplicity": m} for v, m in self.eigenvalues
            ],
            "lambda_max": self.lambda_max.to_dict(),
            "eta_star": self.eta_star.to_dict() if self.eta_star else None,
            "eta_star_about": self.eta_star_about,
            "stability_at_eta": self.stability,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Analysis:
    """The exact analysis of a loss at an optional step size η."""

    loss: Loss
    eta: sp.Expr | None
    digits: int
    gradient: tuple[sp.Expr, ...]
    hessian: sp.ImmutableMatrix
    gd_map: tuple[sp.Expr, ...]
    jacobian_det: sp.Expr | None
    singular_etas: tuple[sp.Expr, ...] | None
    nonsingular_at_eta: bool | None
    modified_loss: sp.Expr
    points: tuple[PointAnalysis, ...]
    components: tuple[ComponentAnalysis, ...]
    n_complex_points: int | None
    critical_set_status: str
    bounded_below: str | None
    eta_critical: Value | None
    eta_critical_note: str
    seconds: float
    notes: tuple[str, ...] = field(default=())
    critical_etas: tuple[CriticalEta, ...] = field(default=())

    @property
    def minima(self) -> tuple[PointAnalysis, ...]:
        """The isolated minima with a positive-definite Hessian (strict, non-degenerate).

        These are the minima the theorems about η* = 2/λmax and the certified regions are
        about. :attr:`isolated_minima` adds the degenerate ones; a minimum's number is its
        ``label`` in that longer list.
        """
        return tuple(p for p in self.points if p.kind == "minimum")

    @property
    def isolated_minima(self) -> tuple[PointAnalysis, ...]:
        """All isolated minima, degenerate or not, in label order (labels 1..k).

        The order and labels are those of :func:`symstab.exact.points.isolated_minima`;
        ``p.degenerate`` tells the degenerate ones (singular Hessian) apart.
        """
        return tuple(p for p in self.points if p.label is not None)

    def _repr_html_(self) -> str:
        """Jupyter display: tables with the exact values as LaTeX."""
        from symstab.exact.display import analysis_html

        return analysis_html(self)

    def _repr_latex_(self) -> str:
        """Jupyter/LaTeX display: the loss and the exact η* of each minimum."""
        from symstab.exact.display import analysis_latex

        return analysis_latex(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys; exact values as strings (see docs/json.md)."""
        loss = self.loss
        eta = Value.of_exact(self.eta, self.digits).to_dict() if self.eta is not None else None
        return {
            "schema": SCHEMA_VERSION,
            "loss": {
                "name": loss.name,
                "source": loss.source,
                "params": [p.name for p in loss.params],
                "expression": sp.sstr(loss.expr),
                "latex": sp.latex(loss.expr),
                "polynomial": loss.is_polynomial,
                "bounded_below": self.bounded_below,
            },
            "eta": eta,
            "gradient": [sp.sstr(g) for g in self.gradient],
            "hessian": [[sp.sstr(e) for e in row] for row in self.hessian.tolist()],
            "gd_map": [sp.sstr(g) for g in self.gd_map],
            "jacobian_det": {
                "expression": (None if self.jacobian_det is None
                               else sp.sstr(self.jacobian_det)),
                "singular_etas": (
                    [sp.sstr(e) for e in self.singular_etas]
                    if self.singular_etas is not None else None
                ),
                "nonsingular_at_eta": self.nonsingular_at_eta,
            },
            "modified_loss": sp.sstr(self.modified_loss),
            "critical_set": {
                "status": self.critical_set_status,
                "n_complex_points": self.n_complex_points,
                "points": [p.to_dict() for p in self.points],
                "components": [component_to_dict(c, self.digits) for c in self.components],
                "critical_etas": [e.to_dict() for e in self.critical_etas],
            },
            "eta_critical": self.eta_critical.to_dict() if self.eta_critical else None,
            "eta_critical_note": self.eta_critical_note,
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }


def component_to_dict(c: ComponentAnalysis, digits: int) -> dict[str, Any]:
    """JSON-ready dict of a component analysis (stable keys)."""
    ws = c.weakly_stable
    return {
        "equations": [sp.sstr(e) + " = 0" for e in c.component.equations],
        "latex": [sp.latex(sp.Eq(e, 0)) for e in c.component.equations],
        "dimension": c.component.dimension,
        "real_witness": (
            [sp.sstr(v) for v in c.component.real_witness] if c.component.real_witness else None
        ),
        "loss_value": sp.sstr(c.loss_value) if c.loss_value is not None else None,
        "kind": c.kind,
        "transverse_polynomial": sp.sstr(c.transverse_polynomial),
        "lambda_max_on_component": (
            sp.sstr(c.transverse_eigenvalue) if c.transverse_eigenvalue is not None else None
        ),
        "parametrization": (
            {sp.sstr(k): sp.sstr(v) for k, v in c.parametrization.mapping.items()}
            if c.parametrization else None
        ),
        "arcs": [
            {
                "parameter": a.parameter.name,
                "from": sp.sstr(a.start) if a.start is not None else "-oo",
                "to": sp.sstr(a.end) if a.end is not None else "oo",
                "kind": a.kind,
                "lambda_max_infimum": (
                    sp.sstr(a.lambda_max_infimum) if a.lambda_max_infimum is not None else None
                ),
            }
            for a in c.arcs
        ],
        "lambda_max_infimum": c.lambda_max_infimum.to_dict() if c.lambda_max_infimum else None,
        "eta_critical": c.eta_critical.to_dict() if c.eta_critical else None,
        "eta_critical_about": component_entry(c).about if "minima" in c.kind else None,
        "weakly_stable": (
            {
                "eta": sp.sstr(ws.eta),
                "definition": "M_WS(eta) = {theta on arcs of minima : lambda_max(theta) <= 2/eta}",
                "intervals": [[sp.sstr(a), sp.sstr(b)] for a, b in ws.intervals],
                "length": ws.length.to_dict() if ws.length else None,
            }
            if ws else None
        ),
        "notes": list(c.notes),
    }


def _analyze_point(c: ClassifiedPoint, loss: Loss, eta: sp.Expr | None, digits: int,
                   bounded_below: str | None) -> PointAnalysis:
    point, spectrum = c.point, c.spectrum
    coords = tuple(exact_value(v, digits) for v in point.coordinate_exprs())
    value = sp.radsimp(point.to_expr(point.reduce(loss.expr)))
    eigen = tuple((exact_value(e.value, digits), e.multiplicity) for e in spectrum.eigenvalues)
    lam = spectrum.lambda_max.value  # the first of the eigenvalues, largest first
    star = stability = about = None
    notes: tuple[str, ...] = ()
    if c.is_minimum:
        star = eta_star(lam, c.degenerate, digits)
        stability = stability_at_eta(lam, eta, c.degenerate)
        about = f"the isolated minimum #{c.label}: GD at step η is linearly stable there iff η < η*"
        if c.degenerate:
            about += " (along the non-degenerate directions only: the Hessian is singular)"
            notes = degenerate_minimum_notes(lam, spectrum.n_zero)
    return PointAnalysis(
        coordinates=coords,
        loss_value=exact_value(value, digits),
        kind=c.kind,
        eigenvalues=eigen,
        lambda_max=eigen[0][0],
        eta_star=star,
        stability=stability,
        global_minimum=bool(bounded_below and value == 0),
        hessian_kind=spectrum.kind,
        method=c.method,
        reason=c.reason,
        label=c.label,
        eta_star_about=about,
        notes=notes,
    )


def analyze(
    loss: Loss,
    eta: StepSizeLike | None = None,
    *,
    digits: int = DEFAULT_DIGITS,
    time_limit: float | None = 120.0,
) -> Analysis:
    """Exact analysis of ``loss`` (at step size ``eta`` if given).

    Parameters
    ----------
    loss
        The loss.
    eta
        A step size in any spelling :meth:`symstab.inputs.StepSize.of` accepts (text,
        int, ``Fraction``, float as the decimal it spells, SymPy number, ``StepSize``), or
        ``None``.
    digits
        Significant digits of the decimals reported beside exact values.
    time_limit
        Budget in seconds for the whole analysis. Past it during differentiation,
        :class:`symstab.errors.BudgetExceeded` is raised; past it during the critical-set
        computation, the analysis is returned with ``critical_set_status`` "incomplete: ...".

    Returns
    -------
    Analysis
        Frozen result; ``to_dict()`` gives JSON with stable keys.
    """
    loss = require_loss(loss)
    eta = StepSize.of(eta).exact if eta is not None else None
    started = time.perf_counter()
    with budget(time_limit, "symbolic differentiation"):
        grad = d.gradient(loss)
        H = d.hessian(loss)
        ns = d.nonsingularity(loss)
        det_at_eta = (
            None if ns.determinant is None
            else sp.expand(ns.determinant.subs(d.ETA, eta)) if eta is not None
            else ns.determinant
        )
    remaining = None if time_limit is None else max(time_limit - (time.perf_counter() - started),
                                                    1e-3)
    bounded_below = nonnegativity_certificate(loss.expr)
    notes: list[str] = []
    points: list[PointAnalysis] = []
    components: list[ComponentAnalysis] = []
    n_complex = None
    if not loss.is_polynomial:
        status = "not computed: the loss is not a polynomial with rational coefficients"
    else:
        try:
            with budget(remaining, "critical set computation"):
                crit = critical_set(grad, loss.params)
                points = [_analyze_point(c, loss, eta, digits, bounded_below)
                          for c in classify_critical_points(crit.points, loss.expr, H)]
                components = [
                    _mark_global(analyze_component(c, loss.expr, H, eta, digits=digits),
                                 bounded_below)
                    for c in crit.components
                ]
                n_complex = int(crit.n_complex_points)
            status = "complete"
        except BudgetExceeded as exc:
            status = f"incomplete: {exc}"
    eta_crit, eta_note = _critical_eta(points, components)
    isolated = [p for p in points if p.label is not None]
    if bounded_below:
        notes.append(bounded_below)
    return Analysis(
        loss=loss,
        eta=eta,
        digits=digits,
        gradient=grad,
        hessian=H,
        gd_map=d.gd_map(loss, eta if eta is not None else d.ETA),
        jacobian_det=det_at_eta,
        singular_etas=ns.singular_etas if ns.decided else None,
        nonsingular_at_eta=ns.is_nonsingular(eta) if eta is not None else None,
        modified_loss=d.modified_loss(loss, eta if eta is not None else d.ETA),
        points=tuple(points),
        components=tuple(components),
        n_complex_points=n_complex,
        critical_set_status=status,
        bounded_below=bounded_below,
        eta_critical=eta_crit,
        eta_critical_note=eta_note,
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
        critical_etas=critical_etas(isolated, components),
    )


def _mark_global(c: ComponentAnalysis, bounded_below: str | None) -> ComponentAnalysis:
    """Minima where a loss certified >= 0 vanishes are global minima."""
    if bounded_below and c.loss_value == 0 and c.kind.startswith("minima"):
        return replace(c, kind="global " + c.kind)
    return c


def _critical_eta(
    points: list[PointAnalysis], components: list[ComponentAnalysis]
) -> tuple[Value | None, str]:
    """2 / inf λmax over all minima: past it no minimum is (even weakly) linearly stable."""
    candidates: list[Value] = [p.eta_star for p in points if p.eta_star is not None]
    candidates += [c.eta_critical for c in components if c.eta_critical is not None]
    best = largest_eta(candidates)
    if best is None:
        return None, "no minimum found"
    note = (
        "largest η* over all minima = 2 / (infimum of λmax over all minima); for η above it "
        "no minimum has λmax <= 2/η"
    )
    return best, note
