"""Reliability at the edges: grids in any dimension, budgets, memory, atomic writes,
files only where the user asked for them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symstab.cli import main
from symstab.storage import write_atomic


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "symstab", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_three_parameter_grid_maps_every_point(capsys) -> None:
    code = main(["basin", "x**2+y**2+z**2", "--eta", "1/2", "--grid",
                 "-1,1,5;-1,1,5;-1,1,5", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["grid"]["kind"] == "grid"
    assert [a["count"] for a in data["grid"]["axes"]] == [5, 5, 5]
    # GD on Σx² at η = 1/2 lands on 0 in one step from every start: all 125 converge
    assert [(e["label"], e["count"]) for e in data["labels"]] == [(1, 125)]


def test_a_huge_grid_is_refused_with_its_memory_estimate(capsys) -> None:
    code = main(["basin", "x**2+y**2+z**2", "--eta", "1/2", "--grid",
                 "-1,1,10000;-1,1,10000;-1,1,10000"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    # 10¹² points × (32·3 + 40) bytes ≈ 1.27e5 GiB
    assert "1.27e+05 GiB" in err


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1e308", "soon"])
def test_bad_timeouts_are_bad_input(value: str, capsys) -> None:
    assert main(["analyze", "f1", "--timeout", value]) == 2
    assert main(["trajectory", "f1", "--eta", "1/2", "--from", "0.1,0.1",
                 "--timeout", value]) == 2
    assert "--timeout" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("loss,start", [
    ("+".join(f"a{i}**2" for i in range(40)), ",".join(["0.5"] * 40)),
    ("x**12 + y**12 + z**12 + x**5*y**3*z**4 - x*y*z", "0.5,0.5,0.5"),
])
def test_trajectory_honours_its_timeout(loss: str, start: str) -> None:
    started = time.monotonic()
    result = _cli("trajectory", loss, "--eta", "1/100", "--from", start, "--steps", "100",
                  "--timeout", "10")
    assert time.monotonic() - started < 15 + 10  # interpreter start-up under load
    assert result.returncode in (0, 3), result.stderr
    if result.returncode == 3:
        assert result.stderr.count("\n") == 1 and "budget" in result.stderr


def test_orbits_print_what_finished_then_exit_3() -> None:
    result = _cli("orbits", "x**64 + y**64", "--eta", "1/10", "--timeout", "4")
    assert result.returncode == 3
    assert "period 2:" in result.stdout  # the numerical search finished
    assert "exact: incomplete" in result.stdout
    assert result.stderr.count("\n") == 1 and "not finished" in result.stderr


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path: Path,
                                                           monkeypatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("old report")

    class Boom(RuntimeError):
        pass

    def fail(*args, **kwargs):
        raise Boom

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(Boom):
        write_atomic(target, "new report that never lands")
    assert target.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary left
    monkeypatch.undo()
    write_atomic(target, "new report")
    assert target.read_text() == "new report"


def test_proofs_check_leaves_no_hypothesis_directory(tmp_path: Path) -> None:
    env = {**os.environ, "SYMSTAB_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run([sys.executable, "-m", "proofs_check", "--only",
                             "descent.lemma.quadratics", "-j", "1"], cwd=work, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert not (work / ".hypothesis").exists()


def test_deep_nesting_is_bad_input(capsys, tmp_path: Path) -> None:
    nested = "sigmoid(" * 40 + "x" + ")" * 40
    assert main(["analyze", nested, "--timeout", "5"]) == 2
    assert "nested too deeply" in capsys.readouterr().err
    from proofs_check.cli import main as proofs_main

    deep = tmp_path / "deep.toml"
    deep.write_text('[[claim]]\nid = "a"\nloss = "f4"\nproperty = "threshold_equals"\n'
                    "expected = " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert proofs_main([str(deep)]) == 2
    assert "nested too deeply" in capsys.readouterr().err


def test_integer_coefficients_beyond_64_bits_compile(capsys) -> None:
    # 2⁶³ x² + y² at η = 10⁻²⁰: every start converges to 0 (contraction 1 − 2·2⁶³η ≈ 0.8)
    code = main(["basin", "9223372036854775808*x**2 + y**2", "--eta", "1/100000000000000000000",
                 "--grid", "-1,1,3;-1,1,3", "--max-steps", "10", "--format", "json"])
    assert code == 0, capsys.readouterr().err


def test_an_unwritable_report_is_bad_input_and_devices_are_not_replaced(capsys) -> None:
    from proofs_check.cli import main as proofs_main

    assert proofs_main(["--only", "chen.threshold.f1", "-j", "1", "--report", "/dev/full"]) == 2
    assert "No space left" in capsys.readouterr().err
    assert Path("/dev/full").is_char_device()
    write_atomic("/dev/null", "into a device, in place")
    assert Path("/dev/null").is_char_device()


def test_smaller_input_edges_are_bad_input(capsys, tmp_path: Path) -> None:
    # fullwidth digits in a grid count, a negative number of workers
    assert main(["basin", "f4", "--eta", "1/2", "--grid", "-3,3,１０;-3,3,10"]) == 2
    assert main(["sweep", "xy", "--etas", "0.5", "-n", "10", "--workers", "-1"]) == 2
    # a loss that starts with '-' is taken for an option: the error says to use '--'
    assert main(["analyze", "-x**2"]) == 2
    assert "goes after '--'" in capsys.readouterr().err
    assert main(["analyze", "--", "-x**2+y**2"]) == 0
    capsys.readouterr()
    # an unwritable --plot path is refused before the map is computed
    started = time.monotonic()
    assert main(["basin", "f4", "--eta", "1/2", "--grid", "-3,3,3000;-3,3,3000",
                 "--plot", str(tmp_path / "missing" / "map.png")]) == 2
    assert time.monotonic() - started < 10
