"""A newcomer's first hour (issue 15): output that fits the terminal, lines that say what
they mean, docs for users, plain words with a key, and rich displays in Jupyter."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from proofs_check import cli as pc_cli
from proofs_check.core import Claim, Counterexample, Evidence, Result, Source, Verdict
from proofs_check.report import Results
from symstab.cli import main as symstab_main
from symstab.errors import BudgetExceeded
from symstab.evidence import Strength
from symstab.loss import Loss
from symstab.report import abbreviate, render

ROOT = Path(__file__).resolve().parents[1]


def _symstab(capsys, *args: str) -> tuple[int, str, str]:
    code = symstab_main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _too_long(text: str, width: int) -> list[str]:
    return [line for line in text.splitlines() if len(line) > width]


# -- 1. terminal output that fits ---------------------------------------------------------


@pytest.mark.parametrize("loss", ["f1", "f2", "f3", "f4", "xy", "chain3", "linear-net:2x2x2"])
@pytest.mark.parametrize("eta", [None, "1/2"])
def test_analyze_fits_80_columns(capsys, monkeypatch, loss, eta):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = _symstab(capsys, "analyze", loss, *(["--eta", eta] if eta else []))
    assert code == 0
    assert out.strip()
    assert _too_long(out, 80) == []


def test_analyze_honours_a_narrower_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "64")
    code, out, _ = _symstab(capsys, "analyze", "f4", "--eta", "1/2")
    assert code == 0
    assert _too_long(out, 64) == []
    assert "10/19" in out  # η* of f4's minima, Chen et al. eq. (46)


def test_abbreviate_cuts_at_a_term_and_counts_what_it_leaves_out():
    text = " + ".join(f"x**{k}" for k in range(1, 60))  # 'x**1 + x**2 + ...'
    short = abbreviate(text, 80)
    kept = short.split(" … ")[0]
    assert text.startswith(kept) and text[len(kept):].startswith(" + ")
    left = int(re.search(r"\((\d+) more characters", short).group(1))
    assert left == len(text) - len(kept)
    assert "--format json" in short
    assert abbreviate("x + y", 80) == "x + y"
    assert abbreviate(text, None) == text


def test_a_long_det_is_abbreviated_in_the_table_and_whole_elsewhere(monkeypatch):
    from symstab.exact.analysis import analyze

    monkeypatch.setenv("COLUMNS", "80")
    result = analyze(Loss.from_text("(x + y)^8 + (x - 2*y)^6 + x^2*y^2", params="x,y"),
                     None, time_limit=60)
    det = sp.sstr(result.jacobian_det)
    assert len(det) > 4 * 80  # long enough to be abbreviated
    table = render(result, "table")
    assert "more characters; the whole expression is in --format json" in table
    assert _too_long(table, 80) == []
    assert det not in " ".join(table.split())
    assert json.loads(render(result, "json"))["jacobian_det"]["expression"] == det
    assert det in render(result, "markdown")


def _checked_claim(claim_id: str, verdict: Verdict, expected: Verdict = Verdict.HOLDS,
                   strength: Strength = Strength.EXACT) -> Claim:
    def run(budget):
        witness = Counterexample("GD diverged", point=("1/2", "2"), eta="9/10") \
            if verdict is Verdict.FAILS else None
        return verdict, Evidence(strength, f"made by hand: {verdict}"), witness

    return Claim(claim_id, f"title of {claim_id}", "statement", "",
                 Source("Chen et al. 2024", "eq. (46): maximal learning rate, a long "
                        "source text that has to wrap or go"), run=run, expected=expected)


LONG_IDS = [
    "chen.threshold-sharp.f4",
    "craciun.stable-bounded.linear-net-1x2x2x1.1_2",
    "craciun.measure-zero.linear-net-2x1x2.11_20",
    "kongtao.gibbs.2d",
]


@pytest.fixture
def fake_seeds(monkeypatch):
    claims = [_checked_claim(LONG_IDS[0], Verdict.HOLDS),
              _checked_claim(LONG_IDS[1], Verdict.FAILS, expected=Verdict.FAILS),
              _checked_claim(LONG_IDS[2], Verdict.INCONCLUSIVE, strength=Strength.STATISTICAL),
              _checked_claim(LONG_IDS[3], Verdict.NOT_APPLICABLE)]
    monkeypatch.setattr(pc_cli, "_seed_claims", lambda: list(claims))
    return claims


@pytest.mark.parametrize("columns", [None, "60", "80", "99", "100", "140"])
def test_proofs_check_table_never_splits_an_id(capsys, monkeypatch, fake_seeds, columns):
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    code = pc_cli.main(["--jobs", "1"])
    out, _ = capsys.readouterr()
    assert code == 0
    table = out.split(" claims: ")[0]
    lines = table.splitlines()
    for claim_id in LONG_IDS:
        assert sum(claim_id in line for line in lines) == 1, claim_id
    width = 100 if columns is None else int(columns)
    # the least a row needs: the whole id, then the longest words of verdict and evidence
    least = max(map(len, LONG_IDS)) + 3 + len("inconclusive") + 3 + len("statistical")
    assert _too_long(table, max(width, least)) == []
    header = lines[0].split()
    assert ("source" in header) == (width >= 100)


def test_table_columns_by_priority():
    rows = [("a.rather.long.claim.id.of.forty.characters", "Chen et al. 2024, eq. (46)",
             "fails (as expected)", "statistical (n=10000, 99%)", "12.34 s")]
    shown, widths = pc_cli.table_columns(rows, 140)
    assert shown == [0, 1, 2, 3, 4] and sum(widths) + 3 * 4 <= 140
    shown, widths = pc_cli.table_columns(rows, 99)
    assert shown == [0, 2, 3, 4]
    assert widths[0] == len(rows[0][0])  # the id column never folds
    assert sum(widths) + 3 * 3 <= 99
    shown, widths = pc_cli.table_columns(rows, 60)
    assert widths[0] == len(rows[0][0])


def test_proofs_check_piped_is_a_sane_width_with_a_line_per_claim():
    """``proofs-check --only 'chen.threshold.*' | cat``: ids whole, one progress line each."""
    env = {k: v for k, v in __import__("os").environ.items() if k != "COLUMNS"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-m", "proofs_check", "--only", "chen.threshold.*",
                           "--budget", "reduced"], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    ids = [f"chen.threshold.f{k}" for k in range(1, 5)]
    for claim_id in ids:
        assert sum(line.split()[0] == claim_id for line in proc.stdout.splitlines()
                   if line.strip()) == 1
        assert re.search(rf"^\[\d/4\] {re.escape(claim_id)}: holds \(", proc.stderr, re.M)
    assert max(len(line) for line in proc.stdout.splitlines()) <= 100


def test_quiet_prints_only_the_summary(capsys, monkeypatch, fake_seeds):
    code = pc_cli.main(["--quiet", "--jobs", "1"])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.splitlines() == [
        "4 claims: 1 hold, 1 fails (1 as expected), 1 inconclusive, 1 not applicable "
        + out.rsplit("applicable ", 1)[1].strip()]
    assert err == ""


def test_quiet_names_an_unexpected_verdict(capsys, monkeypatch):
    claims = [_checked_claim("t.ok", Verdict.HOLDS), _checked_claim("t.bad", Verdict.FAILS)]
    monkeypatch.setattr(pc_cli, "_seed_claims", lambda: list(claims))
    code = pc_cli.main(["-q", "--jobs", "1"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert out.splitlines()[1:] == ["  t.bad: fails (expected holds)"]


# -- 2. lines that say what they mean -----------------------------------------------------


def test_nonsingular_line_says_almost_every_theta(capsys):
    code, out, _ = _symstab(capsys, "analyze", "f4", "--eta", "1/2")
    text = " ".join(out.split())
    assert code == 0
    assert "not identically zero in θ" in text and "almost every θ" in text
    hits = [m.start() for m in re.finditer("non-singular", text)]
    assert hits
    for start in hits:  # never a bare "the GD map is non-singular"
        assert "almost every θ" in text[start:start + 60], text[start:start + 60]


def test_singular_etas_of_a_quadratic(capsys):
    # det(I − ηH) = (1 − η)(1 − 3η) for (x² + 3y²)/2: zero for every θ at η = 1/3 and 1.
    code, out, _ = _symstab(capsys, "analyze", "(x^2 + 3*y^2)/2", "--params", "x,y",
                            "--eta", "1/3")
    text = " ".join(out.split())
    assert code == 0
    assert "identically zero in θ exactly for η in {1/3, 1}" in text
    assert "at this η: identically zero, so the GD map is singular at every θ" in text


def test_timeout_is_said_once_and_points_are_not_claimed_absent(capsys, monkeypatch):
    import symstab.exact.analysis as analysis

    def stopped(*args, **kwargs):
        raise BudgetExceeded("critical set computation exceeded its budget of 2 s")

    monkeypatch.setattr(analysis, "critical_set", stopped)
    code, out, err = _symstab(capsys, "analyze", "xy", "--timeout", "2")
    assert code == 3
    assert "incomplete: incomplete" not in out + err
    assert err.count("incomplete") == 1
    assert "Isolated real critical points: none" not in out
    assert "not computed" in out and "raise --timeout" in " ".join(out.split())


# -- 3. text for users --------------------------------------------------------------------

NOT_FOR_USERS = ["in progress", "(not edited here)", "belongs to others",
                 "not yet part of seed_claims()", "TODO", "another session"]


def _user_docs() -> list[Path]:
    skip = {"seed_claims.md", "figures.md"}
    return [ROOT / "README.md", ROOT / "notebooks" / "README.md",
            *(p for p in sorted((ROOT / "docs").glob("*.md")) if p.name not in skip)]


@pytest.mark.parametrize("path", _user_docs(), ids=lambda p: p.name)
def test_docs_speak_to_users_only(path):
    text = path.read_text(encoding="utf-8")
    for phrase in NOT_FOR_USERS:
        assert phrase not in text, (path.name, phrase)


def test_readme_says_what_the_plain_install_decides():
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "pip install . && proofs-check" in text
    assert "not applicable" in text and "JAX" in text and 'pip install ".[nn]"' in text
    claims = subprocess.run([sys.executable, "-m", "proofs_check", "--list"],
                            capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": ""}).stdout
    n = len(claims.splitlines())
    assert f"runs the {n} seed claims" in text
    assert "their ids contain `.nn.`" in text
    # the claims that need the autodiff backend are exactly those the README points at
    from proofs_check import seed_claims

    needs_jax = {c.id for c in seed_claims()
                 if any("backend" in getattr(h, "__name__", "") for h in c.hypotheses)}
    assert needs_jax and needs_jax == {i for i in (line.split("\t")[0] for line in
                                                   claims.splitlines()) if ".nn." in i}


def test_readme_command_table_lists_the_real_flags():
    import click

    from symstab.cli import cli as symstab_cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in
            re.finditer(r"^\| `symstab (\w+)[^\n]*", readme, re.M)}
    for name, command in symstab_cli.commands.items():
        if name == "cache":
            continue
        assert name in rows, name
        for p in command.params:
            if isinstance(p, click.Option) and "--help" not in p.opts:
                assert any(f"{opt} " in rows[name] or f"{opt}]" in rows[name]
                           or f"{opt}/" in rows[name] for opt in p.opts), (name, p.opts)
    row = next(line for line in readme.splitlines() if line.startswith("| `proofs-check"))
    for p in pc_cli.cli.params:
        if isinstance(p, click.Option) and "--help" not in p.opts and "--version" not in p.opts:
            assert any(opt in row for opt in p.opts), p.opts


def test_notebooks_readme_says_how_to_run_them():
    text = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")
    assert "jupyter execute" in text and 'pip install ".[test]"' in text


# -- 4. plain words with a key ------------------------------------------------------------


def test_basin_table_in_plain_words(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    # (x² + 3y²)/2 at η = 1/2: GD multiplies x by 1/2 and y by −1/2, so every start of the
    # grid converges to the minimum (0, 0) and the loss falls at every step.
    code, out, _ = _symstab(capsys, "basin", "(x^2 + 3*y^2)/2", "--params", "x,y",
                            "--eta", "1/2", "--grid", "-1,1,5;-1,1,5")
    assert code == 0
    assert "25 starting points on [-1, 1]^2, 5 points per axis" in " ".join(out.split())
    assert re.search(r"minimum 1 at \(-?0, -?0\)\s+1\.0000", out)
    assert re.search(r"converged stably \(U_η\)\s+1\.0000", out)
    assert re.search(r"converged unstably \(V_η \\ U_η\)\s+0\.0000", out)
    assert "the loss fell at every step" in out
    assert "minus U_η" not in out
    assert _too_long(out, 80) == []


def test_basin_without_grid(capsys):
    from symstab.cli.basin import default_grid
    from symstab.errors import InputError

    assert default_grid(None, 3).count(";") == 2
    assert default_grid("0,1,2", 1) == "0,1,2"
    with pytest.raises(InputError):
        default_grid(None, 4)
    code, out, err = _symstab(capsys, "basin", "deep-chain-4", "--eta", "0.5")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--grid" in err and "4 parameters" in err


def test_components_table_has_a_key_to_morse_bott(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = _symstab(capsys, "analyze", "xy", "--eta", "1/2")
    text = " ".join(out.split())
    assert code == 0
    assert "Morse-Bott: the minima (or maxima) form a curve or surface" in text
    assert "M_WS(η), the weakly stable minima" in text


# -- 5. rich displays ---------------------------------------------------------------------


def test_analysis_html_has_the_exact_values():
    from symstab.exact.analysis import analyze

    # f4 = (x² + y²)/20 + (1 − xy)²: minima at x = y = ±√95/10 with f = 39/400,
    # Hessian eigenvalues 19/5 and 1/5, so η* = 2/(19/5) = 10/19 (Chen et al. eq. (46)).
    result = analyze(Loss.from_catalog("f4"), sp.Rational(1, 2))
    page = result._repr_html_()
    for tex in (r"\frac{\sqrt{95}}{10}", r"\frac{39}{400}", r"\frac{19}{5}",
                r"\frac{1}{5}", r"\frac{10}{19}"):
        assert tex in page, tex
    assert page.count("<tr>") == 4  # the header and three critical points
    latex = result._repr_latex_()
    assert latex.startswith("$$") and latex.count(r"\frac{10}{19}") == 2


def test_analysis_html_of_a_manifold():
    from symstab.exact.analysis import analyze

    # ½(1 − xy)²: minima on xy = 1 with λmax = x² + y² >= 2, so the critical η is 1.
    page = analyze(Loss.from_catalog("xy"), None)._repr_html_()
    assert "$x y - 1 = 0$" in page and "$2$" in page and "$1$" in page
    assert "Morse-Bott" in page


def _result(claim_id: str, verdict: Verdict, expected: Verdict = Verdict.HOLDS) -> Result:
    witness = Counterexample("GD diverged", point=("1/2", "2"), eta="9/10") \
        if verdict is Verdict.FAILS else None
    return Result(claim_id, f"title of {claim_id}", Source("Chen et al. 2024", "Thm 2"),
                  verdict, Evidence(Strength.CERTIFIED, "ball of radius 1/10"),
                  counterexample=witness, seconds=0.25, expected=expected)


def test_result_html_colours_the_verdict():
    from proofs_check.display import VERDICT_COLORS

    holds = _result("chen.thm2.f4", Verdict.HOLDS)._repr_html_()
    assert "chen.thm2.f4" in holds and VERDICT_COLORS["holds"] in holds
    assert "ball of radius 1/10" in holds and "certified" in holds
    fails = _result("chen.thm2.f1", Verdict.FAILS)._repr_html_()
    assert VERDICT_COLORS["fails"] in fails and "fails (expected holds)" in fails
    assert "GD diverged" in fails


def test_a_run_of_results_is_a_coloured_table():
    from proofs_check.display import VERDICT_COLORS

    run = Results([_result("a.holds", Verdict.HOLDS),
                   _result("a.false", Verdict.FAILS, expected=Verdict.FAILS),
                   _result("a.open", Verdict.INCONCLUSIVE)])
    page = run._repr_html_()
    assert [i for i in ("a.holds", "a.false", "a.open") if i in page] == \
        ["a.holds", "a.false", "a.open"]
    for key in ("holds", "fails (as expected)", "inconclusive"):
        assert VERDICT_COLORS[key] in page
    assert "3 claims" in page
    assert run.unexpected == ()
    assert "a.false: fails (as expected)" in repr(run)


def test_basin_map_displays_as_an_image():
    import base64

    from symstab.dynamics.basins import basin_map

    bmap = basin_map(Loss.from_text("(x^2 + 3*y^2)/2", params="x,y"), sp.Rational(1, 2),
                     ((-1.0, 1.0, 6), (-1.0, 1.0, 6)))
    png = bmap._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    page = bmap._repr_html_()
    encoded = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page).group(1)
    assert base64.b64decode(encoded)[:8] == b"\x89PNG\r\n\x1a\n"
    # every start converges stably (see test_basin_table_in_plain_words)
    assert re.search(r"converged stably \(U_η\)</td><td[^>]*>1\.0000", page)
    assert np.all(bmap.labels == 1)


def test_without_jax_the_network_claims_are_not_applicable():
    """What the README says of the plain install: the network claims need JAX, the run
    exits 0. Run in a fresh process where importing JAX fails (in this one JAX may
    already be loaded by other tests)."""
    script = ("import sys; sys.modules['jax'] = None\n"
              "from proofs_check.cli import main\n"
              "sys.exit(main(['--only', '*.nn.*', '--jobs', '1', '-q']))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert re.match(r"(\d+) claims: 0 hold, 0 fail, 0 inconclusive, \1 not applicable",
                    result.stdout)


@pytest.mark.parametrize("args", [
    ("catalog",),
    ("eos", "xy", "--eta", "2/25", "--from", "5.05,0.19", "--steps", "60"),
    ("sweep", "xy", "--etas", "0.5,0.9", "-n", "40", "--max-steps", "500"),
], ids=lambda a: a[0])
def test_other_commands_fit_80_columns(capsys, args):
    code, out, _ = _symstab(capsys, *args)
    assert code == 0 and out.strip()
    assert _too_long(out, 80) == []
    if args[0] == "sweep":
        assert "M_WS norm.: length of the weakly stable minima" in out


def test_readme_example_is_the_current_output(capsys, monkeypatch):
    """The README's `symstab analyze f4 --eta 1/2` block is what the command prints now."""
    monkeypatch.setenv("COLUMNS", "80")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ symstab analyze f4 --eta 1/2\n", 1)[1].split("```", 1)[0]
    code, out, _ = _symstab(capsys, "analyze", "f4", "--eta", "1/2")
    assert code == 0
    assert block == out


def test_table_width_follows_the_terminal(monkeypatch):
    import io
    import os

    import symstab.report as report

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

        def fileno(self) -> int:
            return 1

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert report.table_width() == 80  # not a terminal: 80
    monkeypatch.setattr(sys, "stdout", Tty())
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((70, 24)))
    assert report.table_width() == 70
    monkeypatch.setenv("COLUMNS", "90")
    assert report.table_width() == 90  # COLUMNS wins
    monkeypatch.setenv("COLUMNS", "20")
    assert report.table_width() == 60  # never below 60


@pytest.mark.slow
def test_jupyter_shows_the_rich_displays(tmp_path, monkeypatch):
    """Executed in a real kernel: an analysis, a claim result, a run and a basin map come
    out as text/html (and image/png for the map), with the exact values in them."""
    import os

    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    nb = new_notebook(cells=[
        new_code_cell("import sympy as sp\nfrom symstab.loss import Loss\n"
                      "from symstab.exact.analysis import analyze\n"
                      "analyze(Loss.from_catalog('f4'), sp.Rational(1, 2))"),
        new_code_cell("from proofs_check import seed_claim\n"
                      "from proofs_check.report import check_claims\n"
                      "run = check_claims([seed_claim('chen.threshold.f4'),\n"
                      "                    seed_claim('chen.eq30-printed.f4')])\nrun"),
        new_code_cell("run[0]"),
        new_code_cell("from symstab.dynamics.basins import basin_map\n"
                      "basin_map(Loss.from_catalog('f4'), sp.Rational(1, 2),\n"
                      "          ((-2.0, 2.0, 20), (-2.0, 2.0, 20)))"),
    ])
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute(
                       env=dict(os.environ))
    data = [next(o for o in c.outputs if o.output_type == "execute_result")["data"]
            for c in nb.cells]
    assert r"\frac{10}{19}" in data[0]["text/html"]
    assert r"\frac{\sqrt{95}}{10}" in data[0]["text/html"]
    assert "chen.threshold.f4" in data[1]["text/html"]
    assert "fails (as expected)" in data[1]["text/html"]
    assert "holds" in data[2]["text/html"]
    assert "image/png" in data[3] and "data:image/png;base64," in data[3]["text/html"]


def test_basin_header_wraps_between_words(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    # "f4 at η = 1/2: 1000000 starting points on [-3, 3]^2, 1000 points per axis, 0.123 s"
    # is 82 characters: the break must come before the time, not between it and its unit
    code, out, _ = _symstab(capsys, "basin", "f4", "--eta", "1/2", "--grid",
                            "-3,3,1000;-3,3,1000", "--max-steps", "50")
    assert code == 0
    assert _too_long(out, 80) == []
    first, second = out.splitlines()[:2]
    assert first == "f4 at η = 1/2: 1000000 starting points on [-3, 3]^2, 1000 points per axis,"
    assert re.fullmatch(r"    \d\.\d{3} s", second)
