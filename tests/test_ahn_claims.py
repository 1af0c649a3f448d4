"""The unstable-convergence oscillation claims of :mod:`proofs_check.ahn`.

Expected values are derived independently:

* ½(1 − xy)²: H = [[y², 2xy − 1], [2xy − 1, x²]] (closed-form eigenvalues); a float64
  GD loop gives the sign changes of λmax − 2/η and of RP, compared with the claim's.
* RP at the start (101/20, 19/100), η = 2/25, by exact SymPy substitution: positive, so
  the loss rises at step 0 (the false neighbour's counterexample).
* on a quadratic RP = −1 + ηL/2 exactly, with L the directional smoothness along the step.
"""

from itertools import pairwise

import numpy as np
import pytest
import sympy as sp

from proofs_check import ahn
from proofs_check.core import Budget, Verdict
from symstab.dynamics.eos import eos_metrics
from symstab.loss import Loss

R = sp.Rational


@pytest.fixture(scope="module")
def results():
    return {c.id: c.check(Budget.reduced()) for c in ahn.seed_claims()}


def test_every_claim_has_its_expected_verdict(results):
    for r in results.values():
        assert r.verdict == r.expected, r.explain()
    false = results["false.ahn.monotone-loss.xy"]
    assert false.verdict == Verdict.FAILS and "step 0" in false.counterexample.description


def test_rp_positive_at_the_start_exactly():
    x, y = sp.symbols("x y", real=True)
    f = (1 - x * y) ** 2 / 2
    th = {x: R(101, 20), y: R(19, 100)}
    eta = R(2, 25)
    gx, gy = (sp.diff(f, v).subs(th) for v in (x, y))
    new = {x: th[x] - eta * gx, y: th[y] - eta * gy}
    assert f.subs(new) - f.subs(th) > 0


def _float_orbit(x: float, y: float, eta: float, steps: int):
    lam, rp = [], []
    f = lambda a, b: 0.5 * (1 - a * b) ** 2  # noqa: E731
    for _ in range(steps):
        r = 1 - x * y
        g = np.array([-r * y, -r * x])
        n2 = g @ g
        if n2 < 1e-14:
            break
        b = 2 * x * y - 1
        lam.append((x * x + y * y) / 2 + np.sqrt(((y * y - x * x) / 2) ** 2 + b * b))
        x1, y1 = x - eta * g[0], y - eta * g[1]
        rp.append((f(x1, y1) - f(x, y)) / (eta * n2))
        x, y = x1, y1
    return lam, rp


def test_xy_crossings_match_a_float_loop():
    eta, start = ahn.XY_RUNS[0]
    lam, rp = _float_orbit(float(start[0]), float(start[1]), float(eta), 1000)
    two = 2 / float(eta)
    feats = ahn.features(eos_metrics(Loss.from_catalog("xy"), eta, start, steps=1000, dps=30))
    assert sum(1 for a, b in pairwise(lam) if (a > two) != (b > two)) == feats.sharp_crossings
    assert sum(1 for a, b in pairwise(rp) if (a > 0) != (b > 0)) == feats.rp_crossings
    assert max(abs(v / two - 1) for v in lam) == pytest.approx(feats.sharp_amplitude, rel=1e-6)
    assert feats.sharp_crossings >= ahn.SHARP_CROSSINGS and feats.rp_crossings >= 2


def test_quadratic_rp_and_smoothness_agree_exactly():
    x, y = sp.symbols("x y", real=True)
    quad = Loss.from_expr(x**2 + x * y + R(3, 2) * y**2, (x, y), name="quad")  # λ = (5 ± √5)/2
    eta = R(1, 2)
    res = eos_metrics(quad, eta, (R(1), R(-1)), steps=30, dps=30)
    s = res.series
    for rp, ds in zip(s.rp, s.smoothness, strict=True):
        assert rp == pytest.approx(-1 + float(eta) * ds / 2, abs=1e-12)
    feats = ahn.features(res)
    assert feats.sharp_crossings == 0  # constant sharpness (5 + √5)/2 < 2/η = 4
    assert feats.agreement == 1.0
    assert "λmax − 2/η changes sign 0 times" in " ".join(feats.failures())


def test_features_of_an_empty_orbit():
    res = eos_metrics(Loss.from_catalog("xy"), R(1, 10), (R(2), R(1, 2)), steps=5, dps=20)
    assert ahn.features(res).failures() == ["no usable step"]
