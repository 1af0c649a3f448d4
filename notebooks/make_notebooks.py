"""Write the gallery notebooks (without outputs) from the cell lists below.

Run ``python notebooks/make_notebooks.py`` after editing a notebook's cells here; the
``.ipynb`` files are what users open and what CI executes (``tests/test_notebooks.py``,
with ``SYMSTAB_NOTEBOOK_BUDGET=reduced``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
%matplotlib inline
import os

import sympy as sp

# CI executes the notebooks with SYMSTAB_NOTEBOOK_BUDGET=reduced (smaller grids, fewer
# samples); unset it for the full figures.
REDUCED = os.environ.get("SYMSTAB_NOTEBOOK_BUDGET", "full") == "reduced"
R = sp.Rational"""


def md(text: str) -> tuple[str, str]:
    return ("md", text)


def code(text: str) -> tuple[str, str]:
    return ("code", text)


GETTING_STARTED = [
    md("""# Getting started with symstab

symstab checks statements about gradient descent (GD) θ_{k+1} = θ_k − η∇f(θ_k) with a
fixed, large step η. Every number it reports carries its strength: `exact` (SymPy),
`certified` (interval arithmetic with outward rounding), `numerical` (floating point at
a stated precision) or `statistical` (sampling with a confidence bound).

This notebook walks through the layers: a loss, its exact analysis, one trajectory in
high precision, a basin map, an η-sweep, and a claim."""),
    code(SETUP),
    md("""## A loss

From the catalog (Chen et al.'s f1–f4, ½(1−xy)² as `xy`, linear chains) or from text.
Text goes through a whitelist parser, never `eval`; `0.05` is the exact rational 1/20."""),
    code("""from symstab.loss import Loss

f4 = Loss.from_catalog("f4")
mine = Loss.from_text("(1 - x*y)^2/2 + 0.05*x^2")
f4.expr, mine.expr"""),
    md("""## Exact analysis

Critical points with their exact eigenvalues, the type (by exact inertia) and the
maximal step η* = 2/λmax of each minimum."""),
    code("""from symstab.exact.analysis import analyze

a = analyze(f4, R(1, 2))
for p in a.points:
    print(p.kind, [c.exact for c in p.coordinates], "λmax =", p.lambda_max.exact,
          "η* =", p.eta_star.exact if p.eta_star else "—", p.stability or "")
print("GD map non-singular at η = 1/2:", a.nonsingular_at_eta)"""),
    md("""## One trajectory, classified

GD at 50 digits. It stops when the iterate enters a *certified trapping region* of a
minimum (a ball on which interval arithmetic proves that GD contracts and the loss
falls), so "converged" is a certificate, not a tolerance."""),
    code("""from symstab.dynamics.trajectory import trajectory

t = trajectory(f4, R(3, 10), (R(1, 10), R(5, 2)), steps=2000, dps=50)
c = t.classification
print(c.outcome, "| stable:", c.stable, "| loss rises:", c.n_loss_increases,
      "| strength:", c.strength)
print(c.evidence)"""),
    md("""## A basin map and an η-sweep

The fast float64 kernel (numba, parallel, compiled from SymPy) labels every start:
−1 diverged, 0 undetermined, k ≥ 1 converged into the certified region of minimum k.
A sweep reports the converging fraction with a Wilson confidence interval."""),
    code("""from symstab.dynamics.basins import basin_map
from symstab.dynamics.sweep import sweep

n = 60 if REDUCED else 300
bmap = basin_map(f4, R(1, 2), ((-3, 3, n), (-3, 3, n)), max_steps=2000)
print({k: round(v, 3) for k, v in bmap.fractions().items()})
s = sweep(Loss.from_catalog("xy"), ["0.2", "0.6", "1.1"], [(-3, 3), (-3, 3)],
          200 if REDUCED else 2000)
for p in s.points:
    print(p.eta, f"{p.fraction:.3f} [{p.ci_low:.3f}, {p.ci_high:.3f}]")"""),
    md("""## A claim

`proofs_check` turns a theorem into a check with a verdict and evidence. Here: the
maximal learning rate of f4 is 10/19 (exact), and a deliberately wrong value fails with
a counterexample."""),
    code("""from proofs_check.properties import threshold_equals

print(threshold_equals(f4, R(10, 19)).check().explain())
print(threshold_equals(f4, R(11, 19)).check().explain())"""),
]

