"""Every entry point takes the same step-size spellings and rejects bad ones the same way.

basin_map, sweep, trajectory, certified_regions and the claims engine all make a
:class:`~symstab.inputs.StepSize` once from what they are given; the same η spelled
five ways must give the same result, and a bad η the same one-line error.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from proofs_check import Budget
from proofs_check.properties import forward_invariant
from symstab.certify import certified_regions
from symstab.dynamics.basins import basin_map
from symstab.dynamics.sweep import sweep, uniform_box_sampler
from symstab.dynamics.trajectory import trajectory
from symstab.errors import InputError
from symstab.inputs import StepSize
from symstab.loss import Loss

# f = x²/2 + y²: minimum at 0 with λmax = 2, so η* = 1; η = 1/2 converges from anywhere.
QUAD = Loss.from_text("x^2/2 + y^2", "x,y")
SPELLINGS = ["1/2", "0.5", 0.5, Fraction(1, 2), sp.Rational(1, 2), StepSize.of("1/2")]
BAD = ["0", -1, "x", float("nan"), "1/0", [0.5], True]
GRID = ((-2.0, 2.0, 5), (-2.0, 2.0, 5))


def _basin(eta):
    bmap = basin_map(QUAD, eta, GRID, max_steps=200)
    return bmap.labels.tolist(), bmap.stable.tolist()


def _sweep(eta):
    result = sweep(QUAD, [eta], uniform_box_sampler([(-2.0, 2.0), (-2.0, 2.0)], 0), 50,
                   max_steps=200)
    return [p.n_converged for p in result.points]


def _trajectory(eta):
    t = trajectory(QUAD, eta, ("1", "1"), steps=30, dps=30, regions=())
    return t.classification.outcome, t.eta, [tuple(p) for p in t.iterates]


def _regions(eta):
    return [(str(r.center), str(r.radius)) for r in certified_regions(QUAD, eta)]


def _claim(eta):
    return forward_invariant(QUAD, eta).check(Budget.reduced()).verdict


ENTRY_POINTS = [_basin, _sweep, _trajectory, _regions, _claim]


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda f: f.__name__.strip("_"))
def test_every_spelling_gives_the_same_result(entry) -> None:
    results = [entry(eta) for eta in SPELLINGS]
    assert all(r == results[0] for r in results[1:])


def test_the_results_are_those_of_one_half() -> None:
    # x_{k+1} = (1 - η) x_k = x_k / 2 and y_{k+1} = (1 - 2η) y_k = 0: from (1, 1) the
    # orbit is (1/2, 0), (1/4, 0), ...
    _, eta, points = _trajectory("1/2")
    assert eta == sp.Rational(1, 2)
    assert points[1] == (0.5, 0) and points[3] == (0.125, 0)  # dyadic: exact in mpf
    labels, stable = _basin(0.5)
    assert set(np.ravel(labels)) == {1} and all(np.ravel(stable))
    assert _sweep(0.5) == [50]


@pytest.mark.parametrize("bad", BAD, ids=repr)
def test_every_entry_point_rejects_a_bad_step_size_the_same_way(bad) -> None:
    with pytest.raises(InputError) as expected:
        StepSize.of(bad)
    for entry in ENTRY_POINTS:
        with pytest.raises(InputError) as info:
            entry(bad)
        assert str(info.value) == str(expected.value), entry.__name__
