"""Remembered searches (symstab.codegen.cache.remember_search / recall_search): a
certified radius found once is re-verified, never trusted, when it is recalled."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp

from symstab.certify.hessian_ball import certify_region
from symstab.codegen import cache
from symstab.loss import Loss

X, Y = sp.symbols("x y", real=True)
# Chen et al.'s f4 = (1 − xy)² + (x² + y²)/20; a minimum at x = y = √(19/20)
F4 = Loss.from_expr((1 - X * Y) ** 2 + (X**2 + Y**2) / 20, (X, Y))
MINIMUM = (sp.sqrt(sp.Rational(19, 20)), sp.sqrt(sp.Rational(19, 20)))


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SYMSTAB_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SYMSTAB_NO_CACHE", raising=False)
    cache.set_enabled(None)
    cache._searches.clear()
    yield tmp_path
    cache._searches.clear()


def _records(root: Path) -> list[Path]:
    return sorted((root / "searches").glob("hessian-ball_*.json"))


def _search_again_from_disk() -> None:
    cache._searches.clear()  # as in a new process: only the file is left


def test_a_recalled_radius_gives_the_same_region(fresh_cache: Path) -> None:
    first = certify_region(F4, MINIMUM, "1/2")
    assert first is not None
    (record,) = _records(fresh_cache)
    data = json.loads(record.read_text())
    # the file holds the radius of the region, as an exact fraction
    assert float(Fraction(data["radius"])) == float(first.radius)
    _search_again_from_disk()
    again = certify_region(F4, MINIMUM, "1/2")
    assert again == first


def test_a_tampered_radius_is_rechecked_and_the_search_redone(fresh_cache: Path) -> None:
    first = certify_region(F4, MINIMUM, "1/2")
    assert first is not None
    (record,) = _records(fresh_cache)
    data = json.loads(record.read_text())
    data["radius"] = str(Fraction(data["radius"]) * 4)  # too large to be a trap
    record.write_text(json.dumps(data))
    _search_again_from_disk()
    again = certify_region(F4, MINIMUM, "1/2")
    assert again == first  # the bad record did not change the result
    assert float(Fraction(json.loads(record.read_text())["radius"])) == float(first.radius)


@pytest.mark.parametrize("text", ["", "{", "[]", '{"radius": "x"}'])
def test_a_corrupt_record_is_ignored(fresh_cache: Path, text: str) -> None:
    first = certify_region(F4, MINIMUM, "1/2")
    (record,) = _records(fresh_cache)
    record.write_text(text)
    _search_again_from_disk()
    assert certify_region(F4, MINIMUM, "1/2") == first


def test_another_step_size_is_another_search(fresh_cache: Path) -> None:
    a = certify_region(F4, MINIMUM, "1/2")
    b = certify_region(F4, MINIMUM, "1/4")
    assert a is not None and b is not None
    assert len(_records(fresh_cache)) == 2
    assert b.eta == sp.Rational(1, 4) and a.eta == sp.Rational(1, 2)


def test_no_cache_writes_nothing(fresh_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMSTAB_NO_CACHE", "1")
    assert certify_region(F4, MINIMUM, "1/2") is not None
    assert not (fresh_cache / "searches").exists()


def test_clear_removes_the_records(fresh_cache: Path) -> None:
    certify_region(F4, MINIMUM, "1/2")
    assert cache.cache_info()["searches"] == 1
    cache.clear()
    assert cache.cache_info()["searches"] == 0
