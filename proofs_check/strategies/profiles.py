"""Settings profiles and the property helper :func:`for_all`.

:func:`register_profiles` registers ``symstab-ci`` (deterministic) and ``symstab-deep``
(many examples); nothing is loaded on import. :func:`for_all` is a thin wrapper of
:func:`hypothesis.given` that states a property, with optional settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hypothesis
from hypothesis import HealthCheck
from hypothesis.strategies import SearchStrategy

#: Deterministic profile for CI (derandomised, no deadline, failing examples printed as blobs).
CI_PROFILE = "symstab-ci"
#: Random exploration with the CI budget (local development).
DEV_PROFILE = "symstab-dev"
#: Deep local runs: many examples per property.
DEEP_PROFILE = "symstab-deep"

#: Examples per property under :data:`CI_PROFILE` (the same as ``tests/conftest.py``'s ``ci``).
CI_MAX_EXAMPLES = 25
#: Examples per property under :data:`DEEP_PROFILE`.
DEEP_MAX_EXAMPLES = 1000


def register_profiles() -> tuple[str, ...]:
    """Register the symstab Hypothesis settings profiles (does not load any of them).

    ``symstab-ci``
        ``derandomize=True`` (the same examples on every run and machine), no example
        database, ``deadline=None`` (exact arithmetic has no stable timing),
        ``max_examples=25``, ``print_blob=True`` (a failure prints a reproduction blob),
        ``HealthCheck.too_slow`` suppressed (drawing SymPy objects is slow by Hypothesis'
        standards).
    ``symstab-dev``
        Random exploration with the CI budget (``deadline=None``, 25 examples).
    ``symstab-deep``
        Deep local runs: ``max_examples=1000``, ``deadline=None``, ``print_blob=True``.

    The budgets match the ``ci``, ``dev`` and ``deep`` profiles of the project's own
    ``tests/conftest.py``.

    Returns
    -------
    tuple of str
        The registered profile names; load one with ``hypothesis.settings.load_profile``
        or pytest's ``--hypothesis-profile``.

    Examples
    --------
    In a ``conftest.py``::

        from hypothesis import settings
        from proofs_check.strategies import register_profiles

        register_profiles()
        settings.load_profile("symstab-ci")
    """
    slow = [HealthCheck.too_slow]
    hypothesis.settings.register_profile(
        CI_PROFILE,
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=CI_MAX_EXAMPLES,
        print_blob=True,
        suppress_health_check=slow,
    )
    hypothesis.settings.register_profile(
        DEV_PROFILE, deadline=None, max_examples=CI_MAX_EXAMPLES, suppress_health_check=slow
    )
    hypothesis.settings.register_profile(
        DEEP_PROFILE,
        deadline=None,
        max_examples=DEEP_MAX_EXAMPLES,
        print_blob=True,
        suppress_health_check=slow,
    )
    return (CI_PROFILE, DEV_PROFILE, DEEP_PROFILE)


def for_all(
    *strategies: SearchStrategy[Any],
    settings: hypothesis.settings | str | None = None,
    **named: SearchStrategy[Any],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """State a property over strategies: :func:`hypothesis.given` plus optional settings.

    Parameters
    ----------
    *strategies, **named
        Passed to :func:`hypothesis.given` unchanged (positional or keyword, as there).
    settings
        ``None`` (default): the settings currently loaded (your profile, e.g.
        ``symstab-ci`` loaded in ``conftest.py``, or ``--hypothesis-profile``).
        A profile name (e.g. ``"symstab-deep"``; :func:`register_profiles` is called
        first when it is one of ours) or a :class:`hypothesis.settings` object:
        applied to this property only.

    Returns
    -------
    callable
        A decorator; the decorated function is a Hypothesis test (runs under pytest, or
        call it with no arguments).

    Examples
    --------
    >>> @for_all(loss=quadratic_losses(), eta=step_sizes(0, 1))
    ... def test_descent(loss, eta):
    ...     ...
    """
    if isinstance(settings, str):
        if settings in (CI_PROFILE, DEV_PROFILE, DEEP_PROFILE):
            register_profiles()
        resolved: hypothesis.settings | None = hypothesis.settings.get_profile(settings)
    else:
        resolved = settings

    def decorate(test: Callable[..., Any]) -> Callable[..., Any]:
        wrapped = hypothesis.given(*strategies, **named)(test)
        if resolved is not None:
            wrapped = resolved(wrapped)
        return wrapped

    return decorate

