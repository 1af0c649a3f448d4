"""Fuzzing the command line in-process: hostile and random loss texts, step sizes, grids
and claims files. Every run must end with an exit code in {0, 1, 2, 3}, one line on
stderr for bad input, no traceback and nothing executed. A bounded number of cases runs
by default; ``-m slow`` runs many more."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proofs_check.cli import main as proofs_main
from symstab.cli import main

TOKENS = ["x", "y", "z", "f4", "xy", "+", "-", "*", "/", "**", "(", ")", "1", "2", "0",
          "1e308", "10**99", "sin", "exp", "log", "sqrt", "sigmoid", "abs", ",", ".", " ",
          "__import__", "os", "system", "lambda", "eval", "'", '"', ";", "\\", "\n", "[",
          "]", "{", "}", "=", "π", "１", "٣", "x.__class__", "open('/etc/passwd')"]
HOSTILE = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25).map("".join)
NUMBERS = st.one_of(
    st.sampled_from(["nan", "inf", "-1", "0", "1/0", "1e-400", "1e400", "10**-64",
                     "pi/10", "E", "１/２", "0x10", "1_000", "--1", "", " ", "1/3/5"]),
    st.fractions(min_value=-5, max_value=5).map(str),
    st.text(alphabet="0123456789./-eE+ ", max_size=12),
)
GRIDS = st.one_of(
    st.sampled_from(["-3,3,4;-3,3,4", "-3,3,0;-3,3,4", "3,-3,4;-3,3,4", "-3,3,4",
                     "-3,3,4;-3,3,4;-3,3,4", "a,b,c;d,e,f", "-1e309,1,3;0,1,3", ";;;",
                     "-3,3,１;-3,3,4", "-3,3,-4;-3,3,4"]),
    st.text(alphabet="0123456789,;.-e ", max_size=20),
)
FUZZ = settings(max_examples=int(os.environ.get("SYMSTAB_FUZZ_EXAMPLES", "20")),
                deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
MANY = settings(FUZZ, max_examples=300)


def _check(code: int, err: str) -> None:
    assert code in (0, 1, 2, 3), (code, err)
    assert "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1, err


def _analyze(text: str, capsys) -> None:
    code = main(["analyze", text, "--timeout", "2"])
    _check(code, capsys.readouterr().err)


def _eta(value: str, capsys) -> None:
    code = main(["analyze", "f1", "--eta", value, "--timeout", "5"])
    _check(code, capsys.readouterr().err)


def _grid(value: str, capsys) -> None:
    code = main(["basin", "f4", "--eta", "1/2", "--grid", value, "--max-steps", "5"])
    _check(code, capsys.readouterr().err)


def _claims_file(body: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_text(body, encoding="utf-8")
    code = proofs_main([str(path), "--budget", "reduced", "-j", "1"])
    _check(code, capsys.readouterr().err)


CLAIMS = st.builds(
    lambda loss, eta, prop: (f'[[claim]]\nid = "fuzz"\nloss = "{loss}"\n'
                             f'property = "{prop}"\neta = "{eta}"\n'),
    st.one_of(st.sampled_from(["f4", "F4", "x**2", "xy", "f9"]),
              HOSTILE.map(lambda s: s.replace('"', "").replace("\\", "").replace("\n", ""))),
    NUMBERS.map(lambda s: s.replace('"', "")),
    st.sampled_from(["threshold_equals", "descent_inequality", "nonsense", "converges_from"]),
)


@FUZZ
@given(text=HOSTILE)
def test_fuzz_loss_text(text: str, capsys) -> None:
    _analyze(text, capsys)


@FUZZ
@given(value=NUMBERS)
def test_fuzz_step_sizes(value: str, capsys) -> None:
    _eta(value, capsys)


@FUZZ
@given(value=GRIDS)
def test_fuzz_grids(value: str, capsys) -> None:
    _grid(value, capsys)


@FUZZ
@given(body=CLAIMS)
def test_fuzz_claims_files(body: str, tmp_path_factory, capsys) -> None:
    _claims_file(body, tmp_path_factory.mktemp("fuzz"), capsys)


@pytest.mark.slow
@MANY
@given(text=HOSTILE)
def test_fuzz_loss_text_many(text: str, capsys) -> None:
    _analyze(text, capsys)


@pytest.mark.slow
@MANY
@given(case=st.one_of(NUMBERS.map(lambda v: ("eta", v)), GRIDS.map(lambda v: ("grid", v))))
def test_fuzz_numbers_and_grids_many(case: tuple[str, str], capsys) -> None:
    kind, value = case
    (_eta if kind == "eta" else _grid)(value, capsys)


@pytest.mark.slow
@MANY
@given(body=CLAIMS)
def test_fuzz_claims_files_many(body: str, tmp_path_factory, capsys) -> None:
    _claims_file(body, tmp_path_factory.mktemp("fuzz"), capsys)
