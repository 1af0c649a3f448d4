"""The disk cache of generated numba kernels (symstab.codegen.cache)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
import numpy as np
import sympy as sp
from symstab.codegen import compile_loss
x = sp.Symbol("x")
expr = {expr}
print(compile_loss(expr, (x,)).numba().value_scalar(np.array([2.0])))
"""


def _run(cache: Path, expr: str = "x**2 + 3", **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "SYMSTAB_NO_CACHE"}
    environ.update(SYMSTAB_CACHE_DIR=str(cache), **env)
    return subprocess.run([sys.executable, "-c", SCRIPT.format(expr=expr)], env=environ,
                          capture_output=True, text=True, timeout=300)


def _kernel_files(cache: Path) -> list[Path]:
    return sorted((cache / "kernels").glob("loss_*.py"))


def test_two_processes_fill_the_cache_at_once(tmp_path: Path) -> None:
    environ = {**os.environ, "SYMSTAB_CACHE_DIR": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT.format(expr="x**2 + 3")],
                              env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [o[0].strip() for o in outs] == ["7.0", "7.0"]  # 2² + 3
    assert len(_kernel_files(tmp_path)) == 1
    # numba's compiled code was stored next to it, and a third process uses both
    assert list((tmp_path / "kernels" / "__pycache__").glob("loss_*.nbi"))
    assert _run(tmp_path).stdout.strip() == "7.0"


def test_truncated_entries_are_rebuilt_not_trusted(tmp_path: Path) -> None:
    assert _run(tmp_path).stdout.strip() == "7.0"
    (kernel,) = _kernel_files(tmp_path)
    source = kernel.read_text()
    kernel.write_text(source[: len(source) // 2])  # a truncated kernel file
    for entry in (tmp_path / "kernels" / "__pycache__").glob("*.nb*"):
        entry.write_bytes(entry.read_bytes()[:40])  # truncated numba entries
    result = _run(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "7.0"
    assert kernel.read_text() == source


def test_unwritable_cache_directory_runs_uncached_and_says_so_once(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = _run(blocker / "cache")
    assert result.returncode == 0
    assert result.stdout.strip() == "7.0"
    lines = [line for line in result.stderr.splitlines() if "cache" in line]
    assert len(lines) == 1 and "not cached" in lines[0]


def test_another_loss_never_reuses_a_kernel(tmp_path: Path) -> None:
    assert _run(tmp_path, "x**2 + 3").stdout.strip() == "7.0"
    assert _run(tmp_path, "x**3 + 3").stdout.strip() == "11.0"
    assert len(_kernel_files(tmp_path)) == 2
    assert _run(tmp_path, "x**2 + 3").stdout.strip() == "7.0"


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    result = _run(tmp_path, SYMSTAB_NO_CACHE="1")
    assert result.stdout.strip() == "7.0"
    assert not (tmp_path / "kernels").exists()


def test_cache_command(tmp_path: Path) -> None:
    from symstab.cli import main

    os.environ["SYMSTAB_CACHE_DIR"] = str(tmp_path)
    try:
        _run(tmp_path)
        assert main(["cache", "info"]) == 0
        assert main(["cache", "clear"]) == 0
        assert not (tmp_path / "kernels").exists()
    finally:
        del os.environ["SYMSTAB_CACHE_DIR"]
