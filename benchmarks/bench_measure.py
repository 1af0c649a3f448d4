"""Benchmark of the certified measure (:mod:`symstab.certify.measure`).

Run as a script (not part of the test run)::

    python benchmarks/bench_measure.py [--loss f4|xy] [--depths 2,3,4] [--side 400]

``f4`` = (1 - xy)^2 + (x^2 + y^2)/20 at eta = 1/2 on Chen's window [-2, 2]^2 (default
depths 2,3,4); ``xy`` = (1 - xy)^2/2 at eta = 2/5 on [-2, 2]^2, Craciun's example, whose
minima form the hyperbola xy = 1 (default depths 1,2,3; its regions are PL tubes, entered
by first-order Taylor models). For each: the time to certify the regions, then for each
depth the certified lower bounds on the converging and stably converging fractions
(16 x 16 initial cells, bisected up to ``depth`` times), the cells propagated, the wall
time, and the ratio of the certified converging bound to the sampled fraction of a
side x side basin map (with its Wilson 95% interval).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from symstab.certify.measure import certified_measure, default_regions, floor_decimal
from symstab.dynamics.basins import basin_map
from symstab.evidence import wilson_interval
from symstab.loss import Loss

CASES = {"f4": ("1/2", "2,3,4"), "xy": ("2/5", "1,2,3")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loss", choices=sorted(CASES), default="f4")
    parser.add_argument("--depths", default=None)
    parser.add_argument("--side", type=int, default=400)
    args = parser.parse_args()
    eta, depths = CASES[args.loss]
    loss = Loss.from_catalog(args.loss)
    window = ((-2, 2), (-2, 2))
    start = time.perf_counter()
    regions = default_regions(loss, eta, window=window)
    print(f"regions: {len(regions)} certified in {time.perf_counter() - start:.1f} s")
    grid = ((-2, 2, args.side), (-2, 2, args.side))
    bmap = basin_map(loss, eta, grid, regions=None if args.loss == "xy" else regions)
    labels = np.asarray(bmap.labels)
    n = labels.size
    conv = int((labels > 0).sum())
    stable = int(((labels > 0) & np.asarray(bmap.stable)).sum())
    lo, hi = wilson_interval(conv, n, 0.95)
    print(f"sampled ({args.side}^2 grid): converging {conv / n:.4f} "
          f"(Wilson 95% [{lo:.4f}, {hi:.4f}]), stable {stable / n:.4f}")
    print("depth  converging >=  stable >=   cells  box-steps  seconds  bound/sampled")
    for depth in (int(d) for d in (args.depths or depths).split(",")):
        start = time.perf_counter()
        m = certified_measure(loss, eta, window, regions, max_depth=depth, max_boxes=10**6)
        seconds = time.perf_counter() - start
        print(f"{depth:5d}  {floor_decimal(m.converging):>13s}  {floor_decimal(m.stable):>9s}"
              f"  {m.tried:6d}  {m.box_steps:9d}  {seconds:7.1f}  "
              f"{float(m.converging) / (conv / n):13.3f}")


if __name__ == "__main__":
    main()
