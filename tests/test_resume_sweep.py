"""Resumable sweeps: tiles of one η × a chunk of samples, stored as they finish."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symstab.dynamics.datafiles import read_dataset
from symstab.dynamics.resume import TileStore, tile_directory
from symstab.dynamics.sweep import Sweep, sweep, uniform_box_sampler
from symstab.errors import InputError
from symstab.loss import load_loss

ROOT = Path(__file__).resolve().parents[1]


class Stop(Exception):
    """Raised by the test hook to end a run after some tiles."""


def same_sweep(a: Sweep, b: Sweep) -> None:
    """Every field a user reads (the wall time aside)."""
    assert a == b  # Sweep compares every field but the wall time
    assert {**a.to_dict(), "seconds": 0} == {**b.to_dict(), "seconds": 0}


def test_interrupted_sweep_resumes_to_the_uninterrupted_result(tmp_path: Path) -> None:
    loss = load_loss("xy")
    etas = ["1/2", "9/10", "3/2"]
    box = [(-2.0, 2.0)] * 2

    def run(store: TileStore | None) -> Sweep:
        return sweep(loss, etas, uniform_box_sampler(box, 3), 130, max_steps=2000,
                     chunk=40, tiles=store)

    plain = run(None)
    out = tmp_path / "s.nc"

    def stop_after_five(done: int) -> None:
        if done == 5:
            raise Stop

    # 130 samples in chunks of 40: 4 chunks per η, 12 tiles
    with pytest.raises(Stop):
        run(TileStore(out, after_tile=stop_after_five))
    assert len(list(tile_directory(out).glob("tile-*.npz"))) == 5
    store = TileStore(out, resume=True)
    same_sweep(plain, run(store))
    assert (store.count, store.reused, store.computed) == (12, 5, 7)
    # resumed once more: every tile is there, none computed
    store = TileStore(out, resume=True)
    same_sweep(plain, run(store))
    assert (store.reused, store.computed) == (12, 0)
    # without resume the tiles are discarded and all computed again
    store = TileStore(out)
    same_sweep(plain, run(store))
    assert (store.reused, store.computed) == (0, 12)
    # another sweep (another seed: other samples) refuses these tiles
    with pytest.raises(InputError, match="another run"):
        sweep(loss, etas, uniform_box_sampler(box, 4), 130, max_steps=2000, chunk=40,
              tiles=TileStore(out, resume=True))


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from symstab.cli import main; "
            "sys.exit(main(sys.argv[1:]))", *args]


def test_cli_sweep_interrupted_by_sigint_then_resumed(tmp_path: Path) -> None:
    """A real Ctrl-C (SIGINT to a `symstab sweep --out` process) after some tiles: exit
    130, the finished tiles kept; `--resume` computes only the others and saves the
    sweep an uninterrupted run gives."""
    out = tmp_path / "f4.nc"
    args = ["sweep", "f4", "--etas", "1/10,1/4,2/5,1/2", "-n", "20000", "--tile", "500",
            "--max-steps", "5000", "--format", "json", "--out", str(out)]
    total = 4 * 40
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    tiles = tile_directory(out)
    proc = subprocess.Popen(_cli(*args), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(list(tiles.glob("tile-*.npz"))) < 10:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no tiles within 120 s"
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "aborted" in err
    assert not out.exists()
    kept = len(list(tiles.glob("tile-*.npz")))
    assert 10 <= kept < total  # stopped mid-run, finished tiles kept
    done = subprocess.run(_cli(*args, "--resume"), env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    m = re.search(r"(\d+) of (\d+) tiles computed, (\d+) reused", done.stderr)
    assert m is not None, done.stderr
    computed, count, reused = map(int, m.groups())
    assert (count, reused, computed) == (total, kept, total - kept)  # fewer kernel calls
    assert not tiles.exists()
    # the uninterrupted sweep, computed here without tiles: the CLI's sample is uniform
    # in [-3, 3]² with seed 0
    plain = sweep(load_loss("f4"), ["1/10", "1/4", "2/5", "1/2"],
                  uniform_box_sampler([(-3.0, 3.0)] * 2, 0), 20000, max_steps=5000)
    resumed = Sweep.from_xarray(read_dataset(out))
    same_sweep(plain, resumed)
    printed = json.loads(done.stdout)
    assert [p["n_converged"] for p in printed["points"]] == [
        p.n_converged for p in plain.points]
