"""Crăciun's convergence below the critical step size, as claims: the certified measure of
the converging set and the positive fraction seen on a basin map, on cases decided by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp

from proofs_check import craciun
from proofs_check.core import Budget, Verdict
from proofs_check.seeds import seed_claim
from symstab.certify.measure import certified_labels
from symstab.errors import InputError
from symstab.evidence import Strength
from symstab.loss import Loss

R = sp.Rational
SMALL = Budget.reduced().scaled(samples=100, examples=15)


@pytest.fixture(scope="module")
def xy():
    return Loss.from_catalog("xy")


def test_the_seed_claims_exist_with_their_ids():
    measure = seed_claim("craciun.converging-measure.xy")
    assert "1/2" in measure.title and "certified" in measure.title
    assert "measure" in measure.tags
    assert seed_claim("craciun.positive-fraction.xy").id == "craciun.positive-fraction.xy"


def test_no_window_is_more_than_full(xy):
    # Leb(V_η ∩ W) <= vol(W), so "more than the whole window" never holds; on [0, 2]²
    # the saddle (0, 0) is a grid point that stays put, so the sampled interval lies
    # below 1 and the claim fails with a counterexample.
    claim = craciun.converging_measure(xy, R(2, 5), ((0, 2), (0, 2)), at_least=1)
    result = claim.check(SMALL)
    assert result.verdict == Verdict.FAILS, result.explain()
    assert result.counterexample is not None
    certified = Fraction(result.evidence.data["certified"]["converging_fraction"]["exact"])
    assert 0 < certified <= 1
    assert result.evidence.data["sampled"]["wilson"][1] < 1


def test_no_certified_measure_past_the_critical_step_size(xy):
    # On xy = 1, λmax = x² + y² >= 2xy = 2, so past η = 1 no minimum is stable: the
    # hypothesis fails; the check itself certifies nothing, and every sampled start fails
    # to converge, so the sampled interval lies below 1/2.
    claim = craciun.converging_measure(xy, R(11, 10), ((-2, 2), (-2, 2)), at_least=R(1, 2))
    result = claim.check(SMALL)
    assert result.verdict == Verdict.NOT_APPLICABLE
    assert result.failing_hypothesis.name == "η < critical η"
    verdict, evidence, counterexample = claim.run(SMALL)
    assert verdict == Verdict.FAILS and counterexample is not None
    assert evidence.data["certified"]["converging_fraction"]["exact"] == "0"
    assert evidence.data["sampled"]["converged"] == 0


def test_positive_fraction_rechecks_its_labels_rigorously(xy):
    claim = craciun.converging_fraction_positive(xy, R(2, 5), ((-2, 2), (-2, 2)))
    result = claim.check(SMALL)
    assert result.verdict == Verdict.HOLDS, result.explain()
    assert result.evidence.strength == Strength.STATISTICAL  # the measure claim proves it
    data = result.evidence.data
    assert data["rechecked"] >= 3 and data["proved"] == data["rechecked"]
    assert not data["contradicted"]
    assert set(data["certified_counts"]) == {"1", "2"}


def test_positive_fraction_past_the_critical_step_size(xy):
    result = craciun.converging_fraction_positive(xy, R(11, 10), ((-2, 2), (-2, 2))).check(SMALL)
    assert result.verdict == Verdict.NOT_APPLICABLE


def test_certified_labels_by_hand(xy):
    # (1, 1) is on the curve of minima (a fixed point inside piece 2's tube); (−1, −1) on
    # piece 1; the antidiagonal x = −y is invariant with f >= 1/2 there, so (1, −1)
    # never converges and must get no label.
    labels = certified_labels(xy, R(2, 5), [(1, 1), (-1, -1), (1, -1)],
                              window=((-2, 2), (-2, 2)), max_steps=50)
    assert labels == [2, 1, None]
    with pytest.raises(InputError):
        certified_labels(xy, R(2, 5), [("sqrt(2)", 1)], window=((-2, 2), (-2, 2)))
