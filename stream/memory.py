"""Giving freed memory back to the operating system, and collecting garbage less often.

A burst leaves the worker's heap as large as its peak: the event clock holds every report
of the burst until the stream goes idle, and once they are correlated and freed, the
allocator keeps the freed pages (glibc's mostly in the middle of the heap, where it never
trims on its own; jemalloc's until later allocations let it purge them). Left alone, each
burst ratchets the worker's RSS up. :func:`trim` hands those pages back; it is cheap next
to a batch, so the worker calls it on a timer, and at once after a batch that released a
burst (:data:`TRIM_AFTER_RELEASED`).

Trimming only helps where freed memory is the system allocator's, so the worker runs on it
for small objects too: jemalloc where the system has it (Debian's ``libjemalloc2``; it
allocates Python's small objects about as fast as Python's own allocator, half as fast
again as glibc's), else glibc's (:func:`use_system_allocator`). And the worker collects
cyclic garbage less often than CPython's defaults would (:func:`tune_collector`).

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


def _jemalloc_purge() -> Callable[[], int] | None:
    """jemalloc's purge of every arena, if this process runs on jemalloc."""
    try:
        mallctl = ctypes.CDLL(None).mallctl
    except (OSError, AttributeError):  # not preloaded
        return None
    mallctl.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                        ctypes.c_size_t]
    mallctl.restype = ctypes.c_int
    every_arena = f"arena.{_MALLCTL_ARENAS_ALL}.purge".encode()
    return lambda: int(mallctl(every_arena, None, None, None, 0))


_MALLCTL_ARENAS_ALL = 4096  # jemalloc 5's index meaning "all arenas"
_TRIM = _malloc_trim()
_PURGE = _jemalloc_purge()
#: The jemalloc library's name where the system has it, for ``LD_PRELOAD``.
JEMALLOC = ctypes.util.find_library("jemalloc")


def allocator() -> str:
    """The allocator this process runs on: ``jemalloc``, ``glibc`` or ``other``."""
    return "jemalloc" if _PURGE is not None else "glibc" if _TRIM is not None else "other"


def trim() -> bool:
    """Return freed heap pages to the OS; True if the allocator was asked to (False where
    it cannot be: neither jemalloc nor glibc)."""
    if _PURGE is not None:
        return _PURGE() == 0
    return bool(_TRIM(0)) if _TRIM is not None else False


def use_system_allocator(jemalloc: bool = True) -> None:
    """Run this process again, same arguments, with ``PYTHONMALLOC=malloc`` and, if
    ``jemalloc`` and the system has it, jemalloc preloaded; unless ``PYTHONMALLOC`` is set
    (a choice made, or done already) or :func:`trim` could not work.

    Python's own allocator takes small objects from 1 MB arenas and frees an arena only
    once every object in it is gone. The few objects a burst leaves behind (the fault
    watch's hit times, a new incident's sensors) are made while its held reports fill the
    arenas, so they end up spread over all of them and keep them all: with 500,000-report
    bursts the correlation core held 374, 501, then 618 arenas (MB) after three bursts for
    38 MB of live objects. glibc frees by the 4 KB page and jemalloc by its slabs of a few
    pages, and :func:`trim` returns every free one: 229, 244, 261 MB on glibc on the same
    load, for some 14% more CPU in the core than on Python's allocator; jemalloc costs
    none of that CPU."""
    if not RERUN_ALLOWED or "PYTHONMALLOC" in os.environ:
        return
    env = {"PYTHONMALLOC": "malloc"}
    if jemalloc and JEMALLOC is not None:
        env["LD_PRELOAD"] = " ".join(filter(None, (os.environ.get("LD_PRELOAD"), JEMALLOC)))
    elif _TRIM is None:
        return
    run_again(env)


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
