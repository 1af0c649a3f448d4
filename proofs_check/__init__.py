"""proofs_check: theorem statements about gradient descent as executable claims.

>>> from proofs_check import seed_claims, Budget
>>> results = [claim.check(Budget.reduced()) for claim in seed_claims()]  # doctest: +SKIP

A :class:`Claim` checks its hypotheses on a concrete loss and step size, then returns a
:class:`Result` with a :class:`Verdict` (holds / fails / inconclusive / not applicable),
the strength of its evidence and, when it fails, a counterexample. Claims come from the
seed papers (:func:`seed_claims`), from the builders in :mod:`proofs_check.properties`
(and :mod:`~proofs_check.chen`, :mod:`~proofs_check.craciun`,
:mod:`~proofs_check.taowang`), or from TOML claims files (:mod:`proofs_check.files`).
Hypothesis strategies for your own property tests are in :mod:`proofs_check.strategies`.
"""

from .core import (
    Budget,
    Claim,
    Counterexample,
    Evidence,
    HypothesisCheck,
    Result,
    Source,
    Verdict,
)
from .seeds import false_variants, seed_claim, seed_claims

__all__ = [
    "Budget",
    "Claim",
    "Counterexample",
    "Evidence",
    "HypothesisCheck",
    "Result",
    "Source",
    "Verdict",
    "false_variants",
    "seed_claim",
    "seed_claims",
]