CHEN = [
    md("""# Chen, Peng, Li, Zhao (AAAI 2024): the unstable convergence regime

The paper proves that around a strict local minimum θ* there is a forward-invariant
neighbourhood U on which GD descends (Theorem 2, Lemma 1 with C = 1 − ηM/2), that the
set U_η of stable initialisations is open (Theorem 3), and illustrates stable and
unstable convergence on four functions f1–f4 (Figs. 2 and 3). Here every number of the
paper is recomputed and put beside ours, and every theorem is checked on its examples."""),
    code(SETUP),
    md("""## Maximal learning rates (eqs. 43–46): paper vs symstab (exact)"""),
    code("""from symstab.exact.analysis import analyze
from symstab.loss import Loss

paper = {"f1": ("2", "1"), "f2": ("2", "1"), "f3": ("12", "1/6"), "f4": ("19/5", "10/19")}
print(f"{'loss':5}{'paper λmax':>12}{'ours λmax':>12}{'paper η*':>10}{'ours η*':>10}  minima")
for name, (lam, eta) in paper.items():
    minima = analyze(Loss.from_catalog(name)).minima
    ours = {(p.lambda_max.exact, p.eta_star.exact) for p in minima}
    (lam_o, eta_o), = ours  # all strict minima share the value
    pts = ", ".join("(" + ", ".join(c.exact for c in p.coordinates) + ")" for p in minima)
    print(f"{name:5}{lam:>12}{lam_o:>12}{eta:>10}{eta_o:>10}  {pts}")"""),
    md("""All four agree. The paper writes f4's minima as ±(√19/(2√5))(1, 1) = ±(√95/10)(1, 1).

**Where we differ:** the paper says of f3 that "each point [on the] x- or y-axis is
stationary while not a minimum". The exact analysis finds the axes are critical lines
on which f3 = 1 > 0 = f3(±1, ±1); across the axis x = 0 at (0, t) the second
derivative is 2t²(t² − 3), so points with |t| > √3 are *non-strict local minima* and
points with 0 < |t| < √3 non-strict local maxima (the same on y = 0).
λmax → 0 at ±√3 along the axes, so over *all* minima the critical η is ∞; the paper's
1/6 is the threshold of the four strict minima, which is what the claims use."""),
    code("""a3 = analyze(Loss.from_catalog("f3"))
for comp in a3.components:
    print(comp.kind, [sp.sstr(e) for e in comp.component.equations],
          [(sp.sstr(arc.start), sp.sstr(arc.end), arc.kind) for arc in comp.arcs])
print("critical η over all minima:", a3.eta_critical.exact)"""),
    md("""## Fig. 2: U_η (cyan), V_η \\ U_η (dark blue) and the rest (grey)

Basin maps for f1–f4 at η = η*·(0.2, 0.4, 0.6, 0.8, 0.98). Convergence is certified
(trapping regions as the stopping rule), so grey means diverged or undetermined, never a
guess."""),
    code("""from symstab.plot import chen_fig2_data, chen_fig2_rows

grid = 50 if REDUCED else 200
rows = [chen_fig2_data(name, grid=grid, max_steps=2000) for name in ("f1", "f2", "f3", "f4")]
for row in rows:
    for r in row.summary():
        print(f"{r['loss']} η/η* = {r['eta_over_eta_star']:.2f}: U {r['U']:.1%}, "
              f"V∖U {r['V_minus_U']:.1%}, diverged {r['diverged']:.1%}, "
              f"undetermined {r['undetermined']:.1%}")
chen_fig2_rows(data=rows)"""),
    md("""The trend of the paper holds for f1, f3 and f4: the unstable part V_η \\ U_η grows
with η, and U_η stays a neighbourhood of the minima up to η*. For f2 it does not: its
unstable share falls from 0.8η* to 0.98η* (claim `chen.fig2-unstable-grows.f2`, which
fails as expected)."""),
    md("""## Fig. 3: an unstable and a stable start on f4

The paper does not say which η it used. At η = 0.3 the caption holds: from (0.1, 2.5)
the loss rises several times before the trajectory enters the certified region (red,
then black); from (1.5, 2) it falls at every step. The scan below shows where the
caption holds up to η = 3/10; from 7/20 on (0.1, 2.5) diverges, from 2/5 on (1.5, 2)
converges only unstably (its loss rises first), and from about 0.46 on it diverges."""),
    code("""from symstab.plot import chen_fig3, chen_fig3_eta_scan

chen_fig3("f4", "3/10")"""),
    code("""fig, scan = chen_fig3_eta_scan("f4")
for s in scan:
    print(f"η = {s.eta}: start {s.start}: {s.outcome}, stable = {s.stable}, "
          f"{s.n_loss_increases} loss increases")
fig"""),
    md("""## The theorems as claims

Lemma 1 and Theorem 2 (certified trapping balls, Hypothesis samples at high precision),
Theorem 3 (every sampled stable start has a certified ball of stable starts), the
sharpness of η*, and the printed eq. (30)."""),
    code("""from proofs_check import Budget, seed_claims

budget = Budget.reduced() if REDUCED else Budget.full()
for claim in seed_claims():
    if claim.id.startswith("chen."):
        r = claim.check(budget)
        print(f"{claim.id:28} {r.verdict!s:8} ({r.evidence.label()}): "
              f"{r.evidence.summary[:110]}")"""),
    md("""**Eq. (30) as printed** defines U_η with f(θ_k) < f(θ_{k+1}) — the loss *rising* —
while the text right after it says the loss "will monotonically decrease in each GD
iteration" and Lemma 2 (eq. 32) proves a decrease. Read literally, U_η is {θ*} near a
strict minimum (a trajectory converging to θ* cannot have a rising loss below f(θ*)),
which is not open, so Theorem 3 would fail: the claim `chen.eq30-printed.f4` fails with
that counterexample, as expected. With the intended f(θ_{k+1}) < f(θ_k) it holds
(`chen.theorem3.*`)."""),
    code("""from proofs_check import seed_claim

print(seed_claim("chen.eq30-printed.f4").check().explain())"""),
]

