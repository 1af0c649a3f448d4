"""Rich displays of claim results for Jupyter: verdicts as a coloured HTML table.

:class:`~proofs_check.core.Result` and :class:`~proofs_check.report.Results` use
:func:`results_html` for ``_repr_html_``. This module reads results by their attributes
only (it imports nothing from the package), so that every module may use it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

__all__ = ["VERDICT_COLORS", "results_html"]

#: Background colour of a verdict cell: holds green, fails red (an expected failure
#: violet), inconclusive amber, not applicable grey.
VERDICT_COLORS = {
    "holds": "#c8eec8",
    "fails": "#f6b8b8",
    "fails (as expected)": "#e2ccf2",
    "inconclusive": "#fbe6a6",
    "not applicable": "#e4e4e4",
}


def _verdict(r: Any) -> tuple[str, str]:
    """The verdict's text and colour (an unexpected verdict is marked and red)."""
    text = str(r.verdict)
    if r.unexpected:
        return f"{text} (expected {r.expected})", VERDICT_COLORS["fails"]
    if text == str(r.expected) != "holds":
        return f"{text} (as expected)", VERDICT_COLORS.get(f"{text} (as expected)",
                                                          VERDICT_COLORS["fails"])
    return text, VERDICT_COLORS.get(text, "#ffffff")


def results_html(results: Sequence[Any], *, details: bool | None = None) -> str:
    """A coloured HTML table of claim results (claim, source, verdict, evidence, time).

    Parameters
    ----------
    results
        :class:`~proofs_check.core.Result` objects.
    details
        Add a row with the evidence summary and any counterexample under each claim
        (default: only when there is a single result).

    Returns
    -------
    str
        An HTML fragment ending with the totals.
    """
    details = len(results) == 1 if details is None else details
    cell = "style='text-align:left;vertical-align:top'"
    out = ["<table>", "<tr>" + "".join(f"<th {cell}>{h}</th>" for h in
                                       ("claim", "source", "verdict", "evidence", "time"))
           + "</tr>"]
    counts: dict[str, int] = {}
    for r in results:
        text, colour = _verdict(r)
        counts[str(r.verdict)] = counts.get(str(r.verdict), 0) + 1
        out.append(
            f"<tr><td {cell}><code>{html.escape(r.claim_id)}</code></td>"
            f"<td {cell}>{html.escape(str(r.source))}</td>"
            f"<td style='text-align:left;vertical-align:top;background:{colour}'>"
            f"<b>{html.escape(text)}</b></td>"
            f"<td {cell}>{html.escape(r.evidence.label())}</td>"
            f"<td style='text-align:right;vertical-align:top'>{r.seconds:.2f} s</td></tr>")
        if details:
            lines = [f"<i>{html.escape(r.title)}</i>",
                     f"evidence: {html.escape(r.evidence.summary)}"]
            if r.counterexample is not None:
                lines.append(f"counterexample: {html.escape(str(r.counterexample))}")
            out.append(f"<tr><td {cell} colspan='5'><small>{'<br>'.join(lines)}</small>"
                       "</td></tr>")
    out.append("</table>")
    summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    seconds = sum(r.seconds for r in results)
    claims = f"{len(results)} claim{'s' if len(results) != 1 else ''}"
    out.append(f"<p><small>{claims}: {html.escape(summary)} ({seconds:.1f} s)</small></p>")
    return "\n".join(out)
