"""Pairs of points within a distance of each other, from a k-d tree over the coordinate
arrays: no object per point (a geometry per point made each step's garbage collection walk
tens of thousands of them on a busy night).

>>> qx, qy = np.array([0.0, 10.0]), np.array([0.0, 0.0])
>>> px, py = np.array([9.0, 50.0, 1.0, 11.0]), np.zeros(4)
>>> [a.tolist() for a in within(qx, qy, px, py, 2.0)]  # by query point, then point
[[0, 1, 1], [2, 0, 3]]
>>> [a.tolist() for a in within(qx, qy, px[:0], py[:0], 2.0)]
[[], []]
"""

from __future__ import annotations

from itertools import chain

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

F = npt.NDArray[np.float64]
I = npt.NDArray[np.intp]  # noqa: E741


def within(qx: F, qy: F, px: F, py: F, distance: float) -> tuple[I, I]:
    """Index pairs ``(query point, point)`` at most ``distance`` apart, ordered by query
    point, then point."""
    if not qx.size or not px.size:
        e = np.empty(0, np.intp)
        return e, e
    tree = cKDTree(np.c_[px, py], balanced_tree=False, compact_nodes=False)
    hits = tree.query_ball_point(np.c_[qx, qy], distance, return_sorted=True)
    n = np.fromiter(map(len, hits), np.intp, len(hits))
    qi = np.repeat(np.arange(len(hits), dtype=np.intp), n)
    return qi, np.fromiter(chain.from_iterable(hits), np.intp, int(n.sum()))
