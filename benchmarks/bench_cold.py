"""What a user waits for: wall times of fresh processes, empty and warm kernel cache.

Run as a script (not part of the test run)::

    python benchmarks/bench_cold.py [--quick]

Each line is one new Python process, timed from outside (``subprocess`` wall time):

* ``symstab basin f4 --eta 0.5 --grid "-3,3,S;-3,3,S" --max-steps 2000`` (S = 1000, or
  200 with ``--quick``) with an empty kernel cache (``SYMSTAB_CACHE_DIR`` a new
  directory) and then warm (the same directory again);
* a fresh process that compiles and runs a 20-line hand-written numba kernel for the
  same map (GD on f4 from the same grid, the same step budget, diverged past |θ| > 1e8,
  converged within 1e-3 of a minimum): the baseline;
* ``symstab sweep xy --etas 0.5:1.1:4 -n 2000``, empty and warm.

Printed: seconds and the ratios to the baseline measured in the same run. Targets (issue
on cold start): empty cache <= 1.5x the baseline, warm <= 0.5x it and under 2 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

HAND_WRITTEN = r'''
import numba, numpy as np, sys
side, steps = int(sys.argv[1]), int(sys.argv[2])

@numba.njit(parallel=True, fastmath=False)
def run(xs, ys, eta, steps, out):
    m = np.sqrt(19.0) / (2.0 * np.sqrt(5.0))
    for i in numba.prange(xs.size):
        x, y, lab = xs[i], ys[i], 0
        for _ in range(steps):
            r = 1.0 - x * y
            gx, gy = -2.0 * r * y + x / 10.0, -2.0 * r * x + y / 10.0
            x, y = x - eta * gx, y - eta * gy
            if not (x * x + y * y <= 1e16):
                lab = -1
                break
            if (x - m) ** 2 + (y - m) ** 2 < 1e-6:
                lab = 1
                break
            if (x + m) ** 2 + (y + m) ** 2 < 1e-6:
                lab = 2
                break
        out[i] = lab

g = np.linspace(-3.0, 3.0, side)
X, Y = np.meshgrid(g, g)
out = np.zeros(side * side, np.int64)
run(X.ravel(), Y.ravel(), 0.5, steps, out)
print(np.bincount(out + 1))
'''


def _wall(args: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 200 x 200 grid")
    args = parser.parse_args()
    side = 200 if args.quick else 1000
    steps = 2000
    exe = [sys.executable, "-m", "symstab"]
    basin = [*exe, "basin", "f4", "--eta", "0.5", "--grid", f"-3,3,{side};-3,3,{side}",
             "--max-steps", str(steps)]
    sweep = [*exe, "sweep", "xy", "--etas", "0.5:1.1:4", "-n", "2000"]
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "SYMSTAB_CACHE_DIR": cache}
        env.pop("SYMSTAB_NO_CACHE", None)
        base = _wall([sys.executable, "-c", HAND_WRITTEN, str(side), str(steps)], env)
        rows = [("hand-written numba kernel (baseline)", base)]
        rows.append((f"basin f4 {side}x{side}, empty cache", _wall(basin, env)))
        rows.append((f"basin f4 {side}x{side}, warm cache", _wall(basin, env)))
        rows.append(("sweep xy 4 etas x 2000, empty cache", _wall(sweep, env)))
        rows.append(("sweep xy 4 etas x 2000, warm cache", _wall(sweep, env)))
    print(f"fresh processes, wall time (load average {os.getloadavg()[0]:.1f})")
    for name, seconds in rows:
        print(f"  {name:40s} {seconds:7.2f} s   {seconds / base:5.2f}x baseline")


if __name__ == "__main__":
    main()
