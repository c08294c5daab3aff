"""An incident's path: where it was when, one row ``[ts, x, y]`` per ``STEP_S`` of event
time, time-ordered, at most ``MAX_ROWS`` rows (the newest).

Kept as one float array rather than a list of lists: a full path is 5.8 KB instead of
about 36 KB, and is no thousand objects for the garbage collector to walk each time it
runs (on a night when every sensor chatters, that walk slowed each step more the longer
the paths grew).

>>> p = merge(empty(), np.array([1.0, 2.0, 6.0]), np.array([0.0, 1.0, 2.0]),
...           np.array([0.0, 0.0, 0.0]))
>>> p.tolist()  # the last position per 5 s step
[[2.0, 1.0, 0.0], [6.0, 2.0, 0.0]]
>>> merge(p, np.array([4.0]), np.array([9.0]), np.array([9.0])).tolist()  # newer wins
[[4.0, 9.0, 9.0], [6.0, 2.0, 0.0]]
>>> merge(p, np.array([1.0]), np.array([9.0]), np.array([9.0])).tolist()  # older loses
[[2.0, 1.0, 0.0], [6.0, 2.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

F = npt.NDArray[np.float64]

STEP_S = 5.0
MAX_ROWS = 240  # 20 minutes of 5 s steps


def empty() -> F:
    """A path with no rows."""
    return np.empty((0, 3), float)


def coerce(rows: Any) -> F:
    """A path from what state or a caller holds (rows ``[ts, x, y]``, or an array).

    >>> coerce([[1.0, 2.0, 3.0]]).shape, coerce([]).shape
    ((1, 3), (0, 3))
    """
    return np.ascontiguousarray(rows, dtype=float).reshape(-1, 3)


def merge(path: F, ts: F, x: F, y: F) -> F:
    """``path`` with positions added (time-ordered arrays): the last one per ``STEP_S``
    step; where the path has that step already, the later of the two (on a tie, the new
    one); the oldest steps dropped beyond ``MAX_ROWS``. A new array."""
    step = np.floor_divide(ts, STEP_S)
    last = np.ones(ts.size, bool)
    last[:-1] = step[1:] != step[:-1]
    rows = np.concatenate([path, np.stack([ts[last], x[last], y[last]], axis=1)])
    keys = np.floor_divide(rows[:, 0], STEP_S)
    new = np.r_[np.zeros(len(path)), np.ones(int(last.sum()))]
    order = np.lexsort((new, rows[:, 0], keys))  # per step: latest, then new, last
    keys = keys[order]
    final = np.ones(order.size, bool)
    final[:-1] = keys[1:] != keys[:-1]
    return np.ascontiguousarray(rows[order[final]][-MAX_ROWS:])
