"""Crăciun & Ghoshdastidar Figs. 3–4 in reduced size, on scikit-learn's 8×8 digits, and the
sharpness along GD training (progressive sharpening, edge of stability).

Writes, in ``docs/figures/``:

* ``craciun_fig3_digits.png`` (percentage of converging initialisations against η under
  full-batch GD, depths 1–3), ``craciun_fig3_digits_sharpness.png`` (λmax at converged end
  points against 2/η) and ``craciun_fig3_digits.json`` (all numbers) — part ``gd``;
* ``craciun_fig4_digits_sgd.png`` (the same under mini-batch SGD, batch 32, beside GD; the
  GD curves are read from ``craciun_fig3_digits.json``) and ``craciun_fig4_digits_sgd.json``
  — part ``sgd``;
* ``craciun_digits_sharpening.png`` (λmax every 10 steps along GD on the depth-2 network
  at η = 0.1, 0.2, 0.3, three initialisations each, with the 2/η lines, and the loss) and
  ``craciun_digits_sharpening.json`` (per-run summary) — part ``sharpening``.

Run from the repository root::

    python docs/figures/make_network_figures.py                    # every part (minutes)
    python docs/figures/make_network_figures.py --part sgd         # one part
    python docs/figures/make_network_figures.py --quick            # N = 8, T = 500
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from symstab.nn import (
    MLPSpec,
    NetworkSweep,
    converging_fraction,
    init_params,
    load_digits_subset,
    sharpness_trace,
    sign_changes,
)
from symstab.plot import converging_fraction_figure, sharpness_figure
from symstab.plot.network import optimizer_comparison_figure, sharpness_trace_figure

HERE = Path(__file__).resolve().parent
ETAS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.5, 2.0)
DEPTHS = (1, 2, 3)
BATCH_SIZE = 32
SHARP_DEPTH = 2
SHARP_ETAS = (0.1, 0.2, 0.3)
SHARP_INITS = 3
SHARP_EVERY = 10


def _sweeps(optimizer: str, n_inits: int, steps: int, data) -> list[NetworkSweep]:
    out = []
    for depth in DEPTHS:
        t0 = time.perf_counter()
        s = converging_fraction(depth, ETAS, n_inits=n_inits, steps=steps, seed=0, data=data,
                                optimizer=optimizer,
                                batch_size=BATCH_SIZE if optimizer == "sgd" else None)
        out.append(s)
        row = " ".join(f"{p.eta:g}:{p.n_converged}/{p.n}" for p in s.points)
        print(f"{optimizer} depth {depth} ({time.perf_counter() - t0:.0f} s): {row}",
              flush=True)
    return out


def _gd(args: argparse.Namespace, n_inits: int, steps: int, data) -> None:
    sweeps = _sweeps("gd", n_inits, steps, data)
    converging_fraction_figure(sweeps, threshold=1.0,
                               threshold_label="η = 1 (paper, MNIST: no convergence past it)",
                               path=args.out / "craciun_fig3_digits.png")
    sharpness_figure(sweeps, path=args.out / "craciun_fig3_digits_sharpness.png")
    (args.out / "craciun_fig3_digits.json").write_text(
        json.dumps([s.to_dict() for s in sweeps], indent=1) + "\n")
    print(f"wrote {args.out / 'craciun_fig3_digits.png'}")


def _sgd(args: argparse.Namespace, n_inits: int, steps: int, data) -> None:
    gd_json = args.out / "craciun_fig3_digits.json"
    gd = [NetworkSweep.from_dict(d) for d in json.loads(gd_json.read_text())]
    sweeps = _sweeps("sgd", n_inits, steps, data)
    optimizer_comparison_figure(gd, sweeps, path=args.out / "craciun_fig4_digits_sgd.png")
    (args.out / "craciun_fig4_digits_sgd.json").write_text(
        json.dumps([s.to_dict() for s in sweeps], indent=1) + "\n")
    print(f"wrote {args.out / 'craciun_fig4_digits_sgd.png'}")


def _sharpening(args: argparse.Namespace, steps: int, data) -> None:
    t0 = time.perf_counter()
    spec = MLPSpec(depth=SHARP_DEPTH)
    base = init_params(spec, SHARP_INITS, 0)
    m = len(SHARP_ETAS)
    params = tuple((np.concatenate([W] * m), np.concatenate([b] * m)) for W, b in base)
    etas = np.repeat(np.asarray(SHARP_ETAS), SHARP_INITS)
    tr = sharpness_trace(spec, data, params, etas, steps, SHARP_EVERY, iterations=30,
                         rtol=1e-3)
    sharpness_trace_figure(tr, depth=SHARP_DEPTH,
                           path=args.out / "craciun_digits_sharpening.png")
    late = tr.steps >= 0.8 * steps
    rp = tr.relative_progress()[int(0.8 * steps):]
    rows = []
    for j in range(len(etas)):
        r = tr.ratio()[:, j]
        row = {"eta": float(etas[j]), "init": j % SHARP_INITS, "diverged": bool(tr.diverged[j])}
        if not tr.diverged[j]:
            first = int(tr.steps[np.argmax(r >= 1)]) if np.any(r >= 1) else None
            row.update({
                "lambda0": float(tr.lambda_max[0, j]), "two_over_eta": 2 / float(etas[j]),
                "lambda_max_max": float(np.nanmax(tr.lambda_max[:, j])),
                "first_step_at_2_over_eta": first,
                "median_ratio_last_fifth": float(np.median(r[late])),
                "ratio_range_last_fifth": [float(r[late].min()), float(r[late].max())],
                "fraction_above_last_fifth": float(np.mean(r[late] > 1)),
                "sign_changes_lambda_minus_2_over_eta_last_fifth": int(sign_changes(r[late] - 1)),
                "sign_changes_loss_change_last_fifth": int(sign_changes(rp[:, j])),
                "loss_end": float(tr.losses[-1, j])})
        rows.append(row)
        print(json.dumps(row), flush=True)
    (args.out / "craciun_digits_sharpening.json").write_text(json.dumps(
        {"depth": SHARP_DEPTH, "width": spec.width, "seed": 0, "steps": steps,
         "every": SHARP_EVERY, "max_relative_residual": float(np.nanmax(
             tr.residual / tr.lambda_max)), "runs": rows}, indent=1) + "\n")
    print(f"sharpening ({time.perf_counter() - t0:.0f} s): wrote "
          f"{args.out / 'craciun_digits_sharpening.png'}")


def main() -> None:
    """Run the chosen parts and write their figures and JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 8, T = 500")
    parser.add_argument("--part", choices=("all", "gd", "sgd", "sharpening"), default="all")
    parser.add_argument("--n-inits", type=int, default=20)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    n_inits, steps = (8, 500) if args.quick else (args.n_inits, args.steps)
    data = load_digits_subset(256, seed=0)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.part in ("all", "gd"):
        _gd(args, n_inits, steps, data)
    if args.part in ("all", "sgd"):
        _sgd(args, n_inits, steps, data)
    if args.part in ("all", "sharpening"):
        _sharpening(args, steps, data)


if __name__ == "__main__":
    main()
