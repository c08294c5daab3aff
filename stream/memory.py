"""Giving freed memory back to the operating system, and collecting garbage less often.

A burst leaves the worker's heap as large as its peak: the event clock holds every report
of the burst until the stream goes idle, and once they are correlated and freed, glibc keeps
the freed pages (mostly in the middle of the heap, where it never trims on its own). Left
alone, each burst ratchets the worker's RSS up. ``malloc_trim`` hands those pages back; it is
cheap next to a batch, so the worker calls it on a timer, and at once after a batch that
released a burst (:data:`TRIM_AFTER_RELEASED`). Elsewhere than glibc it does nothing.

Trimming only helps where freed memory is glibc's: the worker runs on it for small objects
too (:func:`use_system_allocator`). And the worker collects cyclic garbage less often than
CPython's defaults would (:func:`tune_collector`).

>>> trim() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
from collections.abc import Callable

from stream.rerun import run_again

#: Seconds between two trims in a running worker.
TRIM_INTERVAL_S = 10.0
#: Set by the ``borderwatch`` program itself (:func:`stream.cli.main`): only then does
#: :func:`use_system_allocator` run the process again. A caller running the worker command
#: inside its own process (a test runner) keeps its process.
RERUN_ALLOWED = False
#: A batch whose correlation released this many held reports (a burst's, some 2 KB each
#: while held) trims at once rather than on the next timer.
TRIM_AFTER_RELEASED = 10_000
#: The cyclic collector's thresholds in a worker (CPython's defaults: 700, 10, 10).
COLLECTOR_THRESHOLDS = (50_000, 20, 100)


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        fn = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn


_TRIM = _malloc_trim()


def trim() -> bool:
    """Return freed heap pages to the OS; True if some were (False without glibc)."""
    return bool(_TRIM(0)) if _TRIM is not None else False


def use_system_allocator() -> None:
    """Run this process again, same arguments, with ``PYTHONMALLOC=malloc``, unless
    ``PYTHONMALLOC`` is set (a choice made, or done already) or :func:`trim` cannot work.

    Python's own allocator takes small objects from 1 MB arenas and frees an arena only
    once every object in it is gone. The few objects a burst leaves behind (the fault
    watch's hit times, a new incident's sensors) are made while its held reports fill the
    arenas, so they end up spread over all of them and keep them all: with 500,000-report
    bursts the correlation core held 374, 501, then 618 arenas (MB) after three bursts for
    38 MB of live objects. glibc frees by the 4 KB page, and :func:`trim` returns every
    free page: 229, 244, 261 MB on the same load, for some 14% more CPU in the core."""
    if not RERUN_ALLOWED or _TRIM is None or "PYTHONMALLOC" in os.environ:
        return
    run_again({"PYTHONMALLOC": "malloc"})


def tune_collector() -> None:
    """Leave every object made so far (modules, the app, the geofence index) out of all
    later collections, and collect young objects every 50,000 net allocations instead of
    700 (:data:`COLLECTOR_THRESHOLDS`).

    A worker keeps hundreds of thousands of objects alive from one batch to the next (the
    reports the event clock holds back, the open incidents), and a batch makes as many:
    with the default thresholds a young collection ran every 700 and walked the survivors
    again each time. On the stormy-night load (``benchmarks.pipeline``'s, offline) the
    correlating pipeline took 26,100 reports/s on the system allocator with the defaults
    and 36,800 with these, its garbage still collected (reference cycles are rare in it).

    >>> tune_collector(); gc.get_threshold() == COLLECTOR_THRESHOLDS
    True
    >>> gc.unfreeze(); gc.set_threshold(700, 10, 10)  # as the test process was
    """
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
