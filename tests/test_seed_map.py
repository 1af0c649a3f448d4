"""proofs_check.seed_map: the statement-by-statement map of the seed papers to claim ids,
and the table docs/make_seed_claims.py builds from it."""

from __future__ import annotations

import importlib.util
import os
import re
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from proofs_check import seed_claims
from proofs_check.seed_map import SEED_FILES, SEED_STATEMENTS, SeedStatement, coverage, uncovered

ROOT = Path(__file__).resolve().parents[1]
# the seed folder named in the project brief (override with SYMSTAB_SEEDS)
SEEDS_DIR = Path(os.environ.get("SYMSTAB_SEEDS", "/work/shared/seeds"))
IDS = [c.id for c in seed_claims()]


def _table_module():
    spec = importlib.util.spec_from_file_location("make_seed_claims",
                                                  ROOT / "docs" / "make_seed_claims.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("s", SEED_STATEMENTS, ids=lambda s: s.statement[:40])
def test_every_pattern_matches_a_current_claim(s: SeedStatement) -> None:
    for pattern in s.claims:
        assert any(fnmatchcase(i, pattern) for i in IDS), (
            f"{pattern!r} ({s.paper}, {s.where}) matches no seed claim id")


def test_no_duplicate_statements() -> None:
    texts = [s.statement for s in SEED_STATEMENTS]
    assert len(texts) == len(set(texts))
    normalised = [re.sub(r"\W+", " ", t).lower().strip() for t in texts]
    assert len(normalised) == len(set(normalised))


def test_papers_are_seed_files() -> None:
    assert {s.paper for s in SEED_STATEMENTS} == set(SEED_FILES)  # every seed has rows
    assert all(name.endswith(".txt") for name in SEED_FILES)
    if SEEDS_DIR.is_dir():
        on_disk = {p.name for p in SEEDS_DIR.glob("*.txt")}
        assert set(SEED_FILES) == on_disk


def test_rows_are_complete() -> None:
    for s in SEED_STATEMENTS:
        assert s.where and s.statement, s
        assert isinstance(s.claims, tuple) and all(isinstance(p, str) for p in s.claims)
        assert len(set(s.claims)) == len(s.claims), s
        if not s.claims:
            assert s.note, f"{s.statement!r} has no claim and no note on where it belongs"


def test_coverage_by_hand() -> None:
    ids = ["chen.threshold.f1", "chen.threshold-sharp.f1", "chen.threshold.f10",
           "Chen.threshold.f1", "taowang.balancing-bound.xy", "taowang.balancing.xy"]
    rows = dict((s.statement, m) for s, m in coverage(ids))
    f1 = next(s for s in SEED_STATEMENTS if s.claims == ("chen.threshold.f1",
                                                          "chen.threshold-sharp.f1"))
    # exact names match only themselves; matching is case-sensitive
    assert rows[f1.statement] == ["chen.threshold.f1", "chen.threshold-sharp.f1"]
    result2 = next(s for s in SEED_STATEMENTS if s.where.endswith("result 2)"))
    # "taowang.balancing.*" must not swallow "taowang.balancing-bound.xy"
    assert rows[result2.statement] == ["taowang.balancing.xy"]
    assert uncovered(ids) == ["chen.threshold.f10", "Chen.threshold.f1"]
    assert [s for s, _ in coverage([])] == list(SEED_STATEMENTS)
    assert all(m == [] for _, m in coverage([]))


def test_statement_table() -> None:
    claims = seed_claims()
    lines = _table_module().statement_table(claims)
    assert lines[0] == "## Seed statement → claims"
    rows = [ln for ln in lines if ln.startswith("| `")]
    assert len(rows) == len(SEED_STATEMENTS)
    for line, (s, ids) in zip(rows, coverage(c.id for c in claims), strict=True):
        cells = re.split(r"(?<!\\)\|", line)[1:-1]  # unescaped pipes delimit the cells
        assert len(cells) == 4, line
        assert cells[0].strip() == f"`{s.paper}`"
        assert cells[2].strip() == s.statement.replace("|", "\\|")
        if ids:
            assert all(f"`{i}`" in cells[3] for i in ids)
        else:
            assert cells[3].strip().startswith("—") and s.note.replace("|", "\\|") in cells[3]
    # a claim expected to fail is marked
    eq30 = next(ln for ln in rows if "`chen.eq30-printed.f4`" in ln)
    assert "`chen.eq30-printed.f4` *(fails)*" in eq30


def test_every_seed_claim_is_mapped_to_a_statement() -> None:
    from proofs_check import seed_claims

    assert uncovered([c.id for c in seed_claims()]) == []
