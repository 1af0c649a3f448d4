"""Rich displays of an exact analysis for Jupyter: HTML tables with exact values as LaTeX.

:class:`~symstab.exact.analysis.Analysis` uses these for ``_repr_html_`` and
``_repr_latex_``; the terminal table, JSON and Markdown are in :mod:`symstab.report`.
Only formatting happens here.
"""

from __future__ import annotations

import html
from typing import Any

import sympy as sp

from symstab.evidence import Value

__all__ = ["MORSE_BOTT_LEGEND", "analysis_html", "analysis_latex"]

#: The key to "non-strict, Morse-Bott" in the components tables.
MORSE_BOTT_LEGEND = ("non-strict, Morse-Bott: the minima (or maxima) form a curve or surface; "
                     "the Hessian is zero along it and non-singular across it")


def _math(latex: str) -> str:
    """Inline math for MathJax/KaTeX, HTML-escaped."""
    return f"${html.escape(latex, quote=False)}$"


def _value(v: Value | None) -> str:
    """An exact value as LaTeX (its decimal beside irrational ones), or a dash."""
    if v is None:
        return "—"
    if v.latex is None:
        return html.escape(f"≈ {v.decimal}")
    text = _math(v.latex)
    if v.exact is not None and v.exact != v.decimal and v.exact != "oo" and not (
        v.expr is not None and v.expr.is_Rational
    ):
        text += f" <small>≈ {html.escape(_short(v.decimal))}</small>"
    return text


def _short(decimal: str) -> str:
    try:
        return f"{float(decimal):.6g}"
    except ValueError:
        return decimal


def _row(cells: list[str], tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag} style='text-align:left'>{c}</{tag}>"
                            for c in cells) + "</tr>"


def _point_cells(p: Any, with_eta: bool) -> list[str]:
    coords = _math(r"\left(" + ", ".join(c.latex or c.decimal for c in p.coordinates)
                   + r"\right)")
    eig = ", ".join((_math(v.latex) if v.latex else html.escape(v.decimal))
                    + (f" (×{m})" if m > 1 else "") for v, m in p.eigenvalues)
    kind = html.escape(p.kind + (", global" if p.global_minimum else ""))
    cells = ["" if p.label is None else str(p.label), coords, _value(p.loss_value), kind, eig,
             _value(p.lambda_max), _value(p.eta_star)]
    if with_eta:
        cells.append(html.escape(p.stability.split(" (")[0]) if p.stability else "—")
    return cells


def analysis_html(analysis: Any) -> str:
    """The analysis as HTML: the loss, the critical points and components with exact values
    (LaTeX), the critical step sizes and the critical-set status.

    Parameters
    ----------
    analysis
        A :class:`~symstab.exact.analysis.Analysis`.

    Returns
    -------
    str
        An HTML fragment.
    """
    loss = analysis.loss
    params = ", ".join(sp.latex(p) for p in loss.params)
    eta = "" if analysis.eta is None else rf",\quad \eta = {sp.latex(analysis.eta)}"
    out = [f"<div><p><b>{html.escape(loss.name)}</b>: "
           f"{_math(f'f({params}) = {sp.latex(loss.expr)}{eta}')}</p>"]
    with_eta = analysis.eta is not None
    if analysis.points:
        header = ["#", "point", "f", "type", "eigenvalues", "λmax", "η* = 2/λmax"]
        header += ["at η"] if with_eta else []
        out.append("<table><caption style='text-align:left'>Isolated real critical points "
                   "(exact)</caption>")
        out.append(_row(header, "th"))
        out += [_row(_point_cells(p, with_eta)) for p in analysis.points]
        out.append("</table>")
        if analysis.isolated_minima:
            out.append("<p><small># is the label of a minimum (as in basin maps); η* is "
                       "about that minimum alone.</small></p>")
    elif analysis.critical_set_status.startswith("incomplete"):
        out.append("<p>Isolated real critical points: not computed (the critical-set "
                   "computation stopped at its time budget).</p>")
    else:
        out.append("<p>Isolated real critical points: none.</p>")
    if analysis.components:
        out.append("<table><caption style='text-align:left'>Positive-dimensional critical "
                   "components (exact)</caption>")
        out.append(_row(["equations", "dim", "type", "inf λmax", "η crit"], "th"))
        for c in analysis.components:
            eqs = ", ".join(_math(f"{sp.latex(e)} = 0") for e in c.component.equations)
            out.append(_row([eqs, str(c.component.dimension), html.escape(c.kind),
                             _value(c.lambda_max_infimum), _value(c.eta_critical)]))
        out.append("</table>")
        if any("Morse-Bott" in c.kind for c in analysis.components):
            out.append(f"<p><small>{html.escape(MORSE_BOTT_LEGEND)}.</small></p>")
    if analysis.critical_etas:
        out.append("<p>Critical step sizes, each about one set of minima:</p><ul>")
        out += [f"<li>η = {_value(e.eta)} for {html.escape(e.subject)}: "
                f"{html.escape(e.meaning)}</li>" for e in analysis.critical_etas]
        out.append("</ul>")
    if analysis.jacobian_det is not None:
        det = _math(r"\det(I - \eta H) = " + sp.latex(analysis.jacobian_det))
        out.append(f"<p>{det}</p>")
    out.append(f"<p><small>critical set: {html.escape(analysis.critical_set_status)}"
               "</small></p></div>")
    return "\n".join(out)


def analysis_latex(analysis: Any) -> str:
    """The loss, and each isolated minimum with its η* = 2/λmax, as one LaTeX display.

    Parameters
    ----------
    analysis
        A :class:`~symstab.exact.analysis.Analysis`.

    Returns
    -------
    str
        ``$$\\begin{aligned} ... \\end{aligned}$$``.
    """
    loss = analysis.loss
    params = ", ".join(sp.latex(p) for p in loss.params)
    lines = [f"f({params}) &= {sp.latex(loss.expr)}"]
    for p in analysis.points:
        if p.eta_star is None or p.eta_star.latex is None:
            continue
        coords = ", ".join(c.latex or c.decimal for c in p.coordinates)
        lines.append(rf"\eta^*\left({coords}\right) &= {p.eta_star.latex}")
    for c in analysis.components:
        if c.eta_critical is not None and c.eta_critical.latex is not None:
            eqs = ", ".join(f"{sp.latex(e)} = 0" for e in c.component.equations)
            lines.append(rf"\eta_{{\mathrm{{crit}}}}\{{{eqs}\}} &= {c.eta_critical.latex}")
    return "$$\\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}$$"
