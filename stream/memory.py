"""Giving freed memory back to the operating system.

A burst leaves the worker's heap as large as its peak: the event clock holds every report
of the burst until the stream goes idle, and once they are correlated and freed, glibc keeps
the freed pages (mostly in the middle of the heap, where it never trims on its own). Left
alone, each burst ratchets the worker's RSS up. ``malloc_trim`` hands those pages back; it is
cheap next to a batch, so the worker calls it on a timer. Elsewhere than glibc it does nothing.

>>> trim() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

#: Seconds between two trims in a running worker.
TRIM_INTERVAL_S = 10.0


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
