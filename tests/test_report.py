"""The analyze report: what each critical η is about, degenerate points, 80 columns."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from symstab.exact.analysis import analyze
from symstab.loss import Loss
from symstab.report import WIDTH, render

DOCS = Path(__file__).resolve().parents[1] / "docs" / "json.md"


def table(text: str, params: str | None = None, eta=None) -> str:
    loss = Loss.from_text(text, params) if params else Loss.from_catalog(text)
    return render(analyze(loss, eta), "table")


def flat(text: str) -> str:
    """The report with line breaks and indentation folded into single spaces."""
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize(
    ("loss", "params", "eta"),
    [("f1", None, None), ("f3", None, None), ("f4", None, "1/2"), ("xy", None, "1/2"),
     ("chain3", None, None), ("x^2*y^2 + (x+y-1)^4", "x,y", None),
     ("x^3 + y^2", "x,y", None)],
)
def test_table_fits_in_80_columns(loss, params, eta):
    assert WIDTH == 80
    for line in table(loss, params, eta).splitlines():
        assert len(line) <= WIDTH, line


def test_x4_plus_y2_table_reports_the_degenerate_minimum():
    out = flat(table("x^4 + y^2", "x,y"))
    assert "degenerate minimum" in out
    assert "η = 1 for the isolated minimum #1" in out
    assert "along the non-degenerate directions only" in out
    assert "no minimum found" not in out


def test_x3_plus_y2_table_reports_the_degenerate_saddle():
    out = flat(table("x^3 + y^2", "x,y"))
    assert "(0, 0), degenerate saddle" in out
    assert "t**3 + O(t**4): odd order" in out
    assert "Critical step sizes" not in out


def test_f3_table_says_which_set_each_critical_eta_is_about():
    out = flat(table("f3"))
    assert "η = 1/6 for the 4 isolated minima #1, #2, #3, #4" in out
    assert ("η = oo for the non-strict minima on x = 0 with y in (-oo, -sqrt(3)) or "
            "(sqrt(3), oo)") in out
    assert "η = oo for all minima of the loss (isolated and on components)" in out
    assert "the isolated minima alone give 1/6" in out


def test_markdown_lists_the_critical_etas():
    out = render(analyze(Loss.from_catalog("f3")), "markdown")
    assert "**Critical step sizes, each about one set of minima**" in out
    assert "- η = 1/6 for the 4 isolated minima" in out


def test_json_keys_are_documented():
    data = json.loads(render(analyze(Loss.from_text("x^4 + y^2", "x,y")), "json"))
    doc = DOCS.read_text()
    point = data["critical_set"]["points"][0]
    entry = data["critical_set"]["critical_etas"][0]
    xy = json.loads(render(analyze(Loss.from_catalog("xy")), "json"))
    component = xy["critical_set"]["components"][0]
    keys = [*point, *point["classification"], *entry, *component, *data["critical_set"]]
    missing = [k for k in keys if f"`{k}`" not in doc]
    assert not missing, missing
