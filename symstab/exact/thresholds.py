"""Critical step sizes, each with the set of minima it is about.

GD at step η is linearly stable at a minimum θ* when λmax(θ*) < 2/η, i.e. η < η* =
2/λmax(θ*). Three numbers come from this, about three different sets:

* **η\\* of one isolated minimum**: 2/λmax there. At a degenerate minimum (singular
  Hessian) it decides linear stability along the non-degenerate directions only; if
  λmax = 0 it is ∞.
* **the critical η of a component of minima** (a curve or surface of non-strict
  minima): 2 / inf λmax over the minima on it. For η below it some of them have
  λmax < 2/η (the weakly stable part M_WS(η) is non-empty); for η above it none has
  λmax ≤ 2/η. If λmax tends to 0 along the component it is ∞.
* **the critical η of the loss**: the largest of all of these; past it no minimum of
  the loss, isolated or not, has λmax ≤ 2/η.

For f3 of Chen et al. the four isolated minima (±1, ±1) have η* = 1/6, while the axes
hold non-strict minima (|t| > √3 on each axis) whose λmax = 2t²(t² − 3) tends to 0, so
the axes' critical η and the loss's are ∞. Both statements are true; this module says
which set each number is about (:func:`critical_etas`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sympy as sp

from symstab.evidence import Value
from symstab.exact.manifold import ComponentAnalysis
from symstab.exact.signs import compare
from symstab.exact.values import exact_value

__all__ = [
    "CriticalEta",
    "Minimum",
    "component_entry",
    "critical_etas",
    "degenerate_minimum_notes",
    "eta_star",
    "largest_eta",
    "stability_at_eta",
]


class Minimum(Protocol):
    """What :func:`critical_etas` reads of an isolated minimum."""

    label: int | None
    eta_star: Value | None
    degenerate: bool


@dataclass(frozen=True)
class CriticalEta:
    """A critical step size and the set of minima it is about.

    Attributes
    ----------
    scope
        ``"isolated minima"``, ``"component"`` or ``"all minima"``.
    members
        The set: labels of isolated minima (``"#1"``, ...) or a component's equations
        (``"x = 0"``); empty for ``"all minima"``.
    eta
        The critical η (exact; ``oo`` possible), or ``None`` if not computed.
    subject
        The set in words, e.g. ``"the 4 isolated minima #1, #2, #3, #4"``.
    meaning
        How the number is made from their λmax and what it says about GD at step η.
    """

    scope: str
    members: tuple[str, ...]
    eta: Value | None
    subject: str
    meaning: str

    @property
    def about(self) -> str:
        """``subject: meaning``, one sentence."""
        return f"{self.subject}: {self.meaning}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (stable keys)."""
        return {
            "scope": self.scope,
            "members": list(self.members),
            "eta": self.eta.to_dict() if self.eta else None,
            "about": self.about,
        }


def _text(v: Value) -> str:
    return v.exact if v.exact is not None else f"≈{v.decimal}"


def eta_star(lam: sp.Expr, degenerate: bool, digits: int) -> Value:
    """η* = 2/λmax of a minimum, with a note saying what it decides.

    Parameters
    ----------
    lam
        λmax at the minimum (exact, >= 0).
    degenerate
        Whether the Hessian is singular there.
    digits
        Significant digits of the decimal.

    Returns
    -------
    Value
        Exact; ``oo`` when ``lam`` is 0.
    """
    if lam == 0:
        return Value.infinite("λmax = 0: no step size makes this minimum linearly unstable")
    note = "2/λmax"
    if degenerate:
        note += "; decides linear stability along the non-degenerate directions only"
    return exact_value(sp.radsimp(2 / lam), digits, note)