CRACIUN = [
    md("""# Crăciun & Ghoshdastidar (2024): convergence of GD for large learning rates

Linear networks with squared loss: the minima form a smooth manifold, the GD map is
non-singular, stable minima are bounded, and above a critical step size GD converges
only from a set of measure zero. The running example is L(x, y) = ½(1 − xy)² at
η = 0.4 and η = 1.1 (Fig. 1), and Fig. 2 plots the length of the weakly stable minima
M_WS(η) and the converging fraction against η."""),
    code(SETUP),
    md("""## The exact facts: manifold, critical η, M_WS(η)"""),
    code("""from symstab.exact.analysis import analyze
from symstab.loss import Loss

xy = Loss.from_catalog("xy")
a = analyze(xy, R(2, 5))
comp = a.components[0]
print("minima:", [sp.sstr(e) for e in comp.component.equations], "-", comp.kind)
print("GD map non-singular for every η > 0:", a.singular_etas == ())
print("critical η:", a.eta_critical.exact)
print("M_WS(2/5), x-intervals:", [(sp.sstr(lo), sp.sstr(hi))
                                  for lo, hi in comp.weakly_stable.intervals])
print("its length:", comp.weakly_stable.length.decimal, "(numerical)")"""),
    md("""## Fig. 1: η = 0.4 converges into M_WS (red); at η = 1.1, M_WS = ∅"""),
    code("""from symstab.plot import craciun_fig1

craciun_fig1("xy", ("0.4", "1.1"))"""),
    md("""## Fig. 2: converging fraction and normalised |M_WS(η)|

**Where we differ:** the paper normalises by the length of M_WS at η = 0.1, which it
gives as 37.4. The exact M_WS(0.1) on xy = 1 is x² + 1/x² ≤ 20, two arcs of total
Euclidean length 14.47. The cell below evaluates the other readings of "length" we could
think of; none gives 37.4, so only normalised curves are compared. Ours falls to 0
exactly at the critical η = 1, as the theory demands."""),
    code("""from symstab.exact.mws_lengths import length_readings, threshold_for_length

for r in length_readings("0.1"):
    print(f"{r.name:22s} {float(r.value):9.4f}  {r.description}")
c = threshold_for_length("37.4")
print(f"37.4 = length of {{xy = 1, x² + y² <= {float(c):.3f}}}, i.e. η = {float(2 / c):.4f}")"""),
    md("""Every start is labelled by the classifier of the basin maps: the cyan curve is the
share whose label a certified tube around the hyperbola decided; the rest of the black
curve rests on the numerical criterion (f − f* ≤ 1e-12 after the step budget). The starts
form a grid, so the curve is a basin map per η."""),
    code("""from symstab.dynamics.sweep import grid_sampler, sweep
from symstab.plot import craciun_fig2

etas = ([f"{k / 10:.1f}" for k in range(1, 13)] if REDUCED
        else [f"{k / 20:.2f}" for k in range(2, 25)])
side = 17 if REDUCED else 45
res = sweep(xy, etas, grid_sampler([(-3, 3), (-3, 3)], side), side**2)
for p, (_, length) in zip(res.points, res.mws_length, strict=True):
    print(f"η = {p.eta}: fraction {p.fraction:.3f} [{p.ci_low:.3f}, {p.ci_high:.3f}], "
          f"certified {p.certified_fraction:.3f}, |M_WS| = {length.decimal if length else 0}")
craciun_fig2(res)"""),
    md("""## Fig. 2 again, from a saved sweep

A sweep is an expensive result: save it once as a labelled dataset and plot it later
without running GD again. `Sweep.to_xarray` gives an `xarray.Dataset` over η (the
fractions, Wilson intervals, counts per label and normalised |M_WS(η)| as variables; the
loss, the exact step sizes, the sampler and the criterion as attributes); it is the file
`symstab sweep xy --etas ... --out F.nc` writes. Here the sweep above goes to a netCDF
file in a temporary directory and comes back with plain xarray (this needs the `data`
extra: xarray, h5netcdf)."""),
    code("""import tempfile
from pathlib import Path

import xarray as xr

from symstab.dynamics.sweep import Sweep

saved = Path(tempfile.mkdtemp()) / "craciun_fig2.nc"
res.to_xarray(loss=xy).to_netcdf(saved, engine="h5netcdf")
print(f"{saved.name}: {saved.stat().st_size / 1024:.0f} KiB")

# a later session: read the file, no GD is run
ds = xr.open_dataset(saved, engine="h5netcdf").load()
print(ds.attrs["loss"], "sampled by", ds.attrs["sampler"])
columns = ["fraction", "ci_low", "ci_high", "certified_fraction", "mws_length_normalised"]
ds[columns].to_dataframe()"""),
    md("""The dataset gives back the `Sweep` object (equal to the one computed above), and
Fig. 2 is drawn from it."""),
    code("""loaded = Sweep.from_xarray(ds)
print("the same sweep as computed above:", loaded == res)
craciun_fig2(loaded)"""),
    md("""## Where GD lands on the hyperbola

On xy = 1 the sharpness is λmax = x² + y² ≥ 2, so the limit of a converging orbit has
η·λmax/2 between η and 1 — never past the edge of stability 1 (the paper's Theorem: GD
converges only to weakly stable minima). The histogram shows how close to that edge the
limits pile up as η grows (numerical: each orbit is run until its step is below 1e-13)."""),
    code("""from symstab.dynamics.basins import basin_map
from symstab.plot import landing_figure

side = 100 if REDUCED else 400
maps = [basin_map(xy, eta, ((-2, 2, side), (-2, 2, side)), landing=True)
        for eta in ("0.4", "0.9")]
for m in maps:
    q = m.landing.to_dict()["ratio_quantiles"]
    print(f"η = {m.eta}: certified {m.certified_fraction():.4f}, numerical "
          f"{m.numerical_fraction():.4f}; ηλmax/2 at the limit: median {q['median']:.3f}, "
          f"max {q['max']:.3f}")
landing_figure([m.landing for m in maps], loss_name="½(1 − xy)²")"""),
    md("""## Matrix linear networks: filling and non-filling

The paper's theorems are about W_L⋯W_1 with matrix layers. `linear-net:2x2x2` is filling
(the product can have full rank 2), `linear-net:2x1x2` is not (a width-1 bottleneck);
W* = diag(2, 1). Everything below is exact: Definition 4, Proposition 1 (Eckart–Young on
the rank-r matrices), Proposition 2 (the dimension of the minima), inf λmax along the
minima and the critical η, and whether the stable minima are bounded. For
`linear-net:1x2x2x1` they are not: a whole line of global minima shares one Hessian, so
the abstract's "the stable minima form a bounded subset" needs a width condition."""),
    code("""from symstab.catalog import linear_net
from symstab.exact.linear_net import network_facts
from symstab.exact.linear_net_stable import stable_minima_bound

for name in ("linear-net:2x2x2", "linear-net:2x1x2", "linear-net:1x2x2x1"):
    facts = network_facts(linear_net(name))
    bound = stable_minima_bound(facts.spec, facts.filling, facts.lambda_inf)
    print(f"{name}: {'filling' if facts.filling else 'non-filling'}, min on rank r = "
          f"{facts.min_on_rank_r}, dim M = {facts.dimension}, inf λmax = "
          f"{facts.lambda_inf}, critical η = {facts.eta_critical}")
    if bound.bounded:
        print(f"    stable minima: ‖θ‖² <= {bound.radius_sq_times_eta}/η")
    elif bound.witness is not None:
        print(f"    stable minima unbounded: θ(t) = {bound.witness.point}, "
              f"λmax = {bound.witness.lambda_max} for every t")"""),
    md("""## Measure-zero convergence past the critical η, and its exceptions

Sampling can only bound the converging fraction; the exceptions themselves are found
exactly: starts whose first GD step lands exactly on a minimum (solutions of
G(θ) = θ*), and the stable manifolds of saddles."""),
    code("""from proofs_check import Budget, seed_claims

budget = Budget.reduced() if REDUCED else Budget.full()
for claim in seed_claims():
    if claim.id.startswith(("craciun.", "ahn.")):
        r = claim.check(budget)
        print(f"{claim.id:32} {r.verdict!s:15} ({r.evidence.label()})")
r = next(c for c in seed_claims() if c.id == "ahn.measure-zero.xy").check(budget)
for e in r.evidence.data["exceptions"]:
    print("exact start", e["preimage"], "→ lands on", e["one_step_lands_at"])
print(r.evidence.data["notes"])"""),
    md("""## Figs. 3–4 in reduced size: GELU networks on 8×8 digits

The paper trains GELU networks with MSE on MNIST; here scikit-learn's 8×8 digits (256
samples, no download), width 32, full-batch GD from N random initialisations, with JAX
(measured faster than PyTorch on this machine, `benchmarks/bench_nn_backends.py`).
**Where we differ:** the fraction drops to 0 before η = 1 for every depth, as in the
paper, but the agreement of the threshold is a coincidence of normalisation: our loss sums
over the 10 outputs (10 × PyTorch's `MSELoss`) and digits are much smaller inputs than
MNIST ([docs/network.md](../docs/network.md))."""),
    code("""from symstab.nn import converging_fraction, load_digits_subset
from symstab.plot import converging_fraction_figure

data = load_digits_subset()
etas = ([0.2, 0.4, 0.6, 0.8, 1.0, 1.5] if REDUCED
        else [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.2, 1.5, 2.0])
n, steps = (6, 1000) if REDUCED else (20, 2000)
sweeps = [converging_fraction(d, etas, n_inits=n, steps=steps, seed=0, data=data)
          for d in (1, 2, 3)]
print("η:", etas)
for depth, s in zip((1, 2, 3), sweeps, strict=True):
    print(f"depth {depth}: converged", [f"{p.n_converged}/{p.n}" for p in s.points])
converging_fraction_figure(sweeps, threshold=1.0)"""),
]

