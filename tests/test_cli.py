"""The CLI: output formats, stable JSON keys, and one-line errors with exit code 2."""

import json
import math
import subprocess
import sys
from fractions import Fraction

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


def test_trajectory_quadratic_closed_form(capsys):
    # f = x²/2 at η = 1/2: x_k = 3/2^k exactly; loss falls at every step; label 1
    code, out, _ = _run(capsys, "trajectory", "x**2/2", "--eta", "1/2", "--from", "3",
                        "--format", "json")
    assert code == 0
    data = json.loads(out)
    c = data["classification"]
    assert (c["outcome"], c["label"], c["stable"]) == ("converged", 1, True)


def test_trajectory_period_two_at_eta_two(capsys):
    # f = x²/2 at η = 2: x ↦ -x, a 2-cycle
    code, out, _ = _run(capsys, "trajectory", "x**2/2", "--eta", "2", "--from", "1",
                        "--format", "json")
    assert code == 0
    c = json.loads(out)["classification"]
    assert (c["outcome"], c["period"]) == ("periodic", 2)


@pytest.mark.parametrize("point", ["1.5", "1.5,x", "1.5,__import__('os')", "1,2,3", "nan,1"])
def test_trajectory_bad_point_is_one_line_exit_2(capsys, point):
    code, _, err = _run(capsys, "trajectory", "f4", "--eta", "0.3", "--from", point)
    assert code == 2
    assert err.count("\n") == 1 and "--from" in err


