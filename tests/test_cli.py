"""The CLI: output formats, stable JSON keys, and one-line errors with exit code 2."""

import json
import subprocess
import sys

import pytest

from symstab.cli import main

HOSTILE_LOSSES = [
    "x.__class__",
    "__import__('os').system('echo pwned')",
    "lambda: 1",
    "'abc'",
    "x[0]",
    "[x for x in y]",
    "foo(x)",
    "9**9**9**9",
    "(" * 5000 + "x" + ")" * 5000,
    "x" * 1_000_000,
    "",
    "x +* y",
    "2 + 3",
]
BAD_ETAS = ["0", "-1", "nan", "inf", "abc", "1/0", "x"]


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("text", HOSTILE_LOSSES, ids=lambda t: t[:20])
def test_hostile_loss_text_is_one_line_exit_2(capsys, text):
    code, out, err = _run(capsys, "analyze", text)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("symstab: error:")
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize("eta", BAD_ETAS)
def test_bad_eta_is_one_line_exit_2(capsys, eta):
    code, _, err = _run(capsys, "analyze", "f4", "--eta", eta)
    assert code == 2
    assert err.count("\n") == 1 and "--eta" in err


def test_bad_options_are_one_line_exit_2(capsys):
    for args in (["analyze", "f4", "--format", "xml"], ["analyze"], ["nosuchcommand"],
                 ["analyze", "f4", "--digits", "0"], ["analyze", "f4", "--params", "x,x"],
                 ["analyze", "x**2", "--params", "y"]):
        code, _, err = _run(capsys, *args)
        assert code == 2, args
        assert err.count("\n") == 1, (args, err)


def test_analyze_f4_json_has_stable_keys_and_exact_threshold(capsys):
    code, out, _ = _run(capsys, "analyze", "f4", "--eta", "1/2", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {
        "schema", "loss", "eta", "gradient", "hessian", "gd_map", "jacobian_det",
        "modified_loss", "critical_set", "eta_critical", "eta_critical_note", "notes", "seconds",
    }
    minima = [p for p in data["critical_set"]["points"] if p["kind"] == "minimum"]
    assert {p["eta_star"]["exact"] for p in minima} == {"10/19"}
    assert minima[0]["eta_star"]["strength"] == "exact"
    assert data["eta"]["exact"] == "1/2"


def test_decimal_eta_is_exact(capsys):
    code, out, _ = _run(capsys, "analyze", "x**2", "--eta", "0.05", "--format", "json")
    assert code == 0
    assert json.loads(out)["eta"]["exact"] == "1/20"


@pytest.mark.parametrize("fmt", ["table", "markdown", "latex"])
def test_other_formats_show_the_threshold(capsys, fmt):
    code, out, _ = _run(capsys, "analyze", "f4", "--format", fmt)
    assert code == 0
    assert "10/19" in out or r"\frac{10}{19}" in out


def test_console_script_in_a_real_process_never_prints_a_traceback():
    exe = [sys.executable, "-m", "symstab", "analyze", "x.__class__"]
    proc = subprocess.run(exe, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
