"""pytest plugin: claims files in a test directory become test items.

Installed with symstab (entry point ``pytest11``: ``proofs_check``). pytest collects every
file named ``claims*.toml`` or ``*.claims.toml`` (schema: ``docs/claims.md``); each claim
is one test item, named by its id. The item runs ``claim.check(budget)``:

* an unexpected verdict (``fails`` for a claim expected to hold) fails the test with
  :meth:`~proofs_check.core.Result.explain`, including the counterexample;
* ``inconclusive`` and ``not applicable`` skip the test with the reason, or fail it with
  ``--claims-strict``;
* a malformed claims file is a collection error with its one-line message.

Options: ``--claims-budget reduced|full`` (default ``reduced``), ``--claims-strict``.
Disable the plugin with ``-p no:proofs_check``.

This module imports nothing heavy at import time: it is loaded into every pytest run of
an environment where symstab is installed.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from proofs_check.core import Claim, Result

__all__ = ["ClaimItem", "ClaimsFile", "is_claims_file"]

#: File-name patterns of claims files.
PATTERNS = ("claims*.toml", "*.claims.toml")


def is_claims_file(path: Path) -> bool:
    """Whether pytest collects ``path`` as a claims file (``claims*.toml``, ``*.claims.toml``).

    Parameters
    ----------
    path
        A file path.

    Returns
    -------
    bool
        True for a matching file name.
    """
    return any(fnmatch.fnmatchcase(path.name, p) for p in PATTERNS)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--claims-budget`` and ``--claims-strict``."""
    group = parser.getgroup("proofs_check", "claims files (proofs_check)")
    group.addoption("--claims-budget", choices=("reduced", "full"), default="reduced",
                    help="budget of claim checks (default: reduced)")
    group.addoption("--claims-strict", action="store_true", default=False,
                    help="fail (not skip) claims that are inconclusive or not applicable")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ClaimsFile | None:
    """Collect claims files."""
    if file_path.suffix == ".toml" and is_claims_file(file_path):
        return ClaimsFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Report a skipped claim at its ``[[claim]]`` line rather than inside this plugin."""
    report = yield
    if isinstance(item, ClaimItem) and report.skipped and isinstance(report.longrepr, tuple):
        path, line, _ = item.reportinfo()
        reason = report.longrepr[2]
        report.longrepr = (str(path), (line or 0) + 1, reason)
    return report


class ClaimsFile(pytest.File):
    """A claims file: one :class:`ClaimItem` per claim."""

    def collect(self) -> Iterator[ClaimItem]:
        """Load the file's claims; a bad file is a collection error with one line."""
        from proofs_check.files import load_claims
        from symstab.errors import InputError

        try:
            claims = load_claims(self.path)
        except InputError as exc:
            raise self.CollectError(str(exc)) from None
        for claim in claims:
            yield ClaimItem.from_parent(self, name=claim.id, claim=claim)


class ClaimFailed(Exception):
    """A claim's verdict fails the test (its :class:`Result` is attached)."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.explain())
        self.result = result


class ClaimItem(pytest.Item):
    """One claim, checked as a test."""

    def __init__(self, *, claim: Claim, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.claim = claim
        self.result: Result | None = None

    def runtest(self) -> None:
        """Check the claim with the budget of ``--claims-budget``."""
        from proofs_check.core import Budget, Verdict

        name = self.config.getoption("claims_budget")
        budget = Budget.full() if name == "full" else Budget.reduced()
        result = self.claim.check(budget)
        self.result = result
        self.user_properties.extend([("verdict", str(result.verdict)),
                                     ("evidence", result.evidence.label())])
        if result.unexpected:
            raise ClaimFailed(result)
        if result.verdict in (Verdict.INCONCLUSIVE, Verdict.NOT_APPLICABLE):
            if self.config.getoption("claims_strict"):
                raise ClaimFailed(result)
            pytest.skip(f"{result.verdict}: {' '.join(result.evidence.summary.split())}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        """The claim's explanation (with the counterexample) instead of a traceback."""
        if isinstance(excinfo.value, ClaimFailed):
            return excinfo.value.result.explain()
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Location: the line of the claim's ``[[claim]]`` table."""
        from proofs_check.files import claim_origin

        origin = claim_origin(self.claim)
        line: int | None = None
        head, _, tail = origin.rpartition(":")
        if head and tail.isdigit():
            line = int(tail) - 1
        return self.path, line, f"claim {self.claim.id}"