def test_basin_quadratic_all_stable(capsys):
    # f = (x² + 3y²)/2 at η = 1/2: the GD map is a linear contraction, every start converges stably
    code, out, _ = _run(capsys, "basin", "(x**2 + 3*y**2)/2", "--eta", "1/2",
                        "--grid", "-1,1,5;-1,1,5", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {int(k): v for k, v in data["fractions"].items()} == {1: 1.0}
    assert data["recheck"]["disagreements"] == []


def test_basin_certified_measure_of_a_contraction_is_one(capsys):
    # f = (x² + 3y²)/2 at η = 1/2: G is linear with factors 1/2 and −1/2, every start
    # converges with the loss falling at every step, so both bounds can reach 1 exactly
    code, out, _ = _run(capsys, "basin", "(x**2 + 3*y**2)/2", "--eta", "1/2",
                        "--grid", "-1,1,5;-1,1,5", "--certified-measure", "--format", "json")
    assert code == 0
    bound = json.loads(out)["certified_measure"]
    assert bound["converging_fraction"]["exact"] == "1"
    assert bound["stable_fraction"]["exact"] == "1"
    assert bound["strength"] == "certified"
    assert bound["window"] == [["-1", "1"], ["-1", "1"]]
    assert bound["sampled"]["converging"]["fraction"] == 1.0


def _wilson_95(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval at 95%, from its formula."""
    z = 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_basin_certified_measure_beside_the_sampled_fraction(capsys):
    # f = x²/2 − x⁴/4 at η = 1/2: G(x) = x/2 + x³/2, so |G(x)| < |x| exactly on (−1, 1)
    # (every start there converges to 0 with falling loss), ±1 are fixed points and
    # |x| > 1 diverges: the converging set is (−1, 1), half of [−2, 2].
    # Certified bound: 16 initial cells of width 1/4 bisected at most 4 times give cells of
    # width 1/64; a cell touching ±1 holds a point that does not converge, every other
    # cell inside (−1, 1) can be proved, so the best bound is (2 − 2/64)/4 = 63/128.
    # Sampled: the grid points −2 + k/10 strictly inside (−1, 1) are k = 11..29: 19 of 41.
    code, out, _ = _run(capsys, "basin", "x**2/2 - x**4/4", "--eta", "1/2",
                        "--grid", "-2,2,41", "--certified-measure", "--measure-depth", "4")
    assert code == 0
    line = next(row for row in out.splitlines() if "V_η (converging)" in row)
    value = line.split(">=")[1].split()[0]
    # a lower bound is printed rounded down: 63/128 = 0.4921875 shows as 0.492187
    assert Fraction(value) <= Fraction(63, 128) < Fraction(value) + Fraction(1, 10**6)
    assert f"sampled {19 / 41:.4f}" in line
    low, high = _wilson_95(19, 41)
    assert f"Wilson 95% [{low:.4f}, {high:.4f}]" in line
    code, out, _ = _run(capsys, "basin", "x**2/2 - x**4/4", "--eta", "1/2",
                        "--grid", "-2,2,41", "--certified-measure", "--measure-depth", "4",
                        "--format", "json")
    bound = json.loads(out)["certified_measure"]
    assert Fraction(bound["converging_fraction"]["exact"]) == Fraction(63, 128)
    assert bound["sampled"]["converging"]["count"] == 19
    assert "certified lower bounds on [-2, 2]" in out


def test_basin_certified_measure_bad_depth_is_one_line_exit_2(capsys):
    code, _, err = _run(capsys, "basin", "f4", "--eta", "1/2", "--grid", "-2,2,5;-2,2,5",
                        "--certified-measure", "--measure-depth", "99")
    assert code == 2
    assert err.count("\n") == 1 and "--measure-depth" in err


@pytest.mark.parametrize("grid", ["-3,3", "-3,3,10;a,3,10", "-3,3,0;-3,3,10", "3,-3,5;0,1,5",
                                  "-3,3,10;-3,3,10;0,1,2", "-3,3,1e9;0,1,5"])
def test_basin_bad_grid_is_one_line_exit_2(capsys, grid):
    code, _, err = _run(capsys, "basin", "f4", "--eta", "0.5", "--grid", grid)
    assert code == 2
    assert err.count("\n") == 1 and "--grid" in err


def test_blowup_is_stopped_by_the_budget_not_a_hang(capsys):
    code, _, err = _run(capsys, "analyze", "(x+y+z+w+v)**40", "--timeout", "1")
    assert code == 3
    assert err.count("\n") == 1 and "budget" in err


def test_sweep_xy_fraction_vanishes_past_critical_eta(capsys):
    # ½(1-xy)²: exact critical η = 1 (inf of λmax = x²+y² on xy = 1 is 2); past it GD converges
    # only from a null set, so no sampled initialisation converges
    code, out, _ = _run(capsys, "sweep", "xy", "--etas", "0.3,1.2", "-n", "300",
                        "--format", "json")
    assert code == 0
    points = json.loads(out)["points"]
    # reference: the command's defaults (box [−3, 3]², seed 0, 5000 steps) in a NumPy GD
    # loop, grad = (xy − 1)(y, x); a start counts when it ends on xy = 1 with
    # x² + y² < 2/η (the nonzero Hessian eigenvalue at a minimum)
    import numpy as np

    start = np.random.default_rng(0).uniform([-3.0, -3.0], [3.0, 3.0], size=(300, 2))
    x, y = start[:, 0].copy(), start[:, 1].copy()
    with np.errstate(all="ignore"):
        for _ in range(5000):
            r = x * y - 1
            x, y = x - 0.3 * r * y, y - 0.3 * r * x
        ok = np.isfinite(x) & (np.abs(x * y - 1) < 1e-8) & (x * x + y * y < 2 / 0.3)
    assert points[0]["n_converged"] == int(ok.sum())
    assert points[0]["fraction"] == int(ok.sum()) / 300
    assert points[1]["n_converged"] == 0


@pytest.mark.parametrize("etas", ["0.1:1", "1:0.1:5", "0.1:1:1", "a,b", "0,1", ""])
def test_sweep_bad_etas_is_one_line_exit_2(capsys, etas):
    code, _, err = _run(capsys, "sweep", "xy", "--etas", etas)
    assert code == 2
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", [["symstab", "catalog"], ["proofs-check", "--list"]])
def test_a_closed_pipe_ends_quietly_with_141(command):
    # like `symstab catalog | head -1`: the reader is gone before the output is written;
    # 141 = 128 + SIGPIPE, not 1 ("a claim fails") and no traceback
    import subprocess

    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    assert proc.wait(timeout=120) == 141
    assert proc.stderr.read() == b""


@pytest.mark.parametrize("eta", ["pi/10", "E/10", "log(2)/10"])
@pytest.mark.parametrize("command", ["analyze", "basin", "sweep", "trajectory"])
def test_transcendental_step_sizes_are_refused_alike(capsys, command, eta):
    args = {"analyze": ["--eta", eta], "basin": ["--eta", eta],
            "sweep": ["--etas", eta], "trajectory": ["--eta", eta, "--from", "1,1"]}[command]
    code, _, err = _run(capsys, command, "f4", *args)
    assert code == 2
    assert err.count("\n") == 1 and "algebraic" in err
