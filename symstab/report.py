"""Render results as a terminal table, JSON, Markdown or LaTeX.

Renderers only format; they compute nothing. The JSON is ``Analysis.to_dict()``
(stable keys, exact values as strings; documented in ``docs/json.md``).
"""

from __future__ import annotations

import io
import json
from typing import Any

import sympy as sp
from rich.console import Console
from rich.table import Table

from symstab.evidence import Value
from symstab.exact.analysis import Analysis, component_to_dict

FORMATS = ("table", "json", "markdown", "latex")


def render(analysis: Analysis, fmt: str) -> str:
    """Render an analysis in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return json.dumps(analysis.to_dict(), indent=2, ensure_ascii=False)
    if fmt == "markdown":
        return _markdown(analysis)
    if fmt == "latex":
        return _latex(analysis)
    return _table(analysis)


# -- shared rows ------------------------------------------------------------------------------

_POINT_HEADER = ("#", "point", "f", "type", "eigenvalues (mult.)", "λmax", "η* = 2/λmax", "at η")
_COMPONENT_HEADER = ("equations", "dim", "f", "type", "λmax on it", "inf λmax", "η crit")


def _value(v: Value | None, approx: bool = True) -> str:
    if v is None:
        return "—"
    if v.exact is None:
        return f"≈{v.decimal}"
    if not approx or v.exact == v.decimal or v.exact == "oo":
        return v.exact
    return f"{v.exact} ≈ {_short(v.decimal)}"


def _short(decimal: str, digits: int = 6) -> str:
    try:
        return f"{float(decimal):.{digits}g}"
    except ValueError:
        return decimal


def _point_rows(analysis: Analysis) -> list[tuple[str, ...]]:
    rows = []
    for i, p in enumerate(analysis.points, 1):
        coords = "(" + ", ".join(c.exact or c.decimal for c in p.coordinates) + ")"
        eig = ", ".join(
            (v.exact or v.decimal) + (f" (×{m})" if m > 1 else "") for v, m in p.eigenvalues
        )
        kind = p.kind + (", global" if p.global_minimum else "")
        rows.append((
            str(i), coords, _value(p.loss_value, False), kind, eig, _value(p.lambda_max),
            _value(p.eta_star), p.stability or "—",
        ))
    return rows


def _component_rows(analysis: Analysis) -> list[tuple[str, ...]]:
    rows = []
    for c in analysis.components:
        d = component_to_dict(c, analysis.digits)
        rows.append((
            ", ".join(d["equations"]), str(d["dimension"]), d["loss_value"] or "—", d["kind"],
            d["lambda_max_on_component"] or "—", _value(c.lambda_max_infimum),
            _value(c.eta_critical),
        ))
    return rows


def _summary_lines(analysis: Analysis) -> list[str]:
    loss = analysis.loss
    lines = [f"gradient: ({', '.join(sp.sstr(g) for g in analysis.gradient)})"]
    det = sp.sstr(analysis.jacobian_det)
    if analysis.singular_etas is None:
        verdict = "not decided (loss is not a polynomial)"
    elif not analysis.singular_etas:
        verdict = "never identically zero in θ for η > 0: the GD map is non-singular"
    else:
        etas = ", ".join(sp.sstr(e) for e in analysis.singular_etas)
        verdict = f"identically zero in θ exactly for η in {{{etas}}}"
    lines.append(f"det(I − ηH) = {det}")
    lines.append(f"  {verdict}")
    if analysis.nonsingular_at_eta is not None:
        lines.append(f"  at this η the GD map is {'non-' if analysis.nonsingular_at_eta else ''}"
                     "singular")
    lines.append(f"modified loss f + (η/4)|∇f|² = {sp.sstr(analysis.modified_loss)}")
    for c in analysis.components:
        ws = c.weakly_stable
        if ws is not None:
            eqs = _equations(c)
            length = _value(ws.length) if ws.length else "—"
            intervals = ", ".join(f"[{sp.sstr(a)}, {sp.sstr(b)}]" for a, b in ws.intervals)
            lines.append(
                f"M_WS(η) on {{{eqs}}}: {c.arcs[0].parameter} in {intervals or '∅'}; "
                f"arc length {length}"
            )
    if analysis.eta_critical is not None:
        lines.append(f"critical η of the loss: {_value(analysis.eta_critical)}")
        lines.append(f"  ({analysis.eta_critical_note})")
    lines.append(f"critical set: {analysis.critical_set_status}")
    if loss.source:
        lines.append(f"source: {loss.source}")
    lines += [f"note: {n}" for n in analysis.notes]
    for c in analysis.components:
        lines += [f"note ({_equations(c)}): {n}" for n in c.notes]
    return lines


def _equations(c: Any) -> str:
    return ", ".join(f"{sp.sstr(e)} = 0" for e in c.component.equations)


def _title(analysis: Analysis) -> str:
    loss = analysis.loss
    params = ", ".join(p.name for p in loss.params)
    eta = f", η = {sp.sstr(analysis.eta)}" if analysis.eta is not None else ""
    return f"{loss.name}: f({params}) = {sp.sstr(loss.expr)}{eta}"


# -- formats ----------------------------------------------------------------------------------


def _table(analysis: Analysis) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=140, force_terminal=False, color_system=None)
    console.print(_title(analysis), markup=False, highlight=False)
    n_complex = analysis.n_complex_points
    title = f"Isolated real critical points (exact; {len(analysis.points)} real"
    title += f", {n_complex} non-real not shown)" if n_complex else ")"
    if analysis.points:
        table = Table(title=title, title_justify="left")
        for h in _POINT_HEADER:
            table.add_column(h, overflow="fold")
        for row in _point_rows(analysis):
            table.add_row(*row)
        console.print(table)
    else:
        console.print("Isolated real critical points: none", markup=False)
    if analysis.components:
        table = Table(title="Positive-dimensional critical components (exact)",
                      title_justify="left")
        for h in _COMPONENT_HEADER:
            table.add_column(h, overflow="fold")
        for row in _component_rows(analysis):
            table.add_row(*row)
        console.print(table)
        for c in analysis.components:
            if c.arcs and len(c.arcs) > 1:
                eqs = _equations(c)
                parts = "; ".join(
                    f"{_interval(a.start, a.end)}: {a.kind}" for a in c.arcs
                )
                console.print(f"  on {{{eqs}}} by {c.arcs[0].parameter}: {parts}", markup=False)
    for line in _summary_lines(analysis):
        console.print(line, highlight=False, soft_wrap=True, markup=False)
    return buffer.getvalue().rstrip() + "\n"


def _interval(a: Any, b: Any) -> str:
    left = "(-oo" if a is None else f"({sp.sstr(a)}"
    right = "oo)" if b is None else f"{sp.sstr(b)})"
    return f"{left}, {right}"


def _md_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    def esc(s: str) -> str:
        return s.replace("|", "\\|")

    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return out


def _markdown(analysis: Analysis) -> str:
    lines = [f"### {_title(analysis)}", "", "**Isolated real critical points**", ""]
    lines += _md_table(_POINT_HEADER, _point_rows(analysis))
    if analysis.components:
        lines += ["", "**Positive-dimensional critical components**", ""]
        lines += _md_table(_COMPONENT_HEADER, _component_rows(analysis))
    lines += [""] + [f"- {line.strip()}" for line in _summary_lines(analysis)]
    return "\n".join(lines) + "\n"


def _tex(v: Value | None) -> str:
    if v is None:
        return "--"
    return f"${v.latex}$" if v.latex else f"$\\approx {v.decimal}$"


def _latex(analysis: Analysis) -> str:
    loss = analysis.loss
    lines = [
        f"% {loss.name}: {loss.source}",
        r"\begin{tabular}{llllll}",
        r"\hline",
        r"point & $f$ & type & eigenvalues & $\lambda_{\max}$ & $\eta^* = 2/\lambda_{\max}$ \\",
        r"\hline",
    ]
    for p in analysis.points:
        coords = "$(" + ", ".join(c.latex or c.decimal for c in p.coordinates) + ")$"
        eig = "$" + ", ".join(v.latex or v.decimal for v, _ in p.eigenvalues) + "$"
        lines.append(
            f"{coords} & {_tex(p.loss_value)} & {p.kind} & {eig} & {_tex(p.lambda_max)} & "
            f"{_tex(p.eta_star)} \\\\"
        )
    lines += [r"\hline", r"\end{tabular}"]
    if analysis.components:
        lines += ["", r"\begin{tabular}{llll}", r"\hline",
                  r"component & type & $\inf \lambda_{\max}$ & $\eta_{\mathrm{crit}}$ \\",
                  r"\hline"]
        for c in analysis.components:
            eqs = ", ".join(f"${sp.latex(e)} = 0$" for e in c.component.equations)
            lines.append(
                f"{eqs} & {c.kind} & {_tex(c.lambda_max_infimum)} & {_tex(c.eta_critical)} \\\\"
            )
        lines += [r"\hline", r"\end{tabular}"]
    return "\n".join(lines) + "\n"