OWN_CLAIMS = [
    md("""# Write your own claim and property test

Three ways to state a claim about GD on your loss:

1. in Python with the builders of `proofs_check.properties`;
2. in a TOML claims file, checked by `proofs-check FILE` or collected by pytest;
3. as a Hypothesis property test with the strategies of `proofs_check.strategies`."""),
    code(SETUP),
    md("""## 1. Builders"""),
    code("""from proofs_check.properties import converges_from, descent_inequality, threshold_equals
from symstab.loss import Loss

loss = Loss.from_text("(1 - x*y)^2 + (x^2 + y^2)/20")   # f4, typed in
for claim in (threshold_equals(loss, R(10, 19)),
              descent_inequality(loss, R(1, 2)),
              converges_from(loss, R(3, 10), point=(R(1, 10), R(5, 2)))):
    print(claim.check().explain(), end="\\n\\n")"""),
    md("""A wrong claim fails with a counterexample, and a claim whose hypotheses do not hold
is *not applicable* (here: forward invariance past η*)."""),
    code("""print(descent_inequality(loss, R(1, 2), constant="1 - eta*M/4").check().explain())
print()
print(descent_inequality(loss, R(3, 5)).check().explain())"""),
    md("""## 2. A claims file"""),
    code("""import pathlib
import subprocess
import sys
import tempfile

text = '''
[[claim]]
id = "f4-threshold"
loss = "(1 - x*y)^2 + (x^2 + y^2)/20"
property = "threshold_equals"
expected = "10/19"
evidence = "exact"

[[claim]]
id = "xy-converges"
loss = "xy"
property = "converges_from"
eta = "0.4"
point = ["0.5", "2"]
'''
path = pathlib.Path(tempfile.mkdtemp()) / "claims_mine.toml"
path.write_text(text)
run = subprocess.run([sys.executable, "-m", "proofs_check", str(path), "--markdown"],
                     capture_output=True, text=True)
print(run.stdout)
print("exit code", run.returncode)"""),
    md("""The same file in a test directory is collected by pytest (files named `claims*.toml`
or `*.claims.toml`); a failing claim shows its counterexample in the test report.

## 3. A property test with the strategies

For every random positive-definite quadratic and every η below 2/λmax, one GD step
decreases the loss — checked exactly. Hypothesis draws the loss and η; the test runs
here with `given` directly (in a test file you would write it as a pytest test)."""),
    code("""from hypothesis import given, settings

from proofs_check.strategies import known_quadratics, rationals


@settings(max_examples=10 if REDUCED else 100, deadline=None, derandomize=True)
@given(q=known_quadratics(2), c=rationals(R(1, 100), R(99, 100)))
def one_step_descends(q, c):
    eta = c * q.eta_star
    x, y = q.loss.params
    theta = {x: R(3), y: R(-2)}
    g = [sp.diff(q.loss.expr, p).subs(theta) for p in (x, y)]
    new = {x: theta[x] - eta * g[0], y: theta[y] - eta * g[1]}
    assert q.loss.expr.subs(new) <= q.loss.expr.subs(theta)


one_step_descends()
print("property holds on every drawn example")"""),
]

