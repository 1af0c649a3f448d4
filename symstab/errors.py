"""The one error type for bad user input.

Every rejection of user input (loss text, parameter names, step sizes, grids,
files) raises :class:`InputError`. Its message is a single line that names the
problem and, where it applies, where in the input it was found. The CLI prints
that line and exits with status 2; no traceback reaches the user.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input, with a one-line message naming the problem and where.

    Parameters
    ----------
    problem
        What is wrong, e.g. ``"unknown function 'foo'"``.
    where
        Where in the input, e.g. ``"column 5"`` or ``"--eta"``; optional.
    """

    def __init__(self, problem: str, where: str | None = None) -> None:
        self.problem = " ".join(str(problem).split())
        self.where = " ".join(str(where).split()) if where else None
        message = self.problem if not self.where else f"{self.problem} ({self.where})"
        super().__init__(message)


class BudgetExceeded(RuntimeError):
    """A computation ran past its time or size budget and was stopped."""
