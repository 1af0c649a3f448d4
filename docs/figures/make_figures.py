"""Render the documentation figures into ``docs/figures/``.

* ``chen_fig2.png`` — Chen et al.'s Fig. 2 for f1–f4: landscape and basin maps
  (U_η cyan, V_η \\ U_η dark blue, rest grey) at η = η*·(0.2, 0.4, 0.6, 0.8, 0.98),
  200×200 starts per map, at most 2000 GD steps each;
* ``chen_fig3.png`` — Chen et al.'s Fig. 3 on f4 at η = 3/10 from (0.1, 2.5) and (1.5, 2);
* ``chen_fig3_eta_scan.png`` — the outcome from both starts against η;
* ``craciun_fig1.png`` — Crăciun & Ghoshdastidar's Fig. 1: GD on ½(1 − xy)² at η = 0.4
  (converging into M_WS, red) and η = 1.1 (M_WS empty, no convergence);
* ``craciun_fig2.png`` — Crăciun & Ghoshdastidar's Fig. 2 for ½(1 − xy)²: the fraction
  of the 45 × 45 grid of starts in [-3, 3]² from which GD converges, with its 95% Wilson
  band, the part of it labelled by certified regions (the tubes around the hyperbola),
  and the normalised length of M_WS(η), for η = 0.1, 0.15, ..., 1.2;
* ``craciun_fig2_chain3.png`` — the same for ½(1 − abc)² (N = 1000 uniform starts in
  [-2, 2]³, η = 0.1, 0.2, ..., 0.9, tubes refined at most 4 times; no M_WS length, its
  minima form a surface);
* ``gradient_norm.png`` — the asymptotic gradient norm (mean ‖∇f‖ over the last 200 of
  5000 steps, median over 1000 uniform starts) against η for ½(1 − xy)² and the matrix
  network linear-net:2x2x2, with the exact critical η of each;
* ``landing_xy.png`` — where GD lands on the hyperbola xy = 1: the histogram of
  ηλmax(θ∞)/2 over the converging starts of a 400 × 400 basin map of [-2, 2]² at
  η = 0.4 and 0.9.

Run ``python docs/figures/make_figures.py [--grid N] [--out DIR]``; it prints the
fractions of U_η and V_η \\ U_η per map and the time taken.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from symstab.catalog import linear_net
from symstab.dynamics.basins import basin_map
from symstab.dynamics.gradient_norm import asymptotic_gradient_norm
from symstab.dynamics.sweep import grid_sampler, sweep, uniform_box_sampler
from symstab.exact.analysis import analyze
from symstab.exact.linear_net import network_facts
from symstab.loss import Loss
from symstab.plot import (
    chen_fig2_data,
    chen_fig2_rows,
    chen_fig3,
    chen_fig3_eta_scan,
    craciun_fig1,
    craciun_fig2,
    gradient_norm_figure,
    landing_figure,
)

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    """Render the figures; return the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=200, help="starts per axis of a basin map")
    ap.add_argument("--max-steps", type=int, default=2000, help="GD step cap of the maps")
    ap.add_argument("--out", type=Path, default=HERE, help="output directory")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    rows = [
        chen_fig2_data(name, grid=args.grid, max_steps=args.max_steps)
        for name in ("f1", "f2", "f3", "f4")
    ]
    print(f"{'loss':4} {'eta':>16} {'eta/eta*':>8} {'U':>7} {'V-U':>7} {'div':>7} {'undet':>7}")
    for row in rows:
        for r in row.summary():
            print(
                f"{r['loss']:4} {r['eta']:>16} {r['eta_over_eta_star']:8.2f} {r['U']:7.2%}"
                f" {r['V_minus_U']:7.2%} {r['diverged']:7.2%} {r['undetermined']:7.2%}"
            )
    chen_fig2_rows(data=rows, path=args.out / "chen_fig2.png")
    t1 = time.perf_counter()
    chen_fig3("f4", "3/10", path=args.out / "chen_fig3.png")
    _, scan = chen_fig3_eta_scan("f4", path=args.out / "chen_fig3_eta_scan.png")
    for s in scan:
        print(
            f"f4 eta={s.eta} start={s.start}: {s.outcome}, stable={s.stable}, "
            f"{s.n_loss_increases} loss increases"
        )
    t2 = time.perf_counter()
    sweeps = (
        # name, step sizes (exact decimals), N, sampler, file
        ("xy", [f"{k / 20:.2f}" for k in range(2, 25)], 45**2,
         grid_sampler([(-3, 3)] * 2, 45), "craciun_fig2.png"),
        ("chain3", [f"{k / 10:.1f}" for k in range(1, 10)], 1000,
         uniform_box_sampler([(-2, 2)] * 3, 0), "craciun_fig2_chain3.png"),
    )
    for name, etas, n, sampler, fname in sweeps:
        # chain3: tubes refined 4 times instead of 6 (a 97.5% certified share instead of
        # 99.96% on a 60³ map, in a third of the time)
        options = {"depth": 4} if name == "chain3" else None
        res = sweep(Loss.from_catalog(name), etas, sampler, n, manifold_options=options)
        crit = res.eta_critical.exact if res.eta_critical is not None else None
        print(f"{name}: eta_critical = {crit}, criterion: {res.criterion}")
        mws = dict(res.mws_length_normalised or ())
        for p in res.points:
            m = mws.get(p.eta)
            print(
                f"  eta={p.eta!s:>6} fraction={p.fraction:6.2%} "
                f"[{p.ci_low:6.2%}, {p.ci_high:6.2%}]"
                + (f" certified={p.certified_fraction:6.2%}"
                   if p.certified_fraction is not None else "")
                + (f" |M_WS|/|M_WS(0.1)|={m:.4f}" if m is not None else "")
            )
        craciun_fig2(res, path=args.out / fname)
    craciun_fig1("xy", ("0.4", "1.1"), path=args.out / "craciun_fig1.png")
    t3 = time.perf_counter()
    xy = Loss.from_catalog("xy")
    landings = []
    for eta in ("0.4", "0.9"):
        landed = basin_map(xy, eta, ((-2, 2, 400), (-2, 2, 400)), landing=True).landing
        hist = landed.histogram()
        edge = float((landed.sharpness_ratio[landed.landed] >= 0.95).mean())
        print(f"xy landing at eta={eta}: {hist['landed']} limits, {hist['above_one']} above "
              f"the edge, {edge:.2%} within 0.05 of it")
        landings.append(landed)
    landing_figure(landings, loss_name="½(1 − xy)²", path=args.out / "landing_xy.png")
    norms, crits = [], []
    for name, box, etas, crit in (
        ("xy", [(-2, 2)] * 2, [f"{k / 20:.2f}" for k in range(2, 31)],
         analyze(Loss.from_catalog("xy")).eta_critical.expr),
        ("linear-net:2x2x2", [(-1.5, 1.5)] * 8, [f"{k / 40:.3f}" for k in range(2, 31)],
         network_facts(linear_net("linear-net:2x2x2")).eta_critical),
    ):
        res = asymptotic_gradient_norm(Loss.from_catalog(name), etas, box, 1000)
        below = [p for p in res.points if p.eta < crit]
        above = [p for p in res.points if p.eta > crit and p.diverged < p.n]
        print(f"{name}: critical eta {crit}; largest median |grad f| below it "
              f"{max(p.median for p in below):.2g}, smallest above it "
              f"{min(p.median for p in above):.2g}")
        norms.append(res)
        crits.append(crit)
    gradient_norm_figure(norms, crits, path=args.out / "gradient_norm.png")
    t4 = time.perf_counter()
    print(
        f"chen_fig2: {t1 - t0:.1f} s, chen_fig3 + scan: {t2 - t1:.1f} s, "
        f"craciun_fig1-2: {t3 - t2:.1f} s, landing: {t4 - t3:.1f} s, total {t4 - t0:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
