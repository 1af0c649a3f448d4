"""Crăciun & Ghoshdastidar Figs. 3–4 in reduced size, on scikit-learn's 8×8 digits.

Writes ``docs/figures/craciun_fig3_digits.png`` (percentage of converging
initialisations against η, depths 1–3), ``docs/figures/craciun_fig3_digits_sharpness.png``
(λmax at converged end points against 2/η) and ``docs/figures/craciun_fig3_digits.json``
(all numbers). Run from the repository root::

    python docs/figures/make_network_figures.py            # N = 20, T = 2000 (minutes)
    python docs/figures/make_network_figures.py --quick    # N = 8, T = 500
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from symstab.nn import converging_fraction, load_digits_subset
from symstab.plot import converging_fraction_figure, sharpness_figure

HERE = Path(__file__).resolve().parent
ETAS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.5, 2.0)
DEPTHS = (1, 2, 3)


def main() -> None:
    """Run the sweeps and write the figures and the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 8, T = 500")
    parser.add_argument("--n-inits", type=int, default=20)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    n_inits, steps = (8, 500) if args.quick else (args.n_inits, args.steps)
    data = load_digits_subset(256, seed=0)
    sweeps = []
    for depth in DEPTHS:
        t0 = time.perf_counter()
        s = converging_fraction(depth, ETAS, n_inits=n_inits, steps=steps, seed=0, data=data)
        sweeps.append(s)
        row = " ".join(f"{p.eta:g}:{p.n_converged}/{p.n}" for p in s.points)
        print(f"depth {depth} ({time.perf_counter() - t0:.0f} s): {row}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    converging_fraction_figure(sweeps, threshold=1.0,
                               threshold_label="η = 1 (paper, MNIST: no convergence past it)",
                               path=args.out / "craciun_fig3_digits.png")
    sharpness_figure(sweeps, path=args.out / "craciun_fig3_digits_sharpness.png")
    (args.out / "craciun_fig3_digits.json").write_text(
        json.dumps([s.to_dict() for s in sweeps], indent=1) + "\n")
    print(f"wrote {args.out / 'craciun_fig3_digits.png'}")


if __name__ == "__main__":
    main()
