"""Benchmark of a basin map computed in tiles and written to Zarr, against the map held
in memory.

Run as a script (not part of the test run)::

    python benchmarks/bench_tiles.py [--side 4000]

f4 = (1 - xy)^2 + (x^2 + y^2)/20 on a side x side grid over [-3, 3]^2 at eta = 1/2
(max_steps 10000), two ways, each in a child process of its own so that its peak memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of the child, imports included) is its
own:

* ``in memory``: :func:`symstab.dynamics.basins.basin_map` on the whole grid, the
  result kept as a :class:`~symstab.dynamics.basins.result.BasinMap`;
* ``tiles -> Zarr``: :func:`symstab.dynamics.resume.tiled_basin_map` (tiles of
  65 536 points, each stored as it finishes, as ``symstab basin --out F.zarr`` does),
  then the dataset written to a ``.zarr`` directory and the tiles removed.

Printed: one line with both wall times (the best of ``--repeat`` runs of each, taken
alternately so that both see the same load on a shared machine) and peak memories (the
largest), their ratios (tiled over in memory), and the size of the Zarr directory on
disk; the labels of both runs are compared (they must be identical).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ETA = "1/2"


def _grid(side: int) -> tuple[tuple[float, float, int], ...]:
    return ((-3.0, 3.0, side), (-3.0, 3.0, side))


def child(mode: str, side: int, where: Path) -> dict[str, float]:
    """Run one mode here and return its wall time, peak memory and output size."""
    import numpy as np

    from symstab.loss import load_loss

    loss = load_loss("f4")
    t0 = time.perf_counter()
    size = 0
    if mode == "memory":
        from symstab.dynamics.basins import basin_map

        bmap = basin_map(loss, ETA, _grid(side))
    else:
        from symstab.dynamics.datafiles import write_dataset
        from symstab.dynamics.resume import discard_tiles, tiled_basin_map

        out = where / "f4.zarr"
        bmap, _ = tiled_basin_map(loss, ETA, _grid(side), out)
        write_dataset(bmap.to_xarray(loss=loss), out)
        discard_tiles(out)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    wall = time.perf_counter() - t0
    np.save(where / f"{mode}.npy", bmap.labels)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB (Linux)
    return {"wall": wall, "peak_mib": peak, "bytes": size}


def main() -> None:
    """Run both modes in child processes and print one line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each mode; the best wall time is printed")
    parser.add_argument("--child", choices=["memory", "tiles"], help=argparse.SUPPRESS)
    parser.add_argument("--where", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.side, Path(args.where))))
        return
    import numpy as np

    from symstab.dynamics.basins import basin_map
    from symstab.loss import load_loss

    # compile (or load) the kernel once, so that neither child pays for compiling it
    basin_map(load_loss("f4"), ETA, _grid(10))
    with tempfile.TemporaryDirectory() as tmp:
        runs: dict[str, dict[str, float]] = {}
        for _ in range(args.repeat):  # alternately, so that both see the same load
            for mode in ("memory", "tiles"):
                done = subprocess.run([sys.executable, __file__, "--side", str(args.side),
                                       "--child", mode, "--where", tmp], check=True,
                                      capture_output=True, text=True)
                run = json.loads(done.stdout.strip().splitlines()[-1])
                best = runs.setdefault(mode, run)
                best["wall"] = min(best["wall"], run["wall"])
                best["peak_mib"] = max(best["peak_mib"], run["peak_mib"])
        same = np.array_equal(np.load(Path(tmp) / "memory.npy"),
                              np.load(Path(tmp) / "tiles.npy"))
    mem, til = runs["memory"], runs["tiles"]
    print(f"f4 {args.side}x{args.side} at eta={ETA} (best of {args.repeat}): in memory "
          f"{mem['wall']:.1f} s, "
          f"peak {mem['peak_mib']:.0f} MiB; tiles -> Zarr {til['wall']:.1f} s, "
          f"peak {til['peak_mib']:.0f} MiB, {til['bytes'] / 2**20:.1f} MiB on disk; "
          f"ratios tiles/memory: time {til['wall'] / mem['wall']:.2f}x, "
          f"memory {til['peak_mib'] / mem['peak_mib']:.2f}x; labels identical: {same}")


if __name__ == "__main__":
    main()
