"""Which autodiff library is faster for the network experiment: PyTorch CPU vs JAX CPU.

Workload (the one of :mod:`symstab.nn.experiment`): fully connected GELU networks of
width 32 on 256 digits (float64), depths 1 and 3,

* **GD**: ``K = 20`` initialisations trained together, full-batch GD, ``STEPS`` steps
  (milliseconds per step of the whole batch);
* **sharpness**: λmax of one network by ``LANCZOS`` Lanczos steps on Hessian-vector
  products (seconds per λmax, Lanczos in NumPy, HVPs in the backend).

Each (backend, threads) pair runs in a fresh subprocess pinned to that many cores
(``sched_setaffinity``) with the libraries' thread counts set to match (OMP/MKL,
``torch.set_num_threads``, XLA's ``intra_op_parallelism_threads``). Compilation (JAX
``jit``) is excluded by a warm-up call; the time is the best of ``REPEATS`` runs. A
backend that is not installed is skipped, with a message.

Run::

    python benchmarks/bench_nn_backends.py            # both backends, 1 and 2 threads
    python benchmarks/bench_nn_backends.py --quick    # fewer steps
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

DEPTHS = (1, 3)
K = 20
STEPS = 200
CHUNK = 100
LANCZOS = 20
REPEATS = 3


def _child(backend_name: str, threads: int, steps: int) -> dict[str, float]:
    os.sched_setaffinity(0, set(range(threads)))
    import numpy as np

    if backend_name == "torch":
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(1)
    from symstab.nn.backend import get_backend
    from symstab.nn.data import load_digits_subset
    from symstab.nn.lanczos import lanczos_extreme
    from symstab.nn.model import MLPSpec, init_params

    backend = get_backend(backend_name)
    data = load_digits_subset(256, seed=0)
    out: dict[str, float] = {}
    for depth in DEPTHS:
        spec = MLPSpec(depth=depth, width=32)
        params = init_params(spec, K, seed=1)
        etas = np.full(K, 0.1)
        active = np.ones(K, dtype=bool)
        chunk = min(CHUNK, steps)
        backend.gd(params, data.X, data.Y, etas, active, chunk, 1e6, "gelu")  # warm-up
        best = float("inf")
        for _ in range(REPEATS):
            p = params
            t0 = time.perf_counter()
            for _ in range(steps // chunk):
                p = backend.gd(p, data.X, data.Y, etas, active, chunk, 1e6, "gelu").params
            best = min(best, time.perf_counter() - t0)
        out[f"gd_ms_per_step_depth{depth}"] = 1e3 * best / (steps // chunk * chunk)
        hv = backend.hvp(params, data.X, data.Y, "gelu")
        lanczos_extreme(hv, spec.n_params, iterations=3)  # warm-up
        best = float("inf")
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            hv = backend.hvp(params, data.X, data.Y, "gelu")
            lanczos_extreme(hv, spec.n_params, iterations=LANCZOS)
            best = min(best, time.perf_counter() - t0)
        out[f"lanczos_s_depth{depth}"] = best
    return out


def _run(backend_name: str, threads: int, steps: int) -> dict[str, float] | None:
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads))
    if threads == 1:
        env["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false "
                            "intra_op_parallelism_threads=1")
    cmd = [sys.executable, __file__, "--child", backend_name, str(threads), str(steps)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"  {backend_name} ({threads} thread(s)) failed:\n{proc.stderr[-2000:]}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run every installed backend at 1 and 2 threads and print times and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 GD steps instead of 200")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, threads, steps = args.child
        print(json.dumps(_child(name, int(threads), int(steps))))
        return
    steps = 100 if args.quick else STEPS
    threads_list = [t for t in (1, 2) if t <= (os.cpu_count() or 1)]
    print(f"workload: width 32, 256 digits, float64, K={K} inits x {steps} GD steps; "
          f"lambda_max by {LANCZOS} Lanczos steps; depths {DEPTHS}; best of {REPEATS}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
          "(other processes share the cores: times are noisy)")
    results: dict[tuple[str, int], dict[str, float]] = {}
    for name, module in (("torch", "torch"), ("jax", "jax")):
        if importlib.util.find_spec(module) is None:
            print(f"{name}: not installed, skipped")
            continue
        for threads in threads_list:
            r = _run(name, threads, steps)
            if r is not None:
                results[(name, threads)] = r
    keys = [f"gd_ms_per_step_depth{d}" for d in DEPTHS] + [f"lanczos_s_depth{d}" for d in DEPTHS]
    print()
    print(f"{'backend':8} {'threads':>7} " + " ".join(f"{k:>24}" for k in keys))
    for (name, threads), r in results.items():
        print(f"{name:8} {threads:7d} " + " ".join(f"{r[k]:24.4f}" for k in keys))
    print()
    for threads in threads_list:
        t, j = results.get(("torch", threads)), results.get(("jax", threads))
        if t and j:
            ratios = " ".join(f"{k}={t[k] / j[k]:.2f}" for k in keys)
            print(f"torch/jax time ratio, {threads} thread(s): {ratios}")
    for name in ("torch", "jax"):
        one, two = results.get((name, 1)), results.get((name, 2))
        if one and two:
            ratios = " ".join(f"{k}={one[k] / two[k]:.2f}" for k in keys)
            print(f"{name} speed-up 2 threads vs 1: {ratios}")
    if all(importlib.util.find_spec(m) is not None for m in ("torch", "jax")):
        print(f"torch vs jax, same GD runs: largest relative loss difference "
              f"{_agreement():.2e} (float64; should be ~1e-12)")


def _agreement() -> float:
    """Largest relative difference of the losses of the same GD runs on both backends."""
    import numpy as np

    from symstab.nn.backend import get_backend
    from symstab.nn.data import load_digits_subset
    from symstab.nn.model import MLPSpec, init_params

    data = load_digits_subset(n=64)
    spec = MLPSpec(depth=2, width=8)
    params = init_params(spec, 3, seed=0)
    etas = np.array([0.1, 0.5, 2.0])
    outs = [get_backend(name).gd(params, data.X, data.Y, etas, np.ones(3, bool), 20, 1e6,
                                 "gelu") for name in ("jax", "torch")]
    a, b = np.asarray(outs[0].losses), np.asarray(outs[1].losses)
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(np.abs(a[ok]), 1e-300)))


if __name__ == "__main__":
    main()
