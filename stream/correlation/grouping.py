"""Detections that joined no incident, grouped among themselves: two link when one is
within the other's gate (as in :func:`~stream.correlation.gate.match`) and their
classes agree; groups are the connected components.

>>> from stream.correlation.policies import IncidentPolicy
>>> pol = IncidentPolicy(radius_m=100, max_speed_mps=2.0, window_s=300, grow_s=60)
>>> group_new(np.array([0.0, 10.0, 20.0]), np.array([0.0, 50.0, 5000.0]), np.zeros(3),
...           pol).tolist()
[0, 0, 1]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from stream.correlation.near import within
from stream.correlation.policies import IncidentPolicy

QUERY_SLICE = 20_000  # points per query


def group_new(
    ts: npt.NDArray[np.float64], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
    policy: IncidentPolicy, cls: npt.NDArray[np.intp] | None = None,
    camera: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.intp]:
    """Group detections that joined no incident: a group label per detection.

    Two detections link when one is within the other's gate (as in :func:`match`; two
    of cameras (``camera``): within ``camera_radius_m``) and their classes agree; groups
    are the connected components (label propagation over the pairs from one query)."""
    n = ts.size
    cam = np.zeros(n, bool) if camera is None else camera
    if n < 2:
        return np.arange(n, dtype=np.intp)
    span = float(np.ptp(ts))
    if span <= policy.window_s:
        # Ground sensors report their own position: many reports share a point. Reports at
        # one point and of one class always link (distance 0, within the window), so group
        # the distinct points and hand their labels back (a dense batch: 10x fewer pairs).
        keys = np.stack([x, y, np.zeros(n) if cls is None else cls.astype(float)], axis=1)
        uniq, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        if uniq.shape[0] < n:
            # each distinct point stands for its reports: give it the batch's widest gate
            spread = np.full(uniq.shape[0], span)
            sub_cls = None if cls is None else cls[first]
            sub = _link(np.full(uniq.shape[0], float(ts.min())), x[first], y[first], policy,
                        sub_cls, spread, cam[first])
            return sub[inverse.ravel()]
    return _link(ts, x, y, policy, cls, np.zeros(n), cam)


def _link(
    ts: npt.NDArray[np.float64], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
    policy: IncidentPolicy, cls: npt.NDArray[np.intp] | None, spread: npt.NDArray[np.float64],
    cam: npt.NDArray[np.bool_],
) -> npt.NDArray[np.intp]:
    """Connected components of the gate relation; ``spread`` widens a point's time span."""
    n = ts.size
    labels = np.arange(n, dtype=np.intp)
    if n < 2:
        return labels
    reach = policy.radius_m + policy.max_speed_mps * min(
        float(np.ptp(ts) + spread.max()), policy.grow_s
    )
    links_a: list[npt.NDArray[np.int32]] = []
    links_b: list[npt.NDArray[np.int32]] = []
    # Queried a slice of points at a time and only the linking pairs kept (as int32): a
    # dense burst has tens of millions of candidate pairs, and their float temporaries
    # all at once took gigabytes.
    for lo in range(0, n, QUERY_SLICE):
        a, b = within(x[lo:lo + QUERY_SLICE], y[lo:lo + QUERY_SLICE], x, y, reach)
        a = a + lo
        keep = a < b
        a, b = a[keep], b[keep]
        dt = np.abs(ts[a] - ts[b])
        grow = np.minimum(dt + np.maximum(spread[a], spread[b]), policy.grow_s)
        radius = np.where(cam[a] & cam[b], policy.camera_radius_m, policy.radius_m)
        ok = np.hypot(x[a] - x[b], y[a] - y[b]) <= radius + policy.max_speed_mps * grow
        ok &= dt <= policy.window_s
        if cls is not None:
            ok &= (cls[a] < 0) | (cls[b] < 0) | (cls[a] == cls[b])
        links_a.append(a[ok].astype(np.int32))
        links_b.append(b[ok].astype(np.int32))
    a, b = np.concatenate(links_a), np.concatenate(links_b)
    if not a.size:
        return labels
    graph = coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n, n))
    # components numbered by their lowest index, in order (as label propagation gave)
    return connected_components(graph, directed=False)[1].astype(np.intp)