def stability_at_eta(lam: sp.Expr, eta: sp.Expr | None, degenerate: bool) -> str | None:
    """Linear stability of GD at step η at a minimum, decided exactly.

    Parameters
    ----------
    lam
        λmax at the minimum.
    eta
        The step size, or ``None``.
    degenerate
        Whether the Hessian is singular there.

    Returns
    -------
    str or None
        ``stable (λmax < 2/η)``, ``marginal (λmax = 2/η)``, ``unstable (λmax > 2/η)``; at a
        degenerate minimum ``stable on the non-degenerate directions (λmax < 2/η)`` in
        place of the first, and ``not decided by the linearisation (λmax = 0)`` when the
        Hessian is 0. ``None`` without η.
    """
    if eta is None:
        return None
    if degenerate and lam == 0:
        return "not decided by the linearisation (λmax = 0)"
    sign = compare(lam * eta, sp.Integer(2))
    if sign == 0:
        return "marginal (λmax = 2/η)"
    if sign > 0:
        return "unstable (λmax > 2/η)"
    return "stable on the non-degenerate directions (λmax < 2/η)" if degenerate else (
        "stable (λmax < 2/η)")


def degenerate_minimum_notes(lam: sp.Expr, kernel_dimension: int) -> tuple[str, ...]:
    """What η* means at a degenerate minimum, in words for the report.

    Parameters
    ----------
    lam
        λmax at the minimum.
    kernel_dimension
        Number of zero eigenvalues of the Hessian (with multiplicity).

    Returns
    -------
    tuple of str
    """
    if lam == 0:
        return (
            "the Hessian is 0 here, so λmax = 0 and η* = oo: no step size makes this "
            "minimum linearly unstable; whether GD converges to it is decided by "
            "higher-order terms, not by η*",
        )
    word = "direction" if kernel_dimension == 1 else "directions"
    return (
        f"degenerate minimum (the Hessian has {kernel_dimension} zero eigenvalue"
        f"{'s' if kernel_dimension > 1 else ''}): η* = 2/λmax decides linear stability "
        f"along the non-degenerate directions only; along the kernel {word} the "
        "linearisation of GD is neutral and higher-order terms decide",
    )


def largest_eta(values: Sequence[Value]) -> Value | None:
    """The largest of exact critical η values (``oo`` wins), or ``None`` if empty."""
    if not values:
        return None
    best = values[0]
    for value in values[1:]:
        if best.exact == "oo":
            break
        if value.exact == "oo" or compare(value.expr, best.expr) > 0:
            best = value
    return best


def _smallest_eta(values: Sequence[Value]) -> Value:
    best = values[0]
    for value in values[1:]:
        if value.exact == "oo":
            continue
        if best.exact == "oo" or compare(value.expr, best.expr) < 0:
            best = value
    return best


def _isolated_entry(minima: Sequence[Minimum]) -> CriticalEta:
    stars = [m.eta_star for m in minima if m.eta_star is not None]
    labels = tuple(f"#{m.label}" for m in minima)
    n = len(minima)
    which = (f"the isolated minimum {labels[0]}" if n == 1
             else f"the {n} isolated minima {', '.join(labels)}")
    top = largest_eta(stars)
    if top is None:
        return CriticalEta("isolated minima", labels, None, which, "η* not computed")
    low = _smallest_eta(stars)
    if top.exact == "oo":
        tail = ("λmax = 0, so no step size makes it linearly unstable" if n == 1 else
                "no step size makes all of them linearly unstable (some have λmax = 0)")
    elif n == 1:
        tail = f"for η < {_text(top)} it is linearly stable, for η > {_text(top)} it is not"
    else:
        tail = (f"for η > {_text(top)} none of them is linearly stable, for "
                f"η < {_text(low)} all of them are")
    rule = "η* = 2/λmax" if n == 1 else "the largest η* = 2/λmax over them"
    degenerate = [f"#{m.label}" for m in minima if m.degenerate]
    if not degenerate or top.exact == "oo":
        caveat = ""
    elif n == 1:
        caveat = " (along its non-degenerate directions only: its Hessian is singular)"
    else:
        caveat = (f" (at the degenerate {', '.join(degenerate)}: along the non-degenerate "
                  "directions only)")
    return CriticalEta("isolated minima", labels, top, which, f"{rule}; {tail}{caveat}")


