"""`proofs-check`: exit codes 0/1/2/70, JSON report, JUnit XML, Markdown, --list, --only."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from proofs_check import cli
from proofs_check.cli import main
from proofs_check.core import Claim, Counterexample, Evidence, Source, Verdict
from symstab.evidence import Strength


def _claim(claim_id: str, verdict: Verdict, *, expected: Verdict = Verdict.HOLDS,
           strength: Strength = Strength.EXACT, crash: bool = False) -> Claim:
    """A hand-made claim whose check returns ``verdict`` (a counterexample when it fails)."""

    def run(budget):
        if crash:
            raise ZeroDivisionError("boom in the check")
        witness = None
        if verdict is Verdict.FAILS:
            witness = Counterexample("GD diverged", point=("0.5", "2"), eta="9/10")
        return verdict, Evidence(strength, f"hand-made {verdict}"), witness

    return Claim(claim_id, f"title of {claim_id}", "statement", "", Source("Test 2024", "Thm 1"),
                 run=run, expected=expected)


HOLDS = _claim("t.holds", Verdict.HOLDS)
FAILS = _claim("t.fails", Verdict.FAILS)
UNDECIDED = _claim("t.undecided", Verdict.INCONCLUSIVE, strength=Strength.NUMERICAL)
KNOWN_FALSE = _claim("t.known-false", Verdict.FAILS, expected=Verdict.FAILS)
CRASH = _claim("t.crash", Verdict.HOLDS, crash=True)


@pytest.fixture
def seeds(monkeypatch):
    """Replace the seed claims by a list the test sets."""
    claims: list[Claim] = []
    monkeypatch.setattr(cli, "_seed_claims", lambda: list(claims))
    return claims


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_all_hold_exit_0_with_table_and_totals(capsys, seeds):
    seeds += [HOLDS, UNDECIDED, KNOWN_FALSE]
    code, out, err = _run(capsys)
    assert code == 0, err
    for text in ("t.holds", "t.undecided", "t.known-false", "Test 2024, Thm 1", "exact"):
        assert text in out
    assert "3 claims: 1 hold, 1 fails (1 as expected), 1 inconclusive, 0 not applicable" in out
    # undecided claims are said, with their reason
    assert "t.undecided: inconclusive: hand-made inconclusive" in out


def test_a_failing_claim_exits_1_and_shows_its_counterexample(capsys, seeds):
    seeds += [HOLDS, FAILS]
    code, out, _ = _run(capsys)
    assert code == 1
    assert "counterexample: GD diverged at θ = (0.5, 2), η = 9/10" in out


def test_a_known_false_claim_that_holds_exits_1(capsys, seeds):
    seeds.append(_claim("t.surprise", Verdict.HOLDS, expected=Verdict.FAILS))
    code, out, _ = _run(capsys)
    assert code == 1 and "holds (expected fails)" in out


def test_crash_in_a_check_is_exit_70_after_the_other_claims(capsys, seeds, tmp_path,
                                                           monkeypatch):
    monkeypatch.delenv("SYMSTAB_DEBUG", raising=False)
    seeds += [CRASH, HOLDS]
    report = tmp_path / "r.json"
    code, out, err = _run(capsys, "--report", str(report))
    assert code == 70
    # one line per checked claim (off a terminal), then the error in one line
    progress = [line for line in err.splitlines() if line.startswith("[")]
    errors = [line for line in err.splitlines() if not line.startswith("[")]
    assert len(progress) == 2 and any("t.crash: inconclusive" in p for p in progress)
    assert len(errors) == 1 and "internal error" in errors[0] and "boom in the check" in err
    assert "Traceback" not in err and "t.holds" in out
    data = json.loads(report.read_text())
    assert data["totals"]["errors"] == 1
    assert data["results"][0]["error"] == "ZeroDivisionError: boom in the check"


def test_symstab_debug_shows_the_traceback(seeds, monkeypatch):
    monkeypatch.setenv("SYMSTAB_DEBUG", "1")
    seeds.append(CRASH)
    with pytest.raises(ZeroDivisionError):
        main([])


def test_report_json_has_results_totals_and_version(capsys, seeds, tmp_path):
    seeds += [HOLDS, FAILS, UNDECIDED]
    report = tmp_path / "out.json"
    code, _, _ = _run(capsys, "--report", str(report), "--budget", "reduced")
    assert code == 1
    data = json.loads(report.read_text(encoding="utf-8"))
    assert set(data) == {"schema", "tool", "version", "budget", "totals", "results"}
    assert data["tool"] == "proofs-check" and data["budget"] == "reduced"
    assert data["version"] and data["version"] != "unknown"
    assert data["totals"] == {"claims": 3, "holds": 1, "fails": 1, "inconclusive": 1,
                              "not_applicable": 0, "unexpected": 1, "errors": 0,
                              "seconds": data["totals"]["seconds"]}
    assert [r["id"] for r in data["results"]] == ["t.holds", "t.fails", "t.undecided"]
    failed = data["results"][1]
    assert failed["verdict"] == "fails" and failed["origin"] == "seed"
    assert failed["counterexample"] == {"description": "GD diverged", "point": ["0.5", "2"],
                                        "eta": "9/10"}
    assert {"id", "title", "source", "verdict", "evidence", "hypotheses", "counterexample",
            "seconds", "origin", "error"} <= set(failed)


def test_junit_xml_parses_with_failures_and_skips(capsys, seeds, tmp_path):
    seeds += [HOLDS, FAILS, UNDECIDED, KNOWN_FALSE]
    junit = tmp_path / "out.xml"
    code, _, _ = _run(capsys, "--junit", str(junit))
    assert code == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "1", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"t.holds", "t.fails", "t.undecided", "t.known-false"}
    failure = cases["t.fails"].find("failure")
    assert failure is not None and "counterexample: GD diverged" in (failure.text or "")
    skipped = cases["t.undecided"].find("skipped")
    assert skipped is not None and "hand-made inconclusive" in skipped.get("message", "")
    assert len(list(suite.iter("failure"))) == 1
    assert cases["t.known-false"].find("failure") is None


def test_markdown_table(capsys, seeds):
    seeds += [HOLDS, FAILS]
    code, out, _ = _run(capsys, "--markdown")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "| claim | source | verdict | evidence | time (s) |"
    assert lines[1].startswith("|---|")
    assert lines[2].startswith("| `t.holds` | Test 2024, Thm 1 | holds | exact |")
    assert "**fails (expected holds)**" in lines[3]
    assert "┃" not in out  # no rich table


def test_list_and_only(capsys, seeds):
    seeds += [HOLDS, FAILS, UNDECIDED]
    code, out, _ = _run(capsys, "--list")
    assert code == 0
    assert out.splitlines() == [f"{c.id}\ttitle of {c.id}\t[Test 2024, Thm 1]"
                                for c in (HOLDS, FAILS, UNDECIDED)]
    code, out, _ = _run(capsys, "--only", "t.h*", "--only", "t.und*")
    assert code == 0 and "t.holds" in out and "t.fails" not in out


@pytest.mark.parametrize("args", [
    ["--only", "nothing*"],
    ["--budget", "huge"],
    ["--no-such-option"],
    ["--report", "/no/such/dir/r.json"],
    ["--junit", "."],
    ["missing-claims.toml"],
])
def test_bad_input_is_one_line_exit_2(capsys, seeds, args):
    seeds.append(HOLDS)
    code, _, err = _run(capsys, *args)
    assert code == 2, (args, err)
    assert err.count("\n") == 1 and err.startswith("proofs-check: error:"), err
    assert "Traceback" not in err


def test_claims_files_from_the_command_line(capsys, tmp_path, monkeypatch):
    # x²/2 + y²: Hessian diag(1, 2), λmax = 2, η* = 2/λmax = 1 (by hand)
    monkeypatch.chdir(tmp_path)
    good = ('[[claim]]\nid = "q"\nloss = "x**2/2 + y**2"\nproperty = "threshold_equals"\n'
            'expected = "1"\n')
    Path("claims_good.toml").write_text(good)
    Path("claims_bad.toml").write_text(good.replace('"q"', '"q2"').replace('"1"', '"1/2"'))
    code, out, _ = _run(capsys, "claims_good.toml")
    assert code == 0 and "claims_good.toml:1" in out
    code, out, _ = _run(capsys, "claims_good.toml", "claims_bad.toml", "--markdown")
    assert code == 1 and "2 claims: 1 hold, 1 fails" in out
    assert "counterexample: minimum with η* = 1" in out
    # the same id in two files
    code, _, err = _run(capsys, "claims_good.toml", "claims_good.toml")
    assert code == 2 and "appears in claims_good.toml:1 and claims_good.toml:1" in err


def test_console_script_is_installed():
    # installing the project (README: pip install ...) installs the console script
    script = Path(sys.executable).parent / "proofs-check"
    assert script.exists()
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "proofs-check" in done.stdout


EXAMPLES = Path(__file__).parent.parent / "examples" / "claims"


def test_example_claims_files(capsys, tmp_path):
    # claims_holds.toml: values from Chen et al. (η* = 10/19 for f4, 1/6 for f3) and by hand
    code, out, _ = _run(capsys, str(EXAMPLES / "claims_holds.toml"), "--budget", "reduced")
    assert code == 0 and "7 claims: 7 hold, 0 fail," in out
    junit = tmp_path / "false.xml"
    code, out, _ = _run(capsys, str(EXAMPLES / "claims_false.toml"), "--budget", "reduced",
                        "--junit", str(junit))
    assert code == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    failed = {c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert failed == {"f4-threshold-wrong", "xy-converges-beyond-critical"}
    assert "counterexample: minimum with η* = 10/19 ≠ 1/2" in out
