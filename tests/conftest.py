"""Shared test configuration: Hypothesis profiles (deterministic by default)."""

import os

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
