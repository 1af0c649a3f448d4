"""Write the multiscale (Kong & Tao) and modified-equation figures to docs/figures/.

* ``kongtao_landscape_1d.png`` — ``multiscale-1d`` (x²/2 + ε sin(x/ε), ε = 1/1000) with
  f0 = x²/2, a zoom on its wells, and GD from x0 = 0.3 at h = 1/2000 (captured by a well)
  and h = 1/20 (jumping over many wells).
* ``kongtao_gibbs_1d.png`` — the histogram of θ_300 over 80000 uniform starts in
  [−1/2, 1/2] at h = 1/20 against the Gibbs density at Kong & Tao's T = hσ²/2 and at 4T;
  the same at h = 1/2000, where the iterates stay where they started.
* ``kongtao_gibbs_2d.png`` — ``multiscale-2d`` at h = 1/20: 40000 iterates θ_300 over
  the level sets of the Gibbs density, and the histogram of f0(θ_300) against the Gibbs
  law of f0.
* ``modified_order.png`` — GD against the flows of f̃_h = f + (h/4)‖∇f‖² and of f at
  T = 1 on ½(1 − xy)² from (1/2, 3/2) and on x²/2 from 1, against h = 1/n; observed
  orders log₂(e(h)/e(h/2)).

The samples are those of the claims ``kongtao.gibbs.1d`` and ``kongtao.gibbs.2d`` at the
full budget. Run: ``python docs/figures/make_kongtao_figures.py`` (about 25 s); it prints
the numbers quoted in docs/kongtao.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sympy as sp

from proofs_check import kongtao
from symstab.codegen import compile_loss
from symstab.dynamics.gibbs import GibbsLaw, fit_temperature, gd_final_iterates, ks_distance
from symstab.dynamics.modified import modified_flow_errors
from symstab.loss import Loss
from symstab.plot.kongtao import (
    gibbs_histogram_figure,
    gibbs_scatter_figure,
    multiscale_landscape_figure,
)
from symstab.plot.modified import modified_order_figure

HERE = Path(__file__).resolve().parent
R = sp.Rational
SMALL, LARGE = R(1, 2000), R(1, 20)
STEPS = 300


def _parts(name: str):  # type: ignore[no-untyped-def]
    ms = kongtao.multiscale(name)
    f = compile_loss(ms.loss.expr, ms.loss.params).numpy()
    f0 = compile_loss(ms.f0, ms.loss.params).numpy()
    return ms, f, f0


def landscape() -> None:
    """The 1-D loss and two GD paths."""
    _, f, f0 = _parts("multiscale-1d")
    x = np.linspace(-1, 1, 20001)
    zx = np.linspace(-0.02, 0.02, 2001)
    paths = {}
    for h in (SMALL, LARGE):
        xs = [np.array([[0.3]])]
        for _ in range(60):
            xs.append(xs[-1] - float(h) * f.gradient(xs[-1]))
        paths[f"h = {h}"] = np.array([p[0, 0] for p in xs])
        print(f"GD from 0.3 at h = {h}: x_60 = {paths[f'h = {h}'][-1]:.6f}, "
              f"range over k = 0..60: {np.ptp(paths[f'h = {h}']):.4f}")
    multiscale_landscape_figure(x, f.value(x[:, None]), f0.value(x[:, None]),
                                (zx, f.value(zx[:, None]), f0.value(zx[:, None])), paths,
                                path=HERE / "kongtao_landscape_1d.png",
                                title="x²/2 + ε sin(x/ε), ε = 1/1000")


def gibbs_1d() -> None:
    """Histograms of the 1-D iterates against Gibbs densities."""
    ms, f, f0 = _parts("multiscale-1d")
    box = ((-1.0, 1.0),)
    grid = np.linspace(-0.6, 0.6, 1201)
    panels, curves = [], []
    for h, n in ((LARGE, 80000), (SMALL, 80000)):
        x = gd_final_iterates(f.gradient, kongtao.uniform_starts(n, 1), float(h), STEPS)
        T = float(h) * float(ms.sigma2) / 2
        dens = {}
        for c in (1, 4):
            law = GibbsLaw(f0.value, c * T, box)
            d = ks_distance(x[:, 0], law.marginal_cdf(0))
            label = "Gibbs, T = hσ²/2" if c == 1 else "Gibbs, T = 4·hσ²/2"
            factor = "" if c == 1 else "4·"
            dens[f"{label} (KS {d:.4f})"] = law.density(grid[:, None])
            print(f"1-D h = {h}: T = {factor}hσ²/2 = {c * T:.6g}, KS distance {d:.4f} (n = {n})")
        t_fit = fit_temperature(f0.value, float(np.mean(f0.value(x))), box)
        print(f"1-D h = {h}: maximum-likelihood T = {t_fit:.6g} (ratio {t_fit / T:.4f}); "
              f"discrete-time value hσ²/(2 − h) = {float(h) * 0.5 / (2 - float(h)):.6g}")
        panels.append((f"h = {h}: θ_{STEPS} from uniform starts in [−1/2, 1/2]", x))
        curves.append(dens)
    gibbs_histogram_figure(panels, grid, curves, path=HERE / "kongtao_gibbs_1d.png",
                           title="x²/2 + ε sin(x/ε), ε = 1/1000: GD iterates against "
                                 "Z⁻¹exp(−f0/T)")


def gibbs_2d() -> None:
    """The 2-D iterates over the Gibbs density, and the law of f0."""
    ms, f, f0 = _parts("multiscale-2d")
    n = 40000
    x = gd_final_iterates(f.gradient, kongtao.uniform_starts(n, 2), float(LARGE), STEPS)
    T = float(LARGE) * float(ms.sigma2) / 2
    box = ((-1.0, 1.0), (-1.0, 1.0))
    law = GibbsLaw(f0.value, T, box, points=801)
    xs = np.linspace(-0.4, 0.4, 401)
    mesh = np.stack(np.meshgrid(xs, xs, indexing="ij"), axis=-1)
    gibbs_scatter_figure(x, (xs, xs), law.density(mesh),
                         path=HERE / "kongtao_gibbs_2d.png",
                         title=f"(x² + xy + y²)/2 + ε sin(x/ε) sin(y/ε), h = {LARGE}: "
                               f"θ_{STEPS}\nagainst the Gibbs density at T = hσ²/2 = {T:g}")
    u = np.linspace(0, 8 * T, 81)
    cdf = law.value_cdf()
    d = ks_distance(f0.value(x), cdf)
    print(f"2-D h = {LARGE}: T = {T:g}, KS distance of f0 {d:.4f}, of x "
          f"{ks_distance(x[:, 0], law.marginal_cdf(0)):.4f}, of y "
          f"{ks_distance(x[:, 1], law.marginal_cdf(1)):.4f} (n = {n})")
    gibbs_histogram_figure([(f"f0(θ_{STEPS}), h = {LARGE}", f0.value(x))], u,
                           [{f"Gibbs law of f0, T = {T:g} (KS {d:.4f})":
                             np.gradient(cdf(u), u)}],
                           xlabel="f0", path=HERE / "kongtao_gibbs_2d_f0.png")


def modified_order() -> None:
    """Errors and observed orders of the modified equation against h."""
    ns = sorted(set(range(1, 25)) | set(range(2, 49, 2)))
    hs = [R(1, k) for k in ns]
    x = sp.Symbol("x", real=True)
    results = {
        "½(1 − xy)²": modified_flow_errors(Loss.from_catalog("xy"), (R(1, 2), R(3, 2)), hs,
                                           dps=20),
        "x²/2": modified_flow_errors(Loss.from_expr(x**2 / 2, [x], name="x^2/2"), (1,), hs,
                                     dps=20),
    }
    L = {"½(1 − xy)²": float((5 + sp.sqrt(20)) / 4), "x²/2": 1.0}
    for label, res in results.items():
        print(f"{label}: h, order vs f̃, order vs f")
        plain = dict(res.orders("plain"))
        for h, o in sorted(res.orders(), reverse=True):
            print(f"  {h:.4f}  {o:.4f}  {plain[h]:.4f}")
    modified_order_figure(results, L=L, band=1.75, path=HERE / "modified_order.png",
                          title="GD against the gradient flows of f and of "
                                "f + (h/4)‖∇f‖² at T = 1")


def main() -> None:
    """Write the figures."""
    landscape()
    gibbs_1d()
    gibbs_2d()
    modified_order()


if __name__ == "__main__":
    main()