def _arcs_text(c: ComponentAnalysis) -> str:
    arcs = [a for a in c.arcs if a.kind.startswith("minima")]
    if not arcs or len(arcs) == len(c.arcs):
        return ""

    def end(v: sp.Expr | None, default: str) -> str:
        return default if v is None else sp.sstr(v)

    spans = " or ".join(f"({end(a.start, '-oo')}, {end(a.end, 'oo')})" for a in arcs)
    return f" with {arcs[0].parameter} in {spans}"


def _equations(c: ComponentAnalysis) -> tuple[str, ...]:
    return tuple(f"{sp.sstr(e)} = 0" for e in c.component.equations)


def component_entry(c: ComponentAnalysis) -> CriticalEta:
    """The critical η of one component holding minima, with what it is about.

    Parameters
    ----------
    c
        A component whose kind includes minima.

    Returns
    -------
    CriticalEta
    """
    eqs = _equations(c)
    which = f"the non-strict minima on {', '.join(eqs)}{_arcs_text(c)}"
    if c.eta_critical is None or c.lambda_max_infimum is None:
        return CriticalEta("component", eqs, c.eta_critical, which,
                           "λmax along them was not computed")
    inf = _text(c.lambda_max_infimum)
    if c.eta_critical.exact == "oo":
        tail = (f"inf λmax = {inf} (approached, not attained), so at every η > 0 some of "
                "them have λmax < 2/η")
    else:
        eta = _text(c.eta_critical)
        tail = (f"2 / inf λmax with inf λmax = {inf}; for η < {eta} some of them have "
                f"λmax < 2/η, for η > {eta} none has λmax <= 2/η")
    return CriticalEta("component", eqs, c.eta_critical, which, tail)


def critical_etas(
    minima: Sequence[Minimum], components: Sequence[ComponentAnalysis]
) -> tuple[CriticalEta, ...]:
    """Every critical step size of a loss, each with the set of minima it is about.

    Parameters
    ----------
    minima
        The isolated minima (degenerate or not), in label order.
    components
        The analysed positive-dimensional components; those without minima are skipped.

    Returns
    -------
    tuple of CriticalEta
        The isolated minima (if any), then one entry per component holding minima, then
        all minima of the loss together (if there are any minima).
    """
    entries: list[CriticalEta] = []
    if minima:
        entries.append(_isolated_entry(minima))
    entries += [component_entry(c) for c in components if "minima" in c.kind]
    if not entries:
        return ()
    values = [e.eta for e in entries if e.eta is not None]
    overall = largest_eta(values)
    if overall is None:
        return (*entries, CriticalEta("all minima", (), None, "all minima of the loss",
                                      "no critical η computed"))
    kinds = {e.scope for e in entries}
    which = ("isolated and on components" if len(kinds) == 2 else
             "all isolated" if "isolated minima" in kinds else "all on components")
    subject = f"all minima of the loss ({which})"
    meaning = "the largest critical η above; for η above it no minimum has λmax <= 2/η"
    if len(entries) > 1:
        drivers = [e for e in entries if e.eta is not None and e.eta.exact == overall.exact]
        others = [e for e in entries if e not in drivers and e.eta is not None]
        if others:
            names = " and ".join(_entry_name(e) for e in drivers)
            rest = ", ".join(f"{_entry_name(e)} alone {_verb(e)} {_text(e.eta)}"
                             for e in others)
            meaning += f". It is {_text(overall)} because of {names}; {rest}"
    return (*entries, CriticalEta("all minima", (), overall, subject, meaning))


def _entry_name(e: CriticalEta) -> str:
    if e.scope == "isolated minima":
        return "the isolated minima" if len(e.members) > 1 else f"the minimum {e.members[0]}"
    return f"the minima on {', '.join(e.members)}"


def _verb(e: CriticalEta) -> str:
    return "gives" if e.scope == "isolated minima" and len(e.members) == 1 else "give"
