"""Output formats for checked claims: JSON report, JUnit XML, Markdown table, totals.

Each checked claim is a :class:`Checked`: the claim's :class:`~proofs_check.core.Result`,
where the claim comes from (``"seed"`` or ``"<file>:<line>"``), and, if its check crashed,
the error (the result is then ``inconclusive`` and the run counts it as an internal error).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proofs_check.core import Result, Verdict

__all__ = [
    "Checked",
    "Results",
    "check_claims",
    "junit_xml",
    "markdown_table",
    "report_dict",
    "report_json",
    "tool_version",
    "totals",
    "totals_line",
]

#: Version of the JSON report layout; bumped when a key changes meaning or is removed.
REPORT_SCHEMA = 1


@dataclass(frozen=True)
class Checked:
    """One checked claim.

    Attributes
    ----------
    result
        The claim's result.
    origin
        ``"seed"`` or ``"<file>:<line>"`` of its ``[[claim]]`` table.
    error
        One line, when the check raised an unexpected exception (an internal error).
    """

    result: Result
    origin: str = "seed"
    error: str | None = None

    def verdict_text(self) -> str:
        """The verdict, marked when it was expected to differ or when the check crashed."""
        r = self.result
        text = str(r.verdict)
        if self.error is not None:
            return text + " (internal error)"
        if r.unexpected:
            return f"{text} (expected {r.expected})"
        if r.verdict == r.expected != Verdict.HOLDS:
            return f"{text} (as expected)"
        return text

    def reason(self) -> str:
        """Why the claim is not decided (inconclusive / not applicable), one line."""
        return " ".join(self.result.evidence.summary.split())


class Results(tuple):
    """The results of a run of claims (a tuple of :class:`~proofs_check.core.Result`) that
    shows itself as a coloured table in Jupyter and as the totals line in a terminal."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        from proofs_check.display import results_html

        return results_html(list(self))

    def __repr__(self) -> str:
        lines = [f"{r.claim_id}: {Checked(r).verdict_text()} ({r.evidence.label()}, "
                 f"{r.seconds:.2f} s)" for r in self]
        return "\n".join([*lines, totals_line([Checked(r) for r in self])])

    @property
    def unexpected(self) -> tuple[Result, ...]:
        """The results whose verdict is decisive and not the expected one."""
        return tuple(r for r in self if r.unexpected)


def check_claims(claims: Sequence[Any], budget: Any = None) -> Results:
    """Check claims one after another in this process.

    Parameters
    ----------
    claims
        :class:`~proofs_check.core.Claim` objects.
    budget
        A :class:`~proofs_check.core.Budget` (default ``Budget.reduced()``).

    Returns
    -------
    Results
        The results in the order of ``claims``; in Jupyter a coloured table.
    """
    from proofs_check.core import Budget

    budget = Budget.reduced() if budget is None else budget
    return Results(claim.check(budget) for claim in claims)


def tool_version() -> str:
    """The installed version of symstab (``"unknown"`` when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("symstab")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def totals(checked: Sequence[Checked]) -> dict[str, Any]:
    """Counts by verdict, internal errors and total seconds.

    Parameters
    ----------
    checked
        The checked claims.

    Returns
    -------
    dict
        Keys ``claims``, ``holds``, ``fails``, ``inconclusive``, ``not_applicable``,
        ``unexpected`` (decisive verdicts other than the claim's expected one: what fails a
        run), ``errors`` (ints) and ``seconds`` (float).
    """
    count = {v: 0 for v in Verdict}
    for c in checked:
        count[c.result.verdict] += 1
    return {
        "claims": len(checked),
        "holds": count[Verdict.HOLDS],
        "fails": count[Verdict.FAILS],
        "inconclusive": count[Verdict.INCONCLUSIVE],
        "not_applicable": count[Verdict.NOT_APPLICABLE],
        "unexpected": sum(c.result.unexpected for c in checked),
        "errors": sum(c.error is not None for c in checked),
        "seconds": round(sum(c.result.seconds for c in checked), 3),
    }


def totals_line(checked: Sequence[Checked]) -> str:
    """One line, e.g. ``"5 claims: 3 hold, 2 fail (1 as expected), 0 inconclusive, 0 not
    applicable (2.1 s)"``."""
    t = totals(checked)
    as_expected = sum(c.result.verdict is Verdict.FAILS and not c.result.unexpected
                      for c in checked)
    fails = f"{t['fails']} fail{'s' if t['fails'] == 1 else ''}"
    if as_expected:
        fails += f" ({as_expected} as expected)"
    errors = f", {t['errors']} internal error(s)" if t["errors"] else ""
    return (f"{t['claims']} claim{'s' if t['claims'] != 1 else ''}: {t['holds']} hold, "
            f"{fails}, {t['inconclusive']} inconclusive, {t['not_applicable']} not "
            f"applicable{errors} ({t['seconds']:.1f} s)")


