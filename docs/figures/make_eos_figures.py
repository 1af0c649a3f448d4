"""Render the edge-of-stability and balancing figures into ``docs/figures/``.

* ``eos_xy.png`` — the slides' three panels (loss; sharpness with 2/η; RP with 0) for
  ½(1 − xy)² at η = 2/25 from (5.05, 0.19): unstable convergence;
* ``eos_f4_fig3.png`` — the same for Chen et al.'s Fig. 3 start: f4 at η = 3/10 from
  (0.1, 2.5), whose unstable phase is a transient of a few steps;
* ``balancing_xy.png`` — |x∞ − y∞| against h·L for unbalanced starts of ½(1 − xy)²,
  with 2/L and 4/L marked.

Run ``python docs/figures/make_eos_figures.py [--step 1/40] [--out DIR]``; it prints
the summaries and, per start, the largest h·L up to which the gap is non-increasing.
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction
from pathlib import Path

import sympy as sp

from symstab.dynamics.eos import balancing_scan, eos_metrics
from symstab.loss import Loss
from symstab.plot import balancing_figure, eos_figure

HERE = Path(__file__).resolve().parent
R = sp.Rational
STARTS = ((R(2), R(1, 10)), (R(5, 2), R(1, 10)), (R(3), R(1, 10)), (R(4), R(1, 20)),
          (R(5), R(1, 10)))


def main(argv: list[str] | None = None) -> int:
    """Render the figures; return the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--step", default="1/40", help="grid step of h·L (exact)")
    ap.add_argument("--out", default=str(HERE), help="output directory")
    args = ap.parse_args(argv)
    out = Path(args.out)
    step = sp.Rational(Fraction(args.step))
    xy, f4 = Loss.from_catalog("xy"), Loss.from_catalog("f4")

    t = time.perf_counter()
    r = eos_metrics(xy, R(2, 25), (R(101, 20), R(19, 100)), steps=600, dps=40)
    eos_figure(r, path=out / "eos_xy.png")
    print("eos_xy:", r.summary.evidence)
    r = eos_metrics(f4, R(3, 10), (R(1, 10), R(5, 2)), steps=60, dps=40)
    eos_figure(r, path=out / "eos_f4_fig3.png")
    print("eos_f4_fig3:", r.summary.evidence)

    ratios = [step * k for k in range(1, int(R(9, 2) / step) + 1)]
    scans = [balancing_scan(xy, s, ratios, dps=30) for s in STARTS]
    balancing_figure(scans, path=out / "balancing_xy.png")
    for s in scans:
        disagree = [sp.sstr(p.ratio) for p in s.points if not p.agree]
        first_v = s.violations[0] if s.violations else None
        print(f"balancing from ({', '.join(map(sp.sstr, s.theta0))}), L = {float(s.L):.6g}: "
              f"non-increasing up to h·L = {s.monotone_up_to}; first rise "
              f"{None if first_v is None else (sp.sstr(first_v[0]), sp.sstr(first_v[1]))}; "
              f"first divergence at h·L = {s.first_divergence}; precisions disagree at "
              f"{disagree or 'none'}")
        for p in s.points:
            if p.ratio in (R(1, 2), 1, 2, R(5, 2), 3):
                print(f"    h·L = {sp.sstr(p.ratio)}: |x∞ − y∞| = {p.gap:.6f}, "
                      f"λmax(limit) = {p.sharpness:.6f}")
    print(f"done in {time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
