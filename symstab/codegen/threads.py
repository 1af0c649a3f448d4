"""Compiled kernels run on threads: the chunks of a batch on a pool of Python threads.

symstab's numba kernels are compiled with ``nogil=True`` and never with
``parallel=True`` (numba's parfor compilation of even a one-line ``prange`` loop costs
seconds, more than most runs). A batch is cut into chunks instead, and
:func:`run_chunks` calls the kernel on each chunk from ``NUMBA_NUM_THREADS`` threads,
which run at once because the kernel releases the GIL.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

__all__ = ["run_chunks", "thread_count"]


def thread_count() -> int:
    """Threads for the chunks: numba's setting, read without starting numba's own thread
    pool: ``numba.get_num_threads()`` once that pool runs (``numba.set_num_threads``
    starts it), else the ``NUMBA_NUM_THREADS`` environment variable (default: the CPU
    count)."""
    import numba

    pool = sys.modules.get("numba.np.ufunc.parallel")
    if getattr(pool, "_is_initialized", False):
        return max(1, int(numba.get_num_threads()))
    return max(1, int(numba.config.NUMBA_NUM_THREADS))


def run_chunks(run: Callable[[int, int], None], starts: Sequence[int]) -> None:
    """Call ``run(c, start)`` for every chunk start, on :func:`thread_count` threads
    (one chunk per task, so faster chunks leave room for the others). ``run`` must
    release the GIL (a ``nogil`` numba kernel) for the threads to run at once.

    Parameters
    ----------
    run
        Called as ``run(index of the chunk, its start)``.
    starts
        The first item of each chunk.
    """
    nthreads = min(thread_count(), len(starts))
    if nthreads <= 1:
        for c, lo in enumerate(starts):
            run(c, lo)
        return
    pool = ThreadPoolExecutor(nthreads)
    try:
        for future in [pool.submit(run, c, lo) for c, lo in enumerate(starts)]:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