TAO_WANG = [
    md("""# Tao & Wang (blog): large learning rates

The blog makes four kinds of statements about GD with step h: the descent-lemma regime
h < 2/L; the modified equation f + (h/4)‖∇f‖² that GD follows to O(h²); periodic orbits
and chaos for f(x, y) = (1 − xy)²/2 ("GD with h = 1.9 converges to three orbits with
period 2, 3 and 4"); and the balancing effect of Wang et al. (2022)."""),
    code(SETUP),
    md("""## The descent regime and the modified equation"""),
    code("""from proofs_check import Budget, seed_claims

budget = Budget.reduced() if REDUCED else Budget.full()
for claim in seed_claims():
    if claim.id.startswith(("taowang.descent", "taowang.modified", "false.descent-regime")):
        r = claim.check(budget)
        print(f"{claim.id:34} {r.verdict!s:8} ({r.evidence.label()}): "
              f"{r.evidence.summary[:150]}")"""),
    md("""Halving h divides the distance between GD and the flow of f + (h/4)‖∇f‖² by about
4 (order 2), and the distance to the flow of f only by about 2 (order 1)."""),
    md("""## Periodic orbits: the diagonal map, exactly

On the invariant diagonal x = y, GD on ½(1 − xy)² is x ↦ x − ηx(x² − 1). Its period-2
orbits and the η where they exist and are stable are exact algebraic numbers; the
cascade that follows converges at Feigenbaum's rate."""),
    code("""from symstab.dynamics.orbits import (
    diagonal_loss,
    feigenbaum_ratios,
    period_doubling_etas,
    period_two_ranges,
)
from symstab.loss import Loss

xy = Loss.from_catalog("xy")
diag = diagonal_loss(xy)
print(period_two_ranges(diag))
doublings = period_doubling_etas(diag, 4 if REDUCED else 6, dps=40)
for d in doublings:
    print(d)
print("Feigenbaum ratios:", [round(r, 3) for r in feigenbaum_ratios(doublings)])"""),
    code("""import numpy as np

from symstab.plot import bifurcation_figure

bifurcation_figure(diag, np.linspace(0.8, 2.0, 300 if REDUCED else 1200),
                   doublings=doublings, starts=[[0.3], [-0.3]],
                   title="GD on ½(1 − xy)² restricted to x = y")"""),
    md("""## The h = 1.9 claim

**Where we differ:** at h = 1.9 every period-2 orbit of ½(1 − xy)² in the plane is
unstable (exact), and the period-3 and period-4 orbits found by Newton's method are all
certified (Krawczyk) and unstable; sampled starts either diverge or settle on a chaotic
attractor on the diagonal (positive Lyapunov exponent). The same holds for (1 − xy)².
Attracting period-2 orbits exist for 1 < h < √5 − 1 ≈ 1.236 and period 4 up to
≈ 1.288, so the blog's figure must use another step or loss than the caption says."""),
    code("""for claim in seed_claims():
    if claim.id.startswith(("taowang.blog", "orbits.", "taowang.chaos")):
        r = claim.check(budget)
        print(f"{claim.id:32} {r.verdict!s:8} (expected {claim.expected!s}) "
              f"({r.evidence.label()}): {r.evidence.summary[:160]}")"""),
    code("""from symstab.dynamics.orbits import find_orbits
from symstab.plot import orbit_figure

starts = 40 if REDUCED else 100
orbits = [o for p in (2, 3) for o in find_orbits(xy, "1.9", p, starts=starts)]
orbit_figure(xy, "1.9", orbits, window=(-2, 2, -2, 2),
             title="½(1 − xy)² at η = 1.9: certified orbits (all unstable)")"""),
    md("""## Balancing (Wang et al. 2022)

From unbalanced starts (x0 ≫ y0), the limit's gap |x∞ − y∞| against h·L, with L the
spectral radius of the Hessian at the start. Below 2/L the gap barely moves; between 2/L
and about 3/L it falls steeply ("larger h, more balanced"); beyond that it oscillates in
h and GD diverges before 4/L. **Where we differ:** the blog's range (2/L, 4/L) is where
balancing is *pronounced*; monotonicity in h holds only up to about 2.5–3.1/L (claim
`taowang.balancing.xy`), and its extension to 4/L fails with a counterexample."""),
    code("""from symstab.dynamics.eos import balancing_scan
from symstab.plot import balancing_figure

step = R(1, 10) if REDUCED else R(1, 40)
ratios = [step * k for k in range(1, int(R(9, 2) / step) + 1)]
scans = [balancing_scan(xy, s, ratios, dps=30) for s in [(R(3), R(1, 10)), (R(5), R(1, 10))]]
for s in scans:
    print(f"start {tuple(map(sp.sstr, s.theta0))}: non-increasing up to h·L = "
          f"{s.monotone_up_to}, first divergence at h·L = {s.first_divergence}")
balancing_figure(scans)"""),
]

