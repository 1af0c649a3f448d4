"""Wall-clock budgets for computations that can blow up (Gröbner bases, solving).

``with time_limit(seconds): ...`` raises :class:`symstab.errors.BudgetExceeded`
when the block runs longer than ``seconds``. It uses ``SIGALRM`` and so only
limits code running in the main thread of the main interpreter; elsewhere (a
worker thread, Windows) it is a no-op and the caller's own limits apply.
Nested limits are honoured: the inner one never extends the outer one. Once the budget
has run out the alarm repeats every :data:`RETRY` seconds until the block is left, so a
library that catches every exception (SymPy does in places) cannot swallow it for good.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator

from symstab.errors import BudgetExceeded

#: Seconds between repeated alarms once a budget has run out.
RETRY = 0.1
#: Seconds the exact analysis behind certified regions may take inside a numerical
#: command (trajectory, basin map, sweep); past it they run without certified regions.
EXACT_PHASE_BUDGET = 20.0


def _can_use_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def time_limit(seconds: float | None, what: str = "computation") -> Iterator[None]:
    """Raise :class:`BudgetExceeded` if the block runs longer than ``seconds``.

    Parameters
    ----------
    seconds
        The budget in seconds; ``None`` or ``<= 0`` means no limit.
    what
        Named in the error message.
    """
    if not seconds or seconds <= 0 or not _can_use_alarm():
        yield
        return
    previous_handler = signal.getsignal(signal.SIGALRM)
    previous_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    budget = seconds if not previous_remaining else min(seconds, previous_remaining)

    def _on_alarm(signum: int, frame: object) -> None:
        raise BudgetExceeded(f"{what} exceeded its budget of {seconds:g} s")

    signal.signal(signal.SIGALRM, _on_alarm)
    # after the budget, the alarm repeats every RETRY seconds until the block is left:
    # library code that catches every exception cannot swallow the stop for good
    signal.setitimer(signal.ITIMER_REAL, budget, RETRY)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_remaining:
            left = previous_remaining - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
