"""The claim model: a statement, its hypotheses, and a check that returns a verdict.

A :class:`Claim` is one theorem (or one of its instances) applied to a concrete loss and
step size. :meth:`Claim.check` first checks the claim's hypotheses on that loss and η
(exactly where possible); if one fails, the result is ``not applicable`` and names it.
Otherwise it runs the claim's own check and returns a :class:`Result`: a
:class:`Verdict`, the :class:`~symstab.evidence.Strength` of the evidence (with the
precision or the sample size and confidence bound that goes with it), the evidence
itself, and, when the claim fails, a :class:`Counterexample`.

How much work a check may do is a :class:`Budget`: :meth:`Budget.reduced` for the
default test run, :meth:`Budget.full` for the marked slow tests and ``proofs-check``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from symstab.errors import BudgetExceeded
from symstab.evidence import Strength

__all__ = [
    "Budget",
    "Claim",
    "Counterexample",
    "Evidence",
    "HypothesisCheck",
    "Result",
    "Source",
    "Verdict",
]


class Verdict(StrEnum):
    """Outcome of a claim's check."""

    HOLDS = "holds"
    FAILS = "fails"
    INCONCLUSIVE = "inconclusive"
    NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True)
class Source:
    """Where a claim comes from.

    Attributes
    ----------
    paper
        Short citation, e.g. ``"Chen et al. 2024"``.
    where
        Theorem, lemma or equation, e.g. ``"Lemma 1, eq. (8)"``.
    note
        Anything a reader must know about the statement as printed (e.g. a typo).
    """

    paper: str
    where: str
    note: str = ""

    def __str__(self) -> str:
        return f"{self.paper}, {self.where}"


