"""Basin maps and sweeps on a real Dask cluster: a `dask scheduler` and two `dask worker`
processes on 127.0.0.1, started as a user starts them, always torn down afterwards.

The results through `--scheduler` are compared with local runs; one test kills a worker
(SIGKILL) mid-run: the scheduler reruns its tasks on the other worker and the result is
the same, every tile stored and counted once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from symstab.cli import main
from symstab.dynamics.basins.result import BasinMap
from symstab.dynamics.datafiles import read_dataset
from symstab.dynamics.resume import tile_directory
from symstab.dynamics.sweep import Sweep, sweep, uniform_box_sampler
from symstab.loss import load_loss

ROOT = Path(__file__).resolve().parents[1]
DASK = str(Path(sys.executable).with_name("dask"))
START_TIMEOUT = 90.0


class Cluster:
    """A scheduler and ``workers`` worker processes (one thread each, no nanny: a killed
    worker stays dead), their logs in ``where``."""

    def __init__(self, where: Path, workers: int = 2) -> None:
        self.where = where
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.address = ""
        try:
            self._start(workers)
        except BaseException:
            self.stop()
            raise

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.where / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen([DASK, *args], env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, cwd=self.where)
        log.close()
        self.procs.append(proc)
        return proc

    def _start(self, workers: int) -> None:
        info = self.where / "scheduler.json"
        self._spawn("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", "0",
                                  "--no-dashboard", "--scheduler-file", str(info)])
        deadline = time.monotonic() + START_TIMEOUT
        while not info.exists() or not info.read_text().strip():
            self._check(deadline, "the scheduler did not start")
        self.address = json.loads(info.read_text())["address"]
        assert self.address.startswith("tcp://127.0.0.1:")
        for k in range(workers):
            self.workers.append(self._spawn(f"worker{k}", [
                "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                "--death-timeout", "60", "--local-directory", str(self.where)]))
        from dask.distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=START_TIMEOUT)

    def _check(self, deadline: float, what: str) -> None:
        for proc in self.procs:
            assert proc.poll() is None, f"{what}: {proc.args} exited {proc.returncode}"
        assert time.monotonic() < deadline, what
        time.sleep(0.05)

    def n_workers(self) -> int:
        from dask.distributed import Client

        with Client(self.address, timeout="30s") as client:
            return len(client.scheduler_info()["workers"])

    def stop(self) -> None:
        """Terminate every process (workers first), killing what does not end in 10 s."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture
def fresh_cluster(tmp_path_factory) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("dask-kill"))
    try:
        yield c
    finally:
        c.stop()


def test_map_on_the_cluster_equals_the_local_map(cluster: Cluster, tmp_path: Path,
                                                 capsys) -> None:
    # tiles of 50 rows of 400 points: 8 tasks
    args = ["basin", "f4", "--eta", "0.5", "--grid=-3,3,400;-3,3,400", "--format", "json",
            "--tile", "20000", "--out"]
    assert main([*args, str(tmp_path / "remote.zarr"), "--scheduler", cluster.address]) == 0
    assert "8 of 8 tiles computed" in capsys.readouterr().err
    assert main([*args, str(tmp_path / "local.nc")]) == 0
    remote = BasinMap.from_xarray(read_dataset(tmp_path / "remote.zarr"))
    local = BasinMap.from_xarray(read_dataset(tmp_path / "local.nc"))
    assert remote.labels.shape == (400, 400)
    for name in ("labels", "stable", "steps", "stability_open", "numerical"):
        np.testing.assert_array_equal(getattr(remote, name), getattr(local, name), name)
    # both minima of f4 are reached, and some starts diverge: the map is not trivial
    assert {-1, 1, 2} <= set(np.unique(remote.labels).tolist())
    assert remote.to_dict() == {**local.to_dict(), "seconds": remote.seconds}
    assert cluster.n_workers() == 2


def test_sweep_on_the_cluster_equals_the_local_sweep(cluster: Cluster, tmp_path: Path,
                                                     capsys) -> None:
    args = ["sweep", "f4", "--etas", "0.1:0.6:6", "-n", "3000", "--tile", "500",
            "--format", "json", "--out"]
    assert main([*args, str(tmp_path / "remote.nc"), "--scheduler", cluster.address]) == 0
    assert "36 of 36 tiles computed" in capsys.readouterr().err
    assert main([*args, str(tmp_path / "local.zarr")]) == 0
    remote = Sweep.from_xarray(read_dataset(tmp_path / "remote.nc"))
    local = Sweep.from_xarray(read_dataset(tmp_path / "local.zarr"))
    assert len(remote.points) == 6
    assert remote == local
    assert [p.counts for p in remote.points] == [p.counts for p in local.points]


@pytest.mark.slow  # about 15 s: two processes started, 360 tiles
def test_a_killed_worker_loses_nothing(fresh_cluster: Cluster, tmp_path: Path) -> None:
    """SIGKILL one of the two workers after the first tiles are stored: the scheduler
    reruns its tasks on the other; every tile is stored once and the sweep is the one a
    local run gives."""
    out = tmp_path / "s.nc"
    n, etas = 30000, ["1/10", "1/5", "3/10", "2/5", "1/2", "3/5"]
    total = len(etas) * (n // 500)
    cmd = [sys.executable, "-c", "import sys; from symstab.cli import main; "
           "sys.exit(main(sys.argv[1:]))", "sweep", "f4", "--etas", ",".join(etas), "-n",
           str(n), "--tile", "500", "--format", "json", "--out", str(out), "--scheduler",
           fresh_cluster.address]
    proc = subprocess.Popen(cmd, env=fresh_cluster.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        tiles = tile_directory(out)
        while len(list(tiles.glob("tile-*.npz"))) < 5:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no tiles within 120 s"
            time.sleep(0.01)
        victim = fresh_cluster.workers[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        kept = len(list(tiles.glob("tile-*.npz")))
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert kept < total  # the worker died mid-run
    assert proc.returncode == 0, err
    assert re.search(rf"\b{total} of {total} tiles computed\b", err), err  # each once
    assert fresh_cluster.n_workers() == 1
    # the scheduler saw the worker go during the run (its tasks are rerun elsewhere)
    assert "Remove worker" in (fresh_cluster.where / "scheduler.log").read_text()
    plain = sweep(load_loss("f4"), etas, uniform_box_sampler([(-3.0, 3.0)] * 2, 0), n,
                  max_steps=5000)
    assert Sweep.from_xarray(read_dataset(out)) == plain
