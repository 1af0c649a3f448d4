"""The asymptotic gradient-norm transition claims (Crăciun & Ghoshdastidar, abstract)."""

from __future__ import annotations

import mpmath as mp

from proofs_check import seed_claim
from proofs_check.core import Budget, Verdict


def _two_cycle_gradient_norm(eta: float) -> float:
    """Mean ‖∇f‖ on the period-2 orbit of GD on ½(1 − xy)² restricted to x = y = s:
    s ↦ s + η s(1 − s²), ‖∇f‖ = √2 |s (1 − s²)| (found with mpmath.findroot)."""
    def g(s):
        return s + eta * s * (1 - s**2)

    s0 = mp.findroot(lambda s: g(g(s)) - s, 1.2)
    assert abs(s0 - 1) > 1e-6 and abs(g(s0) - s0) > 1e-6
    norms = [mp.sqrt(2) * abs(s * (1 - s**2)) for s in (s0, g(s0))]
    return float(sum(norms) / 2)


def test_xy_transition_and_the_value_above() -> None:
    result = seed_claim("craciun.gradient-norm.xy").check(Budget.reduced())
    assert result.verdict is Verdict.HOLDS
    below, above = result.evidence.data["points"]
    assert below["median"] < 1e-12
    # above the critical η the non-diverging orbits sit on the diagonal 2-cycle
    assert abs(above["median"] - _two_cycle_gradient_norm(1.1)) < 1e-6


def test_network_transition_and_false_variant() -> None:
    budget = Budget.reduced()
    assert seed_claim("craciun.gradient-norm.linear-net-2x2x2").check(budget).verdict \
        is Verdict.HOLDS
    wrong = seed_claim("false.gradient-norm.xy-below-0.9").check(budget)
    assert wrong.verdict is Verdict.FAILS and not wrong.unexpected
    assert wrong.counterexample is not None and wrong.counterexample.eta == "9/10"