@dataclass(frozen=True)
class Budget:
    """How much work a check may do.

    Attributes
    ----------
    samples
        Random initialisations for statistical checks (fractions, Wilson bounds).
    examples
        Hypothesis examples for property checks.
    steps
        GD steps per trajectory.
    dps
        Decimal digits of high-precision checks.
    subdivisions
        Sub-boxes per coordinate in certified interval checks.
    confidence
        Confidence level of statistical bounds.
    time_limit
        Seconds for the exact analysis of one loss.
    """

    samples: int = 400
    examples: int = 25
    steps: int = 3000
    dps: int = 40
    subdivisions: int = 4
    confidence: float = 0.99
    time_limit: float = 60.0

    @classmethod
    def reduced(cls) -> Budget:
        """The budget of the default test run (seconds per claim)."""
        return cls()

    @classmethod
    def full(cls) -> Budget:
        """The budget of ``proofs-check`` and the slow tests."""
        return cls(samples=4000, examples=200, steps=20000, dps=60, subdivisions=8)

    def scaled(self, **changes: Any) -> Budget:
        """A copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class HypothesisCheck:
    """One hypothesis of a claim, checked on the claim's loss and η.

    Attributes
    ----------
    name
        Short name, e.g. ``"strict minimum"``.
    holds
        True / False, or None when it could not be decided.
    strength
        How it was decided.
    detail
        One sentence with the numbers.
    """

    name: str
    holds: bool | None
    strength: Strength
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name,
            "holds": self.holds,
            "strength": str(self.strength),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Evidence:
    """What a verdict rests on.

    Attributes
    ----------
    strength
        ``exact``, ``certified``, ``numerical`` or ``statistical``.
    summary
        One sentence a reader can check.
    digits
        Working precision (numerical evidence) in decimal digits.
    n
        Sample size (statistical evidence).
    confidence
        Confidence level of ``bound`` (statistical evidence).
    bound
        ``(lo, hi)`` confidence interval of the estimated quantity (statistical evidence).
    data
        Further JSON-ready details (numbers as strings where exact).
    """

    strength: Strength
    summary: str
    digits: int | None = None
    n: int | None = None
    confidence: float | None = None
    bound: tuple[float, float] | None = None
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def label(self) -> str:
        """Short text for tables, e.g. ``"numerical (40 digits)"``."""
        if self.strength is Strength.NUMERICAL and self.digits:
            return f"numerical ({self.digits} digits)"
        if self.strength is Strength.STATISTICAL and self.n:
            conf = f", {self.confidence:.0%}" if self.confidence else ""
            return f"statistical (n={self.n}{conf})"
        return str(self.strength)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out: dict[str, Any] = {"strength": str(self.strength), "summary": self.summary}
        for key in ("digits", "n", "confidence"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.bound is not None:
            out["bound"] = list(self.bound)
        if self.data:
            out["data"] = self.data
        return out


@dataclass(frozen=True)
class Counterexample:
    """A witness that a claim fails.

    Attributes
    ----------
    description
        One sentence: what happens at the witness.
    point
        The initialisation or point (decimal strings), if any.
    eta
        The step size (exact, as a string), if any.
    data
        Further details (e.g. the first loss values of the trajectory).
    """

    description: str
    point: tuple[str, ...] | None = None
    eta: str | None = None
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out: dict[str, Any] = {"description": self.description}
        if self.point is not None:
            out["point"] = list(self.point)
        if self.eta is not None:
            out["eta"] = self.eta
        if self.data:
            out["data"] = self.data
        return out

    def __str__(self) -> str:
        where = f" at θ = ({', '.join(self.point)})" if self.point else ""
        eta = f", η = {self.eta}" if self.eta else ""
        return f"{self.description}{where}{eta}"


@dataclass(frozen=True)
class Result:
    """The outcome of :meth:`Claim.check`.

    Attributes
    ----------
    claim_id, title, source
        Which claim.
    verdict
        :class:`Verdict`.
    evidence
        :class:`Evidence` (for ``not applicable``: how the failing hypothesis was decided).
    hypotheses
        Every hypothesis checked, in order.
    counterexample
        When the verdict is ``fails``.
    seconds
        Wall time of the check.
    expected
        The claim's expected verdict (:attr:`Claim.expected`).
    """

    claim_id: str
    title: str
    source: Source
    verdict: Verdict
    evidence: Evidence
    hypotheses: tuple[HypothesisCheck, ...] = ()
    counterexample: Counterexample | None = None
    seconds: float = 0.0
    expected: Verdict = Verdict.HOLDS

    @property
    def unexpected(self) -> bool:
        """A decisive verdict other than the expected one (what makes a run fail): a
        theorem that fails, or a known-false statement that holds."""
        decisive = (Verdict.HOLDS, Verdict.FAILS)
        return self.verdict in decisive and self.verdict != self.expected

    @property
    def failing_hypothesis(self) -> HypothesisCheck | None:
        """The first hypothesis that does not hold (``not applicable`` results)."""
        return next((h for h in self.hypotheses if h.holds is not True), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        return {
            "id": self.claim_id,
            "title": self.title,
            "source": {"paper": self.source.paper, "where": self.source.where,
                       "note": self.source.note},
            "verdict": str(self.verdict),
            "expected": str(self.expected),
            "unexpected": self.unexpected,
            "evidence": self.evidence.to_dict(),
            "hypotheses": [h.to_dict() for h in self.hypotheses],
            "counterexample": None if self.counterexample is None
            else self.counterexample.to_dict(),
            "seconds": round(self.seconds, 3),
        }

    def _repr_html_(self) -> str:
        """Jupyter display: the verdict in colour, the evidence and any counterexample."""
        from proofs_check.display import results_html

        return results_html([self])

    def explain(self) -> str:
        """A few lines for humans (pytest failure text, terminal)."""
        known = " (expected)" if self.verdict == self.expected != Verdict.HOLDS else ""
        lines = [f"{self.claim_id}: {self.verdict}{known} — {self.title} [{self.source}]",
                 f"  evidence ({self.evidence.label()}): {self.evidence.summary}"]
        for h in self.hypotheses:
            mark = {True: "ok", False: "FAILS", None: "undecided"}[h.holds]
            lines.append(f"  hypothesis {h.name}: {mark} ({h.strength}) {h.detail}")
        if self.counterexample is not None:
            lines.append(f"  counterexample: {self.counterexample}")
        return "\n".join(lines)


Outcome = tuple[Verdict, Evidence, Counterexample | None]


@dataclass(frozen=True)
class Claim:
    """A statement about GD on a concrete loss and step size, with its check.

    Attributes
    ----------
    id
        Stable identifier, e.g. ``"chen.threshold.f4"``.
    title
        One line.
    statement
        The statement in words, with the loss and η filled in.
    latex
        The statement in LaTeX.
    source
        :class:`Source`.
    hypotheses
        Callables ``budget -> HypothesisCheck``, checked in order before the claim.
    run
        ``budget -> (verdict, evidence, counterexample)``: the check itself, called only
        when every hypothesis holds.
    tags
        Free-form tags (``"seed"``, ``"false-variant"``, the loss name...).
    expected
        The verdict the claim is known to have: ``holds`` for a theorem, ``fails`` for a
        statement known to be wrong (a printed erratum, a deliberately false variant).
        A run fails only on a verdict that differs from it in a decisive way
        (:attr:`Result.unexpected`).
    """

    id: str
    title: str
    statement: str
    latex: str
    source: Source
    run: Callable[[Budget], Outcome]
    hypotheses: Sequence[Callable[[Budget], HypothesisCheck]] = ()
    tags: tuple[str, ...] = ()
    expected: Verdict = Verdict.HOLDS

    def check(self, budget: Budget | None = None) -> Result:
        """Check the hypotheses, then the claim.

        Parameters
        ----------
        budget
            How much work to do (default :meth:`Budget.reduced`).

        Returns
        -------
        Result
            ``not applicable`` when a hypothesis fails (or cannot be decided), with that
            hypothesis; otherwise the check's verdict. A budget overrun gives
            ``inconclusive``.
        """
        budget = budget or Budget.reduced()
        started = time.perf_counter()
        checked: list[HypothesisCheck] = []
        try:
            for hypothesis in self.hypotheses:
                h = hypothesis(budget)
                checked.append(h)
                if h.holds is not True:
                    state = "fails" if h.holds is False else "could not be decided"
                    evidence = Evidence(h.strength, f"hypothesis '{h.name}' {state}: {h.detail}")
                    return self._result(Verdict.NOT_APPLICABLE, evidence, None, checked, started)
            verdict, evidence, counterexample = self.run(budget)
        except BudgetExceeded as exc:
            evidence = Evidence(Strength.NUMERICAL, f"budget exceeded: {exc}")
            return self._result(Verdict.INCONCLUSIVE, evidence, None, checked, started)
        return self._result(verdict, evidence, counterexample, checked, started)

    def requiring(self, strength: Strength) -> Claim:
        """This claim, with ``holds``/``fails`` weakened to ``inconclusive`` when the
        evidence is weaker than ``strength`` (order: exact > certified > numerical >
        statistical)."""
        order = list(Strength)
        run = self.run

        def strict(budget: Budget) -> Outcome:
            verdict, evidence, counterexample = run(budget)
            if verdict in (Verdict.HOLDS, Verdict.FAILS) and (
                order.index(evidence.strength) > order.index(strength)
            ):
                summary = (f"{verdict} on {evidence.strength} evidence, but {strength} was "
                           f"required: {evidence.summary}")
                return Verdict.INCONCLUSIVE, replace(evidence, summary=summary), counterexample
            return verdict, evidence, counterexample

        return replace(self, run=strict)

    def _result(self, verdict: Verdict, evidence: Evidence, counterexample: Counterexample | None,
                checked: list[HypothesisCheck], started: float) -> Result:
        return Result(
            claim_id=self.id,
            title=self.title,
            source=self.source,
            verdict=verdict,
            evidence=evidence,
            hypotheses=tuple(checked),
            counterexample=counterexample,
            seconds=time.perf_counter() - started,
            expected=self.expected,
        )