AHN = [
    md("""# Ahn, Zhang & Sra (ICML 2022): understanding unstable convergence

The slides characterise unstable convergence by three quantities along the trajectory:
the sharpness λmax(∇²f(θ_t)), which oscillates near 2/η; the relative progress
RP(θ) = (f(θ − η∇f(θ)) − f(θ)) / (η‖∇f(θ)‖²), which oscillates near 0; and the loss,
which still decreases in the long run. Theorem 1 (measure-zero convergence past the
critical step) is checked in the Crăciun & Ghoshdastidar notebook."""),
    code(SETUP),
    md("""## The slides' picture on ½(1 − xy)²

From the unbalanced start (5.05, 0.19) with η = 2/25 the starting sharpness 25.5 exceeds
2/η = 25: the loss rises for about 70 steps, sharpness settles just below 2/η, RP stays
within ±0.03 of 0, and the loss then falls to 1e-22."""),
    code("""from symstab.dynamics.eos import eos_metrics
from symstab.loss import Loss
from symstab.plot import eos_figure

xy = Loss.from_catalog("xy")
r = eos_metrics(xy, R(2, 25), (R(101, 20), R(19, 100)), steps=300 if REDUCED else 600, dps=40)
print(r.summary.evidence)
eos_figure(r)"""),
    md("""## Where the picture does not appear: Chen et al.'s Fig. 3 start

f4 from (0.1, 2.5) at η = 0.3 converges unstably (the loss rises 4 times), but the
unstable phase lasts a few steps and the sharpness then settles at 19/5 ≈ 0.57·(2/η):
"sharpness near 2/η" is a feature of long unstable phases at the edge of stability, not
of every unstable convergence. The claim `false.ahn.sharpness-near-2-over-eta.f4` states
the over-general reading and fails with this counterexample."""),
    code("""f4 = Loss.from_catalog("f4")
r = eos_metrics(f4, R(3, 10), (R(1, 10), R(5, 2)), steps=60, dps=40)
print(r.summary.evidence)
eos_figure(r)"""),
    code("""from proofs_check import Budget, seed_claims

budget = Budget.reduced() if REDUCED else Budget.full()
for claim in seed_claims():
    if ".ahn." in f".{claim.id}" or claim.id.startswith("ahn."):
        r = claim.check(budget)
        print(f"{claim.id:40} {r.verdict!s:8} (expected {claim.expected!s}) "
              f"({r.evidence.label()})")"""),
]

NOTEBOOKS = {
    "00_getting_started.ipynb": GETTING_STARTED,
    "01_chen_et_al.ipynb": CHEN,
    "02_craciun_ghoshdastidar.ipynb": CRACIUN,
    "03_tao_wang.ipynb": TAO_WANG,
    "04_ahn_zhang_sra.ipynb": AHN,
    "05_your_own_claims.ipynb": OWN_CLAIMS,
}


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """A notebook (no outputs) from ``(kind, source)`` cells."""
    nb = new_notebook()
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src)
                for kind, src in cells]
    for cell in nb.cells:  # ids from the content, so regenerating changes only edited cells
        cell.id = hashlib.sha1(cell.source.encode()).hexdigest()[:8]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(cells), HERE / name)
        print("wrote", HERE / name)


if __name__ == "__main__":
    main()
