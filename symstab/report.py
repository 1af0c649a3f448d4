"""Render results as a terminal table, JSON, Markdown or LaTeX.

Renderers only format; they compute nothing. The JSON is ``Analysis.to_dict()``
(stable keys, exact values as strings; documented in ``docs/json.md``).
"""

from __future__ import annotations

import io
import json
import os
import sys
import textwrap
from typing import Any

import sympy as sp
from rich import box
from rich.console import Console
from rich.table import Table

from symstab.evidence import Value
from symstab.exact.analysis import Analysis, component_to_dict
from symstab.exact.display import MORSE_BOTT_LEGEND

FORMATS = ("table", "json", "markdown", "latex")

#: Width of the table format, in columns, when ``COLUMNS`` is not set.
WIDTH = 80

#: An expression longer than this many lines of the table is abbreviated there (the whole
#: text is in ``--format json`` and ``--format markdown``).
EXPRESSION_LINES = 4


def table_width() -> int:
    """Columns of the table format, 60 to 160: ``COLUMNS`` when set, else the terminal's
    width when the output is a terminal, else :data:`WIDTH`."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        try:
            columns = os.get_terminal_size(sys.stdout.fileno()).columns \
                if sys.stdout.isatty() else WIDTH
        except (OSError, ValueError, AttributeError):
            columns = WIDTH
    return min(160, max(60, columns))


def abbreviate(text: str, limit: int | None) -> str:
    """``text``, or (when longer than ``limit``) its first half-limit characters cut at a
    term boundary, with the count of characters left out.

    Parameters
    ----------
    text
        An expression as text (``sympy.sstr``).
    limit
        Most characters to keep; ``None`` keeps everything.
    """
    if limit is None or len(text) <= limit:
        return text
    keep = limit // 2
    cut = max(text.rfind(" + ", 0, keep), text.rfind(" - ", 0, keep))
    cut = cut if cut > keep // 2 else keep
    return (f"{text[:cut]} … ({len(text) - cut} more characters; the whole expression is "
            "in --format json or markdown)")


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

_POINT_HEADER = ("#", "point", "f", "type", "eigenvalues", "λmax", "η* = 2/λmax", "at η")
_COMPONENT_HEADER = ("equations", "dim", "f", "type", "λmax on it", "inf λmax", "η crit")
_POINTS_LEGEND = ("# (or #k) is the label of a minimum, the same as in basin maps; η* is "
                  "about that minimum alone")


def _value(v: Value | None, approx: bool = True) -> str:
    if v is None:
        return "—"
    if v.exact is None:
        return f"≈{v.decimal}"
    if not approx or v.exact == v.decimal or v.exact == "oo" or (
        v.expr is not None and v.expr.is_Rational
    ):
        return v.exact
    return f"{v.exact} ≈ {_short(v.decimal)}"


def _short(decimal: str, digits: int = 6) -> str:
    try:
        return f"{float(decimal):.{digits}g}"
    except ValueError:
        return decimal


def _point_header(analysis: Analysis) -> tuple[str, ...]:
    return _POINT_HEADER if analysis.eta is not None else _POINT_HEADER[:-1]


def _coords(p: Any) -> str:
    return "(" + ", ".join(c.exact or c.decimal for c in p.coordinates) + ")"


def _point_rows(analysis: Analysis) -> list[tuple[str, ...]]:
    rows = []
    for p in analysis.points:
        eig = ", ".join(
            (v.exact or v.decimal) + (f" (×{m})" if m > 1 else "") for v, m in p.eigenvalues
        )
        kind = p.kind + (", global" if p.global_minimum else "")
        row = (
            str(p.label) if p.label is not None else "", _coords(p),
            _value(p.loss_value, False), kind, eig, _value(p.lambda_max), _value(p.eta_star),
            p.stability.split(" (")[0] if p.stability else "—",
        )
        rows.append(row if analysis.eta is not None else row[:-1])
    return rows


def _degenerate_items(analysis: Analysis) -> list[str]:
    """The type and evidence of each point with a singular Hessian, then its notes."""
    items = []
    for p in analysis.points:
        if not p.degenerate:
            continue
        label = f" #{p.label}" if p.label is not None else ""
        items.append(f"{_coords(p)}, {p.kind}{label} ({p.method}): {p.reason}")
        items += [f"{_coords(p)}: {note}" for note in p.notes]
    return items


def _critical_eta_items(analysis: Analysis) -> list[str]:
    """One sentence per set of minima: its critical η, the set, what the number means."""
    return [f"η = {_value(e.eta)} for {e.subject}: {e.meaning}" for e in analysis.critical_etas]


def _wrapped(paragraphs: list[str]) -> list[str]:
    lines = []
    for text in paragraphs:
        lines += textwrap.wrap(text, table_width(), initial_indent="  ",
                               subsequent_indent="      ",
                               break_long_words=False, break_on_hyphens=False)
    return lines


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


#: What the GD map being non-singular means, said under det(I − ηH).
NONSINGULAR_MEANING = ("det(I − ηH) is not identically zero in θ, so the GD map is "
                       "non-singular (its Jacobian is invertible) at almost every θ; it is "
                       "singular only where this polynomial vanishes")


def _summary_lines(analysis: Analysis, limit: int | None = None) -> list[str]:
    """The lines under the tables; expressions longer than ``limit`` are abbreviated."""
    loss = analysis.loss
    gradient = ", ".join(sp.sstr(g) for g in analysis.gradient)
    lines = [f"gradient: ({abbreviate(gradient, limit)})"]
    det = ("not expanded (more than 4 parameters; decided by exact evaluation)"
           if analysis.jacobian_det is None
           else abbreviate(sp.sstr(analysis.jacobian_det), limit))
    if analysis.singular_etas is None:
        verdict = "not decided (loss is not a polynomial)"
    elif not analysis.singular_etas:
        verdict = f"for every η > 0: {NONSINGULAR_MEANING}"
    else:
        etas = ", ".join(sp.sstr(e) for e in analysis.singular_etas)
        verdict = (f"identically zero in θ exactly for η in {{{etas}}} (there the GD map is "
                   "singular at every θ); for any other η > 0 the map is non-singular at "
                   "almost every θ")
    lines.append(f"det(I − ηH) = {det}")
    lines.append(f"  {verdict}")
    if analysis.nonsingular_at_eta is not None:
        lines.append("  at this η: " + (
            "not identically zero (the GD map is non-singular at almost every θ)"
            if analysis.nonsingular_at_eta else
            "identically zero, so the GD map is singular at every θ"))
    modified = abbreviate(sp.sstr(analysis.modified_loss), limit)
    lines.append(f"modified loss f + (η/4)|∇f|² = {modified}")
    weakly_stable = False
    for c in analysis.components:
        ws = c.weakly_stable
        if ws is not None:
            weakly_stable = True
            eqs = _equations(c)
            length = _value(ws.length) if ws.length else "—"
            intervals = ", ".join(f"[{sp.sstr(a)}, {sp.sstr(b)}]" for a, b in ws.intervals)
            lines.append(
                f"M_WS(η) on {{{eqs}}}: {c.arcs[0].parameter} in {intervals or '∅'}; "
                f"arc length {length}"
            )
    if weakly_stable:
        lines.append("  (M_WS(η), the weakly stable minima: the minima on the curve with "
                     "λmax <= 2/η, where GD at step η can stay)")
    if analysis.eta_critical is not None and not analysis.critical_etas:
        lines.append(f"critical η of the loss: {_value(analysis.eta_critical)}")
        lines.append(f"  ({analysis.eta_critical_note})")
    lines.append(f"critical set: {analysis.critical_set_status}"
                 + (" (raise --timeout to finish it)" if _incomplete(analysis) else ""))
    if loss.source:
        lines.append(f"source: {loss.source}")
    lines += [f"note: {n}" for n in analysis.notes]
    for c in analysis.components:
        lines += [f"note ({_equations(c)}): {n}" for n in c.notes]
    return lines


def _incomplete(analysis: Analysis) -> bool:
    return analysis.critical_set_status.startswith("incomplete")


def _morse_bott(analysis: Analysis) -> bool:
    return any("Morse-Bott" in c.kind for c in analysis.components)


def _equations(c: Any) -> str:
    return ", ".join(f"{sp.sstr(e)} = 0" for e in c.component.equations)


def _title(analysis: Analysis, limit: int | None = None) -> str:
    loss = analysis.loss
    params = ", ".join(p.name for p in loss.params)
    eta = f", η = {sp.sstr(analysis.eta)}" if analysis.eta is not None else ""
    return f"{loss.name}: f({params}) = {abbreviate(sp.sstr(loss.expr), limit)}{eta}"


# -- formats ----------------------------------------------------------------------------------


def _table(analysis: Analysis) -> str:
    buffer = io.StringIO()
    width = table_width()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)

    def say(lines: list[str]) -> None:
        for line in lines:
            console.print(line, highlight=False, soft_wrap=True, markup=False)

    say(textwrap.wrap(_title(analysis, EXPRESSION_LINES * width), width,
                      subsequent_indent="    ", break_long_words=False, break_on_hyphens=False))
    n_complex = analysis.n_complex_points
    title = f"Isolated real critical points (exact; {len(analysis.points)} real"
    title += f", {n_complex} non-real not shown)" if n_complex else ")"
    if analysis.points:
        header, rows = _point_header(analysis), _point_rows(analysis)
        widths = _column_widths(header, rows)
        if widths is None:
            say(_records(title, header, rows))
        else:
            console.print(_rich_table(title, header, rows, widths))
        if analysis.isolated_minima:
            say(textwrap.wrap(_POINTS_LEGEND, width))
    elif _incomplete(analysis):
        say(textwrap.wrap("Isolated real critical points: not computed (the critical-set "
                          "computation stopped at its time budget; see 'critical set' below)",
                          width, subsequent_indent="    "))
    else:
        console.print("Isolated real critical points: none", markup=False)
    degenerate = _degenerate_items(analysis)
    if degenerate:
        say(["Points with a singular Hessian, classified by higher-order terms:"])
        say(_wrapped(degenerate))
    if analysis.components:
        rows = _component_rows(analysis)
        title = "Positive-dimensional critical components (exact)"
        widths = _column_widths(_COMPONENT_HEADER, rows)
        if widths is None:
            say(_records(title, ("", *_COMPONENT_HEADER), [("", *row) for row in rows]))
        else:
            console.print(_rich_table(title, _COMPONENT_HEADER, rows, widths))
        for c in analysis.components:
            if c.arcs and len(c.arcs) > 1:
                eqs = _equations(c)
                parts = "; ".join(
                    f"{_interval(a.start, a.end)}: {a.kind}" for a in c.arcs
                )
                say(_wrapped([f"on {{{eqs}}} by {c.arcs[0].parameter}: {parts}"]))
        if _morse_bott(analysis):
            say(textwrap.wrap(MORSE_BOTT_LEGEND, width))
    items = _critical_eta_items(analysis)
    if items:
        say(["Critical step sizes, each about one set of minima:"])
        say(_wrapped(items))
    for line in _summary_lines(analysis, EXPRESSION_LINES * width):
        indent = " " * (len(line) - len(line.lstrip()))
        say(textwrap.wrap(line.strip(), width, initial_indent=indent,
                          subsequent_indent=indent + "    ",
                          break_long_words=False, break_on_hyphens=False) or [line])
    return "\n".join(row.rstrip() for row in buffer.getvalue().rstrip().splitlines()) + "\n"


def _column_widths(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[int] | None:
    """Column widths that fit :func:`table_width` without breaking a word, or ``None``.

    Each column starts at its natural width and the widest ones give way first, never below
    their longest word.
    """
    cells = [[*(row[i] for row in rows), header[i]] for i in range(len(header))]
    natural = [max(len(c) for c in col) for col in cells]
    least = [max(len(w) for c in col for w in c.split() or [""]) for col in cells]
    budget = table_width() - 3 * (len(header) - 1) - 2  # a space at each edge, 3 between
    if sum(least) > budget:
        return None
    widths = list(natural)
    while sum(widths) > budget:
        i = max((j for j in range(len(widths)) if widths[j] > least[j]),
                key=lambda j: widths[j] - least[j])
        widths[i] -= 1
    return widths


def _rich_table(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]],
                widths: list[int]) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  min_width=min(len(title), table_width()))
    for h, w in zip(header, widths, strict=True):
        table.add_column(h, overflow="fold", width=w)
    for row in rows:
        table.add_row(*row)
    return table


def _records(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """The rows of a table too wide for :func:`table_width`, one wrapped paragraph each."""
    def field(h: str, c: str) -> str:
        if h == "type":
            return c
        if h in ("eigenvalues", "dim"):
            return f"{h} {c}"
        return f"{h}: {c}" if h == "at η" else f"{h} = {c}"

    lines = textwrap.wrap(title, table_width(), subsequent_indent="    ")
    for row in rows:
        label = f"#{row[0]} " if row[0] else ""
        fields = "; ".join(field(h, c) for h, c in zip(header[2:], row[2:], strict=True)
                           if c and c != "—")
        lines += _wrapped([f"{label}{row[1]}: {fields}"])
    return lines


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
    if analysis.points or not _incomplete(analysis):
        lines += _md_table(_point_header(analysis), _point_rows(analysis))
    else:
        lines += ["Not computed: the critical-set computation stopped at its time budget."]
    if analysis.isolated_minima:
        lines += ["", _POINTS_LEGEND + "."]
    degenerate = _degenerate_items(analysis)
    if degenerate:
        lines += ["", "**Points with a singular Hessian**", ""]
        lines += [f"- {text}" for text in degenerate]
    if analysis.components:
        lines += ["", "**Positive-dimensional critical components**", ""]
        lines += _md_table(_COMPONENT_HEADER, _component_rows(analysis))
        if _morse_bott(analysis):
            lines += ["", MORSE_BOTT_LEGEND + "."]
    items = _critical_eta_items(analysis)
    if items:
        lines += ["", "**Critical step sizes, each about one set of minima**", ""]
        lines += [f"- {text}" for text in items]
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