def report_dict(checked: Sequence[Checked], *, budget: str) -> dict[str, Any]:
    """The JSON report as a dict with stable keys.

    Parameters
    ----------
    checked
        The checked claims.
    budget
        Name of the budget used (``"reduced"`` or ``"full"``).

    Returns
    -------
    dict
        ``schema``, ``tool``, ``version``, ``budget``, ``totals`` (see :func:`totals`) and
        ``results``: one :meth:`Result.to_dict` per claim with two more keys, ``origin``
        and ``error`` (null unless the check crashed).
    """
    results = []
    for c in checked:
        entry = c.result.to_dict()
        entry["origin"] = c.origin
        entry["error"] = c.error
        results.append(entry)
    return {
        "schema": REPORT_SCHEMA,
        "tool": "proofs-check",
        "version": tool_version(),
        "budget": budget,
        "totals": totals(checked),
        "results": results,
    }


def report_json(checked: Sequence[Checked], *, budget: str) -> str:
    """:func:`report_dict` as indented JSON text."""
    return json.dumps(report_dict(checked, budget=budget), indent=2, ensure_ascii=False,
                      default=str) + "\n"


def junit_xml(checked: Sequence[Checked], *, suite: str = "proofs-check") -> str:
    """A JUnit XML document: one testcase per claim.

    An unexpected verdict (``fails`` for a claim expected to hold, or the reverse) becomes a
    ``<failure>`` with :meth:`Result.explain` as its text; ``inconclusive`` and
    ``not applicable`` become ``<skipped>`` with the reason; a crashed check an ``<error>``.

    Parameters
    ----------
    checked
        The checked claims.
    suite
        Name of the test suite.

    Returns
    -------
    str
        The XML document (UTF-8 declaration included).
    """
    t = totals(checked)
    root = ET.Element("testsuites")
    suite_el = ET.SubElement(root, "testsuite", {
        "name": suite,
        "tests": str(t["claims"]),
        "failures": str(t["unexpected"]),
        "errors": str(t["errors"]),
        "skipped": str(t["inconclusive"] + t["not_applicable"] - t["errors"]),
        "time": f"{t['seconds']:.3f}",
    })
    for c in checked:
        r = c.result
        attrs = {"classname": "seeds", "name": r.claim_id, "time": f"{r.seconds:.3f}"}
        file, _, line = c.origin.rpartition(":")
        if c.origin != "seed" and file and line.isdigit():
            attrs.update(classname=Path(file).name.removesuffix(".toml").replace(".", "_"),
                         file=file, line=line)
        case = ET.SubElement(suite_el, "testcase", attrs)
        props = ET.SubElement(case, "properties")
        for name, value in (("verdict", str(r.verdict)), ("expected", str(r.expected)),
                            ("evidence", r.evidence.label()), ("source", str(r.source))):
            ET.SubElement(props, "property", {"name": name, "value": value})
        if c.error is not None:
            el = ET.SubElement(case, "error", {"message": c.error})
            el.text = c.error
        elif r.unexpected:
            first = str(r.counterexample) if r.counterexample else r.evidence.summary
            first = f"{r.verdict} (expected {r.expected}): {first}"
            el = ET.SubElement(case, "failure", {"message": " ".join(first.split())})
            el.text = r.explain()
        elif r.verdict in (Verdict.INCONCLUSIVE, Verdict.NOT_APPLICABLE):
            ET.SubElement(case, "skipped", {"message": f"{r.verdict}: {c.reason()}"})
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown_table(checked: Sequence[Checked]) -> str:
    """A Markdown table (claim, source, verdict, evidence, time) and the totals line.

    Parameters
    ----------
    checked
        The checked claims.

    Returns
    -------
    str
        Markdown text ending in a newline.
    """
    lines = ["| claim | source | verdict | evidence | time (s) |",
             "|---|---|---|---|---:|"]
    for c in checked:
        r = c.result
        verdict = f"**{c.verdict_text()}**" if r.unexpected else c.verdict_text()
        source = c.origin if r.source.paper == "user claim" and c.origin != "seed" \
            else str(r.source)
        lines.append(f"| `{_md_cell(r.claim_id)}` | {_md_cell(source)} | {verdict} | "
                     f"{_md_cell(r.evidence.label())} | {r.seconds:.2f} |")
    lines.extend(["", totals_line(checked)])
    return "\n".join(lines) + "\n"
