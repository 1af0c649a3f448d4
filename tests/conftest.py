"""Shared test configuration: Hypothesis profiles (deterministic by default), and
mpmath's precision reset around every test."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=25,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=25)
settings.register_profile("deep", deadline=None, max_examples=1000)
# Deterministic by default (reproducible runs for every user and in CI); set
# HYPOTHESIS_PROFILE=dev for random exploration or =deep for 1000 examples per property.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _restore_mpmath_precision():
    """Every test starts at mpmath's default precision and leaves it so: a test that sets
    ``mpmath.mp.dps`` globally must not change what the next one computes."""
    import mpmath

    mpmath.mp.prec = 53
    yield
    mpmath.mp.prec = 53
